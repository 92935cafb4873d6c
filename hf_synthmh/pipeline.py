"""``augment()``: a short, readable composition of the stages.

real train split -> plan -> ``plan.map(Generator)`` -> synthetic rows -> gate -> metrics -> augmented split.
Nothing here is published; :func:`write_outputs` writes the local results and a Hub-layout folder holding
only the kept synthetic rows.

Example (with a real model; see ``tests/test_pipeline.py`` for a run on a tiny one)::

    from hf_synthmh import Generator, PlanOptions, augment, load_demo_corpus, make_backend, write_outputs

    real = load_demo_corpus()
    generator = Generator(backend=make_backend("transformers", model="Qwen/Qwen3-8B"))
    result = augment(real, generator=generator, plan=PlanOptions(per_label=20))
    write_outputs(result, "out/")
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hf_synthmh.contracts import PUBLISHED_COLUMNS, GenerationError, Level
from hf_synthmh.engines import Engine, RayOptions
from hf_synthmh.gate import GateResult, GateSettings, apply_gate, gate_summary
from hf_synthmh.generate import count_retries, generate_dataset
from hf_synthmh.plan import plan_dataset

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import numpy as np
    from datasets import ClassLabel, Dataset, DatasetDict

    from hf_synthmh.gate import PhiScanner
    from hf_synthmh.generate import Generator
    from hf_synthmh.metrics import MetricsOptions

logger = logging.getLogger(__name__)

__all__ = ["AugmentResult", "PlanOptions", "SplitNames", "augment", "to_synthetic_rows", "write_outputs"]


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """What to ask for (:func:`hf_synthmh.plan.plan_dataset`): quotas as in :func:`hf_synthmh.plan.quota`
    (exactly one of ``per_label`` and ``target_per_label``), the ICD-10 ``level`` they count at, real
    reports shown per request as style examples, and the plan's seed."""

    per_label: int | None = None
    target_per_label: int | None = None
    level: Level = "code"
    n_exemplars: int = 0
    seed: int = 0


@dataclass(frozen=True, kw_only=True)
class SplitNames:
    """Which splits of the real ``DatasetDict`` play which part; a missing ``test`` or ``holdout`` split
    (or ``None``) turns off what needs it."""

    train: str = "train"
    test: str | None = "test"
    holdout: str | None = "holdout"


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
    #: This run's generation counts (``retries``, ``failed``, ``cached``: generation-cache hits). Not on
    #: the card, which must not depend on what an earlier run had cached.
    run_counts: dict[str, int] = field(default_factory=dict)


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
    plan: PlanOptions,
    gate: GateSettings | None = None,
    metrics: MetricsOptions | None = None,
    splits: SplitNames | None = None,
    scanner: PhiScanner | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    batch_size: int = 8,
    num_proc: int | None = None,
    engine: Engine = "datasets",
    ray: RayOptions | None = None,
) -> AugmentResult:
    """Write synthetic reports for every ICD-10 code of the train split, gate them, and measure them.

    The real train split must have ``id``, ``text`` and ``label`` (a ClassLabel of ICD-10 codes). The
    gate checks membership against it; metrics compare the kept synthetic rows with it.

    When ``real`` has them, the holdout split (real reports the generator never saw) calibrates the
    gate's embedding check and the privacy metrics (DCR share, membership-inference AUC, the holdout
    baseline), and the test split measures utility: classifiers trained on real only, real + synthetic
    and synthetic only, tested there. ``metrics`` defaults to :class:`~hf_synthmh.metrics.MetricsOptions`
    seeded with ``plan.seed``; its ``classifier_preprocess`` maps texts before the classifiers see them
    (e.g. :func:`hf_synthmh.sections.drop_sections` when reports name their code) and its ``plot_dir``
    gets the PNG plots (needs the ``plots`` extra).

    ``engine="ray"`` runs the same steps on Ray Data (:mod:`hf_synthmh.engines`; the extra
    ``hf-synthmh[ray]``) with ``ray`` (:class:`~hf_synthmh.engines.RayOptions`: cluster address and
    workers): generation and the gate in actor pools, the membership index shared through the object
    store, embeddings on the workers and the whole-corpus metrics on the driver. The result is the
    same (tests/engines compare the gate and the metrics); the gate's embedding check runs on the driver
    over the collected rows.
    """
    if engine not in ("datasets", "ray"):
        raise ValueError(f"engine must be 'datasets' or 'ray', not {engine!r}")
    if engine == "ray":
        from hf_synthmh.engines.ray_data import ray_runtime

        with ray_runtime(ray or RayOptions()):
            return _augment(real, generator=generator, plan=plan, gate=gate, metrics=metrics, splits=splits,
                            scanner=scanner, embed=embed, batch_size=batch_size, num_proc=num_proc,
                            ray=ray or RayOptions())  # fmt: skip
    return _augment(real, generator=generator, plan=plan, gate=gate, metrics=metrics, splits=splits,
                    scanner=scanner, embed=embed, batch_size=batch_size, num_proc=num_proc, ray=None)  # fmt: skip


