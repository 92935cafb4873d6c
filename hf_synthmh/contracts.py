"""What each stage reads and writes: column names, ``datasets.Features``, error values and the choices
the CLI offers. One file, so a reader finds every stage's contract here and no string is built in one
stage and parsed in another.

Data flow: real ``DatasetDict`` -> plan -> generate -> gate -> metrics -> card/publish. Every step is a
plain batch function ``dict[str, list] -> dict[str, list]`` or a small callable class (settings and a
lazily loaded model) usable in ``Dataset.map(batched=True)``.

Only the standard library is imported at module level; :func:`plan_features` and
:func:`published_features` import ``datasets`` when called.

Example:
    >>> str(GenerationError.missing_sections(["risk", "plan"]))
    'malformed:missing_sections=risk,plan'
    >>> GenerationError.parse("malformed:missing_sections=risk,plan").kind
    'malformed:missing_sections'
    >>> choices(Level)
    ('code', 'category', 'block')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, get_args

if TYPE_CHECKING:
    from datasets import ClassLabel, Dataset, Features

__all__ = [
    "EMBEDDING_COLUMNS",
    "EMPTY",
    "GATE_COLUMNS",
    "GENERATION_COLUMNS",
    "MEMBERSHIP_COLUMNS",
    "MEMBERSHIP_EMBEDDING",
    "MEMBERSHIP_EXEMPLAR",
    "MEMBERSHIP_MINHASH",
    "MEMBERSHIP_NGRAM",
    "MEMBERSHIP_ROUGE_L",
    "MEMBERSHIP_SPAN",
    "PHI_COLUMNS",
    "PHI_ERROR",
    "PHI_POLICIES",
    "PHI_REPLAY",
    "PLAN_ATTRIBUTE_KEYS",
    "PLAN_COLUMNS",
    "PLAN_INPUT_COLUMNS",
    "PUBLISHED_COLUMNS",
    "REAL_COLUMNS",
    "REJECT_REASONS",
    "REQUIRED_PUBLISHED_COLUMNS",
    "BackendKind",
    "ClassifierName",
    "EmbedName",
    "GenerationError",
    "Level",
    "PhiPolicy",
    "RejectReason",
    "choices",
    "gate_column_types",
    "gate_features",
    "plan_features",
    "published_features",
]


def choices(literal: Any) -> tuple[str, ...]:
    """The values of a ``Literal`` type, in order: what a CLI option accepts.

    >>> choices(PhiPolicy)
    ('drop', 'redact')
    """
    return tuple(str(v) for v in get_args(literal))


# ---- real data ----
#: Columns of a real split (``hf_synthmh.io.read_table``, ``hf_synthmh.demo.corpus.load_demo_corpus``):
#: ``id: string``, ``text: string``, ``label: ClassLabel`` whose names are ICD-10 codes ("F32.1").
REAL_COLUMNS: tuple[str, ...] = ("id", "text", "label")


# ---- plan ----
#: Levels of the ICD-10 hierarchy a quota can count at (:func:`hf_synthmh.plan.group_of`).
Level = Literal["code", "category", "block"]
#: Columns of a plan row (:func:`hf_synthmh.plan.make_plan`), one row per report to write:
#: ``request_id`` ("F32.1-00000"), ``code``, ``title`` (ICD-10 title), ``seed`` (0..2**31-1),
#: ``attributes`` ({name: value}, keys :data:`PLAN_ATTRIBUTE_KEYS`), ``exemplar_ids`` and
#: ``exemplar_texts`` (real rows of the code shown as style examples; ``[]`` without exemplars).
PLAN_COLUMNS: tuple[str, ...] = (
    "request_id",
    "code",
    "title",
    "seed",
    "attributes",
    "exemplar_ids",
    "exemplar_texts",
)
#: Keys of a plan row's ``attributes``, in column order: patient (age band, sex, setting, the only ones
#: the plain prompt shows) then case attributes (chat prompt only).
PLAN_ATTRIBUTE_KEYS: tuple[str, ...] = (
    "age_band",
    "sex",
    "setting",
    "severity",
    "comorbidity",
    "referral_source",
    "style",
)


def plan_features() -> Features:
    """The ``datasets.Features`` of a plan (:func:`hf_synthmh.plan.plan_dataset`).

    >>> list(plan_features()) == list(PLAN_COLUMNS)
    True
    """
    from datasets import Features, List, Value

    return Features(
        {
            "request_id": Value("string"),
            "code": Value("string"),
            "title": Value("string"),
            "seed": Value("int64"),
            "attributes": {name: Value("string") for name in PLAN_ATTRIBUTE_KEYS},
            "exemplar_ids": List(Value("string")),
            "exemplar_texts": List(Value("string")),
        }
    )


# ---- generate ----
#: Plan columns the generator needs (``exemplar_ids`` is read when present, for cache keys).
PLAN_INPUT_COLUMNS: tuple[str, ...] = ("code", "title", "attributes", "exemplar_texts", "seed")
#: Columns the generator adds to every plan row (it never drops or reorders rows): ``text`` (the report,
#: reasoning removed, stripped; ``""`` when no attempt gave a usable report), ``reasoning`` (``""`` if
#: none), ``model`` (backend name), ``prompt_hash`` (16 hex chars), ``generation_error`` (``""`` or
#: ``str(GenerationError)``) and ``attempts`` (1..max_attempts).
GENERATION_COLUMNS: tuple[str, ...] = (
    "text",
    "reasoning",
    "model",
    "prompt_hash",
    "generation_error",
    "attempts",
)


@dataclass(frozen=True)
class GenerationError:
    """Why a completion is not a usable report; ``str()`` is the ``generation_error`` column's value.

    ``kind`` is ``"empty"`` (no report text), ``"malformed:missing_sections"`` (with
    ``require_sections``, ``missing`` names the absent section keys) or ``"request_failed"`` (the
    backend's request failed for good after its own retries; ``reason`` says how, without content).
    :meth:`parse` reads a column value back; :attr:`kind` is what failure counts are grouped by.

    >>> str(GenerationError.empty()), GenerationError.parse("").kind
    ('empty', '')
    >>> GenerationError.parse("malformed:missing_sections=risk,plan").missing
    ('risk', 'plan')
    >>> str(GenerationError.request_failed("HTTP 503")), GenerationError.parse("request_failed=HTTP 503").reason
    ('request_failed=HTTP 503', 'HTTP 503')
    """

    kind: str
    missing: tuple[str, ...] = ()
    reason: str = ""

    EMPTY: ClassVar[str] = "empty"
    MISSING_SECTIONS: ClassVar[str] = "malformed:missing_sections"
    REQUEST_FAILED: ClassVar[str] = "request_failed"

    @classmethod
    def empty(cls) -> GenerationError:
        return cls(cls.EMPTY)

    @classmethod
    def missing_sections(cls, sections: Sequence[str]) -> GenerationError:
        return cls(cls.MISSING_SECTIONS, tuple(sections))

    @classmethod
    def request_failed(cls, reason: str) -> GenerationError:
        return cls(cls.REQUEST_FAILED, reason=reason)

    @classmethod
    def parse(cls, value: str) -> GenerationError:
        """The error a ``generation_error`` value holds (``kind=""`` for ``""``: no error)."""
        kind, _, rest = value.partition("=")
        if kind == cls.REQUEST_FAILED:
            return cls(kind, reason=rest)
        return cls(kind, tuple(s for s in rest.split(",") if s))

    def __str__(self) -> str:
        if self.kind == self.MISSING_SECTIONS:
            return f"{self.kind}={','.join(self.missing)}"
        if self.kind == self.REQUEST_FAILED:
            return f"{self.kind}={self.reason}"
        return self.kind


# ---- gate ----
# Columns the publishing gate (hf_synthmh.gate) adds to a synthetic Dataset, their feature types, its
# PHI policies and the reasons a row is rejected. Every gate column describes real reports: drop
# GATE_COLUMNS from kept rows before publishing.

#: PHI policies of the gate: ``drop`` rejects a row with any finding, ``redact`` replaces findings.
PhiPolicy = Literal["drop", "redact"]
PHI_POLICIES: tuple[str, ...] = get_args(PhiPolicy)

#: Columns of the PHI steps: the scan (types, spans), the redaction and the replay check.
PHI_COLUMNS: tuple[str, ...] = ("phi_types", "phi_spans", "phi_redacted", "phi_replay")
#: Columns of the membership check, in order.
MEMBERSHIP_COLUMNS: tuple[str, ...] = (
    "membership_containment",
    "membership_longest_span",
    "membership_unique_span",
    "membership_nearest_id",
    "membership_rouge_l",
    "membership_minhash_jaccard",
    "membership_exemplar_id",
    "membership_exemplar_containment",
    "membership_exemplar_span",
)
#: Columns of the (optional) embedding-neighbour check.
EMBEDDING_COLUMNS: tuple[str, ...] = ("membership_embedding_distance", "membership_embedding_id")
#: The decision column: the reasons a row is rejected (``str`` of :class:`RejectReason`); ``[]`` = kept.
REJECT_REASONS = "reject_reasons"
#: Every column the gate adds, in order.
GATE_COLUMNS: tuple[str, ...] = (*PHI_COLUMNS, *MEMBERSHIP_COLUMNS, *EMBEDDING_COLUMNS, REJECT_REASONS)


def gate_column_types() -> dict[str, Any]:
    """The ``datasets`` feature type of every column of :data:`GATE_COLUMNS`, in that order.

    >>> gate_column_types()["membership_longest_span"]
    Value('int64')
    """
    from datasets import List, Value

    span = {
        "type": Value("string"),
        "start": Value("int64"),
        "end": Value("int64"),
        "score": Value("float64"),
    }
    f64, i64, text, texts = Value("float64"), Value("int64"), Value("string"), List(Value("string"))
    types: dict[str, Any] = {"phi_types": texts, "phi_spans": List(span), "phi_redacted": texts}
    types["phi_replay"] = texts
    types |= dict(zip(MEMBERSHIP_COLUMNS, (f64, i64, i64, text, f64, f64, text, f64, i64), strict=True))
    types |= {"membership_embedding_distance": f64, "membership_embedding_id": text, REJECT_REASONS: texts}
    return types


def gate_features(ds: Dataset, columns: Sequence[str] = GATE_COLUMNS) -> Features:
    """``ds.features`` plus the gate's types for ``columns``. Pass it as ``features=`` to
    ``Dataset.map``: otherwise a first batch with no findings types ``phi_types`` as a list of nulls
    and a later batch with findings fails to cast.

    >>> from datasets import Dataset
    >>> ds = Dataset.from_dict({"text": ["F32.1"]})
    >>> gate_features(ds, ["phi_types"])["phi_types"]
    List(Value('string'))
    """
    from datasets import Features

    types = gate_column_types()
    return Features({**ds.features, **{c: types[c] for c in columns}})


RejectCheck = Literal["empty", "phi", "membership"]


@dataclass(frozen=True, order=True)
class RejectReason:
    """Why the gate rejects a row: the check that fired and, for most, a detail. ``str()`` is the value
    written in ``reject_reasons``, ``scan_report.json`` and the card (``"phi:PERSON"``);
    :meth:`parse` reads it back.

    >>> str(RejectReason.phi("PERSON")), str(EMPTY), str(MEMBERSHIP_SPAN)
    ('phi:PERSON', 'empty', 'membership:span')
    >>> RejectReason.parse("phi:replay") == PHI_REPLAY
    True
    """

    check: RejectCheck
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.check}:{self.detail}" if self.detail else self.check

    @classmethod
    def phi(cls, entity: str) -> RejectReason:
        """``phi:<TYPE>``: a PHI entity of that type was found (and, under ``redact``, not replaced)."""
        return cls("phi", entity)

    @classmethod
    def parse(cls, value: str) -> RejectReason:
        """The reason written as ``value``; ValueError for an unknown check."""
        check, _, detail = value.partition(":")
        if check not in get_args(RejectCheck):
            raise ValueError(f"not a reject reason: {value!r}")
        return cls(check, detail)  # type: ignore[arg-type]


#: Blank text.
EMPTY = RejectReason("empty")
#: The PHI scan (or the redaction) raised on the row (fail closed).
PHI_ERROR = RejectReason("phi", "error")
#: The row repeats an identifier value found in the real reports.
PHI_REPLAY = RejectReason("phi", "replay")
#: The row copies one of the real reports shown in its prompt (its ``exemplar_ids``).
MEMBERSHIP_EXEMPLAR = RejectReason("membership", "exemplar")
#: Too much of the row lies in passages shared with one real report.
MEMBERSHIP_NGRAM = RejectReason("membership", "ngram")
#: One long passage is shared with one real report (or a shorter one worded as in that report only).
MEMBERSHIP_SPAN = RejectReason("membership", "span")
#: Near duplicate of one real report (Jaccard of rare word shingles).
MEMBERSHIP_MINHASH = RejectReason("membership", "minhash")
#: Near duplicate of one real report (ROUGE-L F1 with the real report sharing most rare n-grams).
MEMBERSHIP_ROUGE_L = RejectReason("membership", "rouge_l")
#: Closer in embedding space to a real report than the real holdout reports are to theirs.
MEMBERSHIP_EMBEDDING = RejectReason("membership", "embedding")


# ---- publish ----
#: Columns of a published synthetic row: the report, its label and its provenance. Nothing else.
PUBLISHED_COLUMNS: tuple[str, ...] = (
    "id",
    "text",
    "label",
    "is_synthetic",
    "model",
    "prompt_hash",
    "seed",
    "exemplar_ids",
)
#: The published columns every published parquet file must have: the report, its label and provenance.
REQUIRED_PUBLISHED_COLUMNS: tuple[str, ...] = tuple(c for c in PUBLISHED_COLUMNS if c != "exemplar_ids")


def published_features(label: ClassLabel) -> Features:
    """The ``datasets.Features`` of the published rows, with the real split's ``label``.

    >>> from datasets import ClassLabel
    >>> list(published_features(ClassLabel(names=["F32.1"]))) == list(PUBLISHED_COLUMNS)
    True
    """
    from datasets import Features, List, Value

    return Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "label": label,
            "is_synthetic": Value("bool"),
            "model": Value("string"),
            "prompt_hash": Value("string"),
            "seed": Value("int64"),
            "exemplar_ids": List(Value("string")),
        }
    )


# ---- metrics ----
#: Utility classifiers by name (``hf_synthmh.metrics.utility.make_classifier``).
ClassifierName = Literal["tfidf_lr", "transformer"]
#: Embeddings by name (``hf_synthmh.metrics.report.resolve_embed``): bundled MiniLM or hashed words.
EmbedName = Literal["minilm", "hashed"]


# ---- cli choices ----
#: Backends the CLI and :func:`hf_synthmh.backends.make_backend` build.
BackendKind = Literal["transformers", "endpoint", "vllm"]
