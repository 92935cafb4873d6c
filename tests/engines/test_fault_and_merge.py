"""A worker killed mid-run: the generation output still has every plan row exactly once, and the shared
generation cache holds one entry per row. Per-block distinct-n merges exactly. The endpoint pool
spreads requests round-robin."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from datasets import Dataset

from hf_synthmh.engines.generate import EndpointPool, generate_rows
from hf_synthmh.engines.ray_data import RayOptions
from hf_synthmh.generate import GenerationCache, Generator

from .conftest import ship_by_value


class DiesOnce:
    """A backend whose process exits (like a killed worker) on its first call, once per marker file."""

    name = "dies-once"

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def generate(self, requests: Any, *, seeds: Any, sampling: Any) -> list[str]:
        if not os.path.exists(self.marker):
            Path(self.marker).write_text("killed")
            os._exit(1)
        return [f"Report written with seed {s}." for s in seeds]


def _plan(n: int) -> Dataset:
    return Dataset.from_dict(
        {"request_id": [f"r{i:03d}" for i in range(n)], "code": ["F32.1"] * n, "title": ["Depressive episode"] * n,
         "attributes": [{"sex": "female"}] * n, "exemplar_texts": [[]] * n, "seed": list(range(n))}
    )  # fmt: skip


def test_killed_worker_output_complete_without_duplicates(ray_local: Any, tmp_path: Path) -> None:
    ship_by_value(__name__)
    marker, cache = tmp_path / "killed.marker", tmp_path / "cache"
    generator = Generator(backend=DiesOnce(str(marker)), require_sections=False, cache_dir=str(cache))
    plan = _plan(48)
    out = generate_rows(
        plan, generator=generator, options=RayOptions(num_workers=2, max_retries=2), batch_size=4
    )
    assert marker.exists()  # a worker did die
    assert out["request_id"] == plan["request_id"]  # complete, in order
    assert not [k for k, c in Counter(out["request_id"]).items() if c > 1]
    assert out["text"] == [f"Report written with seed {s}." for s in range(48)]
    assert len(GenerationCache(cache)) == 48  # one entry per row, none lost or doubled
    assert not list(cache.glob("??/.tmp-*"))


def test_distinct_counts_merge_exactly(ray_local: Any) -> None:
    from hf_synthmh.demo.corpus import load_demo_corpus
    from hf_synthmh.engines.metrics import distinct_counts_merged
    from hf_synthmh.engines.ray_data import from_dataset
    from hf_synthmh.metrics.ngramstats import distinct_counts
    from hf_synthmh.text.tokens import encode

    texts = load_demo_corpus()["train"].select(range(120))
    options = RayOptions(num_workers=2, batch_size=8)
    distinct, occurrences = distinct_counts_merged(from_dataset(texts, options), options=options)
    want_distinct, want_occurrences = distinct_counts(encode(texts["text"]), 4)
    assert (distinct, occurrences) == (want_distinct.tolist(), want_occurrences.tolist())


class Recorder:
    def __init__(self, name: str) -> None:
        self.name, self.cache_identity, self.seen = "m", "m-settings", name
        self.calls: list[list[int]] = []

    def generate(self, requests: Any, *, seeds: Any, sampling: Any) -> list[str]:
        self.calls.append(list(seeds))
        return [f"{self.seen}:{s}" for s in seeds]


def test_endpoint_pool_round_robin() -> None:
    a, b, c = Recorder("a"), Recorder("b"), Recorder("c")
    pool = EndpointPool(backends=(a, b, c))
    out = pool.generate([None] * 5, seeds=list(range(5)), sampling=None)  # type: ignore[list-item]
    assert out == ["a:0", "b:1", "c:2", "a:3", "b:4"]
    assert pool.generate([None] * 2, seeds=[5, 6], sampling=None) == ["c:5", "a:6"]  # type: ignore[list-item]
    assert pool.cache_identity == "m-settings"
