"""A local ``transformers serve`` for endpoint tests and the generation benchmark (127.0.0.1 only).

:func:`transformers_serve` starts the real server on a local model folder in a subprocess (offline, one
torch thread) and yields its ``/v1`` URL.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["free_port", "transformers_serve"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def transformers_serve(
    model_dir: Path, *, extra_args: Sequence[str] = (), startup_timeout: float = 240.0
) -> Iterator[str]:
    """Run ``transformers serve <model_dir>`` on a free local port (CPU, offline, one torch thread) and
    yield its ``/v1`` URL; the process is stopped on exit. Raises RuntimeError if it does not come up."""
    port = free_port()
    exe = Path(sys.executable).with_name("transformers")
    cmd = [str(exe), "serve", str(model_dir), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"]
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "TRANSFORMERS_VERBOSITY": "error",
    }
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([*cmd, *extra_args], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(
                        f"transformers serve exited: {log.read()[-2000:].decode(errors='replace')}"
                    )
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"transformers serve did not answer within {startup_timeout} s")
                time.sleep(0.3)
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
