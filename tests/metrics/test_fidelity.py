from __future__ import annotations

import doctest
import importlib
import math
import random
from collections.abc import Callable

import numpy as np
import pytest

from hf_synthmh.metrics.fidelity import centroid_rows, fidelity, fidelity_by_label

Corpus = tuple[list[str], list[str]]
Embed = Callable[[list[str]], np.ndarray]


def test_doctests() -> None:
    result = doctest.testmod(importlib.import_module("hf_synthmh.metrics.fidelity"))
    assert result.attempted > 0 and result.failed == 0


def test_centroid_rows_by_hand() -> None:
    real = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    syn = np.array([[1.0, 1.0], [0.0, 1.0], [3.0, 0.0]])
    rows = centroid_rows(
        real_embeddings=real,
        real_labels=["A", "A", "B"],
        synthetic_embeddings=syn,
        synthetic_labels=["A", "A", "B"],
    )
    h = math.sqrt(0.5)
    assert rows.own.tolist() == pytest.approx([h, 0.0, 0.0])
    assert rows.other.tolist() == pytest.approx([h, 1.0, 1.0])
    assert rows.nearest_is_own.tolist() == [True, False, False]  # a tie counts as correct


def test_true_labels_beat_shuffled_labels(real: Corpus, synthetic: Corpus, fake_embed: Embed) -> None:
    true = fidelity(
        real_texts=real[0],
        real_labels=real[1],
        synthetic_texts=synthetic[0],
        synthetic_labels=synthetic[1],
        embed=fake_embed,
    )
    shuffled_labels = synthetic[1][:]
    random.Random(3).shuffle(shuffled_labels)
    assert shuffled_labels != synthetic[1]
    shuffled = fidelity(
        real_texts=real[0],
        real_labels=real[1],
        synthetic_texts=synthetic[0],
        synthetic_labels=shuffled_labels,
        embed=fake_embed,
    )
    assert true["centroid_accuracy"] == 1.0
    assert true["centroid_margin"] > 0.05
    assert shuffled["centroid_margin"] < true["centroid_margin"]
    assert shuffled["centroid_accuracy"] < true["centroid_accuracy"]
    assert true["centroid_margin"] == pytest.approx(
        true["own_centroid_similarity"] - true["other_centroid_similarity"]
    )


def test_by_label_matches_overall(real: Corpus, synthetic: Corpus, fake_embed: Embed) -> None:
    kwargs = {
        "real_texts": real[0],
        "real_labels": real[1],
        "synthetic_texts": synthetic[0],
        "synthetic_labels": synthetic[1],
        "embed": fake_embed,
    }
    overall = fidelity(**kwargs)  # type: ignore[arg-type]
    per_label = fidelity_by_label(**kwargs)  # type: ignore[arg-type]
    assert list(per_label) == ["F32.1", "F41.1", "F43.1"]
    # equal counts per label, so the overall mean is the mean of the label means
    for key, value in overall.items():
        assert np.mean([scores[key] for scores in per_label.values()]) == pytest.approx(value)


def test_unknown_synthetic_label_is_named(real: Corpus, fake_embed: Embed) -> None:
    with pytest.raises(ValueError, match="'F99'"):
        fidelity(
            real_texts=real[0],
            real_labels=real[1],
            synthetic_texts=["x"],
            synthetic_labels=["F99"],
            embed=fake_embed,
        )
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        fidelity(
            real_texts=real[0][:2],
            real_labels=real[1][:1],
            synthetic_texts=[],
            synthetic_labels=[],
            embed=fake_embed,
        )


def test_single_label_and_empty_synthetic(fake_embed: Embed) -> None:
    one = fidelity(
        real_texts=["low mood"],
        real_labels=["A"],
        synthetic_texts=["low mood"],
        synthetic_labels=["A"],
        embed=fake_embed,
    )
    assert one["centroid_accuracy"] == 1.0 and one["own_centroid_similarity"] == pytest.approx(1.0)
    assert math.isnan(one["other_centroid_similarity"]) and math.isnan(one["centroid_margin"])
    empty = fidelity(
        real_texts=["low mood"], real_labels=["A"], synthetic_texts=[], synthetic_labels=[], embed=fake_embed
    )
    assert all(math.isnan(v) for v in empty.values())
