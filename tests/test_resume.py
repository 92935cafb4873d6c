"""Resuming a generation run killed with SIGKILL: no lost rows, no duplicated rows, nothing regenerated.

The test runs this file as a script (``python tests/test_resume.py MODEL CACHE OUT LOG DELAY``) to
generate 40 rows with a tiny model through ``Dataset.map`` and kills it half-way; then it runs the same
generation again to completion and compares with an uninterrupted run. A wrapping backend appends the
size of every backend call to ``LOG``, which is how the test counts what each run generated.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from hf_synthmh.backends import Request, SamplingSettings, TransformersBackend
from hf_synthmh.generate import Generator
from hf_synthmh.generate.cache import GenerationCache
from hf_synthmh.testing.tiny_models import build_tiny_llama

N_ROWS = 40
COLUMNS = ("request_id", "text", "reasoning", "attempts", "generation_error", "prompt_hash", "seed")


class Counting:
    """Wraps a backend; appends the number of requests of every call to ``log`` (after an optional
    ``delay`` that paces the run so that the test can catch it half-way)."""

    def __init__(self, inner: TransformersBackend, log: str, delay: float = 0.0) -> None:
        self.inner, self.log, self.delay = inner, log, delay

    @property
    def name(self) -> str:
        return self.inner.name

    def generate(
        self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
    ) -> list[str]:
        if self.delay:
            time.sleep(self.delay)
        out = self.inner.generate(requests, seeds=seeds, sampling=sampling)
        with open(self.log, "a", encoding="utf-8") as handle:
            handle.write(f"{len(requests)}\n")
        return out


def generate_rows(model: str, cache_dir: str, out: str, log: str, delay: float = 0.0) -> list[dict[str, Any]]:
    """Plan 40 rows over two codes, generate them with ``Dataset.map`` (2 rows a batch) and write them
    as JSON to ``out``."""
    from datasets import Dataset

    from hf_synthmh.plan import make_plan

    real = {
        "ids": [f"r{i}" for i in range(6)],
        "codes": ["F32.1"] * 3 + ["F41.1"] * 3,
        "texts": [f"Reason for referral\nReal report {i}." for i in range(6)],
    }
    plan = Dataset.from_dict(make_plan(**real, per_label=N_ROWS // 2, n_exemplars=1, seed=3))
    generator = Generator(
        backend=Counting(TransformersBackend(model=model, batch_size=2), log, delay),
        sampling=SamplingSettings(max_new_tokens=16),
        require_sections=False,  # random weights: the text is gibberish
        max_attempts=2,
        cache_dir=cache_dir,
    )
    done = plan.map(generator, batched=True, batch_size=2, load_from_cache_file=False)
    rows = [{c: row[c] for c in COLUMNS} for row in done]
    Path(out).write_text(json.dumps(rows), encoding="utf-8")
    return rows


def _requests(log: Path) -> int:
    return sum(int(line) for line in log.read_text().split()) if log.exists() else 0


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("resume") / "tiny-base", chat_template=None)


def _script(*args: object) -> list[str]:
    return [sys.executable, __file__, *(str(a) for a in args)]


def test_killed_run_resumes_without_lost_or_duplicated_rows(model_dir: Path, tmp_path: Path) -> None:
    reference = generate_rows(
        str(model_dir), str(tmp_path / "ref"), str(tmp_path / "ref.json"), str(tmp_path / "ref.log")
    )
    total = _requests(tmp_path / "ref.log")
    assert len(reference) == N_ROWS and total >= N_ROWS
    assert len({r["text"] for r in reference}) > N_ROWS // 2  # rows differ

    cache_dir, cache = tmp_path / "cache", GenerationCache(tmp_path / "cache")
    killed = subprocess.Popen(
        _script(model_dir, cache_dir, tmp_path / "killed.json", tmp_path / "killed.log", 0.2)
    )
    try:
        deadline = time.monotonic() + 240
        while len(cache) < 6:  # a few batches are stored
            assert killed.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run stored nothing in time"
            time.sleep(0.02)
        os.kill(killed.pid, signal.SIGKILL)
    finally:
        killed.wait(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    stored = len(cache)
    assert 6 <= stored < total and not (tmp_path / "killed.json").exists()

    # Started again (in this process, to spare the imports of a third one: nothing is shared but the disk).
    generate_rows(str(model_dir), str(cache_dir), str(tmp_path / "rerun.json"), str(tmp_path / "rerun.log"))
    rerun = json.loads((tmp_path / "rerun.json").read_text())
    assert rerun == reference  # same ids, same texts, same order
    assert len({r["request_id"] for r in rerun}) == N_ROWS  # no duplicates
    assert _requests(tmp_path / "rerun.log") == total - stored  # only the missing completions
    assert sorted(cache.keys()) == sorted(GenerationCache(tmp_path / "ref").keys())

    # Re-running only later stages: everything comes from the cache.
    again = generate_rows(
        str(model_dir), str(cache_dir), str(tmp_path / "again.json"), str(tmp_path / "again.log")
    )
    assert again == reference and _requests(tmp_path / "again.log") == 0


if __name__ == "__main__":
    import torch

    torch.set_num_threads(1)
    model, cache_dir, out, log, *rest = sys.argv[1:]
    generate_rows(model, cache_dir, out, log, float(rest[0]) if rest else 0.0)
