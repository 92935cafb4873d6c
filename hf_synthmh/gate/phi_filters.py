"""Which PHI findings are kept: the plausibility checks that drop clinical vocabulary found by NER and
the cue rules (eponyms, drugs, acronyms, generic institutions), overlap resolution, and names and
places found once in a text and repeated elsewhere in it.

>>> from hf_synthmh.gate.phi_patterns import find_patterns
>>> [(f.type, f.start, f.end) for f in resolve_overlaps(find_patterns("MRN 4821937; F32.1."))]
[('MEDICAL_RECORD_NUMBER', 4, 11)]
"""

from __future__ import annotations

import regex

from hf_synthmh.gate.phi_lexicon import drug_word
from hf_synthmh.gate.phi_places import PLACE_RULES, big_place, plausible_place
from hf_synthmh.gate.phi_proper import dose_after
from hf_synthmh.gate.phi_recognizers import _INSTITUTION, Finding
from hf_synthmh.gate.phi_words import DRUG_STEMS as _DRUG_STEMS
from hf_synthmh.gate.phi_words import EPONYM_HEADS as _EPONYM_HEADS
from hf_synthmh.gate.phi_words import GENERIC as _GENERIC
from hf_synthmh.gate.phi_words import NOT_AT_START as _NOT_AT_START
from hf_synthmh.gate.phi_words import NOT_NAMES as _NOT_NAMES

__all__ = ["COMMON_TLDS", "kept_findings", "plausible", "repeated", "resolve_overlaps"]


_PLACE_SOURCES = frozenset(name for _, name, _, _ in PLACE_RULES)
_DRUG = regex.compile(rf"(?i:{_DRUG_STEMS})$")


def common_word(word: str) -> bool:
    from hf_synthmh.gate.phi_case import common_word

    return common_word(word)


_INSTITUTION_END = regex.compile(rf"{_INSTITUTION}$")
_STATES_AFTER = regex.compile(r"[ \t]+(?:is|was|has|had|will|would|began|says|said)\b")
_POSSESSIVE = regex.compile(r"['’][sS]$")
_WORD_BREAK = regex.compile(r"[\s-]+")
_ARTICLE_BEFORE = regex.compile(r"(?i:\ban?)[ \t]+$")
_SENTENCE_START_BEFORE = regex.compile(r"(?:^|[.!?:;\n])[\s\"'(]*$")


def _proper_word(word: str) -> bool:
    """A capitalised word that reads as a name, not as English, an acronym or a drug: ``"Okafor"``,
    ``"Quenby"``, ``"Augustine"``, a gazetteer name in upper case (``"OKAFOR'S"``); not ``"Mental"``,
    ``"CBT"``, ``"Zoloft"``."""
    w = _POSSESSIVE.sub("", word.strip(".,;:()'’\""))
    if len(w) < 3 or not w[0].isupper() or any(c.isdigit() for c in w):
        return False
    low = w.lower()
    if w.isupper():
        return len(w) >= 4 and _is_name(low) and not common_word(low) and low not in _NOT_NAMES
    return low not in _NOT_NAMES and not common_word(low) and not _drug(low)


def _drug(word: str) -> bool:
    """A drug by its stem ("Propofol") or by the drug dictionary ("Combivent", "Vanco")."""
    return _DRUG.search(word) is not None or drug_word(word)


def _is_name(word: str) -> bool:
    from hf_synthmh.gate.phi_case import is_name

    return is_name(word.strip(".,;:'’"))


COMMON_TLDS = frozenset(
    [
        "com",
        "org",
        "net",
        "edu",
        "gov",
        "mil",
        "int",
        "io",
        "info",
        "biz",
        "co",
        "uk",
        "us",
        "ca",
        "au",
        "nz",
        "ie",
        "de",
        "fr",
        "es",
        "it",
        "nl",
        "eu",
        "me",
        "tv",
        "app",
        "dev",
        "ai",
        "health",
        "online",
        "site",
        "uk/",
        "nhs",
    ]
)


