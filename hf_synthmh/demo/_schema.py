"""The demo corpus's fixed shape: its label set and ICD-10 titles, per-code counts, splits and section headings.

Shared by the report writer (:mod:`hf_synthmh.demo._writer`) and the corpus builder
(:mod:`hf_synthmh.demo.corpus`, which re-exports the public names).
"""

from __future__ import annotations

import re

from hf_synthmh.sections import SECTION_KEYS, SECTIONS

#: ICD-10 titles as in ``simple_icd_10_cm`` 1.5.0 (checked by the tests; not imported here because
#: loading that package takes seconds).
TITLES: dict[str, str] = {
    "F10.20": "Alcohol dependence, uncomplicated",
    "F20.0": "Paranoid schizophrenia",
    "F31.2": "Bipolar disorder, current episode manic severe with psychotic features",
    "F32.1": "Major depressive disorder, single episode, moderate",
    "F33.1": "Major depressive disorder, recurrent, moderate",
    "F41.0": "Panic disorder [episodic paroxysmal anxiety]",
    "F41.1": "Generalized anxiety disorder",
    "F42.2": "Mixed obsessional thoughts and acts",
    "F43.10": "Post-traumatic stress disorder, unspecified",
    "F60.3": "Borderline personality disorder",
}
#: The label set, sorted: the ``names`` of the ``label`` ClassLabel.
CODES: tuple[str, ...] = tuple(sorted(TITLES))
#: Reports per code over all splits (imbalanced on purpose; F31.2 and F42.2 are the rare codes).
_COUNTS: dict[str, int] = {
    "F32.1": 110, "F41.1": 90, "F33.1": 70, "F41.0": 50, "F43.10": 40,
    "F10.20": 36, "F20.0": 30, "F60.3": 24, "F42.2": 14, "F31.2": 14,
}  # fmt: skip
SPLITS: tuple[str, ...] = ("train", "test", "holdout")
_SPLIT_SHARES = {"test": 0.20, "holdout": 0.15}  # train takes the rest
_PHI_SHARE = 0.10
_WORDS = (130, 290)  # re-draw a report outside this range (the promise is 120-300)

# The demo writer's other wordings per section, beside the canonical heading (all of them accepted by
# :func:`hf_synthmh.sections.find_sections`).
_OTHER_WORDINGS: dict[str, tuple[str, str]] = {
    "referral": ("Referral reason", "Reason for assessment"),
    "history": ("History of presenting illness", "Presenting complaint"),
    "mse": ("Mental status examination", "Mental state on examination"),
    "risk": ("Assessment of risk", "Risk formulation"),
    "impression": ("Diagnostic impression", "Diagnosis"),
    "plan": ("Management plan", "Recommendations"),
}
#: Section key -> the heading wordings used, the usual (canonical, :data:`hf_synthmh.sections.SECTIONS`)
#: one first (each report has every section, in this order; about a fifth of the reports write the
#: headings in capitals).
SECTION_HEADINGS: dict[str, tuple[str, ...]] = {
    key: (heading, *_OTHER_WORDINGS[key]) for key, heading in zip(SECTION_KEYS, SECTIONS, strict=True)
}
_HEADING_KEY = {h.lower(): key for key, hs in SECTION_HEADINGS.items() for h in hs}
_HEADING_ALTERNATIVES = "|".join(re.escape(h) for h in sorted(_HEADING_KEY, key=len, reverse=True))
_HEADING_RE = re.compile(rf"^({_HEADING_ALTERNATIVES})(?::[ \t]*|[ \t]*$)", re.IGNORECASE | re.MULTILINE)
