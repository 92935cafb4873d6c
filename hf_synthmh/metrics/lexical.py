"""Lexical richness of each text, vectorised over a whole corpus: MATTR and MTLD.

Tokens are :func:`hf_synthmh.metrics.tokens.words` (lower-cased; punctuation dropped), taken from an
:class:`~hf_synthmh.metrics.tokens.Encoded` corpus. Both measures are computed *within* each text and
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

How: one sort of ``(token, text, position)`` keys per chunk of texts gives, for each token, the
previous and next occurrence of the same word in the same text. A position adds to the distinct count
of exactly the windows that start after the previous occurrence, so MATTR is a closed-form sum. MTLD is a
sequential walk, done for all texts at once, one token position per step (texts sorted by length, so
the texts still walking are a prefix).

    >>> from hf_synthmh.metrics.tokens import encode
    >>> enc = encode(["a b a c", "x y z"])
    >>> mattr_scores(enc, window=2).tolist(), mtld_scores(enc).tolist()
    ([1.0, 1.0], [4.24, 3.0])
    >>> round(mattr(enc, window=3), 4), round(mtld(enc), 4)
    (0.9167, 3.62)
"""

from __future__ import annotations

import math

import numpy as np

from hf_synthmh.metrics.tokens import Encoded

__all__ = ["lexical_scores", "mattr", "mattr_scores", "mtld", "mtld_scores"]

_CHUNK_TOKENS = 1 << 20  # tokens per chunk of texts: keeps the working arrays cache-sized


def _bits(value: int) -> int:
    return max(1, int(value).bit_length())


def _chunks(lengths: np.ndarray, max_texts: int) -> list[tuple[int, int]]:
    """Consecutive text ranges of about ``_CHUNK_TOKENS`` tokens and at most ``max_texts`` texts."""
    ends = np.cumsum(lengths)
    bounds, start = [], 0
    while start < len(lengths):
        base = int(ends[start - 1]) if start else 0
        stop = int(np.searchsorted(ends, base + _CHUNK_TOKENS, side="right"))
        stop = min(max(stop, start + 1), start + max_texts)
        bounds.append((start, stop))
        start = stop
    return bounds


def _neighbours(enc: Encoded, start: int, stop: int, jbits: int) -> tuple[np.ndarray, ...]:
    """For the tokens of texts ``start:stop``, sorted by (word, text, position): ``(text, j, prev,
    nxt)`` with ``text`` relative to ``start``, ``j`` the position in its text, and ``prev`` / ``nxt``
    the position of the previous / next occurrence of the same word in the same text (-1 / the text
    length when there is none)."""
    lengths = enc.lengths[start:stop]
    ids = enc.ids[enc.offsets[start] : enc.offsets[stop]].astype(np.int64)
    tbits = _bits(stop - start - 1)
    text = np.repeat(np.arange(stop - start, dtype=np.int64), lengths)
    key = np.arange(len(ids), dtype=np.int64)
    key -= np.repeat(np.cumsum(lengths) - lengths, lengths)  # position in the text
    key |= text << jbits
    key |= ids << (tbits + jbits)
    key.sort()
    pair = key >> jbits  # (word, text)
    same = pair[1:] == pair[:-1]
    j = key & ((1 << jbits) - 1)
    text = pair & ((1 << tbits) - 1)
    prev = np.full(len(key), -1, dtype=np.int64)
    prev[1:][same] = j[:-1][same]
    nxt = lengths[text]
    nxt[:-1][same] = j[1:][same]
    return text, j, prev, nxt


def _mattr_chunk(
    text: np.ndarray, j: np.ndarray, prev: np.ndarray, lengths: np.ndarray, window: int
) -> np.ndarray:
    """MATTR of each text of a chunk: position ``j`` is new in the windows starting after ``prev``."""
    length = lengths[text]
    last_start = np.minimum(j, length - window)
    first_start = np.maximum(np.maximum(j - window + 1, prev + 1), 0)
    count = np.maximum(last_start - first_start + 1, 0)
    sums = np.bincount(text, weights=count, minlength=len(lengths))
    types = np.bincount(text, weights=prev < 0, minlength=len(lengths))
    n_windows = lengths - window + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_windows >= 1, sums / (window * np.maximum(n_windows, 1)), types / lengths)


def _mtld_chunk(
    text: np.ndarray, j: np.ndarray, prev: np.ndarray, nxt: np.ndarray, lengths: np.ndarray, threshold: float
) -> np.ndarray:
    """MTLD of each text of a chunk: all texts walk together, one token position per step."""
    n = len(lengths)
    order = np.argsort(-lengths, kind="stable")  # longest first: the texts still walking are a prefix
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    sorted_lengths = lengths[order]
    max_len = int(sorted_lengths[0]) if n else 0
    active = np.searchsorted(-sorted_lengths, -np.arange(max_len), side="left")  # texts longer than t
    row = np.zeros(max_len + 1, dtype=np.int64)  # ragged step-major tables: step t, text rank r
    np.cumsum(active, out=row[1:])
    r = rank[text]
    forward = np.empty(int(row[-1]), dtype=np.int64)  # previous occurrence of the t-th token
    forward[row[j] + r] = prev
    backward = np.empty(int(row[-1]), dtype=np.int64)  # the same, walking the text backwards
    length = lengths[text]
    backward[row[length - 1 - j] + r] = length - 1 - nxt
    scores = np.zeros(n)
    for table in (forward, backward):
        factors = np.zeros(n)
        distinct = np.zeros(n, dtype=np.int64)
        seg_start = np.zeros(n, dtype=np.int64)  # first position of the open segment
        ttr = np.ones(n)
        for t in range(max_len):
            k = int(active[t])
            starts = seg_start[:k]
            distinct[:k] += table[row[t] : row[t] + k] < starts
            np.divide(distinct[:k], t + 1 - starts, out=ttr[:k])
            reset = np.flatnonzero(ttr[:k] <= threshold)
            if len(reset):
                factors[reset] += 1
                distinct[reset] = 0
                seg_start[reset] = t + 1
        open_ = seg_start < sorted_lengths  # a partial segment is left
        factors[open_] += (1 - ttr[open_]) / (1 - threshold)
        factors[factors == 0] = 1.0  # the ratio never dropped: the whole text has no repeat
        scores += sorted_lengths / factors
    out = np.empty(n)
    out[order] = scores / 2
    return out


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
    if vbits + jbits > 62:
        raise ValueError("texts too long for the 64-bit (word, text, position) keys")
    for start, stop in _chunks(lengths, 1 << (62 - vbits - jbits)):
        chunk_lengths = lengths[start:stop]
        text, j, prev, nxt = _neighbours(enc, start, stop, jbits)
        mattr_out[start:stop] = _mattr_chunk(text, j, prev, chunk_lengths, window)
        mtld_out[start:stop] = _mtld_chunk(text, j, prev, nxt, chunk_lengths, threshold)
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
