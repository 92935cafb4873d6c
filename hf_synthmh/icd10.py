"""ICD-10 labels: normalise, validate, title, hierarchy and ``datasets.ClassLabel``.

Built on ``simple-icd-10-cm`` (ICD-10-CM, CDC data, public domain), which ships the code set offline.
Its functions are case-sensitive and want the dotted form, so every public function here normalises
first: ``"f32.1"``, ``"F321"`` and ``" F32.1 "`` all mean ``"F32.1"``.

Codes outside chapter F (mental, behavioural and neurodevelopmental disorders) are accepted with a
warning: the product is built for psychiatric reports, but a user's label set may hold a few others.

Example:
    >>> normalize("f321")
    'F32.1'
    >>> title("F32.1")
    'Major depressive disorder, single episode, moderate'
    >>> ancestors("F32.1")
    ['F32', 'F30-F39', 'F01-F99']
    >>> class_label(["F41.1", "f32.1", "F32.1"]).names
    ['F32.1', 'F41.1']
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datasets import ClassLabel

logger = logging.getLogger(__name__)

__all__ = [
    "UnknownCodeError",
    "ancestors",
    "chapter_block",
    "class_label",
    "is_mental_health",
    "normalize",
    "title",
    "validate",
]

# Chapter 5 of ICD-10-CM: "Mental, Behavioral and Neurodevelopmental disorders (F01-F99)".
_CHAPTER_F = "F01-F99"
_CODE_RE = re.compile(r"^([A-Z])(\d{2})([0-9A-Z]{0,4})$")


class UnknownCodeError(ValueError):
    """Raised when labels hold codes that are not ICD-10-CM codes.

    ``unknown`` maps each bad code (as written by the user) to the row indices that carry it.
    """

    def __init__(self, unknown: Mapping[str, Sequence[int]], *, column: str = "label") -> None:
        self.unknown = {code: list(rows) for code, rows in unknown.items()}
        parts = []
        for code, rows in self.unknown.items():
            shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
            parts.append(f"{code!r} (rows {shown})")
        super().__init__(
            f"{len(self.unknown)} unknown ICD-10 code(s) in column {column!r}: " + "; ".join(parts)
        )


def _icd() -> Any:
    with warnings.catch_warnings():
        # simple_icd_10_cm raises a DeprecationWarning on import under Python 3.11.
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


def normalize(code: str) -> str:
    """Return the canonical dotted, upper-case form of an ICD-10 code.

    Whitespace and a trailing dot are dropped; a missing dot is added after the third character.
    The result is not checked against the code set: use :func:`validate` for that.

    >>> normalize(" f41.1 "), normalize("F4310"), normalize("F20")
    ('F41.1', 'F43.10', 'F20')
    """
    if not isinstance(code, str):
        raise TypeError(f"ICD-10 code must be a string, got {type(code).__name__}: {code!r}")
    raw = code.strip().upper().replace(" ", "").rstrip(".")
    compact = raw.replace(".", "")
    match = _CODE_RE.match(compact)
    if not match:
        return raw
    letter, digits, rest = match.groups()
    return f"{letter}{digits}.{rest}" if rest else f"{letter}{digits}"


@lru_cache(maxsize=4096)
def _is_valid(code: str) -> bool:
    icd = _icd()
    return bool(icd.is_valid_item(code)) and not bool(icd.is_chapter_or_block(code))


def validate(codes: Iterable[str], *, column: str = "label") -> list[str]:
    """Normalise every code and check it exists in ICD-10-CM.

    Returns the normalised codes in input order. Raises :class:`UnknownCodeError` listing every
    unknown code with the rows that carry it. Codes outside chapter F are kept, with one warning.

    >>> validate(["f32.1", "F411"])
    ['F32.1', 'F41.1']
    >>> validate(["F32.1", "F32.7", "F32.1", "F32.7"])
    Traceback (most recent call last):
    ...
    hf_synthmh.icd10.UnknownCodeError: 1 unknown ICD-10 code(s) in column 'label': 'F32.7' (rows 1, 3)
    """
    out: list[str] = []
    unknown: dict[str, list[int]] = {}
    outside: set[str] = set()
    for row, code in enumerate(codes):
        norm = normalize(code)
        if not _is_valid(norm):
            unknown.setdefault(code, []).append(row)
            continue
        if not is_mental_health(norm):
            outside.add(norm)
        out.append(norm)
    if unknown:
        raise UnknownCodeError(unknown, column=column)
    if outside:
        warnings.warn(
            f"{len(outside)} code(s) outside ICD-10 chapter F (mental health): {sorted(outside)}",
            UserWarning,
            stacklevel=2,
        )
    return out


def is_mental_health(code: str) -> bool:
    """True for codes in chapter F (F01-F99).

    >>> is_mental_health("F32.1"), is_mental_health("G47.00")
    (True, False)
    """
    return normalize(code).startswith("F")


def title(code: str) -> str:
    """The ICD-10-CM description of a code.

    >>> title("f20.0")
    'Paranoid schizophrenia'
    """
    norm = normalize(code)
    if not _is_valid(norm):
        raise UnknownCodeError({code: [0]})
    return str(_icd().get_description(norm))


def ancestors(code: str) -> list[str]:
    """Parents of a code from the nearest up to the chapter, chapter given as its code range.

    >>> ancestors("F43.10")
    ['F43.1', 'F43', 'F40-F48', 'F01-F99']
    """
    norm = normalize(code)
    if not _is_valid(norm):
        raise UnknownCodeError({code: [0]})
    icd = _icd()
    out = []
    for parent in icd.get_ancestors(norm):
        if icd.is_chapter(parent):
            out.append(_CHAPTER_F if parent == "5" else _chapter_range(parent))
        else:
            out.append(str(parent))
    return out


def chapter_block(code: str) -> str:
    """The block (code range) a code belongs to, e.g. ``"F30-F39"`` for ``"F32.1"``.

    >>> chapter_block("F41.1")
    'F40-F48'
    """
    icd = _icd()
    for parent in ancestors(code):
        if icd.is_block(parent):
            return parent
    raise ValueError(f"no block found for {code!r}")


def _chapter_range(chapter: str) -> str:
    """Code range of a chapter number, from its description's trailing parentheses."""
    desc = str(_icd().get_description(chapter))
    match = re.search(r"\(([A-Z]\d{2}-[A-Z]\d{2})\)\s*$", desc)
    return match.group(1) if match else chapter


def class_label(codes: Iterable[str]) -> ClassLabel:
    """A ``datasets.ClassLabel`` whose names are the sorted unique normalised codes.

    >>> class_label(["F41.1", "F32.1"]).str2int("F41.1")
    1
    """
    from datasets import ClassLabel

    return ClassLabel(names=sorted(set(validate(list(codes)))))
