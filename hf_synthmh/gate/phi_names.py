"""Names found by a cue (a title, a relative, a signature's credential) and checked word by word
against the name gazetteer (:mod:`hf_synthmh.gate.phi_case`) and the English lexicon, so that
lower- and upper-case notes ("dr aguilar", "son mark", "EDWARD C. VARNASKI, RRT") are covered without
flagging "the MD" or "son called".
"""

from __future__ import annotations

import itertools

import regex

from hf_synthmh.gate.phi_case import common_word, is_first_name, is_name, name_gazetteer
from hf_synthmh.gate.phi_lexicon import noun_only
from hf_synthmh.gate.phi_proper import proper_fingerprint, title_runs, unknown_names
from hf_synthmh.gate.phi_recognizers import _NO_NAME_AHEAD, _RELATIVE, Finding, known_word
from hf_synthmh.gate.phi_words import NOT_NAMES as _NOT_NAMES
from hf_synthmh.gate.phi_words import _wordset as _words

__all__ = [
    "CUED_SOURCES",
    "addressed_names",
    "gazetteer_names",
    "namelike",
    "names_fingerprint",
    "refine",
]

CUED_SOURCES = frozenset(
    {
        "titled_name",
        "relative_name",
        "clinician_name",
        "credential_name",
        "name_relative",
        "self_named",
        "name_aware",
        "name_is_aged",
        "name_per",
        "name_initial_name",
    }
)
_TOKEN = regex.compile(r"[^\s,]+")
_INITIAL = regex.compile(r"[A-Za-z]\.")
_UPPER_INITIAL = regex.compile(r"[A-Z]\.")
_BARE_END = regex.compile(r"(?:['’]s)?[.,;:'’]*$")
_NOT_AFTER_CUE = frozenset(regex.findall(r"[A-Z][a-z]+", _NO_NAME_AHEAD.lower().title()))


_KIN = regex.compile(rf"{_RELATIVE}s?")
# A cue that gives a name, after which an English first name is the name: "my name is mark", "named him sandy".
_NAMING_CUE = regex.compile(r"(?i:name[ \t]+is|calls?[ \t]+me|named[ \t]+(?:him|her|them)|name\?)[ \t,]*$")


