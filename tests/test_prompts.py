"""Prompt building, the plain prompt format, hashing and reasoning removal."""

from __future__ import annotations

from importlib import resources

import pytest

from hf_synthmh.backends.base import split_reasoning
from hf_synthmh.plan import CASE_ATTRIBUTES, PLAN_ATTRIBUTES
from hf_synthmh.prompts import (
    PLAIN_TEMPLATE,
    STYLE_INSTRUCTIONS,
    SYSTEM_TEMPLATE,
    USER_TEMPLATE,
    build_messages,
    build_request,
    describe,
    prompt_hash,
    prompts_digest,
    render_plain,
)
from hf_synthmh.sections import SECTION_KEYS, SECTIONS, find_sections, missing_sections

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
    assert "Patient: male\n" in extra  # only the patient attributes the demo model was trained on
    full = {**KW["attributes"], "severity": "mild", "comorbidity": "asthma", "style": "narrative"}
    assert render_plain(**{**KW, "attributes": full}, exemplars=[]) == render_plain(**KW, exemplars=[])


def test_case_attributes_and_style_reach_the_chat_prompt() -> None:
    attributes = {
        **KW["attributes"],
        "severity": "severe",
        "comorbidity": "type 2 diabetes",
        "referral_source": "occupational health",
        "style": "terse bullet points",
        "zeta_factor": "z",
    }
    text = build_messages(**{**KW, "attributes": attributes}, exemplars=[])[1]["content"]
    assert "aged 35-44, sex female, seen in outpatient clinic." in text
    lines = text.splitlines()
    start = lines.index("Severity: severe.")
    assert lines[start : start + 4] == [
        "Severity: severe.",
        "Comorbidity: type 2 diabetes.",
        "Referred by: occupational health.",
        "Zeta factor: z.",
    ]
    assert STYLE_INSTRUCTIONS["terse bullet points"] in text
    other = build_messages(**{**KW, "attributes": {**attributes, "style": "haiku"}}, exemplars=[])[1]
    assert "Write in this style: haiku." in other["content"]


def test_every_planned_style_has_an_instruction() -> None:
    assert set(CASE_ATTRIBUTES["style"]) == set(STYLE_INSTRUCTIONS)
    assert list(PLAN_ATTRIBUTES)[:3] == ["age_band", "sex", "setting"]


def test_request_holds_both_forms() -> None:
    req = build_request(**KW, exemplars=[])
    assert req.plain == render_plain(**KW, exemplars=[])
    assert req.messages == build_messages(**KW, exemplars=[])


def test_templates_ship_inside_the_package() -> None:
    folder = resources.files("hf_synthmh") / "resources"
    for name in (USER_TEMPLATE, SYSTEM_TEMPLATE, PLAIN_TEMPLATE, "descriptions.json"):
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


DEMO_CODES = ["F10.20", "F20.0", "F31.2", "F32.1", "F33.1", "F41.0", "F41.1", "F42.2", "F43.10", "F60.3"]


def test_descriptions_cover_the_demo_codes_and_their_parents() -> None:
    from hf_synthmh.prompts import _descriptions

    known = _descriptions()
    for code in DEMO_CODES:
        assert code in known and code[:3] in known, code
    for code, text in known.items():
        assert 8 <= len(text.split()) <= 60, code
        assert text.endswith(".") and "\n" not in text, code


def test_description_keys_are_icd10_codes() -> None:
    from hf_synthmh import icd10
    from hf_synthmh.prompts import _descriptions

    bad = [code for code in _descriptions() if icd10.normalize(code) != code or not icd10._is_valid(code)]
    assert bad == []


def test_describe_falls_back_to_the_nearest_parent() -> None:
    assert describe("F43.10").startswith("Post-traumatic stress disorder")
    assert describe("F43.19") == describe("F43.1")  # not a real code, but trimmed like one
    assert describe("F32.89") == describe("F32")
    assert describe("f41.1") == describe("F41.1")
    assert describe("G47.00") == ""
    user = build_messages(code="G47.00", title="Insomnia, unspecified", attributes={}, exemplars=[])[1]
    assert "About this diagnosis" not in user["content"]
    user = build_messages(**KW, exemplars=[])[1]
    assert f"About this diagnosis: {describe('F32.1')}" in user["content"]


def test_prompts_digest_is_stable() -> None:
    assert prompts_digest() == prompts_digest() and len(prompts_digest()) == 16


GOOD = "\n".join(f"{s}\nSome text." for s in SECTIONS)


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        (GOOD, []),
        (GOOD.upper(), []),
        ("\n\n".join(f"{s}: text" for s in SECTIONS), []),
        (
            "## Referral reason\nx\n**HPC:** y\n### MSE\nz\n1. Risk - low\n**Diagnosis**\nF32.1\n- Recommendations:\n- a",
            [],
        ),
        (
            "Reason for assessment:\nx\nPresenting complaint: y\nMental status examination\nz\n"
            "Risk formulation\nlow\nDiagnostic impression: F41.1\nManagement plan:\nCBT",
            [],
        ),
        (
            "Reason for referral\nLow mood.\nHistory of presenting complaint\nLong.",
            ["mse", "risk", "impression", "plan"],
        ),
        ("The plan is to review. Risk is low. Impression: F32.1", list(SECTION_KEYS)),  # not at line starts
        ("Planning\nRisky behaviour\nHistorical note", list(SECTION_KEYS)),
        ("", list(SECTION_KEYS)),
    ],
)
def test_section_check_is_tolerant_of_variants(text: str, missing: list[str]) -> None:
    assert missing_sections(text) == missing


def test_find_sections_reports_order_of_appearance() -> None:
    assert find_sections("Plan:\nx\nImpression:\ny\nPlan:\nz") == ["plan", "impression"]


def test_demo_corpus_reports_pass_the_section_check() -> None:
    from hf_synthmh.demo.corpus import load_demo_corpus

    texts = load_demo_corpus()["train"]["text"]
    assert [t for t in texts if missing_sections(t)] == []
