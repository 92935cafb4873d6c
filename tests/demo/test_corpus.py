"""The bundled fictional corpus: shape, labels, sections, imbalance, planted PHI, determinism, diversity."""

from __future__ import annotations

import doctest
import itertools
import random
import re
import statistics
import time
import warnings
from collections import Counter

import pytest
from datasets import ClassLabel, DatasetDict

from hf_synthmh.demo import _schema, _writer
from hf_synthmh.demo import corpus as corpus_module
from hf_synthmh.demo.corpus import (
    CODES,
    CORPUS_NOTICE,
    SECTION_HEADINGS,
    SPLITS,
    load_demo_corpus,
    split_sections,
)


@pytest.fixture(scope="module")
def corpus() -> DatasetDict:
    return load_demo_corpus(with_annotations=True)


def _rows(corpus: DatasetDict) -> list[dict]:
    return [row | {"split": split} for split in SPLITS for row in corpus[split]]


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def test_splits_columns_and_labels(corpus: DatasetDict) -> None:
    assert list(corpus) == ["train", "test", "holdout"]
    assert sum(corpus.num_rows.values()) >= 400
    for split in SPLITS:
        ds = corpus[split]
        assert ds.column_names == ["id", "text", "label", "planted_phi"]
        assert isinstance(ds.features["label"], ClassLabel)
        assert ds.features["label"].names == sorted(CODES) == list(CODES)
    ids = [row["id"] for row in _rows(corpus)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"demo-\d{4}", i) for i in ids)
    plain = load_demo_corpus()
    assert plain["train"].column_names == ["id", "text", "label"]
    assert plain["train"]["text"] == corpus["train"]["text"]  # annotations do not change the reports


def test_codes_are_valid_icd10cm_with_their_titles() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as icd

    assert len(CODES) >= 8
    for code in CODES:
        assert code.startswith("F") and icd.is_valid_item(code), code
        assert _schema.TITLES[code] == icd.get_description(code)


def test_word_counts(corpus: DatasetDict) -> None:
    counts = [len(row["text"].split()) for row in _rows(corpus)]
    assert min(counts) >= 120 and max(counts) <= 300


def test_every_report_has_all_sections_in_order(corpus: DatasetDict) -> None:
    for row in _rows(corpus):
        text = row["text"]
        assert "{" not in text and "}" not in text, text  # no unfilled placeholder
        sections = split_sections(text)
        assert list(sections) == list(SECTION_HEADINGS), row["id"]
        assert all(sections.values()), row["id"]
        code = CODES[row["label"]]
        assert code in sections["impression"] and _schema.TITLES[code] in sections["impression"]
        assert all(other not in sections["impression"] for other in CODES if other != code)


def test_heading_wording_varies(corpus: DatasetDict) -> None:
    texts = [row["text"].lower() for row in _rows(corpus)]
    for headings in SECTION_HEADINGS.values():
        for heading in headings:
            assert any(heading.lower() + ":" in t or heading.lower() + "\n" in t for t in texts), heading


def test_imbalanced_stratified_split_with_rare_codes(corpus: DatasetDict) -> None:
    per_split = {split: Counter(corpus[split]["label"]) for split in SPLITS}
    total = per_split["train"] + per_split["test"] + per_split["holdout"]
    for label in range(len(CODES)):
        assert all(per_split[split][label] >= 2 for split in SPLITS), CODES[label]
        assert 0.55 <= per_split["train"][label] / total[label] <= 0.75
    assert max(total.values()) >= 5 * min(total.values())
    rare = [
        CODES[label] for label, n in per_split["train"].items() if n <= 10 and per_split["test"][label] >= 2
    ]
    assert len(rare) >= 2
    common = {CODES[label] for label, _ in total.most_common(2)}
    assert common <= {"F32.1", "F33.1", "F41.1", "F41.0"}  # depression and anxiety dominate


