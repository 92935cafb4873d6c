"""Gate decision: reasons, counts per reason and per label, and apply_gate end to end (PHI scan,
membership checks against the corpus and the exemplars, optional embedding check)."""

from __future__ import annotations

import doctest
import importlib
import json
import random

import pytest
from datasets import ClassLabel, Dataset, Features, Value

from hf_synthmh.contracts import GATE_COLUMNS
from hf_synthmh.gate import GateSettings, PhiScanner, apply_gate
from hf_synthmh.gate.decide import count_reasons, reject_reasons
from hf_synthmh.metrics.embeddings import hashed_bow_embed
from tests.gate.conftest import CLEAN_REPORTS, fictional_report, fictional_sentences


@pytest.mark.parametrize(
    "module",
    [
        "decide",
        "settings",
        "summary",
        "membership",
        "passages",
        "keys",
        "sorted_index",
        "steps",
        "minhash",
        "neighbours",
        "phi",
        "phi_words",
    ],
)
def test_doctests(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"hf_synthmh.gate.{module}"))
    assert result.attempted > 0 and result.failed == 0


def _batch(**columns: list) -> dict[str, list]:
    n = len(columns["text"])
    base: dict[str, list] = {
        "phi_types": [[] for _ in range(n)],
        "membership_containment": [0.0] * n,
        "membership_longest_span": [0] * n,
    }
    return {**base, **columns}


def test_reasons_per_check() -> None:
    batch = _batch(
        text=["fine", "", "  \n", "name", "crash", "copy", "passage", "edge"],
        phi_types=[[], [], [], ["LOCATION", "PERSON"], ["ERROR"], [], [], []],
        membership_containment=[0.1, 0.0, 0.0, 0.0, 0.0, 0.95, 0.3, 0.4],
        membership_longest_span=[8, 0, 0, 0, 0, 120, 50, 39],
    )
    assert reject_reasons(batch)["reject_reasons"] == [
        [],
        ["empty"],
        ["empty"],
        ["phi:LOCATION", "phi:PERSON"],
        ["phi:error"],
        ["membership:ngram", "membership:span"],
        ["membership:span"],
        [],  # 0.4 is not above max_containment; 39 < max_shared_span
    ]
    strict = GateSettings(max_containment=0.3, max_shared_span=39)
    assert reject_reasons(batch, settings=strict)["reject_reasons"][7] == [
        "membership:ngram",
        "membership:span",
    ]


def test_minhash_exemplar_and_embedding_reasons() -> None:
    batch = _batch(
        text=["near", "exemplar passage", "exemplar copy", "close", "fine"],
        membership_minhash_jaccard=[0.6, 0.0, 0.0, 0.0, 0.49],
        membership_rouge_l=[0.95, 0.3, 0.3, 0.3, 0.79],
        membership_exemplar_containment=[0.0, 0.1, 0.9, 0.0, 0.4],
        membership_exemplar_span=[0, 45, 120, 0, 39],
        membership_embedding_distance=[0.5, 0.5, 0.5, 0.01, 0.2],
    )
    assert reject_reasons(batch)["reject_reasons"] == [
        ["membership:minhash", "membership:rouge_l"],
        ["membership:exemplar"],
        ["membership:exemplar"],
        [],  # no embedding threshold: the embedding check is off
        [],
    ]
    with_embedding = reject_reasons(batch, embedding_threshold=0.1)["reject_reasons"]
    assert with_embedding[3] == ["membership:embedding"] and with_embedding[4] == []
    fail_closed = _batch(
        text=["x"],
        membership_minhash_jaccard=[None],
        membership_rouge_l=[None],
        membership_exemplar_containment=[None],
        membership_exemplar_span=[0],
        membership_embedding_distance=[None],
    )
    assert reject_reasons(fail_closed, embedding_threshold=0.1)["reject_reasons"] == [
        ["membership:exemplar", "membership:minhash", "membership:rouge_l", "membership:embedding"]
    ]
    at_threshold = _batch(text=["x"], membership_rouge_l=[0.8])
    assert reject_reasons(at_threshold)["reject_reasons"] == [["membership:rouge_l"]]
    lenient = GateSettings(max_rouge_l=0.81)
    assert reject_reasons(at_threshold, settings=lenient)["reject_reasons"] == [[]]


