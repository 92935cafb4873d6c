"""BERTScore-style fidelity: how well does each synthetic report's wording, token by token, match the
nearest real report of its own ICD-10 code?

Definitions (Zhang et al., 2020, greedy matching, without idf weighting or baseline rescaling):

* the *nearest real report* of a synthetic row is the real text of the same label with the highest
  cosine of sentence embeddings (ties: the first);
* both texts are turned into unit token vectors by a token embed function: by default MiniLM's
  contextual word-piece vectors (:meth:`hf_synthmh.metrics.embeddings.Embedder.token_embeddings`: the
  last layer, the vectors the sentence embedding mean-pools, ``[CLS]`` / ``[SEP]`` dropped, at most
  256 word pieces per text);
* ``precision`` = mean over the synthetic tokens of their best cosine with any real token,
  ``recall`` = mean over the real tokens of their best cosine with any synthetic token,
  ``f1`` = 2PR / (P + R); 0 when either text has no token.

Numbers are comparable with each other (same model), not with published BERTScore figures (those use
other models, layers and rescaling). ``max_rows`` scores a deterministic sample of the synthetic rows
(``random.Random(seed)``), because each scored row costs a transformer pass over two texts.

    >>> from hf_synthmh.metrics.embeddings import hashed_bow_embed, hashed_token_embed
    >>> real, labels = ["low mood and poor sleep", "worry and tension"], ["F32.1", "F41.1"]
    >>> rows = bertscore_rows(
    ...     real_texts=real, real_labels=labels, synthetic_texts=["low mood and poor appetite"],
    ...     synthetic_labels=["F32.1"], real_embeddings=hashed_bow_embed(real),
    ...     synthetic_embeddings=hashed_bow_embed(["low mood and poor appetite"]), token_embed=hashed_token_embed,
    ... )
    >>> rows.nearest.tolist(), rows.f1.round(6).tolist()
    ([0], [0.8])
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hf_synthmh.metrics.embeddings import TokenEmbedFn, l2_normalise

__all__ = ["BertScoreRows", "bertscore_rows", "greedy_match", "nearest_same_label", "summarise_bertscore"]

_BLOCK = 1024


def greedy_match(candidate: np.ndarray, reference: np.ndarray) -> tuple[float, float, float]:
    """``(precision, recall, f1)`` of greedy cosine matching between two sets of unit row vectors.

    >>> greedy_match(np.eye(2, dtype=np.float32), np.eye(3, dtype=np.float32)[:, :2])
    (1.0, 0.6666666865348816, 0.8000000143051146)
    """
    if len(candidate) == 0 or len(reference) == 0:
        return 0.0, 0.0, 0.0
    sims = candidate @ reference.T
    precision = float(sims.max(axis=1).mean())
    recall = float(sims.max(axis=0).mean())
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


def nearest_same_label(
    real_embeddings: np.ndarray,
    real_labels: Sequence[str],
    synthetic_embeddings: np.ndarray,
    synthetic_labels: Sequence[str],
) -> np.ndarray:
    """Index of the real row of the same label with the highest cosine, per synthetic row (-1 when
    the label has no real row)."""
    real = l2_normalise(real_embeddings)
    synthetic = l2_normalise(synthetic_embeddings) if len(synthetic_labels) else real[:0]
    real_labels_arr = np.asarray(real_labels, dtype=object)
    syn_labels_arr = np.asarray(synthetic_labels, dtype=object)
    nearest = np.full(len(synthetic_labels), -1, dtype=np.int64)
    for code in sorted(set(synthetic_labels)):
        real_idx = np.flatnonzero(real_labels_arr == code)
        syn_idx = np.flatnonzero(syn_labels_arr == code)
        if len(real_idx) == 0:
            continue
        for start in range(0, len(syn_idx), _BLOCK):
            block = syn_idx[start : start + _BLOCK]
            nearest[block] = real_idx[np.argmax(synthetic[block] @ real[real_idx].T, axis=1)]
    return nearest


@dataclass(frozen=True)
class BertScoreRows:
    """Per scored synthetic row: its index in the synthetic corpus, its label, the index of its nearest
    real report, and precision / recall / F1 (arrays of equal length)."""

    index: np.ndarray
    labels: list[str]
    nearest: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray

    def select_label(self, code: str) -> BertScoreRows:
        """The scored rows of label ``code``."""
        keep = [i for i, label in enumerate(self.labels) if label == code]
        return BertScoreRows(
            index=self.index[keep],
            labels=[self.labels[i] for i in keep],
            nearest=self.nearest[keep],
            precision=self.precision[keep],
            recall=self.recall[keep],
            f1=self.f1[keep],
        )


def bertscore_rows(
    *,
    real_texts: Sequence[str],
    real_labels: Sequence[str],
    synthetic_texts: Sequence[str],
    synthetic_labels: Sequence[str],
    real_embeddings: np.ndarray,
    synthetic_embeddings: np.ndarray,
    token_embed: TokenEmbedFn,
    max_rows: int | None = None,
    seed: int = 0,
) -> BertScoreRows:
    """Greedy token-matching precision / recall / F1 of (a sample of at most ``max_rows``) synthetic
    rows against their nearest real report of the same label (see the module docstring)."""
    nearest = nearest_same_label(real_embeddings, real_labels, synthetic_embeddings, synthetic_labels)
    candidates = [i for i in range(len(synthetic_texts)) if nearest[i] >= 0]
    if max_rows is not None and len(candidates) > max_rows:
        candidates = sorted(random.Random(seed).sample(candidates, max_rows))
    index = np.asarray(candidates, dtype=np.int64)
    real_needed = sorted({int(nearest[i]) for i in candidates})
    syn_tokens = token_embed([synthetic_texts[i] for i in candidates]) if candidates else []
    real_tokens = dict(zip(real_needed, token_embed([real_texts[i] for i in real_needed]), strict=True))
    scores = np.array(
        [
            greedy_match(syn, real_tokens[int(nearest[i])])
            for i, syn in zip(candidates, syn_tokens, strict=True)
        ],
        dtype=np.float64,
    ).reshape(-1, 3)
    return BertScoreRows(
        index=index,
        labels=[str(synthetic_labels[i]) for i in candidates],
        nearest=nearest[index],
        precision=scores[:, 0],
        recall=scores[:, 1],
        f1=scores[:, 2],
    )


def summarise_bertscore(rows: BertScoreRows) -> dict[str, float]:
    """Means over the scored rows (NaN when none): ``bertscore_precision``, ``bertscore_recall``,
    ``bertscore_f1``."""

    def mean(values: np.ndarray) -> float:
        return float(values.mean()) if len(values) else math.nan

    return {
        "bertscore_precision": mean(rows.precision),
        "bertscore_recall": mean(rows.recall),
        "bertscore_f1": mean(rows.f1),
    }
