"""Overlap of two token sequences: the longest shared run and ROUGE-L, for the gate and the metrics.

* :func:`longest_common_run`: the longest run of consecutive equal elements two integer arrays share
  (longest common substring), vectorised with numpy: the gate's hashed n-grams and the metrics'
  token ids use it; :func:`longest_common_span` is the same on any sequences of hashable tokens.
* :func:`rouge_l_f1`: ROUGE-L F1 of two token sequences (longest common subsequence by rapidfuzz).

>>> longest_common_span("low mood and poor sleep".split(), "poor sleep and low mood".split())
2
>>> rouge_l_f1([1, 2, 3, 4], [1, 3, 4])  # LCS 3: P = 0.75, R = 1
0.8571428571428571
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from hf_synthmh.text.hashing import expand

__all__ = ["longest_common_run", "longest_common_span", "rouge_l_f1"]


def longest_common_run(a: np.ndarray, b: np.ndarray) -> int:
    """Length of the longest run of consecutive equal elements shared by ``a`` and ``b`` (longest common
    substring of two integer or hash sequences), vectorised with numpy.

    >>> longest_common_run(np.array([1, 2, 3, 4, 9]), np.array([7, 2, 3, 4, 8, 1]))
    3
    >>> longest_common_run(np.array([1, 2]), np.array([], dtype=np.int64))
    0
    """
    if a.size == 0 or b.size == 0:
        return 0
    order = np.argsort(b, kind="stable")
    lo = np.searchsorted(b[order], a, "left")
    counts = np.searchsorted(b[order], a, "right") - lo
    if not counts.any():
        return 0
    i = np.repeat(np.arange(a.size), counts)
    diag = i - order[expand(lo[counts > 0], counts[counts > 0])]
    sort = np.lexsort((i, diag))
    i, diag = i[sort], diag[sort]
    breaks = np.ones(i.size, dtype=bool)
    breaks[1:] = (diag[1:] != diag[:-1]) | (i[1:] != i[:-1] + 1)
    return int(np.bincount(np.cumsum(breaks)).max())


def longest_common_span(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """:func:`longest_common_run` of two sequences of hashable tokens.

    >>> longest_common_span(["a", "b", "c", "d"], ["x", "b", "c", "d", "a"])
    3
    """
    vocab: dict[Hashable, int] = {}
    x = np.fromiter((vocab.setdefault(t, len(vocab)) for t in a), dtype=np.int64, count=len(a))
    y = np.fromiter((vocab.get(t, -1) for t in b), dtype=np.int64, count=len(b))
    return longest_common_run(x, y)


def rouge_l_f1(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """ROUGE-L F1 of two token sequences: ``2PR / (P + R)`` with ``P = LCS / len(a)`` and ``R = LCS /
    len(b)``, LCS the longest common subsequence (rapidfuzz ``LCSseq``); symmetric; 0.0 when either
    is empty. Same value as ``rouge_score``'s ``rougeL`` on the same tokens.

    >>> rouge_l_f1(["low", "mood", "and", "sleep"], ["low", "sleep"])  # LCS 2: P=1, R=0.5
    0.6666666666666666
    >>> rouge_l_f1([], ["low"])
    0.0
    """
    from rapidfuzz.distance import LCSseq

    if not a or not b:
        return 0.0
    lcs = LCSseq.similarity(a, b)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(a), lcs / len(b)
    return 2 * precision * recall / (precision + recall)
