from __future__ import annotations

import pytest
from datasets import ClassLabel, Dataset

from hf_synthmh.plan import ATTRIBUTES, make_plan, plan_dataset, quota

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
        assert set(attrs) == set(ATTRIBUTES)
        assert all(attrs[k] in ATTRIBUTES[k] for k in attrs)


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


def test_unknown_codes_fail_with_rows() -> None:
    with pytest.raises(ValueError, match="rows 1"):
        make_plan(ids=["a", "b"], codes=["F32.1", "F99.99"], texts=["x", "y"], per_label=1)
