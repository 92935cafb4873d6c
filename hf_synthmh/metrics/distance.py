"""Privacy by distances in embedding space: is a synthetic report suspiciously close to one real report?

Distances are cosine distances ``1 - cos`` between L2-normalised sentence embeddings (the same embed
function as fidelity, by default MiniLM), computed exactly in blocks (no approximate search).

* **DCR** (distance to closest record) of a row: its distance to the nearest *train* report.
  ``median_dcr`` is the median over synthetic rows; ``holdout_median_dcr`` the same for the holdout
  reports (real reports the generator never saw), the level synthetic rows should not undercut.
* **NNDR** (nearest-neighbour distance ratio): nearest / second-nearest train distance (0 when the
  nearest distance is 0). Near 0: the row sits on one specific record; near 1: no record stands out.
  ``mean_nndr`` over synthetic rows, ``holdout_mean_nndr`` over holdout reports.
* **DCR share** (needs a holdout): a synthetic row counts 1 when its nearest train report is closer
  than its nearest holdout report, 0.5 on a tie, else 0; ``dcr_share`` is the mean. If synthetic rows
  were fresh draws from the real distribution, each would be equally likely to land nearest any of the
  ``n_train + n_holdout`` reports, so the healthy value is ``dcr_share_expected = n_train / (n_train +
  n_holdout)``: 0.5 with a holdout as large as the train split. Copies push it to 1. The whole train
  split is used (sampling it down to the holdout's size would miss copies of the reports left out).
* ``dcr_holdout_auc`` (needs a holdout): the probability that a synthetic row's DCR is smaller than a
  holdout report's DCR (ties half; the Mann-Whitney AUC of the two DCR distributions, the histograms
  of :mod:`hf_synthmh.metrics.plots`). 0.5 = synthetic rows sit as close to the train reports as unseen
  real reports do, whatever the sizes; 1.0 = closer than any unseen report.
* **Membership-inference AUC** (needs a holdout): train reports (members) and holdout reports
  (non-members) are scored by minus their distance to the closest synthetic row, and ``mia_auc`` is the
  ROC AUC of telling members from non-members that way. 0.5 = the synthetic data gives an attacker
  nothing; 1.0 = training reports are exactly the ones with close synthetic copies.

    >>> rng = np.random.default_rng(0)
    >>> train, holdout = rng.normal(size=(40, 8)), rng.normal(size=(40, 8))
    >>> copies = distance_privacy(train, train[:20] + 0.01, holdout)
    >>> fresh = distance_privacy(train, rng.normal(size=(20, 8)), holdout)
    >>> copies.summary()["dcr_share"], fresh.summary()["dcr_share"] < 0.8, fresh.summary()["dcr_share_expected"]
    (1.0, True, 0.5)
    >>> copies.summary()["mia_auc"] > 0.7 > fresh.summary()["mia_auc"]
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hf_synthmh.metrics.embeddings import l2_normalise

__all__ = ["DistanceRows", "distance_privacy", "nearest_distances"]

_BLOCK = 1024


def nearest_distances(queries: np.ndarray, refs: np.ndarray, k: int = 2) -> np.ndarray:
    """The ``k`` smallest cosine distances from each query row to the reference rows, ascending
    (shape ``(n_queries, min(k, n_refs))``).

    >>> nearest_distances(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])).tolist()
    [[0.0, 1.0]]
    """
    q, r = l2_normalise(queries), l2_normalise(refs)
    k = min(k, len(r))
    out = np.zeros((len(q), k), dtype=np.float64)
    if k == 0:
        return out
    for start in range(0, len(q), _BLOCK):
        sims = q[start : start + _BLOCK] @ r.T
        top = -np.partition(-sims, k - 1, axis=1)[:, :k] if k < sims.shape[1] else sims
        out[start : start + _BLOCK] = np.sort(np.clip(1.0 - top.astype(np.float64), 0.0, 2.0), axis=1)[:, :k]
    return out


def _nndr(d: np.ndarray) -> np.ndarray:
    if d.shape[1] < 2:
        return np.full(len(d), math.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d[:, 0] == 0, 0.0, d[:, 0] / d[:, 1])


def _auc(members: np.ndarray, non_members: np.ndarray) -> float:
    """ROC AUC of scores (higher = member), ties counted half (Mann-Whitney)."""
    if len(members) == 0 or len(non_members) == 0:
        return math.nan
    from sklearn.metrics import roc_auc_score

    y = np.r_[np.ones(len(members)), np.zeros(len(non_members))]
    return float(roc_auc_score(y, np.r_[members, non_members]))


@dataclass(frozen=True)
class DistanceRows:
    """Per synthetic row: ``dcr`` (nearest train distance), ``nndr``, ``closer_to_train`` (1 / 0.5 /
    0, NaN without holdout) and ``labels``; plus the holdout's ``holdout_dcr`` / ``holdout_nndr``, the
    membership scores of the train (members) and holdout (non-members) reports, with their labels,
    and ``n_train``."""

    dcr: np.ndarray
    nndr: np.ndarray
    closer_to_train: np.ndarray
    labels: list[str] | None = None
    holdout_dcr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    holdout_nndr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    member_scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    non_member_scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    member_labels: list[str] | None = None
    non_member_labels: list[str] | None = None
    n_train: int = 0

    @property
    def has_holdout(self) -> bool:
        return len(self.holdout_dcr) > 0

    def summary(self, code: str | None = None, *, min_mia_rows: int = 1) -> dict[str, float]:
        """Means / medians over all synthetic rows, or over those of label ``code``. Holdout keys
        appear only with a holdout; per code, ``mia_auc`` uses that code's members and non-members and
        is NaN with fewer than ``min_mia_rows`` of either."""
        keep = np.ones(len(self.dcr), dtype=bool)
        if code is not None and self.labels is not None:
            keep = np.array([label == code for label in self.labels], dtype=bool)

        def stat(fn: str, values: np.ndarray) -> float:
            values = values[~np.isnan(values)]
            return float(getattr(np, fn)(values)) if len(values) else math.nan

        out = {"median_dcr": stat("median", self.dcr[keep]), "mean_nndr": stat("mean", self.nndr[keep])}
        if self.has_holdout:
            out["holdout_median_dcr"] = stat("median", self.holdout_dcr)
            out["holdout_mean_nndr"] = stat("mean", self.holdout_nndr)
            out["dcr_share"] = stat("mean", self.closer_to_train[keep])
            out["dcr_share_expected"] = self.n_train / (self.n_train + len(self.holdout_dcr))
            out["dcr_holdout_auc"] = _auc(-self.dcr[keep], -self.holdout_dcr) if keep.any() else math.nan
            members, non_members = self.member_scores, self.non_member_scores
            if code is not None and self.member_labels is not None and self.non_member_labels is not None:
                members = members[np.array([x == code for x in self.member_labels], dtype=bool)]
                non_members = non_members[np.array([x == code for x in self.non_member_labels], dtype=bool)]
            enough = min(len(members), len(non_members)) >= min_mia_rows
            out["mia_auc"] = _auc(members, non_members) if enough else math.nan
        return out


def distance_privacy(
    train_embeddings: np.ndarray,
    synthetic_embeddings: np.ndarray,
    holdout_embeddings: np.ndarray | None = None,
    *,
    synthetic_labels: Sequence[str] | None = None,
    train_labels: Sequence[str] | None = None,
    holdout_labels: Sequence[str] | None = None,
    seed: int = 0,
) -> DistanceRows:
    """DCR, NNDR, DCR share and membership scores (see the module docstring). Exact: ``seed`` is
    accepted for interface stability and unused."""
    if len(train_embeddings) == 0:
        raise ValueError("distance privacy needs at least one train embedding")
    d = nearest_distances(synthetic_embeddings, train_embeddings, k=2)
    dcr = d[:, 0] if d.shape[1] else np.zeros(len(d))
    labels = [str(x) for x in synthetic_labels] if synthetic_labels is not None else None
    if holdout_embeddings is None or len(holdout_embeddings) == 0:
        return DistanceRows(
            dcr=dcr,
            nndr=_nndr(d),
            closer_to_train=np.full(len(d), math.nan),
            labels=labels,
            n_train=len(train_embeddings),
        )
    h = nearest_distances(holdout_embeddings, train_embeddings, k=2)
    if len(synthetic_embeddings):
        to_hold = nearest_distances(synthetic_embeddings, holdout_embeddings, k=1)[:, 0]
        closer = np.where(dcr < to_hold, 1.0, np.where(dcr == to_hold, 0.5, 0.0))
        members = -nearest_distances(train_embeddings, synthetic_embeddings, k=1)[:, 0]
        non_members = -nearest_distances(holdout_embeddings, synthetic_embeddings, k=1)[:, 0]
    else:
        closer, members, non_members = np.zeros(0), np.zeros(0), np.zeros(0)
    return DistanceRows(
        dcr=dcr,
        nndr=_nndr(d),
        closer_to_train=closer,
        labels=labels,
        holdout_dcr=h[:, 0],
        holdout_nndr=_nndr(h),
        member_scores=members,
        non_member_scores=non_members,
        # without synthetic rows there are no membership scores to split by label
        member_labels=[str(x) for x in train_labels] if train_labels is not None and len(members) else None,
        non_member_labels=[str(x) for x in holdout_labels]
        if holdout_labels is not None and len(non_members)
        else None,
        n_train=len(train_embeddings),
    )
