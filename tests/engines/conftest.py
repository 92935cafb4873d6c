"""One local Ray runtime (2 CPUs) for every engine test: start-up takes ~8 s.

The suite's socket guard (tests/conftest.py) patches ``socket.socket.connect`` in this process only;
Ray's driver talks to its raylet and GCS through gRPC's own C++ sockets on this machine's address, so
it needs no exemption (the workers are separate processes, unpatched)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def ray_local() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def ship_by_value(module_name: str) -> None:
    """Send the classes of a test module to the workers by value: the workers cannot import tests."""
    import sys

    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[module_name])


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Demo-corpus files: 40 real train reports, 14 synthetic rows (4 copies of real reports, 10
    holdout reports, several with planted identifiers) with ids, and 20 holdout reports."""
    from hf_synthmh.demo.corpus import load_demo_corpus

    corpus = load_demo_corpus()
    folder = tmp_path_factory.mktemp("engines")

    def rows(split: str, idx: range, prefix: str | None = None) -> list[dict[str, Any]]:
        ds = corpus[split]
        label = ds.features["label"]
        out = []
        for k, i in enumerate(idx):
            row = ds[i]
            out.append({"id": f"{prefix}-{k:03d}" if prefix else row["id"], "text": row["text"],
                        "label": label.int2str(row["label"])})  # fmt: skip
        return out

    synthetic = rows("train", range(0, 40, 10), "syn") + rows("holdout", range(40, 50), "new")
    return {
        "real": write_jsonl(folder / "real.jsonl", rows("train", range(40))),
        "synthetic": write_jsonl(folder / "synthetic.jsonl", synthetic),
        "holdout": write_jsonl(folder / "holdout.jsonl", rows("holdout", range(20))),
    }
