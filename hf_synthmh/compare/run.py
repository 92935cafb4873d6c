"""Run one plan through several generators, each through the same gate and metrics (:func:`compare`).

Every generator gets the same plan (codes, quotas, attributes, seeds: :func:`hf_synthmh.plan.plan_dataset`
with one :class:`~hf_synthmh.pipeline.PlanOptions`), then :func:`hf_synthmh.pipeline.augment` with the same
gate settings, PHI scanner, embedder, real splits and metric options, and
:func:`~hf_synthmh.pipeline.write_outputs` into ``OUT/generators/NAME/`` (its own dataset card). Each
generator has its own generation cache there, so a killed or repeated comparison resumes: rows already
written are read back, only missing ones are generated.

Cost: the plan is generated once before ``augment`` (which then reads every row from the cache), timed;
the seconds of fresh generation are added up in ``OUT/generators/NAME/timing.json`` across resumed runs.
Tokens are those of the kept, rejected and failed-but-written reports, counted with the model's
tokenizer (words for endpoints and other backends; the table names the unit). A DP adapter's guarantee
(:func:`hf_synthmh.finetune.read_privacy`) goes to the table and as a caveat to the generator's card.

Example (tiny models: ``tests/compare/test_compare.py``)::

    specs = load_generators("gens.yaml")
    result = compare(load_demo_corpus(), specs, out=Path("cmp"), plan=PlanOptions(per_label=3))
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hf_synthmh.compare.spec import GeneratorSpec

if TYPE_CHECKING:
    import numpy as np
    from datasets import DatasetDict

    from hf_synthmh.gate import GateSettings, PhiScanner
    from hf_synthmh.metrics import MetricsOptions
    from hf_synthmh.pipeline import AugmentResult, PlanOptions, SplitNames

logger = logging.getLogger(__name__)

__all__ = ["GeneratorRun", "compare_generators", "run_generator"]

TIMING_FILE = "timing.json"


@dataclass(frozen=True, kw_only=True)
class GeneratorRun:
    """One generator's pass: the pipeline's result and its cost."""

    spec: GeneratorSpec
    result: AugmentResult
    folder: Path
    requested: int
    #: Seconds spent generating fresh rows, over this and earlier (resumed) runs.
    generation_seconds: float
    #: Rows read from the generation cache in this run.
    cached: int
    generated_tokens: int
    token_unit: str
    #: The adapter's DP record (``privacy.json``), ``None`` without DP.
    privacy: dict[str, Any] | None
    model_name: str


def _count_tokens(backend: Any, texts: Sequence[str]) -> tuple[int, str]:
    from hf_synthmh.backends import TransformersBackend

    if isinstance(backend, TransformersBackend):
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(backend.model)
        return sum(len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts if t), "tokens"
    return sum(len(t.split()) for t in texts), "words"


def run_generator(
    spec: GeneratorSpec,
    real: DatasetDict,
    *,
    folder: Path,
    plan: PlanOptions,
    gate: GateSettings,
    metrics: MetricsOptions,
    splits: SplitNames,
    scanner: PhiScanner | None,
    embed: Callable[[list[str]], np.ndarray] | None,
) -> GeneratorRun:
    """Generate (timed, resumable), gate, measure and write one generator's outputs into ``folder``."""
    from hf_synthmh.finetune import read_privacy
    from hf_synthmh.finetune.dp import privacy_caveat
    from hf_synthmh.generate import Generator, generate_dataset
    from hf_synthmh.pipeline import augment, write_outputs
    from hf_synthmh.plan import plan_dataset

    folder.mkdir(parents=True, exist_ok=True)
    backend = spec.build_backend()
    generator = Generator(
        backend=backend,
        sampling=spec.sampling(),
        max_attempts=spec.max_attempts,
        require_sections=spec.require_sections,
        cache_dir=str(folder / "generation_cache"),
    )
    requests = plan_dataset(
        real[splits.train],
        per_label=plan.per_label,
        target_per_label=plan.target_per_label,
        level=plan.level,
        n_exemplars=plan.n_exemplars,
        seed=plan.seed,
    )
    counts: dict[str, int] = {}
    started = time.perf_counter()
    generate_dataset(
        requests,
        generator=generator,
        batch_size=spec.batch_size,
        desc=f"Generating ({spec.name})",
        counts=counts,
    )
    seconds = time.perf_counter() - started
    timing_path = folder / TIMING_FILE
    timing = json.loads(timing_path.read_text()) if timing_path.exists() else {"seconds": 0.0, "rows": 0}
    cached = int(counts.get("cached", 0))
    if cached < len(requests):  # fresh rows were written: their time counts
        timing = {"seconds": timing["seconds"] + seconds, "rows": len(requests)}
        timing_path.write_text(json.dumps(timing) + "\n")
    result = augment(
        real,
        generator=generator,
        plan=plan,
        gate=gate,
        metrics=metrics,
        splits=splits,
        scanner=scanner,
        embed=embed,
        batch_size=spec.batch_size,
    )
    privacy = read_privacy(spec.adapter) if spec.adapter else None
    write_outputs(
        result,
        folder,
        pretty_name=f"Synthetic reports from {spec.name}",
        caveats=[privacy_caveat(privacy)] if privacy else (),
    )
    texts = [*result.synthetic["text"], *result.rejected["text"]]
    tokens, unit = _count_tokens(backend, texts)
    models = result.generation.get("models") or [spec.name]
    run = GeneratorRun(
        spec=spec,
        result=result,
        folder=folder,
        requested=len(requests),
        generation_seconds=float(timing["seconds"]),
        cached=cached,
        generated_tokens=tokens,
        token_unit=unit,
        privacy=privacy,
        model_name=", ".join(models),
    )
    del generator, backend
    gc.collect()
    return run


def compare_generators(
    real: DatasetDict,
    specs: Sequence[GeneratorSpec],
    *,
    out: Path,
    plan: PlanOptions,
    gate: GateSettings | None = None,
    metrics: MetricsOptions | None = None,
    splits: SplitNames | None = None,
    scanner: PhiScanner | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> list[GeneratorRun]:
    """:func:`run_generator` for every spec with one gate, scanner, embedder and metric options."""
    from hf_synthmh.gate import GateSettings, PhiScanner
    from hf_synthmh.metrics import MetricsOptions
    from hf_synthmh.metrics.report import default_embedder
    from hf_synthmh.pipeline import SplitNames

    gate = gate or GateSettings()
    scanner = scanner or PhiScanner(threshold=gate.phi_threshold)
    embed = embed or default_embedder()
    measure = replace(metrics or MetricsOptions(seed=plan.seed), plot_dir=None)
    runs = []
    for spec in specs:
        logger.info("compare: generator %s", spec.name)
        runs.append(
            run_generator(
                spec,
                real,
                folder=Path(out) / "generators" / spec.name,
                plan=plan,
                gate=gate,
                metrics=measure,
                splits=splits or SplitNames(),
                scanner=scanner,
                embed=embed,
            )
        )
    return runs
