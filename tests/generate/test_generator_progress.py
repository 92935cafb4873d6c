"""The progress bar moves while a backend call is still running: a row is reported as soon as its
completion passes the section check (or was its last attempt), and the rest when the batch ends, so
every row is counted once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from hf_synthmh.backends import Request, SamplingSettings
from hf_synthmh.backends.base import RequestFailure
from hf_synthmh.generate import PROGRESS_ENV, GenerationProgress, Generator
from hf_synthmh.sections import SECTIONS

GOOD = "\n".join(f"{heading}\nText." for heading in SECTIONS)


class Streaming:
    """A backend with ``generate_each`` that reads the progress files after each completion."""

    name = "streaming"

    def __init__(self, folder: Path, completions: Sequence[str]) -> None:
        self.progress = GenerationProgress(folder)
        self.completions = list(completions)
        self.seen: list[int] = []  # rows on the bar after each completion

    def generate(
        self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
    ) -> list[str]:
        return [str(t) for t in self.generate_each(requests, seeds=seeds, sampling=sampling)]

    def generate_each(
        self,
        requests: Sequence[Request],
        *,
        seeds: Sequence[int],
        sampling: SamplingSettings,
        on_result: Callable[[int, str], None] | None = None,
    ) -> list[str | RequestFailure]:
        out: list[str | RequestFailure] = []
        for j in range(len(requests)):
            text = self.completions.pop(0)
            out.append(text)
            if on_result is not None:
                on_result(j, text)
            self.progress.poll()
            self.seen.append(self.progress.counts["rows"])
        return out


def _batch(n: int) -> dict[str, list]:
    return {
        "request_id": [f"r{i}" for i in range(n)],
        "code": ["F32.1"] * n,
        "title": ["Depressive episode"] * n,
        "seed": list(range(n)),
        "attributes": [{"age_band": "35-44", "sex": "female", "setting": "outpatient clinic"}] * n,
        "exemplar_ids": [[] for _ in range(n)],
        "exemplar_texts": [[] for _ in range(n)],
    }


def test_rows_reach_the_bar_during_the_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROGRESS_ENV, str(tmp_path))
    # attempt 1: rows 0 and 2 pass, row 1 fails the check; attempt 2 (the last): row 1 fails again
    backend = Streaming(tmp_path, [GOOD, "no headings", GOOD, "still no headings"])
    out = Generator(backend=backend, max_attempts=2)(_batch(3))
    assert out["generation_error"][1] and not out["generation_error"][0] and not out["generation_error"][2]
    assert backend.seen == [1, 1, 2, 3]  # live, before the batch returns; the failed row on its last try
    final = GenerationProgress(tmp_path)
    final.poll()
    assert final.counts["rows"] == 3 and final.counts["failed"] == 1 and final.counts["retries"] == 1
