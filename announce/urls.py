"""URLs in mail: make every link absolute, and find an event's page on the site.

A mail client has no page to resolve ``/images/x.png`` against, so every site-relative
URL is resolved against ``[site] url``; without one, a relative URL is a content error
(``announce check`` reports it). Plain string work only: this module is cheap to import.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin

from .config import Settings
from .content import Catalog, Event, Problem

__all__ = [
    "event_page_url",
    "find_url_problems",
    "is_absolute",
    "map_url",
    "meetup_url",
    "resolve",
]

# "mailto:", "https:", "tel:"... A scheme is letters first (RFC 3986 section 3.1).
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def is_absolute(url: str) -> bool:
    """Whether ``url`` needs no page to be understood: it has a scheme."""
    return bool(_SCHEME.match(url.strip()))


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
    return urljoin(site_url.rstrip("/") + "/", url)


def event_page_url(settings: Settings, event: Event) -> str | None:
    """The event's page on the site from ``[site] permalink``, or None when unset.

    Jekyll's tokens: ``:year``, ``:month``, ``:day`` (of the start, in the site's
    timezone), ``:title`` (the file name without its date), ``:collection`` (the events
    folder's name without a leading underscore).
    """
    pattern = settings.site.permalink
    if not pattern or not settings.site.url:
        return None
    local = event.start.astimezone(settings.site.tz)
    tokens = {
        "year": f"{local.year:04d}",
        "month": f"{local.month:02d}",
        "day": f"{local.day:02d}",
        "title": event.slug,
        "collection": settings.content.events.name.lstrip("_"),
    }
    path = re.sub(r":(year|month|day|title|collection)\b", lambda m: tokens[m[1]], pattern)
    return resolve("/" + quote(path.lstrip("/"), safe="/:._-~%"), settings.site.url)


def meetup_url(settings: Settings, event: Event) -> str | None:
    """The Meetup page of the event: its group (or ``[rsvp] meetup_group``) and id."""
    group = event.meetup_group or settings.rsvp.meetup_group
    if not (event.meetup_id and group):
        return None
    return f"https://www.meetup.com/{quote(group)}/events/{quote(event.meetup_id)}/"


def map_url(lat: float | None, lon: float | None, address: str) -> str | None:
    """An OpenStreetMap link: a pin at the coordinates, else a search for the address."""
    if lat is not None and lon is not None:
        return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"
    if address:
        return "https://www.openstreetmap.org/search?query=" + quote(address, safe="")
    return None


def find_url_problems(settings: Settings, catalog: Catalog) -> list[Problem]:
    """Every relative URL in the events that cannot be made absolute, as content errors
    with file and line (``announce check``); none when ``[site] url`` is set."""
    if settings.site.url:
        return []
    from .render import relative_url_problems  # here: Markdown only when needed

    problems: list[Problem] = []
    seen: set[tuple[str, int, str]] = set()
    for event in catalog.events:
        for problem in relative_url_problems(settings, event):
            key = (str(problem.path), problem.line, problem.message)
            if key not in seen:  # one location file serves many events
                seen.add(key)
                problems.append(problem)
    return problems
