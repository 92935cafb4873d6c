"""MinHash signatures and banded LSH over hashed shingle sets, vectorised with numpy.

* :func:`minhash` computes 128-permutation signatures for many sets at once; :class:`LshIndex` bands
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

import numpy as np

from hf_synthmh.gate.keys import PAYLOAD, PREFIX, unique_sorted
from hf_synthmh.gate.sorted_index import build_index
from hf_synthmh.text.hashing import GOLDEN, Csr, expand, mix64

__all__ = ["LshIndex", "minhash", "pair_jaccard"]


def minhash(values: np.ndarray, offsets: np.ndarray, *, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """MinHash signatures ``(sets, num_perm)`` (``uint32``) of many hash sets (CSR ``values``/``offsets``).

    Permutation ``p`` maps a 64-bit hash ``x`` to ``a_p * hi32(x) + b_p mod 2**32`` (``a_p`` odd, so a
    bijection); a signature entry is the minimum over the set. Empty sets get all ``2**32 - 1``.

    >>> sig = minhash(np.array([1 << 40, 2 << 40, 1 << 40], dtype=np.uint64), np.array([0, 2, 3, 3]))
    >>> sig.shape, bool((sig[1] >= sig[0]).all()), int(sig[2, 0])
    ((3, 128), True, 4294967295)
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2**32, num_perm, dtype=np.uint64).astype(np.uint32) | np.uint32(1)
    b = rng.integers(0, 2**32, num_perm, dtype=np.uint64).astype(np.uint32)
    n_sets = len(offsets) - 1
    sig = np.full((num_perm, n_sets), np.iinfo(np.uint32).max, dtype=np.uint32)
    x = (values >> np.uint64(32)).astype(np.uint32)
    nonempty = np.flatnonzero(np.diff(offsets) > 0)
    starts = offsets[nonempty]
    block = 1 << 17  # values per block: 512 KB of uint32, cache resident while the permutations loop
    buf = np.empty(block, dtype=np.uint32)
    i = 0
    while i < nonempty.size:
        j = max(i + 1, int(np.searchsorted(starts, starts[i] + block, "right")))
        sets = nonempty[i:j]
        lo, hi = int(offsets[sets[0]]), int(offsets[sets[-1] + 1])
        if hi - lo > buf.size:
            buf = np.empty(hi - lo, dtype=np.uint32)
        part, cuts = buf[: hi - lo], offsets[sets] - lo
        for p in range(num_perm):
            np.multiply(x[lo:hi], a[p], out=part)
            part += b[p]
            sig[p, sets] = np.minimum.reduceat(part, cuts)
        i = j
    return sig.T


def _band_hashes(sig: np.ndarray, bands: int) -> np.ndarray:
    """Hash of each band of each signature (``sig`` is ``(sets, num_perm)``), band-major and seeded by
    the band, so all bands share one table."""
    rows, by_perm = sig.shape[1] // bands, np.ascontiguousarray(sig.T)
    out = np.empty((bands, sig.shape[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            acc = out[band]
            acc[:] = np.uint64(band + 1)
            for r in range(band * rows, (band + 1) * rows):
                acc *= GOLDEN
                acc += by_perm[r]
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
                f"need 1 <= bands <= num_perm, got bands={bands} for {sig.shape[1]} permutations"
            )
        self.bands = bands
        docs = np.flatnonzero(valid) if valid is not None else np.arange(sig.shape[0])
        self.table = build_index(_band_hashes(sig[docs], bands), np.tile(docs, bands))

    def query(self, sig: np.ndarray, valid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs ``(query_row, doc)``, deduplicated and sorted (at most ``2**22`` rows)."""
        rows = np.flatnonzero(valid) if valid is not None else np.arange(sig.shape[0])
        if not rows.size or not self.table.size:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        q = _band_hashes(sig[rows], self.bands) & PREFIX
        q |= np.tile(np.arange(rows.size, dtype=np.uint64), self.bands)
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
    """Exact Jaccard of the hash sets ``a[rows[k]]`` and ``b[docs[k]]`` for every pair ``k`` (each set
    sorted and without repeats; two empty sets score 0).

    >>> s = Csr(np.array([1, 2, 3, 2, 3, 4], dtype=np.uint64) << np.uint64(40), np.array([0, 3, 6]))
    >>> pair_jaccard(s, s, np.array([0, 0]), np.array([0, 1])).tolist()
    [1.0, 0.5]
    """
    rows, docs = np.asarray(rows, dtype=np.int64), np.asarray(docs, dtype=np.int64)
    na, nb = a.lengths[rows], b.lengths[docs]
    inter = np.zeros(rows.size, dtype=np.int64)
    if rows.size and (na.sum() or nb.sum()):
        if rows.size > int(PAYLOAD):
            raise ValueError("too many pairs at once")
        keys = np.concatenate(
            [
                (a.values[expand(a.offsets[rows], na)] & PREFIX)
                | np.repeat(np.arange(rows.size, dtype=np.uint64), na),
                (b.values[expand(b.offsets[docs], nb)] & PREFIX)
                | np.repeat(np.arange(rows.size, dtype=np.uint64), nb),
            ]
        )
        keys.sort()
        same = keys[1:] == keys[:-1]
        inter = np.bincount((keys[1:][same] & PAYLOAD).astype(np.int64), minlength=rows.size)
    union = na + nb - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)
