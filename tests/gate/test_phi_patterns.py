"""The regex rules run in anchored windows find what a whole-text scan finds; the name and place
rules added for lower-case names, names before a verb, relatives' pairs, named hospitals and ward
numbers, and for general text (spaCy's ORG, lower-case texts, speakers' labels, addressed names).
Every identifier here is invented."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
import regex

from hf_synthmh.demo.corpus import load_demo_corpus
from hf_synthmh.gate import PhiScanner, phi_patterns
from hf_synthmh.gate.phi_case import truecase
from hf_synthmh.gate.phi_filters import plausible
from tests.gate.conftest import CLEAN_REPORTS, assert_found

DATA = Path(__file__).parents[1] / "data"


def _texts() -> list[str]:
    texts = list(CLEAN_REPORTS)
    for name in ("phi_eval.jsonl", "phi_heldout.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    corpus = load_demo_corpus()
    texts += [t for split in corpus.values() for t in split["text"][:120]]
    texts += [
        "seen by chris howell rn; MRN 4821937. OKAFOR NOTIFIED, per B. Quillfeather.",
        "QUENBY IS AN 83 YO MAN. Varnaski is a 64 yr old female. lives in Norway 4021 today.",
    ]
    return [truecase(t) for t in texts]


def test_anchored_rules_find_what_the_whole_text_scan_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts()
    key = lambda f: (f.source, f.start, f.end)  # noqa: E731
    phi_patterns._compiled.cache_clear()
    anchored = [sorted(phi_patterns.find_patterns(t), key=key) for t in texts]
    monkeypatch.setattr(phi_patterns, "ANCHORS", {})
    phi_patterns._compiled.cache_clear()
    try:
        whole = [sorted(phi_patterns.find_patterns(t), key=key) for t in texts]
    finally:
        phi_patterns._compiled.cache_clear()
    assert sum(len(f) for f in whole) > 100
    assert {f.source for fs in whole for f in fs} >= set(phi_patterns.ANCHORS)  # every anchor tested
    assert anchored == whole


def test_windows_merge_and_stop_at_whitespace() -> None:
    text = "one two aware three four aware five"
    aware = regex.compile("aware")
    assert phi_patterns.windows(text, aware, 4, 1) == [(4, 19), (20, 35)]  # "two aware three", ...
    assert phi_patterns.windows(text, aware, 8, 1) == [(0, 35)]  # overlapping windows merge
    assert phi_patterns.windows("x aware", regex.compile("nothing"), 4, 4) == []


# (text, the invented identifier that must be covered by a finding)
NEW_RULES = [
    ("added darius okafor to the call list.", "darius okafor"),
    ("added aoife varnaski to the call list.", "aoife varnaski"),
    ("Seen today. marisol was tearful at times.", "marisol"),
    ("Augustine said he would call the ward.", "Augustine"),
    ("social: daughters ravi and tomasz in to visit today.", "tomasz"),
    ("md will call son don okafor regarding the plan.", "don"),
    ("TAKEN TO GRANITE HOSPITAL WHERE ECG DONE.", "GRANITE"),
    ("presented to granite falls hospital with chest pain.", "granite"),
    ("ready to go back to Quenby 2. pain controlled.", "Quenby"),
    ("poss transfer to quenby 2/3. plan picc.", "quenby"),
    ("ADMITTED TO MICU FROM QUENBY 3 FOR SOB.", "QUENBY"),
    ("social: rob phoned twice overnight for news.", "rob"),
    ("2/14.91 \nneuro: alert, following commands.", "2/14.91"),
    ("he lives nearby in corvasse and will visit later.", "corvasse"),
    ("Contact details\nPhone:\n318 4472\nE-mail: none", "318 4472"),  # a form: the number on its own line
    # general text (added after measuring the presidio-research sets)
    ("Okafor-Lindqvist hired her in 2019 as a clerk.", "Okafor-Lindqvist"),  # spaCy's ORG, a name inside
    ("He was a cook at Brannock & Sons for years.", "Brannock"),
    ("She was referred by Tomas R. Varnaski last week.", "Varnaski"),  # no sentence break after "R."
    ("Is that all? Okafor and Quenby were the two nurses on shift.", "Okafor"),
    ("Catherine is a very calm person, her sister says.", "Catherine"),  # a name WordNet has as a noun
    ("why is marisol so quiet today? she slept well.", "marisol"),  # a text all in lower case
    ("my iban is gb29nwbk60161331926819 for refunds", "gb29nwbk60161331926819"),
    ("1->2 nov, 96 \nneuro: alert.", "nov, 96"),
    ("At ninety-four she remains independent and sharp.", "ninety-four"),
    ("Walks daily. At ninety-two, he still drives.", "ninety-two"),
    ("My driver's licence number is ab4471902 and it expires soon.", "ab4471902"),
    ('Aoife: "How have you been?"\nTherapist: "I am here to help."', "Aoife"),  # a speaker's label
    ("Marisol, can you tell me more about the voices?", "Marisol"),  # a name addressed
    (
        "son visited today (412 380 27715) and will call back.",
        "412 380 27715",
    ),  # in brackets, no plan parses it
    ("Mr Varnaski phoned twice. Plan: varnaski to bring her tablets.", "varnaski"),  # a name found, repeated
    ("transfer to Wexcombe 2 or Wexcombe 3 later. WEXCOMBE3 has a bed.", "WEXCOMBE"),
    ("resp status stable, ?transfer to St. Aoife's tomorrow", "Aoife"),  # a saint's name is a place here
    ("She lives on Brannockvej 8 with her aunt.", "Brannockvej 8"),  # a street by its ending, then a number
    ("marisol's flat: 28245 quenbytie 82, 3rd floor", "quenbytie 82"),
    ("Collateral from NEXT OF KIN: MARY VARNASKI, by phone.", "VARNASKI"),  # upper case, mixed-case note
    ("She asked why Quilmark had not called her back.", "Quilmark"),  # an unknown word in running text
    ("Brindlewick is her keyworker. Mood stable.", "Brindlewick"),  # one starting a sentence, before a verb
    ("She loved the Tessaly novels as a teenager.", "Tessaly"),
    ("LINES D/C'D. NP AOIFE ORDERED A CXR. PT RESTING.", "AOIFE"),  # a nurse named like a relative
    ("per the family, ivy baker will visit on monday.", "ivy baker"),  # lower case, a verb after
    ("she moved here from kuopio last spring.", "kuopio"),  # a town in a lower-case text
    ('\\"i\\\'m fine,\\" says okonkwo.', "okonkwo"),  # lower case after an escaped quote
    ("Mood brighter.\nplan: WEXCOMBE 2 today if a bed is free.", "WEXCOMBE"),  # a ward and its number
    ("STAYED ON WEXCOMBE 3 FOR TWO NIGHTS, THEN HOME.", "WEXCOMBE"),
    ("BROUGHT IN FROM CEDAR RAPIDS BY AMBULANCE OVERNIGHT.", "CEDAR RAPIDS"),  # two English words
    ("her brother drove back to cedar rapids on sunday.", "cedar rapids"),  # lower case after "to"
    ("She said Grande prairie winters are long.", "Grande prairie"),  # a big town's second word in lower case
    ("He dropped out of the University of QUILLMOOR in his second year.", "QUILLMOOR"),
    ("Next of kin: Aoife Brannock\n14 Quenbyvej 32\nWrenfield NO 9100", "Wrenfield"),  # the town line
    ("She worked for Silver Kettle Partners before the move.", "Silver Kettle"),  # a Title-case run
    ("In 2019, Copper Lantern Group hired him as a driver.", "Copper Lantern"),
    ("A song by ex-Quarry Kinging is a fine example.", "Kinging"),  # an -ing form no lexicon lists
    ("Quilmark and Brannock were precision engineers.", "Quilmark"),
    ("she named him sandy after her father.", "sandy"),  # an English first name after a naming cue
    ("what's your name? ivy okafor", "ivy"),
    ("wade, can you hear me?", "wade"),  # a first name addressed, in lower case
]


@pytest.mark.parametrize(("text", "value"), NEW_RULES)
def test_new_rules_find_invented_identifiers(scanner: PhiScanner, text: str, value: str) -> None:
    assert_found(scanner, text, value)


CLEAN_NEAR_NEW_RULES = [
    "Deprivation of Liberty Safeguards apply. Faith is important to her. liberty is key to recovery.",
    "the fem sheath was removed; mae on command; grace period for the rent; mark twain quotes.",
    "Son and daughter visited; wife and son aware; mother faith. father unknown.",
    "Transferred to bed 2 for the night; went to ward 7, then back to room 3; moved to floor 4.",
    "Admitted to a new hospital, then the nearest hospital; another hospital took her; the receiving hospital.",
    "An hour later she settled. My mood is low. Will is her word for it. Hope is returning.",
    "social: son called twice overnight; daughter phoned. will called back. pain 5/10.5 at rest.",
    "Phone:\nnot given\nPhone review:\n2/52, then 12 weeks.",
    "She lives alone in supported housing and lives nearby in town; moved back to work.",
    "Persecutory delusions and auditory hallucinations persist. Bloods incl. vitamin D. Refer for CBT.",
    "She works at a Garden Centre; rehab at the Day Hospital; attends the Community Mental Health Team.",
    'Overall, I would describe her mood as low. Doctor: "How are you?" Patient: "Tired."',
    "She was seen under the Mental Health Act; CBT and ECT were discussed; Sertraline, can be increased.",
    "mood low since the winter; mother faith important to her; will review. grace and hope help.",
    "it may, 12 hours later, settle. given 3 mar, 12 tabs. HR at ninety, she settled.",
    "NURSING NOTE: FLOWSHEET REVIEWED. NO ECTOPY. EXTUBATED AT 10, AROUSABLE, SKIN INTACT.",
    "Bath was warm; Reading helped; Hope is returning; Normal mood. She lived in France, then Texas.",
    "Untie 2 knots, then tie 3; the straat 4 and the weg 2 items of the scale; Kuja 1.",
    # drug brands, their abbreviations and misspellings are not names
    "Given Combivent and Flovent inhalers; started Unasyn, Vanco and Ceftaz; Amniodarone load given.",
    "A practice nurse at his surgery referred him; the ward nurse and the np talked with them; 4L np with sats 95%.",
    "Seen by the Liaison team. Referred by her GP. Nurse aware. Mood low; grace period over; rn aware.",
    "plan: d/c to rehab tomorrow. nitro gtt off, amio bolus given. she lived in laos.",
    "Started on Lasix 2. Back to bed 2 for the night. ON CPAP 5 FOR SLEEP. Good hope for the new year.",
    "Studied at the University of Michigan. Trained at the College of Nursing.",
    "Referred to the Home Treatment Team under the Mental Capacity Act; Beck Depression Inventory 21.",
    "pt, can you squeeze my hand? yes, can do. will, can't say.",
    "Cognition: recall 9/10; executive function is 8/10; memory 7/10 today.",  # scores, not dates
    "Plan:\n1. Benlordiazepines are not tolerated; started Zelocort 75 mg and vitamin Quenbex 10 mcg daily.",
]


def test_no_false_alarms_near_the_new_rules(scanner: PhiScanner) -> None:
    out = scanner({"text": CLEAN_NEAR_NEW_RULES})
    flagged = {
        t: [(s["type"], t[s["start"] : s["end"]]) for s in spans]
        for t, spans in zip(CLEAN_NEAR_NEW_RULES, out["phi_spans"], strict=True)
        if spans
    }
    assert flagged == {}


def test_doctests() -> None:
    result = doctest.testmod(phi_patterns, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_repeated_sentences_go_to_ner_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from hf_synthmh.gate.phi import PhiEngine, build_engine

    engine = build_engine()
    seen: list[str] = []

    class Counting:
        def __init__(self, nlp: object) -> None:
            self.nlp = nlp

        def pipe(self, texts: list[str], **kwargs: object) -> object:
            seen.extend(texts)
            return self.nlp.pipe(texts, **kwargs)  # type: ignore[attr-defined]

    line = "Brannock and the lighthouse keeper Quenby talked today."  # NER finds what the rules miss
    texts = [f"Mood low.\n{line}", f"{line}\nPlan: review.", "Mood low."]
    expected = PhiScanner(engine_factory=lambda: engine)({"text": texts})["phi_spans"]
    monkeypatch.setattr(engine, "nlp", Counting(engine.nlp))
    spans = PhiScanner(engine_factory=lambda: engine)({"text": texts})["phi_spans"]
    assert seen.count(line) == 1 and spans == expected
    assert spans[0] and [s["start"] - 10 for s in spans[0]] == [s["start"] for s in spans[1]]
    assert isinstance(engine, PhiEngine)


def test_ner_sentences_keep_initials_and_drop_leading_space() -> None:
    from hf_synthmh.gate.phi_lexicon import ner_segments

    text = "Mood low. Seen by Tomas R. Varnaski today. Took vitamin D. Refer on.\nDavid is here. Will is not."
    segments = ner_segments(text)
    assert [seg for _, seg in segments] == ["Seen by Tomas R. Varnaski today.", "David is here."]
    assert all(text[off : off + len(seg)] == seg for off, seg in segments)


def test_truecase_lower_case_text_and_two_capitals() -> None:
    assert (
        truecase("why is marisol so quiet? will and faith help.")
        == "why is Marisol so quiet? will and faith help."
    )
    assert (
        truecase("Marisol is quiet. why is marisol quiet?") == "Marisol is quiet. why is marisol quiet?"
    )  # mixed
    assert truecase("seen in HArrowgate; DVDs and McQuenby") == "seen in Harrowgate; DVDs and McQuenby"
    assert truecase("my iban is gb29nwbk60161331926819") == "my iban is GB29NWBK60161331926819"


def test_sentences_whose_names_the_rules_found_skip_ner(monkeypatch: pytest.MonkeyPatch) -> None:
    from hf_synthmh.gate.phi import build_engine

    engine = build_engine()
    seen: list[str] = []
    pipe = engine.nlp.pipe
    monkeypatch.setattr(engine.nlp, "pipe", lambda texts, **kw: (seen.extend(texts), pipe(texts, **kw))[1])
    covered = "Seen with her cousin Aoife Varnaski today."  # the relative and gazetteer rules find the name
    upper = "Contact person ROSE HOLT-VARNASKI and Aoife Varnaski."  # an upper-case word no rule covers
    out = PhiScanner(engine_factory=lambda: engine)({"text": [covered, upper]})["phi_spans"]
    assert seen == [upper]
    assert [covered[s["start"] : s["end"]] for s in out[0]] == ["Aoife Varnaski"]


def test_a_contraction_is_not_a_name_nor_repeated(scanner: PhiScanner) -> None:
    text = "I'm Tomasz Varnaski, originally from Kuopio, and i'm 58 now."
    spans = scanner({"text": [text]})["phi_spans"][0]
    assert [text[s["start"] : s["end"]] for s in spans] == ["Tomasz Varnaski", "Kuopio"]


def test_the_line_after_a_street_is_a_town_only_when_it_reads_as_one(scanner: PhiScanner) -> None:
    text = "Lives at 12 Harbour Lane\nHR 80, BP 120/80\nAlert and oriented."
    spans = scanner({"text": [text]})["phi_spans"][0]
    assert [text[s["start"] : s["end"]] for s in spans] == ["12 Harbour Lane"]


def test_spacys_org_may_be_a_gazetteer_name_in_upper_case() -> None:
    text = "The letter arrived at OKAFOR'S GREEN this morning. Seen by the CBT TEAM."
    okafor, cbt = text.index("OKAFOR"), text.index("CBT")
    assert plausible("ORGANIZATION", text, okafor, okafor + 14, "spacy_org")
    assert not plausible("ORGANIZATION", text, cbt, cbt + 8, "spacy_org")
