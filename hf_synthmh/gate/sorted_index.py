"""Sorted-array indexes of 64-bit hashes and bitmaps: the lookup half of the membership check.

* :func:`build_index` / :func:`lookup` form a sorted-array index of ``(hash, document)`` keys: the
  document id sits in the low :data:`~hf_synthmh.gate.keys.PAYLOAD_BITS` bits of each key, so one
  ``np.sort`` (no ``argsort``, no ``np.unique``) builds it and one ``np.searchsorted`` over sorted
  queries answers "in how many real reports is this n-gram, and which?".
* :func:`match_pairs` lists every exact n-gram match of many (row, report) pairs at once.
* :func:`bitmap` / :func:`in_bitmap`: a cheap, never-missing first membership test of a hash set.

>>> from hf_synthmh.text.hashing import hash_tokens, shingles
>>> keys = build_index(shingles(hash_tokens(["a b c", "b c d"]), 2))
>>> keys.size, lookup(keys, shingles(hash_tokens(["b c"]), 2).values, cap=5)[1].tolist()
(4, [2])
"""

from __future__ import annotations

import itertools

import numpy as np

from hf_synthmh.gate.keys import PAYLOAD, PAYLOAD_BITS, PREFIX, pack, unique_sorted
from hf_synthmh.text.hashing import Csr, expand

__all__ = ["bitmap", "bitmap_bits", "build_index", "drop_members", "in_bitmap", "lookup", "match_pairs"]

_UNPACKED_BITS = 24  # bitmaps of up to 2**24 bits are stored one byte per bit (16 MB)
_WINDOW_BITS = 20  # packed bitmaps are built 2**20 bits at a time
_TEST_BLOCK = 1 << 15  # hashes tested per block: the temporaries stay in cache


def build_index(
    hashes: np.ndarray | Csr, docs: np.ndarray | None = None, *, inplace: bool = False
) -> np.ndarray:
    """Sorted unique keys ``hash prefix | doc`` (``uint64``): the index of which documents hold which hash.

    ``hashes`` with their ``docs``, or a :class:`Csr` (document ``d`` holds its slice); ``inplace``
    reuses the hash array (memory: one copy of the hashes at most). The prefix is the hash's top
    ``64 - PAYLOAD_BITS`` bits, so at most ``2**PAYLOAD_BITS`` documents.
    """
    csr = hashes if isinstance(hashes, Csr) else None
    values = csr.values if csr is not None else np.asarray(hashes)
    n_docs = len(csr) if csr is not None else (int(docs.max()) + 1 if docs is not None and docs.size else 0)
    if n_docs > int(PAYLOAD) + 1:
        raise ValueError(f"at most {int(PAYLOAD) + 1} documents per index; split the reference corpus")
    keys = values if inplace else values.copy()
    keys &= PREFIX
    if csr is None:
        keys |= np.asarray(docs).astype(np.uint64)
    else:
        for lo in range(0, n_docs, 4096):  # document ids in small chunks: no full-size temporary
            hi = min(lo + 4096, n_docs)
            ids = np.repeat(np.arange(lo, hi, dtype=np.uint64), csr.lengths[lo:hi])
            keys[csr.offsets[lo] : csr.offsets[hi]] |= ids
    keys.sort()
    return unique_sorted(keys)


