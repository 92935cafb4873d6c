"""Generate offline with vLLM (``pip install 'hf-synthmh[vllm]'``, a CUDA machine): ``vllm.LLM`` batches
all requests of a call and each row gets ``SamplingParams(seed=...)`` of its own, so a row's text does not
depend on its batch mates (vLLM seeds a per-request generator).

The engine loads lazily on the first :meth:`VllmBackend.generate` call and is never pickled, so
``datasets`` fingerprints the backend by its settings alone. Chat templates are applied by vLLM
(``LLM.chat``); tokenizers without one get the request's plain prompt. A template that opens
``<think>`` in the prompt (DeepSeek-R1 distills) gets the tag restored in front of the completion.

Example (needs vLLM and a GPU)::

    backend = VllmBackend(model="deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", system_prompt=False)
    backend.generate([request], seeds=[0], sampling=SamplingSettings(temperature=0.6, top_p=0.95))

>>> VllmBackend(model="Qwen/Qwen3-8B", tensor_parallel_size=2).name
'Qwen/Qwen3-8B'
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hf_synthmh._deps import require
from hf_synthmh.backends.base import (
    LazyModelSettings,
    Request,
    SamplingSettings,
    folder_fingerprint,
    model_name,
    restore_think,
    settings_identity,
)
from hf_synthmh.backends.endpoint import merge_system_message

logger = logging.getLogger(__name__)

__all__ = ["VllmBackend"]


@dataclass(frozen=True, kw_only=True)
class VllmBackend(LazyModelSettings):
    """Settings of a ``vllm.LLM`` engine; the engine itself starts on first use.

    ``model`` is a Hub id or local folder; ``tensor_parallel_size``, ``dtype``, ``max_model_len``,
    ``gpu_memory_utilization`` and ``engine_kwargs`` go to ``vllm.LLM``. ``chat_template_kwargs`` go to the
    chat template (``{"enable_thinking": False}``); ``system_prompt=False`` merges the system message into
    the first user turn. ``sampling_kwargs`` adds ``SamplingParams`` fields that
    :class:`~hf_synthmh.backends.base.SamplingSettings` lacks (``{"presence_penalty": 1.5}``). Remote code is
    never run.
    """

    model: str
    revision: str | None = None
    tensor_parallel_size: int = 1
    dtype: str = "auto"
    max_model_len: int | None = None
    gpu_memory_utilization: float = 0.9
    chat_template_kwargs: Mapping[str, Any] | None = None
    system_prompt: bool = True
    sampling_kwargs: Mapping[str, Any] | None = None
    engine_kwargs: Mapping[str, Any] | None = None
    display_name: str | None = None

    def __post_init__(self) -> None:
        if self.tensor_parallel_size < 1:
            raise ValueError(f"tensor_parallel_size must be >= 1, got {self.tensor_parallel_size}")
        if not 0 < self.gpu_memory_utilization <= 1:
            raise ValueError(f"gpu_memory_utilization must be in (0, 1], got {self.gpu_memory_utilization}")

    @property
    def name(self) -> str:
        return model_name(self.model, revision=self.revision, display_name=self.display_name)

    @property
    def cache_identity(self) -> str:
        """Identity in generation-cache keys: the name plus the settings that change the text (a local
        model folder by a digest of its content)."""
        return settings_identity(
            self.name,
            model=folder_fingerprint(self.model) or self.model,
            dtype=self.dtype,
            chat_template_kwargs=self.chat_template_kwargs,
            system_prompt=self.system_prompt,
            sampling_kwargs=self.sampling_kwargs,
        )

    def load(self) -> Any:
        """Start (once) and return the ``vllm.LLM`` engine."""
        if "llm" not in self._loaded:
            vllm = require("vllm", extra="vllm")
            logger.info("starting vLLM for %s", self.name)
            self._loaded["llm"] = vllm.LLM(
                model=self.model,
                revision=self.revision,
                tensor_parallel_size=self.tensor_parallel_size,
                dtype=self.dtype,
                max_model_len=self.max_model_len,
                gpu_memory_utilization=self.gpu_memory_utilization,
                trust_remote_code=False,
                **dict(self.engine_kwargs or {}),
            )
        return self._loaded["llm"]

    def sampling_params(self, sampling: SamplingSettings, seeds: Sequence[int]) -> list[Any]:
        """One ``vllm.SamplingParams`` per row (``top_k=0`` maps to vLLM's ``-1``, "off")."""
        vllm = require("vllm", extra="vllm")
        return [
            vllm.SamplingParams(
                n=1,
                max_tokens=sampling.max_new_tokens,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                top_k=sampling.top_k if sampling.top_k > 0 else -1,
                repetition_penalty=sampling.repetition_penalty,
                seed=int(seed),
                **dict(self.sampling_kwargs or {}),
            )
            for seed in seeds
        ]

    def generate(
        self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
    ) -> list[str]:
        """Raw completions, one per request, in order."""
        if len(requests) != len(seeds):
            raise ValueError(f"{len(requests)} requests but {len(seeds)} seeds")
        if not requests:
            return []
        params = self.sampling_params(sampling, seeds)
        llm = self.load()
        tokenizer = llm.get_tokenizer()
        if getattr(tokenizer, "chat_template", None):
            conversations = [
                r.messages if self.system_prompt else merge_system_message(r.messages) for r in requests
            ]
            outputs = llm.chat(
                conversations,
                sampling_params=params,
                use_tqdm=False,
                add_generation_prompt=True,
                chat_template_kwargs=dict(self.chat_template_kwargs or {}),
            )
        else:
            outputs = llm.generate([r.plain for r in requests], params, use_tqdm=False)
        texts = []
        for out in outputs:
            text = out.outputs[0].text if out.outputs else ""
            texts.append(restore_think(out.prompt or "", text))
        return texts
