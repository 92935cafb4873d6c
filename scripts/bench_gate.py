"""Benchmark the privacy gate: the PHI scan against plain Presidio, and the membership checks against
datasketch MinHash LSH and a Python-set n-gram baseline, in one run.

``--part phi``: throughput on ~200-word fictional reports from the demo corpus, repeated to
``--reports`` (500). All engines are built before the clock starts, then timed in ``--rounds``
interleaved rounds (each after a short warm-up); the best round of each counts, because the machine is
shared. Recall and false alarms on the labelled sets ``tests/data/phi_eval.jsonl`` (development set)
and ``phi_heldout.jsonl`` (:mod:`hf_synthmh.testing.phi_sets`: row recall = PHI rows with any finding; span
recall = labelled identifiers overlapped by any finding, whatever its type; clean FA = clean rows with
any finding), and on the demo corpus itself (reports without planted identifiers that get flagged).

* ``presidio default``: ``BatchAnalyzerEngine`` over an ``AnalyzerEngine`` with the same spaCy model
  (full pipeline, as Presidio loads it) and its default English recognizers, score threshold 0;
  ``presidio @0.35`` is the same run filtered at our threshold.
* ``ours, full spaCy pipeline``: our rules with every spaCy component except the parser, whole texts.
* ``ours, NER only``: only the ``ner`` component, on whole texts.
* ``ours, NER on candidate sentences``: the default ``PhiScanner``.

``--part membership``: ``--n`` real and ``--n`` synthetic pseudo-reports of ~225 tokens with planted
copies (:mod:`hf_synthmh.testing.bench_corpus`), plus *story* copies (:func:`add_story_copies`): ``2 * n // 100``
more real reports whose history holds a story of their own (:func:`story_report`), and as many synthetic
rows that paste part of one: ``story30`` a 30-word passage of it into a new report, ``story45`` a
45-word passage with one word changed (longest shared run 36 tokens) into a shorter new report
(containment ~0.34). Each
method runs in its own subprocess (peak RSS: ``VmHWM``) on the same texts, ``--rounds`` times,
interleaved (gate, datasketch, pyset, gate, ...); the best wall time of each method counts, every
round's is printed, and a method must flag the same rows in every round:

* ``gate``: :class:`hf_synthmh.gate.MembershipChecker` build + check and the default decision
  (``membership:*`` reasons of :func:`hf_synthmh.gate.decide.reject_reasons`), no embeddings.
* ``datasketch``: ``MinHashLSH(threshold=0.5, num_perm=128)`` over word 3-gram shingles, candidates
  kept when their estimated Jaccard is >= 0.5. ``--ds-n`` runs it on fewer reports per side and
  extrapolates its time linearly (marked ``*``).
* ``pyset``: a Python set of word 8-grams of the real reports; a row is flagged when half of its
  8-grams are in the set or 33 consecutive ones are (a 40-token shared span).

Usage: ``OMP_NUM_THREADS=1 TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS= .venv/bin/python scripts/bench_gate.py
[--part phi|membership|all] [--n 100000] [--reports 500] [--json out.json]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the package of this checkout
PHI_DATA = ROOT / "tests" / "data"  # the labelled PHI sets (data files, read only)

import numpy as np  # noqa: E402

from hf_synthmh.testing.bench_corpus import KINDS, Generator, make_data  # noqa: E402
from hf_synthmh.testing.phi_sets import PHI_SETS, evaluate, read_phi_set  # noqa: E402

Spans = list[list[dict[str, Any]]]


# ----------------------------------------------------------------------------------------- PHI scan
def presidio_engine() -> Any:
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from hf_synthmh.gate.phi import spacy_model_path

    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": str(spacy_model_path())}],
    }
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    return BatchAnalyzerEngine(AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"]))


def presidio_spans(engine: Any, texts: list[str]) -> Spans:
    results = engine.analyze_iterator(texts, language="en", batch_size=32)
    return [
        [{"type": r.entity_type, "start": r.start, "end": r.end, "score": r.score} for r in f]
        for f in results
    ]


def our_scanner(variant: str) -> Any:
    import spacy

    from hf_synthmh.gate.phi import PhiEngine, PhiScanner, spacy_model_path

    def factory() -> PhiEngine:
        engine = PhiEngine(ner_scope="candidates" if variant == "candidates" else "full")
        if variant == "full-pipeline":
            engine.nlp = spacy.load(spacy_model_path(), exclude=["parser", "senter"])
        return engine

    scanner = PhiScanner(engine_factory=factory)
    _ = scanner.engine
    return scanner


def our_spans(scanner: Any, texts: list[str]) -> Spans:
    return list(scanner({"text": texts})["phi_spans"])


def run_phi(args: argparse.Namespace) -> list[dict[str, Any]]:
    from hf_synthmh.demo.corpus import load_demo_corpus

    corpus = load_demo_corpus(with_annotations=True)
    demo = list(
        itertools.islice(itertools.cycle([r for split in corpus.values() for r in split]), args.reports)
    )
    texts, planted = [r["text"] for r in demo], [bool(r["planted_phi"]) for r in demo]
    sets = {name.split(".")[0].replace("phi_", ""): read_phi_set(PHI_DATA / name) for name in PHI_SETS}
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"PHI scan: {len(texts)} demo reports (~{words:.0f} words each); "
          + ", ".join(f"{k}: {len(v)} rows" for k, v in sets.items()), flush=True)  # fmt: skip
    methods: list[tuple[str, Any, Any]] = [
        ("presidio default", presidio_engine, presidio_spans),
        ("ours, full spaCy pipeline", lambda: our_scanner("full-pipeline"), our_spans),
        ("ours, NER only", lambda: our_scanner("ner-only"), our_spans),
        ("ours, NER on candidate sentences", lambda: our_scanner("candidates"), our_spans),
    ]
    engines = [(name, build(), run) for name, build, run in methods]  # load everything first
    best: dict[str, float] = {}
    demo_hits: dict[str, Spans] = {}
    for _ in range(args.rounds):  # interleaved rounds, best of each: the machine is shared
        for name, engine, run in engines:
            run(engine, texts[:16])  # warm-up
            start = time.perf_counter()
            demo_hits[name] = run(engine, texts)
            best[name] = max(best.get(name, 0.0), len(texts) / (time.perf_counter() - start))
    table: list[dict[str, Any]] = []
    for name, engine, run in engines:
        eval_hits = {k: run(engine, [r["text"] for r in rows]) for k, rows in sets.items()}
        for threshold in (0.0, 0.35) if name.startswith("presidio") else (None,):

            def keep(hits: Spans, t: float | None = threshold) -> Spans:
                return [[s for s in row if t is None or s["score"] >= t] for row in hits]

            entry: dict[str, Any] = {"method": name if threshold in (None, 0.0) else "presidio @0.35"}
            entry["reports_per_s"] = best[name]
            entry |= {k: evaluate(rows, keep(eval_hits[k])) for k, rows in sets.items()}
            flagged = [bool(h) for h in keep(demo_hits[name])]
            n_clean = planted.count(False)
            entry["demo_clean_fa"] = sum(f for f, p in zip(flagged, planted, strict=True) if not p) / n_clean
            entry["demo_phi_rows"] = sum(f for f, p in zip(flagged, planted, strict=True) if p) / (
                len(planted) - n_clean
            )
            table.append(entry)
    base = table[0]["reports_per_s"]
    header = "| method | reports/s | vs Presidio |" + "".join(
        f" {k} row / span recall | {k} clean FA |" for k in sets
    ) + " demo clean FA | demo PHI rows |"  # fmt: skip
    print("\n" + header + "\n|" + "---|" * (header.count("|") - 1))
    for e in table:
        cells = [f"{e['method']}", f"{e['reports_per_s']:.1f}", f"{e['reports_per_s'] / base:.1f}x"]
        for k in sets:
            cells += [
                f"{e[k]['row_recall']:.3f} / {e[k]['span_recall']:.3f}",
                f"{e[k]['clean_false_alarm_rate']:.3f}",
            ]
        cells += [f"{e['demo_clean_fa']:.3f}", f"{e['demo_phi_rows']:.3f}"]
        print("| " + " | ".join(cells) + " |")
    shown = [
        e
        for e in table
        if e["method"] in ("presidio default", "presidio @0.35", "ours, NER on candidate sentences")
    ]
    print("\nSpan recall per identifier type (dev + held-out sets; overlap with any finding):")
    print("| type | spans | " + " | ".join(e["method"] for e in shown) + " |")
    print("|---|---:|" + "---:|" * len(shown))
    types = sorted({t for e in shown for k in sets for t in e[k]["per_type"]})
    for t in types:
        n = sum(shown[0][k]["per_type"].get(t, {}).get("spans", 0) for k in sets)
        cells = []
        for e in shown:
            hit = sum(
                e[k]["per_type"][t]["recall"] * e[k]["per_type"][t]["spans"]
                for k in sets
                if t in e[k]["per_type"]
            )
            cells.append(f"{hit / n:.2f}")
        print(f"| {t} | {n} | " + " | ".join(cells) + " |")
    print("\nrecall/false alarms: dev = phi_eval.jsonl (rules tuned on it), heldout = phi_heldout.jsonl")
    return table


# ------------------------------------------------------------------------------ membership checks
def _status_mb(key: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process in MB. Not ``ru_maxrss``: on Linux that keeps
    the parent's resident size at fork time across ``exec``."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(f"{key}:")) / 1024


STORY_KINDS = ("story30", "story45")
COPY_KINDS = (*KINDS[:-1], *STORY_KINDS)


def story_report(gen: Generator, size: int) -> tuple[list[str], list[str]]:
    """A real report whose history holds a 20-word-longer story of its own (fresh words, no template
    text), and a ``size``-word passage from inside that story."""
    words = gen.report()[0]
    story = [str(w) for w in gen.words(size + 20)]
    at = words.index("complaint:") + 1  # after the "History of presenting complaint:" heading
    return words[:at] + story + words[at:], story[10 : 10 + size]


def add_story_copies(
    data: tuple[list[str], list[str], list[str]], seed: int, copies: int
) -> tuple[list[str], list[str], list[str]]:
    """``data`` (from ``make_data``) with ``copies`` rows of each story kind (see the module docstring):
    new real reports are appended, and unrelated synthetic rows are replaced by the story copies."""
    real, synthetic, kinds = list(data[0]), list(data[1]), list(data[2])
    gen = Generator(seed + 1000)
    unrelated = [i for i, kind in enumerate(kinds) if kind == "unrelated"]
    slots = gen.rng.choice(unrelated, len(STORY_KINDS) * copies, replace=False).tolist()
    for k, slot in enumerate(slots):
        words, passage = story_report(gen, 30 if k < copies else 45)
        real.append(" ".join(words))
        host = gen.report()[0]
        if k >= copies:  # story45: the 37th word changed, in a shorter new report
            passage[36] = next(w for w in map(str, gen.words(20)) if w != passage[36])
            host = host[:85]
        at = int(gen.rng.integers(len(host) // 4, 3 * len(host) // 4))
        synthetic[slot] = " ".join(host[:at] + passage + host[at:])
        kinds[slot] = STORY_KINDS[k // copies]
    return real, synthetic, kinds


def run_gate(real: list[str], synthetic: list[str]) -> np.ndarray:
    from hf_synthmh.gate import GateSettings, MembershipChecker
    from hf_synthmh.gate.decide import reject_reasons

    s = GateSettings()
    checker = MembershipChecker.from_settings(s, real, [str(i) for i in range(len(real))])
    batch = {"text": synthetic, "phi_types": [[] for _ in synthetic], **checker.check_batch(synthetic)}
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


METHODS = {"gate": run_gate, "datasketch": run_datasketch, "pyset": run_pyset}
NAMES = {"gate": "membership gate", "datasketch": "datasketch MinHashLSH", "pyset": "python set 8-grams"}


def _child(method: str, path: str) -> None:
    with open(path, "rb") as f:
        real, synthetic = pickle.load(f)
    base = _status_mb("VmRSS")
    start = time.perf_counter()
    flags = METHODS[method](real, synthetic)
    wall = time.perf_counter() - start
    peak = _status_mb("VmHWM")
    print(json.dumps({"wall": wall, "peak_mb": peak, "input_mb": base, "flags": flags.astype(int).tolist()}))


def _spawn(method: str, path: Path) -> dict[str, Any]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [sys.executable, __file__, "--child", method, str(path)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if out.returncode:
        raise RuntimeError(f"{method} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _row(name: str, result: dict[str, Any], kinds: list[str], scale: float = 1.0) -> str:
    flags, k = np.array(result["flags"], dtype=bool), np.array(kinds)
    cells = [f"{flags[k == kind].mean():.3f}" for kind in COPY_KINDS]
    wall = f"{result['wall'] * scale:8.1f}" + ("*" if scale != 1.0 else " ")
    extra = result["peak_mb"] - result["input_mb"]
    return (f"| {name:<28} | " + " | ".join(cells) + f" | {flags[k == 'unrelated'].mean():.4f} | {wall} "
            f"| {result['peak_mb']:7.0f} | {extra:7.0f} |")  # fmt: skip


def run_membership(args: argparse.Namespace) -> dict[str, Any]:
    methods = args.methods.split(",")
    ds_n = min(args.n, args.ds_n or args.n)
    t = time.perf_counter()
    copies = max(1, args.n // 100)
    real, synthetic, kinds = add_story_copies(make_data(args.n, args.seed), args.seed, copies)
    small = None
    if "datasketch" in methods and ds_n < args.n:
        small = add_story_copies(make_data(ds_n, args.seed + 1), args.seed + 1, max(1, ds_n // 100))
    print(f"\nMembership: generated {args.n:,} real + {args.n:,} synthetic reports in {time.perf_counter() - t:.0f} s "
          f"(mean {np.mean([len(s.split()) for s in synthetic[:2000]]):.0f} words; "
          f"{max(1, args.n // 100)} planted copies per kind)", flush=True)  # fmt: skip
    best: dict[str, dict[str, Any]] = {}
    walls: dict[str, list[float]] = {m: [] for m in methods}
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.pkl"
        full.write_bytes(pickle.dumps((real, synthetic)))
        if small is not None:
            (Path(tmp) / "small.pkl").write_bytes(pickle.dumps(small[:2]))
        for round_ in range(args.rounds):  # interleaved rounds, best of each: the machine is shared
            for method in methods:
                res = _spawn(
                    method, Path(tmp) / ("small.pkl" if method == "datasketch" and small else "full.pkl")
                )
                walls[method].append(res["wall"])
                if method in best and res["flags"] != best[method]["flags"]:
                    raise RuntimeError(f"{method} flagged other rows in round {round_ + 1}")
                if method not in best or res["wall"] < best[method]["wall"]:
                    best[method] = res
                print(f"round {round_ + 1}: {method} {res['wall']:.1f} s", flush=True)
    rows, results = [], {}
    for method in methods:
        res = best[method]
        if method == "datasketch" and small is not None:
            rows.append(_row(f"datasketch (n={ds_n:,})", res, small[2], args.n / ds_n))
            res["wall_scaled"] = res["wall"] * args.n / ds_n
        else:
            rows.append(_row(NAMES[method], res, kinds))
            res["wall_scaled"] = res["wall"]
        results[method] = {k: v for k, v in res.items() if k != "flags"} | {"walls": walls[method]}
    print(
        f"\n{len(real):,} real x {len(synthetic):,} synthetic reports, one thread, {os.cpu_count()} cores shared"
    )
    print("| method                       | verbatim | near2 | near5 | near10 | partial | story30 | story45 "
          "| FP unrelated |   wall s | peak MB | +input MB |")  # fmt: skip
    print("|------------------------------|---------:|------:|------:|-------:|--------:|--------:|--------:"
          "|-------------:|---------:|--------:|----------:|")  # fmt: skip
    for line in rows:
        print(line)
    if "gate" in results and "datasketch" in results:
        ratio = results["datasketch"]["wall_scaled"] / results["gate"]["wall"]
        print(f"\ngate vs datasketch: {ratio:.1f}x faster")
    print(f"wall s: the best of {args.rounds} interleaved rounds per method; every round: "
          + "; ".join(f"{m} " + ", ".join(f"{w:.1f}" for w in walls[m]) for m in methods))  # fmt: skip
    if small is not None:
        print(
            f"* datasketch ran on {ds_n:,} x {ds_n:,} reports; its wall time is multiplied by {args.n / ds_n:g}."
        )
    print(
        "Recall columns: share of planted copies of that kind flagged; FP: share of unrelated reports flagged."
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--part", choices=("phi", "membership", "all"), default="all")
    parser.add_argument("--n", type=int, default=100_000, help="membership: real and synthetic reports each")
    parser.add_argument("--ds-n", type=int, default=None, help="membership: reports per side for datasketch")
    parser.add_argument("--methods", default="gate,datasketch,pyset", help="membership methods")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reports", type=int, default=500, help="PHI: demo reports timed")
    parser.add_argument(
        "--rounds", type=int, default=2, help="timing rounds (both parts); the best of each counts"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers there")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    out: dict[str, Any] = {}
    if args.part in ("phi", "all"):
        out["phi"] = run_phi(args)
    if args.part in ("membership", "all"):
        out["membership"] = run_membership(args)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
