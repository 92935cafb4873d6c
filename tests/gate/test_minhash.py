"""Vectorised hashing primitives: tokens equal ``words()``, shingles, the sorted index, bitmaps, MinHash,
LSH, exact Jaccard and pair matching, each against a plain-Python reference."""

from __future__ import annotations

import random

import numpy as np
import pytest

from hf_synthmh.demo.corpus import load_demo_corpus
from hf_synthmh.gate import sorted_index
from hf_synthmh.gate.keys import PAYLOAD
from hf_synthmh.gate.minhash import LshIndex, minhash, pair_jaccard
from hf_synthmh.gate.sorted_index import bitmap, bitmap_bits, build_index, in_bitmap, lookup, match_pairs
from hf_synthmh.text import hashing
from hf_synthmh.text.hashing import Csr, expand, hash_tokens, mix64, shingles
from hf_synthmh.text.tokens import words

_MUL = np.uint64(0x9E3779B97F4A7C15)
_ODD = "abcXYZ019_ .'’-\n\t,;:!?()éÉßİΣσς²½一‿·—–“”\u0301\u200b\U0001f600𝔘\x00"


def _single(token: str) -> int:
    values = hash_tokens([token]).values
    assert values.size == 1, token
    return int(values[0])


def _assert_tokens_match(texts: list) -> None:
    tok = hash_tokens(texts)
    expected = [words(t) if isinstance(t, str) else [] for t in texts]
    assert tok.lengths.tolist() == [len(w) for w in expected]
    flat = [w for ws in expected for w in ws]
    assert tok.values.tolist() == [_single(w) for w in flat]


def test_tokens_are_words_on_the_demo_corpus() -> None:
    texts = list(load_demo_corpus()["train"]["text"][:12])
    _assert_tokens_match(texts)
    vocabulary = sorted({w for t in texts for w in words(t)})
    assert len(set(hash_tokens([" ".join(vocabulary)]).values.tolist())) == len(vocabulary)


def test_tokens_are_words_on_odd_unicode() -> None:
    rng = random.Random(0)
    for _ in range(300):
        texts = [
            "".join(rng.choice(_ODD) for _ in range(rng.randint(0, 40))) for _ in range(rng.randint(1, 4))
        ]
        _assert_tokens_match(texts)
    _assert_tokens_match([None, "", "a", "It's F32.1 -- 50mg; e-mail: x.y@z", "İstanbul ΣΟΦΙΑΣ naïve café"])


def test_tokens_across_chunks_and_long_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hashing, "_CHUNK_CHARS", 64)
    long_word = "supercalifragilisticexpialidocious-antidisestablishmentarianism"
    texts = [f"{long_word} a{i} b.c {long_word[:9]} {long_word[:16]} {long_word[:17]}" for i in range(30)]
    _assert_tokens_match(texts)
    assert _single(long_word[:16]) != _single(long_word[:17]) != _single(long_word)


def _reference_shingles(tokens: np.ndarray, n: int) -> np.ndarray:
    m = tokens.size - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    acc = tokens[:m].copy()
    with np.errstate(over="ignore"):
        for k in range(1, n):
            acc = acc * _MUL + tokens[k : k + m]
    return mix64(acc)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 8])
def test_shingles_match_a_per_text_reference(n: int) -> None:
    rng = random.Random(n)
    texts = [" ".join(rng.choice("abcdefghij") for _ in range(rng.randint(0, 300))) for _ in range(400)]
    tok = hash_tokens(texts)  # ~60k tokens: several 2**15 blocks
    grams = shingles(tok, n)
    for d in range(len(texts)):
        t = tok.values[tok.offsets[d] : tok.offsets[d + 1]]
        assert (
            grams.values[grams.offsets[d] : grams.offsets[d + 1]].tolist()
            == _reference_shingles(t, n).tolist()
        )


