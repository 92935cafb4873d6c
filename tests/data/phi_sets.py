"""The labelled PHI sets of this folder, for the tests: :func:`load_phi_set` reads one by name; scoring
is :func:`hf_synthmh.testing.phi_sets.evaluate` (shared with ``scripts/bench_gate.py``).

>>> rows = load_phi_set("phi_eval.jsonl")
>>> len(rows) >= 110 and {r["kind"] for r in rows} == {"phi", "clean"}
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hf_synthmh.testing.phi_sets import PHI_SETS, SCANNER_TYPE, evaluate, read_phi_set

__all__ = ["DATA", "PHI_SETS", "SCANNER_TYPE", "evaluate", "load_phi_set"]

DATA = Path(__file__).parent


def load_phi_set(name: str) -> list[dict[str, Any]]:
    """The rows of ``tests/data/<name>``."""
    return read_phi_set(DATA / name)
