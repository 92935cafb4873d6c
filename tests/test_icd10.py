from __future__ import annotations

import pytest

from hf_synthmh import icd10


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("f32.1", "F32.1"),
        ("F321", "F32.1"),
        (" F32.1 ", "F32.1"),
        ("F4310", "F43.10"),
        ("F20", "F20"),
        ("F32.", "F32"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert icd10.normalize(raw) == expected


def test_normalize_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="string"):
        icd10.normalize(32.1)  # type: ignore[arg-type]


def test_validate_lists_every_unknown_code_with_rows() -> None:
    with pytest.raises(icd10.UnknownCodeError) as info:
        icd10.validate(["F32.1", "F32.7", "nonsense", "F41.1", "F32.7"])
    assert info.value.unknown == {"F32.7": [1, 4], "nonsense": [2]}
    assert "F32.7" in str(info.value) and "rows 1, 4" in str(info.value) and "nonsense" in str(info.value)


def test_validate_rejects_blocks_and_chapters() -> None:
    with pytest.raises(icd10.UnknownCodeError):
        icd10.validate(["F30-F39"])


def test_codes_outside_chapter_f_warn_but_pass() -> None:
    with pytest.warns(UserWarning, match="outside ICD-10 chapter F"):
        assert icd10.validate(["g4700", "F32.1"]) == ["G47.00", "F32.1"]


def test_titles_and_hierarchy() -> None:
    assert icd10.title("F41.1") == "Generalized anxiety disorder"
    assert icd10.ancestors("F32.1") == ["F32", "F30-F39", "F01-F99"]
    assert icd10.chapter_block("F20.0") == "F20-F29"
    with pytest.raises(icd10.UnknownCodeError):
        icd10.title("F32.7")


def test_class_label_sorted_unique_normalised() -> None:
    label = icd10.class_label(["F41.1", "f32.1", "F321", "F20.0"])
    assert label.names == ["F20.0", "F32.1", "F41.1"]
    assert label.int2str(1) == "F32.1"
