"""The Ray Data runtime: start or join a cluster, run the project's batch callables under
``ray.data.Dataset.map_batches`` unchanged, read inputs with Ray's readers and write parquet shards.

A step is any batch callable ``dict[str, list] -> dict[str, list]`` that also works in
``datasets.Dataset.map(batched=True)``: :class:`~hf_synthmh.generate.Generator`,
:class:`~hf_synthmh.gate.PhiScanner`, :func:`~hf_synthmh.gate.redact.redact_batch`,
:class:`~hf_synthmh.gate.MembershipChecker`, :func:`~hf_synthmh.gate.decide.reject_reasons`,
:class:`~hf_synthmh.metrics.embeddings.Embedder`. :func:`map_step` runs it on Arrow batches: the columns
it returns replace or join the batch's own (as ``datasets`` merges them), typed by ``types`` so a block
with no findings is typed like the others. Steps that hold a model run in a pool of
``RayOptions.num_workers`` actors (each loads the model once); the others run as tasks.

Every actor may be restarted and every task retried (``max_restarts``/``max_task_retries``): a block
whose worker died is computed again from its input and only the finished attempt's output is kept, so
the output has every row once. Row order is preserved (``DataContext.execution_options.preserve_order``)
so the engines agree row for row.

Ray is the optional extra ``hf-synthmh[ray]``; :func:`require_ray` imports it or raises
:class:`RayUnavailable` naming the extra.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

__all__ = [
    "Chain",
    "RayOptions",
    "RayUnavailable",
    "arrow_types",
    "blocks_for",
    "collect",
    "from_dataset",
    "from_table",
    "map_step",
    "ray_runtime",
    "read_rows",
    "require_ray",
    "write_shards",
]

logger = logging.getLogger(__name__)

#: Set in each worker before a model loads: one thread per worker (two threads per process on shared
#: cores ran 7-40x slower), and Presidio's e-mail/URL recognizers never fetch the public suffix list.
WORKER_ENV = {
    "OMP_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
}

#: The pip extra that installs Ray Data.
RAY_EXTRA = "hf-synthmh[ray]"


class RayUnavailable(ImportError):
    """``--engine ray`` without Ray installed; the message names the extra to install."""


def require_ray() -> Any:
    """Import and return the ``ray`` module, or raise :class:`RayUnavailable` naming the extra.

    >>> import sys
    >>> saved, sys.modules["ray"] = sys.modules.get("ray"), None  # as if ray were not installed
    >>> try:
    ...     require_ray()
    ... except RayUnavailable as err:
    ...     print(err)
    ... finally:
    ...     _ = sys.modules.pop("ray") if saved is None else sys.modules.update(ray=saved)
    the ray engine needs Ray Data: pip install 'hf-synthmh[ray]'
    """
    try:
        import ray
        import ray.data
    except ImportError as err:
        raise RayUnavailable(f"the ray engine needs Ray Data: pip install '{RAY_EXTRA}'") from err
    return ray


@dataclass(frozen=True, kw_only=True)
class RayOptions:
    """Where and how wide the ray engine runs.

    ``address``: an existing cluster (``"auto"``, ``"ray://head:10001"``); ``None`` starts a local
    runtime with ``num_cpus`` CPUs (``None``: all). ``num_workers``: actors per model-holding step and
    the bound on concurrent tasks of the others. ``batch_size``: rows per batch of the row steps.
    ``max_retries``: restarts of a dead actor and retries of its tasks (-1: unbounded).

    >>> RayOptions(num_workers=2).num_workers
    2
    """

    address: str | None = None
    num_workers: int = 1
    num_cpus: int | None = None
    batch_size: int = 64
    max_retries: int = 3

    def __post_init__(self) -> None:
        if self.num_workers < 1 or self.batch_size < 1:
            raise ValueError("num_workers and batch_size must be >= 1")


@contextmanager
def ray_runtime(options: RayOptions) -> Iterator[Any]:
    """Join ``options.address`` or start a local runtime (unless one is already up in this process, as
    in tests, which is then left running); order-preserving execution; shut down on exit what was started.
    """
    ray = require_ray()
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if options.address is not None:
            ray.init(address=options.address, **kwargs)
        else:
            ray.init(num_cpus=options.num_cpus, **kwargs)
        started = True
    context = ray.data.DataContext.get_current()
    before = context.execution_options.preserve_order
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    try:
        yield ray
    finally:
        context.execution_options.preserve_order = before
        if started:
            ray.shutdown()


def arrow_types(types: Mapping[str, Any]) -> dict[str, pa.DataType]:
    """Arrow types of ``datasets`` feature types (``{column: feature}``).

    >>> from hf_synthmh.contracts import gate_column_types
    >>> str(arrow_types({"phi_types": gate_column_types()["phi_types"]})["phi_types"])
    'list<item: string>'
    """
    from datasets import Features

    schema = Features(dict(types)).arrow_schema
    return {name: schema.field(name).type for name in types}


def _merge(table: pa.Table, out: Mapping[str, list], types: Mapping[str, pa.DataType]) -> pa.Table:
    """``table`` with the columns of ``out`` replacing or joining its own (``datasets``' merge rule)."""
    import pyarrow as pa

    for name, values in out.items():
        if name in table.column_names and values is table.column(name):
            continue
        kind = types.get(name)
        if kind is None and name in table.column_names:
            kind = table.schema.field(name).type
        column = pa.array(values, type=kind)
        if name in table.column_names:
            table = table.set_column(table.column_names.index(name), name, column)
        else:
            table = table.append_column(name, column)
    return table


#: One step of a chain: a batch callable (or an object-store reference to one) and the ``datasets``
#: feature types of the columns it adds.
Step = tuple[Any, Mapping[str, Any]]


class Chain:
    """Batch callables applied in turn to an Arrow batch, each merging its columns (the ``datasets``
    rule: returned columns replace or join the batch's). Used as a task function or as the class of an
    actor pool, whose actors load each callable's model once and keep it for every batch. A step given
    as an object-store reference (``ray.put``) is fetched when the chain is built: numpy arrays inside
    it are then read in place from the node's shared memory, not copied per actor."""

    def __init__(
        self, steps: Sequence[Step], *, drop: Sequence[str] = (), keep: Sequence[str] | None = None
    ) -> None:
        for key, value in WORKER_ENV.items():  # before any model loads in this worker
            os.environ.setdefault(key, value)
        ray = require_ray()
        self.steps = [
            (ray.get(fn) if isinstance(fn, ray.ObjectRef) else fn, arrow_types(types)) for fn, types in steps
        ]
        self.drop, self.keep = list(drop), None if keep is None else list(keep)

    def __call__(self, table: pa.Table) -> pa.Table:
        table = table.drop_columns([c for c in self.drop if c in table.column_names])
        for fn, types in self.steps:
            table = _merge(table, fn(table.to_pydict()), types)
        return table.select(self.keep) if self.keep is not None else table


def map_step(
    ds: ray.data.Dataset,
    steps: Sequence[Step],
    *,
    options: RayOptions,
    actors: bool = False,
    batch_size: int | None = None,
    drop: Sequence[str] = (),
    keep: Sequence[str] | None = None,
) -> ray.data.Dataset:
    """``ds.map_batches`` of the :class:`Chain` of ``steps`` (dropping the columns ``drop`` first and
    keeping only ``keep`` last): in a pool of ``options.num_workers`` actors when ``actors`` (steps
    holding a model), else as at most ``options.num_workers`` concurrent tasks.

    Actor pools hold their CPUs until their input is consumed, so an operator *before* one that needs a
    CPU (a read, a column selection) can starve when the pool takes every CPU of the node. So ``ds`` is
    materialised first (its reads run before the actors start), selection happens inside the chain, and
    one chain holds every step of a stage: two pools of one CPU each would wait on each other on a 2-CPU
    node."""
    ray = _ordered()
    common: dict[str, Any] = dict(batch_format="pyarrow", batch_size=batch_size or options.batch_size)
    if not actors:
        return ds.map_batches(
            Chain(steps, drop=drop, keep=keep),
            compute=ray.data.TaskPoolStrategy(size=options.num_workers),
            max_retries=options.max_retries,
            **common,
        )
    return ds.materialize().map_batches(
        Chain,
        fn_constructor_args=(list(steps),),
        fn_constructor_kwargs={"drop": list(drop), "keep": keep},
        compute=ray.data.ActorPoolStrategy(size=options.num_workers),
        max_restarts=options.max_retries,
        max_task_retries=options.max_retries,
        **common,
    )


def _ordered() -> Any:
    """``ray``, with order-preserving execution for datasets created from now on (a dataset keeps the
    context it was created with): the engines then agree row for row."""
    ray = require_ray()
    ray.data.DataContext.get_current().execution_options.preserve_order = True
    return ray


def blocks_for(rows: int, options: RayOptions) -> int:
    """Blocks to cut ``rows`` into: four per worker (so retries redo little and workers stay busy),
    at least one batch each.

    >>> blocks_for(1000, RayOptions(num_workers=2, batch_size=64)), blocks_for(10, RayOptions())
    (8, 1)
    """
    return max(1, min(4 * options.num_workers, -(-rows // options.batch_size)))


def from_table(table: pa.Table, options: RayOptions) -> ray.data.Dataset:
    """A ``ray.data.Dataset`` of an Arrow table (e.g. a ``datasets.Dataset``'s ``.data.table``), in
    :func:`blocks_for` blocks."""
    ray = _ordered()
    n = blocks_for(table.num_rows, options)
    step = -(-table.num_rows // n) if table.num_rows else 1
    return ray.data.from_arrow([table.slice(lo, step) for lo in range(0, max(table.num_rows, 1), step)])


def from_dataset(ds: Any, options: RayOptions) -> ray.data.Dataset:
    """A ``ray.data.Dataset`` of a ``datasets.Dataset`` (its Arrow rows, selections applied)."""
    return from_table(ds.with_format("arrow")[:], options)


def read_rows(path: str | Path, options: RayOptions) -> ray.data.Dataset:
    """A ``.parquet`` file or folder of shards, or a ``.jsonl`` file, with Ray's readers, in at least
    ``4 * num_workers`` blocks."""
    ray = _ordered()
    path = Path(path)
    blocks = 4 * options.num_workers
    if path.is_dir() or path.suffix == ".parquet":
        return ray.data.read_parquet(str(path), override_num_blocks=blocks)
    if path.suffix in (".jsonl", ".json"):
        return ray.data.read_json(str(path), lines=True, override_num_blocks=blocks)
    raise ValueError(f"{path}: the ray engine reads .parquet or .jsonl files")


def collect(ds: ray.data.Dataset, features: Any | None = None) -> Any:
    """The rows of ``ds`` on the driver as a ``datasets.Dataset``: cast to ``features`` when given, else
    to the ``datasets`` features a parquet written by ``datasets`` recorded (a ClassLabel ``label``)."""
    import json

    import pyarrow as pa
    from datasets import Dataset, Features

    ray = require_ray()
    parts = [table for table in ray.get(list(ds.to_arrow_refs())) if table.num_rows]
    if parts:
        table = pa.concat_tables(parts, promote_options="default")
    else:
        schema = ds.schema()
        table = pa.table(
            {name: pa.array([], type=kind) for name, kind in zip(schema.names, schema.types, strict=True)}
        )
    recorded = (table.schema.metadata or {}).get(b"huggingface")
    out = Dataset(table.replace_schema_metadata(None))
    if features is None and recorded:
        saved = Features.from_dict(json.loads(recorded).get("info", {}).get("features", {}))
        features = Features({c: saved.get(c, t) for c, t in out.features.items()})
    return out.cast(features) if features is not None and features != out.features else out


def write_shards(ds: ray.data.Dataset, folder: str | Path) -> list[Path]:
    """Write ``ds`` as parquet shards in ``folder`` (emptied first) that ``datasets.load_dataset("parquet",
    data_files=...)`` and the Hub read; returns their paths in order."""
    folder = Path(folder)
    if folder.is_dir():
        for old in folder.glob("*.parquet"):
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    ds.write_parquet(str(folder))
    shards = sorted(folder.glob("*.parquet"))
    logger.info("wrote %d parquet shards to %s", len(shards), folder)
    return shards
