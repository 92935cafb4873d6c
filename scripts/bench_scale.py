"""Scale-out benchmark: engine ``datasets`` vs ``ray`` (1 and 2 workers) on the gate's membership check,
the PHI scan and a whole-corpus metric (distinct-1..4 merged from per-block counts).

Corpora come from the project's generator (:mod:`hf_synthmh.testing.bench_corpus`): ``--real`` real
reports and synthetic corpora of each ``--sizes`` (the generator's synthetic side, with its planted
copies, repeated up to the size: the cost of a row does not depend on its neighbours). The PHI scan runs
Presidio on the demo corpus's reports (with their planted identifiers), repeated up to each
``--phi-sizes``: it scans ~20 reports/s per thread, so its sizes are small.

Reported per part, size and engine: seconds, rows/s, and the peak RSS of each worker process (read in
the worker after every batch; it includes the pages of the shared membership index it touched, which
the OS maps once per node, see ``index_mb``). Run from the repository root::

    python scripts/bench_scale.py --real 100000 --sizes 100000,300000 --distinct-sizes 10000,30000 \
        --phi-sizes 200,600 --out bench_scale.json

Seconds include each actor's start-up (loading Presidio and spaCy takes ~10 s per worker here); the
difference between two sizes gives the marginal rate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections.abc import Callable, Sequence
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import numpy as np
import pyarrow as pa


def _probe(batch: dict[str, list]) -> dict[str, list]:
    """Per row: this process's id and peak RSS so far (MB)."""
    n = len(batch["text"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"_pid": [os.getpid()] * n, "_maxrss_mb": [peak] * n}


def _tile(texts: Sequence[str], size: int) -> list[str]:
    return [texts[i % len(texts)] for i in range(size)]


def _run_ray(texts: list[str], step: Any, types: dict[str, Any], workers: int, batch: int) -> dict[str, Any]:
    from datasets import Value

    from hf_synthmh.engines.ray_data import RayOptions, from_table, map_step

    options = RayOptions(num_workers=workers, batch_size=batch)
    probe_types = {"_pid": Value("int64"), "_maxrss_mb": Value("float64")}
    ds = from_table(pa.table({"text": texts}), options).materialize()
    start = time.perf_counter()
    out = map_step(ds, [(step, types), (_probe, probe_types)], options=options, actors=True)
    table = pa.concat_tables(
        [t for t in out.select_columns(["_pid", "_maxrss_mb"]).iter_batches(batch_format="pyarrow")]
    )
    seconds = time.perf_counter() - start
    peaks: dict[int, float] = {}
    for pid, mb in zip(table.column("_pid").to_pylist(), table.column("_maxrss_mb").to_pylist(), strict=True):
        peaks[pid] = max(peaks.get(pid, 0.0), mb)
    return {
        "seconds": seconds,
        "rows_per_s": len(texts) / seconds,
        "worker_peak_rss_mb": sorted(round(v) for v in peaks.values()),
    }


def _run_local(texts: list[str], step: Callable[[dict[str, list]], Any], batch: int) -> dict[str, Any]:
    from datasets import Dataset

    ds = Dataset.from_dict({"text": texts})
    start = time.perf_counter()
    ds.map(step, batched=True, batch_size=batch, desc="datasets engine", keep_in_memory=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "rows_per_s": len(texts) / seconds, "worker_peak_rss_mb": [round(peak)]}


def _index_mb(checker: Any) -> float:
    arrays = [v for v in vars(checker).values() if isinstance(v, np.ndarray)]
    for v in vars(checker).values():
        arrays += [a for a in vars(v).values() if isinstance(a, np.ndarray)] if hasattr(v, "__dict__") else []
    return round(sum(a.nbytes for a in arrays) / 2**20, 1)


def bench_membership(real_n: int, sizes: list[int], workers: list[int], rows: list[dict[str, Any]]) -> None:
    import ray

    from hf_synthmh.contracts import MEMBERSHIP_COLUMNS, gate_column_types
    from hf_synthmh.gate import GateSettings, MembershipChecker
    from hf_synthmh.testing.bench_corpus import make_data

    t = time.perf_counter()
    real, synthetic, _ = make_data(real_n)
    print(
        f"corpus: {real_n} real + {len(synthetic)} synthetic in {time.perf_counter() - t:.0f} s", flush=True
    )
    t = time.perf_counter()
    checker = MembershipChecker.from_settings(GateSettings(), real, [f"r{i}" for i in range(real_n)])
    build = time.perf_counter() - t
    t = time.perf_counter()
    shared = ray.put(checker)
    put = time.perf_counter() - t
    index = _index_mb(checker)
    print(
        f"membership index: {build:.1f} s to build, {put:.1f} s to ray.put, {index} MB of arrays", flush=True
    )
    types = {c: gate_column_types()[c] for c in MEMBERSHIP_COLUMNS}
    for size in sizes:
        texts = _tile(synthetic, size)
        for engine, n in [("datasets", 1), *(("ray", w) for w in workers)]:
            res = (
                _run_local(texts, checker, 4096)
                if engine == "datasets"
                else _run_ray(texts, shared, types, n, 4096)
            )
            row = {
                "part": "membership",
                "size": size,
                "real": real_n,
                "engine": engine,
                "workers": n,
                "index_mb": index,
                **res,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)


def bench_phi(sizes: list[int], workers: list[int], rows: list[dict[str, Any]]) -> None:
    from hf_synthmh.contracts import PHI_COLUMNS, gate_column_types
    from hf_synthmh.demo.corpus import load_demo_corpus
    from hf_synthmh.gate import PhiScanner

    texts = list(load_demo_corpus()["train"]["text"])
    types = {c: gate_column_types()[c] for c in PHI_COLUMNS[:2]}
    scanner = PhiScanner()
    scanner({"text": texts[:2]})  # load spaCy before timing the datasets engine (actors load their own)
    for size in sizes:
        batch = _tile(texts, size)
        for engine, n in [("datasets", 1), *(("ray", w) for w in workers)]:
            if engine == "datasets":
                res = _run_local(batch, scanner, 32)
            else:
                res = _run_ray(batch, PhiScanner(), types, n, 32)
            row = {"part": "phi_scan", "size": size, "engine": engine, "workers": n, **res}
            rows.append(row)
            print(json.dumps(row), flush=True)


def bench_distinct(sizes: list[int], workers: list[int], rows: list[dict[str, Any]], real_n: int) -> None:
    from hf_synthmh.engines.metrics import distinct_counts_merged
    from hf_synthmh.engines.ray_data import RayOptions, from_table
    from hf_synthmh.metrics.ngramstats import distinct_counts
    from hf_synthmh.testing.bench_corpus import make_data

    _, synthetic, _ = make_data(min(real_n, max(sizes)), seed=1)
    for size in sizes:
        texts = _tile(synthetic, size)
        t = time.perf_counter()
        from hf_synthmh.text.tokens import encode

        want = distinct_counts(encode(texts), 4)
        seconds = time.perf_counter() - t
        row = {
            "part": "distinct_n",
            "size": size,
            "engine": "datasets",
            "workers": 1,
            "seconds": seconds,
            "rows_per_s": size / seconds,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
        for n in workers:
            options = RayOptions(num_workers=n, batch_size=256)
            ds = from_table(pa.table({"text": texts}), options).materialize()
            t = time.perf_counter()
            got = distinct_counts_merged(ds, options=options)
            seconds = time.perf_counter() - t
            exact = got == (want[0].tolist(), want[1].tolist())
            row = {
                "part": "distinct_n",
                "size": size,
                "engine": "ray",
                "workers": n,
                "seconds": seconds,
                "rows_per_s": size / seconds,
                "exact": exact,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", type=int, default=100_000)
    parser.add_argument(
        "--sizes", default="100000,300000,1000000", help="synthetic sizes for membership and distinct-n"
    )
    parser.add_argument("--distinct-sizes", default="10000,30000", help="synthetic sizes for distinct-n")
    parser.add_argument("--phi-sizes", default="200,600,2000")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--parts", default="membership,phi,distinct")
    parser.add_argument("--out", default="bench_scale.json")
    args = parser.parse_args()
    import ray

    sizes = [int(s) for s in args.sizes.split(",")]
    workers = [int(w) for w in args.workers.split(",")]
    parts = args.parts.split(",")
    rows: list[dict[str, Any]] = []
    ray.init(num_cpus=max(workers), include_dashboard=False, log_to_driver=False)
    try:
        if "membership" in parts:
            bench_membership(args.real, sizes, workers, rows)
        if "distinct" in parts:
            bench_distinct([int(s) for s in args.distinct_sizes.split(",")], workers, rows, args.real)
        if "phi" in parts:
            bench_phi([int(s) for s in args.phi_sizes.split(",")], workers, rows)
    finally:
        ray.shutdown()
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)
    print(
        f"\n{'part':<11} {'size':>8} {'engine':<9} {'w':>2} {'seconds':>8} {'rows/s':>9}  worker peak RSS MB"
    )
    for r in rows:
        print(
            f"{r['part']:<11} {r['size']:>8} {r['engine']:<9} {r['workers']:>2} {r['seconds']:>8.1f} {r['rows_per_s']:>9.0f}  {r.get('worker_peak_rss_mb', '')}"
        )


if __name__ == "__main__":
    main()
