"""PhiScanner: each recognizer on fictional identifiers, no false alarms on clinical text, the choice
of sentences for NER, fail-closed errors, batch use in ``datasets`` and a stable fingerprint.
(Recall on the labelled sets: ``test_phi_eval.py``.)"""

from __future__ import annotations

import copy
import doctest
import pickle
from collections.abc import Iterator
from typing import Any

import pytest
from datasets import Dataset
from datasets.fingerprint import Hasher

from hf_synthmh.gate import PHI_ENTITIES, PhiScanner, gate_features, phi_recognizers
from hf_synthmh.gate import phi as phi_module
from hf_synthmh.gate.phi import PhiEngine
from hf_synthmh.gate.phi_recognizers import ner_segments
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

# One or more shapes per identifier type the recognizers must cover (fictional; reserved ranges).
RECOGNIZER_CASES = [
    ("MRN: 00-482-193 recorded.", "MEDICAL_RECORD_NUMBER", "00-482-193"),
    ("Unit number K552019 on the wristband.", "MEDICAL_RECORD_NUMBER", "K552019"),
    ("Chart #88213 reviewed.", "MEDICAL_RECORD_NUMBER", "88213"),
    ("Member ID: UHC-99812-44 on the card.", "ID_NUMBER", "UHC-99812-44"),
    ("Subscriber ID W88120034 confirmed.", "ID_NUMBER", "W88120034"),
    ("CHI number 0101011234 recorded.", "UK_NHS", "0101011234"),
    ("NHS No 999-204-1187 on file.", "UK_NHS", "999-204-1187"),
    ("An unlabelled 943 476 5919 on the letter.", "UK_NHS", "943 476 5919"),  # check digit
    ("SSN: 900 12 3456.", "US_SSN", "900 12 3456"),
    ("Social security number 912345678.", "US_SSN", "912345678"),
    ("Call +33 6 12 34 56 78 in France.", "PHONE_NUMBER", "+33 6 12 34 56 78"),
    ("Mobile +91 98765 43210.", "PHONE_NUMBER", "+91 98765 43210"),
    ("Ring 555-867-5309 after six.", "PHONE_NUMBER", "555-867-5309"),
    ("Email x_y.z+tag@example.co.uk please.", "EMAIL_ADDRESS", "x_y.z+tag@example.co.uk"),
    ("See www.example.com/profile/jo for details.", "URL", "www.example.com/profile/jo"),
    ("Logged from 192.0.2.12 overnight.", "IP_ADDRESS", "192.0.2.12"),
    ("IPv6 2001:db8::ff00:42:8329 logged.", "IP_ADDRESS", "2001:db8::ff00:42:8329"),
    ("On Reddit u/quiet-river posted.", "SOCIAL_HANDLE", "u/quiet-river"),
    ("Lives at 12b Church Lane, Otley.", "STREET_ADDRESS", "12b Church Lane"),
    ("Moved to 4400 Oak Street, Apt 7, Austin, TX 78701.", "POSTCODE", "78701"),
    ("Toronto, ON M5V 2T6.", "POSTCODE", "M5V 2T6"),
    ("Sydney NSW 2000.", "POSTCODE", "2000"),
    ("Seen 03-Mar-2021 in clinic.", "DATE", "03-Mar-2021"),
    ("Next review 2024/05/17.", "DATE", "2024/05/17"),
    ("Discharged on the twenty-first of June.", "DATE", "the twenty-first of June"),
    ("d.o.b. 12.12.1944, lives alone.", "DATE_OF_BIRTH", "12.12.1944"),
    ("Born on March 5, 1931 in a mining village.", "DATE_OF_BIRTH", "March 5, 1931"),
    ("She is ninety-three years old.", "AGE_OVER_89", "ninety-three years old"),
    ("Age: 97.", "AGE_OVER_89", "97"),
    ("The patient, 92 y/o, fell.", "AGE_OVER_89", "92 y/o"),
    ("Dr. A. Lindqvist reviewed him.", "PERSON", "A. Lindqvist"),
    ("Re: Liam Mensah, referral for assessment.", "PERSON", "Liam Mensah"),
    ("Discharge summary for Lindiwe Mahlangu.", "PERSON", "Lindiwe Mahlangu"),
    ("PATIENT: JONATHAN OKONKWO", "PERSON", "JONATHAN OKONKWO"),
    ("Attends Hollybank Academy in Year 9.", "ORGANIZATION", "Hollybank Academy"),
    ("He grew up in Middlesbrough.", "LOCATION", "Middlesbrough"),
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
    "Mini-Mental State Examination 24/30 and Addenbrooke's Cognitive Examination 71/100.",
    "Columbia Suicide Severity Rating Scale completed; Young Mania Rating Scale 22.",
    "Under the Care Programme Approach; Deprivation of Liberty Safeguards under the Mental Capacity Act.",
    "Lewy body dementia suspected; history of Crohn's disease and Graves' disease.",
    "DSM-5 criteria met for Major Depressive Disorder, Single Episode, Moderate.",
    "She moved from Nigeria to England in 2009; an Urdu interpreter was booked.",
    "On examination: Alert, Orientated x3. Mood: Low. Affect: Flat.",
    "Clozapine level 0.45 mg/L on 20/09; review in 4-6 weeks; she has been tearful since May.",
    "Previous admissions: 2015 (informal), 2018 (Section 2), 2021 (Section 3).",
    "Appearance and behaviour: unkempt, poor eye contact.\nSpeech: pressured.\nMood: 'fine'.",
]


