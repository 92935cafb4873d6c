"""VllmBackend without vLLM: the missing-dependency error, settings, and the plumbing against a stand-in
``vllm`` module that records what the backend asks for."""

from __future__ import annotations

import doctest
import importlib.util
import pickle
import sys
import types
from typing import Any

import pytest

from hf_synthmh.backends import Backend, SamplingSettings, VllmBackend
from hf_synthmh.backends import vllm as vllm_module
from hf_synthmh.backends.base import Request

REQUESTS = [
    Request(
        messages=[{"role": "system", "content": "S"}, {"role": "user", "content": f"U{i}"}], plain=f"P{i}\n"
    )
    for i in range(3)
]


def test_doctests() -> None:
    assert doctest.testmod(vllm_module).failed == 0


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_missing_vllm_names_the_extra() -> None:
    backend = VllmBackend(model="Qwen/Qwen3-8B")  # constructing it needs no vLLM
    assert isinstance(backend, Backend) and backend.name == "Qwen/Qwen3-8B"
    with pytest.raises(ImportError, match=r"pip install 'hf-synthmh\[vllm\]'"):
        backend.generate(REQUESTS[:1], seeds=[1], sampling=SamplingSettings())
    assert backend.generate([], seeds=[], sampling=SamplingSettings()) == []


def test_settings() -> None:
    with pytest.raises(ValueError):
        VllmBackend(model="m", tensor_parallel_size=0)
    with pytest.raises(ValueError):
        VllmBackend(model="m", gpu_memory_utilization=1.5)
    assert VllmBackend(model="/models/r1-7b", revision="v2").name == "r1-7b@v2"
    a, b = VllmBackend(model="m"), VllmBackend(model="m", chat_template_kwargs={"enable_thinking": False})
    assert a.cache_identity != b.cache_identity and pickle.loads(pickle.dumps(b)) == b


class _FakeLLM:
    def __init__(self, template: str | None, **kwargs: Any) -> None:
        self.kwargs, self.calls = kwargs, []  # type: ignore[var-annotated]
        self.tokenizer = types.SimpleNamespace(chat_template=template)

    def get_tokenizer(self) -> Any:
        return self.tokenizer

    def _outputs(self, prompts: list[str], params: list[Any]) -> list[Any]:
        return [
            types.SimpleNamespace(
                prompt=p, outputs=[types.SimpleNamespace(text=f"text seed={sp.kwargs['seed']}")]
            )
            for p, sp in zip(prompts, params, strict=True)
        ]

    def chat(self, conversations: list[list[dict[str, str]]], **kwargs: Any) -> list[Any]:
        self.calls.append(("chat", conversations, kwargs))
        prompts = [c[-1]["content"] + "<|Assistant|><think>\n" for c in conversations]
        return self._outputs(prompts, kwargs["sampling_params"])

    def generate(self, prompts: list[str], params: list[Any], **kwargs: Any) -> list[Any]:
        self.calls.append(("generate", prompts, kwargs))
        return self._outputs(prompts, params)


@pytest.fixture()
def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    made: dict[str, Any] = {"template": "{{ messages }}"}
    module = types.ModuleType("vllm")

    class SamplingParams:
        def __init__(self, **kwargs: Any) -> None:
            self.kwargs = kwargs

    def llm(**kwargs: Any) -> _FakeLLM:
        made["llm"] = _FakeLLM(made["template"], **kwargs)
        return made["llm"]

    module.SamplingParams = SamplingParams  # type: ignore[attr-defined]
    module.LLM = llm  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vllm", module)
    return made


def test_chat_path_seeds_and_quirks(fake_vllm: dict[str, Any]) -> None:
    backend = VllmBackend(
        model="deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
        system_prompt=False,
        chat_template_kwargs={"enable_thinking": False},
        sampling_kwargs={"presence_penalty": 1.5},
        tensor_parallel_size=2,
    )
    sampling = SamplingSettings(max_new_tokens=50, temperature=0.6, top_p=0.95)
    out = backend.generate(REQUESTS, seeds=[7, 8, 9], sampling=sampling)
    assert out == ["<think>text seed=7", "<think>text seed=8", "<think>text seed=9"]  # the prompt opened it
    llm = fake_vllm["llm"]
    assert llm.kwargs["tensor_parallel_size"] == 2 and llm.kwargs["trust_remote_code"] is False
    kind, conversations, kwargs = llm.calls[0]
    assert kind == "chat" and conversations[0] == [{"role": "user", "content": "S\n\nU0"}]
    assert kwargs["chat_template_kwargs"] == {"enable_thinking": False} and kwargs["use_tqdm"] is False
    params = [p.kwargs for p in kwargs["sampling_params"]]
    assert [p["seed"] for p in params] == [7, 8, 9]
    assert params[0] == {
        "n": 1,
        "max_tokens": 50,
        "temperature": 0.6,
        "top_p": 0.95,
        "top_k": -1,  # vLLM's "off"
        "repetition_penalty": 1.0,
        "seed": 7,
        "presence_penalty": 1.5,
    }
    backend.generate(REQUESTS[:1], seeds=[1], sampling=sampling)
    assert len(llm.calls) == 2 and fake_vllm["llm"] is llm  # the engine starts once
    assert pickle.loads(pickle.dumps(backend)) == backend


def test_plain_path_without_template(fake_vllm: dict[str, Any]) -> None:
    fake_vllm["template"] = None
    out = VllmBackend(model="base").generate(REQUESTS[:2], seeds=[3, 4], sampling=SamplingSettings(top_k=5))
    kind, prompts, _ = fake_vllm["llm"].calls[0]
    assert kind == "generate" and prompts == ["P0\n", "P1\n"] and out == ["text seed=3", "text seed=4"]
