"""MAUVE (Pillutla et al., 2021) between the synthetic and the real reports, on pooled sentence
embeddings: how much of each distribution the other covers. In (0, 1]; 1 = indistinguishable.

The published algorithm, as the reference ``mauve-text`` package computes it from features, reimplemented
with numpy and scikit-learn (``mauve-text`` needs faiss and is GPL-3.0 licensed):

1. stack the real (Q) and synthetic (P) embeddings, L2-normalise the rows, fit a PCA on all of them and
   keep the leading components that explain 90% of the variance;
2. quantise with k-means into ``k = max(2, round(min(n_P, n_Q) / 10))`` clusters (scikit-learn
   ``KMeans``; the reference uses faiss, so on real data the clusters, hence the scores, can differ
   slightly); P and Q become histograms over the clusters;
3. the divergence curve: for 25 mixture weights ``w`` in [1e-6, 1 - 1e-6], ``R = w P + (1 - w) Q`` and
   the point ``(exp(-c KL(Q || R)), exp(-c KL(P || R)))`` with scaling ``c = 5``, plus the two end
   points (0, 1) and (1, 0);
4. MAUVE is the area under that curve (trapezoids, averaged over both axis orders as the reference).

Defaults differ from the reference in cost only: at most ``max_rows`` (5000, as the paper's
evaluations) rows per side, a deterministic sample, and one k-means initialisation (``n_init=1``; the
reference redoes k-means 5 times). With fewer than ``min_rows`` rows (50) on either side the score is
not computed: :func:`mauve` returns ``None`` for ``mauve`` and a ``note`` saying why.

    >>> rng = np.random.default_rng(0)
    >>> same = mauve(rng.normal(size=(200, 8)), rng.normal(size=(200, 8)))
    >>> far = mauve(rng.normal(size=(200, 8)) + 3.0, rng.normal(size=(200, 8)))
    >>> same["mauve"] > 0.8 > 0.2 > far["mauve"], same["mauve_n_buckets"]
    (True, 20)
    >>> mauve(np.ones((10, 2)), np.ones((10, 2)))["note"]
    'mauve needs >= 50 rows on each side, got 10 synthetic and 10 real'
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["divergence_curve", "mauve", "mauve_from_histograms"]


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    if np.any((p != 0) & (q == 0)):
        return float("inf")
    keep = (p != 0) & (q != 0)
    return float(np.sum(p[keep] * np.log(p[keep] / q[keep])))


def divergence_curve(p: np.ndarray, q: np.ndarray, *, points: int = 25, scaling: float = 5.0) -> np.ndarray:
    """The (points + 2) x 2 divergence curve of two histograms (see the module docstring)."""
    curve = [[0.0, float("inf")]]
    for w in np.linspace(1e-6, 1 - 1e-6, points):
        r = w * p + (1 - w) * q
        curve.append([_kl(q, r), _kl(p, r)])
    curve.append([float("inf"), 0.0])
    return np.exp(-scaling * np.asarray(curve))


def _area(x: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(x, kind="stable")
    return float(np.trapezoid(y[order], x[order]))


def mauve_from_histograms(p: np.ndarray, q: np.ndarray, *, points: int = 25, scaling: float = 5.0) -> float:
    """MAUVE of two histograms over the same clusters (normalised here). As in the reference, two
    *exactly* equal histograms score 0.75, not 1 (the curve's points then tie, and the ties' order
    halves one of the two areas); histograms from samples are never exactly equal in practice.

    >>> round(mauve_from_histograms(np.array([3, 1]), np.array([1, 3])), 4)
    0.5596
    """
    p = np.asarray(p, dtype=np.float64) / np.sum(p)
    q = np.asarray(q, dtype=np.float64) / np.sum(q)
    x, y = divergence_curve(p, q, points=points, scaling=scaling).T
    return 0.5 * (_area(x, y) + _area(y, x))


def _sample(x: np.ndarray, max_rows: int | None, rng: np.random.Generator) -> np.ndarray:
    if max_rows is None or len(x) <= max_rows:
        return x
    return x[np.sort(rng.choice(len(x), size=max_rows, replace=False))]


def mauve(
    synthetic_embeddings: np.ndarray,
    real_embeddings: np.ndarray,
    *,
    num_buckets: int | None = None,
    explained_variance: float = 0.9,
    kmeans_n_init: int = 1,
    kmeans_max_iter: int = 500,
    points: int = 25,
    scaling: float = 5.0,
    max_rows: int | None = 5000,
    min_rows: int = 50,
    seed: int = 25,
) -> dict[str, Any]:
    """``{"mauve": float | None, "mauve_n_buckets": int | None}`` plus ``"note"`` when skipped.
    ``num_buckets=None`` is the reference's ``"auto"``: ``max(2, round(min(n_P, n_Q) / 10))``."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    n_p, n_q = len(synthetic_embeddings), len(real_embeddings)
    if min(n_p, n_q) < min_rows:
        return {
            "mauve": None,
            "mauve_n_buckets": None,
            "note": f"mauve needs >= {min_rows} rows on each side, got {n_p} synthetic and {n_q} real",
        }
    rng = np.random.default_rng(seed)
    p_feat = _sample(np.asarray(synthetic_embeddings, dtype=np.float64), max_rows, rng)
    q_feat = _sample(np.asarray(real_embeddings, dtype=np.float64), max_rows, rng)
    k = num_buckets or max(2, round(min(len(p_feat), len(q_feat)) / 10))
    data = np.vstack([q_feat, p_feat])
    data /= np.maximum(np.linalg.norm(data, axis=1, keepdims=True), 1e-12)
    pca = PCA(n_components=None, whiten=False, random_state=seed + 1).fit(data)
    keep = int(np.argmax(np.cumsum(pca.explained_variance_ratio_) >= explained_variance)) + 1
    reduced = pca.transform(data)[:, :keep].astype(np.float32)
    kmeans = KMeans(n_clusters=k, n_init=kmeans_n_init, max_iter=kmeans_max_iter, random_state=seed + 2)
    labels = kmeans.fit_predict(reduced)
    q_hist = np.bincount(labels[: len(q_feat)], minlength=k)
    p_hist = np.bincount(labels[len(q_feat) :], minlength=k)
    score = mauve_from_histograms(p_hist, q_hist, points=points, scaling=scaling)
    return {"mauve": score, "mauve_n_buckets": int(k)}
