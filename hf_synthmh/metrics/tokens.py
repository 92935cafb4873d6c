"""The one word tokeniser shared by every text metric (distinct-n, self-BLEU, n-gram containment,
ROUGE-L, TF-IDF), so their numbers are comparable.

Tokenisation: the text is lower-cased, then a *word* is a maximal run of Unicode letters, digits or
``_`` (regex ``\\w+``), optionally joined by single inner ``.``, ``'``, ``’`` or ``-`` characters to the
next run. Everything else (spaces, punctuation, symbols) separates words and is dropped. So ICD-10
codes, doses, scale scores and contractions stay one token, and a sentence-final full stop is not a
token:

    >>> words("Impression: F32.1 moderate depressive episode. GAD-7 16; he's on 50mg.")
    ['impression', 'f32.1', 'moderate', 'depressive', 'episode', 'gad-7', '16', "he's", 'on', '50mg']
    >>> ngrams(["a", "b", "c"], 2)
    [('a', 'b'), ('b', 'c')]
    >>> normalise("  Low   MOOD\\n for months ")
    'low mood for months'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["WORD_PATTERN", "ngrams", "normalise", "words"]

#: A word: ``\\w+`` runs, joined by single inner ``.``, ``'``, ``’`` or ``-``. Applied to lower-cased text.
WORD_PATTERN = re.compile(r"\w+(?:[.'’-]\w+)*")


def words(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (see the module docstring for the exact rule).

    >>> words("Low mood, poor sleep.")
    ['low', 'mood', 'poor', 'sleep']
    >>> words("")
    []
    """
    return WORD_PATTERN.findall(text.lower())


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """All contiguous ``n``-grams of ``tokens``, in order, repeats kept; ``[]`` when there are fewer
    than ``n`` tokens.

    >>> ngrams(["a", "b"], 3)
    []
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def normalise(text: str) -> str:
    """``text`` lower-cased with runs of whitespace collapsed to one space and the ends stripped: the
    form in which two texts count as an exact match."""
    return " ".join(text.lower().split())
