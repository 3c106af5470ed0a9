"""Liquid's ``{{ output }}`` in an event body: a variable of the page or the site, a
quoted string, a number or a constant, through the filters a meetup's page uses
(``default``, ``relative_url``, ``absolute_url``, ``prepend``, ``append``, ``escape``,
``date``), printed as Liquid prints it; what it does not know, it notes.
"""

from __future__ import annotations

import html
import re
import reprlib
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from .blocks import defuse
from .scan import QUOTED, short, split_pipes, unquote
from .tokens import MAX_VALUE_TEXT, Absent

__all__ = ["LiquidOutput"]

# A scheme or a host: left alone by relative_url (a regex, as urlsplit raises on "http://[").
_ABSOLUTE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:|//")
_NUMBER: Final = re.compile(r"-?\d++(?:\.\d++)?")
_PATH: Final = re.compile(r"[A-Za-z_][\w-]*+(?:\.[A-Za-z_][\w-]*+)*+")
_FILTER: Final = re.compile(r"([\w-]++)[ \t]*+(?::(.*)|\((.*)\))?", re.DOTALL)
_FILTER_ARG: Final = re.compile(rf"{QUOTED}|[^\s,]++", re.DOTALL)
_CONSTANTS: Final[Mapping[str, object]] = MappingProxyType(
    {"true": True, "false": False, "nil": None, "null": None, "none": None})


def _text_of(value: object) -> str:
    """A front-matter value as Liquid prints it: lists joined by ", ", cut short past
    ``MAX_VALUE_TEXT`` characters."""
    if not isinstance(value, list | tuple):
        return _scalar_text(value)
    pieces: list[str] = []
    size = 0
    # An explicit stack, not recursion: the nesting is the file's to choose.
    stack: list[Any] = [iter(value)]
    while stack:
        item = next(stack[-1], Absent.MISSING)
        if item is Absent.MISSING:
            stack.pop()
            continue
        if isinstance(item, list | tuple) and item:
            stack.append(iter(item))
            continue
        piece = "" if isinstance(item, list | tuple) else _scalar_text(item)
        size += len(piece) + 2
        if size > MAX_VALUE_TEXT:
            pieces.append("…")
            break
        pieces.append(piece)
    return ", ".join(pieces)


def _scalar_text(value: object) -> str:
    if value is None or isinstance(value, Absent):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        text = _MAPPING_REPR.repr(value)
        return text if len(text) <= MAX_VALUE_TEXT else text[:MAX_VALUE_TEXT - 1] + "…"
    return str(value)


_MAPPING_REPR = reprlib.Repr()  # a table printed whole; a bomb inside it cut short
_MAPPING_REPR.maxlevel, _MAPPING_REPR.maxdict, _MAPPING_REPR.maxlist = 4, 50, 50
_MAPPING_REPR.maxstring = _MAPPING_REPR.maxother = MAX_VALUE_TEXT


def _is_blank(value: object) -> bool:
    """What Liquid's ``default`` replaces: nil, false, missing and empty things."""
    if value is None or value is False or isinstance(value, Absent):
        return True
    return isinstance(value, str | list | tuple | dict) and not value


class LiquidOutput:
    """The renderer's evaluation of ``{{ output }}``, against its ``variables``."""

    variables: Mapping[str, object]

    def _note(self, line: int, message: str) -> None:
        raise NotImplementedError  # the renderer's: a note on the body's line

    def _evaluate(self, expression: str, line: int) -> str:
        shown = f"{{{{ {short(expression.strip())} }}}}"
        head, *filters = split_pipes(expression)
        value = self._operand(head.strip())
        if value is Absent.UNKNOWN:
            self._note(line, f"{shown} is not understood: left out of the email")
            return ""
        for piece in filters:
            match = _FILTER.fullmatch(piece.strip())
            if match is None:
                self._note(line, f"{shown}: filter {short(piece)!r} is not understood: "
                                 "the email shows the value unfiltered")
                continue
            args_text = match[2] if match[2] is not None else match[3] or ""
            args = [self._operand(arg) for arg in _FILTER_ARG.findall(args_text)]
            value = self._filter(match[1], value, args, line, shown)
        if isinstance(value, Absent):
            self._note(line, f"{shown}: {short(head.strip())} is not set: left empty in "
                             "the email")
            return ""
        return defuse(_text_of(value))

    def _operand(self, text: str) -> object:
        if text[:1] in ("'", '"') and len(text) >= 2 and text[-1] == text[0]:
            return unquote(text)
        if _NUMBER.fullmatch(text):
            return text
        if text.lower() in _CONSTANTS:
            return _CONSTANTS[text.lower()]
        if not _PATH.fullmatch(text):
            return Absent.UNKNOWN
        value: object = self.variables
        for part in text.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return Absent.MISSING
            value = value[part]
        return value

    def _filter(self, name: str, value: object, args: Sequence[object], line: int,
                shown: str) -> object:
        first = _text_of(args[0]) if args else ""
        if name == "default":
            return first if _is_blank(value) else value
        if isinstance(value, Absent):
            return value
        text = _text_of(value)
        if name == "relative_url":
            return self._relative_url(text)
        if name == "absolute_url":
            return self._absolute_url(text)
        if name == "prepend":
            return first + text
        if name == "append":
            return text + first
        if name in ("escape", "xml_escape"):
            return html.escape(text)
        if name == "date":
            return value  # the format is the site's to choose; the value reads as written
        self._note(line, f"{shown}: filter {name!r} is not known: the email shows the value "
                         "unfiltered")
        return value

    def _site(self, key: str) -> str:
        site = self.variables.get("site")
        return _text_of(site.get(key)) if isinstance(site, Mapping) else ""

    def _relative_url(self, url: str) -> str:
        if _ABSOLUTE.match(url):
            return url
        return self._site("baseurl").rstrip("/") + ("" if url.startswith("/") else "/") + url

    def _absolute_url(self, url: str) -> str:
        if _ABSOLUTE.match(url):
            return url
        # Without a site url the path stays relative: the renderer resolves it later.
        return self._site("url").rstrip("/") + self._relative_url(url)
