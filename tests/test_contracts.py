"""The stage contracts agree with the stages that write them."""

from __future__ import annotations

import doctest
import importlib

import pytest

from hf_synthmh import contracts
from hf_synthmh.contracts import GenerationError, choices
from hf_synthmh.plan import LEVELS, PLAN_ATTRIBUTES, make_plan, plan_dataset


def test_doctests() -> None:
    result = doctest.testmod(contracts)
    assert result.failed == 0 and result.attempted > 0


def test_plan_writes_the_contract_columns() -> None:
    plan = make_plan(ids=["r1"], codes=["F32.1"], texts=["a"], per_label=1)
    assert tuple(plan) == contracts.PLAN_COLUMNS
    assert tuple(plan["attributes"][0]) == contracts.PLAN_ATTRIBUTE_KEYS == tuple(PLAN_ATTRIBUTES)
    assert choices(contracts.Level) == LEVELS


def test_plan_dataset_has_the_contract_features() -> None:
    from datasets import ClassLabel, Dataset

    real = Dataset.from_dict({"id": ["r1"], "text": ["a"], "label": [0]}).cast_column(
        "label", ClassLabel(names=["F32.1"])
    )
    assert plan_dataset(real, per_label=1).features == contracts.plan_features()


@pytest.mark.parametrize(
    "value", ["", "empty", "malformed:missing_sections=risk", "malformed:missing_sections=risk,plan"]
)
def test_generation_error_round_trips(value: str) -> None:
    assert str(GenerationError.parse(value)) == value


def test_generation_error_kind_groups_failures() -> None:
    errors = ["malformed:missing_sections=risk,plan", "malformed:missing_sections=mse", "empty"]
    assert [GenerationError.parse(e).kind for e in errors] == [e.split("=")[0] for e in errors]


def test_contracts_import_only_the_standard_library() -> None:
    import subprocess
    import sys

    code = "import sys, hf_synthmh.contracts; print(sorted(m for m in ('datasets', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert importlib.import_module("hf_synthmh.contracts") is contracts


def test_published_rows_have_the_contract_features() -> None:
    from datasets import ClassLabel, Dataset

    from hf_synthmh.pipeline import to_synthetic_rows

    plan = Dataset.from_dict(make_plan(ids=["r1"], codes=["F32.1"], texts=["a"], per_label=2))
    plan = plan.cast(contracts.plan_features())
    outputs = {"text": "report", "reasoning": "", "model": "m", "prompt_hash": "0" * 16}
    generated = plan.map(
        lambda b: {**{k: [v] * len(b["code"]) for k, v in outputs.items()}, "generation_error": [""] * len(b["code"]),
                   "attempts": [1] * len(b["code"])},
        batched=True,
    )  # fmt: skip
    assert set(contracts.GENERATION_COLUMNS) <= set(generated.column_names)
    label = ClassLabel(names=["F32.1"])
    rows = to_synthetic_rows(generated, label=label).select_columns(list(contracts.PUBLISHED_COLUMNS))
    assert rows.features == contracts.published_features(label)
