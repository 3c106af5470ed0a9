"""The key map: which front-matter keys hold an event's title, start, venue, speakers...

Each field of the event model is a list of *key paths*, tried in order; the first one
present with a value wins. A key path is a dotted path into the front matter, with ``[]``
for "every item of a list": ``dtstart``, ``event.date``, ``extra.start``,
``talks[].speaker``; ``file:date`` is the date a file's name starts with. The defaults
below are the conventions of real meetup sites, so that most sites load with no map at
all; ``announce init`` writes the keys a site really uses into ``[content.keys]``, where
the organizer can correct them.

Adding a convention is one entry in :data:`DEFAULT_KEYS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "DEFAULT_KEYS",
    "FIELD_HELP",
    "MISSING",
    "KeyMap",
    "get_path",
    "validate_path",
]


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

# field -> the key paths tried, in order. More specific keys come first: a Jekyll post's
# top-level ``date`` is the day it was posted, so ``event.date`` wins over it.
DEFAULT_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "title": ("title", "name", "event.title"),
    "start": ("dtstart", "start", "startDate", "start_date", "starts_at", "start_at",
              "started_at", "startsAt", "event.start", "event.date", "extra.start",
              "extra.date", "meetingdate", "eventDate", "event_date", "dateTime", "datetime",
              "date_time", "date"),
    "start_time": ("startTime", "start_time", "time", "event.time", "event.start_time",
                   "extra.time", "extra.start_time"),
    "end": ("dtend", "end", "endDate", "end_date", "ends_at", "end_at", "ended_at", "endsAt",
            "event.end", "event.end_date", "extra.end"),
    "end_time": ("endTime", "end_time", "event.end_time", "extra.end_time"),
    "duration": ("duration", "event.duration", "extra.duration"),
    "timezone": ("timezone", "time_zone", "timeZone", "tz", "event.timezone"),
    "venue": ("location", "venue", "place", "event.location", "event.venue", "event.place",
              "extra.venue", "extra.location", "where"),
    "venue_address": ("address", "venueAddress", "venue_address", "location_address",
                      "event.address", "extra.address"),
    "venue_url": ("venue_url", "venueUrl", "location_url"),
    "venue_map": ("map", "map_url", "mapUrl"),
    "online_url": ("online_url", "onlineUrl", "meeting_url", "stream_url", "livestream",
                   "zoom_url", "event.online_url"),
    "speakers": ("speakers", "speaker", "presenters", "presenter", "talks[].speakers",
                 "talks[].speaker", "agenda[].presenter", "agenda[].speaker",
                 "event.speakers", "event.speaker", "extra.speakers", "extra.speaker",
                 "authors", "author"),
    "speaker_bio": ("speaker_bio", "presenter_bio", "bio"),
    "speaker_link": ("speaker_link", "speaker_url", "presenter_url", "author_link"),
    "talk_title": ("talks[].title", "agenda[].title"),
    "rsvp": ("rsvp_url", "rsvp", "rsvpUrl", "rsvpButtonUrl", "registration.url",
             "registration", "event.registration.url", "event.rsvp", "meetupUrl",
             "meetup_url", "learnMoreURL", "luma", "eventbrite", "ticket_url", "tickets",
             "signup_url", "extra.rsvp"),
    "meetup_id": ("meetup_id", "meetupId", "meetup_event_id", "extra.meetup_id"),
    "meetup_group": ("meetup_group",),
    "image": ("image", "title_image", "heroImage", "hero_image", "cover_image", "cover",
              "event.cover.img", "banner", "featured_image", "thumbnail", "extra.image"),
    "image_alt": ("image_alt", "imageAlt", "heroImageAlt", "event.cover.alt"),
    "type": ("type", "eventtype", "eventType", "event_type", "category"),
    "cancelled": ("cancelled", "canceled", "is_cancelled", "event.cancelled", "status"),
    "draft": ("draft", "unpublished", "published"),
    "group": ("org", "organizer", "organiser", "group"),
    "language": ("lang", "language", "locale"),
}

FIELD_HELP: Final[Mapping[str, str]] = {
    "title": "the event's title",
    "start": "when it starts: a date and time, or a date (then start_time or default_time)",
    "start_time": "the time of day, when start holds only a date (\"18:30\", \"6:30 PM\")",
    "end": "when it ends (a date and time, or a date with end_time)",
    "end_time": "the time of day it ends",
    "duration": "how long it lasts, when there is no end (\"90m\", \"2h\", 120)",
    "timezone": "the event's own IANA timezone, when it is not the site's",
    "venue": "where: a name, an id into [content.lookup] venue, or a mapping",
    "venue_address": "the venue's street address",
    "venue_url": "the venue's web page",
    "venue_map": "a map link for the venue",
    "online_url": "the link to join online",
    "speakers": "who speaks: names, ids into [content.lookup] speakers, or mappings",
    "speaker_bio": "the speaker's bio, when the front matter holds it",
    "speaker_link": "the speaker's web page",
    "talk_title": "each talk's title, for events with several talks",
    "rsvp": "where to RSVP or register (a URL, or a mapping with a url)",
    "meetup_id": "a Meetup event id (with [rsvp] meetup_group)",
    "meetup_group": "the Meetup group of this event",
    "image": "a picture for the email",
    "image_alt": "its alt text",
    "type": "the kind of event ([content] types picks the ones announced)",
    "cancelled": "true when the event is cancelled (or status: cancelled)",
    "draft": "true for drafts (published: false too): they are left out",
    "group": "the organising group, on a site that lists several ([content] group)",
    "language": "the event's language, on a multilingual site",
}


@dataclass(frozen=True)
class KeyMap:
    """Field -> key paths tried in order; fields not set keep :data:`DEFAULT_KEYS`."""

    paths: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_KEYS))
    # Indexes made once, for loading 20,000 files: a file has a dozen keys, the map a few
    # hundred paths, so each file is read key by key (see resolve), never path by path.
    # First key -> (rank in its field, field, path, the path split or None).
    _by_head: dict[str, list[tuple[int, str, str, list[str] | None]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    # Field -> the first keys of its paths.
    _heads: dict[str, frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    # Path -> its first key.
    _heads_of: dict[str, str] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    # Field -> what a file without it gets: (the path to name in a message, and the paths
    # that read no front matter: "body:日時", "file:date").
    misses: dict[str, tuple[str, tuple[str, ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, paths in self.paths.items():
            special = tuple(p for p in paths
                            if p.startswith(("body:", "file:", "text:", SHORTCODE)))
            self.misses[name] = (paths[0] if paths else name, special)
            heads = set()
            for rank, path in enumerate(paths):
                parts = path.split(".") if ("." in path or "[" in path) else None
                head = parts[0].removesuffix("[]") if parts else path
                heads.add(head)
                self._by_head.setdefault(head, []).append((rank, name, path, parts))
            self._heads[name] = frozenset(heads)

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, tuple[str, ...]]) -> KeyMap:
        """The defaults, with the fields ``overrides`` names replaced."""
        return cls({**DEFAULT_KEYS, **overrides})

    def resolve(self, data: Mapping[str, Any]) -> dict[str, tuple[str, Any]]:
        """Field -> (path, value): each field's first path that has a value in ``data``.

        A value is there when it is not None, "" or []: ``false`` and ``0`` are values.
        """
        found: dict[str, tuple[int, str, Any]] = {}
        by_head = self._by_head
        for key in data:
            entries = by_head.get(key)
            if entries is None:
                continue
            for rank, name, path, parts in entries:
                best = found.get(name)
                if best is not None and best[0] < rank:
                    continue
                value = data[key] if parts is None else _walk(data, parts)
                if value is MISSING or value is None or value == "" or value == []:
                    continue
                found[name] = (rank, path, value)
        return {name: (path, value) for name, (_rank, path, value) in found.items()}

    def find(self, data: Mapping[str, Any], name: str) -> tuple[str, Any]:
        """``name``'s first path with a value in ``data``, and the value; else the path
        to name in a message (the field's first) and MISSING."""
        found = self.resolve(data).get(name)
        return found if found is not None else (self.misses.get(name, (name, ()))[0], MISSING)

    def head(self, path: str) -> str:
        """The front-matter key a path starts with: ``event`` for ``event.date``."""
        head = self._heads_of.get(path)
        if head is None:
            head = self._heads_of[path] = path.split(".", 1)[0].split("[", 1)[0]
        return head

    def may_have(self, data: Mapping[str, Any], name: str) -> bool:
        """Whether ``data`` has a key some path of ``name`` starts with (even false)."""
        heads = self._heads.get(name)
        return heads is not None and not heads.isdisjoint(data)

    def candidates(self, name: str) -> tuple[str, ...]:
        return self.paths.get(name, ())

    def present(self, data: Mapping[str, Any], name: str) -> str | None:
        """The first key path of ``name`` present in ``data``, even with an empty value."""
        for path in self.paths.get(name, ()):
            if get_path(data, path) is not MISSING:
                return path
        return None



def get_path(data: Any, path: str) -> Any:
    """The value at ``path`` in ``data``, or MISSING; ``a[]`` collects from every item."""
    if "." not in path and "[" not in path:  # the common case: one plain key
        if type(data) is dict or isinstance(data, Mapping):
            return data.get(path, MISSING)
        return MISSING
    return _walk(data, path.split("."))


def _walk(value: Any, parts: list[str]) -> Any:
    for index, part in enumerate(parts):
        every = part.endswith("[]")
        key = part[:-2] if every else part
        if key:
            if not isinstance(value, Mapping) or key not in value:
                return MISSING
            value = value[key]
        if every:
            if not isinstance(value, list):
                return MISSING
            rest = parts[index + 1:]
            found = [_walk(item, rest) if rest else item for item in value]
            items = [item for item in found if item is not MISSING and item is not None]
            flat: list[Any] = []
            for item in items:
                flat.extend(item if isinstance(item, list) else [item])
            return flat if flat else MISSING
    return value


# The argument of a shortcode in the body, in each of its uses: "shortcode:speaker.id"
# reads {{< speaker id="ann-lee" >}} (a Hugo shortcode whose template looks the id up in
# the site's data, which [content.lookup] then names).
SHORTCODE = "shortcode:"
_SHORTCODE_PATH = re.compile(r"^shortcode:([A-Za-z][\w-]*)\.([A-Za-z_][\w-]*)$")


def shortcode_values(body: str, path: str) -> Any:
    """The values a ``shortcode:NAME.ARG`` path names in ``body``, in order; else MISSING."""
    match = _SHORTCODE_PATH.match(path)
    if match is None or "{{" not in body:
        return MISSING
    name, arg = (re.escape(part) for part in match.groups())
    values = re.findall(rf"\{{\{{[<%]\s*{name}\b[^}}]*?\b{arg}\s*=\s*[\"']([^\"'\n]+)[\"']",
                        body)
    return list(dict.fromkeys(v.strip() for v in values if v.strip())) or MISSING


# A key in a text path's braces ("text:Paris.js #{edition}").
TEXT_KEY = re.compile(r"\{([^{}]+)\}")


def text_value(data: Any, path: str) -> Any:
    """A text path's words with each key's value in its braces; MISSING when a key has
    none."""
    values = []
    for key in TEXT_KEY.findall(path):
        value = get_path(data, key)
        if value is MISSING or value is None or value == "" or isinstance(value, list | dict):
            return MISSING
        values.append(str(value))
    parts = TEXT_KEY.split(path[len("text:"):])
    return "".join(part if n % 2 == 0 else values[n // 2] for n, part in enumerate(parts))


def validate_path(path: str) -> str | None:
    """Why ``path`` is not a key path, or None when it is one."""
    if path == "file:date":  # the date at the start of the file's name
        return None
    if path.startswith("body:") and path[5:].strip():  # a labelled line of the body
        return None
    if path.startswith(SHORTCODE):  # a shortcode's argument: "shortcode:speaker.id"
        return None if _SHORTCODE_PATH.match(path) else (
            f"{path!r} is not a shortcode path (e.g. 'shortcode:speaker.speaker_id')")
    if path.startswith("text:"):  # words and keys: "text:Paris.js #{edition}"
        keys = TEXT_KEY.findall(path)
        bad = next((why for key in keys if (why := validate_path(key))), None)
        return bad or (None if keys else f"{path!r} names no key in braces, e.g. "
                       "'text:Paris.js #{edition}'")
    if not path or path.strip() != path:
        return "expected a key path such as 'date' or 'event.date'"
    for part in path.split("."):
        name = part[:-2] if part.endswith("[]") else part
        if not name or "[" in name or "]" in name:
            return f"{path!r} is not a key path (e.g. 'event.date', 'talks[].speaker')"
    return None
