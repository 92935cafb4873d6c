"""Generator: one row out per plan row, reasoning split off, and ``datasets`` caching that is exact;
``generate_dataset``: the same map with a live progress bar of rows, retries and failures."""

from __future__ import annotations

import doctest
import importlib
import os
import pickle
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from datasets import Dataset, Features, List, Value, load_from_disk
from datasets.fingerprint import Hasher

from hf_synthmh.backends import Request, SamplingSettings, TransformersBackend
from hf_synthmh.contracts import GENERATION_COLUMNS
from hf_synthmh.generate import (
    PROGRESS_ENV,
    GenerationProgress,
    Generator,
    generate_dataset,
    retry_seed,
)
from hf_synthmh.generate.cache import GenerationCache
from hf_synthmh.sections import SECTIONS
from hf_synthmh.testing.tiny_models import build_tiny_llama

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


def _report(seed: int) -> str:
    return "\n".join(f"{heading}\nText {seed}." for heading in SECTIONS)


class Seeded:
    """A backend whose completion depends on the seed alone: a full report when ``seed % 3 == 0``, else a
    report without its last two sections. Records the seeds of every call."""

    name = "seeded"

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    @property
    def requests(self) -> int:
        return sum(len(c) for c in self.calls)

    def generate(
        self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
    ) -> list[str]:
        self.calls.append(list(seeds))
        return [_report(s) if s % 3 == 0 else _report(s).split("Risk assessment")[0] for s in seeds]


def _expected_attempts(seed: int, max_attempts: int) -> int:
    for attempt in range(max_attempts):
        if retry_seed(seed, attempt) % 3 == 0:
            return attempt + 1
    return max_attempts


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("gen") / "tiny-base", chat_template=None)


def _generator(model_dir: Path, sampling: SamplingSettings = SHORT) -> Generator:
    # The tiny model's weights are random: its text never has the report sections.
    return Generator(
        backend=TransformersBackend(model=str(model_dir), batch_size=4),
        sampling=sampling,
        require_sections=False,
    )


def test_generator_adds_columns_and_splits_reasoning() -> None:
    plan = _plan(3)
    raw = ["<think>F32.1 is depression</think>\n\nReport one", "", "<think>out of tokens"]
    out = Generator(backend=Scripted(raw), require_sections=False, max_attempts=1)(plan)
    assert out["text"] == ["Report one", "", ""]
    assert out["reasoning"] == ["F32.1 is depression", "", "out of tokens"]
    assert out["generation_error"] == ["", "empty", "empty"]
    assert out["attempts"] == [1, 1, 1]
    assert out["model"] == ["scripted"] * 3
    assert all(len(h) == 16 for h in out["prompt_hash"])
    assert out["prompt_hash"][0] != out["prompt_hash"][1]
    assert out["request_id"] == plan["request_id"]  # plan columns pass through


def test_generator_refuses_bad_input_and_short_backends() -> None:
    with pytest.raises(KeyError, match="seed"):
        Generator(backend=Scripted(["a"]))({k: v for k, v in _plan(1).items() if k != "seed"})
    with pytest.raises(RuntimeError, match="1 completions for 2 rows"):
        Generator(backend=Scripted(["a"]))(_plan(2))


def test_malformed_rows_are_retried_with_derived_seeds_then_given_up() -> None:
    plan = _plan(8)
    backend = Seeded()
    out = Generator(backend=backend, max_attempts=3)(plan)
    expected = [_expected_attempts(s, 3) for s in plan["seed"]]
    assert out["attempts"] == expected and len(set(expected)) > 1
    for seed, text, error, attempts in zip(
        plan["seed"], out["text"], out["generation_error"], expected, strict=True
    ):
        good = retry_seed(seed, attempts - 1)
        if good % 3 == 0:
            assert text == _report(good) and error == ""
        else:
            assert text == "" and error == "malformed:missing_sections=risk,impression,plan"
    assert backend.calls[0] == plan["seed"]  # the first attempt uses the plan's seed
    assert backend.requests == sum(expected)  # only failed rows are asked again
    assert len(out["text"]) == 8  # rows are never dropped


def test_section_check_can_be_switched_off() -> None:
    backend = Seeded()
    out = Generator(backend=backend, require_sections=False)(_plan(6))
    assert out["attempts"] == [1] * 6 and out["generation_error"] == [""] * 6
    assert all(out["text"]) and backend.requests == 6


