"""hf_synthmh diversity as an `evaluate` metric (a thin wrapper of hf_synthmh.metrics.diversity)."""

from __future__ import annotations

from typing import Any

import datasets
import evaluate

from hf_synthmh.metrics.diversity import diversity, diversity_with_baseline
from hf_synthmh.metrics.report import plain, resolve_embed

_DESCRIPTION = """Diversity of a corpus of generated texts: distinct-1..4, self-BLEU (sacrebleu flavour),
MATTR, MTLD, gzip compression ratio, duplicate ratio and, with an embedder, embedding spread and Vendi
score. With `real_texts`, each metric also on an equal-sized deterministic sample of the real texts
(`real_<metric>`), so mode collapse shows as a gap. Tokens: lower-cased word runs (hf_synthmh.text.tokens)."""

_KWARGS_DESCRIPTION = """
Args:
    predictions (list of str): the generated texts.
    real_texts (list of str, optional): real texts for the `real_*` baseline.
    embed ("minilm", "hashed", a callable or None, default None): embedder for the embedding metrics.
    seed (int, default 0): seed of the equal-size samples.
Returns:
    dict of floats (None where undefined) and ints (`n_texts`, `baseline_n_texts`).
Examples:
    >>> metric = evaluate.load("path/to/synthmh_diversity")
    >>> metric.compute(predictions=["low mood", "low mood"])["duplicate_ratio"]
    0.5
"""

_CITATION = """@inproceedings{li-etal-2016-diversity, title={A Diversity-Promoting Objective Function for
Neural Conversation Models}, author={Li, Jiwei and others}, booktitle={NAACL}, year={2016}}
@inproceedings{zhu2018texygen, title={Texygen: A Benchmarking Platform for Text Generation Models},
author={Zhu, Yaoming and others}, booktitle={SIGIR}, year={2018}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SynthmhDiversity(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string")}),
        )

    def _compute(
        self, predictions: list[str], real_texts: list[str] | None = None, embed: Any = None, seed: int = 0
    ) -> dict[str, Any]:
        embed_fn = resolve_embed(embed) if embed is not None else None
        syn_emb = embed_fn(list(predictions)) if embed_fn is not None and predictions else None
        if real_texts is None:
            return dict(plain(diversity(list(predictions), embeddings=syn_emb, seed=seed)))
        real_emb = embed_fn(list(real_texts)) if embed_fn is not None and real_texts else None
        out = diversity_with_baseline(
            list(predictions),
            list(real_texts),
            synthetic_embeddings=syn_emb,
            real_embeddings=real_emb,
            seed=seed,
        )
        return dict(plain(out))
