from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hf_synthmh.metrics import plots
from hf_synthmh.metrics.distance import distance_privacy
from hf_synthmh.metrics.embeddings import hashed_bow_embed, hashed_token_embed
from hf_synthmh.metrics.report import MetricsOptions, evaluate_corpus

Corpus = tuple[list[str], list[str]]


def test_writes_pngs_including_the_distance_histogram(
    real: Corpus, synthetic: Corpus, tmp_path: Path
) -> None:
    metrics = evaluate_corpus(
        real_texts=real[0], real_labels=real[1], synthetic_texts=synthetic[0], synthetic_labels=synthetic[1],
        embed=hashed_bow_embed, options=MetricsOptions(token_embed=hashed_token_embed),
    )  # fmt: skip
    rng = np.random.default_rng(0)
    distances = distance_privacy(rng.normal(size=(20, 4)), rng.normal(size=(8, 4)), rng.normal(size=(6, 4)))
    paths = plots.write_plots(metrics, tmp_path / "new" / "folder", distances=distances)
    assert sorted(paths) == ["diversity_by_code", "fidelity_by_code", "nn_distances"]
    for path in paths.values():
        assert path.parent == tmp_path / "new" / "folder" and path.read_bytes()[:4] == b"\x89PNG"


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def missing(module: str, **_: object) -> None:
        raise ImportError(f"{module} is needed here: pip install 'hf-synthmh[plots]'")

    monkeypatch.setattr(plots, "require", missing)
    with pytest.raises(ImportError, match=r"hf-synthmh\[plots\]"):
        plots.write_plots({"per_label": {}}, tmp_path)
