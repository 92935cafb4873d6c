from __future__ import annotations

import doctest
import importlib
import math

import pytest
from rouge_score import rouge_scorer

from hf_synthmh.metrics.privacy import privacy, privacy_rows
from hf_synthmh.text.overlap import rouge_l_f1
from hf_synthmh.text.tokens import encode, words

Corpus = tuple[list[str], list[str]]

PAIRS = [
    ("the patient reports low mood and poor sleep", "patient reports poor sleep and low mood today"),
    ("Low mood, F32.1; sertraline 50 mg.", "low mood f32.1 sertraline"),
    ("worry about work", "nightmares after the crash"),
    ("a a b a b", "b a b b a a"),
    ("", "something"),
]


class _Words:
    def tokenize(self, text: str) -> list[str]:
        return words(text)


def test_doctests() -> None:
    result = doctest.testmod(importlib.import_module("hf_synthmh.metrics.privacy"))
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(("target", "prediction"), PAIRS)
def test_rouge_l_equals_rouge_score(target: str, prediction: str) -> None:
    ours = rouge_l_f1(words(prediction), words(target))
    scorer = rouge_scorer.RougeScorer(["rougeL"], tokenizer=_Words())
    assert ours == pytest.approx(scorer.score(target, prediction)["rougeL"].fmeasure, abs=1e-12)
    if "," not in target + prediction and "." not in target + prediction:  # same tokens as its default
        default = rouge_scorer.RougeScorer(["rougeL"]).score(target, prediction)["rougeL"].fmeasure
        assert ours == pytest.approx(default, abs=1e-12)


def test_rows_by_hand() -> None:
    real = ["one two three four five", "six seven eight nine"]
    rows = privacy_rows(
        real_texts=real,
        synthetic_texts=["ONE two  three four five", "one two three x y", "six seven", "novel"],
        n=2,
    )
    assert rows.exact_match == [1.0, 0.0, 0.0, 0.0]
    assert rows.ngram_containment == [1.0, 0.5, 1.0, 0.0]  # 'novel' has no bigram
    assert rows.nearest_index == [0, 0, 1, 0]
    assert rows.rouge_l_nearest == pytest.approx([1.0, 0.6, 2 * 1 * 0.5 / 1.5, 0.0])


def test_copied_rows_score_worse_than_novel(real: Corpus, synthetic: Corpus) -> None:
    novel = privacy(real_texts=real[0], synthetic_texts=synthetic[0])
    copied_texts = [*synthetic[0][:3], real[0][0], real[0][4] + " Seen today.", real[0][7].upper()]
    copied = privacy(real_texts=real[0], synthetic_texts=copied_texts)
    assert novel["exact_match_rate"] == 0.0 and copied["exact_match_rate"] == pytest.approx(2 / 6)
    assert novel["max_ngram_containment"] < 0.5 and copied["max_ngram_containment"] == 1.0
    assert copied["mean_ngram_containment"] > novel["mean_ngram_containment"] + 0.3
    assert copied["mean_rouge_l_nearest"] > novel["mean_rouge_l_nearest"]
    assert copied["max_rouge_l_nearest"] == 1.0 > novel["max_rouge_l_nearest"]
    rows = privacy_rows(real_texts=real[0], synthetic_texts=copied_texts)
    assert rows.nearest_index[3:] == [0, 4, 7]
    assert rows.select([4]).rouge_l_nearest[0] > 0.9


def test_edge_cases() -> None:
    empty = privacy(real_texts=["a b c"], synthetic_texts=[])
    assert all(math.isnan(v) for v in empty.values())
    with pytest.raises(ValueError, match="at least one real"):
        privacy(real_texts=[], synthetic_texts=["x"])
    with pytest.raises(ValueError, match="n must be"):
        privacy(real_texts=["x"], synthetic_texts=["x"], n=0)
    no_words = privacy(real_texts=["...", "!!"], synthetic_texts=["..."])
    assert no_words["exact_match_rate"] == 1.0 and no_words["max_rouge_l_nearest"] == 0.0


def _longest_by_hand(a: list[str], b: list[str]) -> int:
    best = 0
    for i in range(len(a)):
        for j in range(len(b)):
            k = 0
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                k += 1
            best = max(best, k)
    return best


def test_longest_common_span_by_hand() -> None:
    import random

    from hf_synthmh.text.overlap import longest_common_span

    rng = random.Random(0)
    for _ in range(200):
        a = [rng.choice("abc") for _ in range(rng.randint(0, 12))]
        b = [rng.choice("abcd") for _ in range(rng.randint(0, 12))]
        assert longest_common_span(a, b) == _longest_by_hand(a, b)


def test_split_nearest_search_equals_the_plain_sparse_product(
    real: Corpus, synthetic: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    module = importlib.import_module("hf_synthmh.metrics.privacy")
    texts = real[0] + synthetic[0]
    vectorizer = TfidfVectorizer(tokenizer=words, lowercase=False, token_pattern=None)
    matrix = vectorizer.fit(real[0]).transform(texts) @ vectorizer.transform(real[0]).T
    expected = np.asarray(matrix.argmax(axis=1)).ravel().tolist()
    for share in (0.0, 0.002, 2.0):  # all terms dense, mixed, all sparse
        monkeypatch.setattr(module, "_DENSE_SHARE", share)
        vocab: dict[str, int] = {}
        real_enc, syn_enc = encode(real[0], vocab), encode(texts, vocab)
        assert module._nearest_real(real_enc, syn_enc) == expected


def test_copies_have_long_shared_spans(real: Corpus, synthetic: Corpus) -> None:
    novel = privacy(real_texts=real[0], synthetic_texts=synthetic[0])
    copied = privacy(real_texts=real[0], synthetic_texts=[real[0][2] + " Seen today.", *synthetic[0][:2]])
    assert copied["max_longest_shared_span"] == len(words(real[0][2])) > 3 * novel["max_longest_shared_span"]
    assert copied["mean_longest_shared_span"] > novel["mean_longest_shared_span"]
