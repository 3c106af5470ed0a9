"""The shape of the package: imports go down the declared layers, modules stay small, the
docs map them.

Read from the source with ``ast``, so these tests import nothing and take milliseconds.
An import inside ``if TYPE_CHECKING:`` is a type annotation's, not a dependency: it is not
counted. An import inside a function is (it is still the module depending on another).
The layers are the "layer" column of docs/development.md's module table.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "announce"
# Past 400 lines a module has more than one job. Test files may be longer.
MAX_LINES = 400


def _modules(package: Path = PACKAGE) -> dict[str, Path]:
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
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
    name = path.relative_to(REPO).as_posix()
    assert lines <= MAX_LINES, (
        f"{name} has {lines} lines (limit {MAX_LINES}): split it by job")


def _module_table() -> str:
    text = (REPO / "docs" / "development.md").read_text(encoding="utf-8")
    start = text.index("| module | its one job |")
    return text[start : text.index("\n\n", start)]


# --- the layers ----------------------------------------------------------------------------


def _layers(table: str) -> dict[str, int]:
    """Module or package (``announce.render``) -> its layer, from the table's last column:
    ``5`` for the row's module or package, ``5; 2: `dates.py`, ...`` for some of a
    package's modules in another."""
    layers = {}
    for row in table.splitlines()[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        found = re.match(r"`(announce/[\w/]+?)(?:\.py|/)`", cells[0])
        assert found, f"a row of the module table names no module: {row[:60]}"
        name = found[1].replace("/", ".")
        default = re.match(r"(\d+)", cells[-1])
        assert default, f"{found[1]}: no layer in the module table's last column"
        layers[name] = int(default[1])
        for group in re.finditer(r"(\d+): ((?:`[\w.]+`(?:, )?)+)", cells[-1]):
            for module in re.findall(r"`([\w]+)\.py`", group[2]):
                layers[f"{name}.{module}"] = int(group[1])
    return layers


def _layer_of(module: str, layers: dict[str, int]) -> int | None:
    """The layer of the most specific entry that holds ``module``."""
    holders = [name for name in layers if module == name or module.startswith(name + ".")]
    return layers[max(holders, key=len)] if holders else None


# The package's own __init__ (the version) and ``python -m announce`` (the CLI) stand aside.
_NO_LAYER = {"announce", "announce.__main__"}


def _upward(package: Path, layers: dict[str, int]) -> list[str]:
    """Every import of a module from a layer above its own."""
    modules = _modules(package)
    found = []
    for name, path in modules.items():
        if name in _NO_LAYER:
            continue
        own = _layer_of(name, layers)
        for target in sorted(_imports(name, path, modules)):
            theirs = _layer_of(target, layers)
            if own is not None and theirs is not None and theirs > own:
                found.append(f"{name} (layer {own}) imports {target} (layer {theirs})")
    return found


def test_every_module_has_a_layer() -> None:
    layers = _layers(_module_table())
    missing = [name for name in _modules() if name not in _NO_LAYER
               and _layer_of(name, layers) is None]
    assert missing == [], "give these a layer in docs/development.md's module table"


def test_imports_go_down_the_layers() -> None:
    upward = _upward(PACKAGE, _layers(_module_table()))
    assert upward == [], (
        "imports against the layers of docs/development.md (move the function down, or "
        "the module up):\n" + "\n".join(upward))


def test_an_import_against_the_layers_fails(tmp_path: Path) -> None:
    # Planted in a copy: the config (3) importing send (10) inside a function, where a
    # check of module-level imports alone would not look.
    copy = tmp_path / "announce"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    config = copy / "config.py"
    config.write_text(config.read_text(encoding="utf-8") + (
        "\n\ndef _planted() -> None:\n    from .send import send  # noqa: F401\n"),
        encoding="utf-8")
    layers = _layers(_module_table())
    assert _upward(copy, layers) == ["announce.config (layer 3) imports announce.send (layer 10)"]
    assert _upward(PACKAGE, layers) == []  # the real one, unchanged


def test_the_layer_column_reads_a_package_split_in_two() -> None:
    table = ("| module | job | layer |\n|---|---|---|\n| `announce/sources/` | x | 5; 2: "
             "`frontmatter.py`, `dates.py` |\n| `announce/config.py` | y | 3 |")
    layers = _layers(table)
    assert layers == {"announce.sources": 5, "announce.sources.frontmatter": 2,
                      "announce.sources.dates": 2, "announce.config": 3}
    assert [_layer_of(m, layers) for m in ("announce.sources.dates", "announce.sources.catalog",
                                           "announce.config")] == [2, 5, 3]


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
