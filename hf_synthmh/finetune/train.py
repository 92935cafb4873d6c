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
import math
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hf_synthmh._deps import require
from hf_synthmh.backends.base import folder_fingerprint, short_model_name
from hf_synthmh.finetune.data import Example, collate, encode_example, pack, requests_for, split_rows

if TYPE_CHECKING:
    from datasets import Dataset

logger = logging.getLogger(__name__)

__all__ = ["CHECKPOINT", "FinetuneResult", "FinetuneSettings", "finetune"]

CHECKPOINT = "checkpoint.pt"
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
    max_length: int = 768
    packing: bool = False
    validation_fraction: float = 0.1
    eval_every: int | None = None
    patience: int = 2
    save_every: int = 5
    seed: int = 0
    chat_template_kwargs: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        for name in ("r", "epochs", "batch_size", "max_length", "patience", "save_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in [0, 1), got {self.validation_fraction}")


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
        loop = _Loop(net=net, settings=s, rows=rows, vals=vals, pad_id=int(pad_id or 0), out=Path(out))
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
        )
        finish_adapter_folder(
            net, result, settings=s, base_id=base_id or short_model_name(model), license=license
        )
        (Path(out) / CHECKPOINT).unlink(missing_ok=True)
        return result
    finally:
        torch.set_num_threads(threads)


def _fingerprint(model: str, s: FinetuneSettings, rows: Sequence[Example], vals: Sequence[Example]) -> str:
    h = hashlib.sha256()
    settings = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in asdict(s).items()}
    settings.pop("save_every")  # how often to save does not change the adapter
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


