"""`hf-synthmh publish`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hf_synthmh.cli._app import app, console


@app.command()
def publish(
    folder: Annotated[Path, typer.Argument(help="A Hub-layout folder written by `demo` (its published/).")],
    repo_id: Annotated[str, typer.Option(help="Target dataset repo, e.g. me/synthetic-mh-reports.")],
    public: Annotated[bool, typer.Option(help="Make the repo public (default: private).")] = False,
    endpoint: Annotated[str | None, typer.Option(help="Hub endpoint (default: huggingface.co).")] = None,
) -> None:
    """Push a published folder (README.md card + parquet) to the Hub, private by default.
    The token comes from HF_TOKEN or `hf auth login`; it is never printed."""
    from hf_synthmh.publish import push_to_hub

    if not (folder / "README.md").is_file():
        raise typer.BadParameter(
            f"{folder} has no README.md: give the published/ folder", param_hint="FOLDER"
        )
    url = push_to_hub(folder, repo_id=repo_id, card=None, private=not public, endpoint=endpoint)
    console.print(f"Pushed to {url} ({'public' if public else 'private'})")
