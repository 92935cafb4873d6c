"""Model presets: facts, and the plumbing on tiny random models of the presets' architectures with their
kinds of chat templates (Llama-3 for OpenBioLLM, R1-distill templates on Llama and Qwen2, Qwen3 and a
hybrid-attention Qwen3.5 text model with ``enable_thinking``)."""

from __future__ import annotations

import doctest
import importlib.util
import pickle
from pathlib import Path
from typing import Any

import pytest
from serve_helpers import FakeChatServer

from hf_synthmh.backends import (
    PRESETS,
    ChatTransformersBackend,
    EndpointBackend,
    SamplingSettings,
    VllmBackend,
    backend_from_preset,
)
from hf_synthmh.backends import presets as presets_module
from hf_synthmh.backends.base import Request
from hf_synthmh.generate import Generator
from hf_synthmh.prompts import build_request
from hf_synthmh.testing.tiny_models import R1_TEMPLATE, build_tiny_qwen2, build_tiny_qwen35

SHORT = SamplingSettings(max_new_tokens=12)


@pytest.fixture(scope="module")
def r1_qwen_dir(tiny_root: Path) -> Path:
    return build_tiny_qwen2(tiny_root / "r1-distill-qwen", chat_template=R1_TEMPLATE)


@pytest.fixture(scope="module")
def qwen35_dir(tiny_root: Path) -> Path:
    return build_tiny_qwen35(tiny_root / "qwen3.5")


def _requests(n: int) -> list[Request]:
    return [
        build_request(
            code="F20.0" if i % 2 else "F32.1",
            title="Paranoid schizophrenia"
            if i % 2
            else "Major depressive disorder, single episode, moderate",
            attributes={
                "age_band": "25-34",
                "sex": "male" if i % 3 else "female",
                "setting": "inpatient ward",
            },
            exemplars=["Reason for referral\nVoices. " * (i % 3)] if i % 2 else [],
        )
        for i in range(n)
    ]


def test_doctests() -> None:
    result = doctest.testmod(presets_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_preset_facts() -> None:
    families = {p.family for p in PRESETS.values()}
    assert families == {"deepseek-r1", "openbiollm", "qwen3.5", "qwen3"}
    for name, preset in PRESETS.items():
        assert "/" in preset.hub_id and preset.source, name
        reasons = preset.family == "deepseek-r1" or (
            preset.family.startswith("qwen") and "nothink" not in name
        )
        assert preset.reasons == reasons, name
        assert preset.sampling.max_new_tokens == (4096 if preset.reasons else 1024), name
    r1 = PRESETS["deepseek-r1"]
    assert (r1.sampling.temperature, r1.sampling.top_p, r1.system_prompt) == (0.6, 0.95, False)
    assert PRESETS["deepseek-r1-distill-qwen-32b"].architecture == "Qwen2ForCausalLM"
    assert PRESETS["deepseek-r1-distill-llama-70b"].architecture == "LlamaForCausalLM"
    bio = PRESETS["openbiollm-llama3-70b"]
    assert (bio.hub_id, bio.stop_tokens, bio.sampling.top_p) == (
        "aaditya/Llama3-OpenBioLLM-70B",
        ("<|eot_id|>",),
        0.9,
    )
    think, nothink = PRESETS["qwen3.5-27b"], PRESETS["qwen3.5-27b-nothink"]
    assert think.hub_id == nothink.hub_id == "Qwen/Qwen3.5-27B"
    assert (think.sampling.temperature, think.sampling.top_p, think.sampling.top_k) == (1.0, 0.95, 20)
    assert (nothink.sampling.temperature, nothink.sampling.top_p) == (0.7, 0.8)
    assert nothink.chat_template_kwargs == {"enable_thinking": False}
    assert think.extra_sampling == {"presence_penalty": 1.5}
    assert PRESETS["qwen3.5-35b-a3b"].architecture == "Qwen3_5MoeForConditionalGeneration"
    # the flagship's card recommends other thinking settings than the smaller models' cards
    flagship, flagship_off = PRESETS["qwen3.5-397b-a17b"], PRESETS["qwen3.5-397b-a17b-nothink"]
    assert (flagship.sampling.temperature, flagship.sampling.top_p, flagship.extra_sampling) == (
        0.6,
        0.95,
        None,
    )
    assert (flagship_off.sampling.temperature, flagship_off.extra_sampling) == (
        0.7,
        {"presence_penalty": 1.5},
    )
    assert all("Qwen3.5-4B" in p.source for p in PRESETS.values() if p.family == "qwen3.5")
    assert (PRESETS["qwen3-8b"].sampling.temperature, PRESETS["qwen3-8b-nothink"].sampling.temperature) == (
        0.6,
        0.7,
    )


def test_kinds_and_errors() -> None:
    tf = backend_from_preset("qwen3.5-9b-nothink", device="cuda", batch_size=16)
    assert isinstance(tf, ChatTransformersBackend) and (tf.device, tf.batch_size) == ("cuda", 16)
    assert tf.chat_template_kwargs == {"enable_thinking": False} and tf.name == "Qwen/Qwen3.5-9B"
    vl = backend_from_preset("qwen3.5-9b", kind="vllm", tensor_parallel_size=2)
    assert isinstance(vl, VllmBackend) and vl.sampling_kwargs == {"presence_penalty": 1.5}
    ep = backend_from_preset(
        "deepseek-r1", kind="endpoint", base_url="https://api.deepseek.com", model="deepseek-reasoner"
    )
    assert isinstance(ep, EndpointBackend) and not ep.system_prompt and ep.model == "deepseek-reasoner"
    with pytest.raises(KeyError, match="unknown preset"):
        backend_from_preset("gpt-5")
    with pytest.raises(ValueError, match="base_url"):
        backend_from_preset("qwen3-8b", kind="endpoint")
    with pytest.raises(ValueError, match="kind"):
        backend_from_preset("qwen3-8b", kind="onnx")  # type: ignore[arg-type]
    # cache identities tell thinking and non-thinking runs of the same model apart
    think, nothink = backend_from_preset("qwen3-8b"), backend_from_preset("qwen3-8b-nothink")
    assert think.name == nothink.name and think.cache_identity != nothink.cache_identity  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(nothink)) == nothink
    # the chat quirks are part of the identity too, the batch size is not
    merged = backend_from_preset("qwen3-8b", system_prompt=False)
    stops = backend_from_preset("qwen3-8b", stop_tokens=("<|eot_id|>",))
    bigger = backend_from_preset("qwen3-8b", batch_size=32)
    identities = {b.cache_identity for b in (think, merged, stops)}  # type: ignore[attr-defined]
    assert len(identities) == 3 and bigger.cache_identity == think.cache_identity  # type: ignore[attr-defined]


