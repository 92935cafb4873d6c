"""Generate through any OpenAI-compatible chat-completions server with ``huggingface_hub``'s async client.

Works with vLLM, TGI, SGLang, llama.cpp, Ollama, ``transformers serve``, Hugging Face Inference Endpoints and
hosted APIs such as DeepSeek's. Requests run concurrently (at most ``max_concurrency`` in flight), each with
its own ``seed`` (servers that honour it, such as vLLM, return reproducible rows), a per-attempt
``timeout``, and retries with jittered exponential backoff (``tenacity``) on HTTP 408, 425, 429, 500,
502, 503 and 504, timeouts and connection errors. Retries are counted in :attr:`EndpointBackend.stats` and reported to
``on_retry``; logs name the reason (``"HTTP 429"``) only, never prompts, reports or tokens.

Reasoning is kept out of the report either way a server returns it: a ``reasoning_content`` (or
``reasoning``) field on the message is wrapped back into ``<think>...</think>`` in front of the content,
and inline ``<think>`` text is returned as is, so the Generator's ``split_reasoning`` moves it to the
``reasoning`` column.

The token comes from ``token``, else the environment variable named by ``token_env`` (for example
``"OPENAI_API_KEY"``), else the Hugging Face login, which is only sent to Hugging Face hosts unless
``use_hf_login=True``. It is never logged, never shown in ``repr`` and never pickled, so it is not part of
the ``datasets`` fingerprint either (a worker process therefore needs ``token_env`` or the login).
Requests to a non-Hugging Face ``base_url`` also work with ``HF_HUB_OFFLINE=1``.

Example (needs a running server, e.g. ``vllm serve Qwen/Qwen3-8B --port 8000``)::

    backend = EndpointBackend(
        base_url="http://127.0.0.1:8000/v1", model="Qwen/Qwen3-8B", max_concurrency=32,
        extra_body={"chat_template_kwargs": {"enable_thinking": False}},
    )
    backend.generate([request], seeds=[0], sampling=SamplingSettings())

>>> backend = EndpointBackend(base_url="http://127.0.0.1:8000/v1", model="org/model", token="secret")
>>> backend.name, "secret" in repr(backend), backend.payload(SamplingSettings(), seed=7)["seed"]
('org/model', False, 7)
>>> merge_system_message([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])
[{'role': 'user', 'content': 'Be brief.\\n\\nHi'}]
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging
import os
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar
from urllib.parse import urlparse

from hf_synthmh._deps import require
from hf_synthmh.backends.base import Request, SamplingSettings, settings_identity, short_model_name

logger = logging.getLogger(__name__)

__all__ = [
    "EndpointBackend",
    "EndpointStats",
    "RetryEvent",
    "merge_system_message",
    "settings_identity",
    "wrap_reasoning",
]

T = TypeVar("T")

#: HTTP statuses worth retrying: request timeout, too early, rate limit, server errors.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_HF_HOSTS = ("huggingface.co", "hf.co", "hf.space", "huggingface.cloud")
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"


@dataclass
class EndpointStats:
    """Counters of one backend object (this process only; not pickled)."""

    requests: int = 0
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class RetryEvent:
    """One scheduled retry: ``attempt`` failed for ``reason`` (e.g. ``"HTTP 429"``); next try in ``wait`` s."""

    attempt: int
    wait: float
    reason: str


@dataclass(frozen=True, kw_only=True)
class EndpointBackend:
    """Settings of an OpenAI-compatible chat-completions server (see the module docstring).

    ``base_url`` is the server root or its ``/v1`` (``/chat/completions`` is appended), ``model`` the
    served model name sent in each request, ``max_concurrency`` the bound on requests in flight,
    ``timeout`` seconds per attempt, ``max_retries`` retries per request after the first attempt with waits
    drawn from ``[0, min(max_backoff, backoff * 2**n)]``. ``extra_body`` is merged into every request
    (``{"chat_template_kwargs": {"enable_thinking": False}}``, ``{"presence_penalty": 1.5}``).
    ``sampling_extras`` sends ``top_k`` and ``repetition_penalty`` (not OpenAI fields, but vLLM, SGLang and
    llama.cpp take them) when they are switched on; set it ``False`` for strict servers such as
    ``transformers serve`` that reject unknown fields (the two settings are then not applied). ``system_prompt=False`` merges the system message into
    the first user turn (DeepSeek-R1). ``display_name`` overrides :attr:`name`.
    """

    base_url: str
    model: str
    max_concurrency: int = 8
    timeout: float = 300.0
    max_retries: int = 5
    backoff: float = 1.0
    max_backoff: float = 30.0
    token: str | None = field(default=None, repr=False, compare=False)
    token_env: str | None = None
    use_hf_login: bool | None = None
    extra_body: Mapping[str, Any] | None = None
    sampling_extras: bool = True
    system_prompt: bool = True
    display_name: str | None = None
    on_retry: Callable[[RetryEvent], None] | None = field(default=None, repr=False, compare=False)
    _stats: EndpointStats = field(default_factory=EndpointStats, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if urlparse(self.base_url).scheme not in ("http", "https"):
            raise ValueError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        if self.max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {self.max_concurrency}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if self.timeout <= 0 or self.backoff < 0 or self.max_backoff < 0:
            raise ValueError("timeout must be > 0 and backoff, max_backoff >= 0")

    # -- pickling and hashing: settings only, never the token, callback or counters -------------------
    _UNPICKLED = ("token", "on_retry", "_stats")

    def __getstate__(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in self._UNPICKLED}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "token", None)
        object.__setattr__(self, "on_retry", None)
        object.__setattr__(self, "_stats", EndpointStats())

    @property
    def name(self) -> str:
        """``display_name``, else the model name (a local path shortened to its folder name)."""
        return self.display_name or short_model_name(self.model)

    @property
    def cache_identity(self) -> str:
        """Identity in generation-cache keys: the model plus every setting that changes its text
        (``extra_body``, ``system_prompt``, ``sampling_extras``); not the URL, token or limits."""
        return settings_identity(
            self.name,
            model=self.model,
            extra_body=self.extra_body,
            system_prompt=self.system_prompt,
            sampling_extras=self.sampling_extras,
        )

    @property
    def stats(self) -> EndpointStats:
        return self._stats

    @property
    def is_hf_host(self) -> bool:
        host = (urlparse(self.base_url).hostname or "").lower()
        return any(host == h or host.endswith("." + h) for h in _HF_HOSTS)

    def resolve_token(self) -> str | None:
        """The token to send: ``token``, else ``$token_env``, else the Hugging Face login (see class doc)."""
        if self.token:
            return self.token
        if self.token_env and os.environ.get(self.token_env):
            return os.environ[self.token_env]
        use_login = self.is_hf_host if self.use_hf_login is None else self.use_hf_login
        if use_login:
            from huggingface_hub import get_token

            return get_token()
        return None

    # -- generation ---------------------------------------------------------------------------------
    def generate(
        self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
    ) -> list[str]:
        """Raw completions, one per request, in order (reasoning wrapped in ``<think>``). Blocks; runs
        its own event loop, in a helper thread when called from a running loop (Jupyter)."""
        if len(requests) != len(seeds):
            raise ValueError(f"{len(requests)} requests but {len(seeds)} seeds")
        if not requests:
            return []
        return run_sync(lambda: self.agenerate(requests, seeds=seeds, sampling=sampling))

    async def agenerate(
        self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
    ) -> list[str]:
        """Async :meth:`generate`: all requests of the call share one client and one concurrency bound."""
        if len(requests) != len(seeds):
            raise ValueError(f"{len(requests)} requests but {len(seeds)} seeds")
        client = _client_class()(base_url=self.base_url, headers={"authorization": self._authorization()})
        client._bypass_offline = not self.is_hf_host
        semaphore = asyncio.Semaphore(self.max_concurrency)
        async with client:
            jobs = [
                self._one(client, semaphore, r, int(s), sampling)
                for r, s in zip(requests, seeds, strict=True)
            ]
            return list(await asyncio.gather(*jobs))

    def _authorization(self) -> str | None:
        if self.is_hf_host:
            offline = importlib.import_module("huggingface_hub.constants").is_offline_mode()
            if offline:
                raise RuntimeError(f"{self.base_url} is a Hugging Face host and HF_HUB_OFFLINE is set")
        token = self.resolve_token()
        return f"Bearer {token}" if token else None  # None removes the client's implicit HF token

    def payload(self, sampling: SamplingSettings, seed: int) -> dict[str, Any]:
        """Keyword arguments of ``chat_completion`` for one request (sampling mapped to OpenAI fields).

        >>> EndpointBackend(base_url="http://h", model="m").payload(SamplingSettings(top_k=20), 7)
        {'max_tokens': 400, 'temperature': 0.9, 'top_p': 0.95, 'seed': 7, 'extra_body': {'top_k': 20}}
        """
        extra: dict[str, Any] = {}
        if self.sampling_extras and sampling.top_k > 0:
            extra["top_k"] = sampling.top_k
        if self.sampling_extras and sampling.repetition_penalty != 1.0:
            extra["repetition_penalty"] = sampling.repetition_penalty
        extra.update(self.extra_body or {})
        out: dict[str, Any] = {
            "max_tokens": sampling.max_new_tokens,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "seed": seed,
        }
        if extra:
            out["extra_body"] = extra
        return out

    async def _one(
        self,
        client: Any,
        semaphore: asyncio.Semaphore,
        request: Request,
        seed: int,
        sampling: SamplingSettings,
    ) -> str:
        tenacity = require("tenacity", package="tenacity")
        messages = request.messages if self.system_prompt else merge_system_message(request.messages)
        kwargs = self.payload(sampling, seed)

        async def attempt() -> Any:
            async with semaphore:
                call = client.chat_completion(messages, model=self.model, **kwargs)
                return await asyncio.wait_for(call, timeout=self.timeout)

        retrying = tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=tenacity.wait_random_exponential(multiplier=self.backoff, max=self.max_backoff),
            retry=tenacity.retry_if_exception(is_retryable),
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            response = await retrying(attempt)
        except BaseException as err:
            self._stats.failures += 1
            logger.error("request failed for good: %s", failure_reason(err))
            raise
        self._stats.requests += 1
        usage = getattr(response, "usage", None)
        if usage is not None:
            self._stats.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            self._stats.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        if not response.choices:
            return ""
        message = response.choices[0].message
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        return wrap_reasoning(message.get("content") or "", reasoning)

    def _before_sleep(self, state: Any) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        wait = float(getattr(state.next_action, "sleep", 0.0) or 0.0)
        event = RetryEvent(attempt=state.attempt_number, wait=wait, reason=failure_reason(error))
        self._stats.retries += 1
        logger.warning("retrying after %s (attempt %d, wait %.1fs)", event.reason, event.attempt, wait)
        if self.on_retry is not None:
            self.on_retry(event)


def merge_system_message(messages: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """Fold system messages into the first user message (for models trained without a system prompt)."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system" and m["content"])
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if system:
        first = next((m for m in rest if m["role"] == "user"), None)
        if first is None:
            rest.insert(0, {"role": "user", "content": system})
        else:
            first["content"] = f"{system}\n\n{first['content']}"
    return rest