def namelike(word: str) -> bool:
    """A word that can be a name after a cue ("Dr", "wife", a signature's "RN"): a capitalised
    gazetteer name or capitalised non-English word; in lower or upper case only a gazetteer name
    that is not also an English word, or that WordNet knows only as a noun, i.e. most likely as the
    name itself (``"son tomasz"``, ``"son augustine"``, ``"AUGUSTINE"``; not ``"bill"``, ``"carer ward"``);
    never a stop word, month, weekday or drug.

    >>> [namelike(w) for w in ("Haddad", "lasix", "Mary", "tomasz", "bill", "called", "Monday", "CCU")]
    [True, False, True, True, False, False, False, False]
    >>> [namelike(w) for w in ("augustine", "AUGUSTINE", "ward", "called")]
    [True, True, False, False]
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    w = word.strip(".'’")
    low = w.lower()
    if len(w) < 2 or low in STOP_WORDS or low in _NOT_NAMES or w.title() in _NOT_AFTER_CUE:
        return False
    if _KIN.fullmatch(low):  # "wife and son aware": "Son" is also a surname
        return False
    if w[0].isupper() and not w.isupper():  # "Mary", "Haddad"
        return is_name(low) or not known_word(low)
    return is_name(low) and (not known_word(low) or noun_only(low))


_ACTING = regex.compile(
    r"[\"”’']?\s*(?:[,(]|(?i:called|phoned|rang|visited|came|lives|is|was|in|at|here|arrived|left"
    r"|updated|aware|spoke|states|stated|said|says|wants|will|would|has|had|and|who|to|from|staying"
    r"|stayed|does|did|spent|asked|asks|notified|present|informed|agrees|agreed|requests|requested"
    r"|calls|via|consented|consents|signed|ordered)\b|[ \t(]*\d)"
)


def _ambiguous(word: str) -> bool:
    """A lower- or upper-case English first name that is also a word: ``helen``, ``DAVID``, ``faith``."""
    from spacy.lang.en.stop_words import STOP_WORDS

    w = word.strip(".,'’")
    return not (w[:1].isupper() and not w.isupper()) and w.lower() not in STOP_WORDS and is_first_name(w)


# Nouns that follow "Dr" without naming anyone: "dr office called", "Dr appointment on Monday".
_AFTER_TITLE = _words(
    "office appointment appt visit note notes letter team orders order rounds review surgery clinic call"
    " phone input opinion advice aware notified paged"
)


def _surname(word: str) -> bool:
    """After a title, a gazetteer name that is also a word, or a word WordNet knows only as a noun:
    "Dr White", "DR ORWELL", "dr small", "dr lu"."""
    from spacy.lang.en.stop_words import STOP_WORDS

    low = word.lower()
    if len(low) < 2 or low in STOP_WORDS or low in _NOT_NAMES or low in _AFTER_TITLE:
        return False
    return is_name(low) or noun_only(low)  # "DR orwell" (truecased), "dr lu": nouns only in WordNet


def _bare(token: str) -> str:
    return _BARE_END.sub("", token)  # "white's" -> "white"


def _odd(word: str) -> bool:
    return word.isalpha() and not known_word(word) and word.lower() not in _NOT_NAMES  # "dr pomfrey"


def _after_title(first: str) -> bool:
    return bool(first) and (namelike(first) or _odd(first) or _ambiguous(first) or _surname(first))


def refine(text: str, f: Finding) -> Finding | None:
    """A cued name trimmed to its name-like words (``"with Chris Howell"`` before ``RN`` ->
    ``"Chris Howell"``), or ``None`` when nothing name-like is left. Other findings pass as they are.

    >>> refine("discussed with Chris Howell RN", Finding("PERSON", 10, 26, 0.45, "credential_name"))
    Finding(type='PERSON', start=15, end=26, score=0.45, source='credential_name')
    """
    if f.source not in CUED_SOURCES:
        return f
    tokens = [m for m in _TOKEN.finditer(text, f.start, f.end)]
    if f.source == "titled_name":  # the word after the title (after an initial) decides
        words = [m for m in tokens if not _INITIAL.fullmatch(m.group())]
        name = [_bare(m.group()) for m in words]
        if not name or not _after_title(name[0]):
            return None
        second = len(words) > 1 and (_name_part(name[1]) or _odd(name[1]))  # "dr. ted pomfrey"
        end = words[1].end() if second else words[0].end()
        return Finding(f.type, f.start, end, f.score, f.source)
    if f.source == "self_named":  # "my name is quillane", "call me Tobiah": any name-like or unknown word
        word = _bare(tokens[0].group()) if tokens else ""
        naming = _NAMING_CUE.search(text, max(0, f.start - 24), f.start) is not None  # "named him sandy"
        ok = namelike(word) or (_odd(word) and not word.isupper()) or (naming and _ambiguous(word))
        return f if word and ok else None
    if f.source == "name_initial_name":  # the first word must be one no lexicon claims
        word = _bare(tokens[0].group()) if tokens else ""
        return f if word and not known_word(word) and word.lower() not in _NOT_NAMES else None
    if f.source == "name_per":  # "PER ORWELL WILL HOLD", not "per protocol", "per Meditrak"
        word = _bare(tokens[0].group()) if tokens else ""
        return f if is_name(word) and not common_word(word) else None
    if f.source in ("relative_name", "clinician_name"):
        return _relative(text, f, tokens)
    first = next((k for k, m in enumerate(tokens) if namelike(m.group()) or _after_initial(tokens, k)), None)
    if first is None:
        return None
    start = first - 1 if first and _INITIAL.fullmatch(tokens[first - 1].group()) else first  # "W. Traverno"
    last = first  # after a first name-like word, any gazetteer name: "chris howell rn"; stop at "PA"
    while last + 1 < len(tokens) and _name_part(tokens[last + 1].group()):
        last += 1
    return Finding(f.type, tokens[start].start(), tokens[last].end(), f.score, f.source)


def _relative(text: str, f: Finding, tokens: list[regex.Match[str]]) -> Finding | None:
    """The name after a relative: a name-like word, or an English first name ("dave", "helen")
    followed by an acting verb or a surname; then its surname; then "and" and a second name
    ("daughters ravi and tomasz"). Not "mother faith." in a list of words."""

    def head(k: int) -> bool:
        word = _bare(tokens[k].group())
        if not _ambiguous(word):
            return namelike(word)
        after_name = k + 1 < len(tokens) and namelike(_bare(tokens[k + 1].group()))
        return after_name or _ACTING.match(text, tokens[k].end()) is not None

    if not tokens or not head(0):
        return None
    last = 0
    while (
        last + 1 < len(tokens)
        and tokens[last + 1].group().lower() != "and"
        and _name_part(tokens[last + 1].group())
    ):
        last += 1
    if last + 2 < len(tokens) and tokens[last + 1].group().lower() == "and" and head(last + 2):
        last += 2
    return Finding(f.type, tokens[0].start(), tokens[last].end(), f.score, f.source)


def _after_initial(tokens: list[regex.Match[str]], k: int) -> bool:
    """A Title-case word right after an upper-case initial: "J. Lu", "seen by R. Grant, MD"."""
    from spacy.lang.en.stop_words import STOP_WORDS

    word = _bare(tokens[k].group())
    initial = k > 0 and _UPPER_INITIAL.fullmatch(tokens[k - 1].group()) is not None
    return initial and word.istitle() and len(word) > 1 and word.lower() not in STOP_WORDS


def _name_part(token: str) -> bool:
    return namelike(token) or is_name(token) or _INITIAL.fullmatch(token) is not None


_CAPITALISED = regex.compile(r"(?<![\w'’-])[A-ZÀ-ÖØ-Þ][a-zà-ÿ'’]+(?:-[A-ZÀ-ÖØ-Þ][a-zà-ÿ'’]+)?(?![\w-])")


# An acting verb right after a name: "Augustine said", "marisol phoned" (not "Faith is important").
_VERB_AFTER = regex.compile(
    r"[ \t]+(?i:said|says|called|phoned|rang|visited|came|arrived|left|asked|told|shouted|replied|wrote"
    r"|texted|emailed)\b"
)


def _proper(text: str, m: regex.Match[str]) -> bool:
    """A gazetteer name read as a name: not an English word, or one WordNet knows only as a noun
    (``"Augustine"``, ``"Benedict"``; not ``"Liberty Safeguards"``, ``"Faith is"``) of four letters or
    more followed by an acting verb; never a stop word (``"An"``, ``"My"``)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    low = m.group().lower()
    if low in STOP_WORDS:
        return False
    if not known_word(low):
        return True
    return len(low) > 3 and not common_word(low) and _VERB_AFTER.match(text, m.end()) is not None


