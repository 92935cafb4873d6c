"""``hf-synthmh compare``: one plan through several generators, the same gate and metrics, one table.

:func:`compare` (``pipeline.py``) composes the stages: :class:`GeneratorSpec` and :func:`load_generators`
(``spec.py``: which generators), ``run.py`` (generate, gate, measure each), ``table.py`` (the rows),
``plots.py`` and ``card.py``.
"""

from hf_synthmh.compare.pipeline import CompareResult, compare
from hf_synthmh.compare.spec import GeneratorSpec, load_generators, parse_generators

__all__ = ["CompareResult", "GeneratorSpec", "compare", "load_generators", "parse_generators"]
