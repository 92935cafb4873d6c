"""apply_gate's PHI policies and PHI replay end to end: ``redact`` keeps rows with typed placeholders
and runs the membership checks on the redacted text, a failed scan is rejected ``phi:error`` under both
policies, a real identifier repeated in a synthetic row is rejected ``phi:replay`` and counted per
type; gate_summary is JSON-ready."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from datasets import Dataset

from hf_synthmh.contracts import GATE_COLUMNS
from hf_synthmh.gate import GateSettings, MembershipChecker, PhiScanner, ReplayIndex, apply_gate, gate_summary
from hf_synthmh.gate.decide import reject_reasons
from hf_synthmh.gate.summary import SUMMARY_KEYS
from tests.gate.conftest import fictional_report

REAL_WITH_IDS = "Referral letter for Mr Okonkwo: MRN 4821937, contact 07700 900456 (mobile)."


class _Flaky:
    """Delegates to the real engine but fails (``None``) on texts holding a marker."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def scan_batch(self, texts: list[str], **kwargs: Any) -> list[Any]:
        found = self.engine.scan_batch(texts, **kwargs)
        return [None if "CRASH-ME" in t else f for t, f in zip(texts, found, strict=True)]


@pytest.fixture(scope="module")
def flaky(scanner: PhiScanner) -> PhiScanner:
    return PhiScanner(engine_factory=lambda: _Flaky(scanner.engine))


def _novel(seed: int, tail: str = "") -> str:
    return fictional_report(random.Random(seed)) + tail


def _by_id(result: Any) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for ds in (result.kept, result.rejected) for row in ds}


def test_redact_policy_end_to_end(flaky: PhiScanner, reference: tuple[list[str], list[str]]) -> None:
    texts, ids = reference
    # A de-identified real report ("Mr <PERSON>"), and a synthetic row filling the name back in.
    words = texts[7].split(" ")
    for k in (20, 60, 100):
        words[k] = "Mr <PERSON>"
    placeholder_report = " ".join(words)
    refilled = placeholder_report.replace("<PERSON>", "Okonkwo")
    real, real_ids = [*texts, placeholder_report], [*ids, "real-deid"]
    rows = {
        "id": ["named", "crash", "refilled", "clean"],
        "text": [
            _novel(11, "\nSeen with her husband, Mr Okonkwo, on the ward."),
            _novel(12, "\nMr Okonkwo CRASH-ME"),
            refilled,
            _novel(13),
        ],
    }
    settings = GateSettings(phi_policy="redact")
    result = apply_gate(
        Dataset.from_dict(rows),
        reference_texts=real,
        reference_ids=real_ids,
        settings=settings,
        scanner=flaky,
    )
    got = _by_id(result)
    assert result.kept["id"][:] == ["named", "clean"]
    named = got["named"]
    assert named["reject_reasons"] == [] and named["phi_redacted"] == ["PERSON"]
    assert "<PERSON>, on the ward." in named["text"] and "Okonkwo" not in named["text"]
    assert got["crash"]["reject_reasons"] == ["phi:error"] and got["crash"]["phi_types"] == ["ERROR"]
    assert got["crash"]["phi_redacted"] == []  # a failed scan is never "redacted"
    # Membership ran on the redacted text: the refilled row is the de-identified report again.
    assert got["refilled"]["text"] == placeholder_report
    assert got["refilled"]["membership_nearest_id"] == "real-deid"
    assert got["refilled"]["membership_containment"] == 1.0 and got["refilled"]["membership_rouge_l"] == 1.0
    checker = MembershipChecker.from_settings(settings, real, real_ids)
    direct = checker.check_batch([got[i]["text"] for i in rows["id"]])
    for column, values in direct.items():
        assert [got[i][column] for i in rows["id"]] == values
    assert result.n_redacted == 1 and result.redacted == {"PERSON": 1}
    assert result.counts == {
        "membership:minhash": 1,
        "membership:ngram": 1,
        "membership:rouge_l": 1,
        "membership:span": 1,
        "phi:error": 1,
    }
    assert "redact_s" in result.timings and result.settings.phi_policy == "redact"
    # Under "drop" the same rows: the named one is rejected, the crash too, nothing is redacted.
    dropped = apply_gate(Dataset.from_dict(rows), reference_texts=real, reference_ids=real_ids, scanner=flaky)
    assert dropped.kept["id"][:] == ["clean"] and dropped.n_redacted == 0
    assert _by_id(dropped)["named"]["reject_reasons"] == ["phi:PERSON"]
    assert _by_id(dropped)["named"]["text"] == rows["text"][0] and "redact_s" not in dropped.timings
    assert result.kept.column_names == dropped.kept.column_names == ["id", "text", *GATE_COLUMNS]


def test_redact_policy_fails_closed_in_the_decision() -> None:
    batch = {
        "text": ["a", "b", "c"],
        "phi_types": [["PERSON"], ["PERSON", "URL"], ["PERSON"]],
        "phi_redacted": [["PERSON"], ["PERSON"], ["ERROR"]],  # URL not replaced; redaction raised
        "membership_containment": [0.0] * 3,
        "membership_longest_span": [0] * 3,
    }
    redact = GateSettings(phi_policy="redact")
    assert reject_reasons(batch, settings=redact)["reject_reasons"] == [[], ["phi:URL"], ["phi:error"]]
    with pytest.raises(KeyError, match="phi_redacted"):
        reject_reasons({k: v for k, v in batch.items() if k != "phi_redacted"}, settings=redact)
    with pytest.raises(ValueError, match="phi_policy"):
        GateSettings(phi_policy="mask")  # type: ignore[arg-type]


