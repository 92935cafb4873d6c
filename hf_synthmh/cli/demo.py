"""`hf-synthmh demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hf_synthmh.cli._app import (
    TOY_CAVEAT,
    app,
    console,
    gate_settings,
    offline_defaults,
    one_thread,
    print_summary,
    section_dropper,
)


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
    temperature: Annotated[float, typer.Option(help="Sampling temperature.")] = 0.8,
    target_per_label: Annotated[
        int | None,
        typer.Option(help="Instead of --per-label: top every code up to N rows, real + synthetic."),
    ] = None,
    level: Annotated[
        str,
        typer.Option(help="Quota level of the ICD-10 hierarchy: code, category (F32) or block (F30-F39)."),
    ] = "code",
    require_sections: Annotated[
        bool, typer.Option(help="Retry, then drop, reports missing an expected section.")
    ] = True,
    max_attempts: Annotated[int, typer.Option(help="Tries per report, the first included.")] = 3,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Resumable generation cache (default OUT/generation_cache); keep it local."),
    ] = None,
    drop_sections: Annotated[
        str,
        typer.Option(
            help="Sections the utility classifiers do not see (demo reports name their code there)."
        ),
    ] = "impression",
    phi_policy: Annotated[
        str, typer.Option(help="Gate: drop reports with PHI, or redact it to placeholders such as <PERSON>.")
    ] = "drop",
    seed: Annotated[int, typer.Option(help="Seed of the plan and of sampling.")] = 0,
) -> None:
    """Run the whole flow on the bundled fictional corpus: train (or load) a model, generate, gate,
    measure, and write a Hub-layout folder with a dataset card."""
    offline_defaults()
    one_thread()
    from hf_synthmh.backends.base import SamplingSettings
    from hf_synthmh.backends.transformers import TransformersBackend
    from hf_synthmh.demo.corpus import CORPUS_NOTICE, load_demo_corpus
    from hf_synthmh.generate import Generator
    from hf_synthmh.pipeline import augment, write_outputs

    real = load_demo_corpus(seed=seed)
    model_given = model is not None
    if model is None:
        from hf_synthmh.demo.model import demo_model

        console.print("[bold]Training (or loading) the tiny demo model[/bold] - a toy that memorises.")
        model = str(demo_model(steps=steps, seed=seed))
    if level not in ("code", "category", "block"):
        raise typer.BadParameter(f"{level!r}: use code, category or block", param_hint="--level")
    generator = Generator(
        backend=TransformersBackend(model=model, batch_size=batch_size),
        sampling=SamplingSettings(max_new_tokens=max_new_tokens, temperature=temperature),
        require_sections=require_sections,
        max_attempts=max_attempts,
        cache_dir=str(cache_dir or out / "generation_cache"),
    )
    result = augment(
        real,
        generator=generator,
        per_label=None if target_per_label is not None else per_label,
        target_per_label=target_per_label,
        level=level,  # type: ignore[arg-type]
        seed=seed,
        batch_size=batch_size,
        gate_settings=gate_settings(phi_policy),
        classifier_preprocess=section_dropper(drop_sections),
        plot_dir=out / "plots",
    )
    paths = write_outputs(
        result,
        out,
        pretty_name="hf_synthmh demo: synthetic reports from a toy model",
        source_note=CORPUS_NOTICE,
        caveats=[] if model_given else [TOY_CAVEAT],
    )
    if len(result.failed):
        console.print(f"[bold]Reports the model failed to write:[/bold] {result.generation['failed']}")
    print_summary(result.metrics, result.gate.counts, len(result.synthetic), len(result.rejected))
    console.print(f"Published folder (load with datasets.load_dataset): {paths['published']}")
    console.print(f"Rejected rows, local only: {paths['rejected']}  Failed generations: {paths['failed']}")
    console.print(f"Metrics: {paths['metrics']}   Gate report: {paths['scan_report']}")
