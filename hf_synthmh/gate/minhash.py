"""Hashed word shingles, sorted hash indexes and MinHash/LSH: the vectorised parts of the membership check.

Everything works on flat numpy arrays of 64-bit hashes in CSR layout (values plus ``offsets``, one
slice per document), never on Python strings per token:

* :func:`hash_tokens` splits texts into the words of :func:`hf_synthmh.metrics.tokens.words` (the same
  tokens, found with byte masks instead of a regex) and hashes each word's UTF-8 bytes.
* :func:`shingles` turns token hashes into hashes of every word ``n``-gram (polynomial, then mixed).
* :func:`build_index` / :func:`lookup` form a sorted-array index of ``(hash, document)`` keys: the
  document id sits in the low :data:`PAYLOAD_BITS` bits of each key, so one ``np.sort`` (no
  ``argsort``, no ``np.unique``) builds it and one ``np.searchsorted`` over sorted queries answers
  "in how many real reports is this n-gram, and which?".
* :func:`match_pairs` lists every exact n-gram match of many (row, report) pairs at once.
* :func:`minhash` computes 128-permutation signatures for many sets at once; :class:`LshIndex` bands
  them; :func:`pair_jaccard` is the exact Jaccard of candidate pairs.

>>> tok = hash_tokens(["Low mood, poor sleep.", "low MOOD"])
>>> tok.offsets.tolist(), bool(tok.values[0] == tok.values[4])
([0, 4, 6], True)
>>> grams = shingles(tok, 2)
>>> grams.offsets.tolist(), bool(grams.values[0] == grams.values[3])
([0, 3, 4], True)
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "PAYLOAD_BITS",
    "Csr",
    "LshIndex",
    "bitmap",
    "bitmap_bits",
    "build_index",
    "expand",
    "hash_tokens",
    "in_bitmap",
    "lookup",
    "match_pairs",
    "minhash",
    "pack",
    "pair_jaccard",
    "shingles",
    "unique_sorted",
]

#: Low bits of an index key that hold a document id (or a query position); the rest is the hash.
PAYLOAD_BITS = 22
_PAYLOAD = np.uint64((1 << PAYLOAD_BITS) - 1)
_PREFIX = np.uint64(~((1 << PAYLOAD_BITS) - 1) & 0xFFFFFFFFFFFFFFFF)
_MUL = np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_BYTE_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [2**64 - 1], dtype=np.uint64)
_WORD = re.compile(r"\w")
_UNPACKED_BITS = 24  # bitmaps of up to 2**24 bits are stored one byte per bit (16 MB)
_CHUNK_CHARS = 1 << 18  # texts are tokenised in chunks of about this many characters (cache sized)


@dataclass(frozen=True)
class Csr:
    """Flat ``values`` with ``offsets`` (``len(docs) + 1``): document ``d`` owns
    ``values[offsets[d]:offsets[d + 1]]``."""

    values: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def doc_of(self, dtype: type = np.int64) -> np.ndarray:
        """Document index of every value."""
        return np.repeat(np.arange(len(self), dtype=dtype), self.lengths)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place on a ``uint64`` array (returned)."""
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= _MIX1
        x ^= x >> np.uint64(27)
        x *= _MIX2
        x ^= x >> np.uint64(31)
    return x


