"""Diversity: do the synthetic reports differ from each other, or has the generator collapsed?

Text metrics use :func:`hf_synthmh.text.tokens.words` (lower-cased word tokens, punctuation dropped);
a corpus is tokenised once (:func:`~hf_synthmh.text.tokens.encode`) and shared by all of them.

* ``distinct_1`` .. ``distinct_4`` (Li et al., 2016): distinct n-grams / n-gram occurrences over the
  corpus; n-grams never cross text boundaries. In [0, 1], higher is more diverse; NaN without n-grams.
  Exact, by sorting bit-packed n-grams (:mod:`hf_synthmh.metrics.ngramstats`).
* ``self_bleu``: mean sentence BLEU of each text against all the others (:mod:`.selfbleu`, sacrebleu
  flavour, 4-grams). Lower is more diverse.
* ``mattr`` (window 50) and ``mtld`` (threshold 0.72): lexical richness *within* each text, averaged
  over texts (:mod:`.lexical`). Higher is more varied wording.
* ``compression_ratio``: bytes of the texts joined by newlines (UTF-8) / bytes of their gzip
  compression (Shaib et al., 2024; level 6, the gzip tool's default: level 9 is ~3x slower for ~1-2%
  smaller output). Higher means more repetition, i.e. *less* diverse.
  Deflate only looks 32 KB back, so this sees repetition among neighbouring texts (~25 reports).
* ``duplicate_ratio``: share of texts equal to an earlier text after lower-casing and collapsing
  whitespace (:func:`~hf_synthmh.text.tokens.normalise`). Lower is better.
* ``embedding_spread`` (when embeddings are given): mean cosine distance (1 - cosine) over all pairs
  of distinct texts of their unit embeddings, computed exactly in O(n d) as
  ``1 - (|sum of vectors|^2 - n) / (n (n - 1))``. Higher is more diverse.
* ``vendi_score`` (when embeddings are given; Friedman & Dieng, 2023): ``exp`` of the Shannon entropy
  of the eigenvalues of ``K / n``, ``K`` the cosine-similarity matrix; the "effective number of
  distinct texts", from 1 (all the same) to n. Computed from the d x d covariance, O(n d^2).

:func:`diversity_with_baseline` puts each metric of a synthetic corpus beside the same metric of an
equal-sized deterministic sample of real texts (keys ``real_<metric>``), so mode collapse shows as a gap.

    >>> distinct_n(["a b a b"], 2)  # bigrams ab, ba, ab: 2 distinct of 3
    0.6666666666666666
    >>> scores = diversity(["low mood and poor sleep", "constant worry about work"])
    >>> scores["distinct_1"], scores["duplicate_ratio"], scores["n_texts"]
    (1.0, 0.0, 2)
"""

from __future__ import annotations

import gzip
import math
import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from hf_synthmh.metrics.keys import baseline_key
from hf_synthmh.metrics.lexical import lexical_scores, mean_score
from hf_synthmh.metrics.ngramstats import distinct_counts, ngram_stats
from hf_synthmh.metrics.selfbleu import (
    Flavour,
    bleu_from_stats,
    closest_other_length,
    self_bleu,
    self_bleu_scores,
    subsample,
)
from hf_synthmh.text.tokens import Encoded, encode, normalise

__all__ = [
    "DIVERSITY_KEYS",
    "compression_ratio",
    "distinct_n",
    "diversity",
    "diversity_with_baseline",
    "duplicate_ratio",
    "embedding_spread",
    "self_bleu",
    "self_bleu_scores",
    "vendi_score",
]

#: The text metrics :func:`diversity` always returns (besides ``n_texts``).
DIVERSITY_KEYS = (
    "distinct_1",
    "distinct_2",
    "distinct_3",
    "distinct_4",
    "self_bleu",
    "mattr",
    "mtld",
    "compression_ratio",
    "duplicate_ratio",
)


