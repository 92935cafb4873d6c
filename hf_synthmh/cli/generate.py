"""`hf-synthmh generate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hf_synthmh.cli._app import (
    aligned_labels,
    app,
    check_choice,
    console,
    err_console,
    gate_settings,
    one_of,
    one_thread,
    print_summary,
    section_dropper,
)
from hf_synthmh.cli._engine import AddressOption, EngineOption, WorkersOption, ray_options
from hf_synthmh.cli._out import hold_out
from hf_synthmh.contracts import BackendKind, Level, choices


@app.command()
def generate(
    ctx: typer.Context,
    real: Annotated[Path, typer.Option(help="Real reports: .jsonl, .csv, .parquet or a saved dataset.")],
    out: Annotated[Path, typer.Option(help="Output folder.")],
    model: Annotated[str | None, typer.Option(help="Hub id, local path, or the served model name.")] = None,
    preset: Annotated[
        str | None,
        typer.Option(help="A model preset (hub id, sampling, template quirks); see --list-presets."),
    ] = None,
    backend: Annotated[str, typer.Option(help=f"{one_of(choices(BackendKind))}.")] = "transformers",
    base_url: Annotated[
        str | None,
        typer.Option(
            help="OpenAI-compatible endpoint URL (backend endpoint); several, comma-separated, are a pool "
            "of servers of one model used round-robin."
        ),
    ] = None,
    max_concurrency: Annotated[int, typer.Option(help="Requests in flight (backend endpoint).")] = 8,
    request_retries: Annotated[
        int,
        typer.Option(
            help="Retries of a request after rate limits, server errors or timeouts (backend endpoint)."
        ),
    ] = 5,
    request_timeout: Annotated[
        float, typer.Option(help="Seconds per request attempt before it is retried (backend endpoint).")
    ] = 300.0,
    extra_body: Annotated[
        str | None,
        typer.Option(
            help="JSON object merged into every request (backend endpoint), e.g. '{\"top_k\": 20}' or "
            '\'{"generation_config": "{\\"do_sample\\": true}"}\' for transformers serve.'
        ),
    ] = None,
    drop_unsupported_fields: Annotated[
        bool,
        typer.Option(
            help="Drop an optional request field the server refuses, with a warning (backend endpoint)."
        ),
    ] = False,
    device: Annotated[str, typer.Option(help="cpu, cuda or auto (backend transformers).")] = "cpu",
    adapter: Annotated[
        str | None,
        typer.Option(
            help="A peft adapter (folder from `hf-synthmh finetune`, or Hub id) merged into --model."
        ),
    ] = None,
    per_label: Annotated[int | None, typer.Option(help="Synthetic reports per code.")] = None,
    target_per_label: Annotated[int | None, typer.Option(help="Top every code up to N rows.")] = None,
    level: Annotated[str, typer.Option(help=f"Quota level: {one_of(choices(Level))}.")] = "code",
    n_exemplars: Annotated[int, typer.Option(help="Real reports of the code shown as style examples.")] = 0,
    batch_size: Annotated[int, typer.Option(help="Rows per generation batch.")] = 8,
    max_new_tokens: Annotated[
        int | None, typer.Option(help="Tokens per report (default: preset's or 400).")
    ] = None,
    temperature: Annotated[
        float | None, typer.Option(help="Sampling temperature (default: preset's).")
    ] = None,
    max_attempts: Annotated[int, typer.Option(help="Tries per report, the first included.")] = 3,
    test: Annotated[
        Path | None, typer.Option(help="Real test split: adds downstream utility to the metrics.")
    ] = None,
    holdout: Annotated[
        Path | None, typer.Option(help="Real reports never shown to the generator (privacy metrics).")
    ] = None,
    drop_sections: Annotated[
        str, typer.Option(help="Comma-separated sections the utility classifiers do not see.")
    ] = "",
    split: Annotated[str | None, typer.Option(help="Split to read from a saved DatasetDict.")] = None,
    phi_policy: Annotated[
        str, typer.Option(help="Gate: drop reports with PHI, or redact it to placeholders such as <PERSON>.")
    ] = "drop",
    seed: Annotated[int, typer.Option(help="Seed of the plan and of sampling.")] = 0,
    engine: EngineOption = "datasets",
    address: AddressOption = None,
    num_workers: WorkersOption = 1,
) -> None:
    """Write synthetic reports for every code of REAL, gate and measure them, and write OUT like `demo`.

    With --engine ray generation, the gate and the embeddings run on Ray Data workers (--num-workers
    actors each; --address joins a cluster, whose workers must all see OUT/generation_cache)."""
    one_thread()
    hold_out(ctx, out)
    ray = ray_options(engine, address, num_workers)
    from dataclasses import replace

    from datasets import DatasetDict

    from hf_synthmh.backends import make_backend, preset_sampling
    from hf_synthmh.generate import Generator
    from hf_synthmh.io import read_table
    from hf_synthmh.metrics import MetricsOptions
    from hf_synthmh.pipeline import PlanOptions, augment, write_outputs

    if (preset is None) == (model is None) and not (preset and backend == "endpoint"):
        raise typer.BadParameter("give --model or --preset (with --backend endpoint, both may be given)")
    check_choice(backend, BackendKind, "--backend")
    if backend == "endpoint" and not base_url:
        raise typer.BadParameter("--backend endpoint needs --base-url", param_hint="--base-url")
    if (per_label is None) == (target_per_label is None):
        raise typer.BadParameter("give exactly one of --per-label or --target-per-label")
    check_choice(level, Level, "--level")

    settings: dict[str, Any] = {}
    if backend == "endpoint":
        settings.update(
            max_concurrency=max_concurrency,
            timeout=request_timeout,
            max_retries=request_retries,
            drop_unsupported_fields=drop_unsupported_fields,
        )
    elif backend == "transformers":
        settings.update(device=device, batch_size=batch_size, adapter=adapter)
    urls = [u.strip() for u in (base_url or "").split(",") if u.strip()]
    try:
        first = urls[0] if urls else None
        chosen = make_backend(backend, model=model, preset=preset, base_url=first, **settings)  # type: ignore[arg-type]
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--preset") from err
    if adapter is not None and backend != "transformers":
        raise typer.BadParameter("only the transformers backend loads an adapter", param_hint="--adapter")
    if extra_body is not None:
        if backend != "endpoint":
            raise typer.BadParameter(
                "only the endpoint backend sends a request body", param_hint="--extra-body"
            )
        chosen = replace(chosen, extra_body={**(chosen.extra_body or {}), **_json_object(extra_body)})  # type: ignore[type-var, attr-defined]
    if len(urls) > 1:
        from hf_synthmh.engines.generate import EndpointPool

        chosen = EndpointPool(backends=tuple(replace(chosen, base_url=u) for u in urls))  # type: ignore[type-var]
    sampling = preset_sampling(preset)
    if max_new_tokens is not None:
        sampling = replace(sampling, max_new_tokens=max_new_tokens)
    if temperature is not None:
        sampling = replace(sampling, temperature=temperature)

    preprocess = section_dropper(drop_sections)
    splits = {"train": read_table(real, split=split, id_prefix="real")}
    for name, path in (("test", test), ("holdout", holdout)):
        if path is not None:
            splits[name] = read_table(path, split=split, id_prefix=name)
    generator = Generator(
        backend=chosen, sampling=sampling, max_attempts=max_attempts, cache_dir=str(out / "generation_cache")
    )
    result = augment(
        aligned_labels(DatasetDict(splits)),
        generator=generator,
        plan=PlanOptions(
            per_label=per_label,
            target_per_label=target_per_label,
            level=level,  # type: ignore[arg-type]
            n_exemplars=n_exemplars,
            seed=seed,
        ),
        gate=gate_settings(phi_policy),
        metrics=MetricsOptions(seed=seed, classifier_preprocess=preprocess, plot_dir=out / "plots"),
        batch_size=batch_size,
        engine="ray" if ray is not None else "datasets",
        ray=ray,
    )
    from hf_synthmh.finetune.dp import privacy_caveat, read_privacy

    dp_record = read_privacy(adapter)  # a DP-trained adapter's guarantee goes on the dataset card
    paths = write_outputs(result, out, caveats=[privacy_caveat(dp_record)] if dp_record else ())
    retries = result.generation.get("retries", 0)
    cached = result.run_counts.get("cached")  # not counted across Ray workers
    console.print(
        f"Generated {len(result.synthetic) + len(result.rejected) + len(result.failed)} rows; retries {retries}"
        + (f"; {cached} completion(s) from the generation cache" if cached is not None else "")
    )
    if len(result.failed):
        console.print(f"[bold]Reports the model failed to write:[/bold] {result.generation['failed']}")
    print_summary(result.metrics, result.gate.counts, len(result.synthetic), len(result.rejected))
    console.print(f"Published folder: {paths['published']}   Rejected (local only): {paths['rejected']}")
    _exit_if_nothing_was_written(result)


def _exit_if_nothing_was_written(result: Any) -> None:
    """Exit 1 with one line when no report at all was written because every request failed."""
    from collections import Counter

    from hf_synthmh.contracts import GenerationError

    if len(result.synthetic) + len(result.rejected) or not len(result.failed):
        return
    errors = [GenerationError.parse(e) for e in result.failed["generation_error"]]
    reasons = Counter(e.reason for e in errors if e.kind == GenerationError.REQUEST_FAILED)
    if not reasons:
        return
    shown = ", ".join(f"{reason} x{count}" for reason, count in reasons.most_common())
    err_console.print(
        f"error: no report was written: {sum(reasons.values())} request(s) failed for good ({shown}); check "
        "that the server at --base-url is up, then run the same command again: only the failed rows are asked "
        "for again",
        markup=False,
        soft_wrap=True,
    )
    raise typer.Exit(1)


def _json_object(text: str) -> dict[str, Any]:
    """``--extra-body`` as a dict; a usage error naming the flag when it is not a JSON object."""
    import json

    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise typer.BadParameter(
            f"not valid JSON ({err.msg} at column {err.colno})", param_hint="--extra-body"
        ) from err
    if not isinstance(value, dict):
        raise typer.BadParameter("give a JSON object, e.g. '{\"top_k\": 20}'", param_hint="--extra-body")
    return value