def plausible(kind: str, text: str, start: int, end: int, source: str) -> bool:
    """False for NER and institution hits that are clinical vocabulary, not identifiers.

    >>> plausible("PERSON", "Parkinson's disease", 0, 9, "spacy")
    False
    >>> plausible("ORGANIZATION", "the Memory Clinic", 4, 17, "institution")
    False
    """
    span = text[start:end].strip()
    if kind == "URL" and "://" not in span and not span.lower().startswith("www."):
        return span.rsplit(".", 1)[-1].lower() in COMMON_TLDS  # not "today.tube", "STABLE.NI"
    if kind == "ORGANIZATION" and source != "spacy_org":
        words = span.split()[:-1]
        return any(w.lower().strip(".,'’") not in _GENERIC for w in words)
    if source in _PLACE_SOURCES or source == "town_after_street":
        return plausible_place(text, start, end, source)
    if source == "name_cued":  # "Re: Urgent Review" is not a name; "Re: Liam Mensah" is
        return not all(common_word(w) for w in span.split())
    if source == "name_pair":  # two capitalised words, neither English nor a drug: "Lindiwe Mahlangu"
        words = [w.lower() for w in _WORD_BREAK.split(span)]
        return not any(common_word(w) or w.strip("'’") in _NOT_NAMES or _CONTRACTION.match(w) for w in words)
    if source in ("city", "name_unknown"):  # "Glasgow Coma Scale", misspelt; "Addenbrooke's Cognitive ..."
        return not _eponym_ahead(text, end)
    if source not in ("spacy", "spacy_org", "gazetteer"):
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
    if len(tokens) == 1 and tokens[0].lower() in _NOT_AT_START:
        return False
    if len(tokens) == 1 and dose_after(text, end):  # "Quenbex 10 mcg": a drug
        return False
    if len(tokens) == 1 and not _is_name(tokens[0]):  # "Abd", "Sx", "Hct"; "Propofol", "Lasix"
        word = tokens[0].strip(".,;:'’")
        if len(word) <= 4 or _drug(word) or (kind == "PERSON" and common_word(word)):
            return False
    if kind == "LOCATION" and big_place(" ".join(tokens)):
        return False
    if len(tokens) > 1 and tokens[-1].lower() in _EPONYM_HEADS:  # "Depressive Disorder", "Single Episode"
        return False
    if kind != "PERSON" and _ARTICLE_BEFORE.search(text[max(0, start - 4) : start]):
        return False  # "works at a Garden Centre": a kind of place, not a place ("a Tomas Varnaski concert")
    if kind != "PERSON" and _INSTITUTION_END.search(bare) and all(w.lower() in _GENERIC for w in tokens[:-1]):
        return False  # "the Day Hospital", "Community Mental Health Team"
    if source == "spacy_org":  # spaCy's ORG: not "Mental Health Act", "CBT"; "Okafor", "Okafor-Lindqvist"
        words = _WORD_BREAK.split(bare)
        at_start = _SENTENCE_START_BEFORE.search(text[:start]) is not None
        if at_start and len(words) == 1 and not (_is_name(words[0]) or _STATES_AFTER.match(text, end)):
            return False  # "Persecutory delusions ..."; kept: "Varnaski is ..."
        if not any(_proper_word(w) for w in words):
            return False
    return not _eponym_ahead(text, end)


def _eponym_ahead(text: str, end: int) -> bool:
    """The run of capitalised words after ``end`` ends in an eponym's head: "Glasgow [Coma Scale]",
    "Graves' disease"."""
    following = []
    for word in text[end:].lstrip("'’s").split(maxsplit=6)[:6]:
        following.append(word.lower().strip(".,;:()"))
        if not word[:1].isupper() or word[-1:] in ".,;:":
            break
    return bool(_EPONYM_HEADS.intersection(following))


def resolve_overlaps(found: list[Finding]) -> list[Finding]:
    """Sorted findings without duplicates: drop a finding inside a same-type finding scoring at
    least as high (Presidio's rule), or inside a higher-scoring finding of another type (the record
    number that also looks like a long number, the NHS number that also parses as a phone number)."""
    unique = sorted({(f.type, f.start, f.end): f for f in sorted(found, key=lambda f: f.score)}.values(),
                    key=lambda f: (f.start, -f.end, f.type))  # fmt: skip
    kept = []
    for f in unique:
        covered = False
        for o in unique:
            if o is f or not (o.start <= f.start and f.end <= o.end):
                continue
            if (o.type == f.type and o.score >= f.score) or (o.type != f.type and o.score > f.score):
                covered = True
                break
        if not covered:
            kept.append(f)
    return sorted(kept, key=lambda f: (f.start, f.end, f.type))


_REPEATABLE = frozenset({"PERSON", "LOCATION", "ORGANIZATION"})
_CONTRACTION = regex.compile(r"\w+['’](?:m|re|ll|ve|d|t)$", regex.IGNORECASE)  # "I'm", "they've": not names
_NAME_WORD = regex.compile(r"(?<![\w'’-])[^\W\d_][\w'’-]*[^\W\d_](?![\w'’-])")
_LETTERS_WORD = regex.compile(r"(?<![\w'’-])[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*(?![^\W\d_]|['’-]\w)")


