"""The examples in the compare modules' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["spec", "table", "card", "plots"])
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(f"hf_synthmh.compare.{name}"))
    assert result.failed == 0 and result.attempted > 0
