"""The PHI scan around a Presidio ``AnalyzerEngine``-like engine (``nlp_engine.process_batch`` and
``analyze``), for :class:`hf_synthmh.gate.phi.PhiScanner` given such an engine: the same allow-list,
plausibility checks and overlap resolution as the default engine. A row whose scan raises is ``None``
(fail closed); text is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from hf_synthmh.gate.phi_recognizers import ALLOW, Finding

__all__ = ["scan_presidio"]

logger = logging.getLogger("hf_synthmh.gate.phi")


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
