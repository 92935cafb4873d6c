"""The gate as a list of steps (datatrove style): each declares the columns, feature types and reject
reasons it owns; :func:`hf_synthmh.gate.apply.apply_gate` runs them in order in one loop, timing each.

1. :class:`PhiScanStep` (:class:`~hf_synthmh.gate.phi.PhiScanner`): ``phi_types``, ``phi_spans``.
2. :class:`RedactStep` (``redact`` policy only): found spans replaced by typed placeholders
   (:func:`~hf_synthmh.gate.redact.redact_batch`): ``text`` becomes the redacted text and
   ``phi_redacted`` lists the types replaced. Every later step sees the redacted text.
3. :class:`ReplayStep` (``replay_check``): identifier values the scanner found in the real reports
   (:class:`~hf_synthmh.gate.replay.ReplayIndex`) searched in each row: ``phi_replay``.
4. :class:`MembershipStep` (:class:`~hf_synthmh.gate.membership.MembershipChecker`) and
   :class:`EmbeddingStep` (optional, :class:`~hf_synthmh.gate.neighbours.EmbeddingNeighbours`).
5. :class:`DecisionStep`: ``reject_reasons`` (:func:`~hf_synthmh.gate.decide.reject_reasons`).

A step that is off (``enabled`` false) does not run; its columns get :meth:`Step.off_values` (empty
lists, ``None`` scores), so the gate always adds every column of
:data:`~hf_synthmh.contracts.GATE_COLUMNS` with the same types.

>>> from hf_synthmh.contracts import GATE_COLUMNS
>>> steps = (PhiScanStep, RedactStep, ReplayStep, MembershipStep, EmbeddingStep, DecisionStep)
>>> tuple(c for step in steps for c in step.columns) == GATE_COLUMNS
True
>>> [str(r) for r in MembershipStep.reasons]
['membership:exemplar', 'membership:ngram', 'membership:span', 'membership:minhash', 'membership:rouge_l']
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from hf_synthmh.contracts import (
    EMBEDDING_COLUMNS,
    EMPTY,
    MEMBERSHIP_COLUMNS,
    MEMBERSHIP_EMBEDDING,
    MEMBERSHIP_EXEMPLAR,
    MEMBERSHIP_MINHASH,
    MEMBERSHIP_NGRAM,
    MEMBERSHIP_ROUGE_L,
    MEMBERSHIP_SPAN,
    PHI_ERROR,
    PHI_REPLAY,
    REJECT_REASONS,
    RejectReason,
    gate_column_types,
    gate_features,
)
from hf_synthmh.gate.decide import reject_reasons
from hf_synthmh.gate.membership import MembershipChecker
from hf_synthmh.gate.neighbours import EmbeddingNeighbours
from hf_synthmh.gate.phi import PHI_ENTITIES, PhiScanner
from hf_synthmh.gate.redact import redact_batch
from hf_synthmh.gate.replay import ReplayIndex
from hf_synthmh.gate.settings import GateSettings

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = [
    "DecisionStep",
    "EmbeddingStep",
    "GateState",
    "MembershipStep",
    "PhiScanStep",
    "RedactStep",
    "ReplayStep",
    "Step",
]


@dataclass
class GateState:
    """What the steps of one gate run share: the dataset (steps that map it replace it), columns
    computed outside ``Dataset.map`` (joined to it by the decision), and what the result reports."""

    ds: Dataset
    input_columns: list[str]
    added: dict[str, list] = field(default_factory=dict)
    generated_texts: list[str] | None = None  # text before redaction (redact policy only)
    generated_replay: list[list[str]] = field(default_factory=list)  # replay types before redaction
    embedding_threshold: float | None = None
    embedded: int = 0

    def texts(self) -> list[str]:
        return list(self.ds["text"])


class Step:
    """One gate step: ``name`` (its timing is ``<name>_s``), the ``columns`` it adds and the
    ``reasons`` it can make the decision give."""

    name: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    reasons: ClassVar[tuple[RejectReason, ...]] = ()
    enabled: bool = True

    @classmethod
    def features(cls) -> dict[str, Any]:
        """The ``datasets`` feature type of each of its columns."""
        types = gate_column_types()
        return {c: types[c] for c in cls.columns}

    def off_values(self, rows: int) -> dict[str, list]:
        """Its columns when it does not run: an empty list per row for list columns, else ``None``.

        >>> RedactStep(enabled=False).off_values(2), EmbeddingStep.columns[0]
        ({'phi_redacted': [[], []]}, 'membership_embedding_distance')
        """
        from datasets import List

        return {
            c: [[] if isinstance(t, List) else None for _ in range(rows)] for c, t in self.features().items()
        }

    def run(self, state: GateState) -> None:
        raise NotImplementedError


class PhiScanStep(Step):
    name, columns = "phi", ("phi_types", "phi_spans")
    reasons = (PHI_ERROR, *(RejectReason.phi(entity) for entity in PHI_ENTITIES))

    def __init__(self, scanner: PhiScanner, *, batch_size: int) -> None:
        self.scanner, self.batch_size = scanner, batch_size

    def run(self, state: GateState) -> None:
        features = gate_features(state.ds, self.columns)
        state.ds = state.ds.map(
            self.scanner, batched=True, batch_size=self.batch_size, features=features, desc="PHI scan"
        )


class RedactStep(Step):
    name, columns = "redact", ("phi_redacted",)

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled

    def run(self, state: GateState) -> None:
        state.generated_texts = state.texts()
        features = gate_features(state.ds, self.columns)
        state.ds = state.ds.map(redact_batch, batched=True, features=features, desc="Redact")


class ReplayStep(Step):
    name, columns, reasons = "replay", ("phi_replay",), (PHI_REPLAY,)

    def __init__(self, index: ReplayIndex | None) -> None:
        self.index, self.enabled = index, index is not None

    def run(self, state: GateState) -> None:
        assert self.index is not None
        texts, before = state.texts(), state.generated_texts
        generated = self.index.types_in_batch(texts if before is None else before)
        state.added["phi_replay"] = generated if before is None else self.index.types_in_batch(texts)
        state.generated_replay = generated


class MembershipStep(Step):
    name, columns = "membership", MEMBERSHIP_COLUMNS
    reasons = (MEMBERSHIP_EXEMPLAR, MEMBERSHIP_NGRAM, MEMBERSHIP_SPAN, MEMBERSHIP_MINHASH, MEMBERSHIP_ROUGE_L)

    def __init__(self, checker: MembershipChecker) -> None:
        self.checker = checker

    def run(self, state: GateState) -> None:
        ds = state.ds
        exemplars = list(ds["exemplar_ids"]) if "exemplar_ids" in ds.column_names else None
        state.added |= self.checker.check_batch(state.texts(), exemplar_ids=exemplars)


class EmbeddingStep(Step):
    name, columns, reasons = "embedding", EMBEDDING_COLUMNS, (MEMBERSHIP_EMBEDDING,)

    def __init__(
        self,
        settings: GateSettings,
        reference: tuple[Sequence[str], Sequence[str]],
        holdout_texts: Sequence[str] | None,
        embed: Callable[[list[str]], np.ndarray] | None,
    ) -> None:
        self.enabled, self.percentile = settings.embedding_check, settings.embedding_percentile
        self.reference, self.holdout, self.embed = reference, holdout_texts or [], embed

    def run(self, state: GateState) -> None:
        texts, ids = self.reference
        neighbours = EmbeddingNeighbours.build(
            texts, ids, self.holdout, embed=self.embed, percentile=self.percentile
        )
        state.added |= neighbours.check(state.texts())
        state.embedding_threshold = neighbours.threshold
        state.embedded = int(neighbours.cost["texts_embedded"])


class DecisionStep(Step):
    name, columns, reasons = "decision", (REJECT_REASONS,), (EMPTY,)

    def __init__(self, settings: GateSettings) -> None:
        self.settings = settings

    def run(self, state: GateState) -> None:
        from datasets import Dataset, Features, concatenate_datasets

        types = gate_column_types()
        added = Dataset.from_dict(state.added, features=Features({c: types[c] for c in state.added}))
        ds = concatenate_datasets([state.ds, added], axis=1)
        state.added = {}
        decide = functools.partial(
            reject_reasons, settings=self.settings, embedding_threshold=state.embedding_threshold
        )
        features = gate_features(ds, self.columns)
        ds = ds.map(decide, batched=True, batch_size=1000, features=features, desc="Gate decision")
        state.ds = ds
