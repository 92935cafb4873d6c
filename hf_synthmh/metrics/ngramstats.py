"""Sort-based n-gram statistics of a whole corpus in linear memory: distinct n-grams and the clipped
n-gram matches of every text against all the *other* texts (the sufficient statistics of self-BLEU).

Input is an :class:`~hf_synthmh.text.tokens.Encoded` corpus (token ids of all texts in one flat
array). N-grams never cross text boundaries. For each order ``n``:

1. every n-gram occurrence gets an *exact* integer key: its ``n`` token ids bit-packed into one
   ``uint64`` when they fit (``n * bits(vocabulary) <= 64``, e.g. 4-grams over 65,536 words), with the
   text index in the low bits when those fit too. Then one ``np.sort`` puts equal n-grams next to each
   other, text by text.
2. otherwise the key is a 64-bit mix (splitmix64, :func:`hf_synthmh.text.hashing.mix64`) of the packed words, with the occurrence's index in
   the low bits; after sorting, neighbours with equal hash are compared token by token and the rare
   hash collisions are re-sorted exactly (``np.lexsort`` on the colliding runs only). So results are
   exact either way, never approximate.

From the sorted runs: ``c_i(g)``, the count of n-gram ``g`` in text ``i``; per ``g`` the highest count,
whether one text alone holds it, and the second highest, so "the most any *other* text has" is
``second`` for the sole top holder and ``top`` for everyone else. Text ``i``'s clipped matches are
``sum_g min(c_i(g), max_{j != i} c_j(g))``, exactly BLEU's "modified precision" numerator with every
other text as a reference. Cost: one sort of n-gram occurrences per order; no pairwise loop. An
n-gram occurs twice only if both of its (n-1)-grams do, so once an order has taken the hash path (which
keeps positions), the next order sorts only the starts whose two (n-1)-grams share a hash; every other
n-gram occurs once and is only counted.

    >>> from hf_synthmh.text.tokens import encode
    >>> stats = ngram_stats(encode(["a b a b", "a b c", "d"]), max_order=2)
    >>> stats.correct.tolist()  # per text, per order: unigrams / bigrams matched in the other texts
    [[2, 1], [2, 1], [0, 0]]
    >>> stats.total.tolist(), stats.distinct.tolist(), stats.occurrences.tolist()
    ([[4, 3], [3, 2], [1, 0]], [4, 3], [8, 5])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hf_synthmh.text.hashing import GOLDEN, mix64
from hf_synthmh.text.tokens import Encoded

__all__ = ["NgramStats", "contained_counts", "distinct_counts", "ngram_stats"]


@dataclass(frozen=True)
class NgramStats:
    """``correct[i, n-1]``: clipped n-gram matches of text ``i`` against all other texts;
    ``total[i, n-1]``: its n-grams (``max(len - n + 1, 0)``); ``distinct[n-1]`` / ``occurrences[n-1]``:
    distinct n-grams / n-gram occurrences in the corpus."""

    correct: np.ndarray
    total: np.ndarray
    distinct: np.ndarray
    occurrences: np.ndarray


def _bits(value: int) -> int:
    return max(1, int(value).bit_length())


class _Layout:
    """Per-corpus arrays shared by every order: ids as uint64, tokens left in the text from each
    position (itself included) and the text of each position."""

    def __init__(self, enc: Encoded) -> None:
        lengths = enc.lengths
        self.n_texts = len(enc)
        self.size = len(enc.ids)
        self.ids = enc.ids.astype(np.uint64)
        self.vbits = _bits(int(enc.ids.max()) if self.size else 0)
        self.tbits = _bits(self.n_texts - 1)
        self.remaining = np.repeat(enc.offsets[1:], lengths) - np.arange(self.size, dtype=np.int64)
        self.text = np.repeat(np.arange(self.n_texts, dtype=np.uint64), lengths)

    def valid(self, n: int) -> np.ndarray:
        """Mask over the positions ``0 .. size - n`` of those that start an n-gram inside a text."""
        return self.remaining[: max(self.size - n + 1, 0)] >= n

    def words(
        self, n: int, starts: np.ndarray | None = None, ids: np.ndarray | None = None
    ) -> list[np.ndarray]:
        """The ``n`` token ids at every start of an n-gram (or at the positions ``starts``), bit-packed
        into as few uint64 words as they need (first token in the highest bits); into one word of the
        dtype of ``ids`` (the ids in a narrower unsigned type) when given."""
        size = max(self.size - n + 1, 0)
        valid = self.valid(n) if starts is None else None
        per_word = max(1, 64 // self.vbits) if ids is None else n
        source = self.ids if ids is None else ids
        shift = source.dtype.type(self.vbits)
        words = []
        for first in range(0, n, per_word):
            if starts is None:
                word = source[first : first + size].copy()
                for j in range(first + 1, min(n, first + per_word)):
                    word <<= shift
                    word |= source[j : j + size]
                words.append(word[valid])
            else:
                word = self.ids[starts + first]
                for j in range(first + 1, min(n, first + per_word)):
                    word <<= shift
                    word |= self.ids[starts + j]
                words.append(word)
        return words


def _narrow(key: np.ndarray, bits: int) -> np.ndarray:
    """``key`` as uint32 when it fits (sorting uint32 is several times faster)."""
    return key.astype(np.uint32) if bits <= 32 else key


def _runs(
    layout: _Layout, n: int, starts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, np.ndarray | None]:
    """The (n-gram, text) runs of the sorted occurrences: ``(counts, text, new_gram, occurrences,
    distinct, repeated)``, one entry per run; ``new_gram`` is True at the first run of each n-gram. Runs
    of n-grams that occur once in the corpus may be left out (they match nothing); ``distinct`` counts
    them all. With ``starts`` (sorted positions), only the n-grams starting there are sorted: the caller
    knows every other n-gram occurs once (``occurrences`` and ``distinct`` still count them).
    ``repeated``: with the hash key, the start positions of every n-gram that may occur more than once
    (a superset), else None."""
    valid = layout.valid(n)
    occurrences = int(np.count_nonzero(valid))
    words = layout.words(n, starts)
    m = len(words[0]) if words else 0
    unseen = occurrences - m  # n-grams left out by ``starts``: each occurs once
    if m == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=bool), occurrences, unseen, None
    text_of = layout.text[: len(valid)][valid] if starts is None else layout.text[starts]
    tbits = layout.tbits
    bits = n * layout.vbits + tbits
    if len(words) == 1 and bits <= 64:  # exact key: n-gram high, text low
        key = words[0]
        key <<= np.uint64(tbits)
        key |= text_of
        key = _narrow(key, bits)
        key.sort()
        runs = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
        run_key = key[runs].astype(np.uint64)
        gram = run_key >> np.uint64(tbits)
        text = (run_key & np.uint64((1 << tbits) - 1)).astype(np.int64)
        new_gram = np.concatenate([[True], gram[1:] != gram[:-1]])
        return np.diff(np.append(runs, m)), text, new_gram, occurrences, unseen + int(new_gram.sum()), None
    # Hash in the high bits, occurrence index in the low bits. An occurrence whose hash is unique is a
    # unique n-gram (exactly); only occurrences sharing a hash are gathered and compared token by token.
    h = mix64(words[0] + GOLDEN)
    for word in words[1:]:
        h = mix64(h ^ word)
    ibits = _bits(m - 1)
    low = np.uint64((1 << ibits) - 1)
    h &= ~low
    h |= np.arange(m, dtype=np.uint64)
    h.sort()
    high = h >> np.uint64(ibits)
    same = high[1:] == high[:-1]
    shared = np.zeros(m, dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    sub = np.flatnonzero(shared)
    singletons = unseen + m - len(sub)
    if len(sub) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=bool), occurrences, singletons, empty
    idx = (h[sub] & low).astype(np.int64)
    repeated = np.flatnonzero(valid)[idx] if starts is None else starts[idx]
    run = np.cumsum(np.concatenate([[True], high[sub][1:] != high[sub][:-1]]))  # hash run of each entry
    del h, high, same, shared
    cols = [word[idx] for word in words]
    text = text_of[idx].astype(np.int64)

    def equal_to_previous() -> np.ndarray:
        eq = run[1:] == run[:-1]
        for col in cols:
            eq &= col[1:] == col[:-1]
        return eq

    equal = equal_to_previous()
    if (~equal & (run[1:] == run[:-1])).any():  # hash collisions: re-sort those runs exactly
        bad = np.zeros(int(run[-1]) + 1, dtype=bool)
        bad[run[1:][~equal & (run[1:] == run[:-1])]] = True
        part = np.flatnonzero(bad[run])
        order = np.lexsort((idx[part], *[col[part] for col in reversed(cols)], run[part]))
        for array in (idx, text, *cols):
            array[part] = array[part][order]
        equal = equal_to_previous()
    new_gram = np.concatenate([[True], ~equal])
    firsts = np.flatnonzero(new_gram | np.concatenate([[True], text[1:] != text[:-1]]))
    counts = np.diff(np.append(firsts, len(sub)))
    return counts, text[firsts], new_gram[firsts], occurrences, singletons + int(new_gram.sum()), repeated


def distinct_counts(
    enc: Encoded, max_order: int, *, orders: Sequence[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(distinct, occurrences)``: distinct n-grams and n-gram occurrences for n = 1..max_order
    (index n - 1; only the ``orders`` listed are computed, the others stay 0).

    >>> from hf_synthmh.text.tokens import encode
    >>> [a.tolist() for a in distinct_counts(encode(["a b a b"]), 3)]
    [[2, 2, 2], [4, 3, 2]]
    """
    layout = _Layout(enc)
    distinct = np.zeros(max_order, dtype=np.int64)
    occurrences = np.zeros(max_order, dtype=np.int64)
    ids32 = enc.ids.astype(np.uint32) if 2 * layout.vbits <= 32 else None
    for n in orders if orders is not None else range(1, max_order + 1):
        if n == 1 and layout.vbits <= 24:  # ids are dense: count them
            occurrences[0] = layout.size
            distinct[0] = int(np.count_nonzero(np.bincount(enc.ids))) if layout.size else 0
        elif n * layout.vbits <= 64:  # exact: sort the packed n-grams themselves
            words = layout.words(n, ids=ids32 if n * layout.vbits <= 32 else None)
            key = _narrow(words[0], n * layout.vbits)
            key.sort()
            occurrences[n - 1] = len(key)
            distinct[n - 1] = int(np.count_nonzero(key[1:] != key[:-1])) + 1 if len(key) else 0
        else:
            _, _, _, occurrences[n - 1], distinct[n - 1], _ = _runs(layout, n)
    return distinct, occurrences


