"""Generation: the :class:`Generator` (plan rows in, one report per row out), the run loop
:func:`generate_dataset` with its live progress, and the resumable on-disk :class:`GenerationCache`.

Modules: :mod:`.generator` (prompting, checking, retrying), :mod:`.run` (``plan.map`` with one progress
bar), :mod:`.progress` (count files shared by the processes of a run), :mod:`.cache` (completions on
disk). Columns read and written: :mod:`hf_synthmh.contracts`.
"""

from __future__ import annotations

from hf_synthmh.generate.cache import GenerationCache
from hf_synthmh.generate.generator import RETRY_STEP, Generator, count_retries, retry_seed
from hf_synthmh.generate.progress import PROGRESS_ENV, GenerationProgress
from hf_synthmh.generate.run import generate_dataset

__all__ = [
    "PROGRESS_ENV",
    "RETRY_STEP",
    "GenerationCache",
    "GenerationProgress",
    "Generator",
    "count_retries",
    "generate_dataset",
    "retry_seed",
]
