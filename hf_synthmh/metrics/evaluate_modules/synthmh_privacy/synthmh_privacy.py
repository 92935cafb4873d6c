"""hf_synthmh privacy as an `evaluate` metric (a thin wrapper of hf_synthmh.metrics.privacy and
hf_synthmh.metrics.distance)."""

from __future__ import annotations

from typing import Any

import datasets
import evaluate
import numpy as np

from hf_synthmh.metrics.distance import distance_privacy
from hf_synthmh.metrics.privacy import privacy
from hf_synthmh.metrics.report import plain, resolve_embed

_DESCRIPTION = """How much of the real corpus generated texts reproduce: exact-match rate, word n-gram
containment, ROUGE-L and longest shared span to the nearest real text (TF-IDF), median distance to the
closest real record (DCR) and nearest-neighbour distance ratio in embedding space; with `holdout_texts`
(real texts the generator never saw) also the DCR share (~0.5 healthy, 1.0 = copies) and a
distance-based membership-inference AUC (0.5 healthy). Lower is more private for the rest."""

_KWARGS_DESCRIPTION = """
Args:
    predictions (list of str): the generated texts.
    real_texts (list of str): the training texts the generator saw.
    holdout_texts (list of str, optional): real texts it never saw.
    n (int, default 8): n-gram length of the containment.
    embed ("minilm", "hashed" or a callable; default "minilm"): embedder for the distances.
Returns:
    dict of floats (None where undefined).
Examples:
    >>> metric = evaluate.load("path/to/synthmh_privacy")
    >>> metric.compute(predictions=["low mood"], real_texts=["Low mood"], embed="hashed")["exact_match_rate"]
    1.0
"""

_CITATION = """@article{platzer2021holdout, title={Holdout-Based Empirical Assessment of Mixed-Type
Synthetic Data}, author={Platzer, Michael and Reutterer, Thomas}, journal={Frontiers in Big Data}, year={2021}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SynthmhPrivacy(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string")}),
        )

    def _compute(
        self,
        predictions: list[str],
        real_texts: list[str] | None = None,
        holdout_texts: list[str] | None = None,
        n: int = 8,
        embed: Any = "minilm",
        seed: int = 0,
    ) -> dict[str, Any]:
        if not real_texts:
            raise ValueError("synthmh_privacy needs real_texts=[...]")
        out: dict[str, Any] = privacy(real_texts=list(real_texts), synthetic_texts=list(predictions), n=n)
        embed_fn = resolve_embed(embed)
        real_emb = np.asarray(embed_fn(list(real_texts)))
        syn_emb = np.asarray(embed_fn(list(predictions))) if predictions else np.zeros((0, real_emb.shape[1]))
        hold_emb = np.asarray(embed_fn(list(holdout_texts))) if holdout_texts else None
        out.update(distance_privacy(real_emb, syn_emb, hold_emb, seed=seed).summary())
        return dict(plain(out))
