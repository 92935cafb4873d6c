"""The decode loop of :class:`~hf_synthmh.backends.transformers.TransformersBackend`: continuous batching.

``model.generate`` keeps every row of a batch until the longest one is done, so rows that already wrote
their end-of-sequence token are still computed (and a retried row or the tail of a call runs alone).
:func:`decode` instead keeps at most ``batch_size`` rows in flight over the whole call: a row leaves the
batch as soon as it ends, and the next waiting prompt is prefilled and joins at once. Every row is
sampled exactly as before (:class:`~hf_synthmh.backends.transformers.RowSeededSampler`, the noise of
row ``i`` at step ``t`` seeded by ``(seeds[i], t)``), so a row's text does not depend on its batch mates
or on when it joined (up to float round-off in the forward pass).

How rows of different lengths share one key/value cache: the cache is left-padded to a common length,
an attention mask marks the real positions, and each row gets explicit position ids (its own count of
real tokens). A joining row's prefilled cache is left-padded to the batch's length (or the batch to
its own); columns that no row still uses are cut from the left when rows leave. This needs a
``transformers`` ``DynamicCache`` made of plain ``DynamicLayer`` s (full attention; Llama, Qwen, Mistral,
SmolLM2, ...): :func:`new_cache` returns ``None`` for other caches (sliding windows, linear attention),
and the backend then falls back to ``model.generate`` per micro-batch.

Example (a tiny Llama built in code)::

    tokens = decode(model, [[5, 6, 7], [8, 9]], [0, 1], SamplingSettings(max_new_tokens=4),
                    batch_size=8, pad_id=0, eos_ids=[2])
"""

from __future__ import annotations

import inspect
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from hf_synthmh.backends.base import SamplingSettings
from hf_synthmh.backends.sampler import RowSeededSampler

if TYPE_CHECKING:
    import torch

__all__ = ["decode", "new_cache"]


def new_cache(model: Any) -> Any | None:
    """An empty ``DynamicCache`` for ``model`` whose layers are all plain ``DynamicLayer`` s, or ``None``
    when the model needs another kind (the decode loop then cannot pad and cut it)."""
    from transformers import DynamicCache

    try:
        from transformers.cache_utils import DynamicLayer
    except ImportError:  # an older layout of transformers' cache module
        return None
    try:
        cache = DynamicCache(config=model.config)
    except (TypeError, ValueError):
        return None
    layers = getattr(cache, "layers", None)
    if not layers or any(type(layer) is not DynamicLayer for layer in layers):
        return None
    return cache


def _cache_argument(model: Any) -> str:
    """``cache`` (transformers >= 5.2x) or ``past_key_values``: the forward argument that takes it."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def _pad_left(x: torch.Tensor, dim: int, extra: int) -> torch.Tensor:
    """``x`` with ``extra`` zeros in front along ``dim``."""
    import torch

    if extra <= 0:
        return x
    shape = list(x.shape)
    shape[dim] = extra
    return torch.cat([x.new_zeros(shape), x], dim=dim)


class _Batch:
    """The rows in flight: their cache, attention mask, last token and what each has written."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.cache_arg = _cache_argument(model)
        self.cache: Any = None
        self.mask: torch.Tensor | None = None  # (rows, length) long, 1 at real positions
        self.last: torch.Tensor | None = None  # (rows, 1) the token each row feeds next
        self.rows: list[int] = []  # prompt index of each batch row
        self.written: list[list[int]] = []  # new tokens of each batch row

    def __len__(self) -> int:
        return len(self.rows)

    def prefill(
        self, prompts: Sequence[Sequence[int]], pad_id: int
    ) -> tuple[Any, torch.Tensor, torch.Tensor]:
        """Run the left-padded ``prompts`` through the model: ``(cache, mask, last-position logits)``."""
        import torch

        width = max(len(p) for p in prompts)
        ids = torch.tensor([[pad_id] * (width - len(p)) + list(p) for p in prompts], dtype=torch.long)
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], dtype=torch.long)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        cache = new_cache(self.model)
        device = self.model.device
        out = self.model(
            input_ids=ids.to(device),
            attention_mask=mask.to(device),
            position_ids=positions.to(device),
            use_cache=True,
            logits_to_keep=1,
            **{self.cache_arg: cache},
        )
        return cache, mask.to(device), out.logits[:, -1, :]

    def join(
        self, cache: Any, mask: torch.Tensor, last: torch.Tensor, rows: list[int], written: list[list[int]]
    ) -> None:
        """Add prefilled rows (their cache and mask) to the batch, left-padding the shorter side."""
        import torch

        if self.mask is None or self.last is None or not self.rows:
            self.cache, self.mask, self.last, self.rows, self.written = cache, mask, last, rows, written
            return
        have, new = self.mask.shape[1], mask.shape[1]
        for mine, theirs in zip(self.cache.layers, cache.layers, strict=True):
            mine.keys = torch.cat(
                [_pad_left(mine.keys, 2, new - have), _pad_left(theirs.keys, 2, have - new)]
            )
            mine.values = torch.cat(
                [_pad_left(mine.values, 2, new - have), _pad_left(theirs.values, 2, have - new)]
            )
        self.mask = torch.cat([_pad_left(self.mask, 1, new - have), _pad_left(mask, 1, have - new)])
        self.last = torch.cat([self.last, last])
        self.rows += rows
        self.written += written

    def keep(self, keep: list[int]) -> None:
        """Keep only batch rows ``keep``; cut the columns no kept row uses any more."""
        import torch

        if self.mask is None or self.last is None:
            return
        index = torch.tensor(keep, dtype=torch.long, device=self.mask.device)
        self.mask, self.last = self.mask[index], self.last[index]
        self.rows = [self.rows[j] for j in keep]
        self.written = [self.written[j] for j in keep]
        used = self.mask.any(dim=0).nonzero()
        start = int(used[0]) if len(used) else self.mask.shape[1]
        self.mask = self.mask[:, start:]
        for layer in self.cache.layers:
            layer.keys = layer.keys[index, :, start:]
            layer.values = layer.values[index, :, start:]

    def step(self) -> torch.Tensor:
        """Feed every row its last token; the next-token logits, (rows, vocab)."""
        import torch

        assert self.mask is not None and self.last is not None
        positions = self.mask.sum(dim=1, keepdim=True)  # the fed token's position: real tokens before it
        self.mask = torch.cat([self.mask, self.mask.new_ones((len(self.rows), 1))], dim=1)
        out = self.model(
            input_ids=self.last,
            attention_mask=self.mask,
            position_ids=positions,
            use_cache=True,
            logits_to_keep=1,
            **{self.cache_arg: self.cache},
        )
        return out.logits[:, -1, :]


