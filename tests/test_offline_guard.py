from __future__ import annotations

import os
import socket

import pytest


def test_socket_guard_blocks_remote() -> None:
    """The guard itself must work, or every offline claim below is void."""
    s = socket.socket()
    try:
        with pytest.raises(OSError, match="blocked"):
            s.connect(("93.184.216.34", 80))
    finally:
        s.close()


def test_hub_and_datasets_are_offline_in_tests() -> None:
    import datasets
    import huggingface_hub

    assert huggingface_hub.constants.HF_HUB_OFFLINE
    assert datasets.config.HF_HUB_OFFLINE
    assert os.environ["HF_HOME"] not in ("", os.path.expanduser("~/.cache/huggingface"))
