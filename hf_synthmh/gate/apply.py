""":func:`apply_gate`: every check of the gate over a synthetic ``Dataset``, the decision and the split.

The checks are the steps of :mod:`hf_synthmh.gate.steps`, run in order by one loop: PHI scan, redaction
(``redact`` policy), PHI replay, membership, embedding neighbours (optional), decision. Kept rows have
``reject_reasons == []``.

    from hf_synthmh.contracts import GATE_COLUMNS
    from hf_synthmh.gate import GateSettings, apply_gate, gate_summary

    result = apply_gate(synthetic, reference_texts=real["text"], reference_ids=real["id"],
                        settings=GateSettings(phi_policy="redact"))
    publishable = result.kept.remove_columns(list(GATE_COLUMNS))
    report = gate_summary(result)   # JSON-ready

Logs carry counts and timings only, never report text or identifier values.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hf_synthmh.contracts import GATE_COLUMNS, gate_features
from hf_synthmh.gate.decide import count_reasons, label_strings
from hf_synthmh.gate.membership import MembershipChecker
from hf_synthmh.gate.phi import PhiScanner
from hf_synthmh.gate.replay import ReplayIndex
from hf_synthmh.gate.settings import GateResult, GateSettings
from hf_synthmh.gate.steps import (
    DecisionStep,
    EmbeddingStep,
    GateState,
    MembershipStep,
    PhiScanStep,
    RedactStep,
    ReplayStep,
    Step,
)

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = ["apply_gate", "split_gate"]

logger = logging.getLogger(__name__)


def _replay_summary(
    checked: Sequence[Sequence[str]], generated: Sequence[Sequence[str]], index: ReplayIndex
) -> dict[str, Any]:
    """:meth:`ReplayIndex.summary` of the checked rows, plus ``per_type_generated``/``rows_generated``
    counted on the generated text (before redaction)."""
    summary = index.summary(checked)
    before = index.summary(generated)
    return {
        "per_type": summary["per_type"],
        "rows": summary["rows"],
        "per_type_generated": before["per_type"],
        "rows_generated": before["rows"],
        "n_real_identifiers": summary["n_real_identifiers"],
        "real_scan_errors": summary["real_scan_errors"],
    }


@contextlib.contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    """Add the seconds the block takes to ``timings[f"{step}_s"]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[f"{step}_s"] = timings.get(f"{step}_s", 0.0) + time.perf_counter() - start


def _check_arguments(
    settings: GateSettings,
    scanner: PhiScanner | None,
    holdout_texts: Sequence[str] | None,
    replay_index: ReplayIndex | None,
) -> PhiScanner:
    if scanner is None:
        scanner = PhiScanner(threshold=settings.phi_threshold)
    elif scanner.threshold != settings.phi_threshold:
        raise ValueError(
            f"scanner.threshold={scanner.threshold} but settings.phi_threshold={settings.phi_threshold}"
        )
    if settings.embedding_check and not holdout_texts:
        raise ValueError(
            "settings.embedding_check needs holdout_texts (real reports never shown to the generator)"
        )
    if replay_index is not None and not settings.replay_check:
        raise ValueError("a replay_index was given but settings.replay_check is False")
    return scanner


