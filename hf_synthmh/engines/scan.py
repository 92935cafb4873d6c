"""`hf-synthmh scan --engine ray`: read the synthetic rows with Ray's readers, gate them on the workers,
write the kept rows as parquet shards and the rejected rows and the report on this machine only."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hf_synthmh.engines.gate import gate_dataset, gate_result
from hf_synthmh.engines.ray_data import RayOptions, from_dataset, ray_runtime, read_rows, write_shards
from hf_synthmh.gate.settings import GateSettings
from hf_synthmh.gate.steps import EmbeddingStep

__all__ = ["scan_on_ray"]

logger = logging.getLogger(__name__)


def _synthetic_rows(path: Path, options: RayOptions, split: str | None) -> Any:
    """Ray's readers for a .parquet/.jsonl file with an ``id`` column; otherwise the checked reader of
    :func:`hf_synthmh.io.read_table` (which numbers rows ``syn-000000``...), handed to Ray."""
    from hf_synthmh.io import read_table

    if path.suffix in (".parquet", ".jsonl") and path.is_file():
        ds = read_rows(path, options)
        if {"id", "text"} <= set(ds.schema().names):
            return ds
        logger.info("%s has no id column: reading it with read_table to number its rows", path)
    return from_dataset(read_table(path, split=split, id_prefix="syn"), options)


def scan_on_ray(
    real: Any,
    synthetic: Path,
    out: Path,
    *,
    settings: GateSettings,
    options: RayOptions,
    split: str | None,
    holdout_texts: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Gate ``synthetic`` against ``real`` (a ``datasets.Dataset``, on the driver: the membership index
    is built from it once and shared); writes ``out/kept/*.parquet``, ``out/rejected.jsonl`` and
    ``out/scan_report.json``; returns the report."""
    from hf_synthmh.gate import gate_summary
    from hf_synthmh.io import write_jsonl

    with ray_runtime(options):
        timings: dict[str, float] = {}
        gated, replay = gate_dataset(
            _synthetic_rows(Path(synthetic), options, split),
            reference_texts=real["text"],
            reference_ids=real["id"],
            settings=settings,
            options=options,
            timings=timings,
        )
        gated = gated.materialize()
        embedding = EmbeddingStep(settings, (real["text"], real["id"]), holdout_texts, None)
        result = gate_result(gated, settings=settings, replay=replay, timings=timings, embedding=embedding)
        if embedding.enabled:  # decided on the driver: write its kept rows from there
            write_shards(from_dataset(result.kept, options), out / "kept")
        else:
            columns = [c for c in gated.schema().names if not c.startswith("_")]
            kept = gated.filter(lambda row: len(row["reject_reasons"]) == 0).select_columns(columns)
            write_shards(kept, out / "kept")
    write_jsonl(result.rejected, out / "rejected.jsonl")
    summary = gate_summary(result)
    (out / "scan_report.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
