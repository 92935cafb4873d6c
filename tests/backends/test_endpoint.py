"""EndpointBackend against local servers: a fault-injecting fake server backed by a tiny TransformersBackend,
and the real ``transformers serve`` on a tiny Qwen3 built in code."""

from __future__ import annotations

import asyncio
import doctest
import importlib.util
import pickle
from pathlib import Path

import pytest
from serve_helpers import FakeChatServer, free_port, transformers_serve

from hf_synthmh.backends import Backend, EndpointBackend, RetryEvent, SamplingSettings, TransformersBackend
from hf_synthmh.backends import endpoint as endpoint_module
from hf_synthmh.backends.base import Request
from hf_synthmh.generate import Generator
from hf_synthmh.prompts import build_request

SHORT = SamplingSettings(max_new_tokens=12)
FAST = {"backoff": 0.01, "max_backoff": 0.05}


class Echo:
    """A backend that answers instantly with the seed and the first words of the user turn."""

    name = "echo"

    def generate(self, requests: list[Request], *, seeds: list[int], sampling: SamplingSettings) -> list[str]:
        return [f"report {s}: {r.messages[-1]['content'][:20]}" for r, s in zip(requests, seeds, strict=True)]


def _requests(n: int) -> list[Request]:
    return [
        build_request(
            code="F32.1" if i % 2 else "F41.1",
            title="Major depressive disorder, single episode, moderate" if i % 2 else "Generalized anxiety",
            attributes={"age_band": "35-44", "sex": "female" if i % 3 else "male", "setting": "outpatient"},
            exemplars=["Reason for referral\nLow mood. " * (i % 3)] if i % 2 else [],
        )
        for i in range(n)
    ]


def _backend(url: str, **settings: object) -> EndpointBackend:
    return EndpointBackend(base_url=url, model="tiny", **{**FAST, **settings})  # type: ignore[arg-type]


