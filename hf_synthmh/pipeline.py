"""``augment()``: a short, readable composition of the stages.

real train split -> plan -> ``plan.map(Generator)`` -> synthetic rows -> gate -> metrics -> augmented split.
Nothing here is published; :func:`write_outputs` writes the local results and a Hub-layout folder holding
only the kept synthetic rows.

Example (with a real model; see ``tests/test_pipeline.py`` for a run on a tiny one)::

    from hf_synthmh.demo.corpus import load_demo_corpus
    from hf_synthmh.backends.transformers import TransformersBackend
    from hf_synthmh.generate import Generator

    real = load_demo_corpus()
    result = augment(real, generator=Generator(backend=TransformersBackend(model="Qwen/Qwen3-8B")),
                     per_label=20)
    write_outputs(result, "out/")
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hf_synthmh.gate import GateResult, GateSettings, apply_gate, gate_summary
from hf_synthmh.generate import generate_dataset
from hf_synthmh.io import codes_of
from hf_synthmh.plan import Level, plan_dataset

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import numpy as np
    from datasets import ClassLabel, Dataset, DatasetDict

    from hf_synthmh.gate import PhiScanner
    from hf_synthmh.generate import Generator

logger = logging.getLogger(__name__)

__all__ = [
    "PUBLISHED_COLUMNS",
    "AugmentResult",
    "augment",
    "gate_summary",
    "to_synthetic_rows",
    "write_outputs",
]

#: Columns of a published synthetic row: the report, its label and its provenance. Nothing else.
PUBLISHED_COLUMNS = ("id", "text", "label", "is_synthetic", "model", "prompt_hash", "seed", "exemplar_ids")


@dataclass(frozen=True, kw_only=True)
class AugmentResult:
    """What :func:`augment` produced. ``augmented`` holds real + kept synthetic rows: keep it local."""

    synthetic: Dataset
    rejected: Dataset
    failed: Dataset
    augmented: DatasetDict
    gate: GateResult
    metrics: dict[str, Any]
    generation: dict[str, Any] = field(default_factory=dict)
    #: Where the metrics' plots were written (``metrics["plots"]`` names files there), or ``None``.
    plot_dir: Path | None = None


def to_synthetic_rows(generated: Dataset, *, label: ClassLabel) -> Dataset:
    """Turn generator output into dataset rows: ``id``, ``text``, ``label`` (same ClassLabel as the real
    split), ``is_synthetic`` and provenance columns. Plan-only columns (exemplar texts) are dropped."""

    def _rows(batch: dict[str, list]) -> dict[str, list]:
        return {
            "id": [f"syn-{rid}" for rid in batch["request_id"]],
            "label": [label.str2int(code) for code in batch["code"]],
            "is_synthetic": [True] * len(batch["code"]),
        }

    rows = generated.map(_rows, batched=True, desc="Labelling synthetic rows")
    extra = ("attributes", "reasoning", "generation_error", "attempts")
    keep = [c for c in (*PUBLISHED_COLUMNS, *extra) if c in rows.column_names]
    rows = rows.select_columns(keep)
    return rows.cast_column("label", label)


def augment(
    real: DatasetDict,
    *,
    generator: Generator,
    per_label: int | None = None,
    target_per_label: int | None = None,
    level: Level = "code",
    n_exemplars: int = 0,
    seed: int = 0,
    batch_size: int = 8,
    num_proc: int | None = None,
    gate_settings: GateSettings | None = None,
    scanner: PhiScanner | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    split: str = "train",
    test_split: str | None = "test",
    holdout_split: str | None = "holdout",
    classifier_preprocess: Callable[[str], str] | None = None,
    n_bootstrap: int = 1000,
    plot_dir: str | Path | None = None,
) -> AugmentResult:
    """Write synthetic reports for every ICD-10 code of ``real[split]``, gate them, and measure them.

    The real split must have ``id``, ``text`` and ``label`` (a ClassLabel of ICD-10 codes). Quotas as in
    :func:`hf_synthmh.plan.quota`. The gate checks membership against ``real[split]``; metrics compare the
    kept synthetic rows with the same split.

    When ``real`` has them, ``real[holdout_split]`` (real reports the generator never saw) calibrates the
    gate's embedding check and the privacy metrics (DCR share, membership-inference AUC), and
    ``real[test_split]`` measures utility: classifiers trained on real only, real + synthetic and
    synthetic only, tested there. ``classifier_preprocess`` maps texts before the classifiers see them
    (e.g. :func:`hf_synthmh.prompts.drop_sections` when reports name their code); ``plot_dir`` gets the
    PNG plots (needs the ``plots`` extra).
    """
    from datasets import DatasetDict, Value, concatenate_datasets

    from hf_synthmh.metrics import evaluate_corpus

    train = real[split]
    test = real[test_split] if test_split is not None and test_split in real else None
    holdout = real[holdout_split] if holdout_split is not None and holdout_split in real else None
    label = train.features["label"]
    if not hasattr(label, "names"):
        raise ValueError(f"real[{split!r}]['label'] must be a ClassLabel of ICD-10 codes, got {label}")

    plan = plan_dataset(
        train,
        per_label=per_label,
        target_per_label=target_per_label,
        level=level,
        n_exemplars=n_exemplars,
        seed=seed,
    )
    logger.info("plan: %d requests over %d codes", len(plan), len(set(plan["code"])))
    generated = generate_dataset(
        plan, generator=generator, batch_size=batch_size, num_proc=num_proc, desc="Generating"
    )
    synthetic = to_synthetic_rows(generated, label=label)
    # Rows the model failed to write (empty or malformed after every attempt) never reach the gate.
    failed = synthetic.filter(lambda row: bool(row.get("generation_error")), desc="Failed generations")
    written = synthetic.filter(lambda row: not row.get("generation_error"), desc="Written reports")

    # Exemplars shown in prompts are part of the real split, so one check covers both.
    gate = apply_gate(
        written,
        reference_texts=train["text"],
        reference_ids=train["id"],
        settings=gate_settings or GateSettings(),
        scanner=scanner,
        holdout_texts=holdout["text"] if holdout is not None else None,
        embed=embed,
    )
    kept = gate.kept.select_columns([c for c in PUBLISHED_COLUMNS if c in gate.kept.column_names])
    logger.info("gate: kept %d of %d written rows (%d failed)", len(kept), len(written), len(failed))

    metrics = evaluate_corpus(
        real_texts=train["text"],
        real_labels=codes_of(train),
        synthetic_texts=kept["text"],
        synthetic_labels=codes_of(kept),
        embed=embed,
        holdout_texts=holdout["text"] if holdout is not None else None,
        holdout_labels=codes_of(holdout) if holdout is not None else None,
        test_texts=test["text"] if test is not None else None,
        test_labels=codes_of(test) if test is not None else None,
        phi_replay=gate.phi_replay,
        classifier_preprocess=classifier_preprocess,
        n_bootstrap=n_bootstrap,
        plot_dir=plot_dir,
        seed=seed,
    )

    real_rows = train.select_columns(["id", "text", "label"]).add_column("is_synthetic", [False] * len(train))
    real_rows = real_rows.cast_column("is_synthetic", Value("bool"))
    mixed = concatenate_datasets([real_rows, kept.select_columns(["id", "text", "label", "is_synthetic"])])
    augmented = DatasetDict({name: ds for name, ds in real.items() if name != split})
    augmented[split] = mixed

    generation = {
        "models": sorted(set(generated["model"])),
        "prompt_template": getattr(generator, "template_name", "report.jinja"),
        "prompt_hashes": len(set(generated["prompt_hash"])),
        "sampling": _sampling_dict(generator),
        "seed": seed,
        "n_exemplars": n_exemplars,
        "per_label": dict(sorted(Counter(plan["code"]).items())),
        "quota_level": level,
        "require_sections": getattr(generator, "require_sections", None),
        "max_attempts": getattr(generator, "max_attempts", None),
        "retries": sum(generated["attempts"]) - len(generated) if "attempts" in generated.column_names else 0,
        "failed": dict(sorted(Counter(e.split("=")[0] for e in failed["generation_error"]).items()))
        if len(failed)
        else {},
        "titles": dict(sorted(zip(plan["code"], plan["title"], strict=True))),
    }
    return AugmentResult(
        synthetic=kept,
        rejected=gate.rejected,
        failed=failed,
        augmented=augmented,
        gate=gate,
        metrics=metrics,
        generation=generation,
        plot_dir=Path(plot_dir) if plot_dir is not None else None,
    )


def _sampling_dict(generator: Generator) -> dict[str, Any]:
    from dataclasses import asdict, is_dataclass

    sampling = getattr(generator, "sampling", None)
    return asdict(sampling) if sampling is not None and is_dataclass(sampling) else {}  # type: ignore[arg-type]


def _copy_plots(plots: Mapping[str, str], source: Path | None, folder: Path) -> dict[str, str]:
    """Copy the PNG plots (file names in ``source``) into ``folder/plots/``, replacing old ones; return
    their paths relative to ``folder``."""
    import shutil

    target = folder / "plots"
    if target.is_dir():
        shutil.rmtree(target)
    if not plots:
        return {}
    if source is None:
        raise ValueError("the metrics name plots but the result records no plot_dir")
    target.mkdir(parents=True)
    copied: dict[str, str] = {}
    for name, file_name in plots.items():
        shutil.copyfile(source / file_name, target / Path(file_name).name)
        copied[name] = f"plots/{Path(file_name).name}"
    return copied


def write_outputs(
    result: AugmentResult,
    out_dir: str | Path,
    *,
    pretty_name: str = "Synthetic mental-health evaluation reports",
    source_note: str = "",
    caveats: Sequence[str] = (),
) -> dict[str, Path]:
    """Write the local results and the Hub-layout folder of kept synthetic rows.

    ``out_dir/published/`` (README.md card + parquet, and ``plots/*.png`` shown by the card when the
    metrics hold plots; loads with ``datasets.load_dataset``),
    ``out_dir/rejected.jsonl`` (local only, may hold PHI), ``out_dir/failed.jsonl`` (rows the model
    failed to write, with ``generation_error``), ``out_dir/scan_report.json``,
    ``out_dir/metrics.json`` and ``out_dir/augmented/`` (real + synthetic, ``save_to_disk``; local only).
    """
    from hf_synthmh.card import build_card
    from hf_synthmh.io import write_jsonl
    from hf_synthmh.publish import write_hub_folder

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gate = gate_summary(result.gate)
    plots = _copy_plots(result.metrics.get("plots") or {}, result.plot_dir, out / "published")
    label = result.synthetic.features["label"]
    card = build_card(
        pretty_name=pretty_name,
        metrics=result.metrics,
        gate=gate,
        generation=result.generation,
        n_rows=len(result.synthetic),
        labels=list(label.names),
        source_note=source_note,
        caveats=caveats,
        plots=plots,
    )
    paths = {
        "published": write_hub_folder(result.synthetic, card, out / "published"),
        "rejected": out / "rejected.jsonl",
        "failed": out / "failed.jsonl",
        "scan_report": out / "scan_report.json",
        "metrics": out / "metrics.json",
        "augmented": out / "augmented",
    }
    write_jsonl(result.rejected, paths["rejected"])
    write_jsonl(result.failed, paths["failed"])
    paths["scan_report"].write_text(json.dumps(gate, indent=2) + "\n")
    paths["metrics"].write_text(json.dumps(result.metrics, indent=2) + "\n")
    result.augmented.save_to_disk(str(paths["augmented"]))
    return paths
