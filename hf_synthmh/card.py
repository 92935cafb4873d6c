"""The dataset card of a published synthetic dataset: YAML metadata + a body recording how the rows were
generated, what the gate rejected and what the metrics measured.

The body is the Jinja template ``dataset_cards/synthetic_reports.md``; :func:`check_card_metadata` checks the
YAML locally (``DatasetCard.validate`` is a call to the Hub).

Example:
    >>> card = build_card(
    ...     pretty_name="Synthetic reports",
    ...     metrics={"fidelity": {"centroid_similarity": 0.8123}, "diversity": {}, "privacy": {}, "per_label": {}},
    ...     gate={"settings": {}, "counts": {"membership:ngram": 2}, "counts_per_label": {}, "n_in": 5, "n_kept": 3},
    ...     generation={"models": ["tiny"], "seed": 0},
    ...     n_rows=3,
    ...     labels=["F32.1"],
    ... )
    >>> card.data.size_categories, card.data.license
    (['n<1K'], 'cc0-1.0')
    >>> "| fidelity | centroid_similarity | 0.812 |" in card.text
    True
    >>> check_card_metadata(card)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hf_synthmh.card_metadata import HUB_LICENSES, check_card_metadata, size_category
from hf_synthmh.metrics.keys import MetricCell, metric_cell, metric_layout

if TYPE_CHECKING:
    from huggingface_hub import DatasetCard

__all__ = ["CARD_TEMPLATE", "build_card", "metric_cells", "template_path"]

#: The file name of the dataset-card template in the top-level ``dataset_cards/`` folder.
CARD_TEMPLATE = "synthetic_reports.md"
DIMENSIONS = ("fidelity", "diversity", "privacy")
#: Dimensions with a per-label table, in card order.
PER_LABEL_DIMENSIONS = ("fidelity", "diversity", "privacy", "detectability", "utility")
#: Columns of the per-label tables. A dimension whose entries hold none of these shows all its metrics;
#: a metric with a real baseline is shown as ``m (real r)``, one with an interval as ``m [low, high]``
#: (:mod:`hf_synthmh.metrics.keys`). metrics.json keeps everything.
PER_LABEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "fidelity": (
        "own_centroid_similarity",
        "centroid_margin",
        "bertscore_f1",
        "mauve",
        "label_roundtrip_accuracy",
    ),
    "diversity": ("distinct_2", "self_bleu", "mattr", "vendi_score", "duplicate_ratio"),
    "privacy": (
        "exact_match_rate",
        "max_ngram_containment",
        "max_rouge_l_nearest",
        "max_longest_shared_span",
        "dcr_share",
        "mia_auc",
    ),
    "detectability": ("discriminator_auc",),
    "utility": (
        "n_train_real",
        "n_test",
        "real_only_f1",
        "real_plus_synthetic_f1",
        "f1_gain",
        "synthetic_only_f1",
    ),
}
#: Real-only macro-F1 from which the card warns that utility cannot show a gain.
CEILING_F1 = 0.99
#: Top-level keys of the metrics that are not tables of numbers.
_NOT_TABLES = ("per_label", "plots", "notes")
#: Titles of the plots written by :mod:`hf_synthmh.metrics.plots`; others are titled by their name.
PLOT_TITLES = {
    "fidelity_by_code": "Fidelity per code, beside the real baseline",
    "diversity_by_code": "Diversity per code, beside real reports of the same code",
    "nn_distances": "Nearest-neighbour distances: synthetic to train vs holdout to train",
    "utility_by_code": "Classifier F1 per code: real only vs real + synthetic",
}
TAGS = ["synthetic", "medical", "mental-health", "clinical", "icd-10", "privacy"]
TASK_CATEGORIES = ["text-classification", "text-generation"]


def template_path() -> Path:
    """The card template: inside the package in a wheel, else ``dataset_cards/`` of the checkout."""
    here = Path(__file__).resolve().parent
    for folder in (here / "dataset_cards", here.parent / "dataset_cards"):
        if (folder / CARD_TEMPLATE).is_file():
            return folder / CARD_TEMPLATE
    raise FileNotFoundError(f"card template {CARD_TEMPLATE} not found next to {here}")


def build_card(
    *,
    pretty_name: str,
    metrics: Mapping[str, Any],
    gate: Mapping[str, Any],
    generation: Mapping[str, Any],
    n_rows: int,
    labels: Sequence[str],
    license: str = "cc0-1.0",
    source_note: str = "",
    caveats: Sequence[str] = (),
    plots: Mapping[str, str] | None = None,
) -> DatasetCard:
    """Render the dataset card (a ``huggingface_hub.DatasetCard``) of ``n_rows`` published synthetic rows.

    Args:
        pretty_name: title of the card and its ``pretty_name``.
        metrics: ``{"fidelity": {name: float}, "diversity": {...}, "privacy": {...}, "per_label": {code:
            {"fidelity": {...}, "diversity": {...}, "privacy": {...}, "n_synthetic": int}}}``. Other top-level
            mappings of numbers (e.g. ``privacy_holdout_baseline``) are added to the overall table.
        gate: ``{"settings": {name: value}, "counts": {reason: int}, "counts_per_label": {code:
            {reason_or_"kept": int}}, "n_in": int, "n_kept": int}`` (``hf_synthmh.gate.gate_summary``).
        generation: ``{"models": [str], "prompt_template": str, "prompt_hashes": int (count), "sampling":
            {...}, "seed": int, "n_exemplars": int, "per_label": {code: int requests}, "titles": {code:
            title}}``; missing keys are shown as "not recorded".
        n_rows: published rows; sets ``size_categories``.
        labels: the ``ClassLabel`` names (ICD-10 codes), in label order.
        license: a Hub license identifier (see :data:`HUB_LICENSES`).
        source_note: a paragraph on the real data the rows were measured against (optional).
        caveats: extra limitations, one sentence each (e.g. that a toy model wrote the reports).
        plots: ``{name: path relative to the repo root}`` of PNG plots to show (``plots/nn_distances.png``);
            :data:`PLOT_TITLES` titles the known ones.

    Numbers are shown with 3 decimals; ``None``/NaN as ``n/a``. See the module docstring for an example.
    """
    import jinja2
    from huggingface_hub import DatasetCard, DatasetCardData

    if license not in HUB_LICENSES:
        raise ValueError(f"license {license!r} is not a Hub license identifier (see HUB_LICENSES)")
    card_data = DatasetCardData(
        license=license,
        language=["en"],
        task_categories=list(TASK_CATEGORIES),
        tags=list(TAGS),
        size_categories=[size_category(n_rows)],
        pretty_name=pretty_name,
    )
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True
    )
    template = env.from_string(template_path().read_text(encoding="utf-8"))
    content = template.render(
        card_data=card_data.to_yaml(),
        pretty_name=pretty_name,
        license=license,
        n_rows=n_rows,
        source_note=source_note.strip(),
        caveats=[_cell(c) for c in caveats],
        **_generation_context(generation),
        **_gate_context(gate),
        **_metrics_context(metrics),
        codes=_code_rows(labels, generation, gate, metrics),
        plots=[(_cell(PLOT_TITLES.get(name, name)), _cell(path)) for name, path in (plots or {}).items()],
        notes=[(_cell(name), _cell(note)) for name, note in (metrics.get("notes") or {}).items()],
    )
    card = DatasetCard(content)
    check_card_metadata(card)
    return card


def _fmt(value: Any) -> str:
    """3 decimals for floats, plain ints, ``n/a`` for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _cell(value)
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def _cell(value: Any) -> str:
    """A value as one markdown table cell: no pipes or line breaks."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _items(mapping: Any) -> list[tuple[str, str]]:
    return [(_cell(k), _cell(v)) for k, v in (mapping or {}).items()]


def _joined(parts: Iterable[str]) -> str:
    return ", ".join(parts) or "not recorded"


def _generation_context(generation: Mapping[str, Any]) -> dict[str, Any]:
    n_exemplars = generation.get("n_exemplars")
    if n_exemplars is None:
        exemplar_note = "not recorded"
    elif n_exemplars == 0:
        exemplar_note = "none: prompts held only the code, its title and sampled patient attributes"
    else:
        exemplar_note = (
            f"up to {n_exemplars} real report(s) of the same code from the training split were shown to the "
            "model as style examples per request; their ids are in `exemplar_ids`, and the membership check "
            "rejects reports that copy them"
        )
    return {
        "models": _joined(f"`{_cell(m)}`" for m in generation.get("models") or []),
        "prompt_template": _cell(generation.get("prompt_template", "not recorded")),
        "prompt_hashes": _fmt(generation.get("prompt_hashes")),
        "sampling": _joined(f"`{k}={v}`" for k, v in _items(generation.get("sampling"))),
        "seed": _fmt(generation.get("seed")),
        "requests": _joined(f"{k}: {v}" for k, v in _items(generation.get("per_label"))),
        "exemplar_note": exemplar_note,
        "exemplar_privacy": " and, as style examples, in the prompts" if n_exemplars else "",
        "failure_note": _failure_note(generation),
    }


#: What each ``generation_error`` kind means, for the card.
_FAILURE_WORDS = {
    "empty": "no report text",
    "malformed:missing_sections": "a required section missing",
    "request_failed": "the request failed (server error or timeout)",
}


def _failure_note(generation: Mapping[str, Any]) -> str:
    """``""`` when no row failed, else how many of the requested reports failed and why.

    >>> _failure_note({"per_label": {"F32.1": 4, "F41.1": 4}, "max_attempts": 3,
    ...                "failed": {"malformed:missing_sections": 5, "empty": 1}})
    '6 of 8 requested reports were not written (after up to 3 attempts each): 1 no report text (`empty`), 5 a required section missing (`malformed:missing_sections`).'
    """
    failed: Mapping[str, int] = generation.get("failed") or {}
    n_failed = sum(int(v) for v in failed.values())
    if not n_failed:
        return ""
    requested = sum(int(v) for v in (generation.get("per_label") or {}).values())
    attempts = generation.get("max_attempts")
    reasons = ", ".join(
        f"{int(n)} {_FAILURE_WORDS.get(kind, kind or 'unknown')} (`{_cell(kind)}`)"
        for kind, n in sorted(failed.items())
    )
    after = f" (after up to {attempts} attempts each)" if attempts else ""
    of = f" of {requested} requested" if requested else ""
    return f"{n_failed}{of} reports were not written{after}: {reasons}."


def _gate_context(gate: Mapping[str, Any]) -> dict[str, Any]:
    n_in, n_kept = gate.get("n_in"), gate.get("n_kept")
    per_label: Mapping[str, Mapping[str, Any]] = gate.get("counts_per_label") or {}
    reasons = sorted({r for counts in per_label.values() for r in counts if r != "kept"})
    columns = ["kept", *reasons]
    rows = [[_cell(code), *(_fmt(counts.get(c, 0)) for c in columns)] for code, counts in per_label.items()]
    share = f"{n_kept / n_in:.1%}" if isinstance(n_in, int) and isinstance(n_kept, int) and n_in else "n/a"
    timings = gate.get("timings") or {}
    threshold = gate.get("embedding_threshold")
    return {
        "n_redacted": _fmt(gate["n_redacted"]) if gate.get("n_redacted") else "",
        "replay_rows": [(_cell(k), _fmt(v)) for k, v in sorted((gate.get("phi_replay") or {}).items())],
        "embedding_threshold": _fmt(threshold) if threshold is not None else "",
        "gate_timings": ", ".join(f"{_cell(k)} {_fmt(v)}" for k, v in timings.items()),
        "n_in": _fmt(n_in),
        "n_kept": _fmt(n_kept),
        "kept_share": share,
        "gate_settings": _items(gate.get("settings")),
        "reject_counts": [(_cell(r), _fmt(c)) for r, c in sorted((gate.get("counts") or {}).items())],
        "per_label_gate_columns": [f"`{c}`" if c != "kept" else c for c in columns],
        "per_label_gate_rows": rows,
    }


def _numeric_tables(metrics: Mapping[str, Any]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for dimension in DIMENSIONS:
        yield dimension, metrics.get(dimension) or {}
    for name, values in metrics.items():
        if name not in (*DIMENSIONS, *_NOT_TABLES) and isinstance(values, Mapping):
            yield name, values


def _metrics_context(metrics: Mapping[str, Any]) -> dict[str, Any]:
    overall = [
        (_cell(dimension), _cell(name), cell)
        for dimension, values in _numeric_tables(metrics)
        for name, cell in metric_cells(values)
    ]
    per_label: Mapping[str, Mapping[str, Any]] = metrics.get("per_label") or {}
    tables = []
    for dimension in PER_LABEL_DIMENSIONS:
        entries = {code: entry.get(dimension) or {} for code, entry in per_label.items()}
        present = {name for values in entries.values() for name in values}
        columns = [c for c in PER_LABEL_COLUMNS.get(dimension, ()) if c in present] or sorted(present)
        if not columns:
            continue
        rows = [
            [
                _cell(code),
                _fmt(per_label[code].get("n_synthetic")),
                *(_shown(values, metric_cell(values, c)) for c in columns),
            ]
            for code, values in entries.items()
        ]
        tables.append({"dimension": dimension, "columns": [_cell(c) for c in columns], "rows": rows})
    return {"overall_rows": overall, "per_label_tables": tables, "utility_note": _utility_note(metrics)}


def _utility_note(metrics: Mapping[str, Any]) -> str:
    """A warning when the real-only classifier is at the ceiling, so that a zero gain is not misread."""
    baseline = (metrics.get("utility") or {}).get("real_only_macro_f1")
    if not isinstance(baseline, float) or baseline < CEILING_F1:
        return ""
    return (
        f"The classifier trained on the real reports alone already reaches macro-F1 {baseline:.3f} on the "
        "test split: there is no room for the synthetic rows to help, so the utility numbers say nothing "
        "about their value on a harder task."
    )


def metric_cells(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(name, cell)`` for the scalar metrics of one dimension (:func:`~hf_synthmh.metrics.keys.metric_layout`):
    3 decimals, ``n/a`` when undefined, with a baseline or interval folded into the metric's cell.

    >>> metric_cells({"self_bleu": 0.71, "real_self_bleu": 0.8, "n_texts": 7, "mauve": None})
    [('self_bleu', '0.710 (real 0.800)'), ('n_texts', '7'), ('mauve', 'n/a')]
    """
    return [(cell.name, _shown(values, cell)) for cell in metric_layout(values)]


