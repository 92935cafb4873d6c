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
sentence-transformers) load on first use. The columns the gate adds, their types and the reject
reasons are its contract, in :mod:`hf_synthmh.contracts`; the steps are in :mod:`hf_synthmh.gate.steps`.

    from hf_synthmh.gate import GATE_COLUMNS, apply_gate, gate_summary

    result = apply_gate(synthetic, reference_texts=real["text"], reference_ids=real["id"])
    publishable = result.kept.remove_columns(list(GATE_COLUMNS))
"""

from __future__ import annotations

from hf_synthmh.contracts import GATE_COLUMNS, PHI_POLICIES, PhiPolicy, RejectReason
from hf_synthmh.gate.apply import apply_gate
from hf_synthmh.gate.membership import MembershipChecker
from hf_synthmh.gate.neighbours import EmbeddingNeighbours
from hf_synthmh.gate.phi import PhiScanner
from hf_synthmh.gate.replay import ReplayIndex
from hf_synthmh.gate.settings import GateResult, GateSettings
from hf_synthmh.gate.summary import gate_summary

__all__ = [
    "GATE_COLUMNS",
    "PHI_POLICIES",
    "EmbeddingNeighbours",
    "GateResult",
    "GateSettings",
    "MembershipChecker",
    "PhiPolicy",
    "PhiScanner",
    "RejectReason",
    "ReplayIndex",
    "apply_gate",
    "gate_summary",
]
