"""The request plan: one row per synthetic report to write.

The plan is a pure function of the real split's ids/labels/texts, the quota and a seed, so it is the
same however it is later batched or split across processes. Each row gets its own seed (derived by
hashing, not from a shared RNG stream), sampled patient attributes (age band, sex, setting), case
attributes (severity, comorbidity, referral source, writing style) and few-shot exemplars drawn from the
real rows of its code, so two rows of one code ask for different patients written differently.

Example:
    >>> plan = make_plan(
    ...     ids=["r1", "r2", "r3"], codes=["F32.1", "F32.1", "F41.1"],
    ...     texts=["a", "b", "c"], per_label=2, n_exemplars=1, seed=0,
    ... )
    >>> plan["code"], plan["request_id"][0]
    (['F32.1', 'F32.1', 'F41.1', 'F41.1'], 'F32.1-00000')
    >>> len(plan["exemplar_ids"][0]), plan["attributes"][0]["severity"]
    (1, 'moderate')
"""

from __future__ import annotations

import hashlib
import heapq
import random
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from hf_synthmh import icd10
from hf_synthmh.contracts import PLAN_COLUMNS, Level, choices, plan_features

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = [
    "ATTRIBUTES",
    "CASE_ATTRIBUTES",
    "LEVELS",
    "PLAN_ATTRIBUTES",
    "case_attributes",
    "group_of",
    "make_plan",
    "plan_dataset",
    "quota",
]

#: Patient attributes sampled per request, so rows of one code describe different patients. The demo
#: model is trained on prompts showing exactly these (see :func:`hf_synthmh.prompts.render_plain`).
ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "age_band": ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-89"),
    "sex": ("female", "male"),
    "setting": ("outpatient clinic", "inpatient ward", "emergency department", "community team"),
}

# Comorbidity -> code prefixes it is not offered with (it would restate the primary diagnosis).
_COMORBIDITIES: Mapping[str, tuple[str, ...]] = {
    "none": (),
    "harmful alcohol use": ("F10",),
    "cannabis use": ("F12",),
    "tobacco smoking": ("F17",),
    "insomnia": ("F51",),
    "anxiety symptoms": ("F40", "F41", "F42", "F43"),
    "depressive symptoms": ("F31", "F32", "F33", "F34"),
    "ADHD": ("F90",),
    "chronic pain": (),
    "type 2 diabetes": (),
    "hypertension": (),
    "asthma": (),
}
_SEVERITIES = ("mild", "moderate", "severe")

#: Case attributes sampled per request (shown in the chat prompt only). ``severity`` is fixed by the
#: code's title when the title names one ("moderate", "severe", "in remission"), else drawn; a
#: ``comorbidity`` that restates the primary diagnosis (alcohol use for F10) is never drawn.
CASE_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "severity": (*_SEVERITIES, "in remission"),
    "comorbidity": tuple(_COMORBIDITIES),
    "referral_source": (
        "general practitioner",
        "emergency department",
        "community mental health team",
        "self-referral",
        "occupational health",
        "acute medical team",
        "criminal justice liaison service",
    ),
    "style": ("narrative", "terse bullet points", "structured consultant letter"),
}
#: Every key of a plan row's ``attributes``, in column order (:data:`~hf_synthmh.contracts.PLAN_ATTRIBUTE_KEYS`).
PLAN_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {**ATTRIBUTES, **CASE_ATTRIBUTES}

#: Levels of the ICD-10 hierarchy a quota can count at (:data:`hf_synthmh.contracts.Level`).
LEVELS: tuple[str, ...] = choices(Level)


def group_of(code: str, level: Level = "code") -> str:
    """The quota group of ``code``: itself, its 3-character category or its block.

    >>> group_of("F43.10"), group_of("F43.10", "category"), group_of("F43.10", "block")
    ('F43.10', 'F43', 'F40-F48')
    """
    if level == "code":
        return code
    if level == "category":
        return icd10.normalize(code)[:3]
    if level == "block":
        return icd10.chapter_block(code)
    raise ValueError(f"level must be one of {LEVELS}, got {level!r}")


def quota(
    codes: Sequence[str],
    *,
    per_label: int | None = None,
    target_per_label: int | None = None,
    level: Level = "code",
) -> dict[str, int]:
    """Synthetic rows to write per code (every code of ``codes``, sorted).

    ``per_label=k`` writes k per group; ``target_per_label=N`` tops every group up to N rows, real plus
    synthetic, so rare groups gain most. Exactly one must be given. A group is a code (``level="code"``),
    its 3-character category (``"category"``: F32.0 and F32.1 count together under F32) or its block
    (``"block"``: F30-F39). A group's rows are spread over its codes present in ``codes`` by filling the
    emptiest first: each row goes to the code with the fewest rows so far (real plus synthetic already
    assigned), ties to the smaller code. Raising the quota only adds rows.

    >>> quota(["F32.1"] * 5 + ["F41.1"], target_per_label=4)
    {'F32.1': 0, 'F41.1': 3}
    >>> quota(["F32.0"] + ["F32.1"] * 4 + ["F41.1"], target_per_label=8, level="category")
    {'F32.0': 3, 'F32.1': 0, 'F41.1': 7}
    """
    if (per_label is None) == (target_per_label is None):
        raise ValueError("give exactly one of per_label or target_per_label")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    wanted = per_label if per_label is not None else target_per_label
    assert wanted is not None
    if wanted < 0:
        name = "per_label" if per_label is not None else "target_per_label"
        raise ValueError(f"{name} must be >= 0, got {wanted}")
    counts = Counter(codes)
    groups: dict[str, list[str]] = defaultdict(list)
    for code in sorted(counts):
        groups[group_of(code, level)].append(code)
    out = {code: 0 for code in sorted(counts)}
    for members in groups.values():
        real = sum(counts[c] for c in members)
        need = wanted if per_label is not None else max(0, wanted - real)
        heap = [(counts[c], c) for c in members]
        heapq.heapify(heap)
        for _ in range(need):
            n, code = heapq.heappop(heap)
            out[code] += 1
            heapq.heappush(heap, (n + 1, code))
    return out


