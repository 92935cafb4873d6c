"""Output paths, checked before any expensive work: a folder the run can write and holds alone.

Two runs writing the same ``--out`` would silently replace each other's files, so a run holds a lock file
in the folder (created with ``O_EXCL``, holding its process id) until it ends; a lock left by a process
that no longer runs is taken over.

>>> import tempfile
>>> out = Path(tempfile.mkdtemp()) / "run"
>>> with claimed_out(out) as folder:
...     (folder / LOCK_NAME).is_file()
True
>>> (out / LOCK_NAME).exists()
False
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import typer

__all__ = ["LOCK_NAME", "check_out_file", "claimed_out", "hold_out"]

LOCK_NAME = ".hf-synthmh.lock"


def _bad(message: str, option: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint=option)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # runs, as another user
        return True
    return True


def _take_lock(lock: Path, option: str) -> None:
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = int(lock.read_text().strip() or "0")
            except (OSError, ValueError):
                holder = 0
            if holder and holder != os.getpid() and _alive(holder):
                raise _bad(
                    f"another hf-synthmh run (pid {holder}) is writing to {lock.parent}; wait for it to "
                    "finish or choose another folder",
                    option,
                ) from None
            lock.unlink(missing_ok=True)  # left by a run that died
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(f"{os.getpid()}\n")
        return
    raise _bad(f"could not lock {lock.parent}: {lock} keeps reappearing", option)


def _writable_folder(folder: Path, option: str) -> None:
    """Create ``folder`` if needed; a usage error naming ``option`` when that fails or it is not writable."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _bad(f"{folder} cannot be created: {err.strerror or err}", option) from err
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _bad(f"{folder} is not writable", option)


@contextlib.contextmanager
def claimed_out(out: Path, *, option: str = "--out") -> Iterator[Path]:
    """Create ``out`` if needed and hold it for this run; a usage error (exit 2) naming ``option`` when
    it is a file, cannot be created or written, or another running hf-synthmh holds it."""
    if out.exists() and not out.is_dir():
        raise _bad(f"{out} is a file; give a folder", option)
    _writable_folder(out, option)
    lock = out / LOCK_NAME
    try:
        _take_lock(lock, option)
    except OSError as err:  # read-only file system, permissions
        raise _bad(f"{out} is not writable: {err.strerror or err}", option) from err
    try:
        yield out
    finally:
        with contextlib.suppress(OSError, ValueError):
            if int(lock.read_text().strip() or "0") == os.getpid():
                lock.unlink()


def check_out_file(path: Path, *, option: str = "--out") -> Path:
    """``path`` as a file the run can write (its folder is created): a usage error naming ``option`` when it
    is a folder or its folder cannot be created or written."""
    if path.is_dir():
        raise _bad(f"{path} is a folder; give a file name such as {path / 'metrics.json'}", option)
    if path.parent.exists() and not path.parent.is_dir():
        raise _bad(f"{path.parent} is a file, so {path} cannot be written", option)
    _writable_folder(path.parent, option)
    if path.exists() and not os.access(path, os.W_OK):
        raise _bad(f"{path} is not writable", option)
    return path


def hold_out(ctx: typer.Context, out: Path, *, option: str = "--out") -> Path:
    """:func:`claimed_out` for the rest of the command whose context is ``ctx`` (released when it closes)."""
    return ctx.with_resource(claimed_out(out, option=option))
