from __future__ import annotations

import doctest
import importlib
import math

import pytest
from nltk.translate.bleu_score import SmoothingFunction
from nltk.translate.bleu_score import sentence_bleu as nltk_sentence_bleu
from sacrebleu.metrics.bleu import BLEU

from hf_synthmh.metrics.diversity import distinct_n, diversity, self_bleu, self_bleu_scores
from hf_synthmh.text.tokens import words

TEXTS = [
    "The patient reports low mood and poor sleep for four months.",
    "The patient reports low mood, poor appetite and guilt for four months.",
    "She describes constant worry about work and muscle tension.",
    "Nightmares and flashbacks since the crash; avoids driving.",
    "Low mood and poor sleep; the patient feels worthless.",
    "He reports low mood and poor sleep.",
]


def test_doctests() -> None:
    result = doctest.testmod(importlib.import_module("hf_synthmh.metrics.diversity"))
    assert result.attempted > 0 and result.failed == 0


def test_distinct_n_by_hand() -> None:
    # words: a b a | b c  -> unigrams 5 (a, b, c distinct: 3); bigrams ab ba | bc -> 3 distinct of 3
    assert distinct_n(["a b a", "B c."], 1) == pytest.approx(3 / 5)
    assert distinct_n(["a b a", "B c."], 2) == 1.0
    assert distinct_n(["a a a a"], 2) == pytest.approx(1 / 3)
    assert math.isnan(distinct_n(["a"], 2)) and math.isnan(distinct_n([], 1))


def _direct(texts: list[str], max_order: int) -> list[float]:
    bleu = BLEU(tokenize="none", smooth_method="exp", effective_order=True, max_ngram_order=max_order)
    toks = [" ".join(words(t)) for t in texts]
    return [
        bleu.sentence_score(toks[i], [toks[j] for j in range(len(toks)) if j != i]).score / 100
        for i in range(len(toks))
    ]


@pytest.mark.parametrize("max_order", [1, 2, 4])
def test_self_bleu_equals_direct_sacrebleu(max_order: int) -> None:
    texts = [*TEXTS, TEXTS[0], "", "low"]  # a duplicate, an empty text and a one-word text
    direct = _direct(texts, max_order)
    assert self_bleu_scores(texts, max_order=max_order) == pytest.approx(direct, abs=1e-12)
    assert self_bleu(texts, max_order=max_order) == pytest.approx(sum(direct) / len(direct), abs=1e-12)


def test_self_bleu_equals_nltk_with_nist_smoothing() -> None:
    # nltk's method3 is the NIST ("exp") smoothing; texts of >= 4 words need no effective order.
    toks = [words(t) for t in TEXTS]
    smooth = SmoothingFunction().method3
    expected = [
        nltk_sentence_bleu([toks[j] for j in range(len(toks)) if j != i], toks[i], smoothing_function=smooth)
        for i in range(len(toks))
    ]
    assert self_bleu_scores(TEXTS) == pytest.approx(expected, abs=1e-9)


def test_collapsed_corpus_is_less_diverse_than_a_varied_one() -> None:
    collapsed = [f"The patient reports low mood and poor sleep for {n} months." for n in range(2, 8)]
    collapsed_scores, varied_scores = diversity(collapsed), diversity(TEXTS)
    assert collapsed_scores["distinct_1"] < varied_scores["distinct_1"]
    assert collapsed_scores["distinct_2"] < varied_scores["distinct_2"]
    assert collapsed_scores["self_bleu"] > 0.7 > varied_scores["self_bleu"]
    assert varied_scores["n_texts"] == len(TEXTS) and isinstance(varied_scores["n_texts"], int)


def test_subsample_is_deterministic_and_small_corpora_are_nan() -> None:
    texts = [f"report {i} with words {i % 7} and {i % 3}" for i in range(50)]
    assert self_bleu(texts, max_texts=10, seed=1) == self_bleu(texts, max_texts=10, seed=1)
    assert len(self_bleu_scores(texts, max_texts=10)) == 10
    assert self_bleu(texts, max_texts=None) == self_bleu(texts, max_texts=50)
    assert math.isnan(self_bleu(["only one"])) and math.isnan(self_bleu([]))
    with pytest.raises(ValueError, match="max_texts"):
        self_bleu(texts, max_texts=1)


# --- added with the vectorised implementation -------------------------------------------------

import gzip  # noqa: E402
import random  # noqa: E402

import numpy as np  # noqa: E402

from hf_synthmh.metrics.diversity import (  # noqa: E402
    DIVERSITY_KEYS,
    compression_ratio,
    diversity_with_baseline,
    duplicate_ratio,
    embedding_spread,
    vendi_score,
)
from hf_synthmh.metrics.embeddings import hashed_bow_embed  # noqa: E402
from hf_synthmh.text.tokens import ngrams  # noqa: E402