def distinct_n(texts: Sequence[str] | Encoded, n: int) -> float:
    """Distinct n-grams / total n-grams over all ``texts`` (NaN when there is no n-gram).

    >>> distinct_n(["low mood", "low mood"], 1)  # 2 distinct of 4 words
    0.5
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    enc = texts if isinstance(texts, Encoded) else encode(texts)
    distinct, occurrences = distinct_counts(enc, n, orders=[n])
    return float(distinct[n - 1] / occurrences[n - 1]) if occurrences[n - 1] else math.nan


def compression_ratio(texts: Sequence[str]) -> float:
    """UTF-8 bytes of ``texts`` joined by newlines / bytes gzip-compressed (level 6); NaN when empty.

    >>> compression_ratio(["low mood " * 50]) > compression_ratio(["low mood, poor sleep, worry"])
    True
    """
    raw = "\n".join(texts).encode("utf-8")
    return len(raw) / len(gzip.compress(raw, compresslevel=6, mtime=0)) if raw else math.nan


def duplicate_ratio(texts: Sequence[str]) -> float:
    """Share of texts that repeat an earlier one after :func:`~hf_synthmh.text.tokens.normalise`
    (NaN for no text).

    >>> duplicate_ratio(["Low mood", "low  MOOD", "worry"])
    0.3333333333333333
    """
    return (len(texts) - len({normalise(t) for t in texts})) / len(texts) if len(texts) else math.nan


def _unit(embeddings: np.ndarray) -> np.ndarray:
    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-d array of embeddings, got shape {x.shape}")
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def embedding_spread(embeddings: np.ndarray) -> float:
    """Mean cosine distance over all pairs of distinct rows (NaN for fewer than two rows).

    >>> embedding_spread(np.array([[1.0, 0.0], [0.0, 1.0]])), round(embedding_spread(np.ones((3, 2))), 9)
    (1.0, 0.0)
    """
    x = _unit(embeddings)
    n = len(x)
    if n < 2:
        return math.nan
    total = x.sum(axis=0)
    mean_cosine = (float(total @ total) - float((x * x).sum())) / (n * (n - 1))
    return max(0.0, 1.0 - mean_cosine)


def vendi_score(embeddings: np.ndarray) -> float:
    """Vendi score with the cosine kernel: exp(entropy of the eigenvalues of K / n); NaN for no row.

    >>> round(vendi_score(np.eye(3)), 6), round(vendi_score(np.ones((4, 2))), 6)
    (3.0, 1.0)
    """
    x = _unit(embeddings)
    if len(x) == 0:
        return math.nan
    eigenvalues = np.linalg.eigvalsh(x.T @ x / len(x))  # the non-zero eigenvalues of K / n
    p = eigenvalues[eigenvalues > 1e-12]
    p = p / p.sum()
    return float(np.exp(-(p * np.log(p)).sum()))


def diversity(
    texts: Sequence[str],
    *,
    max_texts: int | None = None,
    seed: int = 0,
    embeddings: np.ndarray | None = None,
    encoded: Encoded | None = None,
    flavour: Flavour = "sacrebleu",
) -> dict[str, Any]:
    """All diversity metrics of a corpus (see the module docstring): :data:`DIVERSITY_KEYS`,
    ``n_texts`` (an int), and ``embedding_spread`` / ``vendi_score`` when ``embeddings`` (one row per
    text) are given. ``max_texts`` subsamples self-BLEU only; ``encoded`` reuses a tokenised corpus."""
    enc = encoded if encoded is not None else encode(texts)
    if len(enc) != len(texts):
        raise ValueError(f"encoded has {len(enc)} texts, texts has {len(texts)}")
    out: dict[str, Any] = {}
    keep = subsample(len(texts), max_texts, seed)
    if len(keep) == len(texts):  # one pass gives distinct-n and self-BLEU
        stats = ngram_stats(enc, 4)
        distinct, occurrences = stats.distinct, stats.occurrences
        bleu = (
            bleu_from_stats(
                stats.correct, stats.total, enc.lengths, closest_other_length(enc.lengths), flavour=flavour
            )
            if len(enc) >= 2
            else np.zeros(0)
        )
        out_bleu = float(bleu.mean()) if len(bleu) else math.nan
    else:
        distinct, occurrences = distinct_counts(enc, 4)
        out_bleu = self_bleu(enc.select(keep), flavour=flavour)
    for n in range(1, 5):
        out[f"distinct_{n}"] = float(distinct[n - 1] / occurrences[n - 1]) if occurrences[n - 1] else math.nan
    out["self_bleu"] = out_bleu
    mattr_values, mtld_values = lexical_scores(enc)
    out["mattr"], out["mtld"] = mean_score(mattr_values), mean_score(mtld_values)
    out["compression_ratio"] = compression_ratio(texts)
    out["duplicate_ratio"] = duplicate_ratio(texts)
    if embeddings is not None:
        out["embedding_spread"] = embedding_spread(embeddings)
        out["vendi_score"] = vendi_score(embeddings)
    out["n_texts"] = len(texts)
    return out


def diversity_with_baseline(
    synthetic_texts: Sequence[str],
    real_texts: Sequence[str],
    *,
    synthetic_embeddings: np.ndarray | None = None,
    real_embeddings: np.ndarray | None = None,
    synthetic_encoded: Encoded | None = None,
    real_encoded: Encoded | None = None,
    seed: int = 0,
    max_texts: int | None = None,
) -> dict[str, Any]:
    """:func:`diversity` of the synthetic texts, plus ``real_<metric>`` for every metric on real texts
    and ``baseline_n_texts``. Both sides are measured at the same size ``m = min(n_synthetic,
    n_real)``: a deterministic sample (``random.Random(seed)``) of ``m`` texts of the larger side, so
    size-dependent metrics (distinct-n, self-BLEU, compression) are comparable. ``n_texts`` stays the
    number of synthetic texts given. With no real text the ``real_*`` values are NaN.

    >>> out = diversity_with_baseline(["low mood", "low mood"], ["sad and low", "tense", "worried"])
    >>> out["baseline_n_texts"], out["duplicate_ratio"], out["real_duplicate_ratio"]
    (2, 0.5, 0.0)
    """
    m = min(len(synthetic_texts), len(real_texts))

    def side(texts: Sequence[str], emb: np.ndarray | None, enc: Encoded | None, salt: int) -> dict[str, Any]:
        keep = sorted(random.Random(seed + salt).sample(range(len(texts)), m)) if 0 < m < len(texts) else None
        if keep is not None:
            texts = [texts[i] for i in keep]
            emb = emb[keep] if emb is not None else None
            enc = enc.select(keep) if enc is not None else None
        return diversity(texts, embeddings=emb, encoded=enc, seed=seed, max_texts=max_texts)

    out = side(synthetic_texts, synthetic_embeddings, synthetic_encoded, 0)
    real = side(real_texts, real_embeddings, real_encoded, 1) if m else {key: math.nan for key in out}
    out.update({baseline_key(key): value for key, value in real.items() if key != "n_texts"})
    out["n_texts"] = len(synthetic_texts)
    out["baseline_n_texts"] = m
    return out
