"""Near copies whose edits are spread evenly (one word in eight replaced) break up every shared passage
and most shingles, so containment, span and MinHash can all pass them; ROUGE-L with the nearest real
report still sees the copy (``membership:rouge_l``), and novel reports stay far below it."""

from __future__ import annotations

from hf_synthmh.gate import GateSettings, MembershipChecker
from hf_synthmh.gate.decide import reject_reasons
from hf_synthmh.testing.bench_corpus import Generator

SETTINGS = GateSettings()


def test_evenly_edited_copies_are_rejected_by_rouge_l() -> None:
    gen = Generator(7)
    reports = [gen.report()[0] for _ in range(2000)]  # enough reports that template blocks are boilerplate
    real = [" ".join(w) for w in reports]
    checker = MembershipChecker.from_settings(SETTINGS, real, [f"r{i}" for i in range(len(real))])
    copies = []
    for words in reports[:20]:
        fresh = [str(w) for w in gen.words(len(words))]
        copies.append(" ".join(w if i < 17 or i % 8 else fresh[i] for i, w in enumerate(words)))
    novel = [" ".join(gen.report()[0]) for _ in range(200)]
    rows = copies + novel
    out = checker.check_batch(rows)
    reasons = reject_reasons({"text": rows, "phi_types": [[] for _ in rows], **out}, settings=SETTINGS)
    found = reasons["reject_reasons"]
    assert all("membership:rouge_l" in r for r in found[:20])
    assert [out["membership_nearest_id"][k] for k in range(20)] == [f"r{k}" for k in range(20)]
    # most of them pass every other membership check: only ROUGE-L rejects them
    assert sum(r == ["membership:rouge_l"] for r in found[:20]) >= 10
    assert max(out["membership_rouge_l"][20:]) < 0.5
    assert not any(found[20:])
