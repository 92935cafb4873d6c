"""The labelled, fictional PHI sets (``tests/data/phi_eval.jsonl``: development set; ``phi_heldout.jsonl``:
written after the rules were frozen): loading and scoring, shared by ``tests/gate/test_phi_eval.py``
(through ``tests/data/phi_sets.py``) and ``scripts/bench_gate.py``. The data files stay in ``tests/data``;
callers pass the path.

Spans to score are dicts with ``start`` and ``end`` (and ``type`` for the same-type recall), one list
per row, as :class:`hf_synthmh.gate.PhiScanner` writes ``phi_spans``.

>>> evaluate([{"kind": "phi", "text": "Mr Haddad", "phi": [{"type": "PERSON", "value": "Haddad"}]},
...           {"kind": "clean", "text": "PHQ-9 19", "phi": []}],
...          [[{"type": "PERSON", "start": 3, "end": 9}], []])["span_recall_same_type"]
1.0
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["PHI_SETS", "SCANNER_TYPE", "evaluate", "read_phi_set"]

#: The PHI set files, development set first.
PHI_SETS = ("phi_eval.jsonl", "phi_heldout.jsonl")
#: Label types in the data files -> the scanner's entity types (for the same-type recall).
SCANNER_TYPE = {
    "MRN": "MEDICAL_RECORD_NUMBER",
    "INSURANCE_ID": "ID_NUMBER",
    "NHS_NUMBER": "UK_NHS",
    "SSN": "US_SSN",
}


def read_phi_set(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a PHI set file (``{"id", "text", "phi": [{"type", "value"}], "kind"}``)."""
    text = Path(path).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def evaluate(
    rows: Sequence[Mapping[str, Any]], spans: Sequence[Sequence[Mapping[str, Any]]]
) -> dict[str, Any]:
    """Row recall (PHI rows with any finding), span recall (labelled identifiers overlapped by any
    finding; and by a finding of the same type), per label type, and the clean false-alarm rate
    (clean rows with any finding)."""
    labelled: Counter[str] = Counter()
    found: Counter[str] = Counter()
    same_type: Counter[str] = Counter()
    phi_rows = flagged = clean = alarms = 0
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
            overlapping = [h for h in hits if h["start"] < end and h["end"] > start]
            labelled[label["type"]] += 1
            found[label["type"]] += bool(overlapping)
            wanted = SCANNER_TYPE.get(label["type"], label["type"])
            same_type[label["type"]] += any(h.get("type") == wanted for h in overlapping)
    n_spans = max(sum(labelled.values()), 1)
    return {
        "phi_rows": phi_rows,
        "row_recall": flagged / max(phi_rows, 1),
        "spans": sum(labelled.values()),
        "span_recall": sum(found.values()) / n_spans,
        "span_recall_same_type": sum(same_type.values()) / n_spans,
        "clean_rows": clean,
        "clean_false_alarms": alarms,
        "clean_false_alarm_rate": alarms / max(clean, 1),
        "per_type": {
            t: {"spans": n, "recall": found[t] / n, "recall_same_type": same_type[t] / n}
            for t, n in sorted(labelled.items())
        },
    }
