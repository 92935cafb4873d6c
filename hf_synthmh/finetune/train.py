"""LoRA supervised fine-tuning with peft: a small plain training loop, resumable and early-stopped.

:func:`finetune` trains a LoRA adapter on a real split (``text`` and ``label`` columns, ``id`` optional)
so that the model writes the report when given the Generator's prompt for its code (see
:mod:`hf_synthmh.finetune.data`). A seeded part of the rows is held out for validation; the validation
loss is measured before training, at the end of every epoch (or every ``eval_every`` steps), and training
stops after ``patience`` evaluations without improvement. The adapter with the best validation loss is
saved (the last one without validation).

Resuming: every ``save_every`` steps the LoRA weights, optimizer, schedule, history and early-stopping
state go to ``OUT/checkpoint.pt`` (written to a temporary file, then renamed). A run started again with
the same model, data and settings continues from there; the data order and dropout are derived from the
seed and the step alone, so a resumed run ends with the same adapter as an uninterrupted one. A
checkpoint of a different run is an error, never silently dropped. It is removed once the adapter is saved.

Torch runs on one thread (two were slower on the shared 2-core machines). Logs carry counts and losses,
never text.

Example (needs a model; ``tests/test_finetune.py`` builds a tiny one)::

    result = finetune(load_demo_corpus()["train"], model="/models/SmolLM2", out=Path("adapter"),
                      base_id="HuggingFaceTB/SmolLM2-135M-Instruct")
    TransformersBackend(model="/models/SmolLM2", adapter="adapter")
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hf_synthmh._deps import require
from hf_synthmh.backends.base import folder_fingerprint, short_model_name
from hf_synthmh.finetune.data import Example, encode_example, pack, requests_for, split_rows
from hf_synthmh.finetune.dp import DPSettings
from hf_synthmh.finetune.loop import CHECKPOINT, Loop

if TYPE_CHECKING:
    from datasets import Dataset

logger = logging.getLogger(__name__)

__all__ = ["CHECKPOINT", "DPSettings", "FinetuneResult", "FinetuneSettings", "finetune"]

_VERSION = 1  # bump when training changes, so an old checkpoint is refused


@dataclass(frozen=True, kw_only=True)
class FinetuneSettings:
    """Hyper-parameters of :func:`finetune` (LoRA on the attention projections by default).

    >>> FinetuneSettings().r, FinetuneSettings(packing=True).packing
    (16, True)
    """

    r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    learning_rate: float = 2e-4
    warmup_steps: int = 2
    epochs: int = 1
    max_steps: int | None = None
    batch_size: int = 4
    #: Rows per forward/backward pass; a step accumulates its batch in chunks of this size (same update,
    #: less memory: e.g. DP-SGD's large Poisson batches). ``None``: the whole batch at once.
    micro_batch_size: int | None = None
    max_length: int = 768
    packing: bool = False
    validation_fraction: float = 0.1
    eval_every: int | None = None
    patience: int = 2
    save_every: int = 5
    seed: int = 0
    chat_template_kwargs: Mapping[str, Any] | None = None
    #: DP-SGD on the LoRA parameters (:mod:`hf_synthmh.finetune.dp`); ``None`` trains without DP.
    dp: DPSettings | None = None

    def __post_init__(self) -> None:
        for name in ("r", "epochs", "batch_size", "max_length", "patience", "save_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in [0, 1), got {self.validation_fraction}")
        if self.micro_batch_size is not None and self.micro_batch_size < 1:
            raise ValueError(f"micro_batch_size must be >= 1, got {self.micro_batch_size}")
        if self.dp is not None and self.packing:
            raise ValueError("packing puts several reports in one sequence: not with DP (one row per report)")


@dataclass(frozen=True, kw_only=True)
class FinetuneResult:
    """What :func:`finetune` did: the adapter folder and the figures its model card states."""

    out: Path
    steps: int
    history: list[dict[str, Any]]
    initial_validation_loss: float | None
    best_validation_loss: float | None
    stopped_early: bool
    resumed_at_step: int
    seconds: float
    train_tokens: int
    data: dict[str, Any] = field(default_factory=dict)
    #: The DP guarantee (``privacy.json``: epsilon, delta, noise, clipping, ...), ``None`` without DP.
    privacy: dict[str, Any] | None = None


def finetune(
    train: Dataset,
    *,
    model: str,
    out: Path,
    settings: FinetuneSettings | None = None,
    base_id: str | None = None,
    split_name: str = "train",
    license: str | None = None,
    progress: bool = True,
    on_step: Callable[[int, float], None] | None = None,
) -> FinetuneResult:
    """Train a LoRA adapter of ``model`` (Hub id or folder) on ``train`` and save it to ``out``.

    ``base_id`` is the name written into the adapter's config and card in place of a local path (default:
    the Hub id, or the folder's name). ``on_step(step, loss)`` is called after each step (and its
    checkpoint). Returns a :class:`FinetuneResult`; ``out`` gets the adapter, ``README.md`` (the card,
    see :mod:`hf_synthmh.finetune.card`) and ``training_log.json``.
    """
    from hf_synthmh.finetune.card import finish_adapter_folder
    from hf_synthmh.io import codes_of

    s = settings or FinetuneSettings()
    torch = require("torch")
    transformers = require("transformers")
    peft = require("peft")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(model, trust_remote_code=False)
        codes, texts = codes_of(train), list(train["text"])
        ids = list(train["id"]) if "id" in train.column_names else [str(i) for i in range(len(texts))]
        requests = requests_for(ids=ids, codes=codes, texts=texts)
        encoded = [
            encode_example(
                tokenizer, r, t, max_length=s.max_length, chat_template_kwargs=s.chat_template_kwargs
            )
            for r, t in zip(requests, texts, strict=True)
        ]
        usable = [i for i, e in enumerate(encoded) if e is not None]
        train_idx, val_idx = split_rows(len(usable), validation_fraction=s.validation_fraction, seed=s.seed)
        train_ex = [encoded[usable[i]] for i in train_idx]
        val_ex = [encoded[usable[i]] for i in val_idx]
        rows: list[Example] = [e for e in train_ex if e is not None]
        vals: list[Example] = [e for e in val_ex if e is not None]
        if not rows:
            raise ValueError("no training example fits max_length; raise it")
        if s.packing:
            rows = pack(rows, max_length=s.max_length)
        data = {
            "split": split_name,
            "rows": len(texts),
            "train_examples": len(train_ex),
            "validation_examples": len(vals),
            "skipped_too_long": len(texts) - len(usable),
            "train_sequences": len(rows),
            "train_target_tokens": sum(e.target_tokens for e in rows),
        }
        base = transformers.AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32)
        config = peft.LoraConfig(
            task_type="CAUSAL_LM",
            r=s.r,
            lora_alpha=s.lora_alpha,
            lora_dropout=s.lora_dropout,
            target_modules=list(s.target_modules),
        )
        torch.manual_seed(s.seed)
        net = peft.get_peft_model(base, config)
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        loop = Loop(
            net=net, settings=s, rows=rows, vals=vals, pad_id=int(pad_id or 0), out=Path(out), dp=s.dp
        )
        loop.fingerprint = _fingerprint(model, s, rows, vals)
        loop.run(progress=progress, on_step=on_step)
        trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
        total = sum(p.numel() for p in net.parameters())
        result = FinetuneResult(
            out=Path(out),
            steps=loop.step,
            history=loop.history,
            initial_validation_loss=loop.initial_val,
            best_validation_loss=loop.best_val if vals else None,
            stopped_early=loop.stopped_early,
            resumed_at_step=loop.resumed_at,
            seconds=loop.seconds,
            train_tokens=loop.tokens,
            data={**data, "trainable_parameters": trainable, "total_parameters": total},
            privacy=_privacy(loop, Path(out), rows=len(rows)),
        )
        finish_adapter_folder(
            net, result, settings=s, base_id=base_id or short_model_name(model), license=license
        )
        (Path(out) / CHECKPOINT).unlink(missing_ok=True)
        return result
    finally:
        torch.set_num_threads(threads)


def _privacy(loop: Loop, out: Path, *, rows: int) -> dict[str, Any] | None:
    """Write ``privacy.json`` for a DP run (and return it); remove a stale one otherwise."""
    from hf_synthmh.finetune.dp import PRIVACY_FILE, write_privacy

    if loop.dp is None:
        (out / PRIVACY_FILE).unlink(missing_ok=True)
        return None
    out.mkdir(parents=True, exist_ok=True)
    return write_privacy(out, loop.dp, steps=loop.step, rows=rows, history=loop.history)


def _fingerprint(model: str, s: FinetuneSettings, rows: Sequence[Example], vals: Sequence[Example]) -> str:
    h = hashlib.sha256()
    settings = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in asdict(s).items()}
    settings.pop("save_every")  # how often to save does not change the adapter
    settings.pop("micro_batch_size")  # nor how a step's batch is split into passes
    h.update(
        json.dumps(
            {"v": _VERSION, "model": folder_fingerprint(model) or model, **settings},
            sort_keys=True,
            default=list,
        ).encode()
    )
    for e in [*rows, None, *vals]:
        h.update(b"|" if e is None else json.dumps([e.input_ids, e.labels]).encode())
    return h.hexdigest()[:16]
