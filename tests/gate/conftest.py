"""Gate fixtures: one Presidio/spaCy engine per session and a small fictional reference corpus whose
reports share headings and stock phrases (boilerplate) but not their clinical content."""

from __future__ import annotations

import random

import pytest

from hf_synthmh.gate import PhiScanner

HEADINGS = (
    "Presenting complaint:",
    "History of presenting complaint:",
    "Mental state examination:",
    "Risk assessment:",
    "Plan:",
)
STOCK = (
    "There was no evidence of formal thought disorder or perceptual abnormalities during the interview.",
    "Crisis line details were provided and a safety plan was discussed and agreed with the patient.",
    "The patient was advised to contact the duty team or attend the emergency department if worse.",
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_BANK = _words(
    "low mood anhedonia insomnia appetite weight guilt worthlessness fatigue concentration irritability"
    " worry panic palpitations avoidance rumination intrusive memories nightmares hypervigilance"
    " flashbacks voices suspicious neighbours television grandiose overspending pressured speech elated"
    " sleepless distractible reckless driving alcohol cannabis cocaine withdrawal tremor sweating cravings"
    " relapse abstinent detox ward admission discharge community team nurse psychologist medication"
    " sertraline mirtazapine quetiapine lithium olanzapine clozapine depot adherence side effects sedation"
    " weight gain akathisia restlessness bloods ecg liver thyroid renal function family mother father"
    " partner children school work unemployed debt housing benefits isolation loneliness bereavement"
    " divorce trauma childhood abuse neglect bullying exams university pregnancy postnatal baby bonding"
    " tearful hopeless helpless trapped burden ligature overdose cutting scratching burning forearm thighs"
    " superficial wounds dressing tetanus plan intent method access protective factors faith pets friends"
    " future goals hobbies gym running painting music guitar football gardening cooking walking dog cat"
    " church mosque volunteer shop cafe warehouse driver builder cleaner carer teacher student retired"
    " veteran army navy police nurse chef morning evening weekend winter summer months weeks gradually"
    " suddenly recently previously worsening improving fluctuating persistent episodic chronic acute mild"
    " moderate severe"
)


def fictional_sentences(rng: random.Random, n_words: int) -> str:
    """Random clinical-sounding word salad: distinct reports (almost) never share an 8-gram."""
    words = [rng.choice(_BANK) for _ in range(n_words)]
    chunks = [" ".join(words[i : i + 12]) for i in range(0, n_words, 12)]
    return " ".join(c + "." for c in chunks)  # lower case: word salad must not look like names


def fictional_report(rng: random.Random, n_words: int = 150) -> str:
    """A report made of shared headings and stock phrases around random content."""
    per = n_words // len(HEADINGS)
    parts = []
    for i, heading in enumerate(HEADINGS):
        parts.append(f"{heading} {fictional_sentences(rng, per)}")
        if i < len(STOCK):
            parts.append(STOCK[i])
    return "\n".join(parts)


@pytest.fixture(scope="session")
def scanner() -> PhiScanner:
    """The default scanner with its analyzer loaded (once per session, ~5-10 s)."""
    scan = PhiScanner()
    _ = scan.engine
    return scan


def assert_found(scanner: PhiScanner, text: str, value: str) -> None:
    """The first occurrence of ``value`` in ``text`` is overlapped by a finding (the findings are the
    assertion's message)."""
    spans = scanner({"text": [text]})["phi_spans"][0]
    start = text.index(value)
    assert any(s["start"] < start + len(value) and start < s["end"] for s in spans), [
        (s["type"], text[s["start"] : s["end"]]) for s in spans
    ]


@pytest.fixture(scope="session")
def reference() -> tuple[list[str], list[str]]:
    """40 fictional real reports and their ids."""
    rng = random.Random(1234)
    texts = [fictional_report(rng) for _ in range(40)]
    return texts, [f"real-{i:03d}" for i in range(40)]


#: Realistic fictional reports with no identifiers (ICD-10 codes, scores, doses, durations, weekdays).
CLEAN_REPORTS = (
    """History of presenting complaint: A 52-year-old man referred by his GP after his partner raised
concerns about increasing suspiciousness over the past six months. He believes neighbours monitor him
through the television and goes out only on Sundays to visit his mother.

Mental state examination: Guarded, poor eye contact, persecutory delusions, second-person auditory
hallucinations, no insight. PANSS 84. Bloods normal; ECG QTc 428 ms.

Diagnosis: F20.0 Paranoid schizophrenia.

Plan: Aripiprazole 10 mg daily, increase to 15 mg after one week. Home Treatment Team to visit daily;
Outpatient Clinic follow-up on Thursday. Risk to others low; risk of self-neglect moderate.""",
    """Assessment summary: Ms A is a 27-year-old postgraduate student with constant, uncontrollable worry
for at least eight months, restlessness, muscle tension, irritability and initial insomnia. She drinks
about 10 units a week and denies illicit drugs. No history of self-harm; her father has had depression.

On examination she was anxious but cooperative, with no evidence of psychosis. GAD-7 15, PHQ-9 8,
MoCA 29/30.

Formulation: Generalised anxiety disorder (F41.1) maintained by intolerance of uncertainty.

Recommendations: Guided self-help, then individual CBT; if little response after 12 weeks, consider
sertraline 50 mg. Sleep hygiene advice given. Re-assess in 4-6 weeks.""",
)