def gazetteer_names(text: str) -> list[Finding]:
    """Capitalised words that are gazetteer names and not English words (``"Darius"``,
    ``"Gutierrez"``), with a following capitalised non-English word (a surname), as ``PERSON``
    findings of source ``"gazetteer"`` (the NER plausibility checks apply to them).

    >>> [(f.start, f.end) for f in gazetteer_names("Ask Darius Okafor. Sertraline and Grace.")]
    [(4, 17)]
    """
    found = []
    words = list(_CAPITALISED.finditer(text))
    i = 0
    while i < len(words):
        m = words[i]
        w = m.group()
        if w.lower() not in _NOT_NAMES and is_name(w) and _proper(text, m):
            end = m.end()
            nxt = words[i + 1] if i + 1 < len(words) else None
            if nxt is not None and text[end : nxt.start()] == " " and not known_word(nxt.group()):
                end = nxt.end()
                i += 1
            found.append(Finding("PERSON", m.start(), end, 0.5, "gazetteer"))
        i += 1
    return found + lower_case_names(text) + addressed_names(text) + unknown_names(text) + title_runs(text)


# A speaker's label before a quote ('Aoife: "How have you been?"') or a name addressed at the start of a
# sentence ("Marisol, can I ...").
_SPEAKER = regex.compile(r"^[ \t]*(\p{Lu}[\p{Ll}'’-]+)[ \t]*:[ \t]*\\?[\"“]", regex.MULTILINE)
_VOCATIVE = regex.compile(
    r"(?:^|(?<=[.!?][ \t]+))(\p{Lu}[\p{Ll}'’-]+),[ \t]+(?=(?i:can|could|would|will|please|do|did|are|have|I|you"
    r"|we|let|thank|thanks)\b)",
    regex.MULTILINE,
)


_LOWER_VOCATIVE = regex.compile(
    r"(?:^|(?<=[.!?][ \t]+))(\p{Ll}[\p{Ll}'’-]+),[ \t]+(?=(?:can|could|would|will|please|do|did|are|have|i|you)\b)",
    regex.MULTILINE,
)


