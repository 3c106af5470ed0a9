"""A data file of events parsed by its format (TOML, JSON, YAML in the site's dialect, the
arrays of a JavaScript module), with the lines of each list's items, so that a problem
of one entry is reported on that entry's own lines.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .frontmatter import FrontMatterError, Syntax, YamlDialect, read_text
from .jsdata import SCRIPT_SUFFIXES, read_script_data

__all__ = ["MAX_DATA_BYTES", "Lines", "parse_data", "read_data_text"]


# A list of every event a group ever held is larger than a talk file: a few thousand
# entries fit; more is the wrong file.
MAX_DATA_BYTES = 8 * 1024 * 1024


def read_data_text(path: Path) -> str:
    """A data file's text; FrontMatterError over :data:`MAX_DATA_BYTES`."""
    return read_text(path, MAX_DATA_BYTES, "a data file of events")


# An item's lines in the file: (first, last), 1-based and inclusive.
Lines = tuple[int, int]


def parse_data(path: Path, text: str, dialect: YamlDialect
               ) -> tuple[Syntax, Any, dict[str, list[Lines]]]:
    """The file's data, and for each list in it ("" for a top-level one) its items' lines."""
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"line (\d+)", str(exc))
            reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
            raise FrontMatterError(int(match[1]) if match else 1,
                                   f"not valid TOML: {reason}") from None
        except RecursionError:  # 5,000 nested arrays: tomllib's own recursion
            raise FrontMatterError(1, "nested too deeply") from None
        return "toml", data, _toml_lines(text, data)
    if suffix == ".json":
        return "json", *_json_items(text)
    if suffix in SCRIPT_SUFFIXES:
        arrays, spans = read_script_data(text)
        return "json", arrays, spans
    return "yaml", *_yaml_items(text, dialect)


def _first_node(loader: Any) -> yaml.Node | None:
    """The stream's document; a closing ``---`` after it (``---`` / keys / ``---``, as a
    Jekyll data file may be written, front-matter style) starts only an empty one."""
    node: yaml.Node | None = loader.get_node() if loader.check_node() else None
    while loader.check_node():
        extra = loader.get_node()
        if extra is not None and not (isinstance(extra, yaml.ScalarNode) and not extra.value):
            raise yaml.composer.ComposerError(
                "expected a single document in the stream", None,
                "but found another document", extra.start_mark)
    return node


def _yaml_items(text: str, dialect: YamlDialect) -> tuple[Any, dict[str, list[Lines]]]:
    from .yamldialects import LOADERS  # the dialects front matter is read in

    loader = LOADERS[dialect](text)
    try:
        node = _first_node(loader)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError(mark.line + 1 if mark else 1, f"not valid YAML: {reason}") \
            from None
    except RecursionError:
        raise FrontMatterError(1, "nested too deeply") from None
    finally:
        loader.dispose()

    def lines(items: list[yaml.Node]) -> list[Lines]:
        # The last line is the one before end_mark's when it ends at a line's start.
        return [(item.start_mark.line + 1,
                 item.end_mark.line + (0 if item.end_mark.column == 0 else 1))
                for item in items]

    spans: dict[str, list[Lines]] = {}
    if isinstance(node, yaml.SequenceNode):
        spans[""] = lines(node.value)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(value, yaml.SequenceNode) and isinstance(key, yaml.ScalarNode):
                spans[str(key.value)] = lines(value.value)
    return data, spans


_TOML_HEADER = re.compile(r"^[ \t]*\[(\[?)[ \t]*([^\[\]\n]+?)[ \t]*\]\]?[ \t]*(?:#.*)?$",
                          re.MULTILINE)


def _toml_lines(text: str, data: Mapping[str, Any]) -> dict[str, list[Lines]]:
    """The lines of each ``[[key]]`` table: from its header to the next table's."""
    total = text.count("\n") + 1
    headers = []
    for match in _TOML_HEADER.finditer(text):
        name = re.sub(r"""["'\s]""", "", match[2])
        headers.append((text.count("\n", 0, match.start()) + 1, bool(match[1]), name))
    spans: dict[str, list[Lines]] = {}
    for key, value in data.items():
        if not isinstance(value, list):
            continue
        starts = [i for i, (_line, array, name) in enumerate(headers) if array and name == key]
        if len(starts) != len(value):  # an inline array: the key's lines, at least
            found = re.search(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", text, re.M)
            first = text.count("\n", 0, found.start()) + 1 if found else 1
            spans[key] = [(first, total)] * len(value)
            continue
        items = []
        for index in starts:
            end = next((line - 1 for line, array, name in headers[index + 1:]
                        if not name.startswith(key + ".") or (array and name == key)), total)
            items.append((headers[index][0], end))
        spans[key] = items
    return spans


def _json_items(text: str) -> tuple[Any, dict[str, list[Lines]]]:
    """JSON, and the lines of the items of a top-level array or of a top-level key's."""
    decoder = json.JSONDecoder()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FrontMatterError(exc.lineno, f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise FrontMatterError(1, "nested too deeply") from None

    def line(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def skip(pos: int) -> int:
        while pos < len(text) and text[pos] in " \t\n,:":
            pos += 1
        return pos

    def array(pos: int) -> tuple[list[Lines], int]:
        items, pos = [], skip(pos + 1)
        while text[pos] != "]":
            _value, end = decoder.raw_decode(text, pos)
            items.append((line(pos), line(end - 1)))
            pos = skip(end)
        return items, pos + 1

    spans: dict[str, list[Lines]] = {}
    pos = skip(0)
    if isinstance(data, list):
        spans[""] = array(pos)[0]
    elif isinstance(data, dict):
        pos = skip(pos + 1)
        while text[pos] != "}":
            key, pos = decoder.raw_decode(text, pos)
            pos = skip(pos)
            if text[pos] == "[":
                spans[key], pos = array(pos)
            else:
                pos = decoder.raw_decode(text, pos)[1]
            pos = skip(pos)
    return data, spans
