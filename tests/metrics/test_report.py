from __future__ import annotations

import doctest
import importlib
import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from hf_synthmh.metrics import MetricsOptions, evaluate_corpus
from hf_synthmh.metrics.embeddings import Embedder

Corpus = tuple[list[str], list[str]]
Embed = Callable[[list[str]], np.ndarray]
DIMENSIONS = ("fidelity", "diversity", "privacy", "detectability")
DIVERSITY = {
    "distinct_1",
    "distinct_2",
    "distinct_3",
    "distinct_4",
    "self_bleu",
    "mattr",
    "mtld",
    "compression_ratio",
    "duplicate_ratio",
    "embedding_spread",
    "vendi_score",
}
KEYS = {
    "fidelity": {
        "own_centroid_similarity",
        "other_centroid_similarity",
        "centroid_margin",
        "centroid_accuracy",
        "bertscore_precision",
        "bertscore_recall",
        "bertscore_f1",
        "mauve",
        "mauve_n_buckets",
        "label_roundtrip_accuracy",
    },
    "diversity": DIVERSITY | {f"real_{k}" for k in DIVERSITY} | {"n_texts", "baseline_n_texts"},
    "privacy": {
        "exact_match_rate",
        "mean_ngram_containment",
        "max_ngram_containment",
        "mean_rouge_l_nearest",
        "max_rouge_l_nearest",
        "mean_longest_shared_span",
        "max_longest_shared_span",
        "median_dcr",
        "mean_nndr",
    },
    "detectability": {"discriminator_auc", "discriminator_n_per_side"},
}
HOLDOUT_PRIVACY = {
    "holdout_median_dcr",
    "holdout_mean_nndr",
    "dcr_share",
    "dcr_share_expected",
    "dcr_holdout_auc",
    "mia_auc",
}


def test_doctests() -> None:
    result = doctest.testmod(importlib.import_module("hf_synthmh.metrics.report"))
    assert result.attempted > 0 and result.failed == 0


def _check_plain(value: Any, strings: bool = False) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            assert type(key) is str
            _check_plain(inner, strings or key in ("notes", "plots"))
    else:
        allowed = (int, float, str) if strings else (int, float)
        assert value is None or type(value) in allowed, type(value)


def _check_contract(
    out: dict[str, Any], codes: list[str], *, holdout: bool = False, extra: set[str] = frozenset()
) -> None:  # type: ignore[assignment]
    assert set(out) - {"notes"} == {*DIMENSIONS, "per_label", *extra}
    privacy_keys = KEYS["privacy"] | (HOLDOUT_PRIVACY if holdout else set())
    for dimension in DIMENSIONS:
        assert set(out[dimension]) == (privacy_keys if dimension == "privacy" else KEYS[dimension])
    assert sorted(out["per_label"]) == codes
    for entry in out["per_label"].values():
        assert set(entry) - {"utility"} == {*DIMENSIONS, "n_synthetic", "n_real"}
        for dimension in DIMENSIONS:
            assert set(entry[dimension]) == (privacy_keys if dimension == "privacy" else KEYS[dimension])
    _check_plain(out)
    assert json.loads(json.dumps(out, allow_nan=False)) == out


def test_contract_with_fake_embedder(real: Corpus, synthetic: Corpus, fake_embed: Embed) -> None:
    out = evaluate_corpus(
        real_texts=real[0],
        real_labels=real[1],
        synthetic_texts=synthetic[0],
        synthetic_labels=synthetic[1],
        embed=fake_embed,
    )
    _check_contract(out, ["F32.1", "F41.1", "F43.1"])
    assert out["fidelity"]["bertscore_f1"] is None and "bertscore" in out["notes"]  # no token embedder
    assert out["fidelity"]["mauve"] is None and "50 rows" in out["notes"]["mauve"]
    assert out["per_label"]["F32.1"]["n_synthetic"] == 2 and out["per_label"]["F32.1"]["n_real"] == 3
    assert out["diversity"]["n_texts"] == 6
    assert out["fidelity"]["centroid_accuracy"] == 1.0


def test_contract_with_bundled_minilm(real: Corpus, synthetic: Corpus, minilm: Embedder) -> None:
    out = evaluate_corpus(
        real_texts=real[0], real_labels=real[1], synthetic_texts=synthetic[0], synthetic_labels=synthetic[1]
    )  # embed=None: the session's MiniLM
    _check_contract(out, ["F32.1", "F41.1", "F43.1"])
    assert out["fidelity"]["centroid_accuracy"] == 1.0
    assert out["fidelity"]["centroid_margin"] > 0.1
    assert out["privacy"]["exact_match_rate"] == 0.0
    assert 0.5 < out["fidelity"]["bertscore_f1"] < 1.0  # MiniLM token vectors via Embedder.token_embeddings
    assert out["fidelity"]["label_roundtrip_accuracy"] == 1.0


def test_codes_without_synthetic_rows_and_errors(real: Corpus, fake_embed: Embed) -> None:
    out = evaluate_corpus(
        real_texts=real[0],
        real_labels=real[1],
        synthetic_texts=[real[0][0]],
        synthetic_labels=["F32.1"],
        embed=fake_embed,
    )
    assert out["per_label"]["F41.1"]["n_synthetic"] == 0
    assert out["per_label"]["F41.1"]["privacy"]["exact_match_rate"] is None  # undefined, not 0
    assert out["privacy"]["exact_match_rate"] == 1.0
    json.dumps(out, allow_nan=False)  # undefined values are null, strict JSON
    with pytest.raises(ValueError, match=re.escape("'F99.9'")):
        evaluate_corpus(
            real_texts=real[0],
            real_labels=real[1],
            synthetic_texts=["x"],
            synthetic_labels=["F99.9"],
            embed=fake_embed,
        )
    with pytest.raises(ValueError, match="synthetic: 1 texts but 0 labels"):
        evaluate_corpus(
            real_texts=real[0],
            real_labels=real[1],
            synthetic_texts=["x"],
            synthetic_labels=[],
            embed=fake_embed,
        )


