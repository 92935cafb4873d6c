"""The ``--engine``, ``--address`` and ``--num-workers`` options of `generate`, `scan` and `evaluate`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hf_synthmh.cli._app import err_console

EngineOption = Annotated[
    str, typer.Option(help="datasets (one machine) or ray (Ray Data: a local runtime or --address).")
]
AddressOption = Annotated[
    str | None,
    typer.Option(
        help="Ray cluster to join (engine ray), e.g. auto or ray://head:10001; default: start one here."
    ),
]
WorkersOption = Annotated[
    int, typer.Option(help="Workers per step (engine ray): actors holding a model, concurrent tasks.")
]


def ray_options(engine: str, address: str | None, num_workers: int) -> Any:
    """``None`` for the datasets engine, else :class:`~hf_synthmh.engines.RayOptions`; exits 2 naming the
    extra when Ray is not installed, and rejects ray-only flags without ``--engine ray``."""
    if engine not in ("datasets", "ray"):
        raise typer.BadParameter(f"{engine!r}: use datasets or ray", param_hint="--engine")
    if num_workers < 1:
        raise typer.BadParameter("must be >= 1", param_hint="--num-workers")
    if engine == "datasets":
        if address is not None:
            raise typer.BadParameter("--address needs --engine ray", param_hint="--address")
        return None
    from hf_synthmh.engines import RayOptions, RayUnavailable, require_ray

    try:
        require_ray()
    except RayUnavailable as err:
        err_console.print(f"error: {err}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from err
    return RayOptions(address=address, num_workers=num_workers)
