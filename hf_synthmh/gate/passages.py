"""Passage scoring of the membership check: shared runs of n-grams between synthetic rows and real reports.

Vectorised helpers of :class:`~hf_synthmh.gate.membership.MembershipChecker`: :func:`score_pairs`
finds, for many (row, real report) pairs at once, the *passages* (maximal runs of n-grams shared in
order, same offset, consecutive positions), and scores each pair by containment, longest span and
tokens covered by rare n-grams (see :mod:`hf_synthmh.gate.membership`).
:func:`hf_synthmh.text.overlap.longest_common_run` of two texts' n-gram hashes is the one-pair version
of the longest passage:

>>> from hf_synthmh.text import longest_common_run, ngram_hashes
>>> longest_common_run(ngram_hashes("low mood and poor sleep for months", 2),
...                    ngram_hashes("she has poor sleep for months now", 2))
3
"""

from __future__ import annotations

import numpy as np

from hf_synthmh.gate.keys import PAYLOAD, pack, unique_sorted
from hf_synthmh.gate.sorted_index import match_pairs
from hf_synthmh.text.hashing import Csr, expand, shingles

__all__ = ["common_keys", "per_row", "score_pairs"]


def _cover(group: np.ndarray, pos: np.ndarray, n: int) -> np.ndarray:
    """Tokens each n-gram start adds to the union of ``[pos, pos + n)`` within its group (both sorted)."""
    gap = np.full(pos.size, n, dtype=np.int64)
    if pos.size > 1:
        same = group[1:] == group[:-1]
        gap[:-1][same] = np.minimum(pos[1:] - pos[:-1], n)[same]
    return gap


def common_keys(keys: np.ndarray, max_doc_freq: int) -> tuple[np.ndarray, int]:
    """Sorted hashes (with repeats) of the :func:`build_index` keys held by more than ``max_doc_freq``
    documents (key ``k`` and key ``k + max_doc_freq`` share their hash), and how many distinct."""
    later = keys[max_doc_freq:]
    common = later[(later ^ keys[: keys.size - max_doc_freq]) <= PAYLOAD]
    return common, int(np.count_nonzero((common[1:] ^ common[:-1]) > PAYLOAD)) + int(common.size > 0)


def per_row(rows: int, p_row: np.ndarray, order_by: list[np.ndarray], values: list[np.ndarray]) -> tuple:
    """For pairs sorted by row: each row's best pair (by ``order_by``, highest first; -1 without pairs)
    and the per-row maximum of each of ``values``."""
    best = np.full(rows, -1, dtype=np.int64)
    maxima = [np.zeros(rows) for _ in values]
    if p_row.size:
        order = np.lexsort([*(-v for v in reversed(order_by)), p_row])
        first = np.flatnonzero(np.concatenate([[True], p_row[order][1:] != p_row[order][:-1]]))
        best[p_row[order][first]] = order[first]
        starts = np.flatnonzero(np.concatenate([[True], p_row[1:] != p_row[:-1]]))
        for out, v in zip(maxima, values, strict=True):
            out[p_row[starts]] = np.maximum.reduceat(v.astype(np.float64), starts)
    return best, maxima


def score_pairs(
    real_tokens: Csr,
    tokens: Csr,
    grams: Csr,
    found: np.ndarray,
    rare: np.ndarray,
    unique: np.ndarray,
    p_row: np.ndarray,
    p_doc: np.ndarray,
    *,
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per pair: tokens covered by rare shared n-grams, containment, longest span (tokens covered by
    rare n-grams in one passage) and longest unique span (tokens covered by ``unique`` n-grams, those
    found in that one real report only, in one passage); see module."""
    k = p_row.size
    covered, span, containment = np.zeros(k, np.int64), np.zeros(k, np.int64), np.zeros(k)
    unique_span = np.zeros(k, np.int64)
    if not k:
        return covered, containment, span, unique_span
    docs, doc_index = np.unique(p_doc, return_inverse=True)
    lengths = real_tokens.lengths[docs]
    doc_tokens = Csr(
        real_tokens.values[expand(real_tokens.offsets[docs], lengths)],
        np.concatenate([[0], np.cumsum(lengths)]),
    )
    pid, i, j = match_pairs(grams, shingles(doc_tokens, n), p_row, doc_index, usable=found)
    if not pid.size:
        return covered, containment, span, unique_span
    # Passages: sort matches by (pair, diagonal i - j, i); a passage breaks where i skips.
    pos_bits = max(1, int(max(i.max(), j.max()) + 1).bit_length())
    run_key = pack([(pid, max(1, k.bit_length())), (i - j + (1 << pos_bits), pos_bits + 1), (i, pos_bits)])
    run_key.sort()
    pid = (run_key >> np.uint64(2 * pos_bits + 1)).astype(np.int64)
    diag = run_key >> np.uint64(pos_bits)
    i = (run_key & np.uint64((1 << pos_bits) - 1)).astype(np.int64)
    is_rare = rare[grams.offsets[p_row[pid]] + i]
    start = np.ones(pid.size, dtype=bool)
    start[1:] = (diag[1:] != diag[:-1]) | (i[1:] != i[:-1] + 1)
    run = np.cumsum(start) - 1
    rare_tokens = np.bincount(
        run[is_rare], weights=_cover(run[is_rare], i[is_rare], n), minlength=int(run[-1]) + 1
    )
    run_pid = pid[start]
    np.maximum.at(span, run_pid, rare_tokens.astype(np.int64))
    is_unique = unique[grams.offsets[p_row[pid]] + i]
    unique_tokens = np.bincount(
        run[is_unique], weights=_cover(run[is_unique], i[is_unique], n), minlength=int(run[-1]) + 1
    )
    np.maximum.at(unique_span, run_pid, unique_tokens.astype(np.int64))
    # Tokens covered by rare shared n-grams, whatever their passage (ranks candidates).
    u = unique_sorted(
        np.sort((pid[is_rare].astype(np.uint64) << np.uint64(32)) | i[is_rare].astype(np.uint64))
    )
    u_pid = (u >> np.uint64(32)).astype(np.int64)
    covered = np.bincount(
        u_pid, weights=_cover(u_pid, (u & np.uint64(0xFFFFFFFF)).astype(np.int64), n), minlength=k
    )
    # Containment: union of the token intervals of passages holding a rare n-gram, over row tokens.
    good = rare_tokens > 0
    first, last = i[start][good], np.append(i[np.flatnonzero(start)[1:] - 1], i[-1])[good] + n
    g_pid = run_pid[good]
    order = np.lexsort((first, g_pid))
    g_pid, first, last = g_pid[order], first[order], last[order]
    reach = np.maximum.accumulate(last + g_pid * (1 << 40)) - g_pid * (1 << 40)  # running max per pair
    before = np.concatenate([[0], reach[:-1]])
    before[np.concatenate([[True], g_pid[1:] != g_pid[:-1]])] = 0
    union = np.bincount(g_pid, weights=np.maximum(last - np.maximum(first, before), 0), minlength=k)
    row_len = tokens.lengths[p_row]
    containment = np.where(row_len > 0, union / np.maximum(row_len, 1), 0.0)
    return covered.astype(np.int64), containment, span, unique_span
