"""Report sections: the six headings every report uses, the wordings accepted for each, and the
functions that find, check and drop sections. The one source of section names for the prompts, the
generator's check, the utility classifiers' preprocessing and the demo corpus.

Example:
    >>> missing_sections("Referral reason: low mood\\nHPC: 3 months\\nMSE: flat\\nImpression: F32.1")
    ['risk', 'plan']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

__all__ = ["SECTIONS", "SECTION_KEYS", "drop_sections", "find_sections", "missing_sections"]

#: Section headings every report must use, in order.
SECTIONS: tuple[str, ...] = (
    "Reason for referral",
    "History of presenting complaint",
    "Mental state examination",
    "Risk assessment",
    "Impression",
    "Plan",
)
#: Short names of :data:`SECTIONS`, as reported by :func:`missing_sections`.
SECTION_KEYS: tuple[str, ...] = ("referral", "history", "mse", "risk", "impression", "plan")
#: Heading wordings accepted per section (case-insensitive), beyond the canonical :data:`SECTIONS`.
_HEADINGS: Mapping[str, tuple[str, ...]] = {
    "referral": ("reason for referral", "reasons for referral", "referral reason", "reason for assessment",
                 "reason for consultation", "reason for review", "referral details", "referral"),
    "history": ("history of presenting complaint", "history of presenting complaints",
                "history of the presenting complaint", "history of presenting illness",
                "history of present illness", "presenting complaint", "presenting complaints",
                "presenting history", "hpc", "hpi", "history"),
    "mse": ("mental state examination", "mental status examination", "mental state exam",
            "mental status exam", "mental state on examination", "mental state", "mental status", "mse"),
    "risk": ("risk assessment", "assessment of risk", "risk formulation", "risk summary",
             "risk to self and others", "risks", "risk"),
    "impression": ("impression", "diagnostic impression", "clinical impression", "impression and formulation",
                   "formulation", "diagnosis", "diagnoses", "working diagnosis", "opinion"),
    "plan": ("plan", "management plan", "treatment plan", "care plan", "plan and recommendations",
             "management", "recommendations", "recommendation"),
}  # fmt: skip
_HEADING_KEY = {h: key for key, hs in _HEADINGS.items() for h in hs}
_HEADING_RE = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)?(?:[-*\u2022][ \t]+)?(?:\d{1,2}[.)][ \t]*)?[*_]{0,2}[ \t]*("
    + "|".join(re.escape(h) for h in sorted(_HEADING_KEY, key=len, reverse=True))
    + r")[ \t]*(?:[*_]{1,2}|:|[-\u2013\u2014][ \t]|$)",
    re.IGNORECASE | re.MULTILINE,
)


def find_sections(text: str) -> list[str]:
    """Keys (:data:`SECTION_KEYS`) of the section headings found in ``text``, in order of first appearance.

    A heading starts a line (after optional markdown ``#``, a bullet, a number or ``**``) and ends the
    line or is followed by ``:``, a dash or a closing ``**``. Matching ignores case and accepts common
    variants ("Referral reason", "HPC", "Mental status examination", "MSE", "Diagnosis", "Recommendations").

    >>> find_sections("## Reason for referral\\nLow mood.\\n**MSE:** flat affect\\nPLAN\\n- review")
    ['referral', 'mse', 'plan']
    """
    found: list[str] = []
    for match in _HEADING_RE.finditer(text):
        key = _HEADING_KEY[match.group(1).lower()]
        if key not in found:
            found.append(key)
    return found


def missing_sections(text: str) -> list[str]:
    """Keys of the expected sections that ``text`` lacks, in :data:`SECTION_KEYS` order (see module example).

    >>> missing_sections("\\n".join(SECTIONS))
    []
    """
    found = set(find_sections(text))
    return [key for key in SECTION_KEYS if key not in found]


def drop_sections(text: str, *, drop: Sequence[str] = ("impression",)) -> str:
    """``text`` without the sections whose keys (:data:`SECTION_KEYS`) are in ``drop``: heading and
    body up to the next recognised heading. Text before the first heading and other sections stay.

    Pass it (with :func:`functools.partial`) as ``classifier_preprocess`` to the metrics when reports
    name their own ICD-10 code in the impression, which makes classifying them trivial.

    >>> drop_sections("Reason for referral:\\nLow mood.\\nDiagnosis:\\nF32.1 (moderate).\\nPlan:\\nReview.")
    'Reason for referral:\\nLow mood.\\nPlan:\\nReview.'
    """
    unknown = sorted(set(drop) - set(SECTION_KEYS))
    if unknown:
        raise ValueError(f"unknown section key(s) {unknown}; known: {', '.join(SECTION_KEYS)}")
    matches = list(_HEADING_RE.finditer(text))
    if not matches:
        return text
    kept = [text[: matches[0].start()]]
    for match, nxt in zip(matches, [*matches[1:], None], strict=True):
        if _HEADING_KEY[match.group(1).lower()] not in drop:
            kept.append(text[match.start() : nxt.start() if nxt is not None else len(text)])
    return "".join(kept).rstrip("\n")
