"""EndpointBackend against local servers: a fault-injecting fake server backed by a tiny TransformersBackend,
and the real ``transformers serve`` on a tiny Qwen3 built in code."""

from __future__ import annotations

import asyncio
import doctest
import importlib.util
import pickle
import threading
import time
from pathlib import Path

import pytest
from serve_helpers import REFUSAL_STYLES, FakeChatServer

from hf_synthmh.backends import Backend, EndpointBackend, RetryEvent, SamplingSettings, TransformersBackend
from hf_synthmh.backends import endpoint as endpoint_module
from hf_synthmh.backends import http as http_module
from hf_synthmh.backends.base import Request
from hf_synthmh.backends.endpoint import EndpointRequestError
from hf_synthmh.generate import Generator
from hf_synthmh.prompts import build_request
from hf_synthmh.testing.serve import free_port, transformers_serve

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


#: The fields of a plain OpenAI chat-completions request, as a strict server knows them.
OPENAI_FIELDS = ("model", "messages", "max_tokens", "temperature", "top_p", "seed", "stream")
EXTRAS = SamplingSettings(max_new_tokens=12, top_k=20, repetition_penalty=1.1)


@pytest.mark.parametrize("module", [endpoint_module, http_module])
def test_doctests(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
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
        with pytest.raises(EndpointRequestError, match="HTTP 400: injected 400") as refused:
            backend.generate(_requests(1), seeds=[2], sampling=SHORT)
        assert refused.value.status == 400 and server.attempts[2] == 1
    assert backend.stats.failures == 2 and backend.stats.retries == 2


@pytest.mark.parametrize("style", REFUSAL_STYLES)
def test_a_refused_field_is_named_with_the_servers_reason_and_not_retried(
    style: str, caplog: pytest.LogCaptureFixture
) -> None:
    reasons = {
        "openai": "Unrecognized request argument supplied: repetition_penalty",
        "pydantic": "repetition_penalty: Extra inputs are not permitted",
        "detail": "Unexpected fields in the request: {'repetition_penalty', 'top_k'}",
    }
    with FakeChatServer(Echo(), known_fields=OPENAI_FIELDS, refusal=style) as server:
        backend = _backend(server.url, max_retries=3)
        with pytest.raises(EndpointRequestError) as err:
            backend.generate(_requests(1), seeds=[4], sampling=EXTRAS)
    message = str(err.value)
    assert err.value.field == "repetition_penalty" and "request field 'repetition_penalty'" in message
    assert err.value.server_message == reasons[style] and reasons[style] in message
    assert "drop_unsupported_fields=True" in message and "--drop-unsupported-fields" in message
    assert server.attempts[4] == 1 and backend.stats.retries == 0 and backend.stats.failures == 1
    assert "retrying" not in caplog.text and "HTTP 4" in caplog.text and "Unrecognized" not in caplog.text


def test_a_refused_required_field_is_not_dropped() -> None:
    strict = [f for f in OPENAI_FIELDS if f != "max_tokens"]
    with FakeChatServer(Echo(), known_fields=strict, refusal="pydantic") as server:
        backend = _backend(server.url, drop_unsupported_fields=True)
        with pytest.raises(EndpointRequestError, match="not retried") as err:
            backend.generate(_requests(1), seeds=[3], sampling=SHORT)
    assert err.value.field == "max_tokens" and err.value.status == 422
    assert server.attempts[3] == 1 and backend.stats.dropped_fields == []


@pytest.mark.parametrize("style", REFUSAL_STYLES)
def test_refused_optional_fields_can_be_dropped(style: str, caplog: pytest.LogCaptureFixture) -> None:
    with FakeChatServer(Echo(), known_fields=OPENAI_FIELDS, refusal=style) as server:
        backend = _backend(server.url, max_concurrency=1, drop_unsupported_fields=True)
        out = backend.generate(_requests(3), seeds=[1, 2, 3], sampling=EXTRAS)
    assert [o.split(":")[0] for o in out] == ["report 1", "report 2", "report 3"]
    assert backend.stats.dropped_fields == ["repetition_penalty", "top_k"]
    # each optional field is refused once, then left out of every request (one in flight at a time)
    assert sum(server.attempts.values()) == 3 + 2
    assert all("top_k" not in b and "repetition_penalty" not in b for b in server.bodies[2:])
    assert backend.stats.retries == 0 and backend.stats.failures == 0
    assert caplog.text.count("sending this backend's requests without it") == 2
    assert backend.cache_identity != _backend(server.url).cache_identity


def test_retry_after_is_honoured() -> None:
    events: list[RetryEvent] = []
    with FakeChatServer(Echo(), faults={1: [(429, 0.3)], 2: [(503, 0.2)], 3: [503]}) as server:
        backend = _backend(server.url, max_retries=2, on_retry=events.append)
        backend.generate(_requests(3), seeds=[1, 2, 3], sampling=SHORT)
    waits = sorted((e.reason, e.wait) for e in events)
    assert waits[0] == ("HTTP 429", 0.3) and waits[2] == ("HTTP 503", 0.2)
    assert waits[1][0] == "HTTP 503" and waits[1][1] <= FAST["max_backoff"]  # no header: the usual backoff
    assert dict(server.attempts) == {1: 2, 2: 2, 3: 2}


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
        extras = SamplingSettings(max_new_tokens=8, top_k=20)
        loose = EndpointBackend(base_url=url, model=str(qwen_dir), extra_body=do_sample, max_retries=2)
        with pytest.raises(EndpointRequestError, match="Unexpected fields in the request") as err:
            loose.generate(same[:1], seeds=[1], sampling=extras)
        assert err.value.field == "top_k" and err.value.status == 422 and loose.stats.retries == 0
        dropping = EndpointBackend(
            base_url=url, model=str(qwen_dir), extra_body=do_sample, drop_unsupported_fields=True
        )
        assert dropping.generate(same[:1], seeds=[1], sampling=extras) == first[:1]
        assert dropping.stats.dropped_fields == ["top_k"]
    assert backend.stats.requests == 6 and backend.stats.completion_tokens > 0
    assert nothink.stats.prompt_tokens * 2 > prompt_tokens  # the closed empty <think> block is in the prompt


def _plan(seeds: list[int]) -> dict[str, list]:
    n = len(seeds)
    return {
        "code": ["F32.1"] * n,
        "title": ["Major depressive disorder, single episode, moderate"] * n,
        "attributes": [{"age_band": "35-44", "sex": "female", "setting": "outpatient"}] * n,
        "exemplar_texts": [[]] * n,
        "seed": seeds,
    }


def test_a_request_that_fails_for_good_is_a_failed_row_and_a_rerun_asks_only_for_it(tmp_path: Path) -> None:
    from hf_synthmh.generate.cache import GenerationCache

    cache_dir = str(tmp_path / "cache")
    with FakeChatServer(Echo(), faults={2: [500] * 10, 3: ["drop"] * 10}) as server:
        generator = Generator(
            backend=_backend(server.url, max_retries=1), require_sections=False, cache_dir=cache_dir
        )
        out = generator(_plan([1, 2, 3, 4]))
    assert out["generation_error"] == [
        "",
        "request_failed=HTTP 500",
        "request_failed=RemoteProtocolError",
        "",
    ]
    assert out["text"][0].startswith("report 1") and out["text"][1:3] == ["", ""]
    assert out["attempts"] == [1, 1, 1, 1] and server.attempts[2] == 2  # the backend's retry, no more
    assert len(GenerationCache(cache_dir)) == 2
    with FakeChatServer(Echo()) as healthy:
        again = Generator(backend=_backend(healthy.url), require_sections=False, cache_dir=cache_dir)(
            _plan([1, 2, 3, 4])
        )
    assert sorted(int(b["seed"]) for b in healthy.bodies) == [2, 3]  # the same seeds, asked anew
    assert again["generation_error"] == [""] * 4 and again["text"][0] == out["text"][0]


def test_a_refusal_shared_by_every_request_still_stops_the_run(tmp_path: Path) -> None:
    strict = [f for f in OPENAI_FIELDS if f != "seed"]
    with FakeChatServer(Echo(), known_fields=strict, refusal="pydantic") as server:
        generator = Generator(backend=_backend(server.url), require_sections=False)
        with pytest.raises(EndpointRequestError, match="'seed'"):
            generator(_plan([1, 2]))


def test_completions_are_cached_as_they_arrive(tmp_path: Path) -> None:
    from hf_synthmh.generate.cache import GenerationCache

    cache = GenerationCache(tmp_path / "cache")
    with FakeChatServer(Echo(), faults={9: ["hold"]}) as server:
        generator = Generator(backend=_backend(server.url), require_sections=False, cache_dir=str(cache.root))
        worker = threading.Thread(target=generator, args=(_plan([1, 2, 9]),))
        worker.start()
        try:
            deadline = time.monotonic() + 60
            while len(cache) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            stored_while_waiting, still_running = len(cache), worker.is_alive()
        finally:
            server.release.set()
            worker.join(timeout=60)
    assert (stored_while_waiting, still_running) == (2, True)  # the held request had not answered yet
    assert len(cache) == 3
