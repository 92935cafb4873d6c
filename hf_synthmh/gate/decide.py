"""Gate decision: settings, reject reasons, the filter and its counts.

Each check is a small batch step (datatrove style); the decision turns their columns into
``reject_reasons`` and every drop is counted per reason:

* ``"empty"``: blank text.
* ``"phi:<TYPE>"``: one per PHI entity type found (``"phi:PERSON"``); ``"phi:error"`` when the scan
  raised (fail closed).
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

>>> batch = {"text": ["ok", " ", "copy"], "phi_types": [[], [], ["PERSON"]],
...          "membership_containment": [0.1, 0.0, 0.9], "membership_longest_span": [0, 0, 60]}
>>> reject_reasons(batch)["reject_reasons"]
[[], ['empty'], ['phi:PERSON', 'membership:ngram', 'membership:span']]
"""

from __future__ import annotations

import functools
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from hf_synthmh.gate.membership import MEMBERSHIP_COLUMNS, MembershipChecker
from hf_synthmh.gate.neighbours import EMBEDDING_COLUMNS, EmbeddingNeighbours
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

_PHI_COLUMNS: tuple[str, ...] = ("phi_types", "phi_spans")
#: Columns the gate adds. Drop them from kept rows before publishing (they describe real reports).
GATE_COLUMNS: tuple[str, ...] = (*_PHI_COLUMNS, *MEMBERSHIP_COLUMNS, *EMBEDDING_COLUMNS, "reject_reasons")


@dataclass(frozen=True, kw_only=True)
class GateSettings:
    """Thresholds of the gate.

    Attributes:
        phi_threshold: minimum Presidio score for a PHI finding (0.35 keeps first names and cued
            record numbers that spaCy's small model scores low, at no cost in false alarms on our
            clinical evaluation sentences).
        max_containment: reject when more than this share of a row's tokens lies in passages shared
            in order with one real report, each holding a rare n-gram (0.4: copies with one word in
            ten edited keep ~0.45-0.85, median ~0.7; novel reports written from the demo corpus's
            templates reach ~0.34; passages made only of boilerplate count for nothing).
        max_shared_span: reject when one passage shared with one real report holds this many tokens
            covered by rare n-grams (40, about two sentences; stock phrases inside it do not count).
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
        minhash_ngram: shingle length in words for MinHash (3).
        minhash_perms, minhash_bands: MinHash permutations (128) and LSH bands (42 bands of 3 rows:
            a pair at Jaccard 0.5 becomes a candidate with probability 0.996, at 0.2 with 0.29).
        embedding_check: also compare sentence embeddings with the real reports (off by default:
            MiniLM embeds ~17 reports/s per thread); needs ``holdout_texts`` in :func:`apply_gate`.
        embedding_percentile: a row is rejected when it is closer to its nearest real train report
            than this percentage of real holdout reports are to theirs (1.0).
    """

    phi_threshold: float = 0.35
    max_containment: float = 0.4
    max_shared_span: int = 40
    ngram: int = 8
    max_doc_freq: int = 5
    candidates: int = 8
    min_shared: int = 10
    minhash_threshold: float = 0.5
    minhash_ngram: int = 3
    minhash_perms: int = 128
    minhash_bands: int = 42
    embedding_check: bool = False
    embedding_percentile: float = 1.0

    def membership_checker(self, texts: Sequence[str], ids: Sequence[str]) -> MembershipChecker:
        """:meth:`MembershipChecker.build` with these settings."""
        return MembershipChecker.build(
            texts,
            ids,
            n=self.ngram,
            max_doc_freq=self.max_doc_freq,
            candidates=self.candidates,
            min_shared=self.min_shared,
            shingle=self.minhash_ngram,
            num_perm=self.minhash_perms,
            bands=self.minhash_bands,
            max_containment=self.max_containment,
            max_shared_span=self.max_shared_span,
            minhash_threshold=self.minhash_threshold,
        )


@dataclass(frozen=True, kw_only=True)
class GateResult:
    """Output of :func:`apply_gate`.

    ``kept`` and ``rejected`` carry every input column plus :data:`GATE_COLUMNS`; ``counts`` maps a
    reason to the number of rows rejected with it (a row can have several reasons);
    ``counts_per_label`` maps a label (the ICD-10 code for a ``ClassLabel``) to its reason counts
    plus ``"kept"``. ``timings`` holds seconds per step (``phi_s``, ``membership_s``, ``embedding_s``,
    ``decision_s``) and ``embedding_texts`` (texts embedded, cache misses only);
    ``embedding_threshold`` is the calibrated distance (``None`` when the embedding check is off).
    """

    kept: Dataset
    rejected: Dataset
    counts: dict[str, int]
    counts_per_label: dict[str, dict[str, int]]
    settings: GateSettings
    timings: dict[str, float] = field(default_factory=dict)
    embedding_threshold: float | None = None


def _fails(value: Any, above: float, *, strict: bool = True) -> bool:
    return value is None or (value > above if strict else value >= above)


def reject_reasons(
    batch: dict[str, list], *, settings: GateSettings | None = None, embedding_threshold: float | None = None
) -> dict[str, list]:
    """Batch function: ``reject_reasons`` from ``text`` and the check columns. ``text``, ``phi_types``,
    ``membership_containment`` and ``membership_longest_span`` are required; the MinHash, exemplar and
    embedding columns are used when present (the embedding one only with ``embedding_threshold``)."""
    s = settings or GateSettings()
    needed = ("text", "phi_types", "membership_containment", "membership_longest_span")
    missing = [c for c in needed if c not in batch]
    if missing:
        raise KeyError(f"reject_reasons needs the columns {missing}; run PhiScanner and MembershipChecker")
    n = len(batch["text"])
    absent: list[Any] = [0] * n
    jaccard = batch.get("membership_minhash_jaccard", absent)
    ex_cont = batch.get("membership_exemplar_containment", absent)
    ex_span = batch.get("membership_exemplar_span", absent)
    distance = batch.get("membership_embedding_distance") if embedding_threshold is not None else None
    out: list[list[str]] = []
    for k, (text, phi) in enumerate(zip(batch["text"], batch["phi_types"], strict=True)):
        blank = not (isinstance(text, str) and text.strip())
        reasons = ["empty"] if blank else []
        reasons += ["phi:error" if t == "ERROR" else f"phi:{t}" for t in phi or []]
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


