"""Front matter in its four syntaxes, read as the site's generator reads it.

A file opens with ``---`` (YAML), ``+++`` (TOML), ``{`` (JSON), or a block of ``Key:
value`` lines without delimiters (Pelican's metadata header, read by :mod:`.headers`;
its syntax is ``"meta"``). YAML comes in two
dialects: Jekyll (Ruby) and MkDocs (PyYAML) read YAML 1.1, where an unquoted ``17:00`` is
the integer 1020 and ``no`` is false; Hugo, Eleventy and Astro read YAML 1.2, where both
are strings. Leading blank lines, CRLF line ends and a byte-order mark are tolerated.

Every problem carries the file's line: :meth:`Document.line_of` finds a key path
(``event.date``, ``extra.start``) in the front matter as written, whatever the syntax.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from frontmatter.default_handlers import YAMLHandler

from .headers import read_header
from .yamldialects import FrontMatterError, YamlDialect, load_tolerant, load_yaml

__all__ = [
    "MAX_FILE_BYTES",
    "TOO_DEEP_CONFIG",
    "Document",
    "FrontMatterError",
    "NoFrontMatter",
    "Syntax",
    "YamlDialect",
    "config_too_deep",
    "read_config_file",
    "read_config_text",
    "read_document",
    "read_text",
    "read_yaml_file",
]

Syntax = Literal["yaml", "toml", "json", "meta", "rst"]

# A talk file is a page of text: one over this is a mistake (a video, a database dump)
# or an attack, and would take minutes to render. Location and speaker files too.
MAX_FILE_BYTES: Final = 1024 * 1024


class NoFrontMatter(FrontMatterError):
    """A file without front matter: not an event (a page, a note), left out by rule."""


# --- config files ----------------------------------------------------------------------


# A generator's config (hugo.toml, _config.yml, mkdocs.yml, package.json) is a few KB:
# past these, it is not a config, and reading it would take minutes or overflow the stack.
MAX_CONFIG_BYTES: Final = 1024 * 1024
MAX_CONFIG_DEPTH: Final = 64


def read_config_file(path: Path) -> Any:
    """A generator's config file (TOML, JSON or YAML, by its suffix), or FrontMatterError
    when it is over :data:`MAX_CONFIG_BYTES` or nested over :data:`MAX_CONFIG_DEPTH`."""
    text = read_config_text(path)
    suffix = path.suffix.lower()
    data: Any = None
    try:
        if suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            data = load_yaml(text, "1.1", 1) if "!" not in text else load_tolerant(text, "1.1")
        too_deep = config_too_deep(data)
    except RecursionError:  # the parser's own recursion: deeper still
        too_deep = True
    if too_deep:
        raise FrontMatterError(1, TOO_DEEP_CONFIG)
    return data


TOO_DEEP_CONFIG: Final = (f"nested over {MAX_CONFIG_DEPTH} levels deep (is it the right "
                          "file?): not read")


def read_config_text(path: Path) -> str:
    """A generator's config file's text; FrontMatterError over :data:`MAX_CONFIG_BYTES`."""
    return read_text(path, MAX_CONFIG_BYTES, "a generator's config file")


def config_too_deep(data: Any) -> bool:
    """Whether parsed config ``data`` nests over :data:`MAX_CONFIG_DEPTH` levels."""
    level = [data]
    for _ in range(MAX_CONFIG_DEPTH):
        level = [child for item in level
                 for child in (item.values() if isinstance(item, dict) else
                               item if isinstance(item, list) else ())]
        if not level:
            return False
    return True


def read_yaml_file(path: Path, dialect: YamlDialect = "1.1") -> Any:
    """A whole YAML data file (``_data/speakers.yml``, ``mkdocs.yml``), or FrontMatterError.

    MkDocs configs carry ``!!python/name:`` and ``!ENV`` tags: unknown tags read as their
    plain value instead of failing the file.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrontMatterError(1, f"cannot read: {exc}") from None
    return load_yaml(text, dialect, 1) if "!" not in text else load_tolerant(text, dialect)


# --- documents -------------------------------------------------------------------------


@dataclass
class Document:
    """A file's front matter (parsed) and body, with the lines each begins on."""

    path: Path
    syntax: Syntax
    front: str
    front_line: int
    body: str
    body_line: int
    data: dict[str, Any]

    def line_of(self, key_path: str) -> int:
        """The file line of ``key_path`` (``title``, ``event.date``, ``talks[].speaker``).

        The keys are looked for in order, each below the previous one's line: exact enough
        for messages, and only run when there is a problem to report.
        """
        position = 0
        found_line = self.front_line
        for key in _path_keys(key_path):
            match = _key_pattern(self.syntax, key).search(self.front, position)
            if match is None:
                break
            position = match.end()
            found_line = self.front_line + self.front.count("\n", 0, match.start())
        return found_line if key_path else self.front_line


def _path_keys(key_path: str) -> list[str]:
    return [part.split("[", 1)[0] for part in key_path.split(".") if part.split("[", 1)[0]]


def _key_pattern(syntax: Syntax, key: str) -> re.Pattern[str]:
    name = re.escape(key)
    if syntax == "json":
        return re.compile(rf'"{name}"\s*:')
    if syntax == "meta":  # keys are case-insensitive there
        return re.compile(rf"^[ ]{{0,3}}{name}[ \t]*:", re.MULTILINE | re.IGNORECASE)
    if syntax == "rst":  # ".. date: ..." (Nikola) or ":date: ..." (Pelican): see .rst
        return re.compile(rf"^[ \t]*(?:\.\.[ \t]+|:){name}[ \t]*:", re.MULTILINE | re.IGNORECASE)
    if syntax == "toml":
        key = rf"""["']?{name}["']?[ \t]*="""
        table = rf"""\[+[ \t]*(?:[\w."'-]+\.)?{name}[ \t]*\]+"""
        return re.compile(rf"^[ \t]*(?:{key}|{table})", re.MULTILINE)
    return re.compile(rf"""^[ \t]*(?:-[ \t]+)?["']?{name}["']?[ \t]*:""", re.MULTILINE)


