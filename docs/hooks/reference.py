"""The reference pages, written from the code when the docs are built (a MkDocs hook).

A page holds a marker, ``<!-- generated: NAME -->``, on a line of its own, and the built
page has the text of ``GENERATED[NAME]`` in its place:

- ``cli``: every click command's ``--help``, as a terminal shows it;
- ``config``: every key of ``announce.toml``, from the settings' one declaration (each
  a field of ``announce.config``'s dataclasses, declared with ``announce.schema.setting``:
  its kind, default and bounds) with the comment that ``config.example.toml`` gives it,
  the text ``announce init`` writes into every site's ``announce.toml``;
- ``keymap``: the fields of ``[content.keys]`` with their default key paths
  (``announce.sources.keymap``).

Nothing here is kept by hand, so nothing can drift; tests/test_docs.py checks that the
pages carry the markers and that what they expand to covers every command and key.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).resolve().parent.parent.parent
EXAMPLE_CONFIG = REPO / "config.example.toml"
MARKER = re.compile(r"^<!-- generated: (\w+) -->$", re.MULTILINE)
# The help as an 88-column terminal shows it: the same on every machine that builds.
HELP_WIDTH = 88

KINDS = {
    "str": "string",
    "int": "integer",
    "number": "number",
    "path": "path (relative to the config file's folder)",
    "events": "path or pattern (relative to the config file's folder)",
    "strings": "string or list of strings",
    "keymap": "table: field = key path or list of key paths",
    "lookup": "table: venue, speakers or group = where their records are",
    "snippets": "table: shortcode name = Jinja snippet",
    "subjects": "table: kind = Jinja template of its subject",
}


# --- the command line ---------------------------------------------------------------------

def command_help(*names: str) -> str:
    """``announce NAMES... --help`` as the terminal shows it (HELP_WIDTH columns)."""
    import click

    from announce.cli import cli

    # The group's settings (-h as well as --help), at a fixed width.
    settings = {**cli.context_settings, "terminal_width": HELP_WIDTH,
                "max_content_width": HELP_WIDTH}
    ctx = click.Context(cli, info_name="announce", **settings)
    command: click.Command = cli
    for name in names:
        assert isinstance(command, click.Group)
        found = command.commands[name]
        ctx = click.Context(found, info_name=name, parent=ctx)
        command = found
    return command.get_help(ctx)


def cli_reference() -> str:
    """A section per command, each with its whole ``--help``."""
    from announce.cli import cli

    parts = ["## `announce`\n", _fenced(command_help())]
    for name in sorted(cli.commands):
        command = cli.commands[name]
        summary = command.get_short_help_str(limit=200)
        parts += [f"## `announce {name}`\n", f"{summary}\n", _fenced(command_help(name))]
    return "\n".join(parts)


def _fenced(text: str) -> str:
    return f"```text\n{text.rstrip()}\n```\n"


# --- announce.toml ----------------------------------------------------------------------------

class Documented(NamedTuple):
    """What config.example.toml says about one key: its comment and its example value."""

    comment: str
    example: str
    commented_out: bool


def example_comments(text: str) -> dict[tuple[str, str], Documented]:
    """(section, key) -> the comment above the key in config.example.toml's ``text``; a
    commented-out key (``# default_time = "18:30"``) and a commented-out section
    (``# [smtp]``, its keys ``# host = ...`` and comments ``# # ...``) count too. Keys on
    consecutive lines share the comment above the first. A table of its own
    (``[mail.subjects]``) documents its key (``[mail] subjects``) with the comment above
    it, and its first line as the example."""
    found: dict[tuple[str, str], Documented] = {}
    section, section_commented = "", False
    comment: list[str] = []
    shared = ""  # the comment of the key on the line above, if there is one
    table: tuple[str, str] | None = None  # the [section.key] table being read
    for raw in text.splitlines():
        line = raw
        if section_commented and line.startswith("# "):
            line = line[2:]
        header = re.fullmatch(r"(# )?\[(\w+)\]", line)
        subtable = re.fullmatch(r"(# )?\[(\w+)\.(\w+)\]", line)
        key = re.fullmatch(r"(# ?)?([a-z_]+) = (.+)", line)
        if header:
            section, section_commented, comment, shared = header[2], bool(header[1]), [], ""
        elif subtable:
            table = (subtable[2], subtable[3])
            found[table] = Documented(" ".join(comment), "", bool(subtable[1]))
            section, section_commented, comment, shared = (
                ".".join(table), bool(subtable[1]), [], "")
        elif key and section:
            if table is not None and ".".join(table) == section and not found[table].example:
                # The table's first line stands for it.
                found[table] = found[table]._replace(example=f"{{ {key[2]} = {key[3]}, ... }}")
            shared = " ".join(comment) or shared
            found[(section, key[2])] = Documented(shared, key[3], bool(key[1]))
            comment = []
        elif line.startswith("#"):
            comment.append(line.lstrip("#").strip())
            shared = ""
        else:
            comment, shared = [], ""
    return found


def config_keys() -> Iterator[tuple[str, str, str]]:
    """(section, key, kind) of every key announce.toml may hold, in the declarations'
    order."""
    from announce.config import KEYS

    for section, keys in KEYS.items():
        for key in keys.values():
            yield section, key.name, key.kind


def default_of(section: str, key: str) -> str:
    """The built-in value of ``[section] key``, as TOML writes it, or what stands for it."""
    from announce.config import KEYS
    from announce.configcheck import SECURITY_PORTS

    if (section, key) == ("smtp", "port"):  # set by security when not given
        ports = ", ".join(f"{port} for `{name}`" for name, port in SECURITY_PORTS.items())
        return f"by `security`: {ports}"
    value = KEYS[section][key].default()
    if value is dataclasses.MISSING:
        return "none: required when the section is there"
    return f"`{_toml(value)}`" if value is not None else "not set"


def _toml(value: Any) -> str:
    if isinstance(value, str | Path):
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def bounds_of(section: str, key: str) -> str:
    from announce.config import KEYS

    bounds = KEYS[section][key].bounds
    if bounds is None:
        return ""
    low, high, unit = bounds
    return f"from {low:g} to {high:g}" + (f" {unit}" if unit else "")


def config_reference() -> str:
    """A section per table of announce.toml, a heading per key: its type, default, range
    and example, and config.example.toml's comment on it."""
    documented = example_comments(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    parts: list[str] = []
    current = ""
    for section, key, kind in config_keys():
        if section != current:
            parts.append(f"### `[{section}]`\n")
            current = section
        doc = documented.get((section, key))
        facts = [f"*{KINDS[kind]}*", f"default: {default_of(section, key)}"]
        if bounds_of(section, key):
            facts.append(bounds_of(section, key))
        if doc is not None:
            facts.append(f"example: `{key} = {doc.example}`")
        parts.append(f"#### `[{section}] {key}`\n")
        parts.append(" · ".join(facts) + "\n")
        if doc is not None and doc.comment:
            parts.append(doc.comment + "\n")
        if (section, key) == ("content", "keys"):
            parts.append("The fields, each with the key paths it reads when it is not set "
                         "(see [the key map](key-map.md)):\n")
            parts.append(keymap_reference())
    return "\n".join(parts)


def keymap_reference() -> str:
    """The fields of ``[content.keys]``: what each holds, its default key paths in order."""
    from announce.sources.keymap import DEFAULT_KEYS, FIELD_HELP

    rows = ["| field | what it holds | default key paths, in order |", "|---|---|---|"]
    for name, paths in DEFAULT_KEYS.items():
        help_text = FIELD_HELP[name].replace("|", "\\|")
        rows.append(f"| `{name}` | {help_text} | {', '.join(f'`{p}`' for p in paths)} |")
    return "\n".join(rows) + "\n"


# --- the hook ---------------------------------------------------------------------------------

GENERATED: dict[str, Callable[[], str]] = {
    "cli": cli_reference,
    "config": config_reference,
    "keymap": keymap_reference,
}


def expand(markdown: str) -> str:
    """``markdown`` with every marker replaced by what it names; an unknown one is an error."""
    def replace(match: re.Match[str]) -> str:
        name = match[1]
        if name not in GENERATED:
            raise ValueError(f"<!-- generated: {name} -->: no such reference "
                             f"(known: {', '.join(GENERATED)})")
        return GENERATED[name]().rstrip("\n")

    return MARKER.sub(replace, markdown)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """MkDocs' hook: each page's Markdown before it is rendered."""
    return expand(markdown)
