"""Tiny models built once per test session (see :mod:`hf_synthmh.testing.tiny_models`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hf_synthmh.backends.base import Request
from hf_synthmh.prompts import build_request
from hf_synthmh.testing.tiny_models import R1_TEMPLATE, build_lora_adapter, build_tiny_llama, build_tiny_qwen3

ATTRS = [
    {"age_band": "35-44", "sex": "female", "setting": "outpatient clinic"},
    {"age_band": "18-24", "sex": "male", "setting": "inpatient ward"},
]


def mixed_requests(n: int) -> list[Request]:
    """Prompts of different lengths (exemplars on odd rows), so batches need real left padding."""
    return [
        build_request(
            code="F32.1" if i % 3 else "F41.1",
            title="Major depressive disorder, single episode, moderate" if i % 3 else "Generalized anxiety",
            attributes=ATTRS[i % 2],
            exemplars=["Reason for referral\nLow mood. " * (i % 4)] if i % 2 else [],
        )
        for i in range(n)
    ]


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tiny_models")


@pytest.fixture(scope="session")
def llama_dir(tiny_root: Path) -> Path:
    """Llama-3-style chat model."""
    return build_tiny_llama(tiny_root / "llama-chat")


@pytest.fixture(scope="session")
def plain_llama_dir(tiny_root: Path) -> Path:
    """Base model without a chat template: the backend sends the plain prompt."""
    return build_tiny_llama(tiny_root / "llama-base", chat_template=None)


@pytest.fixture(scope="session")
def qwen_dir(tiny_root: Path) -> Path:
    """Qwen3 with a ChatML template that honours ``enable_thinking``."""
    return build_tiny_qwen3(tiny_root / "qwen3-chat")


@pytest.fixture(scope="session")
def r1_dir(tiny_root: Path) -> Path:
    """A DeepSeek-R1-distill-style template that opens ``<think>`` inside the prompt."""
    return build_tiny_llama(tiny_root / "r1-distill", chat_template=R1_TEMPLATE)


@pytest.fixture(scope="session")
def lora_dir(tiny_root: Path, llama_dir: Path) -> Path:
    return build_lora_adapter(llama_dir, tiny_root / "lora-f32")
