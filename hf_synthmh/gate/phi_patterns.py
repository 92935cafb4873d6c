"""Running the PHI scan's regex rules (:data:`~hf_synthmh.gate.phi_recognizers.RULES` and
:data:`~hf_synthmh.gate.phi_places.PLACE_RULES`) over a text, fast.

Every rule is compiled once. Most run over the whole text; a rule whose match must end at a rare
word (a signature's credential, "aware", "is a 64 yr old") and that would otherwise try its
leading name pattern at every word of a long note runs only in windows that end at that word
(:data:`ANCHORS`: the anchor, and how many characters before and after it a match can reach). The
windows start and end at whitespace, so a window finds what the whole-text scan finds there.

>>> found = find_patterns("seen by chris howell rn; MRN 4821937")
>>> sorted((f.source, f.start, f.end) for f in found)
[('credential_name', 5, 20), ('long_number', 29, 36), ('mrn_cued', 29, 36)]
>>> windows("a b c d aware of it", regex.compile(r"aware"), 3, 1)
[(4, 16)]
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import regex

from hf_synthmh.gate.phi_places import FACILITY_WORD, PLACE_RULES, expand
from hf_synthmh.gate.phi_recognizers import CREDENTIALS, RULES, Finding

__all__ = ["ANCHORS", "find_patterns", "patterns_fingerprint", "windows"]

#: Rule name -> (anchor pattern, characters a match can start before the anchor, characters it can
#: run on after the anchor's end).
ANCHORS: dict[str, tuple[str, int, int]] = {
    "credential_name": (rf"(?<=[ \t,]){CREDENTIALS}", 96, 1),
    "name_aware": (r"(?i:\b(?:aware|notified|paged|per)\b)", 64, 64),
    "name_is_aged": (r"(?i:\b(?:is|was)[ \t]+an?[ \t]+\d)", 96, 24),
    "country_zip": (r"[ \t]\d{4,6}(?![\w-])", 64, 1),
    "facility_any_case": (rf"(?i:\b{FACILITY_WORD})", 80, 40),
    "age_at_words": (r"(?i:ninety|hundred)", 16, 48),
    "intl_street": (r"\d{1,5}[A-Za-z]?\.?(?=[ \t]*(?:,|$))", 160, 2),
}


class _Rule(NamedTuple):
    entity: str
    name: str
    pattern: regex.Pattern[str]
    anchor: regex.Pattern[str] | None
    before: int
    after: int
    score: float


@functools.lru_cache(maxsize=1)
def _compiled() -> tuple[_Rule, ...]:
    flags = regex.DOTALL | regex.MULTILINE
    rules = []
    for entity, name, pattern, score in RULES + PLACE_RULES:
        anchor, before, after = ANCHORS.get(name, (None, 0, 0))
        compiled = None if anchor is None else regex.compile(anchor, flags)
        rules.append(
            _Rule(entity, name, regex.compile(expand(pattern), flags), compiled, before, after, score)
        )
    return tuple(rules)


def windows(text: str, anchor: regex.Pattern[str], before: int, after: int) -> list[tuple[int, int]]:
    """Merged ``(start, end)`` windows of ``text`` around each ``anchor`` match: from a whitespace
    boundary at least ``before`` characters before it to one at least ``after`` characters after it
    (or the text's ends)."""
    spans: list[tuple[int, int]] = []
    for m in anchor.finditer(text):
        lo = max(0, m.start() - before)
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        hi = min(len(text), m.end() + after)
        while hi < len(text) and not text[hi].isspace():
            hi += 1
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))
    return spans


def find_patterns(text: str, entities: frozenset[str] | None = None) -> list[Finding]:
    """Every regex-rule finding in ``text`` (before allow-list and overlap resolution)."""
    found = []
    for rule in _compiled():
        if entities is not None and rule.entity not in entities:
            continue
        spans = (
            [(0, len(text))] if rule.anchor is None else windows(text, rule.anchor, rule.before, rule.after)
        )
        for lo, hi in spans:  # merged windows: no match is found twice
            for m in rule.pattern.finditer(text, lo, hi):
                start, end = m.span("v") if "v" in rule.pattern.groupindex else m.span()
                if start >= 0 and end > start:
                    found.append(Finding(rule.entity, start, end, rule.score, rule.name))
    return found


def patterns_fingerprint() -> str:
    """A text that changes when the anchors change (the rules have their own fingerprints)."""
    return repr(sorted(ANCHORS.items()))
