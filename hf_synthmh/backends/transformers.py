"""Generate with any causal LM that ``transformers`` loads: Hub id or local folder, optional peft adapter.

Sampling is batched and left-padded, yet every row is reproducible on its own: decoding is greedy over
``logits + Gumbel noise`` where the noise for row ``i`` at step ``t`` comes from a generator seeded by
``(seeds[i], t)`` alone. Taking the argmax of Gumbel-perturbed logits is an exact sample from the softmax
(the Gumbel-max trick), so this *is* temperature/top-k/top-p sampling, only with per-row randomness. The
same request and seed therefore give the same text alone or in a batch of eight (up to float round-off in
the forward pass, which almost never flips a perturbed argmax).

Decoding runs in the project's own loop (:mod:`hf_synthmh.backends.decode`): at most ``batch_size`` rows
in flight, a row leaves as soon as it ends and the next prompt of the call takes its place, so finished
rows are never computed (``model.generate`` keeps them until the longest row is done). Models whose cache
the loop cannot pad (sliding windows, linear attention) and ``continuous_batching=False`` use
``model.generate`` per micro-batch; both give the same rows.

The model loads lazily on the first :meth:`TransformersBackend.generate` call and is never pickled, so
``datasets`` fingerprints the backend by its settings alone, before and after loading.

:attr:`TransformersBackend.cache_identity` names the backend in generation-cache keys: the model (a local
folder by a digest of its content, see :func:`~hf_synthmh.backends.base.folder_fingerprint`; a Hub id by
id and ``revision``), the adapter, ``dtype``, ``chat_template_kwargs`` and the sampler's version, so that
e.g. thinking and non-thinking runs of one model never share entries. ``batch_size`` and ``device`` are
left out: rows do not depend on their batch mates, and a device changes at most float round-off.

Example (needs a model; see ``tests/backends`` for tiny ones built in code)::

    backend = TransformersBackend(model="Qwen/Qwen3-8B", chat_template_kwargs={"enable_thinking": False})
    backend.generate([request], seeds=[0], sampling=SamplingSettings())
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hf_synthmh._deps import require
from hf_synthmh.backends.base import (
    THINK_CLOSE,
    THINK_OPEN,
    LazyModelSettings,
    Request,
    RequestFailure,
    SamplingSettings,
    folder_fingerprint,
    model_name,
    restore_think,
    settings_identity,
    short_model_name,
)
from hf_synthmh.backends.decode import decode, new_cache
from hf_synthmh.backends.sampler import RowSeededSampler

logger = logging.getLogger(__name__)

__all__ = ["RowSeededSampler", "TransformersBackend", "render_prompt"]

#: Reasoning markers are kept when decoding even if a tokenizer marks them special, so that
#: :func:`~hf_synthmh.backends.base.split_reasoning` can find them.
_KEEP_TOKENS = (THINK_OPEN, THINK_CLOSE)
#: Bumped when :class:`RowSeededSampler` or the decoding changes, so that cached completions miss.
SAMPLER_VERSION = "gumbel-max-v2"


@dataclass(frozen=True, kw_only=True)
class TransformersBackend(LazyModelSettings):
    """Settings of a ``transformers`` causal LM; the model itself loads on first use.

    ``model`` is a Hub id or local folder, ``adapter`` an optional peft adapter (id or folder) merged into
    it, ``device`` is ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or ``"auto"`` (``device_map="auto"``), ``dtype``
    is passed to ``from_pretrained`` (``"auto"``, ``"bfloat16"``, ...), ``batch_size`` is the micro-batch.
    ``chat_template_kwargs`` go to ``apply_chat_template`` (``{"enable_thinking": False}`` for Qwen3).
    Tokenizers without a chat template get the request's plain prompt. Remote code is never run.
    ``display_name`` overrides :attr:`name`, the value of the ``model`` column. ``continuous_batching``
    (default) uses the decode loop of :mod:`hf_synthmh.backends.decode`; ``False`` uses ``model.generate``.

    >>> TransformersBackend(model="/models/llama", adapter="/adapters/lora-f32", revision=None).name
    'llama+lora-f32'
    >>> think = TransformersBackend(model="Qwen/Qwen3-8B", batch_size=4)
    >>> nothink = TransformersBackend(model="Qwen/Qwen3-8B", chat_template_kwargs={"enable_thinking": False})
    >>> think.cache_identity == TransformersBackend(model="Qwen/Qwen3-8B", device="cuda").cache_identity
    True
    >>> think.cache_identity != nothink.cache_identity, think.cache_identity.startswith("Qwen/Qwen3-8B#")
    (True, True)
    """

    model: str
    adapter: str | None = None
    revision: str | None = None
    device: str = "cpu"
    dtype: str = "auto"
    batch_size: int = 8
    chat_template_kwargs: Mapping[str, Any] | None = None
    display_name: str | None = None
    continuous_batching: bool = True

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")

    @property
    def name(self) -> str:
        """Hub id, or the folder name of a local model (never a full local path), plus revision/adapter."""
        name = model_name(self.model, revision=self.revision, display_name=self.display_name)
        if self.adapter and not self.display_name:
            name += f"+{short_model_name(self.adapter)}"
        return name

    @property
    def rows_per_call(self) -> int:
        """Rows a caller should hand over per :meth:`generate` call (``4 * batch_size`` with the decode loop,
        whose batch stays full only while prompts wait; ``batch_size`` without it): the generation run
        (:func:`hf_synthmh.generate.generate_dataset`) sizes its ``map`` batches with it."""
        return 4 * self.batch_size if self.continuous_batching else self.batch_size

    @property
    def cache_identity(self) -> str:
        """Identity in generation-cache keys: :attr:`name` plus a digest of every setting that changes
        the text (see the module docstring); never a full local path."""
        return settings_identity(self.name, **self.identity_settings())

    def identity_settings(self) -> dict[str, Any]:
        """What :attr:`cache_identity` digests; subclasses add their own settings."""
        return {
            "model": folder_fingerprint(self.model) or self.model,
            "revision": self.revision,
            "adapter": self.adapter and (folder_fingerprint(self.adapter) or self.adapter),
            "dtype": self.dtype,
            "chat_template_kwargs": dict(self.chat_template_kwargs or {}),
            "sampler": SAMPLER_VERSION,
        }

    @property
    def is_loaded(self) -> bool:
        return "model" in self._loaded

    def load(self) -> tuple[Any, Any]:
        """Load (once) and return ``(model, tokenizer)``."""
        if not self.is_loaded:
            self._loaded.update(_load(self))
        return self._loaded["model"], self._loaded["tokenizer"]

    # -- generation ---------------------------------------------------------------------------------
    def render(self, request: Request) -> str:
        """The prompt text sent to the model: chat template when the tokenizer has one, else ``plain``."""
        _, tokenizer = self.load()
        return render_prompt(tokenizer, request, self.chat_template_kwargs)

    def encode(self, request: Request) -> list[int]:
        """Token ids of :meth:`render`'s text (a chat template brings its own special tokens)."""
        return self._tokenize(self.render(request))

    def _tokenize(self, text: str) -> list[int]:
        _, tokenizer = self.load()
        chat = bool(getattr(tokenizer, "chat_template", None))
        return list(tokenizer(text, add_special_tokens=not chat)["input_ids"])

    def generate(
        self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
    ) -> list[str]:
        """Raw completions (new tokens only, special tokens removed), one per request, in order."""
        return [str(text) for text in self.generate_each(requests, seeds=seeds, sampling=sampling)]

    def generate_each(
        self,
        requests: Sequence[Request],
        *,
        seeds: Sequence[int],
        sampling: SamplingSettings,
        on_result: Callable[[int, str], None] | None = None,
    ) -> list[str | RequestFailure]:
        """:meth:`generate`, handing each completion to ``on_result(index, text)`` as soon as its row is
        done (so a generation cache stores it at once). Nothing fails per request here: an error raises."""
        if len(requests) != len(seeds):
            raise ValueError(f"{len(requests)} requests but {len(seeds)} seeds")
        if not requests:
            return []
        rendered = [self.render(r) for r in requests]
        encoded = [self._tokenize(text) for text in rendered]
        # Similar lengths together waste less padding; rows do not depend on their batch mates.
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        limit, longest = self._loaded["max_positions"], len(encoded[order[-1]])
        if limit and longest + sampling.max_new_tokens > limit:
            logger.warning(
                "longest prompt (%d tokens) + max_new_tokens (%d) exceed the model context (%d)",
                longest,
                sampling.max_new_tokens,
                limit,
            )
        out: list[str | RequestFailure] = [""] * len(encoded)

        def done(j: int, tokens: list[int]) -> None:
            i = order[j]
            out[i] = restore_think(rendered[i], self._decode(tokens))  # a template may open <think>
            if on_result is not None:
                on_result(i, str(out[i]))

        model, _ = self.load()
        if self.continuous_batching and new_cache(model) is not None:
            import torch

            with torch.inference_mode():
                decode(
                    model,
                    [encoded[i] for i in order],
                    [seeds[i] for i in order],
                    sampling,
                    batch_size=self.batch_size,
                    pad_id=self._loaded["pad_id"],
                    eos_ids=self._loaded["eos_ids"],
                    on_done=done,
                )
            return out
        for start in range(0, len(order), self.batch_size):
            chunk = list(range(start, min(start + self.batch_size, len(order))))
            rows = self._generate_batch(
                [encoded[order[j]] for j in chunk], [seeds[order[j]] for j in chunk], sampling
            )
            for j, tokens in zip(chunk, rows, strict=True):
                done(j, tokens)
        return out

    def _decode(self, tokens: list[int]) -> str:
        """Text of new tokens (already cut at the end of sequence), special tokens removed except the
        reasoning markers."""
        _, tokenizer = self.load()
        skip = self._loaded["skip_ids"]
        return str(tokenizer.decode([t for t in tokens if t not in skip], skip_special_tokens=False))

    def _generate_batch(
        self, prompts: list[list[int]], seeds: list[int], sampling: SamplingSettings
    ) -> list[list[int]]:
        """New tokens of each prompt (cut at the end of sequence) from ``model.generate``: the path of
        models whose cache the decode loop cannot handle, and of ``continuous_batching=False``."""
        import torch
        from transformers import GenerationConfig, LogitsProcessorList

        model, _ = self.load()
        pad_id, eos_ids = self._loaded["pad_id"], self._loaded["eos_ids"]
        width = max(len(p) for p in prompts)
        input_ids = torch.tensor([[pad_id] * (width - len(p)) + p for p in prompts], dtype=torch.long)
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], dtype=torch.long)
        config = GenerationConfig(
            max_new_tokens=sampling.max_new_tokens,
            do_sample=False,
            num_beams=1,
            temperature=1.0,
            top_k=50,  # library defaults: unused without do_sample, and silent
            top_p=1.0,
            repetition_penalty=sampling.repetition_penalty,
            pad_token_id=pad_id,
            eos_token_id=eos_ids,
        )
        sampler = RowSeededSampler(seeds=seeds, sampling=sampling, prompt_length=width)
        device = model.device
        with torch.inference_mode():
            output = model.generate(
                input_ids=input_ids.to(device),
                attention_mask=mask.to(device),
                generation_config=config,
                logits_processor=LogitsProcessorList([sampler]),
            )
        rows = []
        for row in output[:, width:].tolist():
            cut = next((j for j, tok in enumerate(row) if tok in eos_ids), len(row))
            rows.append(row[:cut])
        return rows


