"""Generation backends. Importing this package is cheap: torch, transformers, huggingface_hub's client,
tenacity and vLLM load on first use.

Build them with :func:`make_backend` (one factory for the CLI, the pipeline and Python users):

>>> from hf_synthmh.backends import make_backend
>>> make_backend("transformers", model="Qwen/Qwen3-8B", batch_size=4).name
'Qwen/Qwen3-8B'
>>> from hf_synthmh.backends import PRESETS, backend_from_preset
>>> backend_from_preset("deepseek-r1-distill-llama-8b", kind="endpoint", base_url="http://127.0.0.1:8000").name
'deepseek-ai/DeepSeek-R1-Distill-Llama-8B'
"""

from __future__ import annotations

from hf_synthmh.backends.base import Backend, Request, SamplingSettings
from hf_synthmh.backends.endpoint import EndpointBackend, EndpointStats, RetryEvent
from hf_synthmh.backends.factory import make_backend, preset_sampling
from hf_synthmh.backends.presets import PRESETS, ChatTransformersBackend, ModelPreset, backend_from_preset
from hf_synthmh.backends.transformers import TransformersBackend
from hf_synthmh.backends.vllm import VllmBackend

__all__ = [
    "PRESETS",
    "Backend",
    "ChatTransformersBackend",
    "EndpointBackend",
    "EndpointStats",
    "ModelPreset",
    "Request",
    "RetryEvent",
    "SamplingSettings",
    "TransformersBackend",
    "VllmBackend",
    "backend_from_preset",
    "make_backend",
    "preset_sampling",
]
