"""Gate decision: reject reasons from the check columns, and their counts.

Each check is a small batch step (datatrove style, :mod:`hf_synthmh.gate.steps`); the decision turns
their columns into ``reject_reasons`` (each the ``str`` of a :class:`~hf_synthmh.contracts.RejectReason`)
and every drop is counted per reason:

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
  one real report, or one of at least ``max_unique_span`` tokens covered by n-grams found in that report
  and in no other (``membership_unique_span``): a copy of that patient's own story, even when shorter.
* ``"membership:minhash"``: exact Jaccard of rare word shingles with one real report of at least
  ``minhash_threshold`` (near duplicate; candidates from MinHash LSH and the n-gram index).
* ``"membership:rouge_l"``: ROUGE-L F1 of at least ``max_rouge_l`` with the real report that shares the
  most rare n-grams with the row (``membership_rouge_l``): a near copy whose edits are spread evenly
  enough to break up the shared passages and shingles.
* ``"membership:embedding"``: (optional, ``embedding_check``) closer in embedding space to a real train
  report than ``embedding_percentile`` % of real holdout reports are to theirs.

A missing score (``None``) counts as a failed check (fail closed). Kept rows have
``reject_reasons == []``. Rejected rows may hold PHI or copied text: write them locally only, and drop
:data:`~hf_synthmh.contracts.GATE_COLUMNS` from kept rows before publishing.

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

import itertools
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hf_synthmh.contracts import (
    EMPTY,
    MEMBERSHIP_EMBEDDING,
    MEMBERSHIP_EXEMPLAR,
    MEMBERSHIP_MINHASH,
    MEMBERSHIP_NGRAM,
    MEMBERSHIP_ROUGE_L,
    MEMBERSHIP_SPAN,
    PHI_ERROR,
    PHI_REPLAY,
    REJECT_REASONS,
    RejectReason,
)
from hf_synthmh.gate.settings import GateSettings

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = ["count_reasons", "label_strings", "reject_reasons"]


def _over(values: Sequence[Any], limit: float) -> list[bool]:
    """Per row: the score is missing (fail closed) or above ``limit``."""
    return [v is None or v > limit for v in values]


def _at_least(values: Sequence[Any], limit: float) -> list[bool]:
    """Per row: the score is missing (fail closed) or at least ``limit``."""
    return [v is None or v >= limit for v in values]


def _either(a: list[bool], b: list[bool]) -> list[bool]:
    return [x or y for x, y in zip(a, b, strict=True)]


def _phi_reasons(
    phi: Sequence[str], redacted: Sequence[str] | None, replay: Any, *, redact: bool
) -> list[RejectReason]:
    replayed = [PHI_REPLAY] if replay else []
    if "ERROR" in phi or "ERROR" in (redacted or ()):  # the scan or the redaction raised
        return [PHI_ERROR, *replayed]
    # Under redact a found type that was not replaced still rejects (fail closed).
    found = [t for t in phi if not (redact and t in (redacted or ()))]
    return [RejectReason.phi(t) for t in found] + replayed


def reject_reasons(
    batch: dict[str, list], *, settings: GateSettings | None = None, embedding_threshold: float | None = None
) -> dict[str, list]:
    """Batch function: ``reject_reasons`` from ``text`` and the check columns. ``text``, ``phi_types``,
    ``membership_containment`` and ``membership_longest_span`` are required, and ``phi_redacted``
    under the ``redact`` PHI policy; ``phi_replay``, the MinHash, ROUGE-L, exemplar and embedding columns are
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
    rouge = batch.get("membership_rouge_l", absent)
    unique = batch.get("membership_unique_span", absent)
    ex_cont = batch.get("membership_exemplar_containment", absent)
    ex_span = batch.get("membership_exemplar_span", absent)
    distance = batch.get("membership_embedding_distance") if embedding_threshold is not None else None
    containment, longest = batch["membership_containment"], batch["membership_longest_span"]
    membership = [  # (reason, does row k fail it?), computed a column at a time
        (
            str(MEMBERSHIP_EXEMPLAR),
            _either(_over(ex_cont, s.max_containment), _at_least(ex_span, s.max_shared_span)),
        ),
        (str(MEMBERSHIP_NGRAM), _over(containment, s.max_containment)),
        (
            str(MEMBERSHIP_SPAN),
            _either(_at_least(longest, s.max_shared_span), _at_least(unique, s.max_unique_span)),
        ),
        (str(MEMBERSHIP_MINHASH), _at_least(jaccard, s.minhash_threshold)),
        (str(MEMBERSHIP_ROUGE_L), _at_least(rouge, s.max_rouge_l)),
    ]
    failing: dict[int, list[str]] = {}  # the few rows that fail a membership check, and which
    for name, fails in membership:
        for k in itertools.compress(range(n), fails):
            failing.setdefault(k, []).append(name)
    out: list[list[str]] = []
    for k, (text, phi) in enumerate(zip(batch["text"], batch["phi_types"], strict=True)):
        blank = not (isinstance(text, str) and text.strip())
        names = [str(EMPTY)] if blank else []
        if phi or replay[k] or redacted[k]:  # the common row has none: skip the call
            names += [str(r) for r in _phi_reasons(phi or [], redacted[k], replay[k], redact=redact)]
        names += failing.get(k, ())
        if distance is not None and not blank and (distance[k] is None or distance[k] < embedding_threshold):
            names.append(str(MEMBERSHIP_EMBEDDING))
        out.append(names)
    return {REJECT_REASONS: out}


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
