"""Generate through any OpenAI-compatible chat-completions server with ``huggingface_hub``'s async client.

Works with vLLM, TGI, SGLang, llama.cpp, Ollama, ``transformers serve``, Hugging Face Inference Endpoints and
hosted APIs such as DeepSeek's. Requests run concurrently (at most ``max_concurrency`` in flight), each with
its own ``seed`` (servers that honour it, such as vLLM, return reproducible rows), a per-attempt
``timeout``, and retries with jittered exponential backoff (``tenacity``; a ``Retry-After`` header is
honoured, up to two minutes) on HTTP 408, 425, 429, 500, 502, 503 and 504, timeouts and connection errors.
Retries are counted in :attr:`EndpointBackend.stats` and reported to ``on_retry``; logs name the reason
(``"HTTP 429"``) only, never prompts, reports or tokens. Any other HTTP error is the server refusing the
request: it is not retried and raises :class:`~hf_synthmh.backends.http.EndpointRequestError`, which quotes
the server's message and names the request field it points at. With ``drop_unsupported_fields=True`` a
refused *optional* field (``top_k``, ``repetition_penalty``, ``seed`` or an ``extra_body`` key) is
dropped from this backend's requests, with a warning, and the request is sent again.

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

    backend = EndpointBackend(base_url="http://127.0.0.1:8000/v1", model="Qwen/Qwen3-8B", max_concurrency=32)
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlparse

from hf_synthmh._deps import require
from hf_synthmh.backends.base import (
    Request,
    RequestFailure,
    SamplingSettings,
    merge_system_message,
    settings_identity,
    short_model_name,
    wrap_reasoning,
)
from hf_synthmh.backends.http import (
    EndpointOfflineError,
    EndpointRequestError,
    RetryAfterOr,
    client_class,
    failure_reason,
    is_retryable,
    refusal_of,
    run_sync,
)

logger = logging.getLogger(__name__)

__all__ = [
    "OPTIONAL_FIELDS",
    "EndpointBackend",
    "EndpointRequestError",
    "EndpointStats",
    "RetryEvent",
    "merge_system_message",
    "settings_identity",
]


#: Request fields the backend adds that a server may do without (``extra_body`` keys are optional too).
OPTIONAL_FIELDS = ("top_k", "repetition_penalty", "seed")
_HF_HOSTS = ("huggingface.co", "hf.co", "hf.space", "huggingface.cloud")


@dataclass
class EndpointStats:
    """Counters of one backend object (this process only; not pickled)."""

    requests: int = 0
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    dropped_fields: list[str] = field(default_factory=list)


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
    ``transformers serve`` that reject unknown fields (the two settings are then not applied).
    ``drop_unsupported_fields=True`` drops an optional field the server refuses (see the module docstring)
    instead of failing. ``system_prompt=False`` merges the system message into the first user turn
    (DeepSeek-R1). ``display_name`` overrides :attr:`name`.
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
    drop_unsupported_fields: bool = False
    system_prompt: bool = True
    display_name: str | None = None
    on_retry: Callable[[RetryEvent], None] | None = field(default=None, repr=False, compare=False)
    _stats: EndpointStats = field(default_factory=EndpointStats, init=False, repr=False, compare=False)
    _dropped: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

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
    _UNPICKLED = ("token", "on_retry", "_stats", "_dropped")

    def __getstate__(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in self._UNPICKLED}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "token", None)
        object.__setattr__(self, "on_retry", None)
        object.__setattr__(self, "_stats", EndpointStats())
        object.__setattr__(self, "_dropped", set())

    @property
    def name(self) -> str:
        """``display_name``, else the model name (a local path shortened to its folder name)."""
        return self.display_name or short_model_name(self.model)

    @property
    def cache_identity(self) -> str:
        """Identity in generation-cache keys: the model plus every setting that changes its text
        (``extra_body``, ``system_prompt``, ``sampling_extras``, ``drop_unsupported_fields``); not the URL,
        token or limits."""
        return settings_identity(
            self.name,
            model=self.model,
            extra_body=self.extra_body,
            system_prompt=self.system_prompt,
            sampling_extras=self.sampling_extras,
            drop_unsupported_fields=self.drop_unsupported_fields,
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
        """Raw completions, one per request, in order (reasoning wrapped in ``<think>``); the first request
        that fails for good raises. Blocks; runs its own event loop, in a helper thread when called from a
        running loop (Jupyter)."""
        run = functools.partial(self._agenerate, requests, seeds, sampling, on_result=None, tolerate=False)
        return [str(o) for o in run_sync(run)]

    def generate_each(
        self,
        requests: Sequence[Request],
        *,
        seeds: Sequence[int],
        sampling: SamplingSettings,
        on_result: Callable[[int, str], None] | None = None,
    ) -> list[str | RequestFailure]:
        """Like :meth:`generate`, but a request that fails for good (server errors or timeouts after the
        retries, a server that is down, a refusal of that one request such as a prompt over the context
        length) comes back as a :class:`RequestFailure` and the others complete; ``on_result(index,
        completion)`` gets each completion as it arrives. A refusal of what every request shares (a named
        field, 401, 403, 404) still raises: every request would fail the same way."""
        return run_sync(functools.partial(self._agenerate, requests, seeds, sampling, on_result=on_result))

    async def agenerate(
        self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
    ) -> list[str]:
        """Async :meth:`generate`: all requests of the call share one client and one concurrency bound."""
        out = await self._agenerate(requests, seeds, sampling, on_result=None, tolerate=False)
        return [str(o) for o in out]

    async def _agenerate(
        self,
        requests: Sequence[Request],
        seeds: Sequence[int],
        sampling: SamplingSettings,
        *,
        on_result: Callable[[int, str], None] | None,
        tolerate: bool = True,
    ) -> list[str | RequestFailure]:
        if len(requests) != len(seeds):
            raise ValueError(f"{len(requests)} requests but {len(seeds)} seeds")
        if not requests:
            return []
        client = client_class()(base_url=self.base_url, headers={"authorization": self._authorization()})
        client._bypass_offline = not self.is_hf_host
        semaphore = asyncio.Semaphore(self.max_concurrency)

        async def job(index: int, request: Request, seed: int) -> str | RequestFailure:
            try:
                text = await self._one(client, semaphore, request, seed, sampling)
            except EndpointRequestError as err:
                if not tolerate or err.shared_cause:
                    raise
                return RequestFailure(failure_reason(err))
            except Exception as err:
                if not tolerate:
                    raise
                return RequestFailure(failure_reason(err))
            if on_result is not None:
                on_result(index, text)
            return text

        async with client:
            jobs = [job(i, r, int(s)) for i, (r, s) in enumerate(zip(requests, seeds, strict=True))]
            return list(await asyncio.gather(*jobs))

    def _authorization(self) -> str | None:
        if self.is_hf_host:
            offline = importlib.import_module("huggingface_hub.constants").is_offline_mode()
            if offline:
                raise EndpointOfflineError(
                    f"{self.base_url} is a Hugging Face host and HF_HUB_OFFLINE is set"
                )
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
        for name in self._dropped:
            out.pop(name, None)
            extra.pop(name, None)
        if extra:
            out["extra_body"] = extra
        return out

    def optional_fields(self) -> tuple[str, ...]:
        """Fields a refusal may drop under ``drop_unsupported_fields``: :data:`OPTIONAL_FIELDS` and the
        ``extra_body`` keys."""
        return (*OPTIONAL_FIELDS, *(self.extra_body or {}))

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
        sent: dict[str, Any] = {}

        async def attempt() -> Any:
            async with semaphore:
                kwargs = self.payload(sampling, seed)  # here, so fields dropped meanwhile stay out
                sent.clear()
                sent.update(kwargs)
                call = client.chat_completion(messages, model=self.model, **kwargs)
                return await asyncio.wait_for(call, timeout=self.timeout)

        while True:
            retrying = tenacity.AsyncRetrying(
                stop=tenacity.stop_after_attempt(self.max_retries + 1),
                wait=RetryAfterOr(
                    tenacity.wait_random_exponential(multiplier=self.backoff, max=self.max_backoff)
                ),
                retry=tenacity.retry_if_exception(is_retryable),
                before_sleep=self._before_sleep,
                reraise=True,
            )
            try:
                response = await retrying(attempt)
                break
            except asyncio.CancelledError:
                raise
            except Exception as err:
                fields_sent = ["model", "messages", *sent, *sent.get("extra_body", {})]
                refusal = refusal_of(
                    err, url=self.base_url, sent=fields_sent, optional=self.optional_fields()
                )
                if refusal is not None and self._drop(refusal):
                    continue
                self._stats.failures += 1
                logger.error("request failed for good: %s", failure_reason(refusal or err))
                if refusal is not None:
                    raise refusal from err
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

    def _drop(self, refusal: EndpointRequestError) -> bool:
        """Drop the optional field ``refusal`` names when allowed; True when the request should be resent."""
        name = refusal.field
        if not self.drop_unsupported_fields or name is None or name not in self.optional_fields():
            return False
        if name not in self._dropped:
            self._dropped.add(name)
            self._stats.dropped_fields.append(name)
            logger.warning(
                "%s refused the optional request field %r (HTTP %d); sending this backend's requests without it",
                self.base_url,
                name,
                refusal.status,
            )
        return True

    def _before_sleep(self, state: Any) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        wait = float(getattr(state.next_action, "sleep", 0.0) or 0.0)
        event = RetryEvent(attempt=state.attempt_number, wait=wait, reason=failure_reason(error))
        self._stats.retries += 1
        logger.warning("retrying after %s (attempt %d, wait %.1fs)", event.reason, event.attempt, wait)
        if self.on_retry is not None:
            self.on_retry(event)
