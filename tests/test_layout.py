"""The shape of the package: imports go one way, modules stay small, the docs map them.

Read from the source with ``ast``, so these tests import nothing and take milliseconds.
An import inside ``if TYPE_CHECKING:`` is a type annotation's, not a dependency: it is not
counted. An import inside a function is (it is still the module depending on another).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "announce"
# ~400 lines is the aim; past 500 a module has more than one job. Test files may be longer.
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node.test):
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:  # `from . import x` names a module
                full = f"{target}.{alias.name}"
                found.add(full if full in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    # A package's own __init__ is not a dependency of its modules' layering.
    return {m for m in found if m in modules and m != name and not name.startswith(m + ".")}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_imports_inside_the_package_go_one_way() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    cycles = _cycles(graph)
    described = [" ⇄ ".join(c) + ": " + "; ".join(
        f"{m} imports {', '.join(sorted(graph[m] & set(c)))}" for m in c) for c in cycles]
    assert not cycles, "import cycles:\n" + "\n".join(described)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_is_over_the_size_limit(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, (
        f"{path.relative_to(REPO)} has {lines} lines (limit {MAX_LINES}): split it by job")


def _module_table() -> str:
    text = (REPO / "docs" / "development.md").read_text(encoding="utf-8")
    start = text.index("| module | its one job |")
    return text[start : text.index("\n\n", start)]


def test_the_docs_module_table_matches_the_tree() -> None:
    table = _module_table()
    named = set(re.findall(r"`(announce/[\w/]+(?:\.py|/))`", table))
    tree = {f"announce/{p.name}" for p in PACKAGE.glob("*.py") if p.name != "__main__.py"
            and p.name != "__init__.py"}
    tree |= {f"announce/{p.name}/" for p in PACKAGE.iterdir()
             if p.is_dir() and (p / "__init__.py").exists()}
    assert sorted(tree - named) == [], "modules missing from docs/development.md's module table"
    assert sorted(named - tree) == [], (
        "docs/development.md's module table names modules that do not exist")


def _callers(function: str) -> set[str]:
    """The package's modules that call ``function`` by name (``f(...)`` or ``x.f(...)``)."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and function in (
                    getattr(node.func, "id", None), getattr(node.func, "attr", None)):
                found.add(str(path.relative_to(REPO)))
    return found


def test_a_message_is_composed_in_one_place() -> None:
    # render, send, the preview and the GitHub summary show the bytes send sends because
    # they all call announce.compose.compose; a second copy of its steps could drift.
    assert _callers("prepare") == {"announce/compose.py"}
    # check renders every kind's templates (no MIME message needed) the same way.
    assert _callers("render_event") == {"announce/compose.py", "announce/render/checks.py"}
