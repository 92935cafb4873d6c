from __future__ import annotations

import random

import numpy as np

from hf_synthmh.metrics.detect import discriminator_auc, label_roundtrip
from hf_synthmh.metrics.embeddings import hashed_bow_embed

Split = tuple[list[str], list[str]]


def test_discriminator_is_chance_on_two_halves_and_high_on_a_different_corpus(demo: dict[str, Split]) -> None:
    texts = demo["train"][0]
    order = list(range(len(texts)))
    random.Random(0).shuffle(order)
    half = len(order) // 2
    a = hashed_bow_embed([texts[i] for i in order[:half]])
    b = hashed_bow_embed([texts[i] for i in order[half:]])
    same = discriminator_auc(a, b)
    assert same["discriminator_n_per_side"] == half and 0.35 < same["discriminator_auc"] < 0.65
    rng = random.Random(1)
    words = ["invoice", "printer", "meeting", "budget", "quarterly", "shipping", "catalogue", "supplier"]
    other = [" ".join(rng.choice(words) for _ in range(60)) + " " + texts[i][:200] for i in order[half:]]
    assert discriminator_auc(a, hashed_bow_embed(other))["discriminator_auc"] > 0.95
    assert discriminator_auc(a[:1], b)["discriminator_auc"] is None


def test_discriminator_is_deterministic_and_capped() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 4)), rng.normal(size=(80, 4)) + 0.5
    first = discriminator_auc(x, y, max_rows=30, seed=2)
    assert first == discriminator_auc(x, y, max_rows=30, seed=2) and first["discriminator_n_per_side"] == 30


def test_label_roundtrip_true_labels_beat_shuffled(demo: dict[str, Split]) -> None:
    train_texts, train_labels = demo["train"]
    syn_texts, syn_labels = demo["holdout"]
    true = label_roundtrip(
        real_texts=train_texts,
        real_labels=train_labels,
        synthetic_texts=syn_texts,
        synthetic_labels=syn_labels,
    )
    shuffled_labels = syn_labels[:]
    random.Random(3).shuffle(shuffled_labels)
    shuffled = label_roundtrip(
        real_texts=train_texts,
        real_labels=train_labels,
        synthetic_texts=syn_texts,
        synthetic_labels=shuffled_labels,
    )
    assert true["label_roundtrip_accuracy"] > 0.9 > 0.4 > shuffled["label_roundtrip_accuracy"]
    assert sorted(true["per_code"]) == sorted(set(syn_labels))
