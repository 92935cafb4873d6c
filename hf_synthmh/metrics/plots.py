"""PNG plots of an :func:`~hf_synthmh.metrics.report.evaluate_corpus` result, for the dataset card.

Needs matplotlib (``pip install 'hf-synthmh[plots]'``), imported only here; figures are drawn with the
Agg canvas directly, so no pyplot state or global backend is touched.

* ``fidelity_by_code.png``: per code, centroid accuracy, label round-trip accuracy and BERTScore F1 of
  the synthetic rows, and, when a test split was given, the real-only classifier's F1 on the *real*
  test reports of the code (the level a real report reaches).
* ``diversity_by_code.png``: per code, distinct-2, self-BLEU, MATTR and embedding spread of the
  synthetic rows beside the same metric on an equal-sized sample of real reports of the code.
* ``nn_distances.png``: histograms of the nearest-train-report cosine distance (DCR) of synthetic rows
  and, with a holdout, of holdout reports: synthetic rows piling up left of the holdout mean copying.
* ``utility_by_code.png`` (with a test split): per code F1 of the classifier trained on real only and on
  real + synthetic, with bootstrap 95% intervals.

    >>> import tempfile
    >>> from hf_synthmh.metrics.embeddings import hashed_bow_embed, hashed_token_embed
    >>> from hf_synthmh.metrics.report import MetricsOptions, evaluate_corpus
    >>> real = ["low mood and poor sleep", "sad and low", "worry and tension", "constant worry"]
    >>> codes = ["F32.1", "F32.1", "F41.1", "F41.1"]
    >>> metrics = evaluate_corpus(
    ...     real_texts=real, real_labels=codes, synthetic_texts=["low, sad", "worry"],
    ...     synthetic_labels=["F32.1", "F41.1"], embed=hashed_bow_embed,
    ...     options=MetricsOptions(token_embed=hashed_token_embed),
    ... )
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     sorted(write_plots(metrics, folder))
    ['diversity_by_code', 'fidelity_by_code']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hf_synthmh._deps import require
from hf_synthmh.metrics.distance import DistanceRows
from hf_synthmh.metrics.keys import baseline_key, interval_keys

__all__ = ["write_plots"]


def _figure(width: float, height: float) -> Any:
    require("matplotlib", extra="plots")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _value(entry: Mapping[str, Any], dimension: str, key: str) -> float:
    value = (entry.get(dimension) or {}).get(key)
    return float(value) if isinstance(value, int | float) else np.nan


def _bars(
    axis: Any, codes: Sequence[str], series: dict[str, list[float]], title: str, legend: bool = True
) -> None:
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(codes))
    for i, (name, values) in enumerate(series.items()):
        axis.bar(x + (i - (len(series) - 1) / 2) * width, values, width, label=name)
    axis.set_xticks(x, codes, rotation=45, ha="right", fontsize=8)
    axis.set_title(title, fontsize=10)
    if legend:
        axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _fidelity(metrics: Mapping[str, Any], path: Path) -> None:
    per_label = metrics["per_label"]
    codes = list(per_label)
    series = {
        name: [_value(per_label[c], "fidelity", key) for c in codes]
        for name, key in (
            ("centroid accuracy", "centroid_accuracy"),
            ("label round-trip", "label_roundtrip_accuracy"),
            ("BERTScore F1", "bertscore_f1"),
        )
    }
    if "utility" in metrics:
        series["real test F1 (real-only clf.)"] = [
            _value(per_label[c], "utility", "real_only_f1") for c in codes
        ]
    figure = _figure(max(6.0, 0.7 * len(codes) + 2), 3.5)
    _bars(figure.add_subplot(), codes, series, "Fidelity of synthetic reports per ICD-10 code")
    figure.savefig(path)


def _diversity(metrics: Mapping[str, Any], path: Path) -> None:
    per_label = metrics["per_label"]
    codes = list(per_label)
    figure = _figure(max(8.0, 1.2 * len(codes) + 2), 6.0)
    keys = ("distinct_2", "self_bleu", "mattr", "embedding_spread")
    for i, key in enumerate(keys):
        series = {
            "synthetic": [_value(per_label[c], "diversity", key) for c in codes],
            "real (same size)": [_value(per_label[c], "diversity", baseline_key(key)) for c in codes],
        }
        lower = " (lower = more diverse)" if key == "self_bleu" else ""
        _bars(figure.add_subplot(2, 2, i + 1), codes, series, key + lower, legend=False)
    handles, labels = figure.axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncols=2, fontsize=8)
    figure.savefig(path)


def _distances(distances: DistanceRows, path: Path) -> None:
    figure = _figure(6.0, 3.5)
    axis = figure.add_subplot()
    values = [distances.dcr, distances.holdout_dcr] if distances.has_holdout else [distances.dcr]
    top = max((float(v.max()) for v in values if len(v)), default=1.0)
    bins = np.linspace(0.0, max(top, 1e-6), 40)
    axis.hist(distances.dcr, bins=bins, density=True, alpha=0.6, label="synthetic -> train")
    if distances.has_holdout:
        axis.hist(distances.holdout_dcr, bins=bins, density=True, alpha=0.6, label="holdout -> train")
    axis.set_xlabel("cosine distance to the nearest train report")
    axis.set_ylabel("density")
    axis.set_title("Nearest-neighbour distances", fontsize=10)
    axis.legend(fontsize=8)
    figure.savefig(path)


def _utility(metrics: Mapping[str, Any], path: Path) -> None:
    per_label = {c: e for c, e in metrics["per_label"].items() if "utility" in e}
    codes = list(per_label)
    figure = _figure(max(6.0, 0.7 * len(codes) + 2), 3.5)
    axis = figure.add_subplot()
    x = np.arange(len(codes))
    for i, (name, key) in enumerate(
        (("real only", "real_only"), ("real + synthetic", "real_plus_synthetic"))
    ):
        f1 = np.array([_value(per_label[c], "utility", f"{key}_f1") for c in codes])
        low_key, high_key = interval_keys(f"{key}_f1")
        low = np.array([_value(per_label[c], "utility", low_key) for c in codes])
        high = np.array([_value(per_label[c], "utility", high_key) for c in codes])
        errors = np.nan_to_num(np.vstack([f1 - low, high - f1]), nan=0.0).clip(min=0)
        axis.bar(x + (i - 0.5) * 0.4, f1, 0.4, yerr=errors, capsize=2, label=name)
    axis.set_xticks(x, codes, rotation=45, ha="right", fontsize=8)
    axis.set_ylabel("F1 on the real test split")
    axis.set_title("Downstream classifier per ICD-10 code (95% bootstrap intervals)", fontsize=10)
    axis.legend(fontsize=8)
    figure.savefig(path)


def write_plots(
    metrics: Mapping[str, Any], folder: str | Path, *, distances: DistanceRows | None = None
) -> dict[str, Path]:
    """Write the plots that ``metrics`` (and ``distances``, for the histogram) allow into ``folder``
    (created if needed); returns ``{name: path}`` of the PNGs written."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    jobs: list[tuple[str, Any, Any]] = [
        ("fidelity_by_code", _fidelity, metrics),
        ("diversity_by_code", _diversity, metrics),
    ]
    if distances is not None and len(distances.dcr):
        jobs.append(("nn_distances", _distances, distances))
    if "utility" in metrics:
        jobs.append(("utility_by_code", _utility, metrics))
    for name, draw, data in jobs:
        path = out / f"{name}.png"
        draw(data, path)
        paths[name] = path
    return paths
