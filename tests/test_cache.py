"""The on-disk generation cache: keys, atomic entries, and what it ignores."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from hf_synthmh.backends.base import Request, SamplingSettings
from hf_synthmh.generate.cache import GenerationCache, backend_identity, cache_key

REQUEST = Request(messages=[{"role": "user", "content": "Write a report."}], plain="Report:\n")
KEY_ARGS = {
    "backend": "tiny",
    "request": REQUEST,
    "sampling": SamplingSettings(),
    "seed": 7,
    "exemplar_ids": ["r1"],
}


def test_key_is_stable_and_covers_every_input() -> None:
    key = cache_key(**KEY_ARGS)  # type: ignore[arg-type]
    assert key == cache_key(**KEY_ARGS) and len(key) == 64  # type: ignore[arg-type]
    variants = [
        {"backend": "other"},
        {"request": Request(messages=REQUEST.messages, plain="Report:")},
        {"request": Request(messages=[{"role": "user", "content": "Write."}], plain=REQUEST.plain)},
        {"sampling": SamplingSettings(temperature=0.5)},
        {"seed": 8},
        {"exemplar_ids": ["r2"]},
        {"exemplar_ids": []},
    ]
    keys = {cache_key(**{**KEY_ARGS, **change}) for change in variants}  # type: ignore[arg-type]
    assert len(keys) == len(variants) and key not in keys
    as_dict = {**KEY_ARGS, "sampling": asdict(SamplingSettings())}
    assert cache_key(**as_dict) == key  # type: ignore[arg-type]


def test_key_format_is_pinned() -> None:
    """Keys must not drift between versions, or every existing cache would silently miss."""
    sampling = {
        "max_new_tokens": 400,
        "temperature": 0.9,
        "top_p": 0.95,
        "top_k": 0,
        "repetition_penalty": 1.0,
    }
    key = cache_key(**{**KEY_ARGS, "sampling": sampling})  # type: ignore[arg-type]
    assert key == "2aeabacab935d64790d9dfc6e91c4e53ff5724ef2d4b19375cd6f2aca6788c73"


def test_round_trip_layout_and_metadata(tmp_path: Path) -> None:
    cache = GenerationCache(tmp_path / "c")
    key = cache_key(**KEY_ARGS)  # type: ignore[arg-type]
    assert cache.get(key) is None and len(cache) == 0 and key not in cache
    cache.put(key, "<think>x</think>Report", meta={"seed": 7})
    path = tmp_path / "c" / key[:2] / f"{key}.json"
    assert cache.path(key) == path and path.is_file()
    entry = json.loads(path.read_text())
    assert entry["completion"] == "<think>x</think>Report" and entry["seed"] == 7 and entry["key"] == key
    assert cache.get(key) == "<think>x</think>Report" and key in cache and list(cache.keys()) == [key]
    cache.put(key, "")  # an empty completion is a valid entry too
    assert cache.get(key) == "" and len(cache) == 1


def test_unreadable_or_foreign_entries_are_misses(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = GenerationCache(tmp_path)
    key, other = "ab" + "0" * 62, "ab" + "1" * 62
    cache.path(key).parent.mkdir(parents=True)
    cache.path(key).write_text('{"key": "ab00', encoding="utf-8")  # torn write (cannot happen via put)
    cache.path(other).write_text(json.dumps({"key": key, "completion": "x"}), encoding="utf-8")
    assert cache.get(key) is None and cache.get(other) is None
    assert "unreadable" in caplog.text and "malformed" in caplog.text
    cache.put(key, "fixed")
    assert cache.get(key) == "fixed"
    with pytest.raises(ValueError, match="not a cache key"):
        cache.path("../../etc/passwd")


def test_temporary_files_are_ignored_and_cleaned(tmp_path: Path) -> None:
    cache = GenerationCache(tmp_path)
    cache.put("cd" + "2" * 62, "done")
    old = tmp_path / "cd" / ".tmp-killed.json"
    young = tmp_path / "cd" / ".tmp-running.json"
    old.write_text('{"key": "cd')
    young.write_text('{"key": "cd')
    an_hour_ago = time.time() - 7200
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert len(cache) == 1
    assert cache.remove_stale_temp_files() == 1
    assert not old.exists() and young.exists()
    assert GenerationCache(tmp_path / "missing").remove_stale_temp_files() == 0


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = GenerationCache(tmp_path, fsync=False)
    key = "ef" + "3" * 62

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        cache.put(key, "text")
    assert list((tmp_path / "ef").iterdir()) == []


def test_concurrent_writers(tmp_path: Path) -> None:
    cache = GenerationCache(tmp_path, fsync=False)
    keys = [f"{i:02x}" + "4" * 62 for i in range(40)]

    def write(offset: int) -> None:
        for i in range(len(keys)):
            key = keys[(i + offset) % len(keys)]
            cache.put(key, f"completion {key}")

    threads = [threading.Thread(target=write, args=(k * 10,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 40
    assert all(cache.get(k) == f"completion {k}" for k in keys)
    assert not list(tmp_path.glob("*/.tmp-*"))


def test_backend_identity() -> None:
    class Named:
        name = "tiny-base"

    class Identified(Named):
        cache_identity = "tiny-base@sha256:1234"

    assert backend_identity(Named()) == "tiny-base"
    assert backend_identity(Identified()) == "tiny-base@sha256:1234"
