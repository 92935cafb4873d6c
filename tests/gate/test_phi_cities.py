"""GeoNames towns and cities in the PHI scan: listed places that read as names are found; English
words, countries and states, and clinical words are not. The places here are real towns (public
geography), the people invented."""

from __future__ import annotations

import doctest

import pytest

from hf_synthmh.gate import PhiScanner, phi_cities
from hf_synthmh.gate.phi_cities import city_names, find_cities


def _found(text: str) -> list[str]:
    return [text[f.start : f.end] for f in find_cities(text)]


def test_the_gazetteer_is_geonames_cities1000() -> None:
    names = city_names()
    assert len(names) > 100_000
    assert names["kuopio"] > 100_000 and names["medicine hat"] > 50_000
    assert all(len(name) >= 4 for name in names)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Her sister moved to Kuopio after the divorce.", ["Kuopio"]),
        ("Kuopio was where she grew up.", ["Kuopio"]),  # no English reading: counts at a sentence's start
        ("He grew up in Medicine Hat and left at 18.", ["Medicine Hat"]),  # the longest listed name
        ("They flew to Rome for the funeral.", ["Rome"]),  # an English noun, but a big city
        ("moved here from KUOPIO last spring", ["KUOPIO"]),
        ("Bath was warm; Reading helped; Hope is returning; Normal mood.", []),  # words first
        (
            "She lived in France, then Texas; now in Norway.",
            [],
        ),  # countries and states: not below state level
        ("Mood: Low. Affect: Reactive. Plan: Review in Clinic.", []),
        ("NORMAL MOOD. AFFECT FLAT. SLEEP POOR.", []),
        ("SON TO ARRIVE TONIGHT FROM ROME. ROME IS FAR.", ["ROME"]),  # upper case: after a preposition only
        ("HAD A BATH IN BATH. FROM BATH.", []),  # a word and a town of under 100,000
    ],
)
def test_places_found_and_words_left(text: str, expected: list[str]) -> None:
    assert _found(text) == expected


def test_scanner_finds_them(scanner: PhiScanner) -> None:
    text = "Collateral: her brother in Kuopio is her only contact. Bath was warm. Glasgow Comma Scale 15."
    spans = scanner({"text": [text]})["phi_spans"][0]
    assert [text[s["start"] : s["end"]] for s in spans] == ["Kuopio"]


def test_doctests() -> None:
    result = doctest.testmod(phi_cities, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
