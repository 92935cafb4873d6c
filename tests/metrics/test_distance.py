from __future__ import annotations

import math
import random

import numpy as np
import pytest

from hf_synthmh.metrics.distance import distance_privacy, nearest_distances
from hf_synthmh.metrics.embeddings import hashed_bow_embed

Split = tuple[list[str], list[str]]


def test_nearest_distances_by_brute_force() -> None:
    rng = np.random.default_rng(0)
    q, r = rng.normal(size=(30, 6)), rng.normal(size=(2000, 6))
    qn, rn = q / np.linalg.norm(q, axis=1, keepdims=True), r / np.linalg.norm(r, axis=1, keepdims=True)
    brute = np.sort(1 - qn @ rn.T, axis=1)[:, :3]
    assert nearest_distances(q, r, k=3) == pytest.approx(brute, abs=1e-5)
    assert nearest_distances(q, r[:1], k=2).shape == (30, 1)


def test_copies_versus_holdout_like_rows(demo: dict[str, Split]) -> None:
    train_texts, train_labels = demo["train"]
    hold_texts, hold_labels = demo["holdout"]
    test_texts, test_labels = demo["test"]
    train, holdout = hashed_bow_embed(train_texts), hashed_bow_embed(hold_texts)
    copies_idx = random.Random(0).sample(range(len(train_texts)), 60)
    copies = hashed_bow_embed([train_texts[i] + " Seen today." for i in copies_idx])
    fresh = hashed_bow_embed(test_texts[:60])  # real reports neither side has seen: holdout-like
    copied = distance_privacy(
        train,
        copies,
        holdout,
        synthetic_labels=[train_labels[i] for i in copies_idx],
        train_labels=train_labels,
        holdout_labels=hold_labels,
    )
    healthy = distance_privacy(
        train,
        fresh,
        holdout,
        synthetic_labels=test_labels[:60],
        train_labels=train_labels,
        holdout_labels=hold_labels,
    )
    c, h = copied.summary(), healthy.summary()
    expected = len(train_texts) / (len(train_texts) + len(hold_texts))  # 308 / 382: the healthy share
    assert c["dcr_share_expected"] == h["dcr_share_expected"] == pytest.approx(expected)
    assert c["dcr_share"] > 0.95 and abs(h["dcr_share"] - expected) < 0.12
    assert c["dcr_holdout_auc"] > 0.95 and 0.35 < h["dcr_holdout_auc"] < 0.65
    assert c["median_dcr"] < 0.01 < h["median_dcr"]
    assert c["mean_nndr"] < 0.2 < h["mean_nndr"]
    assert c["mia_auc"] > h["mia_auc"] and 0.35 < h["mia_auc"] < 0.65
    assert h["holdout_median_dcr"] == c["holdout_median_dcr"] > 0
    code = train_labels[copies_idx[0]]
    per_code = copied.summary(code, min_mia_rows=1)
    assert per_code["dcr_share"] > 0.95 and not math.isnan(per_code["mia_auc"])


def test_without_holdout_only_the_distance_keys() -> None:
    rng = np.random.default_rng(1)
    out = distance_privacy(rng.normal(size=(10, 3)), rng.normal(size=(4, 3))).summary()
    assert set(out) == {"median_dcr", "mean_nndr"}
    exact = distance_privacy(np.eye(3), np.eye(3)[:1]).summary()
    assert exact == {"median_dcr": 0.0, "mean_nndr": 0.0}
    with pytest.raises(ValueError, match="at least one train"):
        distance_privacy(np.zeros((0, 3)), np.eye(3))


def test_per_code_summary_without_synthetic_rows() -> None:
    rng = np.random.default_rng(0)
    train, hold = rng.normal(size=(6, 4)), rng.normal(size=(3, 4))
    rows = distance_privacy(
        train,
        np.zeros((0, 4)),
        hold,
        synthetic_labels=[],
        train_labels=["F32.1"] * 6,
        holdout_labels=["F32.1"] * 3,
    )
    summary = rows.summary("F32.1", min_mia_rows=1)
    assert math.isnan(summary["mia_auc"]) and math.isnan(summary["median_dcr"])
