"""The comparison card: Markdown for a Hub dataset or a paper appendix (YAML header, then tables).

No report text appears: only generator names, counts and metric values.

>>> rows = [{"generator": "a", "model": "m", "requested": 2, "kept": 1, "yield": 0.5, "reject_reasons": "",
...     "real_only_macro_f1": 0.8, "real_only_macro_f1_ci_low": 0.7, "real_only_macro_f1_ci_high": 0.9}]
>>> card = comparison_card(rows=rows, baseline={"generator": "real (train split)"}, code_rows=[],
...     setup={"codes": 1})
>>> "| a | m | 2 |" in card, "0.800 [0.700, 0.900]" in card
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["comparison_card", "fmt"]

_MAIN = (
    ("generator", "generator"),
    ("model", "model"),
    ("requested", "requested"),
    ("failed", "failed"),
    ("kept", "kept"),
    ("yield", "yield"),
    ("centroid_accuracy", "centroid acc."),
    ("label_roundtrip_accuracy", "label round-trip"),
    ("mauve", "MAUVE"),
    ("distinct_2", "distinct-2"),
    ("self_bleu", "self-BLEU"),
    ("vendi_score", "Vendi"),
    ("max_ngram_containment", "max 8-gram containment"),
    ("dcr_share", "DCR share"),
    ("mia_auc", "MIA AUC"),
    ("discriminator_auc", "detector AUC"),
    ("seconds_per_kept_row", "s / kept row"),
    ("tokens_per_kept_row", "tokens / kept row"),
    ("dp_epsilon", "DP ε"),
)

_UTILITY = (
    ("real_only_macro_f1", "real only"),
    ("augmented_macro_f1", "real + synthetic"),
    ("macro_f1_gain", "gain"),
)


def fmt(value: Any) -> str:
    """A table cell: floats to 3 decimals, ``None`` as n/a.

    >>> fmt(0.12345), fmt(None), fmt(3), fmt("x|y")
    ('0.123', 'n/a', '3', 'x/y')
    """
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value).replace("|", "/")


def _interval(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        return "n/a"
    low, high = row.get(f"{key}_ci_low"), row.get(f"{key}_ci_high")
    return f"{value:.3f} [{low:.3f}, {high:.3f}]" if low is not None and high is not None else fmt(value)


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> list[str]:
    lines = ["| " + " | ".join(title for _, title in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r.get(key)) for key, _ in columns) + " |" for r in rows]
    return lines


def _per_code(code_rows: Sequence[Mapping[str, Any]]) -> list[str]:
    generators = list(dict.fromkeys(r["generator"] for r in code_rows))
    codes = sorted({r["code"] for r in code_rows})
    cell = {(r["generator"], r["code"]): r for r in code_rows}
    lines = ["| code | " + " | ".join(generators) + " |", "|---|" + "---|" * len(generators)]
    for code in codes:
        cells = []
        for g in generators:
            r = cell.get((g, code))
            cells.append("" if r is None else f"{r['kept']}/{r['requested']}")
        lines.append(f"| {code} | " + " | ".join(cells) + " |")
    return lines


def comparison_card(
    *,
    rows: Sequence[Mapping[str, Any]],
    baseline: Mapping[str, Any],
    code_rows: Sequence[Mapping[str, Any]],
    setup: Mapping[str, Any],
    plots: Mapping[str, str] | None = None,
    sections: Mapping[str, str] | None = None,
    title: str = "Comparison of synthetic-report generators",
) -> str:
    """The card: setup, the main table (with the real baseline row), utility with intervals, kept rows
    per code, reject reasons, plots, and any extra ``sections`` (title -> Markdown, e.g. a canary audit)."""
    head = ["---", "tags:", "- synthetic-data", "- hf_synthmh", "- generator-comparison", "---", ""]
    body = [
        f"# {title}",
        "",
        "Made by `hf-synthmh compare`: one plan (the same ICD-10 codes, quotas, case attributes and seeds) "
        "sent to every generator; every generator's rows went through the same privacy gate (PHI scan, "
        "replay and membership checks) and the same metrics against the same real splits. Only the rows "
        "the gate kept are measured. n/a: undefined (e.g. too few kept rows).",
        "",
        "## Setup",
        "",
        "| setting | value |",
        "|---|---|",
        *(f"| {k} | {fmt(v)} |" for k, v in setup.items()),
        "",
        "## Generators",
        "",
        *_table([*rows, baseline], _MAIN),
        "",
        "The last row holds the real train split's own diversity, the baseline for the synthetic values. "
        "Seconds count fresh generation only (not gate or metrics); tokens are those of the written reports.",
        "",
        "## Utility (macro-F1 on the real test split, 95% bootstrap intervals)",
        "",
        "| generator | " + " | ".join(t for _, t in _UTILITY) + " |",
        "|---|" + "---|" * len(_UTILITY),
        *(f"| {r['generator']} | " + " | ".join(_interval(r, k) for k, _ in _UTILITY) + " |" for r in rows),
        "",
        "## Reject reasons",
        "",
        "| generator | reasons (rows; a row may have several) |",
        "|---|---|",
        *(f"| {r['generator']} | {fmt(r.get('reject_reasons')) or 'none'} |" for r in rows),
        "",
        "## Kept rows per ICD-10 code (kept / requested)",
        "",
        *_per_code(code_rows),
        "",
    ]
    for name, text in (sections or {}).items():
        body += [f"## {name}", "", text.strip(), ""]
    if plots:
        body += ["## Plots", ""]
        body += [f"![{name}]({path})" for name, path in plots.items()]
        body.append("")
    return "\n".join(head + body)
