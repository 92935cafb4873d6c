"""The adapter folder of :func:`~hf_synthmh.finetune.finetune`: weights, a config without local paths, a card.

peft writes the base model's ``name_or_path`` into ``adapter_config.json``; for a local folder that is an
absolute path of the training machine, so it is replaced by ``base_id`` (a Hub id or the folder's name).
The card (``README.md``) states the base model, the data split's name and sizes (never any text), the
hyper-parameters, the losses per epoch and the training time; ``training_log.json`` holds the same figures.

>>> card = adapter_card(base_id="org/base", settings={"r": 16}, data={"split": "train", "rows": 3},
...     history=[{"step": 2, "epoch": 1.0, "train_loss": 2.5, "validation_loss": 2.25}],
...     summary={"steps": 2, "seconds": 1.5, "initial_validation_loss": 3.0})
>>> "base_model: org/base" in card, "| 1.0 | 2 | 2.5000 | 2.2500 |" in card
(True, True)

With DP (``privacy``: the ``privacy.json`` record), the card states the guarantee and the epsilon spent
per epoch:

>>> card = adapter_card(base_id="org/base", settings={}, data={}, summary={},
...     history=[{"step": 2, "epoch": 1.0, "train_loss": 2.5, "epsilon": 1.25}],
...     privacy={"epsilon": 1.25, "delta": 1e-05, "noise_multiplier": 1.1, "max_grad_norm": 1.0})
>>> "(ε = 1.25, δ = 1e-05)" in card, "| 1.0 | 2 | 2.5000 |  | 1.25 |" in card
(True, True)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hf_synthmh.finetune.train import FinetuneResult, FinetuneSettings

__all__ = ["adapter_card", "finish_adapter_folder", "rewrite_base_path"]


def rewrite_base_path(folder: Any, base_id: str) -> None:
    """Set ``base_model_name_or_path`` in ``folder/adapter_config.json`` to ``base_id``."""
    from pathlib import Path

    path = Path(folder) / "adapter_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = base_id
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else ("" if value is None else str(value))


def adapter_card(
    *,
    base_id: str,
    settings: Mapping[str, Any],
    data: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
    license: str | None = None,
    privacy: Mapping[str, Any] | None = None,
) -> str:
    """The card's Markdown (YAML header for the Hub, then tables of numbers; no training text)."""
    head = ["---", f"base_model: {base_id}", "library_name: peft", "pipeline_tag: text-generation"]
    if license:
        head.append(f"license: {license}")
    head += ["tags:", "- lora", "- hf_synthmh", "- synthetic-data"]
    head += ["- differential-privacy", "---", ""] if privacy else ["---", ""]
    eps = privacy is not None
    body = [
        f"# LoRA adapter of {base_id} for synthetic psychiatric reports",
        "",
        "Trained by `hf-synthmh finetune` (LoRA supervised fine-tuning with peft): each example is the "
        "label-conditioned prompt the hf_synthmh Generator sends, followed by a real report; the loss "
        "counts report tokens only. Load it with "
        f"`TransformersBackend(model=<{base_id}>, adapter=<this folder>)`.",
        "",
        "The training reports may contain personal data: treat this adapter like its training data and "
        "check generated text with the gate (PHI and memorisation) before sharing any of it.",
        "",
        "## Data (sizes only)",
        "",
        "| field | value |",
        "|---|---|",
        *(f"| {k} | {_fmt(v)} |" for k, v in data.items()),
        "",
        "## Hyper-parameters",
        "",
        "| setting | value |",
        "|---|---|",
        *(f"| {k} | {_fmt(v)} |" for k, v in settings.items()),
        "",
        *_privacy_section(privacy),
        "## Losses",
        "",
        "| epoch | step | train loss | validation loss |" + (" epsilon spent |" if eps else ""),
        "|---|---|---|---|" + ("---|" if eps else ""),
        *(
            f"| {h.get('epoch')} | {h.get('step')} | {_fmt(h.get('train_loss'))} | "
            f"{_fmt(h.get('validation_loss'))} |"
            + (f" {round(h['epsilon'], 4) if h.get('epsilon') is not None else ''} |" if eps else "")
            for h in history
        ),
        "",
        "## Run",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {k} | {_fmt(v)} |" for k, v in summary.items()),
        "",
    ]
    return "\n".join(head + body)


def _privacy_section(privacy: Mapping[str, Any] | None) -> list[str]:
    if not privacy:
        return []
    rows = ("epsilon", "delta", "noise_multiplier", "max_grad_norm", "sample_rate", "steps", "accountant")
    return [
        "## Differential privacy",
        "",
        f"Trained with DP-SGD (opacus, LoRA parameters only): (ε = {privacy['epsilon']}, "
        f"δ = {privacy['delta']})-differentially private with respect to one training report. A patient "
        "with several reports is protected less; validation rows are not covered (they chose nothing: the "
        "last adapter is kept).",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {k} | {privacy[k]} |" for k in rows if k in privacy),
        "",
    ]


def finish_adapter_folder(
    net: Any, result: FinetuneResult, *, settings: FinetuneSettings, base_id: str, license: str | None
) -> None:
    """Save the adapter of ``net`` to ``result.out``, rewrite its base path, write the card and log."""
    out = result.out
    out.mkdir(parents=True, exist_ok=True)
    net.save_pretrained(str(out))
    rewrite_base_path(out, base_id)
    plain = {
        k: (list(v) if isinstance(v, tuple) else dict(v) if isinstance(v, Mapping) else v)
        for k, v in asdict(settings).items()
        if k != "dp"
    }
    if settings.dp is not None:
        plain.update({f"dp_{k}": v for k, v in asdict(settings.dp).items()})
    summary = {
        "steps": result.steps,
        "stopped_early": result.stopped_early,
        "resumed_at_step": result.resumed_at_step,
        "initial_validation_loss": result.initial_validation_loss,
        "best_validation_loss": result.best_validation_loss,
        "tokens_seen": result.train_tokens,
        "seconds": round(result.seconds, 1),
        "tokens_per_second": round(result.train_tokens / result.seconds, 1) if result.seconds else None,
    }
    card = adapter_card(
        base_id=base_id,
        settings=plain,
        data=result.data,
        history=result.history,
        summary=summary,
        license=license,
        privacy=result.privacy,
    )
    (out / "README.md").write_text(card, encoding="utf-8")
    log = {
        "base_model": base_id,
        "settings": plain,
        "data": result.data,
        "history": result.history,
        **summary,
        "privacy": result.privacy,
    }
    (out / "training_log.json").write_text(json.dumps(log, indent=2) + "\n", encoding="utf-8")
