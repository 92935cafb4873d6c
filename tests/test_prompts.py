"""Prompt building, the plain prompt format, hashing and reasoning removal."""

from __future__ import annotations

from importlib import resources

import pytest

from hf_synthmh.prompts import (
    SECTIONS,
    TEMPLATE_NAME,
    build_messages,
    build_request,
    prompt_hash,
    render_plain,
    split_reasoning,
)

KW = {
    "code": "F32.1",
    "title": "Major depressive disorder, single episode, moderate",
    "attributes": {"setting": "outpatient clinic", "sex": "female", "age_band": "35-44"},
}


def test_messages_ask_for_one_fictional_report() -> None:
    system, user = build_messages(**KW, exemplars=[])
    assert system["role"] == "system" and user["role"] == "user"
    assert "fictional" in system["content"] and "names" in system["content"]
    text = user["content"]
    assert "ICD-10 F32.1 (Major depressive disorder, single episode, moderate)" in text
    assert "aged 35-44, sex female, seen in outpatient clinic" in text
    positions = [text.index(f"\n{s}\n") for s in SECTIONS]
    assert positions == sorted(positions)
    assert "<example>" not in text and "do not copy" not in text


def test_exemplars_are_style_examples_not_to_copy() -> None:
    _, user = build_messages(**KW, exemplars=["Reason for referral\nFirst.", "  ", "Second."])
    text = user["content"]
    assert text.count("<example>") == 2  # blank exemplars are dropped
    assert "do not copy" in text
    assert text.index("Second.") < text.index("Write one fictional")


def test_plain_prompt_is_compact_and_stable() -> None:
    assert render_plain(**KW, exemplars=[]) == (
        "ICD-10: F32.1 Major depressive disorder, single episode, moderate\n"
        "Patient: 35-44, female, outpatient clinic\n"
        "Report:\n"
    )
    with_ex = render_plain(**KW, exemplars=["An example.\n"])
    assert with_ex.startswith("Example report:\nAn example.\n\nICD-10: F32.1")
    extra = render_plain(code="F41.1", title="t", attributes={"zeta": "z", "sex": "male"}, exemplars=[])
    assert "Patient: male, z\n" in extra


def test_request_holds_both_forms() -> None:
    req = build_request(**KW, exemplars=[])
    assert req.plain == render_plain(**KW, exemplars=[])
    assert req.messages == build_messages(**KW, exemplars=[])


def test_templates_ship_inside_the_package() -> None:
    folder = resources.files("hf_synthmh") / "prompts"
    for name in (TEMPLATE_NAME, "system.jinja", "plain.jinja"):
        assert (folder / name).is_file()


def test_missing_field_fails_loudly() -> None:
    import jinja2

    from hf_synthmh.prompts import _template

    with pytest.raises(jinja2.UndefinedError):
        _template("plain.jinja").render({"code": "F32.1"})


def test_prompt_hash() -> None:
    msgs = build_messages(**KW, exemplars=[])
    h = prompt_hash(msgs)
    assert len(h) == 16 and int(h, 16) >= 0
    assert prompt_hash([dict(reversed(list(m.items()))) for m in msgs]) == h
    assert prompt_hash(build_messages(**KW, exemplars=["x"])) != h
    assert prompt_hash("abc") != prompt_hash("abd")


@pytest.mark.parametrize(
    ("raw", "report", "reasoning"),
    [
        ("Reason for referral\nLow mood.", "Reason for referral\nLow mood.", ""),
        ("<think>\nplan it\n</think>\n\nReport text", "Report text", "plan it"),
        ("<think>\n\n</think>\n\nReport text", "Report text", ""),
        ("<think>a</think>Part one <think>b</think>part two", "Part one part two", "a\n\nb"),
        ("<think>ran out of tokens", "", "ran out of tokens"),
        ("Report first <think>then thought", "Report first", "then thought"),
        ("reasoning opened by the template</think>\nReport", "Report", "reasoning opened by the template"),
        ("  ", "", ""),
    ],
)
def test_split_reasoning(raw: str, report: str, reasoning: str) -> None:
    assert split_reasoning(raw) == (report, reasoning)
