"""The README's two opening commands are what users and CI run: keep them honest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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


def _pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    pins = [line.split("==") for line in lines if line and not line.startswith("#")]
    assert all(len(p) == 2 for p in pins), "constraints.txt holds exact pins only"
    return {canonicalize_name(name): version for name, version in pins}


def test_readme_installs_the_tested_versions() -> None:
    assert all("-c constraints.txt" in command for command in _readme_commands()[:2])


@pytest.mark.parametrize(
    "name",
    ["transformers", "datasets", "huggingface-hub", "peft", "torch", "evaluate", "presidio-analyzer"],
)
def test_constraints_pin_the_stack_inside_the_declared_ranges(name: str) -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {canonicalize_name(Requirement(r).name): Requirement(r) for r in project["dependencies"]}
    requirement, pinned = declared[canonicalize_name(name)], _pins()[canonicalize_name(name)]
    assert requirement.specifier.contains(pinned), f"{name}=={pinned} is outside {requirement}"
    assert any(s.operator == "<" for s in requirement.specifier), f"{name}: no upper bound on the major"


def test_readme_python_example_uses_the_curated_api() -> None:
    import ast

    import hf_synthmh

    text = (ROOT / "README.md").read_text()
    block = re.search(r"^## In Python\n\n```python\n(.+?)^```", text, flags=re.M | re.S)
    assert block, "the README has no 'In Python' example"
    tree = ast.parse(block.group(1))
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]
    assert imports and all(
        isinstance(node, ast.ImportFrom) and node.module == "hf_synthmh" for node in imports
    )
    names = [alias.name for node in imports for alias in node.names]
    assert set(names) <= set(hf_synthmh.__all__)
    assert all(callable(getattr(hf_synthmh, name)) for name in names)
