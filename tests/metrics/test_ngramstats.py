"""The sort-based n-gram statistics equal a Counter-based brute force, on both key paths (exact
bit-packing and hashing), including forced hash collisions."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from hf_synthmh.metrics import ngramstats
from hf_synthmh.metrics.ngramstats import distinct_counts, ngram_stats
from hf_synthmh.text.tokens import Encoded, encode, ngrams


def _brute(docs: list[list[int]], max_order: int) -> tuple[np.ndarray, list[int]]:
    correct = np.zeros((len(docs), max_order), dtype=np.int64)
    distinct = []
    for n in range(1, max_order + 1):
        counts = [Counter(ngrams(doc, n)) for doc in docs]
        distinct.append(len(set().union(*counts)) if counts else 0)
        for i, count in enumerate(counts):
            others = counts[:i] + counts[i + 1 :]
            correct[i, n - 1] = sum(min(k, max((c[g] for c in others), default=0)) for g, k in count.items())
    return correct, distinct


def _encoded(docs: list[list[int]]) -> Encoded:
    ids = np.array([t for doc in docs for t in doc], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in docs])]).astype(np.int64)
    return Encoded(ids=ids, offsets=offsets, vocab={})


def _corpora(seed: int) -> list[list[list[int]]]:
    rng = random.Random(seed)
    out = []
    for _ in range(40):
        scale = rng.choice([1, 2**29])  # 2**29: ids need 32 bits, so 3- and 4-grams take the hash path
        docs = [
            [rng.randint(0, 4) * scale for _ in range(rng.randint(0, 14))] for _ in range(rng.randint(1, 9))
        ]
        out.append(docs)
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_equals_brute_force_on_both_paths(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    for docs in _corpora(seed):
        enc = _encoded(docs)
        correct, distinct = _brute(docs, 4)
        stats = ngram_stats(enc, 4)
        assert stats.correct.tolist() == correct.tolist()
        assert stats.distinct.tolist() == distinct == distinct_counts(enc, 4)[0].tolist()
        assert stats.total.tolist() == [[max(len(d) - n + 1, 0) for n in range(1, 5)] for d in docs]
    # a hash that keeps 2 bits: nearly every n-gram collides, and the exact re-sort must undo it
    monkeypatch.setattr(ngramstats, "mix64", lambda x: (x & np.uint64(3)) << np.uint64(62))
    for docs in _corpora(seed):
        enc = _encoded(docs)
        correct, distinct = _brute(docs, 4)
        assert ngram_stats(enc, 4).correct.tolist() == correct.tolist()
        assert distinct_counts(enc, 4)[0].tolist() == distinct


def test_clipping_by_hand() -> None:
    # "a a b" vs "a b" vs "a a a": unigram a in text 0 occurs twice; the most any other text has is 3
    stats = ngram_stats(encode(["a a b", "a b", "a a a"]), 2)
    assert stats.correct[:, 0].tolist() == [3, 2, 2]  # text 2: a x3 but others hold at most 2
    assert stats.correct[:, 1].tolist() == [2, 1, 1]  # bigrams: (a a),(a b) | (a b) | (a a),(a a)
    assert stats.occurrences.tolist() == [8, 5] and stats.distinct.tolist() == [2, 2]


def test_distinct_counts_selected_orders_and_empty() -> None:
    distinct, occurrences = distinct_counts(encode(["a b a b", "b a"]), 3, orders=[2])
    assert distinct.tolist() == [0, 2, 0] and occurrences.tolist() == [0, 4, 0]
    empty = ngram_stats(encode([]), 2)
    assert empty.correct.shape == (0, 2) and empty.distinct.tolist() == [0, 0]
    with pytest.raises(ValueError, match="max_order"):
        ngram_stats(encode(["a"]), 0)


@pytest.mark.parametrize("weak_hash", [False, True])
def test_contained_counts_by_hand(weak_hash: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from hf_synthmh.metrics.ngramstats import contained_counts

    if weak_hash:
        monkeypatch.setattr(ngramstats, "mix64", lambda x: (x & np.uint64(3)) << np.uint64(62))
    rng = random.Random(2)
    for _ in range(40):
        ref_docs = [
            [rng.randint(0, 3) * 2**29 for _ in range(rng.randint(0, 12))] for _ in range(rng.randint(1, 5))
        ]
        qry_docs = [
            [rng.randint(0, 4) * 2**29 for _ in range(rng.randint(0, 12))] for _ in range(rng.randint(0, 5))
        ]
        for n in (1, 2, 3, 8):
            known = {g for d in ref_docs for g in ngrams(d, n)}
            expected = [sum(g in known for g in ngrams(d, n)) for d in qry_docs]
            assert contained_counts(_encoded(ref_docs), _encoded(qry_docs), n).tolist() == expected
