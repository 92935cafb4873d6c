"""Benchmark the PHI scan: throughput and recall of ``PhiScanner`` against plain Presidio, in one run.

Throughput: ~200-word fictional reports from the demo corpus, repeated to ``--reports`` (500); all
engines are built before the clock starts, then timed in ``--rounds`` interleaved rounds (each after a
short warm-up) and the best round of each counts, because the machine is shared. Recall and false alarms: the labelled
development set ``tests/data/phi_eval.jsonl`` (row recall = PHI rows with any finding; span recall =
labelled identifiers overlapped by any finding, whatever its type; clean false-alarm rate = clean
rows with any finding), the held-out set ``tests/data/phi_heldout.jsonl`` when present, and the
demo corpus itself (reports without planted identifiers that get flagged).

Methods:

* ``presidio default``: ``BatchAnalyzerEngine`` over an ``AnalyzerEngine`` with the same spaCy
  model (full pipeline, as Presidio loads it) and Presidio's default English recognizers, default
  score threshold (0); ``presidio @0.35`` is the same run filtered at our threshold.
* ``ours, full spaCy pipeline``: our rules with every spaCy component except the parser, on whole
  texts (what the scanner did before).
* ``ours, NER only``: only the ``ner`` component, on whole texts.
* ``ours, NER on candidate sentences``: the default ``PhiScanner``.

Run: ``TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS= .venv/bin/python scripts/bench_gate_phi.py``
(``--json out.json`` also writes the numbers).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def load_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(rows: list[dict[str, Any]], spans: list[list[tuple[int, int]]]) -> dict[str, float]:
    """Row recall, span recall (overlap, any type) and clean false-alarm rate."""
    phi_rows = flagged = labelled = found = clean = alarms = 0
    for row, hits in zip(rows, spans, strict=True):
        if row["kind"] == "clean":
            clean += 1
            alarms += bool(hits)
            continue
        phi_rows += 1
        flagged += bool(hits)
        for label in row["phi"]:
            start = row["text"].index(label["value"])
            end = start + len(label["value"])
            labelled += 1
            found += any(s < end and e > start for s, e in hits)
    return {
        "row_recall": flagged / max(phi_rows, 1),
        "span_recall": found / max(labelled, 1),
        "clean_false_alarms": alarms / max(clean, 1),
    }


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


def presidio_spans(engine: Any, texts: list[str]) -> list[list[tuple[int, int, float]]]:
    results = engine.analyze_iterator(texts, language="en", batch_size=32)
    return [[(r.start, r.end, r.score) for r in found] for found in results]


def our_scanner(variant: str) -> Any:
    import spacy

    from hf_synthmh.gate.phi import PhiEngine, PhiScanner, spacy_model_path

    def factory() -> PhiEngine:
        engine = PhiEngine(ner_scope="candidates" if variant == "candidates" else "full")
        if variant == "full-pipeline":
            engine.nlp = spacy.load(spacy_model_path(), exclude=["parser", "senter"])
        return engine

    scanner = PhiScanner(analyzer_factory=factory)
    _ = scanner.analyzer
    return scanner


def our_spans(scanner: Any, texts: list[str]) -> list[list[tuple[int, int, float]]]:
    out = scanner({"text": texts})["phi_spans"]
    return [[(s["start"], s["end"], s["score"]) for s in row] for row in out]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2, help="timing rounds; the best of each method counts")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from hf_synthmh.demo.corpus import load_demo_corpus

    corpus = load_demo_corpus(with_annotations=True)
    demo = [row for split in corpus.values() for row in split]
    texts = [r["text"] for r in itertools.islice(itertools.cycle(demo), args.reports)]
    planted = [bool(r["planted_phi"]) for r in itertools.islice(itertools.cycle(demo), args.reports)]
    sets = {"dev": load_rows(DATA / "phi_eval.jsonl")}
    if (DATA / "phi_heldout.jsonl").exists():
        sets["heldout"] = load_rows(DATA / "phi_heldout.jsonl")
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(
        f"{len(texts)} demo reports (~{words:.0f} words each); "
        + ", ".join(f"{k}: {len(v)} rows" for k, v in sets.items())
    )

    methods: list[tuple[str, Any, Any]] = [
        ("presidio default", presidio_engine, presidio_spans),
        ("ours, full spaCy pipeline", lambda: our_scanner("full-pipeline"), our_spans),
        ("ours, NER only", lambda: our_scanner("ner-only"), our_spans),
        ("ours, NER on candidate sentences", lambda: our_scanner("candidates"), our_spans),
    ]
    engines = [(name, build(), run) for name, build, run in methods]  # load everything first
    best: dict[str, float] = {}
    demo_hits: dict[str, list[list[tuple[int, int, float]]]] = {}
    for _ in range(args.rounds):  # interleaved rounds, best of each: the machine is shared
        for name, engine, run in engines:
            run(engine, texts[:16])  # warm-up
            start = time.perf_counter()
            demo_hits[name] = run(engine, texts)
            best[name] = max(best.get(name, 0.0), len(texts) / (time.perf_counter() - start))
    table: list[dict[str, Any]] = []
    for name, engine, run in engines:
        thresholds = (0.0, 0.35) if name.startswith("presidio") else (None,)
        eval_hits = {k: run(engine, [r["text"] for r in rows]) for k, rows in sets.items()}
        for threshold in thresholds:
            label = name if threshold in (None, 0.0) else "presidio @0.35"

            def keep(
                hits: list[list[tuple[int, int, float]]], t: float | None = threshold
            ) -> list[list[tuple[int, int]]]:
                return [[(s, e) for s, e, p in row if t is None or p >= t] for row in hits]

            entry: dict[str, Any] = {"method": label, "reports_per_s": best[name]}
            for k, rows in sets.items():
                entry[k] = score(rows, keep(eval_hits[k]))
            kept = keep(demo_hits[name])
            n_clean = sum(not p for p in planted)
            entry["demo_clean_false_alarms"] = (
                sum(bool(h) for h, p in zip(kept, planted, strict=True) if not p) / n_clean
            )
            entry["demo_phi_row_recall"] = sum(bool(h) for h, p in zip(kept, planted, strict=True) if p) / (
                len(planted) - n_clean
            )
            table.append(entry)

    base = table[0]["reports_per_s"]
    header = "| method | reports/s | vs Presidio | row recall | span recall | clean false alarms |"
    for k in sets:
        if k != "dev":
            header += f" {k} row / span recall, clean FA |"
    header += " demo clean FA | demo PHI rows |"
    print()
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for e in table:
        dev = e["dev"]
        line = (
            f"| {e['method']} | {e['reports_per_s']:.1f} | {e['reports_per_s'] / base:.1f}x | {dev['row_recall']:.3f} |"
            f" {dev['span_recall']:.3f} | {dev['clean_false_alarms']:.3f} |"
        )
        for k in sets:
            if k != "dev":
                line += f" {e[k]['row_recall']:.3f} / {e[k]['span_recall']:.3f}, {e[k]['clean_false_alarms']:.3f} |"
        line += f" {e['demo_clean_false_alarms']:.3f} | {e['demo_phi_row_recall']:.3f} |"
        print(line)
    print(
        "\nrecall/false alarms on the dev set (phi_eval.jsonl, rules tuned on it); spans: overlap with any finding"
    )
    if args.json:
        args.json.write_text(json.dumps(table, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
