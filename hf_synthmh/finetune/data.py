"""Training examples for LoRA SFT: the Generator's own prompt, then the real report; loss on the report only.

Each real row becomes the request :class:`~hf_synthmh.generate.Generator` would send for its code
(:func:`hf_synthmh.prompts.build_request`, no exemplars) rendered exactly as
:class:`~hf_synthmh.backends.transformers.TransformersBackend` renders it (the tokenizer's chat template
with the generation prompt, or the plain prompt for models without one), tokenised on its own like the
backend does, followed by the report's tokens and ``eos``. Labels are ``-100`` on the prompt (and on
padding), so the loss counts report tokens only. Patient attributes are read from the report
(:func:`hf_synthmh.demo.model.guess_attributes`); case attributes are drawn per row as the plan draws them,
so the model sees every prompt line it will see at generation time.

Nothing here logs or returns text beyond the token ids.

>>> examples = [Example(input_ids=[1, 2, 3], labels=[-100, 2, 3])] * 2
>>> batch = collate(examples[:1] + [Example(input_ids=[5], labels=[5])], pad_id=0)
>>> batch["input_ids"].tolist(), batch["labels"].tolist(), batch["attention_mask"].tolist()
([[1, 2, 3], [5, 0, 0]], [[-100, 2, 3], [5, -100, -100]], [[1, 1, 1], [1, 0, 0]])
>>> [len(e.input_ids) for e in pack(examples, max_length=7)]
[6]
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hf_synthmh.backends.base import Request
from hf_synthmh.backends.transformers import render_prompt
from hf_synthmh.prompts import build_request

if TYPE_CHECKING:
    import torch

__all__ = ["Example", "collate", "encode_example", "pack", "requests_for", "split_rows"]


@dataclass(frozen=True)
class Example:
    """Token ids of one training row and its labels (``-100`` where no loss is taken)."""

    input_ids: list[int]
    labels: list[int]

    @property
    def target_tokens(self) -> int:
        return sum(1 for t in self.labels if t != -100)


def requests_for(*, ids: Sequence[str], codes: Sequence[str], texts: Sequence[str]) -> list[Request]:
    """The Generator's request for each real row (attributes guessed from the report, no exemplars).

    >>> req = requests_for(ids=["r1"], codes=["F41.1"], texts=["A 22-year-old man, seen in clinic."])[0]
    >>> req.plain.splitlines()[:2]
    ['ICD-10: F41.1 Generalized anxiety disorder', 'Patient: 18-24, male, outpatient clinic']
    """
    from hf_synthmh import icd10
    from hf_synthmh.demo.model import guess_attributes
    from hf_synthmh.plan import case_attributes

    out = []
    for row_id, code, text in zip(ids, codes, texts, strict=True):
        title = icd10.title(code)
        seed = int.from_bytes(hashlib.sha256(f"finetune:{row_id}".encode()).digest()[:4], "big")
        attributes = {**guess_attributes(text, key=code), **case_attributes(code, title, seed)}
        out.append(build_request(code=code, title=title, attributes=attributes, exemplars=[]))
    return out


def encode_example(
    tokenizer: Any,
    request: Request,
    report: str,
    *,
    max_length: int,
    chat_template_kwargs: Mapping[str, Any] | None = None,
) -> Example | None:
    """Prompt ids (as the backend tokenises them) + report ids + eos, cut to ``max_length``; ``None``
    when the prompt leaves no room for at least one report token."""
    chat = bool(getattr(tokenizer, "chat_template", None))
    prompt = list(
        tokenizer(render_prompt(tokenizer, request, chat_template_kwargs), add_special_tokens=not chat)[
            "input_ids"
        ]
    )
    target = list(tokenizer(report.strip(), add_special_tokens=False)["input_ids"])
    if tokenizer.eos_token_id is not None:
        target.append(int(tokenizer.eos_token_id))
    room = max_length - len(prompt)
    if room < 1:
        return None
    target = target[:room]
    return Example(input_ids=prompt + target, labels=[-100] * len(prompt) + target)


def pack(examples: Sequence[Example], *, max_length: int) -> list[Example]:
    """Whole examples concatenated, in order, into rows of at most ``max_length`` tokens (less padding;
    examples in one row attend to earlier ones, as in plain packing)."""
    rows: list[Example] = []
    ids: list[int] = []
    labels: list[int] = []
    for ex in examples:
        if ids and len(ids) + len(ex.input_ids) > max_length:
            rows.append(Example(input_ids=ids, labels=labels))
            ids, labels = [], []
        ids, labels = ids + ex.input_ids, labels + ex.labels
    if ids:
        rows.append(Example(input_ids=ids, labels=labels))
    return rows


def collate(examples: Sequence[Example], *, pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded ``input_ids``, ``attention_mask`` and ``labels`` (``-100`` on padding)."""
    import torch

    width = max(len(e.input_ids) for e in examples)
    ids = [e.input_ids + [pad_id] * (width - len(e.input_ids)) for e in examples]
    labels = [e.labels + [-100] * (width - len(e.labels)) for e in examples]
    mask = [[1] * len(e.input_ids) + [0] * (width - len(e.input_ids)) for e in examples]
    return {
        "input_ids": torch.tensor(ids, dtype=torch.long),
        "attention_mask": torch.tensor(mask, dtype=torch.long),
        "labels": torch.tensor(labels, dtype=torch.long),
    }


def split_rows(n: int, *, validation_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Row indices for training and validation: a seeded shuffle, at least one validation row when
    ``validation_fraction > 0`` and ``n >= 2``.

    >>> train, val = split_rows(10, validation_fraction=0.2, seed=0)
    >>> len(train), len(val), sorted(train + val) == list(range(10))
    (8, 2, True)
    """
    order = list(range(n))
    random.Random(seed).shuffle(order)
    k = 0 if validation_fraction <= 0 or n < 2 else max(1, round(n * validation_fraction))
    return sorted(order[k:]), sorted(order[:k])
