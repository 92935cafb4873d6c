"""Every anticipated failure of the CLI is one line naming the cause and what to change, never a traceback;
``--out`` problems are found before any expensive work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hf_synthmh.cli._out import LOCK_NAME

from .test_commands import NOVEL, REAL, _jsonl, _run


def _scan_args(tmp_path: Path, out: Path) -> list[str]:
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    syn = _jsonl(tmp_path / "syn.jsonl", [NOVEL])
    return ["scan", "--real", str(real), "--synthetic", str(syn), "--out", str(out)]


def _one_line_error(err: str) -> str:
    """stderr as one line of words, without the box typer draws around usage errors."""
    assert "Traceback" not in err
    return " ".join(err.translate(str.maketrans("", "", "│╭╮╰╯─")).split())


@pytest.mark.parametrize("command", ["scan", "generate", "demo"])
def test_out_that_is_a_file_fails_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    out = tmp_path / "taken.txt"
    out.write_text("not a folder")
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    args = {
        "scan": _scan_args(tmp_path, out),
        "generate": ["generate", "--real", str(real), "--out", str(out), "--model", "/nonexistent/model"],
        "demo": ["demo", "--out", str(out)],
    }[command]
    if command == "generate":
        args += ["--per-label", "1"]
    assert _run(args) == 2
    message = _one_line_error(capsys.readouterr().err)
    assert "--out" in message and "is a file" in message
    assert out.read_text() == "not a folder"


def test_out_that_cannot_be_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(_scan_args(tmp_path, Path("/proc/hf-synthmh-out"))) == 2
    message = _one_line_error(capsys.readouterr().err)
    assert "--out" in message and "cannot be created" in message


def test_evaluate_out_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    syn = _jsonl(tmp_path / "syn.jsonl", [NOVEL])
    args = ["evaluate", "--real", str(real), "--synthetic", str(syn), "--out", str(tmp_path)]
    assert _run(args) == 2
    message = _one_line_error(capsys.readouterr().err)
    assert "--out" in message and "is a folder" in message


def test_a_folder_held_by_a_running_process_is_refused_and_a_stale_lock_taken_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as other:
        try:
            (out / LOCK_NAME).write_text(f"{other.pid}\n")
            assert _run(_scan_args(tmp_path, out)) == 2
            message = _one_line_error(capsys.readouterr().err)
            assert f"another hf-synthmh run (pid {other.pid}) is writing to {out}" in message
            assert not (out / "kept.jsonl").exists()
        finally:
            other.kill()
    other.wait()
    (out / LOCK_NAME).write_text(f"{other.pid}\n")  # the process is gone: a stale lock
    assert _run(_scan_args(tmp_path, out)) == 0
    assert (out / "kept.jsonl").is_file() and not (out / LOCK_NAME).exists()


def test_unexpected_errors_are_one_line_with_a_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("simulated failure deep in the gate")

    monkeypatch.setattr("hf_synthmh.gate.apply_gate", broken)
    assert _run(_scan_args(tmp_path, tmp_path / "o")) == 1
    message = _one_line_error(capsys.readouterr().err)
    assert "unexpected RuntimeError: simulated failure deep in the gate" in message
    log = Path(message.split("full traceback in ")[1].rstrip(")"))
    assert "Traceback" in log.read_text() and "simulated failure" in log.read_text()
    log.unlink()


# -- publishing -------------------------------------------------------------------------------------------
def _published_folder(tmp_path: Path) -> Path:
    from datasets import ClassLabel, Dataset, Features, Value

    from hf_synthmh.card import build_card
    from hf_synthmh.publish import write_hub_folder

    features = Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "label": ClassLabel(names=["F32.1"]),
            "is_synthetic": Value("bool"),
            "model": Value("string"),
            "prompt_hash": Value("string"),
            "seed": Value("int64"),
        }
    )
    rows = Dataset.from_dict(
        {
            "id": ["syn-1"],
            "text": ["A synthetic report."],
            "label": [0],
            "is_synthetic": [True],
            "model": ["tiny"],
            "prompt_hash": ["0" * 16],
            "seed": [1],
        },
        features=features,
    )
    card = build_card(pretty_name="Test", metrics={}, gate={}, generation={}, n_rows=1, labels=["F32.1"])
    return write_hub_folder(rows, card, tmp_path / "published")


def test_publish_offline_names_the_variable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _published_folder(tmp_path)
    assert _run(["publish", str(folder), "--repo-id", "me/x"]) == 1  # conftest sets HF_HUB_OFFLINE=1
    message = _one_line_error(capsys.readouterr().err)
    assert "HF_HUB_OFFLINE is set" in message and "unset HF_HUB_OFFLINE" in message


def test_publish_private_onto_a_public_repo_names_the_flag(
    hub: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import HfApi

    monkeypatch.setenv("HF_TOKEN", hub.token)
    HfApi(endpoint=hub.url, token=hub.token).create_repo("me/open", repo_type="dataset", private=False)
    folder = _published_folder(tmp_path)
    assert _run(["publish", str(folder), "--repo-id", "me/open", "--endpoint", hub.url]) == 1
    message = _one_line_error(capsys.readouterr().err)
    assert "exists and is public" in message and "--public" in message and "private=False" not in message


def test_publish_with_a_wrong_token_names_the_token(
    hub: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_wrong_token")
    folder = _published_folder(tmp_path)
    assert _run(["publish", str(folder), "--repo-id", "me/x", "--endpoint", hub.url]) == 1
    message = _one_line_error(capsys.readouterr().err)
    assert "HTTP 401" in message and "HF_TOKEN" in message
    assert "hf_wrong_token" not in message


def test_publish_a_folder_with_extra_files_is_refused_by_name(
    hub: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", hub.token)
    folder = _published_folder(tmp_path)
    (folder / "real_rows.jsonl").write_text(json.dumps({"text": "a real report"}) + "\n")
    assert _run(["publish", str(folder), "--repo-id", "me/x", "--endpoint", hub.url]) == 1
    message = _one_line_error(capsys.readouterr().err)
    assert "refusing to publish" in message and "real_rows.jsonl" in message
    assert hub.requests == []


def test_generate_with_the_server_down_finishes_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hf_synthmh.testing.serve import free_port

    real = _jsonl(tmp_path / "real.jsonl", REAL)
    out = tmp_path / "down"
    args = ["generate", "--real", str(real), "--out", str(out), "--backend", "endpoint", "--model", "m"]
    args += ["--base-url", f"http://127.0.0.1:{free_port()}/v1", "--per-label", "2", "--request-retries", "0"]
    assert _run(args) == 1
    message = _one_line_error(capsys.readouterr().err.split("error: ", 1)[1])
    assert message.startswith("no report was written: 4 request(s) failed for good (ConnectError x4)")
    failed = [json.loads(line) for line in (out / "failed.jsonl").read_text().splitlines()]
    assert [r["generation_error"] for r in failed] == ["request_failed=ConnectError"] * 4
    assert (out / "scan_report.json").is_file() and (out / "metrics.json").is_file()


def test_evaluate_measures_the_labels_with_real_texts_and_names_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    other = {"text": "Reason for referral: hears voices. Impression: F20.0. Plan: review.", "label": "F20.0"}
    syn = _jsonl(tmp_path / "syn.jsonl", [NOVEL, other, other])
    out = tmp_path / "metrics.json"
    assert (
        _run(
            ["evaluate", "--real", str(real), "--synthetic", str(syn), "--out", str(out), "--embed", "hashed"]
        )
        == 0
    )
    assert "label(s) F20.0 (2 rows) have no real texts" in _one_line_error(capsys.readouterr().err)
    metrics = json.loads(out.read_text())
    assert metrics["skipped_synthetic_labels"] == {"F20.0": 2} and metrics["diversity"]["n_texts"] == 1
    only_other = _jsonl(tmp_path / "other.jsonl", [other])
    args = [
        "evaluate",
        "--real",
        str(real),
        "--synthetic",
        str(only_other),
        "--out",
        str(tmp_path / "m2.json"),
    ]
    assert _run(args) == 2
    assert "no synthetic label has real texts" in _one_line_error(capsys.readouterr().err)


def test_a_rerun_reports_its_generation_cache_hits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from backends.serve_helpers import FakeChatServer

    from .test_commands import _Echo

    real = _jsonl(tmp_path / "real.jsonl", REAL)
    with FakeChatServer(_Echo()) as server:
        args = ["generate", "--real", str(real), "--out", str(tmp_path / "o"), "--backend", "endpoint"]
        args += ["--base-url", server.url, "--model", "m", "--per-label", "2", "--max-attempts", "1"]
        _run(args)
        first = capsys.readouterr().out
        _run(args)
        second = capsys.readouterr().out
    assert "0 completion(s) from the generation cache" in " ".join(first.split())
    assert "4 completion(s) from the generation cache" in " ".join(second.split())
    assert len(server.bodies) == 4


def _entries(out: Path) -> list[Path]:
    """The generation cache's complete entries (a temporary file the kill left behind is not one)."""
    return [p for p in out.glob("generation_cache/*/*.json") if not p.name.startswith(".tmp-")]