EDGE_TEXTS = [*TEXTS, TEXTS[1], "", "low", "zebra quokka", "mood mood mood low"]  # short / unmatched texts


def _nltk_texygen(texts: list[str], max_order: int) -> list[float]:
    toks = [words(t) for t in texts]
    smooth = SmoothingFunction().method1
    weights = tuple(1.0 / max_order for _ in range(max_order))
    return [
        nltk_sentence_bleu(
            [toks[j] for j in range(len(toks)) if j != i], toks[i], weights, smoothing_function=smooth
        )
        for i in range(len(toks))
    ]


@pytest.mark.parametrize("max_order", [2, 3, 4])
def test_self_bleu_texygen_equals_nltk_method1(max_order: int) -> None:
    # Texygen's SelfBleu: nltk sentence_bleu, every other text a reference, SmoothingFunction().method1,
    # including texts shorter than max_order, an empty text and texts matching no word at all.
    expected = _nltk_texygen(EDGE_TEXTS, max_order)
    ours = self_bleu_scores(EDGE_TEXTS, max_order=max_order, flavour="texygen")
    assert ours == pytest.approx(expected, abs=1e-9)
    assert self_bleu(EDGE_TEXTS, max_order=max_order, flavour="texygen") == pytest.approx(
        sum(expected) / len(expected), abs=1e-9
    )


def test_self_bleu_edge_texts_equal_sacrebleu_and_unknown_flavour() -> None:
    assert self_bleu_scores(EDGE_TEXTS) == pytest.approx(_direct(EDGE_TEXTS, 4), abs=1e-12)
    with pytest.raises(ValueError, match="flavour"):
        self_bleu(TEXTS, flavour="bleurt")  # type: ignore[arg-type]


def test_distinct_1_to_4_by_hand() -> None:
    texts = ["the cat sat on the mat", "the cat sat", "a dog"]
    for n in range(1, 5):
        grams = [g for t in texts for g in ngrams(words(t), n)]
        assert distinct_n(texts, n) == pytest.approx(len(set(grams)) / len(grams))
    out = diversity(texts)
    assert [out[f"distinct_{n}"] for n in range(1, 5)] == pytest.approx([7 / 11, 6 / 8, 4 / 5, 3 / 3])


def test_compression_duplicates_spread_and_vendi_by_hand() -> None:
    texts = ["low mood", "Low  mood", "worry and tension"]
    raw = "\n".join(texts).encode()
    assert compression_ratio(texts) == len(raw) / len(gzip.compress(raw, compresslevel=6, mtime=0))
    assert duplicate_ratio(texts) == pytest.approx(1 / 3)
    x = np.random.default_rng(0).normal(size=(7, 5))
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    cos = unit @ unit.T
    pairs = cos[~np.eye(7, dtype=bool)]
    assert embedding_spread(x) == pytest.approx(1 - pairs.mean(), abs=1e-12)
    eig = np.linalg.eigvalsh(cos / 7)
    eig = eig[eig > 1e-12]
    assert vendi_score(x) == pytest.approx(np.exp(-(eig * np.log(eig)).sum()), rel=1e-9)


def test_collapsed_corpus_shows_a_gap_to_the_real_baseline() -> None:
    rng = random.Random(0)
    vocab = [f"word{i}" for i in range(300)]
    real = [" ".join(rng.choice(vocab) for _ in range(60)) for _ in range(40)]
    collapsed = [real[0].replace("word1 ", f"word{i} ", 1) for i in range(40)]  # near-copies of one text
    emb = hashed_bow_embed
    out = diversity_with_baseline(
        collapsed, real, synthetic_embeddings=emb(collapsed), real_embeddings=emb(real), seed=1
    )
    assert out["baseline_n_texts"] == 40 and out["n_texts"] == 40
    assert out["distinct_2"] < out["real_distinct_2"] / 5
    assert out["self_bleu"] > 0.9 > 0.2 > out["real_self_bleu"]
    assert out["compression_ratio"] > 3 * out["real_compression_ratio"]
    assert out["embedding_spread"] < out["real_embedding_spread"] / 5
    assert out["vendi_score"] < out["real_vendi_score"]
    assert set(DIVERSITY_KEYS) | {"embedding_spread", "vendi_score"} <= {
        k[5:] for k in out if k.startswith("real_")
    }


def test_baseline_samples_the_larger_side_deterministically() -> None:
    syn = [f"report number {i} low mood" for i in range(10)]
    real = [f"real text {i} worry" for i in range(4)]
    a = diversity_with_baseline(syn, real, seed=3)
    assert a == diversity_with_baseline(syn, real, seed=3)
    assert a["baseline_n_texts"] == 4 and a["n_texts"] == 10
    assert (
        diversity_with_baseline(syn, [])["real_distinct_1"]
        != diversity_with_baseline(syn, [])["real_distinct_1"]
    )  # NaN
