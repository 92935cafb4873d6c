"""Membership check: does a synthetic report copy (part of) a real one?

:class:`MembershipChecker` indexes the real reports once (:meth:`~MembershipChecker.build`) and checks
whole batches at once (:meth:`~MembershipChecker.check_batch`, or called as a ``Dataset.map`` batch
function), on hashed word ``n``-grams of :func:`hf_synthmh.text.tokens.words` tokens held in sorted
numpy arrays (:mod:`hf_synthmh.gate.minhash`): 100k × 100k reports take seconds.

*Boilerplate*: an n-gram (or shingle) found in more than ``max_doc_freq`` real reports (headings,
stock phrases, template paragraphs) is shared by design and never makes a row a copy by itself.

Each row is compared exactly with a few *candidate* real reports: the ``candidates`` sharing the most
rare n-grams with it (at least ``min_shared``), those found by MinHash LSH, and the exemplars its
prompt showed (``exemplar_ids``). A *passage* is a maximal run of n-grams shared in order with one
report (same offset, consecutive positions); passages without a rare n-gram are boilerplate and count
for nothing. Per row it adds:

* ``membership_containment`` (float): the highest, over candidates, share of the row's tokens inside
  passages shared with that one report. Copies with one word in ten edited keep ~0.45-0.85.
* ``membership_longest_span`` (int): the longest passage shared with one candidate, counted in tokens
  covered by its rare n-grams (a chain of stock phrases counts for little); 0 or at least ``n``.
* ``membership_unique_span`` (int): the longest passage shared with one candidate, counted in tokens
  covered by n-grams found in that report and in no other real report (that patient's own wording: a
  job, a pet, a singular event); a 30-token stretch of it is a copy of that patient's story even when
  the row is otherwise new.
* ``membership_minhash_jaccard`` (float): the highest exact Jaccard of *rare shingle sets* (shingles of
  ``shingle`` words, boilerplate ones left out) with any candidate.
* ``membership_nearest_id`` (str): the candidate with the strongest evidence, each score relative to
  its threshold (the one a rejection names; "" without candidates).
* ``membership_rouge_l`` (float): exact ROUGE-L F1 (:func:`hf_synthmh.text.overlap.rouge_l_f1`)
  between the row and its nearest report; 0.0 without one. Reported, not a check.
* ``membership_exemplar_id``, ``membership_exemplar_containment``, ``membership_exemplar_span``: the
  same containment and span against the row's own exemplars only ("" / 0.0 / 0 without any).

>>> real = ["History: low mood for months after losing her job at the bakery, poor sleep and guilt.",
...         "History: panic attacks on buses since the spring, with palpitations and fear of dying."]
>>> check = MembershipChecker.build(real, ["r1", "r2"], n=4)
>>> out = check({"text": ["Low mood for months after losing her job at the bakery; she feels guilty."]})
>>> out["membership_nearest_id"], out["membership_longest_span"], round(out["membership_containment"][0], 2)
(['r1'], [11], 0.79)
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hf_synthmh.contracts import MEMBERSHIP_COLUMNS
from hf_synthmh.gate.keys import (
    PAYLOAD_BITS,
    SHIFT,
    pair_docs,
    pair_keys,
    pair_rows,
    rank_keys,
    rank_rows,
)
from hf_synthmh.gate.minhash import LshIndex, minhash, pair_jaccard
from hf_synthmh.gate.passages import common_keys, per_row, score_pairs
from hf_synthmh.gate.sorted_index import bitmap, bitmap_bits, build_index, drop_members, in_bitmap, lookup
from hf_synthmh.text.hashing import Csr, expand, hash_tokens, shingles
from hf_synthmh.text.overlap import rouge_l_f1

if TYPE_CHECKING:
    from hf_synthmh.gate.settings import GateSettings

__all__ = ["MembershipChecker"]

_CHUNK_GRAMS = 1 << 22  # rows are checked in chunks of about this many n-grams


class MembershipChecker:
    """Hashed index of the real reports, callable on batches. Build it with :meth:`build`.

    Args of :meth:`build`:
        texts, ids: the real reports and their ids (same length).
        n: n-gram length in tokens for containment, span and candidates.
        max_doc_freq: n-grams and shingles in more than this many real reports are boilerplate.
        candidates, min_shared: each row is compared with at most ``candidates`` reports sharing the
            most rare n-grams with it, and only those sharing at least ``min_shared`` (or half of a
            short row's n-grams).
        shingle, num_perm, bands: MinHash shingle length in words, signature length and LSH bands.
        max_containment, max_shared_span, max_unique_span, minhash_threshold: the decision thresholds;
            here they only rank candidates for ``membership_nearest_id``.
    """

    def __init__(self, *, ids: list[str], settings: dict[str, Any], arrays: dict[str, Any]) -> None:
        self.ids, self._settings = ids, settings
        self.n, self.max_doc_freq, self.candidates = (
            settings["n"],
            settings["max_doc_freq"],
            settings["candidates"],
        )
        self.shingle, self.num_perm, self.bands = settings["shingle"], settings["num_perm"], settings["bands"]
        self._tokens: Csr = arrays["tokens"]  # token hashes of every real report
        self._grams: np.ndarray = arrays["grams"]  # build_index keys of the n-grams
        self._found: np.ndarray = arrays["found"]  # bitmap of every n-gram (a cheap first test)
        self._boiler: np.ndarray = arrays["boiler"]  # bitmap of the boilerplate n-grams
        self._boiler_shingles: np.ndarray = arrays["boiler_shingles"]  # bitmap of boilerplate shingles
        self._rare_sets: Csr = arrays["rare_sets"]  # each report's rare shingles (in order, with repeats)
        self._lsh: LshIndex = arrays["lsh"]
        self._row_of = {rid: k for k, rid in reversed(list(enumerate(ids)))}

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        ids: Sequence[str],
        *,
        n: int = 8,
        max_doc_freq: int = 5,
        candidates: int = 8,
        min_shared: int = 10,
        shingle: int = 3,
        num_perm: int = 128,
        bands: int = 42,
        max_containment: float = 0.4,
        max_shared_span: int = 40,
        max_unique_span: int = 30,
        minhash_threshold: float = 0.5,
    ) -> MembershipChecker:
        """Index ``texts`` (the real reports)."""
        if len(texts) != len(ids):
            raise ValueError(f"{len(texts)} texts but {len(ids)} ids")
        if min(n, max_doc_freq, candidates, shingle, num_perm, bands, min_shared) < 1:
            raise ValueError(
                "n, max_doc_freq, candidates, min_shared, shingle, num_perm and bands must be >= 1"
            )
        settings: dict[str, Any] = dict(
            n=n, max_doc_freq=max_doc_freq, candidates=candidates, min_shared=min_shared
        )
        settings |= dict(shingle=shingle, num_perm=num_perm, bands=bands, max_containment=max_containment)
        settings |= dict(max_shared_span=max_shared_span, minhash_threshold=minhash_threshold)
        settings |= dict(max_unique_span=max_unique_span)
        tokens = hash_tokens(list(texts))
        gram_keys = build_index(shingles(tokens, n), inplace=True)  # candidates' n-grams: from tokens
        boiler, distinct = common_keys(gram_keys, max_doc_freq)
        arrays: dict[str, Any] = {"tokens": tokens, "grams": gram_keys}
        arrays["found"] = bitmap(gram_keys, bits=bitmap_bits(gram_keys.size, 3))
        arrays["boiler"] = bitmap(boiler, bits=bitmap_bits(distinct, 6))
        del boiler
        sh = shingles(tokens, shingle)
        boiler, distinct = common_keys(build_index(sh), max_doc_freq)
        arrays["boiler_shingles"] = bitmap(boiler, bits=bitmap_bits(distinct, 6))
        del boiler
        rare_sets = arrays["rare_sets"] = drop_members(sh, arrays["boiler_shingles"])
        del sh
        sig = minhash(rare_sets.values, rare_sets.offsets, num_perm=num_perm)
        arrays["lsh"] = LshIndex(sig, bands=bands, valid=rare_sets.lengths > 0)
        return cls(ids=[str(i) for i in ids], settings=settings, arrays=arrays)

    @classmethod
    def from_settings(
        cls, settings: GateSettings, texts: Sequence[str], ids: Sequence[str]
    ) -> MembershipChecker:
        """:meth:`build` with the membership fields of :class:`~hf_synthmh.gate.settings.GateSettings`."""
        return cls.build(
            texts,
            ids,
            n=settings.ngram,
            max_doc_freq=settings.max_doc_freq,
            candidates=settings.candidates,
            min_shared=settings.min_shared,
            shingle=settings.minhash_ngram,
            num_perm=settings.minhash_perms,
            bands=settings.minhash_bands,
            max_containment=settings.max_containment,
            max_shared_span=settings.max_shared_span,
            max_unique_span=settings.max_unique_span,
            minhash_threshold=settings.minhash_threshold,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        s = self._settings
        return (
            f"MembershipChecker({len(self)} reports, {self._grams.size} n-gram keys, "
            + ", ".join(
                f"{k}={s[k]}" for k in ("n", "max_doc_freq", "candidates", "min_shared", "shingle", "bands")
            )
            + ")"
        )

    def check(self, text: str) -> tuple[float, int, str]:
        """``(containment, longest_span, nearest_id)`` for one text."""
        out = self.check_batch([text])
        return (
            out["membership_containment"][0],
            out["membership_longest_span"][0],
            out["membership_nearest_id"][0],
        )

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        """Batch function: reads ``text`` (and ``exemplar_ids`` when present), returns
        :data:`MEMBERSHIP_COLUMNS`."""
        return self.check_batch(batch["text"], exemplar_ids=batch.get("exemplar_ids"))

    def check_batch(
        self, texts: Sequence[str], *, exemplar_ids: Sequence[Sequence[str] | None] | None = None
    ) -> dict[str, list]:
        """:data:`MEMBERSHIP_COLUMNS` for many texts. ``exemplar_ids[k]`` are the ids of the real
        reports shown in row ``k``'s prompt; each must be one of the indexed ids (ValueError otherwise:
        an exemplar that cannot be checked must not pass silently)."""
        texts = list(texts)
        if exemplar_ids is not None and len(exemplar_ids) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(exemplar_ids)} exemplar_ids")
        pairs = self._exemplar_pairs(exemplar_ids) if exemplar_ids is not None else np.zeros(0, np.uint64)
        tokens = hash_tokens(texts)
        out: dict[str, list] = {c: [] for c in MEMBERSHIP_COLUMNS}
        grams_per_row = np.maximum(tokens.lengths - self.n + 1, 1)
        chunk = (np.cumsum(grams_per_row) - grams_per_row) // _CHUNK_GRAMS
        cuts = [0, *(np.flatnonzero(np.diff(chunk)) + 1).tolist(), len(texts)] if texts else [0]
        for lo, hi in itertools.pairwise(cuts):
            part = Csr(
                tokens.values[tokens.offsets[lo] : tokens.offsets[hi]],
                tokens.offsets[lo : hi + 1] - tokens.offsets[lo],
            )
            row = pair_rows(pairs)
            mine = pairs[(row >= lo) & (row < hi)] - (np.uint64(lo) << SHIFT)
            for c, values in self._check_chunk(part, mine).items():
                out[c].extend(values)
        return out

    def _exemplar_pairs(self, exemplar_ids: Sequence[Sequence[str] | None]) -> np.ndarray:
        """Pair keys ``row << PAYLOAD_BITS | doc`` of every row's exemplars."""
        keys, missing = [], set()
        for row, names in enumerate(exemplar_ids):
            for name in names or []:
                doc = self._row_of.get(str(name))
                if doc is None:
                    missing.add(str(name))
                else:
                    keys.append((row << PAYLOAD_BITS) | doc)
        if missing:
            raise ValueError(
                f"{len(missing)} exemplar ids are not among the reference reports (e.g. {sorted(missing)[:3]}); "
                "pass every real report shown to the generator as a reference"
            )
        return np.unique(np.array(keys, dtype=np.uint64))

    def _lookup(self, grams: Csr) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per n-gram: ``(left, df, rare, boiler)``; exact index lookups only where the bitmaps allow."""
        left, df = np.zeros(grams.values.size, np.int64), np.zeros(grams.values.size, np.int64)
        boiler = np.zeros(grams.values.size, dtype=bool)
        found = np.flatnonzero(in_bitmap(self._found, grams.values))
        boiler[found] = in_bitmap(self._boiler, grams.values[found])
        maybe = found[~boiler[found]]
        left[maybe], df[maybe] = lookup(self._grams, grams.values[maybe], cap=self.max_doc_freq + 1)
        boiler[maybe] |= df[maybe] > self.max_doc_freq
        # The boilerplate bitmap errs on ~1/64 of rare n-grams: look up exactly those it flags next to
        # a rare one, so a passage of rare (or unique) n-grams is not cut short at one of its ends.
        rare = (df > 0) & ~boiler
        near = np.zeros_like(rare)
        near[1:] |= rare[:-1]
        near[:-1] |= rare[1:]
        again = np.flatnonzero(near & boiler & (df == 0))
        left[again], df[again] = lookup(self._grams, grams.values[again], cap=self.max_doc_freq + 1)
        boiler[again] = df[again] > self.max_doc_freq
        return left, df, (df > 0) & ~boiler, boiler

    def _candidates(self, grams: Csr, left: np.ndarray, df: np.ndarray, rare: np.ndarray) -> np.ndarray:
        """Pair keys of the top ``candidates`` reports per row by rare n-grams shared, among those
        sharing at least ``min_shared`` (or half of the row's n-grams)."""
        hit = np.flatnonzero(rare)
        docs = pair_docs(self._grams[expand(left[hit], df[hit])])
        pairs = pair_keys(np.repeat(grams.doc_of(np.uint64)[hit], df[hit]), docs)
        pairs.sort()
        new = np.ones(pairs.size + 1, dtype=bool)
        np.not_equal(pairs[1:], pairs[:-1], out=new[1:-1])
        first = np.flatnonzero(new)
        count, pairs = np.diff(first), pairs[first[:-1]]
        row = pair_rows(pairs).astype(np.int64)
        enough = count >= np.minimum(self._settings["min_shared"], (grams.lengths[row] + 1) // 2)
        pairs, row, count = pairs[enough], row[enough], count[enough]
        ranked = rank_keys(row, count, pair_docs(pairs))
        ranked.sort()
        rank_row = rank_rows(ranked)
        keep = ranked[np.arange(ranked.size) - np.searchsorted(rank_row, rank_row) < self.candidates]
        return pair_keys(rank_rows(keep), pair_docs(keep))

    def _check_chunk(self, tokens: Csr, ex_keys: np.ndarray) -> dict[str, list]:
        grams = shingles(tokens, self.n)
        left, df, rare, boiler = self._lookup(grams)
        sh = shingles(tokens, self.shingle)
        row_sets = drop_members(sh, self._boiler_shingles)  # rare shingles, in order, with repeats
        del sh
        sig = minhash(row_sets.values, row_sets.offsets, num_perm=self.num_perm)
        lsh_rows, lsh_docs = self._lsh.query(sig, valid=row_sets.lengths > 0)
        lsh_keys = pair_keys(lsh_rows, lsh_docs)
        pairs = np.unique(np.concatenate([self._candidates(grams, left, df, rare), lsh_keys, ex_keys]))
        p_row, p_doc = pair_rows(pairs).astype(np.int64), pair_docs(pairs).astype(np.int64)
        unique = rare & (df == 1)  # found in one real report only: that patient's own wording
        covered, containment, span, unique_span = score_pairs(
            self._tokens, tokens, grams, rare | boiler, rare, unique, p_row, p_doc, n=self.n
        )
        jaccard = pair_jaccard(row_sets, self._rare_sets, p_row, p_doc)
        s = self._settings
        score = np.maximum.reduce(
            [
                containment / s["max_containment"],
                span / s["max_shared_span"],
                unique_span / s["max_unique_span"],
                jaccard / s["minhash_threshold"],
            ]
        )
        rows, ids, k = len(tokens), self.ids, pairs.size
        best, (cont, longest, longest_unique, jac) = per_row(
            rows, p_row, [score, covered, -p_doc], [containment, span, unique_span, jaccard]
        )
        pick = np.maximum(best, 0)
        has = (best >= 0) & ((score[pick] > 0) | (covered[pick] > 0)) if k else best >= 0
        nearest = [int(p_doc[b]) if ok else -1 for b, ok in zip(best.tolist(), has.tolist(), strict=True)]
        ex = np.flatnonzero(np.isin(pairs, ex_keys))
        ex_best, (ex_cont, ex_span) = per_row(
            rows, p_row[ex], [score[ex], covered[ex], -p_doc[ex]], [containment[ex], span[ex]]
        )
        return {
            "membership_containment": cont.tolist(),
            "membership_longest_span": longest.astype(np.int64).tolist(),
            "membership_unique_span": longest_unique.astype(np.int64).tolist(),
            "membership_nearest_id": [ids[d] if d >= 0 else "" for d in nearest],
            "membership_rouge_l": [
                self._rouge_l(tokens, r, d) if d >= 0 else 0.0 for r, d in enumerate(nearest)
            ],
            "membership_minhash_jaccard": jac.tolist(),
            "membership_exemplar_id": [
                ids[p_doc[ex[b]]] if b >= 0 and (score[ex[b]] > 0 or covered[ex[b]] > 0) else ""
                for b in ex_best.tolist()
            ],
            "membership_exemplar_containment": ex_cont.tolist(),
            "membership_exemplar_span": ex_span.astype(np.int64).tolist(),
        }

    def _rouge_l(self, tokens: Csr, row: int, doc: int) -> float:
        a = tokens.values[tokens.offsets[row] : tokens.offsets[row + 1]].view(np.int64).tolist()
        real = self._tokens
        b = real.values[real.offsets[doc] : real.offsets[doc + 1]].view(np.int64).tolist()
        return rouge_l_f1(a, b)

    def digest(self) -> str:
        """Short content hash of the index and settings (for fingerprints and reports)."""
        h = hashlib.blake2b(digest_size=8)
        h.update(repr(sorted(self._settings.items())).encode())
        h.update("\x1f".join(self.ids).encode())
        arrays = (self._tokens.values, self._tokens.offsets, self._grams, self._found, self._boiler)
        for array in (*arrays, self._boiler_shingles, self._rare_sets.values, self._lsh.table):
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()
