"""The engine modules' examples run (none needs a Ray runtime)."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["ray_data", "metrics", "generate"])
def test_engine_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(f"hf_synthmh.engines.{name}"))
    assert result.failed == 0 and result.attempted > 0
