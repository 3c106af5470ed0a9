"""Editing the text of ``announce.toml`` in place, keeping its comments: ``init`` writes
``config.example.toml`` with the facts of a site filled in, key by key. And where a key
is in the text, for a problem on its line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .content import Problem, Severity

__all__ = ["comment_out", "key_problem", "line_of", "line_of_key", "set_value", "suggest",
           "uncomment", "value_of"]


def suggest(text: str, section: str, key: str, value: Any) -> str:
    """Replace ``# key = ...`` in ``[section]`` with a commented ``# key = value``."""
    return uncomment(text, section, key, value).replace(
        f"\n{key} = ", f"\n# {key} = ", 1)


def uncomment(text: str, section: str, key: str, value: Any) -> str:
    """Replace ``# key = ...`` in ``[section]`` with ``key = value``."""
    pattern = re.compile(rf"^# {re.escape(key)} = .*$", re.MULTILINE)
    rendered = json.dumps(value, ensure_ascii=False)
    start = text.index(f"[{section}]\n")
    match = pattern.search(text, start)
    if match is None:  # config.example.toml lost the commented example
        raise AssertionError(f"config.example.toml: [{section}] # {key} = ... is missing")
    return text[:match.start()] + f"{key} = {rendered}" + text[match.end():]


_SECTION = re.compile(r"^\[([A-Za-z_.]+)\]\s*$")  # [mail], [mail.subjects]


def key_line(text: str, section: str, key: str) -> tuple[list[str], int]:
    """The lines of ``text`` and the index of ``key = ...`` in ``[section]`` (not commented)."""
    lines = text.splitlines(keepends=True)
    pattern = re.compile(rf"^{re.escape(key)}\s*=")
    current, found = "", []
    for index, line in enumerate(lines):
        if heading := _SECTION.match(line):
            current = heading.group(1)
        elif current == section and pattern.match(line):
            found.append(index)
    if len(found) != 1:
        # config.example.toml lost (or doubled) a key that init fills in.
        raise AssertionError(f"config.example.toml: [{section}] {key}: expected once, "
                             f"found {len(found)} times")
    return lines, found[0]


def line_of(text: str, section: str, key: str) -> int:
    """The line (1-based) of ``key = ...`` in ``[section]`` of a config the user wrote;
    of the ``[section]`` heading when the key is not set, else 1."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    current, heading = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if found := _SECTION.match(line.strip()):
            current = found.group(1)
            heading = number if current == section else heading
        elif current == section and pattern.match(line):
            return number
    return heading or 1


def line_of_key(path: Path, key: str) -> int | None:
    """The line of a config error's ``key`` (``"[mail] to"``) in the file ``path``; None
    for a whole section (``"[smtp]"``) or a file that cannot be read."""
    section, _sep, name = key.strip("[").partition("] ")
    if not key.startswith("[") or not name:
        return None
    try:
        return line_of(path.read_text(encoding="utf-8"), section, name)
    except (OSError, UnicodeError):
        return None


def key_problem(config: Path | None, section: str, key: str, message: str,
                severity: Severity = "error") -> Problem:
    """A problem of ``[section] key`` of the config file, on the key's line (on the
    section's heading when the key is not set): ``announce.toml:31: [mail] to: ...``."""
    path = config or Path("announce.toml")
    try:
        line = line_of(path.read_text(encoding="utf-8"), section, key)
    except (OSError, UnicodeError):
        line = 1
    return Problem(path, line, f"[{section}] {key}", message, severity)


def value_of(text: str, section: str, key: str) -> str:
    lines, index = key_line(text, section, key)
    value = lines[index].split("=", 1)[1].strip()
    return str(json.loads(value)) if value.startswith('"') else value


def set_value(text: str, section: str, key: str, value: str) -> str:
    lines, index = key_line(text, section, key)
    # A JSON string is a valid TOML basic string (same escapes, for what json.dumps emits).
    lines[index] = f"{key} = {json.dumps(value, ensure_ascii=False)}\n"
    return "".join(lines)


def comment_out(text: str, section: str, key: str) -> str:
    lines, index = key_line(text, section, key)
    lines[index] = "# " + lines[index]
    return "".join(lines)