def _generate_both_batchings(backend_kwargs: dict[str, Any], preset: str) -> list[str]:
    requests, seeds = _requests(4), [31, 32, 33, 34]
    outs = [
        backend_from_preset(preset, batch_size=bs, **backend_kwargs).generate(
            requests, seeds=seeds, sampling=SHORT
        )
        for bs in (1, 4)
    ]
    assert outs[0] == outs[1]  # rows do not depend on their batch mates
    return outs[0]


@pytest.mark.parametrize("fixture", ["r1_dir", "r1_qwen_dir"])
def test_r1_distill_on_llama_and_qwen2(fixture: str, request: pytest.FixtureRequest) -> None:
    path = str(request.getfixturevalue(fixture))
    backend = backend_from_preset("deepseek-r1-distill-llama-8b", model=path)
    messages = backend.render_messages(_requests(1)[0])  # type: ignore[attr-defined]
    assert [m["role"] for m in messages] == ["user"]  # no system prompt for R1
    prompt = backend.render(_requests(1)[0])  # type: ignore[attr-defined]
    assert (
        prompt.endswith("<|Assistant|><think>\n") and "consultant psychiatrist" in prompt.split("<|User|>")[1]
    )
    raw = _generate_both_batchings({"model": path}, "deepseek-r1-distill-qwen-7b")
    assert all(r.startswith("<think>") for r in raw)  # restored, so the open block is reasoning
    plan = {
        "code": ["F32.1"],
        "title": ["Major depressive disorder, single episode, moderate"],
        "attributes": [{"age_band": "35-44", "sex": "female", "setting": "inpatient ward"}],
        "exemplar_texts": [[]],
        "seed": [5],
    }
    out = Generator(backend=backend, sampling=SHORT, require_sections=False, max_attempts=1)(plan)
    assert out["reasoning"][0] and "<think>" not in out["reasoning"][0] + out["text"][0]


def test_openbiollm_on_llama3_template(llama_dir: Path) -> None:
    backend = backend_from_preset("openbiollm-llama3-8b", model=str(llama_dir))
    prompt = backend.render(_requests(1)[0])  # type: ignore[attr-defined]
    assert prompt.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>")
    _, tokenizer = backend.load()  # type: ignore[attr-defined]
    eos_ids = backend._loaded["eos_ids"]  # type: ignore[attr-defined]
    assert tokenizer.convert_tokens_to_ids("<|eot_id|>") in eos_ids
    extra = ChatTransformersBackend(model=str(llama_dir), stop_tokens=("<|end_of_text|>", "<|im_end|>"))
    extra.load()
    assert {tokenizer.convert_tokens_to_ids(t) for t in ("<|end_of_text|>", "<|im_end|>")} <= set(
        extra._loaded["eos_ids"]
    )
    assert len(_generate_both_batchings({"model": str(llama_dir)}, "openbiollm-llama3-8b")) == 4