def apply_gate(
    synthetic: Dataset,
    *,
    reference_texts: Sequence[str],
    reference_ids: Sequence[str],
    settings: GateSettings | None = None,
    scanner: PhiScanner | None = None,
    batch_size: int = 32,
    holdout_texts: Sequence[str] | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    replay_index: ReplayIndex | None = None,
) -> GateResult:
    """Run the PHI scan (and redaction), the replay and membership checks on ``synthetic`` (needs
    ``text``), decide, and split.

    ``reference_texts``/``reference_ids`` are the real reports (include every exemplar shown to the
    generator: rows with an ``exemplar_ids`` column are also checked against their own exemplars, and
    an exemplar id missing from the reference is a ValueError). ``scanner`` defaults to
    ``PhiScanner(threshold=settings.phi_threshold)``; a scanner with another threshold is an error, so
    the card never reports a threshold that was not used. With ``settings.replay_check`` the scanner
    also indexes the identifiers of ``reference_texts`` once, unless ``replay_index`` (e.g.
    ``ReplayIndex.build(real_texts, scanner=scanner)`` reused across runs, or over more real texts) is
    given. With ``settings.embedding_check``, ``holdout_texts`` (real reports never shown to the
    generator) calibrate the embedding distance threshold and ``embed`` (default
    :class:`hf_synthmh.metrics.embeddings.Embedder`, MiniLM) embeds. ``batch_size`` is the PHI scan's
    batch; the membership check runs on the whole column at once.
    """
    from datasets import Dataset

    settings = settings or GateSettings()
    scanner = _check_arguments(settings, scanner, holdout_texts, replay_index)
    timings: dict[str, float] = {}
    with _timed(timings, "membership"):
        checker = MembershipChecker.from_settings(settings, reference_texts, reference_ids)
    index = replay_index
    if settings.replay_check and index is None:
        with _timed(timings, "replay"):
            index = ReplayIndex.build(reference_texts, scanner=scanner)
    logger.info("gate: %d synthetic rows against %r, %r", len(synthetic), checker, index)
    steps: list[Step] = [
        PhiScanStep(scanner, batch_size=batch_size),
        RedactStep(enabled=settings.phi_policy == "redact"),
        ReplayStep(index),
        MembershipStep(checker),
        EmbeddingStep(settings, (reference_texts, reference_ids), holdout_texts, embed),
        DecisionStep(settings),
    ]
    ds = synthetic.remove_columns([c for c in GATE_COLUMNS if c in synthetic.column_names])
    state = GateState(ds=ds, input_columns=list(ds.column_names))
    if len(synthetic) == 0:
        features = gate_features(synthetic, GATE_COLUMNS)
        ds = Dataset.from_dict({c: [] for c in features}, features=features)
    else:
        for step in steps:
            if not step.enabled:
                state.added |= step.off_values(len(state.ds))
                continue
            with _timed(timings, step.name):
                step.run(state)
        ds = state.ds.select_columns([*state.input_columns, *GATE_COLUMNS])  # one order whatever the policy
    return split_gate(
        ds,
        settings=settings,
        timings=timings,
        index=index,
        generated_replay=state.generated_replay,
        embedding_threshold=state.embedding_threshold,
        embedding_texts=state.embedded,
    )


def split_gate(
    ds: Dataset,
    *,
    settings: GateSettings,
    timings: dict[str, float],
    index: ReplayIndex | None,
    generated_replay: Sequence[Sequence[str]] | None = None,
    embedding_threshold: float | None = None,
    embedding_texts: int = 0,
) -> GateResult:
    """The :class:`GateResult` of gated rows (``ds`` with every gate column): kept and rejected rows,
    counts per reason and per label, redactions and the replay summary (``generated_replay``: replay
    types before redaction; ``None`` means the checked ones). Shared by both engines."""
    gate_cols = ds.select_columns(["reject_reasons", "phi_redacted", "phi_replay"])[:]
    reasons: list[list[str]] = gate_cols["reject_reasons"]
    kept_idx = [i for i, r in enumerate(reasons) if not r]
    kept_set = set(kept_idx)
    counts, per_label = count_reasons(reasons, label_strings(ds))
    redacted = Counter(t for i in kept_idx for t in gate_cols["phi_redacted"][i])
    n_redacted = sum(bool(gate_cols["phi_redacted"][i]) for i in kept_idx)
    replay = None
    if index is not None:
        generated = gate_cols["phi_replay"] if generated_replay is None else generated_replay
        replay = _replay_summary(gate_cols["phi_replay"], generated, index)
    logger.info(
        "gate: kept %d of %d (%d redacted); rejects by reason %s; seconds %s",
        len(kept_idx),
        len(ds),
        n_redacted,
        counts,
        {k: round(v, 3) for k, v in timings.items()},
    )
    return GateResult(
        kept=ds.select(kept_idx),
        rejected=ds.select([i for i in range(len(ds)) if i not in kept_set]),
        counts=counts,
        counts_per_label=per_label,
        settings=settings,
        timings=timings,
        embedding_threshold=embedding_threshold,
        embedding_texts=embedding_texts,
        n_redacted=n_redacted,
        redacted=dict(sorted(redacted.items())),
        phi_replay=replay,
    )
