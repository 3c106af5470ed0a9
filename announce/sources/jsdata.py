"""Events kept as data in a JavaScript or TypeScript module: the literals, not the code.

Single-page sites (AngularJS, React, Preact, Vue) and many Next.js ones keep their
programme as an array in a module: ``var njEvents = [{ id: '2026_06_11', date: new
Date(2026, 5, 11), time: '19h00', ... }]``, ``export const events: readonly Item[] = [...]``,
``module.exports = [...]``, ``export default [...]``. This reads such arrays as data, as
a JSON file is read: object and array literals, strings of all three quotes (a template
literal without ``${}``), numbers, ``true``/``false``/``null``/``undefined``, comments,
trailing commas, unquoted keys, and ``new Date(...)`` (JavaScript's months counted from
0, its day 0 the month's last day before). Nothing is run: a value that is code (a call,
a reference to another variable, a template with ``${}``) is left out (None), and a
file with no array literal of objects is no data.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from .frontmatter import FrontMatterError

__all__ = ["SCRIPT_SUFFIXES", "looks_like_data", "read_script_data"]

SCRIPT_SUFFIXES = (".js", ".mjs", ".cjs", ".ts")
# Cheap signs that a module holds an array of dated objects, before it is read.
# (Comments between them are bounded: an open one must not make a search scan the rest
# of the file from every "[".)
_SIGNS = re.compile(r"\[\s*(?://[^\n]{0,200}\n\s*|/\*(?:[^*]|\*(?!/)){0,300}\*/\s*){0,3}\{")
_DATED = re.compile(r"new\s+Date\s*\(|\d{4}-\d{2}-\d{2}")

_TOKEN = re.compile(r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)
  | (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_$][\w$]*)
  | (?P<punct>=>|[^\s\w"'`$])
""", re.VERBOSE | re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_MAX_DEPTH = 40


class _Code(Exception):
    """A value that is code, not a literal."""


def looks_like_data(text: str) -> bool:
    """Whether a module's text may hold an array of dated objects (worth reading)."""
    return bool(_SIGNS.search(text)) and bool(_DATED.search(text))


def read_script_data(text: str) -> tuple[dict[str, list[Any]], dict[str, list[tuple[int, int]]]]:
    """The module's top-level arrays of literals by the name they are given (``default``
    for ``export default`` and ``module.exports``), and each item's first and last line.
    Raises FrontMatterError when the text cannot be read as tokens."""
    tokens = _tokens(text)
    arrays: dict[str, list[Any]] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    index = 0
    while index < len(tokens):
        kind, value, _line = tokens[index]
        if kind == "punct" and value == "[" and (name := _named_before(tokens, index)):
            parser = _Parser(tokens, index)
            try:
                items, lines = parser.array_items()
            except _Code:
                index += 1
                continue
            if any(isinstance(i, dict) for i in items) and name not in arrays:
                arrays[name], spans[name] = items, lines
            index = parser.position
            continue
        index += 1
    return arrays, spans


