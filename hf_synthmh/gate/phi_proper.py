"""Names and organisations read from their shape in running text, where no cue names them: a
capitalised word that no lexicon knows (``"why is Brannix so"``), and a run of Title-case words inside
a sentence (``"during the 1990s, Brightwater Mutual invested"``). Mixed-case text only: upper-case notes
are truecased first, and their views' capitals are not evidence (the scan drops these findings there).

>>> text = "Why is Brannix so quiet? Later, Quenby Mutual Holdings invested. Seen by the Home Treatment Team."
>>> [text[f.start : f.end] for f in unknown_names(text) + title_runs(text)]
['Brannix', 'Quenby Mutual Holdings']
"""

from __future__ import annotations

import regex

from hf_synthmh.gate.phi_lexicon import drug_word, known_word
from hf_synthmh.gate.phi_places import big_place
from hf_synthmh.gate.phi_recognizers import Finding
from hf_synthmh.gate.phi_words import EPONYM_HEADS, GENERIC, PHARMA_STEMS
from hf_synthmh.gate.phi_words import NOT_NAMES as _NOT_NAMES

__all__ = ["dose_after", "proper_fingerprint", "title_runs", "unknown_names"]

# A capitalised word (not an acronym) and what may stand before it in running text: a lower-case word.
_CAP_WORD = regex.compile(
    r"(?<![\w'’-])\p{Lu}\p{Ll}[\p{Ll}'’]*(?:\p{Lu}\p{Ll}+)?(?:-\p{Lu}?\p{Ll}+)?(?![\w'’-])"
)
# after a lower-case word, maybe then other capitalised words: "why is", "ex-Quarry", "a Tamsin"
_IN_RUNNING_TEXT = regex.compile(r"(?<![\w'’-])\p{Ll}[\p{L}'’-]*(?:[ \t]+\p{Lu}[\p{L}'’-]*){0,2}[ \t]+$")
# a sentence's or a clause's start: "During 2008, Quilmark invested"
_STARTS_SENTENCE = regex.compile(r"(?:^|[.!?,][ \t]+)[\"“]?$")
# A verb after a sentence-initial name: "Brindlewick is ...", "Quilmark shouted ...".
_VERB_NEXT = regex.compile(
    r"(?:[ \t]+and[ \t]+\p{Lu}\p{Ll}+)?"  # "Quilmark and Varnaski were ..."
    r"[ \t]+(?:is|was|are|were|has|had|have|will|would|began|begins|lives|lived|shouted|says|said|works"
    r"|worked|called|phoned|told|asked|wrote|founded|invested|joined|moved)\b"
)

_DOSE_NEXT = regex.compile(r"[ \t]+\d+(?:\.\d+)?[ \t]*(?i:mg|mcg|micrograms?|g|ml|units?|iu)\b")
_PHARMA = regex.compile(rf"(?:{PHARMA_STEMS})s?$")  # a misspelt drug: "Benlordiazepines"
_POSSESSIVE = regex.compile(r"['’]s?$")
_LETTERS = regex.compile(r"\p{L}+")


def unknown_names(text: str) -> list[Finding]:
    """Capitalised words that no lexicon knows (not English, not a drug or its abbreviation, not a
    stop word or a listed eponym; four letters or more) in running text: after a lower-case word
    (``"why is Brannix so"``, ``"the Tessaly novel"``) or starting a sentence before a verb (``"Brindlewick is
    reliable"``), as ``PERSON`` findings of source ``"name_unknown"``. Mixed-case text only: the scan
    drops them where truecasing made the view (upper-case notes' "Flowsheet").

    >>> text = "Why is Brannix so quiet? Brindlewick is here. Given Combivent and Vanco. Quenby 2 is busy."
    >>> [text[f.start : f.end] for f in unknown_names(text)]
    ['Brannix', 'Brindlewick']
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    found = []
    for m in _CAP_WORD.finditer(text):
        word = m.group()
        low = _POSSESSIVE.sub("", word.lower())
        known = known_word(low, verb_forms=False)
        if (
            len(low) < 4
            or low in STOP_WORDS
            or low in _NOT_NAMES
            or known
            or drug_word(low)
            or _PHARMA.search(low)
        ):
            continue
        if dose_after(text, m.end()):  # "Deline 75 mg": a drug by its dose
            continue
        before = text[max(0, m.start() - 40) : m.start()]
        running = _IN_RUNNING_TEXT.search(before) is not None
        if running or (_STARTS_SENTENCE.search(before) and _VERB_NEXT.match(text, m.end())):
            found.append(Finding("PERSON", m.start(), m.end(), 0.4, "name_unknown"))  # other findings win
    return found


# Two to four Title-case words (maybe "of", "And", "&" between) after a lower-case word or a comma.
_TITLE_RUN = regex.compile(
    r"(?<![\w'’-])\p{Lu}\p{Ll}+(?:[ \t]+(?:(?:of|And|&)[ \t]+)?\p{Lu}\p{Ll}+){1,3}(?![\w'’-])"
)
_TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "professor",
        "rabbi",
        "rev",
        "reverend",
        "sir",
        "dame",
        "lord",
        "lady",
    ]
)
_RUN_BEFORE = regex.compile(r"(?:(?<![\w'’-])\p{Ll}[\p{L}'’-]*|,)[ \t]+$")


def dose_after(text: str, end: int) -> bool:
    """A dose follows ``end`` ("Quenbex 10 mcg"): the word before it is a drug, not a name.

    >>> dose_after("Quenbex 10 mcg daily", 7), dose_after("Quenby 2 ward", 6)
    (True, False)
    """
    return _DOSE_NEXT.match(text, end) is not None


def title_runs(text: str) -> list[Finding]:
    """Runs of two to four Title-case words inside a sentence (after a lower-case word or a comma), as
    ``ORGANIZATION`` findings of source ``"title_run"`` at a low score (other findings win): a company,
    band or institution named in words that are each English (``"Lending Quarry Group"``). Not after a
    title (``"Mr Okonkwo"``: the name rules' own), with a country or state in it, when every word is
    generic (``"Home Treatment Team"``, ``"College of Nursing"``), the last is an eponym's or a law's head
    (``"Beck Depression Inventory"``, ``"Mental Capacity Act"``), or a word is a listed drug or eponym.

    >>> text = "Referred to the Home Treatment Team under the Mental Capacity Act; works for Quenby Mutual."
    >>> [text[f.start : f.end] for f in title_runs(text)]
    ['Quenby Mutual']
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    found = []
    for m in _TITLE_RUN.finditer(text):
        if not _RUN_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            continue
        words = [w.lower() for w in _LETTERS.findall(m.group()) if w not in ("of", "And")]
        if words[0] in _TITLES or any(big_place(w) for w in words):  # "Mr Okonkwo", "University of Ohio"
            continue
        if words[-1] in EPONYM_HEADS or all(w in GENERIC or w in STOP_WORDS for w in words):
            continue
        if any(w in _NOT_NAMES or (drug_word(w) and not known_word(w)) for w in words):  # not "Copper"
            continue
        found.append(Finding("ORGANIZATION", m.start(), m.end(), 0.4, "title_run"))
    return found


def proper_fingerprint() -> str:
    """A text that changes when these shape rules change."""
    return repr(
        (
            _CAP_WORD.pattern,
            _IN_RUNNING_TEXT.pattern,
            _STARTS_SENTENCE.pattern,
            _VERB_NEXT.pattern,
            _TITLE_RUN.pattern,
            _PHARMA.pattern,
            _DOSE_NEXT.pattern,
            _RUN_BEFORE.pattern,
            sorted(_TITLES),
        )
    )
