"""Prompts for one synthetic report: chat messages, a plain-text fallback and a stable hash. (Reasoning
removal: :func:`hf_synthmh.backends.base.split_reasoning`; the section check: :mod:`hf_synthmh.sections`.)

The wording lives in Jinja templates shipped inside the package (:mod:`hf_synthmh.resources`) and is
rendered with ``StrictUndefined``, so a missing field fails loudly instead of writing an empty prompt. The
chat prompt also carries a short clinical description of the code (``descriptions.json``; a code
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
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hf_synthmh import resources
from hf_synthmh.backends.base import Request
from hf_synthmh.sections import SECTIONS

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "ATTRIBUTE_ORDER",
    "CASE_ORDER",
    "PLAIN_TEMPLATE",
    "STYLE_INSTRUCTIONS",
    "SYSTEM_TEMPLATE",
    "USER_TEMPLATE",
    "build_messages",
    "build_request",
    "describe",
    "prompt_hash",
    "prompts_digest",
    "render_plain",
]

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
#: The template of the chat prompt's user message (recorded in dataset cards as ``prompt_template``).
USER_TEMPLATE = "report.jinja"
#: The template of the chat prompt's system message.
SYSTEM_TEMPLATE = "system.jinja"
#: The template of the plain prompt (tokenizers without a chat template; the demo model's format).
PLAIN_TEMPLATE = "plain.jinja"

_ATTRIBUTE_LABELS = {"age_band": "aged", "sex": "sex", "setting": "seen in"}
_CASE_LABELS = {"severity": "Severity", "comorbidity": "Comorbidity", "referral_source": "Referred by"}


@lru_cache(maxsize=8)
def _template(name: str) -> jinja2.Template:
    import jinja2

    text = resources.read_text(name)
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False, trim_blocks=False
    )
    return env.from_string(text)


@lru_cache(maxsize=1)
def _descriptions() -> dict[str, str]:
    text = resources.read_text("descriptions.json")
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
    folder = resources.files()
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
        {"role": "system", "content": _template(SYSTEM_TEMPLATE).render(ctx).strip()},
        {"role": "user", "content": _template(USER_TEMPLATE).render(user_ctx).strip()},
    ]


def render_plain(*, code: str, title: str, attributes: Mapping[str, str], exemplars: Sequence[str]) -> str:
    """The compact plain-text prompt for tokenizers without a chat template; ends with ``"Report:\\n"``.

    The demo model is trained on exactly this prefix. Only the patient attributes (:data:`ATTRIBUTE_ORDER`)
    are shown; case attributes and style are chat-prompt only. Exemplars, when given, come first, each
    after an ``"Example report:"`` line.
    """
    return _template(PLAIN_TEMPLATE).render(_context(code, title, attributes, exemplars))


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
