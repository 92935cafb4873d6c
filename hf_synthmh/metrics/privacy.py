"""Privacy: how much of the real corpus do synthetic reports reproduce?

All text comparisons use :func:`hf_synthmh.metrics.tokens.words` (lower-cased word tokens).

Per synthetic row (:func:`privacy_rows`):

* ``exact_match``: 1.0 when the text equals some real text after lower-casing and collapsing
  whitespace (:func:`~hf_synthmh.metrics.tokens.normalise`), else 0.0.
* ``ngram_containment``: share of the row's word ``n``-grams (every position, repeats counted) that
  occur anywhere in the real corpus. 0.0 for a row with fewer than ``n`` words.
* ``rouge_l_nearest``: ROUGE-L F1 between the row and its *nearest* real text, the one with the highest
  TF-IDF cosine (scikit-learn ``TfidfVectorizer`` fitted on the real corpus with the same tokens;
  ties and all-zero rows pick the first real text). ROUGE-L F1 = 2PR/(P+R) with P = LCS/len(synthetic)
  and R = LCS/len(real), LCS the longest common subsequence of the token sequences, computed by
  rapidfuzz (``LCSseq.similarity``, which equals ``(len(a) + len(b) - Indel.distance(a, b)) / 2``);
  0.0 when either side has no token. Same value as ``rouge_score``'s ``rougeL`` with this tokeniser.
* ``nearest_index``: position of that nearest real text.

:func:`privacy` averages them over the corpus: ``exact_match_rate``, ``mean_ngram_containment``,
``max_ngram_containment``, ``mean_rouge_l_nearest``, ``max_rouge_l_nearest``. For all of them lower is
more private. NaN over zero synthetic rows.

    >>> real = ["the patient reports low mood and poor sleep for four months after losing his job"]
    >>> scores = privacy(real_texts=real, synthetic_texts=[real[0].upper(), "worry about work"], n=4)
    >>> scores["exact_match_rate"], scores["max_ngram_containment"], scores["max_rouge_l_nearest"]
    (0.5, 1.0, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hf_synthmh.metrics.tokens import ngrams, normalise, words

__all__ = ["PrivacyRows", "privacy", "privacy_rows", "rouge_l_f1", "summarise_privacy"]

_BLOCK = 1024  # synthetic rows per sparse similarity block (bounds memory for large corpora)


def rouge_l_f1(a: Sequence[str], b: Sequence[str]) -> float:
    """ROUGE-L F1 of two token sequences (symmetric; 0.0 when either is empty).

    >>> rouge_l_f1(["low", "mood", "and", "sleep"], ["low", "sleep"])  # LCS 2: P=1, R=0.5
    0.6666666666666666
    """
    from rapidfuzz.distance import LCSseq

    if not a or not b:
        return 0.0
    lcs = LCSseq.similarity(a, b)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(a), lcs / len(b)
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class PrivacyRows:
    """Per synthetic row values (lists of length n_synthetic; see the module docstring)."""

    exact_match: list[float]
    ngram_containment: list[float]
    rouge_l_nearest: list[float]
    nearest_index: list[int]

    def select(self, indices: Sequence[int]) -> PrivacyRows:
        """The rows at ``indices``."""
        return PrivacyRows(
            exact_match=[self.exact_match[i] for i in indices],
            ngram_containment=[self.ngram_containment[i] for i in indices],
            rouge_l_nearest=[self.rouge_l_nearest[i] for i in indices],
            nearest_index=[self.nearest_index[i] for i in indices],
        )


def _nearest_real(real_texts: Sequence[str], synthetic_texts: Sequence[str]) -> list[int]:
    """Index of the real text with the highest TF-IDF cosine to each synthetic text."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(tokenizer=words, lowercase=False, token_pattern=None)
    try:
        real = vectorizer.fit_transform(real_texts)
    except ValueError:  # the real corpus has no word at all
        return [0] * len(synthetic_texts)
    nearest: list[int] = []
    for start in range(0, len(synthetic_texts), _BLOCK):
        block = vectorizer.transform(synthetic_texts[start : start + _BLOCK])
        sims = block @ real.T
        nearest.extend(np.asarray(sims.argmax(axis=1)).ravel().tolist())
    return nearest


def privacy_rows(*, real_texts: Sequence[str], synthetic_texts: Sequence[str], n: int = 8) -> PrivacyRows:
    """Per synthetic row exact match, ``n``-gram containment and ROUGE-L to the nearest real text."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if len(real_texts) == 0:
        raise ValueError("privacy needs at least one real text")
    real_tokens = [words(text) for text in real_texts]
    real_exact = {normalise(text) for text in real_texts}
    real_grams = {gram for tokens in real_tokens for gram in ngrams(tokens, n)}
    nearest = _nearest_real(real_texts, list(synthetic_texts))

    exact, containment, rouge = [], [], []
    for text, near in zip(synthetic_texts, nearest, strict=True):
        tokens = words(text)
        grams = ngrams(tokens, n)
        exact.append(1.0 if normalise(text) in real_exact else 0.0)
        containment.append(sum(gram in real_grams for gram in grams) / len(grams) if grams else 0.0)
        rouge.append(rouge_l_f1(tokens, real_tokens[near]))
    return PrivacyRows(
        exact_match=exact, ngram_containment=containment, rouge_l_nearest=rouge, nearest_index=nearest
    )


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else math.nan


def _max(values: Sequence[float]) -> float:
    return float(max(values)) if values else math.nan


def summarise_privacy(rows: PrivacyRows) -> dict[str, float]:
    """Corpus-level privacy dict from :class:`PrivacyRows` (NaN over zero rows)."""
    return {
        "exact_match_rate": _mean(rows.exact_match),
        "mean_ngram_containment": _mean(rows.ngram_containment),
        "max_ngram_containment": _max(rows.ngram_containment),
        "mean_rouge_l_nearest": _mean(rows.rouge_l_nearest),
        "max_rouge_l_nearest": _max(rows.rouge_l_nearest),
    }


def privacy(*, real_texts: Sequence[str], synthetic_texts: Sequence[str], n: int = 8) -> dict[str, float]:
    """Privacy of ``synthetic_texts`` against ``real_texts``: the per-row values of
    :func:`privacy_rows` averaged (and maxed) over the synthetic corpus."""
    return summarise_privacy(privacy_rows(real_texts=real_texts, synthetic_texts=synthetic_texts, n=n))
