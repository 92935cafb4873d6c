"""PHI replay: real identifiers repeated verbatim in synthetic rows, per type, on a small fictional
example; matching rules; no identifier in logs; use as a ``Dataset.map`` step."""

from __future__ import annotations

import doctest
import logging
import pickle
from typing import Any

import pytest
from datasets import Dataset
from datasets.fingerprint import Hasher

from hf_synthmh.gate import PhiScanner
from hf_synthmh.gate import replay as replay_module
from hf_synthmh.gate.replay import ReplayIndex, phi_replay, phi_replay_rows

REAL = [
    "Referral for Jonathan Okonkwo (MRN 4821937), seen with his sister Aoife.",
    "Mrs Kowalczyk lives at 14 Larch Road, Harrogate HG1 4QX; NHS number 943 476 5919.",
    "Low mood for two months; PHQ-9 19. A 93-year-old widow, aged 94.",
    "No identifiers here: F32.1, sertraline 50 mg.",
]
SYNTHETIC = [
    "JONATHAN   okonkwo attended clinic alone.",  # case and spacing differ: a replay
    "The new patient, Mr Okonkwo-Bright, attended.",  # a different (hyphenated) surname: not a replay
    "Letters to 14 Larch  Road; record 4821937.",  # address and record number
    "Aoife phoned; she is worried about her brother.",  # the sister's first name
    "A 93-year-old man; PHQ-9 19; aged 94.",  # age phrase yes; "94" alone too short to count
    "Entirely new: Mr Haddad, 22 Elm Grove.",
]


def test_phi_replay_summary_and_rows(scanner: PhiScanner) -> None:
    summary = phi_replay(REAL, SYNTHETIC, scanner=scanner)
    assert summary["per_type"] == {
        "AGE_OVER_89": 1,
        "MEDICAL_RECORD_NUMBER": 1,
        "PERSON": 2,
        "STREET_ADDRESS": 1,
    }
    assert summary["rows"] == 4 and summary["real_scan_errors"] == 0
    assert summary["n_real_identifiers"] >= 8  # names, MRN, address, town, postcode, NHS number, age
    rows = phi_replay_rows(REAL, SYNTHETIC, scanner=scanner)
    assert rows == [
        ["PERSON"],
        [],
        ["MEDICAL_RECORD_NUMBER", "STREET_ADDRESS"],
        ["PERSON"],
        ["AGE_OVER_89"],
        [],
    ]


def test_matching_is_on_token_boundaries_and_normalised() -> None:
    index = ReplayIndex.from_values(
        [
            ("PERSON", "Ali"),
            ("PERSON", "Okafor-Bright"),
            ("URL", "https://example.org/p/12"),
            ("AGE_OVER_89", "94"),
        ]
    )
    assert index.n_identifiers == 3  # "94" is too short to identify anybody
    assert index.types_in("Seen with Alison and Malik.") == []
    assert index.types_in("Seen with ALI, then okafor - bright.") == ["PERSON"]
    assert index.types_in("See HTTPS://EXAMPLE.ORG/P/12 today") == ["URL"]
    assert index.types_in("Aged 94.") == [] and index.types_in(None) == []
    assert ReplayIndex.from_values([]).types_in("anything") == []


def test_no_identifier_reaches_logs_or_pickles(scanner: PhiScanner, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    index = ReplayIndex.build(REAL, scanner=scanner)
    summary = phi_replay(REAL, SYNTHETIC, scanner=scanner)
    state = pickle.dumps(index)
    for secret in ("Okonkwo", "okonkwo", "4821937", "Larch", "HG1 4QX", "Aoife"):
        assert secret not in caplog.text and secret not in repr(summary) and secret.encode() not in state
    assert repr(index).startswith("ReplayIndex(n_identifiers=")


def test_real_scan_errors_are_counted(caplog: pytest.LogCaptureFixture) -> None:
    def _broken() -> Any:
        raise OSError("model missing")

    summary = phi_replay(REAL, SYNTHETIC, scanner=PhiScanner(engine_factory=_broken))
    assert summary == {"per_type": {}, "rows": 0, "n_real_identifiers": 0, "real_scan_errors": 4}
    assert "scan failed on 4 real reports" in caplog.text


def test_dataset_map_step_with_stable_fingerprint(scanner: PhiScanner) -> None:
    index = ReplayIndex.build(REAL, scanner=scanner, batch_size=2)
    again = ReplayIndex.build(REAL, scanner=scanner)
    assert Hasher.hash(index) == Hasher.hash(again)
    ds = Dataset.from_dict({"text": SYNTHETIC})
    out = ds.map(index, batched=True, batch_size=4)
    assert out["phi_replay"][:] == [index.types_in(t) for t in SYNTHETIC]
    reasons = [["phi:replay"] if types else [] for types in out["phi_replay"][:]]
    assert sum(bool(r) for r in reasons) == 4


def test_doctests() -> None:
    result = doctest.testmod(replay_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
