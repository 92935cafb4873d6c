"""hf_synthmh fidelity as an `evaluate` metric (a thin wrapper of hf_synthmh.metrics.fidelity,
.bertscore, .mauve and .detect)."""

from __future__ import annotations

from typing import Any

import datasets
import evaluate
import numpy as np

from hf_synthmh.metrics.bertscore import bertscore_rows, summarise_bertscore
from hf_synthmh.metrics.detect import discriminator_auc, label_roundtrip
from hf_synthmh.metrics.embeddings import hashed_token_embed
from hf_synthmh.metrics.fidelity import centroid_rows, summarise_fidelity
from hf_synthmh.metrics.mauve import mauve
from hf_synthmh.metrics.report import plain, resolve_embed

_DESCRIPTION = """Does each generated text read like the real texts of its label (an ICD-10 code)?
Sentence-embedding similarity to the own label's real centroid vs the others (margin, accuracy),
BERTScore-style greedy token matching against the nearest real text of the label, MAUVE between the
generated and real embeddings (None below 50 rows a side), the label round-trip accuracy of a TF-IDF +
logistic-regression classifier trained on the real texts, and the cross-validated AUC of a
real-vs-generated discriminator (0.5 = indistinguishable)."""

_KWARGS_DESCRIPTION = """
Args:
    predictions (list of str): the generated texts.
    references (list of str): the label (ICD-10 code) each was generated for.
    real_texts, real_labels (lists of str): the real corpus.
    embed ("minilm", "hashed" or a callable; default "minilm"): sentence embedder.
    token_embed (callable, optional): per-text token vectors for BERTScore (default: MiniLM's with
        embed="minilm", hashed one-hot words with embed="hashed").
Returns:
    dict of floats (None where undefined).
Examples:
    >>> metric = evaluate.load("path/to/synthmh_fidelity")
    >>> metric.compute(predictions=["low mood"], references=["F32.1"], real_texts=["low mood", "worry"],
    ...                real_labels=["F32.1", "F41.1"], embed="hashed")["centroid_accuracy"]
    1.0
"""

_CITATION = """@inproceedings{zhang2020bertscore, title={BERTScore: Evaluating Text Generation with BERT},
author={Zhang, Tianyi and others}, booktitle={ICLR}, year={2020}}
@inproceedings{pillutla2021mauve, title={MAUVE: Measuring the Gap Between Neural Text and Human Text
using Divergence Frontiers}, author={Pillutla, Krishna and others}, booktitle={NeurIPS}, year={2021}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SynthmhFidelity(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
            ),
        )

    def _compute(
        self,
        predictions: list[str],
        references: list[str],
        real_texts: list[str] | None = None,
        real_labels: list[str] | None = None,
        embed: Any = "minilm",
        token_embed: Any = None,
        seed: int = 0,
    ) -> dict[str, Any]:
        if not real_texts or real_labels is None:
            raise ValueError("synthmh_fidelity needs real_texts=[...] and real_labels=[...]")
        embed_fn = resolve_embed(embed)
        if token_embed is None:
            token_embed = (
                hashed_token_embed if embed == "hashed" else getattr(embed_fn, "token_embeddings", None)
            )
        syn_texts, syn_labels = list(predictions), [str(x) for x in references]
        real_texts, real_labels = list(real_texts), [str(x) for x in real_labels]
        real_emb = np.asarray(embed_fn(real_texts))
        syn_emb = np.asarray(embed_fn(syn_texts)) if syn_texts else np.zeros((0, real_emb.shape[1]))
        out: dict[str, Any] = summarise_fidelity(
            centroid_rows(
                real_embeddings=real_emb,
                real_labels=real_labels,
                synthetic_embeddings=syn_emb,
                synthetic_labels=syn_labels,
            )
        )
        if token_embed is not None:
            rows = bertscore_rows(
                real_texts=real_texts,
                real_labels=real_labels,
                synthetic_texts=syn_texts,
                synthetic_labels=syn_labels,
                real_embeddings=real_emb,
                synthetic_embeddings=syn_emb,
                token_embed=token_embed,
                seed=seed,
            )
            out.update(summarise_bertscore(rows))
        score = mauve(syn_emb, real_emb, seed=seed + 25)
        out["mauve"], out["mauve_n_buckets"] = score["mauve"], score["mauve_n_buckets"]
        if len(set(real_labels)) >= 2:
            out["label_roundtrip_accuracy"] = label_roundtrip(
                real_texts=real_texts,
                real_labels=real_labels,
                synthetic_texts=syn_texts,
                synthetic_labels=syn_labels,
                seed=seed,
            )["label_roundtrip_accuracy"]
        out.update(discriminator_auc(real_emb, syn_emb, seed=seed))
        return dict(plain(out))
