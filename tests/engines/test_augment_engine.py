"""``augment(engine="ray")`` writes, gates and measures exactly what ``augment()`` does (scripted backend,
regex scanner and hashed embeddings, so the comparison is fast and exact)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from datasets import DatasetDict

from hf_synthmh.demo.corpus import load_demo_corpus
from hf_synthmh.engines import RayOptions
from hf_synthmh.gate import GateSettings
from hf_synthmh.generate import Generator
from hf_synthmh.metrics import MetricsOptions
from hf_synthmh.metrics.embeddings import hashed_bow_embed, hashed_token_embed
from hf_synthmh.pipeline import PlanOptions, augment

from .conftest import ship_by_value
from .test_gate_engine import RegexScanner


@pytest.mark.slow  # ~55 s on 2 shared cores: generation, gate and metrics run twice
def test_augment_ray_matches_datasets(ray_local: Any) -> None:
    from test_pipeline import ScriptedBackend

    ship_by_value("test_pipeline")
    ship_by_value(RegexScanner.__module__)
    corpus = load_demo_corpus()
    real = DatasetDict({"train": corpus["train"].shuffle(seed=0).select(range(80)),
                        "holdout": corpus["holdout"].select(range(30))})  # fmt: skip
    backend = ScriptedBackend(train=tuple(real["train"]["text"]), novel=tuple(real["holdout"]["text"]))

    def run(engine: str) -> Any:
        return augment(
            real, generator=Generator(backend=backend), plan=PlanOptions(per_label=3, n_exemplars=1),
            gate=GateSettings(), scanner=RegexScanner(), embed=hashed_bow_embed,  # type: ignore[arg-type]
            metrics=MetricsOptions(token_embed=hashed_token_embed, n_bootstrap=20), batch_size=5,
            engine=engine, ray=RayOptions(num_workers=2, batch_size=5),  # type: ignore[arg-type]
        )  # fmt: skip

    expected, got = run("datasets"), run("ray")
    assert got.synthetic.to_list() == expected.synthetic.to_list()
    assert got.rejected.to_list() == expected.rejected.to_list()
    assert (
        got.gate.counts == expected.gate.counts
        and got.gate.counts_per_label == expected.gate.counts_per_label
    )
    assert json.dumps(got.metrics, sort_keys=True) == json.dumps(expected.metrics, sort_keys=True)
    assert got.generation == expected.generation
    assert len(got.synthetic) > 0 and any(r.startswith("membership:") for r in got.gate.counts)
