"""Metrics of synthetic reports against real ones: fidelity, diversity and privacy.

Each metric is a small pure function returning a plain ``dict[str, float]``;
:func:`evaluate_corpus` runs them all, overall and per ICD-10 code. Text metrics share one tokeniser,
:func:`hf_synthmh.metrics.tokens.words`. Heavy libraries (torch, sentence-transformers, scikit-learn,
sacrebleu) are imported only when a metric needs them.
"""

from __future__ import annotations

from hf_synthmh.metrics.diversity import distinct_n, diversity, self_bleu
from hf_synthmh.metrics.embeddings import Embedder, EmbedFn, hashed_bow_embed, minilm_path
from hf_synthmh.metrics.fidelity import fidelity, fidelity_by_label
from hf_synthmh.metrics.privacy import privacy, privacy_rows, rouge_l_f1
from hf_synthmh.metrics.report import evaluate_corpus
from hf_synthmh.metrics.tokens import words

__all__ = [
    "EmbedFn",
    "Embedder",
    "distinct_n",
    "diversity",
    "evaluate_corpus",
    "fidelity",
    "fidelity_by_label",
    "hashed_bow_embed",
    "minilm_path",
    "privacy",
    "privacy_rows",
    "rouge_l_f1",
    "self_bleu",
    "words",
]
