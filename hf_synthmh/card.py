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
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from huggingface_hub import DatasetCard, RepoCard

__all__ = [
    "HUB_LICENSES",
    "SIZE_CATEGORIES",
    "TEMPLATE_NAME",
    "build_card",
    "check_card_metadata",
    "size_category",
    "template_path",
]

TEMPLATE_NAME = "synthetic_reports.md"
DIMENSIONS = ("fidelity", "diversity", "privacy")
TAGS = ["synthetic", "medical", "mental-health", "clinical", "icd-10", "privacy"]
TASK_CATEGORIES = ["text-classification", "text-generation"]
REQUIRED_KEYS = ("license", "language", "task_categories", "tags", "size_categories", "pretty_name")

#: License identifiers the Hub accepts in a card (https://huggingface.co/docs/hub/repositories-licenses).
HUB_LICENSES = frozenset(
    """apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0
    bigcode-openrail-m afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear c-uda cc
    cc0-1.0 cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0 cc-by-nc-3.0
    cc-by-nc-4.0 cc-by-nd-4.0 cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0 cc-by-nc-sa-3.0 cc-by-nc-sa-4.0
    cdla-sharing-1.0 cdla-permissive-1.0 cdla-permissive-2.0 wtfpl ecl-2.0 epl-1.0 epl-2.0 etalab-2.0 eupl-1.1
    agpl-3.0 gfdl gpl gpl-2.0 gpl-3.0 lgpl lgpl-2.1 lgpl-3.0 isc lppl-1.3c ms-pl mpl-2.0 odc-by odbl openrail++
    osl-3.0 postgresql ofl-1.1 ncsa unlicense zlib pddl lgpl-lr deepfloyd-if-license llama2 gemma unknown
    other""".split()  # noqa: SIM905 - kept as text, in the order of the Hub's table
)

#: ``size_categories`` values of the Hub, smallest first; category i holds 10**(3+i) <= n < 10**(4+i).
SIZE_CATEGORIES = (
    "n<1K",
    "1K<n<10K",
    "10K<n<100K",
    "100K<n<1M",
    "1M<n<10M",
    "10M<n<100M",
    "100M<n<1B",
    "1B<n<10B",
    "10B<n<100B",
    "100B<n<1T",
    "n>1T",
)

_YAML_BLOCK = re.compile(r"\A\s*---\r?\n(.*?)\r?\n---\s*(?:\r?\n|\Z)", re.DOTALL)
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")


def size_category(n_rows: int) -> str:
    """The Hub's ``size_categories`` value for ``n_rows`` rows.

    Example:
        >>> [size_category(n) for n in (0, 999, 1000, 9999, 10_000, 10**12)]
        ['n<1K', 'n<1K', '1K<n<10K', '1K<n<10K', '10K<n<100K', 'n>1T']
    """
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    index = 0
    while index < len(SIZE_CATEGORIES) - 1 and n_rows >= 10 ** (3 + index):
        index += 1
    return SIZE_CATEGORIES[index]