def _augment(
    real: DatasetDict,
    *,
    generator: Generator,
    plan: PlanOptions,
    gate: GateSettings | None,
    metrics: MetricsOptions | None,
    splits: SplitNames | None,
    scanner: PhiScanner | None,
    embed: Callable[[list[str]], np.ndarray] | None,
    batch_size: int,
    num_proc: int | None,
    ray: RayOptions | None,
) -> AugmentResult:
    """:func:`augment` on the ``datasets`` engine (``ray=None``) or on a running Ray runtime."""
    from datasets import DatasetDict, Value, concatenate_datasets

    from hf_synthmh.metrics import MetricsOptions, evaluate_splits

    names = splits or SplitNames()
    measure = metrics if metrics is not None else MetricsOptions(seed=plan.seed)
    train = real[names.train]
    test = real[names.test] if names.test is not None and names.test in real else None
    holdout = real[names.holdout] if names.holdout is not None and names.holdout in real else None
    label = train.features["label"]
    if not hasattr(label, "names"):
        raise ValueError(f"real[{names.train!r}]['label'] must be a ClassLabel of ICD-10 codes, got {label}")

    requests = plan_dataset(
        train,
        per_label=plan.per_label,
        target_per_label=plan.target_per_label,
        level=plan.level,
        n_exemplars=plan.n_exemplars,
        seed=plan.seed,
    )
    logger.info("plan: %d requests over %d codes", len(requests), len(set(requests["code"])))
    run_counts: dict[str, int] = {}
    if ray is None:
        generated = generate_dataset(
            requests,
            generator=generator,
            batch_size=batch_size,
            num_proc=num_proc,
            desc="Generating",
            counts=run_counts,
        )
    else:
        from hf_synthmh.engines.generate import generate_rows

        generated = generate_rows(requests, generator=generator, options=ray, batch_size=batch_size)
        run_counts["retries"] = count_retries(generated["attempts"])
        run_counts["failed"] = sum(1 for error in generated["generation_error"] if error)
    synthetic = to_synthetic_rows(generated, label=label)
    # Rows the model failed to write (empty or malformed after every attempt) never reach the gate.
    failed = synthetic.filter(lambda row: bool(row.get("generation_error")), desc="Failed generations")
    written = synthetic.filter(lambda row: not row.get("generation_error"), desc="Written reports")

    # Exemplars shown in prompts are part of the real split, so one check covers both.
    if ray is None:
        gated = apply_gate(
            written,
            reference_texts=train["text"],
            reference_ids=train["id"],
            settings=gate or GateSettings(),
            scanner=scanner,
            holdout_texts=holdout["text"] if holdout is not None else None,
            embed=embed,
        )
    else:
        gated = _ray_gate(written, train, holdout, gate or GateSettings(), scanner, ray, embed)
        embed = _ray_embed(embed, [train, gated.kept, holdout], ray)
    kept = gated.kept.select_columns([c for c in PUBLISHED_COLUMNS if c in gated.kept.column_names])
    logger.info("gate: kept %d of %d written rows (%d failed)", len(kept), len(written), len(failed))

    scores = evaluate_splits(
        train, kept, holdout=holdout, test=test, phi_replay=gated.phi_replay, embed=embed, options=measure
    )

    real_rows = train.select_columns(["id", "text", "label"]).add_column("is_synthetic", [False] * len(train))
    real_rows = real_rows.cast_column("is_synthetic", Value("bool"))
    mixed = concatenate_datasets([real_rows, kept.select_columns(["id", "text", "label", "is_synthetic"])])
    augmented = DatasetDict({name: ds for name, ds in real.items() if name != names.train})
    augmented[names.train] = mixed

    return AugmentResult(
        synthetic=kept,
        rejected=gated.rejected,
        failed=failed,
        augmented=augmented,
        gate=gated,
        metrics=scores,
        generation=_generation_record(generator, plan, requests, generated, failed),
        plot_dir=Path(measure.plot_dir) if measure.plot_dir is not None else None,
        run_counts=run_counts,
    )


