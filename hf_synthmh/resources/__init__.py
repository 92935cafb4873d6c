"""Files shipped inside the package, loaded one way (``importlib.resources``) in a wheel and in a
checkout: the prompt templates (``system.jinja``, ``report.jinja``, ``plain.jinja``) and the clinical
descriptions of ICD-10 codes (``descriptions.json``). The dataset-card template is not here: it stays in
the top-level ``dataset_cards/`` (see :func:`hf_synthmh.card.template_path`).

>>> "{{ code }}" in read_text("plain.jinja")
True
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

__all__ = ["files", "read_text"]


def files() -> Traversable:
    """The folder of the shipped resources."""
    return resources.files(__name__)


def read_text(name: str) -> str:
    """The text of resource ``name`` (UTF-8)."""
    return (files() / name).read_text(encoding="utf-8")