def expand(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + c)`` for every (s, c), vectorised.

    >>> expand(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    return np.repeat(np.asarray(starts, dtype=np.int64) - (ends - counts), counts) + np.arange(total)


def _non_ascii_words(b: np.ndarray, word: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mark the bytes of non-ASCII word characters in ``word``; return the byte spans of ``’``."""
    lead = np.flatnonzero(b >= 0xC0)
    first = b[lead].astype(np.uint32)
    size = np.where(first < 0xE0, 2, np.where(first < 0xF0, 3, 4))
    code = first & np.where(size == 2, 0x1F, np.where(size == 3, 0x0F, 0x07)).astype(np.uint32)
    for k in range(1, 4):
        more = size > k
        code[more] = (code[more] << 6) | (b[lead[more] + k] & 0x3F)
    uniq, inverse = np.unique(code, return_inverse=True)  # few distinct characters: cheap
    kind = np.array([2 if c == 0x2019 else int(bool(_WORD.match(chr(c)))) for c in uniq.tolist()], np.uint8)
    kind = kind[inverse] if uniq.size else np.zeros(0, np.uint8)
    is_word = kind == 1
    word[expand(lead[is_word], size[is_word])] = True
    apostrophe = lead[kind == 2]
    return apostrophe, apostrophe + 3


def _hash_chunk(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes and token counts of a few texts (see :func:`hash_tokens`)."""
    strings = [t if isinstance(t, str) else "" for t in texts]
    joined = "\n".join(strings)
    if joined.isascii():  # one byte per character, and lower() keeps every length
        nbytes = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        buf = joined.lower().encode("ascii") + b"\0" * 8
    else:
        encoded = [t.lower().encode("utf-8", "surrogatepass") for t in strings]
        nbytes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        buf = b"\n".join(encoded) + b"\0" * 8
    b = np.frombuffer(buf, dtype=np.uint8)
    word = ((b | np.uint8(0x20)) - np.uint8(97) < 26) | (b - np.uint8(48) < 10) | (b == 95)
    js = np.flatnonzero((b == 46) | (b == 39) | (b == 45))  # . ' - join two words when between them
    je = js + 1
    if not buf.isascii():
        a, e = _non_ascii_words(b, word)
        js, je = np.concatenate([js, a]), np.concatenate([je, e])
    if js.size:
        keep = (js > 0) & word[np.maximum(js - 1, 0)] & word[je]
        word[expand(js[keep], je[keep] - js[keep])] = True
    edges = np.flatnonzero(word[1:] != word[:-1]) + 1
    if word[0]:
        edges = np.concatenate([[0], edges])
    starts, ends = edges[0::2], edges[1::2]
    length = ends - starts
    view = np.ndarray((b.size - 7,), dtype="<u8", buffer=buf, strides=(1,))  # 8 bytes from each offset
    with np.errstate(over="ignore"):
        h = view[starts] & _BYTE_MASKS[np.minimum(length, 8)]
        h ^= length.astype(np.uint64) * _MUL
        longer = np.flatnonzero(length > 8)
        done = 8
        while longer.size:
            rest = _BYTE_MASKS[np.minimum(length[longer] - done, 8)]
            h[longer] = mix64(h[longer]) + (view[starts[longer] + done] & rest)
            done += 8
            longer = longer[length[longer] > done]
    doc_starts = np.cumsum(nbytes + 1) - nbytes - 1
    counts = np.diff(np.searchsorted(starts, np.append(doc_starts, b.size)))
    return mix64(h), counts


def hash_tokens(texts: Sequence[str]) -> Csr:
    """64-bit hashes of the word tokens of every text (non-strings count as ""), as :class:`Csr`.

    Tokens are exactly :func:`hf_synthmh.metrics.tokens.words` (lower case; ``\\w`` runs joined by one
    inner ``.``, ``'``, ``’`` or ``-``); a token's hash depends only on its UTF-8 bytes, so it is stable
    across processes, platforms and Python versions.

    >>> tok = hash_tokens(["He's on 50mg.", "", "he's"])
    >>> tok.lengths.tolist(), bool(tok.values[0] == tok.values[3])
    ([3, 0, 1], True)
    """
    lengths = np.fromiter((len(t) if isinstance(t, str) else 0 for t in texts), np.int64, len(texts))
    chunk = (np.cumsum(lengths) - lengths) // _CHUNK_CHARS
    cuts = [0, *(np.flatnonzero(np.diff(chunk)) + 1).tolist(), len(texts)] if len(texts) else [0]
    values, counts = [], []
    for lo, hi in itertools.pairwise(cuts):
        v, c = _hash_chunk(texts[lo:hi])
        values.append(v)
        counts.append(c)
    count = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(count)]).astype(np.int64)
    return Csr(np.concatenate(values) if values else np.zeros(0, dtype=np.uint64), offsets)


