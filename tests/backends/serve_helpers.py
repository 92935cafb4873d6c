"""Local OpenAI-compatible servers for endpoint tests and the benchmark (127.0.0.1 only).

* :func:`transformers_serve` starts the real ``transformers serve`` on a local model folder in a
  subprocess (offline, one torch thread) and yields its ``/v1`` URL.
* :class:`FakeChatServer` is a small threaded ``http.server`` that answers ``/v1/chat/completions`` with a
  :class:`~hf_synthmh.backends.base.Backend` (e.g. a ``TransformersBackend`` on a tiny model, so rows are
  seeded per request) and can inject HTTP errors, stalls and dropped connections per seed, delay every
  request, count requests in flight, and return reasoning the ways real servers do.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from hf_synthmh.backends.base import Backend, Request, SamplingSettings

#: How a fake reply carries reasoning: not at all, in a message field (``reasoning_content`` as DeepSeek's
#: API and older vLLM, ``reasoning`` as newer vLLM), inline ``<think>`` tags, or after a ``<think>`` the
#: chat template opened inside the prompt (only the closing tag is in the completion).
REASONING_STYLES = ("none", "reasoning_content", "reasoning", "inline", "open")

#: A fault for one attempt: an HTTP status to answer with, seconds to stall before answering, or "drop"
#: (close the connection without a response).
Fault = int | float | str


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeChatServer:
    """A threaded chat-completions server backed by ``backend``; use as a context manager.

    ``faults`` maps a seed to the faults of its first attempts, in order (later attempts succeed);
    ``delay`` seconds are spent in every request before answering. ``bodies``, ``authorizations``,
    ``attempts`` (per seed) and ``max_in_flight`` record what the server saw.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        delay: float = 0.0,
        reasoning: str = "none",
        faults: Mapping[int, Sequence[Fault]] | None = None,
    ) -> None:
        if reasoning not in REASONING_STYLES:
            raise ValueError(f"reasoning must be one of {REASONING_STYLES}")
        self.backend, self.delay, self.reasoning = backend, delay, reasoning
        self.faults: dict[int, list[Fault]] = {int(k): list(v) for k, v in (faults or {}).items()}
        self.bodies: list[dict[str, Any]] = []
        self.authorizations: list[str | None] = []
        self.attempts: dict[int, int] = defaultdict(int)
        self.in_flight = self.max_in_flight = 0
        self._lock, self._model_lock = threading.Lock(), threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeChatServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="fake-chat-server", daemon=True).start()
        self._server = server
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- request handling (called from handler threads) --------------------------------------------
    def next_fault(self, seed: int) -> Fault | None:
        with self._lock:
            self.attempts[seed] += 1
            queue = self.faults.get(seed)
            return queue.pop(0) if queue else None

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        seed = int(body.get("seed") or 0)
        sampling = SamplingSettings(
            max_new_tokens=int(body.get("max_tokens") or 16),
            temperature=float(body.get("temperature", 1.0)),
            top_p=float(body.get("top_p", 1.0)),
            top_k=int(body.get("top_k", 0)),
            repetition_penalty=float(body.get("repetition_penalty", 1.0)),
        )
        messages = [{"role": m["role"], "content": m["content"]} for m in body["messages"]]
        request = Request(messages=messages, plain="\n".join(m["content"] for m in messages) + "\n")
        with self._model_lock:
            text = self.backend.generate([request], seeds=[seed], sampling=sampling)[0]
        message: dict[str, Any] = {"role": "assistant", "content": text}
        thought = f"reasoning for seed {seed}"
        if self.reasoning in ("reasoning_content", "reasoning"):
            message[self.reasoning] = thought
        elif self.reasoning == "inline":
            message["content"] = f"<think>{thought}</think>\n\n{text}"
        elif self.reasoning == "open":
            message["content"] = f"{thought}\n</think>\n\n{text}"
        return {
            "id": f"chatcmpl-{seed}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }


def _handler(owner: FakeChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # silence
            return

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            if not self.path.endswith("/chat/completions"):
                self._send(404, {"error": "not found"})
                return
            with owner._lock:
                owner.bodies.append(body)
                owner.authorizations.append(self.headers.get("Authorization"))
                owner.in_flight += 1
                owner.max_in_flight = max(owner.max_in_flight, owner.in_flight)
            try:
                self._answer(body)
            finally:
                with owner._lock:
                    owner.in_flight -= 1

        def _answer(self, body: dict[str, Any]) -> None:
            fault = owner.next_fault(int(body.get("seed") or 0))
            if owner.delay:
                time.sleep(owner.delay)
            if fault == "drop":
                self.close_connection = True
                return
            if isinstance(fault, int):
                self._send(fault, {"error": f"injected {fault}"})
                return
            if isinstance(fault, float):
                time.sleep(fault)
            self._send(200, owner.complete(body))

    return Handler


@contextmanager
def transformers_serve(
    model_dir: Path, *, extra_args: Sequence[str] = (), startup_timeout: float = 240.0
) -> Iterator[str]:
    """Run ``transformers serve <model_dir>`` on a free local port (CPU, offline, one torch thread) and
    yield its ``/v1`` URL; the process is stopped on exit. Raises RuntimeError if it does not come up."""
    port = free_port()
    exe = Path(sys.executable).with_name("transformers")
    cmd = [str(exe), "serve", str(model_dir), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"]
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "TRANSFORMERS_VERBOSITY": "error",
    }
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([*cmd, *extra_args], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(
                        f"transformers serve exited: {log.read()[-2000:].decode(errors='replace')}"
                    )
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"transformers serve did not answer within {startup_timeout} s")
                time.sleep(0.3)
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
