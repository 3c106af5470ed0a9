"""Errors say where: every ConfigError, ContentError and TemplateError is raised with its
place (``path``, ``line``, ``key``), and its text starts with that place, built once (by
``announce.paths.place``), so that a program reads the fields and a person the words."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from announce.errors import ConfigError, ContentError, TemplateError
from announce.paths import display_path

REPO = Path(__file__).resolve().parent.parent
PLACED = {"ConfigError", "ContentError", "TemplateError", "ManualError"}
MODULES = sorted((REPO / "announce").rglob("*.py"))
# The errors that have no place to name, by module and how their message starts.
NO_PLACE = {
    # The command line's own question: nothing in a file is wrong.
    ("announce/cli/content.py", "no upcoming event after "),
    ("announce/cli/content.py", "no valid recipient to address the message to (use --to)"),
    # Every event file failed: each one's place is in check's report, which it points to.
    ("announce/content.py", "none of the "),
    # The lines of a subscriber file's problems, each starting with its own line's place.
    ("announce/recipients.py", "{line}"),
    # Two inputs of a manual run that do not go together: neither alone is to blame.
    ("announce/ledger/manual.py", "event and kind are for "),
}


def test_the_message_starts_with_the_place(tmp_path: Path) -> None:
    talk = tmp_path / "x.md"
    assert str(ContentError("'2027-13-01' is not a date", path=talk, line=3, key="dtstart")) \
        == f"{display_path(talk)}:3: dtstart: '2027-13-01' is not a date"
    assert str(ConfigError("required when [smtp] is present", path="announce.toml",
                           key="[smtp] host")) == \
        "announce.toml: [smtp] host: required when [smtp] is present"
    assert str(TemplateError("template not found", path="base.html")) == \
        "base.html: template not found"
    assert str(ConfigError("no place known")) == "no place known"
    both = ConfigError.gathered([ConfigError("a", path="announce.toml", key="[site] name"),
                                 ConfigError("b", path="announce.toml", key="[mail] to")])
    assert str(both) == "announce.toml: [site] name: a\nannounce.toml: [mail] to: b"
    assert (both.key, both.detail) == ("[site] name", "a")


def _raise_sites(path: Path) -> list[ast.Call]:
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and (
                getattr(node.func, "id", None) in PLACED
                or getattr(node.func, "attr", None) in PLACED):
            calls.append(node)
    return calls


def _place_in_text(call: ast.Call) -> bool:
    """Whether the message itself starts with a place: ``f"{where}: ..."`` (a value shown
    as it is, ``f"{value!r}: ..."``, is no place), or with the key it is raised with."""
    if not call.args:
        return False
    text = call.args[0]
    key = next((k.value for k in call.keywords if k.arg == "key"), None)
    if isinstance(key, ast.Constant) and isinstance(key.value, str) and \
            _opening(call).startswith(f"{key.value}: "):
        return True
    return (isinstance(text, ast.JoinedStr) and len(text.values) > 1
            and isinstance(text.values[0], ast.FormattedValue)
            and text.values[0].conversion == -1
            and isinstance(text.values[1], ast.Constant)
            and str(text.values[1].value).startswith(":"))


def _opening(call: ast.Call) -> str:
    """How the message starts: its text up to the first value, or ``{name}``."""
    text = call.args[0] if call.args else ast.Constant("")
    parts = text.values if isinstance(text, ast.JoinedStr) else [text]
    opening = ""
    for part in parts:
        if not isinstance(part, ast.Constant):
            return opening or "{" + ast.unparse(part) + "}"
        opening += str(part.value)
    return opening


def _unplaced(path: Path, root: Path = REPO) -> list[str]:
    name = path.relative_to(root).as_posix()
    return [f"{name}:{call.lineno}" for call in _raise_sites(path)
            if (not {k.arg for k in call.keywords} & {"path", "line", "key"}
                or _place_in_text(call))
            and (name, _opening(call)) not in NO_PLACE]


# The readers of the site and of the config above all; the rest of the package too.
@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_error_is_raised_with_its_place(path: Path) -> None:
    assert _unplaced(path) == [], (
        "raise these with path=, line= or key= (and the message without them): "
        + ", ".join(_unplaced(path)))


def test_the_readers_of_the_site_and_the_config_are_checked() -> None:
    checked = {p.relative_to(REPO).as_posix() for p in MODULES}
    assert {"announce/config.py", "announce/configcheck.py",
            "announce/sources/catalog.py"} <= checked
    assert any(name.startswith("announce/sources/") and _raise_sites(REPO / name)
               for name in checked)


def test_the_check_finds_a_raise_without_its_place(tmp_path: Path) -> None:
    (tmp_path / "announce").mkdir()
    planted = tmp_path / "announce" / "planted.py"
    planted.write_text('raise ConfigError(f"{where}: [smtp] host: required", key="x")\n'
                       'raise ContentError("no such event")\n'
                       'raise ContentError("fine", path=p, key="title")\n'
                       'raise ConfigError(f"{value!r}: not an address", key="[mail] to")\n'
                       'raise ManualError(f"do: {do!r} is not one", key="do")\n',
                       encoding="utf-8")
    assert _unplaced(planted, tmp_path) == ["announce/planted.py:1", "announce/planted.py:2",
                                            "announce/planted.py:5"]
