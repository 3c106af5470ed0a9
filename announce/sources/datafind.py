"""Where a site keeps its events as data entries, for ``announce init``.

A site whose Markdown pages are no events (three recording pages, a folder of slide
decks) may keep them in data: one file with a list (``events.toml``, ``_data/events.yml``)
or a folder of files, one event each (``series/*/events/*.yaml``). Every data file of the
site is read as :mod:`.datafiles` reads events; an entry counts when it has a date-like
value (a YAML or TOML date, or text that starts with ``2026-05-28``), whatever its key is
called. The file, or the folders (made one pattern when they differ by one name), with the
most such entries wins when it holds more than twice as many as the dated Markdown files.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .datafiles import read_entries
from .frontmatter import Document, YamlDialect
from .jsdata import SCRIPT_SUFFIXES, looks_like_data
from .keymap import KeyMap
from .lookup import DATA_SUFFIXES

__all__ = ["DataEvents", "common_patterns", "find_data_events", "is_slide_deck", "own_title"]

# Data files init reads at most, and the largest it reads (a lock file is no event list).
_MAX_FILES = 5_000
_MAX_BYTES = 2 * 1024 * 1024
# Fewer entries than this are no list of events (a config's two release dates).
_MIN_ENTRIES = 3
_DATE_TEXT = re.compile(r"^\s*\d{4}-\d{2}-\d{2}(?:$|[T ]\d{1,2}:\d{2})")


@dataclass(frozen=True)
class DataEvents:
    """The events init found in data: the ``[content] events`` to write, and the entries."""

    spec: str
    documents: list[Document]
    files: int
    # What says these are the events, when the site's templates do.
    because: str = ""

    @property
    def note(self) -> str:
        where = f"{self.files} data files ({self.spec})" if self.files > 1 else self.spec
        return (f"the events are entries of {where}: {len(self.documents)} with a date "
                f"(events = {self.spec!r})" + (f"; {self.because}" if self.because else ""))


def dated(data: Mapping[str, Any], depth: int = 0) -> bool:
    """Whether a table has a date-like value among its own keys, or those of a table in
    it (``{"event": {"dateTime": ...}, "group": {...}}``, as an API returns them)."""
    for value in data.values():
        if isinstance(value, dt.date) or (isinstance(value, str) and _DATE_TEXT.match(value)):
            return True
    return depth < 1 and any(dated(v, depth + 1) for v in data.values()
                             if isinstance(v, Mapping))


def _data_files(root: Path, skip: frozenset[str]) -> Iterator[Path]:
    count = 0
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(d for d in folders if not d.startswith(".") and d not in skip)
        for name in sorted(files):
            if not name.lower().endswith(DATA_SUFFIXES) or name.startswith("."):
                continue
            path = Path(directory) / name
            try:
                if path.stat().st_size > _MAX_BYTES:
                    continue
                # A script is data only when it holds an array of dated objects.
                if name.lower().endswith(SCRIPT_SUFFIXES) and not looks_like_data(
                        path.read_text(encoding="utf-8", errors="replace")):
                    continue
            except OSError:
                continue
            count += 1
            if count > _MAX_FILES:
                return
            yield path


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _data_name(relative: str) -> str:
    """A data file's name as templates write it: ``_data/daten.yaml`` -> ``daten``,
    ``data/events/2026.json`` -> ``events.2026``."""
    parts = PurePosixPath(relative).with_suffix("").parts
    for index, part in enumerate(parts):
        if part in ("_data", "data"):
            return ".".join(parts[index + 1:])
    return ".".join(parts)


def find_data_events(root: Path, dialect: YamlDialect, skip: frozenset[str],
                     pages: int, looped: Mapping[str, Path] | None = None,
                     imported: Mapping[Path, int] | None = None) -> DataEvents | None:
    """The data file or files below ``root`` holding the most dated entries, when they
    are more than twice ``pages`` (the dated Markdown files); else None. A file the
    site's templates loop over showing each entry as an event (``looped``, see
    templates.event_loops) wins whatever the count: the site says they are its events.
    Of lists about as long, the one the site's components import most (``imported``, see
    templates.imported_data) wins: a raw copy beside it is not what the pages show."""
    keys = KeyMap.with_overrides({})
    lists: list[tuple[str, list[Document]]] = []
    singles: dict[str, list[tuple[str, Document]]] = defaultdict(list)
    for path in _data_files(root, skip):
        entries, _errors, _left_out = read_entries(path, path.parent, dialect, keys, dated)
        found = [e for e in entries if dated(e.document.data)]
        relative = path.relative_to(root).as_posix()
        name = _data_name(relative)
        shown = next((p for p in (looped or {}) if p == name or p.startswith(name + ".")),
                     None)
        if shown is not None and found:
            return DataEvents(relative, [e.document for e in found], 1,
                              f"{_relative(looped[shown], root) if looped else ''} shows "
                              f"each entry of site.data.{shown} as an event")
        if len(found) == 1 and found[0].single:
            folder = PurePosixPath(relative).parent.as_posix()
            singles[folder].append((path.suffix, found[0].document))
        elif len(found) >= _MIN_ENTRIES:
            lists.append((relative, [e.document for e in found]))
    candidates = [(len(docs), 0, spec, docs, 1) for spec, docs in lists]
    longest = max((len(docs) for _spec, docs in lists), default=0)
    shown_lists = [(_imported(root / c[2], imported or {}), c) for c in candidates
                   if c[0] * 2 >= longest]
    if any(times for times, _c in shown_lists):
        _times, (count, _wild, spec, docs, files) = max(shown_lists, key=lambda t: (t[0], t[1][0]))
        if count >= _MIN_ENTRIES and count > 2 * pages:
            return DataEvents(spec, docs, files, f"the site's components import {spec}")
    folders = [f for f in singles if f != "."]
    for pattern in [*folders, *common_patterns(folders)]:
        chosen = [f for f in folders if PurePosixPath(f).match(pattern)
                  and len(PurePosixPath(f).parts) == len(PurePosixPath(pattern).parts)]
        docs = [doc for f in chosen for _suffix, doc in singles[f]]
        suffixes = [suffix for f in chosen for suffix, _doc in singles[f]]
        suffix = max(set(suffixes), key=suffixes.count)
        candidates.append((len(docs), -pattern.count("*"), f"{pattern}/*{suffix}", docs,
                           len(docs)))
    if "." in singles:
        docs = [doc for _suffix, doc in singles["."]]
        candidates.append((len(docs), 0, f"*{singles['.'][0][0]}", docs, len(docs)))
    if not candidates:
        return None
    count, _wild, spec, docs, files = max(candidates, key=lambda c: (c[0], c[1]))
    if count < _MIN_ENTRIES or count <= 2 * pages:
        return None
    return DataEvents(spec, docs, files)


def _imported(path: Path, imported: Mapping[Path, int]) -> int:
    """How many times the components import ``path``: by its full path, or by an alias's
    path that ends it ("@/data/events.json")."""
    full = path.resolve()
    return sum(n for p, n in imported.items() if full == p or (
        not p.is_absolute() and full.as_posix().endswith("/" + p.as_posix())))


def common_patterns(folders: list[str]) -> list[str]:
    """Patterns with one ``*`` for folders that differ in one name only:
    ``series/brno-pyvo/events`` and ``series/praha-pyvo/events`` -> ``series/*/events``."""
    groups: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for folder in folders:
        parts = PurePosixPath(folder).parts
        for index in range(len(parts)):
            groups[(*parts[:index], "*", *parts[index + 1:])].add(folder)
    return sorted("/".join(key) for key, members in groups.items() if len(members) > 1)


# Lines that separate the slides of a deck (Marp, reveal.js, remark).
_SLIDE_BREAK = re.compile(r"^(?:---|--)[ \t]*$", re.MULTILINE)
_DECK_FOLDERS = frozenset({"slides", "decks", "presentations", "folien"})


def is_slide_deck(document: Document, root: Path) -> bool:
    """Whether a Markdown file below ``root`` is a slide deck: no event, whatever its date."""
    data = document.data
    if data.get("marp") is True or "revealOptions" in data:
        return True
    layout = data.get("layout")
    if isinstance(layout, str) and layout.casefold().rstrip("s") in ("slide", "deck",
                                                                    "presentation"):
        return True  # Jekyll's "layout: slide" page of a deck
    folders = document.path.relative_to(root).parts[:-1]
    # "slides/", and Jekyll's collection "_slides/".
    if _DECK_FOLDERS.intersection(part.casefold().lstrip("_") for part in folders):
        return True
    return len(_SLIDE_BREAK.findall(document.body)) >= 4


def own_title(documents: list[Document], title_paths: tuple[str, ...]) -> str | None:
    """A key of the entries' own titles when the title key holds a series' name.

    ``name: Brněnské Pyvo`` in every entry of a series names the series, not the evening;
    a key that most entries have, with one line of text that differs from entry to entry
    (``topic: Květnové``), is the event's own title. None when the title key is fine.
    """
    if len(documents) < 8 or not title_paths:
        return None
    titles = [d.data.get(title_paths[0]) for d in documents]
    if len({t for t in titles if isinstance(t, str)}) > len(documents) // 4:
        return None  # most events have a title of their own already
    best: tuple[int, str] | None = None
    keys = {key for d in documents for key in d.data if key not in title_paths}
    for key in sorted(keys):
        values = [d.data.get(key) for d in documents]
        texts = [v.strip() for v in values if isinstance(v, str) and v.strip()]
        if len(texts) < len(documents) // 2 or any(
                "\n" in t or len(t) > 150 or "://" in t or _DATE_TEXT.match(t) for t in texts):
            continue
        # One word without a space in most of them is an id (a venue's, a city's).
        if sum(" " in t for t in texts) < len(texts) // 4 and len(set(texts)) < len(texts):
            continue
        if len(set(texts)) >= 0.8 * len(texts) and (best is None or len(texts) > best[0]):
            best = (len(texts), key)
    return best[1] if best else None
