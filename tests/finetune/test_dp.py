"""DP-SGD LoRA on a tiny Llama: a finite epsilon that grows with the steps, written to the card and
``privacy.json``; the noise changes the adapter; settings and packing checks; a DP run resumes exactly."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("peft")
pytest.importorskip("opacus")

from hf_synthmh.finetune import DPSettings, FinetuneSettings, finetune, read_privacy
from hf_synthmh.finetune.dp import PRIVACY_FILE, epsilon_spent, poisson_batch
from hf_synthmh.testing.tiny_models import REPORT_TEXTS, build_tiny_llama

FAST = {"r": 4, "lora_alpha": 16, "learning_rate": 1e-2, "batch_size": 2, "max_length": 1024}


def _real(n: int = 8) -> Any:
    from datasets import Dataset

    return Dataset.from_dict(
        {
            "id": [f"r{i}" for i in range(n)],
            "text": [REPORT_TEXTS[i % 2] for i in range(n)],
            "label": ["F32.1", "F41.1"] * (n // 2),
        }
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("models") / "tiny-llama")


@pytest.fixture(scope="module")
def dp_run(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("adapters") / "dp"
    settings = FinetuneSettings(
        **FAST, epochs=3, validation_fraction=0.25, dp=DPSettings(noise_multiplier=1.0, max_grad_norm=0.5)
    )
    return finetune(_real(), model=str(base), out=out, settings=settings, progress=False)


def test_epsilon_is_finite_and_grows_with_steps(dp_run: Any) -> None:
    eps = [h["epsilon"] for h in dp_run.history]
    assert len(eps) == 3 and all(math.isfinite(e) and e > 0 for e in eps)
    assert eps[0] < eps[1] < eps[2]
    assert dp_run.privacy["epsilon"] == pytest.approx(eps[-1], rel=1e-3)
    assert dp_run.privacy["delta"] == pytest.approx(1 / 60)  # 1 / (10 * 6 training rows)
    assert dp_run.privacy["sample_rate"] == pytest.approx(2 / 6, rel=1e-4)


def test_privacy_is_written_to_the_card_and_json(dp_run: Any) -> None:
    record = read_privacy(dp_run.out)
    assert record is not None and record == json.loads((dp_run.out / PRIVACY_FILE).read_text())
    assert [h["epsilon"] for h in record["epsilon_history"]] == [h["epsilon"] for h in dp_run.history]
    card = (dp_run.out / "README.md").read_text()
    assert "## Differential privacy" in card and f"ε = {record['epsilon']}" in card
    assert "- differential-privacy" in card and "| dp_noise_multiplier | 1.0000 |" in card
    log = json.loads((dp_run.out / "training_log.json").read_text())
    assert log["privacy"]["epsilon"] == record["epsilon"]


def test_target_epsilon_is_met(base: Path, tmp_path: Path) -> None:
    settings = FinetuneSettings(**FAST, max_steps=4, validation_fraction=0, dp=DPSettings(target_epsilon=2.0))
    result = finetune(_real(), model=str(base), out=tmp_path / "t", settings=settings, progress=False)
    assert 1.0 < result.privacy["epsilon"] <= 2.0 + 1e-6
    assert result.steps == 4


def test_no_dp_run_has_no_privacy_record(base: Path, tmp_path: Path) -> None:
    settings = FinetuneSettings(**FAST, max_steps=1, validation_fraction=0)
    result = finetune(_real(), model=str(base), out=tmp_path / "n", settings=settings, progress=False)
    assert result.privacy is None and read_privacy(tmp_path / "n") is None
    assert "Differential privacy" not in (tmp_path / "n" / "README.md").read_text()


def test_dp_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        DPSettings(target_epsilon=1.0, noise_multiplier=1.0)
    with pytest.raises(ValueError, match="packing"):
        FinetuneSettings(packing=True, dp=DPSettings(noise_multiplier=1.0))
    with pytest.raises(ValueError, match="delta"):
        DPSettings(noise_multiplier=1.0, delta=1.5)


def test_accounting_and_sampling() -> None:
    more_noise = epsilon_spent(steps=50, noise_multiplier=2.0, sample_rate=0.1, delta=1e-5)
    less_noise = epsilon_spent(steps=50, noise_multiplier=0.8, sample_rate=0.1, delta=1e-5)
    assert (
        0 < more_noise < less_noise
        and epsilon_spent(steps=0, noise_multiplier=1, sample_rate=0.1, delta=1e-5) == 0
    )
    sizes = [len(poisson_batch(1000, sample_rate=0.1, seed=0, step=s)) for s in range(20)]
    assert 60 < sum(sizes) / 20 < 140 and len(set(sizes)) > 1  # Poisson: sizes vary around q * n


def test_dp_resumes_to_the_same_adapter(base: Path, tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file

    settings = FinetuneSettings(
        **FAST, max_steps=3, validation_fraction=0, save_every=1, dp=DPSettings(noise_multiplier=1.0)
    )
    straight = finetune(_real(), model=str(base), out=tmp_path / "a", settings=settings, progress=False)

    def stop(step: int, loss: float) -> None:
        if step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        finetune(
            _real(), model=str(base), out=tmp_path / "b", settings=settings, progress=False, on_step=stop
        )
    resumed = finetune(_real(), model=str(base), out=tmp_path / "b", settings=settings, progress=False)
    assert resumed.resumed_at_step == 2 and resumed.privacy == straight.privacy
    a = load_file(str(tmp_path / "a" / "adapter_model.safetensors"))
    b = load_file(str(tmp_path / "b" / "adapter_model.safetensors"))
    for key in a:
        torch.testing.assert_close(a[key], b[key])


def test_cli_finetune_with_dp(base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hf_synthmh.cli import main

    real = tmp_path / "real.jsonl"
    real.write_text(
        "".join(
            json.dumps({"text": REPORT_TEXTS[i % 2], "label": ["F32.1", "F41.1"][i % 2]}) + "\n"
            for i in range(6)
        )
    )
    out = tmp_path / "adapter"
    args = ["finetune", "--real", str(real), "--model", str(base), "--out", str(out), "--max-steps", "2"]
    args += ["--r", "4", "--batch-size", "2", "--max-length", "1024", "--validation-fraction", "0"]
    with pytest.raises(SystemExit) as info:
        main([*args, "--dp-epsilon", "4", "--dp-delta", "1e-3", "--dp-max-grad-norm", "0.5"])
        raise SystemExit(0)
    assert info.value.code in (0, None)
    printed = capsys.readouterr().out
    record = read_privacy(out)
    assert record is not None and record["delta"] == 1e-3 and record["max_grad_norm"] == 0.5
    assert record["epsilon"] <= 4 and f"DP-SGD: epsilon {record['epsilon']}" in printed
    with pytest.raises(SystemExit) as info:
        main([*args, "--dp-epsilon", "4", "--dp-noise-multiplier", "1"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main([*args, "--dp-epsilon", "4", "--packing"])
    assert info.value.code == 2


@pytest.mark.parametrize("dp", [None, DPSettings(noise_multiplier=1.0, max_grad_norm=0.5)])
def test_micro_batches_give_the_same_adapter(base: Path, tmp_path: Path, dp: DPSettings | None) -> None:
    """A step's batch split into passes of one row (gradients added up; with DP, opacus keeps every
    pass's per-row gradients for clipping) ends with the adapter of whole-batch steps."""
    import torch
    from safetensors.torch import load_file

    common = {**FAST, "batch_size": 4, "lora_dropout": 0.0, "max_steps": 3, "validation_fraction": 0.25}
    whole = FinetuneSettings(**common, dp=dp)
    split = FinetuneSettings(**common, micro_batch_size=1, dp=dp)
    a = finetune(_real(), model=str(base), out=tmp_path / "a", settings=whole, progress=False)
    b = finetune(_real(), model=str(base), out=tmp_path / "b", settings=split, progress=False)
    assert a.train_tokens == b.train_tokens and a.privacy == b.privacy
    assert a.initial_validation_loss == pytest.approx(b.initial_validation_loss, rel=1e-5)  # passes too
    wa = load_file(str(tmp_path / "a" / "adapter_model.safetensors"))
    wb = load_file(str(tmp_path / "b" / "adapter_model.safetensors"))
    assert any(float(v.abs().sum()) > 0 for k, v in wa.items() if "lora_B" in k)  # it trained
    for key in wa:
        torch.testing.assert_close(wa[key], wb[key], atol=2e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="micro_batch_size"):
        FinetuneSettings(micro_batch_size=0)