def test_everything_on_the_demo_corpus(demo: dict[str, tuple[list[str], list[str]]], tmp_path: Any) -> None:
    """Holdout, test split, PHI counts and plots; the holdout split stands in for synthetic rows."""
    from hf_synthmh.metrics.embeddings import hashed_bow_embed, hashed_token_embed

    train, hold, test = demo["train"], demo["holdout"], demo["test"]
    half = len(test[0]) // 2
    out = evaluate_corpus(
        real_texts=train[0], real_labels=train[1], synthetic_texts=hold[0], synthetic_labels=hold[1],
        embed=hashed_bow_embed, holdout_texts=test[0][:half], holdout_labels=test[1][:half],
        test_texts=test[0][half:], test_labels=test[1][half:],
        phi_replay={"replayed_identifiers": 2, "by_type": {"MRN": 2}},
        options=MetricsOptions(token_embed=hashed_token_embed, n_bootstrap=100, plot_dir=tmp_path / "plots"),
    )  # fmt: skip
    codes = sorted(set(train[1]))
    _check_contract(out, codes, holdout=True, extra={"utility", "phi_replay", "plots"})
    assert out["phi_replay"] == {"replayed_identifiers": 2, "by_type": {"MRN": 2}}
    privacy = out["privacy"]
    assert privacy["dcr_share_expected"] == pytest.approx(len(train[0]) / (len(train[0]) + half))
    assert abs(privacy["dcr_share"] - privacy["dcr_share_expected"]) < 0.15
    assert 0.3 < privacy["dcr_holdout_auc"] < 0.7 and 0.3 < privacy["mia_auc"] < 0.7
    assert 0.3 < out["detectability"]["discriminator_auc"] < 0.7  # unseen real reports: indistinguishable
    assert out["fidelity"]["mauve"] > 0.5 and out["fidelity"]["mauve_n_buckets"] == 7
    assert out["utility"]["augmentation_score"] == pytest.approx(out["utility"]["macro_f1_gain"] / 2 + 0.5)
    assert all("real_only_f1" in out["per_label"][c]["utility"] for c in set(test[1][half:]))
    diversity = out["diversity"]
    assert (
        diversity["baseline_n_texts"] == len(hold[0])
        and abs(diversity["distinct_2"] - diversity["real_distinct_2"]) < 0.05
    )
    assert sorted(out["plots"]) == [
        "diversity_by_code",
        "fidelity_by_code",
        "nn_distances",
        "utility_by_code",
    ]
    for name, path in out["plots"].items():
        assert path == f"{name}.png"  # relative to plot_dir, so the card can link them
        png = (tmp_path / "plots" / path).read_bytes()
        assert len(png) > 1000 and png[:8] == b"\x89PNG\r\n\x1a\n"


def test_copies_and_shuffled_labels_score_worse(demo: dict[str, tuple[list[str], list[str]]]) -> None:
    import random

    from hf_synthmh.metrics.embeddings import hashed_bow_embed, hashed_token_embed

    train, hold, test = demo["train"], demo["holdout"], demo["test"]
    kwargs: dict[str, Any] = {
        "real_texts": train[0], "real_labels": train[1], "embed": hashed_bow_embed,
        "options": MetricsOptions(token_embed=hashed_token_embed), "holdout_texts": test[0],
        "holdout_labels": test[1],
    }  # fmt: skip
    fresh = evaluate_corpus(synthetic_texts=hold[0], synthetic_labels=hold[1], **kwargs)
    copies = evaluate_corpus(synthetic_texts=train[0][:74], synthetic_labels=train[1][:74], **kwargs)
    shuffled_labels = hold[1][:]
    random.Random(0).shuffle(shuffled_labels)
    shuffled = evaluate_corpus(synthetic_texts=hold[0], synthetic_labels=shuffled_labels, **kwargs)
    assert copies["privacy"]["dcr_share"] > 0.95 > 0.9 > fresh["privacy"]["dcr_share"]
    assert copies["privacy"]["dcr_holdout_auc"] > 0.95 and 0.3 < fresh["privacy"]["dcr_holdout_auc"] < 0.7
    assert copies["privacy"]["exact_match_rate"] == 1.0 > fresh["privacy"]["exact_match_rate"]
    assert copies["privacy"]["mia_auc"] > fresh["privacy"]["mia_auc"]
    for key in ("label_roundtrip_accuracy", "centroid_accuracy", "centroid_margin", "bertscore_f1"):
        assert shuffled["fidelity"][key] < fresh["fidelity"][key], key


def test_test_split_arguments_are_checked(real: Corpus, fake_embed: Embed) -> None:
    with pytest.raises(ValueError, match="both test_texts and test_labels"):
        evaluate_corpus(
            real_texts=real[0], real_labels=real[1], synthetic_texts=[], synthetic_labels=[],
            embed=fake_embed, test_texts=["x"],
        )  # fmt: skip
    with pytest.raises(ValueError, match="holdout: 1 texts but 2 labels"):
        evaluate_corpus(
            real_texts=real[0], real_labels=real[1], synthetic_texts=[], synthetic_labels=[],
            embed=fake_embed, holdout_texts=["x"], holdout_labels=["a", "b"],
        )  # fmt: skip
