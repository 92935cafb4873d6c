"""`hf-synthmh generate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hf_synthmh.cli._app import (
    aligned_labels,
    app,
    console,
    gate_settings,
    one_thread,
    print_summary,
    section_dropper,
)


@app.command()
def generate(
    real: Annotated[Path, typer.Option(help="Real reports: .jsonl, .csv, .parquet or a saved dataset.")],
    out: Annotated[Path, typer.Option(help="Output folder.")],
    model: Annotated[str | None, typer.Option(help="Hub id, local path, or the served model name.")] = None,
    preset: Annotated[
        str | None,
        typer.Option(help="A model preset (hub id, sampling, template quirks); see --list-presets."),
    ] = None,
    backend: Annotated[str, typer.Option(help="transformers, endpoint or vllm.")] = "transformers",
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible endpoint URL (backend endpoint).")
    ] = None,
    max_concurrency: Annotated[int, typer.Option(help="Requests in flight (backend endpoint).")] = 8,
    device: Annotated[str, typer.Option(help="cpu, cuda or auto (backend transformers).")] = "cpu",
    per_label: Annotated[int | None, typer.Option(help="Synthetic reports per code.")] = None,
    target_per_label: Annotated[int | None, typer.Option(help="Top every code up to N rows.")] = None,
    level: Annotated[str, typer.Option(help="Quota level: code, category or block.")] = "code",
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
) -> None:
    """Write synthetic reports for every code of REAL, gate and measure them, and write OUT like `demo`."""
    one_thread()
    from dataclasses import replace

    from datasets import DatasetDict

    from hf_synthmh.backends.base import SamplingSettings
    from hf_synthmh.backends.presets import PRESETS, backend_from_preset
    from hf_synthmh.generate import Generator
    from hf_synthmh.io import read_table
    from hf_synthmh.pipeline import augment, write_outputs

    if (preset is None) == (model is None) and not (preset and backend == "endpoint"):
        raise typer.BadParameter("give --model or --preset (with --backend endpoint, both may be given)")
    if preset is not None and preset not in PRESETS:
        raise typer.BadParameter(f"unknown preset {preset!r}; known: {', '.join(sorted(PRESETS))}")
    if backend not in ("transformers", "endpoint", "vllm"):
        raise typer.BadParameter(f"{backend!r}: use transformers, endpoint or vllm", param_hint="--backend")
    if backend == "endpoint" and not base_url:
        raise typer.BadParameter("--backend endpoint needs --base-url", param_hint="--base-url")
    if (per_label is None) == (target_per_label is None):
        raise typer.BadParameter("give exactly one of --per-label or --target-per-label")
    if level not in ("code", "category", "block"):
        raise typer.BadParameter(f"{level!r}: use code, category or block", param_hint="--level")

    settings: dict[str, Any] = {}
    if model is not None:
        settings["model"] = model
    if backend == "endpoint":
        settings["max_concurrency"] = max_concurrency
    elif backend == "transformers":
        settings.update(device=device, batch_size=batch_size)
    if preset is not None:
        chosen = backend_from_preset(preset, kind=backend, base_url=base_url, **settings)  # type: ignore[arg-type]
        sampling = PRESETS[preset].sampling
    elif backend == "endpoint":
        from hf_synthmh.backends.endpoint import EndpointBackend

        chosen = EndpointBackend(base_url=str(base_url), **settings)
        sampling = SamplingSettings()
    elif backend == "vllm":
        from hf_synthmh.backends.vllm import VllmBackend

        chosen = VllmBackend(model=str(model))
        sampling = SamplingSettings()
    else:
        from hf_synthmh.backends.transformers import TransformersBackend

        chosen = TransformersBackend(**settings)
        sampling = SamplingSettings()
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
        per_label=per_label,
        target_per_label=target_per_label,
        level=level,  # type: ignore[arg-type]
        n_exemplars=n_exemplars,
        seed=seed,
        batch_size=batch_size,
        gate_settings=gate_settings(phi_policy),
        classifier_preprocess=preprocess,
        plot_dir=out / "plots",
    )
    paths = write_outputs(result, out)
    retries = result.generation.get("retries", 0)
    console.print(
        f"Generated {len(result.synthetic) + len(result.rejected) + len(result.failed)} rows; retries {retries}"
    )
    if len(result.failed):
        console.print(f"[bold]Reports the model failed to write:[/bold] {result.generation['failed']}")
    print_summary(result.metrics, result.gate.counts, len(result.synthetic), len(result.rejected))
    console.print(f"Published folder: {paths['published']}   Rejected (local only): {paths['rejected']}")
