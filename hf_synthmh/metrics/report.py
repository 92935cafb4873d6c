"""All metrics of a synthetic corpus against the real one, overall and per ICD-10 code, as plain JSON.

Output of :func:`evaluate_corpus` (every leaf a Python float, int or ``None`` for undefined)::

    {"fidelity": {...}, "diversity": {...}, "privacy": {...}, "detectability": {...},
     "utility": {...},            # only with a test split
     "phi_replay": {...},         # only when given: passed through from the gate
     "notes": {name: str},        # only when something was skipped, saying why
     "per_label": {code: {"fidelity", "diversity", "privacy", "detectability", ["utility"],
                          "n_synthetic": int, "n_real": int}},
     "plots": {name: file name}}  # only with plot_dir: PNGs there, names relative to it

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
    ...     options=MetricsOptions(token_embed=hashed_token_embed),
    ... )
    >>> sorted(out), sorted(out["per_label"]), out["per_label"]["F41.1"]["n_synthetic"]
    (['detectability', 'diversity', 'fidelity', 'notes', 'per_label', 'privacy'], ['F32.1', 'F41.1'], 0)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hf_synthmh.metrics.embeddings import Embedder, EmbedFn, TokenEmbedFn
from hf_synthmh.metrics.fidelity import check_synthetic_labels
from hf_synthmh.metrics.options import MetricsOptions
from hf_synthmh.metrics.privacy import privacy
from hf_synthmh.metrics.report_steps import Corpora, Parts, Scorer
from hf_synthmh.metrics.utility import utility_report

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = [
    "MetricsOptions",
    "default_embedder",
    "evaluate_corpus",
    "evaluate_splits",
    "plain",
    "resolve_embed",
]


@functools.lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The process-wide bundled-MiniLM :class:`Embedder` used when ``embed=None`` (loaded once)."""
    return Embedder()


def plain(value: Any) -> Any:
    """``value`` with numpy scalars turned into Python floats/ints, recursively; NaN becomes ``None``
    (strict JSON that Hub metadata and other parsers accept); strings (notes, paths) stay.

    >>> plain({"a": np.float32(0.5), "b": float("nan"), "c": np.int64(3)})
    {'a': 0.5, 'b': None, 'c': 3}
    """
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    raise TypeError(f"unexpected metric value of type {type(value).__name__}")


def resolve_embed(embed: EmbedFn | str | None) -> EmbedFn:
    """An embed function from a name (:data:`hf_synthmh.contracts.EmbedName`): ``None`` or ``"minilm"``
    is :func:`default_embedder`, ``"hashed"`` is :func:`~hf_synthmh.metrics.embeddings.hashed_bow_embed`;
    a callable is returned as is."""
    if embed is None or embed == "minilm":
        return default_embedder()
    if embed == "hashed":
        from hf_synthmh.metrics.embeddings import hashed_bow_embed

        return hashed_bow_embed
    if callable(embed):
        return embed
    raise ValueError(f"unknown embed {embed!r}: use 'minilm', 'hashed' or a callable")


def _token_embedder(embed: EmbedFn | None, token_embed: TokenEmbedFn | None) -> TokenEmbedFn | None:
    if token_embed is not None:
        return token_embed
    source = default_embedder() if embed is None else embed
    method = getattr(source, "token_embeddings", None)
    return method if callable(method) else None


def _check_inputs(
    real: tuple[Sequence[str], Sequence[str]],
    synthetic: tuple[Sequence[str], Sequence[str]],
    holdout: tuple[Sequence[str] | None, Sequence[str] | None],
    test: tuple[Sequence[str] | None, Sequence[str] | None],
) -> None:
    hold_texts, hold_labels = holdout
    test_texts, test_labels = test
    for what, texts, labels in (
        ("real", *real),
        ("synthetic", *synthetic),
        ("holdout", hold_texts or [], hold_labels if hold_labels is not None else hold_texts or []),
        ("test", test_texts or [], test_labels if test_labels is not None else test_texts or []),
    ):
        if len(texts) != len(labels):
            raise ValueError(f"{what}: {len(texts)} texts but {len(labels)} labels")
    if (test_texts is None) != (test_labels is None):
        raise ValueError("give both test_texts and test_labels, or neither")
    check_synthetic_labels(real[1], synthetic[1])


