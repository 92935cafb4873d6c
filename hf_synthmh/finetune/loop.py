"""The training loop of :func:`~hf_synthmh.finetune.finetune`: steps, validation, early stopping,
checkpoints, and DP-SGD when the settings ask for it (:mod:`hf_synthmh.finetune.dp`).

A plain class: it holds the live model. Without DP, batches are a seeded shuffle per epoch and gradients
are clipped to norm 1 over the whole batch; with DP, batches are Poisson samples, each row's gradient is
clipped and noise is added, the epsilon spent is recorded at every evaluation, and the last adapter is
kept (no early stopping). With ``micro_batch_size`` a step's batch goes through the model in chunks and
their gradients add up before the step (opacus keeps the per-row gradients of every chunk), so large
(e.g. DP) batches fit in memory. Logs carry counts and losses, never text.
"""

from __future__ import annotations

import logging
import math
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hf_synthmh.finetune.data import Example, collate

if TYPE_CHECKING:
    from hf_synthmh.finetune.dp import DPState
    from hf_synthmh.finetune.train import FinetuneSettings

logger = logging.getLogger(__name__)

__all__ = ["CHECKPOINT", "Loop"]

CHECKPOINT = "checkpoint.pt"


class Loop:
    """The training state of one :func:`~hf_synthmh.finetune.finetune` call."""

    def __init__(
        self,
        *,
        net: Any,
        settings: FinetuneSettings,
        rows: list[Example],
        vals: list[Example],
        pad_id: int,
        out: Path,
        dp: Any = None,
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
        self.dp: DPState | None = None
        if dp is not None:
            from hf_synthmh.finetune.dp import setup_dp

            self.dp = setup_dp(
                net, self.optimizer, dp, rows=len(rows), batch_size=settings.batch_size, steps=self.total
            )

    def _lr_factor(self, step: int) -> float:
        warm = self.s.warmup_steps
        if warm and step < warm:
            return (step + 1) / warm
        return max(0.1, 1.0 - (step - warm) / max(1, self.total - warm))

    def _batch(self, step: int) -> list[Example]:
        if self.dp is not None:
            from hf_synthmh.finetune.dp import poisson_batch

            chosen = poisson_batch(
                len(self.rows), sample_rate=self.dp.sample_rate, seed=self.s.seed, step=step
            )
            # An empty Poisson batch still steps (noise only): one row whose loss counts no token.
            return [self.rows[i] for i in chosen] or [Example(input_ids=[self.pad_id], labels=[-100])]
        epoch, pos = divmod(step, self.per_epoch)
        order = list(range(len(self.rows)))
        random.Random(f"{self.s.seed}:{epoch}").shuffle(order)
        chosen = order[pos * self.s.batch_size : (pos + 1) * self.s.batch_size]
        return [self.rows[i] for i in chosen]

    def _chunks(self, batch: list[Example]) -> list[list[Example]]:
        """The step's rows in passes of ``micro_batch_size`` (one pass when unset)."""
        size = self.s.micro_batch_size or len(batch) or 1
        return [batch[i : i + size] for i in range(0, len(batch), size)] or [batch]

    def _accumulate(self, chunks: list[dict[str, Any]]) -> Any:
        """Backward the batch's token-mean loss pass by pass (each pass weighted by its share of the
        target tokens, so the gradient is the whole batch's); return that loss."""
        if len(chunks) == 1:
            loss = self.net(**chunks[0]).loss
            loss.backward()
            return loss
        import torch

        counts = [int((c["labels"][:, 1:] != -100).sum()) for c in chunks]
        total = max(sum(counts), 1)
        loss = torch.zeros(())
        for chunk, count in zip(chunks, counts, strict=True):
            if count == 0:
                continue
            part = self.net(**chunk).loss * (count / total)
            part.backward()
            loss = loss + part.detach()
        return loss

    def validation_loss(self) -> float:
        import torch

        self.net.eval()
        total = count = 0.0
        with torch.no_grad():
            size = self.s.micro_batch_size or self.s.batch_size
            for start in range(0, len(self.vals), size):
                chunk = self.vals[start : start + size]
                n = sum(e.target_tokens for e in chunk)
                total += float(self.net(**collate(chunk, pad_id=self.pad_id)).loss) * n
                count += n
        self.net.train()
        return total / max(count, 1.0)

    def run(self, *, progress: bool, on_step: Callable[[int, float], None] | None) -> None:
        import torch
        from tqdm.auto import tqdm

        from hf_synthmh.finetune.dp import per_row_loss

        self._resume()
        if self.vals and self.initial_val is None:
            self.initial_val = self.validation_loss()
            logger.info("validation loss before training: %.4f", self.initial_val)
        self.net.train()
        bar = tqdm(total=self.total, initial=self.step, desc="LoRA steps", unit="step", disable=not progress)
        started = time.perf_counter() - self.seconds
        while self.step < self.total and not self.stopped_early:
            chunks = [collate(c, pad_id=self.pad_id) for c in self._chunks(self._batch(self.step))]
            torch.manual_seed(self.s.seed * 1_000_003 + self.step)  # dropout: a function of the step
            if self.dp is None:
                loss = self._accumulate(chunks)
                torch.nn.utils.clip_grad_norm_([p for p in self.net.parameters() if p.requires_grad], 1.0)
                self.optimizer.step()
                self.optimizer.zero_grad(set_to_none=True)
            else:
                rows = sum(len(c["input_ids"]) for c in chunks)
                loss = torch.zeros(())
                for chunk in chunks:  # opacus keeps each chunk's per-row gradients until the step
                    part = per_row_loss(self.dp.module, chunk)
                    part.mean().backward()
                    loss = loss + part.detach().sum() / rows
                if len(chunks) > 1:  # one batch, not opacus's "virtual steps" (which divide by their count)
                    for p in self.dp.optimizer.params:
                        if isinstance(p.grad_sample, list):
                            p.grad_sample = torch.cat(p.grad_sample, dim=0)
                # The noise: a function of the seed and step alone (not of how many passes ran before).
                self.dp.optimizer.generator.manual_seed(self.s.seed * 1_000_003 + self.step)
                self.dp.optimizer.step()  # clips each row's gradient, adds noise, steps AdamW
                self.dp.optimizer.zero_grad(set_to_none=True)
            self.schedule.step()
            self.step += 1
            self.tokens += sum(int(c["attention_mask"].sum()) for c in chunks)
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
        if self.dp is not None:
            self.dp.close()
        elif self.best_state is not None:
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
        if self.dp is not None:
            record["epsilon"] = self.dp.epsilon(self.step)
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
                # With DP the validation rows must not choose the weights: no early stopping.
                self.stopped_early = self.dp is None and self.bad_evals >= self.s.patience
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
