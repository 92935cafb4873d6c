"""The publishing gate: PHI scan (drop or redact) + PHI replay + membership checks against the real
reports + decision.

Nothing identifying or copied from a real patient may be published. :func:`apply_gate` runs
:class:`PhiScanner` (Presidio + spaCy with clinical recognizers; under the ``redact`` policy the
findings are replaced by typed placeholders such as ``<PERSON>``), a :class:`ReplayIndex` of the
identifiers found in the real reports, and :class:`MembershipChecker` (vectorised hashed word n-grams,
MinHash LSH and exact per-pair checks against the real reports and the exemplars each row's prompt
showed; optionally :class:`EmbeddingNeighbours`) over a synthetic ``Dataset``, adds ``reject_reasons``
and splits kept from rejected rows, counting drops per reason and per label; :func:`gate_summary`
turns the result into the JSON-ready dict of ``scan_report.json``. Heavy libraries (presidio, spaCy,
sentence-transformers) load on first use.

    from hf_synthmh.gate import GATE_COLUMNS, apply_gate, gate_summary

    result = apply_gate(synthetic, reference_texts=real["text"], reference_ids=real["id"])
    publishable = result.kept.remove_columns(list(GATE_COLUMNS))
"""

from __future__ import annotations

from hf_synthmh.gate.apply import apply_gate
from hf_synthmh.gate.decide import (
    GATE_COLUMNS,
    PHI_COLUMNS,
    column_types,
    count_reasons,
    gate_features,
    reject_reasons,
)
from hf_synthmh.gate.membership import MEMBERSHIP_COLUMNS, MembershipChecker, longest_common_run, ngram_hashes
from hf_synthmh.gate.neighbours import EMBEDDING_COLUMNS, EmbeddingNeighbours
from hf_synthmh.gate.phi import PHI_ENTITIES, PhiScanner, build_analyzer
from hf_synthmh.gate.redact import PHI_POLICIES, redact_batch, redact_features
from hf_synthmh.gate.replay import ReplayIndex, phi_replay
from hf_synthmh.gate.settings import GateResult, GateSettings, PhiPolicy
from hf_synthmh.gate.summary import SUMMARY_KEYS, gate_summary

__all__ = [
    "EMBEDDING_COLUMNS",
    "GATE_COLUMNS",
    "MEMBERSHIP_COLUMNS",
    "PHI_COLUMNS",
    "PHI_ENTITIES",
    "PHI_POLICIES",
    "SUMMARY_KEYS",
    "EmbeddingNeighbours",
    "GateResult",
    "GateSettings",
    "MembershipChecker",
    "PhiPolicy",
    "PhiScanner",
    "ReplayIndex",
    "apply_gate",
    "build_analyzer",
    "column_types",
    "count_reasons",
    "gate_features",
    "gate_summary",
    "longest_common_run",
    "ngram_hashes",
    "phi_replay",
    "redact_batch",
    "redact_features",
    "reject_reasons",
]
