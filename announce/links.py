"""Links in mail: URLs made absolute, an event's Meetup page, where a value is in its file.

A mail client has no page to resolve ``/images/x.png`` against, so every site-relative
URL is resolved against ``[site] url`` (:func:`resolve`). An event's Meetup page and a
venue's map are built here too (its page on the site is :mod:`announce.pages`'). Plain
string work, and the lines of files: this module is cheap to import, and imports nothing
of rendering (which uses it), so that :mod:`announce.urls`, which checks URLs by
rendering, sits above both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import quote, urljoin

from .config import Settings
from .content import Event, Problem

__all__ = [
    "body_line_of",
    "front_matter_line",
    "is_absolute",
    "map_url",
    "meetup_url",
    "resolve",
    "rsvp_problems",
    "scheme",
]

# "mailto:", "https:", "tel:"... A scheme is letters first (RFC 3986 section 3.1).
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def scheme(url: str) -> str | None:
    """The scheme of ``url`` as written (``https``, ``mailto``), or None when it has none."""
    match = _SCHEME.match(url.strip())
    return match[0][:-1] if match else None


def is_absolute(url: str) -> bool:
    """Whether ``url`` needs no page to be understood: it has a scheme."""
    return scheme(url) is not None


def resolve(url: str, site_url: str) -> str | None:
    """``url`` made absolute against ``site_url``; None when that is impossible.

    ``//host/x`` becomes ``https://host/x``; ``/x``, ``x`` and ``#x`` are joined to the
    site's root. With no site url, a relative URL cannot be resolved: None.
    """
    url = url.strip()
    if is_absolute(url):
        return url
    if url.startswith("//"):
        return "https:" + url
    if not site_url:
        return None
    base = site_url if site_url.endswith("/") else site_url + "/"
    return urljoin(base, url)


def meetup_url(settings: Settings, event: Event) -> str | None:
    """The Meetup page of the event: its group (or ``[rsvp] meetup_group``) and id."""
    group = event.meetup_group or settings.rsvp.meetup_group
    if not (event.meetup_id and group):
        return None
    return f"https://www.meetup.com/{quote(group)}/events/{quote(event.meetup_id)}/"


def rsvp_problems(settings: Settings, events: Iterable[Event]) -> list[Problem]:
    """For ``check``: upcoming ``events`` with a Meetup id and no group to build their RSVP
    link from, a warning each on the id's line."""
    if settings.rsvp.meetup_group:
        return []
    from .sources.events import field_line

    config = settings.source.name if settings.source else "announce.toml"
    problems = []
    for event in events:
        if event.meetup_id and not event.meetup_group and not event.rsvp_url:
            key, line = field_line(event, "meetup_id")
            problems.append(Problem(event.path, line, key, (
                f"{event.meetup_id!r}: no RSVP button will appear: [rsvp] meetup_group is not "
                f"set in {config} (the group's name in its address, meetup.com/NAME/)"),
                "warning"))
    return problems


def map_url(lat: float | None, lon: float | None, address: str) -> str | None:
    """An OpenStreetMap link: a pin at the coordinates, else a search for the address."""
    if lat is not None and lon is not None:
        return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"
    if address:
        return "https://www.openstreetmap.org/search?query=" + quote(address, safe="")
    return None


def front_matter_line(path: Path, keys: Sequence[str]) -> tuple[str, int]:
    """The first of ``keys`` found in the file's front matter, and its line."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError:
        lines = []
    for key in keys:
        for number, line in enumerate(lines, 1):
            if re.match(rf"{re.escape(key)}\s*:", line):
                return key, number
    return keys[0], 1


def body_line_of(event: Event, needle: str) -> int:
    """The file line of the body where ``needle`` (or its HTML-escaped form) first
    appears, from the body already read; the body's first line if it does not."""
    for candidate in (needle, needle.replace("&", "&amp;")):
        index = event.body.find(candidate)
        if index >= 0:
            return event.body_line + event.body.count("\n", 0, index)
    return event.body_line
