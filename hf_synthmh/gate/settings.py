"""Settings and result of the gate: :class:`GateSettings` (thresholds and policies, recorded in the
report and the card) and :class:`GateResult` (what :func:`~hf_synthmh.gate.apply_gate` returns). Plain
values only: the checks are built from them elsewhere (e.g.
:meth:`~hf_synthmh.gate.membership.MembershipChecker.from_settings`).

>>> GateSettings().phi_policy, GateSettings().replay_check
('drop', True)
>>> GateSettings(phi_policy="mask")
Traceback (most recent call last):
    ...
ValueError: phi_policy must be one of ('drop', 'redact'), not 'mask'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hf_synthmh.contracts import PHI_POLICIES, PhiPolicy

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = ["GateResult", "GateSettings"]


@dataclass(frozen=True, kw_only=True)
class GateSettings:
    """Thresholds and policies of the gate.

    Attributes:
        phi_threshold: minimum Presidio score for a PHI finding (0.35 keeps first names and cued
            record numbers that spaCy's small model scores low, at no cost in false alarms on our
            clinical evaluation sentences).
        phi_policy: ``"drop"`` (default): a row with any PHI finding is rejected with
            ``phi:<TYPE>``. ``"redact"``: right after the scan, every finding is replaced by a typed
            placeholder (``<PERSON>``) and the row is kept unless another check fires; the membership
            checks and the replay check then run on the redacted text. Under both, a row whose scan
            (or redaction) raised is rejected with ``phi:error`` (fail closed).
        replay_check: scan the real reference reports once and reject a synthetic row that repeats
            one of their identifier values verbatim (``phi:replay``, under both policies: a real
            identifier must never be published, even where the scan misses it in the synthetic
            context). Costs one PHI scan of the reference texts (~120 reports/s here; 2.5 s for the
            308 demo train reports).
        max_containment: reject when more than this share of a row's tokens lies in passages shared
            in order with one real report, each holding a rare n-gram (0.4: copies with one word in
            ten edited keep ~0.45-0.85, median ~0.7; novel reports written from the demo corpus's
            templates reach ~0.34; passages made only of boilerplate count for nothing).
        max_shared_span: reject when one passage shared with one real report holds this many tokens
            covered by rare n-grams (40, about two sentences; stock phrases inside it do not count).
        max_unique_span: reject (``membership:span`` too) when one passage shared with one real report
            holds this many tokens covered by n-grams found in that report and in no other real report (30: a 30-word
            stretch of one patient's own story, e.g. their job, pet and a singular event, is a copy
            of that patient even when it is shorter than ``max_shared_span`` and the row is mostly
            new; sentences of template text shared by several reports do not count).
        ngram: n-gram length in tokens for the membership check (8: longer than stock phrases).
        max_doc_freq: n-grams and shingles found in more than this many real reports are boilerplate
            (headings, stock phrases): they never make a row a copy.
        candidates: real reports compared exactly with each row: those sharing the most rare n-grams.
        min_shared: ...but only reports sharing at least this many rare n-grams with the row (or half
            of a short row's n-grams); fewer cannot make a 40-token span, and coincidental overlaps
            (a stock phrase next to a common word) are left out. MinHash and exemplar candidates are
            always compared.
        minhash_threshold: reject at this exact Jaccard of rare word-shingle sets with one real report
            (0.5: in the benchmark, copies with 2-5% of words edited score ~0.65-0.9, with 10% ~0.45-0.65,
            unrelated reports ~0).
        max_rouge_l: reject at this ROUGE-L F1 (longest common subsequence of tokens) with the real
            report sharing the most rare n-grams with the row (0.8: in the benchmark, copies with 10%
            of words edited score >= 0.91, unrelated reports <= 0.32, and the demo's LLM-written rows
            <= 0.31). It catches near copies whose edits happen to split every shared passage and
            shingle run.
        minhash_ngram: shingle length in words for MinHash (3).
        minhash_perms, minhash_bands: MinHash signature length (128 bins of one-permutation MinHash,
            :func:`~hf_synthmh.gate.minhash.minhash`) and LSH bands (42 bands of 3 entries:
            a pair at Jaccard 0.5 becomes a candidate with probability 0.996, at 0.2 with 0.29).
        embedding_check: also compare sentence embeddings with the real reports (off by default:
            MiniLM embeds ~17 reports/s per thread); needs ``holdout_texts`` in ``apply_gate``.
        embedding_percentile: a row is rejected when it is closer to its nearest real train report
            than this percentage of real holdout reports are to theirs (1.0).
    """

    phi_threshold: float = 0.35
    phi_policy: PhiPolicy = "drop"
    replay_check: bool = True
    max_containment: float = 0.4
    max_shared_span: int = 40
    max_unique_span: int = 30
    ngram: int = 8
    max_doc_freq: int = 5
    candidates: int = 8
    min_shared: int = 10
    minhash_threshold: float = 0.5
    max_rouge_l: float = 0.8
    minhash_ngram: int = 3
    minhash_perms: int = 128
    minhash_bands: int = 42
    embedding_check: bool = False
    embedding_percentile: float = 1.0

    def __post_init__(self) -> None:
        if self.phi_policy not in PHI_POLICIES:
            raise ValueError(f"phi_policy must be one of {PHI_POLICIES}, not {self.phi_policy!r}")


@dataclass(frozen=True, kw_only=True)
class GateResult:
    """Output of :func:`~hf_synthmh.gate.apply_gate`.

    ``kept`` and ``rejected`` carry every input column plus :data:`~hf_synthmh.contracts.GATE_COLUMNS`
    (under the ``redact`` policy their ``text`` is the redacted text); ``counts`` maps a reason to the
    number of rows rejected with it (a row can have several reasons); ``counts_per_label`` maps a
    label (the ICD-10 code for a ``ClassLabel``) to its reason counts plus ``"kept"``.

    ``timings`` holds seconds per step: ``phi_s``, ``redact_s`` (redact policy), ``replay_s`` (index
    over the real texts + lookups; replay check), ``membership_s`` (index + check), ``embedding_s``
    (embedding check) and ``decision_s``. ``embedding_texts`` counts texts embedded (cache misses);
    ``embedding_threshold`` is the calibrated distance (``None`` when the embedding check is off).

    ``n_redacted`` counts kept rows whose text was redacted, ``redacted`` the kept rows per
    placeholder type. ``phi_replay`` (``None`` when the replay check is off) is ``{"per_type": {type:
    rows rejected for repeating a real identifier of that type}, "rows": rows rejected with
    phi:replay, "per_type_generated"/"rows_generated": the same counted on the generated text
    before any redaction (equal under ``drop``), "n_real_identifiers": distinct identifier values
    indexed, "real_scan_errors": real texts whose scan failed}``: the shape of
    :func:`hf_synthmh.gate.replay.phi_replay`, for ``evaluate_corpus(phi_replay=...)``.
    """

    kept: Dataset
    rejected: Dataset
    counts: dict[str, int]
    counts_per_label: dict[str, dict[str, int]]
    settings: GateSettings
    timings: dict[str, float] = field(default_factory=dict)
    embedding_threshold: float | None = None
    embedding_texts: int = 0
    n_redacted: int = 0
    redacted: dict[str, int] = field(default_factory=dict)
    phi_replay: dict[str, Any] | None = None
