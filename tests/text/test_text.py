"""The shared text core: doctests, and each algorithm against a plain-Python reference."""

from __future__ import annotations

import doctest
import importlib
import random

import numpy as np
import pytest

from hf_synthmh.contracts import (
    EMPTY,
    MEMBERSHIP_EMBEDDING,
    MEMBERSHIP_EXEMPLAR,
    MEMBERSHIP_MINHASH,
    MEMBERSHIP_NGRAM,
    MEMBERSHIP_ROUGE_L,
    MEMBERSHIP_SPAN,
    PHI_ERROR,
    PHI_REPLAY,
    RejectReason,
)
from hf_synthmh.gate.keys import PAYLOAD_BITS, pair_docs, pair_keys, pair_rows, rank_keys, rank_rows
from hf_synthmh.text.hashing import hash_tokens, mix64
from hf_synthmh.text.overlap import longest_common_run, longest_common_span, rouge_l_f1
from hf_synthmh.text.tokens import words


@pytest.mark.parametrize(
    "name",
    [
        "hf_synthmh.text",
        "hf_synthmh.text.tokens",
        "hf_synthmh.text.hashing",
        "hf_synthmh.text.overlap",
        "hf_synthmh.contracts",
    ],
)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


def _brute_run(a: list[int], b: list[int]) -> int:
    best = 0
    for i in range(len(a)):
        for j in range(len(b)):
            k = 0
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                k += 1
            best = max(best, k)
    return best


def _brute_lcs(a: list[int], b: list[int]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


def test_longest_common_run_and_span_match_brute_force() -> None:
    rng = random.Random(3)
    for _ in range(300):
        a = [rng.randrange(4) for _ in range(rng.randint(0, 15))]
        b = [rng.randrange(4) for _ in range(rng.randint(0, 15))]
        expected = _brute_run(a, b)
        assert longest_common_run(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)) == expected
        assert longest_common_span([str(x) for x in a], [str(x) for x in b]) == expected
        hashed = np.array(a, dtype=np.uint64) << np.uint64(40)
        assert longest_common_run(hashed, np.array(b, dtype=np.uint64) << np.uint64(40)) == expected


def test_rouge_l_f1_is_the_f_measure_of_the_lcs() -> None:
    rng = random.Random(5)
    for _ in range(200):
        a = [rng.randrange(5) for _ in range(rng.randint(0, 12))]
        b = [rng.randrange(5) for _ in range(rng.randint(0, 12))]
        lcs = _brute_lcs(a, b)
        expected = 2 * lcs / (len(a) + len(b)) if lcs else 0.0
        assert rouge_l_f1(a, b) == pytest.approx(expected, abs=1e-12)
        assert rouge_l_f1(a, b) == rouge_l_f1(b, a)


def test_hash_tokens_are_words() -> None:
    texts = ["It's F32.1 -- 50mg; e-mail: x.y@z", "naïve café it’s GAD-7", "", "a’b ’c d’"]
    tokens = hash_tokens(texts)
    assert tokens.lengths.tolist() == [len(words(t)) for t in texts]
    singles = [int(hash_tokens([w]).values[0]) for t in texts for w in words(t)]
    assert tokens.values.tolist() == singles


def test_mix64_is_splitmix64() -> None:
    x = 0x0123456789ABCDEF
    mask = (1 << 64) - 1
    z = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & mask
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB & mask
    expected = z ^ (z >> 31)
    assert mix64(np.array([x], dtype=np.uint64)).tolist() == [expected]


def test_pair_and_rank_keys_round_trip() -> None:
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 1 << PAYLOAD_BITS, 500)
    docs = rng.integers(0, 1 << PAYLOAD_BITS, 500)
    counts = rng.integers(0, 1 << 21, 500)  # above the count cap too
    keys = pair_keys(rows, docs)
    assert pair_rows(keys).tolist() == rows.tolist() and pair_docs(keys).tolist() == docs.tolist()
    ranked = rank_keys(rows, counts, docs)
    assert rank_rows(ranked).tolist() == rows.tolist() and pair_docs(ranked).tolist() == docs.tolist()
    order = np.argsort(ranked)
    capped = np.minimum(counts, (1 << 20) - 1)
    expected = sorted(range(500), key=lambda k: (rows[k], -capped[k], docs[k]))
    assert [(rows[k], capped[k], docs[k]) for k in order] == [(rows[k], capped[k], docs[k]) for k in expected]


def test_reject_reasons_write_the_same_strings() -> None:
    fixed = [EMPTY, PHI_ERROR, PHI_REPLAY, MEMBERSHIP_EXEMPLAR, MEMBERSHIP_NGRAM, MEMBERSHIP_SPAN]
    fixed += [MEMBERSHIP_MINHASH, MEMBERSHIP_ROUGE_L, MEMBERSHIP_EMBEDDING]
    written = ["empty", "phi:error", "phi:replay", "membership:exemplar", "membership:ngram"]
    written += ["membership:span", "membership:minhash", "membership:rouge_l", "membership:embedding"]
    assert [str(r) for r in fixed] == written
    assert str(RejectReason.phi("MEDICAL_RECORD_NUMBER")) == "phi:MEDICAL_RECORD_NUMBER"
    assert [RejectReason.parse(s) for s in written] == fixed
    with pytest.raises(ValueError, match="not a reject reason"):
        RejectReason.parse("copy:maybe")