def _tokens(text: str) -> list[tuple[str, str, int]]:
    found: list[tuple[str, str, int]] = []
    line, position = 1, 0
    while position < len(text):
        if text.startswith("/*", position):  # a comment, found without a pattern
            end = text.find("*/", position + 2)
            end = len(text) if end < 0 else end + 2
            line += text.count("\n", position, end)
            position = end
            continue
        match = _TOKEN.match(text, position)
        if match is None:
            raise FrontMatterError(line, f"not a literal JavaScript can be read from: "
                                   f"{text[position:position + 20]!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            found.append((kind, match[0], line))
        line += match[0].count("\n")
        position = match.end()
    return found


def _named_before(tokens: list[tuple[str, str, int]], index: int) -> str | None:
    """The name an array at ``index`` is given: ``x = [``, ``const x: T[] = [``, ``export
    default [``, ``module.exports = [``; None for an array inside an expression."""
    if index >= 2 and tokens[index - 1][1] == "default" and tokens[index - 2][1] == "export":
        return "default"
    if index < 2 or tokens[index - 1][1] != "=":
        return None
    back = index - 2
    # A TypeScript annotation between the name and "=": "events: readonly Item[]".
    scan = back
    while scan >= 0 and index - scan < 16 and tokens[scan][1] not in _STOPS:
        scan -= 1
    if scan >= 1 and tokens[scan][1] == ":":
        back = scan - 1
    if tokens[back][0] != "name":
        return None
    if tokens[back][1] == "exports" and back >= 2 and tokens[back - 2][1] == "module":
        return "default"
    return tokens[back][1]


_STOPS = frozenset({":", ";", "{", "}", "=", ",", "(", "const", "let", "var", "export"})


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]], position: int) -> None:
        self.tokens = tokens
        self.position = position
        self.depth = 0

    def _next(self) -> tuple[str, str, int]:
        if self.position >= len(self.tokens):
            raise _Code
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _peek(self) -> str:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else ""

    def array_items(self) -> tuple[list[Any], list[tuple[int, int]]]:
        self._next()  # "["
        items: list[Any] = []
        lines: list[tuple[int, int]] = []
        while self._peek() != "]":
            first = self.tokens[self.position][2] if self.position < len(self.tokens) else 0
            items.append(self.value())
            lines.append((first, self.tokens[self.position - 1][2]))
            if self._peek() == ",":
                self._next()
            elif self._peek() != "]":
                raise _Code
        self._next()
        return items, lines

    def value(self) -> Any:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _Code
        try:
            return self._value()
        finally:
            self.depth -= 1

    def _value(self) -> Any:
        kind, text, _line = self._next()
        if kind == "string":
            joined = _string(text)
            # "<p>" + "text": strings joined with "+".
            while self._peek() == "+" and self.position + 1 < len(self.tokens) and \
                    self.tokens[self.position + 1][0] == "string":
                joined += _string(self.tokens[self.position + 1][1])
                self.position += 2
            return joined
        if kind == "number":
            number = float(text)
            return int(number) if number.is_integer() and "." not in text else number
        if text == "{":
            return self._object()
        if text == "[":
            self.position -= 1
            return self.array_items()[0]
        if text in ("true", "false"):
            return text == "true"
        if text in ("null", "undefined"):
            return None
        if text == "new" and self._peek() == "Date":
            return self._date()
        if text == "-" and self.tokens[self.position][0] == "number":
            return -self._value()
        raise _Code

    def _object(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        while self._peek() != "}":
            kind, key, _line = self._next()
            if kind == "string":
                key = _string(key)
            elif kind not in ("name", "number"):
                raise _Code
            if self._next()[1] != ":":
                raise _Code  # a shorthand property or a method: code
            start = self.position
            try:
                found[key] = self.value()
            except _Code:
                # A value that is code: left out, the rest of the object kept.
                self.position = start
                self._skip_value()
                found[key] = None
            if self._peek() == ",":
                self._next()
            elif self._peek() != "}":
                raise _Code
        self._next()
        return found

    def _skip_value(self) -> None:
        depth = 0
        while self.position < len(self.tokens):
            text = self._peek()
            if depth == 0 and text in (",", "}", "]"):
                return
            if text in ("{", "[", "("):
                depth += 1
            elif text in ("}", "]", ")"):
                depth -= 1
            self.position += 1
        raise _Code

    def _date(self) -> Any:
        self._next()  # "Date"
        if self._next()[1] != "(":
            raise _Code
        args: list[Any] = []
        while self._peek() != ")":
            args.append(self.value())
            if self._peek() == ",":
                self._next()
        self._next()
        if len(args) == 1 and isinstance(args[0], str):
            return args[0]  # new Date("2024-11-06T18:00+11:00"): the text says it
        if not 3 <= len(args) <= 6 or not all(isinstance(a, int) for a in args):
            raise _Code
        year, month, day, *clock = args
        # JavaScript's months count from 0 and overflow into the next year; day 0 is
        # the last day of the month before.
        first = date(year + month // 12, month % 12 + 1, 1)
        day_of = first + timedelta(days=day - 1)
        if not clock:
            return day_of
        return datetime(day_of.year, day_of.month, day_of.day, *clock)


def _string(token: str) -> str:
    quote, body = token[0], token[1:-1]
    if quote == "`" and "${" in body:
        raise _Code
    return re.sub(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", _unescape, body, flags=re.DOTALL)


def _unescape(match: re.Match[str]) -> str:
    code = match[1]
    if code[0] in "ux" and len(code) > 1:
        return chr(int(code[1:], 16))
    return _ESCAPES.get(code, "" if code == "\n" else code)
