"""Downstream utility: does adding the synthetic reports help a classifier of ICD-10 codes?

:func:`utility_report` trains the same classifier three times - on the real training reports only, on
real + synthetic, and on synthetic only - and tests each on the *real* test split:

* ``macro_f1``: the unweighted mean over the codes of the test split of per-code F1 = 2TP / (2TP + FP +
  FN) (scikit-learn's ``f1_score(labels=test codes, average="macro", zero_division=0)``); ``f1`` per
  code likewise. Predictions of codes absent from the test split count only as misses of the true code.
* confidence intervals: percentile bootstrap over the test set (``n_bootstrap`` resamples of the test
  rows with replacement, ``numpy.random.default_rng(seed)``, default 1000 and 95%). A code that neither
  occurs nor is predicted in a resample has no F1 there: it is left out of that resample's macro mean
  and of its own interval. The *same* resamples score every model, so the gain's interval is paired.
* ``macro_f1_gain`` = augmented - baseline (real + synthetic minus real only), and the
  ``augmentation_score`` = gain / 2 + 0.5, in [0, 1]: 0.5 = no change, above 0.5 = the synthetic
  reports help.

The default classifier (:class:`TfidfLogReg`) is TF-IDF over :func:`~hf_synthmh.text.tokens.words`
(unigrams, sublinear tf; ``ngram_range=(1, 2)`` adds bigrams at several times the cost on large
corpora) with a logistic regression (``C=10``, lbfgs), ``class_weight="balanced"``. Pass
``classifier="transformer"`` for :class:`~hf_synthmh.metrics.utility_transformers.TransformerClassifier`
(a small transformer; torch and transformers are imported only then), or any zero-argument callable
returning an object with ``fit(texts, labels)`` and ``predict(texts)``.

    >>> train = ["low mood and poor sleep", "sad, low, tearful", "worry and tension", "constant worry"]
    >>> codes = ["F32.1", "F32.1", "F41.1", "F41.1"]
    >>> out = utility_report(
    ...     real_texts=train, real_labels=codes, synthetic_texts=["tearful and low", "tension, worry"],
    ...     synthetic_labels=["F32.1", "F41.1"], test_texts=["low and tearful", "worry, tension"],
    ...     test_labels=["F32.1", "F41.1"], n_bootstrap=50,
    ... )
    >>> out["overall"]["real_only_macro_f1"], out["overall"]["augmentation_score"], sorted(out["per_code"])
    (1.0, 0.5, ['F32.1', 'F41.1'])
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from hf_synthmh.metrics.keys import interval_keys
from hf_synthmh.text.tokens import words

__all__ = [
    "SETTINGS",
    "Classifier",
    "ClassifierSpec",
    "TfidfLogReg",
    "WordTfidf",
    "bootstrap_f1",
    "cached_encoder",
    "f1_per_class",
    "make_classifier",
    "utility_report",
]

#: The three training sets, in report order.
SETTINGS = ("real_only", "real_plus_synthetic", "synthetic_only")


class Classifier(Protocol):
    """What :func:`utility_report` needs from a classifier."""

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Any: ...

    def predict(self, texts: Sequence[str]) -> list[str]: ...


ClassifierSpec = str | Callable[[], Classifier]


class WordTfidf:
    """Word-unigram TF-IDF with scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` formula (tf =
    1 + ln(count), smooth idf = ln((1 + n) / (1 + df)) + 1, rows L2-normalised; words unseen in
    training dropped), built with numpy from word ids: several times faster on large corpora.
    ``encoder`` maps a text to its word ids (:func:`cached_encoder`); the features are the ids seen in
    training, in id order (``lookup[id]`` is the column of word id ``id``, -1 if none).

    >>> m = WordTfidf(cached_encoder()).fit_transform(["low low mood", "mood"])
    >>> m.shape, m.toarray()[0].round(4).tolist()
    ((2, 2), [0.9219, 0.3874])
    """

    def __init__(self, encoder: Callable[[str], np.ndarray]) -> None:
        self.encoder = encoder
        self.lookup = np.zeros(0, dtype=np.int64)
        self.idf = np.zeros(0)

    def _counts(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import csr_matrix

        docs = [self.encoder(t) for t in texts]
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        flat = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
        inside = flat < len(self.lookup)
        column = np.where(inside, self.lookup[np.where(inside, flat, 0)] if len(self.lookup) else -1, -1)
        rows = np.repeat(np.arange(len(docs)), lengths)
        keep = column >= 0
        n_features = int(self.lookup.max(initial=-1)) + 1
        counts = csr_matrix(
            (np.ones(int(keep.sum())), (rows[keep], column[keep])), shape=(len(docs), n_features)
        )
        counts.sum_duplicates()
        return counts

    def fit_transform(self, texts: Sequence[str]) -> Any:
        docs = [self.encoder(t) for t in texts]
        flat = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
        present = np.zeros(int(flat.max(initial=-1)) + 1, dtype=bool)
        present[flat] = True
        self.lookup = np.where(present, np.cumsum(present) - 1, -1)
        counts = self._counts(texts)
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf = np.log((1 + len(texts)) / (1 + df)) + 1
        return self._weight(counts)

    def transform(self, texts: Sequence[str]) -> Any:
        return self._weight(self._counts(texts))

    def _weight(self, counts: Any) -> Any:
        counts.data = (1 + np.log(counts.data)) * self.idf[counts.indices]
        lengths = np.diff(counts.indptr)
        rows = np.repeat(np.arange(len(lengths)), lengths)
        norms = np.sqrt(np.bincount(rows, weights=counts.data**2, minlength=len(lengths)))
        counts.data /= np.maximum(norms, 1e-300)[rows]
        return counts


class TfidfLogReg:
    """TF-IDF (word n-grams, sublinear tf) + logistic regression with balanced class weights.
    With a single training label it predicts that label. Unigrams use :class:`WordTfidf`, other
    ``ngram_range`` values scikit-learn's ``TfidfVectorizer``."""

    def __init__(
        self,
        *,
        c: float = 10.0,
        seed: int = 0,
        max_iter: int = 2000,
        ngram_range: tuple[int, int] = (1, 1),
        encoder: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        self.c, self.seed, self.max_iter, self.ngram_range = c, seed, max_iter, ngram_range
        self.encoder = encoder or cached_encoder()  # text -> word ids, e.g. of texts already tokenised
        self._vectorizer: Any = None
        self._model: Any = None
        self._only: str | None = None

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TfidfLogReg:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if len(texts) == 0:
            raise ValueError("cannot train a classifier on zero texts")
        distinct = sorted(set(labels))
        self._only = distinct[0] if len(distinct) == 1 else None
        if self._only is None:
            if self.ngram_range == (1, 1):
                self._vectorizer = WordTfidf(self.encoder)
            else:
                self._vectorizer = TfidfVectorizer(
                    tokenizer=words,
                    lowercase=False,
                    token_pattern=None,
                    ngram_range=self.ngram_range,
                    sublinear_tf=True,
                )
            features = self._vectorizer.fit_transform(list(texts))
            self._model = LogisticRegression(
                C=self.c, class_weight="balanced", max_iter=self.max_iter, random_state=self.seed
            ).fit(features, list(labels))
        return self

    def predict(self, texts: Sequence[str]) -> list[str]:
        if self._only is not None:
            return [self._only] * len(texts)
        if self._model is None:
            raise RuntimeError("call fit() first")
        return [str(x) for x in self._model.predict(self._vectorizer.transform(list(texts)))]


def cached_encoder(
    vocab: dict[str, int] | None = None, known: dict[str, np.ndarray] | None = None
) -> Callable[[str], np.ndarray]:
    """Text -> int64 ids of its :func:`~hf_synthmh.text.tokens.words` in ``vocab`` (new words are
    added), cached, and seeded with ``known`` encodings (e.g. slices of an already encoded corpus), so
    texts seen by several classifiers are tokenised once.

    >>> encoder = cached_encoder({"low": 0}, {"Low mood.": np.array([0, 5])})
    >>> encoder("Low mood.").tolist(), encoder("low worry").tolist()
    ([0, 5], [0, 1])
    """
    words_vocab: dict[str, int] = {} if vocab is None else vocab
    cache: dict[str, np.ndarray] = dict(known or {})

    def encode_text(text: str) -> np.ndarray:
        ids = cache.get(text)
        if ids is None:
            tokens = words(text)
            ids = cache[text] = np.fromiter(
                (words_vocab.setdefault(w, len(words_vocab)) for w in tokens),
                dtype=np.int64,
                count=len(tokens),
            )
        return ids

    return encode_text


def make_classifier(
    spec: ClassifierSpec, seed: int = 0, encoder: Callable[[str], np.ndarray] | None = None
) -> Classifier:
    """A fresh classifier: ``"tfidf_lr"``, ``"transformer"`` or a zero-argument factory."""
    if callable(spec):
        return spec()
    if spec == "tfidf_lr":
        return TfidfLogReg(seed=seed, encoder=encoder)
    if spec == "transformer":
        from hf_synthmh.metrics.utility_transformers import TransformerClassifier

        return TransformerClassifier(seed=seed)
    raise ValueError(f"unknown classifier {spec!r}: use 'tfidf_lr', 'transformer' or a factory")


def f1_per_class(true: np.ndarray, pred: np.ndarray, k: int, index: np.ndarray | None = None) -> np.ndarray:
    """Per-class F1 (NaN where the class neither occurs nor is predicted) of the rows at ``index`` (a 2-d
    array: one resample per row; all rows when None). ``true`` in [0, k), ``pred`` in [0, k] (k: a code
    outside the test codes).

    >>> f1_per_class(np.array([0, 0, 1]), np.array([0, 1, 1]), 2).tolist()
    [[0.6666666666666666, 0.6666666666666666]]
    """
    idx = np.arange(len(true))[None, :] if index is None else index
    b = len(idx)
    offset = (np.arange(b) * (k + 1))[:, None]
    t, p = true[idx], pred[idx]
    true_n = np.bincount((t + offset).ravel(), minlength=b * (k + 1)).reshape(b, k + 1)[:, :k]
    pred_n = np.bincount((p + offset).ravel(), minlength=b * (k + 1)).reshape(b, k + 1)[:, :k]
    hit = np.where(t == p, t, k)
    tp = np.bincount((hit + offset).ravel(), minlength=b * (k + 1)).reshape(b, k + 1)[:, :k]
    denominator = true_n + pred_n  # = 2TP + FP + FN
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, 2 * tp / denominator, np.nan)


def bootstrap_f1(
    true: np.ndarray, preds: dict[str, np.ndarray], k: int, *, n_bootstrap: int = 1000, seed: int = 0
) -> dict[str, np.ndarray]:
    """Per-class F1 of each model on ``n_bootstrap`` shared resamples: ``{name: (n_bootstrap, k)}``."""
    rng = np.random.default_rng(seed)
    n = len(true)
    out: dict[str, list[np.ndarray]] = {name: [] for name in preds}
    chunk = max(1, 2_000_000 // max(n, 1))
    for start in range(0, n_bootstrap, chunk):
        index = rng.integers(0, n, size=(min(chunk, n_bootstrap - start), n))
        for name, pred in preds.items():
            out[name].append(f1_per_class(true, pred, k, index))
    return {name: np.concatenate(parts) if parts else np.zeros((0, k)) for name, parts in out.items()}


def _interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    kept = samples[~np.isnan(samples)]
    if len(kept) == 0:
        return math.nan, math.nan
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(kept, [tail, 100 - tail])
    return float(low), float(high)


def _macro(per_class: np.ndarray) -> np.ndarray:
    """Mean over the defined (non-NaN) classes of each row; NaN for a row with none."""
    defined = ~np.isnan(per_class)
    n = defined.sum(axis=-1)
    total = np.where(defined, per_class, 0.0).sum(axis=-1)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _with_interval(name: str, value: float, low: float, high: float) -> dict[str, float]:
    """``{name: value}`` and its interval under the keys of :func:`~hf_synthmh.metrics.keys.interval_keys`."""
    low_key, high_key = interval_keys(name)
    return {name: value, low_key: low, high_key: high}


def utility_report(
    *,
    real_texts: Sequence[str],
    real_labels: Sequence[str],
    synthetic_texts: Sequence[str],
    synthetic_labels: Sequence[str],
    test_texts: Sequence[str],
    test_labels: Sequence[str],
    classifier: ClassifierSpec = "tfidf_lr",
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    real_only_model: Classifier | None = None,
    preprocess: Callable[[str], str] | None = None,
    encoder: Callable[[str], np.ndarray] | None = None,
) -> dict[str, Any]:
    """Macro-F1 and per-code F1 with bootstrap intervals of classifiers trained on real only, real +
    synthetic and synthetic only, tested on the real test split (see the module docstring).

    Returns ``{"overall": {...}, "per_code": {code: {...}}}`` of plain floats / ints (NaN when
    undefined, e.g. ``synthetic_only_*`` without synthetic rows). ``real_only_model`` reuses an already
    fitted real-only classifier (trained on preprocessed texts). ``preprocess`` maps every text before
    training and testing, e.g. to drop a section that names the code (the demo corpus's "Diagnosis"
    section does, which makes classification trivial). ``encoder`` (:func:`cached_encoder`) maps texts to
    word ids for the TF-IDF classifiers (default: a fresh cache shared by the three)."""
    if len(test_texts) != len(test_labels) or len(test_texts) == 0:
        raise ValueError("utility needs a non-empty test split with one label per text")
    prep: Callable[[str], str] = preprocess if preprocess is not None else (lambda text: text)
    shared_encoder = encoder or cached_encoder()
    codes = sorted({str(x) for x in test_labels})
    position = {code: i for i, code in enumerate(codes)}
    k = len(codes)
    true = np.array([position[str(x)] for x in test_labels], dtype=np.int64)
    train_sets = {
        "real_only": ([prep(t) for t in real_texts], [str(x) for x in real_labels]),
        "real_plus_synthetic": (
            [prep(t) for t in (*real_texts, *synthetic_texts)],
            [*map(str, real_labels), *map(str, synthetic_labels)],
        ),
        "synthetic_only": ([prep(t) for t in synthetic_texts], [str(x) for x in synthetic_labels]),
    }
    test = [prep(t) for t in test_texts]
    preds: dict[str, np.ndarray] = {}
    for name, (texts, labels) in train_sets.items():
        if not texts:
            continue
        if name == "real_only" and real_only_model is not None:
            model = real_only_model
        else:
            model = make_classifier(classifier, seed, shared_encoder)
            model.fit(texts, labels)
        predicted = model.predict(test)
        preds[name] = np.array([position.get(str(x), k) for x in predicted], dtype=np.int64)
    point = {name: f1_per_class(true, pred, k)[0] for name, pred in preds.items()}
    boot = bootstrap_f1(true, preds, k, n_bootstrap=n_bootstrap, seed=seed)
    overall: dict[str, Any] = {}
    per_code: dict[str, dict[str, Any]] = {code: {} for code in codes}
    for name in SETTINGS:
        have = name in preds
        macro = float(_macro(point[name][None, :])[0]) if have else math.nan
        low, high = _interval(_macro(boot[name]), confidence) if have else (math.nan, math.nan)
        overall.update(_with_interval(f"{name}_macro_f1", macro, low, high))
        for i, code in enumerate(codes):
            f1 = float(point[name][i]) if have else math.nan
            low, high = _interval(boot[name][:, i], confidence) if have else (math.nan, math.nan)
            per_code[code].update(_with_interval(f"{name}_f1", f1, low, high))
    if "real_only" in preds and "real_plus_synthetic" in preds:
        gain = overall["real_plus_synthetic_macro_f1"] - overall["real_only_macro_f1"]
        low, high = _interval(_macro(boot["real_plus_synthetic"]) - _macro(boot["real_only"]), confidence)
        for i, code in enumerate(codes):
            diff = boot["real_plus_synthetic"][:, i] - boot["real_only"][:, i]
            code_low, code_high = _interval(diff, confidence)
            code_gain = per_code[code]["real_plus_synthetic_f1"] - per_code[code]["real_only_f1"]
            per_code[code].update(_with_interval("f1_gain", code_gain, code_low, code_high))
    else:
        gain, low, high = math.nan, math.nan, math.nan
    overall.update(_with_interval("macro_f1_gain", gain, low, high))
    overall["augmentation_score"] = gain / 2 + 0.5
    overall.update({"n_test": len(test_texts), "n_bootstrap": n_bootstrap})
    n_real, n_syn, n_test = (
        Counter(map(str, real_labels)),
        Counter(map(str, synthetic_labels)),
        Counter(map(str, test_labels)),
    )
    for code in codes:
        per_code[code].update(
            {"n_test": n_test[code], "n_train_real": n_real[code], "n_train_synthetic": n_syn[code]}
        )
    return {"overall": overall, "per_code": per_code}
