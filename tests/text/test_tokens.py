from __future__ import annotations

import doctest
import importlib

import pytest

from hf_synthmh.text.tokens import ngrams, normalise, words


def test_doctests() -> None:
    result = doctest.testmod(importlib.import_module("hf_synthmh.text.tokens"))
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


def test_encode_shares_the_vocabulary_and_selects() -> None:
    from hf_synthmh.text.tokens import encode

    vocab: dict[str, int] = {}
    a = encode(["Low mood.", "", "worry, low"], vocab)
    b = encode(["new words low"], vocab)
    assert a.tokens == [["low", "mood"], [], ["worry", "low"]]
    assert a.ids.tolist() == [0, 1, 2, 0] and a.offsets.tolist() == [0, 2, 2, 4]
    assert b.ids.tolist() == [3, 4, 0] and vocab["words"] == 4
    picked = a.select([2, 0])
    assert picked.tokens == [["worry", "low"], ["low", "mood"]]
    assert picked.ids.tolist() == [2, 0, 0, 1] and picked.lengths.tolist() == [2, 2] and len(picked) == 2
