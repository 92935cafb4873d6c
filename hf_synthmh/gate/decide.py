"""Gate decision: the columns the gate adds, reject reasons and their counts.

Each check is a small batch step (datatrove style); the decision turns their columns into
``reject_reasons`` and every drop is counted per reason:

* ``"empty"``: blank text.
* ``"phi:<TYPE>"``: one per PHI entity type found (``"phi:PERSON"``), under the ``drop`` PHI policy;
  under ``redact`` only for a type that was found but not redacted (fail closed).
* ``"phi:error"``: the scan (or the redaction) raised on the row (fail closed, both policies).
* ``"phi:replay"``: the row repeats an identifier value found in the real reports (``phi_replay``
  column; both policies; under ``redact`` checked on the redacted text).
* ``"membership:exemplar"``: the row copies one of the real reports shown in its prompt (its
  ``exemplar_ids``): containment above ``max_containment`` or a shared span of ``max_shared_span``.
* ``"membership:ngram"``: more than ``max_containment`` of the row's tokens lie in passages shared with
  one real report (boilerplate aside).
* ``"membership:span"``: a passage of at least ``max_shared_span`` non-boilerplate tokens is shared with
  one real report.
* ``"membership:minhash"``: exact Jaccard of rare word shingles with one real report of at least
  ``minhash_threshold`` (near duplicate; candidates from MinHash LSH and the n-gram index).
* ``"membership:embedding"``: (optional, ``embedding_check``) closer in embedding space to a real train
  report than ``embedding_percentile`` % of real holdout reports are to theirs.

A missing score (``None``) counts as a failed check (fail closed). Kept rows have
``reject_reasons == []``. Rejected rows may hold PHI or copied text: write them locally only, and drop
:data:`GATE_COLUMNS` from kept rows before publishing.

>>> batch = {"text": ["ok", " ", "copy", "again"], "phi_types": [[], [], ["PERSON"], []],
...          "phi_replay": [[], [], [], ["MEDICAL_RECORD_NUMBER"]],
...          "membership_containment": [0.1, 0.0, 0.9, 0.0], "membership_longest_span": [0, 0, 60, 0]}
>>> reject_reasons(batch)["reject_reasons"]
[[], ['empty'], ['phi:PERSON', 'membership:ngram', 'membership:span'], ['phi:replay']]
>>> redacted = {**batch, "phi_redacted": [[], [], ["PERSON"], []]}
>>> reject_reasons(redacted, settings=GateSettings(phi_policy="redact"))["reject_reasons"][2]
['membership:ngram', 'membership:span']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hf_synthmh.gate.membership import MEMBERSHIP_COLUMNS
from hf_synthmh.gate.neighbours import EMBEDDING_COLUMNS
from hf_synthmh.gate.settings import GateSettings

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = [
    "GATE_COLUMNS",
    "PHI_COLUMNS",
    "column_types",
    "count_reasons",
    "gate_features",
    "label_strings",
    "reject_reasons",
]

#: Columns of the PHI steps: the scan (types, spans), the redaction and the replay check.
PHI_COLUMNS: tuple[str, ...] = ("phi_types", "phi_spans", "phi_redacted", "phi_replay")
#: Columns the gate adds. Drop them from kept rows before publishing (they describe real reports).
GATE_COLUMNS: tuple[str, ...] = (*PHI_COLUMNS, *MEMBERSHIP_COLUMNS, *EMBEDDING_COLUMNS, "reject_reasons")


def _fails(value: Any, above: float, *, strict: bool = True) -> bool:
    return value is None or (value > above if strict else value >= above)


def _phi_reasons(
    phi: Sequence[str], redacted: Sequence[str] | None, replay: Any, *, redact: bool
) -> list[str]:
    replayed = ["phi:replay"] if replay else []
    if "ERROR" in phi or "ERROR" in (redacted or ()):  # the scan or the redaction raised
        return ["phi:error", *replayed]
    # Under redact a found type that was not replaced still rejects (fail closed).
    found = [t for t in phi if not (redact and t in (redacted or ()))]
    return [f"phi:{t}" for t in found] + replayed


def reject_reasons(
    batch: dict[str, list], *, settings: GateSettings | None = None, embedding_threshold: float | None = None
) -> dict[str, list]:
    """Batch function: ``reject_reasons`` from ``text`` and the check columns. ``text``, ``phi_types``,
    ``membership_containment`` and ``membership_longest_span`` are required, and ``phi_redacted``
    under the ``redact`` PHI policy; ``phi_replay``, the MinHash, exemplar and embedding columns are
    used when present (the embedding one only with ``embedding_threshold``)."""
    s = settings or GateSettings()
    redact = s.phi_policy == "redact"
    needed: tuple[str, ...] = ("text", "phi_types", "membership_containment", "membership_longest_span")
    needed += ("phi_redacted",) if redact else ()
    missing = [c for c in needed if c not in batch]
    if missing:
        raise KeyError(
            f"reject_reasons needs the columns {missing}; run PhiScanner, redact_batch (redact policy) "
            "and MembershipChecker"
        )
    n = len(batch["text"])
    absent: list[Any] = [0] * n
    none: list[Any] = [None] * n
    redacted, replay = batch.get("phi_redacted", none), batch.get("phi_replay", none)
    jaccard = batch.get("membership_minhash_jaccard", absent)
    ex_cont = batch.get("membership_exemplar_containment", absent)
    ex_span = batch.get("membership_exemplar_span", absent)
    distance = batch.get("membership_embedding_distance") if embedding_threshold is not None else None
    out: list[list[str]] = []
    for k, (text, phi) in enumerate(zip(batch["text"], batch["phi_types"], strict=True)):
        blank = not (isinstance(text, str) and text.strip())
        reasons = ["empty"] if blank else []
        reasons += _phi_reasons(phi or [], redacted[k], replay[k], redact=redact)
        if _fails(ex_cont[k], s.max_containment) or _fails(ex_span[k], s.max_shared_span, strict=False):
            reasons.append("membership:exemplar")
        if _fails(batch["membership_containment"][k], s.max_containment):
            reasons.append("membership:ngram")
        if _fails(batch["membership_longest_span"][k], s.max_shared_span, strict=False):
            reasons.append("membership:span")
        if _fails(jaccard[k], s.minhash_threshold, strict=False):
            reasons.append("membership:minhash")
        if distance is not None and not blank and (distance[k] is None or distance[k] < embedding_threshold):
            reasons.append("membership:embedding")
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


def label_strings(ds: Dataset) -> list[str] | None:
    """The ``label`` column as strings (ClassLabel names), ``None`` without one."""
    if "label" not in ds.column_names:
        return None
    feature = ds.features["label"]
    values = ds.select_columns(["label"])[:]["label"]
    if hasattr(feature, "int2str"):
        return [feature.int2str(v) if v is not None and v >= 0 else str(v) for v in values]
    return [str(v) for v in values]


def column_types() -> dict[str, Any]:
    """The ``datasets`` feature type of every gate column."""
    from datasets import List, Value

    span = {
        "type": Value("string"),
        "start": Value("int64"),
        "end": Value("int64"),
        "score": Value("float64"),
    }
    f64, i64, text = Value("float64"), Value("int64"), Value("string")
    return {
        "phi_types": List(Value("string")),
        "phi_spans": List(span),
        "phi_redacted": List(Value("string")),
        "phi_replay": List(Value("string")),
        "membership_containment": f64,
        "membership_longest_span": i64,
        "membership_nearest_id": text,
        "membership_rouge_l": f64,
        "membership_minhash_jaccard": f64,
        "membership_exemplar_id": text,
        "membership_exemplar_containment": f64,
        "membership_exemplar_span": i64,
        "membership_embedding_distance": f64,
        "membership_embedding_id": text,
        "reject_reasons": List(Value("string")),
    }


def gate_features(ds: Dataset, columns: Sequence[str] = GATE_COLUMNS) -> Any:
    """``ds.features`` plus the gate's types for ``columns``. Pass it as ``features=`` to
    ``Dataset.map``: otherwise a first batch with no findings types ``phi_types`` as a list of nulls
    and a later batch with findings fails to cast.

    >>> from datasets import Dataset
    >>> ds = Dataset.from_dict({"text": ["F32.1"]})
    >>> gate_features(ds, ["phi_types"])["phi_types"]
    List(Value('string'))
    """
    from datasets import Features

    types = column_types()
    return Features({**ds.features, **{c: types[c] for c in columns}})
