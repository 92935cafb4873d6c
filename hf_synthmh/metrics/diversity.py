"""Diversity: do the synthetic reports differ from each other, or has the generator collapsed?

All metrics use :func:`hf_synthmh.metrics.tokens.words` (lower-cased word tokens, punctuation dropped).

* ``distinct_n`` (Li et al., 2016): distinct n-grams / total n-grams over the corpus. N-grams never
  cross text boundaries. In [0, 1], higher is more diverse; NaN when the corpus has no n-gram.
* ``self_bleu`` (Zhu et al., 2018, Texygen): every text is scored as a hypothesis with all *other* texts
  as its references, by sentence BLEU, and the scores are averaged. In [0, 1], *lower* is more diverse;
  NaN for fewer than two texts. Sentence BLEU is sacrebleu's (``sentence_bleu`` with ``tokenize="none"``
  on the words above joined by spaces): n-gram orders 1..``max_order`` with uniform weights, counts
  clipped by the maximum count in any one reference, brevity penalty against the closest reference
  length (ties: the shorter), ``exp`` smoothing (NIST: the k-th order with no match scores
  1 / (2**k * total)), effective order (orders the hypothesis is too short for are skipped).

Cost: comparing every text with every other is O(N²) if done naively; here the reference statistics
are shared. For each n-gram the corpus keeps its highest count, which text holds it and the second
highest, so "the maximum count in any text but mine" is a lookup, and the closest other length is a
bisection. That is O(total n-grams) time and memory: about a second per few thousand reports.
Corpora over ``max_texts`` (default 2000) are scored on a deterministic subsample of that size
(``random.Random(seed)``); note self-BLEU grows with the number of references, so compare corpora of
equal size.

    >>> distinct_n(["a b a b"], 2)  # bigrams ab, ba, ab: 2 distinct of 3
    0.6666666666666666
    >>> self_bleu(["the patient reports low mood", "the patient reports low mood"])
    1.0
    >>> diversity(["low mood and poor sleep", "constant worry about work"])["distinct_1"]
    1.0
"""

from __future__ import annotations

import bisect
import math
import random
from collections import Counter
from collections.abc import Sequence

from hf_synthmh.metrics.tokens import ngrams, words

__all__ = ["distinct_n", "diversity", "self_bleu", "self_bleu_scores"]


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Distinct n-grams / total n-grams over all ``texts`` (NaN when there is no n-gram).

    >>> distinct_n(["low mood", "low mood"], 1)  # 2 distinct of 4 words
    0.5
    """
    seen: set[tuple[str, ...]] = set()
    total = 0
    for text in texts:
        grams = ngrams(words(text), n)
        total += len(grams)
        seen.update(grams)
    return len(seen) / total if total else math.nan


def _subsample(n: int, max_texts: int | None, seed: int) -> list[int]:
    if max_texts is None or n <= max_texts:
        return list(range(n))
    if max_texts < 2:
        raise ValueError(f"max_texts must be >= 2, got {max_texts}")
    return sorted(random.Random(seed).sample(range(n), max_texts))


def _closest_other_length(sorted_lengths: list[int], own: int) -> int:
    """Closest length to ``own`` among ``sorted_lengths`` minus one occurrence of ``own`` (ties: shorter)."""
    i = bisect.bisect_left(sorted_lengths, own)  # sorted_lengths[i] == own is the hypothesis itself
    candidates = []
    if i > 0:
        candidates.append(sorted_lengths[i - 1])
    if i + 1 < len(sorted_lengths):
        candidates.append(sorted_lengths[i + 1])
    return min(candidates, key=lambda length: (abs(length - own), length))


def self_bleu_scores(
    texts: Sequence[str], *, max_order: int = 4, max_texts: int | None = 2000, seed: int = 0
) -> list[float]:
    """Sentence BLEU in [0, 1] of each text against all the others (of the subsample when there are
    more than ``max_texts``; then the scores are for the subsampled texts, in corpus order)."""
    from sacrebleu.metrics.bleu import BLEU

    if max_order < 1:
        raise ValueError(f"max_order must be >= 1, got {max_order}")
    docs = [words(texts[i]) for i in _subsample(len(texts), max_texts, seed)]
    if len(docs) < 2:
        return []
    correct = [[0] * max_order for _ in docs]
    total = [[0] * max_order for _ in docs]
    for n in range(1, max_order + 1):
        counts = [Counter(ngrams(doc, n)) for doc in docs]
        best: dict[tuple[str, ...], tuple[int, int, int]] = {}  # n-gram -> (top, text holding top, second)
        for i, count in enumerate(counts):
            for gram, k in count.items():
                top, holder, second = best.get(gram, (0, -1, 0))
                if k > top:
                    best[gram] = (k, i, top)
                elif k > second:
                    best[gram] = (top, holder, k)
        for i, count in enumerate(counts):
            matched = 0
            for gram, k in count.items():
                top, holder, second = best[gram]
                matched += min(k, second if holder == i else top)
            correct[i][n - 1] = matched
            total[i][n - 1] = sum(count.values())
    lengths = sorted(len(doc) for doc in docs)
    scores = []
    for i, doc in enumerate(docs):
        bleu = BLEU.compute_bleu(
            correct=correct[i],
            total=total[i],
            sys_len=len(doc),
            ref_len=_closest_other_length(lengths, len(doc)),
            smooth_method="exp",
            effective_order=True,
            max_ngram_order=max_order,
        )
        scores.append(min(bleu.score / 100.0, 1.0))  # exp(log(1)) can round to 1 + 4e-16
    return scores


def self_bleu(
    texts: Sequence[str], *, max_order: int = 4, max_texts: int | None = 2000, seed: int = 0
) -> float:
    """Mean sentence BLEU of each text against all others, in [0, 1] (NaN for fewer than two texts).
    See the module docstring for the exact BLEU and the subsampling.

    >>> round(self_bleu(["low mood and poor sleep", "low mood and constant worry", "panic attacks at work"]), 4)
    0.2651
    """
    scores = self_bleu_scores(texts, max_order=max_order, max_texts=max_texts, seed=seed)
    return sum(scores) / len(scores) if scores else math.nan


def diversity(texts: Sequence[str], *, max_texts: int | None = 2000, seed: int = 0) -> dict[str, float]:
    """``distinct_1``, ``distinct_2``, ``self_bleu`` (4-gram, subsampled to ``max_texts``) and
    ``n_texts`` (an int) of a corpus."""
    return {
        "distinct_1": distinct_n(texts, 1),
        "distinct_2": distinct_n(texts, 2),
        "self_bleu": self_bleu(texts, max_texts=max_texts, seed=seed),
        "n_texts": len(texts),
    }