@pytest.mark.parametrize("policy", ["drop", "redact"])
def test_replay_is_rejected_and_counted_per_type(
    policy: str, scanner: PhiScanner, reference: tuple[list[str], list[str]]
) -> None:
    texts, ids = reference
    rows = {
        "id": ["lower-name", "mrn", "phone", "other-ids", "clean"],
        "text": [
            _novel(21, "\nSeen with okonkwo again."),  # the scanner misses a bare lower-case name
            _novel(22, "\nRecords: MRN 4821937."),
            _novel(23, "\nHe rang from 07700 900456 twice."),
            _novel(24, "\nRecords: MRN 4821938; he rang from 07700 900457."),
            _novel(25),
        ],
    }
    settings = GateSettings(phi_policy=policy)  # type: ignore[arg-type]
    result = apply_gate(
        Dataset.from_dict(rows),
        reference_texts=[*texts, REAL_WITH_IDS],
        reference_ids=[*ids, "real-ids"],
        settings=settings,
        scanner=scanner,
    )
    got = {k: v["reject_reasons"] for k, v in _by_id(result).items()}
    assert got["lower-name"] == ["phi:replay"] and got["clean"] == []
    assert "phi:replay" not in got["other-ids"]
    detail = result.phi_replay
    assert detail is not None and detail["n_real_identifiers"] >= 3 and detail["real_scan_errors"] == 0
    generated = {"MEDICAL_RECORD_NUMBER": 1, "PERSON": 1, "PHONE_NUMBER": 1}
    assert detail["per_type_generated"] == generated and detail["rows_generated"] == 3
    if policy == "drop":
        assert got["mrn"] == ["phi:MEDICAL_RECORD_NUMBER", "phi:replay"]
        assert got["phone"] == ["phi:PHONE_NUMBER", "phi:replay"]
        assert got["other-ids"] == ["phi:MEDICAL_RECORD_NUMBER", "phi:PHONE_NUMBER"]
        assert detail["per_type"] == generated and result.counts["phi:replay"] == 3
    else:  # the scanner found and redacted the MRN and the phone number: nothing real is left
        assert got["mrn"] == got["phone"] == got["other-ids"] == []
        assert detail["per_type"] == {"PERSON": 1} and result.counts["phi:replay"] == 1
    assert detail["rows"] == result.counts["phi:replay"]
    assert gate_summary(result)["phi_replay"] == detail["per_type"]


def test_replay_index_reuse_and_switch(scanner: PhiScanner, reference: tuple[list[str], list[str]]) -> None:
    texts, ids = reference
    ds = Dataset.from_dict({"id": ["a"], "text": [_novel(31, " Seen with okonkwo again.")]})
    index = ReplayIndex.build([REAL_WITH_IDS], scanner=scanner)  # over texts beyond the reference
    reused = apply_gate(ds, reference_texts=texts, reference_ids=ids, scanner=scanner, replay_index=index)
    assert reused.counts == {"phi:replay": 1}
    off = GateSettings(replay_check=False)
    plain = apply_gate(ds, reference_texts=texts, reference_ids=ids, scanner=scanner, settings=off)
    assert plain.counts == {} and plain.phi_replay is None and plain.kept["phi_replay"][:] == [[]]
    assert "replay_s" not in plain.timings
    with pytest.raises(ValueError, match="replay_check"):
        apply_gate(
            ds, reference_texts=texts, reference_ids=ids, scanner=scanner, settings=off, replay_index=index
        )


def test_gate_summary_is_json_ready(scanner: PhiScanner, reference: tuple[list[str], list[str]]) -> None:
    texts, ids = reference
    ds = Dataset.from_dict(
        {"text": [_novel(41, " Seen with Mr Okonkwo."), texts[2], "  "], "label": ["F32.1", "F32.1", "F41.1"]}
    )
    result = apply_gate(
        ds,
        reference_texts=[*texts, REAL_WITH_IDS],
        reference_ids=[*ids, "real-ids"],
        settings=GateSettings(phi_policy="redact"),
        scanner=scanner,
    )
    summary = gate_summary(result)
    assert tuple(summary) == SUMMARY_KEYS
    assert json.loads(json.dumps(summary)) == summary  # plain JSON types only
    assert summary["settings"]["phi_policy"] == "redact" and summary["settings"]["replay_check"] is True
    assert (summary["n_in"], summary["n_kept"], summary["n_rejected"], summary["n_redacted"]) == (3, 1, 2, 1)
    assert summary["redacted_per_type"] == {"PERSON": 1} and summary["phi_replay"] == {}
    assert summary["phi_replay_detail"]["per_type_generated"] == {"PERSON": 1}
    assert summary["counts"]["empty"] == 1 and summary["counts_per_label"]["F32.1"]["kept"] == 1
    assert {"phi_s", "redact_s", "replay_s", "membership_s", "decision_s"} <= set(summary["timings"])
    assert summary["embedding_threshold"] is None and summary["embedding_texts"] == 0
    empty = gate_summary(apply_gate(ds.select([]), reference_texts=texts, reference_ids=ids, scanner=scanner))
    assert json.loads(json.dumps(empty)) == empty and empty["n_in"] == 0 and empty["phi_replay"] == {}
