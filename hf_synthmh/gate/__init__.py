"""The publishing gate: PHI scan + membership checks against the real reports + decision.

Nothing identifying or copied from a real patient may be published. :func:`apply_gate` runs
:class:`PhiScanner` (Presidio + spaCy with clinical recognizers) and :class:`MembershipChecker`
(vectorised hashed word n-grams, MinHash LSH and exact per-pair checks against the real reports and the
exemplars each row's prompt showed; optionally :class:`EmbeddingNeighbours`) over a synthetic
``Dataset``, adds ``reject_reasons`` and splits kept from rejected rows, counting drops per reason and
per label. Heavy libraries (presidio, spaCy, sentence-transformers) load on first use.

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
from hf_synthmh.gate.membership import MEMBERSHIP_COLUMNS, MembershipChecker, longest_common_run, ngram_hashes
from hf_synthmh.gate.neighbours import EMBEDDING_COLUMNS, EmbeddingNeighbours
from hf_synthmh.gate.phi import PHI_ENTITIES, PhiScanner, build_analyzer

__all__ = [
    "EMBEDDING_COLUMNS",
    "GATE_COLUMNS",
    "MEMBERSHIP_COLUMNS",
    "PHI_ENTITIES",
    "EmbeddingNeighbours",
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