class _Loop:
    """The training state of one :func:`finetune` call (a plain class: it holds the live model)."""

    def __init__(
        self,
        *,
        net: Any,
        settings: FinetuneSettings,
        rows: list[Example],
        vals: list[Example],
        pad_id: int,
        out: Path,
    ) -> None:
        self.net, self.s, self.rows, self.vals, self.pad_id, self.out = net, settings, rows, vals, pad_id, out
        self.fingerprint = ""
        self.step = self.resumed_at = self.tokens = self.bad_evals = 0
        self.seconds = 0.0
        self.history: list[dict[str, Any]] = []
        self.initial_val: float | None = None
        self.best_val = math.inf
        self.best_state: dict[str, Any] | None = None
        self.stopped_early = False
        self.epoch_loss: list[float] = []
        self.per_epoch = math.ceil(len(rows) / settings.batch_size)
        self.total = settings.max_steps or settings.epochs * self.per_epoch
        import torch

        params = [p for p in net.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(params, lr=settings.learning_rate, weight_decay=0.0)
        self.schedule = torch.optim.lr_scheduler.LambdaLR(self.optimizer, self._lr_factor)

    def _lr_factor(self, step: int) -> float:
        warm = self.s.warmup_steps
        if warm and step < warm:
            return (step + 1) / warm
        return max(0.1, 1.0 - (step - warm) / max(1, self.total - warm))

    def _batch(self, step: int) -> list[Example]:
        epoch, pos = divmod(step, self.per_epoch)
        order = list(range(len(self.rows)))
        random.Random(f"{self.s.seed}:{epoch}").shuffle(order)
        chosen = order[pos * self.s.batch_size : (pos + 1) * self.s.batch_size]
        return [self.rows[i] for i in chosen]

    def validation_loss(self) -> float:
        import torch

        self.net.eval()
        total = count = 0.0
        with torch.no_grad():
            for start in range(0, len(self.vals), self.s.batch_size):
                chunk = self.vals[start : start + self.s.batch_size]
                n = sum(e.target_tokens for e in chunk)
                total += float(self.net(**collate(chunk, pad_id=self.pad_id)).loss) * n
                count += n
        self.net.train()
        return total / max(count, 1.0)

    def run(self, *, progress: bool, on_step: Callable[[int, float], None] | None) -> None:
        import torch
        from tqdm.auto import tqdm

        self._resume()
        if self.vals and self.initial_val is None:
            self.initial_val = self.validation_loss()
            logger.info("validation loss before training: %.4f", self.initial_val)
        self.net.train()
        bar = tqdm(total=self.total, initial=self.step, desc="LoRA steps", unit="step", disable=not progress)
        started = time.perf_counter() - self.seconds
        while self.step < self.total and not self.stopped_early:
            batch = collate(self._batch(self.step), pad_id=self.pad_id)
            torch.manual_seed(self.s.seed * 1_000_003 + self.step)  # dropout: a function of the step
            loss = self.net(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in self.net.parameters() if p.requires_grad], 1.0)
            self.optimizer.step()
            self.schedule.step()
            self.optimizer.zero_grad(set_to_none=True)
            self.step += 1
            self.tokens += int(batch["attention_mask"].sum())
            self.epoch_loss.append(float(loss.detach()))
            self.seconds = time.perf_counter() - started
            bar.update(1)
            bar.set_postfix(loss=f"{self.epoch_loss[-1]:.3f}")
            end_of_epoch = self.step % self.per_epoch == 0 or self.step == self.total
            every = self.s.eval_every
            if end_of_epoch or (every and self.step % every == 0):
                self._evaluate(epoch_done=end_of_epoch)
            if self.step % self.s.save_every == 0 or self.step == self.total or self.stopped_early:
                self._save()
            if on_step is not None:
                on_step(self.step, self.epoch_loss[-1])
        bar.close()
        if self.best_state is not None:
            from peft import set_peft_model_state_dict

            set_peft_model_state_dict(self.net, self.best_state)

    def _evaluate(self, *, epoch_done: bool) -> None:
        from peft import get_peft_model_state_dict

        record: dict[str, Any] = {
            "step": self.step,
            "epoch": round(self.step / self.per_epoch, 3),
            "train_loss": sum(self.epoch_loss) / max(1, len(self.epoch_loss)),
        }
        if epoch_done:
            self.epoch_loss = []
        if self.vals:
            val = self.validation_loss()
            record["validation_loss"] = val
            if val < self.best_val:
                self.best_val, self.bad_evals = val, 0
                self.best_state = {
                    k: v.detach().clone() for k, v in get_peft_model_state_dict(self.net).items()
                }
            else:
                self.bad_evals += 1
                self.stopped_early = self.bad_evals >= self.s.patience
        self.history.append(record)
        logger.info(
            "step %d: %s", self.step, {k: round(v, 4) for k, v in record.items() if isinstance(v, float)}
        )

    _STATE = (
        "step",
        "tokens",
        "seconds",
        "history",
        "initial_val",
        "best_val",
        "bad_evals",
        "best_state",
        "stopped_early",
        "epoch_loss",
    )

    def _save(self) -> None:
        import torch
        from peft import get_peft_model_state_dict

        self.out.mkdir(parents=True, exist_ok=True)
        state = {name: getattr(self, name) for name in self._STATE}
        state.update(
            fingerprint=self.fingerprint,
            lora=get_peft_model_state_dict(self.net),
            optimizer=self.optimizer.state_dict(),
            schedule=self.schedule.state_dict(),
        )
        tmp = self.out / f".{CHECKPOINT}.tmp"
        torch.save(state, tmp)
        os.replace(tmp, self.out / CHECKPOINT)

    def _resume(self) -> None:
        import torch
        from peft import set_peft_model_state_dict

        path = self.out / CHECKPOINT
        if not path.exists():
            return
        state = torch.load(path, weights_only=False)
        if state.get("fingerprint") != self.fingerprint:
            raise ValueError(
                f"{path} is a checkpoint of a different run (model, data or settings differ); "
                "remove it or choose another output folder"
            )
        set_peft_model_state_dict(self.net, state["lora"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.schedule.load_state_dict(state["schedule"])
        for name in self._STATE:
            setattr(self, name, state[name])
        self.resumed_at = self.step
        logger.info("resuming from step %d of %d", self.step, self.total)
