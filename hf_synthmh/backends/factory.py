"""The one place backends are built: :func:`make_backend` turns a kind (:data:`~hf_synthmh.contracts.BackendKind`),
a model or a preset, and the kind's settings into a backend, for the CLI, the pipeline and Python users.

>>> make_backend("transformers", model="Qwen/Qwen3-8B", batch_size=4).name
'Qwen/Qwen3-8B'
>>> make_backend("endpoint", preset="qwen3-8b-nothink", base_url="http://127.0.0.1:8000/v1").extra_body
{'chat_template_kwargs': {'enable_thinking': False}}
>>> make_backend("vllm")
Traceback (most recent call last):
...
ValueError: give a model or a preset
"""

from __future__ import annotations

from typing import Any

from hf_synthmh.backends.base import Backend, SamplingSettings
from hf_synthmh.backends.endpoint import EndpointBackend
from hf_synthmh.backends.presets import PRESETS, backend_from_preset
from hf_synthmh.backends.transformers import TransformersBackend
from hf_synthmh.backends.vllm import VllmBackend
from hf_synthmh.contracts import BackendKind, choices

__all__ = ["make_backend", "preset_sampling"]


def make_backend(
    kind: BackendKind = "transformers",
    *,
    model: str | None = None,
    preset: str | None = None,
    base_url: str | None = None,
    **settings: Any,
) -> Backend:
    """A backend of ``kind`` for ``model`` (a Hub id or local path; for ``"endpoint"`` the served model
    name), or for ``preset`` (:data:`~hf_synthmh.backends.presets.PRESETS`: the model's quirks applied,
    ``model`` then overrides its Hub id). ``base_url`` is the OpenAI-compatible URL of ``"endpoint"``;
    ``settings`` are passed to the backend class (``device``, ``batch_size``, ``max_concurrency``, ...).

    Raises ``ValueError`` for an unknown kind or preset, a missing model, or an endpoint without URL.
    """
    if kind not in choices(BackendKind):
        raise ValueError(f"{kind!r}: use {', '.join(choices(BackendKind))}")
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; known: {', '.join(sorted(PRESETS))}")
    if kind == "endpoint" and not base_url:
        raise ValueError("the endpoint backend needs base_url")
    if model is not None:
        settings["model"] = model
    if preset is not None:
        return backend_from_preset(preset, kind=kind, base_url=base_url, **settings)
    if model is None:
        raise ValueError("give a model or a preset")
    if kind == "endpoint":
        return EndpointBackend(base_url=str(base_url), **settings)
    if kind == "vllm":
        return VllmBackend(**settings)
    return TransformersBackend(**settings)


def preset_sampling(preset: str | None) -> SamplingSettings:
    """The sampling settings of ``preset`` (its model card's recommendation), or the defaults.

    >>> preset_sampling("deepseek-r1").temperature, preset_sampling(None) == SamplingSettings()
    (0.6, True)
    """
    return PRESETS[preset].sampling if preset is not None else SamplingSettings()
