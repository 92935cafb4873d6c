"""The continuous-batching decode loop on tiny models built in code: rows that end leave the batch and
waiting prompts take their place, yet every row is what it would be alone or through ``model.generate``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import torch

from hf_synthmh.backends import SamplingSettings, TransformersBackend
from hf_synthmh.backends.decode import decode, new_cache
from hf_synthmh.prompts import build_request
from tests.backends.conftest import ATTRS, mixed_requests


def _prompts(backend: TransformersBackend, n: int) -> list[list[int]]:
    """Token ids of prompts of different lengths (exemplars of different sizes)."""
    return [backend.encode(request) for request in mixed_requests(n)]


def _frequent_tokens(backend: TransformersBackend, prompts: list[list[int]], seeds: list[int]) -> list[int]:
    """Three tokens the model writes often: used as end-of-sequence ids, rows end at different steps."""
    model, _ = backend.load()
    with torch.inference_mode():
        rows = decode(
            model, prompts, seeds, SamplingSettings(max_new_tokens=24), batch_size=8, pad_id=0, eos_ids=[]
        )
    return [token for token, _ in Counter(t for row in rows for t in row).most_common(3)]


@pytest.mark.parametrize("fixture", ["llama_dir", "qwen_dir"])
def test_rows_that_end_leave_and_others_join(fixture: str, request: pytest.FixtureRequest) -> None:
    path = request.getfixturevalue(fixture)
    backend = TransformersBackend(model=str(path))
    model, _ = backend.load()
    pad = backend._loaded["pad_id"]
    prompts, seeds = _prompts(backend, 7), [21, 22, 23, 24, 25, 26, 27]
    eos = _frequent_tokens(backend, prompts, seeds)
    sampling = SamplingSettings(max_new_tokens=24)
    finished: list[int] = []

    def run(batch_size: int) -> list[list[int]]:
        with torch.inference_mode():
            return decode(
                model, prompts, seeds, sampling, batch_size=batch_size, pad_id=pad, eos_ids=eos,
                on_done=lambda i, tokens: finished.append(i),
            )  # fmt: skip

    alone = [
        decode(model, [p], [s], sampling, batch_size=1, pad_id=pad, eos_ids=eos)[0]
        for p, s in zip(prompts, seeds, strict=True)
    ]
    finished.clear()
    shared = run(3)
    assert sorted(finished) == list(range(7))  # each row reported once, as it ended
    assert finished != sorted(finished) or len({len(r) for r in shared}) == 1
    lengths = [len(r) for r in shared]
    assert min(lengths) < sampling.max_new_tokens and len(set(lengths)) > 2  # rows really ended apart
    assert shared == alone == run(7)
    # the same rows from transformers' own generate loop (the fallback path), one micro-batch each
    plain = TransformersBackend(model=str(path), continuous_batching=False)
    plain.load()
    plain._loaded["eos_ids"] = eos
    assert [
        plain._generate_batch([p], [s], sampling)[0] for p, s in zip(prompts, seeds, strict=True)
    ] == shared


def test_backend_streams_each_completion_in_request_order(llama_dir: Path) -> None:
    backend = TransformersBackend(model=str(llama_dir), batch_size=2)
    requests = [
        build_request(code="F32.1", title="Depression", attributes=ATTRS[i % 2], exemplars=["Low mood. " * i])
        for i in range(5)
    ]
    seen: dict[int, str] = {}
    sampling = SamplingSettings(max_new_tokens=12)
    out = backend.generate_each(
        requests, seeds=[1, 2, 3, 4, 5], sampling=sampling, on_result=seen.__setitem__
    )
    assert seen == dict(enumerate(out))
    fallback = TransformersBackend(model=str(llama_dir), batch_size=2, continuous_batching=False)
    assert fallback.generate(requests, seeds=[1, 2, 3, 4, 5], sampling=sampling) == out
    assert backend.cache_identity == fallback.cache_identity  # the loop does not change the text


def test_repetition_penalty_counts_real_tokens_only(plain_llama_dir: Path) -> None:
    backend = TransformersBackend(model=str(plain_llama_dir))
    model, _ = backend.load()
    prompts, seeds = _prompts(backend, 4), [3, 1, 4, 1]
    penalised = SamplingSettings(max_new_tokens=16, repetition_penalty=1.3, top_k=20, top_p=0.8)
    with torch.inference_mode():
        batched = decode(model, prompts, seeds, penalised, batch_size=4, pad_id=0, eos_ids=[])
        alone = [
            decode(model, [p], [s], penalised, batch_size=1, pad_id=0, eos_ids=[])[0]
            for p, s in zip(prompts, seeds, strict=True)
        ]
        free = decode(
            model,
            prompts,
            seeds,
            SamplingSettings(max_new_tokens=16, top_k=20, top_p=0.8),
            batch_size=4,
            pad_id=0,
            eos_ids=[],
        )
    assert batched == alone != free


def test_new_cache_refuses_caches_it_cannot_pad() -> None:
    from transformers import LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM

    small = {"vocab_size": 32, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
             "num_attention_heads": 2, "num_key_value_heads": 1}  # fmt: skip
    assert new_cache(LlamaForCausalLM(LlamaConfig(**small))) is not None
    assert new_cache(MistralForCausalLM(MistralConfig(**small, sliding_window=8))) is None


def test_sampler_and_decode_doctests() -> None:
    import doctest

    from hf_synthmh.backends import decode as decode_module
    from hf_synthmh.backends import sampler

    result = doctest.testmod(sampler)
    assert result.attempted > 0 and result.failed == 0
    assert doctest.testmod(decode_module).failed == 0
