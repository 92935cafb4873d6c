"""``hf-synthmh``: demo, scan, evaluate and publish from the command line.

Every command exits non-zero with a one-line message naming the problem on bad input (missing file,
missing column, unknown ICD-10 codes, empty texts). Report text is never printed or logged.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    name="hf-synthmh",
    help="Synthetic mental-health evaluation reports: generate, gate, evaluate, publish.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=False)
err_console = Console(stderr=True)
logger = logging.getLogger("hf_synthmh")


def _one_thread() -> None:
    """One torch thread: on shared 2-core machines two threads ran 7-40x slower."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    import torch

    torch.set_num_threads(int(os.environ.get("HF_SYNTHMH_TORCH_THREADS", "1")))


def _offline_defaults() -> None:
    """The demo needs nothing from the network; say so to every library that might try."""
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_EVALUATE_OFFLINE"):
        os.environ.setdefault(name, "1")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("demo_out"),
    per_label: Annotated[int, typer.Option(help="Synthetic reports to write per ICD-10 code.")] = 8,
    model: Annotated[
        str | None,
        typer.Option(help="Hub id or local path of a causal LM; default: train the tiny demo model."),
    ] = None,
    steps: Annotated[int, typer.Option(help="Training steps of the tiny demo model.")] = 600,
    batch_size: Annotated[int, typer.Option(help="Rows per generation batch.")] = 8,
    max_new_tokens: Annotated[int, typer.Option(help="Tokens per report.")] = 400,
    seed: Annotated[int, typer.Option(help="Seed of the plan and of sampling.")] = 0,
) -> None:
    """Run the whole flow on the bundled fictional corpus: train (or load) a model, generate, gate,
    measure, and write a Hub-layout folder with a dataset card."""
    _offline_defaults()
    _one_thread()
    from hf_synthmh.backends.base import SamplingSettings
    from hf_synthmh.backends.transformers import TransformersBackend
    from hf_synthmh.demo.corpus import CORPUS_NOTICE, load_demo_corpus
    from hf_synthmh.generate import Generator
    from hf_synthmh.pipeline import augment, write_outputs

    real = load_demo_corpus(seed=seed)
    if model is None:
        from hf_synthmh.demo.model import demo_model

        console.print("[bold]Training (or loading) the tiny demo model[/bold] - a toy that memorises.")
        model = str(demo_model(steps=steps, seed=seed))
    generator = Generator(
        backend=TransformersBackend(model=model, batch_size=batch_size),
        sampling=SamplingSettings(max_new_tokens=max_new_tokens),
    )
    result = augment(real, generator=generator, per_label=per_label, seed=seed, batch_size=batch_size)
    paths = write_outputs(
        result,
        out,
        pretty_name="hf_synthmh demo: synthetic reports from a toy model",
        source_note=CORPUS_NOTICE,
    )
    _print_summary(result.metrics, result.gate.counts, len(result.synthetic), len(result.rejected))
    console.print(f"Published folder (load with datasets.load_dataset): {paths['published']}")
    console.print(f"Rejected rows, local only: {paths['rejected']}")
    console.print(f"Metrics: {paths['metrics']}   Gate report: {paths['scan_report']}")


