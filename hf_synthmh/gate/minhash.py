"""MinHash signatures and banded LSH over hashed shingle sets, vectorised with numpy.

* :func:`minhash` computes one-permutation MinHash signatures (128 bins) for many sets at once; :class:`LshIndex` bands
  them; :func:`pair_jaccard` is the exact Jaccard of candidate pairs.

The tokenising and indexing helpers live in :mod:`hf_synthmh.text.hashing` and
:mod:`hf_synthmh.gate.sorted_index`.

>>> from hf_synthmh.text.hashing import hash_tokens, shingles
>>> tok = hash_tokens(["Low mood, poor sleep.", "low MOOD"])
>>> sets = shingles(tok, 2)
>>> minhash(sets.values, sets.offsets, num_perm=16).shape
(2, 16)
"""

from __future__ import annotations

import sys

import numpy as np

from hf_synthmh.gate.keys import PAYLOAD, PREFIX, unique_sorted
from hf_synthmh.gate.sorted_index import bitmap, bitmap_bits, build_index, in_bitmap
from hf_synthmh.text.hashing import GOLDEN, Csr, expand, mix64

__all__ = ["LshIndex", "minhash", "pair_jaccard"]

_EMPTY = np.uint32(0xFFFFFFFF)  # the signature of an empty set
_ROTATE = np.uint32(0x9E3779B1)  # densification fallback: a copy is rotated by this per bin (odd)
_DRAWS = 32  # densification: random draws per empty bin before falling back to the first filled bin
_HIGH = 1 if sys.byteorder == "little" else 0  # the uint32 half of a uint64 that holds its top bits
_BAND_BLOCK = 1 << 14  # signatures whose band hashes are computed at once


