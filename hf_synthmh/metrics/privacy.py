"""Privacy: how much of the real corpus do synthetic reports reproduce?

All text comparisons use :func:`hf_synthmh.text.tokens.words` (lower-cased word tokens); ROUGE-L and the
longest shared run are :func:`hf_synthmh.text.overlap.rouge_l_f1` and
:func:`~hf_synthmh.text.overlap.longest_common_run`, the ones the gate uses.

Per synthetic row (:func:`privacy_rows`):

* ``exact_match``: 1.0 when the text equals some real text after lower-casing and collapsing
  whitespace (:func:`~hf_synthmh.text.tokens.normalise`), else 0.0.
* ``ngram_containment``: share of the row's word ``n``-grams (every position, repeats counted) that
  occur anywhere in the real corpus (exact, one sort of all n-grams:
  :func:`hf_synthmh.metrics.ngramstats.contained_counts`). 0.0 for a row with fewer than ``n`` words.
* ``rouge_l_nearest``: ROUGE-L F1 between the row and its *nearest* real text, the one with the highest
  TF-IDF cosine (scikit-learn ``TfidfVectorizer`` fitted on the real corpus with the same tokens;
  ties and all-zero rows pick the first real text). ROUGE-L F1 = 2PR/(P+R) with P = LCS/len(synthetic)
  and R = LCS/len(real), LCS the longest common subsequence of the token sequences, computed by
  rapidfuzz (``LCSseq.similarity``, which equals ``(len(a) + len(b) - Indel.distance(a, b)) / 2``);
  0.0 when either side has no token. Same value as ``rouge_score``'s ``rougeL`` with this tokeniser.
* ``longest_shared_span``: the longest run of consecutive tokens the row shares, in order, with that
  nearest real text (longest common substring of the two token sequences; 0 when none).
* ``nearest_index``: position of that nearest real text.

:func:`privacy` averages them over the corpus: ``exact_match_rate``, ``mean_ngram_containment``,
``max_ngram_containment``, ``mean_rouge_l_nearest``, ``max_rouge_l_nearest``,
``mean_longest_shared_span``, ``max_longest_shared_span``. For all of them lower is more private. NaN
over zero synthetic rows. Distance-based privacy (DCR, NNDR, DCR share against a holdout,
membership-inference AUC) is in :mod:`hf_synthmh.metrics.distance`.

The nearest-text search is exact but split for speed: the TF-IDF dot products over the few terms that
occur in many texts on both sides ("the", "and", ...) are a dense float32 matrix product, those over all
other terms a sparse one; the two are added.

    >>> real = ["the patient reports low mood and poor sleep for four months after losing his job"]
    >>> scores = privacy(real_texts=real, synthetic_texts=[real[0].upper(), "worry about work"], n=4)
    >>> scores["exact_match_rate"], scores["max_ngram_containment"], scores["max_rouge_l_nearest"]
    (0.5, 1.0, 1.0)
    >>> scores["max_longest_shared_span"]
    15.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hf_synthmh.metrics.ngramstats import contained_counts
from hf_synthmh.text.overlap import longest_common_run, rouge_l_f1
from hf_synthmh.text.tokens import Encoded, encode, normalise

__all__ = ["PrivacyRows", "privacy", "privacy_rows", "summarise_privacy"]

_BLOCK = 1024  # synthetic rows per similarity block (bounds memory for large corpora)
_DENSE_SHARE = 0.002  # a term goes to the dense product when df_real * df_synthetic > this * n_real * n_syn


@dataclass(frozen=True)
class PrivacyRows:
    """Per synthetic row values (lists of length n_synthetic; see the module docstring)."""

    exact_match: list[float]
    ngram_containment: list[float]
    rouge_l_nearest: list[float]
    nearest_index: list[int]
    longest_span: list[int] = field(default_factory=list)

    def select(self, indices: Sequence[int]) -> PrivacyRows:
        """The rows at ``indices``."""
        return PrivacyRows(
            exact_match=[self.exact_match[i] for i in indices],
            ngram_containment=[self.ngram_containment[i] for i in indices],
            rouge_l_nearest=[self.rouge_l_nearest[i] for i in indices],
            nearest_index=[self.nearest_index[i] for i in indices],
            longest_span=[self.longest_span[i] for i in indices],
        )


def _tfidf(enc: Encoded, idf: np.ndarray, n_terms: int) -> Any:
    """L2-normalised TF-IDF rows (raw counts x ``idf``) of an encoded corpus, as scikit-learn's
    ``TfidfVectorizer`` computes them; terms with ``idf == 0`` (not in the real corpus) are dropped."""
    from scipy.sparse import csr_matrix

    docs = np.repeat(np.arange(len(enc)), enc.lengths)
    counts = csr_matrix((np.ones(len(enc.ids)), (docs, enc.ids)), shape=(len(enc), n_terms))
    counts.sum_duplicates()
    counts.data *= idf[counts.indices]
    counts.eliminate_zeros()
    norms = np.sqrt(
        np.bincount(
            np.repeat(np.arange(len(enc)), np.diff(counts.indptr)), weights=counts.data**2, minlength=len(enc)
        )
    )
    counts.data /= np.repeat(np.maximum(norms, 1e-300), np.diff(counts.indptr))
    return counts


def _nearest_real(real: Encoded, synthetic: Encoded) -> list[int]:
    """Index of the real text with the highest TF-IDF cosine to each synthetic text (ties: first).
    TF-IDF as scikit-learn's ``TfidfVectorizer()`` fitted on the real texts: raw term counts, smooth idf
    ``ln((1 + n) / (1 + df)) + 1``, rows L2-normalised; both corpora must share one vocabulary."""
    if len(synthetic) == 0:
        return []
    n_terms = max(len(real.vocab), int(real.ids.max(initial=-1)) + 1, int(synthetic.ids.max(initial=-1)) + 1)
    pairs = np.repeat(np.arange(len(real), dtype=np.int64), real.lengths) * n_terms + real.ids
    pairs.sort()  # (document, term) pairs; np.unique would hash, much slower on large int arrays
    first = np.concatenate([[True], pairs[1:] != pairs[:-1]]) if len(pairs) else np.zeros(0, dtype=bool)
    df = np.bincount(pairs[first] % n_terms, minlength=n_terms)
    if not df.any():  # the real corpus has no word at all
        return [0] * len(synthetic)
    idf = np.where(df > 0, np.log((1 + len(real)) / (1 + df)) + 1, 0.0)
    real_m, syn_m = _tfidf(real, idf, n_terms).tocsc(), _tfidf(synthetic, idf, n_terms).tocsc()
    cost = np.diff(real_m.indptr).astype(np.float64) * np.diff(syn_m.indptr)
    dense = np.flatnonzero(cost > _DENSE_SHARE * real_m.shape[0] * syn_m.shape[0])
    sparse = np.flatnonzero(cost <= _DENSE_SHARE * real_m.shape[0] * syn_m.shape[0])
    real_dense = real_m[:, dense].toarray().astype(np.float32)
    syn_dense = syn_m[:, dense].toarray().astype(np.float32)
    real_sparse = real_m[:, sparse].T.tocsr()
    syn_sparse = syn_m[:, sparse].tocsr()
    nearest: list[int] = []
    for start in range(0, len(synthetic), _BLOCK):
        sims = syn_dense[start : start + _BLOCK] @ real_dense.T
        sims += (syn_sparse[start : start + _BLOCK] @ real_sparse).toarray()
        nearest.extend(np.argmax(sims, axis=1).tolist())
    return nearest


def privacy_rows(
    *,
    real_texts: Sequence[str],
    synthetic_texts: Sequence[str],
    n: int = 8,
    real_encoded: Encoded | None = None,
    synthetic_encoded: Encoded | None = None,
) -> PrivacyRows:
    """Per synthetic row exact match, ``n``-gram containment, ROUGE-L and longest shared span to the
    nearest real text. ``real_encoded`` / ``synthetic_encoded`` (both, sharing one vocabulary) reuse
    tokenised corpora."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if len(real_texts) == 0:
        raise ValueError("privacy needs at least one real text")
    if real_encoded is None or synthetic_encoded is None:
        vocab: dict[str, int] = {}
        real_encoded, synthetic_encoded = encode(real_texts, vocab), encode(synthetic_texts, vocab)
    real_exact = {normalise(text) for text in real_texts}
    nearest = _nearest_real(real_encoded, synthetic_encoded)
    lengths = synthetic_encoded.lengths
    contained = contained_counts(real_encoded, synthetic_encoded, n)
    grams = np.maximum(lengths - n + 1, 0)

    exact, rouge, span = [], [], []
    for row, (text, near) in enumerate(zip(synthetic_texts, nearest, strict=True)):
        mine, theirs = synthetic_encoded.text_ids(row), real_encoded.text_ids(near)
        exact.append(1.0 if normalise(text) in real_exact else 0.0)
        rouge.append(rouge_l_f1(mine.tolist(), theirs.tolist()))
        span.append(longest_common_run(mine, theirs))
    with np.errstate(invalid="ignore", divide="ignore"):
        containment = np.where(grams > 0, contained / np.maximum(grams, 1), 0.0).tolist()
    return PrivacyRows(
        exact_match=exact,
        ngram_containment=containment,
        rouge_l_nearest=rouge,
        nearest_index=nearest,
        longest_span=span,
    )


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else math.nan


def _max(values: Sequence[float]) -> float:
    return float(max(values)) if values else math.nan


def summarise_privacy(rows: PrivacyRows) -> dict[str, float]:
    """Corpus-level privacy dict from :class:`PrivacyRows` (NaN over zero rows)."""
    return {
        "exact_match_rate": _mean(rows.exact_match),
        "mean_ngram_containment": _mean(rows.ngram_containment),
        "max_ngram_containment": _max(rows.ngram_containment),
        "mean_rouge_l_nearest": _mean(rows.rouge_l_nearest),
        "max_rouge_l_nearest": _max(rows.rouge_l_nearest),
        "mean_longest_shared_span": _mean(rows.longest_span),
        "max_longest_shared_span": _max(rows.longest_span),
    }


def privacy(*, real_texts: Sequence[str], synthetic_texts: Sequence[str], n: int = 8) -> dict[str, float]:
    """Privacy of ``synthetic_texts`` against ``real_texts``: the per-row values of
    :func:`privacy_rows` averaged (and maxed) over the synthetic corpus."""
    return summarise_privacy(privacy_rows(real_texts=real_texts, synthetic_texts=synthetic_texts, n=n))
