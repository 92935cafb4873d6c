"""Shared fixtures. Everything runs offline: a temporary HF_HOME and a socket guard that allows only
localhost catch hidden downloads. Tiny models and data are built in code."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Must happen before huggingface_hub / datasets / presidio are imported anywhere.
_HF_HOME = tempfile.mkdtemp(prefix="hf_synthmh_test_home_")
os.environ["HF_HOME"] = _HF_HOME
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_EVALUATE_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402

_ALLOWED_HOSTS = {"127.0.0.1", "::1", "localhost", "0.0.0.0"}
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(address: Any) -> None:
    if isinstance(address, tuple) and address and address[0] not in _ALLOWED_HOSTS:
        raise OSError(f"network access blocked in tests: {address!r}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(address)
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread() -> None:
    """Two threads on these shared 2-core machines ran 7-40x slower than one."""
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.set_num_threads(1)


@pytest.fixture()
def tmp_out(tmp_path: Path) -> Iterator[Path]:
    out = tmp_path / "out"
    out.mkdir()
    yield out


#: The token the local Hub of the ``hub`` fixture accepts (``hub.token``).
HUB_TOKEN = "hf_local_publish_test_token_do_not_log"


@pytest.fixture()
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A local Hub on 127.0.0.1, and the library switches that let this test process talk to it.

    ``huggingface_hub`` and ``datasets`` read these environment variables at import time, so the module
    constants are patched: online (the suite runs with HF_HUB_OFFLINE=1), no Xet (the server speaks LFS
    only), and ``datasets``' own endpoint (``load_dataset`` / ``Dataset.push_to_hub`` do not take one).
    """
    import datasets
    from hub_server import HubServer
    from huggingface_hub import constants

    with HubServer(tmp_path / "hub", token=HUB_TOKEN) as server:
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
        monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(datasets.config, "HF_ENDPOINT", server.url)
        monkeypatch.setattr(
            datasets.config, "HUB_DATASETS_URL", server.url + "/datasets/{repo_id}/resolve/{revision}/{path}"
        )
        # huggingface_hub fetches an "agent harnesses" list from huggingface.co once per process: skip it.
        empty: dict[str, Any] = {"standardEnvVars": [], "harnesses": {}}
        monkeypatch.setattr("huggingface_hub.utils._detect_agent._registry", empty, raising=False)
        yield server
    assert server.errors == []