def _label_strings(ds: Dataset) -> list[str] | None:
    if "label" not in ds.column_names:
        return None
    feature = ds.features["label"]
    values = ds.select_columns(["label"])[:]["label"]
    if hasattr(feature, "int2str"):
        return [feature.int2str(v) if v is not None and v >= 0 else str(v) for v in values]
    return [str(v) for v in values]


def _types() -> dict[str, Any]:
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

    types = _types()
    return Features({**ds.features, **{c: types[c] for c in columns}})


def apply_gate(
    synthetic: Dataset,
    *,
    reference_texts: Sequence[str],
    reference_ids: Sequence[str],
    settings: GateSettings | None = None,
    scanner: PhiScanner | None = None,
    batch_size: int = 32,
    holdout_texts: Sequence[str] | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> GateResult:
    """Run the PHI scan and the membership checks on ``synthetic`` (needs ``text``), decide, and split.

    ``reference_texts``/``reference_ids`` are the real reports (include every exemplar shown to the
    generator: rows with an ``exemplar_ids`` column are also checked against their own exemplars, and
    an exemplar id missing from the reference is a ValueError). ``scanner`` defaults to
    ``PhiScanner(threshold=settings.phi_threshold)``; a scanner with another threshold is an error, so
    the card never reports a threshold that was not used. With ``settings.embedding_check``,
    ``holdout_texts`` (real reports never shown to the generator) calibrate the embedding distance
    threshold and ``embed`` (default :class:`hf_synthmh.metrics.embeddings.Embedder`, MiniLM) embeds.
    ``batch_size`` is the PHI scan's batch; the membership check runs on the whole column at once.
    """
    from datasets import Dataset, Features, concatenate_datasets

    settings = settings or GateSettings()
    if scanner is None:
        scanner = PhiScanner(threshold=settings.phi_threshold)
    elif scanner.threshold != settings.phi_threshold:
        raise ValueError(
            f"scanner.threshold={scanner.threshold} but settings.phi_threshold={settings.phi_threshold}"
        )
    if settings.embedding_check and not holdout_texts:
        raise ValueError(
            "settings.embedding_check needs holdout_texts (real reports never shown to the generator)"
        )
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    checker = settings.membership_checker(reference_texts, reference_ids)
    timings["membership_s"] = time.perf_counter() - clock
    logger.info("gate: %d synthetic rows against %r", len(synthetic), checker)
    threshold: float | None = None
    if len(synthetic) == 0:
        features = gate_features(synthetic, GATE_COLUMNS)
        ds = Dataset.from_dict({c: [] for c in features}, features=features)
    else:
        ds = synthetic.remove_columns([c for c in GATE_COLUMNS if c in synthetic.column_names])
        clock = time.perf_counter()
        ds = ds.map(
            scanner,
            batched=True,
            batch_size=batch_size,
            features=gate_features(ds, _PHI_COLUMNS),
            desc="PHI scan",
        )
        timings["phi_s"] = time.perf_counter() - clock
        clock = time.perf_counter()
        texts = list(ds["text"])
        exemplars = list(ds["exemplar_ids"]) if "exemplar_ids" in ds.column_names else None
        columns = checker.check_batch(texts, exemplar_ids=exemplars)
        timings["membership_s"] += time.perf_counter() - clock
        if settings.embedding_check:
            clock = time.perf_counter()
            neighbours = EmbeddingNeighbours.build(
                reference_texts,
                reference_ids,
                holdout_texts or [],
                embed=embed,
                percentile=settings.embedding_percentile,
            )
            columns |= neighbours.check(texts)
            threshold = neighbours.threshold
            timings["embedding_s"] = time.perf_counter() - clock
            timings["embedding_texts"] = float(neighbours.cost["texts_embedded"])
        else:
            columns |= {c: [None] * len(texts) for c in EMBEDDING_COLUMNS}
        types = _types()
        added = Dataset.from_dict(columns, features=Features({c: types[c] for c in columns}))
        ds = concatenate_datasets([ds, added], axis=1)
        clock = time.perf_counter()
        decide = functools.partial(reject_reasons, settings=settings, embedding_threshold=threshold)
        ds = ds.map(
            decide,
            batched=True,
            batch_size=1000,
            features=gate_features(ds, ["reject_reasons"]),
            desc="Gate decision",
        )
        timings["decision_s"] = time.perf_counter() - clock
    reasons: list[list[str]] = ds.select_columns(["reject_reasons"])[:]["reject_reasons"]
    kept_idx = [i for i, r in enumerate(reasons) if not r]
    kept_set = set(kept_idx)
    counts, per_label = count_reasons(reasons, _label_strings(ds))
    logger.info(
        "gate: kept %d of %d; rejects by reason %s; seconds %s", len(kept_idx), len(ds), counts, timings
    )
    return GateResult(
        kept=ds.select(kept_idx),
        rejected=ds.select([i for i in range(len(ds)) if i not in kept_set]),
        counts=counts,
        counts_per_label=per_label,
        settings=settings,
        timings=timings,
        embedding_threshold=threshold,
    )
