"""The project's import graph, read from the source (ast: nothing is imported, nothing runs).

Every ``jianggao.*`` import counts, at module level or inside a function (a function-level import is still a
dependency: it only hides a cycle until the function runs). Two rules: no cycle among the modules, and the layers
only point down (ui -> qa -> indexer): never indexer -> qa/ui, never qa -> ui.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("indexer", "qa", "ui")  # folders installed as jianggao.<name>
LAYER = {"indexer": 0, "qa": 1, "ui": 2}  # a module may import only from its own layer or a lower one

# Edges known to be cut by work in progress on another branch, each allowed by name until that branch merges.
# TEMPORARY (issue 9): indexer.embedding <-> indexer.store is cut by the encode/store helpers' splits (file helpers
# to indexer/fileio.py, model identity to its own module). The lead removes this allowance at merge.
KNOWN_CYCLE_EDGES: frozenset[tuple[str, str]] = frozenset({
    ("jianggao.indexer.embedding", "jianggao.indexer.store"),
    ("jianggao.indexer.store", "jianggao.indexer.embedding"),
})


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["jianggao", *parts])


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    """The project modules ``path`` imports, anywhere in the file."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against this module's package
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            # ``from pkg import mod`` imports a module; ``from mod import name`` the module itself.
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod for a in node.names]
        for t in targets:
            while t and t not in modules:  # ``import jianggao.indexer.store.x`` -> the deepest project module
                t = t.rpartition(".")[0]
            if t and t != name and t.startswith("jianggao."):
                found.add(t)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(path, name, set(modules)) for name, path in modules.items()}


def layer_of(module: str) -> int:
    return LAYER[module.split(".")[1]]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_is_read_from_the_whole_project():
    graph = import_graph()
    assert {"jianggao.indexer.loaders", "jianggao.qa.engine", "jianggao.ui.cli"} <= set(graph)
    # Function-level imports count: the CLI imports the engine inside a function.
    assert "jianggao.qa.engine" in graph["jianggao.ui.cli"]


def test_no_import_cycle():
    graph = import_graph()
    pruned = {m: {t for t in ts if (m, t) not in KNOWN_CYCLE_EDGES} for m, ts in graph.items()}
    assert cycles(pruned) == []


@pytest.mark.parametrize("package", ["indexer", "qa"])
def test_layers_point_down_only(package):
    graph = import_graph()
    upward = sorted(
        (m, t) for m, ts in graph.items() if m.split(".")[1] == package for t in ts if layer_of(t) > layer_of(m)
    )
    assert upward == [], f"{package} must not import from a higher layer: {upward}"


def test_the_cycle_finder_finds_a_cycle():
    """The check can fail: a made-up graph with a three-module cycle and a self-contained tail."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
