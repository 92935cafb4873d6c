"""Fidelity seen by classifiers: does a synthetic report carry its code, and can it be told from real?

* :func:`label_roundtrip`: a classifier trained on the *real* reports (default: TF-IDF + logistic
  regression, :class:`~hf_synthmh.metrics.utility.TfidfLogReg`) predicts the code of each synthetic
  report; ``label_roundtrip_accuracy`` is the share predicted as the code it was generated for (per
  code: that code's rows). Higher is better; compare with the same classifier's accuracy on real test
  reports.
* :func:`discriminator_auc` (*detectability*): real and synthetic rows, sampled to the same number
  ``m`` per side (``random.Random(seed)``; at most ``max_rows``), are labelled 0 / 1; a logistic
  regression on their unit embeddings is trained with stratified ``folds``-fold cross-validation, and
  the ROC AUC of the out-of-fold scores is reported. 0.5 = indistinguishable, 1.0 = every synthetic row
  is recognisable (values below 0.5 are noise). This is detectability of the synthetic *distribution*,
  separate from membership (privacy: :mod:`hf_synthmh.metrics.distance`). ``None`` with fewer than 2
  rows per side (fewer folds are used below ``folds`` rows).

    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(60, 5))
    >>> discriminator_auc(real, rng.normal(size=(60, 5)))["discriminator_auc"] < 0.7
    True
    >>> discriminator_auc(real, rng.normal(size=(60, 5)) + 2.0)["discriminator_auc"] > 0.9
    True
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from hf_synthmh.metrics.embeddings import l2_normalise
from hf_synthmh.metrics.utility import Classifier, TfidfLogReg

__all__ = ["discriminator_auc", "label_roundtrip"]


def label_roundtrip(
    *,
    real_texts: Sequence[str],
    real_labels: Sequence[str],
    synthetic_texts: Sequence[str],
    synthetic_labels: Sequence[str],
    model: Classifier | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """``{"label_roundtrip_accuracy": float, "per_code": {code: float}}`` (NaN without synthetic
    rows). ``model`` is a classifier already fitted on the real texts (else one is trained here).

    >>> out = label_roundtrip(
    ...     real_texts=["low mood", "sad and low", "worry", "worry and tension"],
    ...     real_labels=["F32.1", "F32.1", "F41.1", "F41.1"],
    ...     synthetic_texts=["low and sad", "tension"], synthetic_labels=["F32.1", "F32.1"],
    ... )
    >>> out["label_roundtrip_accuracy"], out["per_code"]
    (0.5, {'F32.1': 0.5})
    """
    if not synthetic_texts:
        return {"label_roundtrip_accuracy": math.nan, "per_code": {}}
    if model is None:
        model = TfidfLogReg(seed=seed).fit(list(real_texts), [str(x) for x in real_labels])
    predicted = model.predict(list(synthetic_texts))
    hits = np.array([str(p) == str(t) for p, t in zip(predicted, synthetic_labels, strict=True)])
    labels = np.array([str(x) for x in synthetic_labels], dtype=object)
    per_code = {code: float(hits[labels == code].mean()) for code in sorted(set(labels.tolist()))}
    return {"label_roundtrip_accuracy": float(hits.mean()), "per_code": per_code}


def discriminator_auc(
    real_embeddings: np.ndarray,
    synthetic_embeddings: np.ndarray,
    *,
    folds: int = 5,
    max_rows: int | None = 5000,
    seed: int = 0,
) -> dict[str, Any]:
    """``{"discriminator_auc": float | None, "discriminator_n_per_side": int}`` (see the module
    docstring)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    m = min(len(real_embeddings), len(synthetic_embeddings))
    if max_rows is not None:
        m = min(m, max_rows)
    if m < 2:
        return {"discriminator_auc": None, "discriminator_n_per_side": m}
    rng = random.Random(seed)
    real_idx = sorted(rng.sample(range(len(real_embeddings)), m))
    syn_idx = sorted(rng.sample(range(len(synthetic_embeddings)), m))
    x = l2_normalise(
        np.vstack([np.asarray(real_embeddings)[real_idx], np.asarray(synthetic_embeddings)[syn_idx]])
    )
    y = np.repeat([0, 1], m)
    scores = np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=min(folds, m), shuffle=True, random_state=seed)
    for train, test in splitter.split(x, y):
        model = LogisticRegression(C=1.0, max_iter=1000).fit(x[train], y[train])
        scores[test] = model.decision_function(x[test])
    return {"discriminator_auc": float(roc_auc_score(y, scores)), "discriminator_n_per_side": m}
