"""Lazy imports of heavy or optional dependencies, with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, *, extra: str | None = None, package: str | None = None) -> ModuleType:
    """Import ``module`` or raise an ImportError that says how to install it.

    Example:
        >>> require("json").__name__
        'json'
        >>> require("surely_not_installed_xyz", extra="vllm")
        Traceback (most recent call last):
        ...
        ImportError: surely_not_installed_xyz is needed here: pip install 'hf-synthmh[vllm]'
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        hint = f"pip install 'hf-synthmh[{extra}]'" if extra else f"pip install {package or module}"
        raise ImportError(f"{module} is needed here: {hint}") from err


def installed_version(package: str) -> str:
    """The installed version of ``package``, or ``"missing"`` (for cache fingerprints).

    Example:
        >>> installed_version("surely-not-installed-xyz")
        'missing'
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "missing"
