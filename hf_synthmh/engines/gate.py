"""The privacy gate on Ray Data: the steps of :mod:`hf_synthmh.gate.steps`, each the same batch callable,
under ``map_batches``.

* PHI scan: :class:`~hf_synthmh.gate.PhiScanner` in a pool of ``num_workers`` actors (each loads
  Presidio and spaCy once); the replay index scans the real texts the same way.
* Redaction (``redact`` policy), PHI replay and the decision: tasks
  (:func:`~hf_synthmh.gate.redact.redact_batch`, :class:`~hf_synthmh.gate.ReplayIndex`,
  :func:`~hf_synthmh.gate.decide.reject_reasons`).
* Membership: :class:`~hf_synthmh.gate.MembershipChecker` is built **once on the driver** and put in the
  object store (``ray.put``); each of the ``num_workers`` actors maps it. Its numpy arrays are read from
  the node's shared memory without a copy, so a worker adds only the report ids (a Python list and
  dict) to what one copy of the index costs per node (measured in ``scripts/bench_scale.py``).

The embedding check (``GateSettings(embedding_check=True)``) needs the whole real split's embeddings and
a threshold calibrated on the holdout: :func:`gate_result` runs the same
:class:`~hf_synthmh.gate.steps.EmbeddingStep` and decision on the driver over the collected rows.

Output: the rows in input order with every column of :data:`~hf_synthmh.contracts.GATE_COLUMNS`, the
same columns and values as :func:`~hf_synthmh.gate.apply_gate` (tests/engines compare them).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hf_synthmh.contracts import (
    EMBEDDING_COLUMNS,
    GATE_COLUMNS,
    MEMBERSHIP_COLUMNS,
    PHI_COLUMNS,
    gate_column_types,
)
from hf_synthmh.engines.ray_data import RayOptions, Step, collect, from_table, map_step, require_ray
from hf_synthmh.gate.decide import reject_reasons
from hf_synthmh.gate.membership import MembershipChecker
from hf_synthmh.gate.phi import PhiScanner
from hf_synthmh.gate.redact import redact_batch
from hf_synthmh.gate.replay import ReplayIndex
from hf_synthmh.gate.settings import GateResult, GateSettings
from hf_synthmh.gate.steps import DecisionStep, EmbeddingStep, GateState, RedactStep, ReplayStep

if TYPE_CHECKING:
    import ray.data
    from datasets import Dataset

__all__ = ["gate_dataset", "gate_result", "replay_index"]

logger = logging.getLogger(__name__)

_GENERATED_REPLAY = "_phi_replay_generated"  # replay types of the text before redaction (dropped)


def _renamed(fn: Any, renames: dict[str, str], batch: dict[str, list]) -> dict[str, list]:
    return {renames.get(k, k): v for k, v in fn(batch).items()}


def _off(columns: dict[str, list], batch: dict[str, list]) -> dict[str, list]:
    """The columns of a step that is off: its :meth:`~hf_synthmh.gate.steps.Step.off_values`."""
    n = len(batch["text"])
    return {c: [values[0] for _ in range(n)] for c, values in columns.items()}


def replay_index(real_texts: Sequence[str], *, scanner: PhiScanner, options: RayOptions) -> ReplayIndex:
    """:meth:`ReplayIndex.build` with the scan of the real texts spread over the actors: the same
    index (the scan is per text)."""
    import pyarrow as pa

    require_ray()
    texts = [t if isinstance(t, str) else "" for t in real_texts]
    types = gate_column_types()
    scanned = map_step(
        from_table(pa.table({"text": texts}), options),
        [(scanner, {c: types[c] for c in PHI_COLUMNS[:2]})],
        options=options,
        actors=True,
    )
    out = collect(scanned)
    values: list[tuple[str, str]] = []
    errors = 0
    for text, types, spans in zip(out["text"], out["phi_types"], out["phi_spans"], strict=True):
        errors += "ERROR" in types
        values += [(s["type"], text[s["start"] : s["end"]]) for s in spans]
    return ReplayIndex.from_values(values, n_errors=errors)


def gate_dataset(
    synthetic: ray.data.Dataset,
    *,
    reference_texts: Sequence[str],
    reference_ids: Sequence[str],
    settings: GateSettings | None = None,
    scanner: PhiScanner | None = None,
    options: RayOptions,
    replay: ReplayIndex | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[ray.data.Dataset, ReplayIndex | None]:
    """The gated rows (lazy ``ray.data.Dataset``: input columns, then :data:`GATE_COLUMNS`, plus a
    temporary replay column removed by :func:`gate_result`) and the replay index used. Arguments as in
    :func:`~hf_synthmh.gate.apply_gate`; ``timings`` gets the driver's index-building seconds."""
    ray = require_ray()
    settings = settings or GateSettings()
    scanner = scanner or PhiScanner(threshold=settings.phi_threshold)
    if scanner.threshold != settings.phi_threshold:
        raise ValueError(f"scanner.threshold={scanner.threshold} but phi_threshold={settings.phi_threshold}")
    timings = timings if timings is not None else {}
    types = gate_column_types()
    start = time.perf_counter()
    checker = MembershipChecker.from_settings(settings, reference_texts, reference_ids)
    shared = ray.put(checker)
    timings["membership_index_s"] = time.perf_counter() - start
    if settings.replay_check and replay is None:
        start = time.perf_counter()
        replay = replay_index(reference_texts, scanner=scanner, options=options)
        timings["replay_index_s"] = time.perf_counter() - start
    logger.info("ray gate against %r, %r", checker, replay)

    inputs = [c for c in synthetic.schema().names if c not in GATE_COLUMNS]
    steps: list[Step] = [(scanner, {c: types[c] for c in PHI_COLUMNS[:2]})]
    redacted = {"phi_redacted": types["phi_redacted"]}
    if replay is not None and settings.phi_policy == "redact":
        before = functools.partial(_renamed, replay, {"phi_replay": _GENERATED_REPLAY})
        steps.append((before, {_GENERATED_REPLAY: types["phi_replay"]}))
    if settings.phi_policy == "redact":
        steps.append((redact_batch, redacted))
    else:
        steps.append((functools.partial(_off, RedactStep(enabled=False).off_values(1)), redacted))
    if replay is not None:
        steps.append((replay, {"phi_replay": types["phi_replay"]}))
    else:
        steps.append(
            (functools.partial(_off, ReplayStep(None).off_values(1)), {"phi_replay": types["phi_replay"]})
        )
    # the actors get the object-store reference of the index: each fetches it once, in place
    steps.append((shared, {c: types[c] for c in MEMBERSHIP_COLUMNS}))
    off = EmbeddingStep(settings, ([], []), None, None).off_values(1)
    steps.append((functools.partial(_off, off), {c: types[c] for c in off}))
    decide = functools.partial(reject_reasons, settings=settings, embedding_threshold=None)
    steps.append((decide, {"reject_reasons": types["reject_reasons"]}))
    extra = [_GENERATED_REPLAY] if replay is not None and settings.phi_policy == "redact" else []
    ds = map_step(
        synthetic,
        steps,
        options=options,
        actors=True,
        drop=GATE_COLUMNS,
        keep=[*inputs, *GATE_COLUMNS, *extra],
    )
    return ds, replay


