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


@pytest.mark.parametrize("fmt", ["csv", "parquet-large"])
def test_text_columns_come_back_as_string_whatever_the_file_stored(tmp_path: Path, fmt: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasets import Value, concatenate_datasets

    path = tmp_path / ("real.csv" if fmt == "csv" else "real.parquet")
    if fmt == "csv":
        Dataset.from_list(ROWS).to_csv(str(path))
    else:  # what pandas/polars writers often produce
        table = pa.table({k: pa.array([r[k] for r in ROWS], pa.large_string()) for k in ("text", "label")})
        pq.write_table(table, path)
    out = read_table(path)
    assert out.features["text"] == Value("string") and out.features["id"] == Value("string")
    other = Dataset.from_dict(
        {"id": ["s-1"], "text": ["Synthetic."], "label": [0]}, features=out.features.copy()
    )
    assert len(concatenate_datasets([out, other])) == len(ROWS) + 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.jsonl", b"", "the file is empty"),
        ("latin1.jsonl", '{"text": "caf\xe9", "label": "F32.1"}\n'.encode("latin-1"), "not UTF-8 at line 1"),
        (
            "broken.jsonl",
            b'{"text": "a", "label": "F32.1"}\n{"text": "b", label}\n',
            "line 2 is not valid JSON",
        ),
        ("list.jsonl", b'{"text": "a", "label": "F32.1"}\n[1, 2]\n', "line 2 is a JSON list"),
        ("ragged.csv", b"text,label\nLow mood,F32.1,extra,fields\n", "different numbers of fields"),
        ("header-only.csv", b"text,label\n", "0 rows"),
    ],
)
def test_unreadable_files_name_the_cause(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        read_table(path)
    assert str(path) in str(err.value)


def test_duplicate_ids_are_warned_not_fatal(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rows = [{**r, "id": "same" if i < 2 else "other"} for i, r in enumerate(ROWS)]
    assert read_table(_jsonl(tmp_path / "dup.jsonl", rows))["id"] == ["same", "same", "other"]
    assert "1 id(s) occur more than once (same)" in caplog.text


def test_doctests() -> None:
    import doctest

    from hf_synthmh import io

    result = doctest.testmod(io, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
