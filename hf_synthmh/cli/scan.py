"""`hf-synthmh scan`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hf_synthmh.cli._app import app, console, gate_settings, one_thread
from hf_synthmh.cli._engine import AddressOption, EngineOption, WorkersOption, ray_options
from hf_synthmh.cli._out import hold_out


@app.command()
def scan(
    ctx: typer.Context,
    real: Annotated[Path, typer.Option(help="Real reports: .jsonl, .csv, .parquet or a saved dataset.")],
    synthetic: Annotated[Path, typer.Option(help="Synthetic reports, same formats.")],
    out: Annotated[Path, typer.Option(help="Output folder.")],
    max_containment: Annotated[
        float, typer.Option(help="Reject above this share of tokens copied from one real report.")
    ] = 0.4,
    max_shared_span: Annotated[int, typer.Option(help="Reject a shared run of this many tokens.")] = 40,
    minhash_threshold: Annotated[
        float, typer.Option(help="Reject at this Jaccard of rare word shingles with one real report.")
    ] = 0.5,
    max_rouge_l: Annotated[
        float, typer.Option(help="Reject at this ROUGE-L F1 with the real report sharing most rare n-grams.")
    ] = 0.8,
    phi_threshold: Annotated[float, typer.Option(help="Presidio score threshold.")] = 0.35,
    phi_policy: Annotated[
        str, typer.Option(help="drop rows with PHI, or redact it to typed placeholders such as <PERSON>.")
    ] = "drop",
    replay: Annotated[
        bool, typer.Option(help="Reject rows repeating an identifier found in the real reports.")
    ] = True,
    holdout: Annotated[
        Path | None,
        typer.Option(help="Real reports never shown to the generator: calibrate --embedding-check."),
    ] = None,
    embedding_check: Annotated[
        bool, typer.Option(help="Also reject rows too close to a real report in MiniLM space (slow).")
    ] = False,
    embedding_percentile: Annotated[
        float, typer.Option(help="...closer than this % of holdout reports are to the train split.")
    ] = 1.0,
    split: Annotated[str | None, typer.Option(help="Split to read from a saved DatasetDict.")] = None,
    engine: EngineOption = "datasets",
    address: AddressOption = None,
    num_workers: WorkersOption = 1,
) -> None:
    """Gate synthetic reports: PHI scan (drop or redact), PHI replay and membership checks against the
    real ones (rare n-grams, shared spans, MinHash, ROUGE-L; with --embedding-check also embedding distance).

    Writes OUT/kept.jsonl, OUT/rejected.jsonl (all columns plus reject_reasons) and OUT/scan_report.json
    (counts per reason and per label, PHI replay per type, seconds per step).

    With --engine ray the gate runs on Ray Data and the kept rows are written as parquet shards in
    OUT/kept/ (instead of OUT/kept.jsonl); a .parquet or .jsonl --synthetic with an id column is read
    by Ray's readers. The embedding check is not run by the ray engine.
    """
    one_thread()
    hold_out(ctx, out)
    ray = ray_options(engine, address, num_workers)
    from hf_synthmh.gate import apply_gate, gate_summary
    from hf_synthmh.io import read_table, write_jsonl

    settings = gate_settings(
        phi_policy,
        phi_threshold=phi_threshold,
        replay_check=replay,
        max_containment=max_containment,
        max_shared_span=max_shared_span,
        minhash_threshold=minhash_threshold,
        max_rouge_l=max_rouge_l,
        embedding_check=embedding_check,
        embedding_percentile=embedding_percentile,
    )
    if embedding_check and holdout is None:
        raise typer.BadParameter("--embedding-check needs --holdout", param_hint="--holdout")
    real_ds = read_table(real, split=split, id_prefix="real")
    hold = read_table(holdout, split=split, id_prefix="holdout") if holdout is not None else None
    if ray is not None:
        from hf_synthmh.engines.scan import scan_on_ray

        summary = scan_on_ray(
            real_ds, synthetic, out, settings=settings, options=ray, split=split,
            holdout_texts=hold["text"] if hold is not None else None,
        )  # fmt: skip
        _print(summary, out / "kept", out)
        return
    syn_ds = read_table(synthetic, split=split, id_prefix="syn")
    gate = apply_gate(
        syn_ds,
        reference_texts=real_ds["text"],
        reference_ids=real_ds["id"],
        settings=settings,
        holdout_texts=hold["text"] if hold is not None else None,
    )
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(gate.kept, out / "kept.jsonl")
    write_jsonl(gate.rejected, out / "rejected.jsonl")
    summary = gate_summary(gate)
    (out / "scan_report.json").write_text(json.dumps(summary, indent=2) + "\n")
    _print(summary, out / "kept.jsonl", out)


def _print(summary: dict, kept: Path, out: Path) -> None:
    console.print(f"kept {summary['n_kept']} of {summary['n_in']}; rejects by reason: {summary['counts']}")
    if summary["n_redacted"]:
        console.print(f"redacted and kept: {summary['n_redacted']} ({summary['redacted_per_type']})")
    console.print(f"Wrote {kept}, {out / 'rejected.jsonl'}, {out / 'scan_report.json'}")