def _clipped_matches(counts: np.ndarray, text: np.ndarray, new_gram: np.ndarray, n_texts: int) -> np.ndarray:
    """Per text, sum over its n-grams of min(own count, highest count in any other text), from the
    (n-gram, text) runs. In an n-gram held by several texts that is the own count, except for the
    sole holder of the highest count, which is clipped to the second-highest."""
    first = np.flatnonzero(new_gram)
    size = np.diff(np.append(first, len(counts)))  # texts holding each n-gram
    shared = np.repeat(size >= 2, size)  # an n-gram in one text only matches nothing
    out = np.bincount(text[shared], weights=counts[shared], minlength=n_texts)
    candidate = shared & (counts >= 2)  # only counts above 1 can be a sole top above the second
    if candidate.any():
        group = (np.cumsum(new_gram) - 1)[candidate]
        groups = group[np.concatenate([[True], group[1:] != group[:-1]])]
        sizes = size[groups]
        offsets = np.cumsum(sizes) - sizes
        idx = np.repeat(first[groups] - offsets, sizes) + np.arange(int(sizes.sum()))
        c, t = counts[idx], text[idx]
        owner = np.repeat(np.arange(len(groups)), sizes)
        top = np.maximum.reduceat(c, offsets)[owner]
        is_top = c == top
        n_top = np.add.reduceat(is_top.astype(np.int64), offsets)[owner]
        second = np.maximum.reduceat(np.where(is_top, 0, c), offsets)[owner]
        sole = is_top & (n_top == 1)
        out -= np.bincount(t[sole], weights=(c - second)[sole], minlength=n_texts)
    return np.rint(out).astype(np.int64)


