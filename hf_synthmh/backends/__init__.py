"""Generation backends. Importing this package is cheap: torch and transformers load on first use.

>>> from hf_synthmh.backends import SamplingSettings, TransformersBackend
>>> TransformersBackend(model="Qwen/Qwen3-8B", batch_size=4).name
'Qwen/Qwen3-8B'
"""

from __future__ import annotations

from hf_synthmh.backends.base import Backend, Request, SamplingSettings
from hf_synthmh.backends.transformers import TransformersBackend

__all__ = ["Backend", "Request", "SamplingSettings", "TransformersBackend"]
