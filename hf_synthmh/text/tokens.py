"""The one word tokeniser of the package: every text metric (distinct-n, self-BLEU, n-gram containment,
ROUGE-L, TF-IDF) and the gate's membership check (:func:`hf_synthmh.text.hashing.hash_tokens`, the same
rule on bytes, built from :data:`WORD_JOINERS`) split text into these words, so their numbers agree.

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

:func:`encode` tokenises a whole corpus once into one flat array of integer token ids (one vocabulary,
ids in first-seen order) with per-text offsets: the form the vectorised metrics (distinct-n, self-BLEU,
MATTR, MTLD) work on. Tokenising is the slowest step of those metrics, so do it once per corpus.

    >>> enc = encode(["low mood", "Low sleep."])
    >>> enc.ids.tolist(), enc.offsets.tolist(), enc.lengths.tolist()
    ([0, 1, 0, 2], [0, 2, 4], [2, 2])
    >>> enc.select([1]).ids.tolist(), enc.select([1]).tokens
    ([0, 2], [['low', 'sleep']])
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["WORD_JOINERS", "WORD_PATTERN", "Encoded", "encode", "ngrams", "normalise", "words"]

#: Characters that join two ``\\w+`` runs into one word when they stand alone between them.
WORD_JOINERS = ".'’-"
#: A word: ``\\w+`` runs, joined by single inner :data:`WORD_JOINERS`. Applied to lower-cased text.
WORD_PATTERN = re.compile(r"\w+(?:[" + re.escape(WORD_JOINERS) + r"]\w+)*")


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


@dataclass(frozen=True)
class Encoded:
    """A tokenised corpus: ``ids`` holds every token's vocabulary id, text after text (int32); text
    ``i`` is ``ids[offsets[i]:offsets[i + 1]]``; ``vocab`` maps a word to its id (shared by every corpus
    encoded with it; ids in insertion order). ``tokens[i]``, the :func:`words` of text ``i``, are
    rebuilt from the ids on first use (so a large corpus does not keep millions of strings)."""

    ids: np.ndarray
    offsets: np.ndarray
    vocab: dict[str, int]

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per text (int64)."""
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @functools.cached_property
    def tokens(self) -> list[list[str]]:
        """The words of each text, from the ids (computed once)."""
        inverse = np.array(list(self.vocab), dtype=object)
        flat = inverse[self.ids].tolist() if len(self.ids) else []
        return [flat[a:b] for a, b in itertools.pairwise(self.offsets.tolist())]

    def select(self, indices: Sequence[int] | np.ndarray) -> Encoded:
        """The texts at ``indices``, in that order (same vocabulary)."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        lengths = self.lengths[idx]
        offsets = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        starts = np.repeat(self.offsets[:-1][idx] - offsets[:-1], lengths)
        ids = self.ids[np.arange(offsets[-1], dtype=np.int64) + starts]
        return Encoded(ids=ids, offsets=offsets, vocab=self.vocab)

    def text_ids(self, i: int) -> np.ndarray:
        """The ids of text ``i``."""
        return self.ids[self.offsets[i] : self.offsets[i + 1]]


_ENCODE_CHUNK = 10_000  # texts tokenised at a time: their word strings are dropped after each chunk


def encode(texts: Sequence[str], vocab: dict[str, int] | None = None) -> Encoded:
    """Tokenise ``texts`` with :func:`words` and map every token to an id in ``vocab`` (a new dict when
    ``None``; new words are appended to it, so corpora encoded with the same dict share ids)."""
    vocab = {} if vocab is None else vocab
    lengths = np.zeros(len(texts), dtype=np.int64)
    parts = []
    for start in range(0, len(texts), _ENCODE_CHUNK):
        tokens = [WORD_PATTERN.findall(text.lower()) for text in texts[start : start + _ENCODE_CHUNK]]
        lengths[start : start + len(tokens)] = np.fromiter(
            map(len, tokens), dtype=np.int64, count=len(tokens)
        )
        flat = list(itertools.chain.from_iterable(tokens))
        for word in dict.fromkeys(flat):  # distinct words in first-seen order
            if word not in vocab:
                vocab[word] = len(vocab)
        parts.append(np.fromiter(map(vocab.__getitem__, flat), dtype=np.int32, count=len(flat)))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    ids = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    return Encoded(ids=ids, offsets=offsets, vocab=vocab)