def test_index_lookup_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    for _ in range(100):
        hashes = rng.integers(0, 30, rng.integers(0, 80)).astype(np.uint64) << np.uint64(40)
        docs = rng.integers(0, 9, hashes.size)
        keys = build_index(hashes, docs)
        assert np.all(keys[1:] > keys[:-1])
        queries = rng.integers(0, 35, 40).astype(np.uint64) << np.uint64(40)
        for cap in (1, 3, 6):
            left, df = lookup(keys, queries, cap)
            for q, lo, count in zip(queries, left, df, strict=True):
                holders = sorted(set(docs[hashes == q].tolist()))
                assert count == min(len(holders), cap)
                if holders and count < cap:
                    assert (keys[lo : lo + count] & PAYLOAD).tolist() == holders


@pytest.mark.parametrize("bits", [17, 26])  # stored one byte per bit / packed eight bits per byte
def test_bitmap_never_misses_and_rarely_errs(bits: int) -> None:
    rng = np.random.default_rng(bits)
    members = np.sort(
        rng.integers(0, 2**63, 2 ** (bits - 4), dtype=np.int64).astype(np.uint64) * np.uint64(2)
    )
    bm = bitmap(members, bits=bits)
    assert bm.dtype == (bool if bits <= sorted_index._UNPACKED_BITS else np.uint8)
    assert in_bitmap(bm, members).all()
    expected = np.zeros(1 << bits, dtype=bool)  # exactly the members' top bits are set
    expected[(members >> np.uint64(64 - bits)).astype(np.int64)] = True
    got = bm if bm.dtype == bool else np.unpackbits(bm, bitorder="little").astype(bool)
    assert (got == expected).all()
    others = rng.integers(0, 2**63, 20000, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
    assert 0.03 < in_bitmap(bm, others).mean() < 0.1  # about 1/16 of the bits are set
    assert not in_bitmap(bitmap(members[:0], bits=bits), others).any()
    assert bitmap_bits(members.size, 4) == bits + 1


def _random_sets(rng: np.random.Generator, jaccard: float, size: int = 300) -> tuple[np.ndarray, np.ndarray]:
    shared = round(2 * jaccard * size / (1 + jaccard))
    pool = rng.integers(0, 2**63, 2 * size, dtype=np.int64).astype(np.uint64) * np.uint64(2)
    pool = rng.permutation(np.unique(pool))  # shared members anywhere in the hash range
    return np.sort(pool[:size]), np.sort(np.concatenate([pool[:shared], pool[size : 2 * size - shared]]))


def test_minhash_estimates_jaccard() -> None:
    rng = np.random.default_rng(2)
    for target in (0.0, 0.2, 0.5, 0.8, 1.0):
        a, b = _random_sets(rng, target)
        exact = len(set(a.tolist()) & set(b.tolist())) / len(set(a.tolist()) | set(b.tolist()))
        sig = minhash(np.concatenate([a, b]), np.array([0, a.size, a.size + b.size]))
        assert sig.shape == (2, 128) and sig.dtype == np.uint32
        assert abs((sig[0] == sig[1]).mean() - exact) < 0.15
    empty = minhash(np.zeros(0, dtype=np.uint64), np.array([0, 0]))
    assert (empty == np.iinfo(np.uint32).max).all()


@pytest.mark.parametrize("size", [40, 300])
def test_minhash_is_unbiased_for_small_and_large_sets(size: int) -> None:
    """One-permutation MinHash with densification: the share of equal entries averages to the Jaccard,
    also when most bins of a small set are empty (40 members, 128 bins)."""
    rng = np.random.default_rng(7)
    for target in (0.1, 0.5, 0.9):
        pairs = [_random_sets(rng, target, size) for _ in range(60)]
        got = [
            (lambda s: (s[0] == s[1]).mean())(minhash(np.concatenate(p), np.array([0, size, 2 * size])))
            for p in pairs
        ]
        exact = [
            len(set(a.tolist()) & set(b.tolist())) / len(set(a.tolist()) | set(b.tolist())) for a, b in pairs
        ]
        assert abs(np.mean(got) - np.mean(exact)) < 0.03


def test_minhash_ignores_order_and_repeats_and_keeps_empty_sets() -> None:
    rng = np.random.default_rng(8)
    sets = [np.sort(rng.integers(0, 2**63, m).astype(np.uint64) * np.uint64(2)) for m in (5, 0, 200, 1)]
    offsets = np.concatenate([[0], np.cumsum([s.size for s in sets])])
    sig = minhash(np.concatenate(sets), offsets, num_perm=100)  # not a power of two
    shuffled = minhash(np.concatenate([rng.permutation(s) for s in sets]), offsets, num_perm=100)
    assert (sig == shuffled).all()
    doubled = [np.concatenate([s, s[::2]]) for s in sets]
    twice = minhash(
        np.concatenate(doubled), np.concatenate([[0], np.cumsum([s.size for s in doubled])]), num_perm=100
    )
    assert (sig == twice).all()
    assert (sig[1] == np.iinfo(np.uint32).max).all() and not (sig[[0, 2, 3]] == np.iinfo(np.uint32).max).any()
    again = minhash(np.concatenate([sets[3], sets[3]]), np.array([0, 1, 2]), num_perm=100)
    assert (again == sig[3]).all()  # the same set, the same signature (also through densification)
    with pytest.raises(ValueError):
        minhash(sets[0], np.array([0, 5]), num_perm=0)


def test_lsh_finds_near_duplicates_only() -> None:
    rng = np.random.default_rng(3)
    near = [_random_sets(rng, 0.8) for _ in range(20)]
    far = [_random_sets(rng, 0.05) for _ in range(20)]
    index_sets = [a for a, _ in near + far]
    query_sets = [b for _, b in near + far]

    def sig(sets: list[np.ndarray]) -> np.ndarray:
        return minhash(np.concatenate(sets), np.concatenate([[0], np.cumsum([s.size for s in sets])]))

    rows, docs = LshIndex(sig(index_sets), bands=42).query(sig(query_sets))
    found = set(zip(rows.tolist(), docs.tolist(), strict=True))
    assert {(k, k) for k in range(20)} <= found
    assert not {(k, k) for k in range(20, 40)} & found
    with pytest.raises(ValueError):
        LshIndex(sig(index_sets), bands=0)
    rows, docs = LshIndex(sig(index_sets[:1]), bands=42).query(sig(query_sets[20:]))  # no candidate
    assert rows.size == 0 and docs.size == 0 and rows.dtype == docs.dtype == np.int64


def test_pair_jaccard_is_exact() -> None:
    rng = np.random.default_rng(4)
    sets = [  # unsorted, with repeats
        rng.integers(0, 50, rng.integers(0, 30)).astype(np.uint64) << np.uint64(40) for _ in range(12)
    ]
    csr = Csr(np.concatenate(sets), np.concatenate([[0], np.cumsum([s.size for s in sets])]))
    rows, docs = rng.integers(0, 12, 60), rng.integers(0, 12, 60)
    got = pair_jaccard(csr, csr, rows, docs)
    for r, d, j in zip(rows, docs, got, strict=True):
        a, b = set(sets[r].tolist()), set(sets[d].tolist())
        assert j == pytest.approx(len(a & b) / len(a | b) if a | b else 0.0)


def test_match_pairs_finds_every_match() -> None:
    rng = np.random.default_rng(5)
    seqs = [rng.integers(0, 6, rng.integers(0, 25)).astype(np.uint64) << np.uint64(50) for _ in range(10)]
    csr = Csr(np.concatenate(seqs), np.concatenate([[0], np.cumsum([s.size for s in seqs])]))
    rows, docs = rng.integers(0, 10, 30), rng.integers(0, 10, 30)
    pid, i, j = match_pairs(csr, csr, rows, docs)
    got = sorted(zip(pid.tolist(), i.tolist(), j.tolist(), strict=True))
    want = sorted(
        (k, a, b)
        for k, (r, d) in enumerate(zip(rows, docs, strict=True))
        for a in range(seqs[r].size)
        for b in range(seqs[d].size)
        if seqs[r][a] == seqs[d][b]
    )
    assert got == want


def test_expand() -> None:
    assert expand(np.array([3, 10, 0]), np.array([2, 0, 3])).tolist() == [3, 4, 0, 1, 2]
    assert expand(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).size == 0
