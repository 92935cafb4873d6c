from __future__ import annotations

import doctest
import importlib
import math

import pytest
from nltk.translate.bleu_score import SmoothingFunction
from nltk.translate.bleu_score import sentence_bleu as nltk_sentence_bleu
from sacrebleu.metrics.bleu import BLEU

from hf_synthmh.metrics.diversity import distinct_n, diversity, self_bleu, self_bleu_scores
from hf_synthmh.metrics.tokens import words

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
