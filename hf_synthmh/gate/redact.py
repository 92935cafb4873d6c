"""The ``redact`` PHI policy: replace found identifiers with typed placeholders instead of dropping rows.

A run's PHI policy is ``drop`` (the default: a row with any finding is rejected with ``phi:<TYPE>``)
or ``redact``: the row is kept and every span the scanner found is replaced by ``<TYPE>``
(``<PERSON>``, ``<DATE_OF_BIRTH>``, ...) with presidio-anonymizer's ``replace`` operator. Redaction
reuses the ``phi_spans`` offsets written by :class:`~hf_synthmh.gate.phi.PhiScanner`, so the text
is scanned once; run it right after the scan, before anything else changes ``text``.

Overlapping spans (``"Mrs O'Neill"`` from spaCy and ``"O'Neill"`` from the title rule; a street
address and the street name inside it) are merged first, so every character of every finding is
replaced; the merged placeholder takes the type of its longest span (then highest score). A row whose scan failed
(``phi_types == ["ERROR"]``) is left unchanged with ``phi_redacted == []``: the decision must still
reject it with ``phi:error`` (fail closed).

    >>> redact_text("Mr Okonkwo, MRN 4821937.", [
    ...     {"type": "PERSON", "start": 3, "end": 10, "score": 0.9},
    ...     {"type": "MEDICAL_RECORD_NUMBER", "start": 16, "end": 23, "score": 0.85}])
    ('Mr <PERSON>, MRN <MEDICAL_RECORD_NUMBER>.', ['MEDICAL_RECORD_NUMBER', 'PERSON'])

In a ``datasets`` pipeline (after the scan)::

    ds = ds.map(PhiScanner(), batched=True, features=gate_features(ds, ["phi_types", "phi_spans"]))
    ds = ds.map(redact_batch, batched=True, features=gate_features(ds, ["phi_redacted"]))
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["merge_spans", "redact_batch", "redact_text"]


def merge_spans(spans: Sequence[Mapping[str, Any]]) -> list[tuple[int, int, str, list[str]]]:
    """Overlapping spans merged: ``(start, end, placeholder type, all types)`` in text order. The
    placeholder type is the longest span's (ties: the higher score).

    >>> merge_spans([{"type": "STREET_ADDRESS", "start": 0, "end": 12, "score": 0.6},
    ...              {"type": "LOCATION", "start": 3, "end": 12, "score": 0.85},
    ...              {"type": "POSTCODE", "start": 20, "end": 27, "score": 0.6}])
    [(0, 12, 'STREET_ADDRESS', ['LOCATION', 'STREET_ADDRESS']), (20, 27, 'POSTCODE', ['POSTCODE'])]
    """
    ordered = sorted(spans, key=lambda s: (int(s["start"]), -int(s["end"])))
    groups: list[list[Mapping[str, Any]]] = []
    end = -1
    for span in ordered:
        if groups and int(span["start"]) < end:
            groups[-1].append(span)
            end = max(end, int(span["end"]))
        else:
            groups.append([span])
            end = int(span["end"])
    merged = []
    for group in groups:
        best = max(group, key=lambda s: (int(s["end"]) - int(s["start"]), float(s.get("score", 0.0))))
        start, stop = min(int(s["start"]) for s in group), max(int(s["end"]) for s in group)
        merged.append((start, stop, str(best["type"]), sorted({str(s["type"]) for s in group})))
    return merged


@functools.lru_cache(maxsize=1)
def _anonymizer() -> Any:
    from hf_synthmh._deps import require

    require("presidio_anonymizer", package="presidio-anonymizer")
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


def redact_text(text: str, spans: Sequence[Mapping[str, Any]]) -> tuple[str, list[str]]:
    """``(redacted text, sorted types replaced)``; spans are ``phi_spans`` entries (offsets into
    ``text``). Raises ``ValueError`` when a span does not fit the text (it was changed after the scan)."""
    if not spans:
        return text, []
    for span in spans:
        if not 0 <= int(span["start"]) < int(span["end"]) <= len(text):
            raise ValueError(
                f"a {span.get('type')} span ({span['start']}, {span['end']}) does not fit a {len(text)}-char"
                " text: redact with the spans of this very text, right after the scan"
            )
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    merged = merge_spans(spans)
    results = [RecognizerResult(entity_type=kind, start=s, end=e, score=1.0) for s, e, kind, _ in merged]
    out = _anonymizer().anonymize(
        text=text,
        analyzer_results=results,
        operators={"DEFAULT": OperatorConfig("replace")},  # "<ENTITY_TYPE>"
        merge_entities_with_spaces=False,
    )
    return str(out.text), sorted({t for *_, types in merged for t in types})


def redact_batch(batch: dict[str, list]) -> dict[str, list]:
    """Batch function for ``Dataset.map(batched=True)``: reads ``text``, ``phi_spans`` and
    ``phi_types``; returns the redacted ``text`` and ``phi_redacted`` (sorted types replaced). A row
    whose redaction raises keeps its text and gets ``phi_redacted == ["ERROR"]``: the gate rejects it
    with ``phi:error`` (fail closed).

    >>> redact_batch({"text": ["Seen by Dr Haddad.", "F32.1", "secret"],
    ...               "phi_spans": [[{"type": "PERSON", "start": 11, "end": 17, "score": 0.9}], [], []],
    ...               "phi_types": [["PERSON"], [], ["ERROR"]]})
    {'text': ['Seen by Dr <PERSON>.', 'F32.1', 'secret'], 'phi_redacted': [['PERSON'], [], []]}
    >>> redact_batch({"text": ["short"], "phi_spans": [[{"type": "URL", "start": 2, "end": 40}]]})
    {'text': ['short'], 'phi_redacted': [['ERROR']]}
    """
    missing = [c for c in ("text", "phi_spans") if c not in batch]
    if missing:
        raise KeyError(f"redact_batch needs the columns {missing}; run PhiScanner first")
    types_col = batch.get("phi_types") or [[] for _ in batch["text"]]
    texts: list[Any] = []
    redacted: list[list[str]] = []
    for text, spans, types in zip(batch["text"], batch["phi_spans"], types_col, strict=True):
        if not isinstance(text, str) or "ERROR" in (types or []):
            texts.append(text)
            redacted.append([])
            continue
        try:
            new_text, replaced = redact_text(text, spans or [])
        except Exception as err:  # fail closed: the gate rejects the row (phi:error); never log text
            logger.warning(
                "redaction raised %s on a %d-char row; marking it ERROR", type(err).__name__, len(text)
            )
            new_text, replaced = text, ["ERROR"]
        texts.append(new_text)
        redacted.append(replaced)
    return {"text": texts, "phi_redacted": redacted}
