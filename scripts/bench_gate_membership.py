"""Benchmark the membership gate against datasketch MinHash LSH and a Python-set n-gram baseline.

Generates N real and N synthetic reports of ~225 tokens: pseudo-words with Zipf frequencies, six
section headings in every report, long template blocks (a "normal mental state" paragraph of 30-60
words used by ~4% of reports each) and short stock phrases shared by hundreds to thousands of reports.
The synthetic side holds planted copies of real reports (verbatim; near copies with 2%, 5% and 10% of
words edited by substitution, insertion and deletion; partial copies: a 60-word passage of mostly
non-template text pasted into a new report) and unrelated reports from the same generator.

Each method runs in its own subprocess (clean peak RSS via ``ru_maxrss``) on the same texts:

* ``gate``: :class:`hf_synthmh.gate.MembershipChecker` build + check and the default decision
  (``membership:*`` reasons of :func:`hf_synthmh.gate.reject_reasons`), no embeddings.
* ``datasketch``: ``MinHashLSH(threshold=0.5, num_perm=128)`` over word 3-gram shingles, candidates
  kept when their estimated Jaccard is >= 0.5. It runs on ``--ds-n`` reports per side (default
  ``min(N, 10000)``) and its time is extrapolated linearly to N, as labelled in the table.
* ``pyset``: a Python set of word 8-grams of the real reports; a row is flagged when half of its
  8-grams are in the set or 33 consecutive ones are (a 40-token shared span).

Usage: ``OMP_NUM_THREADS=1 python scripts/bench_gate_membership.py [--n 100000] [--ds-n 10000]``
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

KINDS = ("verbatim", "near2", "near5", "near10", "partial", "unrelated")
_SECTIONS = ("Reason for referral:", "History of presenting complaint:", "Mental state examination:",
             "Risk assessment:", "Impression:", "Plan:")  # fmt: skip


class Generator:
    """Reports from a fixed pseudo-word vocabulary (seeded); token masks mark template text."""

    def __init__(self, seed: int, vocab: int = 30_000) -> None:
        self.rng = np.random.default_rng(seed)
        syllables = np.array(
            [c + v for c in "bcdfghjklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
        )
        base = len(syllables)
        codes = self.rng.permutation(np.arange(base + 1, base + 1 + vocab))  # distinct numbers -> words
        words = []
        for code in codes.tolist():
            parts = []
            while code:
                code, digit = divmod(code, base + 1)
                parts.append(syllables[digit - 1] if digit else "x")
            words.append("".join(parts))
        self.vocab = np.array(words, dtype=object)
        p = 1.0 / np.arange(1, vocab + 1) ** 1.07
        self.cdf = np.cumsum(p / p.sum())
        self._pool = np.zeros(0, dtype=np.int64)
        self.headings = [np.array(h.split(), dtype=object) for h in _SECTIONS]
        self.blocks = [self.words(int(self.rng.integers(30, 61))) for _ in range(25)]
        self.stock = [self.words(int(self.rng.integers(6, 15))) for _ in range(300)]
        q = 1.0 / np.arange(1, 301) ** 0.9
        self.stock_cdf = np.cumsum(q / q.sum())

    def words(self, k: int) -> np.ndarray:
        """``k`` Zipf-distributed words (drawn in bulk: one ``rng.random`` call per million words)."""
        if self._pool.size < k:
            draws = np.searchsorted(self.cdf, self.rng.random(1 << 20))
            self._pool = np.concatenate([self._pool, np.minimum(draws, self.vocab.size - 1)])
        ids, self._pool = self._pool[:k], self._pool[k:]
        return self.vocab[ids]

    def report(self) -> tuple[list[str], list[bool]]:
        """Words of one report and, per word, whether it is template text."""
        rng = self.rng
        budget = int(rng.integers(200, 250))
        templates = []
        for s, heading in enumerate(self.headings):
            parts = [heading]
            if s == 2 and rng.random() < 0.5:
                parts.append(self.blocks[int(rng.integers(len(self.blocks)))])
            if rng.random() < 0.7:
                parts.append(self.stock[min(int(np.searchsorted(self.stock_cdf, rng.random())), 299)])
            templates.append(np.concatenate(parts))
        size = max(48, budget - sum(len(t) for t in templates))
        content = self.words(size).copy()
        ends = np.cumsum(rng.integers(6, 16, size // 6 + 1))
        ends = ends[ends < size] - 1
        content[ends] = content[ends] + "."
        content[-1] = content[-1] + "."
        cuts = np.linspace(0, size, len(templates) + 1).astype(int)
        words, mask = [], []
        for k, template in enumerate(templates):
            words += template.tolist() + content[cuts[k] : cuts[k + 1]].tolist()
            mask += [True] * len(template) + [False] * int(cuts[k + 1] - cuts[k])
        return words, mask

    def edit(self, words: list[str], share: float) -> list[str]:
        out = list(words)
        n = max(1, round(share * len(words)))
        for i in sorted(self.rng.choice(len(words), n, replace=False).tolist(), reverse=True):
            action = self.rng.random()
            if action < 0.5:
                out[i] = str(self.words(1)[0])
            elif action < 0.75:
                out.insert(i + 1, str(self.words(1)[0]))
            else:
                del out[i]
        return out

    def passage(self, words: list[str], mask: list[bool], size: int = 60) -> list[str]:
        """The window of ``size`` words with the least template text."""
        m = np.concatenate([[0], np.cumsum(mask)])
        template = m[size:] - m[:-size]
        return words[int(np.argmin(template)) :][:size]


def make_data(n: int, seed: int = 0, copies: int | None = None) -> tuple[list[str], list[str], list[str]]:
    """``(real, synthetic, kinds)``; ``copies`` planted rows per copy kind (default n // 100)."""
    gen = Generator(seed)
    reports = [gen.report() for _ in range(n)]
    real = [" ".join(w) for w, _ in reports]
    copies = max(1, n // 100) if copies is None else copies
    kinds: list[str] = []
    synthetic: list[str] = []
    sources = gen.rng.choice(n, 5 * copies, replace=False)
    for k, kind in enumerate(KINDS[:-1]):
        for doc in sources[k * copies : (k + 1) * copies].tolist():
            words, mask = reports[doc]
            if kind == "verbatim":
                text = words
            elif kind.startswith("near"):
                text = gen.edit(words, int(kind[4:]) / 100)
            else:
                host, _ = gen.report()
                at = int(gen.rng.integers(len(host) // 4, 3 * len(host) // 4))
                text = host[:at] + gen.passage(words, mask) + host[at:]
            synthetic.append(" ".join(text))
            kinds.append(kind)
    while len(synthetic) < n:
        synthetic.append(" ".join(gen.report()[0]))
        kinds.append("unrelated")
    order = gen.rng.permutation(n)
    return real, [synthetic[i] for i in order], [kinds[i] for i in order]


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def run_gate(real: list[str], synthetic: list[str]) -> np.ndarray:
    from hf_synthmh.gate import GateSettings, reject_reasons

    s = GateSettings()
    checker = s.membership_checker(real, [str(i) for i in range(len(real))])
    cols = checker.check_batch(synthetic)
    batch = {"text": synthetic, "phi_types": [[] for _ in synthetic], **cols}
    reasons = reject_reasons(batch, settings=s)["reject_reasons"]
    return np.array([any(r.startswith("membership:") for r in row) for row in reasons])


def run_datasketch(real: list[str], synthetic: list[str]) -> np.ndarray:
    from datasketch import MinHash, MinHashLSH

    def signature(text: str) -> MinHash:
        w = text.lower().split()
        m = MinHash(num_perm=128)
        m.update_batch([" ".join(w[i : i + 3]).encode() for i in range(len(w) - 2)])
        return m

    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    stored = {}
    for i, text in enumerate(real):
        stored[i] = signature(text)
        lsh.insert(i, stored[i])
    flags = []
    for text in synthetic:
        m = signature(text)
        flags.append(any(m.jaccard(stored[c]) >= 0.5 for c in lsh.query(m)))
    return np.array(flags)


def run_pyset(real: list[str], synthetic: list[str]) -> np.ndarray:
    grams: set[tuple[str, ...]] = set()
    for text in real:
        w = text.lower().split()
        grams.update(tuple(w[i : i + 8]) for i in range(len(w) - 7))
    flags = []
    for text in synthetic:
        w = text.lower().split()
        hit = [tuple(w[i : i + 8]) in grams for i in range(len(w) - 7)]
        run = best = 0
        for h in hit:
            run = run + 1 if h else 0
            best = max(best, run)
        flags.append(bool(hit) and (sum(hit) >= 0.5 * len(hit) or best >= 33))
    return np.array(flags)


def _child(method: str, path: str) -> None:
    with open(path, "rb") as f:
        real, synthetic = pickle.load(f)
    base = _rss_mb()
    start = time.perf_counter()
    flags = {"gate": run_gate, "datasketch": run_datasketch, "pyset": run_pyset}[method](real, synthetic)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "peak_mb": peak, "input_mb": base, "flags": flags.astype(int).tolist()}))


def _run(method: str, path: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", method, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"{method} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _row(name: str, result: dict, kinds: list[str], scale: float = 1.0) -> str:
    flags = np.array(result["flags"], dtype=bool)
    k = np.array(kinds)
    cells = [f"{flags[k == kind].mean():.3f}" for kind in KINDS[:-1]]
    fpr = flags[k == "unrelated"].mean()
    wall = result["wall"] * scale
    label = f"{wall:8.1f}" + ("*" if scale != 1.0 else " ")
    return (
        f"| {name:<22} | "
        + " | ".join(cells)
        + f" | {fpr:.4f} | {label} | {result['peak_mb']:7.0f} | {result['peak_mb'] - result['input_mb']:7.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="real and synthetic reports each")
    parser.add_argument(
        "--ds-n", type=int, default=None, help="reports per side for datasketch (default min(n, 10000))"
    )
    parser.add_argument("--methods", default="gate,datasketch,pyset")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    methods = args.methods.split(",")
    ds_n = min(args.n, args.ds_n or 10_000)
    t = time.perf_counter()
    real, synthetic, kinds = make_data(args.n, args.seed)
    small = make_data(ds_n, args.seed + 1) if "datasketch" in methods and ds_n < args.n else None
    print(f"generated {args.n:,} real + {args.n:,} synthetic reports in {time.perf_counter() - t:.0f} s "
          f"(mean {np.mean([len(s.split()) for s in synthetic[:2000]]):.0f} words; "
          f"{max(1, args.n // 100)} planted copies per kind)", flush=True)  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.pkl"
        full.write_bytes(pickle.dumps((real, synthetic)))
        if small is not None:
            (Path(tmp) / "small.pkl").write_bytes(pickle.dumps(small[:2]))
        results = {}
        for method in methods:
            if method == "datasketch" and small is not None:
                res = _run(method, Path(tmp) / "small.pkl")
                scale = args.n / ds_n
                rows.append(_row(f"datasketch (n={ds_n:,})", res, small[2], scale))
            else:
                res = _run(method, full)
                rows.append(
                    _row(
                        {"gate": "membership gate", "pyset": "python set 8-grams"}.get(method, method),
                        res,
                        kinds,
                    )
                )
            results[method] = res
            print(rows[-1], flush=True)
    print(f"\n{args.n:,} real x {args.n:,} synthetic reports, one thread, {os.cpu_count()} cores shared")
    print(
        "| method                 | verbatim | near2 | near5 | near10 | partial | FP unrelated | wall s | peak MB | +input MB |"
    )
    print(
        "|------------------------|---------:|------:|------:|-------:|--------:|-------------:|-------:|--------:|----------:|"
    )
    for line in rows:
        print(line)
    if "gate" in results and "datasketch" in results:
        ratio = (
            results["datasketch"]["wall"]
            * (args.n / ds_n if small is not None else 1)
            / results["gate"]["wall"]
        )
        print(f"\ngate vs datasketch: {ratio:.1f}x faster")
    if small is not None:
        print(f"* datasketch ran on {ds_n:,} x {ds_n:,} reports (same generator, same planted shares); its wall time is "
              f"multiplied by {args.n / ds_n:g} (linear: one MinHash and one LSH insert/query per report); "
              "recall and FP are from that run; peak MB is of that run.")  # fmt: skip
    print(
        "Recall columns: share of planted copies of that kind flagged; FP: share of unrelated reports flagged."
    )


if __name__ == "__main__":
    main()
