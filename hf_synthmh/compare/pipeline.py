""":func:`compare`: several generators, one plan, one gate, one set of metrics; tables, plots and a card.

Writes into ``out``: ``comparison.csv``/``.json`` (a row per generator and the real baseline row),
``per_code.csv``/``.json`` (a row per generator and ICD-10 code), ``plots/`` (fidelity vs privacy
scatter, per-code yield heat map; with ``plots=True``, needs matplotlib), ``README.md`` (the comparison
card) and ``generators/NAME/`` (each generator's outputs as ``hf-synthmh generate`` writes them, with
its generation cache: a second run resumes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hf_synthmh.compare.card import comparison_card
from hf_synthmh.compare.run import GeneratorRun, compare_generators
from hf_synthmh.compare.spec import GeneratorSpec
from hf_synthmh.compare.table import (
    CODE_COLUMNS,
    COLUMNS,
    baseline_row,
    code_rows,
    generator_row,
    write_table,
)

if TYPE_CHECKING:
    import numpy as np
    from datasets import DatasetDict

    from hf_synthmh.gate import GateSettings, PhiScanner
    from hf_synthmh.metrics import MetricsOptions
    from hf_synthmh.pipeline import PlanOptions, SplitNames

logger = logging.getLogger(__name__)

__all__ = ["CompareResult", "compare"]


@dataclass(frozen=True, kw_only=True)
class CompareResult:
    """The tables (lists of dicts), the runs, and the files written."""

    rows: list[dict[str, Any]]
    baseline: dict[str, Any]
    per_code: list[dict[str, Any]]
    runs: list[GeneratorRun]
    paths: dict[str, Path]


def _row(run: GeneratorRun) -> dict[str, Any]:
    r = run.result
    return generator_row(
        name=run.spec.name,
        model=run.model_name,
        requested=run.requested,
        failed=len(r.failed),
        rejected=len(r.rejected),
        kept=len(r.synthetic),
        reasons=r.gate.counts,
        metrics=r.metrics,
        seconds=run.generation_seconds,
        tokens=run.generated_tokens,
        token_unit=run.token_unit,
        dp_epsilon=(run.privacy or {}).get("epsilon"),
    )


def _codes(run: GeneratorRun) -> list[dict[str, Any]]:
    r = run.result
    return code_rows(
        name=run.spec.name,
        requested=r.generation.get("per_label") or {},
        counts_per_label=r.gate.counts_per_label,
        per_label=r.metrics.get("per_label") or {},
    )


def compare(
    real: DatasetDict,
    generators: Sequence[GeneratorSpec],
    *,
    out: str | Path,
    plan: PlanOptions,
    gate: GateSettings | None = None,
    metrics: MetricsOptions | None = None,
    splits: SplitNames | None = None,
    scanner: PhiScanner | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    plots: bool = True,
    sections: Mapping[str, str] | None = None,
    title: str = "Comparison of synthetic-report generators",
) -> CompareResult:
    """Run every generator of ``generators`` on the same plan, gate and metrics, and write the tables,
    plots and card into ``out`` (see the module docs). ``sections`` adds Markdown sections to the card."""
    from hf_synthmh.gate import GateSettings
    from hf_synthmh.pipeline import SplitNames

    out = Path(out)
    gate = gate or GateSettings()
    names = splits or SplitNames()
    runs = compare_generators(
        real,
        generators,
        out=out,
        plan=plan,
        gate=gate,
        metrics=metrics,
        splits=names,
        scanner=scanner,
        embed=embed,
    )
    rows = [_row(run) for run in runs]
    baseline = baseline_row(runs[0].result.metrics) if runs else baseline_row({})
    per_code = [row for run in runs for row in _codes(run)]
    paths = {
        "table": write_table([*rows, baseline], COLUMNS, out / "comparison.csv"),
        "per_code": write_table(per_code, CODE_COLUMNS, out / "per_code.csv"),
    }
    shown: dict[str, str] = {}
    if plots:
        from hf_synthmh.compare.plots import heatmap_per_code, scatter_fidelity_privacy

        for name, path in (
            ("fidelity vs privacy", scatter_fidelity_privacy(rows, out / "plots" / "fidelity_privacy.png")),
            ("yield per code", heatmap_per_code(per_code, out / "plots" / "yield_per_code.png")),
        ):
            if path is not None:
                paths[name] = path
                shown[name] = str(path.relative_to(out))
    train = real[names.train]
    setup = {
        "real train rows": len(train),
        "real test rows": len(real[names.test]) if names.test and names.test in real else None,
        "real holdout rows": len(real[names.holdout]) if names.holdout and names.holdout in real else None,
        "ICD-10 codes": len(set(per_code_row["code"] for per_code_row in per_code)) or None,
        **{f"plan {k}": v for k, v in asdict(plan).items() if v is not None},
        "gate PHI policy": gate.phi_policy,
        "gate PHI threshold": gate.phi_threshold,
    }
    card = comparison_card(
        rows=rows,
        baseline=baseline,
        code_rows=per_code,
        setup=setup,
        plots=shown,
        sections=sections,
        title=title,
    )
    paths["card"] = out / "README.md"
    paths["card"].write_text(card, encoding="utf-8")
    logger.info("compare: %d generators, tables and card in %s", len(runs), out)
    return CompareResult(rows=rows, baseline=baseline, per_code=per_code, runs=runs, paths=paths)
