"""A campaign of careless-user cases against the ``hf-synthmh`` CLI: bad files, a failing server, clashing
output folders. Each case runs the CLI in a subprocess of the Python you start this with (so it measures
whatever ``hf_synthmh`` that Python imports: set ``PYTHONPATH`` to an older checkout to compare) and passes
when the exit code is the expected one, stderr holds no traceback, and the expected words appear.

    python scripts/cli_campaign.py                      # this checkout
    PYTHONPATH=/path/to/old/checkout python scripts/cli_campaign.py --label before

Prints one Markdown row per case. A local fake chat server (127.0.0.1) stands in for an OpenAI-compatible
endpoint; it answers with a six-section report, or HTTP 500 for the seeds it is told to fail.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPORT = "\n".join(
    f"{heading}\n{body}"
    for heading, body in [
        ("Reason for referral", "Low mood for several months after a change of job."),
        ("History of presenting complaint", "Early waking, poor appetite and loss of interest."),
        ("Mental state examination", "Tearful, slowed speech, no psychotic features."),
        ("Risk assessment", "Passive thoughts of death without plans or intent."),
        ("Impression", "F32.1 moderate depressive episode."),
        ("Plan", "Sertraline and behavioural activation; review in four weeks."),
    ]
)
REAL = [
    {"text": f"Reason for referral: low mood, case {i}. Impression: F32.1. Plan: review.", "label": "F32.1"}
    for i in range(3)
] + [
    {"text": f"Reason for referral: worry, case {i}. Impression: F41.1. Plan: CBT.", "label": "F41.1"}
    for i in range(3)
]


class FakeServer:
    """Answers ``/v1/chat/completions`` with :data:`REPORT`; the first request of each call to
    :meth:`fail_first` seeds gets HTTP 500 for good."""

    def __init__(self) -> None:
        self.failing: set[int] = set()
        self.fail_next = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                seed = int(body.get("seed") or 0)
                if owner.fail_next and not owner.failing:
                    owner.failing.add(seed)
                status, payload = (
                    (500, {"error": "injected"}) if seed in owner.failing else (200, _reply(body))
                )
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"


def _reply(body: dict[str, Any]) -> dict[str, Any]:
    message = {"role": "assistant", "content": REPORT}
    return {
        "id": "x",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "m"),
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@dataclass
class Case:
    name: str
    args: Callable[[Path, FakeServer], list[str]]
    code: int
    words: tuple[str, ...] = ()
    setup: Callable[[Path, FakeServer], None] | None = None
    check: Callable[[Path], bool] | None = None
    timeout: float = 240.0


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _generate(real: str, out: str, server: FakeServer, *extra: str) -> list[str]:
    return [
        "generate", "--real", real, "--out", out, "--backend", "endpoint", "--base-url", server.url,
        "--model", "m", "--per-label", "2", "--max-attempts", "1", *extra,
    ]  # fmt: skip


def _write_inputs(tmp: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    _jsonl(tmp / "real.jsonl", REAL)
    with (tmp / "real.csv").open("w") as fh:
        fh.write("text,label\n" + "".join(f'"{r["text"]}",{r["label"]}\n' for r in REAL))
    columns = {k: pa.array([r[k] for r in REAL], pa.large_string()) for k in ("text", "label")}
    pq.write_table(pa.table(columns), tmp / "real.parquet")
    (tmp / "empty.jsonl").write_text("")
    (tmp / "latin1.jsonl").write_bytes('{"text": "caf\xe9 au lait", "label": "F32.1"}\n'.encode("latin-1"))
    (tmp / "broken.jsonl").write_text('{"text": "a", "label": "F32.1"}\n{"text": "b", label}\n')
    (tmp / "header.csv").write_text("text,label\n")
    _jsonl(tmp / "dup.jsonl", [{**r, "id": "same"} for r in REAL])
    words = " ".join(f"w{i % 5000}" for i in range(900_000))
    _jsonl(tmp / "huge.jsonl", [{"text": words, "label": "F32.1"}, *REAL[1:]])
    _jsonl(tmp / "other_label.jsonl", [*REAL[:2], {"text": "Hears voices. F20.0.", "label": "F20.0"}])
    (tmp / "a_file").write_text("not a folder")


def _outputs(out: Path) -> bool:
    return (out / "failed.jsonl").is_file() and (out / "metrics.json").is_file()


def _hold_lock(tmp: Path, server: FakeServer) -> None:
    out = tmp / "locked"
    out.mkdir(exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    (out / ".hf-synthmh.lock").write_text(f"{holder.pid}\n")
    HOLDERS.append(holder)


HOLDERS: list[subprocess.Popen[bytes]] = []


def _one_failing(tmp: Path, server: FakeServer) -> None:
    server.failing.clear()
    server.fail_next = 1


CASES = [
    Case("generate --real FILE.csv", lambda t, s: _generate(f"{t}/real.csv", f"{t}/o_csv", s), 0,
         check=lambda t: _outputs(t / "o_csv")),
    Case("generate --real FILE.parquet (large_string)", lambda t, s: _generate(f"{t}/real.parquet", f"{t}/o_pq", s), 0,
         check=lambda t: _outputs(t / "o_pq")),
    Case("one request fails for good (HTTP 500)", lambda t, s: _generate(f"{t}/real.jsonl", f"{t}/o_500", s), 0,
         setup=_one_failing, check=lambda t: _outputs(t / "o_500")
         and "request_failed=HTTP 500" in (t / "o_500" / "failed.jsonl").read_text()),
    Case("server down", lambda t, s: ["generate", "--real", f"{t}/real.jsonl", "--out", f"{t}/o_down",
         "--backend", "endpoint", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--per-label", "1"],
         1, ("request(s) failed",), check=lambda t: _outputs(t / "o_down"), timeout=400),
    Case("--out is a file", lambda t, s: _generate(f"{t}/real.jsonl", f"{t}/a_file", s), 2, ("--out", "is a file")),
    Case("--out held by a running run", lambda t, s: _generate(f"{t}/real.jsonl", f"{t}/locked", s), 2,
         ("another hf-synthmh run",), setup=_hold_lock),
    Case("evaluate --out is a folder", lambda t, s: ["evaluate", "--real", f"{t}/real.jsonl", "--synthetic",
         f"{t}/real.jsonl", "--out", str(t), "--embed", "hashed"], 2, ("--out", "is a folder")),
    Case("empty file", lambda t, s: ["scan", "--real", f"{t}/empty.jsonl", "--synthetic", f"{t}/real.jsonl",
         "--out", f"{t}/o_e"], 2, ("empty",)),
    Case("bytes that are not UTF-8", lambda t, s: ["scan", "--real", f"{t}/latin1.jsonl", "--synthetic",
         f"{t}/real.jsonl", "--out", f"{t}/o_l"], 2, ("not UTF-8", "line 1")),
    Case("malformed JSONL line", lambda t, s: ["scan", "--real", f"{t}/broken.jsonl", "--synthetic",
         f"{t}/real.jsonl", "--out", f"{t}/o_b"], 2, ("line 2",)),
    Case("CSV with 0 rows", lambda t, s: ["scan", "--real", f"{t}/header.csv", "--synthetic", f"{t}/real.jsonl",
         "--out", f"{t}/o_h"], 2, ("0 rows",)),
    Case("duplicate ids warned", lambda t, s: ["scan", "--real", f"{t}/dup.jsonl", "--synthetic",
         f"{t}/real.jsonl", "--out", f"{t}/o_d"], 0, ("more than once",)),
    Case("evaluate a 5 MB text", lambda t, s: ["evaluate", "--real", f"{t}/real.jsonl", "--synthetic",
         f"{t}/huge.jsonl", "--out", f"{t}/m_huge.json", "--embed", "hashed"], 0, timeout=300),
    Case("evaluate a label the real file lacks", lambda t, s: ["evaluate", "--real", f"{t}/real.jsonl",
         "--synthetic", f"{t}/other_label.jsonl", "--out", f"{t}/m_lab.json", "--embed", "hashed"], 0,
         ("F20.0",)),
]  # fmt: skip


def run_case(case: Case, tmp: Path, server: FakeServer) -> tuple[bool, str]:
    if case.setup is not None:
        case.setup(tmp, server)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "hf_synthmh.cli", *case.args(tmp, server)]
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=case.timeout, env=env, cwd=tmp)
    except subprocess.TimeoutExpired:
        return False, f"no answer within {case.timeout:.0f} s"
    finally:
        server.fail_next = 0
    seconds = time.monotonic() - started
    err = done.stderr.replace(str(tmp), "TMP").translate(str.maketrans("", "", "│╭╮╰╯─"))
    lines = [line for line in err.splitlines() if line.startswith(("error", "warning", "Traceback"))]
    tail = err.strip().splitlines()
    said = lines[-1] if lines else (tail[-1] if tail and done.returncode else "")
    if "Invalid value" in err:  # a usage error, in typer's box
        said = err[err.index("Invalid value") :]
    said = " ".join(said.split())[:110]
    ok = done.returncode == case.code and "Traceback" not in err
    ok = ok and all(w in " ".join(err.split()) for w in case.words)
    ok = ok and (case.check is None or case.check(tmp))
    return ok, f"exit {done.returncode}, {seconds:.0f} s: {said}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    args = parser.parse_args()
    import hf_synthmh

    print(f"# {args.label}: hf_synthmh from {Path(hf_synthmh.__file__).parent}")
    print("| case | result | what the user saw |\n|---|---|---|")
    server = FakeServer()
    passed = 0
    cases = [c for c in CASES if args.only in c.name]
    with tempfile.TemporaryDirectory(prefix="hf_synthmh_campaign_") as folder:
        tmp = Path(folder)
        _write_inputs(tmp)
        try:
            for case in cases:
                ok, said = run_case(case, tmp, server)
                passed += ok
                print(f"| {case.name} | {'pass' if ok else 'FAIL'} | {said.replace('|', '/')} |", flush=True)
        finally:
            for holder in HOLDERS:
                holder.kill()
    print(f"\n{passed} passed, {len(cases) - passed} failed")


if __name__ == "__main__":
    main()