_YAML_OPEN = re.compile(r"---[ \t]*\n")
# python-frontmatter's own boundary, so that a file splits as it does there.
_YAML_CLOSE = YAMLHandler.FM_BOUNDARY
_TOML_OPEN = re.compile(r"\+\+\+[ \t]*\n")
_TOML_CLOSE = re.compile(r"^\+\+\+[ \t]*$", re.MULTILINE)


def _read_bytes(path: Path, limit: int = MAX_FILE_BYTES,
                kind: str = "a talk, location or speaker file") -> bytes:
    """The file's bytes; FrontMatterError when it holds more than ``limit``."""
    # os.read on a descriptor: no file object to build and tear down, a third of the
    # cost of reading a small file with open() (20,000 of them for a large site).
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        size = 0
        # Reading stops past the limit: a file that grows, or a FIFO, is never read whole.
        while size <= limit and (chunk := os.read(fd, 1 << 16)):
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            size = max(size, os.fstat(fd).st_size)
    finally:
        os.close(fd)
    if size > limit:
        raise FrontMatterError(1, f"the file is {_megabytes(size)}, over the {_megabytes(limit)} "
                               f"{kind} may have (is it the right file?): not read")
    return b"".join(chunks)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB"


def read_text(path: Path, limit: int = MAX_FILE_BYTES,
              kind: str = "a talk, location or speaker file") -> str:
    """The UTF-8 text of ``path``, line ends made ``\\n``; FrontMatterError when it cannot be
    read, holds more than ``limit`` bytes, or is not UTF-8 (with the line)."""
    try:
        raw = _read_bytes(path, limit, kind)
    except OSError as exc:
        raise FrontMatterError(1, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        reason = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        raise FrontMatterError(line, reason) from None
    if "\r" in text:
        # Windows and old Mac line ends: one convention, so that line numbers agree.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_document(path: Path, dialect: YamlDialect = "1.1") -> Document:
    """Read ``path`` into a :class:`Document`; raise FrontMatterError (or NoFrontMatter)."""
    text = read_text(path)
    try:
        return parse_document(path, text, dialect)
    except RecursionError:  # JSON or TOML front matter of [[[[...]]]] (YAML says its line)
        raise FrontMatterError(1, "front matter is nested too deeply") from None


def parse_document(path: Path, text: str, dialect: YamlDialect = "1.1") -> Document:
    """Split ``text`` (LF line ends) into front matter and body, and parse the front matter."""
    stripped = text.lstrip()
    if not stripped:
        raise NoFrontMatter(1, "empty file (expected front matter between '---' lines)")
    start = len(text) - len(stripped)
    # The opening line's own line number: blank lines before it are tolerated.
    open_line = text.count("\n", 0, start) + 1
    for opener, closer, syntax in ((_YAML_OPEN, _YAML_CLOSE, "yaml"),
                                   (_TOML_OPEN, _TOML_CLOSE, "toml")):
        opening = opener.match(text, start)
        if opening is None:
            continue
        closing = closer.search(text, opening.end())
        if closing is None:
            raise FrontMatterError(open_line, "front matter is not closed (expected a second "
                                   f"'{text[start:start + 3]}' line)")
        front = text[opening.end():closing.start()]
        body_start = closing.end() + (1 if text[closing.end():closing.end() + 1] == "\n" else 0)
        return _document(path, syntax, front, open_line + 1, text, body_start, dialect)  # type: ignore[arg-type]
    if stripped.startswith("{"):
        try:
            _value, end = json.JSONDecoder().raw_decode(text, start)
        except json.JSONDecodeError as exc:
            raise FrontMatterError(exc.lineno, f"front matter is not valid JSON: {exc.msg}") \
                from None
        body_start = end + (1 if text[end:end + 1] == "\n" else 0)
        return _document(path, "json", text[start:end], open_line, text, body_start, dialect)
    # From the start of its line: four spaces of indent make a code block, not a header.
    header = read_header(text, text.rfind("\n", 0, start) + 1)
    if header is not None:
        body_line = text.count("\n", 0, header.body_start) + 1
        return Document(path, "meta", header.front, open_line, text[header.body_start:],
                        body_line, header.data)
    raise NoFrontMatter(open_line, "no front matter (the file must start with a '---' line)")


_PARSERS: dict[str, Callable[[str, YamlDialect, int], Any]] = {
    "yaml": load_yaml,
    "toml": lambda text, _dialect, line: _load_toml(text, line),
    "json": lambda text, _dialect, line: json.loads(text),
}


def _load_toml(text: str, first_line: int) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = first_line + int(match[1]) - 1 if match else first_line
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise FrontMatterError(line, f"front matter is not valid TOML: {reason}") from None


def _document(path: Path, syntax: Syntax, front: str, front_line: int, text: str,
              body_start: int, dialect: YamlDialect) -> Document:
    data = _PARSERS[syntax](front, dialect, front_line)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(front_line, "front matter must be a set of 'key: value' lines")
    body_line = text.count("\n", 0, body_start) + 1
    return Document(path, syntax, front, front_line, text[body_start:], body_line, data)