def test_qwen3_thinking_switch(qwen_dir: Path) -> None:
    on = backend_from_preset("qwen3-8b", model=str(qwen_dir)).render(_requests(1)[0])  # type: ignore[attr-defined]
    off = backend_from_preset("qwen3-8b-nothink", model=str(qwen_dir)).render(_requests(1)[0])  # type: ignore[attr-defined]
    assert on.endswith("<|im_start|>assistant\n") and off.endswith("<think>\n\n</think>\n\n")
    assert "<|im_start|>system\n" in on  # Qwen keeps the system prompt
    _generate_both_batchings({"model": str(qwen_dir)}, "qwen3-8b-nothink")


def test_qwen35_hybrid_attention_and_thinking(qwen35_dir: Path) -> None:
    think = backend_from_preset("qwen3.5-9b", model=str(qwen35_dir))
    assert think.render(_requests(1)[0]).endswith("<|im_start|>assistant\n<think>\n")  # type: ignore[attr-defined]
    nothink = backend_from_preset("qwen3.5-9b-nothink", model=str(qwen35_dir))
    assert nothink.render(_requests(1)[0]).endswith("<think>\n\n</think>\n\n")  # type: ignore[attr-defined]
    raw = _generate_both_batchings({"model": str(qwen35_dir)}, "qwen3.5-9b")
    assert all(r.startswith("<think>") for r in raw)


def test_endpoint_kind_sends_the_quirks() -> None:
    class Echo:
        name = "echo"

        def generate(
            self, requests: list[Request], *, seeds: list[int], sampling: SamplingSettings
        ) -> list[str]:
            return ["x"] * len(requests)

    with FakeChatServer(Echo()) as server:
        for name in ("deepseek-r1-distill-qwen-7b", "qwen3.5-27b-nothink", "openbiollm-llama3-8b"):
            preset = PRESETS[name]
            backend = backend_from_preset(name, kind="endpoint", base_url=server.url)
            backend.generate(_requests(1), seeds=[1], sampling=preset.sampling)
    r1, qwen, bio = server.bodies
    assert [m["role"] for m in r1["messages"]] == ["user"] and (r1["temperature"], r1["top_p"]) == (0.6, 0.95)
    assert r1["model"] == "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B" and "chat_template_kwargs" not in r1
    assert qwen["chat_template_kwargs"] == {"enable_thinking": False}
    assert (qwen["presence_penalty"], qwen["top_k"], qwen["temperature"]) == (1.5, 20, 0.7)
    assert [m["role"] for m in bio["messages"]] == ["system", "user"] and bio["top_p"] == 0.9


@pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("fastapi", "uvicorn", "openai")),
    reason="needs the serving extra: pip install 'transformers[serving]'",
)
def test_transformers_serve_preset_samples(qwen_dir: Path) -> None:
    """The real ``transformers serve`` decodes greedily without the preset's ``generation_config``: the
    same prompt with two seeds gives one text; with the preset, two texts (and a seed repeats its own)."""
    from hf_synthmh.backends.presets import server_backend
    from hf_synthmh.testing.serve import transformers_serve

    sampling = SamplingSettings(max_new_tokens=8, temperature=1.0, top_p=1.0)
    same = _requests(1) * 3
    with transformers_serve(qwen_dir) as url:
        sampled_backend = server_backend("transformers-serve", base_url=url, model=str(qwen_dir))
        greedy = EndpointBackend(base_url=url, model=str(qwen_dir), sampling_extras=False, max_concurrency=1)
        plain = greedy.generate(same, seeds=[1, 2, 1], sampling=sampling)
        sampled = sampled_backend.generate(same, seeds=[1, 2, 1], sampling=sampling)
    assert plain[0] == plain[1] == plain[2]
    assert sampled[0] == sampled[2] != sampled[1]


def test_server_preset_merges_with_a_model_preset() -> None:
    url = "http://127.0.0.1:9/v1"
    backend = backend_from_preset(
        "qwen3-8b-nothink", kind="endpoint", base_url=url, server="transformers-serve"
    )
    assert isinstance(backend, EndpointBackend)
    assert dict(backend.extra_body or {}) == {
        "chat_template_kwargs": {"enable_thinking": False},
        "generation_config": '{"do_sample": true}',
    }
    assert backend.sampling_extras is False and backend.model == "Qwen/Qwen3-8B"
    with pytest.raises(ValueError, match="kind='endpoint'"):
        backend_from_preset("qwen3-8b-nothink", server="transformers-serve")
    with pytest.raises(KeyError, match="unknown server preset"):
        backend_from_preset("qwen3-8b-nothink", kind="endpoint", base_url=url, server="nope")
