"""PHI recall and false alarms on public de-identification sets and the project's own sets, for the
hf_synthmh scan and Presidio's ``BatchAnalyzerEngine`` with the same spaCy model, in one run.

    python scripts/bench_phi_public.py --data ../shared/data/phi_public [--limit 300]

Sets: every ``*.jsonl`` under ``--data`` (schema in that folder's README: ``text``, ``has_phi``,
``spans`` with ``start``/``end``/``norm_type``), the project's fictional sets
``tests/data/phi_eval.jsonl`` / ``phi_heldout.jsonl`` (labels are values: located in the text), and the
demo corpus (row level only: its planted PHI has no offsets). The third-party files are only read.

Scoring (HIPAA Safe Harbor identifiers only):

* ``NON_HIPAA``, ``OTHER`` and ``AGE`` labels are left out (see the data README);
* a ``DATE`` label that is only a year (``1992``, ``'84``), a weekday, a time of day or a season is
  reported as ``DATE_YEAR`` and left out of the HIPAA totals (Safe Harbor keeps years);
* a ``LOCATION`` label that is a US state, a UK nation, a country or a continent (also with a
  qualifier in brackets, "Korea (the Republic of)") is reported as ``LOCATION_BIG`` and left out of the HIPAA
  totals (Safe Harbor protects places below state level);
* a label whose value is ``nan`` (presidio-research's generator writing out an empty field) is
  reported as ``MISSING`` and left out.

Columns: ``row`` = rows holding a HIPAA label that get any finding / such rows; ``row*`` = the same over
all rows the source marks ``has_phi`` (the README's definition, for the issue's baseline table); ``span``
= HIPAA labels overlapped by any finding; ``FA`` = rows without any label (``has_phi`` false) that get a
finding. Speed is reports per second over the whole set (after a warm-up), both systems in this process,
timed in ``--rounds`` interleaved rounds per set (ours, Presidio, ours, ...): each system's best round
counts, because the machine is shared; every round's time is printed, and every round must find the
same spans.

Caveat: presidio-research's generator fills its templates with faker's fake names and places, and the
scan's name gazetteer is faker's too (``hf_synthmh.gate.phi_case.name_gazetteer``), so name recall on
``presidio_*`` is optimistic; the deid notes' surrogate names are not from faker and are the fairer test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""  # before presidio is imported
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

Row = dict[str, Any]
Spans = list[list[dict[str, Any]]]
LEFT_OUT = {"NON_HIPAA", "OTHER", "AGE"}
_NONSPECIFIC_DATE = re.compile(
    r"(?i)^(?:'?\d{2}|\d{4}|(?:19|20)\d0'?s|(?:mon|tues|wednes|thurs|fri|satur|sun)days?|morning|afternoon"
    r"|evening|night|tonight|today|tomorrow|yesterday|noon|midnight|spring|summer|autumn|fall|winter"
    r"|\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?)$"
)
# Own-set label types -> the public sets' coarse types.
_OWN_TYPES = {
    "MRN": "MRN",
    "INSURANCE_ID": "ID",
    "NHS_NUMBER": "ID",
    "SSN": "SSN",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "STREET_ADDRESS": "ADDRESS",
    "POSTCODE": "ADDRESS",
    "DATE_OF_BIRTH": "DATE",
    "SOCIAL_HANDLE": "URL",
    "IP_ADDRESS": "IP",
}


def _big_place(value: str) -> bool:
    """US states, UK nations, continents and the countries faker and GeoNames name (the scan's own
    list), also with a qualifier in brackets ("Korea (the Republic of)")."""
    from hf_synthmh.gate.phi_places import big_place

    bare = re.sub(r"\s*\([^)]*\)$", "", value)
    return big_place(bare) or bare.lower().removeprefix("the ") in {"us", "usa", "uk"}


_MISSING = {"nan", "none", "null", ""}  # a generator's empty value written out, not an identifier


def score_type(span: dict[str, Any]) -> str:
    """The reporting type of a gold span: its ``norm_type``, or ``DATE_YEAR`` / ``LOCATION_BIG`` /
    ``MISSING``."""
    kind, value = span["norm_type"], span["value"].strip()
    if value.lower() in _MISSING:
        return "MISSING"
    if kind == "DATE" and _NONSPECIFIC_DATE.match(value):
        return "DATE_YEAR"
    if kind == "LOCATION" and _big_place(value):
        return "LOCATION_BIG"
    return str(kind)


def hipaa(kind: str) -> bool:
    return kind not in LEFT_OUT and kind not in ("DATE_YEAR", "LOCATION_BIG", "MISSING")


# ------------------------------------------------------------------------------------------- sets
def load_public(folder: Path) -> dict[str, list[Row]]:
    sets = {}
    for path in sorted(folder.glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        sets[path.stem] = rows
    return sets


def load_own() -> dict[str, list[Row]]:
    from hf_synthmh.testing.phi_sets import PHI_SETS, read_phi_set

    sets = {}
    for name in PHI_SETS:
        rows = []
        for r in read_phi_set(ROOT / "tests" / "data" / name):
            spans, cursor = [], 0
            for label in r["phi"]:
                start = r["text"].find(label["value"], cursor)
                start = start if start >= 0 else r["text"].find(label["value"])
                end = start + len(label["value"])
                kind = _OWN_TYPES.get(label["type"], label["type"])
                spans.append({"start": start, "end": end, "norm_type": kind, "value": label["value"]})
            rows.append({"text": r["text"], "has_phi": r["kind"] == "phi", "spans": spans})
        sets["own_" + name.removesuffix(".jsonl").removeprefix("phi_")] = rows
    return sets


def load_demo() -> list[Row]:
    from hf_synthmh.demo.corpus import load_demo_corpus

    corpus = load_demo_corpus(with_annotations=True)
    return [
        {"text": r["text"], "has_phi": bool(r["planted_phi"]), "spans": [], "row_types": r["planted_phi"]}
        for split in corpus.values()
        for r in split
    ]


# ---------------------------------------------------------------------------------------- systems
# One text that reaches every recognizer of both systems, so that neither pays for compiling its
# patterns inside the timed runs (the scan runs a Presidio recognizer only on texts with its trigger).
WARM_UP = (
    "Warm-up: Mr Jones, 7/22, jo@example.com, www.example.org, 10.0.0.1, 4111 1111 1111 1111,"
    " GB82WEST12345698765432, 943 476 5919, +44 20 7946 0958."
)


def ours() -> Callable[[list[str]], Spans]:
    from hf_synthmh.gate.phi import PhiScanner

    scanner = PhiScanner()
    scanner({"text": [WARM_UP]})
    return lambda texts: list(scanner({"text": texts})["phi_spans"])


def presidio() -> Callable[[list[str]], Spans]:
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from hf_synthmh.gate.phi_recognizers import spacy_model_path

    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": str(spacy_model_path())}],
    }
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    engine = BatchAnalyzerEngine(AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"]))

    def run(texts: list[str]) -> Spans:
        found = engine.analyze_iterator(texts, language="en", batch_size=32)
        return [[{"type": r.entity_type, "start": r.start, "end": r.end} for r in row] for row in found]

    run([WARM_UP])
    return run


# ---------------------------------------------------------------------------------------- scoring
def evaluate(rows: Sequence[Row], hits: Spans) -> dict[str, Any]:
    per_type: Counter[str] = Counter()
    per_type_hit: Counter[str] = Counter()
    out = Counter[str]()
    for row, found in zip(rows, hits, strict=True):
        flagged = bool(found)
        kinds = [score_type(s) for s in row["spans"]]
        has_hipaa = any(hipaa(k) for k in kinds) or bool(row.get("row_types"))
        out["rows_any"] += bool(row["has_phi"])
        out["rows_any_hit"] += bool(row["has_phi"]) and flagged
        out["rows"] += has_hipaa
        out["rows_hit"] += has_hipaa and flagged
        out["clean"] += not row["has_phi"]
        out["clean_fa"] += (not row["has_phi"]) and flagged
        for span, kind in zip(row["spans"], kinds, strict=True):
            if kind in LEFT_OUT:
                continue
            got = any(f["start"] < span["end"] and span["start"] < f["end"] for f in found)
            per_type[kind] += 1
            per_type_hit[kind] += got
            if hipaa(kind):
                out["spans"] += 1
                out["spans_hit"] += got
    return {"counts": dict(out), "per_type": {k: (per_type_hit[k], per_type[k]) for k in sorted(per_type)}}


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  n/a"


def report(name: str, n: int, results: dict[str, tuple[dict[str, Any], float]]) -> None:
    print(f"\n## {name} ({n} rows)")
    print("| system | row | row* | span | FA | reports/s |")
    print("|---|---|---|---|---|---|")
    for system, (res, speed) in results.items():
        c = res["counts"]
        print(
            f"| {system} | {_ratio(c['rows_hit'], c['rows'])} ({c['rows_hit']}/{c['rows']}) "
            f"| {_ratio(c['rows_any_hit'], c['rows_any'])} "
            f"| {_ratio(c.get('spans_hit', 0), c.get('spans', 0))} ({c.get('spans_hit', 0)}/{c.get('spans', 0)}) "
            f"| {_ratio(c['clean_fa'], c['clean'])} ({c['clean_fa']}/{c['clean']}) | {speed:.1f} |"
        )
    kinds = sorted({k for res, _ in results.values() for k in res["per_type"]})
    if kinds:
        print("| span recall by type | " + " | ".join(results) + " |")
        print("|---" * (len(results) + 1) + "|")
        for kind in kinds:
            cells = []
            for res, _ in results.values():
                hit, total = res["per_type"].get(kind, (0, 0))
                cells.append(f"{_ratio(hit, total)} ({hit}/{total})")
            print(f"| {kind}{'' if hipaa(kind) else ' (not scored)'} | " + " | ".join(cells) + " |")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=None, help="folder of public *.jsonl PHI sets")
    parser.add_argument("--limit", type=int, default=0, help="first N rows of each set (0: all)")
    parser.add_argument("--no-presidio", action="store_true", help="the scan only (quick iterations)")
    parser.add_argument("--sets", default="", help="comma-separated set names to run (default: all)")
    parser.add_argument(
        "--rounds", type=int, default=2, help="timing rounds per set; the best of each counts"
    )
    args = parser.parse_args(argv)

    sets = load_public(args.data) if args.data else {}
    sets |= load_own()
    sets["own_demo_corpus"] = load_demo()
    if args.sets:
        sets = {k: v for k, v in sets.items() if k in args.sets.split(",")}
    if args.limit:
        sets = {k: v[: args.limit] for k, v in sets.items()}
    systems = {"hf_synthmh": ours()}
    if not args.no_presidio:
        systems["presidio"] = presidio()
    speeds: dict[str, list[float]] = {s: [0.0, 0.0] for s in systems}
    for name, rows in sets.items():
        texts = [r["text"] for r in rows]
        hits: dict[str, Spans] = {}
        walls: dict[str, list[float]] = {system: [] for system in systems}
        for round_ in range(args.rounds):  # interleaved rounds, the best of each: the machine is shared
            for system, run in systems.items():
                start = time.perf_counter()
                found = run(texts)
                seconds = time.perf_counter() - start
                if system in hits and found != hits[system]:
                    raise RuntimeError(f"{system} found other spans on {name} in round {round_ + 1}")
                hits[system] = found
                walls[system].append(seconds)
        results = {}
        for system in systems:
            speeds[system][0] += len(texts)
            speeds[system][1] += min(walls[system])
            results[system] = (evaluate(rows, hits[system]), len(texts) / min(walls[system]))
        report(name, len(rows), results)
        print(
            "every round, s: "
            + "; ".join(f"{s} " + ", ".join(f"{w:.2f}" for w in ws) for s, ws in walls.items())
        )
    print(
        f"\n## speed over all sets (each set's best of {args.rounds} interleaved rounds): "
        + ", ".join(f"{s} {n / t:.1f} reports/s" for s, (n, t) in speeds.items())
    )
    if "presidio" in speeds:
        ratio = (speeds["hf_synthmh"][0] / speeds["hf_synthmh"][1]) / (
            speeds["presidio"][0] / speeds["presidio"][1]
        )
        print(f"hf_synthmh / presidio speed: {ratio:.1f}x")


if __name__ == "__main__":
    main()
