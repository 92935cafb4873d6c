"""Gate decision: settings, reject reasons, the filter and its counts.

Each check is a small batch step (datatrove style); the decision turns their columns into
``reject_reasons`` and every drop is counted per reason:

* ``"empty"``: blank text.
* ``"phi:<TYPE>"``: one per PHI entity type found (``"phi:PERSON"``); ``"phi:error"`` when the scan
  raised (fail closed).
* ``"membership:ngram"``: copy coverage by rare shared n-grams above ``max_containment``.
* ``"membership:span"``: a run of at least ``max_shared_span`` tokens shared with a real report.

Kept rows have ``reject_reasons == []``. Rejected rows may hold PHI: write them locally only, and drop
:data:`GATE_COLUMNS` from kept rows before publishing.

>>> batch = {"text": ["ok", " ", "copy"], "phi_types": [[], [], ["PERSON"]],
...          "membership_containment": [0.1, 0.0, 0.9], "membership_longest_span": [0, 0, 60]}
>>> reject_reasons(batch)["reject_reasons"]
[[], ['empty'], ['phi:PERSON', 'membership:ngram', 'membership:span']]
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hf_synthmh.gate.membership import MembershipChecker
from hf_synthmh.gate.phi import PhiScanner

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = [
    "GATE_COLUMNS",
    "GateResult",
    "GateSettings",
    "apply_gate",
    "count_reasons",
    "gate_features",
    "reject_reasons",
]

logger = logging.getLogger(__name__)

#: Columns the gate adds. Drop them from kept rows before publishing (they describe real reports).
GATE_COLUMNS: tuple[str, ...] = (
    "phi_types",
    "phi_spans",
    "membership_containment",
    "membership_longest_span",
    "membership_nearest_id",
    "reject_reasons",
)


@dataclass(frozen=True, kw_only=True)
class GateSettings:
    """Thresholds of the gate.

    Attributes:
        phi_threshold: minimum Presidio score for a PHI finding (0.35 keeps first names and cued
            record numbers that spaCy's small model scores low, at no cost in false alarms on our
            clinical evaluation sentences).
        max_containment: reject when more than this share of a row's tokens lies inside word
            n-grams shared with the real reports, boilerplate aside (0.5: a copy with one word in
            ten changed stays around 0.7-0.9; a report sharing only headings and stock phrases
            scores near 0).
        max_shared_span: reject when a run of this many consecutive tokens (40, about two
            sentences) is shared with one real report.
        ngram: n-gram length in tokens for the membership check (8: longer than stock phrases).
        max_doc_freq: n-grams found in more than this many real reports are boilerplate (headings,
            stock phrases) and are ignored by the containment.
    """

    phi_threshold: float = 0.35
    max_containment: float = 0.5
    max_shared_span: int = 40
    ngram: int = 8
    max_doc_freq: int = 5


@dataclass(frozen=True, kw_only=True)
class GateResult:
    """Output of :func:`apply_gate`.

    ``kept`` and ``rejected`` carry every input column plus :data:`GATE_COLUMNS`; ``counts`` maps a
    reason to the number of rows rejected with it (a row can have several reasons);
    ``counts_per_label`` maps a label (the ICD-10 code for a ``ClassLabel``) to its reason counts
    plus ``"kept"``.
    """

    kept: Dataset
    rejected: Dataset
    counts: dict[str, int]
    counts_per_label: dict[str, dict[str, int]]
    settings: GateSettings


def reject_reasons(batch: dict[str, list], *, settings: GateSettings | None = None) -> dict[str, list]:
    """Batch function: ``reject_reasons`` from ``text`` and the check columns (all required)."""
    settings = settings or GateSettings()
    needed = ("text", "phi_types", "membership_containment", "membership_longest_span")
    missing = [c for c in needed if c not in batch]
    if missing:
        raise KeyError(f"reject_reasons needs the columns {missing}; run PhiScanner and MembershipChecker")
    out: list[list[str]] = []
    for text, phi, containment, span in zip(
        batch["text"],
        batch["phi_types"],
        batch["membership_containment"],
        batch["membership_longest_span"],
        strict=True,
    ):
        reasons = [] if isinstance(text, str) and text.strip() else ["empty"]
        reasons += ["phi:error" if t == "ERROR" else f"phi:{t}" for t in phi or []]
        if containment is None or containment > settings.max_containment:
            reasons.append("membership:ngram")
        if span is None or span >= settings.max_shared_span:
            reasons.append("membership:span")
        out.append(reasons)
    return {"reject_reasons": out}


def count_reasons(
    reasons: Sequence[Sequence[str]], labels: Sequence[Any] | None = None
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """``(counts, counts_per_label)`` for rows' reject reasons; ``labels`` are already strings.

    >>> count_reasons([[], ["phi:PERSON", "empty"], ["phi:PERSON"]], ["F32.1", "F32.1", "F41.1"])
    ({'empty': 1, 'phi:PERSON': 2}, {'F32.1': {'empty': 1, 'kept': 1, 'phi:PERSON': 1}, 'F41.1': {'kept': 0, 'phi:PERSON': 1}})
    """
    counts: Counter[str] = Counter(r for row in reasons for r in row)
    per_label: dict[str, Counter[str]] = {}
    if labels is not None:
        for row, label in zip(reasons, labels, strict=True):
            c = per_label.setdefault(str(label), Counter({"kept": 0}))
            c.update(row)
            c["kept"] += not row
    return dict(sorted(counts.items())), {k: dict(sorted(v.items())) for k, v in sorted(per_label.items())}


def _label_strings(ds: Dataset) -> list[str] | None:
    if "label" not in ds.column_names:
        return None
    feature = ds.features["label"]
    values = ds.select_columns(["label"])[:]["label"]
    if hasattr(feature, "int2str"):
        return [feature.int2str(v) if v is not None and v >= 0 else str(v) for v in values]
    return [str(v) for v in values]


def gate_features(ds: Dataset, columns: Sequence[str] = GATE_COLUMNS) -> Any:
    """``ds.features`` plus the gate's types for ``columns``. Pass it as ``features=`` to
    ``Dataset.map``: otherwise a first batch with no findings types ``phi_types`` as a list of nulls
    and a later batch with findings fails to cast.

    >>> from datasets import Dataset
    >>> ds = Dataset.from_dict({"text": ["F32.1"]})
    >>> gate_features(ds, ["phi_types"])["phi_types"]
    List(Value('string'))
    """
    from datasets import Features, List, Value

    span = {
        "type": Value("string"),
        "start": Value("int64"),
        "end": Value("int64"),
        "score": Value("float64"),
    }
    types: dict[str, Any] = {
        "phi_types": List(Value("string")),
        "phi_spans": List(span),
        "membership_containment": Value("float64"),
        "membership_longest_span": Value("int64"),
        "membership_nearest_id": Value("string"),
        "reject_reasons": List(Value("string")),
    }
    return Features({**ds.features, **{c: types[c] for c in columns}})


def apply_gate(
    synthetic: Dataset,
    *,
    reference_texts: Sequence[str],
    reference_ids: Sequence[str],
    settings: GateSettings | None = None,
    scanner: PhiScanner | None = None,
    batch_size: int = 32,
) -> GateResult:
    """Run the PHI scan and the membership check on ``synthetic`` (needs ``text``), decide, and split.

    ``reference_texts``/``reference_ids`` are the real reports (include every exemplar shown to the
    generator). ``scanner`` defaults to ``PhiScanner(threshold=settings.phi_threshold)``; a scanner
    with another threshold is an error, so the card never reports a threshold that was not used.
    """
    settings = settings or GateSettings()
    if scanner is None:
        scanner = PhiScanner(threshold=settings.phi_threshold)
    elif scanner.threshold != settings.phi_threshold:
        raise ValueError(
            f"scanner.threshold={scanner.threshold} but settings.phi_threshold={settings.phi_threshold}"
        )
    checker = MembershipChecker.build(
        reference_texts, reference_ids, n=settings.ngram, max_doc_freq=settings.max_doc_freq
    )
    logger.info("gate: %d synthetic rows against %r", len(synthetic), checker)
    if len(synthetic) == 0:
        from datasets import Dataset

        features = gate_features(synthetic, GATE_COLUMNS)
        ds = Dataset.from_dict({c: [] for c in features}, features=features)
    else:
        steps: list[tuple[Any, tuple[str, ...], str]] = [
            (scanner, GATE_COLUMNS[:2], "PHI scan"),
            (checker, GATE_COLUMNS[2:5], "Membership check"),
            (functools.partial(reject_reasons, settings=settings), GATE_COLUMNS[5:], "Gate decision"),
        ]
        ds = synthetic
        for step, columns, desc in steps:
            features = gate_features(ds, columns)
            ds = ds.map(step, batched=True, batch_size=batch_size, features=features, desc=desc)
    reasons: list[list[str]] = ds.select_columns(["reject_reasons"])[:]["reject_reasons"]
    kept_idx = [i for i, r in enumerate(reasons) if not r]
    kept_set = set(kept_idx)
    counts, per_label = count_reasons(reasons, _label_strings(ds))
    logger.info("gate: kept %d of %d; rejects by reason %s", len(kept_idx), len(ds), counts)
    return GateResult(
        kept=ds.select(kept_idx),
        rejected=ds.select([i for i in range(len(ds)) if i not in kept_set]),
        counts=counts,
        counts_per_label=per_label,
        settings=settings,
    )
