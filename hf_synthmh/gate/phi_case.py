"""Case restoration for the PHI scan: clinical notes written in UPPER CASE hide names from spaCy's
NER and from the capitalisation-based rules. :func:`truecase` returns a copy of the text *of the same
length* (so findings keep their offsets) in which likely names are Title case and English words are
lower case. Lower-case names ("son mark", "chris howell rn") are left to the cue rules, which check
words against the same gazetteer (:func:`is_name`).

The name gazetteer is the union of the first and last names that ``faker`` ships for its
Latin-script locales (:func:`name_gazetteer`, ~35k names, MIT licence); English words come from the
spaCy model's WordNet lemma index (:func:`~hf_synthmh.gate.phi_recognizers.known_word`).

In mostly upper-case text (over half its letters), an upper-case word that is not an English word
and is a gazetteer name or has six letters or more becomes Title case (``VARNASKI`` -> ``Varnaski``,
``HARROGATE`` -> ``Harrogate``; shorter ones are mostly acronyms); an English word that is not a name
becomes lower case (``ADMITTED`` -> ``admitted``), as do stop words; hospital words become Title case
(``HOSPITAL`` -> ``Hospital``); the rest (acronyms ``CABG``; names that are also words, ``BROWN``,
``DAVID``) stays as it is. Other text is returned unchanged.

>>> truecase("58 YEAR OLD FEMALE; SON DAVID CALLED BY DR VARNASKI. PTCA 1992.")
'58 year old female; SON DAVID called by DR Varnaski. PTCA 1992.'
>>> truecase("Daughters Sarah and Hayden in to visit")
'Daughters Sarah and Hayden in to visit'
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

import regex

__all__ = ["case_fingerprint", "common_word", "is_first_name", "is_name", "name_gazetteer", "truecase"]

_WORD = regex.compile(
    r"(?<![\w'’-])[^\W\d_]{2,}(?:['’-][^\W\d_]+)*(?![\w'’-])"
)  # letters only: not "GB90YNTU"
_ENGLISH = frozenset({"en", "en_US", "en_GB", "en_IE", "en_NZ", "en_CA", "en_AU"})
_INSTITUTION_WORDS = frozenset(["hospital", "infirmary", "clinic", "hospice", "centre", "center"])
_LATIN = regex.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ'’-]{2,}$")


@functools.lru_cache(maxsize=1)
def name_gazetteer() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Lower-case ``(first names, last names, English-locale first names)`` from faker's person
    providers (Latin script only)."""
    from hf_synthmh._deps import require

    require("faker", package="faker")
    import faker.providers.person as person

    first: set[str] = set()
    last: set[str] = set()
    english: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = getattr(importlib.import_module(f"{person.__name__}.{module.name}"), "Provider", None)
        for attrs, into in (
            (("first_names", "first_names_male", "first_names_female"), first),
            (("last_names",), last),
            (("first_names",) if module.name in _ENGLISH else (), english),
        ):
            for attr in attrs:
                names = getattr(provider, attr, ())
                for name in names if isinstance(names, (list, tuple, dict, set, frozenset)) else ():
                    if isinstance(name, str) and _LATIN.match(name):
                        into.update(part.lower() for part in regex.split(r"[-\s]", name) if len(part) > 1)
    return frozenset(first), frozenset(last), frozenset(english)


def is_first_name(word: str) -> bool:
    """True for a first name of faker's English-speaking locales (``Mary``, ``Bill``, not ``Son``)."""
    return word.lower() in name_gazetteer()[2]


def is_name(word: str) -> bool:
    """True for a first or last name in the gazetteer (any case)."""
    first, last, _ = name_gazetteer()
    w = word.lower()
    return w in first or w in last


def common_word(word: str) -> bool:
    """An English word that is not better read as a name: WordNet's noun-only entries that are also
    gazetteer names (``augustine``, ``toledo``) are proper nouns, not words.

    >>> common_word("grant"), common_word("toledo"), common_word("okonkwo")
    (True, False, False)
    """
    from hf_synthmh.gate.phi_lexicon import known_word, noun_only

    w = word.lower().strip(".,;:'’")
    return known_word(w) and not (is_name(w) and noun_only(w))


@functools.lru_cache(maxsize=65536)
def _swap(word: str) -> str:
    from spacy.lang.en.stop_words import STOP_WORDS

    from hf_synthmh.gate.phi_recognizers import known_word

    low = word.lower()
    if len(low) != len(word):
        return word
    if not word.isupper():
        return word
    if low in STOP_WORDS:
        return low
    if low in _INSTITUTION_WORDS:  # "THORNBURY HOSPITAL" -> "THORNBURY Hospital" for the institution rule
        return word[0] + low[1:]
    known, name = known_word(low), is_name(low)
    if (name or len(word) >= 6) and not known:  # VARNASKI -> Varnaski, HARROGATE -> Harrogate
        return word[0] + low[1:]
    if known and not name:  # ADMITTED -> admitted
        return low
    return word  # acronyms (CABG), names that are also words (BROWN, DAVID): left to the cue rules


