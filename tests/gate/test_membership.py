"""MembershipChecker: copies and near-copies are caught, boilerplate is not, nearest ids are right."""

from __future__ import annotations

import pickle
import random
import subprocess
import sys

import numpy as np
import pytest
from datasets import Dataset
from datasets.fingerprint import Hasher

from hf_synthmh.gate import GateSettings, MembershipChecker, gate_features, longest_common_run, ngram_hashes
from hf_synthmh.metrics.tokens import words
from tests.gate.conftest import fictional_report, fictional_sentences

DEFAULTS = GateSettings()


@pytest.fixture(scope="module")
def checker(reference: tuple[list[str], list[str]]) -> MembershipChecker:
    texts, ids = reference
    return MembershipChecker.build(texts, ids, n=DEFAULTS.ngram, max_doc_freq=DEFAULTS.max_doc_freq)


def _edit(text: str, rng: random.Random, share: float) -> str:
    tokens = text.split()
    for i in rng.sample(range(len(tokens)), round(share * len(tokens))):
        tokens[i] = rng.choice(["quite", "rather", "notably", "somewhat", "very", "also"])
    return " ".join(tokens)


def test_verbatim_copy(checker: MembershipChecker, reference: tuple[list[str], list[str]]) -> None:
    texts, ids = reference
    containment, span, nearest = checker.check(texts[7])
    assert containment == 1.0 and nearest == ids[7]
    assert span == len(words(texts[7]))


@pytest.mark.parametrize("seed", range(5))
def test_copy_with_ten_percent_of_words_changed(
    checker: MembershipChecker, reference: tuple[list[str], list[str]], seed: int
) -> None:
    texts, ids = reference
    containment, _, nearest = checker.check(_edit(texts[seed], random.Random(seed), 0.10))
    assert containment > DEFAULTS.max_containment and nearest == ids[seed]


def test_every_tenth_word_changed(checker: MembershipChecker, reference: tuple[list[str], list[str]]) -> None:
    texts, ids = reference
    tokens = texts[3].split()
    edited = " ".join("rather" if i % 10 == 9 else t for i, t in enumerate(tokens))
    containment, span, nearest = checker.check(edited)
    assert containment > 0.8 and span < DEFAULTS.max_shared_span and nearest == ids[3]


def test_novel_report_sharing_only_boilerplate_is_kept(checker: MembershipChecker) -> None:
    novel = fictional_report(random.Random(99))  # same headings and stock phrases as all 40 reports
    containment, span, _ = checker.check(novel)
    # An n-gram straddling a random word and a stock phrase can match by chance, nothing more.
    assert containment < 0.1 and span < DEFAULTS.max_shared_span


def test_partial_copy_is_caught_by_the_span(
    checker: MembershipChecker, reference: tuple[list[str], list[str]]
) -> None:
    texts, ids = reference
    passage = " ".join(texts[12].split()[40:90])  # 50 words of one real report
    rng = random.Random(5)
    row = f"{fictional_sentences(rng, 80)} {passage} {fictional_sentences(rng, 80)}"
    containment, span, nearest = checker.check(row)
    assert nearest == ids[12]
    assert span >= DEFAULTS.max_shared_span and span >= 45
    assert containment < DEFAULTS.max_containment


def test_nearest_is_the_report_sharing_most_rare_ngrams(
    checker: MembershipChecker, reference: tuple[list[str], list[str]]
) -> None:
    texts, ids = reference
    a, b = texts[20].split(), texts[21].split()
    row = " ".join([*a[10:30], "novel", *b[10:60]])
    _, span, nearest = checker.check(row)
    assert nearest == ids[21] and span >= 45


def test_short_empty_and_no_reference() -> None:
    check = MembershipChecker.build(["one two three four five six seven eight nine"], ["r"], n=8)
    assert check.check("") == (0.0, 0, "")
    assert check.check("one two") == (0.0, 0, "")
    assert check.check("one two three four five six seven eight") == (1.0, 8, "r")
    empty = MembershipChecker.build([], [], n=8)
    assert len(empty) == 0 and empty.check("one two three four five six seven eight") == (0.0, 0, "")
    with pytest.raises(ValueError):
        MembershipChecker.build(["a"], [], n=8)


def test_max_doc_freq_marks_boilerplate() -> None:
    stock = "crisis line details were provided and a safety plan was agreed today"
    real = [f"{stock} report {i} alpha beta gamma delta epsilon zeta eta theta iota" for i in range(4)]
    row = f"{stock} something else entirely"
    assert MembershipChecker.build(real, list("abcd"), n=4, max_doc_freq=3).check(row)[0] == 0.0
    assert MembershipChecker.build(real, list("abcd"), n=4, max_doc_freq=4).check(row)[0] > 0.5


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
    text = "Low mood, poor sleep and guilt for three months; PHQ-9 17."
    code = f"from hf_synthmh.gate import ngram_hashes; print(ngram_hashes({text!r}, 3).tolist())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == str(ngram_hashes(text, 3).tolist())


def test_dataset_map_pickle_and_fingerprint(
    checker: MembershipChecker, reference: tuple[list[str], list[str]]
) -> None:
    texts, ids = reference
    ds = Dataset.from_dict({"text": [fictional_sentences(random.Random(7), 100), texts[2], ""]})
    features = gate_features(
        ds, ["membership_containment", "membership_longest_span", "membership_nearest_id"]
    )
    out = ds.map(checker, batched=True, batch_size=2, features=features)
    assert out["membership_nearest_id"][:] == ["", ids[2], ""]
    assert out["membership_containment"][:][1] == 1.0
    clone = pickle.loads(pickle.dumps(checker))
    assert clone.check(texts[2]) == checker.check(texts[2]) and clone.digest() == checker.digest()
    assert Hasher.hash(checker) == Hasher.hash(clone)
