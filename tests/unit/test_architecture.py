"""The shape of the code: no import cycles in chalicelib, no module too long to read, a pure domain.

Imports are read with `ast`, so those inside functions and under TYPE_CHECKING count too: a cycle
hidden by a function-level import is still a cycle.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted((ROOT / "chalicelib").rglob("*.py"))}


def _imported(name: str, path: Path) -> Iterator[str]:
    """Every module `name` (at `path`) imports, wherever in the file the import is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from package import module` imports the module; `from module import name`, the module.
            yield from (f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names)


def _internal(imported: str) -> str | None:
    """The chalicelib module an import loads (the longest known prefix), if it is one of ours."""
    parts = imported.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in MODULES:
            return ".".join(parts[:end])
    return None


GRAPH = {
    name: {dep for imp in _imported(name, path) if (dep := _internal(imp)) is not None and dep != name}
    for name, path in MODULES.items()
}


def _cycles() -> list[list[str]]:
    """One cycle through each strongly connected component of the import graph (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for dep in sorted(GRAPH[node]):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return [_cycle_in(component) for component in components]


def _cycle_in(component: set[str]) -> list[str]:
    """A path from the component's first module back to itself, within the component."""
    start = min(component)
    path, seen = [start], {start}
    while True:
        step = min(dep for dep in GRAPH[path[-1]] if dep in component)
        if step in seen:
            return [*path[path.index(step) :], step]
        path.append(step)
        seen.add(step)


def test_no_import_cycles_in_chalicelib() -> None:
    cycles = [" -> ".join(cycle) for cycle in _cycles()]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_module_is_over_400_lines() -> None:
    paths = [*MODULES.values(), ROOT / "app.py"]
    lengths = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in paths}
    too_long = {p: n for p, n in lengths.items() if n > MAX_LINES}
    assert not too_long, f"over {MAX_LINES} lines: {too_long}"


def test_the_domain_imports_only_the_domain_and_the_standard_library() -> None:
    outside = {
        f"{name} imports {imported}"
        for name, path in MODULES.items()
        if name.startswith("chalicelib.domain")
        for imported in _imported(name, path)
        if not imported.startswith("chalicelib.domain") and imported.split(".")[0] not in sys.stdlib_module_names
    }
    assert not outside, "\n".join(sorted(outside))
