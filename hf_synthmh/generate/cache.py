"""A content-addressed on-disk cache of raw completions, so an interrupted generation run resumes.

Every backend call for one row and one attempt is keyed by :func:`cache_key`: the sha256 of the backend's
identity, the exact request (chat messages and plain prompt), the sampling settings, the seed and the
exemplar ids. The raw completion (reasoning not yet removed) is stored under that key as one small JSON
file, ``<root>/<first 2 hex chars>/<key>.json``.

Why files and not sqlite: each entry is written to a temporary file in its shard folder and moved into
place with ``os.replace``, which is atomic on POSIX and Windows. A process killed at any moment (SIGKILL,
OOM killer, a pre-empted job) therefore leaves either the complete entry or none, plus at most a stray
``.tmp-*`` file that is ignored; nothing ever needs repair or recovery. The file is fsynced before the
rename, so a power cut does not leave a renamed but empty entry either. Writers never share a handle or a
lock, so ``Dataset.map(num_proc=...)`` workers, or several machines on a shared filesystem (where sqlite's
WAL mode does not work), can fill one cache at once; two writers of one key write the same content. The
folder can be copied or merged with ``rsync``, and there is nothing to open: a :class:`GenerationCache`
holds only its path.

The cache holds model output, which may contain text copied from real exemplars: keep it local, like
``rejected.jsonl``.

Example:
    >>> import tempfile
    >>> from hf_synthmh.backends.base import Request, SamplingSettings
    >>> cache = GenerationCache(tempfile.mkdtemp())
    >>> key = cache_key(backend="echo", request=Request(messages=[], plain="Report:\\n"),
    ...                 sampling=SamplingSettings(), seed=7, exemplar_ids=["r1"])
    >>> cache.get(key) is None
    True
    >>> cache.put(key, "Reason for referral ...", meta={"seed": 7})
    >>> cache.get(key), len(cache)
    ('Reason for referral ...', 1)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from hf_synthmh.backends.base import Request

logger = logging.getLogger(__name__)

__all__ = ["CACHE_VERSION", "GenerationCache", "backend_identity", "cache_key"]

#: Bumped when the key or entry format changes; old entries then simply miss.
CACHE_VERSION = 1
_TMP_PREFIX = ".tmp-"


def backend_identity(backend: Any) -> str:
    """What identifies a backend's outputs in cache keys: its ``cache_identity`` attribute if it has one,
    else its ``name``. The backends here all define ``cache_identity``: the name plus a digest of the
    settings that change the text (chat-template arguments such as ``enable_thinking``, dtype, ...) and,
    for a local model folder, of its content, so two different models with the same folder name never
    share entries. A backend with only a ``name`` shares entries with every backend of that name.

    >>> class B:
    ...     name = "tiny"
    >>> backend_identity(B())
    'tiny'
    """
    identity = getattr(backend, "cache_identity", None)
    return str(identity) if identity else str(backend.name)


def cache_key(
    *, backend: str, request: Request, sampling: Any, seed: int, exemplar_ids: Sequence[str] = ()
) -> str:
    """64 hex chars: sha256 of the canonical JSON of everything that determines one completion.

    ``sampling`` is a dataclass (usually :class:`~hf_synthmh.backends.base.SamplingSettings`) or a mapping.
    """
    settings = asdict(sampling) if is_dataclass(sampling) and not isinstance(sampling, type) else sampling
    payload = {
        "v": CACHE_VERSION,
        "backend": backend,
        "messages": [dict(m) for m in request.messages],
        "plain": request.plain,
        "sampling": dict(settings),
        "seed": int(seed),
        "exemplar_ids": [str(i) for i in exemplar_ids],
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class GenerationCache:
    """A folder of completions keyed by :func:`cache_key` (see the module docstring for the layout).

    ``fsync=False`` skips the flush to disk before each rename: still safe when the process is killed,
    not when the machine loses power.
    """

    def __init__(self, root: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.root = Path(root)
        self.fsync = fsync

    def __repr__(self) -> str:
        return f"GenerationCache({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """Where the entry of ``key`` lives."""
        if len(key) < 3 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        """The stored completion of ``key``, or ``None`` (also for an unreadable entry, which is logged
        and later overwritten)."""
        path = self.path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            logger.warning("ignoring unreadable cache entry %s: %s", path, type(err).__name__)
            return None
        if (
            not isinstance(data, dict)
            or data.get("key") != key
            or not isinstance(data.get("completion"), str)
        ):
            logger.warning("ignoring malformed cache entry %s", path)
            return None
        return str(data["completion"])

    def put(self, key: str, completion: str, *, meta: Mapping[str, Any] | None = None) -> None:
        """Store ``completion`` under ``key`` atomically (temporary file, fsync, ``os.replace``)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"key": key, "version": CACHE_VERSION, "completion": completion, **dict(meta or {})}
        data = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode("utf-8")
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if self.fsync:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def keys(self) -> Iterator[str]:
        """Keys of the complete entries (temporary files are skipped)."""
        if not self.root.is_dir():
            return
        for shard in sorted(self.root.iterdir()):
            if shard.is_dir() and len(shard.name) == 2:
                for entry in sorted(shard.glob("*.json")):
                    if not entry.name.startswith(_TMP_PREFIX):
                        yield entry.stem

    def __len__(self) -> int:
        return sum(1 for _ in self.keys())

    def remove_stale_temp_files(self, older_than_s: float = 3600.0) -> int:
        """Delete temporary files left by killed writers, if older than ``older_than_s``; returns how
        many. (Younger ones may belong to a writer that is still running.)"""
        if not self.root.is_dir():
            return 0
        cutoff, removed = time.time() - older_than_s, 0
        for tmp in self.root.glob(f"??/{_TMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
        return removed
