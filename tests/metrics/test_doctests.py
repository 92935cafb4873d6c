"""Every metrics module's docstring examples run (the older modules also have their own test)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "hf_synthmh.metrics.ngramstats",
    "hf_synthmh.metrics.selfbleu",
    "hf_synthmh.metrics.lexical",
    "hf_synthmh.metrics.bertscore",
    "hf_synthmh.metrics.mauve",
    "hf_synthmh.metrics.detect",
    "hf_synthmh.metrics.distance",
    "hf_synthmh.metrics.utility",
    "hf_synthmh.metrics.plots",
    "hf_synthmh.metrics.evaluate_modules",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
