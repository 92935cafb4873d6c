"""Membership check: does a synthetic report copy (part of) a real one?

:class:`MembershipChecker` is built once over the real reference corpus and then called on batches
(``Dataset.map(batched=True)``). For each row's ``text`` it adds:

* ``membership_containment`` (float): share of the row's tokens that lie inside a word ``n``-gram
  found in the real corpus (copy coverage), ignoring *boilerplate*: n-grams in more than
  ``max_doc_freq`` real reports (shared section headings, stock phrases) cover nothing, and tokens
  covered only by them leave the denominator. Tokens rather than n-grams, so that editing one word in
  ten does not hide a copy: such a copy keeps only ~0.9**8 = 43% of its 8-grams but ~70-90% of its
  tokens stay covered.
* ``membership_longest_span`` (int): longest run of consecutive tokens shared, in order, with one of
  the real reports that share the most rare n-grams with the row (all n-grams count inside the run).
  Measured on n-grams, so it is 0 or at least ``n``.
* ``membership_nearest_id`` (str): id of the real report sharing the most distinct rare n-grams
  ("" when none is shared).

Tokens are :func:`hf_synthmh.metrics.tokens.words` (lower-cased ``\\w+`` runs joined by inner
``.'’-``), the tokeniser every text metric uses. Each token gets a stable 64-bit BLAKE2b hash; an
n-gram's hash is a polynomial over its token hashes (wrapping ``uint64`` arithmetic), so the index is a
few sorted numpy arrays searched with ``np.searchsorted``: no Python sets of strings, and it pickles
compactly and identically in every process.

>>> real = ["History: low mood for months after losing her job at the bakery, poor sleep and guilt.",
...         "History: panic attacks on buses since the spring, with palpitations and fear of dying."]
>>> check = MembershipChecker.build(real, ["r1", "r2"], n=4)
>>> out = check({"text": ["Low mood for months after losing her job at the bakery; she feels guilty."]})
>>> out["membership_nearest_id"], out["membership_longest_span"], round(out["membership_containment"][0], 2)
(['r1'], [11], 0.79)
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence

import numpy as np

from hf_synthmh.metrics.tokens import words

__all__ = ["MembershipChecker", "longest_common_run", "ngram_hashes"]

_MUL = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier of the polynomial hash
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64 finaliser constants
_MIX2 = np.uint64(0x94D049BB133111EB)


@functools.lru_cache(maxsize=1 << 18)
def _token_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def ngram_hashes(text: str, n: int) -> np.ndarray:
    """64-bit hashes of the word ``n``-grams of ``text``, in order (``uint64``, length ``tokens - n + 1``
    or 0). Stable across processes and Python versions.

    >>> ngram_hashes("a b c", 2).shape, ngram_hashes("a b", 3).shape
    ((2,), (0,))
    >>> bool(ngram_hashes("Low mood.", 2)[0] == ngram_hashes("low MOOD", 2)[0])
    True
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    tokens = words(text)
    m = len(tokens) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    th = np.fromiter((_token_hash(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    acc = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            acc = acc * _MUL + th[k : k + m]
        acc ^= acc >> np.uint64(30)
        acc *= _MIX1
        acc ^= acc >> np.uint64(27)
        acc *= _MIX2
        acc ^= acc >> np.uint64(31)
    return acc


def _expand(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + c)`` for every (s, c), vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    return np.repeat(starts - (ends - counts), counts) + np.arange(total)


def _cover(starts: np.ndarray, n: int) -> np.ndarray:
    """Token mask covered by the n-grams starting where ``starts`` is True (``len(starts) + n - 1``)."""
    diff = np.zeros(starts.size + n, dtype=np.int64)
    hits = np.flatnonzero(starts)
    np.add.at(diff, hits, 1)
    np.add.at(diff, hits + n, -1)
    return np.cumsum(diff[:-1]) > 0


def longest_common_run(a: np.ndarray, b: np.ndarray) -> int:
    """Length of the longest run of consecutive equal elements shared by ``a`` and ``b`` (longest common
    substring of two hash sequences), vectorised with numpy.

    >>> longest_common_run(np.array([1, 2, 3, 4, 9]), np.array([7, 2, 3, 4, 8, 1]))
    3
    """
    if a.size == 0 or b.size == 0:
        return 0
    order = np.argsort(b, kind="stable")
    sb = b[order]
    lo = np.searchsorted(sb, a, "left")
    hi = np.searchsorted(sb, a, "right")
    counts = hi - lo
    if not counts.any():
        return 0
    i = np.repeat(np.arange(a.size), counts)
    j = order[_expand(lo[counts > 0], counts[counts > 0])]
    diag = i - j
    sort = np.lexsort((i, diag))
    i, diag = i[sort], diag[sort]
    breaks = np.ones(i.size, dtype=bool)
    breaks[1:] = (diag[1:] != diag[:-1]) | (i[1:] != i[:-1] + 1)
    return int(np.bincount(np.cumsum(breaks)).max())


class MembershipChecker:
    """Hashed ``n``-gram index of the real reports, callable on batches. Build it with :meth:`build`.

    Args of :meth:`build`:
        texts, ids: the real reports and their ids (same length).
        n: n-gram length in tokens.
        max_doc_freq: n-grams in more than this many real reports are boilerplate.
        candidates: how many nearest real reports the longest-span search compares with.
    """

    def __init__(
        self,
        *,
        ids: list[str],
        n: int,
        max_doc_freq: int,
        candidates: int,
        uniq: np.ndarray,
        df: np.ndarray,
        post_off: np.ndarray,
        post_doc: np.ndarray,
        doc_grams: np.ndarray,
        doc_off: np.ndarray,
    ) -> None:
        self.ids = ids
        self.n = n
        self.max_doc_freq = max_doc_freq
        self.candidates = candidates
        self._uniq, self._df = uniq, df  # sorted unique n-gram hashes; number of real reports with each
        self._post_off, self._post_doc = post_off, post_doc  # CSR: reports holding each unique hash
        self._doc_grams, self._doc_off = doc_grams, doc_off  # CSR: each report's n-gram hashes in order

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        ids: Sequence[str],
        *,
        n: int = 8,
        max_doc_freq: int = 5,
        candidates: int = 8,
    ) -> MembershipChecker:
        """Index ``texts`` (the real reports)."""
        if len(texts) != len(ids):
            raise ValueError(f"{len(texts)} texts but {len(ids)} ids")
        if n < 1 or max_doc_freq < 1 or candidates < 1:
            raise ValueError("n, max_doc_freq and candidates must be >= 1")
        grams = [ngram_hashes(t if isinstance(t, str) else "", n) for t in texts]
        lengths = np.array([g.size for g in grams], dtype=np.int64)
        doc_off = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        doc_grams = np.concatenate(grams) if grams else np.zeros(0, dtype=np.uint64)
        docs = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
        order = np.lexsort((docs, doc_grams))
        g, d = doc_grams[order], docs[order]
        first = np.ones(g.size, dtype=bool)
        first[1:] = (g[1:] != g[:-1]) | (d[1:] != d[:-1])
        g, d = g[first], d[first]  # unique (hash, report) pairs, sorted by hash
        new = np.ones(g.size, dtype=bool)
        new[1:] = g[1:] != g[:-1]
        starts = np.flatnonzero(new)
        return cls(
            ids=[str(i) for i in ids],
            n=n,
            max_doc_freq=max_doc_freq,
            candidates=candidates,
            uniq=g[starts],
            df=np.diff(np.append(starts, g.size)).astype(np.int32),
            post_off=starts.astype(np.int64),
            post_doc=d.astype(np.int32),
            doc_grams=doc_grams,
            doc_off=doc_off,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return (
            f"MembershipChecker({len(self)} reports, {self._uniq.size} n-grams, n={self.n}, "
            f"max_doc_freq={self.max_doc_freq})"
        )

    def check(self, text: str) -> tuple[float, int, str]:
        """``(containment, longest_span, nearest_id)`` for one text."""
        q = ngram_hashes(text if isinstance(text, str) else "", self.n)
        if q.size == 0 or self._uniq.size == 0:
            return 0.0, 0, ""
        idx = np.minimum(np.searchsorted(self._uniq, q), self._uniq.size - 1)
        found = self._uniq[idx] == q
        df = np.where(found, self._df[idx], 0)
        rare = found & (df <= self.max_doc_freq)
        covered_rare = _cover(rare, self.n)
        covered_boiler = _cover(found & ~rare, self.n) & ~covered_rare
        denom = covered_rare.size - int(covered_boiler.sum())
        containment = float(covered_rare.sum()) / denom if denom else 0.0
        if not rare.any():
            return containment, 0, ""
        hit = np.unique(idx[rare])
        docs = self._post_doc[_expand(self._post_off[hit], self._df[hit].astype(np.int64))]
        cand, count = np.unique(docs, return_counts=True)
        top = cand[np.lexsort((cand, -count))[: self.candidates]]
        run = max(
            longest_common_run(q, self._doc_grams[self._doc_off[d] : self._doc_off[d + 1]]) for d in top
        )
        return containment, run + self.n - 1 if run else 0, self.ids[int(top[0])]

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        """Batch function: reads ``text``, returns the three ``membership_*`` columns."""
        results = [self.check(text) for text in batch["text"]]
        return {
            "membership_containment": [r[0] for r in results],
            "membership_longest_span": [r[1] for r in results],
            "membership_nearest_id": [r[2] for r in results],
        }

    def digest(self) -> str:
        """Short content hash of the index and settings (for fingerprints and reports)."""
        h = hashlib.blake2b(digest_size=8)
        h.update(repr((self.n, self.max_doc_freq, self.candidates)).encode())
        h.update("\x1f".join(self.ids).encode())
        for array in (self._uniq, self._df, self._post_off, self._post_doc, self._doc_grams, self._doc_off):
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()
