from __future__ import annotations

from collections import Counter

import pytest
from datasets import ClassLabel, Dataset

from hf_synthmh.plan import (
    ATTRIBUTES,
    CASE_ATTRIBUTES,
    PLAN_ATTRIBUTES,
    case_attributes,
    group_of,
    make_plan,
    plan_dataset,
    quota,
)

IDS = [f"r{i}" for i in range(7)]
CODES = ["F32.1"] * 4 + ["F41.1"] * 2 + ["F20.0"]
TEXTS = [f"text {i}" for i in range(7)]


def test_quota_modes() -> None:
    assert quota(CODES, per_label=3) == {"F20.0": 3, "F32.1": 3, "F41.1": 3}
    assert quota(CODES, target_per_label=3) == {"F20.0": 2, "F32.1": 0, "F41.1": 1}
    with pytest.raises(ValueError, match="exactly one"):
        quota(CODES)
    with pytest.raises(ValueError, match="exactly one"):
        quota(CODES, per_label=1, target_per_label=2)
    with pytest.raises(ValueError, match=">= 0"):
        quota(CODES, per_label=-1)
    with pytest.raises(ValueError, match="target_per_label must be >= 0"):
        quota(CODES, target_per_label=-1)
    with pytest.raises(ValueError, match="level"):
        quota(CODES, per_label=1, level="chapter")  # type: ignore[arg-type]


def test_patient_attributes_keep_their_values() -> None:
    """The demo model is trained on prompts with these three attributes and values."""
    assert list(PLAN_ATTRIBUTES)[:3] == list(ATTRIBUTES) == ["age_band", "sex", "setting"]
    assert ATTRIBUTES["sex"] == ("female", "male")
    assert ATTRIBUTES["setting"] == (
        "outpatient clinic",
        "inpatient ward",
        "emergency department",
        "community team",
    )
    assert ATTRIBUTES["age_band"] == ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-89")


def test_patient_attributes_and_exemplars_did_not_move() -> None:
    """Adding case attributes left the earlier draws of every row as they were."""
    plan = make_plan(ids=IDS, codes=CODES, texts=TEXTS, per_label=1, n_exemplars=2, seed=0)
    first = plan["attributes"][0]
    assert (plan["request_id"][0], plan["seed"][0]) == ("F20.0-00000", 1251622887)
    assert {k: first[k] for k in ATTRIBUTES} == {
        "age_band": "25-34",
        "sex": "female",
        "setting": "community team",
    }
    assert plan["exemplar_ids"] == [["r6"], ["r2", "r3"], ["r5", "r4"]]


@pytest.mark.parametrize(
    ("code", "title", "severity"),
    [
        ("F32.1", "Major depressive disorder, single episode, moderate", {"moderate"}),
        ("F31.2", "Bipolar disorder, current episode manic severe with psychotic features", {"severe"}),
        (
            "F31.3",
            "Bipolar disorder, current episode depressed, mild or moderate severity",
            {"mild", "moderate"},
        ),
        ("F33.4", "Major depressive disorder, recurrent, in remission", {"in remission"}),
        ("F41.1", "Generalized anxiety disorder", {"mild", "moderate", "severe"}),
    ],
)
def test_severity_follows_the_title(code: str, title: str, severity: set[str]) -> None:
    seen = {case_attributes(code, title, s)["severity"] for s in range(60)}
    assert seen == severity


def test_comorbidity_never_restates_the_diagnosis() -> None:
    alcohol = {
        case_attributes("F10.20", "Alcohol dependence, uncomplicated", s)["comorbidity"] for s in range(200)
    }
    assert "harmful alcohol use" not in alcohol and "none" in alcohol
    anxiety = {case_attributes("F41.0", "Panic disorder", s)["comorbidity"] for s in range(200)}
    assert "anxiety symptoms" not in anxiety and "harmful alcohol use" in anxiety
    assert case_attributes("F41.0", "Panic disorder", 3) == case_attributes("F41.0", "Panic disorder", 3)


def test_groups_of_codes() -> None:
    assert [group_of("F32.1", level) for level in ("code", "category", "block")] == [
        "F32.1",
        "F32",
        "F30-F39",
    ]
    with pytest.raises(ValueError, match="level"):
        group_of("F32.1", "chapter")  # type: ignore[arg-type]


def test_quota_at_a_parent_level_fills_the_emptiest_child_first() -> None:
    codes = ["F32.0"] + ["F32.1"] * 4 + ["F33.1"] * 2 + ["F41.1"] * 9
    # F32: 5 real, needs 5 more to reach 10; F32.0 (1 real) takes them until it draws level with F32.1 (4).
    assert quota(codes, target_per_label=10, level="category") == {
        "F32.0": 4,
        "F32.1": 1,
        "F33.1": 8,
        "F41.1": 1,
    }
    # The F30-F39 block holds F32.0, F32.1 and F33.1: 7 real, 5 to add.
    assert quota(codes, target_per_label=12, level="block") == {
        "F32.0": 3,
        "F32.1": 0,
        "F33.1": 2,
        "F41.1": 3,
    }
    # per_label counts per group too, spread the same way (ties go to the smaller code).
    assert quota(codes, per_label=3, level="category") == {"F32.0": 3, "F32.1": 0, "F33.1": 3, "F41.1": 3}
    assert quota(["F32.0", "F32.1"], per_label=3, level="category") == {"F32.0": 2, "F32.1": 1}
    assert quota(codes, target_per_label=10) == quota(codes, target_per_label=10, level="code")


