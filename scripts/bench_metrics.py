"""Benchmark of the corpus metrics of :mod:`hf_synthmh.metrics` against the usual implementations.

    python scripts/bench_metrics.py                      # 1k / 10k / 100k reports, then 10k x 10k evaluation
    python scripts/bench_metrics.py --sizes 1000 --eval-size 1000 --minilm-sample 50   # a quick run

Corpus: reports of 150-250 words drawn from a Zipf(1.1) vocabulary of 50,000 pseudo-words (seeded, made
by this script), with a full stop every ~12 words. Every measurement runs in a fresh child process with
one thread (``OMP_NUM_THREADS=1``); times are the best of ``--repeat`` runs (the first run of a process
also pays for page faults on fresh memory, which are slow on small VMs). By default the children run
with glibc's ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` raised so that numpy's large
temporaries reuse memory instead of being unmapped and faulted in again; ``--default-malloc`` measures
without that. Peak memory is the child's maximum resident set size.

Per size it prints: tokenising once (shared by all text metrics), self-BLEU of every report against all
others (Texygen style: nltk ``sentence_bleu``, ``SmoothingFunction().method1``, uniform 4-gram weights)
by :mod:`hf_synthmh.metrics.ngramstats`, the same with nltk on a subsample (values compared; the nltk
time for the full size *extrapolated* as O(N^2)), distinct-1..4 (ours, and a ``collections.Counter``
of n-gram tuples), MATTR (window 50) + MTLD (ours, and ``lexicalrichness`` on a subsample if installed,
*extrapolated* linearly). Then ``evaluate_corpus`` on 10k synthetic x 10k real reports (10 codes, a 2k
holdout and a 2k test split, 1000 bootstrap resamples) with embeddings precomputed by a cheap hashed
bag-of-words and timed apart, and MiniLM timed on a few hundred reports and *extrapolated* to the
embeddings that evaluation needs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

VOCAB = 50_000
CODES = ["F10.20", "F20.0", "F31.2", "F32.1", "F33.1", "F41.0", "F41.1", "F42.2", "F43.10", "F60.3"]
SHARES = np.array([0.05, 0.08, 0.03, 0.22, 0.15, 0.1, 0.17, 0.03, 0.1, 0.07])


def pseudo_words(n: int) -> list[str]:
    """``n`` distinct lower-case pseudo-words built from syllables (deterministic)."""
    onsets, vowels = (
        ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "st"],
        "aeiou",
    )
    syllables = [o + v for o in onsets for v in vowels]
    out, i = [], 0
    while len(out) < n:
        word, j = "", i
        while True:
            word += syllables[j % len(syllables)]
            j //= len(syllables)
            if j == 0:
                break
        out.append(word)
        i += 1
    return out


def reports(n: int, seed: int, codes: list[int] | None = None) -> list[str]:
    """``n`` reports of 150-250 Zipf-drawn words; with ``codes``, 3% of each report's words come from
    a 40-word list of its code (so codes are learnable)."""
    rng = np.random.default_rng(seed)
    vocab = np.array(pseudo_words(VOCAB))
    p = 1.0 / np.arange(1, VOCAB + 1) ** 1.1
    p /= p.sum()
    lengths = rng.integers(150, 251, n)
    ids = rng.choice(VOCAB, size=int(lengths.sum()), p=p)
    if codes is not None:
        topic = np.random.default_rng(12345).integers(0, VOCAB, size=(len(CODES), 40))  # same in every corpus
        owner = np.repeat(np.asarray(codes), lengths)
        pick = rng.random(len(ids)) < 0.03
        ids[pick] = topic[owner[pick], rng.integers(0, 40, int(pick.sum()))]
    words = vocab[ids]
    words[np.arange(11, len(words), 12)] = np.char.add(words[np.arange(11, len(words), 12)], ".")
    ends = np.cumsum(lengths)
    return [" ".join(words[e - k : e].tolist()) for e, k in zip(ends, lengths, strict=True)]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def counter_distinct(tokens: list[list[str]], n: int) -> float:
    counts: Counter[tuple[str, ...]] = Counter()
    total = 0
    for toks in tokens:
        grams = list(zip(*[toks[i:] for i in range(n)], strict=False))
        counts.update(grams)
        total += len(grams)
    return len(counts) / total


def nltk_self_bleu(tokens: list[list[str]]) -> list[float]:
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    smooth = SmoothingFunction().method1
    return [
        sentence_bleu(tokens[:i] + tokens[i + 1 :], hyp, (0.25, 0.25, 0.25, 0.25), smoothing_function=smooth)
        for i, hyp in enumerate(tokens)
    ]


def text_worker(args: argparse.Namespace) -> dict[str, Any]:
    from hf_synthmh.metrics.lexical import lexical_scores
    from hf_synthmh.metrics.ngramstats import distinct_counts
    from hf_synthmh.metrics.selfbleu import self_bleu_scores
    from hf_synthmh.text.tokens import encode

    n = args.size
    texts = reports(n, seed=n)
    out: dict[str, Any] = {"size": n}
    out["tokenise"], enc = timed(lambda: encode(texts), 1)
    out["tokens"] = len(enc.ids)
    out["self_bleu"], scores = timed(lambda: self_bleu_scores(enc, flavour="texygen"), args.repeat)
    out["self_bleu_value"] = float(np.mean(scores))
    out["distinct"], (distinct, occ) = timed(lambda: distinct_counts(enc, 4), args.repeat)
    out["distinct_values"] = (distinct / occ).tolist()
    out["lexical"], (mattr, mtld) = timed(lambda: lexical_scores(enc), args.repeat)
    out["mattr"], out["mtld"] = float(np.nanmean(mattr)), float(np.nanmean(mtld))
    out["peak_ours_mb"] = peak_mb()
    # nltk self-BLEU on a subsample: same values, and the time
    s = min(args.nltk_sample, n)
    sub = enc.select(range(s))
    start = time.perf_counter()
    reference = nltk_self_bleu(sub.tokens)
    t_nltk = time.perf_counter() - start
    ours = self_bleu_scores(sub, flavour="texygen")
    out["nltk_sample"], out["nltk_sample_time"] = s, t_nltk
    out["nltk_max_diff"] = float(np.max(np.abs(np.array(ours) - np.array(reference))))
    out["nltk_extrapolated"] = t_nltk * (n * (n - 1)) / (s * (s - 1))
    if n <= args.counter_max:
        out["counter"], values = timed(lambda: [counter_distinct(enc.tokens, k) for k in range(1, 5)], 1)
        out["counter_max_diff"] = float(np.max(np.abs(np.array(values) - distinct / occ)))
    try:
        from lexicalrichness import LexicalRichness
    except ImportError:
        out["lexicalrichness"] = None
    else:
        k = min(args.lexrich_sample, n)
        start = time.perf_counter()
        ref = [
            (r.mattr(50), r.mtld(0.72))
            for r in (LexicalRichness(t, preprocessor=None, tokenizer=None) for t in enc.tokens[:k])
        ]
        t_lr = time.perf_counter() - start
        diff = np.abs(np.array(ref) - np.column_stack([mattr[:k], mtld[:k]])).max()
        out.update(
            lexrich_sample=k,
            lexrich_time=t_lr,
            lexrich_max_diff=float(diff),
            lexrich_extrapolated=t_lr * n / k,
        )
    out["peak_mb"] = peak_mb()
    return out


class Lookup:
    """An embed function serving precomputed rows by text."""

    def __init__(self, table: dict[str, Any], stack: bool = True) -> None:
        self.table, self.stack = table, stack

    def __call__(self, texts: list[str]) -> Any:
        rows = [self.table[t] for t in texts]
        return np.stack(rows) if self.stack else rows


def eval_worker(args: argparse.Namespace) -> dict[str, Any]:
    from hf_synthmh.metrics.embeddings import hashed_bow_embed, hashed_token_embed
    from hf_synthmh.metrics.report import MetricsOptions, evaluate_corpus

    n, side = args.eval_size, args.eval_size // 5
    rng = np.random.default_rng(7)

    def corpus(k: int, seed: int) -> tuple[list[str], list[str]]:
        codes = rng.choice(len(CODES), size=k, p=SHARES / SHARES.sum()).tolist()
        return reports(k, seed, codes), [CODES[c] for c in codes]

    real, syn, hold, test = corpus(n, 1), corpus(n, 2), corpus(side, 3), corpus(side, 4)
    start = time.perf_counter()
    texts = list(dict.fromkeys(real[0] + syn[0] + hold[0]))
    table = dict(zip(texts, hashed_bow_embed(texts), strict=True))
    token_texts = list(dict.fromkeys(syn[0] + real[0]))
    tokens = dict(zip(token_texts, hashed_token_embed(token_texts, dim=64), strict=True))
    embed_time = time.perf_counter() - start
    before = peak_mb()
    start = time.perf_counter()
    out = evaluate_corpus(
        real_texts=real[0], real_labels=real[1], synthetic_texts=syn[0], synthetic_labels=syn[1],
        embed=Lookup(table), holdout_texts=hold[0], holdout_labels=hold[1], test_texts=test[0],
        test_labels=test[1],
        options=MetricsOptions(
            token_embed=Lookup(tokens, stack=False), n_bootstrap=1000, bertscore_max_rows=args.bertscore_rows
        ),
    )  # fmt: skip
    return {
        "eval_time": time.perf_counter() - start,
        "embed_time": embed_time,
        "peak_mb": peak_mb(),
        "peak_before_mb": before,
        "sizes": [n, n, side, side],
        "self_bleu": out["diversity"]["self_bleu"],
        "macro_f1": out["utility"]["real_only_macro_f1"],
    }


def minilm_worker(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from hf_synthmh.metrics.embeddings import Embedder

    torch.set_num_threads(1)
    texts = reports(args.minilm_sample, seed=11)
    embedder = Embedder()
    embedder.encode(["warm up"])
    start = time.perf_counter()
    embedder.encode(texts)
    sentence = time.perf_counter() - start
    start = time.perf_counter()
    embedder.token_embeddings(texts)
    token = time.perf_counter() - start
    return {"n": len(texts), "sentence": sentence, "token": token}


def child(task: str, args: argparse.Namespace, extra: list[str]) -> dict[str, Any]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.update(TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1", HF_EVALUATE_OFFLINE="1")
    if not args.default_malloc:
        env.update(MALLOC_MMAP_THRESHOLD_=str(1 << 32), MALLOC_TRIM_THRESHOLD_=str(1 << 36))
    cmd = [sys.executable, __file__, "--worker", task, *extra]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"worker {task} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return (
        f"{seconds:.2f} s"
        if seconds < 100
        else f"{seconds / 60:.1f} min"
        if seconds < 7200
        else f"{seconds / 3600:.1f} h"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=2, help="runs per timing of ours (best is kept)")
    parser.add_argument("--nltk-sample", type=int, default=150)
    parser.add_argument("--lexrich-sample", type=int, default=2000)
    parser.add_argument(
        "--counter-max", type=int, default=100_000, help="largest size for the Counter baseline"
    )
    parser.add_argument("--eval-size", type=int, default=10_000, help="0 skips the evaluate_corpus run")
    parser.add_argument("--bertscore-rows", type=int, default=2000)
    parser.add_argument("--minilm-sample", type=int, default=200, help="0 skips MiniLM")
    parser.add_argument(
        "--default-malloc", action="store_true", help="do not raise glibc's malloc thresholds"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        work = {"text": text_worker, "eval": eval_worker, "minilm": minilm_worker}[args.worker]
        print(json.dumps(work(args)))
        return

    shared = [f"--repeat={args.repeat}", f"--nltk-sample={args.nltk_sample}", f"--lexrich-sample={args.lexrich_sample}",
              f"--counter-max={args.counter_max}", f"--eval-size={args.eval_size}", f"--bertscore-rows={args.bertscore_rows}",
              f"--minilm-sample={args.minilm_sample}"]  # fmt: skip
    malloc = "default glibc malloc" if args.default_malloc else "malloc thresholds raised"
    print(
        f"hf_synthmh metrics benchmark: 1 thread, {malloc}, best of {args.repeat}; Zipf(1.1) corpus, 150-250 words"
    )
    header = (
        f"{'reports':>8} {'tokens':>11} {'tokenise':>9} | {'self-BLEU':>9} {'nltk (extrap.)':>14} {'speed-up':>9}"
        f" | {'distinct1-4':>11} {'Counter':>9} | {'MATTR+MTLD':>10} {'lexrich (extrap.)':>17} | {'peak RSS':>9}"
    )
    print(header)
    print("-" * len(header))
    checks = []
    for size in args.sizes:
        r = child("text", args, [*shared, f"--size={size}"])
        lexrich = fmt(r.get("lexrich_extrapolated")) if r.get("lexrichness", True) is not None else "n/a"
        print(
            f"{size:>8,} {r['tokens']:>11,} {fmt(r['tokenise']):>9} | {fmt(r['self_bleu']):>9}"
            f" {fmt(r['nltk_extrapolated']):>14} {r['nltk_extrapolated'] / r['self_bleu']:>8,.0f}x"
            f" | {fmt(r['distinct']):>11} {fmt(r.get('counter')):>9} | {fmt(r['lexical']):>10} {lexrich:>17}"
            f" | {r['peak_mb']:>6,.0f} MB"
        )
        checks.append(
            f"{size:>8,}: self-BLEU {r['self_bleu_value']:.4f}; vs nltk on {r['nltk_sample']} reports"
            f" ({r['nltk_sample_time']:.1f} s) max |diff| {r['nltk_max_diff']:.1e}"
            + (
                f"; distinct-n vs Counter max |diff| {r['counter_max_diff']:.1e}"
                if "counter_max_diff" in r
                else ""
            )
            + (
                f"; MATTR/MTLD vs lexicalrichness on {r['lexrich_sample']} reports ({r['lexrich_time']:.1f} s)"
                f" max |diff| {r['lexrich_max_diff']:.1e}"
                if "lexrich_max_diff" in r
                else ""
            )
            + f"; peak RSS of our metrics alone {r['peak_ours_mb']:,.0f} MB"
        )
    print("\nChecks (same values as the reference implementations; nltk and lexicalrichness full-size times"
          " above are extrapolated from these subsamples: nltk x N(N-1)/(n(n-1)), lexicalrichness x N/n):")  # fmt: skip
    print("\n".join(checks))
    if args.eval_size:
        e = child("eval", args, shared)
        n, _, side, _ = e["sizes"]
        print(
            f"\nevaluate_corpus: {n:,} synthetic x {n:,} real reports, {side:,} holdout, {side:,} test, 10 codes,"
            f" 1000 bootstrap resamples, BERTScore on {args.bertscore_rows:,} rows:"
            f" {fmt(e['eval_time'])} (embeddings excluded; utility with its 3 classifiers and bootstrap, and holdout"
            f" privacy included), peak RSS {e['peak_mb']:,.0f} MB"
        )
        print(
            f"  cheap embedder (hashed bag of words + hashed token vectors), timed apart: {fmt(e['embed_time'])}"
        )
    if args.minilm_sample:
        m = child("minilm", args, shared)
        rate, token_rate = m["n"] / m["sentence"], m["n"] / m["token"]
        n = args.eval_size or 10_000
        need, need_tokens = 2 * n + n // 5, 2 * args.bertscore_rows
        print(
            f"  MiniLM (1 thread): {m['n']} reports in {m['sentence']:.1f} s = {rate:.1f} reports/s"
            f" ({fmt(1000 / rate)} per 1k reports; sentence),"
            f" {token_rate:.1f} reports/s (token vectors); the evaluation above needs {need:,} sentence and"
            f" up to {need_tokens:,} token embeddings: ~{fmt(need / rate + need_tokens / token_rate)} (extrapolated)"
        )


if __name__ == "__main__":
    main()
