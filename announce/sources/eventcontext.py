"""The settings made into the :class:`EventContext` every file of a site is read with:
the venues (a lookup, or the locations folder, each file checked), the other lookups
(speakers, groups), the clock's habits, and the body's transform for the mail (shortcodes,
Liquid, MDX), whose notes ``check`` reports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..content import Event, Location, Problem
from ..paths import display_path
from .dates import preview
from .frontmatter import YamlDialect
from .keymap import KeyMap
from .lookup import Lookup, load_lookup, location_of, text_of
from .profiles import Generator
from .reader import EventContext

if TYPE_CHECKING:
    from .body import BodyNote

__all__ = ["body_notes", "event_context"]


def event_context(settings: Settings, generator: Generator
             ) -> tuple[EventContext, dict[str, Location], list[Problem]]:
    content = settings.content
    base = settings.base_dir
    dialect = generator.yaml
    problems: list[Problem] = []
    venue_spec = content.lookup.get("venue")
    strict = False
    if venue_spec:
        venues: Lookup | None = load_lookup(venue_spec, base, dialect)
    elif content.locations.is_dir():
        venues, strict = _location_files(content.locations, dialect), True
    else:
        venues = None
    locations: dict[str, Location] = {}
    if venues is not None:
        problems.extend(venues.problems)
        for record in venues.records.values():
            location = location_of(record.data, record.path)
            if location is not None:
                locations.setdefault(location.title, location)
    lookups = {name: load_lookup(spec, base, dialect)
               for name, spec in content.lookup.items() if name != "venue"}
    for lookup in lookups.values():
        problems.extend(lookup.problems)
    naive = content.naive_times or ("utc" if generator.naive_utc else "local")
    default_time = time.fromisoformat(content.default_time.zfill(5)) \
        if content.default_time else None
    context = EventContext(
        settings=settings, keys=KeyMap.with_overrides(content.keys), naive_utc=naive == "utc",
        local_keys=() if content.naive_times else generator.local_keys,
        utc_times=content.utc_times or "instant",
        default_time=default_time, venues=venues, strict_venues=strict,
        speakers=lookups.get("speakers"), groups=lookups.get("group"), group=content.group,
        body_transform=_body_transform(settings),
    )
    return context, locations, problems


def _location_files(folder: Path, dialect: YamlDialect) -> Lookup:
    """HV Open's locations folder: one file per venue, matched by title or file name."""
    lookup = load_lookup(str(folder), folder.parent, dialect)
    titles: dict[str, Path | None] = {}
    for record_id, record in list(lookup.records.items()):
        problems = _location_problems(record.data, record.path, record.document)
        if not problems:
            title = text_of(record.data.get("title"))
            if title in titles:
                other = titles[title]
                problems.append(Problem(
                    record.path or folder, 1, "title", f"{preview(title)} is also the title of "
                    f"{display_path(other) if other else 'another location'}"))
            titles.setdefault(title, record.path)
        if problems:
            lookup.problems.extend(problems)
            del lookup.records[record_id]
    rebuilt = Lookup(lookup.source, problems=lookup.problems)
    for record in lookup.records.values():
        rebuilt.add(record)
    return rebuilt


def _location_problems(data: Mapping[str, Any], path: Path | None, document: Any
                       ) -> list[Problem]:
    where = path or Path("?")
    problems: list[Problem] = []

    def line(key: str) -> int:
        return int(document.line_of(key)) if document is not None and key in data else 1

    if not (text_of(data.get("title")) or text_of(data.get("name"))):
        problems.append(Problem(where, line("title"), "title",
                                "required: the name events use in 'location:'"))
    for key in ("lat", "lon"):
        value = data.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            problems.append(Problem(where, line(key), key,
                                    f"expected a number, got {preview(value)}"))
    return problems


def _site_variables(settings: Settings) -> dict[str, Any]:
    return {"url": settings.site.url, "baseurl": "", "title": settings.site.name,
            "name": settings.site.name, "lang": settings.site.language}


def _email_body(settings: Settings, event: Event) -> tuple[str, list[BodyNote]]:
    """``event``'s body as Markdown for the email, and what of it shows differently."""
    body = event.body
    suffix = event.path.suffix.lower()
    if suffix == ".rst":
        return body, []  # Markdown made by docutils (see .rst): no shortcodes nor Liquid
    mdx = suffix == ".mdx"
    # body_for_email has its own quick exit; this one also spares importing it.
    if not mdx and "{" not in body and ":" not in body and "!!!" not in body \
            and "???" not in body:
        return body, []
    page = {**event.front_matter, "title": event.title}
    variables = {"site": _site_variables(settings), "page": page}
    if mdx:
        # Imports, exports, JSX and {expressions} are code for the page, not mail text.
        from .mdx import mdx_for_email

        return mdx_for_email(body, body_line=event.body_line, variables=variables,
                             snippets=settings.content.shortcodes)
    from .body import body_for_email

    return body_for_email(body, body_line=event.body_line, variables=variables,
                          snippets=settings.content.shortcodes)


def _body_transform(settings: Settings) -> Callable[[Event], str]:
    return lambda event: _email_body(settings, event)[0]


def body_notes(settings: Settings, event: Event) -> list[Problem]:
    """What of ``event``'s body the email shows differently (unknown shortcodes...)."""
    _text, notes = _email_body(settings, event)
    return [Problem(event.path, note.line, "body", note.message, "warning") for note in notes]