def test_raising_a_parent_level_quota_only_adds_rows() -> None:
    codes = ["F32.0"] + ["F32.1"] * 4 + ["F32.2"] * 2
    previous = dict.fromkeys(sorted(set(codes)), 0)
    for target in range(0, 30):
        now = quota(codes, target_per_label=target, level="category")
        assert all(now[c] >= previous[c] for c in now)
        assert sum(now.values()) == max(0, target - len(codes))
        previous = now


def test_make_plan_at_category_level() -> None:
    codes = ["F32.0"] + ["F32.1"] * 4 + ["F41.1"] * 2
    plan = make_plan(ids=IDS, codes=codes, texts=TEXTS, target_per_label=8, level="category", n_exemplars=1)
    assert Counter(plan["code"]) == {"F32.0": 3, "F41.1": 6}
    assert all(
        codes[IDS.index(ex[0])] == code for code, ex in zip(plan["code"], plan["exemplar_ids"], strict=True)
    )


def test_plan_is_deterministic_and_varied() -> None:
    a = make_plan(ids=IDS, codes=CODES, texts=TEXTS, per_label=20, n_exemplars=2, seed=1)
    b = make_plan(ids=IDS, codes=CODES, texts=TEXTS, per_label=20, n_exemplars=2, seed=1)
    c = make_plan(ids=IDS, codes=CODES, texts=TEXTS, per_label=20, n_exemplars=2, seed=2)
    assert a == b
    assert a["seed"] != c["seed"]
    assert len(set(a["seed"])) == 60  # one seed per row
    assert len(set(a["request_id"])) == 60
    f32 = [i for i, code in enumerate(a["code"]) if code == "F32.1"]
    assert len({tuple(sorted(a["attributes"][i].items())) for i in f32}) > 5
    assert len({tuple(a["exemplar_ids"][i]) for i in f32}) > 3
    for attrs in a["attributes"]:
        assert list(attrs) == list(PLAN_ATTRIBUTES)
        assert all(attrs[k] in PLAN_ATTRIBUTES[k] for k in attrs)
    for key in CASE_ATTRIBUTES:
        if key != "severity":  # fixed by the title for F32.1 (moderate)
            assert len({a["attributes"][i][key] for i in f32}) > 1, key


def test_exemplars_come_from_the_same_code() -> None:
    plan = make_plan(ids=IDS, codes=CODES, texts=TEXTS, per_label=5, n_exemplars=3, seed=0)
    for code, ex_ids, ex_texts in zip(
        plan["code"], plan["exemplar_ids"], plan["exemplar_texts"], strict=True
    ):
        assert all(CODES[IDS.index(i)] == code for i in ex_ids)
        assert ex_texts == [TEXTS[IDS.index(i)] for i in ex_ids]
        assert len(ex_ids) == min(3, CODES.count(code))


def test_prefix_of_a_larger_quota_is_the_same_plan() -> None:
    """Raising the quota appends rows; it does not change the ones already planned (resume-friendly)."""
    small = make_plan(ids=IDS, codes=CODES, texts=TEXTS, per_label=2, seed=0)
    big = make_plan(ids=IDS, codes=CODES, texts=TEXTS, per_label=4, seed=0)
    small_rows = set(zip(small["request_id"], small["seed"], strict=True))
    assert small_rows <= set(zip(big["request_id"], big["seed"], strict=True))


def test_plan_dataset_from_classlabel_split() -> None:
    label = ClassLabel(names=sorted(set(CODES)))
    real = Dataset.from_dict(
        {"id": IDS, "text": TEXTS, "label": [label.str2int(c) for c in CODES]}
    ).cast_column("label", label)
    plan = plan_dataset(real, target_per_label=4, n_exemplars=1)
    assert list(plan.features["attributes"]) == list(PLAN_ATTRIBUTES)
    assert plan.column_names == [
        "request_id",
        "code",
        "title",
        "seed",
        "attributes",
        "exemplar_ids",
        "exemplar_texts",
    ]
    assert sorted(set(plan["code"])) == ["F20.0", "F41.1"]
    assert plan["title"][0] == "Paranoid schizophrenia"
    by_block = plan_dataset(real, target_per_label=4, level="block")
    assert dict(Counter(by_block["code"])) == {"F20.0": 3, "F41.1": 2}  # F32.1 (F30-F39) is full


def test_unknown_codes_fail_with_rows() -> None:
    with pytest.raises(ValueError, match="rows 1"):
        make_plan(ids=["a", "b"], codes=["F32.1", "F99.99"], texts=["x", "y"], per_label=1)
