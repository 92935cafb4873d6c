from __future__ import annotations

import doctest
import importlib

import pytest

from hf_synthmh.metrics.tokens import ngrams, normalise, words


def test_doctests() -> None:
    result = doctest.testmod(importlib.import_module("hf_synthmh.metrics.tokens"))
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Low MOOD.", ["low", "mood"]),
        ("F32.1 and F41.1.", ["f32.1", "and", "f41.1"]),
        ("GAD-7: 16/21", ["gad-7", "16", "21"]),
        ("she's   tearful\n(very)", ["she's", "tearful", "very"]),
        ("café – naïve", ["café", "naïve"]),
        ("...", []),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_ngrams_and_normalise() -> None:
    assert ngrams(["a", "b", "a", "b"], 2) == [("a", "b"), ("b", "a"), ("a", "b")]
    assert ngrams(["a"], 1) == [("a",)]
    with pytest.raises(ValueError, match="n must be >= 1"):
        ngrams(["a"], 0)
    assert normalise("A\tb  C ") == normalise("a b c") == "a b c"
