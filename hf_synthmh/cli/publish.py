"""`hf-synthmh publish`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hf_synthmh.cli._app import app, console


@app.command()
def publish(
    folder: Annotated[
        Path,
        typer.Argument(
            help="A Hub-layout folder written by `demo` (its published/), or with --adapter a LoRA adapter "
            "folder written by `finetune`."
        ),
    ],
    repo_id: Annotated[
        str, typer.Option(help="Target repo, e.g. me/synthetic-mh-reports (a model repo with --adapter).")
    ],
    adapter: Annotated[
        bool, typer.Option(help="FOLDER is a LoRA adapter (`finetune --out`): push it to a model repo.")
    ] = False,
    public: Annotated[bool, typer.Option(help="Make the repo public (default: private).")] = False,
    endpoint: Annotated[str | None, typer.Option(help="Hub endpoint (default: huggingface.co).")] = None,
) -> None:
    """Push a published folder (README.md card + parquet) to a dataset repo, or with --adapter a LoRA
    adapter folder (adapter, config with the base model's Hub id, card) to a model repo; private by default.
    The token comes from HF_TOKEN or `hf auth login`; it is never printed."""
    from hf_synthmh.publish import push_to_hub
    from hf_synthmh.publish_adapter import push_adapter

    if not (folder / "README.md").is_file():
        raise typer.BadParameter(
            f"{folder} has no README.md: give "
            + ("the adapter folder written by finetune" if adapter else "the published/ folder"),
            param_hint="FOLDER",
        )
    if adapter:
        url = push_adapter(folder, repo_id=repo_id, private=not public, endpoint=endpoint)
    else:
        url = push_to_hub(folder, repo_id=repo_id, card=None, private=not public, endpoint=endpoint)
    console.print(f"Pushed to {url} ({'public' if public else 'private'})")
