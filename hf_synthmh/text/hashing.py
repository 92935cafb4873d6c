"""Word tokens as 64-bit hashes, in flat numpy arrays, and the one 64-bit mixer of the package.

Everything works on flat numpy arrays of 64-bit hashes in CSR layout (:class:`Csr`: values plus
``offsets``, one slice per document), never on Python strings per token:

* :func:`hash_tokens` splits texts into the words of :func:`hf_synthmh.text.tokens.words` (the same
  tokens, found with byte masks built from :data:`~hf_synthmh.text.tokens.WORD_JOINERS` instead of a
  regex) and hashes each word's UTF-8 bytes.
* :func:`shingles` turns token hashes into hashes of every word ``n``-gram (polynomial, then mixed);
  :func:`ngram_hashes` is the one-text version.
* :func:`mix64` (the splitmix64 finaliser) and :data:`GOLDEN`: used here, by the gate's MinHash and by
  the exact n-gram statistics of the metrics (:mod:`hf_synthmh.metrics.ngramstats`).
* :func:`expand`: concatenated ranges, the vectorised building block of the gate's sorted indexes.

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

from hf_synthmh.text.tokens import WORD_JOINERS

__all__ = ["GOLDEN", "Csr", "expand", "hash_tokens", "mix64", "ngram_hashes", "shingles"]

#: 2**64 / golden ratio (odd): the multiplier of the polynomial n-gram hash and of length mixing.
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_BYTE_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [2**64 - 1], dtype=np.uint64)
_WORD = re.compile(r"\w")
_ASCII_JOINERS = [ord(c) for c in WORD_JOINERS if c.isascii()]
_WIDE_JOINERS = frozenset(ord(c) for c in WORD_JOINERS if not c.isascii())
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
    """splitmix64 finaliser, in place on a ``uint64`` array (returned).

    >>> mix64(np.array([0, 1], dtype=np.uint64)).tolist()
    [0, 6238072747940578789]
    """
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
    """Mark the bytes of non-ASCII word characters in ``word``; return the byte spans of the non-ASCII
    :data:`~hf_synthmh.text.tokens.WORD_JOINERS` (``’``)."""
    lead = np.flatnonzero(b >= 0xC0)
    first = b[lead].astype(np.uint32)
    size = np.where(first < 0xE0, 2, np.where(first < 0xF0, 3, 4))
    code = first & np.where(size == 2, 0x1F, np.where(size == 3, 0x0F, 0x07)).astype(np.uint32)
    for k in range(1, 4):
        more = size > k
        code[more] = (code[more] << 6) | (b[lead[more] + k] & 0x3F)
    uniq, inverse = np.unique(code, return_inverse=True)  # few distinct characters: cheap
    kind = [2 if c in _WIDE_JOINERS else int(bool(_WORD.match(chr(c)))) for c in uniq.tolist()]
    kinds = np.array(kind, np.uint8)[inverse] if uniq.size else np.zeros(0, np.uint8)
    is_word = kinds == 1
    word[expand(lead[is_word], size[is_word])] = True
    joiner = kinds == 2
    return lead[joiner], lead[joiner] + size[joiner]


def _ascii_word_bytes(b: np.ndarray) -> np.ndarray:
    """``[A-Za-z0-9_]`` bytes of ``b``, with in-place byte arithmetic (few temporaries)."""
    x = b | np.uint8(0x20)
    x -= np.uint8(97)
    word = x < 26
    np.subtract(b, np.uint8(48), out=x)
    word |= x < 10
    word |= b == 95
    return word


def _hash_chunk(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes and token counts of a few texts (see :func:`hash_tokens`)."""
    strings = [t if isinstance(t, str) else "" for t in texts]
    joined = "\n".join(strings)
    if joined.isascii():  # one byte per character, and lower() keeps every length
        nbytes = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        body = joined.lower().encode("ascii")
    else:
        encoded = [t.lower().encode("utf-8", "surrogatepass") for t in strings]
        nbytes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        body = b"\n".join(encoded)
    # a newline, the texts joined by newlines, then 8 bytes of padding (every 8-byte read fits)
    buf = b"".join((b"\n", body, b"\0" * 8))
    b = np.frombuffer(buf, dtype=np.uint8)
    word = _ascii_word_bytes(b)
    wide = None
    if not buf.isascii():
        a, e = _non_ascii_words(b, word)
        keep = word[a - 1] & word[e]  # a >= 1: buf starts with a newline
        wide = expand(a[keep], e[keep] - a[keep])
    inner = b[1:-1] == _ASCII_JOINERS[0]  # . ' - join two words when between them
    for value in _ASCII_JOINERS[1:]:  # (a compare per value: ~10x faster than np.isin on bytes)
        inner |= b[1:-1] == value
    inner &= word[:-2]
    inner &= word[2:]
    word[1:-1] |= inner
    if wide is not None:
        word[wide] = True
    edges = np.flatnonzero(word[1:] != word[:-1]) + 1  # word[0] is the leading newline
    starts, ends = edges[0::2], edges[1::2]
    length = ends - starts
    view = np.ndarray((b.size - 7,), dtype="<u8", buffer=buf, strides=(1,))  # 8 bytes from each offset
    with np.errstate(over="ignore"):
        h = view[starts] & _BYTE_MASKS[np.minimum(length, 8)]
        h ^= length.astype(np.uint64) * GOLDEN
        longer = np.flatnonzero(length > 8)
        done = 8
        while longer.size:
            rest = _BYTE_MASKS[np.minimum(length[longer] - done, 8)]
            h[longer] = mix64(h[longer]) + (view[starts[longer] + done] & rest)
            done += 8
            longer = longer[length[longer] > done]
    doc_starts = np.cumsum(nbytes + 1) - nbytes
    counts = np.diff(np.searchsorted(starts, np.append(doc_starts, b.size)))
    return mix64(h), counts


