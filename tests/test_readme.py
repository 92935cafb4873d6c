"""The README's two opening commands are what users and CI run: keep them honest."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"^    (python3 -m venv .+)$", text, flags=re.M)


def test_readme_opens_with_demo_then_test_command() -> None:
    commands = _readme_commands()
    assert len(commands) >= 2
    demo, tests = commands[:2]
    assert demo.endswith("hf-synthmh demo")
    assert "torch==2.13.0" in demo and "torch==2.13.0" in tests  # CPU wheel from disk, not a CUDA download
    assert tests.endswith("python -m pytest")
    head = (ROOT / "README.md").read_text().split("\n## ")[0]
    assert demo in head and tests in head  # before any other section


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    match = re.search(r'^TEST_CMD="(.+)"$', ci, flags=re.M)
    assert match, "TEST_CMD not found in .ci/run"
    assert match.group(1) == _readme_commands()[1]
