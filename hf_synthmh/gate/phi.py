"""PHI scan of report text: spaCy ``en_core_web_sm`` NER + clinical regex rules + Presidio's validated
recognizers, tuned for psychiatric notes.

:class:`PhiScanner` is a batch callable for ``Dataset.map(batched=True)``: it reads ``text`` and adds
``phi_types`` (sorted unique entity types found at or above ``threshold``; ``["ERROR"]`` when the scan
of that row raised, so the gate fails closed) and ``phi_spans`` (``{"type", "start", "end", "score"}``:
offsets only, never the matched text).

What counts as PHI here (:data:`PHI_ENTITIES`), following the HIPAA Safe Harbor identifiers:

* names: spaCy ``PERSON``; cued names in any case, checked against faker's name gazetteer
  (:mod:`~hf_synthmh.gate.phi_case`): "dr. aguilar", "DR VARNASKI", "wife Mary called", "son mark",
  "Okafor (son)", signatures ("chris howell rn"), speakers' labels and names addressed; shapes in running
  text (:mod:`~hf_synthmh.gate.phi_proper`: a capitalised word no lexicon knows, a Title-case run). Not
  eponyms ("Parkinson's"), devices ("Foley"), drugs, brands and their short forms ("Combivent", "Vanco").
* UPPER CASE notes, and upper-case runs inside other notes, are truecased first
  (:func:`~hf_synthmh.gate.phi_case.truecase`: same length, so offsets hold): names Title case,
  English words lower case, acronyms as they are; in a text written all in lower case, gazetteer
  names that are not English words become Title case.
* places below state level: spaCy ``LOCATION`` (GPE/LOC/FAC), GeoNames towns and cities
  (:mod:`~hf_synthmh.gate.phi_cities`), ``STREET_ADDRESS``, ``POSTCODE`` (UK, Canadian; ZIP after a
  state, a country or "zip code is"), named institutions and companies (``ORGANIZATION``: Hospital,
  Unit, Memorial, Inc, ... with a non-generic word; spaCy's ORG only when it holds a name-like word,
  at a low score, since it fires on PHQ-9, CBT, ECT), and :mod:`~hf_synthmh.gate.phi_places` cue
  rules ("transferred to WH", "Apt. 4").
* a capitalised name or place found once is found wherever the text repeats it
  (:func:`~hf_synthmh.gate.phi_filters.repeated`).
* dates: ``DATE`` only for a specific day or month ("12/04/2023", "3rd of March 2021", "the third of
  March", "2023-04-12", "March 2021", bare "7/22", "8/88"; not scores "4/10", fractions "1/2" or UK
  durations "for 2/52"), ``DATE_OF_BIRTH`` after DOB/born. spaCy ``DATE``/``TIME`` fire on durations.
* ages over 89 (``AGE_OVER_89``: "94-year-old", "aged 91", "ninety-three years old"); contact and
  web identifiers (``PHONE_NUMBER``, ``EMAIL_ADDRESS``, ``URL``, ``IP_ADDRESS``, ``SOCIAL_HANDLE``);
  numbers (``MEDICAL_RECORD_NUMBER``, ``UK_NHS`` with check digit or after NHS/CHI, ``US_SSN``,
  ``ID_NUMBER`` for insurance/policy/other IDs, ``CREDIT_CARD``, ``IBAN_CODE``).

How it is fast (see ``scripts/bench_gate.py --part phi``): spaCy runs only its ``ner`` component (which has
its own tok2vec), in ``nlp.pipe`` batches, and only on the sentences that can hold a name or a place
(:func:`~hf_synthmh.gate.phi_lexicon.ner_segments`: about 8% of a typical report). The regex
rules are precompiled and run once per text, the slow ones only in windows around their anchor word
(:mod:`~hf_synthmh.gate.phi_patterns`, tested to find what a whole-text scan finds); Presidio's email,
URL, IP, phone, card, IBAN and NHS recognizers run only on texts that contain their trigger characters
(a URL needs a scheme, ``www.`` or a common TLD; phone numbers are parsed only near a 7-digit run,
:mod:`~hf_synthmh.gate.phi_presidio`), and Presidio's NLP artifacts (lemmas, context) are not computed. The rules were tuned on ``tests/data/phi_eval.jsonl``
(a development set); ``tests/data/phi_heldout.jsonl`` was written after they were frozen. Recall on
public de-identification sets (PhysioNet deid notes, presidio-research): ``scripts/bench_phi_public.py``.
NER on whole texts instead of candidate sentences gained ~2 points of row recall there but cost ~3x in
speed and flagged 66% of the demo corpus's clean reports, so candidate sentences stay the default.

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
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from hf_synthmh.gate.phi_case import case_fingerprint, truecase
from hf_synthmh.gate.phi_cities import cities_fingerprint, find_cities
from hf_synthmh.gate.phi_filters import kept_findings, repeated, resolve_overlaps, towns_after_streets
from hf_synthmh.gate.phi_lexicon import drug_word, names_within
from hf_synthmh.gate.phi_names import gazetteer_names, names_fingerprint
from hf_synthmh.gate.phi_patterns import find_patterns, patterns_fingerprint
from hf_synthmh.gate.phi_presidio import (
    presidio_findings,
    presidio_fingerprint,
    presidio_recognizers,
    scan_presidio,
)
from hf_synthmh.gate.phi_recognizers import (
    Finding,
    ner_segments,
    rules_fingerprint,
    spacy_model_path,
)

__all__ = [
    "PHI_ENTITIES",
    "RULES_DIGEST",
    "PhiEngine",
    "PhiScanner",
    "build_engine",
    "spacy_model_path",
]

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
_NER_TYPES = {
    "PERSON": "PERSON",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "ORG": "ORGANIZATION",  # kept only with a name-like word (``plausible``): not "CBT", "Mental Health Act"
}
_NER_SCORE = 0.85  # Presidio's SpacyRecognizer score
_ORG_SCORE = 0.4
_MIXED_CASE_ONLY = frozenset({"spacy_org", "name_unknown", "title_run"})  # not on truecased views
#: Digest of the rules; part of a scanner's pickled state, so ``datasets`` cache fingerprints change
#: when the rules do.
RULES_DIGEST = hashlib.blake2b(
    repr(
        (
            rules_fingerprint(),
            patterns_fingerprint(),
            case_fingerprint(),
            names_fingerprint(),
            _NER_TYPES,
            _NER_SCORE,
            _ORG_SCORE,
            presidio_fingerprint(),
            cities_fingerprint(),
        )
    ).encode(),
    digest_size=8,
).hexdigest()


class PhiEngine:
    """spaCy NER + regex rules + Presidio recognizers; :meth:`scan_batch` returns findings per text.

    Args:
        ner_scope: ``"candidates"`` runs NER only on the sentences picked by
            :func:`~hf_synthmh.gate.phi_recognizers.ner_segments`; ``"full"`` on whole texts
            (slower, for comparison).
        model_dir: spaCy model folder; ``None`` means :func:`spacy_model_path`.
    """

    def __init__(
        self, *, ner_scope: Literal["candidates", "full"] = "candidates", model_dir: Path | None = None
    ) -> None:
        os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
        from hf_synthmh._deps import require

        require("presidio_analyzer", package="presidio-analyzer")
        import spacy

        if ner_scope not in ("candidates", "full"):
            raise ValueError(f"ner_scope must be 'candidates' or 'full', not {ner_scope!r}")
        self.ner_scope = ner_scope
        self.model_dir = model_dir or spacy_model_path()
        pipeline = spacy.util.load_config(self.model_dir / "config.cfg")["nlp"]["pipeline"]
        self.nlp = spacy.load(self.model_dir, exclude=[p for p in pipeline if p != "ner"])
        self.recognizers = presidio_recognizers()
        drug_word("warm")  # load the drug dictionary now, not inside the first batch

    def __repr__(self) -> str:
        return f"PhiEngine(ner_scope={self.ner_scope!r}, pipeline={self.nlp.pipe_names})"

    def scan_batch(
        self,
        texts: Sequence[str],
        *,
        entities: Iterable[str] = PHI_ENTITIES,
        threshold: float = 0.35,
        batch_size: int = 128,
    ) -> list[list[dict[str, Any]] | None]:
        """Findings per text as ``{"type", "start", "end", "score"}`` dicts sorted by offset;
        ``None`` for a text whose scan raised (the error type is logged, never the text)."""
        wanted = frozenset(entities)
        views = [self._guard(truecase, t) for t in texts]  # same length: offsets carry over
        found: list[list[Finding] | None] = [
            None if v is None else self._guard(self._rules, v, wanted) for v in views
        ]
        if wanted & {"PERSON", "LOCATION", "ORGANIZATION"}:
            self._ner([v or "" for v in views], found, batch_size, wanted, threshold)
        for i, (text, view) in enumerate(zip(texts, views, strict=True)):
            current = found[i]
            if current is not None and view != text:  # spaCy's ORG on truecased notes: "Flowsheet", "Ectopy"
                found[i] = [f for f in current if f.source not in _MIXED_CASE_ONLY]
        return [
            None if f is None or v is None else self._guard(self._finish, v, f, wanted, threshold)
            for v, f in zip(views, found, strict=True)
        ]

    @staticmethod
    def _guard(step: Callable[..., Any], text: str, *args: Any) -> Any:
        try:
            return step(text, *args)
        except Exception as err:  # fail closed; never log the text
            logger.warning(
                "PHI scan raised %s on a %d-char row; marking it ERROR", type(err).__name__, len(text)
            )
            return None

    def _rules(self, text: str, wanted: frozenset[str]) -> list[Finding]:
        found = find_patterns(text, wanted)
        if "LOCATION" in wanted:
            found += find_cities(text)
        if "PERSON" in wanted:
            found += gazetteer_names(text)
        found += presidio_findings(text, self.recognizers, wanted)
        return found

    def _segments(self, text: str) -> list[tuple[int, str]]:
        return [(0, text)] if self.ner_scope == "full" else ner_segments(text)

    def _ner(
        self,
        texts: Sequence[str],
        found: list[list[Finding] | None],
        batch_size: int,
        wanted: frozenset[str],
        threshold: float,
    ) -> None:
        """Add spaCy's PERSON/LOCATION/ORGANIZATION findings to ``found`` (in place); a text whose NER
        raises becomes ``None``. A sentence whose every name-like word is already inside a kept rule
        finding (a cued or gazetteer name, a street, a town) does not go to NER."""
        jobs = []
        for i, text in enumerate(texts):
            current = found[i]
            segments = self._guard(self._segments, text) if current is not None else []
            if segments is None:
                found[i] = None
            elif segments and current and self.ner_scope == "candidates":
                kept = self._guard(kept_findings, text, current, wanted, threshold) or []
                spans = [(f.start, f.end) for f in kept]
                segments = [(off, seg) for off, seg in segments if not names_within(off, seg, spans)]
            jobs += [(i, off, seg) for off, seg in segments or ()]
        try:
            hits: list[list[Finding]] = [[] for _ in texts]
            unique = list(dict.fromkeys(seg for _, _, seg in jobs))  # a repeated sentence goes to NER once
            docs = dict(zip(unique, self.nlp.pipe(unique, batch_size=batch_size), strict=True))
            for i, off, seg in jobs:
                hits[i] += self._ents(docs[seg], off)
        except Exception as err:  # the message could quote text: log the type only
            logger.warning(
                "spaCy batch failed (%s); running NER on %d rows one by one", type(err).__name__, len(texts)
            )
            for i, text in enumerate(texts):
                hits[i] = []
                if found[i] is not None:
                    try:
                        for off, seg in self._segments(text):
                            hits[i] += self._ents(self.nlp(seg), off)
                    except Exception as one:
                        logger.warning(
                            "NER raised %s on a %d-char row; marking it ERROR", type(one).__name__, len(text)
                        )
                        found[i] = None
        for i, extra in enumerate(hits):
            current = found[i]
            if current is not None:
                current += extra

    @staticmethod
    def _ents(doc: Any, offset: int) -> list[Finding]:
        found = []
        for e in doc.ents:
            if e.label_ not in _NER_TYPES:
                continue
            # leading lower-case words are not part of a name: "ex-Brannock Varnaski", "the University of X"
            start = (
                e.start_char
                if e.text[:1].isupper()
                else next((t.idx for t in e if t.text[:1].isupper()), None)
            )
            if start is not None:
                org = e.label_ == "ORG"  # spaCy's ORG often holds a person's name: other findings win
                score, source = (_ORG_SCORE, "spacy_org") if org else (_NER_SCORE, "spacy")
                found.append(
                    Finding(_NER_TYPES[e.label_], offset + start, offset + e.end_char, score, source)
                )
        return found

    @staticmethod
    def _finish(
        text: str, found: list[Finding], wanted: frozenset[str], threshold: float
    ) -> list[dict[str, Any]]:
        keep = kept_findings(text, found, wanted, threshold)
        keep += repeated(text, keep) + towns_after_streets(text, keep)
        return [
            {"type": f.type, "start": f.start, "end": f.end, "score": round(f.score, 4)}
            for f in resolve_overlaps(keep)
        ]


@functools.lru_cache(maxsize=1)
def build_engine() -> PhiEngine:
    """The default :class:`PhiEngine` (cached: built once per process, ~2-5 s)."""
    return PhiEngine()


class PhiScanner:
    """Batch callable adding ``phi_types`` and ``phi_spans`` to rows with a ``text`` column.

    Args:
        threshold: minimum score for a finding to count.
        entities: entity types to report; ``None`` means :data:`PHI_ENTITIES`.
        batch_size: texts (sentences, for NER on candidate sentences) per spaCy ``pipe`` call.
        engine_factory: returns the engine; ``None`` means :func:`build_engine`. The engine is
            a :class:`PhiEngine`-like object (``scan_batch``) or a Presidio ``AnalyzerEngine``-like
            one (``nlp_engine.process_batch`` and ``analyze``). Called lazily on first use; the
            engine is never pickled, so ``datasets`` fingerprints the scanner by its settings only.

    A row whose scan raises gets ``phi_types == ["ERROR"]`` (fail closed). Text is never logged.

    >>> PhiScanner(threshold=0.5).threshold
    0.5
    >>> PhiScanner()({"text": ["", "  "]})  # blank rows skip the engine
    {'phi_types': [[], []], 'phi_spans': [[], []]}
    """

    def __init__(
        self,
        *,
        threshold: float = 0.35,
        entities: Sequence[str] | None = None,
        batch_size: int = 128,
        engine_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.threshold = threshold
        self.entities: tuple[str, ...] = tuple(entities) if entities is not None else PHI_ENTITIES
        self.batch_size = batch_size
        self.engine_factory = engine_factory
        self.rules = RULES_DIGEST
        self._engine: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_engine"] = None
        return state

    def __repr__(self) -> str:
        return f"PhiScanner(threshold={self.threshold}, entities={len(self.entities)}, batch_size={self.batch_size})"

    @property
    def engine(self) -> Any:
        """The engine, built on first access."""
        if self._engine is None:
            self._engine = (self.engine_factory or build_engine)()
        return self._engine

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
            engine = self.engine
        except Exception:
            logger.exception("PHI engine could not be built; failing closed on %d rows", len(texts))
            return [None] * len(texts)
        if not hasattr(engine, "scan_batch"):
            return scan_presidio(
                engine,
                texts,
                entities=self.entities,
                threshold=self.threshold,
                batch_size=self.batch_size,
                finish=PhiEngine._finish,
            )
        try:
            found: list[list[dict[str, Any]] | None] = engine.scan_batch(
                texts, entities=self.entities, threshold=self.threshold, batch_size=self.batch_size
            )
            return found
        except Exception as err:  # the message could quote text: log the type only
            logger.warning(
                "PHI scan raised %s on a batch of %d rows; marking them ERROR", type(err).__name__, len(texts)
            )
            return [None] * len(texts)