def test_generator_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        Generator(backend=Seeded(), max_attempts=0)
    assert Generator(backend=Seeded(), cache_dir=Path("a") / "b").cache_dir == str(Path("a") / "b")  # type: ignore[arg-type]


def test_retries_and_cache_do_not_depend_on_batch_size(tmp_path: Path) -> None:
    plan = Dataset.from_dict(_plan(9), features=FEATURES)
    cache_dir = str(tmp_path / "cache")
    reference = plan.map(Generator(backend=Seeded()), batched=True, batch_size=9)
    first_backend = Seeded()
    first = plan.map(Generator(backend=first_backend, cache_dir=cache_dir), batched=True, batch_size=1)
    again_backend = Seeded()
    again = plan.map(Generator(backend=again_backend, cache_dir=cache_dir), batched=True, batch_size=4)
    for column in ("text", "generation_error", "attempts", "prompt_hash"):
        assert list(first[column]) == list(reference[column]) == list(again[column]), column
    assert first_backend.requests == sum(reference["attempts"]) == len(GenerationCache(cache_dir))
    assert again_backend.requests == 0  # everything came from the cache


def test_cache_keys_on_what_determines_a_completion(tmp_path: Path) -> None:
    plan = _plan(4)
    cache_dir = str(tmp_path / "cache")
    Generator(backend=Seeded(), cache_dir=cache_dir, require_sections=False)(plan)
    assert len(GenerationCache(cache_dir)) == 4
    for changed, generator_kwargs in (
        ({"seed": [s + 1 for s in plan["seed"]]}, {}),
        ({"exemplar_ids": [["other"]] * 4}, {}),
        ({"title": ["Another title"] * 4}, {}),
        ({}, {"sampling": SamplingSettings(max_new_tokens=13)}),
    ):
        backend = Seeded()
        gen = Generator(backend=backend, cache_dir=cache_dir, require_sections=False, **generator_kwargs)
        gen({**plan, **changed})
        assert backend.requests == 4, changed or generator_kwargs
        assert gen.stats["generated"] == 4 and gen.stats["cache_hits"] == 0
    backend = Seeded()
    gen = Generator(backend=backend, cache_dir=cache_dir, require_sections=False)
    gen(plan)
    assert backend.requests == 0 and gen.stats == {
        "rows": 4,
        "cache_hits": 4,
        "generated": 0,
        "retries": 0,
        "failed": 0,
    }


def test_cache_is_opened_lazily_and_never_pickled(tmp_path: Path) -> None:
    gen = Generator(backend=Scripted([_report(0)] * 2), cache_dir=str(tmp_path / "cache"))
    before = Hasher.hash(gen)
    assert not (tmp_path / "cache").exists()
    gen(_plan(2))
    assert gen.cache is not None and gen.stats["rows"] == 2
    assert Hasher.hash(gen) == before  # counters and the open cache are not settings
    clone = pickle.loads(pickle.dumps(gen))
    assert clone.stats["rows"] == 0 and (clone.cache_dir, clone.max_attempts) == (gen.cache_dir, 3)
    assert "_state" not in gen.__getstate__() and "cache" not in clone._state
    assert Hasher.hash(Generator(backend=Seeded(), cache_dir=str(tmp_path / "other"))) != before
    assert (
        Hasher.hash(Generator(backend=Seeded(), cache_dir=str(tmp_path / "cache"), max_attempts=2)) != before
    )


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
    assert set(GENERATION_COLUMNS) <= set(first.column_names)
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
        "              sampling=SamplingSettings(max_new_tokens=12), require_sections=False)\n"
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


def _bar_lines(err: str) -> list[str]:
    return [line for line in err.replace("\r", "\n").splitlines() if line.startswith("Generating")]


