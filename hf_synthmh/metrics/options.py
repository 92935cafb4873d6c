"""The settings of :func:`hf_synthmh.metrics.report.evaluate_corpus`: how to measure, apart from what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hf_synthmh.metrics.embeddings import TokenEmbedFn
    from hf_synthmh.metrics.utility import ClassifierSpec

__all__ = ["MetricsOptions"]


@dataclass(frozen=True, kw_only=True)
class MetricsOptions:
    """How :func:`evaluate_corpus` measures (the corpora are its arguments).

    Attributes:
        n: word n-gram length for privacy containment.
        max_texts: subsample size for self-BLEU (``None``: all texts; it is linear-time).
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

    n: int = 8
    max_texts: int | None = None
    token_embed: TokenEmbedFn | None = None
    classifier: ClassifierSpec = "tfidf_lr"
    n_bootstrap: int = 1000
    bertscore_max_rows: int | None = 2000
    mauve_min_rows: int = 50
    seed: int = 0
    plot_dir: str | Path | None = None
    classifier_preprocess: Callable[[str], str] | None = None
