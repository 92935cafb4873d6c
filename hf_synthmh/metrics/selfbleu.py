"""Self-BLEU (Zhu et al., 2018, Texygen): every text is scored as a hypothesis with all the *other*
texts as its references, by sentence BLEU, and the scores are averaged. In [0, 1]; *lower* is more
diverse; NaN for fewer than two texts. Tokens: :func:`hf_synthmh.text.tokens.words`.

Two flavours of sentence BLEU, both with n-gram orders 1..``max_order``, uniform weights, n-gram counts
clipped by the largest count in any one reference, and the brevity penalty against the closest
reference length (ties: the shorter):

* ``"sacrebleu"`` (default): sacrebleu's ``sentence_bleu`` with ``tokenize="none"`` on the words joined
  by spaces, ``smooth_method="exp"`` (NIST: the k-th order with no match scores 1 / (2**k * total)) and
  ``effective_order=True`` (orders a text is too short for are skipped); 0 when nothing matches.
  For texts of at least ``max_order`` words with at least one word matched this equals nltk's
  ``sentence_bleu`` with ``SmoothingFunction().method3``.
* ``"texygen"``: exactly nltk's ``sentence_bleu(references, hypothesis, weights=(1/max_order,) *
  max_order, smoothing_function=SmoothingFunction().method1)`` as Texygen's ``SelfBleu`` calls it:
  an order with no match scores 0.1 / total, no effective order, and 0 when no word matches.

Cost: linear. The statistics of all N texts come from one sort per n-gram order
(:func:`hf_synthmh.metrics.ngramstats.ngram_stats`), not from N² comparisons; the BLEU formula is then
applied to all texts at once with numpy. Values equal the reference implementations to ~1e-15 (the
tests hold them to 1e-12 against sacrebleu and 1e-9 against nltk). ``max_texts`` optionally scores a
deterministic subsample (``random.Random(seed)``); self-BLEU grows with the number of references, so
compare corpora of equal size.

    >>> self_bleu(["the patient reports low mood", "the patient reports low mood"])
    1.0
    >>> round(self_bleu(["low mood and poor sleep", "low mood and constant worry", "panic attacks at work"]), 4)
    0.2651
    >>> round(self_bleu(["low mood and poor sleep", "low mood and constant worry"], flavour="texygen"), 4)
    0.2659
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Literal

import numpy as np

from hf_synthmh.metrics.ngramstats import NgramStats, ngram_stats
from hf_synthmh.text.tokens import Encoded, encode

__all__ = ["Flavour", "bleu_from_stats", "closest_other_length", "self_bleu", "self_bleu_scores"]

Flavour = Literal["sacrebleu", "texygen"]


def subsample(n: int, max_texts: int | None, seed: int) -> list[int]:
    """Sorted indices of a ``random.Random(seed)`` sample of ``max_texts`` of ``range(n)`` (all when
    ``max_texts`` is None or not smaller than ``n``)."""
    if max_texts is None or n <= max_texts:
        return list(range(n))
    if max_texts < 2:
        raise ValueError(f"max_texts must be >= 2, got {max_texts}")
    return sorted(random.Random(seed).sample(range(n), max_texts))


def closest_other_length(lengths: np.ndarray) -> np.ndarray:
    """For each text, the length of the other text closest in length (ties: the shorter).

    >>> closest_other_length(np.array([5, 9, 7, 5])).tolist()
    [5, 7, 5, 5]
    """
    if len(lengths) < 2:
        raise ValueError("need at least two texts")
    ordered = np.sort(lengths)
    i = np.searchsorted(ordered, lengths, side="left")  # ordered[i] is the text itself (or its twin)
    big = np.iinfo(np.int64).max // 4
    below = np.where(i > 0, ordered[np.maximum(i - 1, 0)], -big)
    above = np.where(i + 1 < len(ordered), ordered[np.minimum(i + 1, len(ordered) - 1)], big)
    return np.where(lengths - below <= above - lengths, below, above)


def bleu_from_stats(
    correct: np.ndarray,
    total: np.ndarray,
    sys_len: np.ndarray,
    ref_len: np.ndarray,
    *,
    flavour: Flavour = "sacrebleu",
) -> np.ndarray:
    """Sentence BLEU in [0, 1] of every row from its sufficient statistics (``correct`` / ``total``:
    rows x orders), as sacrebleu (``exp`` smoothing, effective order) or nltk (``method1``) computes it.

    >>> bleu_from_stats(np.array([[2, 1]]), np.array([[2, 1]]), np.array([2]), np.array([2])).tolist()
    [1.0]
    """
    correct = np.asarray(correct, dtype=np.float64)
    total = np.asarray(total, dtype=np.float64)
    sys_len = np.asarray(sys_len, dtype=np.float64)
    ref_len = np.asarray(ref_len, dtype=np.float64)
    orders = correct.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        bp = np.where(sys_len < ref_len, np.exp(1 - ref_len / sys_len), 1.0)
        bp = np.where(sys_len == 0, 0.0, bp)
        if flavour == "sacrebleu":
            used = total > 0  # effective order: the orders the text is long enough for
            zero = used & (correct == 0)
            halvings = np.cumsum(zero, axis=1)
            precision = np.where(correct > 0, 100.0 * correct / total, 100.0 / (2.0**halvings * total))
            log_sum = np.where(used, np.log(np.where(used, precision, 1.0)), 0.0).sum(axis=1)
            eff = np.maximum(used.sum(axis=1), 1)
            score = bp * np.exp(log_sum / eff) / 100.0
            score = np.where(correct.sum(axis=1) > 0, score, 0.0)
        elif flavour == "texygen":
            denominator = np.maximum(total, 1.0)
            precision = np.where(correct > 0, correct / denominator, 0.1 / denominator)
            score = bp * np.exp((np.log(precision) * (1.0 / orders)).sum(axis=1))
            score = np.where(correct[:, 0] > 0, score, 0.0)
        else:
            raise ValueError(f"unknown flavour {flavour!r}: use 'sacrebleu' or 'texygen'")
    return np.minimum(score, 1.0)  # exp(log(1)) can round to 1 + 4e-16


def _scores(stats: NgramStats, lengths: np.ndarray, flavour: Flavour) -> np.ndarray:
    return bleu_from_stats(
        stats.correct, stats.total, lengths, closest_other_length(lengths), flavour=flavour
    )


def self_bleu_scores(
    texts: Sequence[str] | Encoded,
    *,
    max_order: int = 4,
    max_texts: int | None = None,
    seed: int = 0,
    flavour: Flavour = "sacrebleu",
) -> list[float]:
    """Sentence BLEU in [0, 1] of each text against all the others (of the subsample when there are
    more than ``max_texts``; then the scores are for the subsampled texts, in corpus order).
    ``texts`` may be an already :func:`~hf_synthmh.text.tokens.encode`-d corpus."""
    if max_order < 1:
        raise ValueError(f"max_order must be >= 1, got {max_order}")
    enc = texts if isinstance(texts, Encoded) else None
    keep = subsample(len(texts), max_texts, seed)
    if len(keep) < 2:
        return []
    if enc is None:
        enc = encode([texts[i] for i in keep])  # type: ignore[index]
    elif len(keep) < len(enc):
        enc = enc.select(keep)
    stats = ngram_stats(enc, max_order)
    return [float(x) for x in _scores(stats, enc.lengths, flavour)]


def self_bleu(
    texts: Sequence[str] | Encoded,
    *,
    max_order: int = 4,
    max_texts: int | None = None,
    seed: int = 0,
    flavour: Flavour = "sacrebleu",
) -> float:
    """Mean sentence BLEU of each text against all others, in [0, 1] (NaN for fewer than two texts).
    See the module docstring for the two BLEU flavours and the subsampling."""
    scores = self_bleu_scores(texts, max_order=max_order, max_texts=max_texts, seed=seed, flavour=flavour)
    return sum(scores) / len(scores) if scores else math.nan
