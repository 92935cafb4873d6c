""":func:`apply_gate`: every check of the gate over a synthetic ``Dataset``, the decision and the split.

Steps, in order (each a batch step adding columns, see :mod:`hf_synthmh.gate.decide`):

1. PHI scan (:class:`~hf_synthmh.gate.phi.PhiScanner`): ``phi_types``, ``phi_spans``.
2. ``redact`` policy only: the found spans are replaced by typed placeholders
   (:func:`~hf_synthmh.gate.redact.redact_batch`): ``text`` becomes the redacted text,
   ``phi_redacted`` lists the types replaced. Every later step sees the redacted text.
3. PHI replay (``replay_check``): identifier values the scanner finds in the real reference reports
   (:class:`~hf_synthmh.gate.replay.ReplayIndex`, built once) searched in each row: ``phi_replay``.
4. Membership checks against the real reports and the row's exemplars
   (:class:`~hf_synthmh.gate.membership.MembershipChecker`), and optionally the embedding check.
5. Decision: ``reject_reasons``; kept rows have none.

    from hf_synthmh.gate import GATE_COLUMNS, GateSettings, apply_gate, gate_summary

    result = apply_gate(synthetic, reference_texts=real["text"], reference_ids=real["id"],
                        settings=GateSettings(phi_policy="redact"))
    publishable = result.kept.remove_columns(list(GATE_COLUMNS))
    report = gate_summary(result)   # JSON-ready

Logs carry counts and timings only, never report text or identifier values.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hf_synthmh.gate.decide import (
    GATE_COLUMNS,
    column_types,
    count_reasons,
    gate_features,
    label_strings,
    reject_reasons,
)
from hf_synthmh.gate.neighbours import EMBEDDING_COLUMNS, EmbeddingNeighbours
from hf_synthmh.gate.phi import PhiScanner
from hf_synthmh.gate.redact import redact_batch
from hf_synthmh.gate.replay import ReplayIndex
from hf_synthmh.gate.settings import GateResult, GateSettings

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = ["apply_gate"]

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
    from datasets import Dataset, Features, concatenate_datasets

    settings = settings or GateSettings()
    scanner = _check_arguments(settings, scanner, holdout_texts, replay_index)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    checker = settings.membership_checker(reference_texts, reference_ids)
    timings["membership_s"] = time.perf_counter() - clock
    index = replay_index
    if settings.replay_check and index is None:
        clock = time.perf_counter()
        index = ReplayIndex.build(reference_texts, scanner=scanner)
        timings["replay_s"] = time.perf_counter() - clock
    logger.info("gate: %d synthetic rows against %r, %r", len(synthetic), checker, index)
    threshold: float | None = None
    embedded = 0
    generated: list[list[str]] = []
    if len(synthetic) == 0:
        features = gate_features(synthetic, GATE_COLUMNS)
        ds = Dataset.from_dict({c: [] for c in features}, features=features)
    else:
        ds = synthetic.remove_columns([c for c in GATE_COLUMNS if c in synthetic.column_names])
        columns = list(ds.column_names)
        clock = time.perf_counter()
        ds = ds.map(
            scanner,
            batched=True,
            batch_size=batch_size,
            features=gate_features(ds, ["phi_types", "phi_spans"]),
            desc="PHI scan",
        )
        timings["phi_s"] = time.perf_counter() - clock
        added: dict[str, list] = {}
        if index is not None:
            clock = time.perf_counter()
            generated = index.types_in_batch(ds["text"])
            timings["replay_s"] = timings.get("replay_s", 0.0) + time.perf_counter() - clock
        if settings.phi_policy == "redact":
            clock = time.perf_counter()
            ds = ds.map(
                redact_batch, batched=True, features=gate_features(ds, ["phi_redacted"]), desc="Redact"
            )
            timings["redact_s"] = time.perf_counter() - clock
        else:
            added["phi_redacted"] = [[] for _ in range(len(ds))]
        texts = list(ds["text"])
        if index is not None:
            clock = time.perf_counter()
            added["phi_replay"] = (
                index.types_in_batch(texts) if settings.phi_policy == "redact" else generated
            )
            timings["replay_s"] += time.perf_counter() - clock
        else:
            added["phi_replay"] = [[] for _ in texts]
        clock = time.perf_counter()
        exemplars = list(ds["exemplar_ids"]) if "exemplar_ids" in ds.column_names else None
        added |= checker.check_batch(texts, exemplar_ids=exemplars)
        timings["membership_s"] += time.perf_counter() - clock
        if settings.embedding_check:
            clock = time.perf_counter()
            neighbours = EmbeddingNeighbours.build(
                reference_texts,
                reference_ids,
                holdout_texts or [],
                embed=embed,
                percentile=settings.embedding_percentile,
            )
            added |= neighbours.check(texts)
            threshold = neighbours.threshold
            timings["embedding_s"] = time.perf_counter() - clock
            embedded = int(neighbours.cost["texts_embedded"])
        else:
            added |= {c: [None] * len(texts) for c in EMBEDDING_COLUMNS}
        types = column_types()
        extra = Dataset.from_dict(added, features=Features({c: types[c] for c in added}))
        ds = concatenate_datasets([ds, extra], axis=1)
        clock = time.perf_counter()
        decide = functools.partial(reject_reasons, settings=settings, embedding_threshold=threshold)
        ds = ds.map(
            decide,
            batched=True,
            batch_size=1000,
            features=gate_features(ds, ["reject_reasons"]),
            desc="Gate decision",
        )
        ds = ds.select_columns([*columns, *GATE_COLUMNS])  # one column order whatever the policy
        timings["decision_s"] = time.perf_counter() - clock
    gate_cols = ds.select_columns(["reject_reasons", "phi_redacted", "phi_replay"])[:]
    reasons: list[list[str]] = gate_cols["reject_reasons"]
    kept_idx = [i for i, r in enumerate(reasons) if not r]
    kept_set = set(kept_idx)
    counts, per_label = count_reasons(reasons, label_strings(ds))
    redacted = Counter(t for i in kept_idx for t in gate_cols["phi_redacted"][i])
    n_redacted = sum(bool(gate_cols["phi_redacted"][i]) for i in kept_idx)
    replay = _replay_summary(gate_cols["phi_replay"], generated, index) if index is not None else None
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
        embedding_threshold=threshold,
        embedding_texts=embedded,
        n_redacted=n_redacted,
        redacted=dict(sorted(redacted.items())),
        phi_replay=replay,
    )
