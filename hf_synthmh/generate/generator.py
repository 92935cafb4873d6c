"""``Generator``: plan rows in, one synthetic report per row out, for ``Dataset.map(batched=True)``.

It reads the plan columns :data:`~hf_synthmh.contracts.PLAN_INPUT_COLUMNS` (and ``exemplar_ids`` when
present) and adds :data:`~hf_synthmh.contracts.GENERATION_COLUMNS`: ``text`` (the report, reasoning
removed, stripped; ``""`` when no attempt gave a usable report), ``reasoning``, ``model``, ``prompt_hash``,
``generation_error`` (``""`` or a :class:`~hf_synthmh.contracts.GenerationError`) and ``attempts``. Rows
are never dropped or reordered, so the row count does not depend on ``batch_size``.

Checking and retrying: a completion with no report text is malformed (``"empty"``), and with
``require_sections=True`` so is one that lacks any of the expected sections
(``"malformed:missing_sections=risk,plan"``, see :func:`hf_synthmh.sections.missing_sections`). A malformed
row is asked again with the derived seed :func:`retry_seed` (``seed`` itself on the first attempt), up to
``max_attempts`` times in all; if every attempt fails the row keeps ``text=""`` and the last error. A
request the backend gave up on (server errors or timeouts after its own retries, a server that is down;
backends that can tell, see :class:`~hf_synthmh.backends.base.SupportsGenerateEach`) leaves its row
failed with ``"request_failed=<reason>"`` and the others go on; run again to ask for it anew.

Resuming: with ``cache_dir`` every completion is stored, as soon as the backend returns it, in a
:class:`~hf_synthmh.generate.cache.GenerationCache` keyed by backend, request, sampling settings, seed and exemplar
ids; each attempt looks there first and only misses reach the backend. A killed run started again
regenerates only what was not stored, and a rerun of later stages generates nothing.

A ``Generator`` pickles to its settings only (the backend drops its loaded model; the cache is opened
lazily and never pickled) plus a digest of the shipped prompt templates, so ``datasets`` fingerprints
``plan.map(generator, ...)`` from the plan, the backend, the settings and the prompts: rerunning with the
same inputs reuses the ``datasets`` cache, changing any of them recomputes. Each row's text depends only on
its own prompt and seeds, so ``batch_size`` and ``num_proc`` do not change the output.

Progress: :func:`~hf_synthmh.generate.run.generate_dataset` runs that same map with one bar of rows,
rows/s, retries, failed rows and cache hits, fed live by every batch of every process.

Example:
    >>> class Echo:
    ...     name = "echo"
    ...     def generate(self, requests, *, seeds, sampling):
    ...         return [f"<think>hmm</think>Report for seed {s}" for s in seeds]
    >>> out = Generator(backend=Echo(), require_sections=False)({
    ...     "code": ["F32.1"], "title": ["Major depressive disorder, single episode, moderate"],
    ...     "attributes": [{"age_band": "35-44", "sex": "female", "setting": "inpatient ward"}],
    ...     "exemplar_texts": [[]], "seed": [7],
    ... })
    >>> out["text"], out["reasoning"], out["model"], len(out["prompt_hash"][0]), out["attempts"]
    (['Report for seed 7'], ['hmm'], ['echo'], 16, [1])
    >>> out = Generator(backend=Echo(), max_attempts=2)({k: v for k, v in out.items()})
    >>> out["text"], out["generation_error"][0].split(",")[:2], out["attempts"]
    ([''], ['malformed:missing_sections=referral', 'history'], [2])
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from hf_synthmh.backends.base import (
    Backend,
    Request,
    RequestFailure,
    SamplingSettings,
    SupportsGenerateEach,
    split_reasoning,
)
from hf_synthmh.contracts import PLAN_INPUT_COLUMNS, GenerationError
from hf_synthmh.generate.cache import GenerationCache, backend_identity, cache_key
from hf_synthmh.generate.progress import report_progress
from hf_synthmh.prompts import USER_TEMPLATE, build_request, prompt_hash, prompts_digest
from hf_synthmh.sections import missing_sections

logger = logging.getLogger(__name__)

__all__ = ["RETRY_STEP", "Generator", "count_retries", "retry_seed"]

#: The large prime that spaces the seeds of successive attempts.
RETRY_STEP = 2_654_435_761


def retry_seed(seed: int, attempt: int) -> int:
    """The seed of attempt ``attempt`` (0-based) of a row: ``(seed + attempt * RETRY_STEP) mod 2**31``.

    >>> retry_seed(7, 0), retry_seed(7, 1), retry_seed(7, 1) != retry_seed(8, 1)
    (7, 506952120, True)
    """
    return (int(seed) + attempt * RETRY_STEP) % 2**31


def count_retries(attempts: Sequence[int]) -> int:
    """Attempts after the first, summed over rows: what the ``attempts`` column says about retries.

    >>> count_retries([1, 3, 2])
    3
    """
    return sum(int(a) for a in attempts) - len(attempts)


@dataclass(frozen=True, kw_only=True)
class Generator:
    """Write one report per plan row with ``backend``, sampling with ``sampling``.

    ``require_sections`` makes a report without every expected section a failed attempt;
    ``max_attempts`` (>= 1) bounds the attempts per row; ``cache_dir`` (a folder path, created on first
    use) turns on the resumable on-disk cache. ``prompt_hash`` is the hash of the chat messages of the
    row's request (the plain prompt is rendered from the same fields), so it identifies the prompt
    whatever form the backend sent.

    :attr:`stats` counts this process's work (rows, cache hits, backend requests, retries, failures);
    with ``num_proc`` the workers' counts stay in the workers, so derive totals from the ``attempts`` and
    ``generation_error`` columns instead.
    """

    backend: Backend
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    require_sections: bool = True
    max_attempts: int = 3
    cache_dir: str | None = None
    template_name: ClassVar[str] = USER_TEMPLATE
    _state: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.cache_dir is not None and not isinstance(self.cache_dir, str):
            object.__setattr__(self, "cache_dir", str(Path(self.cache_dir)))

    # -- pickling and hashing: settings (and the prompt files' digest) only, never the open cache -----
    def __getstate__(self) -> dict[str, Any]:
        state = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "_state"}
        state["prompts_digest"] = prompts_digest()
        return state

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        for f in fields(self):
            if f.name in state:
                object.__setattr__(self, f.name, state[f.name])
        object.__setattr__(self, "_state", {})

    @property
    def cache(self) -> GenerationCache | None:
        """The cache of ``cache_dir`` (opened on first use, when stale temporary files are removed), or
        ``None`` without one."""
        if self.cache_dir is None:
            return None
        if "cache" not in self._state:
            opened = GenerationCache(self.cache_dir)
            opened.remove_stale_temp_files()  # left by killed runs; an hour old, so no live writer's
            self._state["cache"] = opened
        cache: GenerationCache = self._state["cache"]
        return cache

    @property
    def stats(self) -> dict[str, int]:
        """Counters of this process: ``rows``, ``cache_hits``, ``generated`` (requests sent to the
        backend), ``retries`` (attempts after the first) and ``failed`` (rows left without text)."""
        counts: dict[str, int] = self._state.setdefault("stats", {})
        return {k: counts.get(k, 0) for k in ("rows", "cache_hits", "generated", "retries", "failed")}

    def _count(self, **increments: int) -> None:
        counts: dict[str, int] = self._state.setdefault("stats", {})
        for key, value in increments.items():
            counts[key] = counts.get(key, 0) + value

    def check(self, text: str) -> str:
        """Why ``text`` (reasoning already removed) is not a usable report, or ``""`` if it is.

        >>> Generator(backend=None, require_sections=False).check("")
        'empty'
        """
        if not text:
            return str(GenerationError.empty())
        if self.require_sections:
            missing = missing_sections(text)
            if missing:
                return str(GenerationError.missing_sections(missing))
        return ""

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        missing = [c for c in PLAN_INPUT_COLUMNS if c not in batch]
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
        seeds = [int(s) for s in batch["seed"]]
        exemplar_ids = [list(e or []) for e in batch.get("exemplar_ids") or [[]] * n]
        hashes = [prompt_hash(r.messages) for r in requests]
        cache, identity = self.cache, backend_identity(self.backend)
        backend_retries = _backend_retries(self.backend)
        text, reasoning, errors, attempts = [""] * n, [""] * n, [""] * n, [0] * n
        pending = list(range(n))
        hits = generated = 0
        live = [0]  # rows already reported to the progress bar from inside a backend call
        for attempt in range(self.max_attempts):
            if not pending:
                break
            seed_of = {i: retry_seed(seeds[i], attempt) for i in pending}
            raw: dict[int, str] = {}
            keys: dict[int, str] = {}
            if cache is not None:
                for i in pending:
                    keys[i] = cache_key(
                        backend=identity,
                        request=requests[i],
                        sampling=self.sampling,
                        seed=seed_of[i],
                        exemplar_ids=exemplar_ids[i],
                    )
                    hit = cache.get(keys[i])
                    if hit is not None:
                        raw[i] = hit
                hits += len(raw)
            misses = [i for i in pending if i not in raw]
            failures: dict[int, str] = {}
            verdicts: dict[int, tuple[str, str, str]] = {}  # row -> (report, reasoning, error)
            if misses:
                # each completion is stored as it arrives: a killed run loses none of them
                targets = [
                    (keys.get(i, ""), {"backend": identity, "seed": seed_of[i], "prompt_hash": hashes[i]})
                    for i in misses
                ]
                last = attempt + 1 == self.max_attempts
                checked: dict[int, tuple[str, str, str]] = {}  # completion j, checked once as it arrives
                store = functools.partial(self._store, cache, targets, checked, last=last, live=live)
                asked = [requests[i] for i in misses]
                out = _completions(self.backend, asked, [seed_of[i] for i in misses], self.sampling, store)
                generated += len(misses)
                for j, (i, completion) in enumerate(zip(misses, out, strict=True)):
                    if isinstance(completion, RequestFailure):
                        failures[i] = str(GenerationError.request_failed(completion.reason))
                    else:
                        raw[i] = completion or ""
                        if j in checked:
                            verdicts[i] = checked[j]
            still: list[int] = []
            for i in pending:
                if i in failures:  # the backend gave up on it: a rerun asks again with the same seed
                    attempts[i], errors[i] = attempt + 1, failures[i]
                    continue
                report, thought, error = verdicts.get(i) or self._verdict(raw[i])
                attempts[i], reasoning[i], errors[i] = attempt + 1, thought, error
                if not error:
                    text[i] = report
                elif attempt + 1 < self.max_attempts:
                    still.append(i)
            pending = still
        failed, retries = sum(1 for e in errors if e), count_retries(attempts)
        self._count(rows=n, cache_hits=hits, generated=generated, retries=retries, failed=failed)
        backend_retries = _backend_retries(self.backend) - backend_retries
        report_progress(
            rows=n - live[0], retries=retries, failed=failed, cache_hits=hits, backend_retries=backend_retries
        )
        logger.info(
            "generated %d rows: %d completions from the cache, %d from the backend, %d retries, %d failed",
            *(n, hits, generated, retries, failed),
        )
        if failed:
            logger.warning(
                "%d of %d rows have no usable report (at most %d attempts each)", failed, n, self.max_attempts
            )
        result: dict[str, list[Any]] = dict(batch)
        result.update(text=text, reasoning=reasoning, model=[self.backend.name] * n, prompt_hash=hashes)
        result.update(generation_error=errors, attempts=attempts)
        return result

    def _store(
        self,
        cache: GenerationCache | None,
        targets: Sequence[tuple[str, Mapping[str, Any]]],
        checked: dict[int, tuple[str, str, str]],
        j: int,
        completion: str,
        *,
        last: bool,
        live: list[int],
    ) -> None:
        """Store completion ``j`` (:func:`_put`), check it (into ``checked[j]``) and, when it ends its row
        (it passes the check, or it was the last attempt), move the progress bar by one row at once, not
        at the end of the call."""
        _put(cache, targets, j, completion)
        checked[j] = verdict = self._verdict(completion or "")
        if last or not verdict[2]:
            live[0] += 1
            report_progress(rows=1)

    def _verdict(self, raw: str) -> tuple[str, str, str]:
        """``(report, reasoning, error)`` of one raw completion; ``error`` is empty when it passes."""
        report, thought = split_reasoning(raw)
        return report, thought, self.check(report)


def _put(
    cache: GenerationCache | None, targets: Sequence[tuple[str, Mapping[str, Any]]], j: int, completion: str
) -> None:
    """Store completion ``j`` of a backend call under its key (``targets[j]``), when there is a cache."""
    if cache is not None:
        key, meta = targets[j]
        cache.put(key, completion or "", meta=meta)


def _completions(
    backend: Backend,
    requests: Sequence[Request],
    seeds: Sequence[int],
    sampling: SamplingSettings,
    store: Callable[[int, str], None],
) -> list[str | RequestFailure]:
    """One completion (or :class:`RequestFailure`) per request; each completion goes to ``store`` as it
    arrives where the backend can say so (:class:`SupportsGenerateEach`), else once the call returns."""
    out: list[str | RequestFailure]
    if isinstance(backend, SupportsGenerateEach):
        out = backend.generate_each(requests, seeds=seeds, sampling=sampling, on_result=store)
    else:
        texts = list(backend.generate(requests, seeds=seeds, sampling=sampling))
        for j, completion in enumerate(texts[: len(requests)]):
            store(j, completion)
        out = list(texts)
    if len(out) != len(requests):
        raise RuntimeError(
            f"backend {backend.name!r} returned {len(out)} completions for {len(requests)} rows"
        )
    return out


def _backend_retries(backend: Any) -> int:
    """The backend's own retry counter (``EndpointBackend.stats.retries``: HTTP 429/5xx, timeouts), or 0."""
    return int(getattr(getattr(backend, "stats", None), "retries", 0) or 0)
