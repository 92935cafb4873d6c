"""All metrics of a synthetic corpus against the real one, overall and per ICD-10 code, as plain JSON.

Output of :func:`evaluate_corpus`::

    {"fidelity": {...}, "diversity": {...}, "privacy": {...},
     "per_label": {code: {"fidelity": {...}, "diversity": {...}, "privacy": {...},
                          "n_synthetic": int, "n_real": int}}}

``per_label`` has every code of the real or the synthetic labels, sorted. Fidelity and privacy of a code
are those of its synthetic rows (centroids and privacy reference are always the whole real corpus);
diversity is computed among that code's synthetic texts only. Every value is a Python float or int;
undefined values (e.g. any aggregate over a code with no synthetic row) are NaN, which ``json.dumps``
writes as ``NaN``.

    >>> from hf_synthmh.metrics.embeddings import hashed_bow_embed
    >>> out = evaluate_corpus(
    ...     real_texts=["low mood and poor sleep", "worry and tension"], real_labels=["F32.1", "F41.1"],
    ...     synthetic_texts=["low mood, no sleep"], synthetic_labels=["F32.1"], embed=hashed_bow_embed,
    ... )
    >>> sorted(out), sorted(out["per_label"]), out["per_label"]["F41.1"]["n_synthetic"]
    (['diversity', 'fidelity', 'per_label', 'privacy'], ['F32.1', 'F41.1'], 0)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hf_synthmh.metrics.diversity import diversity
from hf_synthmh.metrics.embeddings import Embedder, EmbedFn
from hf_synthmh.metrics.fidelity import centroid_rows, check_synthetic_labels, summarise_fidelity
from hf_synthmh.metrics.privacy import privacy_rows, summarise_privacy

__all__ = ["default_embedder", "evaluate_corpus"]


@functools.lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The process-wide bundled-MiniLM :class:`Embedder` used when ``embed=None`` (loaded once)."""
    return Embedder()


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars turned into Python floats/ints, recursively.

    Undefined values (NaN, e.g. a mean over zero kept rows) become ``None``, so the result is strict
    JSON (``null``) that Hub metadata and other parsers accept.
    """
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    raise TypeError(f"unexpected metric value of type {type(value).__name__}")


def evaluate_corpus(
    *,
    real_texts: Sequence[str],
    real_labels: Sequence[str],
    synthetic_texts: Sequence[str],
    synthetic_labels: Sequence[str],
    embed: EmbedFn | None = None,
    n: int = 8,
    max_texts: int | None = 2000,
) -> dict[str, Any]:
    """Fidelity, diversity and privacy of ``synthetic_texts`` against ``real_texts``.

    Args:
        real_texts, real_labels: the real corpus; labels are ICD-10 code strings.
        synthetic_texts, synthetic_labels: the synthetic corpus; every synthetic label must occur in
            the real labels (else ValueError naming it).
        embed: texts -> embeddings for fidelity; ``None`` is the bundled MiniLM (:func:`default_embedder`).
        n: word n-gram length for privacy containment.
        max_texts: subsample size for self-BLEU (see :mod:`hf_synthmh.metrics.diversity`).
    """
    for what, texts, labels in (
        ("real", real_texts, real_labels),
        ("synthetic", synthetic_texts, synthetic_labels),
    ):
        if len(texts) != len(labels):
            raise ValueError(f"{what}: {len(texts)} texts but {len(labels)} labels")
    check_synthetic_labels(real_labels, synthetic_labels)
    real_texts, synthetic_texts = list(real_texts), list(synthetic_texts)
    real_labels, synthetic_labels = [str(x) for x in real_labels], [str(x) for x in synthetic_labels]

    embed_fn = embed if embed is not None else default_embedder()
    real_embeddings = embed_fn(real_texts)
    synthetic_embeddings = (
        embed_fn(synthetic_texts) if synthetic_texts else np.zeros((0, np.shape(real_embeddings)[1]))
    )
    fid = centroid_rows(
        real_embeddings=real_embeddings,
        real_labels=real_labels,
        synthetic_embeddings=synthetic_embeddings,
        synthetic_labels=synthetic_labels,
    )
    priv = privacy_rows(real_texts=real_texts, synthetic_texts=synthetic_texts, n=n)

    per_label: dict[str, dict[str, Any]] = {}
    for code in sorted(set(real_labels) | set(synthetic_labels)):
        idx = [i for i, label in enumerate(synthetic_labels) if label == code]
        per_label[code] = {
            "fidelity": summarise_fidelity(fid.select(idx)),
            "diversity": diversity([synthetic_texts[i] for i in idx], max_texts=max_texts),
            "privacy": summarise_privacy(priv.select(idx)),
            "n_synthetic": len(idx),
            "n_real": sum(1 for label in real_labels if label == code),
        }
    result = {
        "fidelity": summarise_fidelity(fid),
        "diversity": diversity(synthetic_texts, max_texts=max_texts),
        "privacy": summarise_privacy(priv),
        "per_label": per_label,
    }
    return dict(_plain(result))
