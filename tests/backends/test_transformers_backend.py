"""TransformersBackend on tiny models built in code: templates, plain prompts, adapters, determinism, and
its identity in generation-cache keys."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from hf_synthmh.backends import Backend, SamplingSettings, TransformersBackend
from hf_synthmh.backends.base import split_reasoning
from hf_synthmh.generate.cache import backend_identity, cache_key
from hf_synthmh.testing.tiny_models import build_tiny_llama
from tests.backends.conftest import mixed_requests

SHORT = SamplingSettings(max_new_tokens=16)


def test_is_a_backend_and_pickles_without_model(plain_llama_dir: Path) -> None:
    backend = TransformersBackend(model=str(plain_llama_dir), batch_size=2)
    assert isinstance(backend, Backend)
    assert backend.name == "llama-base"  # folder name, never the full local path
    before = pickle.dumps(backend)
    backend.load()
    assert backend.is_loaded
    assert pickle.dumps(backend) == before
    clone = pickle.loads(before)
    assert clone == backend and not clone.is_loaded


def test_settings_are_validated_and_named() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        TransformersBackend(model="x", batch_size=0)
    named = TransformersBackend(model="org/model", revision="v1", adapter="org/lora")
    assert named.name == "org/model@v1+org/lora"
    assert TransformersBackend(model="org/model", display_name="demo").name == "demo"


def test_chat_template_path(llama_dir: Path) -> None:
    backend = TransformersBackend(model=str(llama_dir))
    prompt = backend.render(mixed_requests(1)[0])
    assert prompt.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>")
    assert prompt.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert "F41.1" in prompt
    ids = backend.encode(mixed_requests(1)[0])
    assert ids.count(backend.load()[1].bos_token_id) == 1  # the template's BOS only, not a second one


def test_plain_path_without_template(plain_llama_dir: Path) -> None:
    backend = TransformersBackend(model=str(plain_llama_dir))
    request = mixed_requests(1)[0]
    assert backend.render(request) == request.plain
    assert request.plain.endswith("Report:\n")


def test_qwen3_enable_thinking_switch(qwen_dir: Path) -> None:
    request = mixed_requests(1)[0]
    on = TransformersBackend(model=str(qwen_dir)).render(request)
    off = TransformersBackend(model=str(qwen_dir), chat_template_kwargs={"enable_thinking": False}).render(
        request
    )
    assert on.endswith("<|im_start|>assistant\n")
    assert off.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    backend = TransformersBackend(model=str(qwen_dir))
    _, tok = backend.load()
    skip = backend._loaded["skip_ids"]
    assert tok.convert_tokens_to_ids("<|im_end|>") in skip
    assert tok.convert_tokens_to_ids("<think>") not in skip  # kept so that reasoning can be split off


@pytest.mark.parametrize("fixture", ["llama_dir", "qwen_dir", "plain_llama_dir"])
def test_rows_do_not_depend_on_batch(fixture: str, request: pytest.FixtureRequest) -> None:
    path = request.getfixturevalue(fixture)
    requests, seeds = mixed_requests(8), [11, 12, 13, 14, 15, 16, 17, 18]
    outs = {
        bs: TransformersBackend(model=str(path), batch_size=bs).generate(
            requests, seeds=seeds, sampling=SHORT
        )
        for bs in (1, 3, 8)
    }
    assert outs[1] == outs[3] == outs[8]
    assert len(set(outs[1])) == 8  # different seeds, different texts
    alone = TransformersBackend(model=str(path)).generate([requests[5]], seeds=[16], sampling=SHORT)
    assert alone == [outs[8][5]]


def test_seed_and_temperature(plain_llama_dir: Path) -> None:
    backend = TransformersBackend(model=str(plain_llama_dir), batch_size=4)
    req = mixed_requests(1) * 2
    a, b = backend.generate(req, seeds=[1, 2], sampling=SHORT)
    assert a != b
    again = backend.generate(req, seeds=[1, 2], sampling=SHORT)
    assert again == [a, b]
    greedy = SamplingSettings(max_new_tokens=8, temperature=0)
    g1, g2 = backend.generate(req, seeds=[1, 2], sampling=greedy)
    assert g1 == g2  # greedy ignores the seed
    topk1 = SamplingSettings(max_new_tokens=8, top_k=1)
    assert backend.generate(req, seeds=[1, 2], sampling=topk1) == [g1, g1]
    assert backend.generate([], seeds=[], sampling=SHORT) == []
    with pytest.raises(ValueError, match="seeds"):
        backend.generate(req, seeds=[1], sampling=SHORT)


def test_penalty_and_top_k_keep_rows_independent(plain_llama_dir: Path) -> None:
    sampling = SamplingSettings(max_new_tokens=16, top_k=20, top_p=0.8, repetition_penalty=1.3)
    requests, seeds = mixed_requests(5), [3, 1, 4, 1, 5]
    outs = [
        TransformersBackend(model=str(plain_llama_dir), batch_size=bs).generate(
            requests, seeds=seeds, sampling=sampling
        )
        for bs in (1, 5)
    ]
    assert outs[0] == outs[1]
    assert outs[0] != TransformersBackend(model=str(plain_llama_dir)).generate(
        requests, seeds=seeds, sampling=SHORT
    )


@pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning")  # inside peft
def test_lora_adapter(llama_dir: Path, lora_dir: Path) -> None:
    requests, seeds = mixed_requests(3), [5, 6, 7]
    greedy = SamplingSettings(max_new_tokens=12, temperature=0)
    base = TransformersBackend(model=str(llama_dir)).generate(requests, seeds=seeds, sampling=greedy)
    tuned = TransformersBackend(model=str(llama_dir), adapter=str(lora_dir))
    assert tuned.name == "llama-chat+lora-f32"
    out = tuned.generate(requests, seeds=seeds, sampling=greedy)
    assert out != base
    assert (
        TransformersBackend(model=str(llama_dir), adapter=str(lora_dir), batch_size=1).generate(
            requests, seeds=seeds, sampling=greedy
        )
        == out
    )


def test_template_that_opens_think(r1_dir: Path) -> None:
    backend = TransformersBackend(model=str(r1_dir))
    assert backend.render(mixed_requests(1)[0]).endswith("<|Assistant|><think>\n")
    raw = backend.generate(mixed_requests(4), seeds=[1, 2, 3, 4], sampling=SHORT)
    for completion in raw:
        assert completion.startswith("<think>")  # restored, so split_reasoning sees the open block
        report, reasoning = split_reasoning(completion)
        if "</think>" not in completion:
            assert report == "" and reasoning


def _key(backend: TransformersBackend) -> str:
    request = mixed_requests(1)[0]
    return cache_key(
        backend=backend_identity(backend), request=request, sampling=SHORT, seed=1, exemplar_ids=["r1"]
    )


def test_cache_identity_covers_what_changes_the_text(qwen_dir: Path) -> None:
    model = str(qwen_dir)
    base = TransformersBackend(model=model, batch_size=2)
    same = [
        TransformersBackend(model=model, batch_size=2),
        TransformersBackend(model=model, batch_size=8),  # rows do not depend on their batch mates
        TransformersBackend(model=model, device="cuda"),
    ]
    assert {_key(b) for b in same} == {_key(base)}
    different = [
        TransformersBackend(model=model, chat_template_kwargs={"enable_thinking": False}),
        TransformersBackend(model=model, chat_template_kwargs={"enable_thinking": True}),
        TransformersBackend(model=model, dtype="bfloat16"),
        TransformersBackend(model=model, adapter="org/lora"),
    ]
    keys = {_key(b) for b in different}
    assert len(keys) == len(different) and _key(base) not in keys
    thinking_on = TransformersBackend(model=model, chat_template_kwargs={"enable_thinking": True})
    thinking_off = TransformersBackend(model=model, chat_template_kwargs={"enable_thinking": False})
    assert thinking_on.name == thinking_off.name and _key(thinking_on) != _key(thinking_off)
    assert str(qwen_dir) not in base.cache_identity and base.cache_identity.startswith("qwen3-chat#")
    loaded_before = base.cache_identity
    base.load()
    assert base.cache_identity == loaded_before  # loading the model does not change it


def test_cache_identity_of_local_folders_follows_their_content(tmp_path: Path) -> None:
    first = build_tiny_llama(tmp_path / "one" / "tiny", chat_template=None, seed=0)
    other = build_tiny_llama(tmp_path / "two" / "tiny", chat_template=None, seed=1)  # same folder name
    copied = Path(shutil.copytree(first, tmp_path / "elsewhere" / "tiny"))
    a, b, c = (TransformersBackend(model=str(p)).cache_identity for p in (first, other, copied))
    assert a != b and a == c  # other weights miss; the same weights copied elsewhere hit
    assert TransformersBackend(model="org/m", revision="v1").cache_identity != (
        TransformersBackend(model="org/m", revision="v2").cache_identity
    )


def test_transformers_backend_doctests() -> None:
    import doctest

    from hf_synthmh.backends import transformers as module

    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def _reference_sample(scores: object, seeds: list[int], step: int, sampling: SamplingSettings) -> list[int]:
    """The sampler as first written: full-vocabulary sort for top-p and Gumbel noise on every token."""
    import torch

    from hf_synthmh.backends.sampler import _noise_seed

    assert isinstance(scores, torch.Tensor)
    x = scores.float() / sampling.temperature
    if sampling.top_k:
        kth = torch.topk(x, sampling.top_k, dim=-1).values[:, -1:]
        x = x.masked_fill(x < kth, float("-inf"))
    if sampling.top_p < 1.0:
        ordered, order = torch.sort(x, dim=-1, descending=True, stable=True)
        probs = ordered.softmax(dim=-1)
        drop_sorted = (probs.cumsum(dim=-1) - probs) > sampling.top_p
        x = x.masked_fill(torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted), float("-inf"))
    noise = torch.stack(
        [
            torch.rand(x.shape[-1], generator=torch.Generator().manual_seed(_noise_seed(s, step)))
            for s in seeds
        ]
    )
    gumbel = -torch.log(-torch.log(noise.clamp(min=1e-20, max=1.0 - 1e-7)))
    return (x + gumbel).argmax(dim=-1).tolist()


@pytest.mark.parametrize(
    "sampling",
    [
        SamplingSettings(top_p=0.95),
        SamplingSettings(top_p=0.5, temperature=1.3),
        SamplingSettings(top_p=0.9, top_k=40),
        SamplingSettings(top_p=1.0, top_k=5),
        SamplingSettings(top_p=1.0),
    ],
)
def test_candidate_sampler_draws_what_a_full_sort_draws(sampling: SamplingSettings) -> None:
    import torch

    from hf_synthmh.backends.transformers import RowSeededSampler

    gen = torch.Generator().manual_seed(0)
    seeds = [3, 1, 4, 1, 5, 9]
    for spread in (0.5, 3.0, 12.0):  # flat rows need a large nucleus, peaked rows a tiny one
        scores = torch.randn(len(seeds), 5000, generator=gen) * spread
        ids = torch.zeros(len(seeds), 7, dtype=torch.long)
        out = RowSeededSampler(seeds=seeds, sampling=sampling, prompt_length=4)(ids, scores)
        assert out.argmax(dim=-1).tolist() == _reference_sample(scores, seeds, 3, sampling)
