"""Canary audit on a tiny Llama: a canary planted in many training rows is more exposed than a control
never seen; planting, exposure arithmetic, the files written, hits in generated rows and the gate probe."""

from __future__ import annotations

import doctest
import importlib
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("peft")
pytest.importorskip("scipy")

from hf_synthmh.finetune import FinetuneSettings
from hf_synthmh.finetune.audit import AUDIT_FILE, CANARIES_FILE, canary_audit, gate_probe, load_canaries
from hf_synthmh.finetune.canary import plant_canaries
from hf_synthmh.testing.tiny_models import build_tiny_llama

SHORT = ["Low mood and poor sleep.", "Worry and tension."]
# LoRA on the output layer too: the tiny random model's attention layers alone learn too slowly for a test.
MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head")


def _real(n: int = 16) -> Any:
    from datasets import Dataset

    return Dataset.from_dict(
        {
            "id": [f"r{i}" for i in range(n)],
            "text": [SHORT[i % 2] for i in range(n)],
            "label": ["F32.1", "F41.1"] * (n // 2),
        }
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("models") / "tiny-llama")


@pytest.fixture(scope="module")
def audit(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    settings = FinetuneSettings(
        r=8,
        lora_alpha=32,
        learning_rate=3e-2,
        batch_size=4,
        max_length=1024,
        epochs=6,
        validation_fraction=0,
        target_modules=MODULES,
    )
    out = tmp_path_factory.mktemp("adapters") / "audit"
    return canary_audit(
        _real(),
        model=str(base),
        out=out,
        settings=settings,
        n=2,
        repeats=(0, 12),
        n_candidates=48,
        progress=False,
    )


def test_repeated_canary_is_more_exposed_than_an_unseen_one(audit: Any) -> None:
    control, planted = audit.exposures
    assert control["repeats"] == 0 and planted["repeats"] == 12
    assert planted["log_perplexity"] < planted["candidates_mean_log_perplexity"]
    assert planted["exposure"] > control["exposure"] + 1.0
    assert planted["exposure_sampled"] > control["exposure_sampled"]
    assert audit.summary["mean_exposure_planted"] > audit.summary["mean_exposure_controls"]


def test_audit_files(audit: Any) -> None:
    record = json.loads((audit.finetune.out / AUDIT_FILE).read_text())
    assert record["exposures"] == audit.exposures and record["summary"]["privacy_epsilon"] is None
    assert all(c.secret not in json.dumps(record) for c in audit.canaries)  # secrets only in canaries.json
    assert load_canaries(audit.finetune.out) == audit.canaries
    assert (audit.finetune.out / CANARIES_FILE).exists()


def test_planting_is_seeded_and_checked() -> None:
    a, ca = plant_canaries(_real(), n=3, repeats=(1, 2), seed=5)
    b, cb = plant_canaries(_real(), n=3, repeats=(1, 2), seed=5)
    assert ca == cb and a["text"] == b["text"]
    assert [c.repeats for c in ca] == [1, 2, 1]
    assert len({r for c in ca for r in c.row_ids}) == 4  # one canary per row
    with pytest.raises(ValueError, match="need as many training rows"):
        plant_canaries(_real(4), n=2, repeats=(3,))


def test_gate_probe_catches_written_out_canaries() -> None:
    from hf_synthmh.testing.tiny_models import REPORT_TEXTS

    planted, canaries = plant_canaries(_real(), n=3, repeats=(1,), seed=2)
    probe = gate_probe(canaries, planted=planted, unseen_texts=REPORT_TEXTS[:2])
    assert probe["canaries"] == 3 and probe["control_rows_rejected"] == 0
    assert probe["caught"] == 3 and any(r.startswith("phi") for r in probe["reasons"])


def test_cli_finetune_canaries(base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hf_synthmh.cli import main

    real = tmp_path / "real.jsonl"
    real.write_text(
        "".join(
            json.dumps({"text": SHORT[i % 2], "label": ["F32.1", "F41.1"][i % 2]}) + "\n" for i in range(6)
        )
    )
    out = tmp_path / "adapter"
    args = ["finetune", "--real", str(real), "--model", str(base), "--out", str(out), "--max-steps", "1"]
    args += [
        "--r",
        "4",
        "--batch-size",
        "2",
        "--validation-fraction",
        "0",
        "--canaries",
        "2",
        "--max-length",
        "1024",
    ]
    with pytest.raises(SystemExit) as info:
        main([*args, "--canary-repeats", "0,2", "--canary-candidates", "8"])
        raise SystemExit(0)
    assert info.value.code in (0, None)
    printed = capsys.readouterr().out
    assert "Canary exposure" in printed and "Mean exposure: planted" in printed
    assert [e["repeats"] for e in json.loads((out / AUDIT_FILE).read_text())["exposures"]] == [0, 2]
    with pytest.raises(SystemExit) as info:
        main([*args, "--canary-repeats", "x"])
    assert info.value.code == 2


@pytest.mark.parametrize("name", ["canary", "audit"])
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(f"hf_synthmh.finetune.{name}"))
    assert result.failed == 0 and result.attempted > 0