def _penalise(scores: torch.Tensor, seen: Sequence[Sequence[int]], penalty: float) -> torch.Tensor:
    """The repetition penalty of ``transformers`` (CTRL): each row's scores of tokens it has seen (its
    prompt and what it wrote, never padding) divided by ``penalty`` when positive, multiplied when not."""
    import torch

    if penalty == 1.0:
        return scores
    scores = scores.float().clone()
    for j, tokens in enumerate(seen):
        index = torch.tensor(sorted(set(tokens)), dtype=torch.long, device=scores.device)
        picked = scores[j, index]
        scores[j, index] = torch.where(picked < 0, picked * penalty, picked / penalty)
    return scores


def decode(
    model: Any,
    prompts: Sequence[Sequence[int]],
    seeds: Sequence[int],
    sampling: SamplingSettings,
    *,
    batch_size: int,
    pad_id: int,
    eos_ids: Sequence[int],
    on_done: Callable[[int, list[int]], None] | None = None,
) -> list[list[int]]:
    """The new tokens of every prompt (before its end-of-sequence token), at most ``batch_size`` rows in
    flight; ``on_done(i, tokens)`` is called as soon as prompt ``i`` is finished. Prompts join in the
    order given (sort them by length to pad less). Run it under ``torch.inference_mode()``."""
    if len(prompts) != len(seeds):
        raise ValueError(f"{len(prompts)} prompts but {len(seeds)} seeds")
    eos = {int(e) for e in eos_ids}
    out: list[list[int]] = [[] for _ in prompts]
    waiting = deque(range(len(prompts)))
    batch = _Batch(model)

    def sample(logits: torch.Tensor, rows: list[int], written: list[list[int]]) -> list[int]:
        scores = logits
        if sampling.repetition_penalty != 1.0:
            seen = [list(prompts[i]) + w for i, w in zip(rows, written, strict=True)]
            scores = _penalise(logits, seen, sampling.repetition_penalty)
        sampler = RowSeededSampler(seeds=[seeds[i] for i in rows], sampling=sampling, prompt_length=0)
        chosen = sampler.process(scores, [len(w) for w in written]).argmax(dim=-1)
        return [int(t) for t in chosen.tolist()]

    def finish(rows: list[int], written: list[list[int]], tokens: list[int]) -> list[int]:
        """Append each row's token; return the batch positions of rows still writing."""
        going = []
        for j, (row, token) in enumerate(zip(rows, tokens, strict=True)):
            if token in eos:
                done = True
            else:
                written[j].append(token)
                done = len(written[j]) >= sampling.max_new_tokens
            if done:
                out[row] = written[j]
                if on_done is not None:
                    on_done(row, written[j])
            else:
                going.append(j)
        return going

    while waiting or len(batch):
        if waiting and len(batch) < batch_size:
            rows = [waiting.popleft() for _ in range(min(batch_size - len(batch), len(waiting)))]
            cache, mask, logits = batch.prefill([prompts[i] for i in rows], pad_id)
            written: list[list[int]] = [[] for _ in rows]
            tokens = sample(logits, rows, written)
            going = finish(rows, written, tokens)
            if going:
                import torch

                index = torch.tensor(going, dtype=torch.long, device=mask.device)
                for layer in cache.layers:
                    layer.keys, layer.values = layer.keys[index], layer.values[index]
                last = torch.tensor([[tokens[j]] for j in going], dtype=torch.long, device=mask.device)
                batch.join(cache, mask[index], last, [rows[j] for j in going], [written[j] for j in going])
            continue  # fill every free slot before the next step
        logits = batch.step()
        tokens = sample(logits, batch.rows, batch.written)
        going = finish(batch.rows, batch.written, tokens)
        if batch.last is not None:
            import torch

            batch.last = torch.tensor([[t] for t in tokens], dtype=torch.long, device=batch.last.device)
        if len(going) < len(batch):
            batch.keep(going)
    return out
