"""Live progress of a generation run: every ``Generator`` batch, in any process, appends its counts
(never text) to a small file; :class:`GenerationProgress` sums them for the bar of
:func:`hf_synthmh.generate.run.generate_dataset`.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

__all__ = ["PROGRESS_ENV", "PROGRESS_FIELDS", "GenerationProgress", "report_progress"]

logger = logging.getLogger(__name__)

#: Set by :func:`generate_dataset` to a folder where every ``Generator`` call, in any process, appends
#: its batch's counts (see :class:`GenerationProgress`). Not a setting: never pickled or fingerprinted.
PROGRESS_ENV = "HF_SYNTHMH_PROGRESS_DIR"
#: The counts a progress line carries.
PROGRESS_FIELDS = ("rows", "retries", "failed", "cache_hits", "backend_retries")


def report_progress(**counts: int) -> None:
    """Append one batch's counts to this process's file in ``$HF_SYNTHMH_PROGRESS_DIR``, if set.

    One short ``write`` of one line in append mode per batch; counts only, never text.
    """
    folder = os.environ.get(PROGRESS_ENV)
    if not folder:
        return
    line = json.dumps({k: int(counts.get(k, 0)) for k in PROGRESS_FIELDS}, separators=(",", ":")) + "\n"
    try:
        with open(os.path.join(folder, f"{os.getpid()}.jsonl"), "a", encoding="utf-8") as handle:
            handle.write(line)
    except OSError as err:  # the folder went away: progress is best effort, generation goes on
        logger.debug("progress not reported: %s", type(err).__name__)


class GenerationProgress:
    """Live counts of a generation run, summed from the progress files of every process.

    :func:`generate_dataset` creates one, points :data:`PROGRESS_ENV` at its folder, and polls it while
    ``Dataset.map`` runs; each :meth:`poll` reads only the complete lines added since the last one.

    >>> import tempfile
    >>> progress = GenerationProgress(tempfile.mkdtemp())
    >>> with open(f"{progress.folder}/1.jsonl", "w") as f:
    ...     _ = f.write('{"rows":4,"retries":2,"failed":1}\\n{"rows":4,"retr')
    >>> progress.poll(), progress.counts["rows"], progress.postfix()
    (True, 4, {'retries': 2, 'failed': 1, 'cached': 0})
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.counts = dict.fromkeys(PROGRESS_FIELDS, 0)
        self._offsets: dict[str, int] = {}

    def poll(self) -> bool:
        """Add the lines written since the last call; ``True`` if there were any."""
        changed = False
        for path in sorted(self.folder.glob("*.jsonl")):
            with path.open("rb") as handle:
                handle.seek(self._offsets.get(path.name, 0))
                data = handle.read()
            complete = data[: data.rfind(b"\n") + 1]  # a line being written is read next time
            self._offsets[path.name] = self._offsets.get(path.name, 0) + len(complete)
            for line in complete.splitlines():
                for key, value in json.loads(line).items():
                    if key in self.counts:
                        self.counts[key] += int(value)
                changed = True
        return changed

    def postfix(self) -> dict[str, int]:
        """What the bar shows after rows and rows/s (``backend_retries`` only when there were any)."""
        shown = {
            "retries": self.counts["retries"],
            "failed": self.counts["failed"],
            "cached": self.counts["cache_hits"],
        }
        if self.counts["backend_retries"]:
            shown["backend_retries"] = self.counts["backend_retries"]
        return shown
