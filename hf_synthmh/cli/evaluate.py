"""`hf-synthmh evaluate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from hf_synthmh.cli._app import app, console, hashed_tokens, one_thread, print_summary, section_dropper


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
        str, typer.Option(help="Utility classifier: tfidf_lr, or transformer (a small fine-tuned model).")
    ] = "tfidf_lr",
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the F1 intervals.")] = 1000,
    embed: Annotated[
        str, typer.Option(help="Embeddings: minilm (bundled all-MiniLM-L6-v2) or hashed (fast, lexical).")
    ] = "minilm",
    split: Annotated[str | None, typer.Option(help="Split to read from a saved DatasetDict.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of samples, classifiers and bootstrap.")] = 0,
) -> None:
    """Measure fidelity, diversity, privacy and detectability, overall and per ICD-10 code; with
    --test also downstream utility; with --holdout the DCR share and membership-inference AUC."""
    one_thread()
    from hf_synthmh.io import codes_of, read_table
    from hf_synthmh.metrics import evaluate_corpus
    from hf_synthmh.metrics.privacy import privacy
    from hf_synthmh.metrics.report import resolve_embed

    if classifier not in ("tfidf_lr", "transformer"):
        raise typer.BadParameter(f"{classifier!r}: use tfidf_lr or transformer", param_hint="--classifier")
    if embed not in ("minilm", "hashed"):
        raise typer.BadParameter(f"{embed!r}: use minilm or hashed", param_hint="--embed")
    preprocess = section_dropper(drop_sections)
    real_ds = read_table(real, split=split)
    syn_ds = read_table(synthetic, split=split, id_prefix="syn")
    hold = read_table(holdout, split=split, id_prefix="holdout") if holdout is not None else None
    test_ds = read_table(test, split=split, id_prefix="test") if test is not None else None
    embed_fn = resolve_embed(embed)
    metrics: dict[str, Any] = evaluate_corpus(
        real_texts=real_ds["text"],
        real_labels=codes_of(real_ds),
        synthetic_texts=syn_ds["text"],
        synthetic_labels=codes_of(syn_ds),
        embed=embed_fn,
        token_embed=None if embed == "minilm" else hashed_tokens(),
        holdout_texts=hold["text"] if hold is not None else None,
        holdout_labels=codes_of(hold) if hold is not None else None,
        test_texts=test_ds["text"] if test_ds is not None else None,
        test_labels=codes_of(test_ds) if test_ds is not None else None,
        classifier=classifier,
        n_bootstrap=bootstrap,
        classifier_preprocess=preprocess,
        plot_dir=plots,
        seed=seed,
    )
    if hold is not None:
        # What unseen real reports score against the train split: the bar synthetic rows should meet.
        metrics["privacy_holdout_baseline"] = privacy(
            real_texts=real_ds["text"], synthetic_texts=hold["text"]
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(metrics, indent=2) + "\n")
    print_summary(metrics, None, len(syn_ds), None)
    console.print(f"Wrote {out}" + (f" and plots in {plots}" if plots is not None else ""))
