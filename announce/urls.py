"""URLs in mail: make every link absolute, and find an event's page on the site.

A mail client has no page to resolve ``/images/x.png`` against, so every site-relative
URL is resolved against ``[site] url``; without one, a relative URL is a content error
(``announce check`` reports it), and so is a link that could run code (``javascript:``)
where no sanitizer sees it. Plain string work only: this module is cheap to import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import quote, urljoin

from .config import Settings
from .content import Catalog, Event, Problem
from .sources.dates import preview

__all__ = [
    "event_page_url",
    "find_url_problems",
    "front_matter_line",
    "is_absolute",
    "line_of",
    "map_url",
    "meetup_url",
    "resolve",
    "unsafe_url_problems",
]

# "mailto:", "https:", "tel:"... A scheme is letters first (RFC 3986 section 3.1).
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# The URLs a talk gives outside its body (rsvp_url, image, a venue's url, the "propose"
# link) become buttons and images without passing the body's sanitizer: they must not
# run code (javascript:, vbscript:) or carry a document of their own (data:).
_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_IMAGE_SCHEMES = frozenset({"http", "https"})


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
    base = site_url if site_url.endswith("/") else site_url + "/"
    return urljoin(base, url)


def event_page_url(settings: Settings, event: Event) -> str | None:
    """The event's page on the site from ``[site] permalink``, or None when unset.

    Jekyll's tokens: ``:year``, ``:month``, ``:day`` (of the start, in the site's
    timezone), ``:title`` (the file name without its date), ``:collection`` (the events
    folder's name without a leading underscore); and ``:path``, the event's id (its path
    below the events folder: a Hugo or MkDocs page bundle's folder).
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
        "path": event.id,
    }
    path = re.sub(r":(year|month|day|title|collection|path)\b", lambda m: tokens[m[1]], pattern)
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


def line_of(path: Path, needle: str, default: int) -> int:
    """The line of the file where ``needle`` (or its HTML-escaped form) first appears."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError:
        return default
    for candidate in (needle, needle.replace("&", "&amp;")):
        index = text.find(candidate)
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return default


def _scheme_allowed(url: str, schemes: frozenset[str]) -> bool:
    match = _SCHEME.match(url.strip())
    # No scheme: a site-relative URL, made absolute against [site] url.
    return match is None or match[0][:-1].lower() in schemes


def unsafe_url_problems(event: Event) -> list[Problem]:
    """The URLs of ``event`` that no email may carry (``javascript:``, ``data:``...),
    each with its file and line. The body's own links go through the sanitizer instead."""
    problems: list[Problem] = []
    web = "not a web link (use an http, https or mailto URL)"
    for name, value, schemes, why in (
        ("image", event.image, _IMAGE_SCHEMES,
         "not an image on the web (use an http or https URL)"),
        ("rsvp", event.rsvp_url, _LINK_SCHEMES, web),
    ):
        if value and not _scheme_allowed(value, schemes):
            from .sources.events import field_line

            key, line = field_line(event, name)
            problems.append(Problem(event.path, line, key, f"{preview(value)}: {why}"))
    location = event.location
    if location and location.url and location.path and not _scheme_allowed(
            location.url, _LINK_SCHEMES):
        _key, line = front_matter_line(location.path, ("url",))
        problems.append(Problem(location.path, line, "url", f"{preview(location.url)}: {web}"))
    propose = event.propose_url
    if propose and not _scheme_allowed(propose, _LINK_SCHEMES):
        line = line_of(event.path, propose, event.body_line)
        problems.append(Problem(event.path, line, "body", f"{preview(propose)}: {web}"))
    return problems


def find_url_problems(settings: Settings, catalog: Catalog) -> list[Problem]:
    """Every URL of the events that mail cannot carry, as content errors with file and
    line (``announce check``): links that could run code, and relative URLs when there is
    no ``[site] url`` to resolve them against."""
    problems: list[Problem] = []
    seen: set[tuple[str, int, str]] = set()

    def add(found: Iterable[Problem]) -> None:
        for problem in found:
            key = (str(problem.path), problem.line, problem.message)
            if key not in seen:  # one location file serves many events
                seen.add(key)
                problems.append(problem)

    for event in catalog.events:
        add(unsafe_url_problems(event))
    if settings.site.url:
        return problems
    from .render import relative_url_problems  # here: Markdown only when needed

    for event in catalog.events:
        add(relative_url_problems(settings, event))
    return problems