def _shown(values: Mapping[str, Any], cell: MetricCell) -> str:
    """One cell: the value, with the real baseline or the confidence interval when it has one.

    >>> _shown({"self_bleu": 0.71, "real_self_bleu": 0.8}, MetricCell("self_bleu", baseline="real_self_bleu"))
    '0.710 (real 0.800)'
    >>> _shown({"f1_gain": 0.1, "lo": -0.05, "hi": 0.25}, MetricCell("f1_gain", interval=("lo", "hi")))
    '0.100 [-0.050, 0.250]'
    """
    text = _fmt(values.get(cell.name))
    if cell.baseline is not None:
        return f"{text} (real {_fmt(values[cell.baseline])})"
    if cell.interval is not None:
        low, high = cell.interval
        return f"{text} [{_fmt(values[low])}, {_fmt(values[high])}]"
    return text


def _code_rows(
    labels: Sequence[str], generation: Mapping[str, Any], gate: Mapping[str, Any], metrics: Mapping[str, Any]
) -> list[tuple[str, str, str, str]]:
    titles = generation.get("titles") or {}
    requested = generation.get("per_label") or {}
    gate_counts = gate.get("counts_per_label") or {}
    per_label_metrics = metrics.get("per_label") or {}

    def kept(code: str) -> Any:
        if code in gate_counts and "kept" in gate_counts[code]:
            return gate_counts[code]["kept"]
        return (per_label_metrics.get(code) or {}).get("n_synthetic")

    return [
        (_cell(code), _cell(titles.get(code, "")), _fmt(requested.get(code)), _fmt(kept(code)))
        for code in labels
    ]
