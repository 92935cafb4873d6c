"""Lexical richness of each text, vectorised over a whole corpus: MATTR and MTLD.

Tokens are :func:`hf_synthmh.text.tokens.words` (lower-cased; punctuation dropped), taken from an
:class:`~hf_synthmh.text.tokens.Encoded` corpus. Both measures are computed *within* each text and
averaged over the texts that have at least one token (NaN when none has); they describe how varied a
report's own wording is, not how much reports differ from each other (see distinct-n and self-BLEU).

* **MATTR** (moving-average type-token ratio; Covington & McFall 2010): the mean, over every window of
  ``window`` consecutive tokens (default 50), of distinct tokens / ``window``. A text shorter than the
  window scores its plain type-token ratio (``lexicalrichness`` raises instead).
* **MTLD** (measure of textual lexical diversity; McCarthy & Jarvis 2010): walk the text, and each time
  the running type-token ratio of the current segment drops to ``threshold`` (0.72) or below, count one
  factor and start a new segment; a trailing partial segment counts ``(1 - ttr) / (1 - threshold)``;
  MTLD = tokens / factors (1 factor if the ratio never drops), averaged over the forward and the
  backward walk. This is exactly ``lexicalrichness.LexicalRichness(...).mtld(threshold)``, and MATTR
  equals its ``.mattr(window)``, when given the same tokens.

How: texts are taken longest first, a few hundred at a time, and one sort of ``(text, word, position)``
keys per group (uint32 when they fit) lists every *repeat pair*: two consecutive occurrences ``p < q``
of one word in one text. Of the windows holding ``q``, exactly those also holding ``p`` do not count
``q`` as new, so MATTR is a closed-form sum over the pairs. MTLD is a sequential walk, done for all
texts and both directions at once, one token position per step, over a step-major table of each
position's previous occurrence (texts sorted by length, so the texts still walking are a prefix). The
test ``distinct / length <= threshold`` is evaluated in integers when a small fraction ``c / d`` gives
the same answer as float64 for every length (0.72 = 18/25), else against a table of the float test.

    >>> from hf_synthmh.text.tokens import encode
    >>> enc = encode(["a b a c", "x y z"])
    >>> mattr_scores(enc, window=2).tolist(), mtld_scores(enc).tolist()
    ([1.0, 1.0], [4.24, 3.0])
    >>> round(mattr(enc, window=3), 4), round(mtld(enc), 4)
    (0.9167, 3.62)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np

from hf_synthmh.text.tokens import Encoded

__all__ = ["lexical_scores", "mattr", "mattr_scores", "mtld", "mtld_scores"]

_CHUNK_TOKENS = 1 << 25  # tokens per chunk of texts: bounds the MTLD table (2 entries per token)
_SORT_TOKENS = 1 << 16  # tokens per sort: small uint32 sorts, their outputs stay in cache


def _bits(value: int) -> int:
    return max(1, int(value).bit_length())


def _chunks(lengths: np.ndarray, tokens: int, max_texts: int) -> list[tuple[int, int]]:
    """Consecutive text ranges of about ``tokens`` tokens and at most ``max_texts`` texts."""
    ends = np.cumsum(lengths)
    bounds, start = [], 0
    while start < len(lengths):
        base = int(ends[start - 1]) if start else 0
        stop = int(np.searchsorted(ends, base + tokens, side="right"))
        stop = min(max(stop, start + 1), start + max_texts)
        bounds.append((start, stop))
        start = stop
    return bounds


def _repeats(
    enc: Encoded, order: np.ndarray, vbits: int, jbits: int
) -> Iterator[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]]:
    """Every pair of consecutive occurrences of one word in one text, for the texts ``order`` (text
    indices), a few at a time: ``(a, b, text, p, q)`` for ``order[a:b]``, with ``text`` relative to
    ``a`` and ``p < q`` the two positions. One sort of ``(text, word, position)`` keys per group."""
    kbits = 32 if vbits + jbits <= 26 else 64  # uint32 keys when a sort still holds >= 64 texts
    if vbits + jbits + 1 > kbits:
        raise ValueError("texts too long for the 64-bit (text, word, position) keys")
    kind: Any = np.uint32 if kbits == 32 else np.uint64
    lengths = enc.lengths[order]
    tshift, jmask = kind(vbits + jbits), kind((1 << jbits) - 1)
    for a, b in _chunks(lengths, _SORT_TOKENS, 1 << (kbits - vbits - jbits)):
        size = lengths[a:b]
        local = np.cumsum(size) - size  # where each text starts in this group
        pos = np.arange(int(size.sum()), dtype=np.int64) - np.repeat(local, size)
        key: np.ndarray = enc.ids[pos + np.repeat(enc.offsets[order[a:b]], size)].astype(kind)
        key <<= kind(jbits)
        key |= pos.astype(kind)
        key |= np.repeat(np.arange(b - a, dtype=kind) << tshift, size)
        key.sort()
        at = np.flatnonzero((key[1:] ^ key[:-1]) <= jmask)  # same (text, word), a later position
        first, second = key[at], key[at + 1]
        yield (
            a,
            b,
            (second >> tshift).astype(np.intp),
            (first & jmask).astype(np.intp),
            (second & jmask).astype(np.intp),
        )


class _Walk:
    """MTLD of every text of a chunk, texts sorted by decreasing length: text ``r`` walks forwards
    (row ``2r``) and backwards (row ``2r + 1``), all at once, one token position per step, over a
    ragged step-major table of each position's previous occurrence in the walk (-1: none), so the
    rows still walking at step ``t`` are a prefix."""

    def __init__(self, lengths: np.ndarray, threshold: float) -> None:
        n = len(lengths)  # sorted by decreasing length
        self.lengths, self.threshold = lengths, threshold
        self.max_len = int(lengths[0]) if n else 0
        self.small: Any = np.int16 if self.max_len < (1 << 14) else np.int64
        self.active = 2 * np.searchsorted(-lengths, -np.arange(self.max_len), side="left")
        self.row = np.zeros(self.max_len + 1, dtype=np.intp)  # where step t starts in the table
        np.cumsum(self.active, out=self.row[1:])
        self.table = np.full(int(self.row[-1]), -1, dtype=self.small)

    def add(self, text: np.ndarray, p: np.ndarray, q: np.ndarray, length: np.ndarray) -> None:
        """Record repeat pairs: forwards, ``q`` last saw its word at ``p``; backwards, ``len-1-p`` at
        ``len-1-q``."""
        r = 2 * text
        self.table[self.row[q] + r] = p
        self.table[self.row[length - 1 - p] + r + 1] = length - 1 - q

    def _ratio(self) -> tuple[int, int] | None:
        """``(c, d)`` with ``k / n <= threshold`` (float64) exactly when ``d * k <= c * n``, for every
        segment length ``n`` up to the longest text, when small integers do it (else None).

        Both tests are monotone in ``k``, so they agree for every ``k`` exactly when their largest
        passing ``k`` agree for every ``n``: one linear pass (comparing all ``(k, n)`` pairs was
        quadratic in the longest text)."""
        frac = Fraction(self.threshold).limit_denominator(1 << 10)
        c, d = frac.numerator, frac.denominator
        if (c + d) * (self.max_len + 1) >= (1 << 15) - 1 and self.small == np.int16:
            return None
        n = np.arange(self.max_len + 1, dtype=np.int64)
        if not np.array_equal(self._limit()[1:], (c * n // d)[1:]):
            return None
        return c, d

    def _limit(self) -> np.ndarray:
        """``out[n]``: the largest ``k`` with ``k / n <= threshold`` in float64 (``floor(threshold *
        n)`` is off by at most one)."""
        n = np.arange(self.max_len + 1, dtype=np.int64)
        k = np.floor(self.threshold * n).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            for _ in range(2):
                k += (k + 1 <= n) & ((k + 1) / n <= self.threshold)
                k -= (k > 0) & (k / n > self.threshold)
        return k

    def run(self) -> np.ndarray:
        """Walk; MTLD of each text (the mean of the two directions)."""
        n, small, table, row = len(self.lengths), self.small, self.table, self.row
        seg_start = np.zeros(2 * n, dtype=small)
        factors = np.zeros(2 * n)
        ratio = self._ratio()
        if ratio is not None:  # w = d * distinct + c * seg_start; reset when w <= c * (t + 1)
            c, d = ratio
            w = np.zeros(2 * n, dtype=small)
            for t in range(self.max_len):
                k = int(self.active[t])
                new = table[row[t] : row[t] + k] < seg_start[:k]
                w[:k] += new * small(d) if d != 1 else new
                reset = np.flatnonzero(w[:k] <= c * (t + 1))
                if len(reset):
                    factors[reset] += 1
                    seg_start[reset] = t + 1
                    w[reset] = c * (t + 1)
            distinct = (w - c * seg_start.astype(np.int64)) // d
        else:  # reset when distinct <= limit[segment length]
            limit = self._limit()
            distinct = np.zeros(2 * n, dtype=np.int64)
            for t in range(self.max_len):
                k = int(self.active[t])
                distinct[:k] += table[row[t] : row[t] + k] < seg_start[:k]
                reset = np.flatnonzero(distinct[:k] <= limit[t + 1 - seg_start[:k]])
                if len(reset):
                    factors[reset] += 1
                    seg_start[reset] = t + 1
                    distinct[reset] = 0
        row_lengths = np.repeat(self.lengths, 2)
        open_ = seg_start < row_lengths  # a partial segment is left
        ttr = distinct[open_].astype(np.float64) / (row_lengths[open_] - seg_start[open_]).astype(np.float64)
        factors[open_] += (1 - ttr) / (1 - self.threshold)
        factors[factors == 0] = 1.0  # the ratio never dropped: the whole text has no repeat
        with np.errstate(invalid="ignore", divide="ignore"):
            scores = row_lengths / factors
        return (scores[0::2] + scores[1::2]) / 2


def lexical_scores(
    enc: Encoded, *, window: int = 50, threshold: float = 0.72
) -> tuple[np.ndarray, np.ndarray]:
    """``(mattr, mtld)`` of every text (NaN for a text with no token); see the module docstring."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    lengths = enc.lengths
    mattr_out = np.full(len(enc), math.nan)
    mtld_out = np.full(len(enc), math.nan)
    jbits = _bits(int(lengths.max()) if len(lengths) else 0)
    vbits = _bits(int(enc.ids.max()) if len(enc.ids) else 0)
    for start, stop in _chunks(lengths, _CHUNK_TOKENS, len(lengths)):
        order = start + np.argsort(-lengths[start:stop], kind="stable")  # longest first
        chunk = lengths[order]
        walk = _Walk(chunk, threshold)
        lost = np.zeros(len(chunk))  # per text: (window, token) pairs where the token is not new
        repeats = np.zeros(len(chunk), dtype=np.int64)
        for a, b, text, p, q in _repeats(enc, order, vbits, jbits):
            length = chunk[a:b][text]
            # of the windows holding q, those also holding p do not count q as a new type
            windows = np.minimum(p, length - window) - np.maximum(q - window + 1, 0) + 1
            np.maximum(windows, 0, out=windows)
            lost[a:b] += np.bincount(text, weights=windows, minlength=b - a)
            repeats[a:b] += np.bincount(text, minlength=b - a)
            walk.add(text + a, p, q, length)
        n_windows = chunk - window + 1
        with np.errstate(invalid="ignore", divide="ignore"):
            mattr_out[order] = np.where(
                n_windows >= 1,
                (n_windows * window - lost) / (window * np.maximum(n_windows, 1)),
                (chunk - repeats) / chunk,
            )
        mtld_out[order] = walk.run()
    empty = lengths == 0
    mattr_out[empty] = math.nan
    mtld_out[empty] = math.nan
    return mattr_out, mtld_out


def mattr_scores(enc: Encoded, window: int = 50) -> np.ndarray:
    """MATTR of every text (NaN for a text with no token)."""
    return lexical_scores(enc, window=window)[0]


def mtld_scores(enc: Encoded, threshold: float = 0.72) -> np.ndarray:
    """MTLD of every text (NaN for a text with no token)."""
    return lexical_scores(enc, threshold=threshold)[1]


def mean_score(values: np.ndarray) -> float:
    """Mean over the non-NaN values (NaN when there is none)."""
    kept = values[~np.isnan(values)]
    return float(kept.mean()) if len(kept) else math.nan


def mattr(enc: Encoded, window: int = 50) -> float:
    """Mean MATTR over the texts with at least one token (NaN when none has)."""
    return mean_score(mattr_scores(enc, window))


def mtld(enc: Encoded, threshold: float = 0.72) -> float:
    """Mean MTLD over the texts with at least one token (NaN when none has)."""
    return mean_score(mtld_scores(enc, threshold))
