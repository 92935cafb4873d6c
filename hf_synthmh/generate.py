"""``Generator``: plan rows in, one synthetic report per row out, for ``Dataset.map(batched=True)``.

It reads the plan columns ``code``, ``title``, ``attributes``, ``exemplar_texts`` and ``seed`` and adds
``text`` (the report, reasoning removed, stripped; ``""`` when nothing usable came back), ``reasoning``,
``model`` and ``prompt_hash`` (see ``docs/contracts.md``). Rows are never dropped or reordered.

A ``Generator`` pickles to its settings only (the backend drops its loaded model), so ``datasets``
fingerprints ``plan.map(generator, ...)`` from the plan, the backend settings and the sampling settings:
rerunning with the same inputs reuses the cache, changing any of them recomputes. Each row's text depends
only on its own prompt and seed, so ``batch_size`` and ``num_proc`` do not change the output.

Example:
    >>> class Echo:
    ...     name = "echo"
    ...     def generate(self, requests, *, seeds, sampling):
    ...         return [f"<think>hmm</think>Report for seed {s}" for s in seeds]
    >>> out = Generator(backend=Echo())({
    ...     "code": ["F32.1"], "title": ["Major depressive disorder, single episode, moderate"],
    ...     "attributes": [{"age_band": "35-44", "sex": "female", "setting": "inpatient ward"}],
    ...     "exemplar_texts": [[]], "seed": [7],
    ... })
    >>> out["text"], out["reasoning"], out["model"], len(out["prompt_hash"][0])
    (['Report for seed 7'], ['hmm'], ['echo'], 16)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hf_synthmh.backends.base import Backend, SamplingSettings
from hf_synthmh.prompts import TEMPLATE_NAME, build_request, prompt_hash, split_reasoning

logger = logging.getLogger(__name__)

__all__ = ["OUTPUT_COLUMNS", "PLAN_COLUMNS", "Generator"]

#: Plan columns the generator reads.
PLAN_COLUMNS = ("code", "title", "attributes", "exemplar_texts", "seed")
#: Columns the generator adds.
OUTPUT_COLUMNS = ("text", "reasoning", "model", "prompt_hash")


@dataclass(frozen=True, kw_only=True)
class Generator:
    """Write one report per plan row with ``backend``, sampling with ``sampling``.

    ``prompt_hash`` is the hash of the chat messages of the row's request (the plain prompt is rendered
    from the same fields), so it identifies the prompt whatever form the backend sent.
    """

    backend: Backend
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    template_name: ClassVar[str] = TEMPLATE_NAME

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        missing = [c for c in PLAN_COLUMNS if c not in batch]
        if missing:
            raise KeyError(f"plan batch lacks columns {missing}; got {sorted(batch)}")
        n = len(batch["code"])
        requests = [
            build_request(
                code=batch["code"][i],
                title=batch["title"][i],
                attributes=batch["attributes"][i] or {},
                exemplars=batch["exemplar_texts"][i] or [],
            )
            for i in range(n)
        ]
        seeds: Sequence[int] = [int(s) for s in batch["seed"]]
        raw = self.backend.generate(requests, seeds=seeds, sampling=self.sampling)
        if len(raw) != n:
            raise RuntimeError(f"backend {self.backend.name!r} returned {len(raw)} completions for {n} rows")
        split = [split_reasoning(r or "") for r in raw]
        n_empty = sum(1 for text, _ in split if not text)
        if n_empty:
            logger.warning("%d of %d completions held no report text", n_empty, n)
        out: dict[str, list[Any]] = dict(batch)
        out["text"] = [text for text, _ in split]
        out["reasoning"] = [reasoning for _, reasoning in split]
        out["model"] = [self.backend.name] * n
        out["prompt_hash"] = [prompt_hash(r.messages) for r in requests]
        return out