def wrap_reasoning(content: str, reasoning: str | None) -> str:
    """One raw completion with the reasoning in ``<think>...</think>`` in front of the report.

    >>> wrap_reasoning("Report", "plan")
    '<think>plan</think>\\n\\nReport'
    >>> wrap_reasoning("plan</think>\\n\\nReport", None)  # the template opened the block in the prompt
    '<think>plan</think>\\n\\nReport'
    """
    if reasoning and reasoning.strip():
        return f"{_THINK_OPEN}{reasoning.strip()}{_THINK_CLOSE}\n\n{content}"
    close, opening = content.find(_THINK_CLOSE), content.find(_THINK_OPEN)
    if close != -1 and (opening == -1 or close < opening):
        return _THINK_OPEN + content
    return content


def _httpx() -> Any:
    """The HTTP library ``huggingface_hub`` is built on (``httpx2`` in hub 2.x, ``httpx`` in 1.x)."""
    from huggingface_hub.errors import HTTPError

    return importlib.import_module(HTTPError.__module__.split(".")[0])


def is_retryable(error: BaseException) -> bool:
    """True for rate limits, server errors, timeouts and transport (connection) errors."""
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
        return True
    status = _status(error)
    if status is not None:
        return status in RETRY_STATUSES
    httpx = _httpx()
    return isinstance(error, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError))


def failure_reason(error: BaseException | None) -> str:
    """A short, content-free description: ``"HTTP 503"``, ``"timeout"`` or the exception class name."""
    if error is None:
        return "unknown"
    status = _status(error)
    if status is not None:
        return f"HTTP {status}"
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
        return "timeout"
    return type(error).__name__


def _status(error: BaseException) -> int | None:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return int(status) if isinstance(status, int) else None


@functools.lru_cache(maxsize=1)
def _client_class() -> type:
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
