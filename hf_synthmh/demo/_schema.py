"""The demo corpus's fixed shape: its label set and ICD-10 titles, per-code counts, splits and section headings.

Shared by the report writer (:mod:`hf_synthmh.demo._writer`) and the corpus builder
(:mod:`hf_synthmh.demo.corpus`, which re-exports the public names).
"""

from __future__ import annotations

import re

#: ICD-10 titles as in ``simple_icd_10_cm`` 1.5.0 (checked by the tests; not imported here because
#: loading that package takes seconds).
_TITLES: dict[str, str] = {
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
CODES: tuple[str, ...] = tuple(sorted(_TITLES))
#: Reports per code over all splits (imbalanced on purpose; F31.2 and F42.2 are the rare codes).
_COUNTS: dict[str, int] = {
    "F32.1": 110, "F41.1": 90, "F33.1": 70, "F41.0": 50, "F43.10": 40,
    "F10.20": 36, "F20.0": 30, "F60.3": 24, "F42.2": 14, "F31.2": 14,
}  # fmt: skip
SPLITS: tuple[str, ...] = ("train", "test", "holdout")
_SPLIT_SHARES = {"test": 0.20, "holdout": 0.15}  # train takes the rest
_PHI_SHARE = 0.10
_WORDS = (130, 290)  # re-draw a report outside this range (the promise is 120-300)

#: Section key -> the heading wordings used, the usual one first (each report has every section, in this
#: order; about a fifth of the reports write the headings in capitals).
SECTION_HEADINGS: dict[str, tuple[str, ...]] = {
    "referral": ("Reason for referral", "Referral reason", "Reason for assessment"),
    "history": ("History of presenting complaint", "History of presenting illness", "Presenting complaint"),
    "mse": ("Mental state examination", "Mental status examination", "Mental state on examination"),
    "risk": ("Risk assessment", "Assessment of risk", "Risk formulation"),
    "impression": ("Impression", "Diagnostic impression", "Diagnosis"),
    "plan": ("Plan", "Management plan", "Recommendations"),
}
_HEADING_KEY = {h.lower(): key for key, hs in SECTION_HEADINGS.items() for h in hs}
_HEADING_ALTERNATIVES = "|".join(re.escape(h) for h in sorted(_HEADING_KEY, key=len, reverse=True))
_HEADING_RE = re.compile(rf"^({_HEADING_ALTERNATIVES})(?::[ \t]*|[ \t]*$)", re.IGNORECASE | re.MULTILINE)
