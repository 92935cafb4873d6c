"""LoRA fine-tuning on a tiny Llama built in code: the loss falls, the adapter changes generation, the
folder holds no text and no local path, and a killed run resumes to the same adapter."""

from __future__ import annotations

import doctest
import importlib
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("peft")

from hf_synthmh.backends import SamplingSettings, TransformersBackend
from hf_synthmh.finetune import FinetuneSettings, finetune
from hf_synthmh.finetune.train import CHECKPOINT
from hf_synthmh.prompts import build_request
from hf_synthmh.testing.tiny_models import REPORT_TEXTS, build_tiny_llama

FAST = {"r": 4, "lora_alpha": 16, "learning_rate": 1e-2, "batch_size": 2, "max_length": 1024}


def _real() -> Any:
    from datasets import Dataset

    texts = REPORT_TEXTS[:2] * 4
    return Dataset.from_dict(
        {"id": [f"r{i}" for i in range(8)], "text": texts, "label": ["F32.1", "F41.1"] * 4}
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("models") / "tiny-llama")


@pytest.fixture(scope="module")
def trained(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("adapters") / "lora"
    settings = FinetuneSettings(**FAST, epochs=2, validation_fraction=0.25, save_every=100)
    return finetune(_real(), model=str(base), out=out, settings=settings, progress=False)


def test_loss_falls(trained: Any) -> None:
    assert trained.initial_validation_loss is not None and trained.best_validation_loss is not None
    assert trained.best_validation_loss < trained.initial_validation_loss
    assert trained.steps == 6  # 6 training rows, batch 2, 2 epochs
    assert [h["epoch"] for h in trained.history] == [1.0, 2.0]
    assert not (trained.out / CHECKPOINT).exists()


def test_adapter_changes_generation(base: Path, trained: Any) -> None:
    request = build_request(code="F32.1", title="Major depressive disorder", attributes={}, exemplars=[])
    sampling = SamplingSettings(max_new_tokens=12, temperature=0)
    plain = TransformersBackend(model=str(base)).generate([request], seeds=[0], sampling=sampling)
    tuned = TransformersBackend(model=str(base), adapter=str(trained.out)).generate(
        [request], seeds=[0], sampling=sampling
    )
    assert plain != tuned


def test_folder_has_card_without_text_and_no_local_path(base: Path, trained: Any) -> None:
    config = json.loads((trained.out / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "tiny-llama"
    card = (trained.out / "README.md").read_text()
    log = (trained.out / "training_log.json").read_text()
    assert "base_model: tiny-llama" in card and "| split | train |" in card and "| rows | 8 |" in card
    assert "| train_examples | 6 |" in card and "| validation_examples | 2 |" in card
    for blob in (card, log, json.dumps(config)):
        assert str(base) not in blob
        for report in REPORT_TEXTS[:2]:
            for line in report.splitlines():
                assert line not in blob


def test_base_id_names_the_hub_model(base: Path, tmp_path: Path) -> None:
    settings = FinetuneSettings(**FAST, max_steps=1, validation_fraction=0)
    out = tmp_path / "lora"
    result = finetune(
        _real(), model=str(base), out=out, settings=settings, base_id="org/tiny", progress=False
    )
    assert result.initial_validation_loss is None and result.steps == 1
    assert json.loads((out / "adapter_config.json").read_text())["base_model_name_or_path"] == "org/tiny"
    assert "base_model: org/tiny" in (out / "README.md").read_text()


def _weights(folder: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(folder / "adapter_model.safetensors"))


def test_killed_run_resumes_to_the_same_adapter(base: Path, tmp_path: Path) -> None:
    import torch

    settings = FinetuneSettings(**FAST, max_steps=4, validation_fraction=0.25, save_every=1, packing=True)
    straight = finetune(_real(), model=str(base), out=tmp_path / "a", settings=settings, progress=False)

    class Killed(Exception):
        pass

    def kill_at_two(step: int, loss: float) -> None:
        if step == 2:
            raise Killed

    with pytest.raises(Killed):
        finetune(
            _real(),
            model=str(base),
            out=tmp_path / "b",
            settings=settings,
            progress=False,
            on_step=kill_at_two,
        )
    assert (tmp_path / "b" / CHECKPOINT).exists()
    resumed = finetune(_real(), model=str(base), out=tmp_path / "b", settings=settings, progress=False)
    assert resumed.resumed_at_step == 2 and resumed.steps == straight.steps == 4
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key])
    assert resumed.history == straight.history


def test_checkpoint_of_another_run_is_refused(base: Path, tmp_path: Path) -> None:
    settings = FinetuneSettings(**FAST, max_steps=2, validation_fraction=0, save_every=1)

    def stop(step: int, loss: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        finetune(
            _real(), model=str(base), out=tmp_path / "c", settings=settings, progress=False, on_step=stop
        )
    other = FinetuneSettings(
        **{**FAST, "learning_rate": 1e-3}, max_steps=2, validation_fraction=0, save_every=1
    )
    with pytest.raises(ValueError, match="different run"):
        finetune(_real(), model=str(base), out=tmp_path / "c", settings=other, progress=False)


def test_cli_finetune_writes_an_adapter(
    base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hf_synthmh.cli import main

    real = tmp_path / "real.jsonl"
    real.write_text(
        "".join(
            json.dumps({"text": t, "label": c}) + "\n"
            for t, c in zip(REPORT_TEXTS[:2], ["F32.1", "F41.1"], strict=True)
        )
        * 2
    )
    out = tmp_path / "adapter"
    args = ["finetune", "--real", str(real), "--model", str(base), "--out", str(out), "--max-steps", "2"]
    args += ["--r", "4", "--batch-size", "2", "--micro-batch-size", "1", "--max-length", "1024"]
    args += ["--validation-fraction", "0.25"]
    with pytest.raises(SystemExit) as info:
        main(args)
        raise SystemExit(0)
    assert info.value.code in (0, None)
    assert (out / "adapter_model.safetensors").exists() and (out / "README.md").exists()
    assert "validation loss" in capsys.readouterr().out
    card = (out / "README.md").read_text()
    assert "| split | real.jsonl |" in card and "| micro_batch_size | 1 |" in card


@pytest.mark.parametrize("name", ["data", "train", "card", "dp"])
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(f"hf_synthmh.finetune.{name}"))
    assert result.failed == 0 and result.attempted > 0