def evaluate_corpus(
    *,
    real_texts: Sequence[str],
    real_labels: Sequence[str],
    synthetic_texts: Sequence[str],
    synthetic_labels: Sequence[str],
    holdout_texts: Sequence[str] | None = None,
    holdout_labels: Sequence[str] | None = None,
    test_texts: Sequence[str] | None = None,
    test_labels: Sequence[str] | None = None,
    phi_replay: Mapping[str, Any] | None = None,
    embed: EmbedFn | None = None,
    options: MetricsOptions | None = None,
) -> dict[str, Any]:
    """Fidelity, diversity, privacy, detectability and (with a test split) utility of
    ``synthetic_texts`` against ``real_texts`` (the training split), overall and per code. The commands
    write it through :func:`evaluate_splits`.

    Args:
        real_texts, real_labels: the real training corpus; labels are ICD-10 code strings.
        synthetic_texts, synthetic_labels: the synthetic corpus; every synthetic label must occur in
            the real labels (else ValueError naming it).
        holdout_texts, holdout_labels: real reports the generator never saw: enable DCR share and
            membership-inference AUC (labels: per-code AUC).
        test_texts, test_labels: the real test split: enables ``utility``.
        phi_replay: counts from the privacy gate, passed through under ``"phi_replay"``.
        embed: texts -> embeddings; ``None`` is the bundled MiniLM (:func:`default_embedder`).
        options: how to measure (:class:`MetricsOptions`).
    """
    opts = options or MetricsOptions()
    _check_inputs(
        (real_texts, real_labels),
        (synthetic_texts, synthetic_labels),
        (holdout_texts, holdout_labels),
        (test_texts, test_labels),
    )
    data = Corpora.build(
        real_texts=real_texts,
        real_labels=real_labels,
        synthetic_texts=synthetic_texts,
        synthetic_labels=synthetic_labels,
        holdout_texts=holdout_texts,
        embed_fn=embed if embed is not None else default_embedder(),
    )
    parts = Parts.build(
        data,
        holdout_labels=holdout_labels,
        token_embed=_token_embedder(embed, opts.token_embed),
        options=opts,
    )
    scorer = Scorer(data=data, parts=parts, options=opts)
    per_label = scorer.per_label()
    result: dict[str, Any] = scorer.overall()
    if test_texts is not None and test_labels is not None:
        util = utility_report(
            real_texts=data.real_texts,
            real_labels=data.real_labels,
            synthetic_texts=data.synthetic_texts,
            synthetic_labels=data.synthetic_labels,
            test_texts=list(test_texts),
            test_labels=[str(x) for x in test_labels],
            classifier=opts.classifier,
            n_bootstrap=opts.n_bootstrap,
            seed=opts.seed,
            real_only_model=parts.real_model if opts.classifier == "tfidf_lr" else None,
            preprocess=opts.classifier_preprocess,
            encoder=parts.encoder,
        )
        result["utility"] = util["overall"]
        for code, values in util["per_code"].items():
            if code in per_label:
                per_label[code]["utility"] = values
    if phi_replay is not None:
        result["phi_replay"] = dict(phi_replay)
    if data.notes:
        result["notes"] = data.notes
    result["per_label"] = per_label
    out: dict[str, Any] = dict(plain(result))
    if opts.plot_dir is not None:
        from hf_synthmh.metrics.plots import write_plots

        paths = write_plots(out, opts.plot_dir, distances=parts.dist)
        out["plots"] = {name: path.name for name, path in paths.items()}  # relative to plot_dir
    return out


def evaluate_splits(
    real: Dataset,
    synthetic: Dataset,
    *,
    holdout: Dataset | None = None,
    test: Dataset | None = None,
    phi_replay: Mapping[str, Any] | None = None,
    embed: EmbedFn | None = None,
    options: MetricsOptions | None = None,
) -> dict[str, Any]:
    """The metrics file every command writes: :func:`evaluate_corpus` of splits with ``text`` and a
    ``label`` ClassLabel of ICD-10 codes, plus, with a holdout, ``privacy_holdout_baseline``: the text
    overlap of the holdout (real reports the generator never saw) with ``real``, the bar synthetic rows
    should meet.

    >>> from datasets import ClassLabel, Dataset
    >>> from hf_synthmh.metrics.embeddings import hashed_bow_embed, hashed_token_embed
    >>> label = ClassLabel(names=["F32.1", "F41.1"])
    >>> def split(texts, labels):
    ...     return Dataset.from_dict({"text": texts, "label": labels}).cast_column("label", label)
    >>> real = split(["low mood and poor sleep", "worry and tension"], [0, 1])
    >>> out = evaluate_splits(real, split(["low mood, no sleep"], [0]), holdout=split(["worry all day"], [1]),
    ...     embed=hashed_bow_embed, options=MetricsOptions(token_embed=hashed_token_embed))
    >>> out["privacy_holdout_baseline"]["exact_match_rate"]
    0.0
    """
    from hf_synthmh.io import codes_of

    opts = options or MetricsOptions()
    out = evaluate_corpus(
        real_texts=real["text"],
        real_labels=codes_of(real),
        synthetic_texts=synthetic["text"],
        synthetic_labels=codes_of(synthetic),
        holdout_texts=holdout["text"] if holdout is not None else None,
        holdout_labels=codes_of(holdout) if holdout is not None else None,
        test_texts=test["text"] if test is not None else None,
        test_labels=codes_of(test) if test is not None else None,
        phi_replay=phi_replay,
        embed=embed,
        options=opts,
    )
    if holdout is not None:
        baseline = privacy(real_texts=real["text"], synthetic_texts=holdout["text"], n=opts.n)
        out["privacy_holdout_baseline"] = plain(baseline)
    return out