def _load(settings: TransformersBackend) -> dict[str, Any]:
    transformers = require("transformers")
    logger.info("loading %s on %s", settings.name, settings.device)
    common: dict[str, Any] = {"revision": settings.revision, "trust_remote_code": False}
    tokenizer = transformers.AutoTokenizer.from_pretrained(settings.model, **common)
    kwargs: dict[str, Any] = {**common, "dtype": settings.dtype}
    if settings.device == "auto":
        kwargs["device_map"] = "auto"
    model = transformers.AutoModelForCausalLM.from_pretrained(settings.model, **kwargs)
    if settings.adapter:
        peft = require("peft")
        model = peft.PeftModel.from_pretrained(model, settings.adapter).merge_and_unload()
    if settings.device != "auto":
        model = model.to(settings.device)
    model.eval()

    eos = model.generation_config.eos_token_id
    eos_ids = [eos] if isinstance(eos, int) else list(eos or [])
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in eos_ids:
        eos_ids.append(tokenizer.eos_token_id)
    if not eos_ids:
        raise ValueError(
            f"{settings.model}: neither the tokenizer nor the generation config has an eos token"
        )
    pad_id = tokenizer.pad_token_id
    if pad_id is None:
        pad_id = model.generation_config.pad_token_id
    if pad_id is None:
        pad_id = eos_ids[0]
    keep = {tokenizer.convert_tokens_to_ids(t) for t in _KEEP_TOKENS if t in tokenizer.get_vocab()}
    skip_ids = set(tokenizer.all_special_ids) - keep
    text_config = model.config.get_text_config()
    return {
        "model": model,
        "tokenizer": tokenizer,
        "pad_id": int(pad_id),
        "eos_ids": [int(e) for e in eos_ids],
        "skip_ids": skip_ids,
        "max_positions": int(getattr(text_config, "max_position_embeddings", 0) or 0),
    }


def render_prompt(tokenizer: Any, request: Request, chat_template_kwargs: Mapping[str, Any] | None) -> str:
    """The prompt text the backend sends: chat template + generation prompt, or the plain prompt."""
    if getattr(tokenizer, "chat_template", None):
        return str(
            tokenizer.apply_chat_template(
                request.messages,
                tokenize=False,
                add_generation_prompt=True,
                **dict(chat_template_kwargs or {}),
            )
        )
    return request.plain
