"""Prompts for one synthetic report: chat messages, a plain-text fallback, a stable hash, and reasoning removal.

The wording lives in Jinja templates shipped inside the package (``hf_synthmh/prompts/*.jinja``) and is
rendered with ``StrictUndefined``, so a missing field fails loudly instead of writing an empty prompt.

Example:
    >>> msgs = build_messages(
    ...     code="F32.1", title="Major depressive disorder, single episode, moderate",
    ...     attributes={"age_band": "35-44", "sex": "female", "setting": "outpatient clinic"}, exemplars=[],
    ... )
    >>> [m["role"] for m in msgs]
    ['system', 'user']
    >>> print(render_plain(code="F32.1", title="Major depressive disorder, single episode, moderate",
    ...                    attributes={"sex": "female", "age_band": "35-44", "setting": "outpatient clinic"},
    ...                    exemplars=[]), end="")
    ICD-10: F32.1 Major depressive disorder, single episode, moderate
    Patient: 35-44, female, outpatient clinic
    Report:
    >>> split_reasoning("<think>F32.1 means...</think>\\nReason for referral\\n...")
    ('Reason for referral\\n...', 'F32.1 means...')
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
    "SECTIONS",
    "TEMPLATE_NAME",
    "build_messages",
    "build_request",
    "prompt_hash",
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
#: Order in which patient attributes are shown; unknown keys follow, sorted.
ATTRIBUTE_ORDER: tuple[str, ...] = ("age_band", "sex", "setting")
#: The template of the user message (recorded in dataset cards).
TEMPLATE_NAME = "report.jinja"

_ATTRIBUTE_LABELS = {"age_band": "aged", "sex": "sex", "setting": "seen in"}
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"
_THINK_BLOCK = re.compile(re.escape(_THINK_OPEN) + r"(.*?)" + re.escape(_THINK_CLOSE), re.DOTALL)


@lru_cache(maxsize=8)
def _template(name: str) -> jinja2.Template:
    import jinja2

    text = (resources.files("hf_synthmh") / "prompts" / name).read_text(encoding="utf-8")
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False, trim_blocks=False
    )
    return env.from_string(text)


def _ordered(attributes: Mapping[str, str]) -> list[tuple[str, str]]:
    known = [k for k in ATTRIBUTE_ORDER if k in attributes]
    rest = sorted(k for k in attributes if k not in ATTRIBUTE_ORDER)
    return [(k, str(attributes[k])) for k in (*known, *rest)]


def _context(
    code: str, title: str, attributes: Mapping[str, str], exemplars: Sequence[str]
) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "attributes": _ordered(attributes),
        "exemplars": [e for e in exemplars if e and e.strip()],
        "sections": SECTIONS,
        "min_words": 150,
        "max_words": 300,
    }


def build_messages(
    *, code: str, title: str, attributes: Mapping[str, str], exemplars: Sequence[str]
) -> list[dict[str, str]]:
    """System + user chat messages asking for one fictional report of ``code`` (see module example).

    Exemplars, when given, are shown as style examples with an instruction not to copy them.
    """
    ctx = _context(code, title, attributes, exemplars)
    user_ctx = {**ctx, "attributes": [(_ATTRIBUTE_LABELS.get(k, k), v) for k, v in ctx["attributes"]]}
    return [
        {"role": "system", "content": _template("system.jinja").render(ctx).strip()},
        {"role": "user", "content": _template(TEMPLATE_NAME).render(user_ctx).strip()},
    ]


def render_plain(*, code: str, title: str, attributes: Mapping[str, str], exemplars: Sequence[str]) -> str:
    """The compact plain-text prompt for tokenizers without a chat template; ends with ``"Report:\\n"``.

    The demo model is trained on exactly this prefix. Exemplars, when given, come first, each after an
    ``"Example report:"`` line.
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