def shingles(tokens: Csr, n: int) -> Csr:
    """Hashes of every word ``n``-gram of every document, in order (``max(0, tokens - n + 1)`` each).

    >>> shingles(hash_tokens(["a b c", "a b"]), 3).lengths.tolist()
    [1, 0]
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    t = tokens.values
    m = t.size - n + 1
    lengths = tokens.lengths
    counts = np.maximum(lengths - n + 1, 0)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    if m <= 0 or offsets[-1] == 0:
        return Csr(np.zeros(0, dtype=np.uint64), offsets)
    tail = np.minimum(lengths, n - 1)  # the last n - 1 starts of a text run into the next one
    valid = np.ones(m + n, dtype=bool)
    valid[expand(tokens.offsets[1:] - tail, tail)] = False
    out = np.empty(int(offsets[-1]), dtype=np.uint64)
    block = 1 << 15  # cache-sized blocks: the n passes of the polynomial stay in L2
    part = np.empty(block, dtype=np.uint64)
    done = 0
    with np.errstate(over="ignore"):
        for lo in range(0, m, block):
            hi = min(lo + block, m)
            acc = part[: hi - lo]
            acc[:] = t[lo:hi]
            for k in range(1, n):
                acc *= _MUL
                acc += t[lo + k : hi + k]
            mix64(acc)
            keep = acc[valid[lo:hi]]
            out[done : done + keep.size] = keep
            done += keep.size
    return Csr(out, offsets)


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
    if n_docs > int(_PAYLOAD) + 1:
        raise ValueError(f"at most {int(_PAYLOAD) + 1} documents per index; split the reference corpus")
    keys = values if inplace else values.copy()
    keys &= _PREFIX
    if csr is None:
        keys |= np.asarray(docs).astype(np.uint64)
    else:
        for lo in range(0, n_docs, 4096):  # document ids in small chunks: no full-size temporary
            hi = min(lo + 4096, n_docs)
            ids = np.repeat(np.arange(lo, hi, dtype=np.uint64), csr.lengths[lo:hi])
            keys[csr.offsets[lo] : csr.offsets[hi]] |= ids
    keys.sort()
    return unique_sorted(keys)


def unique_sorted(keys: np.ndarray) -> np.ndarray:
    """``keys`` (sorted) without repeats."""
    if keys.size < 2:
        return keys
    new = np.empty(keys.size, dtype=bool)
    new[0] = True
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    return keys[new]


def lookup(keys: np.ndarray, hashes: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """For each hash: ``(left, df)`` where ``keys[left : left + df]`` are its index entries and ``df``
    (number of documents holding it) is capped at ``cap``. Queries are sorted internally (searchsorted
    is several times faster on sorted queries) in chunks of ``2**PAYLOAD_BITS``.

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
        q = (chunk & _PREFIX) | np.arange(chunk.size, dtype=np.uint64)
        q.sort()
        prefix = q & _PREFIX
        pos = (q & _PAYLOAD).astype(np.int64) + lo
        at = np.searchsorted(keys, prefix)
        left[pos] = at
        count = np.zeros(chunk.size, dtype=np.int64)
        hit = np.flatnonzero((keys[np.minimum(at, keys.size - 1)] & _PREFIX) == prefix)
        count[hit] = 1
        for t in (cap - 1, *range(1, cap - 1)):  # first: at the cap? then exact counts below it
            probe = at[hit] + t
            more = (probe < keys.size) & ((keys[np.minimum(probe, keys.size - 1)] & _PREFIX) == prefix[hit])
            if t == cap - 1:
                count[hit[more]] = cap
                hit = hit[~more]
            else:
                count[hit[more]] = t + 1
                hit = hit[more]
        df[pos] = count
    return left, df


