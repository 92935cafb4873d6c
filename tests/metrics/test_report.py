from __future__ import annotations

import doctest
import importlib
import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from hf_synthmh.metrics import evaluate_corpus
from hf_synthmh.metrics.embeddings import Embedder

Corpus = tuple[list[str], list[str]]
Embed = Callable[[list[str]], np.ndarray]
DIMENSIONS = ("fidelity", "diversity", "privacy")
KEYS = {
    "fidelity": {
        "own_centroid_similarity",
        "other_centroid_similarity",
        "centroid_margin",
        "centroid_accuracy",
    },
    "diversity": {"distinct_1", "distinct_2", "self_bleu", "n_texts"},
    "privacy": {
        "exact_match_rate",
        "mean_ngram_containment",
        "max_ngram_containment",
        "mean_rouge_l_nearest",
        "max_rouge_l_nearest",
    },
}


def test_doctests() -> None:
    result = doctest.testmod(importlib.import_module("hf_synthmh.metrics.report"))
    assert result.attempted > 0 and result.failed == 0


def _check_plain(value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            assert type(key) is str
            _check_plain(inner)
    else:
        assert value is None or type(value) in (int, float), type(value)


def _check_contract(out: dict[str, Any], codes: list[str]) -> None:
    assert set(out) == {*DIMENSIONS, "per_label"}
    for dimension in DIMENSIONS:
        assert set(out[dimension]) == KEYS[dimension]
    assert sorted(out["per_label"]) == codes
    for entry in out["per_label"].values():
        assert set(entry) == {*DIMENSIONS, "n_synthetic", "n_real"}
        for dimension in DIMENSIONS:
            assert set(entry[dimension]) == KEYS[dimension]
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
