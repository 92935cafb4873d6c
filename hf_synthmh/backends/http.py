"""HTTP plumbing of the endpoint backend: the async client, running it from sync code, and what an
OpenAI-compatible server's failure means (retry it, give up, or drop an optional field).

Transient failures (timeouts, dropped connections, HTTP 408, 425, 429 and 5xx) are retried by
:class:`~hf_synthmh.backends.endpoint.EndpointBackend`. Any other HTTP status is the server refusing the
request itself: it is never retried and becomes an :class:`EndpointRequestError` that quotes the
server's own message and names the request field it points at, read from the shapes servers use:

* OpenAI and vLLM: ``{"error": {"message": ..., "param": "top_k"}}`` or ``{"message": ..., "param": ...}``
* FastAPI/pydantic (``transformers serve``, many proxies): ``{"detail": [{"loc": ["body", "top_k"],
  "msg": ...}]}`` or ``{"detail": "Unexpected fields in the request: {'top_k'}"}``
* TGI: ``{"error": "...", "error_type": "validation"}``

When the body names no field, a field of the request that the message mentions by name is taken.

>>> body = '{"detail": "Unexpected fields in the request: {\\'top_k\\'}"}'
>>> server_message(body), rejected_field(body, sent=["model", "messages", "top_k"])
("Unexpected fields in the request: {'top_k'}", 'top_k')
>>> body = '{"error": {"message": "Unrecognized request argument supplied: seed", "param": "seed"}}'
>>> server_message(body), rejected_field(body, sent=["model", "seed"])
('Unrecognized request argument supplied: seed', 'seed')
>>> rejected_field('{"detail": [{"loc": ["body", "repetition_penalty"], "msg": "Extra inputs are not permitted"}]}',
...                sent=[])
'repetition_penalty'
>>> server_message('{"detail": [{"loc": ["body", "top_k"], "msg": "Extra inputs are not permitted"}]}')
'top_k: Extra inputs are not permitted'
>>> rejected_field('{"detail": "The prompt has 688 tokens, but the model takes at most 512"}', sent=["model"])
>>> rejected_field('{"error": "`max_tokens` must be at most 4096"}', sent=["model", "max_tokens"])
'max_tokens'
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import re
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from hf_synthmh._deps import require

__all__ = [
    "RETRY_STATUSES",
    "EndpointOfflineError",
    "EndpointRequestError",
    "RetryAfterOr",
    "client_class",
    "failure_reason",
    "is_retryable",
    "refusal_of",
    "rejected_field",
    "run_sync",
    "server_message",
    "status_of",
]

#: HTTP statuses worth retrying: request timeout, too early, rate limit, server errors.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: The longest server message quoted in an error (servers may echo parts of the request).
MAX_MESSAGE_CHARS = 500
#: The longest ``Retry-After`` honoured, in seconds (a longer one waits this long, then retries).
MAX_RETRY_AFTER = 120.0
T = TypeVar("T")


class EndpointOfflineError(RuntimeError):
    """The endpoint is a Hugging Face host and ``HF_HUB_OFFLINE`` is set: nothing was sent."""


class EndpointRequestError(RuntimeError):
    """The server refused a request for good (HTTP 4xx other than 408/425/429): never retried.

    ``status`` is the HTTP status, ``server_message`` the server's own words (from its JSON body, at most
    500 characters), ``field`` the request field they point at, or ``None``; ``hint`` says what to change.
    """

    def __init__(
        self, *, url: str, status: int, server_message: str, field: str | None, hint: str = ""
    ) -> None:
        self.url, self.status, self.server_message, self.field, self.hint = (
            url,
            status,
            server_message,
            field,
            hint,
        )
        #: The refusal points at what every request shares (a field, the token, the URL or model), not
        #: at this one request (a prompt over the context length): every request would fail alike.
        self.shared_cause = field is not None or status in (401, 403, 404, 405, 415)
        where = f" (request field {field!r})" if field else ""
        text = f"{url} refused the request with HTTP {status}{where}: {server_message or '(empty body)'}"
        super().__init__(f"{text}. {hint}".rstrip(". ") + ("." if hint else ""))


def _json(body: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, TypeError):
        return None


def _detail_items(data: Any) -> list[dict[str, Any]]:
    detail = data.get("detail") if isinstance(data, dict) else None
    return [d for d in detail if isinstance(d, dict)] if isinstance(detail, list) else []


def server_message(body: str) -> str:
    """The server's own explanation in a response ``body`` (JSON shapes above, else the raw text)."""
    data = _json(body)
    message: Any = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            message = error.get("message")
        elif isinstance(error, str):
            message = error
        message = message or data.get("message")
        detail = data.get("detail")
        if not message and isinstance(detail, str):
            message = detail
        if not message and _detail_items(data):
            message = "; ".join(
                f"{'.'.join(str(p) for p in d.get('loc', [])[1:] or d.get('loc', []))}: {d.get('msg', '')}"
                for d in _detail_items(data)
            )
    text = str(message) if message else (body or "").strip()
    return text[:MAX_MESSAGE_CHARS]