_LETTERS = regex.compile(r"\p{L}")
_UPPER = regex.compile(r"\p{Lu}")


_TOWN_TO_TITLE = 15_000  # smaller towns' names are more often clinical shorthand ("rehab", "nitro")


@functools.lru_cache(maxsize=65536)
def _title(word: str) -> str:
    """In lower-case text: a gazetteer name, or a GeoNames town of 15,000 people or more that is not a
    drug, of four letters or more and not an English word, in Title case (``marisol`` -> ``Marisol``,
    ``kuopio`` -> ``Kuopio``; not ``david``, ``faith``, ``will``, ``fem``, ``bath``, ``nitro``, ``rehab``)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    from hf_synthmh.gate.phi_cities import city_names
    from hf_synthmh.gate.phi_lexicon import drug_word, known_word
    from hf_synthmh.gate.phi_words import NOT_NAMES

    if len(word) < 4 or not word.islower() or word in STOP_WORDS or word in NOT_NAMES:  # "st", "fem", "mae"
        return word
    proper = is_name(word) or (city_names().get(word, 0) >= _TOWN_TO_TITLE and not drug_word(word))
    return word[0].upper() + word[1:] if proper and not known_word(word) else word


def _swap_run_word(m: regex.Match[str]) -> str:
    from spacy.lang.en.stop_words import STOP_WORDS

    word = m.group()
    if len(word) < 3 and word.lower() not in STOP_WORDS:
        return word  # "FPO AA 57077": state codes and initials stay
    return _swap(word)


_UPPER_RUN = regex.compile(r"(?<![\w'’-])\p{Lu}{3,}(?:[ \t]*[,:]?[ \t]+\p{Lu}{2,})+(?![\w'’-])")
_IBAN_LIKE = regex.compile(r"(?<![\w-])[a-z]{2}\d{2}[a-z0-9]{10,30}(?![\w-])")
_TWO_CAPITALS = regex.compile(r"(?<![\w'’-])(\p{Lu})(\p{Lu})(?=\p{Ll}{3,}(?![\w'’-]))")
# a sentence's first letter, after a quote or a bracket (an escaped quote too)
_SENTENCE_START = regex.compile(r"(?:^|[.!?][ \t]+)[\\\"'(]*(\p{L})", regex.MULTILINE)
_UPPER_START = regex.compile(r"(?:^|[.!?][ \t]+)[\\\"'(]*\p{Lu}", regex.MULTILINE)


def _lowered(text: str) -> bool:
    """Text written all in lower case: every sentence starts with a lower-case letter."""
    return _UPPER_START.search(text) is None and _SENTENCE_START.search(text) is not None


def truecase(text: str) -> str:
    """``text`` with likely names in Title case and English words lower case (same length): a mostly
    upper-case text, or the upper-case runs of another (``"NEXT OF KIN: MARY OKAFOR"``); in a text
    written all in lower case, gazetteer names that are not English words (``"marisol"``)."""
    letters = len(_LETTERS.findall(text))
    if not letters:
        return text
    if len(_UPPER.findall(text)) > letters / 2:
        out = _WORD.sub(lambda m: _swap(m.group()), text)
    elif _lowered(text):
        out = _WORD.sub(lambda m: _title(m.group()), text)
        out = _IBAN_LIKE.sub(lambda m: m.group().upper(), out)  # "gb50mvfc3836..." for the IBAN check
    elif _UPPER_RUN.search(text):  # "NEXT OF KIN: MARY OKAFOR" in a mixed-case note
        out = _UPPER_RUN.sub(lambda run: _WORD.sub(_swap_run_word, run.group()), text)
    else:
        out = text
    if _TWO_CAPITALS.search(out):  # "HArrogate" -> "Harrogate"
        out = _TWO_CAPITALS.sub(lambda m: m.group(1) + m.group(2).lower(), out)
    return out if len(out) == len(text) else text


def case_fingerprint() -> str:
    """A text that changes when the truecasing rules or the installed faker version change."""
    from hf_synthmh._deps import installed_version

    return repr(
        (
            _WORD.pattern,
            sorted(_INSTITUTION_WORDS),
            sorted(_ENGLISH),
            _LATIN.pattern,
            _IBAN_LIKE.pattern,
            _UPPER_RUN.pattern,
            _TWO_CAPITALS.pattern,
            _SENTENCE_START.pattern,
            _UPPER_START.pattern,
            _TOWN_TO_TITLE,
            installed_version("faker"),
        )
    )
