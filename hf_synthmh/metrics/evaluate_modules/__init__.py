"""Thin `evaluate <https://huggingface.co/docs/evaluate>`_ metric modules over :mod:`hf_synthmh.metrics`,
one folder each, loadable offline with ``evaluate.load(<folder>)`` (set ``HF_EVALUATE_OFFLINE=1``):

* ``synthmh_diversity``: predictions = synthetic texts; optional ``real_texts`` for the ``real_*``
  baseline; ``embed`` (``"minilm"``, ``"hashed"``, a callable or ``None`` for no embedding metrics).
* ``synthmh_privacy``: predictions = synthetic texts; ``real_texts`` (required), optional
  ``holdout_texts``, ``n``, ``embed``.
* ``synthmh_fidelity``: predictions = synthetic texts, references = their ICD-10 codes; ``real_texts``
  and ``real_labels`` (required), ``embed``, ``token_embed``.

    >>> import os, evaluate
    >>> os.environ["HF_EVALUATE_OFFLINE"] = "1"
    >>> metric = evaluate.load(module_path("synthmh_diversity"))
    >>> metric.compute(predictions=["low mood", "low mood"], embed=None)["duplicate_ratio"]
    0.5
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["MODULES", "module_path"]

#: The metric modules shipped here.
MODULES = ("synthmh_diversity", "synthmh_fidelity", "synthmh_privacy")


def module_path(name: str) -> str:
    """Folder of the ``evaluate`` module ``name``, for ``evaluate.load``."""
    if name not in MODULES:
        raise ValueError(f"unknown module {name!r}: one of {', '.join(MODULES)}")
    return str(Path(__file__).resolve().parent / name)
