"""The canary audit (``hf-synthmh finetune --canaries N``): plant, fine-tune, measure exposure, probe the gate.

:func:`canary_audit` plants canaries in a copy of the train split (:func:`~hf_synthmh.finetune.canary.
plant_canaries`), fine-tunes on that copy (with or without DP: the settings decide), loads base + adapter
and measures each canary's exposure (:func:`~hf_synthmh.finetune.canary.canary_exposures`). The result goes
to ``OUT/canary_audit.json`` (exposures, no secrets) and ``OUT/canaries.json`` (the invented secrets and
where they were planted, so generated rows can be checked later with :func:`canary_hits`; local only).

:func:`gate_probe` asks whether the privacy gate would stop a canary that a model writes out: each canary
sentence is put in front of a report the gate has not seen and the rows go through
:func:`hf_synthmh.gate.apply_gate` against the planted split. :func:`canary_hits` counts the canaries found
in generated rows, kept or rejected by the gate.

>>> from hf_synthmh.finetune.canary import Canary
>>> c = Canary(secret="123456", text="Hospital number MRN 123456.", repeats=2, row_ids=("a", "b"), context_id="a")
>>> canary_hits([c], kept=["no", "MRN 123456 here"], rejected=["x 123456"])
{'rows_with_canary': 2, 'kept': 1, 'rejected': 1, 'per_canary': [{'canary': 0, 'repeats': 2, 'kept': 1, 'rejected': 1}]}
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hf_synthmh.finetune.canary import Canary, canary_exposures, plant_canaries

if TYPE_CHECKING:
    from datasets import Dataset

    from hf_synthmh.finetune.train import FinetuneResult, FinetuneSettings

logger = logging.getLogger(__name__)

__all__ = [
    "AUDIT_FILE",
    "CANARIES_FILE",
    "AuditResult",
    "canary_audit",
    "canary_hits",
    "gate_probe",
    "score_adapter",
]

AUDIT_FILE = "canary_audit.json"
CANARIES_FILE = "canaries.json"


@dataclass(frozen=True, kw_only=True)
class AuditResult:
    """The fine-tuning result, the canaries and their exposures under the trained adapter."""

    finetune: FinetuneResult
    canaries: list[Canary]
    exposures: list[dict[str, Any]]
    summary: dict[str, Any]


def summarise(exposures: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean exposure of planted canaries and of controls (``None`` when there are none).

    >>> summarise([{"repeats": 0, "exposure": 1.0}, {"repeats": 4, "exposure": 5.0}, {"repeats": 1, "exposure": 3.0}])
    {'mean_exposure_planted': 4.0, 'mean_exposure_controls': 1.0, 'planted': 2, 'controls': 1}
    """
    planted = [e["exposure"] for e in exposures if e["repeats"] > 0]
    controls = [e["exposure"] for e in exposures if e["repeats"] == 0]
    return {
        "mean_exposure_planted": round(sum(planted) / len(planted), 3) if planted else None,
        "mean_exposure_controls": round(sum(controls) / len(controls), 3) if controls else None,
        "planted": len(planted),
        "controls": len(controls),
    }


def score_adapter(
    model: str,
    adapter: Path | None,
    canaries: Sequence[Canary],
    *,
    train: Dataset,
    n_candidates: int,
    seed: int,
) -> list[dict[str, Any]]:
    """Exposures of ``canaries`` under ``model`` + ``adapter`` (the base alone when ``adapter`` is None)."""
    import torch
    import transformers

    tokenizer = transformers.AutoTokenizer.from_pretrained(model)
    net: Any = transformers.AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32)
    if adapter is not None:
        from peft import PeftModel

        net = PeftModel.from_pretrained(net, str(adapter))
    return canary_exposures(net, tokenizer, canaries, train=train, n_candidates=n_candidates, seed=seed)


def canary_audit(
    train: Dataset,
    *,
    model: str,
    out: Path,
    settings: FinetuneSettings | None = None,
    n: int = 8,
    repeats: Sequence[int] = (0, 1, 4, 16),
    n_candidates: int = 200,
    seed: int = 0,
    progress: bool = True,
    **finetune_kwargs: Any,
) -> AuditResult:
    """Plant ``n`` canaries in a copy of ``train``, fine-tune ``model`` on it into ``out`` and measure
    every canary's exposure under the adapter (see the module docs for the files written)."""
    from hf_synthmh.finetune.train import finetune

    planted, canaries = plant_canaries(train, n=n, repeats=repeats, seed=seed)
    result = finetune(
        planted, model=model, out=Path(out), settings=settings, progress=progress, **finetune_kwargs
    )
    exposures = score_adapter(model, Path(out), canaries, train=planted, n_candidates=n_candidates, seed=seed)
    summary = write_audit(Path(out), canaries, exposures, privacy=result.privacy)
    logger.info("canary audit: %s", summary)
    return AuditResult(finetune=result, canaries=canaries, exposures=exposures, summary=summary)


