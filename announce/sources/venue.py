"""An event's venue: the key that names it (a name, a record of the venues, a block of
Markdown, an anchor), its details (address, links, online), or the page's text when no key
names one; unsure when nothing does.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..content import Location
from ..paths import display_path
from .bodyfacts import HREF, PLACEHOLDER, body_venue
from .clock import preview
from .keymap import MISSING
from .lookup import location_of, looks_online, text_of
from .reader import Reader
from .speakers import ID

__all__ = ["read_venue"]


def read_venue(reader: Reader) -> tuple[Location | None, str | None]:
    """The venue, and its name as the file wrote it."""
    path, value = reader.find("venue")
    _a, address = reader.text("venue_address")
    _u, url = reader.text("venue_url")
    _m, map_link = reader.text("venue_map")
    _o, online_url = reader.text("online_url")
    location: Location | None = None
    if isinstance(value, str) and PLACEHOLDER.match(value):
        # "TBC", "TBA", "?": the venue is not known yet, whatever the key says.
        reader.unsure.add("location")
        reader.note_source("location", path)
        return None, None
    if isinstance(value, str) and "<" in value:
        # '<a href="https://maps...">Café Bleu</a>': the anchor's text names the venue.
        from .bodyfields import venue_parts

        name, _rest = venue_parts(value)
        link = HREF.search(value)
        if name and link and not url:
            url = html.unescape(link[1])
        value = name or value
    elif isinstance(value, str) and ("\n" in value.strip() or "](" in value or "][" in value):
        # A block of Markdown: the name on its first line, then the address; its links.
        from .bodyfields import venue_block

        name, rest, site, on_map = venue_block(value)
        address, url, map_link = address or rest, url or site, map_link or on_map
        value = name or value
    if value is MISSING and not online_url:
        value = body_venue(reader)
        if value is not MISSING:
            path = reader.sources.get("location", path)
    if isinstance(value, Mapping):
        location = location_of(value)
        if location is None:
            reader.problem(path, "a venue needs a name (name: or title:)")
    elif isinstance(value, list):
        reader.problem(path, f"expected one venue, got {preview(value)}")
    elif value is not MISSING and value is not None:
        location = _named_venue(reader, path, text_of(value))
    elif not online_url:
        # A meetup meets somewhere: a page that names no venue in a key or a labelled
        # line (one only in its prose, "Estaremos no Trapiche") is unsure of it, not
        # placeless; check warns, list marks it. A place a sentence names is shown.
        reader.unsure.add("location")
        from .placeprose import venue_in_prose
        from .timing import texts

        place = venue_in_prose(reader, *texts(reader))
        location = Location(title=place) if place else None
    if value is not MISSING and value is not None and "location" not in reader.sources:
        reader.note_source("location", path)
    if location is None and online_url:
        location = Location(title="Online", url=online_url, is_online=True)
        reader.note_source("location", _o)
    if location is not None and (address or url or map_link or online_url):
        location = _with_details(location, address, url, map_link, online_url)
    return location, text_of(value) or (location.title if location else None)


def _named_venue(reader: Reader, path: str, name: str) -> Location | None:
    ctx = reader.ctx
    venues = ctx.venues
    if not name:
        return None
    record = venues.find(name) if venues is not None else None
    if record is not None:
        return venues.location(record)  # type: ignore[union-attr]  # found in venues
    if ctx.strict_venues and venues is not None:
        known = ", ".join(repr(t) for t in venues.titles()) or (
            f"none: no location files in {display_path(Path(venues.source))}")
        reader.problem(path, f"unknown location {preview(name)} (known: {known})")
        return None
    if venues is not None and ID.match(name):
        reader.problem(path, f"{preview(name)} is no venue in {venues.source}: shown as written",
                       "warning")
    return Location(title=" ".join(name.split()), is_online=looks_online(name))


def _with_details(location: Location, address: str | None, url: str | None,
                  map_link: str | None, online_url: str | None) -> Location:
    from dataclasses import replace

    changes: dict[str, Any] = {}
    if address and not location.address:
        changes["address"] = address
        changes["is_online"] = None if location.is_online is None else False
        if location.is_online:
            changes["is_online"] = None
    if url and not location.url:
        changes["url"] = url
    if map_link and not location.map_url:
        changes["map_url"] = map_link
    if online_url:
        changes["url"] = location.url or online_url
        if not (address or location.address):
            changes["is_online"] = True
    return replace(location, **changes) if changes else location
