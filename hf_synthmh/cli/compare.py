"""`hf-synthmh compare`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hf_synthmh.cli._app import aligned_labels, app, check_choice, console, gate_settings, one_of, one_thread
from hf_synthmh.cli._out import hold_out
from hf_synthmh.contracts import EmbedName, Level, choices


def _splits(real: Path, split: str | None, test: Path | None, holdout: Path | None) -> Any:
    """The real splits: ``--real`` (a saved DatasetDict gives its test/holdout splits too) and the
    optional ``--test``/``--holdout`` tables."""
    from datasets import DatasetDict

    from hf_synthmh.io import read_table

    names: list[str] = []
    if real.is_dir() and (real / "dataset_dict.json").exists():
        import json

        names = list(json.loads((real / "dataset_dict.json").read_text()).get("splits", []))
    train = split or ("train" if names else None)
    splits = {"train": read_table(real, split=train, id_prefix="real")}
    for name, path in (("test", test), ("holdout", holdout)):
        if path is not None:
            splits[name] = read_table(path, split=split if path == real else None, id_prefix=name)
        elif name in names:
            splits[name] = read_table(real, split=name, id_prefix=name)
    return aligned_labels(DatasetDict(splits))


@app.command()
def compare(
    ctx: typer.Context,
    real: Annotated[
        Path,
        typer.Option(
            help="Real reports: a saved DatasetDict (train/test/holdout), .jsonl, .csv or .parquet."
        ),
    ],
    generators: Annotated[
        Path, typer.Option(help="YAML file listing the generators (see hf_synthmh.compare).")
    ],
    out: Annotated[Path, typer.Option(help="Output folder (a rerun resumes each generator's cache).")],
    split: Annotated[
        str | None, typer.Option(help="Train split of a saved DatasetDict (default: train).")
    ] = None,
    test: Annotated[Path | None, typer.Option(help="Real test split (utility), if --real has none.")] = None,
    holdout: Annotated[
        Path | None,
        typer.Option(help="Real reports never shown to a generator (privacy), if --real has none."),
    ] = None,
    per_label: Annotated[int | None, typer.Option(help="Synthetic reports per code.")] = None,
    target_per_label: Annotated[int | None, typer.Option(help="Top every code up to N rows.")] = None,
    level: Annotated[str, typer.Option(help=f"Quota level: {one_of(choices(Level))}.")] = "code",
    n_exemplars: Annotated[int, typer.Option(help="Real reports of the code shown as style examples.")] = 0,
    phi_policy: Annotated[str, typer.Option(help="Gate: drop or redact reports with PHI.")] = "drop",
    embed: Annotated[
        str, typer.Option(help=f"Embeddings for gate and metrics: {one_of(choices(EmbedName))}.")
    ] = ("minilm"),
    n_bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples of the utility intervals.")] = 1000,
    drop_sections: Annotated[
        str, typer.Option(help="Comma-separated sections the utility classifiers do not see.")
    ] = "",
    plots: Annotated[
        bool, typer.Option(help="Write the scatter and heat map (needs the plots extra).")
    ] = True,
    seed: Annotated[int, typer.Option(help="Seed of the plan, sampling and metrics.")] = 0,
) -> None:
    """Send one plan to every generator of --generators, gate and measure each the same way, and write a
    table per generator and per ICD-10 code, plots and a comparison card (README.md) into OUT."""
    one_thread()
    hold_out(ctx, out)
    from hf_synthmh.cli._app import section_dropper
    from hf_synthmh.compare import compare as run_compare
    from hf_synthmh.compare import load_generators
    from hf_synthmh.metrics import MetricsOptions
    from hf_synthmh.metrics.report import resolve_embed
    from hf_synthmh.pipeline import PlanOptions

    if (per_label is None) == (target_per_label is None):
        raise typer.BadParameter("give exactly one of --per-label or --target-per-label")
    check_choice(level, Level, "--level")
    check_choice(embed, EmbedName, "--embed")
    try:
        specs = load_generators(generators)
    except (ValueError, TypeError) as err:
        raise typer.BadParameter(str(err), param_hint="--generators") from err
    result = run_compare(
        _splits(real, split, test, holdout),
        specs,
        out=out,
        plan=PlanOptions(
            per_label=per_label,
            target_per_label=target_per_label,
            level=level,  # type: ignore[arg-type]
            n_exemplars=n_exemplars,
            seed=seed,
        ),
        gate=gate_settings(phi_policy),
        metrics=MetricsOptions(
            seed=seed, n_bootstrap=n_bootstrap, classifier_preprocess=section_dropper(drop_sections)
        ),
        embed=resolve_embed(embed),
        plots=plots,
    )
    _print(result)


def _print(result: Any) -> None:
    from rich.table import Table

    from hf_synthmh.compare.card import fmt

    table = Table(title="Generators compared (same plan, gate and metrics)")
    columns = (
        "generator",
        "kept",
        "requested",
        "yield",
        "centroid_accuracy",
        "distinct_2",
        "max_ngram_containment",
        "mia_auc",
        "discriminator_auc",
        "augmented_macro_f1",
        "seconds_per_kept_row",
        "dp_epsilon",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "generator" else "right")
    for row in [*result.rows, result.baseline]:
        table.add_row(*(fmt(row.get(c)) for c in columns))
    console.print(table)
    console.print(
        f"Tables: {result.paths['table']} and {result.paths['per_code']}   Card: {result.paths['card']}"
    )
