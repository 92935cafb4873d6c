"""The clinical PHI rules used by :mod:`hf_synthmh.gate.phi`: regex recognizers, allow-list and word
lists (the plausibility checks are in :mod:`hf_synthmh.gate.phi_filters`, the choice of the sentences
that go to spaCy's NER in :mod:`hf_synthmh.gate.phi_lexicon`).

Every rule is ``(entity, name, pattern, score)``. A pattern may consume its cue word ("MRN",
"DOB", "Mr") and mark the identifier with a named group ``v``; without the group the whole match
is the identifier. All rules run as precompiled ``regex`` patterns (no look-behinds over the cue, so
the engine can use literal prefixes), once per text.

>>> from hf_synthmh.gate.phi_patterns import find_patterns
>>> found = find_patterns("MRN 4821937; F32.1.")
>>> sorted((f.type, f.start, f.end, f.source) for f in found)
[('ID_NUMBER', 4, 11, 'long_number'), ('MEDICAL_RECORD_NUMBER', 4, 11, 'mrn_cued')]
>>> [(s, t) for s, t in ner_segments("Mood: low.\\nSeen with Grace Adebayo. He slept.")]
[(11, 'Seen with Grace Adebayo.')]
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from hf_synthmh.gate.phi_lexicon import known_word, ner_segments, segments_fingerprint, spacy_model_path
from hf_synthmh.gate.phi_places import _TOWN_WORDS, places_fingerprint
from hf_synthmh.gate.phi_words import BIG_PLACES as _BIG_PLACES
from hf_synthmh.gate.phi_words import DRUG_STEMS as _DRUG_STEMS
from hf_synthmh.gate.phi_words import EPONYM_HEADS as _EPONYM_HEADS
from hf_synthmh.gate.phi_words import GENERIC as _GENERIC
from hf_synthmh.gate.phi_words import NOT_AT_START as _NOT_AT_START
from hf_synthmh.gate.phi_words import NOT_NAMES as _NOT_NAMES

__all__ = [
    "ALLOW",
    "CREDENTIALS",
    "MONTH",
    "RULES",
    "Finding",
    "is_allowed",
    "known_word",
    "ner_segments",
    "rules_fingerprint",
    "spacy_model_path",
]


@dataclass(frozen=True, slots=True)
class Finding:
    """One identifier: entity type, character offsets, score and the rule or recognizer name."""

    type: str
    start: int
    end: int
    score: float
    source: str


# ---------------------------------------------------------------- regex pieces
MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?)"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_ORDINAL_WORD = (
    r"(?i:(?:twenty|thirty)[-\s]?)?(?i:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
    r"|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth"
    r"|nineteenth|twentieth|thirtieth)"
)
_DATE = (
    rf"(?:{_DAY}(?:\s+of)?\s+{MONTH}(?:,?\s+\d{{4}})?|{MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?"
    rf"|(?i:the\s+)?{_ORDINAL_WORD}\s+of\s+{MONTH}(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}-{MONTH}-(?:\d{{4}}|\d{{2}})"
    r"|(?<![\d/.])[0-3]?\d(?P<sep>[/.-])[0-3]?\d(?P=sep)(?:\d{4}|\d{2})(?![/\d])"
    r"|(?<![\d/.])(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])\.\d{2}(?![\d.])"  # "2/14.91"
    r"|\d{4}(?P<sep2>[/.-])[01]?\d(?P=sep2)[0-3]?\d"
    rf"|{MONTH}\s+\d{{4}}|(?i:{MONTH})\s+of\s+\d{{4}}"
    rf"|(?:{MONTH}|(?i:(?!ma[ry]\b){MONTH}))(?:,[ \t]*'?|[ \t]+')\d{{2}}(?!\d))(?![\w/.-]\d)"  # "nov, 96"
)
# The first characters a date can have (a digit, a month, "the", an ordinal word): a cheap test that
# halves the date rule's time.
_DATE_START = r"(?=[\dJFMASONDETjfmasondet])"
_ID = r"[A-Z]{0,4}-?(?:\d{3,}|\d{2}(?=[ -]\d{2}))(?:[ -]\d{2,})*(?:-?[A-Z0-9]+)?\b"
_MRN_CUE = (
    r"(?i:\b(?:MRN|PID|URN|medical\s+record\s+(?:number|no\.?)"
    r"|(?:hospital|record|patient|unit|case|chart|clinic)\s+(?:number|no\.?|ID|#)))"
)
_ID_CUE = (
    r"(?i:\b(?:(?:member|insurance|policy|medicaid|medicare|subscriber|group|account|claim|passport"
    r"|licen[cs]e|national\s+insurance|NI|ID|health\s+card|beneficiary)\s+(?:ID|number|no\.?|#)"
    r"|policy|medicaid\s+ID|ID))"
)
_NHS_CUE = r"(?i:\b(?:NHS|CHI|H&C)\s*(?:number|no\.?|#)?)"
_STATES = (
    r"(?:A[AEKLPRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]"
    r"|UT|V[AT]|W[AIVY]|Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware"
    r"|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland"
    r"|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New\s+\w+|Ohio"
    r"|Oklahoma|Oregon|Pennsylvania|Rhode\s+Island|(?:North|South)\s+\w+|Tennessee|Texas|Utah|Vermont"
    r"|Virginia|Washington|West\s+Virginia|Wisconsin|Wyoming)"
)
_AU_STATES = r"(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT)"
_UK_POSTCODE = r"(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[ABD-HJLNP-UW-Z]{2}"
_CA_POSTCODE = r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d"
_NAME = r"[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’-]+"  # two characters at least: "Ms A" (an initial) is not a name
_CAP = r"[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’-]*"
_STREET_SUFFIX = (
    r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Drive|Dr|Crescent|Close|Court|Ct|Terrace|Place|Pl|Way"
    r"|Hill|Grove|Gardens|Boulevard|Blvd|Bend|Row|Square|Sq|Walk|Mews|Parade|Rise|View|Green|Highway"
    r"|Hwy|Circle|Cir|Trail|Parkway|Pkwy)\b\.?"
)
_INSTITUTION = (
    r"(?:Hospital|Infirmary|Unit|Centre|Center|Clinic|Practice|Surgery|School|College|University"
    r"|Academy|Home|Lodge|House|Pharmacy|Trust|Hospice|Insurance|Mutual|Solicitors|Logistics|Ltd"
    r"|Limited|plc|Inc|LLC|Fabrication|CMHT|Health\s+Plan|Partnership)\b"
)
_RELATIVE = (
    r"(?:sister|brother|mother|father|mum|dad|partner|wife|husband|son|daughter|aunt|uncle|cousin"
    r"|friend|grandmother|grandfather|grandson|granddaughter|niece|nephew|boyfriend|girlfriend"
    r"|fianc[ée]e?|carer|neighbour|neighbor|colleague|stepfather|stepmother|dtr|dau)"
)
_NO_NAME_AHEAD = (
    r"(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April"
    r"|May|June|July|August|September|October|November|December|The|This|He|She|They|Who|Is|Was"
    r"|And|But|Has|Had|Reports?|Says?|Said)\b)"
)
_PAIR_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-ÿ'’]+(?:-[A-ZÀ-ÖØ-Þ][a-zà-ÿ'’]+)?"
_UNIT = r"(?:Flat|Apt|Apartment|Unit|Suite)\.?"
_STREET = (
    rf"(?:{_UNIT}\s+\w+,?\s+)?\b(?:\d{{1,5}}[ \t]+)?\d{{1,5}}[A-Za-z]?,?\s+(?:{_CAP}\s+){{1,3}}{_STREET_SUFFIX}"
    rf"(?:,?\s+{_UNIT}\s*\w+)?"
)
_TOWN = rf"\b[A-Z][a-z]+(?:[\s-][A-Z][a-z]+)?(?=,?\s+(?:{_UK_POSTCODE}\b|{_STATES}\.?,?\s+\d{{5}}\b))"
_TOWN_AFTER_STREET = (  # "12 Harbour Lane, Wrenfield", "P.O. Box 907, Corvasse": the town after the street
    rf"(?=[\dFAUSPp])(?:{_STREET}|(?i:\bP\.?\s?O\.?\s+Box)\s+\d{{1,6}})[ \t]*,[ \t]*{_TOWN_WORDS}"
)
_SSN_CUED = r"(?i:\b(?:SSN|social\s+security(?:\s+(?:number|no\.?))?))[\s:#.]{0,4}(?P<v>\d{3}[\s-]?\d{2}[\s-]?\d{4})\b"
_DOB = rf"(?i:\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?))[\s:,]{{0,3}}(?P<v>{_DATE})"
_ANYNAME = r"[A-Za-zÀ-ÖØ-öø-ÿ][\wÀ-ÿ'’-]*[A-Za-zÀ-ÖØ-öø-ÿ]"  # any case: "aguilar", "VARNASKI"
_TITLED = (  # "Dr Haddad", "dr. aguilar", "DR QUENNELL", "Rabbi Ferguson"
    r"(?i:\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Rabbi|Rev|Reverend))\.?[ \t]+"
    rf"(?P<v>(?:[A-Z]\.[ \t]*)?{_ANYNAME}(?:[ \t]+{_ANYNAME})?)"
)
_RELATIVE_NAME = (  # "wife Mary called", "son mark", "SON DAVID", "brother, Tomasz", "sons ravi and tomasz"
    rf"(?i:\b{{rel}}s?)(?:'s|’s)?[ \t]*,?[ \t]*[\"“]?(?<=[\s\"“])(?P<v>{_ANYNAME}"
    rf"(?:[ \t]+(?!(?i:and)\b){_ANYNAME})?(?:[ \t]+(?i:and)[ \t]+{_ANYNAME})?)"
)
#: The credentials that end a note's signature (the anchor of ``credential_name``).
CREDENTIALS = r"(?:(?i:RN|RRT|CRT|MD|NP|LPN|PA-C|LICSW|MSW|PharmD|CCRN|BSN|SRN|RMN|RGN)|PA)\b"
_CREDENTIAL_NAME = (  # note signatures: "chris howell rn", "ALFRED C. HOWELL, RRT", "Quennell-Ashdown MD"
    rf"(?P<v>(?:{_ANYNAME}|[A-Za-z]\.)(?:[ \t]+(?:{_ANYNAME}|[A-Za-z]\.)){{0,2}}),?[ \t]+{CREDENTIALS}"
)
_NAME_THEN_RELATIVE = rf"(?P<v>{_NAME}(?:[ \t]+{_NAME})?)[ \t]*\((?i:{{rel}})\)"
# Bare month/day or month/year dates ("7/22", "8/88"); not UK durations ("for 2/52", "3/12 ago") or
# scores ("pain 5/10").
_MD_DATE = (
    r"(?<![\w/.,:+-])(?<!(?i:pain|strength|power|score|grade|rated|scale|mood|audit|cage|phq-?\d*|gad-?\d*)"
    r"[ \t:=(]*)(?!(?<=(?i:\b(?:for|over|in|within|past|last|next|x|approx|about))[ \t]*)\d{1,2}/(?:7|12)(?!\d))"
    r"(?!(?:[1-5]/5|1/[234]|2/[34]|3/4)(?!\d))"
    r"(?!(?<=(?i:pain|mood|score|rated|rating|anxiety|sleep|scale|vas|nrs|confidence|motivation|recall|memory"
    r"|cognition|insight|concentration|attention|function|energy|appetite|perceptive)\b[^.;\n]{0,20})"
    r"\d{1,2}/10(?!\d))(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[0-4]\d|[6-9]\d|5[013-9])"
    r"(?![\w/]|[.,]\d|[ \t]*(?i:ago|hx|history|duration|strength|power|pain|tabs?|of\b|hours?|hrs?))"
)
_NAME_CUED = (  # "Re: Liam Mensah", "Patient name: ...", "Thank you for seeing ..."
    r"(?:\bRe:|(?i:\b(?:patient|client|service\s+user|(?:full\s+|patient\s+)?name))\s*:"
    rf"|(?i:\bthank\s+you\s+for\s+(?:seeing|referring)))[ \t]+(?P<v>{_NO_NAME_AHEAD}{_NAME}(?:[ \t]+{_NAME}){{1,2}})"
)
_AGE_WORDS = (
    r"(?i:ninety(?:[-\s](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|(?:a|one)\s+hundred(?:\s+and\s+\w+)?)"
)

#: (entity, rule name, pattern, score). Case-sensitive unless a group says ``(?i:...)``.
RULES: tuple[tuple[str, str, str, float], ...] = (
    ("MEDICAL_RECORD_NUMBER", "mrn_cued", rf"{_MRN_CUE}[\s:#.]{{0,4}}(?P<v>{_ID})", 0.85),
    ("ID_NUMBER", "id_cued", rf"{_ID_CUE}(?:[\s:#.]{{0,4}}|\s+(?i:is|was)\s+)(?P<v>(?i:{_ID}))", 0.7),
    ("ID_NUMBER", "id_alnum", r"\b[A-Z]{1,4}-?\d{6,}\b", 0.5),
    ("ID_NUMBER", "long_number", r"(?<![\d.,/])\b\d{7,}\b(?![.,/]\d)", 0.4),
    ("UK_NHS", "nhs_cued", rf"{_NHS_CUE}[\s:.]{{0,3}}(?P<v>\d{{3}}[\s-]?\d{{3}}[\s-]?\d{{4}})\b", 0.85),
    ("US_SSN", "ssn_dashed", r"\b\d{3}-\d{2}-\d{4}\b", 0.6),
    ("US_SSN", "ssn_cued", _SSN_CUED, 0.85),
    ("PHONE_NUMBER", "phone_nanp", r"(?<![\w-])(?:\+?1[\s.-]?)?\(\d{3}\)\s?\d{3}[\s.-]\d{4}\b", 0.6),
    ("PHONE_NUMBER", "phone_nanp_dash", r"(?<![\w-])\d{3}[.-]\d{3}[.-]\d{4}\b", 0.5),
    # grouped like a phone number and alone in brackets, even when no numbering plan parses it: "(301 273 45166)"
    ("PHONE_NUMBER", "phone_bracketed", r"(?<=\()\d{3}[ .-]\d{3}[ .-]\d{4,5}(?=\))", 0.5),
    (
        "PHONE_NUMBER",
        "pager",
        r"(?i:\b(?:pager|beeper|bleep|pg|ext\.?|extension))[\s:#.]{0,4}(?:number\s+)?(?P<v>\d{4,6})\b",
        0.5,
    ),
    ("PHONE_NUMBER", "phone_uk", r"(?<![\w+])0\d{2,4}\s?\d{3}\s?\d{3,4}\b", 0.5),
    ("DATE", "date", rf"\b{_DATE_START}(?<![\d.]){_DATE}", 0.6),
    ("DATE", "date_md", _MD_DATE, 0.5),
    ("DATE_OF_BIRTH", "dob", _DOB, 0.9),
    ("AGE_OVER_89", "age_years_old", r"\b(?:9\d|1[0-2]\d)[-\s](?i:years?|yrs?)[-\s](?i:old)\b", 0.7),
    ("AGE_OVER_89", "age_aged", r"(?i:\bage[d:]?)\s+(?P<v>(?:9\d|1[0-2]\d))\b(?!\s*(?:mg|kg|%|/))", 0.7),
    ("AGE_OVER_89", "age_yo", r"\b(?:9\d|1[0-2]\d)\s?(?i:yo|y/o|y\.o\.)\b", 0.7),
    ("AGE_OVER_89", "age_words", rf"\b{_AGE_WORDS}[-\s](?i:years?)[-\s](?i:old)\b", 0.7),
    ("AGE_OVER_89", "age_aged_words", rf"(?i:\baged)\s+(?P<v>{_AGE_WORDS})\b", 0.7),
    # "At ninety-four she remains ...", "now ninety-one, he ...": the age, then its subject (not "HR at
    # ninety, she settled")
    (
        "AGE_OVER_89",
        "age_at_words",
        rf"(?:(?:^|(?<=[.!?;:][ \t]*))(?i:at)|(?i:\bnow))\s+(?P<v>{_AGE_WORDS})(?=,?\s+(?i:s?he|they|I)\b)",
        0.6,
    ),
    ("SOCIAL_HANDLE", "at_handle", r"(?<![\w.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?", 0.6),
    ("SOCIAL_HANDLE", "reddit_user", r"(?<![\w/])u/[A-Za-z0-9_-]{3,20}\b", 0.6),
    ("STREET_ADDRESS", "street", _STREET, 0.6),
    ("LOCATION", "town_after_street", _TOWN_AFTER_STREET, 0.5),
    ("STREET_ADDRESS", "po_box", r"(?i:\b(?:P\.?\s?O\.?\s+Box|PSC\s+\d+,?\s+Box|Box))\s+\d{1,6}\b", 0.5),
    ("POSTCODE", "uk_postcode", rf"\b{_UK_POSTCODE}\b", 0.6),
    ("POSTCODE", "ca_postcode", rf"\b{_CA_POSTCODE}\b", 0.5),
    ("POSTCODE", "us_zip", rf"\b{_STATES}\.?,?\s{{1,2}}(?P<v>\d{{5}}(?:-\d{{4}})?)\b", 0.6),
    ("POSTCODE", "au_postcode", rf"\b{_AU_STATES},?\s(?P<v>\d{{4}})\b", 0.6),
    ("POSTCODE", "zip_cued", r"(?i:\b(?:zip|post)(?:\s*code)?)[\s:#]{0,3}(?P<v>\d{5}(?:-\d{4})?)\b", 0.7),
    ("PERSON", "titled_name", _TITLED, 0.9),
    ("PERSON", "relative_name", _RELATIVE_NAME.format(rel=_RELATIVE), 0.45),
    ("PERSON", "name_relative", _NAME_THEN_RELATIVE.format(rel=_RELATIVE), 0.45),
    # a nurse or social worker named like a relative: "np AOIFE ordered", "SW Aoife aware"
    ("PERSON", "clinician_name", _RELATIVE_NAME.format(rel=r"(?:np|rn|sw|lpn|cna|nurse)"), 0.45),
    ("PERSON", "credential_name", _CREDENTIAL_NAME, 0.45),
    ("PERSON", "name_cued", _NAME_CUED, 0.6),
    ("PERSON", "name_pair", rf"(?<![\w'’-])(?P<v>{_PAIR_WORD}[ \t]+{_PAIR_WORD})(?![\w'’-])", 0.5),
    ("LOCATION", "town_before_postcode", _TOWN, 0.6),
    ("ORGANIZATION", "institution", rf"\b(?:{_CAP}\s+(?:&\s+)?){{1,4}}{_INSTITUTION}", 0.5),
)


#: Whole-span allow-list (case-insensitive, like Presidio's): ICD-10 codes, scale names with scores,
#: weekdays.
ALLOW = (
    r"\A(?:[A-TV-Z]\d{2}(?:\.\d{1,4}[A-Z]?)?"
    r"|(?:PHQ|GAD|MoCA|MMSE|PANSS|HAM-?[AD]|MADRS|BPRS|AUDIT|CAGE|PCL|ACE|YMRS|HoNOS|CORE|EPDS|BDI|GAF)"
    r"[\w -]*"
    r"|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)days?)\Z"
)
_ALLOW_RE = regex.compile(ALLOW, regex.IGNORECASE)


def is_allowed(span: str) -> bool:
    """True for clinical vocabulary that is never an identifier (``F32.1``, ``PHQ-9 17``, ``Sunday``)."""
    return _ALLOW_RE.search(span) is not None


def rules_fingerprint() -> str:
    """A text that changes when any rule, list or NER-selection pattern changes."""
    parts = (
        RULES,
        ALLOW,
        sorted(_EPONYM_HEADS),
        sorted(_NOT_NAMES),
        sorted(_GENERIC),
        sorted(_NOT_AT_START),
        sorted(_BIG_PLACES),
        _DRUG_STEMS,
    )
    return repr((parts, segments_fingerprint(), places_fingerprint()))
