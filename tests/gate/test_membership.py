"""MembershipChecker: copies, near copies and passages are caught, boilerplate is not, ids are right,
exemplars are checked, and batches give the same answers however they are split."""

from __future__ import annotations

import pickle
import random
import subprocess
import sys

import numpy as np
import pytest
from datasets import Dataset
from datasets.fingerprint import Hasher
from rapidfuzz.distance import LCSseq

from hf_synthmh.contracts import MEMBERSHIP_COLUMNS, gate_features
from hf_synthmh.gate import GateSettings, MembershipChecker
from hf_synthmh.gate import membership as membership_module
from hf_synthmh.text.hashing import ngram_hashes
from hf_synthmh.text.overlap import longest_common_run
from hf_synthmh.text.tokens import words
from tests.gate.conftest import fictional_report, fictional_sentences

DEFAULTS = GateSettings()


@pytest.fixture(scope="module")
def checker(reference: tuple[list[str], list[str]]) -> MembershipChecker:
    texts, ids = reference
    return MembershipChecker.from_settings(DEFAULTS, texts, ids)


def _edit(text: str, rng: random.Random, share: float) -> str:
    tokens = text.split()
    for i in rng.sample(range(len(tokens)), round(share * len(tokens))):
        tokens[i] = rng.choice(["quite", "rather", "notably", "somewhat", "very", "also"])
    return " ".join(tokens)


def test_verbatim_copy(checker: MembershipChecker, reference: tuple[list[str], list[str]]) -> None:
    texts, ids = reference
    out = checker.check_batch([texts[7]])
    assert out["membership_containment"] == [1.0] and out["membership_nearest_id"] == [ids[7]]
    assert out["membership_rouge_l"] == [1.0] and out["membership_minhash_jaccard"] == [1.0]
    # The span counts every token but the middles of the stock phrases (boilerplate in all 40 reports).
    assert len(words(texts[7])) - 20 <= out["membership_longest_span"][0] <= len(words(texts[7]))


@pytest.mark.parametrize("seed", range(5))
def test_copy_with_ten_percent_of_words_changed(
    checker: MembershipChecker, reference: tuple[list[str], list[str]], seed: int
) -> None:
    texts, ids = reference
    out = checker.check_batch([_edit(texts[seed], random.Random(seed), 0.10)])
    assert out["membership_containment"][0] > DEFAULTS.max_containment
    assert out["membership_nearest_id"] == [ids[seed]] and out["membership_rouge_l"][0] > 0.85


def test_every_tenth_word_changed(checker: MembershipChecker, reference: tuple[list[str], list[str]]) -> None:
    texts, ids = reference
    tokens = texts[3].split()
    containment, span, nearest = checker.check(
        " ".join("rather" if i % 10 == 9 else t for i, t in enumerate(tokens))
    )
    assert containment > 0.7 and span < DEFAULTS.max_shared_span and nearest == ids[3]


def test_novel_report_sharing_only_boilerplate_is_kept(checker: MembershipChecker) -> None:
    novel = fictional_report(random.Random(99))  # same headings and stock phrases as all 40 reports
    out = checker.check_batch([novel])
    assert (
        out["membership_containment"][0] < 0.1
        and out["membership_longest_span"][0] < DEFAULTS.max_shared_span
    )
    assert out["membership_minhash_jaccard"][0] < 0.1


def test_partial_copy_is_caught_by_the_span(
    checker: MembershipChecker, reference: tuple[list[str], list[str]]
) -> None:
    texts, ids = reference
    passage = " ".join(texts[12].split()[40:90])  # 50 words of one real report
    rng = random.Random(5)
    row = f"{fictional_sentences(rng, 80)} {passage} {fictional_sentences(rng, 80)}"
    containment, span, nearest = checker.check(row)
    assert nearest == ids[12] and span >= DEFAULTS.max_shared_span
    assert containment < DEFAULTS.max_containment


def test_nearest_is_the_report_with_the_strongest_evidence(
    checker: MembershipChecker, reference: tuple[list[str], list[str]]
) -> None:
    texts, ids = reference
    a, b = texts[20].split(), texts[21].split()
    _, span, nearest = checker.check(" ".join([*a[10:30], "novel", *b[10:60]]))
    assert nearest == ids[21] and span >= 45


def test_short_empty_and_no_reference() -> None:
    check = MembershipChecker.build(["one two three four five six seven eight nine"], ["r"], n=8)
    assert check.check("") == (0.0, 0, "")
    assert check.check("one two") == (0.0, 0, "")
    assert check.check("one two three four five six seven eight") == (1.0, 8, "r")
    empty = MembershipChecker.build([], [], n=8)
    assert len(empty) == 0 and empty.check("one two three four five six seven eight") == (0.0, 0, "")
    assert empty.check_batch([]) == {c: [] for c in MEMBERSHIP_COLUMNS}
    with pytest.raises(ValueError):
        MembershipChecker.build(["a"], [], n=8)
    with pytest.raises(ValueError):
        MembershipChecker.build(["a"], ["r"], candidates=0)