def minhash(values: np.ndarray, offsets: np.ndarray, *, num_perm: int = 128) -> np.ndarray:
    """MinHash signatures ``(sets, num_perm)`` (``uint32``) of many sets of random 64-bit hashes (CSR
    ``values``/``offsets``; in any order, repeats allowed), in one pass over the hashes.

    One-permutation hashing (Li, Owen & Zhang, 2012): the hashes are already random, so their order
    serves as the permutation. The 64-bit range is cut into ``num_perm`` equal bins, and entry ``b`` of a
    signature is the top 32 bits of the set's smallest hash in bin ``b``. An empty bin copies the first
    filled bin found by a fixed sequence of random draws for that bin (optimal densification,
    Shrivastava, 2017). Two sets then agree on an entry with probability their Jaccard, as with
    ``num_perm`` independent permutations, at a fraction of the cost.
    Empty sets get all ``2**32 - 1``.

    >>> sig = minhash(np.array([1 << 40, 2 << 40, 1 << 40], dtype=np.uint64), np.array([0, 2, 3, 3]))
    >>> sig.shape, bool((sig[0] == sig[1]).mean() > 0), int(sig[2, 0])
    ((3, 128), True, 4294967295)
    """
    if num_perm < 1:
        raise ValueError(f"num_perm must be >= 1, got {num_perm}")
    offsets = np.asarray(offsets, dtype=np.int64)
    n_sets, k = len(offsets) - 1, num_perm
    sig = np.full(n_sets * k, _EMPTY, dtype=np.uint32)
    lengths = np.diff(offsets)
    values = np.asarray(values, dtype=np.uint64)[offsets[0] : offsets[-1]] if n_sets else values[:0]
    if not values.size:
        return sig.reshape(n_sets, k)
    filled = lengths > 0
    high = np.ascontiguousarray(np.ascontiguousarray(values).view(np.uint32)[_HIGH::2])  # top 32 bits
    index = np.dtype(np.int32 if n_sets * k < 2**31 else np.int64)  # slot numbers
    slot = np.repeat(np.arange(0, n_sets * k, k, dtype=index), lengths)
    slot += _bins(high, k).astype(index)
    np.minimum.at(sig, slot, high)  # each (set, bin): its smallest hash
    # Densify: an empty bin copies the first filled bin that its fixed sequence of random draws finds.
    grid = (sig != _EMPTY).reshape(n_sets, k)  # (a bin whose smallest top half is 2**32 - 1 counts as empty)
    grid[~filled] = True  # empty sets stay empty
    holes = np.flatnonzero(~grid).astype(index)
    full = grid.ravel()
    bin_of = holes % k
    base = holes - bin_of
    donors = _donors(k)
    source = base + donors[0][bin_of]
    value = sig[source]
    pending = np.flatnonzero(~full[source])
    for draw in donors[1:]:  # (a value copied from an empty bin is overwritten by a later draw)
        if not pending.size:
            break
        source = base[pending] + draw[bin_of[pending]]
        value[pending] = sig[source]
        pending = pending[~full[source]]
    if pending.size:  # a set with very few members: its first filled bin, rotated per bin
        first_slot = np.zeros(n_sets, dtype=index)
        first_slot[filled] = np.minimum.reduceat(slot, (offsets[:-1] - offsets[0])[filled])
        with np.errstate(over="ignore"):
            rotation = (bin_of[pending] + 1).astype(np.uint32) * _ROTATE
            value[pending] = sig[first_slot[holes[pending] // k]] + rotation
    sig[holes] = value
    return sig.reshape(n_sets, k)


def _donors(k: int) -> np.ndarray:
    """``(_DRAWS, k)`` table: the bins that an empty bin ``b`` tries, in order, to copy (the same for
    every set, so two sets with the same filled bins copy the same ones)."""
    draws = np.arange(1, _DRAWS * k + 1, dtype=np.uint64) * GOLDEN
    return (mix64(draws) % np.uint64(k)).astype(np.int32).reshape(_DRAWS, k)


def _bins(high: np.ndarray, k: int) -> np.ndarray:
    """The bin (of ``k`` equal ranges of the hash space) of each hash's top 32 bits ``high``: their
    top bits when ``k`` is a power of two."""
    if k == 1:
        return np.zeros_like(high)
    if k & (k - 1) == 0:
        return high >> np.uint32(33 - k.bit_length())
    return (high.astype(np.uint64) * np.uint64(k)) >> np.uint64(32)


def _band_hashes(sig: np.ndarray, bands: int) -> np.ndarray:
    """Hash of each band of each signature (``sig`` is ``(sets, num_perm)``), set-major (``sets *
    bands``) and seeded by the band, so all bands share one table."""
    rows = sig.shape[1] // bands
    out = np.empty((sig.shape[0], bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for lo in range(0, sig.shape[0], _BAND_BLOCK):  # blocks of sets bound the temporaries
            picked = sig[lo : lo + _BAND_BLOCK, : bands * rows].reshape(-1, bands, rows)
            acc = out[lo : lo + _BAND_BLOCK]
            acc[:] = np.arange(1, bands + 1, dtype=np.uint64)
            for r in range(rows):
                acc *= GOLDEN
                acc += picked[:, :, r]
            mix64(acc)
    return out.ravel()


class LshIndex:
    """Banded LSH over MinHash signatures: ``bands`` bands of ``num_perm // bands`` rows. Two sets with
    Jaccard ``J`` share a bucket in at least one band with probability ``1 - (1 - J**rows)**bands``.
    All bands live in one sorted :func:`build_index` table; queries are sorted too.

    >>> sig = minhash(np.array([1 << 40, 2 << 40, 3 << 40], dtype=np.uint64), np.array([0, 3]))
    >>> LshIndex(sig, bands=32).query(sig)
    (array([0]), array([0]))
    """

    def __init__(self, sig: np.ndarray, *, bands: int, valid: np.ndarray | None = None) -> None:
        if bands < 1 or sig.shape[1] < bands:
            raise ValueError(
                f"need 1 <= bands <= num_perm, got bands={bands} for signatures of {sig.shape[1]}"
            )
        self.bands = bands
        docs = np.flatnonzero(valid) if valid is not None else np.arange(sig.shape[0])
        self.table = build_index(_band_hashes(sig[docs], bands), np.repeat(docs, bands))
        self.found = bitmap(self.table, bits=bitmap_bits(self.table.size, 3))  # skips most queries

    def query(self, sig: np.ndarray, valid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs ``(query_row, doc)``, deduplicated and sorted (at most ``2**22`` rows)."""
        rows = np.flatnonzero(valid) if valid is not None else np.arange(sig.shape[0])
        if not rows.size or not self.table.size:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        q = _band_hashes(sig[rows], self.bands) & PREFIX
        q |= np.repeat(np.arange(rows.size, dtype=np.uint64), self.bands)
        q = q[in_bitmap(self.found, q)]
        if not q.size:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        q.sort()
        prefix, at = q & PREFIX, np.searchsorted(self.table, q & PREFIX)
        alive, found, step = np.arange(q.size), [], 0
        while alive.size:  # a bucket holds at most a few reports: walk it
            probe = at[alive] + step
            alive, probe = alive[probe < self.table.size], probe[probe < self.table.size]
            hit = (self.table[probe] & PREFIX) == prefix[alive]
            alive, probe = alive[hit], probe[hit]
            found.append(
                (rows[q[alive] & PAYLOAD].astype(np.uint64) << np.uint64(32)) | (self.table[probe] & PAYLOAD)
            )
            step += 1
        pairs = unique_sorted(np.sort(np.concatenate(found)))
        return (pairs >> np.uint64(32)).astype(np.int64), (pairs & PAYLOAD).astype(np.int64)


def pair_jaccard(a: Csr, b: Csr, rows: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Exact Jaccard of the hash sets ``a[rows[k]]`` and ``b[docs[k]]`` for every pair ``k`` (on the
    hashes' :data:`~hf_synthmh.gate.keys.PREFIX` bits; repeats within a set count once; two empty
    sets score 0).

    >>> s = Csr(np.array([1, 2, 3, 2, 3, 4, 4], dtype=np.uint64) << np.uint64(40), np.array([0, 3, 7]))
    >>> pair_jaccard(s, s, np.array([0, 0]), np.array([0, 1])).tolist()
    [1.0, 0.5]
    """
    rows, docs = np.asarray(rows, dtype=np.int64), np.asarray(docs, dtype=np.int64)
    if rows.size > int(PAYLOAD):
        raise ValueError("too many pairs at once")
    na, a_keys = _pair_sets(a, rows)
    nb, b_keys = _pair_sets(b, docs)
    keys = np.concatenate([a_keys, b_keys])
    keys.sort()
    same = keys[1:] == keys[:-1]
    inter = np.bincount((keys[1:][same] & PAYLOAD).astype(np.int64), minlength=rows.size)
    union = na + nb - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def _pair_sets(sets: Csr, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct hash prefixes of ``sets[which[k]]`` as sorted keys ``prefix | k``, and their count per ``k``."""
    sizes = sets.lengths[which]
    keys = sets.values[expand(sets.offsets[which], sizes)] & PREFIX
    keys |= np.repeat(np.arange(which.size, dtype=np.uint64), sizes)
    keys.sort()
    keys = unique_sorted(keys)
    return np.bincount((keys & PAYLOAD).astype(np.int64), minlength=which.size), keys
