"""The curated public API: every name resolves, and importing the package is cheap."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

import hf_synthmh


def test_every_public_name_resolves() -> None:
    assert hf_synthmh.__all__ == sorted(hf_synthmh._WHERE)
    for name in hf_synthmh.__all__:
        assert getattr(hf_synthmh, name) is not None, name


def test_doctests() -> None:
    result = doctest.testmod(hf_synthmh)
    assert result.failed == 0 and result.attempted > 0


def test_import_is_cheap() -> None:
    code = (
        "import sys, hf_synthmh, hf_synthmh.metrics, hf_synthmh.contracts; "
        "print(sorted(m for m in ('datasets', 'numpy', 'torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["bench_corpus", "phi_sets"])
def test_testing_helpers_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(f"hf_synthmh.testing.{name}"))
    assert result.failed == 0 and result.attempted > 0
