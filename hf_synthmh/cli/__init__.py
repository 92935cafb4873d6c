"""``hf-synthmh``: demo, finetune, compare, scan, evaluate and publish from the command line.

Every command exits non-zero with a one-line message naming the problem on bad input (missing file,
missing column, unknown ICD-10 codes, empty texts). Report text is never printed or logged.
"""

from hf_synthmh.cli import compare, demo, evaluate, finetune, generate, publish, scan  # noqa: F401  (defines the commands)
from hf_synthmh.cli._app import app, main

__all__ = ["app", "main"]