def _row_seed(seed: int, code: str, index: int) -> int:
    digest = hashlib.sha256(f"{seed}:{code}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def case_attributes(code: str, title: str, row_seed: int) -> dict[str, str]:
    """The case attributes of one request, drawn from its row seed (see :data:`CASE_ATTRIBUTES`).

    >>> case = case_attributes("F10.20", "Alcohol dependence, uncomplicated", 7)
    >>> sorted(case), case["comorbidity"] != "harmful alcohol use"
    (['comorbidity', 'referral_source', 'severity', 'style'], True)
    >>> case_attributes("F33.1", "Major depressive disorder, recurrent, moderate", 7)["severity"]
    'moderate'
    """
    rng = random.Random(f"{row_seed}:case")
    low = title.lower()
    named = [s for s in _SEVERITIES if re.search(rf"\b{s}\b", low)]
    severity = "in remission" if "remission" in low else rng.choice(named or _SEVERITIES)
    allowed = [c for c, skip in _COMORBIDITIES.items() if not code.startswith(skip)]
    return {
        "severity": severity,
        "comorbidity": rng.choice(allowed),
        "referral_source": rng.choice(CASE_ATTRIBUTES["referral_source"]),
        "style": rng.choice(CASE_ATTRIBUTES["style"]),
    }


def make_plan(
    *,
    ids: Sequence[str],
    codes: Sequence[str],
    texts: Sequence[str],
    per_label: int | None = None,
    target_per_label: int | None = None,
    level: Level = "code",
    n_exemplars: int = 0,
    seed: int = 0,
) -> dict[str, list]:
    """Build the plan as plain columns (:data:`hf_synthmh.contracts.PLAN_COLUMNS`).

    ``ids``, ``codes`` and ``texts`` are the real rows the plan draws exemplars from; codes are
    validated and normalised. Quotas as in :func:`quota`. Rows come out sorted by code, then by index
    within the code; row ``i`` of a code is the same whatever the quota, so raising it appends rows.
    Exemplars are ``n_exemplars`` distinct real rows of the same code (fewer if the code has fewer),
    drawn per row from its seed, so they rotate over the code's reports; their ids are recorded.
    """
    if not (len(ids) == len(codes) == len(texts)):
        raise ValueError(f"ids, codes and texts differ in length: {len(ids)}, {len(codes)}, {len(texts)}")
    if n_exemplars < 0:
        raise ValueError(f"n_exemplars must be >= 0, got {n_exemplars}")
    norm = icd10.validate(codes)
    by_code: dict[str, list[int]] = defaultdict(list)
    for row, code in enumerate(norm):
        by_code[code].append(row)
    wanted = quota(norm, per_label=per_label, target_per_label=target_per_label, level=level)

    columns: dict[str, list] = {k: [] for k in PLAN_COLUMNS}
    for code, k in wanted.items():
        title = icd10.title(code)
        pool = by_code[code]
        for index in range(k):
            row_seed = _row_seed(seed, code, index)
            rng = random.Random(row_seed)
            attributes = {name: rng.choice(values) for name, values in ATTRIBUTES.items()}
            attributes.update(case_attributes(code, title, row_seed))
            chosen = rng.sample(pool, min(n_exemplars, len(pool)))
            columns["request_id"].append(f"{code}-{index:05d}")
            columns["code"].append(code)
            columns["title"].append(title)
            columns["seed"].append(row_seed)
            columns["attributes"].append(attributes)
            columns["exemplar_ids"].append([ids[i] for i in chosen])
            columns["exemplar_texts"].append([texts[i] for i in chosen])
    return columns


def plan_dataset(
    real: Dataset,
    *,
    per_label: int | None = None,
    target_per_label: int | None = None,
    level: Level = "code",
    n_exemplars: int = 0,
    seed: int = 0,
) -> Dataset:
    """:func:`make_plan` over a real ``Dataset`` with ``id``, ``text`` and ``label`` columns."""
    from datasets import Dataset

    from hf_synthmh.io import codes_of

    columns = make_plan(
        ids=real["id"],
        codes=codes_of(real),
        texts=real["text"],
        per_label=per_label,
        target_per_label=target_per_label,
        level=level,
        n_exemplars=n_exemplars,
        seed=seed,
    )
    return Dataset.from_dict(columns, features=plan_features())
