"""Validates the hand-made, fictional PHI evaluation set in ``phi_eval.jsonl`` (data only, no scanner)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).with_name("phi_eval.jsonl")

TYPES = {
    "PERSON",
    "DATE_OF_BIRTH",
    "DATE",
    "AGE_OVER_89",
    "MRN",
    "INSURANCE_ID",
    "NHS_NUMBER",
    "SSN",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "URL",
    "IP_ADDRESS",
    "SOCIAL_HANDLE",
    "STREET_ADDRESS",
    "POSTCODE",
    "ORGANIZATION",
    "LOCATION",
}
KEYS = {"id", "text", "phi", "kind"}
OPTIONAL_KEYS = {"note"}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    out = []
    for lineno, line in enumerate(DATA.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"blank line {lineno}"
        row = json.loads(line)
        assert isinstance(row, dict), f"line {lineno} is not an object"
        out.append(row)
    return out


def test_row_shape(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert KEYS <= row.keys() <= KEYS | OPTIONAL_KEYS, row.get("id")
        assert re.fullmatch(r"phi-\d{3}", row["id"]), row["id"]
        assert isinstance(row["text"], str) and row["text"].strip(), row["id"]
        assert row["kind"] in {"phi", "clean"}, row["id"]
        assert isinstance(row["phi"], list), row["id"]
        if "note" in row:
            assert isinstance(row["note"], str), row["id"]


def test_unique_ids(rows: list[dict[str, Any]]) -> None:
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), [i for i, c in Counter(ids).items() if c > 1]


def test_values_are_substrings_with_known_types(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        for span in row["phi"]:
            assert set(span) == {"type", "value"}, row["id"]
            assert span["type"] in TYPES, (row["id"], span["type"])
            assert isinstance(span["value"], str) and span["value"].strip(), row["id"]
            assert span["value"] in row["text"], (row["id"], span["value"])


def test_kind_matches_labels(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        if row["kind"] == "clean":
            assert row["phi"] == [], row["id"]
        else:
            assert row["phi"], row["id"]


def test_counts(rows: list[dict[str, Any]]) -> None:
    kinds = Counter(row["kind"] for row in rows)
    assert len(rows) >= 110
    assert kinds["phi"] >= 65
    assert kinds["clean"] >= 45
    rows_per_type = Counter(t for row in rows for t in {span["type"] for span in row["phi"]})
    well_covered = {t for t, n in rows_per_type.items() if n >= 4}
    assert len(well_covered) >= 12, rows_per_type


@pytest.mark.parametrize("module", ["tests.data.phi_sets", "hf_synthmh.testing.bench_corpus"])
def test_helper_doctests(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


def test_bench_corpus_plants_every_kind_and_is_seeded() -> None:
    from hf_synthmh.testing.bench_corpus import KINDS, make_data

    real, synthetic, kinds = make_data(500, seed=3)
    assert make_data(500, seed=3) == (real, synthetic, kinds)
    planted = [k for k in kinds if k != "unrelated"]
    assert sorted(set(planted)) == sorted(KINDS[:-1]) and len(planted) == 5 * 5
    verbatim = {s for s, k in zip(synthetic, kinds, strict=True) if k == "verbatim"}
    assert verbatim <= set(real)
    unrelated = [s for s, k in zip(synthetic, kinds, strict=True) if k == "unrelated"]
    assert not set(unrelated) & set(real)
