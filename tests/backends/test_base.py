"""SamplingSettings, the Backend protocol, lazily loaded settings and folder fingerprints."""

from __future__ import annotations

import dataclasses
import doctest
import pickle
import shutil
import threading
from pathlib import Path

import pytest

from hf_synthmh.backends import Backend, Request, SamplingSettings
from hf_synthmh.backends import base as base_module
from hf_synthmh.backends.base import LazyModelSettings, folder_fingerprint


def test_sampling_defaults_are_frozen_and_keyword_only() -> None:
    s = SamplingSettings()
    assert (s.max_new_tokens, s.temperature, s.top_p, s.top_k, s.repetition_penalty) == (
        400,
        0.9,
        0.95,
        0,
        1.0,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.temperature = 0.5  # type: ignore[misc]
    with pytest.raises(TypeError):
        SamplingSettings(100)  # type: ignore[misc]


@pytest.mark.parametrize(
    "bad",
    [
        {"max_new_tokens": 0},
        {"temperature": -0.1},
        {"top_p": 0.0},
        {"top_p": 1.5},
        {"top_k": -1},
        {"repetition_penalty": 0.0},
    ],
)
def test_sampling_validation(bad: dict) -> None:
    with pytest.raises(ValueError):
        SamplingSettings(**bad)


def test_protocol_accepts_any_object_with_name_and_generate() -> None:
    class Fake:
        name = "fake"

        def generate(
            self, requests: list[Request], *, seeds: list[int], sampling: SamplingSettings
        ) -> list[str]:
            return ["x" for _ in requests]

    assert isinstance(Fake(), Backend)
    assert not isinstance(object(), Backend)


def test_base_doctests() -> None:
    result = doctest.testmod(base_module)
    assert result.failed == 0 and result.attempted > 0


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Lazy(LazyModelSettings):
    model: str
    batch_size: int = 1


def test_lazy_settings_pickle_without_what_was_loaded() -> None:
    backend = _Lazy(model="m", batch_size=4)
    before = pickle.dumps(backend)
    backend._loaded["model"] = threading.Lock()  # unpicklable, like a loaded model or an engine
    assert pickle.dumps(backend) == before  # so datasets fingerprints it the same before and after
    clone = pickle.loads(before)
    assert clone == backend and clone._loaded == {} and clone.batch_size == 4
    assert "_loaded" not in repr(backend) and backend.__getstate__() == {"model": "m", "batch_size": 4}


def test_folder_fingerprint_follows_content_not_location(tmp_path: Path) -> None:
    one, two = tmp_path / "a" / "tiny", tmp_path / "b" / "tiny"  # same folder name
    for folder, weights in ((one, b"\x00" * 100), (two, b"\x01" * 100)):
        folder.mkdir(parents=True)
        (folder / "config.json").write_text('{"hidden_size": 64}')
        (folder / "model.safetensors").write_bytes(weights)
    assert folder_fingerprint(str(one)) != folder_fingerprint(str(two))
    copy = tmp_path / "copy"
    shutil.copytree(one, copy)
    (copy / "README.md").write_text("a model card does not change the outputs")
    (copy / ".cache").mkdir()
    (copy / ".cache" / "lock").write_text("download bookkeeping")
    assert folder_fingerprint(str(copy)) == folder_fingerprint(str(one))
    (copy / "chat_template.jinja").write_text("{{ messages }}")
    assert folder_fingerprint(str(copy)) != folder_fingerprint(str(one))
    assert folder_fingerprint("org/model") is None and folder_fingerprint(str(tmp_path / "missing")) is None


def test_large_files_are_sampled_but_still_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base_module, "WHOLE_FILE_LIMIT", 1000)
    monkeypatch.setattr(base_module, "_SAMPLE_BYTES", 100)
    prints = []
    for i, middle in enumerate((b"a", b"b")):
        folder = tmp_path / str(i)
        folder.mkdir()
        (folder / "model.safetensors").write_bytes(b"h" * 600 + middle * 600 + b"t" * 600)
        prints.append(folder_fingerprint(str(folder)))
    assert prints[0] != prints[1]  # the middle sample sees the difference