def test_doctests() -> None:
    result = doctest.testmod(endpoint_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_matches_the_local_backend_row_for_row(llama_dir: Path) -> None:
    local = TransformersBackend(model=str(llama_dir))
    requests, seeds = _requests(6), [21, 22, 23, 24, 25, 26]
    with FakeChatServer(TransformersBackend(model=str(llama_dir))) as server:
        backend = _backend(server.url, max_concurrency=3)
        assert isinstance(backend, Backend)
        out = backend.generate(requests, seeds=seeds, sampling=SHORT)
        assert out == local.generate(requests, seeds=seeds, sampling=SHORT)
        assert backend.generate(requests[::-1], seeds=seeds[::-1], sampling=SHORT) == out[::-1]
    assert backend.stats.requests == 12 and backend.stats.retries == 0
    assert backend.stats.completion_tokens == 12 * 5


def test_request_body_mapping() -> None:
    with FakeChatServer(Echo()) as server:
        backend = _backend(
            server.url,
            extra_body={"chat_template_kwargs": {"enable_thinking": False}, "presence_penalty": 1.5},
        )
        backend.generate(
            _requests(1), seeds=[7], sampling=SamplingSettings(max_new_tokens=33, temperature=0.6)
        )
        plain = _backend(server.url, sampling_extras=True)
        plain.generate(_requests(1), seeds=[8], sampling=SamplingSettings(top_k=20, repetition_penalty=1.1))
        strict = _backend(server.url, sampling_extras=False, system_prompt=False)
        strict.generate(_requests(1), seeds=[9], sampling=SamplingSettings(top_k=20, repetition_penalty=1.1))
    first, second, third = server.bodies
    assert first["model"] == "tiny" and first["seed"] == 7 and first["max_tokens"] == 33
    assert (first["temperature"], first["top_p"]) == (0.6, 0.95)
    assert first["chat_template_kwargs"] == {"enable_thinking": False} and first["presence_penalty"] == 1.5
    assert "top_k" not in first and "repetition_penalty" not in first
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert (second["top_k"], second["repetition_penalty"]) == (20, 1.1)
    assert "top_k" not in third and "repetition_penalty" not in third
    assert [m["role"] for m in third["messages"]] == ["user"]  # system prompt merged into the user turn
    assert third["messages"][0]["content"].startswith(first["messages"][0]["content"] + "\n\n")


def test_retries_rate_limits_server_errors_and_dropped_connections() -> None:
    events: list[RetryEvent] = []
    faults = {1: [429, 500], 2: [503], 3: ["drop"]}
    with FakeChatServer(Echo(), faults=faults) as server:
        backend = _backend(server.url, max_retries=3, on_retry=events.append)
        out = backend.generate(_requests(4), seeds=[1, 2, 3, 4], sampling=SHORT)
    assert [o.split(":")[0] for o in out] == ["report 1", "report 2", "report 3", "report 4"]
    assert dict(server.attempts) == {1: 3, 2: 2, 3: 2, 4: 1}
    assert backend.stats.retries == 4 == len(events) and backend.stats.failures == 0
    assert sorted(e.reason for e in events) == ["HTTP 429", "HTTP 500", "HTTP 503", "RemoteProtocolError"]


def test_gives_up_after_max_retries_and_never_retries_client_errors() -> None:
    from huggingface_hub.errors import HfHubHTTPError

    with FakeChatServer(Echo(), faults={1: [500] * 10, 2: [400, 400]}) as server:
        backend = _backend(server.url, max_retries=2)
        with pytest.raises(HfHubHTTPError) as err:
            backend.generate(_requests(1), seeds=[1], sampling=SHORT)
        assert err.value.response.status_code == 500 and server.attempts[1] == 3
        with pytest.raises(HfHubHTTPError):
            backend.generate(_requests(1), seeds=[2], sampling=SHORT)
        assert server.attempts[2] == 1
    assert backend.stats.failures == 2 and backend.stats.retries == 2


def test_timeouts_are_retried() -> None:
    with FakeChatServer(Echo(), faults={5: [3.0]}) as server:
        backend = _backend(server.url, timeout=0.5, max_retries=2)
        assert backend.generate(_requests(1), seeds=[5], sampling=SHORT)[0].startswith("report 5")
    assert server.attempts[5] == 2 and backend.stats.retries == 1


def test_connection_refused_is_retried_then_raised() -> None:
    backend = _backend(f"http://127.0.0.1:{free_port()}/v1", max_retries=2)
    with pytest.raises(Exception) as err:
        backend.generate(_requests(1), seeds=[1], sampling=SHORT)
    assert endpoint_module.is_retryable(err.value)
    assert backend.stats.retries == 2 and backend.stats.failures == 1


@pytest.mark.parametrize("bound", [1, 3])
def test_concurrency_is_bounded(bound: int) -> None:
    with FakeChatServer(Echo(), delay=0.15) as server:
        _backend(server.url, max_concurrency=bound).generate(_requests(9), seeds=range(9), sampling=SHORT)  # type: ignore[arg-type]
    assert 1 <= server.max_in_flight <= bound
    if bound == 1:
        assert server.max_in_flight == 1


@pytest.mark.parametrize("style", ["reasoning_content", "reasoning", "inline", "open", "none"])
def test_reasoning_is_kept_out_of_the_report(style: str) -> None:
    batch = {
        "code": ["F32.1"],
        "title": ["Major depressive disorder, single episode, moderate"],
        "attributes": [{"age_band": "35-44", "sex": "female", "setting": "inpatient ward"}],
        "exemplar_texts": [[]],
        "seed": [11],
    }
    with FakeChatServer(Echo(), reasoning=style) as server:
        out = Generator(backend=_backend(server.url), require_sections=False, max_attempts=1)(batch)
    assert out["text"][0].startswith("report 11:") and "think>" not in out["text"][0]
    assert out["reasoning"] == ([""] if style == "none" else ["reasoning for seed 11"])
    assert out["model"] == ["tiny"]


def test_token_sources_and_secrecy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_login_token_not_for_third_parties")
    monkeypatch.setenv("MY_API_KEY", "sk-from-env")
    with FakeChatServer(Echo()) as server:
        for settings in ({"token": "sk-explicit"}, {"token_env": "MY_API_KEY"}, {}, {"use_hf_login": True}):
            _backend(server.url, **settings).generate(_requests(1), seeds=[1], sampling=SHORT)
    assert server.authorizations == [
        "Bearer sk-explicit",
        "Bearer sk-from-env",
        None,  # no implicit Hugging Face token to a third-party server
        "Bearer hf_login_token_not_for_third_parties",
    ]
    hf = EndpointBackend(base_url="https://x.endpoints.huggingface.cloud", model="m")
    assert hf.is_hf_host and hf.resolve_token() == "hf_login_token_not_for_third_parties"
    secret = _backend("http://127.0.0.1:1/v1", token="sk-secret-123", on_retry=print)
    assert "sk-secret" not in repr(secret) and b"sk-secret" not in pickle.dumps(secret)
    assert secret == _backend("http://127.0.0.1:1/v1", token="other")  # equality ignores the token
    clone = pickle.loads(pickle.dumps(secret))
    assert clone.token is None and clone.on_retry is None and clone.stats.requests == 0


def test_pickles_to_settings_only_before_and_after_use() -> None:
    with FakeChatServer(Echo()) as server:
        backend = _backend(server.url, on_retry=lambda event: None)
        before = pickle.dumps(backend)
        backend.generate(_requests(2), seeds=[1, 2], sampling=SHORT)
        assert pickle.dumps(backend) == before


def test_offline_mode_blocks_hub_hosts_only() -> None:
    backend = EndpointBackend(base_url="https://router.huggingface.co/v1", model="m", max_retries=0)
    with pytest.raises(RuntimeError, match="HF_HUB_OFFLINE"):  # conftest sets HF_HUB_OFFLINE=1
        backend.generate(_requests(1), seeds=[1], sampling=SHORT)


def test_sync_generate_inside_a_running_loop_and_async_api() -> None:
    with FakeChatServer(Echo()) as server:
        backend = _backend(server.url)

        async def main() -> tuple[list[str], list[str]]:
            inside = backend.generate(_requests(2), seeds=[1, 2], sampling=SHORT)  # e.g. in Jupyter
            native = await backend.agenerate(_requests(2), seeds=[1, 2], sampling=SHORT)
            return inside, native

        inside, native = asyncio.run(main())
    assert inside == native and len(inside) == 2
    assert backend.generate([], seeds=[], sampling=SHORT) == []
    with pytest.raises(ValueError, match="seeds"):
        backend.generate(_requests(2), seeds=[1], sampling=SHORT)


def test_settings_validation() -> None:
    for bad in ({"base_url": "127.0.0.1:8000"}, {"max_concurrency": 0}, {"max_retries": -1}, {"timeout": 0}):
        with pytest.raises(ValueError):
            EndpointBackend(**{"base_url": "http://h", "model": "m", **bad})  # type: ignore[arg-type]
    assert EndpointBackend(base_url="http://h", model="/models/local-qwen", display_name=None).name == (
        "local-qwen"
    )


@pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("fastapi", "uvicorn", "openai")),
    reason="needs the serving extra: pip install 'transformers[serving]'",
)
def test_real_transformers_serve(qwen_dir: Path) -> None:
    """The real ``transformers serve`` (offline, CPU) on a tiny Qwen3: chat template, per-request seeds,
    ``extra_body`` switches. It rejects unknown fields, so ``sampling_extras=False``."""
    sampling = SamplingSettings(max_new_tokens=8, temperature=1.0, top_p=1.0)
    do_sample = {"generation_config": '{"do_sample": true}'}
    with transformers_serve(qwen_dir) as url:
        backend = EndpointBackend(
            base_url=url, model=str(qwen_dir), max_concurrency=1, sampling_extras=False, extra_body=do_sample
        )
        assert backend.name == "qwen3-chat"
        same = _requests(1) * 3
        first = backend.generate(same, seeds=[1, 2, 1], sampling=sampling)
        assert first[0] == first[2] != first[1]  # the server seeds each request (one at a time)
        assert backend.generate(same, seeds=[1, 2, 1], sampling=sampling) == first
        prompt_tokens = backend.stats.prompt_tokens
        nothink = EndpointBackend(
            base_url=url,
            model=str(qwen_dir),
            sampling_extras=False,
            extra_body={**do_sample, "chat_template_kwargs": {"enable_thinking": False}},
        )
        nothink.generate(same, seeds=[1, 2, 1], sampling=sampling)
    assert backend.stats.requests == 6 and backend.stats.completion_tokens > 0
    assert nothink.stats.prompt_tokens * 2 > prompt_tokens  # the closed empty <think> block is in the prompt