def _ray_gate(
    written: Dataset,
    train: Dataset,
    holdout: Dataset | None,
    settings: GateSettings,
    scanner: PhiScanner | None,
    ray: RayOptions,
    embed: Callable[[list[str]], np.ndarray] | None,
) -> GateResult:
    from hf_synthmh.engines.gate import gate_dataset, gate_result
    from hf_synthmh.engines.ray_data import from_dataset
    from hf_synthmh.gate.steps import EmbeddingStep

    holdout_texts = holdout["text"] if holdout is not None else None
    embedding = EmbeddingStep(settings, (train["text"], train["id"]), holdout_texts, embed)

    timings: dict[str, float] = {}
    gated, replay = gate_dataset(
        from_dataset(written, ray), reference_texts=train["text"], reference_ids=train["id"],
        settings=settings, scanner=scanner, options=ray, timings=timings,
    )  # fmt: skip
    return gate_result(
        gated,
        settings=settings,
        replay=replay,
        timings=timings,
        features=written.features,
        embedding=embedding,
    )


def _ray_embed(embed: Any, splits: Sequence[Dataset | None], ray: RayOptions) -> Any:
    """``embed`` (default MiniLM) of every text of ``splits``, computed on the workers."""
    from hf_synthmh.engines.metrics import precomputed_embed
    from hf_synthmh.metrics.report import resolve_embed

    texts = [t for ds in splits if ds is not None for t in ds["text"]]
    return precomputed_embed(texts, resolve_embed(embed), options=ray)


def _generation_record(
    generator: Generator, plan: PlanOptions, requests: Dataset, generated: Dataset, failed: Dataset
) -> dict[str, Any]:
    """How the rows were written, for the card: models, prompts, sampling, quotas, retries, failures."""
    errors = failed["generation_error"] if len(failed) else []
    return {
        "models": sorted(set(generated["model"])),
        "prompt_template": generator.template_name,
        "prompt_hashes": len(set(generated["prompt_hash"])),
        "sampling": asdict(generator.sampling),
        "seed": plan.seed,
        "n_exemplars": plan.n_exemplars,
        "per_label": dict(sorted(Counter(requests["code"]).items())),
        "quota_level": plan.level,
        "require_sections": generator.require_sections,
        "max_attempts": generator.max_attempts,
        "retries": count_retries(generated["attempts"]),
        "failed": dict(sorted(Counter(GenerationError.parse(e).kind for e in errors).items())),
        "titles": dict(sorted(zip(requests["code"], requests["title"], strict=True))),
    }


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
