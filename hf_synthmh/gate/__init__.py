"""The publishing gate: PHI scan + membership check against the real reports + decision.

Nothing identifying or copied from a real patient may be published. :func:`apply_gate` runs
:class:`PhiScanner` (Presidio + spaCy with clinical recognizers) and :class:`MembershipChecker`
(hashed word n-grams of the real reports) over a synthetic ``Dataset``, adds ``reject_reasons`` and
splits kept from rejected rows, counting drops per reason and per label. Heavy libraries (presidio,
spaCy) load on the first scan.

    from hf_synthmh.gate import GATE_COLUMNS, apply_gate

    result = apply_gate(synthetic, reference_texts=real["text"], reference_ids=real["id"])
    publishable = result.kept.remove_columns(list(GATE_COLUMNS))
"""

from __future__ import annotations

from hf_synthmh.gate.decide import (
    GATE_COLUMNS,
    GateResult,
    GateSettings,
    apply_gate,
    count_reasons,
    gate_features,
    reject_reasons,
)
from hf_synthmh.gate.membership import MembershipChecker, longest_common_run, ngram_hashes
from hf_synthmh.gate.phi import PHI_ENTITIES, PhiScanner, build_analyzer

__all__ = [
    "GATE_COLUMNS",
    "PHI_ENTITIES",
    "GateResult",
    "GateSettings",
    "MembershipChecker",
    "PhiScanner",
    "apply_gate",
    "build_analyzer",
    "count_reasons",
    "gate_features",
    "longest_common_run",
    "ngram_hashes",
    "reject_reasons",
]