def test_generate_killed_mid_run_resumes_with_exact_row_accounting(tmp_path: Path) -> None:
    """SIGKILL a `generate` run against an endpoint half-way, run it again: every planned row is accounted
    for once, completions that had arrived are not asked for again (at most the one in flight is)."""
    import signal
    import time

    from backends.serve_helpers import FakeChatServer

    from .test_commands import _Echo

    real = _jsonl(tmp_path / "real.jsonl", REAL)
    out = tmp_path / "o"
    with FakeChatServer(_Echo(), delay=0.25) as server:
        args = ["generate", "--real", str(real), "--out", str(out), "--backend", "endpoint", "--model", "m"]
        args += [
            "--base-url",
            server.url,
            "--per-label",
            "6",
            "--max-attempts",
            "1",
            "--max-concurrency",
            "1",
        ]
        command = [sys.executable, "-m", "hf_synthmh.cli", *args]
        first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while len(_entries(out)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait()
        answered_before = len(server.bodies)
        entries = _entries(out)
        cached_before, cached_seeds = len(entries), {json.loads(e.read_text())["seed"] for e in entries}
        assert 4 <= cached_before < 12 and (out / LOCK_NAME).exists()  # killed half-way, lock left behind
        assert subprocess.run(command, capture_output=True, timeout=300).returncode == 0
    failed = [json.loads(line) for line in (out / "failed.jsonl").read_text().splitlines()]
    report = json.loads((out / "scan_report.json").read_text())
    ids = [row["id"] for row in failed]
    assert report["n_in"] + len(failed) == 12 and len(set(ids)) == len(ids)
    asked_again = [int(body["seed"]) for body in server.bodies[answered_before:]]
    assert not cached_seeds & set(asked_again)  # nothing stored was asked for again
    # the rows not stored, plus at most the killed run's request that was still reaching the server
    assert 12 - cached_before <= len(asked_again) <= 12 - cached_before + 1
    assert len(server.bodies) <= 12 + 1  # at most the request in flight at the kill was paid twice
    assert not (out / LOCK_NAME).exists()


def test_out_doctests() -> None:
    import doctest

    from hf_synthmh.cli import _out

    result = doctest.testmod(_out)
    assert result.failed == 0 and result.attempted > 0
