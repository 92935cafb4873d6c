"""The request plan: one row per synthetic report to write.

The plan is a pure function of the real split's ids/labels/texts, the quota and a seed, so it is the
same however it is later batched or split across processes. Each row gets its own seed (derived by
hashing, not from a shared RNG stream), sampled patient attributes and few-shot exemplars rotated from
the real rows of its code, so two rows of one code ask for different patients.

Example:
    >>> plan = make_plan(
    ...     ids=["r1", "r2", "r3"], codes=["F32.1", "F32.1", "F41.1"],
    ...     texts=["a", "b", "c"], per_label=2, n_exemplars=1, seed=0,
    ... )
    >>> plan["code"], plan["request_id"][0]
    (['F32.1', 'F32.1', 'F41.1', 'F41.1'], 'F32.1-00000')
    >>> len(plan["exemplar_ids"][0])
    1
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from hf_synthmh import icd10

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = ["ATTRIBUTES", "make_plan", "plan_dataset", "quota"]

#: Patient attributes sampled per request, so rows of one code describe different patients.
ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "age_band": ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-89"),
    "sex": ("female", "male"),
    "setting": ("outpatient clinic", "inpatient ward", "emergency department", "community team"),
}


def quota(
    codes: Sequence[str], *, per_label: int | None = None, target_per_label: int | None = None
) -> dict[str, int]:
    """Synthetic rows to write per code.

    ``per_label=k`` writes k for every code; ``target_per_label=N`` tops every code up to N rows, real
    plus synthetic, so rare codes gain most. Exactly one must be given.

    >>> quota(["F32.1"] * 5 + ["F41.1"], target_per_label=4)
    {'F32.1': 0, 'F41.1': 3}
    """
    if (per_label is None) == (target_per_label is None):
        raise ValueError("give exactly one of per_label or target_per_label")
    counts = Counter(codes)
    if per_label is not None:
        if per_label < 0:
            raise ValueError(f"per_label must be >= 0, got {per_label}")
        return {code: per_label for code in sorted(counts)}
    assert target_per_label is not None
    if target_per_label < 0:
        raise ValueError(f"target_per_label must be >= 0, got {target_per_label}")
    return {code: max(0, target_per_label - n) for code, n in sorted(counts.items())}


def _row_seed(seed: int, code: str, index: int) -> int:
    digest = hashlib.sha256(f"{seed}:{code}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def make_plan(
    *,
    ids: Sequence[str],
    codes: Sequence[str],
    texts: Sequence[str],
    per_label: int | None = None,
    target_per_label: int | None = None,
    n_exemplars: int = 0,
    seed: int = 0,
) -> dict[str, list]:
    """Build the plan as plain columns (see ``docs/contracts.md`` for the schema).

    ``ids``, ``codes`` and ``texts`` are the real rows the plan draws exemplars from; codes are
    validated and normalised. Rows come out sorted by code, then by index within the code.
    """
    if not (len(ids) == len(codes) == len(texts)):
        raise ValueError(f"ids, codes and texts differ in length: {len(ids)}, {len(codes)}, {len(texts)}")
    if n_exemplars < 0:
        raise ValueError(f"n_exemplars must be >= 0, got {n_exemplars}")
    norm = icd10.validate(codes)
    by_code: dict[str, list[int]] = defaultdict(list)
    for row, code in enumerate(norm):
        by_code[code].append(row)
    wanted = quota(norm, per_label=per_label, target_per_label=target_per_label)

    columns: dict[str, list] = {
        k: [] for k in ("request_id", "code", "title", "seed", "attributes", "exemplar_ids", "exemplar_texts")
    }
    for code, k in wanted.items():
        title = icd10.title(code)
        pool = by_code[code]
        for index in range(k):
            row_seed = _row_seed(seed, code, index)
            rng = random.Random(row_seed)
            attributes = {name: rng.choice(values) for name, values in ATTRIBUTES.items()}
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
    n_exemplars: int = 0,
    seed: int = 0,
) -> Dataset:
    """:func:`make_plan` over a real ``Dataset`` with ``id``, ``text`` and ``label`` columns."""
    from datasets import Dataset, Features, List, Value

    from hf_synthmh.io import codes_of

    columns = make_plan(
        ids=real["id"],
        codes=codes_of(real),
        texts=real["text"],
        per_label=per_label,
        target_per_label=target_per_label,
        n_exemplars=n_exemplars,
        seed=seed,
    )
    features = Features(
        {
            "request_id": Value("string"),
            "code": Value("string"),
            "title": Value("string"),
            "seed": Value("int64"),
            "attributes": {name: Value("string") for name in ATTRIBUTES},
            "exemplar_ids": List(Value("string")),
            "exemplar_texts": List(Value("string")),
        }
    )
    return Dataset.from_dict(columns, features=features)
