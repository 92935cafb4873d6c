"""``compare`` on two tiny generators (random tiny Llamas built in code): one plan, the same gate and
metrics, a table with every column, per-code rows, plots, the card; a second run resumes from the cache;
the YAML file and the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from datasets import DatasetDict

from hf_synthmh.compare import GeneratorSpec, compare, load_generators
from hf_synthmh.compare.table import CODE_COLUMNS, COLUMNS
from hf_synthmh.demo.corpus import load_demo_corpus
from hf_synthmh.metrics import MetricsOptions
from hf_synthmh.metrics.embeddings import hashed_bow_embed
from hf_synthmh.pipeline import PlanOptions
from hf_synthmh.testing.tiny_models import build_tiny_llama

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def real() -> DatasetDict:
    corpus = load_demo_corpus()
    return DatasetDict(
        {
            "train": corpus["train"].shuffle(seed=0).select(range(60)),
            "test": corpus["test"].select(range(40)),
            "holdout": corpus["holdout"].select(range(30)),
        }
    )


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("models")
    return [build_tiny_llama(root / f"tiny-{seed}", seed=seed) for seed in (0, 1)]


def _specs(models: list[Path]) -> list[GeneratorSpec]:
    # Random weights write gibberish: without the section check, rows reach the gate and the metrics.
    common: dict[str, Any] = {
        "require_sections": False,
        "max_new_tokens": 24,
        "max_attempts": 1,
        "batch_size": 8,
    }
    return [GeneratorSpec(name=f"tiny-{i}", model=str(m), **common) for i, m in enumerate(models)]


@pytest.fixture(scope="module")
def result(real: DatasetDict, models: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("compare")
    return compare(
        real,
        _specs(models),
        out=out,
        plan=PlanOptions(per_label=1, seed=3),
        metrics=MetricsOptions(n_bootstrap=50, seed=3),
        embed=hashed_bow_embed,
    )


def test_table_has_every_column_for_every_generator(result: Any, real: DatasetDict) -> None:
    n_codes = len(set(real["train"]["label"]))
    assert [r["generator"] for r in result.rows] == ["tiny-0", "tiny-1"]
    for row in result.rows:
        assert list(row) == list(COLUMNS)
        assert row["requested"] == n_codes == row["failed"] + row["rejected"] + row["kept"]
        assert row["token_unit"] == "tokens" and row["dp_epsilon"] is None
        if row["kept"]:
            assert row["seconds_per_kept_row"] > 0 and row["tokens_per_kept_row"] > 0
        assert row["real_only_macro_f1"] is not None  # the same real-only classifier for every generator
    assert result.rows[0]["real_only_macro_f1"] == result.rows[1]["real_only_macro_f1"]
    assert result.baseline["distinct_2"] is not None and result.baseline["generator"].startswith("real")
    with result.paths["table"].open() as fh:
        table = list(csv.DictReader(fh))
    assert [r["generator"] for r in table] == ["tiny-0", "tiny-1", "real (train split)"]
    assert list(table[0]) == list(COLUMNS)


def test_one_plan_for_all_generators(result: Any) -> None:
    plans = [
        sorted(
            (row_id, seed)
            for part in (r.result.synthetic, r.result.rejected, r.result.failed)
            for row_id, seed in zip(part["id"], part["seed"], strict=True)
        )
        for r in result.runs
    ]
    assert plans[0] == plans[1]
    models = [set(r.result.generation["models"]) for r in result.runs]
    assert models[0] != models[1]


def test_per_code_rows_plots_and_card(result: Any, real: DatasetDict) -> None:
    codes = set(real["train"].features["label"].names) & set(
        real["train"].features["label"].int2str(real["train"]["label"])
    )
    assert {(r["generator"], r["code"]) for r in result.per_code} == {
        (g, c) for g in ("tiny-0", "tiny-1") for c in codes
    }
    assert all(list(r) == list(CODE_COLUMNS) for r in result.per_code)
    assert result.paths["fidelity vs privacy"].exists() or "fidelity vs privacy" not in result.paths
    assert result.paths["yield per code"].stat().st_size > 0
    card = result.paths["card"].read_text()
    for heading in (
        "## Generators",
        "## Utility",
        "## Reject reasons",
        "## Kept rows per ICD-10 code",
        "## Plots",
    ):
        assert heading in card
    assert "| tiny-0 |" in card and "real (train split)" in card
    for text in real["train"]["text"][:5]:
        assert text.splitlines()[0] not in card
    assert (result.runs[0].folder / "published" / "README.md").exists()


def test_second_run_resumes_from_the_cache(result: Any, real: DatasetDict, models: list[Path]) -> None:
    again = compare(
        real,
        _specs(models)[:1],
        out=result.paths["card"].parent,
        plan=PlanOptions(per_label=1, seed=3),
        metrics=MetricsOptions(n_bootstrap=50, seed=3),
        embed=hashed_bow_embed,
        plots=False,
    )
    run = again.runs[0]
    assert run.cached == run.requested
    assert run.generation_seconds == pytest.approx(result.runs[0].generation_seconds)
    assert again.rows[0]["kept"] == result.rows[0]["kept"]


def test_yaml_specs(tmp_path: Path) -> None:
    (tmp_path / "adapter").mkdir()
    path = tmp_path / "gens.yaml"
    path.write_text(
        "defaults: {max_new_tokens: 30}\n"
        "generators:\n"
        "  - {name: toy, toy: true}\n"
        "  - {name: tuned, model: some/model, adapter: adapter, temperature: 0.5}\n"
        "  - {name: served, preset: qwen3-8b-nothink, backend: endpoint, base_url: 'http://127.0.0.1:9/v1'}\n"
    )
    toy, tuned, served = load_generators(path)
    assert toy.toy and tuned.adapter == str((tmp_path / "adapter").resolve())
    assert tuned.sampling().temperature == 0.5 and tuned.sampling().max_new_tokens == 30
    assert served.build_backend().extra_body == {"chat_template_kwargs": {"enable_thinking": False}}
    with pytest.raises(ValueError, match="names must differ"):
        path.write_text("generators:\n  - {name: a, toy: true}\n  - {name: a, toy: true}\n")
        load_generators(path)
    with pytest.raises(ValueError, match="one of model/preset"):
        GeneratorSpec(name="x", toy=True, model="m")


def test_cli_compare(
    real: DatasetDict, models: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hf_synthmh.cli import main

    data = tmp_path / "real"
    real.save_to_disk(str(data))
    gens = tmp_path / "gens.yaml"
    gens.write_text(
        "defaults: {require_sections: false, max_new_tokens: 16, max_attempts: 1}\n"
        f"generators:\n  - {{name: a, model: '{models[0]}'}}\n  - {{name: b, model: '{models[1]}'}}\n"
    )
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(
            [
                "compare",
                "--real",
                str(data),
                "--generators",
                str(gens),
                "--out",
                str(out),
                "--per-label",
                "1",
                "--embed",
                "hashed",
                "--n-bootstrap",
                "20",
                "--no-plots",
            ]
        )
        raise SystemExit(0)
    assert info.value.code in (0, None)
    printed = capsys.readouterr().out
    assert "Generators compared" in printed and "comparison.csv" in printed
    rows = json.loads((out / "comparison.json").read_text())
    assert [r["generator"] for r in rows] == ["a", "b", "real (train split)"]
