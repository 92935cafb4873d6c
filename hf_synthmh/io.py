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

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hf_synthmh import icd10

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = ["InputError", "codes_of", "read_table", "write_jsonl"]

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

    Adds an ``id`` column (``f"{id_prefix}-{row:06d}"``) when the table has none. Raises
    :class:`InputError` for a missing file, a missing column or empty texts, and
    :class:`hf_synthmh.icd10.UnknownCodeError` for unknown codes (with their rows).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    ds = _load(path, split=split)
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
    return ds


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
    try:
        ds = load_dataset(builder, data_files=str(path), split="train")
    except Exception as err:  # datasets raises many kinds; the user needs the file name
        raise InputError(f"{path}: could not be read as {builder}: {err}") from err
    assert isinstance(ds, Dataset)
    return ds


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
    import json

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