def test_max_doc_freq_marks_boilerplate() -> None:
    stock = "crisis line details were provided and a safety plan was agreed today"
    real = [f"{stock} report {i} alpha beta gamma delta epsilon zeta eta theta iota" for i in range(4)]
    row = f"{stock} something else entirely"
    assert MembershipChecker.build(real, list("abcd"), n=4, max_doc_freq=3).check(row)[:2] == (0.0, 0)
    containment, span, _ = MembershipChecker.build(real, list("abcd"), n=4, max_doc_freq=4).check(row)
    assert containment > 0.5 and span >= 12


def test_min_shared_drops_coincidences_not_copies(reference: tuple[list[str], list[str]]) -> None:
    texts, ids = reference
    check = MembershipChecker.build(texts, ids, min_shared=10)
    few = " ".join(texts[5].split()[60:69])  # 9 words: 2 shared 8-grams
    row = f"{fictional_sentences(random.Random(1), 60)} {few} {fictional_sentences(random.Random(2), 60)}"
    assert check.check(row) == (0.0, 0, "")
    assert MembershipChecker.build(texts, ids, min_shared=1).check(row)[2] == ids[5]
    assert check.check(few)[2] == ids[5]  # a short row needs only half of its n-grams


def test_exemplars_are_checked_and_must_be_known(
    checker: MembershipChecker, reference: tuple[list[str], list[str]]
) -> None:
    texts, ids = reference
    passage = " ".join(texts[30].split()[20:75])
    rows = [
        f"{fictional_sentences(random.Random(3), 60)} {passage}",
        fictional_report(random.Random(4)),
        texts[9],
    ]
    out = checker.check_batch(rows, exemplar_ids=[[ids[1], ids[30]], [ids[2]], None])
    assert out["membership_exemplar_id"] == [ids[30], "", ""]
    assert out["membership_exemplar_span"][0] >= DEFAULTS.max_shared_span
    assert out["membership_exemplar_containment"][1:] == [0.0, 0.0]
    assert out["membership_nearest_id"][2] == ids[9]  # the corpus-wide check still runs
    with pytest.raises(ValueError, match="exemplar ids"):
        checker.check_batch(rows, exemplar_ids=[["real-999"], [], []])
    with pytest.raises(ValueError, match="exemplar_ids"):
        checker.check_batch(rows, exemplar_ids=[[]])


def test_rouge_l_is_exact(checker: MembershipChecker, reference: tuple[list[str], list[str]]) -> None:
    texts, _ = reference
    row = _edit(texts[4], random.Random(8), 0.2)
    a, b = words(row), words(texts[4])
    assert checker.check_batch([row])["membership_rouge_l"][0] == pytest.approx(
        2 * LCSseq.similarity(a, b) / (len(a) + len(b))
    )


def test_chunks_give_the_same_answers(
    checker: MembershipChecker, reference: tuple[list[str], list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts, ids = reference
    rng = random.Random(11)
    rows = (
        [_edit(texts[k], rng, 0.1) for k in range(10)]
        + [fictional_report(rng) for _ in range(5)]
        + texts[20:25]
    )
    exemplars = [[ids[k]] for k in range(20)]
    whole = checker.check_batch(rows, exemplar_ids=exemplars)
    monkeypatch.setattr(membership_module, "_CHUNK_GRAMS", 300)  # about two rows per chunk
    assert checker.check_batch(rows, exemplar_ids=exemplars) == whole
    one_by_one = [checker.check_batch([r], exemplar_ids=[e]) for r, e in zip(rows, exemplars, strict=True)]
    assert [o["membership_containment"][0] for o in one_by_one] == whole["membership_containment"]


def test_longest_common_run_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = rng.integers(0, 4, rng.integers(0, 15))
        b = rng.integers(0, 4, rng.integers(0, 15))
        best = 0
        for i in range(len(a)):
            for j in range(len(b)):
                k = 0
                while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                    k += 1
                best = max(best, k)
        assert longest_common_run(a, b) == best


def test_hashes_are_stable_across_processes() -> None:
    text = "Low mood, poor sleep and guilt for three months; PHQ-9 17. Café naïve it’s"
    code = f"from hf_synthmh.text.hashing import ngram_hashes; print(ngram_hashes({text!r}, 3).tolist())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == str(ngram_hashes(text, 3).tolist())


def test_dataset_map_pickle_and_fingerprint(
    checker: MembershipChecker, reference: tuple[list[str], list[str]]
) -> None:
    texts, ids = reference
    ds = Dataset.from_dict({"text": [fictional_sentences(random.Random(7), 100), texts[2], ""]})
    out = ds.map(checker, batched=True, batch_size=2, features=gate_features(ds, MEMBERSHIP_COLUMNS))
    assert out["membership_nearest_id"][:] == ["", ids[2], ""]
    assert out["membership_containment"][:][1] == 1.0
    clone = pickle.loads(pickle.dumps(checker))
    assert clone.check(texts[2]) == checker.check(texts[2]) and clone.digest() == checker.digest()
    assert Hasher.hash(checker) == Hasher.hash(clone)
    assert "n=8" in repr(checker)
