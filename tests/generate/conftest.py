"""A tiny base model built once per test session (see :mod:`hf_synthmh.testing.tiny_models`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hf_synthmh.testing.tiny_models import build_tiny_llama


@pytest.fixture(scope="session")
def plain_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Base model without a chat template: the backend sends the plain prompt."""
    return build_tiny_llama(tmp_path_factory.mktemp("tiny_generate") / "llama-base", chat_template=None)
