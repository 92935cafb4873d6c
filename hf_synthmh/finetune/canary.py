"""Canaries for a memorisation audit (Carlini et al. 2019, "The Secret Sharer").

:func:`plant_canaries` draws random secret-like sentences (``"Hospital number MRN 482915."``: a fixed
format with a six-digit secret, so the candidate space has ``|R| = 10**6`` members) and writes each one as
the first line of ``repeats`` training reports of a *copy* of the train split. Canaries with 0 repeats are
controls, never seen in training.

:func:`canary_exposures` scores a model: the log-perplexity of each canary's sentence (given the
Generator's prompt of the row it was planted in, as in training) is compared with that of
``n_candidates`` random sentences of the same format. Exposure is ``log2 |R| - log2 rank``:

- ``exposure_sampled``: the rank estimated from the share of sampled candidates that the model finds at
  least as likely (``rank ≈ 1 + (|R| - 1) * share``); it saturates at ``log2 |R|`` when no candidate beats
  the canary and has a resolution of about ``log2 n_candidates`` bits;
- ``exposure``: the paper's extrapolation, ``-log2 P(candidate log-perplexity <= canary's)`` under a
  skew-normal fitted to the candidates' log-perplexities (scipy), not bounded by the sample size.

A model that never saw the canary gives exposures near 1 (rank in the middle); memorised canaries reach
``log2 |R|`` ≈ 19.9 and beyond with the extrapolation.

>>> planted, canaries = plant_canaries(_toy(), n=2, repeats=(0, 2), seed=1)
>>> [c.repeats for c in canaries], [len(c.row_ids) for c in canaries]
([0, 2], [0, 2])
>>> sum(canaries[1].text in t for t in planted["text"]), sum(canaries[0].text in t for t in planted["text"])
(2, 0)
>>> canaries[0].text.startswith("Hospital number MRN ") and len(canaries[0].secret) == 6
True
>>> round(exposure_from_rank(rank=1, space=1024), 1), round(exposure_from_rank(rank=512, space=1024), 1)
(10.0, 1.0)
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hf_synthmh._deps import require

if TYPE_CHECKING:
    from datasets import Dataset

logger = logging.getLogger(__name__)

__all__ = [
    "CANARY_FORMAT",
    "SECRET_DIGITS",
    "Canary",
    "cache_argument",
    "canary_exposures",
    "canary_text",
    "exposure_from_rank",
    "plant_canaries",
]

CANARY_FORMAT = "Hospital number MRN {secret}."
SECRET_DIGITS = 6


@dataclass(frozen=True, kw_only=True)
class Canary:
    """One planted (or control) canary: its secret, sentence, and where it went."""

    secret: str
    text: str
    repeats: int
    #: Ids of the training rows that carry it (empty for a control).
    row_ids: tuple[str, ...]
    #: Id of the row whose prompt is the canary's context when it is scored (its first planted row, or a
    #: random row for a control).
    context_id: str


def canary_text(secret: str) -> str:
    """The canary sentence of ``secret``.

    >>> canary_text("000123")
    'Hospital number MRN 000123.'
    """
    return CANARY_FORMAT.format(secret=secret)


def _secret(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") for _ in range(SECRET_DIGITS))


def plant_canaries(
    train: Dataset, *, n: int, repeats: Sequence[int] = (0, 1, 4, 16), seed: int = 0
) -> tuple[Dataset, list[Canary]]:
    """A copy of ``train`` (``id``, ``text``) with ``n`` canaries planted; canary ``i`` goes into
    ``repeats[i % len(repeats)]`` distinct rows (0: a control). A row carries at most one canary."""
    rng = random.Random(f"canaries:{seed}")
    ids = [str(i) for i in train["id"]]
    need = sum(repeats[i % len(repeats)] for i in range(n))
    if need > len(ids):
        raise ValueError(f"{need} planted copies need as many training rows; the split has {len(ids)}")
    free = list(range(len(ids)))
    rng.shuffle(free)
    secrets: set[str] = set()
    canaries: list[Canary] = []
    where: dict[int, str] = {}
    for i in range(n):
        secret = _secret(rng)
        while secret in secrets:
            secret = _secret(rng)
        secrets.add(secret)
        k = repeats[i % len(repeats)]
        rows, free = free[:k], free[k:]
        for row in rows:
            where[row] = canary_text(secret)
        context = ids[rows[0]] if rows else ids[rng.randrange(len(ids))]
        canaries.append(
            Canary(
                secret=secret,
                text=canary_text(secret),
                repeats=k,
                row_ids=tuple(ids[r] for r in rows),
                context_id=context,
            )
        )

    def _plant(batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        texts = [f"{where[i]}\n{t}" if i in where else t for i, t in zip(indices, batch["text"], strict=True)]
        return {"text": texts}

    planted = train.map(_plant, batched=True, with_indices=True, desc="Planting canaries")
    logger.info(
        "planted %d canaries into %d rows (%d controls)", n, len(where), sum(c.repeats == 0 for c in canaries)
    )
    return planted, canaries


def exposure_from_rank(*, rank: float, space: float) -> float:
    """``log2(space) - log2(rank)``."""
    return math.log2(space) - math.log2(max(rank, 1.0))


def cache_argument(model: Any) -> str:
    """The keyword of a key/value cache in ``model``'s forward: ``cache`` from transformers 5.25 on,
    ``past_key_values`` before (deprecated in 5.25, removed in 5.40). A peft model is asked about its base.

    >>> class Old:
    ...     def forward(self, input_ids=None, past_key_values=None): ...
    >>> class New:
    ...     def forward(self, input_ids=None, cache=None, **kwargs): ...
    >>> cache_argument(Old()), cache_argument(New())
    ('past_key_values', 'cache')
    """
    import inspect

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"


def _log_perplexities(
    model: Any, tokenizer: Any, prompt_ids: list[int], sentences: list[str], batch: int
) -> list[float]:
    """Summed negative log-likelihood (nats) of each sentence's tokens (plus the newline after it) given
    ``prompt_ids``. The prompt runs once; its key/value cache is copied for every batch of sentences."""
    import copy

    import torch

    name = cache_argument(model)
    with torch.no_grad():
        first = model(input_ids=torch.tensor([prompt_ids]), use_cache=True)
    prefix = getattr(first, "cache", None)
    if prefix is None:
        prefix = first.past_key_values
    first_logprobs = torch.log_softmax(first.logits[0, -1].float(), dim=-1)
    out: list[float] = []
    for start in range(0, len(sentences), batch):
        chunk = sentences[start : start + batch]
        targets = [list(tokenizer(s + "\n", add_special_tokens=False)["input_ids"]) for s in chunk]
        width = max(len(t) for t in targets)
        ids = torch.zeros((len(chunk), width), dtype=torch.long)
        mask = torch.zeros((len(chunk), len(prompt_ids) + width), dtype=torch.long)
        mask[:, : len(prompt_ids)] = 1
        for row, target in enumerate(targets):
            ids[row, : len(target)] = torch.tensor(target)
            mask[row, len(prompt_ids) : len(prompt_ids) + len(target)] = 1
        cache = copy.deepcopy(prefix)
        cache.batch_repeat_interleave(len(chunk))
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=mask, use_cache=True, **{name: cache}).logits
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        for row, target in enumerate(targets):
            nll = -float(first_logprobs[target[0]])
            for k in range(1, len(target)):
                nll -= float(logprobs[row, k - 1, target[k]])
            out.append(nll)
    return out


def canary_exposures(
    model: Any,
    tokenizer: Any,
    canaries: Sequence[Canary],
    *,
    train: Dataset,
    n_candidates: int = 200,
    seed: int = 0,
    batch_size: int = 16,
    chat_template_kwargs: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Exposure of each canary under ``model`` (a loaded causal LM, e.g. base + adapter, in eval mode).

    ``train`` is the planted split (``id``, ``text``, ``label``): a canary's context is the Generator's
    prompt for its ``context_id`` row, rendered and tokenised as in training. Returns one dict per canary:
    ``repeats``, ``log_perplexity``, ``rank_sampled`` (1 + candidates at least as likely), ``n_candidates``,
    ``exposure_sampled``, ``exposure`` (skew-normal extrapolation) and ``max_exposure`` (``log2 |R|``).
    Secrets are not in the output.
    """
    stats = require("scipy.stats", package="scipy")
    from hf_synthmh.backends.transformers import render_prompt
    from hf_synthmh.finetune.data import requests_for
    from hf_synthmh.io import codes_of

    space = 10.0**SECRET_DIGITS
    position = {str(i): k for k, i in enumerate(train["id"])}
    codes = codes_of(train)
    chat = bool(getattr(tokenizer, "chat_template", None))
    results: list[dict[str, Any]] = []
    model.eval()
    for index, canary in enumerate(canaries):
        row = position[canary.context_id]
        text = train[row]["text"]
        request = requests_for(ids=[canary.context_id], codes=[codes[row]], texts=[text])[0]
        prompt = render_prompt(tokenizer, request, chat_template_kwargs)
        prompt_ids = list(tokenizer(prompt, add_special_tokens=not chat)["input_ids"])
        rng = random.Random(f"candidates:{seed}:{index}")
        candidates: list[str] = []
        while len(candidates) < n_candidates:
            secret = _secret(rng)
            if secret != canary.secret:
                candidates.append(canary_text(secret))
        scores = _log_perplexities(model, tokenizer, prompt_ids, [canary.text, *candidates], batch_size)
        mine, others = scores[0], scores[1:]
        beaten_by = sum(1 for s in others if s <= mine)
        rank = 1 + (space - 1) * beaten_by / len(others)
        a, loc, scale = stats.skewnorm.fit(others)
        tail = float(stats.skewnorm.cdf(mine, a, loc=loc, scale=scale))
        results.append(
            {
                "canary": index,
                "repeats": canary.repeats,
                "log_perplexity": round(mine, 4),
                "candidates_mean_log_perplexity": round(sum(others) / len(others), 4),
                "rank_sampled": 1 + beaten_by,
                "n_candidates": len(others),
                "exposure_sampled": round(exposure_from_rank(rank=rank, space=space), 3),
                "exposure": round(-math.log2(max(tail, 1e-300)), 3),
                "max_exposure": round(math.log2(space), 3),
            }
        )
    return results


def _toy() -> Dataset:
    from datasets import Dataset

    return Dataset.from_dict({"id": ["a", "b", "c"], "text": ["one", "two", "three"], "label": ["F32.1"] * 3})
