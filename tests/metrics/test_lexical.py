"""MATTR and MTLD equal lexicalrichness (when installed) and a direct by-hand implementation."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from hf_synthmh.metrics import lexical
from hf_synthmh.metrics.lexical import lexical_scores, mattr, mtld
from hf_synthmh.text.tokens import encode


def _mattr_by_hand(tokens: list[str], window: int) -> float:
    if len(tokens) < window:
        return len(set(tokens)) / len(tokens)
    spans = [tokens[i : i + window] for i in range(len(tokens) - window + 1)]
    return sum(len(set(s)) / window for s in spans) / len(spans)


def _mtld_by_hand(tokens: list[str], threshold: float = 0.72) -> float:
    def one_way(seq: list[str]) -> float:
        factors, terms, count, ttr = 0.0, set(), 0, 1.0
        for token in seq:
            count += 1
            terms.add(token)
            ttr = len(terms) / count
            if ttr <= threshold:
                factors, terms, count = factors + 1, set(), 0
        if count:
            factors += (1 - ttr) / (1 - threshold)
        return len(seq) / (factors or 1.0)

    return (one_way(tokens) + one_way(tokens[::-1])) / 2


def _texts(seed: int) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnop"
    return [
        " ".join(rng.choice(letters) + rng.choice("xy") for _ in range(rng.randint(0, 260)))
        for _ in range(50)
    ]


@pytest.mark.parametrize("chunk", [300, 1 << 20])  # many chunks, and one
def test_equal_to_by_hand(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexical, "_CHUNK_TOKENS", chunk)
    enc = encode(_texts(0))
    mattr_values, mtld_values = lexical_scores(enc, window=50)
    for i, tokens in enumerate(enc.tokens):
        if not tokens:
            assert math.isnan(mattr_values[i]) and math.isnan(mtld_values[i])
            continue
        assert mattr_values[i] == pytest.approx(_mattr_by_hand(tokens, 50), abs=1e-12)
        assert mtld_values[i] == pytest.approx(_mtld_by_hand(tokens), abs=1e-9)


@pytest.mark.parametrize("threshold", [0.5, 0.66, 0.7234567])  # small fractions, and one that is not
def test_mtld_any_threshold_equals_by_hand(threshold: float) -> None:
    enc = encode(_texts(2))
    values = lexical_scores(enc, threshold=threshold)[1]
    for i, tokens in enumerate(enc.tokens):
        if tokens:
            assert values[i] == pytest.approx(_mtld_by_hand(tokens, threshold), abs=1e-9)


def test_long_texts_and_large_vocabulary() -> None:
    """Texts past 16k tokens (wide tables) and ids past 2**20 (64-bit sort keys) give the same values."""
    rng = random.Random(3)
    long_text = " ".join(rng.choice("abcdefgh") + rng.choice("xyz") for _ in range(17_000))
    texts = [long_text, *_texts(4)[:5]]
    enc = encode(texts)
    wide = encode(texts, vocab={f"filler{i}": i for i in range(1 << 21)})
    for values in (lexical_scores(enc), lexical_scores(wide)):
        for i, tokens in enumerate(enc.tokens):
            if tokens:
                assert values[0][i] == pytest.approx(_mattr_by_hand(tokens, 50), abs=1e-12)
                assert values[1][i] == pytest.approx(_mtld_by_hand(tokens), abs=1e-9)


def test_equal_to_lexicalrichness() -> None:
    lr = pytest.importorskip("lexicalrichness")
    enc = encode(_texts(1))
    mattr_values, mtld_values = lexical_scores(enc, window=50, threshold=0.72)
    checked = 0
    for i, tokens in enumerate(enc.tokens):
        if len(tokens) < 50:
            continue
        ref = lr.LexicalRichness(tokens, preprocessor=None, tokenizer=None)
        assert mattr_values[i] == pytest.approx(ref.mattr(window_size=50), abs=1e-9)
        assert mtld_values[i] == pytest.approx(ref.mtld(threshold=0.72), abs=1e-9)
        checked += 1
    assert checked > 30


def test_means_and_errors() -> None:
    enc = encode(["a b a b", "", "c d e"])
    assert mattr(enc, window=2) == pytest.approx(np.mean([1.0, 1.0]))
    assert mtld(enc) == pytest.approx(np.nanmean(lexical_scores(enc)[1]))
    assert math.isnan(mattr(encode([""])))
    with pytest.raises(ValueError, match="window"):
        mattr(enc, window=0)
    with pytest.raises(ValueError, match="threshold"):
        mtld(enc, threshold=1.0)


def test_repetitive_text_scores_lower() -> None:
    varied = encode([" ".join(f"w{i}" for i in range(120))])
    repetitive = encode([" ".join(f"w{i % 10}" for i in range(120))])
    assert mattr(repetitive) < mattr(varied) == 1.0
    assert mtld(repetitive) < mtld(varied)


@pytest.mark.parametrize("threshold", [0.72, 0.5, 0.66, 0.1, 0.9, 0.7234567, 1 / 3])
def test_integer_test_is_used_exactly_when_it_equals_the_float_test(threshold: float) -> None:
    """The linear check that picks the integer test agrees with comparing every (k, n) pair."""
    from fractions import Fraction

    walk = lexical._Walk(np.array([300]), threshold)
    frac = Fraction(threshold).limit_denominator(1 << 10)
    n, k = np.arange(1, 301)[:, None], np.arange(301)[None, :]
    same = bool(((k / n <= threshold) == (frac.denominator * k <= frac.numerator * n)).all())
    fits = (frac.numerator + frac.denominator) * 301 < (1 << 15) - 1  # int16 sums cannot overflow
    assert walk._ratio() == ((frac.numerator, frac.denominator) if same and fits else None)


def test_a_very_long_text_is_linear_not_quadratic() -> None:
    """One 300k-token text beside short ones (quadratic work would not end in a test's lifetime)."""
    rng = random.Random(5)
    long_text = " ".join(f"w{rng.randrange(3000)}" for _ in range(300_000))
    enc = encode([long_text, "low mood and poor sleep", ""])
    mattr_values, mtld_values = lexical_scores(enc)
    assert 0.9 < mattr_values[0] <= 1 and mtld_values[0] > 100 and mattr_values[1] == 1.0
    assert math.isnan(mtld_values[2])