def lookup(keys: np.ndarray, hashes: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """For each hash: ``(left, df)`` where ``keys[left : left + df]`` are its index entries and ``df``
    (number of documents holding it) is capped at ``cap``. Queries are sorted internally (searchsorted
    is several times faster on sorted queries) in chunks of ``2**PAYLOAD_BITS``.

    >>> from hf_synthmh.text.hashing import hash_tokens, shingles
    >>> keys = build_index(shingles(hash_tokens(["a b", "a b", "c d"]), 2).values, np.array([0, 1, 2]))
    >>> lookup(keys, shingles(hash_tokens(["a b c d"]), 2).values, cap=5)[1].tolist()
    [2, 0, 1]
    """
    left = np.zeros(hashes.size, dtype=np.int64)
    df = np.zeros(hashes.size, dtype=np.int64)
    if keys.size == 0:
        return left, df
    step = 1 << PAYLOAD_BITS
    for lo in range(0, hashes.size, step):
        chunk = hashes[lo : lo + step]
        q = (chunk & PREFIX) | np.arange(chunk.size, dtype=np.uint64)
        q.sort()
        prefix = q & PREFIX
        pos = (q & PAYLOAD).astype(np.int64) + lo
        at = np.searchsorted(keys, prefix)
        left[pos] = at
        count = np.zeros(chunk.size, dtype=np.int64)
        hit = np.flatnonzero((keys[np.minimum(at, keys.size - 1)] & PREFIX) == prefix)
        count[hit] = 1
        for t in (cap - 1, *range(1, cap - 1)):  # first: at the cap? then exact counts below it
            probe = at[hit] + t
            more = (probe < keys.size) & ((keys[np.minimum(probe, keys.size - 1)] & PREFIX) == prefix[hit])
            if t == cap - 1:
                count[hit[more]] = cap
                hit = hit[~more]
            else:
                count[hit[more]] = t + 1
                hit = hit[more]
        df[pos] = count
    return left, df


def match_pairs(
    a: Csr, b: Csr, rows: np.ndarray, docs: np.ndarray, usable: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every exact match ``a[rows[k]][i] == b[docs[k]][j]`` as arrays ``(k, i, j)`` (grouped by ``k``),
    for all pairs at once: a sort-merge join on ``(k, hash)`` keys, confirmed on the full 64-bit
    hashes. ``usable`` (a mask over ``a.values``) skips values known to match nothing.

    >>> a = Csr(np.array([5, 6, 7], dtype=np.uint64), np.array([0, 3]))
    >>> b = Csr(np.array([7, 5, 5], dtype=np.uint64), np.array([0, 3]))
    >>> [x.tolist() for x in match_pairs(a, b, np.array([0]), np.array([0]))]
    [[0, 0, 0], [0, 0, 2], [1, 2, 0]]
    """
    k = rows.size
    r_idx, d_idx = expand(a.offsets[rows], a.lengths[rows]), expand(b.offsets[docs], b.lengths[docs])
    pid_r, pid_d = np.repeat(np.arange(k), a.lengths[rows]), np.repeat(np.arange(k), b.lengths[docs])
    if usable is not None:
        keep = usable[r_idx]
        r_idx, pid_r = r_idx[keep], pid_r[keep]
    i, j = r_idx - a.offsets[rows[pid_r]], d_idx - b.offsets[docs[pid_d]]
    pos_bits = max(1, int(max(a.lengths.max(initial=1), b.lengths.max(initial=1))).bit_length())
    pid_bits = max(1, int(k).bit_length())
    h_bits = 64 - pos_bits - pid_bits
    if h_bits < 24:
        raise ValueError("too many pairs or too long texts to match at once")
    top, mask = np.uint64(64 - h_bits), np.uint64((1 << pos_bits) - 1)
    key_d = pack([(pid_d, pid_bits), (b.values[d_idx] >> top, h_bits), (j, pos_bits)])
    key_d.sort()
    key_r = pack([(pid_r, pid_bits), (a.values[r_idx] >> top, h_bits), (i, pos_bits)])
    key_r.sort()
    lo = np.searchsorted(key_d, key_r & ~mask)
    hits = np.searchsorted(key_d, key_r | mask, "right") - lo
    pid = np.repeat((key_r >> np.uint64(pos_bits + h_bits)).astype(np.int64), hits)
    i = np.repeat((key_r & mask).astype(np.int64), hits)
    j = (key_d[expand(lo, hits)] & mask).astype(np.int64)
    exact = a.values[a.offsets[rows[pid]] + i] == b.values[b.offsets[docs[pid]] + j]
    return pid[exact], i[exact], j[exact]


def bitmap(sorted_hashes: np.ndarray, *, bits: int) -> np.ndarray:
    """A set of hashes as ``2**bits`` bits (``uint8`` array) over their top ``bits`` bits. Testing it
    (:func:`in_bitmap`) never misses a member; a non-member tests positive with probability about the
    share of bits set (``members / 2**bits``).

    >>> bm = bitmap(np.array([1 << 60, 9 << 60], dtype=np.uint64), bits=8)
    >>> int(bm.sum()), in_bitmap(bm, np.array([1 << 60, 2 << 60, 9 << 60], dtype=np.uint64)).tolist()
    (2, [True, False, True])
    """
    bits = max(3, bits)
    top = np.uint64(64 - bits)
    if bits <= _UNPACKED_BITS:  # small bitmaps keep one byte per bit: tested with a single gather
        out = np.zeros(1 << bits, dtype=bool)
        for lo in range(0, sorted_hashes.size, 1 << 20):  # chunks bound the temporaries
            out[(sorted_hashes[lo : lo + (1 << 20)] >> top).view(np.int64)] = True
        return out
    # Packed: one window of 2**_WINDOW_BITS bits at a time (the hashes are sorted), set as bools, packed.
    out = np.empty(1 << (bits - 3), dtype=np.uint8)
    flags = np.zeros(1 << _WINDOW_BITS, dtype=bool)
    per_window, mask = 1 << (_WINDOW_BITS - 3), np.uint64((1 << _WINDOW_BITS) - 1)
    window_starts = np.arange(1, 1 << (bits - _WINDOW_BITS), dtype=np.uint64) << (
        top + np.uint64(_WINDOW_BITS)
    )
    cuts = [0, *np.searchsorted(sorted_hashes, window_starts).tolist(), sorted_hashes.size]
    for k, (lo, hi) in enumerate(itertools.pairwise(cuts)):
        flags.fill(False)
        flags[((sorted_hashes[lo:hi] >> top) & mask).view(np.int64)] = True
        out[k * per_window : (k + 1) * per_window] = np.packbits(flags, bitorder="little")
    return out


def in_bitmap(bm: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """Membership test of :func:`bitmap` (``bool`` per hash), in cache-sized blocks."""
    out = np.empty(hashes.size, dtype=bool)
    packed = bm.dtype != bool
    shift = np.uint64(64 - ((bm.size * 8 if packed else bm.size).bit_length() - 1))
    buf = np.empty(min(hashes.size, _TEST_BLOCK), dtype=np.uint64)
    for lo in range(0, hashes.size, _TEST_BLOCK):
        part, done = hashes[lo : lo + _TEST_BLOCK], out[lo : lo + _TEST_BLOCK]
        slot = buf[: part.size]
        if not packed:
            bm.take(np.right_shift(part, shift, out=slot).view(np.int64), out=done)
            continue
        byte = bm.take(np.right_shift(part, shift + np.uint64(3), out=slot).view(np.int64))
        byte >>= np.right_shift(part, shift, out=slot).astype(np.uint8) & np.uint8(7)
        np.bitwise_and(byte, np.uint8(1), out=done.view(np.uint8))
    return out


def drop_members(sets: Csr, bm: np.ndarray) -> Csr:
    """Each document's values that test negative in :func:`bitmap` ``bm`` (in order, repeats kept).

    >>> bm = bitmap(np.array([2 << 60], dtype=np.uint64), bits=8)
    >>> drop_members(Csr(np.array([1, 2, 3], dtype=np.uint64) << np.uint64(60), np.array([0, 2, 3])), bm).offsets.tolist()
    [0, 1, 2]
    """
    kept = np.flatnonzero(~in_bitmap(bm, sets.values))
    return Csr(sets.values[kept], np.searchsorted(kept, sets.offsets))


def bitmap_bits(members: int, spare: int) -> int:
    """Bitmap size (in bits, log2) for ``members`` members with ``2**spare`` bits per member."""
    return int(min(30, max(10, int(members).bit_length() + spare)))