def test_missing_checks_are_an_error() -> None:
    with pytest.raises(KeyError, match="phi_types"):
        reject_reasons({"text": ["x"], "membership_containment": [0.0], "membership_longest_span": [0]})


def test_missing_values_fail_closed() -> None:
    batch = _batch(
        text=["x"], phi_types=[None], membership_containment=[None], membership_longest_span=[None]
    )
    assert reject_reasons(batch)["reject_reasons"] == [["membership:ngram", "membership:span"]]


def test_count_reasons() -> None:
    counts, per_label = count_reasons(
        [[], ["empty"], ["phi:PERSON", "membership:span"], []], ["a", "b", "a", "b"]
    )
    assert counts == {"empty": 1, "membership:span": 1, "phi:PERSON": 1}
    assert per_label == {
        "a": {"kept": 1, "membership:span": 1, "phi:PERSON": 1},
        "b": {"empty": 1, "kept": 1},
    }
    assert count_reasons([[]])[1] == {}


def test_settings_are_frozen_keyword_only() -> None:
    settings = GateSettings(max_shared_span=30)
    with pytest.raises(AttributeError):
        settings.max_shared_span = 10  # type: ignore[misc]
    with pytest.raises(TypeError):
        GateSettings(0.5)  # type: ignore[misc]


@pytest.fixture(scope="module")
def synthetic(reference: tuple[list[str], list[str]]) -> Dataset:
    texts, _ = reference
    passage = " ".join(texts[12].split()[40:90])
    rng = random.Random(3)
    rows = [
        ("syn-novel", CLEAN_REPORTS[0], "F20.0"),
        ("syn-novel-2", CLEAN_REPORTS[1], "F41.1"),
        ("syn-phi", CLEAN_REPORTS[1] + "\nSeen with her husband, Mr Okonkwo (tel. 07700 900456).", "F41.1"),
        ("syn-copy", texts[4], "F20.0"),
        ("syn-partial", f"{fictional_sentences(rng, 60)} {passage} {fictional_sentences(rng, 60)}", "F41.1"),
        ("syn-empty", "  ", "F20.0"),
    ]
    features = Features(
        {"id": Value("string"), "text": Value("string"), "label": ClassLabel(names=["F20.0", "F41.1"])}
    )
    return Dataset.from_dict(
        {"id": [r[0] for r in rows], "text": [r[1] for r in rows], "label": [r[2] for r in rows]},
        features=features,
    )


def test_apply_gate(synthetic: Dataset, reference: tuple[list[str], list[str]], scanner: PhiScanner) -> None:
    texts, ids = reference
    result = apply_gate(synthetic, reference_texts=texts, reference_ids=ids, scanner=scanner, batch_size=4)
    assert result.kept["id"][:] == ["syn-novel", "syn-novel-2"]
    rejected = {row["id"]: row for row in result.rejected}
    assert set(rejected) == {"syn-phi", "syn-copy", "syn-partial", "syn-empty"}
    assert rejected["syn-phi"]["reject_reasons"] == ["phi:PERSON", "phi:PHONE_NUMBER"]
    assert rejected["syn-copy"]["reject_reasons"] == [
        "membership:ngram",
        "membership:span",
        "membership:minhash",
        "membership:rouge_l",
    ]
    assert rejected["syn-copy"]["membership_nearest_id"] == ids[4]
    assert rejected["syn-copy"]["membership_rouge_l"] == 1.0
    assert rejected["syn-partial"]["reject_reasons"] == ["membership:span"]
    assert rejected["syn-partial"]["membership_nearest_id"] == ids[12]
    assert rejected["syn-empty"]["reject_reasons"] == ["empty"]
    assert result.counts == {
        "empty": 1,
        "membership:minhash": 1,
        "membership:ngram": 1,
        "membership:rouge_l": 1,
        "membership:span": 2,
        "phi:PERSON": 1,
        "phi:PHONE_NUMBER": 1,
    }
    assert result.counts_per_label == {
        "F20.0": {
            "empty": 1,
            "kept": 1,
            "membership:minhash": 1,
            "membership:ngram": 1,
            "membership:rouge_l": 1,
            "membership:span": 1,
        },
        "F41.1": {"kept": 1, "membership:span": 1, "phi:PERSON": 1, "phi:PHONE_NUMBER": 1},
    }
    assert (
        result.kept["membership_embedding_distance"][:] == [None, None] and result.embedding_threshold is None
    )
    assert {"phi_s", "membership_s", "decision_s"} <= set(result.timings)
    assert set(GATE_COLUMNS) <= set(result.kept.column_names) and set(GATE_COLUMNS) <= set(
        result.rejected.column_names
    )
    assert result.kept.features["label"] == synthetic.features["label"]
    assert result.settings == GateSettings()
    published = result.kept.remove_columns(list(GATE_COLUMNS))
    assert published.column_names == synthetic.column_names
    json.dumps({"counts": result.counts, "per_label": result.counts_per_label})  # plain, JSON-ready


