"""Check the package's structure: import cycles among ``hf_synthmh`` modules and modules over a line limit.

Only imports that run when a module is imported count (module level, outside ``if TYPE_CHECKING:``);
an import inside a function runs later and cannot make a load-time cycle. A package's ``__init__``
imports its submodules, so ``a.b -> a`` edges come from the import statements, not from nesting.

Usage: ``python scripts/check_imports.py [--max-lines 400] [--type-checking]``; exits 1 on a cycle.
``--type-checking`` also counts imports made only for type hints, which show design loops (two modules
that each need the other) even when Python never trips over them.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "hf_synthmh"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _load_time_imports(tree: ast.Module, typing_too: bool) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.append(node)
            elif isinstance(node, ast.If):
                if typing_too or "TYPE_CHECKING" not in ast.unparse(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)

    visit(tree.body)
    return found


def import_graph(typing_too: bool = False) -> dict[str, set[str]]:
    """Module -> the package modules it imports at load time (and under ``TYPE_CHECKING`` with
    ``typing_too``)."""
    modules = {module_name(p): p for p in (ROOT / PACKAGE).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _load_time_imports(ast.parse(path.read_text(encoding="utf-8")), typing_too):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strongconnect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                strongconnect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    return found


def _is_package_edge(a: str, b: str) -> bool:
    """``a`` is a package and ``b`` one of its submodules (or the reverse): importing a package's
    ``__init__`` that imports its submodules is not a cycle Python trips over."""
    return b.startswith(a + ".") or a.startswith(b + ".")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-lines", type=int, default=400)
    parser.add_argument(
        "--type-checking", action="store_true", help="also count imports under TYPE_CHECKING (design loops)"
    )
    args = parser.parse_args()
    graph = import_graph(typing_too=args.type_checking)
    without_parents = {m: {t for t in ts if not _is_package_edge(m, t)} for m, ts in graph.items()}
    found = cycles(without_parents)
    sizes = sorted(
        (
            (len(p.read_text(encoding="utf-8").splitlines()), module_name(p))
            for p in (ROOT / PACKAGE).rglob("*.py")
        ),
        reverse=True,
    )
    print(f"{len(graph)} modules, {sum(len(t) for t in graph.values())} load-time import edges")
    print("import cycles:", found or "none")
    over = [(n, m) for n, m in sizes if n > args.max_lines]
    print(f"modules over {args.max_lines} lines:", over or "none", f"(largest: {sizes[0][1]}, {sizes[0][0]})")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
