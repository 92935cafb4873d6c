"""End to end on a slice of the bundled corpus: plan -> generate -> gate -> metrics -> card -> folder.

A scripted backend stands in for a model that memorises (copies real train reports), leaks PHI, or
writes new text, so every branch of the gate is exercised with known answers. The real transformers
backend runs end to end through the ``demo`` command in ``test_demo_command``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from datasets import DatasetDict, load_dataset
from huggingface_hub import DatasetCard

from hf_synthmh.backends.base import Request, SamplingSettings
from hf_synthmh.card_metadata import check_card_metadata
from hf_synthmh.contracts import PUBLISHED_COLUMNS
from hf_synthmh.demo.corpus import load_demo_corpus
from hf_synthmh.generate import Generator
from hf_synthmh.metrics import MetricsOptions
from hf_synthmh.metrics.embeddings import hashed_bow_embed
from hf_synthmh.pipeline import PlanOptions, augment, write_outputs

LEAK = " The patient, Mr Jonathan Okonkwo, can be reached on 07700 900123."


@dataclass(frozen=True, kw_only=True)
class ScriptedBackend:
    """Seed % 3 decides: 0 copies a real train report, 1 leaks PHI into new text, 2 writes new text."""

    train: tuple[str, ...]
    novel: tuple[str, ...]

    @property
    def name(self) -> str:
        return "scripted-test-backend"

    def generate(
        self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
    ) -> list[str]:
        out = []
        for seed in seeds:
            kind = seed % 3
            if kind == 0:
                out.append(self.train[seed % len(self.train)])
            elif kind == 1:
                out.append("<think>draft a report</think>" + self.novel[seed % len(self.novel)] + LEAK)
            else:
                out.append(self.novel[seed % len(self.novel)])
        return out


def _kind(seed: int) -> str:
    return ("copy", "phi", "novel")[seed % 3]


@pytest.fixture(scope="module")
def small_real() -> DatasetDict:
    corpus = load_demo_corpus(with_annotations=True)
    train = corpus["train"].shuffle(seed=0).select(range(120))
    clean_holdout = corpus["holdout"].filter(lambda row: not row["planted_phi"])
    return DatasetDict(
        {
            "train": train.remove_columns("planted_phi"),
            "test": corpus["test"].remove_columns("planted_phi"),
            "holdout": clean_holdout.remove_columns("planted_phi"),
        }
    )


@pytest.fixture()
def backend(small_real: DatasetDict) -> ScriptedBackend:
    return ScriptedBackend(
        train=tuple(small_real["train"]["text"]), novel=tuple(small_real["holdout"]["text"])
    )


def test_augment_end_to_end(small_real: DatasetDict, backend: ScriptedBackend, tmp_path: Path) -> None:
    result = augment(
        small_real,
        generator=Generator(backend=backend),
        plan=PlanOptions(per_label=4, n_exemplars=1),
        embed=hashed_bow_embed,
        batch_size=5,
    )
    n_codes = len(set(small_real["train"]["label"]))
    n_total = len(result.synthetic) + len(result.rejected)
    assert n_total == 4 * n_codes

    # Every copy and every leak is rejected for the right reason; the novel rows are kept.
    for row in result.rejected:
        kind = _kind(row["seed"])
        reasons = row["reject_reasons"]
        if kind == "copy":
            assert any(r.startswith("membership:") for r in reasons), reasons
        elif kind == "phi":
            assert any(r.startswith("phi:") for r in reasons), reasons
    kept_kinds = [_kind(s) for s in result.synthetic["seed"]]
    rejected_kinds = [_kind(s) for s in result.rejected["seed"]]
    assert "copy" not in kept_kinds and "phi" not in kept_kinds
    assert kept_kinds.count("novel") >= 0.8 * (kept_kinds.count("novel") + rejected_kinds.count("novel"))

    # Published rows carry only the report, its label and provenance; reasoning never reaches them.
    assert result.synthetic.column_names == list(PUBLISHED_COLUMNS)
    assert all(result.synthetic["is_synthetic"])
    assert all("<think>" not in t for t in [*result.synthetic["text"], *result.rejected["text"]])
    assert set(result.synthetic["model"]) == {"scripted-test-backend"}
    assert all(len(ids) == 1 for ids in result.synthetic["exemplar_ids"])

    # The augmented split is real + kept synthetic; other splits are untouched.
    assert len(result.augmented["train"]) == len(small_real["train"]) + len(result.synthetic)
    assert result.augmented["test"]["id"] == small_real["test"]["id"]
    assert result.augmented["train"].features["label"] == small_real["train"].features["label"]

    # Gate counts agree with the rows.
    assert result.gate.counts["membership:ngram"] + result.gate.counts.get(
        "membership:span", 0
    ) >= rejected_kinds.count("copy")
    assert result.metrics["privacy"]["exact_match_rate"] == 0.0  # copies never reach the metrics' corpus

    paths = write_outputs(result, tmp_path / "out", source_note="fictional test data")
    published = load_dataset(str(paths["published"]), split="train")
    assert published["id"] == result.synthetic["id"]
    assert published.features["label"].names == small_real["train"].features["label"].names
    card = DatasetCard.load(paths["published"] / "README.md")
    check_card_metadata(card)
    assert "synthetic" in card.data.tags
    assert f"{len(result.synthetic)}" in card.text
    rejected = [json.loads(x) for x in paths["rejected"].read_text().splitlines()]
    assert len(rejected) == len(result.rejected)
    assert not (paths["published"] / "rejected.jsonl").exists()
    assert json.loads(paths["metrics"].read_text())["per_label"]


def test_same_plan_same_rows_whatever_the_batching(small_real: DatasetDict, backend: ScriptedBackend) -> None:
    runs = [
        augment(
            small_real,
            generator=Generator(backend=backend),
            plan=PlanOptions(per_label=2),
            embed=hashed_bow_embed,
            batch_size=b,
        )
        for b in (1, 7)
    ]
    assert runs[0].synthetic["id"] == runs[1].synthetic["id"]
    assert runs[0].synthetic["text"] == runs[1].synthetic["text"]
    assert runs[0].gate.counts == runs[1].gate.counts


def test_demo_command_runs_the_real_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's demo, shrunk: trains a tiny Llama for a few steps, generates, gates, writes a card."""
    from hf_synthmh.cli import main

    monkeypatch.setenv("HF_SYNTHMH_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "demo"
    with pytest.raises(SystemExit) as info:
        main(
            [
                "demo",
                "--generator",
                "toy",
                "--out",
                str(out),
                "--per-label",
                "1",
                "--steps",
                "20",
                "--max-new-tokens",
                "40",
                "--max-attempts",
                "1",
            ]
        )
        raise SystemExit(0)
    assert info.value.code in (0, None)
    published = out / "published"
    card = DatasetCard.load(published / "README.md")
    check_card_metadata(card)
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"fidelity", "diversity", "privacy", "per_label"} <= set(metrics)
    report = json.loads((out / "scan_report.json").read_text())
    failed = (out / "failed.jsonl").read_text().splitlines()
    assert report["n_in"] + len(failed) == 10  # one request per code of the corpus
    assert (out / "generation_cache").is_dir()
    if report["n_kept"]:
        rows = load_dataset(str(published), split="train")
        assert len(rows) == report["n_kept"] and all(rows["is_synthetic"])


