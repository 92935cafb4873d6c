"""Engines that run the project's batch steps: ``datasets`` (the default: ``Dataset.map`` on one
machine) and ``ray`` (Ray Data's ``map_batches`` on a local runtime or a cluster; the optional extra
``hf-synthmh[ray]``). The steps are the same callables under both; this package only schedules them.

Modules (Ray is imported inside their functions, never at import time): :mod:`.ray_data` (runtime,
batch adapters, readers and parquet shards), :mod:`.gate` (the privacy gate), :mod:`.generate`
(generation, endpoint pools), :mod:`.metrics` (embeddings on workers, metrics on the driver).
"""

from __future__ import annotations

from typing import Literal

from hf_synthmh.engines.ray_data import RAY_EXTRA, RayOptions, RayUnavailable, require_ray

#: The engines ``augment(engine=...)`` and ``--engine`` accept.
Engine = Literal["datasets", "ray"]

__all__ = ["RAY_EXTRA", "Engine", "RayOptions", "RayUnavailable", "require_ray"]
