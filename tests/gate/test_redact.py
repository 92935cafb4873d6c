"""The ``redact`` PHI policy: typed placeholders from the scanner's spans, merged overlaps, rows whose
scan failed left for the gate to reject, and use in ``Dataset.map``."""

from __future__ import annotations

import doctest
import json
import random
from pathlib import Path
from typing import Any

import pytest
from datasets import Dataset

from hf_synthmh.contracts import PHI_POLICIES, gate_features
from hf_synthmh.gate import PhiScanner
from hf_synthmh.gate import redact as redact_module
from hf_synthmh.gate.redact import merge_spans, redact_batch, redact_text

EVAL = Path(__file__).parents[1] / "data" / "phi_eval.jsonl"


def _span(kind: str, start: int, end: int, score: float = 0.9) -> dict[str, Any]:
    return {"type": kind, "start": start, "end": end, "score": score}


def _at(text: str, kind: str, value: str, score: float = 0.9) -> dict[str, Any]:
    start = text.index(value)
    return _span(kind, start, start + len(value), score)


def test_typed_placeholders() -> None:
    text = "Mrs O'Neill, DOB 14/03/1987, lives at 4400 Oak Street, Apt 7."
    spans = [
        _at(text, "PERSON", "Mrs O'Neill", 0.85),  # spaCy, with the title
        _at(text, "PERSON", "O'Neill"),  # the title rule
        _at(text, "DATE_OF_BIRTH", "14/03/1987"),
        _at(text, "STREET_ADDRESS", "4400 Oak Street, Apt 7", 0.6),
        _at(text, "LOCATION", "Oak Street", 0.85),  # inside the address
    ]
    out, types = redact_text(text, spans)
    assert out == "<PERSON>, DOB <DATE_OF_BIRTH>, lives at <STREET_ADDRESS>."
    assert types == ["DATE_OF_BIRTH", "LOCATION", "PERSON", "STREET_ADDRESS"]
    assert redact_text(text, []) == (text, [])
    assert PHI_POLICIES[0] == "drop" and "redact" in PHI_POLICIES


def test_partial_overlaps_leave_nothing_behind() -> None:
    rng = random.Random(7)
    text = "".join(rng.choice("abcdefghij ") for _ in range(200))
    for _ in range(50):
        spans = []
        for _ in range(rng.randint(1, 8)):
            start = rng.randrange(0, 190)
            spans.append(
                _span(rng.choice(["PERSON", "DATE", "URL"]), start, start + rng.randint(1, 10), rng.random())
            )
        covered = {i for s in spans for i in range(s["start"], s["end"])}
        expected, i = "", 0
        for start, end, kind, _ in merge_spans(spans):
            assert set(range(start, end)) <= covered and i <= start  # merged runs are disjoint, in order
            expected += text[i:start] + f"<{kind}>"
            i = end
        out, _ = redact_text(text, spans)
        assert out == expected + text[i:]
        kept_positions = len(text) - len(covered)
        assert (
            sum(len(part) for part in out.replace(">", "<").split("<")[::2]) == kept_positions
        )  # only spans went


def test_spans_that_do_not_fit_raise() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        redact_text("short", [_span("PERSON", 2, 40)])


def test_batch_leaves_failed_scans_and_missing_text_alone() -> None:
    batch = {
        "text": ["Seen by Dr Haddad.", "Jonathan Okonkwo", None],
        "phi_spans": [[_span("PERSON", 11, 17)], [], []],
        "phi_types": [["PERSON"], ["ERROR"], []],
    }
    out = redact_batch(batch)
    assert out == {
        "text": ["Seen by Dr <PERSON>.", "Jonathan Okonkwo", None],
        "phi_redacted": [["PERSON"], [], []],
    }
    with pytest.raises(KeyError, match="phi_spans"):
        redact_batch({"text": ["x"]})


def test_dataset_map_on_the_eval_set(scanner: PhiScanner) -> None:
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines()]
    ds = Dataset.from_dict({"text": [r["text"] for r in rows]})
    scanned = ds.map(
        scanner, batched=True, batch_size=64, features=gate_features(ds, ["phi_types", "phi_spans"])
    )
    redacted = scanned.map(
        redact_batch, batched=True, batch_size=16, features=gate_features(scanned, ["phi_redacted"])
    )
    texts, replaced = redacted["text"][:], redacted["phi_redacted"][:]
    for row, text, types, before in zip(rows, texts, replaced, scanned["phi_types"][:], strict=True):
        assert types == before  # every type found was replaced
        assert (text == row["text"]) == (not before)
    leaked = [
        label["value"]
        for row, text in zip(rows, texts, strict=True)
        for label in row["phi"]
        if label["value"] in text
    ]
    assert len(leaked) <= 2  # the two identifiers the scan misses (Kirkwall, Whitby) when written
    assert "<PERSON>" in texts[0] and "<DATE_OF_BIRTH>" in texts[0] and "<MEDICAL_RECORD_NUMBER>" in texts[0]


def test_doctests() -> None:
    result = doctest.testmod(redact_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