def test_redact_policy_utility_and_plots_reach_the_card(
    small_real: DatasetDict, backend: ScriptedBackend, tmp_path: Path
) -> None:
    from hf_synthmh.gate import GateSettings

    result = augment(
        small_real,
        generator=Generator(backend=backend),
        plan=PlanOptions(per_label=3),
        embed=hashed_bow_embed,
        gate=GateSettings(phi_policy="redact"),
        metrics=MetricsOptions(n_bootstrap=50, plot_dir=tmp_path / "plots"),
    )
    # Leaking rows are kept with placeholders instead of the identifiers; copies are still rejected.
    leaked = [
        t
        for t, s in zip(result.synthetic["text"], result.synthetic["seed"], strict=True)
        if _kind(s) == "phi"
    ]
    assert leaked and all("<PERSON>" in t and "Okonkwo" not in t and "900123" not in t for t in leaked)
    assert "copy" not in [_kind(s) for s in result.synthetic["seed"]]
    assert result.gate.n_redacted == len(leaked)
    # The test and holdout splits reached the metrics.
    assert result.metrics["utility"]["n_test"] == len(small_real["test"])
    assert result.metrics["privacy"]["dcr_share"] is not None
    assert "phi_replay" in result.metrics

    paths = write_outputs(result, tmp_path / "out")
    published = load_dataset(str(paths["published"]), split="train")
    assert published.column_names == list(PUBLISHED_COLUMNS)  # no gate columns (phi_redacted) published
    text = (paths["published"] / "README.md").read_text()
    assert (
        f"Redacted (kept with identifiers replaced by typed placeholders such as `<PERSON>`): {len(leaked)}"
        in text
    )
    assert "### Per label: utility" in text
    for name in result.metrics["plots"]:
        shown = f"plots/{name}.png"
        assert f"]({shown})" in text and (paths["published"] / shown).read_bytes()[:4] == b"\x89PNG"
    assert json.loads(paths["scan_report"].read_text())["settings"]["phi_policy"] == "redact"
