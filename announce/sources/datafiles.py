"""Events kept as data entries: one data file holding a list of them, or one file each.

Some sites keep no page per event: Zola's ``events.toml`` holds ``[[upcoming]]`` and
``[[past]]`` tables, a Jekyll site lists them in ``_data/events.yml``, a data repository
keeps ``series/<s>/events/2026-05-28.yaml``. Each entry is read here into a
:class:`~.frontmatter.Document` (its keys as data, its description as body, the lines of
its own keys for problems) that goes through the same :func:`~.events.read_event` as a
Markdown file, so the key map, lookups and checks work unchanged.

A data file is one event when it is a table with a start, or when it has no list of
tables; else each table of a top-level list, or of a top-level key holding a list of
tables, is one event. Lists none of whose entries has a start (sponsors, organisers)
are left out, said once by ``check``.

An entry's id stays when entries are added, reordered or moved from one list to another
(``[[upcoming]]`` to ``[[past]]``): its ``id`` or ``slug`` key, else its start's date and
its title (``2024-10-31-meetup-52``); a file of one event is known by its path below the
events folder, as a Markdown file is.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..content import Problem
from ..paths import display_path
from .dataparse import Lines, parse_data, read_data_text
from .frontmatter import Document, FrontMatterError, Syntax, YamlDialect
from .keymap import DEFAULT_KEYS, MISSING, KeyMap
from .lookup import DATA_SUFFIXES, text_of

__all__ = ["Entry", "data_files", "document_of", "read_entries", "slugify"]
# Keys an entry's text is kept under, before its longest text of several lines.
_BODY_KEYS = ("description", "content", "body", "text", "details", "summary", "abstract")
_ID_KEYS = ("id", "slug", "uid")


@dataclass(frozen=True)
class Entry:
    """One event of a data file: its document (data, body, lines), its id and slug."""

    document: Document
    id: str
    slug: str
    # True for a file of one event, False for an entry of a list.
    single: bool = False


# --- entries ----------------------------------------------------------------------------


def _has_start(data: Mapping[str, Any], keys: KeyMap) -> bool:
    return keys.find(data, "start")[1] is not MISSING


def _lists(data: Mapping[str, Any]) -> list[str]:
    return [key for key, value in data.items() if isinstance(value, list) and value
            and any(isinstance(item, Mapping) for item in value)]


# A date kept in three keys ("tag: '02'", "monat: '06'", "jahr: 2026"): the words for the
# parts of a date, in the languages sites are written in.
_DATE_PARTS = {
    "year": frozenset({"year", "jahr", "annee", "année", "ano", "año", "anno", "jaar", "rok",
                       "år", "vuosi", "年"}),
    "month": frozenset({"month", "monat", "mois", "mes", "mese", "maand", "miesiac",
                        "miesiąc", "mês", "månad", "kuukausi", "月"}),
    "day": frozenset({"day", "tag", "jour", "dia", "día", "giorno", "dag", "dzien", "dzień",
                      "päivä", "日"}),
}
def composed_date(table: Mapping[str, Any]) -> tuple[str, str] | None:
    """A start kept in parts: ``(key, "2026-06-02 19:30")`` for a table with a year, a
    month and a day key (named so, their values in range) and maybe one key holding a time
    of day alone, whose key names the parts (``jahr-monat-tag+start``); None when the
    table has a date of its own or no such parts."""
    parts: dict[str, tuple[str, int]] = {}
    for key, value in table.items():
        if not isinstance(key, str) or isinstance(value, bool):
            continue
        if isinstance(value, dt.date) or (isinstance(value, str) and _DATE.match(value)):
            return None  # a date of its own
        number = value if isinstance(value, int) else \
            int(value) if isinstance(value, str) and value.strip().isdigit() else None
        if number is None:
            continue
        for part, words in _DATE_PARTS.items():
            if key.casefold() in words and part not in parts:
                parts[part] = (key, number)
    if len(parts) < 3:
        return None
    try:
        day = dt.date(parts["year"][1], parts["month"][1], parts["day"][1])
    except ValueError:
        return None
    if not 1900 <= day.year <= 2200:
        return None
    name = "-".join(parts[p][0] for p in ("year", "month", "day"))
    times = [(k, moment) for k, v in table.items()
             if isinstance(k, str) and isinstance(v, str) and (moment := _time_of(v))]
    if len(times) == 1:
        key, moment = times[0]
        return f"{name}+{key}", f"{day.isoformat()} {moment:%H:%M}"
    return name, day.isoformat()


def _time_of(value: str) -> dt.time | None:
    """The time of day ``value`` holds alone ("19:30 Uhr"), as the reader reads one."""
    from .clock import DateProblem, parse_time_of_day

    try:
        return parse_time_of_day(value)
    except DateProblem:
        return None


def _with_composed_date(table: Any) -> Any:
    """The table, with its composed start (see :func:`composed_date`) as a key of its own."""
    if not isinstance(table, Mapping):
        return table
    found = composed_date(table)
    if found is None or found[0] in table:
        return table
    return {**table, found[0]: found[1]}


def read_entries(path: Path, folder: Path, dialect: YamlDialect, keys: KeyMap,
                 dated: Callable[[Mapping[str, Any]], bool] | None = None
                 ) -> tuple[list[Entry], list[Problem], list[Problem]]:
    """The events of the data file ``path``, its errors, and what is left out as no events.

    ``folder`` is the events folder: a file of one event is known by its path below it.
    ``dated`` says whether a table has a start (by default: a key of the key map's).
    """
    try:
        text = read_data_text(path)
        syntax, data, spans = parse_data(path, text, dialect)
    except FrontMatterError as exc:
        return [], [Problem(path, exc.line, "", exc.message)], []
    has_start = dated or (lambda table: _has_start(table, keys))
    lines = text.split("\n")
    data = _with_composed_date(data)
    if isinstance(data, list):
        data = [_with_composed_date(item) for item in data]
    elif isinstance(data, Mapping):
        data = {key: [_with_composed_date(i) for i in value] if isinstance(value, list)
                else value for key, value in data.items()}
    if isinstance(data, Mapping) and (has_start(data) or not _lists(data)):
        document = _document(path, syntax, lines, (1, len(lines)), data)
        stem = _relative_stem(path, folder)
        return [Entry(document, stem, _DATE_PREFIX.sub("", path.stem) or path.stem, True)], \
            [], []
    groups: list[tuple[str, list[Any]]]
    if isinstance(data, list):
        groups = [("", data)]
    elif isinstance(data, Mapping):
        groups = [(key, data[key]) for key in _lists(data)]
    else:
        return [], [Problem(path, 1, "", "expected a list of events, or the keys of one "
                            f"event, got {type(data).__name__}")], []
    events = [(key, items) for key, items in groups
              if any(isinstance(i, Mapping) and has_start(i) for i in items)]
    others = sorted({key for key, _items in groups} - {key for key, _items in events}) \
        if events else []
    left_out = [Problem(path, spans.get(key, [(1, 1)])[0][0], key,
                        "not events: no entry of this list has a start", "warning")
                for key in others]
    entries, problems = [], []
    for key, items in events or groups:
        item_lines = spans.get(key) or [(1, len(lines))] * len(items)
        for number, (item, span) in enumerate(zip(items, item_lines, strict=False)):
            if not isinstance(item, Mapping):
                problems.append(Problem(path, span[0], key, f"entry {number + 1}: expected "
                                        f"the keys of an event, got {_shown(item)}"))
                continue
            document = _document(path, syntax, lines, span, item)
            event_id, slug = _entry_id(item, keys)
            entries.append(Entry(document, event_id or f"{path.stem}-{key}-{number + 1}",
                                 slug))
    return entries, problems, left_out


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")
_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")


def _relative_stem(path: Path, folder: Path) -> str:
    try:
        relative = path.relative_to(folder)
    except ValueError:
        relative = Path(path.name)
    return relative.with_suffix("").as_posix()


def slugify(text: str) -> str:
    """``Meetup #52`` -> ``meetup-52``: letters of any script kept, the rest one dash."""
    return re.sub(r"[\W_]+", "-", text.casefold()).strip("-")


def _entry_id(item: Mapping[str, Any], keys: KeyMap) -> tuple[str, str]:
    """The entry's id and slug: its id or slug key, else its start's date and title."""
    title = text_of(keys.find(item, "title")[1])
    own = next((text_of(item[k]) for k in _ID_KEYS if text_of(item.get(k))), "")
    if own:
        return own, slugify(own) or own
    start = keys.find(item, "start")[1]
    if isinstance(start, dt.date):
        day = start.date().isoformat() if isinstance(start, dt.datetime) else start.isoformat()
    else:
        match = _DATE.match(text_of(start))
        day = match[1] if match else ""
    slug = slugify(title)
    return "-".join(p for p in (day, slug) if p), slug


def _document(path: Path, syntax: Syntax, lines: list[str], span: Lines,
              data: Mapping[str, Any]) -> Document:
    """The entry as a Document: its own lines are its front matter (for ``line_of``)."""
    first, last = span
    front = "\n".join(lines[first - 1:last])
    document = Document(path, syntax, front, first, "", first, dict(data))
    key, body = _body_of(data)
    if key:
        at = document.line_of(key)
        # A block (``description: |``, ``content = \"\"\"``) starts on the key's next line.
        head = body.lstrip("\n").split("\n", 1)[0].strip()
        same = bool(head) and head in lines[at - 1] if at <= len(lines) else True
        document.body, document.body_line = body, at if same else at + 1
    return document


def _body_of(data: Mapping[str, Any]) -> tuple[str, str]:
    """The key and text of the entry's description (HTML or Markdown), or ("", "")."""
    for key in _BODY_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return key, value
    # One table down, as an API returns an event ({"event": {"description": ...}}).
    for outer, table in data.items():
        if isinstance(table, Mapping):
            for key in _BODY_KEYS:
                value = table.get(key)
                if isinstance(value, str) and value.strip():
                    return f"{outer}.{key}", value
    # Else its longest text of several lines that is no field of the key map.
    mapped = {path for paths in DEFAULT_KEYS.values() for path in paths}
    texts = [(len(v), k) for k, v in data.items() if isinstance(v, str) and "\n" in v.strip()
             and len(v) >= 80 and k not in mapped]
    if not texts:
        return "", ""
    key = max(texts)[1]
    return key, data[key]


# --- the files --------------------------------------------------------------------------


def data_files(folder: Path, patterns: tuple[str, ...], refused: list[Problem]
               ) -> Iterator[Path]:
    """The data files below ``folder`` that ``patterns`` name, in path order.

    As for Markdown files, nothing outside ``folder`` is read through a symbolic link (a
    pull request could otherwise mail any file the runner can read): such a file is
    added to ``refused``.
    """
    root = os.path.realpath(folder)
    found: set[str] = set()
    for pattern in patterns:
        # glob.glob on strings: a tenth of the time of Path.glob for 600 files.
        found.update(name for name in glob.glob(pattern, root_dir=folder, recursive=True)
                     if not any(part.startswith(".") for part in name.split(os.sep)))
    real_dirs: dict[str, str] = {}
    for name in sorted(found, key=lambda n: n.split(os.sep)):
        path = os.path.join(folder, name)
        if not name.lower().endswith(DATA_SUFFIXES) or not os.path.isfile(path):
            continue
        parent = os.path.dirname(path)
        if parent not in real_dirs:
            real_dirs[parent] = os.path.realpath(parent)
        target = os.path.realpath(path) if os.path.islink(path) else \
            os.path.join(real_dirs[parent], os.path.basename(path))
        if os.path.commonpath([target, root]) != root:
            refused.append(Problem(Path(path), 1, "", f"a symbolic link to {target}, outside "
                                   f"{display_path(folder)}: not read"))
            continue
        yield Path(path)


def document_of(path: Path, data: Mapping[str, Any], dialect: YamlDialect = "1.1"
                ) -> Document | None:
    """The document of the entry of data file ``path`` whose keys are ``data``, or None
    (for a problem found after loading: the line of the entry's own key)."""
    if path.suffix.lower() not in DATA_SUFFIXES:
        return None
    # Without the settings at hand: the YAML dialect that reads the entry as it loaded.
    for yaml_dialect in dict.fromkeys((dialect, "1.1", "1.2")):
        try:
            text = read_data_text(path)
            syntax, parsed, spans = parse_data(path, text, yaml_dialect)
        except FrontMatterError:
            return None
        lines = text.split("\n")
        if parsed == data:
            return _document(path, syntax, lines, (1, len(lines)), data)
        groups = [("", parsed)] if isinstance(parsed, list) else \
            list(parsed.items()) if isinstance(parsed, Mapping) else []
        for key, items in groups:
            if isinstance(items, list) and key in spans:
                for item, span in zip(items, spans[key], strict=False):
                    if item == data:
                        return _document(path, syntax, lines, span, data)
        if syntax != "yaml":
            break
    return None
