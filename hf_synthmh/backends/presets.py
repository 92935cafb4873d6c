"""Presets for the paper's model families: DeepSeek-R1 and its distills, OpenBioLLM-Llama3, Qwen 3.5 (and
Qwen3): Hub id, architecture, recommended sampling, chat-template quirks, whether the model reasons; and
server presets (:data:`SERVER_PRESETS`) for the quirks of one kind of server, e.g. a ``transformers serve``
that samples.

:func:`backend_from_preset` turns a preset into a backend of any kind with the quirks applied: no system
prompt for DeepSeek-R1 (the system message is merged into the user turn), the thinking switch of Qwen
(``enable_thinking`` as a chat-template argument, or in ``chat_template_kwargs`` of the request body for a
server), extra stop tokens for OpenBioLLM. The recommended sampling is :attr:`ModelPreset.sampling`; give
it to the :class:`~hf_synthmh.generate.Generator`. Sampling fields that
:class:`~hf_synthmh.backends.base.SamplingSettings` lacks (Qwen 3.5's ``presence_penalty``) go to servers
and vLLM as extra fields; the transformers backend cannot apply them.

Sources are cited next to each family. ``max_new_tokens`` is this project's choice for a 150-300 word
report: 1024 without reasoning, 4096 with it.

>>> preset = PRESETS["deepseek-r1-distill-qwen-7b"]
>>> preset.hub_id, preset.reasons, preset.system_prompt, preset.sampling.temperature
('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', True, False, 0.6)
>>> backend = backend_from_preset("qwen3-8b-nothink", kind="endpoint", base_url="http://127.0.0.1:8000/v1")
>>> backend.model, dict(backend.extra_body)
('Qwen/Qwen3-8B', {'chat_template_kwargs': {'enable_thinking': False}})
>>> serve = server_backend("transformers-serve", base_url="http://127.0.0.1:8000/v1", model="org/m")
>>> dict(serve.extra_body), serve.sampling_extras
({'generation_config': '{"do_sample": true}'}, False)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hf_synthmh.backends.base import Backend, Request, SamplingSettings
from hf_synthmh.backends.endpoint import EndpointBackend, merge_system_message
from hf_synthmh.backends.transformers import TransformersBackend
from hf_synthmh.backends.vllm import VllmBackend
from hf_synthmh.contracts import BackendKind

__all__ = [
    "PRESETS",
    "SERVER_PRESETS",
    "ChatTransformersBackend",
    "ModelPreset",
    "ServerPreset",
    "backend_from_preset",
    "server_backend",
]


@dataclass(frozen=True, kw_only=True)
class ChatTransformersBackend(TransformersBackend):
    """:class:`TransformersBackend` plus two chat quirks: ``system_prompt=False`` merges the system message
    into the first user turn, and ``stop_tokens`` are extra tokens that end a row (OpenBioLLM's
    ``<|eot_id|>``) besides the eos tokens of the checkpoint.

    >>> ChatTransformersBackend(model="org/m", system_prompt=False).render_messages(
    ...     Request(messages=[{"role": "system", "content": "S"}, {"role": "user", "content": "U"}], plain="")
    ... )
    [{'role': 'user', 'content': 'S\\n\\nU'}]
    """

    system_prompt: bool = True
    stop_tokens: tuple[str, ...] = ()

    def identity_settings(self) -> dict[str, Any]:
        """:meth:`TransformersBackend.identity_settings` plus the two quirks (they change the text)."""
        return {
            **super().identity_settings(),
            "system_prompt": self.system_prompt,
            "stop_tokens": list(self.stop_tokens),
        }

    def render_messages(self, request: Request) -> list[dict[str, str]]:
        """The chat messages actually sent to the template."""
        return list(request.messages) if self.system_prompt else merge_system_message(request.messages)

    def render(self, request: Request) -> str:
        return super().render(Request(messages=self.render_messages(request), plain=request.plain))

    def load(self) -> tuple[Any, Any]:
        model, tokenizer = super().load()
        if self.stop_tokens and "stop_tokens_added" not in self._loaded:
            vocab = tokenizer.get_vocab()
            for token in self.stop_tokens:
                token_id = vocab.get(token)
                if token_id is not None and token_id not in self._loaded["eos_ids"]:
                    self._loaded["eos_ids"].append(int(token_id))
            self._loaded["stop_tokens_added"] = True
        return model, tokenizer


@dataclass(frozen=True, kw_only=True)
class ModelPreset:
    """What a backend needs to know to run one model well (see the module docstring)."""

    hub_id: str
    family: str
    architecture: str
    reasons: bool
    sampling: SamplingSettings
    system_prompt: bool = True
    chat_template_kwargs: Mapping[str, Any] | None = None
    stop_tokens: tuple[str, ...] = ()
    extra_sampling: Mapping[str, Any] | None = None
    source: str = ""


# -- DeepSeek-R1 and distills ------------------------------------------------------------------------
# https://github.com/deepseek-ai/DeepSeek-R1 README (commit 00f3296): "Usage Recommendations": temperature
# 0.5-0.7 (0.6 recommended), "Avoid adding a system prompt; all instructions should be contained within
# the user prompt", and enforce that the output starts with "<think>\n" (the distills' chat templates put
# it at the end of the generation prompt; the backends detect that and restore the tag). Top-p 0.95 is the
# README's evaluation setting. Distill bases (README table): Qwen2.5-Math-1.5B/7B, Qwen2.5-14B/32B
# (Qwen2 architecture), Llama-3.1-8B and Llama-3.3-70B-Instruct (Llama). R1 itself is DeepSeek-V3-based.
_R1_SOURCE = "github.com/deepseek-ai/DeepSeek-R1 README, Usage Recommendations + Evaluation"
_R1_SAMPLING = SamplingSettings(max_new_tokens=4096, temperature=0.6, top_p=0.95)


def _r1(hub_id: str, architecture: str) -> ModelPreset:
    return ModelPreset(
        hub_id=hub_id,
        family="deepseek-r1",
        architecture=architecture,
        reasons=True,
        sampling=_R1_SAMPLING,
        system_prompt=False,
        source=_R1_SOURCE,
    )


# -- OpenBioLLM-Llama3 -------------------------------------------------------------------------------
# Model card of aaditya/Llama3-OpenBioLLM-8B/-70B (usage example): Llama-3 instruct chat template with a
# system prompt, terminators = eos + "<|eot_id|>", do_sample=True, temperature=0.0, top_p=0.9. A
# temperature of 0 would write the same report for identical prompts, so the preset keeps this project's
# default temperature (0.9, our choice, not the card's) with the card's top_p.
_OPENBIO_SOURCE = "huggingface.co/aaditya/Llama3-OpenBioLLM-70B model card, usage example"


def _openbio(hub_id: str) -> ModelPreset:
    return ModelPreset(
        hub_id=hub_id,
        family="openbiollm",
        architecture="LlamaForCausalLM",
        reasons=False,
        sampling=SamplingSettings(max_new_tokens=1024, temperature=0.9, top_p=0.9),
        stop_tokens=("<|eot_id|>",),
        source=_OPENBIO_SOURCE,
    )


# -- Qwen 3.5 ----------------------------------------------------------------------------------------
# Checked (November 2026) against stored copies of the official model cards, not huggingface.co itself:
# - Qwen/Qwen3.5-4B card (README): "Best Practices" and the API "Tip" give thinking mode for general tasks
#   temperature=1.0, top_p=0.95, top_k=20, min_p=0.0, presence_penalty=1.5, repetition_penalty=1.0, and
#   instruct (non-thinking) mode for general tasks temperature=0.7, top_p=0.8, top_k=20, min_p=0.0,
#   presence_penalty=1.5. "Qwen3.5 will think by default"; enable_thinking=False in the chat-template
#   arguments turns it off, and the /think and /nothink soft switches of Qwen3 are not supported. (The
#   Qwen3.5-0.8B card says that model does not think by default; the presets always pass the switch.)
# - Qwen/Qwen3.5-397B-A17B card: thinking mode temperature=0.6, top_p=0.95, top_k=20, min_p=0.0,
#   presence_penalty=0.0; non-thinking as above (0.7 / 0.8 / 20, presence_penalty=1.5). The flagship's
#   thinking preset therefore differs from the others.
# Ids: Qwen/Qwen3.5-4B and Qwen/Qwen3.5-397B-A17B from those cards; Qwen/Qwen3.5-9B, -27B, -35B-A3B and
# -122B-A10B from the license links and base_model fields of derived cards (quantisations, e.g. RedHatAI's
# FP8 card of 122B-A10B, whose evaluation used the 1.0 / 0.95 / 20 / presence 1.5 thinking settings).
# Unconfirmed from an official card: the sampling of 9B, 27B, 35B-A3B and 122B-A10B (secondary sources
# quote the 27B and 35B-A3B cards with the 4B card's values, which the presets use).
# Architecture: Qwen3_5(Moe)ForConditionalGeneration (vision-language; RedHatAI's 122B-A10B card loads it
# with Qwen3_5MoeForConditionalGeneration); transformers loads the text model for AutoModelForCausalLM.
_QWEN35_SOURCE = (
    "Qwen/Qwen3.5-4B and Qwen/Qwen3.5-397B-A17B model cards (Best Practices), stored copies; "
    "9B/27B/35B-A3B/122B-A10B sampling assumed equal to 4B's"
)


def _qwen35(size: str, *, thinking: bool) -> ModelPreset:
    moe = "-A" in size
    flagship = size == "397B-A17B"
    if thinking:
        sampling = SamplingSettings(
            max_new_tokens=4096, temperature=0.6 if flagship else 1.0, top_p=0.95, top_k=20
        )
    else:
        sampling = SamplingSettings(max_new_tokens=1024, temperature=0.7, top_p=0.8, top_k=20)
    return ModelPreset(
        hub_id=f"Qwen/Qwen3.5-{size}",
        family="qwen3.5",
        architecture="Qwen3_5MoeForConditionalGeneration" if moe else "Qwen3_5ForConditionalGeneration",
        reasons=thinking,
        sampling=sampling,
        chat_template_kwargs={"enable_thinking": thinking},
        extra_sampling=None if thinking and flagship else {"presence_penalty": 1.5},
        source=_QWEN35_SOURCE,
    )


# -- Qwen3 (the confirmed predecessor of Qwen 3.5) -----------------------------------------------------
# Qwen/Qwen3-8B model card, "Best Practices": thinking temperature 0.6, top_p 0.95, top_k 20, min_p 0;
# non-thinking temperature 0.7, top_p 0.8, top_k 20, min_p 0; enable_thinking=True is the default.
_QWEN3_SOURCE = "huggingface.co/Qwen/Qwen3-8B model card, Best Practices"


def _qwen3(size: str, *, thinking: bool) -> ModelPreset:
    return ModelPreset(
        hub_id=f"Qwen/Qwen3-{size}",
        family="qwen3",
        architecture="Qwen3ForCausalLM",
        reasons=thinking,
        sampling=SamplingSettings(max_new_tokens=4096, temperature=0.6, top_p=0.95, top_k=20)
        if thinking
        else SamplingSettings(max_new_tokens=1024, temperature=0.7, top_p=0.8, top_k=20),
        chat_template_kwargs={"enable_thinking": thinking},
        source=_QWEN3_SOURCE,
    )


PRESETS: dict[str, ModelPreset] = {
    "deepseek-r1": _r1("deepseek-ai/DeepSeek-R1", "DeepseekV3ForCausalLM"),
    "deepseek-r1-distill-qwen-1.5b": _r1("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", "Qwen2ForCausalLM"),
    "deepseek-r1-distill-qwen-7b": _r1("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "Qwen2ForCausalLM"),
    "deepseek-r1-distill-qwen-14b": _r1("deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", "Qwen2ForCausalLM"),
    "deepseek-r1-distill-qwen-32b": _r1("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", "Qwen2ForCausalLM"),
    "deepseek-r1-distill-llama-8b": _r1("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "LlamaForCausalLM"),
    "deepseek-r1-distill-llama-70b": _r1("deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "LlamaForCausalLM"),
    "openbiollm-llama3-8b": _openbio("aaditya/Llama3-OpenBioLLM-8B"),
    "openbiollm-llama3-70b": _openbio("aaditya/Llama3-OpenBioLLM-70B"),
    **{
        f"qwen3.5-{size.lower()}{'' if thinking else '-nothink'}": _qwen35(size, thinking=thinking)
        for size in ("4B", "9B", "27B", "35B-A3B", "122B-A10B", "397B-A17B")
        for thinking in (True, False)
    },
    **{
        f"qwen3-{size.lower()}{'' if thinking else '-nothink'}": _qwen3(size, thinking=thinking)
        for size in ("8B", "32B")
        for thinking in (True, False)
    },
}


@dataclass(frozen=True, kw_only=True)
class ServerPreset:
    """Quirks of one kind of OpenAI-compatible server, whatever model it serves: fields every request body
    needs (``extra_body``) and whether it takes ``top_k``/``repetition_penalty`` (``sampling_extras``)."""

    extra_body: Mapping[str, Any]
    sampling_extras: bool = True
    source: str = ""


# -- transformers serve --------------------------------------------------------------------------------
# transformers 5.25 `serve` (cli/serving/utils.py, _build_generation_kwargs) starts from the model's own
# generation config, whose do_sample is False for most checkpoints: every request decodes greedily and seeds
# change nothing, unless the body carries `generation_config`, a JSON *string* of generation settings
# ('{"do_sample": true}'); the body's temperature, top_p and seed then apply. It answers 422 to fields it
# does not know (top_k, repetition_penalty), so those stay out. From the CLI:
#   hf-synthmh generate --backend endpoint ... --extra-body '{"generation_config": "{\"do_sample\": true}"}'
SERVER_PRESETS: dict[str, ServerPreset] = {
    "transformers-serve": ServerPreset(
        extra_body={"generation_config": json.dumps({"do_sample": True})},
        sampling_extras=False,
        source="transformers 5.25 cli/serving/utils.py (_build_generation_kwargs); FACTS.md 2026-12-06",
    ),
}


def server_backend(server: str, *, base_url: str, model: str, **overrides: Any) -> EndpointBackend:
    """An :class:`~hf_synthmh.backends.endpoint.EndpointBackend` for ``model`` served by a ``server`` of
    :data:`SERVER_PRESETS` (its body fields merged under ``overrides``' ``extra_body``)."""
    if server not in SERVER_PRESETS:
        raise KeyError(f"unknown server preset {server!r}; known: {', '.join(sorted(SERVER_PRESETS))}")
    preset = SERVER_PRESETS[server]
    extra = {**preset.extra_body, **dict(overrides.pop("extra_body", None) or {})}
    settings = {"sampling_extras": preset.sampling_extras, **overrides, "extra_body": extra}
    return EndpointBackend(base_url=base_url, model=model, **settings)


def backend_from_preset(
    name: str,
    *,
    kind: BackendKind = "transformers",
    base_url: str | None = None,
    server: str | None = None,
    **overrides: Any,
) -> Backend:
    """A backend for preset ``name`` with its quirks applied; ``overrides`` replace any setting.

    ``kind="transformers"`` gives a :class:`ChatTransformersBackend` (``model`` may be overridden with a
    local folder), ``"endpoint"`` an :class:`~hf_synthmh.backends.endpoint.EndpointBackend` for
    ``base_url`` (``model`` is the served name, e.g. ``"deepseek-reasoner"`` on DeepSeek's API), ``"vllm"``
    a :class:`~hf_synthmh.backends.vllm.VllmBackend`. ``server`` (endpoint only) adds the quirks of a server
    preset (:data:`SERVER_PRESETS`), e.g. ``"transformers-serve"`` to make ``transformers serve`` sample.

    >>> backend_from_preset("openbiollm-llama3-8b", device="cuda", batch_size=16).stop_tokens
    ('<|eot_id|>',)
    """
    if name not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; known: {', '.join(sorted(PRESETS))}")
    preset = PRESETS[name]
    if server is not None and kind != "endpoint":
        raise ValueError(f"server presets apply to kind='endpoint', not {kind!r}")
    if kind == "transformers":
        settings: dict[str, Any] = {
            "model": preset.hub_id,
            "chat_template_kwargs": preset.chat_template_kwargs,
            "system_prompt": preset.system_prompt,
            "stop_tokens": preset.stop_tokens,
        }
        return ChatTransformersBackend(**{**settings, **overrides})
    if kind == "endpoint":
        if not base_url:
            raise ValueError("kind='endpoint' needs base_url")
        extra: dict[str, Any] = dict(preset.extra_sampling or {})
        if preset.chat_template_kwargs:
            extra["chat_template_kwargs"] = dict(preset.chat_template_kwargs)
        settings = {
            "base_url": base_url,
            "model": preset.hub_id,
            "system_prompt": preset.system_prompt,
            "extra_body": extra or None,
        }
        if server is not None:
            settings.pop("base_url")
            merged = {**settings, **overrides}
            return server_backend(server, base_url=base_url, **merged)
        return EndpointBackend(**{**settings, **overrides})
    if kind == "vllm":
        settings = {
            "model": preset.hub_id,
            "chat_template_kwargs": preset.chat_template_kwargs,
            "system_prompt": preset.system_prompt,
            "sampling_kwargs": preset.extra_sampling,
        }
        return VllmBackend(**{**settings, **overrides})
    raise ValueError(f"kind must be 'transformers', 'endpoint' or 'vllm', got {kind!r}")
