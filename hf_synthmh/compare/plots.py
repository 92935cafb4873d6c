"""Plots of a comparison (need the ``plots`` extra, matplotlib, imported when called).

:func:`scatter_fidelity_privacy`: one point per generator, privacy risk (membership-inference AUC, or the
largest n-gram containment when the AUC is undefined) against fidelity (nearest-centroid accuracy, or the
label round-trip accuracy), the point's size the yield. :func:`heatmap_per_code`: generators × ICD-10
codes, coloured by a per-code column (the yield by default), values written in the cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hf_synthmh._deps import require

__all__ = ["axis_value", "heatmap_per_code", "scatter_fidelity_privacy"]

FIDELITY_AXIS = ("centroid_accuracy", "label_roundtrip_accuracy")
PRIVACY_AXIS = ("mia_auc", "max_ngram_containment")


def axis_value(row: Mapping[str, Any], candidates: Sequence[str]) -> tuple[str, float] | None:
    """The first defined column of ``candidates`` in ``row`` and its value.

    >>> axis_value({"mia_auc": None, "max_ngram_containment": 0.2}, PRIVACY_AXIS)
    ('max_ngram_containment', 0.2)
    """
    for name in candidates:
        value = row.get(name)
        if isinstance(value, int | float):
            return name, float(value)
    return None


def _pyplot() -> Any:
    require("matplotlib", extra="plots")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def scatter_fidelity_privacy(rows: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    """Write the scatter to ``path`` (PNG); ``None`` when no generator has both values."""
    points = []
    for row in rows:
        fid, priv = axis_value(row, FIDELITY_AXIS), axis_value(row, PRIVACY_AXIS)
        if fid is not None and priv is not None:
            points.append((row["generator"], priv, fid, float(row.get("yield") or 0.0)))
    if not points:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name, (_, x), (_, y), share in points:
        ax.scatter([x], [y], s=40 + 400 * share, alpha=0.7)
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.set_xlabel(f"privacy risk: {points[0][1][0]} (lower is safer)")
    ax.set_ylabel(f"fidelity: {points[0][2][0]}")
    ax.set_title("Fidelity vs privacy risk (marker size: yield after the gate)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def heatmap_per_code(rows: Sequence[Mapping[str, Any]], path: Path, *, value: str = "yield") -> Path | None:
    """Write the generators × codes heat map of ``value`` to ``path``; ``None`` when there is no row."""
    if not rows:
        return None
    generators = list(dict.fromkeys(r["generator"] for r in rows))
    codes = sorted({r["code"] for r in rows})
    grid = [[float("nan")] * len(codes) for _ in generators]
    for r in rows:
        v = r.get(value)
        if isinstance(v, int | float):
            grid[generators.index(r["generator"])][codes.index(r["code"])] = float(v)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * len(codes), 1.2 + 0.5 * len(generators)))
    image = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0 if value == "yield" else None)
    ax.set_xticks(range(len(codes)), codes, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(generators)), generators, fontsize=8)
    for i, line in enumerate(grid):
        for j, v in enumerate(line):
            if v == v:  # not NaN
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="white")
    fig.colorbar(image, ax=ax, label=value)
    ax.set_title(f"{value} per ICD-10 code")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
