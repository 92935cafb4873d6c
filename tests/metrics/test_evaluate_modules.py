"""The thin `evaluate` modules load offline from their folders and return the library's numbers."""

from __future__ import annotations

import os

import evaluate
import pytest

from hf_synthmh.metrics.diversity import diversity, diversity_with_baseline
from hf_synthmh.metrics.evaluate_modules import MODULES, module_path
from hf_synthmh.metrics.privacy import privacy

Corpus = tuple[list[str], list[str]]


def test_offline_is_set() -> None:
    assert os.environ["HF_EVALUATE_OFFLINE"] == "1"


@pytest.mark.parametrize("name", MODULES)
def test_loads_from_the_folder(name: str) -> None:
    metric = evaluate.load(module_path(name))
    assert metric.name == name and "hf_synthmh" not in metric.description.split()[0]
    with pytest.raises(ValueError, match="unknown module"):
        module_path("rouge")


def test_diversity_module(real: Corpus, synthetic: Corpus) -> None:
    metric = evaluate.load(module_path("synthmh_diversity"))
    out = metric.compute(predictions=synthetic[0])
    assert out == pytest.approx(diversity(synthetic[0]), nan_ok=True)
    with_real = metric.compute(predictions=synthetic[0], real_texts=real[0], embed="hashed")
    expected = diversity_with_baseline(synthetic[0], real[0])
    assert {k: with_real[k] for k in expected if "embedding" not in k and "vendi" not in k} == pytest.approx(
        {k: v for k, v in expected.items() if "embedding" not in k and "vendi" not in k}
    )
    assert with_real["real_embedding_spread"] > 0


def test_privacy_module(real: Corpus, synthetic: Corpus) -> None:
    metric = evaluate.load(module_path("synthmh_privacy"))
    texts = [*synthetic[0][:3], real[0][0]]
    out = metric.compute(
        predictions=texts, real_texts=real[0], holdout_texts=synthetic[0][3:], embed="hashed"
    )
    assert {k: out[k] for k in privacy(real_texts=real[0], synthetic_texts=texts)} == pytest.approx(
        privacy(real_texts=real[0], synthetic_texts=texts)
    )
    assert out["exact_match_rate"] == 0.25 and 0.0 <= out["dcr_share"] <= 1.0 and "mia_auc" in out
    with pytest.raises(ValueError, match="real_texts"):
        metric.compute(predictions=texts)


def test_fidelity_module(real: Corpus, synthetic: Corpus) -> None:
    metric = evaluate.load(module_path("synthmh_fidelity"))
    out = metric.compute(
        predictions=synthetic[0],
        references=synthetic[1],
        real_texts=real[0],
        real_labels=real[1],
        embed="hashed",
    )
    assert out["centroid_accuracy"] == 1.0 and out["label_roundtrip_accuracy"] == 1.0
    assert 0 < out["bertscore_f1"] < 1 and out["mauve"] is None  # 6 rows: too few for MAUVE
    assert out["discriminator_n_per_side"] == 6
