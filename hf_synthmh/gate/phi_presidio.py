"""Presidio in the PHI scan: the validated recognizers the default engine runs (email, URL, IP,
card, IBAN, NHS, phone), each only on texts holding its trigger characters; and the scan around a
Presidio ``AnalyzerEngine``-like engine (``nlp_engine.process_batch`` and ``analyze``), for
:class:`hf_synthmh.gate.phi.PhiScanner` given such an engine, with the same allow-list, plausibility
checks and overlap resolution as the default engine. A row whose scan raises is ``None`` (fail
closed); text is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import regex

from hf_synthmh.gate.phi_filters import COMMON_TLDS
from hf_synthmh.gate.phi_patterns import windows
from hf_synthmh.gate.phi_recognizers import ALLOW, Finding

__all__ = ["presidio_findings", "presidio_fingerprint", "presidio_recognizers", "scan_presidio"]

logger = logging.getLogger("hf_synthmh.gate.phi")

# Presidio recognizers (class name) and the characters a text needs before they are worth running.
_PRESIDIO_TRIGGERS: dict[str, str] = {
    "EmailRecognizer": r"@",
    # a URL without a scheme or www. counts only with a common TLD (``plausible``): not "resp.rate"
    "UrlRecognizer": rf"(?i:https?:|www\.|[a-z0-9-]\.(?:{'|'.join(sorted(COMMON_TLDS))})\b)",
    "IpRecognizer": r"\d\.\d{1,3}\.\d{1,3}\.\d|[0-9A-Fa-f]*:[0-9A-Fa-f]*:",
    "CreditCardRecognizer": r"\d(?:[ -]?\d){11}",
    "IbanRecognizer": r"[A-Z]{2}\d{2}",
    "NhsRecognizer": r"\d{3}[ -]?\d{3}[ -]?\d{4}",
    "PhoneRecognizer": r"\d(?:[\s().-]*\d){6}",
}
# National formats are parsed for these regions ("+CC" numbers parse in any): the US covers all of
# NANP (Canada too); Canada, New Zealand, France and Israel were dropped after finding no phone on
# the public sets that only they matched (scripts/bench_phi_public.py), which cut the recognizer's
# time by a third.
_PHONE_REGIONS = ("GB", "US", "AU", "IE", "DE", "IN", "BR")
_PHONE_WINDOW = (24, 24)  # characters around a 7-digit run (to whitespace) that the phone parser sees


def presidio_recognizers() -> list[tuple[Any, regex.Pattern[str]]]:
    """Presidio's validated recognizers with the trigger each needs in a text before it runs."""
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        NhsRecognizer,
        PhoneRecognizer,
        UrlRecognizer,
    )

    recognizers: list[Any] = [
        EmailRecognizer(),
        UrlRecognizer(),
        IpRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        NhsRecognizer(),
        PhoneRecognizer(supported_regions=_PHONE_REGIONS),
    ]
    return [(r, regex.compile(_PRESIDIO_TRIGGERS[type(r).__name__])) for r in recognizers]


def presidio_findings(
    text: str, recognizers: list[tuple[Any, regex.Pattern[str]]], wanted: frozenset[str]
) -> list[Finding]:
    """Findings of the recognizers whose trigger ``text`` holds; phone numbers are parsed only near a
    run of 7 digits, not in every "130-140/50-60" of a note."""
    found = []
    for recognizer, trigger in recognizers:
        kinds = [e for e in recognizer.supported_entities if e in wanted]
        name = type(recognizer).__name__
        if not kinds or not trigger.search(text):
            continue
        spans = windows(text, trigger, *_PHONE_WINDOW) if name == "PhoneRecognizer" else [(0, len(text))]
        for lo, hi in spans:
            found += [
                Finding(r.entity_type, lo + r.start, lo + r.end, r.score, name)
                for r in recognizer.analyze(text[lo:hi], kinds, None)
            ]
    return found


def presidio_fingerprint() -> str:
    """A text that changes when the recognizers' triggers, regions or windows change."""
    return repr((sorted(_PRESIDIO_TRIGGERS.items()), _PHONE_REGIONS, _PHONE_WINDOW))


def scan_presidio(
    analyzer: Any,
    texts: list[str],
    *,
    entities: Sequence[str],
    threshold: float,
    batch_size: int,
    finish: Callable[[str, list[Finding], frozenset[str], float], list[dict[str, Any]]],
) -> list[list[dict[str, Any]] | None]:
    """The same filters around a Presidio ``AnalyzerEngine``'s ``analyze``."""
    try:
        artifacts: list[Any] = [
            a for _, a in analyzer.nlp_engine.process_batch(texts, "en", batch_size=batch_size)
        ]
    except Exception as err:
        logger.warning("spaCy batch failed (%s); scanning %d rows one by one", type(err).__name__, len(texts))
        artifacts = [None] * len(texts)
    wanted = frozenset(entities)
    out: list[list[dict[str, Any]] | None] = []
    for text, nlp_artifacts in zip(texts, artifacts, strict=True):
        try:
            results = analyzer.analyze(
                text=text,
                language="en",
                entities=list(entities),
                score_threshold=threshold,
                nlp_artifacts=nlp_artifacts,
                allow_list=[ALLOW],
                allow_list_match="regex",
            )
            found = []
            for r in results:
                name = str((r.recognition_metadata or {}).get("recognizer_name", ""))
                found.append(
                    Finding(
                        r.entity_type,
                        r.start,
                        r.end,
                        r.score,
                        "spacy" if name == "SpacyRecognizer" else name,
                    )
                )
            out.append(finish(text, found, wanted, threshold))
        except Exception as err:  # fail closed; never log the text
            logger.warning(
                "PHI scan raised %s on a %d-char row; marking it ERROR", type(err).__name__, len(text)
            )
            out.append(None)
    return out
