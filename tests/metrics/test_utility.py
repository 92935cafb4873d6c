from __future__ import annotations

import math
import random

import numpy as np
import pytest
from sklearn.metrics import f1_score

from hf_synthmh.metrics.utility import TfidfLogReg, f1_per_class, make_classifier, utility_report

Split = tuple[list[str], list[str]]


def _drop_diagnosis(text: str) -> str:
    """The demo reports name their code in the diagnosis section: drop it so the task is not trivial."""
    from hf_synthmh.demo.corpus import split_sections

    return "\n".join(body for key, body in split_sections(text).items() if key not in ("impression", "plan"))


def test_f1_equals_sklearn() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        k = 5
        true = np.r_[np.arange(k), rng.integers(0, k, 45)]
        pred = rng.integers(0, k + 1, 50)  # k: a code outside the test codes
        ours = f1_per_class(true, pred, k)[0]
        assert ours == pytest.approx(
            f1_score(true, pred, labels=list(range(k)), average=None, zero_division=0)
        )


def test_report_on_the_demo_corpus(demo: dict[str, Split]) -> None:
    """Real only vs real + synthetic per code; the holdout split stands in for synthetic rows here."""
    train, hold, test = demo["train"], demo["holdout"], demo["test"]
    out = utility_report(
        real_texts=train[0], real_labels=train[1], synthetic_texts=hold[0], synthetic_labels=hold[1],
        test_texts=test[0], test_labels=test[1], n_bootstrap=300, preprocess=_drop_diagnosis,
    )  # fmt: skip
    overall, per_code = out["overall"], out["per_code"]
    assert sorted(per_code) == sorted(set(test[1])) and overall["n_test"] == len(test[0])
    for name in ("real_only", "real_plus_synthetic", "synthetic_only"):
        f1, low, high = (overall[f"{name}_macro_f1{s}"] for s in ("", "_ci_low", "_ci_high"))
        assert 0.3 < f1 <= 1.0 and low <= f1 <= high
    assert overall["augmentation_score"] == pytest.approx(overall["macro_f1_gain"] / 2 + 0.5)
    assert overall["macro_f1_gain_ci_low"] <= overall["macro_f1_gain"] <= overall["macro_f1_gain_ci_high"]
    rare = per_code["F31.2"]
    assert rare["n_train_real"] == 9 and rare["n_train_synthetic"] == hold[1].count("F31.2")
    assert rare["f1_gain"] == pytest.approx(rare["real_plus_synthetic_f1"] - rare["real_only_f1"])
    again = utility_report(
        real_texts=train[0], real_labels=train[1], synthetic_texts=hold[0], synthetic_labels=hold[1],
        test_texts=test[0], test_labels=test[1], n_bootstrap=300, preprocess=_drop_diagnosis,
    )  # fmt: skip
    assert again == out  # fixed seeds: identical intervals


def test_noise_labels_do_not_help() -> None:
    rng = random.Random(0)
    vocab = {"A": ["sad", "low", "tearful", "hopeless"], "B": ["worry", "tense", "restless", "edge"]}

    def text(code: str) -> str:
        return (
            " ".join(rng.choice(vocab[code]) for _ in range(6))
            + " "
            + " ".join(rng.choice(["patient", "seen", "today", "plan"]) for _ in range(4))
        )

    real = [(text(c), c) for c in "AB" * 10]
    test = [(text(c), c) for c in "AB" * 30]
    good = [(text(c), c) for c in "AB" * 20]
    noise = [(text(c), "B" if c == "A" else "A") for c in "AB" * 40]  # every label wrong
    kwargs = {"test_texts": [t for t, _ in test], "test_labels": [c for _, c in test], "n_bootstrap": 200}
    base = {"real_texts": [t for t, _ in real], "real_labels": [c for _, c in real]}
    helped = utility_report(
        **base, synthetic_texts=[t for t, _ in good], synthetic_labels=[c for _, c in good], **kwargs
    )  # type: ignore[arg-type]
    hurt = utility_report(
        **base, synthetic_texts=[t for t, _ in noise], synthetic_labels=[c for _, c in noise], **kwargs
    )  # type: ignore[arg-type]
    assert hurt["overall"]["augmentation_score"] < 0.5 <= helped["overall"]["augmentation_score"]
    assert hurt["overall"]["synthetic_only_macro_f1"] < 0.2


def test_classifier_specs_and_errors() -> None:
    assert isinstance(make_classifier("tfidf_lr"), TfidfLogReg)
    assert TfidfLogReg().fit(["a", "b"], ["X", "X"]).predict(["c"]) == ["X"]
    with pytest.raises(ValueError, match="unknown classifier"):
        make_classifier("svm")
    with pytest.raises(ValueError, match="test split"):
        utility_report(real_texts=["a"], real_labels=["X"], synthetic_texts=[], synthetic_labels=[],
                       test_texts=[], test_labels=[])  # fmt: skip
    out = utility_report(
        real_texts=["low mood", "worry"], real_labels=["A", "B"], synthetic_texts=[], synthetic_labels=[],
        test_texts=["low", "worry"], test_labels=["A", "B"], n_bootstrap=20,
    )  # fmt: skip
    assert math.isnan(out["overall"]["synthetic_only_macro_f1"])
    assert out["overall"]["augmentation_score"] == 0.5  # real + no synthetic rows = real only


def test_tiny_transformer_classifier_from_scratch() -> None:
    from hf_synthmh.metrics.utility_transformers import TransformerClassifier

    rng = random.Random(0)
    words = {"A": ["sad", "low", "tearful"], "B": ["worry", "tense", "restless"]}
    rows = [(" ".join(rng.choice(words[c]) for _ in range(8)), c) for c in "AB" * 24]
    factory = lambda: TransformerClassifier(  # noqa: E731
        epochs=6, batch_size=8, hidden_size=16, layers=1, max_length=16, use_cpu=True, learning_rate=5e-3
    )
    out = utility_report(
        real_texts=[t for t, _ in rows[:32]], real_labels=[c for _, c in rows[:32]],
        synthetic_texts=[t for t, _ in rows[32:40]], synthetic_labels=[c for _, c in rows[32:40]],
        test_texts=[t for t, _ in rows[40:]], test_labels=[c for _, c in rows[40:]],
        classifier=factory, n_bootstrap=50,
    )  # fmt: skip
    assert out["overall"]["real_only_macro_f1"] > 0.6
    assert set(out["per_code"]) == {"A", "B"}


def test_word_tfidf_equals_sklearn(demo: dict[str, Split]) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from hf_synthmh.metrics.utility import WordTfidf, cached_encoder
    from hf_synthmh.text.tokens import words

    train, test = demo["train"][0], [*demo["test"][0], "zzz unseen", "", "low"]
    vocab: dict[str, int] = {}
    ours = WordTfidf(cached_encoder(vocab))
    a, b = ours.fit_transform(train), ours.transform(test)
    ref = TfidfVectorizer(tokenizer=words, lowercase=False, token_pattern=None, sublinear_tf=True)
    a_ref, b_ref = ref.fit_transform(train), ref.transform(test)
    order = [ours.lookup[vocab[t]] for t in ref.get_feature_names_out()]
    assert np.abs(a.toarray()[:, order] - a_ref.toarray()).max() < 1e-12
    assert np.abs(b.toarray()[:, order] - b_ref.toarray()).max() < 1e-12
