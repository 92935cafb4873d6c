"""Generator: one row out per plan row, reasoning split off, and ``datasets`` caching that is exact."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from datasets import Dataset, Features, List, Value, load_from_disk
from datasets.fingerprint import Hasher
from tiny_models import build_tiny_llama

from hf_synthmh.backends import Request, SamplingSettings, TransformersBackend
from hf_synthmh.generate import OUTPUT_COLUMNS, Generator

SHORT = SamplingSettings(max_new_tokens=12)
FEATURES = Features(
    {
        "request_id": Value("string"),
        "code": Value("string"),
        "title": Value("string"),
        "seed": Value("int64"),
        "attributes": {"age_band": Value("string"), "sex": Value("string"), "setting": Value("string")},
        "exemplar_ids": List(Value("string")),
        "exemplar_texts": List(Value("string")),
    }
)


def _plan(n: int = 8) -> dict[str, list]:
    return {
        "request_id": [f"F32.1-{i:05d}" for i in range(n)],
        "code": ["F32.1" if i % 2 else "F41.1" for i in range(n)],
        "title": ["Major depressive disorder" if i % 2 else "Generalized anxiety disorder" for i in range(n)],
        "seed": [1000 + 7 * i for i in range(n)],
        "attributes": [
            {"age_band": "35-44", "sex": "female" if i % 3 else "male", "setting": "inpatient ward"}
            for i in range(n)
        ],
        "exemplar_ids": [["r1"] if i % 4 == 1 else [] for i in range(n)],
        "exemplar_texts": [["Reason for referral\nLow mood."] if i % 4 == 1 else [] for i in range(n)],
    }


class Scripted:
    """A backend that returns fixed completions, to test the Generator alone."""

    name = "scripted"

    def __init__(self, completions: Sequence[str]) -> None:
        self.completions = list(completions)

    def generate(
        self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
    ) -> list[str]:
        return self.completions[: len(requests)]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("gen") / "tiny-base", chat_template=None)


def _generator(model_dir: Path, sampling: SamplingSettings = SHORT) -> Generator:
    return Generator(backend=TransformersBackend(model=str(model_dir), batch_size=4), sampling=sampling)


def test_generator_adds_columns_and_splits_reasoning() -> None:
    plan = _plan(3)
    raw = ["<think>F32.1 is depression</think>\n\nReport one", "", "<think>out of tokens"]
    out = Generator(backend=Scripted(raw))(plan)
    assert out["text"] == ["Report one", "", ""]
    assert out["reasoning"] == ["F32.1 is depression", "", "out of tokens"]
    assert out["model"] == ["scripted"] * 3
    assert all(len(h) == 16 for h in out["prompt_hash"])
    assert out["prompt_hash"][0] != out["prompt_hash"][1]
    assert out["request_id"] == plan["request_id"]  # plan columns pass through


def test_generator_refuses_bad_input_and_short_backends() -> None:
    with pytest.raises(KeyError, match="seed"):
        Generator(backend=Scripted(["a"]))({k: v for k, v in _plan(1).items() if k != "seed"})
    with pytest.raises(RuntimeError, match="1 completions for 2 rows"):
        Generator(backend=Scripted(["a"]))(_plan(2))


def test_map_output_independent_of_batch_size_and_processes(model_dir: Path) -> None:
    plan = Dataset.from_dict(_plan(8), features=FEATURES)
    runs = {
        (bs, proc): plan.map(_generator(model_dir), batched=True, batch_size=bs, num_proc=proc)
        for bs, proc in ((1, None), (4, None), (4, 2))
    }
    texts = {key: list(ds["text"]) for key, ds in runs.items()}
    assert texts[(1, None)] == texts[(4, None)] == texts[(4, 2)]
    first = runs[(4, None)]
    assert len(first) == 8 and len(set(first["text"])) == 8
    assert set(OUTPUT_COLUMNS) <= set(first.column_names)
    assert list(first["model"]) == ["tiny-base"] * 8
    for name, feature in FEATURES.items():
        assert first.features[name] == feature  # plan columns keep their types


def test_fingerprint_stable_across_load_and_processes(model_dir: Path) -> None:
    gen = _generator(model_dir)
    before = Hasher.hash(gen)
    gen({k: v[:1] for k, v in _plan(1).items()})
    assert gen.backend.is_loaded  # type: ignore[attr-defined]
    assert Hasher.hash(gen) == before
    code = (
        "import sys\n"
        "from datasets.fingerprint import Hasher\n"
        "from hf_synthmh.backends import SamplingSettings, TransformersBackend\n"
        "from hf_synthmh.generate import Generator\n"
        "g = Generator(backend=TransformersBackend(model=sys.argv[1], batch_size=4),\n"
        "              sampling=SamplingSettings(max_new_tokens=12))\n"
        "print(Hasher.hash(g))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(model_dir)], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == before
    assert Hasher.hash(_generator(model_dir, SamplingSettings(max_new_tokens=12, temperature=0.5))) != before


def test_map_reuses_cache_exactly_when_inputs_match(model_dir: Path, tmp_path: Path) -> None:
    Dataset.from_dict(_plan(4), features=FEATURES).save_to_disk(str(tmp_path / "plan"))
    plan = load_from_disk(str(tmp_path / "plan"))
    assert plan.cache_files
    first = plan.map(_generator(model_dir), batched=True, batch_size=2)
    fresh = _generator(model_dir)
    second = plan.map(fresh, batched=True, batch_size=2)
    assert second._fingerprint == first._fingerprint
    assert second.cache_files == first.cache_files
    assert not fresh.backend.is_loaded  # type: ignore[attr-defined]  # served from the cache
    hotter = plan.map(
        _generator(model_dir, SamplingSettings(max_new_tokens=12, temperature=0.5)),
        batched=True,
        batch_size=2,
    )
    assert hotter._fingerprint != first._fingerprint
    assert hotter.cache_files != first.cache_files
    assert list(hotter["text"]) != list(first["text"])
