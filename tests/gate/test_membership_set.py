"""The membership gate on the membership test set (tests/data/membership_set.py): copies of every kind
are rejected, novel reports (holdout and recombined) are kept. Figures per kind are printed (``-s``)
and recorded as junit properties."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from hf_synthmh.demo.corpus import load_demo_corpus
from hf_synthmh.gate import GateSettings, MembershipChecker
from hf_synthmh.gate.decide import reject_reasons
from tests.data.membership_set import KINDS, build_membership_set

SETTINGS = GateSettings()


@pytest.fixture(scope="module")
def checker() -> MembershipChecker:
    train = load_demo_corpus()["train"]
    return MembershipChecker.from_settings(SETTINGS, list(train["text"]), list(train["id"]))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return build_membership_set()


def _decide(
    checker: MembershipChecker, rows: list[dict[str, str]]
) -> tuple[list[list[str]], dict[str, list]]:
    texts = [r["text"] for r in rows]
    columns = checker.check_batch(texts)
    batch = {"text": texts, "phi_types": [[] for _ in rows], **columns}
    return reject_reasons(batch, settings=SETTINGS)["reject_reasons"], columns


def test_the_set_is_deterministic_and_well_formed(rows: list[dict[str, str]]) -> None:
    counts = Counter(r["kind"] for r in rows)
    assert counts == {"verbatim": 50, "near": 100, "partial": 100, "novel": 200}
    assert len({r["id"] for r in rows}) == len(rows)
    assert all(bool(r["source_id"]) == (r["kind"] != "novel") for r in rows)
    again = build_membership_set()
    assert [r["text"] for r in again] == [r["text"] for r in rows]


def test_copies_are_rejected_and_novel_reports_kept(
    checker: MembershipChecker, rows: list[dict[str, str]], record_property: pytest.RecordProperty
) -> None:
    reasons, columns = _decide(checker, rows)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for k, row in enumerate(rows):
        by_kind[row["kind"]].append(k)
    lines = [f"{'kind':<9} {'rows':>4} {'rejected':>8}  by reason"]
    rates = {}
    for kind in KINDS:
        idx = by_kind[kind]
        rejected = [k for k in idx if any(r.startswith("membership:") for r in reasons[k])]
        rates[kind] = len(rejected) / len(idx)
        per_reason = Counter(r for k in idx for r in reasons[k])
        lines.append(f"{kind:<9} {len(idx):>4} {rates[kind]:>8.3f}  {dict(sorted(per_reason.items()))}")
        record_property(f"rejected_{kind}", round(rates[kind], 4))
    print("\nmembership set, default GateSettings\n" + "\n".join(lines))
    for kind in ("verbatim", "near", "partial"):
        assert rates[kind] >= 0.98, (kind, rates[kind])
        named = [columns["membership_nearest_id"][k] == rows[k]["source_id"] for k in by_kind[kind]]
        assert sum(named) / len(named) >= 0.95, kind  # a rejection names the copied report
    assert rates["novel"] <= 0.02


def test_passage_length(checker: MembershipChecker, record_property: pytest.RecordProperty) -> None:
    """Informative: how often a pasted history-section passage is caught, by its length in words
    (stock sentences inside a passage do not count towards ``max_shared_span``)."""
    caught = {}
    for size in (40, 45, 50, 60):
        partial = [
            r for r in build_membership_set(passage_words=size, n_recombined=0) if r["kind"] == "partial"
        ]
        reasons, _ = _decide(checker, partial)
        caught[size] = sum("membership:span" in r for r in reasons) / len(partial)
        record_property(f"partial_caught_{size}_words", caught[size])
    print(f"\npartial copies caught by passage length (words): {caught}")
    assert caught[60] >= caught[40] and caught[50] >= 0.98
