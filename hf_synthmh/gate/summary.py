"""The gate's outcome as a plain, JSON-ready dict: ``scan_report.json`` and the dataset card read it.

>>> from datasets import Dataset
>>> from hf_synthmh.gate.settings import GateResult, GateSettings
>>> rows = Dataset.from_dict({"text": ["a", "b"]})
>>> result = GateResult(kept=rows, rejected=rows.select([]), counts={}, counts_per_label={},
...                     settings=GateSettings(phi_policy="redact"), timings={"phi_s": 0.25},
...                     n_redacted=1, redacted={"PERSON": 1})
>>> summary = gate_summary(result)
>>> summary["n_in"], summary["n_kept"], summary["n_redacted"], summary["settings"]["phi_policy"]
(2, 2, 1, 'redact')
>>> summary["phi_replay"], summary["timings"]
({}, {'phi_s': 0.25})
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from hf_synthmh.gate.settings import GateResult

__all__ = ["SUMMARY_KEYS", "gate_summary"]

#: Keys of :func:`gate_summary`, in order.
SUMMARY_KEYS: tuple[str, ...] = (
    "settings",
    "counts",
    "counts_per_label",
    "n_in",
    "n_kept",
    "n_rejected",
    "n_redacted",
    "redacted_per_type",
    "phi_replay",
    "phi_replay_detail",
    "timings",
    "embedding_threshold",
    "embedding_texts",
)


def gate_summary(gate: GateResult) -> dict[str, Any]:
    """The gate as a plain dict of JSON types (:data:`SUMMARY_KEYS`):

    * ``settings``: every :class:`~hf_synthmh.gate.GateSettings` field (``phi_policy`` included);
    * ``counts``: rejected rows per reason; ``counts_per_label``: per label, reasons and ``"kept"``;
    * ``n_in``, ``n_kept``, ``n_rejected``: rows;
    * ``n_redacted``: kept rows whose text was redacted (``redact`` policy; else 0) and
      ``redacted_per_type``: kept rows per placeholder type;
    * ``phi_replay``: ``{type: rows rejected for repeating a real identifier of that type}`` (``{}``
      when the replay check is off) and ``phi_replay_detail``: :attr:`GateResult.phi_replay` (counts
      on the generated text too, identifiers indexed, real scan errors; ``None`` when off);
    * ``timings``: seconds per step (``phi_s``, ``redact_s``, ``replay_s``, ``membership_s``,
      ``embedding_s``, ``decision_s``: those that ran);
    * ``embedding_threshold`` (``None`` when the embedding check is off) and ``embedding_texts``
      (texts embedded: the embedding check's cost).
    """
    detail = gate.phi_replay
    return {
        "settings": asdict(gate.settings),
        "counts": {str(k): int(v) for k, v in gate.counts.items()},
        "counts_per_label": {
            str(k): {str(r): int(c) for r, c in v.items()} for k, v in gate.counts_per_label.items()
        },
        "n_in": len(gate.kept) + len(gate.rejected),
        "n_kept": len(gate.kept),
        "n_rejected": len(gate.rejected),
        "n_redacted": int(gate.n_redacted),
        "redacted_per_type": {str(k): int(v) for k, v in gate.redacted.items()},
        "phi_replay": dict(detail["per_type"]) if detail is not None else {},
        "phi_replay_detail": dict(detail) if detail is not None else None,
        "timings": {str(k): round(float(v), 4) for k, v in gate.timings.items()},
        "embedding_threshold": float(gate.embedding_threshold)
        if gate.embedding_threshold is not None
        else None,
        "embedding_texts": int(gate.embedding_texts),
    }