def addressed_names(text: str) -> list[Finding]:
    """Names used as a speaker's label before a quote or addressed at a sentence's start: a
    capitalised word that is not an English word, or a gazetteer name that is not a common one
    (``'Aoife: "How have you been?"'``, ``"Marisol, can I ..."``; not ``'Doctor: "..."'``, ``"Overall, I ..."``).

    >>> [f.start for f in addressed_names('Aoife: "Hi."\\nDoctor: "Hello."\\nMarisol, can I go? Overall, I can.')]
    [0, 30]
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    found = []
    for pattern in (_SPEAKER, _VOCATIVE):
        for m in pattern.finditer(text):
            word = m.group(1)
            low = word.lower()
            if low in _NOT_NAMES or _KIN.fullmatch(low):
                continue
            if not known_word(low) or (is_name(low) and not common_word(low)):
                found.append(Finding("PERSON", m.start(1), m.end(1), 0.5, "name_addressed"))
    for m in _LOWER_VOCATIVE.finditer(text):  # "ross, can i speak to ...": a first name, in lower case
        word = m.group(1)
        if (
            is_first_name(word)
            and word not in STOP_WORDS
            and word not in _NOT_NAMES
            and not _KIN.fullmatch(word)
        ):
            found.append(Finding("PERSON", m.start(1), m.end(1), 0.5, "name_addressed"))
    return found


# Two lower-case words, a first name then a surname: "darius okafor", "aoife varnaski".
_LOWER_WORD = regex.compile(r"(?<![\w'’-])\p{Ll}[\p{Ll}'’]+(?:-\p{Ll}+)?(?![\w'’-])")


_COPULA = regex.compile(r"[ \t]+(?:is|was|has|had|will|would)\b")
_LOWER_START = regex.compile(r"(?:^|(?<=[.!?:][ \t]+))\p{Ll}[\p{Ll}'’]+(?![\w'’-])", regex.MULTILINE)


def lower_case_names(text: str) -> list[Finding]:
    """Lower-case full names: a gazetteer first name that is not an English word, then a gazetteer
    surname that is not an English word or is followed by an acting verb, or (after a first name of four
    letters or more) any unknown word of four letters or more (``"darius okafor"``, ``"aoife varnaski"``,
    ``"ivy baker will"``; not ``"mark twain"``,
    ``"grace period"``, ``"fem sheath"``). Also a lower-case first name at the start of a sentence
    or after a heading's colon: one that is not an English word, followed by a verb or "is"/"was"/...
    (``"marisol was tearful"``; not ``"liberty is key"``), or an English-speaking first name followed
    by an acting verb (``"social: rob phoned"``; not ``"will is"``).

    >>> text = "added darius okafor to it; grace period. marisol was tearful. liberty is key."
    >>> [text[f.start : f.end] for f in lower_case_names(text)]
    ['darius okafor', 'marisol']
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    first, last, english = name_gazetteer()
    found = []
    words = list(_LOWER_WORD.finditer(text))
    for m, n in itertools.pairwise(words):
        a, b = m.group(), n.group()
        if a not in first or n.start() != m.end() + 1 or text[m.end()] != " ":
            continue
        if a in STOP_WORDS or a in _NOT_NAMES or b in STOP_WORDS or b in _NOT_NAMES or common_word(a):
            continue
        acting = b in last and _ACTING.match(text, n.end()) is not None  # "ivy baker will ..."
        if (b in last and not common_word(b)) or (len(a) > 3 and len(b) > 3 and not known_word(b)) or acting:
            found.append(Finding("PERSON", m.start(), n.end(), 0.5, "name_lower"))  # not "fem sheath"
    for m in _LOWER_START.finditer(text):  # "... today. marisol was tearful"
        word = m.group()
        if word not in first or word in STOP_WORDS or word in _NOT_NAMES or _KIN.fullmatch(word):
            continue  # not "son called"
        acting = _VERB_AFTER.match(text, m.end()) is not None
        unknown = len(word) > 3 and not known_word(word)
        if (unknown and (acting or _COPULA.match(text, m.end()))) or (acting and word in english):
            found.append(Finding("PERSON", m.start(), m.end(), 0.5, "name_lower"))  # "social: rob phoned"
    return found


def names_fingerprint() -> str:
    """A text that changes when the cue-name checks change."""
    return repr(
        (
            sorted(CUED_SOURCES),
            _ACTING.pattern,
            _CAPITALISED.pattern,
            _LOWER_WORD.pattern,
            _LOWER_START.pattern,
            _VERB_AFTER.pattern,
            _COPULA.pattern,
            _SPEAKER.pattern,
            _VOCATIVE.pattern,
            _LOWER_VOCATIVE.pattern,
            _NAMING_CUE.pattern,
            proper_fingerprint(),
            _TOKEN.pattern,
            sorted(_NOT_AFTER_CUE),
        )
    )
