"""All metrics of a synthetic corpus against the real one, overall and per ICD-10 code, as plain JSON.

Output of :func:`evaluate_corpus` (every leaf a Python float, int or ``None`` for undefined)::

    {"fidelity": {...}, "diversity": {...}, "privacy": {...}, "detectability": {...},
     "utility": {...},            # only with a test split
     "phi_replay": {...},         # only when given: passed through from the gate
     "notes": {name: str},        # only when something was skipped, saying why
     "plots": {name: file name},  # only with plot_dir: PNGs there, names relative to it
     "per_label": {code: {"fidelity", "diversity", "privacy", "detectability", ["utility"],
                          "n_synthetic": int, "n_real": int}}}

* ``fidelity`` (:mod:`.fidelity`, :mod:`.bertscore`, :mod:`.mauve`, :mod:`.detect`): centroid
  similarities, ``bertscore_precision/recall/f1`` against the nearest real report of the same code,
  ``mauve`` and ``mauve_n_buckets`` (None with too few rows, see ``notes``), and
  ``label_roundtrip_accuracy`` (a TF-IDF + LR classifier trained on the real reports recovers the code).
* ``detectability``: ``discriminator_auc`` (0.5 = indistinguishable), ``discriminator_n_per_side``.
* ``diversity`` (:mod:`.diversity`): distinct-1..4, self-BLEU, MATTR, MTLD, compression ratio,
  duplicate ratio, embedding spread, Vendi score, each with ``real_<metric>`` measured on real reports
  at the same size and code mix (``baseline_n_texts`` texts per side).
* ``privacy`` (:mod:`.privacy`, :mod:`.distance`): exact matches, n-gram containment, ROUGE-L and
  longest shared span to the nearest real report, median DCR, mean NNDR; with a holdout also
  ``dcr_share`` (healthy: ``dcr_share_expected`` = n_train / (n_train + n_holdout), 0.5 for equal
  sizes), ``dcr_holdout_auc`` (0.5 healthy whatever the sizes), ``mia_auc`` (0.5 healthy) and the
  holdout's own DCR / NNDR.
* ``utility`` (:mod:`.utility`): macro-F1 with bootstrap intervals of classifiers trained on real only,
  real + synthetic and synthetic only, the gain and the augmentation score; per code, F1 of each.

``per_label`` has every code of the real or the synthetic labels, sorted. Centroids, nearest-report
searches and distance references are always the whole real corpus; diversity and the discriminator of a
code compare that code's synthetic and real reports. Aggregates over a code with no synthetic row are
``None``.

    >>> from hf_synthmh.metrics.embeddings import hashed_bow_embed, hashed_token_embed
    >>> out = evaluate_corpus(
    ...     real_texts=["low mood and poor sleep", "worry and tension"], real_labels=["F32.1", "F41.1"],
    ...     synthetic_texts=["low mood, no sleep"], synthetic_labels=["F32.1"], embed=hashed_bow_embed,
    ...     token_embed=hashed_token_embed,
    ... )
    >>> sorted(out), sorted(out["per_label"]), out["per_label"]["F41.1"]["n_synthetic"]
    (['detectability', 'diversity', 'fidelity', 'notes', 'per_label', 'privacy'], ['F32.1', 'F41.1'], 0)
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hf_synthmh.metrics.bertscore import bertscore_rows, summarise_bertscore
from hf_synthmh.metrics.detect import discriminator_auc, label_roundtrip
from hf_synthmh.metrics.distance import distance_privacy
from hf_synthmh.metrics.diversity import diversity
from hf_synthmh.metrics.embeddings import Embedder, EmbedFn, TokenEmbedFn
from hf_synthmh.metrics.fidelity import centroid_rows, check_synthetic_labels, summarise_fidelity
from hf_synthmh.metrics.mauve import mauve
from hf_synthmh.metrics.privacy import privacy_rows, summarise_privacy
from hf_synthmh.metrics.tokens import Encoded, encode
from hf_synthmh.metrics.utility import ClassifierSpec, TfidfLogReg, cached_encoder, utility_report

__all__ = ["default_embedder", "evaluate_corpus", "plain", "resolve_embed"]

_MIN_DISCRIMINATOR_ROWS = 10  # per side, for a per-code discriminator


@functools.lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The process-wide bundled-MiniLM :class:`Embedder` used when ``embed=None`` (loaded once)."""
    return Embedder()


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars turned into Python floats/ints, recursively; NaN becomes ``None``
    (strict JSON that Hub metadata and other parsers accept); strings (notes, paths) stay."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    raise TypeError(f"unexpected metric value of type {type(value).__name__}")


