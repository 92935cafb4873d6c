"""Differential privacy for LoRA fine-tuning: DP-SGD with opacus on the LoRA parameters only.

Each step samples the training rows by Poisson sampling (every row independently, with probability
``q = batch_size / rows``, seeded by the run's seed and the step, so a resumed run draws the same
batches), computes one gradient per row with opacus's ``GradSampleModule`` (hooks on the LoRA
``nn.Linear`` layers; the base model is frozen), clips each row's gradient to ``max_grad_norm``, adds
Gaussian noise of ``noise_multiplier * max_grad_norm`` and steps (opacus ``DPOptimizer`` around AdamW).
The RDP accountant gives the epsilon spent after any number of steps at ``delta``; with
``target_epsilon`` the noise multiplier is chosen so the planned steps spend at most that.

The unit of privacy is one training row (one report): a patient with several reports is protected
``k`` times less. Packing (several reports in one sequence) is refused with DP. Validation rows are not
protected; with DP the last adapter is saved (no best-checkpoint choice, no early stopping), so they do
not influence the weights.

Checked (opacus 1.6.0, peft 0.21.2, transformers 5.25): ``GradSampleModule(peft_model, strict=True)``
accepts a peft LoRA Llama; its per-row gradients of the LoRA A and B matrices equal those of separate
backward passes (max abs difference < 1e-5). Hooks capture activations only in training mode.

``privacy.json`` in the adapter folder (:data:`PRIVACY_FILE`, read back with :func:`read_privacy`)
carries the guarantee, so a dataset card of data generated with the adapter can state it.

>>> round(epsilon_spent(steps=100, noise_multiplier=1.0, sample_rate=0.05, delta=1e-5), 2) > 0
True
>>> e = [epsilon_spent(steps=s, noise_multiplier=1.0, sample_rate=0.05, delta=1e-5) for s in (10, 100)]
>>> e[0] < e[1]
True
>>> poisson_batch(10, sample_rate=0.5, seed=0, step=3) == poisson_batch(10, sample_rate=0.5, seed=0, step=3)
True
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hf_synthmh._deps import require

__all__ = [
    "PRIVACY_FILE",
    "DPSettings",
    "DPState",
    "epsilon_spent",
    "per_row_loss",
    "poisson_batch",
    "privacy_caveat",
    "read_privacy",
    "setup_dp",
    "write_privacy",
]

PRIVACY_FILE = "privacy.json"


@dataclass(frozen=True, kw_only=True)
class DPSettings:
    """DP-SGD settings: exactly one of ``target_epsilon`` and ``noise_multiplier``; ``delta`` (default:
    ``1 / (10 * rows)``, below one over the number of rows); per-row clipping norm.

    >>> DPSettings(target_epsilon=8.0).max_grad_norm
    1.0
    >>> DPSettings()
    Traceback (most recent call last):
    ...
    ValueError: give exactly one of target_epsilon and noise_multiplier
    """

    target_epsilon: float | None = None
    noise_multiplier: float | None = None
    delta: float | None = None
    max_grad_norm: float = 1.0

    def __post_init__(self) -> None:
        if (self.target_epsilon is None) == (self.noise_multiplier is None):
            raise ValueError("give exactly one of target_epsilon and noise_multiplier")
        if self.target_epsilon is not None and self.target_epsilon <= 0:
            raise ValueError(f"target_epsilon must be > 0, got {self.target_epsilon}")
        if self.noise_multiplier is not None and self.noise_multiplier <= 0:
            raise ValueError(f"noise_multiplier must be > 0, got {self.noise_multiplier}")
        if self.delta is not None and not 0 < self.delta < 1:
            raise ValueError(f"delta must be in (0, 1), got {self.delta}")
        if self.max_grad_norm <= 0:
            raise ValueError(f"max_grad_norm must be > 0, got {self.max_grad_norm}")

    def delta_for(self, rows: int) -> float:
        """``delta``, or ``1 / (10 * rows)`` when unset."""
        return self.delta if self.delta is not None else 1.0 / (10 * max(rows, 1))


@dataclass(frozen=True, kw_only=True)
class DPState:
    """The live DP machinery of one run: the wrapped model, the DP optimizer and the accounting inputs."""

    module: Any
    optimizer: Any
    noise_multiplier: float
    sample_rate: float
    delta: float
    max_grad_norm: float

    def epsilon(self, steps: int) -> float:
        return epsilon_spent(
            steps=steps,
            noise_multiplier=self.noise_multiplier,
            sample_rate=self.sample_rate,
            delta=self.delta,
        )

    def close(self) -> None:
        """Remove opacus's hooks from the model."""
        self.module._close()


def epsilon_spent(*, steps: int, noise_multiplier: float, sample_rate: float, delta: float) -> float:
    """Epsilon of ``steps`` Poisson-sampled Gaussian steps (opacus RDP accountant); 0 before any step."""
    if steps <= 0:
        return 0.0
    accountants = require("opacus", extra="dp").accountants
    accountant = accountants.RDPAccountant()
    accountant.history = [(noise_multiplier, sample_rate, steps)]
    return float(accountant.get_epsilon(delta=delta))


