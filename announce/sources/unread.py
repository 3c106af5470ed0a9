"""Events a site shows that announce does not read: for ``check``, so none is lost silently.

A site may show an event from its data as well as from its pages: the Hugo shortcode
that puts ``.Site.Data.upcoming_event.upcoming`` (a title, a date, a venue) on the home
page while the pages under ``content/meetups`` are the minutes of past evenings; a
Jekyll include that shows ``site.data.next_meetup``. When the events folder is
elsewhere, that event would never be announced, and nothing would say so. The site's
templates say which data they show; a table there with a date and a title is an event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config import Settings
from ..content import Problem
from ..paths import display_path
from .lookup import DATA_SUFFIXES, text_of

__all__ = ["unread_event_data"]

# Data a template shows: Liquid's site.data.next.meetup, Hugo's .Site.Data.x.y (also
# $.Site.Data, site.Data, hugo.Data).
_DATA_REF = re.compile(r"\bsite\.data\.([\w.]+)|(?:\$?\.Site|\bsite|\bhugo)\.Data\.([\w.]+)")
# A date as data files write one: 2026-06-27, 27-06-2026, 27.06.2026, 06/27/2026.
_DATE = re.compile(r"^\s*(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})\b")
_TITLE_KEYS = ("title", "name", "heading", "summary", "event", "meeting", "titel", "titre")


def unread_event_data(settings: Settings) -> list[Problem]:
    """A warning for each event in the site's data that its templates show and that is
    not in ``[content] events``."""
    from .catalog import site_generator
    from .templates import template_files

    root = settings.base_dir
    data_dirs = site_generator(settings).data_dirs or ("_data", "data")
    events = settings.content.events.resolve()
    # The site's data is beside its config: the repository's top, or a folder of it that
    # holds the events ("page/" of "page/content/spotkania").
    bases = [root, *(p for p in events.parents if p != root and root in p.parents)]
    problems: list[Problem] = []
    seen: set[tuple[Path, str]] = set()
    for template in template_files(root):
        try:
            text = template.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in _DATA_REF.finditer(text):
            dotted = (match[1] or match[2]).rstrip(".")
            found = _data_at(bases, data_dirs, dotted) or _data_folder(bases, data_dirs, dotted)
            if found is None:
                continue
            path, inner, value = found
            if (path, inner) in seen or _within(path, events):
                continue
            seen.add((path, inner))
            described = _event(value) if not isinstance(value, list) else _events(value)
            if described is None:
                continue
            many = path.is_dir()
            spec = f"{display_path(path)}/*{_suffix(path)}" if many else display_path(path)
            problems.append(Problem(
                path, 1, inner, f"{display_path(template)} shows {'events' if many else 'an event'}"
                f" from here ({described}), and announce reads its events from "
                f"{display_path(events)}: it will not announce {'them' if many else 'it'}. "
                f"[content] events = {spec!r} reads {'these files' if many else 'this file'} "
                "instead", "warning"))
    return problems


def _within(path: Path, events: Path) -> bool:
    resolved = path.resolve()
    return resolved == events or events in resolved.parents


def _suffix(folder: Path) -> str:
    suffixes = [p.suffix for p in folder.iterdir() if p.suffix in DATA_SUFFIXES]
    return max(set(suffixes), key=suffixes.count) if suffixes else ".yaml"


def _data_folder(bases: list[Path], data_dirs: tuple[str, ...], dotted: str
                 ) -> tuple[Path, str, Any] | None:
    """A folder of data files a dotted path names (``meetups``: ``data/meetups/*.yaml``, as
    a Hugo content adapter ranges over), and the tables of its files."""
    from .frontmatter import FrontMatterError
    from .lookup import read_data_file

    for root in bases:
        for folder in data_dirs:
            base = root.joinpath(folder, *dotted.split("."))
            if not base.is_dir():
                continue
            values = []
            for path in sorted(base.iterdir())[:500]:
                if path.suffix not in DATA_SUFFIXES or path.stat().st_size > 1_000_000:
                    continue
                try:
                    values.append(read_data_file(path, "1.2"))
                except (FrontMatterError, ValueError, OSError):
                    continue
            return base, "", values
    return None


def _events(values: list[Any]) -> str | None:
    """"N events (Title, date; ...)" when tables of ``values`` are events, else None."""
    found = [d for d in (_event(v) for v in values) if d]
    if not found:
        return None
    return f"{len(found)} events: {found[-1]} and more" if len(found) > 1 else found[0]


def _data_at(bases: list[Path], data_dirs: tuple[str, ...], dotted: str
             ) -> tuple[Path, str, Any] | None:
    """The data file a dotted path names (``upcoming_event.upcoming``: the file
    ``data/upcoming_event.yaml``, then ``upcoming`` in it), the path inside it, and the
    value there."""
    for root in bases:
        found = _data_file_at(root, data_dirs, dotted)
        if found is not None:
            return found
    return None


def _data_file_at(root: Path, data_dirs: tuple[str, ...], dotted: str
                  ) -> tuple[Path, str, Any] | None:
    from .frontmatter import FrontMatterError
    from .lookup import read_data_file

    parts = dotted.split(".")
    for folder in data_dirs:
        for cut in range(len(parts), 0, -1):
            base = root.joinpath(folder, *parts[:cut])
            for suffix in DATA_SUFFIXES:
                path = base.with_name(base.name + suffix)
                if not path.is_file() or path.stat().st_size > 1_000_000:
                    continue
                try:
                    value = read_data_file(path, "1.2")
                except (FrontMatterError, ValueError, OSError):
                    return None
                for key in parts[cut:]:
                    value = value.get(key) if isinstance(value, Mapping) else None
                return path, ".".join(parts[cut:]), value
    return None


def _event(value: Any) -> str | None:
    """"Title, date" when ``value`` is a table with a date and a title, else None."""
    if not isinstance(value, Mapping):
        return None
    day = next((text_of(v) for v in value.values()
                if (isinstance(v, str) and _DATE.match(v)) or hasattr(v, "isoformat")), None)
    title = next((text_of(value[k]) for k in _TITLE_KEYS
                  if isinstance(value.get(k), str) and value[k].strip()), None)
    return f"{title!r}, {day}" if day and title else None