def plain(value: Any) -> Any:
    """Public name of :func:`_plain`: metric values as plain JSON (NaN -> None).

    >>> plain({"a": np.float32(0.5), "b": float("nan"), "c": np.int64(3)})
    {'a': 0.5, 'b': None, 'c': 3}
    """
    return _plain(value)


def resolve_embed(embed: EmbedFn | str | None) -> EmbedFn:
    """An embed function from a name: ``None`` or ``"minilm"`` is :func:`default_embedder`, ``"hashed"``
    is :func:`~hf_synthmh.metrics.embeddings.hashed_bow_embed`; a callable is returned as is."""
    if embed is None or embed == "minilm":
        return default_embedder()
    if embed == "hashed":
        from hf_synthmh.metrics.embeddings import hashed_bow_embed

        return hashed_bow_embed
    if callable(embed):
        return embed
    raise ValueError(f"unknown embed {embed!r}: use 'minilm', 'hashed' or a callable")


def _matched(syn_labels: Sequence[str], real_labels: Sequence[str], seed: int) -> tuple[list[int], list[int]]:
    """Per code, ``min(n_synthetic, n_real)`` synthetic and real indices (deterministic samples)."""
    rng = random.Random(seed)
    syn_idx: list[int] = []
    real_idx: list[int] = []
    for code in sorted(set(syn_labels)):
        s = [i for i, label in enumerate(syn_labels) if label == code]
        r = [i for i, label in enumerate(real_labels) if label == code]
        m = min(len(s), len(r))
        syn_idx += sorted(rng.sample(s, m)) if m < len(s) else s
        real_idx += sorted(rng.sample(r, m)) if m < len(r) else r
    return sorted(syn_idx), sorted(real_idx)


Side = tuple[list[str], np.ndarray, Encoded]


def _diversity_pair(
    synthetic: Side, syn_idx: list[int], real: Side, real_idx: list[int], n_texts: int, max_texts: int | None
) -> dict[str, Any]:
    """:func:`diversity` of the synthetic rows ``syn_idx`` beside ``real_<metric>`` of the real rows
    ``real_idx`` (equal-sized samples from :func:`_matched`)."""

    def one(side: Side, idx: list[int]) -> dict[str, Any]:
        texts, emb, enc = side
        return diversity(
            [texts[i] for i in idx], embeddings=emb[idx], encoded=enc.select(idx), max_texts=max_texts
        )

    out = one(synthetic, syn_idx)
    base = one(real, real_idx) if real_idx else {key: math.nan for key in out}
    out.update({f"real_{key}": value for key, value in base.items() if key != "n_texts"})
    out["n_texts"], out["baseline_n_texts"] = n_texts, len(real_idx)
    return out


def _token_embedder(embed: EmbedFn | None, token_embed: TokenEmbedFn | None) -> TokenEmbedFn | None:
    if token_embed is not None:
        return token_embed
    source = default_embedder() if embed is None else embed
    method = getattr(source, "token_embeddings", None)
    return method if callable(method) else None


