"""Fidelity: does a synthetic report read like the real reports of its own ICD-10 code?

Definitions (all embeddings L2-normalised first, so dot products are cosines):

* *real centroid* of a label: mean of the unit embeddings of that label's real texts, re-normalised.
* ``own_centroid_similarity``: cosine of a synthetic row to the real centroid of its own label.
* ``other_centroid_similarity``: mean cosine of the row to the real centroids of every other label
  (NaN when the real data has one label only).
* ``centroid_margin``: own minus other (NaN with one label). Higher is more label-specific.
* ``centroid_accuracy``: share of synthetic rows whose most similar real centroid is their own label's
  (ties count as correct; 1.0 when the real data has one label only).

:func:`fidelity` returns the means over synthetic rows, :func:`fidelity_by_label` the same per label.
Aggregates over zero rows are NaN. A synthetic label with no real text raises ValueError naming it.

    >>> from hf_synthmh.metrics.embeddings import hashed_bow_embed
    >>> real = ["low mood and poor sleep", "sad and low mood", "constant worry and tension", "worry and panic"]
    >>> labels = ["F32.1", "F32.1", "F41.1", "F41.1"]
    >>> scores = fidelity(
    ...     real_texts=real, real_labels=labels, synthetic_texts=["low mood, sad", "worry and tension"],
    ...     synthetic_labels=["F32.1", "F41.1"], embed=hashed_bow_embed,
    ... )
    >>> sorted(scores)
    ['centroid_accuracy', 'centroid_margin', 'other_centroid_similarity', 'own_centroid_similarity']
    >>> scores["centroid_accuracy"], scores["centroid_margin"] > 0
    (1.0, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hf_synthmh.metrics.embeddings import EmbedFn, l2_normalise

__all__ = [
    "CentroidRows",
    "centroid_rows",
    "check_synthetic_labels",
    "fidelity",
    "fidelity_by_label",
    "summarise_fidelity",
]


@dataclass(frozen=True)
class CentroidRows:
    """Per synthetic row: similarity to its own real centroid, mean similarity to the others, and
    whether its own centroid is the nearest one. Arrays of length n_synthetic."""

    labels: list[str]
    own: np.ndarray
    other: np.ndarray
    nearest_is_own: np.ndarray

    def select(self, indices: Sequence[int] | np.ndarray) -> CentroidRows:
        """The rows at ``indices``."""
        idx = np.asarray(indices, dtype=np.int64)
        return CentroidRows(
            labels=[self.labels[i] for i in idx.tolist()],
            own=self.own[idx],
            other=self.other[idx],
            nearest_is_own=self.nearest_is_own[idx],
        )


def _check_lengths(texts: Sequence[str], labels: Sequence[str], what: str) -> None:
    if len(texts) != len(labels):
        raise ValueError(f"{what}: {len(texts)} texts but {len(labels)} labels")


def check_synthetic_labels(real_labels: Sequence[str], synthetic_labels: Sequence[str]) -> None:
    """Raise ValueError naming every synthetic label that has no real text.

    >>> check_synthetic_labels(["F32.1"], ["F32.1", "F41.1"])
    Traceback (most recent call last):
    ...
    ValueError: synthetic label(s) 'F41.1' have no real texts to compare with
    """
    missing = sorted(set(synthetic_labels) - set(real_labels))
    if missing:
        raise ValueError(
            f"synthetic label(s) {', '.join(map(repr, missing))} have no real texts to compare with"
        )


def centroid_rows(
    *,
    real_embeddings: np.ndarray,
    real_labels: Sequence[str],
    synthetic_embeddings: np.ndarray,
    synthetic_labels: Sequence[str],
) -> CentroidRows:
    """Per-row centroid similarities from precomputed embeddings (see the module docstring)."""
    if len(real_labels) == 0:
        raise ValueError("fidelity needs at least one real text")
    check_synthetic_labels(real_labels, synthetic_labels)
    known = set(real_labels)
    real = l2_normalise(real_embeddings)
    if real.shape[0] != len(real_labels):
        raise ValueError(f"{real.shape[0]} real embeddings for {len(real_labels)} real labels")
    codes = sorted(known)
    position = {code: i for i, code in enumerate(codes)}
    real_idx = np.array([position[label] for label in real_labels], dtype=np.int64)
    sums = np.zeros((len(codes), real.shape[1]), dtype=np.float64)
    np.add.at(sums, real_idx, real)
    centroids = l2_normalise(sums)

    n = len(synthetic_labels)
    if n == 0:
        empty = np.zeros(0, dtype=np.float64)
        return CentroidRows(labels=[], own=empty, other=empty, nearest_is_own=np.zeros(0, dtype=bool))
    synthetic = l2_normalise(synthetic_embeddings)
    if synthetic.shape[0] != n:
        raise ValueError(f"{synthetic.shape[0]} synthetic embeddings for {n} synthetic labels")
    sims = (synthetic @ centroids.T).astype(np.float64)  # (n, n_codes)
    own_idx = np.array([position[label] for label in synthetic_labels], dtype=np.int64)
    own = sims[np.arange(n), own_idx]
    # mean over the other labels' centroids; undefined with a single label
    other = (sims.sum(axis=1) - own) / (len(codes) - 1) if len(codes) > 1 else np.full(n, math.nan)
    nearest_is_own = own >= sims.max(axis=1)
    return CentroidRows(labels=list(synthetic_labels), own=own, other=other, nearest_is_own=nearest_is_own)


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else math.nan


def summarise_fidelity(rows: CentroidRows) -> dict[str, float]:
    """Means of :class:`CentroidRows` as the fidelity dict (NaN over zero rows)."""
    return {
        "own_centroid_similarity": _mean(rows.own),
        "other_centroid_similarity": _mean(rows.other),
        "centroid_margin": _mean(rows.own - rows.other),
        "centroid_accuracy": _mean(rows.nearest_is_own.astype(np.float64)),
    }


def _rows(
    real_texts: Sequence[str],
    real_labels: Sequence[str],
    synthetic_texts: Sequence[str],
    synthetic_labels: Sequence[str],
    embed: EmbedFn,
) -> CentroidRows:
    _check_lengths(real_texts, real_labels, "real")
    _check_lengths(synthetic_texts, synthetic_labels, "synthetic")
    check_synthetic_labels(real_labels, synthetic_labels)  # fail before embedding anything
    real_embeddings = embed(list(real_texts))
    synthetic_embeddings = (
        embed(list(synthetic_texts)) if synthetic_texts else np.zeros((0, real_embeddings.shape[1]))
    )
    return centroid_rows(
        real_embeddings=real_embeddings,
        real_labels=real_labels,
        synthetic_embeddings=synthetic_embeddings,
        synthetic_labels=synthetic_labels,
    )


def fidelity(
    *,
    real_texts: Sequence[str],
    real_labels: Sequence[str],
    synthetic_texts: Sequence[str],
    synthetic_labels: Sequence[str],
    embed: EmbedFn,
) -> dict[str, float]:
    """Centroid fidelity of the synthetic corpus, averaged over its rows (see the module docstring).

    ``embed`` maps a list of texts to one embedding row per text, e.g. ``Embedder()``.
    """
    return summarise_fidelity(_rows(real_texts, real_labels, synthetic_texts, synthetic_labels, embed))


def fidelity_by_label(
    *,
    real_texts: Sequence[str],
    real_labels: Sequence[str],
    synthetic_texts: Sequence[str],
    synthetic_labels: Sequence[str],
    embed: EmbedFn,
) -> dict[str, dict[str, float]]:
    """:func:`fidelity` for the synthetic rows of each label, keyed by label (sorted). Centroids are
    still those of the whole real corpus.

    >>> from hf_synthmh.metrics.embeddings import hashed_bow_embed
    >>> out = fidelity_by_label(
    ...     real_texts=["low mood", "worry"], real_labels=["F32.1", "F41.1"],
    ...     synthetic_texts=["low mood today"], synthetic_labels=["F32.1"], embed=hashed_bow_embed,
    ... )
    >>> list(out), out["F32.1"]["centroid_accuracy"]
    (['F32.1'], 1.0)
    """
    rows = _rows(real_texts, real_labels, synthetic_texts, synthetic_labels, embed)
    return {
        code: summarise_fidelity(rows.select([i for i, label in enumerate(rows.labels) if label == code]))
        for code in sorted(set(rows.labels))
    }
