from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import ClassLabel, Dataset

from hf_synthmh.icd10 import UnknownCodeError
from hf_synthmh.io import InputError, codes_of, read_table, write_jsonl

ROWS = [
    {"text": "Low mood and anhedonia for three months.", "label": "f32.1"},
    {"text": "Worry most days for a year, PHQ-9 9, GAD-7 16.", "label": "F411"},
    {"text": "Persecutory beliefs about neighbours.", "label": "F20.0"},
]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "saved"])
def test_read_formats_normalise_labels(tmp_path: Path, fmt: str) -> None:
    ds = Dataset.from_list(ROWS)
    path = tmp_path / f"real.{fmt}"
    if fmt == "jsonl":
        _jsonl(path, ROWS)
    elif fmt == "csv":
        ds.to_csv(str(path))
    elif fmt == "parquet":
        ds.to_parquet(str(path))
    else:
        ds.save_to_disk(str(path))
    out = read_table(path)
    assert isinstance(out.features["label"], ClassLabel)
    assert out.features["label"].names == ["F20.0", "F32.1", "F41.1"]
    assert codes_of(out) == ["F32.1", "F41.1", "F20.0"]
    assert out["id"] == ["real-000000", "real-000001", "real-000002"]


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_table(tmp_path / "nope.jsonl")


def test_missing_column_named(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "x.jsonl", [{"body": "text", "label": "F32.1"}])
    with pytest.raises(InputError, match=r"missing column\(s\) \['text'\]"):
        read_table(path)


def test_empty_texts_named_with_rows(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "x.jsonl", [*ROWS, {"text": "  ", "label": "F32.1"}])
    with pytest.raises(InputError, match=r"empty or missing text.*rows 3"):
        read_table(path)


def test_unknown_codes_named_with_rows(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "x.jsonl", [*ROWS, {"text": "something", "label": "F32.7"}])
    with pytest.raises(UnknownCodeError, match=r"'F32.7' \(rows 3\)"):
        read_table(path)


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("hello")
    with pytest.raises(InputError, match="unsupported file type"):
        read_table(path)


def test_existing_ids_kept_and_stringified(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "x.jsonl", [{**r, "id": i + 10} for i, r in enumerate(ROWS)])
    assert read_table(path)["id"] == ["10", "11", "12"]


def test_write_jsonl_writes_codes_not_ints(tmp_path: Path) -> None:
    ds = read_table(_jsonl(tmp_path / "x.jsonl", ROWS))
    out = write_jsonl(ds, tmp_path / "o" / "rows.jsonl")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["label"] for r in rows] == ["F32.1", "F41.1", "F20.0"]
    assert rows[0]["text"] == ROWS[0]["text"]
