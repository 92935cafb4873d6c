"""Metrics of synthetic reports against real ones: fidelity, diversity, privacy, detectability and
downstream utility, overall and per ICD-10 code.

Each metric is a small pure function returning plain values; :func:`evaluate_corpus` runs them all and
returns plain JSON (see :mod:`hf_synthmh.metrics.report`). Text metrics share one tokeniser,
:func:`hf_synthmh.metrics.tokens.words`; corpus-wide text statistics (distinct-n, self-BLEU, MATTR,
MTLD) are vectorised and linear-time. Heavy libraries (torch, sentence-transformers, scikit-learn,
sacrebleu, matplotlib, transformers) are imported only when a metric needs them.

Modules: :mod:`.tokens`, :mod:`.embeddings`, :mod:`.fidelity` (centroids), :mod:`.bertscore`,
:mod:`.mauve`, :mod:`.detect` (label round-trip, discriminator AUC), :mod:`.diversity`,
:mod:`.ngramstats`, :mod:`.selfbleu`, :mod:`.lexical`, :mod:`.privacy` (text overlap),
:mod:`.distance` (DCR, NNDR, DCR share, membership inference), :mod:`.utility`,
:mod:`.utility_transformers`, :mod:`.plots`, :mod:`.report`, and ``evaluate`` modules in
:mod:`.evaluate_modules`.
"""

from __future__ import annotations

from hf_synthmh.metrics.bertscore import bertscore_rows, greedy_match
from hf_synthmh.metrics.detect import discriminator_auc, label_roundtrip
from hf_synthmh.metrics.distance import distance_privacy, nearest_distances
from hf_synthmh.metrics.diversity import (
    compression_ratio,
    distinct_n,
    diversity,
    diversity_with_baseline,
    duplicate_ratio,
    embedding_spread,
    self_bleu,
    vendi_score,
)
from hf_synthmh.metrics.embeddings import (
    Embedder,
    EmbedFn,
    TokenEmbedFn,
    hashed_bow_embed,
    hashed_token_embed,
    minilm_path,
)
from hf_synthmh.metrics.fidelity import fidelity, fidelity_by_label
from hf_synthmh.metrics.lexical import mattr, mtld
from hf_synthmh.metrics.privacy import longest_common_span, privacy, privacy_rows, rouge_l_f1
from hf_synthmh.metrics.report import evaluate_corpus
from hf_synthmh.metrics.tokens import encode, words
from hf_synthmh.metrics.utility import utility_report

__all__ = [
    "EmbedFn",
    "Embedder",
    "TokenEmbedFn",
    "bertscore_rows",
    "compression_ratio",
    "discriminator_auc",
    "distance_privacy",
    "distinct_n",
    "diversity",
    "diversity_with_baseline",
    "duplicate_ratio",
    "embedding_spread",
    "encode",
    "evaluate_corpus",
    "fidelity",
    "fidelity_by_label",
    "greedy_match",
    "hashed_bow_embed",
    "hashed_token_embed",
    "label_roundtrip",
    "longest_common_span",
    "mattr",
    "minilm_path",
    "mtld",
    "nearest_distances",
    "privacy",
    "privacy_rows",
    "rouge_l_f1",
    "self_bleu",
    "utility_report",
    "vendi_score",
    "words",
]
