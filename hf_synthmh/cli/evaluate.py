"""`hf-synthmh evaluate`."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from hf_synthmh.cli._app import (
    app,
    check_choice,
    console,
    err_console,
    hashed_tokens,
    one_of,
    one_thread,
    print_summary,
    section_dropper,
)
from hf_synthmh.cli._engine import AddressOption, EngineOption, WorkersOption, ray_options
from hf_synthmh.cli._out import check_out_file
from hf_synthmh.contracts import ClassifierName, EmbedName, choices


@app.command()
def evaluate(
    real: Annotated[Path, typer.Option(help="Real reports: .jsonl, .csv, .parquet or a saved dataset.")],
    synthetic: Annotated[Path, typer.Option(help="Synthetic reports, same formats.")],
    out: Annotated[Path, typer.Option(help="Where to write the metrics JSON.")] = Path("metrics.json"),
    holdout: Annotated[
        Path | None, typer.Option(help="Real reports never shown to the generator (privacy baseline).")
    ] = None,
    test: Annotated[
        Path | None, typer.Option(help="Real test split: adds the downstream `utility` key.")
    ] = None,
    plots: Annotated[Path | None, typer.Option(help="Folder for the PNG plots (needs matplotlib).")] = None,
    drop_sections: Annotated[
        str,
        typer.Option(
            help="Comma-separated report sections the classifiers do not see, e.g. 'impression' when "
            "reports name their code (referral, history, mse, risk, impression, plan).",
        ),
    ] = "",
    classifier: Annotated[
        str,
        typer.Option(
            help=f"Utility classifier: {one_of(choices(ClassifierName))} (transformer: a small fine-tuned model)."
        ),
    ] = "tfidf_lr",
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the F1 intervals.")] = 1000,
    embed: Annotated[
        str,
        typer.Option(
            help=f"Embeddings: {one_of(choices(EmbedName))} (minilm: bundled all-MiniLM-L6-v2; hashed: fast, lexical)."
        ),
    ] = "minilm",
    split: Annotated[str | None, typer.Option(help="Split to read from a saved DatasetDict.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of samples, classifiers and bootstrap.")] = 0,
    engine: EngineOption = "datasets",
    address: AddressOption = None,
    num_workers: WorkersOption = 1,
) -> None:
    """Measure fidelity, diversity, privacy and detectability, overall and per ICD-10 code; with
    --test also downstream utility; with --holdout the DCR share and membership-inference AUC.

    With --engine ray the embeddings are computed on the Ray workers; the metrics that need the whole
    corpus (distinct-n, self-BLEU, MAUVE, DCR, classifiers) are then computed here, from the collected
    columns, by the same code: the same figures as --engine datasets."""
    one_thread()
    check_out_file(out)
    ray = ray_options(engine, address, num_workers)
    from hf_synthmh.io import read_table
    from hf_synthmh.metrics import MetricsOptions
    from hf_synthmh.metrics.report import resolve_embed

    check_choice(classifier, ClassifierName, "--classifier")
    check_choice(embed, EmbedName, "--embed")
    preprocess = section_dropper(drop_sections)
    real_ds = read_table(real, split=split)
    syn_ds = read_table(synthetic, split=split, id_prefix="syn")
    hold = read_table(holdout, split=split, id_prefix="holdout") if holdout is not None else None
    test_ds = read_table(test, split=split, id_prefix="test") if test is not None else None
    syn_ds, skipped = _with_real_labels(syn_ds, real_ds, synthetic=synthetic, real=real)
    embed_fn = resolve_embed(embed)
    with _engine(ray) as started:
        if started:
            from hf_synthmh.engines.metrics import precomputed_embed

            texts = [t for ds in (real_ds, syn_ds, hold) if ds is not None for t in ds["text"]]
            embed_fn = precomputed_embed(texts, embed_fn, options=ray)
        metrics = _measure(real_ds, syn_ds, hold, test_ds, embed_fn, MetricsOptions(
            token_embed=None if embed == "minilm" else hashed_tokens(),
            classifier=classifier,
            n_bootstrap=bootstrap,
            classifier_preprocess=preprocess,
            plot_dir=plots,
            seed=seed,
        ))  # fmt: skip
    if skipped:
        metrics["skipped_synthetic_labels"] = skipped
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(metrics, indent=2) + "\n")
    print_summary(metrics, None, len(syn_ds), None)
    console.print(f"Wrote {out}" + (f" and plots in {plots}" if plots is not None else ""))


def _measure(real_ds: Any, syn_ds: Any, hold: Any, test_ds: Any, embed: Any, options: Any) -> dict[str, Any]:
    from hf_synthmh.metrics import evaluate_splits

    result: dict[str, Any] = evaluate_splits(
        real_ds, syn_ds, holdout=hold, test=test_ds, embed=embed, options=options
    )
    return result


@contextlib.contextmanager
def _engine(ray: Any) -> Iterator[bool]:
    """A Ray runtime for the block when ``ray`` (RayOptions) is given; yields whether one is up."""
    if ray is None:
        yield False
        return
    from hf_synthmh.engines.ray_data import ray_runtime

    with ray_runtime(ray):
        yield True


def _with_real_labels(
    syn_ds: Any, real_ds: Any, *, synthetic: Path, real: Path
) -> tuple[Any, dict[str, int]]:
    """The synthetic rows whose code has real texts, and how many rows each other code had (warned about;
    an input error when no row is left)."""
    from collections import Counter

    from hf_synthmh.io import InputError, codes_of

    real_codes = set(codes_of(real_ds))
    codes = codes_of(syn_ds)
    skipped = dict(sorted(Counter(c for c in codes if c not in real_codes).items()))
    if not skipped:
        return syn_ds, {}
    named = ", ".join(f"{code} ({n} row{'s' if n > 1 else ''})" for code, n in skipped.items())
    if len(skipped) == len(set(codes)):
        raise InputError(f"{synthetic}: no synthetic label has real texts in {real} (labels {named})")
    err_console.print(
        f"warning: {synthetic}: label(s) {named} have no real texts in {real}; those rows are left out of the "
        "metrics (metrics.json lists them under skipped_synthetic_labels)",
        markup=False,
        soft_wrap=True,
    )
    keep = [i for i, code in enumerate(codes) if code in real_codes]
    return syn_ds.select(keep), skipped
