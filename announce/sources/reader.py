"""Reading one event file's front matter through the key map: fields and their problems.

A :class:`Reader` gives each step of :mod:`.events` a field by its name in the key map,
remembers which key (and line) it came from, and collects the file's problems.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

from ..config import Settings
from ..content import Event, Problem, Severity
from .clock import preview
from .frontmatter import Document
from .keymap import MISSING, KeyMap, get_path
from .lookup import Lookup

__all__ = ["BODY", "FILE_DATE", "EventContext", "LeftOut", "Reader"]

# Key paths into the body's labelled lines: "body:日時".
BODY = "body:"
# The key path of the date in an event's file name (or its bundle folder's).
FILE_DATE = "file:date"
FILE_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[-_]|$)")


class LeftOut(Exception):
    """A file that is not an event by rule (a draft, another group's event)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class EventContext:
    """What reading an event file needs besides the file: settings, map, lookups."""

    settings: Settings
    keys: KeyMap
    naive_utc: bool = False
    # Top-level keys whose naive timestamps are the site's wall clock even when
    # naive_utc (Hexo's date): see profiles.Generator.local_keys.
    local_keys: tuple[str, ...] = ()
    # [content] utc_times: "instant", "local" or "unsure" (see config.ContentSettings).
    utc_times: str = "instant"
    default_time: time | None = None
    venues: Lookup | None = None
    # True when venue names must match a venue record (a locations folder exists).
    strict_venues: bool = False
    speakers: Lookup | None = None
    groups: Lookup | None = None
    group: str = ""
    body_transform: Callable[[Event], str] | None = None


class Reader:
    """The problems of one file as they are found; every step adds to them."""

    # A plain class: a dataclass's generated __init__ costs more per file than the rest.
    __slots__ = ("body_end", "ctx", "doc", "errors", "found", "sources", "start_path",
                 "unsure", "used", "warnings")

    def __init__(self, doc: Document, ctx: EventContext):
        self.doc = doc
        self.ctx = ctx
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.used: set[str] = set()
        self.start_path = "start"
        self.found = ctx.keys.resolve(doc.data)
        self.body_end: str | None = None
        # Fact (by its `list --json` name) -> where it came from; the facts not stated.
        self.sources: dict[str, str] = {}
        self.unsure: set[str] = set()

    def problem(self, key: str, message: str, severity: Severity = "error") -> None:
        # A key the file does not have is reported on its first line, as a whole.
        if key.startswith(BODY):
            at = self.doc.body.find(key[len(BODY):])
            where = self.doc.body_line + self.doc.body.count("\n", 0, at) if at >= 0 else 1
        else:
            where = self.doc.line_of(key) if get_path(self.doc.data, key) is not MISSING else 1
        problem = Problem(self.doc.path, where, key, message, severity)
        (self.errors if severity == "error" else self.warnings).append(problem)

    def note_source(self, fact: str, path: str) -> None:
        """Remember that ``fact`` came from ``path`` (a body label becomes its line)."""
        if path.startswith(BODY) and not path[len(BODY):].isdigit():
            at = self.doc.body.find(path[len(BODY):])
            if at >= 0:
                path = f"{BODY}{self.doc.body_line + self.doc.body.count(chr(10), 0, at)}"
        self.sources[fact] = path

    def find(self, name: str) -> tuple[str, Any]:
        found = self.found.get(name)
        first, special = self.ctx.keys.misses.get(name) or (name, ())
        if found is not None and special and special[0].startswith("text:") and \
                first == special[0]:
            # "text:Wolust {meeting}" before "meeting": the words around it come first.
            value = self._special(name, special[0])
            if value is not MISSING:
                return special[0], value
        if found is not None:
            self.used.add(found[0])
            return found
        for path in special:
            value = self._special(name, path)
            if value is not MISSING:
                self.used.add(path)
                return path, value
        return first, MISSING

    def _special(self, name: str, path: str) -> Any:
        if path.startswith("text:"):
            from .keymap import text_value

            return text_value(self.doc.data, path)
        if path.startswith("shortcode:"):
            from .keymap import shortcode_values

            return shortcode_values(self.doc.body, path)
        if path == FILE_DATE:
            if name != "start":
                return MISSING
            # Zola and Jekyll posts: the date is the file name's ("2026-07-14-x.md").
            stem = self.doc.path.stem
            match = FILE_DATE_PREFIX.match(
                stem if stem not in ("index", "_index", "event") else self.doc.path.parent.name)
            return match[1] if match else MISSING
        return self._from_body(name, path)

    def _from_body(self, name: str, path: str) -> Any:
        """A field read from a labelled line of the body (``body:日時``)."""
        from .bodyfields import labelled_value, split_range, venue_parts

        value = labelled_value(self.doc.body, path[len(BODY):])
        if value is None:
            return MISSING
        if name == "start":
            value, self.body_end = split_range(value)
        elif name == "venue":
            venue, address = venue_parts(value)
            return {"name": venue, "address": address} if venue else MISSING
        return value

    def text(self, name: str) -> tuple[str, str | None]:
        path, value = self.find(name)
        if value is MISSING:
            return path, None
        if type(value) is str:  # the common case first
            return path, value.strip() or None
        if isinstance(value, dict) and isinstance(named := value.get("name", value.get(
                "title")), str):
            return path, named.strip() or None  # {"name": "Newcastle Coders", ...}
        if isinstance(value, bool | list | dict):
            self.problem(path, f"expected text, got {preview(value)}")
            return path, None
        return path, str(value).strip()
