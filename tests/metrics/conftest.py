"""Fixtures for the metric tests: a small hand-written corpus, a cheap deterministic embedder, and the
bundled MiniLM loaded at most once per session."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from hf_synthmh.metrics.embeddings import Embedder, hashed_bow_embed
from hf_synthmh.metrics.report import default_embedder

# Real reports: three codes, three reports each, with code-specific vocabulary.
REAL: dict[str, list[str]] = {
    "F32.1": [
        "Reason for referral: low mood for four months after redundancy. Early waking, poor appetite, loss "
        "of interest and guilt. Mental state: tearful, slowed speech. Impression: moderate depressive episode.",
        "Presenting complaint: persistent sadness and anhedonia since a bereavement, PHQ-9 17. Sleep broken, "
        "concentration poor, feels worthless. Impression: moderate depression. Plan: sertraline 50 mg.",
        "Referred by GP with low mood, tearfulness and withdrawal from friends. Reports hopelessness and "
        "fatigue, no psychotic features. Impression: depressive episode of moderate severity.",
    ],
    "F41.1": [
        "Reason for referral: constant worry about work and health for over a year. Muscle tension, poor "
        "sleep, irritability, GAD-7 16. Impression: generalized anxiety disorder. Plan: CBT referral.",
        "Presenting complaint: excessive uncontrollable worry about family and finances, restlessness and "
        "feeling on edge most days. Impression: generalized anxiety. Plan: guided self-help.",
        "Describes worrying about everything, racing thoughts at night, tension headaches and dread. "
        "Anxious affect, catastrophic predictions. Impression: generalized anxiety disorder.",
    ],
    "F43.1": [
        "Reason for referral: nightmares and flashbacks of a car crash eighteen months ago. Avoids driving, "
        "hypervigilant, startles easily. Impression: post-traumatic stress disorder. Plan: trauma-focused CBT.",
        "Intrusive memories of an assault, avoidance of the area, emotional numbing and hyperarousal. "
        "Impression: post-traumatic stress disorder. Plan: EMDR referral.",
        "Since military deployment reports flashbacks, nightmares, avoidance of crowds and irritability. "
        "Startle response exaggerated. Impression: PTSD.",
    ],
}

# Synthetic reports: novel wording, right vocabulary.
SYNTHETIC: dict[str, list[str]] = {
    "F32.1": [
        "The patient describes months of flat mood, tearfulness and poor appetite after losing her job. "
        "She feels worthless and wakes early. Impression: moderate depressive episode.",
        "Low mood and anhedonia for three months with fatigue and hopelessness; sleep is broken. "
        "Impression: depression, moderate. Plan: start sertraline and review.",
    ],
    "F41.1": [
        "He reports worry he cannot control about money and his health, with muscle tension, restlessness "
        "and irritability. Impression: generalized anxiety disorder.",
        "Excessive worry most days for over a year, feeling on edge, tension and poor sleep. "
        "Impression: generalized anxiety. Plan: CBT.",
    ],
    "F43.1": [
        "After a house fire she has nightmares, flashbacks and avoids the kitchen; she is hypervigilant and "
        "startles easily. Impression: post-traumatic stress disorder.",
        "Flashbacks and intrusive memories of combat, avoidance and exaggerated startle, emotional numbing. "
        "Impression: PTSD. Plan: trauma-focused therapy.",
    ],
}


def flat(corpus: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    texts = [text for code in corpus for text in corpus[code]]
    labels = [code for code in corpus for _ in corpus[code]]
    return texts, labels


@pytest.fixture()
def real() -> tuple[list[str], list[str]]:
    return flat(REAL)


@pytest.fixture()
def synthetic() -> tuple[list[str], list[str]]:
    return flat(SYNTHETIC)


@pytest.fixture()
def fake_embed() -> Callable[[list[str]], np.ndarray]:
    """Hashed bag of words: cheap, deterministic, no model."""
    return hashed_bow_embed


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The bundled MiniLM, loaded once per session; the same object `evaluate_corpus(embed=None)` uses."""
    embedder = default_embedder()
    embedder.encode(["warm up"])
    return embedder


@pytest.fixture(scope="session")
def demo() -> dict[str, tuple[list[str], list[str]]]:
    """The bundled fictional corpus as ``{split: (texts, codes)}`` (built once per session)."""
    from hf_synthmh.demo.corpus import load_demo_corpus

    corpus = load_demo_corpus()
    names = corpus["train"].features["label"].names
    return {split: (list(ds["text"]), [names[i] for i in ds["label"]]) for split, ds in corpus.items()}