def write_audit(
    out: Path,
    canaries: Sequence[Canary],
    exposures: Sequence[dict[str, Any]],
    *,
    privacy: dict[str, Any] | None,
) -> dict[str, Any]:
    """Write ``canary_audit.json`` (exposures, no secrets) and ``canaries.json``; return the summary."""
    summary = {**summarise(exposures), "privacy_epsilon": (privacy or {}).get("epsilon")}
    record: dict[str, Any] = {
        "canary_format": canaries[0].text.rsplit(" ", 1)[0] if canaries else None,
        "summary": summary,
        "exposures": list(exposures),
    }
    (out / AUDIT_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (out / CANARIES_FILE).write_text(
        json.dumps([asdict(c) for c in canaries], indent=2) + "\n", encoding="utf-8"
    )
    return summary


def rescore(
    train: Dataset,
    *,
    model: str,
    adapter: Path,
    n: int,
    repeats: Sequence[int],
    n_candidates: int,
    seed: int = 0,
) -> dict[str, Any]:
    """Measure the exposures of an adapter already trained by :func:`canary_audit` (same ``train``, ``n``,
    ``repeats`` and ``seed``, so the same canaries) and write its audit files; return the summary."""
    from hf_synthmh.finetune.dp import read_privacy

    planted, canaries = plant_canaries(train, n=n, repeats=repeats, seed=seed)
    exposures = score_adapter(model, adapter, canaries, train=planted, n_candidates=n_candidates, seed=seed)
    return write_audit(adapter, canaries, exposures, privacy=read_privacy(adapter))


def load_canaries(folder: Path) -> list[Canary]:
    """The canaries written by :func:`canary_audit` into ``folder``."""
    rows = json.loads((Path(folder) / CANARIES_FILE).read_text(encoding="utf-8"))
    return [Canary(**{**r, "row_ids": tuple(r["row_ids"])}) for r in rows]


def canary_hits(
    canaries: Sequence[Canary], *, kept: Sequence[str], rejected: Sequence[str]
) -> dict[str, Any]:
    """How many generated rows contain a canary's secret, and how many of those the gate kept."""
    per = []
    for i, c in enumerate(canaries):
        k = sum(c.secret in t for t in kept)
        r = sum(c.secret in t for t in rejected)
        if k or r:
            per.append({"canary": i, "repeats": c.repeats, "kept": k, "rejected": r})
    in_kept = sum(any(c.secret in t for c in canaries) for t in kept)
    in_rejected = sum(any(c.secret in t for c in canaries) for t in rejected)
    return {
        "rows_with_canary": in_kept + in_rejected,
        "kept": in_kept,
        "rejected": in_rejected,
        "per_canary": per,
    }


def gate_probe(
    canaries: Sequence[Canary], *, planted: Dataset, unseen_texts: Sequence[str], **gate_kwargs: Any
) -> dict[str, Any]:
    """Would the gate reject a generated report that writes out a canary? Each canary sentence is put in
    front of a report the gate has not seen (``unseen_texts``, cycled; e.g. the holdout split) and the
    rows are gated against ``planted`` (the split the model was trained on). Returns the rows caught, the
    reasons, and the same rows without the canary as a control (a row caught either way says nothing
    about the canary)."""
    from datasets import Dataset

    from hf_synthmh.gate import apply_gate

    if not unseen_texts:
        raise ValueError("give at least one unseen report to carry the canaries")
    bodies = [unseen_texts[i % len(unseen_texts)] for i in range(len(canaries))]
    rows = [f"{c.text}\n{b}" for c, b in zip(canaries, bodies, strict=True)] + bodies
    ids = [f"probe-{i}" for i in range(len(rows))]
    gated = apply_gate(
        Dataset.from_dict({"id": ids, "text": rows}),
        reference_texts=planted["text"],
        reference_ids=[str(i) for i in planted["id"]],
        **gate_kwargs,
    )
    reasons = dict(zip(gated.rejected["id"], gated.rejected["reject_reasons"], strict=True))
    n = len(canaries)
    caught = [ids[i] in reasons and ids[n + i] not in reasons for i in range(n)]
    return {
        "canaries": n,
        "caught": sum(caught),
        "control_rows_rejected": sum(ids[n + i] in reasons for i in range(n)),
        "reasons": sorted({r for i in range(n) for r in reasons.get(ids[i], [])}),
    }