def ngram_stats(enc: Encoded, max_order: int = 4) -> NgramStats:
    """Clipped matches against all other texts, totals and distinct counts, orders 1..``max_order``."""
    if max_order < 1:
        raise ValueError(f"max_order must be >= 1, got {max_order}")
    n_texts = len(enc)
    lengths = enc.lengths
    correct = np.zeros((n_texts, max_order), dtype=np.int64)
    total = np.zeros((n_texts, max_order), dtype=np.int64)
    distinct = np.zeros(max_order, dtype=np.int64)
    occurrences = np.zeros(max_order, dtype=np.int64)
    layout = _Layout(enc)
    repeated = None  # positions of the (n-1)-grams that may occur more than once
    for n in range(1, max_order + 1):
        starts = None
        if repeated is not None:  # an n-gram occurs twice only if both its (n-1)-grams do
            flag = np.zeros(layout.size + 1, dtype=bool)
            flag[repeated] = True
            valid = layout.valid(n)
            starts = np.flatnonzero(valid & flag[: len(valid)] & flag[1 : len(valid) + 1])
        counts, text, new_gram, occurrences[n - 1], distinct[n - 1], repeated = _runs(layout, n, starts)
        correct[:, n - 1] = _clipped_matches(counts, text, new_gram, n_texts)
        total[:, n - 1] = np.maximum(lengths - n + 1, 0)
    return NgramStats(correct=correct, total=total, distinct=distinct, occurrences=occurrences)


def contained_counts(reference: Encoded, queries: Encoded, n: int) -> np.ndarray:
    """Per query text, how many of its ``n``-gram occurrences occur anywhere in ``reference`` (both
    encoded with one vocabulary). Exact, with the same sort as :func:`ngram_stats`.

    >>> from hf_synthmh.text.tokens import encode
    >>> vocab = {}
    >>> ref, qry = encode(["a b c d"], vocab), encode(["b c d", "c d c d", "x"], vocab)
    >>> contained_counts(ref, qry, 2).tolist()
    [2, 2, 0]
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    offsets = np.concatenate([reference.offsets, reference.offsets[-1] + queries.offsets[1:]])
    both = Encoded(ids=np.concatenate([reference.ids, queries.ids]), offsets=offsets, vocab=reference.vocab)
    counts, text, new_gram, _, _, _ = _runs(_Layout(both), n)
    if len(counts) == 0:
        return np.zeros(len(queries), dtype=np.int64)
    first = np.flatnonzero(new_gram)
    group = np.cumsum(new_gram) - 1
    in_reference = np.maximum.reduceat((text < len(reference)).astype(np.int8), first)[group] > 0
    hit = in_reference & (text >= len(reference))
    return np.bincount(text[hit] - len(reference), weights=counts[hit], minlength=len(queries)).astype(
        np.int64
    )