def pack(fields: Sequence[tuple[np.ndarray, int]]) -> np.ndarray:
    """Pack non-negative integer fields ``(values, bits)``, most significant first, into ``uint64`` keys.

    >>> pack([(np.array([1, 2]), 4), (np.array([3, 0]), 8)]).tolist()
    [259, 512]
    """
    key = np.zeros(len(fields[0][0]), dtype=np.uint64)
    for values, bits in fields:
        key <<= np.uint64(bits)
        key |= values.astype(np.uint64)
    return key


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
    packed = bits > _UNPACKED_BITS  # small bitmaps keep one byte per bit: tested with a single gather
    out = np.zeros(1 << (bits - 3) if packed else 1 << bits, dtype=np.uint8 if packed else bool)
    for lo in range(0, sorted_hashes.size, 1 << 20):  # chunks bound the temporaries
        slot = sorted_hashes[lo : lo + (1 << 20)] >> np.uint64(64 - bits)
        if not packed:
            out[slot.astype(np.int64)] = True
            continue
        byte = (slot >> np.uint64(3)).astype(np.int64)
        flag = (np.uint8(1) << (slot & np.uint64(7)).astype(np.uint8)).astype(np.uint8)
        first = np.flatnonzero(np.concatenate([[True], byte[1:] != byte[:-1]]))
        out[byte[first]] |= np.bitwise_or.reduceat(flag, first)  # |=: a byte may span two chunks
    return out


def in_bitmap(bm: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """Membership test of :func:`bitmap` (``bool`` per hash)."""
    if bm.dtype == bool:
        return bm[(hashes >> np.uint64(64 - (bm.size.bit_length() - 1))).astype(np.int64)]
    bits = (bm.size * 8).bit_length() - 1
    slot = hashes >> np.uint64(64 - bits)
    return (
        (bm[(slot >> np.uint64(3)).astype(np.int64)] >> (slot & np.uint64(7)).astype(np.uint8)) & 1
    ).astype(bool)


def bitmap_bits(members: int, spare: int) -> int:
    """Bitmap size (in bits, log2) for ``members`` members with ``2**spare`` bits per member."""
    return int(min(30, max(10, int(members).bit_length() + spare)))


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
                acc *= _MUL
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
        q = _band_hashes(sig[rows], self.bands) & _PREFIX
        q |= np.tile(np.arange(rows.size, dtype=np.uint64), self.bands)
        q.sort()
        prefix, at = q & _PREFIX, np.searchsorted(self.table, q & _PREFIX)
        alive, found, step = np.arange(q.size), [], 0
        while alive.size:  # a bucket holds at most a few reports: walk it
            probe = at[alive] + step
            alive, probe = alive[probe < self.table.size], probe[probe < self.table.size]
            hit = (self.table[probe] & _PREFIX) == prefix[alive]
            alive, probe = alive[hit], probe[hit]
            found.append(
                (rows[q[alive] & _PAYLOAD].astype(np.uint64) << np.uint64(32))
                | (self.table[probe] & _PAYLOAD)
            )
            step += 1
        pairs = unique_sorted(np.sort(np.concatenate(found)))
        return (pairs >> np.uint64(32)).astype(np.int64), (pairs & _PAYLOAD).astype(np.int64)


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
        if rows.size > int(_PAYLOAD):
            raise ValueError("too many pairs at once")
        keys = np.concatenate(
            [
                (a.values[expand(a.offsets[rows], na)] & _PREFIX)
                | np.repeat(np.arange(rows.size, dtype=np.uint64), na),
                (b.values[expand(b.offsets[docs], nb)] & _PREFIX)
                | np.repeat(np.arange(rows.size, dtype=np.uint64), nb),
            ]
        )
        keys.sort()
        same = keys[1:] == keys[:-1]
        inter = np.bincount((keys[1:][same] & _PAYLOAD).astype(np.int64), minlength=rows.size)
    union = na + nb - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)
