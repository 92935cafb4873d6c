"""``--engine ray`` gives what ``--engine datasets`` gives: the same kept ids, reject reasons and scan
report (timings aside) for ``scan``; the same metrics, to the last digit, for ``evaluate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from hf_synthmh.cli import main


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
        raise SystemExit(0)
    return int(info.value.code or 0)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_engine_ray_without_ray_exits_2_naming_the_extra(
    small_corpus: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    args = ["--real", str(small_corpus["real"]), "--synthetic", str(small_corpus["synthetic"])]
    assert _run(["scan", *args, "--out", str(tmp_path / "out"), "--engine", "ray"]) == 2
    assert "hf-synthmh[ray]" in capsys.readouterr().err
    assert _run(["evaluate", *args, "--out", str(tmp_path / "m.json"), "--engine", "ray"]) == 2
    assert "hf-synthmh[ray]" in capsys.readouterr().err


def test_address_needs_engine_ray(small_corpus: dict[str, Path], tmp_path: Path) -> None:
    args = ["--real", str(small_corpus["real"]), "--synthetic", str(small_corpus["synthetic"])]
    assert _run(["scan", *args, "--out", str(tmp_path / "o"), "--address", "auto"]) == 2


@pytest.mark.slow  # ~70 s: Presidio and spaCy load in each actor of two pools on 2 shared cores
def test_scan_ray_matches_datasets(ray_local: Any, small_corpus: dict[str, Path], tmp_path: Path) -> None:
    from datasets import load_dataset

    args = ["scan", "--real", str(small_corpus["real"]), "--synthetic", str(small_corpus["synthetic"])]
    assert _run([*args, "--out", str(tmp_path / "d")]) == 0
    assert _run([*args, "--out", str(tmp_path / "r"), "--engine", "ray", "--num-workers", "2"]) == 0
    kept_d = _lines(tmp_path / "d" / "kept.jsonl")
    shards = sorted(str(p) for p in (tmp_path / "r" / "kept").glob("*.parquet"))
    kept_r = load_dataset("parquet", data_files=shards, split="train")
    assert [r["id"] for r in kept_d] == kept_r["id"]
    assert 0 < len(kept_d) < 14
    rejected_d, rejected_r = (
        _lines(tmp_path / "d" / "rejected.jsonl"),
        _lines(tmp_path / "r" / "rejected.jsonl"),
    )
    assert [(r["id"], r["reject_reasons"]) for r in rejected_d] == [
        (r["id"], r["reject_reasons"]) for r in rejected_r
    ]
    assert rejected_d == rejected_r  # every column, scores included
    report_d = json.loads((tmp_path / "d" / "scan_report.json").read_text())
    report_r = json.loads((tmp_path / "r" / "scan_report.json").read_text())
    report_d.pop("timings"), report_r.pop("timings")
    assert report_d == report_r
    assert {"membership:ngram", "phi:replay"} <= set(report_r["counts"])


def test_evaluate_ray_matches_datasets(ray_local: Any, small_corpus: dict[str, Path], tmp_path: Path) -> None:
    args = ["evaluate", "--real", str(small_corpus["real"]), "--synthetic", str(small_corpus["synthetic"])]
    args += ["--holdout", str(small_corpus["holdout"]), "--embed", "hashed", "--bootstrap", "20"]
    assert _run([*args, "--out", str(tmp_path / "d.json")]) == 0
    assert _run([*args, "--out", str(tmp_path / "r.json"), "--engine", "ray", "--num-workers", "2"]) == 0
    metrics_d = json.loads((tmp_path / "d.json").read_text())
    metrics_r = json.loads((tmp_path / "r.json").read_text())
    assert metrics_d == metrics_r  # exact: the same code on the same embeddings
    assert metrics_r["diversity"]["distinct_2"] is not None and metrics_r["privacy"]["dcr_share"] is not None