def test_apply_gate_plain_labels_and_empty_input(
    reference: tuple[list[str], list[str]], scanner: PhiScanner
) -> None:
    texts, ids = reference
    ds = Dataset.from_dict({"text": [CLEAN_REPORTS[0], texts[0]], "label": ["x", "y"]})
    result = apply_gate(ds, reference_texts=texts, reference_ids=ids, scanner=scanner)
    assert result.counts_per_label == {
        "x": {"kept": 1},
        "y": {
            "kept": 0,
            "membership:minhash": 1,
            "membership:ngram": 1,
            "membership:rouge_l": 1,
            "membership:span": 1,
        },
    }
    no_label = apply_gate(
        ds.remove_columns("label"), reference_texts=texts, reference_ids=ids, scanner=scanner
    )
    assert no_label.counts_per_label == {} and len(no_label.kept) == 1
    empty = apply_gate(ds.select([]), reference_texts=texts, reference_ids=ids, scanner=scanner)
    assert len(empty.kept) == len(empty.rejected) == 0 and empty.counts == {}
    assert set(GATE_COLUMNS) <= set(empty.kept.column_names)


def test_scanner_threshold_must_match_settings(
    synthetic: Dataset, reference: tuple[list[str], list[str]]
) -> None:
    texts, ids = reference
    with pytest.raises(ValueError, match="phi_threshold"):
        apply_gate(synthetic, reference_texts=texts, reference_ids=ids, scanner=PhiScanner(threshold=0.6))


def test_apply_gate_checks_exemplars_and_embeddings(
    reference: tuple[list[str], list[str]], scanner: PhiScanner
) -> None:
    texts, ids = reference
    passage = " ".join(texts[8].split()[30:85])
    rows = {
        "text": [
            f"{fictional_sentences(random.Random(1), 70)}\n{passage}",
            fictional_report(random.Random(2)),
            texts[3],
        ],
        "exemplar_ids": [[ids[8], ids[9]], [ids[1]], []],
    }
    holdout = [fictional_report(random.Random(100 + k)) for k in range(10)]
    settings = GateSettings(embedding_check=True, embedding_percentile=5.0)
    result = apply_gate(
        Dataset.from_dict(rows),
        reference_texts=texts,
        reference_ids=ids,
        settings=settings,
        scanner=scanner,
        holdout_texts=holdout,
        embed=lambda batch: hashed_bow_embed(batch, dim=512),
    )
    reasons = dict(zip(result.rejected["text"][:], result.rejected["reject_reasons"][:], strict=True))
    assert (
        reasons[rows["text"][0]][0] == "membership:exemplar" and "membership:span" in reasons[rows["text"][0]]
    )
    assert "membership:embedding" in reasons[texts[3]]
    assert result.kept["text"][:] == [rows["text"][1]]
    assert result.rejected["membership_exemplar_id"][:][0] == ids[8]
    # 40 train + 10 holdout + 2 new rows: texts[3] is a train report, embedded once (cache)
    assert result.embedding_threshold is not None and result.embedding_texts == 52
    with pytest.raises(ValueError, match="holdout"):
        apply_gate(
            Dataset.from_dict(rows),
            reference_texts=texts,
            reference_ids=ids,
            settings=settings,
            scanner=scanner,
        )
    with pytest.raises(ValueError, match="exemplar ids"):
        apply_gate(
            Dataset.from_dict({"text": ["x"], "exemplar_ids": [["nope"]]}),
            reference_texts=texts,
            reference_ids=ids,
            scanner=scanner,
        )