def evaluate_corpus(
    *,
    real_texts: Sequence[str],
    real_labels: Sequence[str],
    synthetic_texts: Sequence[str],
    synthetic_labels: Sequence[str],
    embed: EmbedFn | None = None,
    n: int = 8,
    max_texts: int | None = None,
    holdout_texts: Sequence[str] | None = None,
    holdout_labels: Sequence[str] | None = None,
    test_texts: Sequence[str] | None = None,
    test_labels: Sequence[str] | None = None,
    phi_replay: Mapping[str, Any] | None = None,
    token_embed: TokenEmbedFn | None = None,
    classifier: ClassifierSpec = "tfidf_lr",
    n_bootstrap: int = 1000,
    bertscore_max_rows: int | None = 2000,
    mauve_min_rows: int = 50,
    seed: int = 0,
    plot_dir: str | Path | None = None,
    classifier_preprocess: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """Fidelity, diversity, privacy, detectability and (with a test split) utility of
    ``synthetic_texts`` against ``real_texts`` (the training split), overall and per code.

    Args:
        real_texts, real_labels: the real training corpus; labels are ICD-10 code strings.
        synthetic_texts, synthetic_labels: the synthetic corpus; every synthetic label must occur in
            the real labels (else ValueError naming it).
        embed: texts -> embeddings; ``None`` is the bundled MiniLM (:func:`default_embedder`).
        n: word n-gram length for privacy containment.
        max_texts: subsample size for self-BLEU (``None``: all texts; it is linear-time).
        holdout_texts, holdout_labels: real reports the generator never saw: enable DCR share and
            membership-inference AUC (labels: per-code AUC).
        test_texts, test_labels: the real test split: enables ``utility``.
        phi_replay: counts from the privacy gate, passed through under ``"phi_replay"``.
        token_embed: per-text token vectors for BERTScore; default: ``embed``'s ``token_embeddings``
            method when it has one (MiniLM does), else BERTScore is skipped (see ``notes``).
        classifier, n_bootstrap: utility classifier and bootstrap resamples (:func:`utility_report`).
        bertscore_max_rows: BERTScore scores a deterministic sample of this many synthetic rows.
        mauve_min_rows: MAUVE needs this many rows on each side (overall, and per code).
        seed: seeds every sample, classifier and bootstrap.
        plot_dir: write the PNG plots of :mod:`hf_synthmh.metrics.plots` there (needs matplotlib);
            ``"plots"`` then maps each plot to its file name, relative to ``plot_dir``.
        classifier_preprocess: maps texts before the label round-trip and utility classifiers see
            them (e.g. drop a section that names the code).
    """
    for what, texts, labels in (
        ("real", real_texts, real_labels),
        ("synthetic", synthetic_texts, synthetic_labels),
        (
            "holdout",
            holdout_texts or [],
            holdout_labels if holdout_labels is not None else holdout_texts or [],
        ),
        ("test", test_texts or [], test_labels if test_labels is not None else test_texts or []),
    ):
        if len(texts) != len(labels):
            raise ValueError(f"{what}: {len(texts)} texts but {len(labels)} labels")
    if (test_texts is None) != (test_labels is None):
        raise ValueError("give both test_texts and test_labels, or neither")
    check_synthetic_labels(real_labels, synthetic_labels)
    real_texts, synthetic_texts = list(real_texts), list(synthetic_texts)
    real_labels, synthetic_labels = [str(x) for x in real_labels], [str(x) for x in synthetic_labels]
    notes: dict[str, str] = {}

    embed_fn = embed if embed is not None else default_embedder()
    real_emb = np.asarray(embed_fn(real_texts))
    syn_emb = np.asarray(embed_fn(synthetic_texts)) if synthetic_texts else np.zeros((0, real_emb.shape[1]))
    hold_emb = np.asarray(embed_fn(list(holdout_texts))) if holdout_texts else None
    vocab: dict[str, int] = {}
    real_enc, syn_enc = encode(real_texts, vocab), encode(synthetic_texts, vocab)

    fid = centroid_rows(
        real_embeddings=real_emb,
        real_labels=real_labels,
        synthetic_embeddings=syn_emb,
        synthetic_labels=synthetic_labels,
    )
    tokens_fn = _token_embedder(embed, token_embed)
    bert = None
    if tokens_fn is None:
        notes["bertscore"] = "skipped: no token embed function (pass token_embed=...)"
    else:
        bert = bertscore_rows(
            real_texts=real_texts,
            real_labels=real_labels,
            synthetic_texts=synthetic_texts,
            synthetic_labels=synthetic_labels,
            real_embeddings=real_emb,
            synthetic_embeddings=syn_emb,
            token_embed=tokens_fn,
            max_rows=bertscore_max_rows,
            seed=seed,
        )
    prep: Callable[[str], str] = classifier_preprocess or (lambda text: text)
    encoder_known: dict[str, np.ndarray] = {}
    if classifier_preprocess is None:  # the classifiers reuse the tokens computed above
        for enc, texts in ((real_enc, real_texts), (syn_enc, synthetic_texts)):
            for i, text in enumerate(texts):
                encoder_known[text] = enc.ids[enc.offsets[i] : enc.offsets[i + 1]].astype(np.int64)
    encoder = cached_encoder(real_enc.vocab, encoder_known)
    real_model = None
    if len(set(real_labels)) >= 2:
        real_model = TfidfLogReg(seed=seed, encoder=encoder).fit([prep(t) for t in real_texts], real_labels)
    else:
        notes["label_roundtrip"] = "skipped: the real corpus has fewer than two codes"
    roundtrip: dict[str, Any] = (
        label_roundtrip(
            real_texts=real_texts,
            real_labels=real_labels,
            synthetic_texts=[prep(t) for t in synthetic_texts],
            synthetic_labels=synthetic_labels,
            model=real_model,
            seed=seed,
        )
        if real_model is not None
        else {"label_roundtrip_accuracy": math.nan, "per_code": {}}
    )
    priv = privacy_rows(
        real_texts=real_texts,
        synthetic_texts=synthetic_texts,
        n=n,
        real_encoded=real_enc,
        synthetic_encoded=syn_enc,
    )
    dist = distance_privacy(
        real_emb,
        syn_emb,
        hold_emb,
        synthetic_labels=synthetic_labels,
        train_labels=real_labels,
        holdout_labels=holdout_labels,
        seed=seed,
    )
    if hold_emb is None:
        notes["dcr_share"] = "skipped: needs holdout_texts (real reports the generator never saw)"

    def fidelity_of(idx: list[int], code: str | None) -> dict[str, Any]:
        out: dict[str, Any] = summarise_fidelity(fid.select(idx))
        if bert is None:
            out.update({f"bertscore_{k}": math.nan for k in ("precision", "recall", "f1")})
        else:
            out.update(summarise_bertscore(bert if code is None else bert.select_label(code)))
        r_idx = [i for i, label in enumerate(real_labels) if code is None or label == code]
        score = mauve(syn_emb[idx], real_emb[r_idx], min_rows=mauve_min_rows, seed=seed + 25)
        if code is None and score.get("note"):
            notes["mauve"] = str(score["note"])
        out["mauve"], out["mauve_n_buckets"] = score["mauve"], score["mauve_n_buckets"]
        out["label_roundtrip_accuracy"] = (
            roundtrip["label_roundtrip_accuracy"]
            if code is None
            else roundtrip["per_code"].get(code, math.nan)
        )
        return out

    def detect_of(idx: list[int], code: str | None) -> dict[str, Any]:
        r_idx = [i for i, label in enumerate(real_labels) if code is None or label == code]
        if code is not None and min(len(idx), len(r_idx)) < _MIN_DISCRIMINATOR_ROWS:
            return {"discriminator_auc": None, "discriminator_n_per_side": min(len(idx), len(r_idx))}
        return discriminator_auc(real_emb[r_idx], syn_emb[idx], seed=seed)

    def privacy_of(idx: list[int], code: str | None) -> dict[str, Any]:
        out: dict[str, Any] = summarise_privacy(priv.select(idx))
        out.update(dist.summary(code, min_mia_rows=1 if code is None else 5))
        return out

    real_side = (real_texts, real_emb, real_enc)
    per_label: dict[str, dict[str, Any]] = {}
    for code in sorted(set(real_labels) | set(synthetic_labels)):
        idx = [i for i, label in enumerate(synthetic_labels) if label == code]
        code_real = [i for i, label in enumerate(real_labels) if label == code]
        s_idx, r_idx = _matched([synthetic_labels[i] for i in idx], [code] * len(code_real), seed)
        per_label[code] = {
            "fidelity": fidelity_of(idx, code),
            "diversity": _diversity_pair(
                (synthetic_texts, syn_emb, syn_enc),
                [idx[i] for i in s_idx],
                real_side,
                [code_real[i] for i in r_idx],
                len(idx),
                max_texts,
            ),
            "privacy": privacy_of(idx, code),
            "detectability": detect_of(idx, code),
            "n_synthetic": len(idx),
            "n_real": len(code_real),
        }
    all_idx = list(range(len(synthetic_texts)))
    s_all, r_all = _matched(synthetic_labels, real_labels, seed)
    result: dict[str, Any] = {
        "fidelity": fidelity_of(all_idx, None),
        "diversity": _diversity_pair(
            (synthetic_texts, syn_emb, syn_enc), s_all, real_side, r_all, len(synthetic_texts), max_texts
        ),
        "privacy": privacy_of(all_idx, None),
        "detectability": detect_of(all_idx, None),
    }
    if test_texts is not None and test_labels is not None:
        util = utility_report(
            real_texts=real_texts,
            real_labels=real_labels,
            synthetic_texts=synthetic_texts,
            synthetic_labels=synthetic_labels,
            test_texts=list(test_texts),
            test_labels=[str(x) for x in test_labels],
            classifier=classifier,
            n_bootstrap=n_bootstrap,
            seed=seed,
            real_only_model=real_model if classifier == "tfidf_lr" else None,
            preprocess=classifier_preprocess,
            encoder=encoder,
        )
        result["utility"] = util["overall"]
        for code, values in util["per_code"].items():
            if code in per_label:
                per_label[code]["utility"] = values
    if phi_replay is not None:
        result["phi_replay"] = dict(phi_replay)
    if notes:
        result["notes"] = notes
    result["per_label"] = per_label
    plain: dict[str, Any] = dict(_plain(result))
    if plot_dir is not None:
        from hf_synthmh.metrics.plots import write_plots

        paths = write_plots(plain, plot_dir, distances=dist)
        plain["plots"] = {name: path.name for name, path in paths.items()}  # relative to plot_dir
    return plain