def rejected_field(body: str, *, sent: Iterable[str]) -> str | None:
    """The request field a refusal points at: the body's ``param``/``loc``, else a field of ``sent``
    that the server's message names first (quoted, or bare when the name has an underscore: "the model takes"
    does not name ``model``)."""
    data = _json(body)
    if isinstance(data, dict):
        error = data.get("error")
        param = (error.get("param") if isinstance(error, dict) else None) or data.get("param")
        if isinstance(param, str) and param:
            return param
        for item in _detail_items(data):
            loc = [str(p) for p in item.get("loc", []) if not isinstance(p, int)]
            if loc and loc[0] == "body":
                loc = loc[1:]
            if loc:
                return loc[0]
    message = server_message(body)
    named: list[tuple[int, str]] = []
    for name in sent:
        # quoted ('top_k', `seed`), or bare when it cannot be an English word (has an underscore)
        bare = rf"(?<![\w-]){re.escape(name)}(?![\w-])" if "_" in name else r"(?!)"
        found = re.search(rf"['\"`]{re.escape(name)}['\"`]|{bare}", message)
        if found:
            named.append((found.start(), name))
    return min(named)[1] if named else None


def status_of(error: BaseException) -> int | None:
    """The HTTP status of a failed request, or ``None`` when it never got an answer."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return int(status) if isinstance(status, int) else None


def response_text(error: BaseException) -> str:
    """The body of the failed response, ``""`` when it cannot be read."""
    response = getattr(error, "response", None)
    try:
        return str(getattr(response, "text", "") or "")
    except Exception:  # a streamed body that was never read
        return ""


def refusal_of(
    error: BaseException, *, url: str, sent: Iterable[str], optional: Iterable[str] = ()
) -> EndpointRequestError | None:
    """``error`` as the server's refusal of the request, naming the field among ``sent`` it points at and
    what to change; ``None`` when ``error`` is no HTTP answer, or one that retrying may fix.
    ``optional`` fields get the hint that they can be dropped."""
    status = status_of(error)
    if status is None or is_retryable(error):
        return None
    body = response_text(error)
    name = rejected_field(body, sent=[s for s in sent if s != "extra_body"])
    if name is not None and name in set(optional):
        hint = (
            f"{name!r} is optional: set drop_unsupported_fields=True (CLI --drop-unsupported-fields) to "
            "send requests without it"
            + (", or sampling_extras=False" if name in ("top_k", "repetition_penalty") else "")
        )
    elif status in (401, 403):
        hint = "Check the token (token, token_env or HF_TOKEN) and its permissions"
    else:
        hint = "Requests the server refuses are not retried: change the request or the server's settings"
    return EndpointRequestError(
        url=url, status=status, server_message=server_message(body), field=name, hint=hint
    )


def retry_after(error: BaseException | None) -> float | None:
    """Seconds the server asked to wait (``Retry-After``: seconds or an HTTP date), ``None`` if it did not.

    >>> class E(Exception): response = type("R", (), {"headers": {"retry-after": "7"}})()
    >>> retry_after(E()), retry_after(ValueError())
    (7.0, None)
    """
    headers = getattr(getattr(error, "response", None), "headers", None) or {}
    value = headers.get("retry-after") or headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from datetime import datetime, timezone
        from email.utils import parsedate_to_datetime

        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class RetryAfterOr:
    """A tenacity wait: the server's ``Retry-After`` when the failed attempt carried one, else ``fallback``."""

    def __init__(self, fallback: Callable[[Any], float]) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: Any) -> float:
        outcome = retry_state.outcome
        asked = retry_after(outcome.exception() if outcome is not None else None)
        return asked if asked is not None else float(self.fallback(retry_state))


def _httpx() -> Any:
    """The HTTP library ``huggingface_hub`` is built on (``httpx2`` in hub 2.x, ``httpx`` in 1.x)."""
    from huggingface_hub.errors import HTTPError

    return importlib.import_module(HTTPError.__module__.split(".")[0])


def is_retryable(error: BaseException) -> bool:
    """True for rate limits, server errors, timeouts and transport (connection) errors."""
    if isinstance(error, EndpointRequestError):
        return False
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
        return True
    status = status_of(error)
    if status is not None:
        return status in RETRY_STATUSES
    httpx = _httpx()
    return isinstance(error, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError))


def failure_reason(error: BaseException | None) -> str:
    """A short, content-free description: ``"HTTP 503"``, ``"timeout"`` or the exception class name."""
    if error is None:
        return "unknown"
    if isinstance(error, EndpointRequestError):
        return f"HTTP {error.status}" + (f" (field {error.field})" if error.field else "")
    status = status_of(error)
    if status is not None:
        return f"HTTP {status}"
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
        return "timeout"
    return type(error).__name__


@functools.lru_cache(maxsize=1)
def client_class() -> type:
    """``AsyncInferenceClient`` whose HTTP session skips the Hub's offline guard for non-Hub hosts."""
    hub = require("huggingface_hub", package="huggingface-hub")
    base: Any = hub.AsyncInferenceClient

    class _Client(base):
        _bypass_offline = False

        async def _get_async_client(self) -> Any:
            if not self._bypass_offline:
                return await super()._get_async_client()
            if getattr(self, "_async_client", None) is None:
                session = _httpx().AsyncClient(follow_redirects=True, timeout=None)
                self._async_client = await self.exit_stack.enter_async_context(session)
            return self._async_client

    return _Client


def run_sync(factory: Callable[[], Coroutine[Any, Any, T] | Awaitable[T]]) -> T:
    """Run the coroutine made by ``factory`` to completion from sync code, also inside a running loop."""

    def _run() -> T:
        async def main() -> T:
            return await factory()

        return asyncio.run(main())

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hf-synthmh-endpoint") as pool:
        return pool.submit(_run).result()
