"""The generation run: :func:`generate_dataset` runs ``plan.map(Generator(...))`` with one bar of rows
done, rows/s, retries, failed rows and generation-cache hits, fed by every batch of every process through
the count files of :mod:`hf_synthmh.generate.progress`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from hf_synthmh.generate.generator import Generator, count_retries
from hf_synthmh.generate.progress import PROGRESS_ENV, GenerationProgress

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = ["generate_dataset", "map_rows"]

logger = logging.getLogger(__name__)


def generate_dataset(
    plan: Dataset,
    *,
    generator: Generator,
    batch_size: int = 8,
    num_proc: int | None = None,
    desc: str = "Generating",
    progress: bool | None = None,
    poll_interval_s: float = 0.5,
    counts: dict[str, int] | None = None,
) -> Dataset:
    """``plan.map(generator, batched=True, ...)`` with one progress bar: rows done, rows/s, retries,
    failed rows and generation-cache hits (and the backend's HTTP retries), updated live after every batch
    of every process.

    The map is exactly the one the pipeline always ran (same function, arguments and ``desc``), so the
    ``datasets`` fingerprint and cache reuse are unchanged; the live counts travel through files in a
    temporary folder named by the environment variable :data:`PROGRESS_ENV`, which ``num_proc`` workers
    inherit, so nothing is added to the pickled ``Generator``. The final retries and failures are read
    from the ``attempts`` and ``generation_error`` columns, so they are exact even when the map was served
    from the ``datasets`` cache (no batch ran) and are logged at INFO. A ``counts`` dict given is updated
    with the final ``retries``, ``failed`` and ``cached`` (generation-cache hits of this run) for a summary.

    Each ``map`` batch is one call of the generator, retries included, so the batch holds
    ``max(batch_size, backend.rows_per_call)`` rows when the backend names a ``rows_per_call``
    (:class:`~hf_synthmh.backends.TransformersBackend` does: its decode loop keeps ``batch_size`` rows in
    flight only while rows wait, so retried rows and the tail of a call are cheaper in fewer, larger calls).

    ``progress=None`` shows the bar when ``datasets``' progress bars are enabled (``datasets``' own bar
    is hidden meanwhile, so there is one); ``False`` leaves only ``datasets``' bar. Run one generation at
    a time per process.

    >>> from datasets import Dataset
    >>> from hf_synthmh.generate import Generator
    >>> class Echo:
    ...     name = "echo"
    ...     def generate(self, requests, *, seeds, sampling):
    ...         return [f"Report {s}" if s % 2 else "" for s in seeds]
    >>> plan = Dataset.from_dict({"code": ["F32.1"] * 3, "title": ["Depression"] * 3,
    ...     "attributes": [{"sex": "female"}] * 3, "exemplar_texts": [[]] * 3, "seed": [1, 2, 3]})
    >>> out = generate_dataset(plan, generator=Generator(backend=Echo(), require_sections=False,
    ...     max_attempts=2), batch_size=2, progress=False)
    >>> list(out["text"]), list(out["attempts"])
    (['Report 1', 'Report 506952115', 'Report 3'], [1, 2, 1])
    """
    from datasets.utils import logging as datasets_logging
    from tqdm.auto import tqdm

    show = datasets_logging.is_progress_bar_enabled() if progress is None else progress
    hide_datasets_bar = show and datasets_logging.is_progress_bar_enabled()
    bar = tqdm(total=len(plan), desc=desc, unit="rows", disable=not show, dynamic_ncols=True)
    stop = threading.Event()
    with bar, tempfile.TemporaryDirectory(prefix="hf_synthmh_progress_") as folder, _environ(folder):
        live = GenerationProgress(folder)

        def watch() -> None:
            while not stop.wait(poll_interval_s):
                if live.poll():
                    _show(bar, live.counts["rows"], live.postfix())

        watcher = threading.Thread(target=watch, name="generation-progress", daemon=True)
        if hide_datasets_bar:
            datasets_logging.disable_progress_bar()
        watcher.start()
        try:
            rows = map_rows(generator, batch_size)
            generated = plan.map(generator, batched=True, batch_size=rows, num_proc=num_proc, desc=desc)
        finally:  # the watcher stops before the bar closes, also on error
            stop.set()
            watcher.join()
            if hide_datasets_bar:
                datasets_logging.enable_progress_bar()
        live.poll()
        final = live.postfix()
        final["retries"] = count_retries(generated["attempts"])
        final["failed"] = sum(1 for error in generated["generation_error"] if error)
        _show(bar, len(generated), final)
    if counts is not None:
        counts.update(final)
    logger.info(
        "%s: %d rows, %d retries, %d failed, %d completions from the generation cache",
        *(desc, len(generated), final["retries"], final["failed"], final["cached"]),
    )
    return generated


def map_rows(generator: Generator, batch_size: int) -> int:
    """Rows per ``map`` batch: ``batch_size``, or the backend's ``rows_per_call`` when larger.

    >>> class Echo:
    ...     name, rows_per_call = "echo", 32
    >>> map_rows(Generator(backend=Echo()), 8), map_rows(Generator(backend=object()), 8)
    (32, 8)
    """
    return max(batch_size, int(getattr(generator.backend, "rows_per_call", 0) or 0))


@contextlib.contextmanager
def _environ(folder: str) -> Iterator[None]:
    """Point :data:`PROGRESS_ENV` at ``folder``; restore the previous value on exit, also on error."""
    previous = os.environ.get(PROGRESS_ENV)
    os.environ[PROGRESS_ENV] = folder
    try:
        yield
    finally:
        os.environ.pop(PROGRESS_ENV, None)
        if previous is not None:
            os.environ[PROGRESS_ENV] = previous


def _show(bar: Any, rows: int, postfix: Mapping[str, int]) -> None:
    bar.set_postfix(postfix, refresh=False)
    bar.update(max(0, rows - bar.n))
    bar.refresh()