def repeated(text: str, kept: list[Finding]) -> list[Finding]:
    """Other mentions, in the same text, of a word of a kept name or place: a note that names
    "Mr Varnaski" once and "varnaski" later, or "to Quenby 2 or Quenby 3", names the same person or
    place each time. Only capitalised words that no English lexicon claims count (not "Cross", "Mary",
    "Road"), of three letters or more (a number may follow: "QUENBY3"); each new mention is a finding
    of the same type, source ``"repeated"``.

    >>> text = "Mr Varnaski phoned. varnaski will call back; Mary too."
    >>> [(text[f.start : f.end], f.type) for f in repeated(text, [Finding("PERSON", 3, 11, 0.9, "titled_name")])]
    [('varnaski', 'PERSON')]
    """
    from hf_synthmh.gate.phi_lexicon import known_word

    words: dict[str, Finding] = {}
    for f in kept:
        if f.type in _REPEATABLE:
            for m in _NAME_WORD.finditer(text, f.start, f.end):
                low = m.group().lower().removesuffix("'s").removesuffix("’s")
                capitalised = m.group()[0].isupper()  # not "carer" of a lower-case "faith carer"
                ok = (
                    len(low) >= 3
                    and not known_word(low)
                    and low not in _NOT_NAMES
                    and not _CONTRACTION.match(low)
                )
                if capitalised and ok:
                    words.setdefault(low, f)
    if not words:
        return []
    out = []
    for m in _LETTERS_WORD.finditer(text):  # one pass, no per-text pattern: "QUENBY3" too
        low = m.group().lower().removesuffix("'s").removesuffix("’s")
        source = words.get(low)
        if source is not None and not any(f.start <= m.start() and m.end() <= f.end for f in kept):
            out.append(Finding(source.type, m.start(), m.start() + len(low), source.score, "repeated"))
    return out


# What may follow a street on its line (a unit), and the town line after it: one to three words, alone or
# before a state code and a postcode ("Wrenfield", "QUENBY NO 9100", "Corvasse nan 1386").
_UNIT_TO_EOL = regex.compile(
    r"[ \t,]*(?:(?i:apt|apartment|suite|ste|unit|flat)\.?[ \t]*#?\d{1,5}[A-Za-z]?)?[ \t]*\n"
)
_TOWN_LINE = regex.compile(
    r"[ \t>|]*(\p{Lu}[\p{L}'’-]*(?:[ \t]+\p{L}[\p{L}'’-]*){0,2}?)[ \t]*(?=\n|$|,|[ \t]+(?:\p{Lu}{2}|nan)?[ \t]*\d)"
)


def towns_after_streets(text: str, kept: list[Finding]) -> list[Finding]:
    """The town on the line after a street in an address block ("62314 Quenbyvej 32\\nWrenfield NO 9100"):
    a ``LOCATION`` (source ``"town_line"``) when one of its words is not an English word or is a
    proper noun only, and it is not a country or state.

    >>> text = "Apt. 12\\n62314 Quenbyvej 32\\nWrenfield NO 9100\\nHR 80\\nAlert"
    >>> [text[f.start : f.end] for f in towns_after_streets(text, [Finding("STREET_ADDRESS", 8, 26, 0.5, "x")])]
    ['Wrenfield']
    """
    from hf_synthmh.gate.phi_places import _place_word

    out = []
    for f in kept:
        line_end = _UNIT_TO_EOL.match(text, f.end) if f.type == "STREET_ADDRESS" else None
        town = _TOWN_LINE.match(text, line_end.end()) if line_end else None
        if town is None or big_place(town.group(1)):
            continue
        if any(len(w) > 2 and _place_word(w) for w in town.group(1).split()):
            out.append(Finding("LOCATION", town.start(1), town.end(1), 0.5, "town_line"))
    return out


def kept_findings(text: str, found: list[Finding], wanted: frozenset[str], threshold: float) -> list[Finding]:
    """The findings that count: cued names trimmed (:func:`~hf_synthmh.gate.phi_names.refine`), of a
    wanted type, at or above ``threshold``, not allow-listed, and :func:`plausible`."""
    from hf_synthmh.gate.phi_names import refine
    from hf_synthmh.gate.phi_recognizers import is_allowed

    refined = [refine(text, f) for f in found]
    return [
        f
        for f in refined
        if f is not None
        and f.type in wanted
        and f.score >= threshold
        and not is_allowed(text[f.start : f.end])
        and plausible(f.type, text, f.start, f.end, f.source)
    ]
