"""Local OpenAI-compatible servers for endpoint tests and the benchmark (127.0.0.1 only).

* :func:`~hf_synthmh.testing.serve.transformers_serve` (in the package, shared with the benchmark)
  starts the real ``transformers serve``.
* :class:`FakeChatServer` is a small threaded ``http.server`` that answers ``/v1/chat/completions`` with a
  :class:`~hf_synthmh.backends.base.Backend` (e.g. a ``TransformersBackend`` on a tiny model, so rows are
  seeded per request) and can inject HTTP errors, stalls and dropped connections per seed, delay every
  request, count requests in flight, return reasoning the ways real servers do, and refuse fields it
  does not know the ways real servers do.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hf_synthmh.backends.base import Backend, Request, SamplingSettings

#: How a fake reply carries reasoning: not at all, in a message field (``reasoning_content`` as DeepSeek's
#: API and older vLLM, ``reasoning`` as newer vLLM), inline ``<think>`` tags, or after a ``<think>`` the
#: chat template opened inside the prompt (only the closing tag is in the completion).
REASONING_STYLES = ("none", "reasoning_content", "reasoning", "inline", "open")

#: How a strict fake server refuses a field it does not know: OpenAI's error object with ``param`` (400),
#: FastAPI/pydantic's validation list (422), or the plain ``detail`` string ``transformers serve`` 5.25 sends (422).
REFUSAL_STYLES = ("openai", "pydantic", "detail")

#: A fault for one attempt: an HTTP status to answer with, ``(status, retry_after_seconds)`` for a status
#: with a ``Retry-After`` header, seconds to stall before answering, "drop" (close the connection
#: without a response), or "hold" (answer only once :attr:`FakeChatServer.release` is set).
Fault = int | float | str | tuple[int, float]


class FakeChatServer:
    """A threaded chat-completions server backed by ``backend``; use as a context manager.

    ``faults`` maps a seed to the faults of its first attempts, in order (later attempts succeed);
    ``delay`` seconds are spent in every request before answering. With ``known_fields`` set, a request
    holding any other top-level field is refused in the ``refusal`` style. ``bodies``, ``authorizations``,
    ``attempts`` (per seed) and ``max_in_flight`` record what the server saw.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        delay: float = 0.0,
        reasoning: str = "none",
        faults: Mapping[int, Sequence[Fault]] | None = None,
        known_fields: Collection[str] | None = None,
        refusal: str = "openai",
    ) -> None:
        if reasoning not in REASONING_STYLES:
            raise ValueError(f"reasoning must be one of {REASONING_STYLES}")
        if refusal not in REFUSAL_STYLES:
            raise ValueError(f"refusal must be one of {REFUSAL_STYLES}")
        self.known_fields = None if known_fields is None else frozenset(known_fields)
        self.refusal = refusal
        self.release = threading.Event()
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
        server = _QuietServer(("127.0.0.1", 0), _handler(self))
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

    def refuse(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """The (status, body) refusing the first unknown field of ``body``, or ``None``."""
        unknown = sorted(set(body) - self.known_fields) if self.known_fields is not None else []
        if not unknown:
            return None
        name = unknown[0]
        if self.refusal == "openai":
            message = f"Unrecognized request argument supplied: {name}"
            error = {"message": message, "type": "invalid_request_error", "param": name, "code": None}
            return 400, {"error": error}
        if self.refusal == "pydantic":
            item = {"type": "extra_forbidden", "loc": ["body", name], "msg": "Extra inputs are not permitted"}
            return 422, {"detail": [item]}
        names = ", ".join(repr(n) for n in unknown)  # sorted, unlike a set's repr
        return 422, {"detail": f"Unexpected fields in the request: {{{names}}}"}

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


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (its other requests failed, it timed out) is routine here."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler(owner: FakeChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # silence
            return

        def _send(self, status: int, payload: dict[str, Any], *, retry_after: float | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            if retry_after is not None:
                self.send_header("Retry-After", str(retry_after))
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
            refused = owner.refuse(body)
            if refused is not None:
                self._send(*refused)
                return
            if owner.delay:
                time.sleep(owner.delay)
            if fault == "hold":
                owner.release.wait(timeout=60)
            if fault == "drop":
                self.close_connection = True
                return
            if isinstance(fault, int):
                self._send(fault, {"error": f"injected {fault}"})
                return
            if isinstance(fault, tuple):
                self._send(fault[0], {"error": f"injected {fault[0]}"}, retry_after=fault[1])
                return
            if isinstance(fault, float):
                time.sleep(fault)
            self._send(200, owner.complete(body))

    return Handler
