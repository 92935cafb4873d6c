"""Reading users' real and synthetic tables, with errors that name the file, column and rows.

Accepted inputs: ``.jsonl`` / ``.json``, ``.csv``, ``.parquet`` files, or a folder written by
``Dataset.save_to_disk`` (a ``DatasetDict`` folder needs ``split=``). Every table needs a ``text`` and a
``label`` column; labels are ICD-10 codes (strings, or a ``ClassLabel`` of codes) and are normalised.

Example:
    >>> import json, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "real.jsonl"
    >>> _ = path.write_text(json.dumps({"text": "Low mood for months.", "label": "f32.1"}) + "\\n")
    >>> ds = read_table(path)
    >>> ds.features["label"].names, ds[0]["id"]
    (['F32.1'], 'real-000000')
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hf_synthmh import icd10

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = ["InputError", "codes_of", "read_table", "write_jsonl"]

logger = logging.getLogger(__name__)

_BUILDERS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


class InputError(ValueError):
    """A user's input file cannot be used; the message names the file and the problem."""


def read_table(
    path: str | Path,
    *,
    split: str | None = None,
    required: Sequence[str] = ("text", "label"),
    id_prefix: str = "real",
) -> Dataset:
    """Load a table, check its columns and texts, and cast ``label`` to a ClassLabel of ICD-10 codes.

    Adds an ``id`` column (``f"{id_prefix}-{row:06d}"``) when the table has none; text columns come back
    as ``string`` whatever the file stored (CSV and some parquet writers give ``large_string``), so tables
    from any format concatenate. Raises :class:`InputError` for a missing, empty or unreadable file
    (naming the cause: bytes that are not UTF-8 and where, the malformed JSON line, ...), no rows, a
    missing column or empty texts, and :class:`hf_synthmh.icd10.UnknownCodeError` for unknown codes
    (with their rows). Duplicate ids are logged as a warning.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    ds = _plain_strings(_load(path, split=split))
    if len(ds) == 0:
        raise InputError(f"{path}: holds 0 rows")
    missing = [c for c in required if c not in ds.column_names]
    if missing:
        raise InputError(f"{path}: missing column(s) {missing}; found {ds.column_names}")
    if "text" in ds.column_names:
        empty = [i for i, t in enumerate(ds["text"]) if not isinstance(t, str) or not t.strip()]
        if empty:
            shown = ", ".join(map(str, empty[:10])) + (" ..." if len(empty) > 10 else "")
            raise InputError(f"{path}: {len(empty)} empty or missing text(s) in column 'text' (rows {shown})")
    if "label" in ds.column_names:
        ds = _cast_labels(ds, path)
    if "id" not in ds.column_names:
        ds = ds.add_column("id", [f"{id_prefix}-{i:06d}" for i in range(len(ds))])
    else:
        from datasets import Value

        if ds.features["id"] != Value("string"):
            ds = ds.cast_column("id", Value("string"))
        _warn_duplicate_ids(ds["id"], path)
    return ds


def _warn_duplicate_ids(ids: Sequence[str], path: Path) -> None:
    counts = Counter(ids)
    repeated = sorted(i for i, n in counts.items() if n > 1)
    if repeated:
        shown = ", ".join(repeated[:5]) + (" ..." if len(repeated) > 5 else "")
        logger.warning("%s: %d id(s) occur more than once (%s); rows are kept", path, len(repeated), shown)


def _plain_strings(ds: Dataset) -> Dataset:
    """``large_string`` columns as ``string``: one schema whatever format the table came from."""
    from datasets import Value

    features = ds.features.copy()
    large = [n for n, f in features.items() if isinstance(f, Value) and f.dtype == "large_string"]
    for name in large:
        features[name] = Value("string")
    return ds.cast(features) if large else ds


def codes_of(ds: Dataset, column: str = "label") -> list[str]:
    """The label column as ICD-10 code strings, whether it is a ClassLabel or strings."""
    feature = ds.features[column]
    values = ds[column]
    names = getattr(feature, "names", None)
    return [names[v] for v in values] if names is not None else [str(v) for v in values]


def _load(path: Path, *, split: str | None) -> Dataset:
    from datasets import Dataset, DatasetDict, load_dataset, load_from_disk

    if path.is_dir():
        try:
            loaded = load_from_disk(str(path))
        except FileNotFoundError as err:
            raise InputError(f"{path}: not a folder written by save_to_disk ({err})") from err
        if isinstance(loaded, DatasetDict):
            if split is None:
                raise InputError(f"{path}: holds splits {list(loaded)}; choose one with split=")
            if split not in loaded:
                raise InputError(f"{path}: no split {split!r}; found {list(loaded)}")
            return loaded[split]
        assert isinstance(loaded, Dataset)
        return loaded
    builder = _BUILDERS.get(path.suffix.lower())
    if builder is None:
        raise InputError(f"{path}: unsupported file type {path.suffix!r}; use {sorted(_BUILDERS)}")
    if builder in ("json", "csv"):
        _check_text_file(path, builder)
    try:
        ds = load_dataset(builder, data_files=str(path), split="train")
    except Exception as err:  # datasets raises many kinds; the user needs the file name and the cause
        raise InputError(f"{path}: could not be read as {builder}: {_cause(path, builder, err)}") from err
    assert isinstance(ds, Dataset)
    return ds


def _check_text_file(path: Path, builder: str) -> None:
    """Problems that loaders report late, vaguely or never: bytes that are not UTF-8 (pyarrow's JSON
    reader accepts them and fails on first access), CSV rows of different widths (pandas silently turns
    extra fields into an index) and files with no rows."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data.count(b"\n", 0, bad.start) + 1
        raise InputError(
            f"{path}: bytes that are not UTF-8 at line {line} (byte offset {bad.start}); save the file as UTF-8"
        ) from None
    if builder == "csv":
        rows = [r for r in csv.reader(io.StringIO(text)) if r]
        widths = sorted({len(r) for r in rows})
        if len(widths) > 1:
            raise InputError(
                f"{path}: could not be read as csv: rows have different numbers of fields ({widths}); "
                "check quoting and delimiters"
            )
        empty = len(rows) <= 1
    else:
        empty = not text.strip()
    if empty:
        raise InputError(f"{path}: holds 0 rows")


