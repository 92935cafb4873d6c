"""Partial copies of one patient's own story (issue 10): a 30-45 word passage worded as in one real report
and in no other is rejected even when it is shorter than ``max_shared_span`` and the row is mostly new;
the same passage found in two real reports is shared wording, not one patient's story."""

from __future__ import annotations

import numpy as np
import pytest

from hf_synthmh.gate import GateSettings, MembershipChecker
from hf_synthmh.gate.decide import reject_reasons
from hf_synthmh.testing.bench_corpus import Generator

SETTINGS = GateSettings()
N_REAL, N_STORIES = 2000, 60  # enough reports that template blocks are boilerplate


def _story_report(gen: Generator, size: int) -> tuple[list[str], list[str]]:
    """A report whose history holds a story of its own (fresh words), and ``size`` words from inside it."""
    words = gen.report()[0]
    story = [str(w) for w in gen.words(size + 20)]
    at = words.index("complaint:") + 1
    return words[:at] + story + words[at:], story[10 : 10 + size]


def _rows() -> tuple[list[str], list[tuple[str, str]]]:
    """Real reports and ``(kind, text)`` synthetic rows: story30, story45 and novel."""
    gen = Generator(11)
    stories = [_story_report(gen, 30 if k < N_STORIES else 45) for k in range(2 * N_STORIES)]
    real = [" ".join(words) for words, _ in stories]
    real += [" ".join(gen.report()[0]) for _ in range(N_REAL - len(real))]
    rows: list[tuple[str, str]] = []
    for k, (_, passage) in enumerate(stories):
        host = gen.report()[0]
        kind = "story30" if k < N_STORIES else "story45"
        if kind == "story45":  # the case: 45 words, longest shared run 36, containment ~0.34
            passage[36] = next(w for w in map(str, gen.words(20)) if w != passage[36])
            host = host[:85]
        at = len(host) // 2
        rows.append((kind, " ".join(host[:at] + passage + host[at:])))
    rows += [("novel", " ".join(gen.report()[0])) for _ in range(300)]
    return real, rows


@pytest.fixture(scope="module")
def checked() -> tuple[list[str], dict[str, list], list[list[str]]]:
    real, rows = _rows()
    checker = MembershipChecker.from_settings(SETTINGS, real, [f"r{i}" for i in range(len(real))])
    texts = [text for _, text in rows]
    columns = checker.check_batch(texts)
    batch = {"text": texts, "phi_types": [[] for _ in rows], **columns}
    return [kind for kind, _ in rows], columns, reject_reasons(batch, settings=SETTINGS)["reject_reasons"]


def test_story_copies_are_rejected_and_novel_reports_kept(
    checked: tuple[list[str], dict[str, list], list[list[str]]],
) -> None:
    kinds, columns, reasons = checked
    k = np.array(kinds)
    rejected = np.array(["membership:span" in r for r in reasons])
    for kind in ("story30", "story45"):
        assert rejected[k == kind].mean() >= 0.98, kind
    assert rejected[k == "novel"].mean() <= 0.02
    story45 = np.flatnonzero(k == "story45")
    # Below the older thresholds (span 40 tokens, containment 0.4): only the unique-wording rule sees them.
    assert max(columns["membership_longest_span"][i] for i in story45) < SETTINGS.max_shared_span
    assert max(columns["membership_containment"][i] for i in story45) < SETTINGS.max_containment
    assert min(columns["membership_unique_span"][i] for i in story45) >= SETTINGS.max_unique_span
    named = [columns["membership_nearest_id"][i] == f"r{i}" for i in story45]
    assert all(named)  # the rejection names the patient whose story was copied


def test_wording_shared_by_two_reports_is_not_one_patients_story() -> None:
    gen = Generator(5)
    reports = [gen.report() for _ in range(N_REAL)]
    words, mask = reports[0]
    passage = gen.passage(words, mask, 35)
    other = reports[1][0]
    real = [" ".join(w) for w, _ in reports]
    real[1] = " ".join(other[:100] + passage + other[100:])  # a second real report holds the passage
    checker = MembershipChecker.from_settings(SETTINGS, real, [f"r{i}" for i in range(len(real))])
    host = gen.report()[0]
    row = " ".join(host[:80] + passage + host[80:])
    out = checker.check_batch([row, " ".join(host[:80] + gen.passage(*reports[2], 35) + host[80:])])
    # (a word next to the passage may match by chance)
    assert 35 <= out["membership_longest_span"][0] <= 37
    assert out["membership_unique_span"][0] < SETTINGS.max_unique_span
    assert out["membership_unique_span"][1] >= 35  # the same length from one report only
    batch = {"text": [row], "phi_types": [[]], **{c: v[:1] for c, v in out.items()}}
    assert reject_reasons(batch, settings=SETTINGS)["reject_reasons"] == [[]]