def gate_result(
    gated: ray.data.Dataset,
    *,
    settings: GateSettings,
    replay: ReplayIndex | None,
    timings: dict[str, float] | None = None,
    features: Any | None = None,
    embedding: EmbeddingStep | None = None,
) -> GateResult:
    """Run ``gated`` (from :func:`gate_dataset`), collect it on the driver and split and count it as
    :func:`~hf_synthmh.gate.apply_gate` does (``features``: the input's ``datasets`` features, to keep
    a ClassLabel ``label``)."""
    from datasets import Features

    from hf_synthmh.gate.apply import split_gate

    timings = dict(timings or {})
    start = time.perf_counter()
    ds: Dataset = collect(gated)
    timings["ray_steps_s"] = time.perf_counter() - start
    generated: list[list[str]] = []
    if _GENERATED_REPLAY in ds.column_names:
        generated = ds[_GENERATED_REPLAY]
        ds = ds.remove_columns(_GENERATED_REPLAY)
    if features is not None:
        types = gate_column_types()
        ds = ds.cast(Features({**{c: features[c] for c in ds.column_names if c in features},
                               **{c: types[c] for c in GATE_COLUMNS}}))  # fmt: skip
    threshold, embedded = None, 0
    if embedding is not None and embedding.enabled and not embedding.holdout:
        raise ValueError(
            "settings.embedding_check needs holdout_texts (real reports never shown to the generator)"
        )
    if embedding is not None and embedding.enabled:  # on the driver: it needs every real embedding
        start = time.perf_counter()
        order = ds.column_names
        state = GateState(ds=ds.remove_columns([*EMBEDDING_COLUMNS, "reject_reasons"]), input_columns=order)
        embedding.run(state)
        DecisionStep(settings).run(state)
        ds = state.ds.select_columns(order)
        threshold, embedded = state.embedding_threshold, state.embedded
        timings["embedding_s"] = time.perf_counter() - start
    return split_gate(
        ds,
        settings=settings,
        timings=timings,
        index=replay,
        generated_replay=generated or None,
        embedding_threshold=threshold,
        embedding_texts=embedded,
    )
