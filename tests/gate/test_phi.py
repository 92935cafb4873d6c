"""PhiScanner: recall on fictional identifiers, no false alarms on clinical text, fail-closed errors,
batch use in ``datasets`` and a stable fingerprint."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from datasets import Dataset
from datasets.fingerprint import Hasher

from hf_synthmh.gate import PHI_ENTITIES, PhiScanner, gate_features
from tests.gate.conftest import CLEAN_REPORTS

# (text, types that must be among the findings). Everything here is fictional.
PHI_EXAMPLES = [
    ("Mr Okonkwo attended with his wife and was calm throughout.", {"PERSON"}),
    ("Seen with her mother, Grace Adebayo, who gave a collateral history.", {"PERSON"}),
    ("Reviewed by Dr Haddad on the ward round.", {"PERSON"}),
    ("His brother Tomasz was present for the second half of the interview.", {"PERSON"}),
    ("DOB 14/03/1987; lives alone in a rented flat.", {"DATE_OF_BIRTH"}),
    ("She was born 3 March 1979 and left school at sixteen.", {"DATE_OF_BIRTH"}),
    ("MRN 4821937. Admitted informally to the acute ward.", {"MEDICAL_RECORD_NUMBER"}),
    ("Hospital no. A1234567 is on the front sheet.", {"MEDICAL_RECORD_NUMBER"}),
    ("NHS number 943 476 5919 was confirmed with the patient.", {"UK_NHS"}),
    ("Her sister can be reached on 07700 900456 in the evenings.", {"PHONE_NUMBER"}),
    ("Call his wife on (312) 555-0199 if he leaves the ward.", {"PHONE_NUMBER"}),
    ("The GP surgery's number is +44 113 496 0000.", {"PHONE_NUMBER"}),
    ("He lives at 14 Larch Road, Harrogate HG1 4QX.", {"STREET_ADDRESS", "POSTCODE"}),
    ("Forwarding address: 221 Elm St, Springfield, IL 62704.", {"STREET_ADDRESS", "POSTCODE"}),
    ("Please send letters to j.mensah@example.com rather than home.", {"EMAIL_ADDRESS"}),
    ("A 94-year-old widower with new visual hallucinations.", {"AGE_OVER_89"}),
    ("Last seen in clinic on 12 April 2023 by the duty doctor.", {"DATE"}),
    ("Admitted to Larchfield Psychiatric Hospital under Section 2.", {"ORGANIZATION"}),
]

CLEAN_SENTENCES = [
    "Impression: F32.1 moderate depressive episode; differential F33.1 recurrent depressive disorder.",
    "F43.10 post-traumatic stress disorder in a man also treated for F20.0 paranoid schizophrenia.",
    "PHQ-9 17 and GAD-7 15 at assessment; MoCA 27/30.",
    "Started sertraline 50 mg once daily, increasing to 100 mg after two weeks if tolerated.",
    "Low mood for three months, worse since last year.",
    "She stopped drinking two weeks ago and has been abstinent since.",
    "Seen on Tuesday and again on Friday morning by the home treatment team.",
    "A 34-year-old woman with a long history of recurrent depression.",
    "An 89-year-old man with mild cognitive impairment who lives with his wife.",
    "Lithium level 0.6 mmol/L, TSH 2.3 mU/L, eGFR 78; review in 2/52.",
    "BP 128/82, HR 72 bpm, BMI 24.1; no extrapyramidal side effects.",
    "Detained under Section 3 of the Mental Health Act 1983 after a tribunal in the spring.",
    "Alzheimer's disease suspected; Beck Depression Inventory 24.",
    "Glasgow Coma Scale 15/15 on arrival at the emergency department.",
    "Under the community mental health team since 2019, with two admissions.",
    "Mirtazapine 15 mg nocte for six weeks; quetiapine 25 mg PRN.",
    "He works as a bus driver and lives with his partner and their two children.",
    "Sleeping four hours a night for the past month; appetite reduced; weight down 4 kg.",
    "Ms A is a 27-year-old student seen with her father.",
    "Background:\nOne previous episode of depression in her twenties.",
]

EVAL = Path(__file__).parents[1] / "data" / "phi_eval.jsonl"


def test_finds_phi_examples(scanner: PhiScanner) -> None:
    out = scanner({"text": [text for text, _ in PHI_EXAMPLES]})
    for (text, expected), types in zip(PHI_EXAMPLES, out["phi_types"], strict=True):
        assert expected <= set(types), (text, types)


def test_no_false_alarms_on_clinical_text(scanner: PhiScanner) -> None:
    texts = [*CLEAN_SENTENCES, *CLEAN_REPORTS]
    out = scanner({"text": texts})
    flagged = {t: types for t, types in zip(texts, out["phi_types"], strict=True) if types}
    assert flagged == {}


def test_eval_set_recall_and_false_alarms(scanner: PhiScanner) -> None:
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines()]
    spans = scanner({"text": [r["text"] for r in rows]})["phi_spans"]
    labelled = found = phi_rows = flagged_rows = clean_rows = false_alarms = 0
    for row, hits in zip(rows, spans, strict=True):
        if row["kind"] == "clean":
            clean_rows += 1
            false_alarms += bool(hits)
            continue
        phi_rows += 1
        flagged_rows += bool(hits)
        for label in row["phi"]:
            start = row["text"].index(label["value"])
            end = start + len(label["value"])
            labelled += 1
            found += any(h["start"] < end and h["end"] > start for h in hits)
    assert flagged_rows == phi_rows  # every row with an identifier is rejected
    assert found / labelled >= 0.95  # 171/174 when written
    assert false_alarms / clean_rows <= 0.05  # 0/55 when written


def test_spans_are_offsets_only(scanner: PhiScanner) -> None:
    text = "Mr Okonkwo, MRN 4821937, F32.1."
    out = scanner({"text": [text]})
    assert out["phi_types"] == [["MEDICAL_RECORD_NUMBER", "PERSON"]]
    for span in out["phi_spans"][0]:
        assert set(span) == {"type", "start", "end", "score"}
        assert 0 <= span["start"] < span["end"] <= len(text) and span["score"] >= scanner.threshold
    assert {text[s["start"] : s["end"]] for s in out["phi_spans"][0]} == {"Okonkwo", "4821937"}


def test_threshold_and_entities(scanner: PhiScanner) -> None:
    text = "Mr Okonkwo visits; MRN 4821937; Apollo House Unit; 02/03/2021."
    default = scanner({"text": [text]})["phi_spans"][0]
    strict = PhiScanner(threshold=0.6)({"text": [text]})["phi_spans"][0]
    assert any(s["score"] < 0.6 for s in default)
    assert strict == [s for s in default if s["score"] >= 0.6]
    only_mrn = PhiScanner(entities=["MEDICAL_RECORD_NUMBER"])({"text": [text]})
    assert only_mrn["phi_types"] == [["MEDICAL_RECORD_NUMBER"]]
    assert set(scanner.entities) == set(PHI_ENTITIES)


def test_blank_and_missing_text_skip_the_analyzer() -> None:
    def _boom() -> Any:
        raise AssertionError("analyzer must not be built for blank rows")

    out = PhiScanner(analyzer_factory=_boom)({"text": ["", "   ", None]})
    assert out == {"phi_types": [[], [], []], "phi_spans": [[], [], []]}


class _FlakyAnalyzer:
    """Stands in for AnalyzerEngine: raises on rows containing BOOM, finds nothing elsewhere."""

    def __init__(self, *, batch_fails: bool = False) -> None:
        self.nlp_engine = self
        self.batch_fails = batch_fails

    def process_batch(
        self, texts: list[str], language: str, batch_size: int = 1
    ) -> Iterator[tuple[str, None]]:
        if self.batch_fails:
            raise RuntimeError("spaCy fell over")
        return ((t, None) for t in texts)

    def analyze(self, *, text: str, **kwargs: Any) -> list[Any]:
        if "BOOM" in text:
            raise RuntimeError("recognizer crashed")
        return []


@pytest.mark.parametrize("batch_fails", [False, True])
def test_scan_errors_fail_closed(batch_fails: bool, caplog: pytest.LogCaptureFixture) -> None:
    secret = "BOOM Jonathan Okonkwo"
    scan = PhiScanner(analyzer_factory=lambda: _FlakyAnalyzer(batch_fails=batch_fails))
    out = scan({"text": ["fine", secret, ""]})
    assert out["phi_types"] == [[], ["ERROR"], []]
    assert out["phi_spans"] == [[], [], []]
    assert "Okonkwo" not in caplog.text  # never log report text


def test_analyzer_that_cannot_be_built_fails_closed() -> None:
    def _broken() -> Any:
        raise OSError("model missing")

    assert PhiScanner(analyzer_factory=_broken)({"text": ["a", "b"]})["phi_types"] == [["ERROR"], ["ERROR"]]


def test_dataset_map_and_stable_fingerprint(scanner: PhiScanner) -> None:
    fresh = PhiScanner()
    before = Hasher.hash(fresh)
    ds = Dataset.from_dict({"text": ["F32.1; PHQ-9 17.", "Mr Okonkwo, DOB 14/03/1987."]})
    out = ds.map(fresh, batched=True, batch_size=1, features=gate_features(ds, ["phi_types", "phi_spans"]))
    assert out["phi_types"][:] == [[], ["DATE_OF_BIRTH", "PERSON"]]
    assert fresh._analyzer is not None
    assert Hasher.hash(fresh) == before == Hasher.hash(scanner)
    assert Hasher.hash(PhiScanner(threshold=0.5)) != before
    clone = pickle.loads(pickle.dumps(fresh))
    assert clone._analyzer is None and clone.threshold == fresh.threshold
    assert len(pickle.dumps(fresh)) < 2_000
