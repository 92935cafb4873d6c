"""Metrics of synthetic reports against real ones: fidelity, diversity, privacy, detectability and
downstream utility, overall and per ICD-10 code.

Each metric is a small pure function returning plain values; :func:`evaluate_corpus` runs them all and
returns plain JSON (see :mod:`hf_synthmh.metrics.report`). Text metrics share one tokeniser,
:func:`hf_synthmh.text.tokens.words`. Heavy libraries (numpy, torch,
sentence-transformers, scikit-learn, sacrebleu, matplotlib, transformers) are imported only when a metric
needs them: importing this package is cheap.

Modules: :mod:`.embeddings`, :mod:`.fidelity` (centroids), :mod:`.bertscore`,
:mod:`.mauve`, :mod:`.detect` (label round-trip, discriminator AUC), :mod:`.diversity`,
:mod:`.ngramstats`, :mod:`.selfbleu`, :mod:`.lexical`, :mod:`.privacy` (text overlap),
:mod:`.distance` (DCR, NNDR, DCR share, membership inference), :mod:`.utility`,
:mod:`.utility_transformers`, :mod:`.plots`, :mod:`.keys` (names of baselines and intervals),
:mod:`.report` and :mod:`.report_steps`, and ``evaluate`` modules in :mod:`.evaluate_modules`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hf_synthmh.metrics.report import MetricsOptions, evaluate_corpus, evaluate_splits

__all__ = ["MetricsOptions", "evaluate_corpus", "evaluate_splits"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from hf_synthmh.metrics import report

        return getattr(report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