def test_planted_phi_share_types_and_values(corpus: DatasetDict) -> None:
    rows = _rows(corpus)
    flagged = [row for row in rows if row["planted_phi"]]
    assert 0.07 <= len(flagged) / len(rows) <= 0.15
    assert all(any(r["planted_phi"] for r in corpus[split]) for split in SPLITS)
    assert len({CODES[row["label"]] for row in flagged}) >= 5  # spread across codes
    reports = {r.id: r for r in corpus_module._build_reports(0)}
    seen_types: Counter[str] = Counter()
    for row in rows:
        report = reports[row["id"]]
        assert report.text == row["text"]
        assert row["planted_phi"] == sorted({kind for kind, _ in report.planted})
        for kind, value in report.planted:
            assert value and value in row["text"], (kind, value)
            seen_types[kind] += 1
        if row["planted_phi"]:
            assert "PERSON" in row["planted_phi"]
    expected = {
        "PERSON",
        "DATE_OF_BIRTH",
        "MRN",
        "PHONE_NUMBER",
        "STREET_ADDRESS",
        "POSTCODE",
        "EMAIL_ADDRESS",
    }
    assert expected <= set(seen_types)
    for kind, value in itertools.chain.from_iterable(r.planted for r in reports.values()):
        if kind == "PHONE_NUMBER":  # fictional ranges only
            assert re.fullmatch(
                r"07700 900\d{3}|0113 496 0\d{3}|020 7946 0\d{3}|\(\d{3}\) 555-01\d{2}", value
            )
        if kind == "EMAIL_ADDRESS":
            assert re.search(r"@example\.(com|org|net)$", value)


def test_clean_reports_hold_no_identifiers(corpus: DatasetDict) -> None:
    pools = _writer._pools()
    names = {n for key in ("first_male", "first_female", "surname") for n in pools[("phi", key)]}
    name_re = re.compile(r"\b(" + "|".join(sorted(names)) + r")\b")
    for row in _rows(corpus):
        if row["planted_phi"]:
            continue
        text = row["text"]
        assert not re.search(r"\d{6,}", text) and "@" not in text, row["id"]
        assert not re.search(r"\b(Mr|Mrs|Ms|Miss|Dr)\.?\s+[A-Z]", text), row["id"]
        assert not re.search(r"\b(DOB|MRN|born)\b|\d{1,2}/\d{1,2}/\d{4}|555-|07700", text), row["id"]
        assert not name_re.search(text), row["id"]


def test_clinical_numbers_are_present(corpus: DatasetDict) -> None:
    text = "\n".join(row["text"] for row in _rows(corpus))
    for marker in ("PHQ-9", "GAD-7", "MoCA", "/30", "AUDIT", "Y-BOCS", "PCL-5", " mg", "-year-old", "weeks"):
        assert marker in text, marker


def test_deterministic_fresh_and_seeded() -> None:
    first = load_demo_corpus(seed=3, with_annotations=True)
    corpus_module._build_reports.cache_clear()
    second = load_demo_corpus(seed=3, with_annotations=True)
    assert first is not second and first["train"] is not second["train"]
    for split in SPLITS:
        assert first[split].to_dict() == second[split].to_dict()
        assert first[split].data.table.equals(second[split].data.table)
    other = load_demo_corpus(seed=4)
    assert other["train"]["text"] != first["train"]["text"]


def test_global_random_state_untouched() -> None:
    state = random.getstate()
    corpus_module._build_reports.cache_clear()
    load_demo_corpus(seed=11)
    assert random.getstate() == state


def test_fast() -> None:
    corpus_module._build_reports.cache_clear()
    start = time.perf_counter()
    load_demo_corpus(seed=5, with_annotations=True)
    assert time.perf_counter() - start < 2.0


def test_diverse_wording(corpus: DatasetDict) -> None:
    rows = _rows(corpus)
    texts = [row["text"] for row in rows]
    assert len(set(texts)) == len(texts)
    by_code: dict[int, list[set[tuple[str, ...]]]] = {}
    for row in rows:
        by_code.setdefault(row["label"], []).append(_trigrams(row["text"]))
    for label, grams in by_code.items():
        scores = [len(a & b) / len(a | b) for a, b in itertools.combinations(grams, 2)]
        assert statistics.mean(scores) < 0.25, CODES[label]
        assert max(scores) < 0.5, CODES[label]


def test_notice() -> None:
    for needle in ("fictional", "hf_synthmh", "CC0-1.0", "fake", "planted", "privacy"):
        assert needle in CORPUS_NOTICE


def test_doctests() -> None:
    result = doctest.testmod(corpus_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
