"""The gate on Ray gives, row for row, what ``apply_gate`` gives (both PHI policies), with a small
regex scanner standing in for Presidio so the test stays fast (the CLI test with the real scanner is
marked slow)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from datasets import Dataset

from hf_synthmh.gate import GateSettings, apply_gate, gate_summary

from .conftest import ship_by_value

_MRN = re.compile(r"\b(?:MRN|NHS) ?\d{6,10}\b|\b[A-Z][a-z]+ [A-Z][a-z]+son\b")


class RegexScanner:
    """PhiScanner's batch contract: ``phi_types`` and ``phi_spans`` for record numbers and names."""

    threshold = 0.35

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        spans = [
            [{"type": "MEDICAL_RECORD_NUMBER" if m.group().isupper() or m.group()[:3] in ("MRN", "NHS") else "PERSON",
              "start": m.start(), "end": m.end(), "score": 0.9} for m in _MRN.finditer(text or "")]
            for text in batch["text"]
        ]  # fmt: skip
        return {"phi_types": [sorted({s["type"] for s in row}) for row in spans], "phi_spans": spans}


def _data() -> tuple[Dataset, Dataset]:
    from hf_synthmh.demo.corpus import load_demo_corpus

    corpus = load_demo_corpus()
    real = corpus["train"].select(range(60))
    texts = [*real.select(range(0, 60, 6))["text"], *corpus["holdout"].select(range(30))["text"]]
    texts[3] += " Seen with Ada Robinson, MRN 48213377."
    texts[12] = "Reviewed today, NHS 9434765919. " + texts[12]
    texts[13] += " " + "MRN 48213377 again."
    syn = Dataset.from_dict(
        {"id": [f"syn-{i:03d}" for i in range(len(texts))], "text": texts,
         "label": real.features["label"].names[:1] * len(texts), "exemplar_ids": [[real["id"][0]]] + [[]] * (len(texts) - 1)}
    )  # fmt: skip
    return real.add_column("x", [0] * 60), syn


@pytest.mark.parametrize("policy", ["drop", "redact"])
def test_gate_on_ray_matches_apply_gate(ray_local: Any, policy: str) -> None:
    from hf_synthmh.engines.gate import gate_dataset, gate_result
    from hf_synthmh.engines.ray_data import RayOptions, from_dataset

    ship_by_value(__name__)
    real, syn = _data()
    real = real.map(lambda b: {"text": [t + (" MRN 48213377." if i == 5 else "") for i, t in enumerate(b["text"])]},
                    batched=True, batch_size=100)  # fmt: skip
    settings = GateSettings(phi_policy=policy)  # type: ignore[arg-type]
    expected = apply_gate(syn, reference_texts=real["text"], reference_ids=real["id"], settings=settings,
                          scanner=RegexScanner())  # type: ignore[arg-type]  # fmt: skip
    options = RayOptions(num_workers=2, batch_size=7)
    gated, replay = gate_dataset(from_dataset(syn, options), reference_texts=real["text"],
                                 reference_ids=real["id"], settings=settings, scanner=RegexScanner(),  # type: ignore[arg-type]
                                 options=options)  # fmt: skip
    got = gate_result(gated, settings=settings, replay=replay, features=syn.features)
    assert got.kept["id"] == expected.kept["id"]
    assert got.rejected["reject_reasons"] == expected.rejected["reject_reasons"]
    assert got.kept.to_list() == expected.kept.to_list()
    assert got.rejected.to_list() == expected.rejected.to_list()
    assert got.kept.features == expected.kept.features
    summary, wanted = gate_summary(got), gate_summary(expected)
    summary.pop("timings"), wanted.pop("timings")
    assert summary == wanted
    assert 0 < summary["n_kept"] < len(syn)
    assert summary["phi_replay_detail"]["rows_generated"] >= 1  # under redact the copy is redacted first
    assert {"membership:ngram", "membership:exemplar"} <= set(summary["counts"])


def test_gate_on_ray_runs_the_embedding_check_like_apply_gate(ray_local: Any) -> None:
    from hf_synthmh.demo.corpus import load_demo_corpus
    from hf_synthmh.engines.gate import gate_dataset, gate_result
    from hf_synthmh.engines.ray_data import RayOptions, from_dataset
    from hf_synthmh.gate.steps import EmbeddingStep
    from hf_synthmh.metrics.embeddings import hashed_bow_embed

    ship_by_value(__name__)
    real, syn = _data()
    holdout = load_demo_corpus()["holdout"].select(range(30, 50))["text"]
    settings = GateSettings(embedding_check=True)
    expected = apply_gate(syn, reference_texts=real["text"], reference_ids=real["id"], settings=settings,
                          scanner=RegexScanner(), holdout_texts=holdout, embed=hashed_bow_embed)  # type: ignore[arg-type]  # fmt: skip
    options = RayOptions(num_workers=2, batch_size=7)
    gated, replay = gate_dataset(from_dataset(syn, options), reference_texts=real["text"],
                                 reference_ids=real["id"], settings=settings, scanner=RegexScanner(),  # type: ignore[arg-type]
                                 options=options)  # fmt: skip
    step = EmbeddingStep(settings, (real["text"], real["id"]), holdout, hashed_bow_embed)
    got = gate_result(gated, settings=settings, replay=replay, features=syn.features, embedding=step)
    assert got.embedding_threshold is not None and got.embedding_threshold == expected.embedding_threshold
    assert got.kept.to_list() == expected.kept.to_list()
    assert got.rejected.to_list() == expected.rejected.to_list()
    summary, wanted = gate_summary(got), gate_summary(expected)
    summary.pop("timings"), wanted.pop("timings")
    assert summary == wanted
    assert "membership:embedding" in summary["counts"]  # copies of real reports are near in embedding space
    with pytest.raises(ValueError, match="holdout"):
        gate_result(
            gated, settings=settings, replay=replay, embedding=EmbeddingStep(settings, ([], []), None, None)
        )