def template_path() -> Path:
    """The card template: inside the package in a wheel, else ``dataset_cards/`` of the checkout."""
    here = Path(__file__).resolve().parent
    for folder in (here / "dataset_cards", here.parent / "dataset_cards"):
        if (folder / TEMPLATE_NAME).is_file():
            return folder / TEMPLATE_NAME
    raise FileNotFoundError(f"card template {TEMPLATE_NAME} not found next to {here}")


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
) -> DatasetCard:
    """Render the dataset card (a ``huggingface_hub.DatasetCard``) of ``n_rows`` published synthetic rows.

    Args:
        pretty_name: title of the card and its ``pretty_name``.
        metrics: ``{"fidelity": {name: float}, "diversity": {...}, "privacy": {...}, "per_label": {code:
            {"fidelity": {...}, "diversity": {...}, "privacy": {...}, "n_synthetic": int}}}``. Other top-level
            mappings of numbers (e.g. ``privacy_holdout_baseline``) are added to the overall table.
        gate: ``{"settings": {name: value}, "counts": {reason: int}, "counts_per_label": {code:
            {reason_or_"kept": int}}, "n_in": int, "n_kept": int}`` (``pipeline.gate_summary``).
        generation: ``{"models": [str], "prompt_template": str, "prompt_hashes": int (count), "sampling":
            {...}, "seed": int, "n_exemplars": int, "per_label": {code: int requests}, "titles": {code:
            title}}``; missing keys are shown as "not recorded".
        n_rows: published rows; sets ``size_categories``.
        labels: the ``ClassLabel`` names (ICD-10 codes), in label order.
        license: a Hub license identifier (see :data:`HUB_LICENSES`).
        source_note: a paragraph on the real data the rows were measured against (optional).
        caveats: extra limitations, one sentence each (e.g. that a toy model wrote the reports).

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
    )
    card = DatasetCard(content)
    check_card_metadata(card)
    return card


def check_card_metadata(card: RepoCard | str) -> None:
    """Check a card's YAML metadata locally; raise ``ValueError`` naming the first problem.

    ``card`` is a ``RepoCard`` or the text of a README.md. Checks: the YAML parses to a mapping, the keys
    ``license, language, task_categories, tags, size_categories, pretty_name`` are present, the license and
    size categories are Hub values, and, when ``dataset_info`` records splits, the size category fits them.

    Example:
        >>> check_card_metadata("---\\nlicense: mit\\n---\\n# x")
        Traceback (most recent call last):
        ...
        ValueError: card metadata lacks required key(s): language, task_categories, tags, size_categories, pretty_name
    """
    text = card if isinstance(card, str) else str(card)
    match = _YAML_BLOCK.match(text)
    if match is None:
        raise ValueError("card has no YAML metadata block (--- ... --- at the top)")
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as err:
        raise ValueError(f"card metadata is not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"card metadata must be a mapping, got {type(data).__name__}")
    missing = [key for key in REQUIRED_KEYS if data.get(key) in (None, "", [])]
    if missing:
        raise ValueError(f"card metadata lacks required key(s): {', '.join(missing)}")
    for license_id in _as_list(data["license"], "license"):
        if license_id not in HUB_LICENSES:
            raise ValueError(f"license {license_id!r} is not a Hub license identifier")
    sizes = _as_list(data["size_categories"], "size_categories")
    for size in sizes:
        if size not in SIZE_CATEGORIES and size != "other":
            raise ValueError(f"size_categories value {size!r} is not one of {', '.join(SIZE_CATEGORIES)}")
    for language in _as_list(data["language"], "language"):
        if not _LANGUAGE.match(language):
            raise ValueError(f"language {language!r} is not an ISO 639 code such as 'en'")
    _as_list(data["task_categories"], "task_categories")
    _as_list(data["tags"], "tags")
    if not isinstance(data["pretty_name"], str):
        raise ValueError("pretty_name must be a string")
    n_examples = _n_examples(data.get("dataset_info"))
    if n_examples is not None and size_category(n_examples) not in sizes:
        raise ValueError(
            f"size_categories {sizes} does not fit the {n_examples} rows recorded in dataset_info "
            f"(expected {size_category(n_examples)!r})"
        )


def _as_list(value: Any, key: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v for v in values):
        raise ValueError(f"{key} must be a non-empty string or list of strings, got {value!r}")
    return values


def _n_examples(dataset_info: Any) -> int | None:
    infos = dataset_info if isinstance(dataset_info, list) else [dataset_info]
    counts: list[Any] = [
        split.get("num_examples")
        for info in infos
        if isinstance(info, dict)
        for split in info.get("splits") or []
        if isinstance(split, dict)
    ]
    if not counts or not all(isinstance(c, int) for c in counts):
        return None
    return max(counts) if len(infos) > 1 else sum(counts)


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
    }


def _gate_context(gate: Mapping[str, Any]) -> dict[str, Any]:
    n_in, n_kept = gate.get("n_in"), gate.get("n_kept")
    per_label: Mapping[str, Mapping[str, Any]] = gate.get("counts_per_label") or {}
    reasons = sorted({r for counts in per_label.values() for r in counts if r != "kept"})
    columns = ["kept", *reasons]
    rows = [[_cell(code), *(_fmt(counts.get(c, 0)) for c in columns)] for code, counts in per_label.items()]
    share = f"{n_kept / n_in:.1%}" if isinstance(n_in, int) and isinstance(n_kept, int) and n_in else "n/a"
    return {
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
        if name not in (*DIMENSIONS, "per_label") and isinstance(values, Mapping):
            yield name, values


def _metrics_context(metrics: Mapping[str, Any]) -> dict[str, Any]:
    overall = [
        (_cell(dimension), _cell(name), _fmt(value))
        for dimension, values in _numeric_tables(metrics)
        for name, value in values.items()
        if not isinstance(value, Mapping | list)
    ]
    per_label: Mapping[str, Mapping[str, Any]] = metrics.get("per_label") or {}
    tables = []
    for dimension in DIMENSIONS:
        columns = sorted({name for entry in per_label.values() for name in entry.get(dimension) or {}})
        if not columns:
            continue
        rows = [
            [
                _cell(code),
                _fmt(entry.get("n_synthetic")),
                *(_fmt((entry.get(dimension) or {}).get(c)) for c in columns),
            ]
            for code, entry in per_label.items()
        ]
        tables.append({"dimension": dimension, "columns": [_cell(c) for c in columns], "rows": rows})
    return {"overall_rows": overall, "per_label_tables": tables}


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
