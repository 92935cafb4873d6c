"""The generation run hands a continuous-batching backend larger map batches, so its retries and tails share
a batch; each row's text is the same whatever the map batch."""

from __future__ import annotations

from pathlib import Path

from datasets import Dataset

from hf_synthmh.backends import SamplingSettings, TransformersBackend
from hf_synthmh.generate import Generator
from hf_synthmh.generate.run import generate_dataset, map_rows


class _Recorder:
    """Echo backend that records the size of every call."""

    name = "recorder"

    def __init__(self, rows_per_call: int | None) -> None:
        self.calls: list[int] = []
        if rows_per_call is not None:
            self.rows_per_call = rows_per_call

    def generate(self, requests, *, seeds, sampling):  # type: ignore[no-untyped-def]
        self.calls.append(len(requests))
        return [f"Report {s}" for s in seeds]


def _plan(n: int) -> Dataset:
    return Dataset.from_dict(
        {
            "code": ["F32.1"] * n,
            "title": ["Depression"] * n,
            "attributes": [{"sex": "female"}] * n,
            "exemplar_texts": [[]] * n,
            "seed": list(range(n)),
        }
    )


def test_map_batches_follow_the_backends_rows_per_call() -> None:
    for rows_per_call, expected in ((None, [4, 4, 2]), (8, [8, 2]), (2, [4, 4, 2])):
        backend = _Recorder(rows_per_call)
        generator = Generator(backend=backend, require_sections=False)
        out = generate_dataset(_plan(10), generator=generator, batch_size=4, progress=False)
        assert backend.calls == expected and list(out["text"]) == [f"Report {s}" for s in range(10)]


def test_transformers_backend_asks_for_four_batches_per_call(plain_llama_dir: Path) -> None:
    looped = TransformersBackend(model=str(plain_llama_dir), batch_size=3)
    plain = TransformersBackend(model=str(plain_llama_dir), batch_size=3, continuous_batching=False)
    assert (looped.rows_per_call, plain.rows_per_call) == (12, 3)
    assert map_rows(Generator(backend=looped), 3) == 12 and map_rows(Generator(backend=plain), 8) == 8
    sampling = SamplingSettings(max_new_tokens=6)
    texts = [
        list(generate_dataset(_plan(7), generator=Generator(backend=b, sampling=sampling, require_sections=False),
                              batch_size=3, progress=False)["text"])
        for b in (looped, plain)
    ]  # fmt: skip
    assert texts[0] == texts[1] and len(set(texts[0])) == 7