def _cause(path: Path, builder: str, err: BaseException) -> str:
    """Why ``path`` could not be loaded: the malformed JSON line, else the innermost error ``datasets``
    wrapped."""
    if builder == "json" and path.suffix.lower() == ".jsonl":
        for number, line_text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line_text.strip():
                continue
            try:
                row = json.loads(line_text)
            except json.JSONDecodeError as bad:
                return f"line {number} is not valid JSON ({bad.msg} at column {bad.colno})"
            if not isinstance(row, dict):
                return f"line {number} is a JSON {type(row).__name__}, not an object of columns"
    inner: BaseException = err
    while inner.__cause__ is not None or inner.__context__ is not None:
        inner = inner.__cause__ or inner.__context__  # type: ignore[assignment]
    return f"{type(inner).__name__}: {inner}" if str(inner) else type(inner).__name__


def _cast_labels(ds: Dataset, path: Path) -> Dataset:
    from datasets import ClassLabel

    feature = ds.features["label"]
    if isinstance(feature, ClassLabel):
        icd10.validate(feature.names, column=f"{path}:label (ClassLabel names)")
        if feature.names == [icd10.normalize(n) for n in feature.names]:
            return ds
    raw = codes_of(ds)
    missing = [i for i, v in enumerate(raw) if v in ("", "None")]
    if missing:
        raise InputError(f"{path}: {len(missing)} empty label(s) in column 'label' (rows {missing[:10]})")
    codes = icd10.validate(raw, column=f"{path}:label")
    label = ClassLabel(names=sorted(set(codes)))
    ds = ds.remove_columns("label").add_column("label", [label.str2int(c) for c in codes])
    return ds.cast_column("label", label)


def write_jsonl(ds: Dataset, path: str | Path) -> Path:
    """Write rows as JSON lines with ClassLabel columns as their names (ICD-10 codes), not integers."""
    from datasets import ClassLabel

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = {c: f.names for c, f in ds.features.items() if isinstance(f, ClassLabel)}
    with path.open("w", encoding="utf-8") as fh:
        for row in ds:
            assert isinstance(row, dict)
            for column, labels in names.items():
                row[column] = labels[row[column]]
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path