def poisson_batch(rows: int, *, sample_rate: float, seed: int, step: int) -> list[int]:
    """Indices of the rows in step ``step``'s batch: each independently with probability ``sample_rate``
    (may be empty), a function of the seed and step alone."""
    rng = random.Random(f"{seed}:dp:{step}")
    return [i for i in range(rows) if rng.random() < sample_rate]


def setup_dp(net: Any, optimizer: Any, dp: DPSettings, *, rows: int, batch_size: int, steps: int) -> DPState:
    """Wrap ``net`` (a peft model, LoRA trainable only) and ``optimizer`` for DP-SGD over ``rows`` rows."""
    opacus = require("opacus", extra="dp")
    from opacus.accountants.utils import get_noise_multiplier
    from opacus.optimizers import DPOptimizer

    sample_rate = min(1.0, batch_size / max(rows, 1))
    delta = dp.delta_for(rows)
    if dp.noise_multiplier is not None:
        sigma = float(dp.noise_multiplier)
    else:
        sigma = float(
            get_noise_multiplier(
                target_epsilon=float(dp.target_epsilon or 0),
                target_delta=delta,
                sample_rate=sample_rate,
                steps=max(steps, 1),
                accountant="rdp",
            )
        )
    import torch

    module = opacus.GradSampleModule(net, batch_first=True, loss_reduction="mean", strict=True)
    dp_optimizer = DPOptimizer(
        optimizer,
        noise_multiplier=sigma,
        max_grad_norm=dp.max_grad_norm,
        expected_batch_size=max(1, round(sample_rate * rows)),
        loss_reduction="mean",
        generator=torch.Generator(),  # seeded per step by the loop: noise independent of the passes
    )
    return DPState(
        module=module,
        optimizer=dp_optimizer,
        noise_multiplier=sigma,
        sample_rate=sample_rate,
        delta=delta,
        max_grad_norm=dp.max_grad_norm,
    )


def per_row_loss(model: Any, batch: dict[str, Any]) -> Any:
    """Mean token loss of each row (labels ``-100`` ignored), shape ``(rows,)``; rows without a target
    token get 0. Per-row losses averaged over the batch give opacus per-row gradients."""
    import torch

    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    labels = batch["labels"][:, 1:]
    losses = torch.nn.functional.cross_entropy(
        logits[:, :-1].transpose(1, 2).float(), labels, ignore_index=-100, reduction="none"
    )
    counts = (labels != -100).sum(dim=1)
    return losses.sum(dim=1) / counts.clamp(min=1)


def write_privacy(
    folder: Path, state: DPState, *, steps: int, rows: int, history: list[dict[str, Any]]
) -> dict[str, Any]:
    """Write ``folder/privacy.json``: the (epsilon, delta) guarantee and how it was obtained."""
    import importlib.metadata

    record = {
        "mechanism": "DP-SGD (Poisson sampling, per-row clipping, Gaussian noise)",
        "library": f"opacus {importlib.metadata.version('opacus')}",
        "accountant": "rdp",
        "unit": "one training row (report)",
        "trained_parameters": "LoRA adapter only (base model frozen)",
        "epsilon": round(state.epsilon(steps), 4),
        "delta": state.delta,
        "noise_multiplier": round(state.noise_multiplier, 6),
        "max_grad_norm": state.max_grad_norm,
        "sample_rate": round(state.sample_rate, 6),
        "steps": steps,
        "training_rows": rows,
        "epsilon_history": [
            {"epoch": h.get("epoch"), "step": h.get("step"), "epsilon": h.get("epsilon")}
            for h in history
            if h.get("epsilon") is not None
        ],
    }
    (Path(folder) / PRIVACY_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def read_privacy(adapter: str | Path | None) -> dict[str, Any] | None:
    """The DP record of an adapter folder (``privacy.json``), or ``None`` (no folder, no DP, Hub id).

    >>> read_privacy(None) is None
    True
    """
    if adapter is None:
        return None
    path = Path(adapter) / PRIVACY_FILE
    if not path.is_file():
        return None
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if not math.isfinite(float(record.get("epsilon", math.inf))):
        return None
    return record


def privacy_caveat(record: dict[str, Any]) -> str:
    """One sentence for a dataset card: the DP guarantee of the adapter that wrote the rows.

    >>> privacy_caveat({"epsilon": 7.9, "delta": 1e-4, "noise_multiplier": 0.8, "max_grad_norm": 1.0,
    ...     "steps": 20})[:90]
    "The generator's LoRA adapter was trained with DP-SGD: (ε = 7.9, δ = 0.0001)-differentially"
    """
    return (
        f"The generator's LoRA adapter was trained with DP-SGD: (ε = {record['epsilon']}, "
        f"δ = {record['delta']:.2g})-differentially private with respect to one training report (opacus, "
        f"RDP accountant; noise multiplier {record['noise_multiplier']}, clipping norm "
        f"{record['max_grad_norm']}, {record['steps']} steps). The guarantee covers the adapter's training "
        "reports, not the base model's own training data; the rows also passed the gate."
    )