def hash_tokens(texts: Sequence[str]) -> Csr:
    """64-bit hashes of the word tokens of every text (non-strings count as ""), as :class:`Csr`.

    Tokens are exactly :func:`hf_synthmh.text.tokens.words` (lower case; ``\\w`` runs joined by one
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
    block = 1 << 15  # cache-sized blocks: the passes of the polynomial stay in L2
    parts = [np.empty(block + n, dtype=np.uint64) for _ in range(2)]
    steps = [bit == "1" for bit in bin(n)[3:]]  # after the first token: double, then maybe add one
    done = 0
    with np.errstate(over="ignore"):
        for lo in range(0, m, block):
            hi = min(lo + block, m)
            acc = _polynomial(t[lo : hi + n - 1], steps, parts)
            mix64(acc)
            keep = acc[valid[lo:hi]]
            out[done : done + keep.size] = keep
            done += keep.size
    return Csr(out, offsets)


def _polynomial(seg: np.ndarray, steps: list[bool], parts: list[np.ndarray]) -> np.ndarray:
    """``sum(seg[i + k] * GOLDEN**(n - 1 - k) for k < n)`` for every start ``i`` (mod 2**64), by
    doubling: ``P_2m(i) = P_m(i) * GOLDEN**m + P_m(i + m)``, and ``P_m+1(i) = P_m(i) * GOLDEN +
    seg[i + m]`` where ``n``'s bits (``steps``, after the leading one) say so: 3 passes for 8-grams."""
    acc, m, flip = seg, 1, 0
    for plus_one in steps:
        size = acc.size - m
        nxt = parts[flip][:size]
        np.multiply(acc[:size], np.uint64(pow(int(GOLDEN), m, 1 << 64)), out=nxt)
        nxt += acc[m:]
        acc, m, flip = nxt, 2 * m, 1 - flip
        if plus_one:
            nxt = parts[flip][: acc.size - 1]
            np.multiply(acc[:-1], GOLDEN, out=nxt)
            nxt += seg[m : m + nxt.size]
            acc, m, flip = nxt, m + 1, 1 - flip
    if acc is seg:  # n == 1: the tokens themselves, copied (they are mixed in place)
        acc = parts[0][: seg.size]
        acc[:] = seg
    return acc


def ngram_hashes(text: str, n: int) -> np.ndarray:
    """64-bit hashes of the word ``n``-grams of ``text``, in order (``uint64``, length ``tokens - n + 1``
    or 0). Stable across processes and Python versions.

    >>> ngram_hashes("a b c", 2).shape, ngram_hashes("a b", 3).shape
    ((2,), (0,))
    >>> bool(ngram_hashes("Low mood.", 2)[0] == ngram_hashes("low MOOD", 2)[0])
    True
    """
    return shingles(hash_tokens([text if isinstance(text, str) else ""]), n).values
