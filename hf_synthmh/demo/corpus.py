"""A bundled, entirely fictional corpus of psychiatric evaluation reports labelled with ICD-10 codes.

It stands in for a real clinical dataset in the demo, the tests and the docs: 478 reports over ten
chapter-F codes with an imbalanced label distribution (two rare codes have 9 training reports each),
a stratified ``train`` / ``test`` / ``holdout`` split, and fake identifiers planted in about 10% of
the reports so that the privacy gate has something to find. Each report has six headed sections
(reason for referral, history, mental state examination, risk, impression with the code and title,
plan) composed from pools of alternative phrasings in :mod:`hf_synthmh.demo._phrases`.

This module assembles the reports and builds the ``DatasetDict``; the label set, counts and headings
live in :mod:`hf_synthmh.demo._schema`, the section writer in :mod:`hf_synthmh.demo._writer` and the
planted identifiers in :mod:`hf_synthmh.demo._identity`.

Example:
    >>> corpus = load_demo_corpus()
    >>> sorted(corpus), corpus["train"].column_names, corpus["train"].features["label"].names == list(CODES)
    (['holdout', 'test', 'train'], ['id', 'text', 'label'], True)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from hf_synthmh.demo._identity import _Identity
from hf_synthmh.demo._schema import (
    _COUNTS,
    _HEADING_KEY,
    _HEADING_RE,
    _PHI_SHARE,
    _SPLIT_SHARES,
    _WORDS,
    CODES,
    SECTION_HEADINGS,
    SPLITS,
)
from hf_synthmh.demo._writer import _Writer

if TYPE_CHECKING:
    from datasets import DatasetDict

__all__ = ["CODES", "CORPUS_NOTICE", "SECTION_HEADINGS", "SPLITS", "load_demo_corpus", "split_sections"]

CORPUS_NOTICE = (
    "The hf_synthmh demo corpus is entirely fictional: every report was written by the hf_synthmh "
    "project from phrase templates and describes no real person. It is released under CC0-1.0. "
    "Any names, dates of birth, record numbers, phone numbers, addresses or emails in it are fake "
    "and were planted on purpose, in about 10% of the reports, to test the privacy filters."
)


@dataclass(frozen=True)
class _Report:
    id: str
    split: str
    code: str
    text: str
    planted: tuple[tuple[str, str], ...]  # (type, value): value is an exact substring of text


def _write_report(rng: random.Random, code: str, plant: bool) -> tuple[str, tuple[tuple[str, str], ...]]:
    """One report as text plus its planted identifiers, re-drawn until its length is in range."""
    while True:
        w = _Writer(rng, code)
        sections = {"referral": w.referral(), "history": w.history(), "mse": [w.mse()],
                    "risk": w.risk(), "impression": w.impression(), "plan": w.plan()}  # fmt: skip
        planted: tuple[tuple[str, str], ...] = ()
        if plant:
            ident = _Identity(w)
            sections["referral"].insert(0, ident.header())
            if "ADDRESS" in ident.kinds:
                sections["history" if rng.random() < 0.5 else "plan"].append(ident.address())
            if "PHONE_NUMBER" in ident.kinds:
                sections["plan"].append(ident.phone())
            if "EMAIL_ADDRESS" in ident.kinds:
                sections["plan"].append(ident.email())
            if rng.random() < 0.5:
                sections["plan"].append(ident.discussed())
            planted = tuple(ident.planted)
        text = _layout(rng, sections)
        if _WORDS[0] <= len(text.split()) <= _WORDS[1]:
            return text, planted


def _layout(rng: random.Random, sections: dict[str, list[str]]) -> str:
    style = rng.choices(("colon", "inline", "caps"), weights=(9, 7, 4))[0]
    plan_style = rng.choice(("numbered", "bullets", "prose"))
    blocks = []
    for key, parts in sections.items():
        heading = rng.choices(SECTION_HEADINGS[key], weights=(3, 1, 1))[0]  # the first is the usual one
        if key == "plan" and plan_style != "prose":
            marks = [f"{i}." if plan_style == "numbered" else "-" for i in range(1, len(parts) + 1)]
            body = "\n".join(f"{mark} {part}" for mark, part in zip(marks, parts, strict=True))
        else:
            body = " ".join(parts)
        if style == "caps":
            blocks.append(f"{heading.upper()}\n{body}")
        elif style == "inline" and "\n" not in body:
            blocks.append(f"{heading}: {body}")
        else:
            blocks.append(f"{heading}:\n{body}")
    return "\n\n".join(blocks)


@lru_cache(maxsize=4)
def _build_reports(seed: int) -> tuple[_Report, ...]:
    rng = random.Random(seed)
    slots: list[tuple[str, str]] = []
    for code in CODES:
        n = _COUNTS[code]
        sizes = {split: max(2, int(n * share + 0.5)) for split, share in _SPLIT_SHARES.items()}
        sizes["train"] = n - sum(sizes.values())
        slots.extend((code, split) for split in SPLITS for _ in range(sizes[split]))
    rng.shuffle(slots)
    plant: set[int] = set()
    for split in SPLITS:
        rows = [i for i, (_, s) in enumerate(slots) if s == split]
        plant.update(rng.sample(rows, round(len(rows) * _PHI_SHARE)))
    reports = []
    for i, (code, split) in enumerate(slots):
        text, planted = _write_report(rng, code, i in plant)
        reports.append(_Report(id=f"demo-{i + 1:04d}", split=split, code=code, text=text, planted=planted))
    return tuple(reports)


def split_sections(text: str) -> dict[str, str]:
    """Split a demo report into ``{section key: body}`` using :data:`SECTION_HEADINGS`.

    >>> split_sections("Impression: F41.1 Generalized anxiety disorder.\\n\\nPlan:\\nReview in 4 weeks.")
    {'impression': 'F41.1 Generalized anxiety disorder.', 'plan': 'Review in 4 weeks.'}
    """
    matches = list(_HEADING_RE.finditer(text))
    out: dict[str, str] = {}
    for match, nxt in zip(matches, [*matches[1:], None], strict=True):
        end = nxt.start() if nxt is not None else len(text)
        out[_HEADING_KEY[match.group(1).lower()]] = text[match.end() : end].strip()
    return out


def load_demo_corpus(*, seed: int = 0, with_annotations: bool = False) -> DatasetDict:
    """Build the fictional demo corpus as a ``DatasetDict`` with splits ``train``, ``test``, ``holdout``.

    Columns: ``id`` (``"demo-0001"``...), ``text``, ``label`` (a ``ClassLabel`` over :data:`CODES`) and,
    with ``with_annotations=True``, ``planted_phi``: the sorted identifier types planted in each report
    (``PERSON``, ``DATE_OF_BIRTH``, ``MRN``, ``PHONE_NUMBER``, ``STREET_ADDRESS``, ``LOCATION``,
    ``POSTCODE``, ``EMAIL_ADDRESS``), ``[]`` for the ~90% clean reports. The same ``seed`` gives the
    same data byte for byte; each call returns a fresh ``DatasetDict``.

    >>> corpus = load_demo_corpus(with_annotations=True)
    >>> corpus.num_rows
    {'train': 308, 'test': 96, 'holdout': 74}
    >>> row = corpus["train"][0]
    >>> row["id"].startswith("demo-"), isinstance(row["planted_phi"], list)
    (True, True)
    >>> corpus["test"].features["label"].int2str(corpus["test"][0]["label"]) in CODES
    True
    """
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value

    columns = {"id": Value("string"), "text": Value("string"), "label": ClassLabel(names=list(CODES))}
    if with_annotations:
        columns["planted_phi"] = Sequence(Value("string"))
    features = Features(columns)
    index = {code: i for i, code in enumerate(CODES)}
    splits = {}
    for split in SPLITS:
        rows = [r for r in _build_reports(seed) if r.split == split]
        data: dict[str, list[object]] = {"id": [r.id for r in rows], "text": [r.text for r in rows]}
        data["label"] = [index[r.code] for r in rows]
        if with_annotations:
            data["planted_phi"] = [sorted({kind for kind, _ in r.planted}) for r in rows]
        splits[split] = Dataset.from_dict(data, features=features, split=split)
    return DatasetDict(splits)
