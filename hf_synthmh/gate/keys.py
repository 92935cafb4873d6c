"""Bit layout of the membership check's ``uint64`` keys, named once.

* *Index keys* (:mod:`hf_synthmh.gate.sorted_index`): the high ``64 - PAYLOAD_BITS`` bits of a hash
  (:data:`PREFIX`) with a document id (or a query position) in the low :data:`PAYLOAD_BITS`
  (:data:`PAYLOAD`).
* *Pair keys* (:func:`pair_keys`): a synthetic row above a real document, ``row << PAYLOAD_BITS |
  doc``; :func:`pair_rows` and :func:`pair_docs` take them apart. Sorting them sorts by row, then doc.
* *Rank keys* (:func:`rank_keys`): row, then shared-count (highest first, capped at
  ``2**COUNT_BITS - 1``), then doc: one sort ranks every row's candidate documents.

>>> keys = pair_keys(np.array([0, 3]), np.array([5, 7]))
>>> pair_rows(keys).tolist(), pair_docs(keys).tolist()
([0, 3], [5, 7])
>>> ranked = np.sort(rank_keys(np.array([1, 1, 0]), np.array([2, 9, 4]), np.array([10, 11, 12])))
>>> rank_rows(ranked).tolist(), pair_docs(ranked).tolist()
([0, 1, 1], [12, 11, 10])
>>> pack([(np.array([1, 2]), 4), (np.array([3, 0]), 8)]).tolist()
[259, 512]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "COUNT_BITS",
    "PAYLOAD",
    "PAYLOAD_BITS",
    "PREFIX",
    "SHIFT",
    "pack",
    "pair_docs",
    "pair_keys",
    "pair_rows",
    "rank_keys",
    "rank_rows",
    "unique_sorted",
]

#: Low bits of a key that hold a document id (or a query position); at most ``2**22`` documents.
PAYLOAD_BITS = 22
#: Mask of the payload bits, and of the hash-prefix bits above them.
PAYLOAD = np.uint64((1 << PAYLOAD_BITS) - 1)
PREFIX = np.uint64(~((1 << PAYLOAD_BITS) - 1) & 0xFFFFFFFFFFFFFFFF)
SHIFT = np.uint64(PAYLOAD_BITS)
#: Bits of the (inverted) shared-count field of a rank key, between the row and the doc.
COUNT_BITS = 20
_COUNT_TOP = 1 << COUNT_BITS
_RANK_ROW_SHIFT = np.uint64(COUNT_BITS + PAYLOAD_BITS)


def pack(fields: Sequence[tuple[np.ndarray, int]]) -> np.ndarray:
    """Pack non-negative integer fields ``(values, bits)``, most significant first, into ``uint64`` keys."""
    key = np.zeros(len(fields[0][0]), dtype=np.uint64)
    for values, bits in fields:
        key <<= np.uint64(bits)
        key |= values.astype(np.uint64)
    return key


def pair_keys(rows: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """``rows << PAYLOAD_BITS | docs`` as ``uint64``."""
    return (np.asarray(rows).astype(np.uint64) << SHIFT) | np.asarray(docs).astype(np.uint64)


def pair_rows(keys: np.ndarray) -> np.ndarray:
    """The row of each pair key (``uint64``)."""
    return keys >> SHIFT


def pair_docs(keys: np.ndarray) -> np.ndarray:
    """The document of each pair (or rank) key (``uint64``)."""
    return keys & PAYLOAD


def rank_keys(rows: np.ndarray, counts: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Keys sorting by row, then ``counts`` highest first (capped), then doc."""
    inverted = _COUNT_TOP - np.minimum(counts, _COUNT_TOP - 1)
    return pack([(rows, PAYLOAD_BITS), (inverted, COUNT_BITS), (docs, PAYLOAD_BITS)])


def rank_rows(keys: np.ndarray) -> np.ndarray:
    """The row of each rank key (``uint64``)."""
    return keys >> _RANK_ROW_SHIFT


def unique_sorted(keys: np.ndarray) -> np.ndarray:
    """``keys`` (sorted) without repeats.

    >>> unique_sorted(np.array([1, 1, 2, 5, 5], dtype=np.uint64)).tolist()
    [1, 2, 5]
    """
    if keys.size < 2:
        return keys
    new = np.empty(keys.size, dtype=bool)
    new[0] = True
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    return keys[new]
