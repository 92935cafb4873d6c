"""The comparison tables: one row per generator (:func:`generator_row`) and one per generator and ICD-10
code (:func:`code_rows`), read from what the pipeline measured (nothing is recomputed here), plus the real
baseline row (:func:`baseline_row`) and CSV/JSON writers.

Columns (:data:`COLUMNS`): yield after the gate and the reject reasons; fidelity, diversity (the real
train split's own values are on the baseline row), privacy, detectability; utility of a classifier
trained on real only vs real + kept synthetic rows, with the bootstrap intervals the metrics give; cost
in seconds and tokens per kept row; and the DP epsilon of the generator's adapter.

>>> row = generator_row(name="g", model="m", requested=4, failed=1, kept=2, reasons={"phi:PERSON": 1},
...     metrics={"fidelity": {"centroid_accuracy": 0.5}}, seconds=8.0, tokens=200, token_unit="tokens")
>>> row["yield"], row["reject_reasons"], row["seconds_per_kept_row"], row["tokens_per_kept_row"]
(0.5, 'phi:PERSON=1', 4.0, 100.0)
>>> set(COLUMNS) == set(row), row["mia_auc"] is None
(True, True)
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "CODE_COLUMNS",
    "COLUMNS",
    "METRIC_COLUMNS",
    "baseline_row",
    "code_rows",
    "generator_row",
    "write_table",
]

#: (column, metrics dimension, metrics key): read as is from the pipeline's metrics.
METRIC_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("centroid_accuracy", "fidelity", "centroid_accuracy"),
    ("centroid_margin", "fidelity", "centroid_margin"),
    ("label_roundtrip_accuracy", "fidelity", "label_roundtrip_accuracy"),
    ("bertscore_f1", "fidelity", "bertscore_f1"),
    ("mauve", "fidelity", "mauve"),
    ("distinct_2", "diversity", "distinct_2"),
    ("self_bleu", "diversity", "self_bleu"),
    ("mattr", "diversity", "mattr"),
    ("vendi_score", "diversity", "vendi_score"),
    ("max_ngram_containment", "privacy", "max_ngram_containment"),
    ("mean_rouge_l_nearest", "privacy", "mean_rouge_l_nearest"),
    ("median_dcr", "privacy", "median_dcr"),
    ("dcr_share", "privacy", "dcr_share"),
    ("mia_auc", "privacy", "mia_auc"),
    ("discriminator_auc", "detectability", "discriminator_auc"),
    ("real_only_macro_f1", "utility", "real_only_macro_f1"),
    ("real_only_macro_f1_ci_low", "utility", "real_only_macro_f1_ci_low"),
    ("real_only_macro_f1_ci_high", "utility", "real_only_macro_f1_ci_high"),
    ("augmented_macro_f1", "utility", "real_plus_synthetic_macro_f1"),
    ("augmented_macro_f1_ci_low", "utility", "real_plus_synthetic_macro_f1_ci_low"),
    ("augmented_macro_f1_ci_high", "utility", "real_plus_synthetic_macro_f1_ci_high"),
    ("macro_f1_gain", "utility", "macro_f1_gain"),
    ("macro_f1_gain_ci_low", "utility", "macro_f1_gain_ci_low"),
    ("macro_f1_gain_ci_high", "utility", "macro_f1_gain_ci_high"),
)

COLUMNS: tuple[str, ...] = (
    "generator",
    "model",
    "requested",
    "failed",
    "rejected",
    "kept",
    "yield",
    "reject_reasons",
    *(c for c, _, _ in METRIC_COLUMNS),
    "seconds_per_kept_row",
    "tokens_per_kept_row",
    "token_unit",
    "dp_epsilon",
)

#: Per (generator, code): yield and the per-label metrics the pipeline gives.
_CODE_METRICS: tuple[tuple[str, str, str], ...] = (
    ("own_centroid_similarity", "fidelity", "own_centroid_similarity"),
    ("centroid_accuracy", "fidelity", "centroid_accuracy"),
    ("distinct_2", "diversity", "distinct_2"),
    ("max_ngram_containment", "privacy", "max_ngram_containment"),
)
CODE_COLUMNS: tuple[str, ...] = (
    "generator",
    "code",
    "requested",
    "kept",
    "yield",
    "reject_reasons",
    *(c for c, _, _ in _CODE_METRICS),
)


def _reasons(counts: Mapping[str, int]) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if v)


def _get(metrics: Mapping[str, Any], dimension: str, key: str) -> Any:
    value = (metrics.get(dimension) or {}).get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def generator_row(
    *,
    name: str,
    model: str,
    requested: int,
    failed: int,
    kept: int,
    reasons: Mapping[str, int],
    metrics: Mapping[str, Any],
    seconds: float,
    tokens: int,
    token_unit: str,
    rejected: int | None = None,
    dp_epsilon: float | None = None,
) -> dict[str, Any]:
    """One generator's row of the table (``None`` where a metric is undefined, e.g. no kept rows)."""
    row: dict[str, Any] = {
        "generator": name,
        "model": model,
        "requested": requested,
        "failed": failed,
        "rejected": rejected if rejected is not None else requested - failed - kept,
        "kept": kept,
        "yield": round(kept / requested, 4) if requested else None,
        "reject_reasons": _reasons(reasons),
    }
    for column, dimension, key in METRIC_COLUMNS:
        row[column] = _get(metrics, dimension, key)
    row["seconds_per_kept_row"] = round(seconds / kept, 2) if kept else None
    row["tokens_per_kept_row"] = round(tokens / kept, 1) if kept else None
    row["token_unit"] = token_unit
    row["dp_epsilon"] = dp_epsilon
    return row


def baseline_row(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The real train split's own diversity (``real_*`` values the metrics measure beside the synthetic
    ones) in the table's columns; other columns empty.

    >>> baseline_row({"diversity": {"real_distinct_2": 0.8, "real_self_bleu": 0.25}})["distinct_2"]
    0.8
    """
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(generator="real (train split)", model="-")
    diversity = metrics.get("diversity") or {}
    for column, dimension, key in METRIC_COLUMNS:
        if dimension == "diversity":
            row[column] = diversity.get(f"real_{key}")
    return row


def code_rows(
    *,
    name: str,
    requested: Mapping[str, int],
    counts_per_label: Mapping[str, Mapping[str, int]],
    per_label: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """One row per ICD-10 code of the plan: requested, kept, yield, reasons, per-label metrics.

    >>> code_rows(name="g", requested={"F32.1": 2}, counts_per_label={"F32.1": {"kept": 1, "phi:PERSON": 1}},
    ...     per_label={})[0]["reject_reasons"]
    'phi:PERSON=1'
    """
    rows = []
    for code in sorted(requested):
        counts = dict(counts_per_label.get(code) or {})
        kept = int(counts.pop("kept", 0))
        metrics = per_label.get(code) or {}
        row: dict[str, Any] = {
            "generator": name,
            "code": code,
            "requested": requested[code],
            "kept": kept,
            "yield": round(kept / requested[code], 4) if requested[code] else None,
            "reject_reasons": _reasons(counts),
        }
        for column, dimension, key in _CODE_METRICS:
            row[column] = _get(metrics, dimension, key)
        rows.append(row)
    return rows


def write_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], path: Path) -> Path:
    """``path`` (.csv) and the same rows as ``path.with_suffix('.json')``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in columns})
    path.with_suffix(".json").write_text(json.dumps(list(rows), indent=2) + "\n", encoding="utf-8")
    return path