def test_finds_phi_examples(scanner: PhiScanner) -> None:
    out = scanner({"text": [text for text, _ in PHI_EXAMPLES]})
    for (text, expected), types in zip(PHI_EXAMPLES, out["phi_types"], strict=True):
        assert expected <= set(types), (text, types)


@pytest.mark.parametrize(("text", "kind", "value"), RECOGNIZER_CASES)
def test_recognizers_one_by_one(scanner: PhiScanner, text: str, kind: str, value: str) -> None:
    spans = scanner({"text": [text]})["phi_spans"][0]
    start = text.index(value)
    covering = [
        s for s in spans if s["type"] == kind and s["start"] <= start and start + len(value) <= s["end"]
    ]
    assert covering, [(s["type"], text[s["start"] : s["end"]]) for s in spans]


def test_no_false_alarms_on_clinical_text(scanner: PhiScanner) -> None:
    texts = [*CLEAN_SENTENCES, *CLEAN_REPORTS]
    out = scanner({"text": texts})
    flagged = {t: types for t, types in zip(texts, out["phi_types"], strict=True) if types}
    assert flagged == {}


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


def test_ner_sees_only_sentences_that_can_hold_names() -> None:
    text = (
        "Mood: low.\nAppearance: unkempt. He slept badly.\nSeen with Grace Adebayo. Aoife phoned."
        " PHQ-9 17; F32.1. NEXT OF KIN: MARY OKAFOR"
    )
    picked = [sentence.strip() for _, sentence in ner_segments(text)]
    assert picked == ["Seen with Grace Adebayo.", "Aoife phoned.", "NEXT OF KIN: MARY OKAFOR"]
    assert all(text[off : off + len(s)] == s for off, s in ner_segments(text))


def test_ner_scope_full_finds_the_same_on_clinical_sentences(scanner: PhiScanner) -> None:
    full = PhiScanner(analyzer_factory=lambda: PhiEngine(ner_scope="full"))
    texts = [text for text, _ in PHI_EXAMPLES]
    ours, theirs = scanner({"text": texts})["phi_types"], full({"text": texts})["phi_types"]
    assert ours == theirs
    with pytest.raises(ValueError, match="ner_scope"):
        PhiEngine(ner_scope="sentences")  # type: ignore[arg-type]


class _BrokenNlp:
    """spaCy stand-in: ``pipe`` always fails; one document at a time fails on text with BOOM."""

    def pipe(self, texts: list[str], batch_size: int = 1) -> Iterator[Any]:
        raise RuntimeError("batch failed")

    def __call__(self, text: str) -> Any:
        if "BOOM" in text:
            raise RuntimeError("doc failed")
        return type("Doc", (), {"ents": ()})()


def test_ner_failure_falls_back_per_row_and_fails_closed(
    scanner: PhiScanner, caplog: pytest.LogCaptureFixture
) -> None:
    engine = copy.copy(scanner.analyzer)
    engine.nlp = _BrokenNlp()
    texts = ["Seen with Mr Okonkwo.", "BOOM Jonathan Okonkwo", "PHQ-9 17."]
    out = PhiScanner(analyzer_factory=lambda: engine)({"text": texts})
    assert out["phi_types"] == [["PERSON"], ["ERROR"], []]
    assert "Okonkwo" not in caplog.text


def test_engine_that_raises_fails_the_batch_closed() -> None:
    class _Raises:
        def scan_batch(self, texts: list[str], **kwargs: Any) -> Any:
            raise MemoryError("too big")

    out = PhiScanner(analyzer_factory=_Raises)({"text": ["a", "", "b"]})
    assert out["phi_types"] == [["ERROR"], [], ["ERROR"]]


@pytest.mark.parametrize("module", [phi_module, phi_recognizers])
def test_doctests(module: Any) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
