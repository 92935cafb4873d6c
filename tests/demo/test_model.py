"""The demo model: a tiny Llama trained in code, cached on disk, loadable by TransformersBackend."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hf_synthmh.backends import SamplingSettings, TransformersBackend
from hf_synthmh.demo.model import (
    MODEL_SETTINGS,
    cached_tiny_llama,
    guess_attributes,
    train_tiny_llama,
    training_texts,
)
from hf_synthmh.prompts import build_request
from hf_synthmh.testing.tiny_models import REPORT_TEXTS

CODES = ["F32.1", "F41.1"]
TITLES = ["Major depressive disorder, single episode, moderate", "Generalized anxiety disorder"]
SMALL = {**MODEL_SETTINGS, "vocab_size": 400, "hidden_size": 32, "intermediate_size": 64}


def _texts() -> list[str]:
    reports = [
        "A 38-year-old woman was seen in the outpatient clinic.\n" + REPORT_TEXTS[0],
        "A 22-year-old man was admitted to the inpatient ward.\n" + REPORT_TEXTS[1],
    ]
    return training_texts(codes=CODES, titles=TITLES, reports=reports)


def test_attributes_are_read_or_drawn() -> None:
    assert guess_attributes("A 70-year-old man in the emergency department. He was calm.") == {
        "age_band": "65-74",
        "sex": "male",
        "setting": "emergency department",
    }
    drawn = guess_attributes("No clues here.", key="F32.1")
    assert drawn == guess_attributes("No clues here.", key="F32.1")  # deterministic
    assert set(drawn) == {"age_band", "sex", "setting"}


def test_training_texts_start_with_the_plain_prompt() -> None:
    first = _texts()[0]
    assert first.startswith(
        "ICD-10: F32.1 Major depressive disorder, single episode, moderate\n"
        "Patient: 35-44, female, outpatient clinic\nReport:\nA 38-year-old woman"
    )


def test_train_cache_and_generate(tmp_path: Path) -> None:
    texts = _texts()
    start = time.perf_counter()
    path = cached_tiny_llama(
        texts, cache_dir=tmp_path, steps=60, lr=1e-2, batch_size=2, settings=SMALL, progress=False
    )
    trained_in = time.perf_counter() - start
    assert path.parent == tmp_path and path.name.startswith("demo-llama-")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]  # no leftovers

    start = time.perf_counter()
    again = cached_tiny_llama(
        texts, cache_dir=tmp_path, steps=60, lr=1e-2, batch_size=2, settings=SMALL, progress=False
    )
    assert again == path and time.perf_counter() - start < min(1.0, trained_in)
    other = cached_tiny_llama(
        texts, cache_dir=tmp_path, steps=1, lr=1e-2, batch_size=2, settings=SMALL, progress=False
    )
    assert other != path

    backend = TransformersBackend(model=str(path))
    request = build_request(
        code=CODES[0],
        title=TITLES[0],
        attributes={"age_band": "35-44", "sex": "female", "setting": "outpatient clinic"},
        exemplars=[],
    )
    assert backend.render(request) == request.plain  # no chat template: the prompt it was trained on
    _, tokenizer = backend.load()
    assert backend.encode(request)[0] == tokenizer.bos_token_id
    (text,) = backend.generate(
        [request], seeds=[0], sampling=SamplingSettings(max_new_tokens=60, temperature=0.3)
    )
    assert any(word in text for word in ("Reason for referral", "Mental state", "Risk assessment", "mood"))


def test_train_refuses_empty(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no training texts"):
        train_tiny_llama([], tmp_path, steps=1)


@pytest.mark.slow
def test_demo_model_on_demo_corpus(tmp_path: Path) -> None:
    from hf_synthmh.demo.model import demo_model

    path = demo_model(cache_dir=tmp_path, progress=False)
    assert demo_model(cache_dir=tmp_path, progress=False) == path
    backend = TransformersBackend(model=str(path))
    request = build_request(
        code="F32.1",
        title=TITLES[0],
        attributes={"age_band": "35-44", "sex": "female", "setting": "outpatient clinic"},
        exemplars=[],
    )
    (text,) = backend.generate([request], seeds=[0], sampling=SamplingSettings(max_new_tokens=300))
    assert "Mental state examination" in text or "Risk assessment" in text
