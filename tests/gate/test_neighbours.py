"""EmbeddingNeighbours: nearest train report by cosine distance, holdout-calibrated threshold, caching
and cost accounting. A cheap hashed bag-of-words stands in for MiniLM except in the slow test."""

from __future__ import annotations

import numpy as np
import pytest

from hf_synthmh.contracts import EMBEDDING_COLUMNS
from hf_synthmh.gate import EmbeddingNeighbours
from hf_synthmh.gate.neighbours import CachedEmbed
from hf_synthmh.metrics.embeddings import hashed_bow_embed

TRAIN = [
    "low mood poor sleep guilt and tearfulness for three months",
    "panic attacks on buses with palpitations and fear of dying",
    "hearing voices and believing the neighbours are watching",
    "drinking a bottle of wine a day with morning shakes",
]
HOLDOUT = [
    "low mood and tiredness after the birth of her baby",
    "worry about money and work most days for a year",
    "checking the locks and the oven many times before leaving",
    "flashbacks and nightmares after a car accident",
]


def _embed(texts: list[str]) -> np.ndarray:
    return hashed_bow_embed(texts, dim=512)


def test_threshold_is_the_holdout_percentile() -> None:
    nn = EmbeddingNeighbours.build(TRAIN, ["a", "b", "c", "d"], HOLDOUT, embed=_embed, percentile=50)
    assert nn.holdout_distances.shape == (4,)
    assert nn.threshold == pytest.approx(float(np.percentile(nn.holdout_distances, 50)))
    out = nn.check([TRAIN[1], "gardening with the dog on sundays", TRAIN[3] + " and anxiety"])
    assert set(out) == set(EMBEDDING_COLUMNS)
    assert out["membership_embedding_id"][0] == "b" and out["membership_embedding_distance"][
        0
    ] == pytest.approx(0.0)
    assert out["membership_embedding_id"][2] == "d"
    assert nn.is_suspicious(out["membership_embedding_distance"]) == [True, False, True]
    assert nn({"text": [TRAIN[0]]})["membership_embedding_id"] == ["a"]
    assert nn.check([]) == {c: [] for c in EMBEDDING_COLUMNS}


def test_a_lower_percentile_is_stricter() -> None:
    loose = EmbeddingNeighbours.build(TRAIN, list("abcd"), HOLDOUT, embed=_embed, percentile=90)
    strict = EmbeddingNeighbours.build(TRAIN, list("abcd"), HOLDOUT, embed=_embed, percentile=1)
    assert strict.threshold <= loose.threshold
    assert strict.threshold >= min(strict.holdout_distances)


def test_embeddings_are_batched_cached_and_costed() -> None:
    calls: list[int] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return _embed(texts)

    cached = CachedEmbed(embed, batch_size=3)
    nn = EmbeddingNeighbours.build(TRAIN, list("abcd"), [*HOLDOUT, TRAIN[0]], embed=cached)
    assert calls == [3, 1, 3, 1]  # TRAIN[0] in the holdout list came from the cache
    nn.check([TRAIN[2], HOLDOUT[1], "new text"])
    assert calls[-1] == 1 and nn.cost["texts_embedded"] == 9
    assert nn.cost["embed_s"] >= 0 and nn.cost["search_s"] >= 0


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="holdout"):
        EmbeddingNeighbours.build(TRAIN, list("abcd"), [], embed=_embed)
    with pytest.raises(ValueError, match="ids"):
        EmbeddingNeighbours.build(TRAIN, ["a"], HOLDOUT, embed=_embed)
    with pytest.raises(ValueError, match="percentile"):
        EmbeddingNeighbours.build(TRAIN, list("abcd"), HOLDOUT, embed=_embed, percentile=0)


@pytest.mark.slow
def test_with_minilm() -> None:
    nn = EmbeddingNeighbours.build(TRAIN, list("abcd"), HOLDOUT, percentile=5)
    out = nn.check([TRAIN[2].replace("watching", "spying on him"), "a recipe for lemon cake"])
    assert out["membership_embedding_id"][0] == "c"
    assert out["membership_embedding_distance"][0] < nn.threshold < out["membership_embedding_distance"][1]
