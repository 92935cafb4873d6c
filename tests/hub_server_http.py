"""HTTP plumbing of the local Hub (:mod:`hub_server`): request reading, answers, errors and auth.

:class:`_HandlerBase` parses each request, calls ``_route`` (implemented in :mod:`hub_server_routes`)
under the hub's lock and turns a :class:`~hub_server_store.HubError` into the Hub's error answer.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from hub_server_store import HubError, Repo

if TYPE_CHECKING:
    from hub_server import HubServer


class _HandlerBase(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalHub/1.0"

    @property
    def hub(self) -> HubServer:
        return self.server.hub  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr logging
        return

    # -- plumbing ------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        self.query = parse_qs(split.query)
        self.body = self._read_body()
        self.hub.requests.append((method, split.path))
        segments = [unquote(s) for s in split.path.strip("/").split("/")]
        try:
            with self.hub.lock:
                self._route(method, segments)
        except HubError as err:
            headers = {"X-Error-Code": err.code} if err.code else {}
            self._json({"error": err.message}, status=err.status, headers=headers, head=method == "HEAD")
        except Exception as err:  # a bug here: answer 400 (5xx would be retried for a minute) and record it
            self.hub.errors.append(f"{method} {self.path}: {err!r}")
            self._json({"error": f"local hub error: {err!r}"}, status=400, head=method == "HEAD")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str], *, head: bool = False) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(
        self, payload: Any, *, status: int = 200, headers: dict[str, str] | None = None, head: bool = False
    ) -> None:
        body = json.dumps(payload).encode()
        self._send(status, body, {"Content-Type": "application/json", **(headers or {})}, head=head)

    def _authorized(self) -> bool:
        return self.headers.get("Authorization", "") == f"Bearer {self.hub.token}"

    def _require_auth(self) -> None:
        if not self._authorized():
            raise HubError(401, "Invalid credentials in Authorization header")

    def _readable(self, repo_type: str, repo_id: str) -> Repo:
        repo = self.hub.repo(repo_type, repo_id)
        if repo.private and not self._authorized():
            raise HubError(401, f"Repository {repo_id} not found", "RepoNotFound")
        return repo

    def _route(self, method: str, seg: list[str]) -> None:
        """Answer a request for the URL path ``seg`` (its unquoted segments); see :mod:`hub_server_routes`."""
        raise NotImplementedError