def test_generate_dataset_shows_rows_retries_and_failures(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    plan = Dataset.from_dict(_plan(9), features=FEATURES)
    generator = Generator(backend=Seeded(), max_attempts=2)
    with caplog.at_level("INFO", logger="hf_synthmh"):
        out = generate_dataset(plan, generator=generator, batch_size=2, progress=True, poll_interval_s=0.01)
    reference = plan.map(Generator(backend=Seeded(), max_attempts=2), batched=True, batch_size=2)
    # the same map as plan.map(generator, ...): same rows, same datasets fingerprint
    assert list(out["text"]) == list(reference["text"]) and out._fingerprint == reference._fingerprint
    assert PROGRESS_ENV not in os.environ
    retries = sum(_expected_attempts(s, 2) for s in _plan(9)["seed"]) - 9
    failed = sum(1 for s in _plan(9)["seed"] if _expected_attempts(s, 2) == 2 and retry_seed(s, 1) % 3)
    assert retries > 0 and failed > 0  # the script needs retries and gives up on some rows
    last = _bar_lines(capsys.readouterr().err)[-1]
    assert "9/9" in last and "rows/s" in last and f"retries={retries}, failed={failed}, cached=0" in last
    assert f"9 rows, {retries} retries, {failed} failed" in caplog.text


def test_generate_dataset_counts_live_from_worker_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = Dataset.from_dict(_plan(8), features=FEATURES)
    cache_dir = str(tmp_path / "cache")
    Generator(backend=Seeded(), cache_dir=cache_dir, max_attempts=3)(_plan(8))  # fill the cache
    capsys.readouterr()
    runs = {
        proc: generate_dataset(
            plan,
            generator=Generator(backend=Seeded(), cache_dir=cache_dir, max_attempts=3),
            batch_size=2,
            num_proc=proc,
            progress=True,
        )
        for proc in (None, 2)
    }
    assert list(runs[None]["text"]) == list(runs[2]["text"])
    attempts = sum(runs[2]["attempts"])
    # Cache hits are not in any column: the bar can only know them from the workers' live reports.
    last = _bar_lines(capsys.readouterr().err)[-1]
    assert "8/8" in last and f"cached={attempts}" in last


def test_generate_dataset_keeps_datasets_cache_reuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Dataset.from_dict(_plan(6), features=FEATURES).save_to_disk(str(tmp_path / "plan"))
    plan = load_from_disk(str(tmp_path / "plan"))
    first = generate_dataset(plan, generator=Generator(backend=Seeded()), batch_size=2, progress=True)
    as_before = plan.map(Generator(backend=Seeded()), batched=True, batch_size=2, desc="Generating")
    assert as_before.cache_files == first.cache_files  # the pipeline's old call and the new one share it
    capsys.readouterr()
    backend = Seeded()
    again = generate_dataset(plan, generator=Generator(backend=backend), batch_size=2, progress=True)
    assert again.cache_files == first.cache_files and backend.requests == 0
    retries = sum(first["attempts"]) - 6
    last = _bar_lines(capsys.readouterr().err)[-1]
    assert "6/6" in last and f"retries={retries}," in last  # read from the columns: no batch ran


def test_generate_dataset_cleans_up_after_a_failing_backend(capsys: pytest.CaptureFixture[str]) -> None:
    class Broken:
        name = "broken"

        def generate(
            self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
        ) -> list[str]:
            raise ConnectionError("server down")

    plan = Dataset.from_dict(_plan(2), features=FEATURES)
    with pytest.raises(ConnectionError, match="server down"):
        generate_dataset(plan, generator=Generator(backend=Broken()), progress=True)
    assert PROGRESS_ENV not in os.environ
    from datasets.utils.logging import is_progress_bar_enabled

    assert is_progress_bar_enabled()  # datasets' own bars are switched back on


def test_progress_reader_sums_complete_lines_only(tmp_path: Path) -> None:
    progress = GenerationProgress(tmp_path)
    assert not progress.poll()
    with open(tmp_path / "11.jsonl", "w", encoding="utf-8") as handle:
        handle.write('{"rows":2,"retries":1,"failed":0,"cache_hits":2,"backend_retries":3}\n{"rows":')
    (tmp_path / "12.jsonl").write_text('{"rows":4,"retries":0,"failed":1}\n', encoding="utf-8")
    assert progress.poll() and progress.counts["rows"] == 6
    with open(tmp_path / "11.jsonl", "a", encoding="utf-8") as handle:
        handle.write('2,"retries":2}\n')
    assert progress.poll() and not progress.poll()
    assert progress.counts == {"rows": 8, "retries": 3, "failed": 1, "cache_hits": 2, "backend_retries": 3}
    assert progress.postfix() == {"retries": 3, "failed": 1, "cached": 2, "backend_retries": 3}


@pytest.mark.parametrize("name", ["generator", "run", "progress", "cache"])
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(f"hf_synthmh.generate.{name}"))
    assert result.failed == 0 and result.attempted > 0