@app.command()
def scan(
    real: Annotated[Path, typer.Option(help="Real reports: .jsonl, .csv, .parquet or a saved dataset.")],
    synthetic: Annotated[Path, typer.Option(help="Synthetic reports, same formats.")],
    out: Annotated[Path, typer.Option(help="Output folder.")],
    max_containment: Annotated[float, typer.Option(help="Reject above this rare n-gram containment.")] = 0.5,
    max_shared_span: Annotated[int, typer.Option(help="Reject a shared run of this many tokens.")] = 40,
    phi_threshold: Annotated[float, typer.Option(help="Presidio score threshold.")] = 0.35,
    split: Annotated[str | None, typer.Option(help="Split to read from a saved DatasetDict.")] = None,
) -> None:
    """Gate synthetic reports: PHI scan + membership check against the real ones.

    Writes OUT/kept.jsonl, OUT/rejected.jsonl (all columns plus reject_reasons) and OUT/scan_report.json.
    """
    _one_thread()
    from hf_synthmh.gate import GateSettings, apply_gate
    from hf_synthmh.io import read_table, write_jsonl
    from hf_synthmh.pipeline import gate_summary

    real_ds = read_table(real, split=split, id_prefix="real")
    syn_ds = read_table(synthetic, split=split, id_prefix="syn")
    settings = GateSettings(
        phi_threshold=phi_threshold, max_containment=max_containment, max_shared_span=max_shared_span
    )
    gate = apply_gate(syn_ds, reference_texts=real_ds["text"], reference_ids=real_ds["id"], settings=settings)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(gate.kept, out / "kept.jsonl")
    write_jsonl(gate.rejected, out / "rejected.jsonl")
    summary = gate_summary(gate)
    (out / "scan_report.json").write_text(json.dumps(summary, indent=2) + "\n")
    console.print(f"kept {summary['n_kept']} of {summary['n_in']}; rejects by reason: {summary['counts']}")
    console.print(f"Wrote {out / 'kept.jsonl'}, {out / 'rejected.jsonl'}, {out / 'scan_report.json'}")


@app.command()
def evaluate(
    real: Annotated[Path, typer.Option(help="Real reports: .jsonl, .csv, .parquet or a saved dataset.")],
    synthetic: Annotated[Path, typer.Option(help="Synthetic reports, same formats.")],
    out: Annotated[Path, typer.Option(help="Where to write the metrics JSON.")] = Path("metrics.json"),
    holdout: Annotated[
        Path | None, typer.Option(help="Real reports never shown to the generator (privacy baseline).")
    ] = None,
    split: Annotated[str | None, typer.Option(help="Split to read from a saved DatasetDict.")] = None,
) -> None:
    """Measure fidelity, diversity and privacy, overall and per ICD-10 code."""
    _one_thread()
    from hf_synthmh.io import codes_of, read_table
    from hf_synthmh.metrics import evaluate_corpus
    from hf_synthmh.metrics.privacy import privacy

    real_ds = read_table(real, split=split)
    syn_ds = read_table(synthetic, split=split, id_prefix="syn")
    metrics: dict[str, Any] = evaluate_corpus(
        real_texts=real_ds["text"],
        real_labels=codes_of(real_ds),
        synthetic_texts=syn_ds["text"],
        synthetic_labels=codes_of(syn_ds),
    )
    if holdout is not None:
        hold = read_table(holdout, split=split, id_prefix="holdout")
        # What unseen real reports score against the train split: the bar synthetic rows should meet.
        metrics["privacy_holdout_baseline"] = privacy(
            real_texts=real_ds["text"], synthetic_texts=hold["text"]
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(metrics, indent=2) + "\n")
    _print_summary(metrics, None, len(syn_ds), None)
    console.print(f"Wrote {out}")


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


def _print_summary(
    metrics: dict[str, Any], counts: dict[str, int] | None, n_kept: int, n_rejected: int | None
) -> None:
    if n_rejected is not None:
        console.print(f"[bold]Synthetic rows kept:[/bold] {n_kept}   [bold]rejected:[/bold] {n_rejected}")
    if counts:
        console.print(
            "[bold]Rejects by reason:[/bold] " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        )
    table = Table(title="Metrics (synthetic vs real train split)")
    table.add_column("dimension")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for dimension in ("fidelity", "diversity", "privacy"):
        for name, value in metrics.get(dimension, {}).items():
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            table.add_row(dimension, name, shown)
    console.print(table)


def main(argv: list[str] | None = None) -> None:
    """Entry point; turns input errors into a message and exit code 2."""
    from hf_synthmh.icd10 import UnknownCodeError
    from hf_synthmh.io import InputError

    logging.basicConfig(level=os.environ.get("HF_SYNTHMH_LOG", "WARNING"))
    try:
        # standalone mode: typer turns usage errors into exit code 2 and --help into 0.
        app(args=argv, prog_name="hf-synthmh")
    except (InputError, UnknownCodeError, FileNotFoundError) as err:
        err_console.print(f"error: {err}")
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
