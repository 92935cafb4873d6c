"""Prompts for one synthetic report: chat messages, a plain-text fallback, a stable hash, reasoning removal
and the check that a report has the expected sections.

The wording lives in Jinja templates shipped inside the package (``hf_synthmh/prompts/*.jinja``) and is
rendered with ``StrictUndefined``, so a missing field fails loudly instead of writing an empty prompt. The
chat prompt also carries a short clinical description of the code (``prompts/descriptions.json``; a code
without one uses its nearest parent's) and the case attributes of the plan row (severity, comorbidity,
referral source, writing style). The plain prompt shows only age band, sex and setting: it is the format the
demo model was trained on.

Example:
    >>> msgs = build_messages(
    ...     code="F32.1", title="Major depressive disorder, single episode, moderate",
    ...     attributes={"age_band": "35-44", "sex": "female", "setting": "outpatient clinic"}, exemplars=[],
    ... )
    >>> [m["role"] for m in msgs]
    ['system', 'user']
    >>> print(render_plain(code="F32.1", title="Major depressive disorder, single episode, moderate",
    ...                    attributes={"sex": "female", "age_band": "35-44", "setting": "outpatient clinic",
    ...                                "style": "narrative"}, exemplars=[]), end="")
    ICD-10: F32.1 Major depressive disorder, single episode, moderate
    Patient: 35-44, female, outpatient clinic
    Report:
    >>> split_reasoning("<think>F32.1 means...</think>\\nReason for referral\\n...")
    ('Reason for referral\\n...', 'F32.1 means...')
    >>> missing_sections("Referral reason: low mood\\nHPC: 3 months\\nMSE: flat\\nImpression: F32.1")
    ['risk', 'plan']
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from hf_synthmh.backends.base import Request

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "ATTRIBUTE_ORDER",
    "CASE_ORDER",
    "SECTIONS",
    "SECTION_KEYS",
    "STYLE_INSTRUCTIONS",
    "TEMPLATE_NAME",
    "build_messages",
    "build_request",
    "describe",
    "drop_sections",
    "find_sections",
    "missing_sections",
    "prompt_hash",
    "prompts_digest",
    "render_plain",
    "split_reasoning",
]

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
#: Patient attributes, in display order; the only ones the plain prompt shows.
ATTRIBUTE_ORDER: tuple[str, ...] = ("age_band", "sex", "setting")
#: Case attributes shown on the chat prompt, one line each, in this order; unknown keys follow, sorted.
CASE_ORDER: tuple[str, ...] = ("severity", "comorbidity", "referral_source")
#: What the ``style`` attribute asks for; other values are passed on as "Write in this style: ...".
STYLE_INSTRUCTIONS: Mapping[str, str] = {
    "narrative": "Write each section as flowing narrative paragraphs.",
    "terse bullet points": "Write tersely: short bullet points under each heading; common clinical "
    "abbreviations are fine.",
    "structured consultant letter": "Write it as a consultant's letter to the referrer: one opening sentence "
    "before the first heading and one closing sentence after the last, with no names or signature.",
}
#: The template of the user message (recorded in dataset cards).
TEMPLATE_NAME = "report.jinja"

_ATTRIBUTE_LABELS = {"age_band": "aged", "sex": "sex", "setting": "seen in"}
_CASE_LABELS = {"severity": "Severity", "comorbidity": "Comorbidity", "referral_source": "Referred by"}
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"
_THINK_BLOCK = re.compile(re.escape(_THINK_OPEN) + r"(.*?)" + re.escape(_THINK_CLOSE), re.DOTALL)

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


@lru_cache(maxsize=8)
def _template(name: str) -> jinja2.Template:
    import jinja2

    text = (resources.files("hf_synthmh") / "prompts" / name).read_text(encoding="utf-8")
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False, trim_blocks=False
    )
    return env.from_string(text)


@lru_cache(maxsize=1)
def _descriptions() -> dict[str, str]:
    text = (resources.files("hf_synthmh") / "prompts" / "descriptions.json").read_text(encoding="utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


def describe(code: str) -> str:
    """A short clinical description of ``code``, or of its nearest parent that has one; ``""`` if none.

    Parents are found by trimming the code (``F43.10`` -> ``F43.1`` -> ``F43``), which is how ICD-10
    nests codes within a category.

    >>> describe("F41.1").split(":")[0]
    'Generalized anxiety disorder'
    >>> describe("F32.9") == describe("F32"), describe("Z00.0")
    (True, '')
    """
    known = _descriptions()
    code = code.strip().upper()
    while code:
        if code in known:
            return known[code]
        code = code[:-1].rstrip(".")
    return ""


@lru_cache(maxsize=1)
def prompts_digest() -> str:
    """16 hex chars identifying the shipped templates and descriptions (part of the Generator fingerprint).

    >>> len(prompts_digest())
    16
    """
    folder = resources.files("hf_synthmh") / "prompts"
    digest = hashlib.sha256()
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".jinja", ".json")):
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _patient(attributes: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(k, str(attributes[k])) for k in ATTRIBUTE_ORDER if k in attributes]


def _case(attributes: Mapping[str, str]) -> list[tuple[str, str]]:
    skip = {*ATTRIBUTE_ORDER, "style"}
    rest = sorted(k for k in attributes if k not in skip and k not in CASE_ORDER)
    keys = [k for k in (*CASE_ORDER, *rest) if k in attributes]
    return [(_CASE_LABELS.get(k, k.replace("_", " ").capitalize()), str(attributes[k])) for k in keys]


def _style(attributes: Mapping[str, str]) -> str:
    style = str(attributes.get("style") or "")
    return STYLE_INSTRUCTIONS.get(style, f"Write in this style: {style}.") if style else ""


def _context(
    code: str, title: str, attributes: Mapping[str, str], exemplars: Sequence[str]
) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "attributes": _patient(attributes),
        "exemplars": [e for e in exemplars if e and e.strip()],
        "sections": SECTIONS,
        "min_words": 150,
        "max_words": 300,
    }


def build_messages(
    *, code: str, title: str, attributes: Mapping[str, str], exemplars: Sequence[str]
) -> list[dict[str, str]]:
    """System + user chat messages asking for one fictional report of ``code`` (see module example).

    The user message names the code, its title and description (:func:`describe`), the patient
    (age band, sex, setting), the case (severity, comorbidity, referral source and any other attribute) and
    the writing style. Exemplars, when given, are shown as style examples with an instruction not to copy
    them.

    >>> user = build_messages(code="F41.1", title="Generalized anxiety disorder", exemplars=[],
    ...                       attributes={"sex": "male", "severity": "mild", "style": "narrative"})[1]
    >>> [line for line in user["content"].splitlines() if line.startswith(("Patient", "Severity"))]
    ['Patient: sex male.', 'Severity: mild.']
    """
    ctx = _context(code, title, attributes, exemplars)
    user_ctx = {
        **ctx,
        "attributes": [(_ATTRIBUTE_LABELS.get(k, k), v) for k, v in ctx["attributes"]],
        "case": _case(attributes),
        "style": _style(attributes),
        "description": describe(code),
    }
    return [
        {"role": "system", "content": _template("system.jinja").render(ctx).strip()},
        {"role": "user", "content": _template(TEMPLATE_NAME).render(user_ctx).strip()},
    ]


def render_plain(*, code: str, title: str, attributes: Mapping[str, str], exemplars: Sequence[str]) -> str:
    """The compact plain-text prompt for tokenizers without a chat template; ends with ``"Report:\\n"``.

    The demo model is trained on exactly this prefix. Only the patient attributes (:data:`ATTRIBUTE_ORDER`)
    are shown; case attributes and style are chat-prompt only. Exemplars, when given, come first, each
    after an ``"Example report:"`` line.
    """
    return _template("plain.jinja").render(_context(code, title, attributes, exemplars))


def build_request(
    *, code: str, title: str, attributes: Mapping[str, str], exemplars: Sequence[str]
) -> Request:
    """Both forms of one prompt, for a :class:`~hf_synthmh.backends.base.Backend`.

    >>> req = build_request(code="F41.1", title="Generalized anxiety disorder",
    ...                     attributes={"age_band": "18-24"}, exemplars=[])
    >>> req.plain.splitlines()[1], req.messages[1]["role"]
    ('Patient: 18-24', 'user')
    """
    kwargs: dict[str, Any] = {"code": code, "title": title, "attributes": attributes, "exemplars": exemplars}
    return Request(messages=build_messages(**kwargs), plain=render_plain(**kwargs))


def prompt_hash(prompt: str | Sequence[Mapping[str, str]]) -> str:
    """16 hex chars of the sha256 of the prompt's canonical JSON (sorted keys, no whitespace).

    >>> prompt_hash([{"role": "user", "content": "hi"}]) == prompt_hash([{"content": "hi", "role": "user"}])
    True
    >>> len(prompt_hash("plain prompt"))
    16
    """
    value: Any = prompt if isinstance(prompt, str) else [dict(m) for m in prompt]
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def split_reasoning(text: str) -> tuple[str, str]:
    """Split a completion into ``(report, reasoning)``, both stripped.

    Removes ``<think>...</think>`` blocks; a leading stray ``</think>`` (the chat template opened the
    block inside the prompt, as DeepSeek-R1 distills do) ends reasoning that started at the beginning; an
    unclosed ``<think>`` (the model ran out of tokens while thinking) makes the rest reasoning.

    >>> split_reasoning("plan the report</think>\\n\\nReason for referral")
    ('Reason for referral', 'plan the report')
    >>> split_reasoning("<think>still thinking")
    ('', 'still thinking')
    >>> split_reasoning("No reasoning here.")
    ('No reasoning here.', '')
    """
    parts: list[str] = []
    close, opening = text.find(_THINK_CLOSE), text.find(_THINK_OPEN)
    if close != -1 and (opening == -1 or close < opening):
        parts.append(text[:close])
        text = text[close + len(_THINK_CLOSE) :]

    def _keep(match: re.Match[str]) -> str:
        parts.append(match.group(1))
        return ""

    text = _THINK_BLOCK.sub(_keep, text)
    opening = text.find(_THINK_OPEN)
    if opening != -1:
        parts.append(text[opening + len(_THINK_OPEN) :])
        text = text[:opening]
    reasoning = "\n\n".join(p.strip() for p in parts if p.strip())
    return text.strip(), reasoning


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
