"""Generation on Ray Data: the :class:`~hf_synthmh.generate.Generator` in a pool of actors, writing to a
pool of OpenAI-compatible servers.

* :func:`generate_rows` runs ``plan.map_batches(Generator)`` in ``num_workers`` actors; each unpickles
  the generator's settings (a ``Generator`` pickles to settings only) and opens its backend lazily.
* :class:`EndpointPool` is a backend spreading each batch's requests round-robin over several
  :class:`~hf_synthmh.backends.endpoint.EndpointBackend` servers of one model (each with its own
  retries and concurrency bound), so ``num_workers`` actors × ``max_concurrency`` requests reach all
  servers evenly.

The content-addressed generation cache (:class:`~hf_synthmh.generate.GenerationCache`, ``cache_dir``
on a filesystem every worker sees) is safe to share: an entry is written to a temporary file and
renamed into place (``os.replace``), so a worker killed mid-write leaves the whole entry or none, and
two writers of one key write the same content. A block whose worker died is generated again by Ray;
its completions that reached the cache come back from it, and only the finished attempt's rows are
kept: the output has every plan row exactly once (tests/engines check it with a killed actor).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hf_synthmh.backends.base import Request, RequestFailure, SamplingSettings
from hf_synthmh.engines.ray_data import RayOptions, collect, from_dataset, map_step

if TYPE_CHECKING:
    from datasets import Dataset

    from hf_synthmh.generate import Generator

__all__ = ["EndpointPool", "generate_rows"]


@dataclass(frozen=True, kw_only=True)
class EndpointPool:
    """Round-robin over ``backends`` (endpoint backends serving the same model with the same settings:
    one ``cache_identity``, so the cache does not depend on which server wrote an entry).

    >>> from hf_synthmh.backends.endpoint import EndpointBackend
    >>> pool = EndpointPool(backends=tuple(EndpointBackend(base_url=f"http://10.0.0.{i}:8000/v1", model="m")
    ...                                    for i in (1, 2)))
    >>> pool.name, pool.assign(5)
    ('m', [0, 1, 0, 1, 0])
    >>> pool.assign(3)
    [1, 0, 1]
    """

    backends: tuple[Any, ...]
    _state: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.backends:
            raise ValueError("an endpoint pool needs at least one backend")
        identities = {b.cache_identity for b in self.backends}
        if len(identities) != 1:
            raise ValueError("the servers of a pool must serve one model with the same settings")

    def __getstate__(self) -> dict[str, Any]:
        return {"backends": self.backends}

    def __setstate__(self, state: dict[str, Any]) -> None:
        object.__setattr__(self, "backends", state["backends"])
        object.__setattr__(self, "_state", {})

    @property
    def name(self) -> str:
        return str(self.backends[0].name)

    @property
    def cache_identity(self) -> str:
        return str(self.backends[0].cache_identity)

    def assign(self, n: int) -> list[int]:
        """Which backend each of ``n`` requests goes to: round-robin, continuing from the last call."""
        lock = self._state.setdefault("lock", threading.Lock())
        with lock:
            start = self._state.get("next", 0)
            self._state["next"] = (start + n) % len(self.backends)
        return [(start + i) % len(self.backends) for i in range(n)]

    def generate(
        self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
    ) -> list[str]:
        out = self._spread(requests, seeds, sampling, None, each=False)
        return [str(o) for o in out]

    def generate_each(
        self,
        requests: Sequence[Request],
        *,
        seeds: Sequence[int],
        sampling: SamplingSettings,
        on_result: Callable[[int, str], None] | None = None,
    ) -> list[str | RequestFailure]:
        return self._spread(requests, seeds, sampling, on_result, each=True)

    def _spread(
        self,
        requests: Sequence[Request],
        seeds: Sequence[int],
        sampling: SamplingSettings,
        on_result: Callable[[int, str], None] | None,
        *,
        each: bool,
    ) -> list[str | RequestFailure]:
        owner = self.assign(len(requests))
        groups = {b: [i for i, o in enumerate(owner) if o == b] for b in sorted(set(owner))}
        out: list[str | RequestFailure] = [""] * len(requests)

        def run(b: int) -> None:
            rows = groups[b]
            backend = self.backends[b]
            mine = [requests[i] for i in rows]
            mine_seeds = [seeds[i] for i in rows]
            if each:
                back = None if on_result is None else (lambda j, text: on_result(rows[j], text))
                got = backend.generate_each(mine, seeds=mine_seeds, sampling=sampling, on_result=back)
            else:
                got = backend.generate(mine, seeds=mine_seeds, sampling=sampling)
            for i, value in zip(rows, got, strict=True):
                out[i] = value

        with ThreadPoolExecutor(max_workers=max(1, len(groups))) as threads:
            list(threads.map(run, groups))
        return out


def generate_rows(
    plan: Dataset, *, generator: Generator, options: RayOptions, batch_size: int = 8
) -> Dataset:
    """``plan.map(generator, batched=True)`` on Ray: the same rows and columns as
    :func:`~hf_synthmh.generate.generate_dataset`, in plan order, collected on the driver."""
    from datasets import Value

    types = {"text": Value("string"), "reasoning": Value("string"), "model": Value("string")}
    types |= {"prompt_hash": Value("string"), "generation_error": Value("string"), "attempts": Value("int64")}
    ds = map_step(
        from_dataset(plan, options), [(generator, types)], options=options, actors=True,
        batch_size=batch_size,
    )  # fmt: skip
    out = collect(ds)
    features = plan.features.copy()
    features.update({c: t for c, t in types.items()})
    return out.cast(features)
