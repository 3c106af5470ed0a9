"""One event file's front matter, through the key map, into an :class:`Event`.

Each field is a small named step (title, start, end, venue, speakers, RSVP...), each
reporting its own problems with the key and line where the user has to look. A file with
an error is left out; one with only warnings loads.
"""

from __future__ import annotations

import html
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from ..config import Settings
from ..content import Event, Location, Problem, Severity, Speaker
from ..paths import display_path
from .bodyfields import TIME_RANGE as _TIME_RANGE
from .dates import DateProblem, When, parse_duration, parse_when, preview, times_disagree
from .frontmatter import Document
from .keymap import MISSING, KeyMap, get_path
from .lookup import Lookup, location_of, looks_online, speaker_of, text_of

__all__ = ["EventContext", "LeftOut", "field_line", "read_event", "slug_of"]

_CANCELLED_TITLE = re.compile(r"^\s*cancell?ed\b\s*[:\-–—]?\s*", re.IGNORECASE)
_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")
# Shortcode and include parameters that hold the RSVP link when the front matter has none
# (``{% include event_links.html doorkeeper_url="..." %}``).
_RSVP_PARAM = re.compile(r"(rsvp|doorkeeper|connpass|meetup|regist|ticket|signup|sign_up|"
                         r"luma|eventbrite|inscription|anmeld)", re.IGNORECASE)


# Key paths into the body's labelled lines: "body:日時".
_BODY = "body:"
# The key path of the date in an event's file name (or its bundle folder's).
_FILE_DATE = "file:date"
_FILE_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[-_]|$)")


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
    default_time: time | None = None
    venues: Lookup | None = None
    # True when venue names must match a venue record (a locations folder exists).
    strict_venues: bool = False
    speakers: Lookup | None = None
    groups: Lookup | None = None
    group: str = ""
    body_transform: Callable[[Event], str] | None = None


class _Reader:
    """The problems of one file as they are found; every step adds to them."""

    # A plain class: a dataclass's generated __init__ costs more per file than the rest.
    __slots__ = ("body_end", "ctx", "doc", "errors", "found", "start_path", "used",
                 "warnings")

    def __init__(self, doc: Document, ctx: EventContext):
        self.doc = doc
        self.ctx = ctx
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.used: set[str] = set()
        self.start_path = "start"
        self.found = ctx.keys.resolve(doc.data)
        self.body_end: str | None = None

    def problem(self, key: str, message: str, severity: Severity = "error") -> None:
        # A key the file does not have is reported on its first line, as a whole.
        if key.startswith(_BODY):
            at = self.doc.body.find(key[len(_BODY):])
            where = self.doc.body_line + self.doc.body.count("\n", 0, at) if at >= 0 else 1
        else:
            where = self.doc.line_of(key) if get_path(self.doc.data, key) is not MISSING else 1
        problem = Problem(self.doc.path, where, key, message, severity)
        (self.errors if severity == "error" else self.warnings).append(problem)

    def find(self, name: str) -> tuple[str, Any]:
        found = self.found.get(name)
        if found is not None:
            self.used.add(found[0])
            return found
        first, special = self.ctx.keys.misses.get(name) or (name, ())
        for path in special:
            value = self._special(name, path)
            if value is not MISSING:
                self.used.add(path)
                return path, value
        return first, MISSING

    def _special(self, name: str, path: str) -> Any:
        if path == _FILE_DATE:
            if name != "start":
                return MISSING
            # Zola and Jekyll posts: the date is the file name's ("2026-07-14-x.md").
            stem = self.doc.path.stem
            match = _FILE_DATE_PREFIX.match(
                stem if stem not in ("index", "_index", "event") else self.doc.path.parent.name)
            return match[1] if match else MISSING
        return self._from_body(name, path)

    def _from_body(self, name: str, path: str) -> Any:
        """A field read from a labelled line of the body (``body:日時``)."""
        from .bodyfields import labelled_value, split_range, venue_parts

        value = labelled_value(self.doc.body, path[len(_BODY):])
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
        if isinstance(value, bool | list | dict):
            self.problem(path, f"expected text, got {preview(value)}")
            return path, None
        return path, str(value).strip()


def read_event(doc: Document, event_id: str, slug: str, ctx: EventContext
               ) -> tuple[Event | None, list[Problem], list[Problem]]:
    """The event of ``doc``, its errors and its warnings; None when it has errors.

    Raises :class:`LeftOut` for a file that is not an event by rule.
    """
    reader = _Reader(doc, ctx)
    _check_draft(reader)
    title = _title(reader)
    zone = _event_zone(reader)
    start = _start(reader, zone)
    end = _end(reader, start, zone)
    location, written_venue = _venue(reader)
    cancelled, title = _cancelled(reader, title)
    speakers = _speakers(reader)
    group, group_name = _group(reader)
    _type_path, type_ = reader.text("type")
    _image_path, image = reader.text("image")
    _alt_path, image_alt = reader.text("image_alt")
    _mid_path, meetup_id = reader.text("meetup_id")
    _mg_path, meetup_group = reader.text("meetup_group")
    _lang_path, language = reader.text("language")
    rsvp_url = _rsvp(reader)
    if reader.errors:
        return None, reader.errors, reader.warnings
    assert title is not None
    assert start is not None
    assert end is not None
    site_tz = ctx.settings.site.tz
    head = ctx.keys.head
    used_tops = {head(path) for path in reader.used}
    event = Event.loaded(
        id=event_id, path=doc.path, title=title,
        start=start.astimezone(site_tz), end=end.astimezone(site_tz),
        type=type_ or "meeting", cancelled=cancelled,
        location_name=written_venue, location=location,
        presenter=_presenter(reader, speakers), speakers=speakers,
        group=group, group_name=group_name, language=language,
        image=image, image_alt=image_alt, slug=slug, body_line=doc.body_line,
        extra={k: v for k, v in doc.data.items() if k not in used_tops},
        field_paths={**{name: found[0] for name, found in reader.found.items()},
                     "start": reader.start_path},
        front_matter=doc.data, body=doc.body, meetup_id=meetup_id, meetup_group=meetup_group,
        rsvp_url=rsvp_url,
        body_transform=ctx.body_transform,
    )
    return event, reader.errors, reader.warnings


# --- the steps -------------------------------------------------------------------------


def _check_draft(reader: _Reader) -> None:
    keys = reader.ctx.keys
    if not keys.may_have(reader.doc.data, "draft"):
        return
    for path in keys.candidates("draft"):
        value = get_path(reader.doc.data, path)
        if not isinstance(value, bool):
            continue
        if path.rsplit(".", 1)[-1] == "published":
            if value is False:
                raise LeftOut("a draft (published: false)")
        elif value:
            raise LeftOut(f"a draft ({path}: true)")


def _title(reader: _Reader) -> str | None:
    errors = len(reader.errors)
    path, title = reader.text("title")
    if not title:
        if len(reader.errors) == errors:  # not twice for one key
            reader.problem(path, "required")
        return None
    if "\n" in title or "\r" in title or "\t" in title:
        # A title is one line everywhere it goes: a subject, a heading, a calendar entry.
        title = " ".join(title.split())
    return title


def _event_zone(reader: _Reader) -> tzinfo:
    path, value = reader.text("timezone")
    site_tz = reader.ctx.settings.site.tz
    if not value:
        return site_tz
    try:
        return zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        reader.problem(path, f"unknown timezone {preview(value)} (an IANA name such as "
                       "'Asia/Singapore'); using the site's", "warning")
        return site_tz


def _when(reader: _Reader, path: str, value: Any, time_name: str, zone: tzinfo,
          default_time: time | None) -> When | None:
    if isinstance(value, list | dict):
        reader.problem(path, f"expected a date, got {preview(value)}")
        return None
    time_path, time_value = reader.find(time_name)
    if time_path == path:  # one key for both: it is the date's own time
        time_value = MISSING
    if isinstance(time_value, list | dict):
        reader.problem(time_path, f"expected a time of day, got {preview(time_value)}")
        return None
    if isinstance(time_value, str) and _TIME_RANGE.search(time_value):
        # "6:30 PM - 8:30 PM": the start here; _end takes the end.
        time_value = _TIME_RANGE.split(time_value, maxsplit=1)[0]
    try:
        when = parse_when(value, None if time_value is MISSING else time_value, tz=zone,
                          naive_timestamps_utc=reader.ctx.naive_utc, default_time=default_time)
    except DateProblem as exc:
        blame = time_path if time_value is not MISSING and _is_time_problem(exc, time_value) \
            else path
        reader.problem(blame, str(exc))
        return None
    if time_value is not MISSING and times_disagree(when, time_value):
        reader.problem(time_path, f"{preview(text_of(time_value))} is not the time {path} says "
                       f"({when.moment:%H:%M}): using {path}'s", "warning")
    return when




def _range_end(reader: _Reader) -> tuple[str, str] | None:
    """The end of a time range written in the start's time key ("18:30 - 20:30")."""
    time_path, time_value = reader.find("start_time")
    if isinstance(time_value, str) and _TIME_RANGE.search(time_value):
        return time_path, _TIME_RANGE.split(time_value, maxsplit=1)[1]
    return None


def _is_time_problem(exc: DateProblem, time_value: Any) -> bool:
    """Whether the separate time key, not the date, is what could not be read."""
    message = str(exc)
    return "has no time of day" not in message and message.startswith(repr(text_of(time_value)))


def _start(reader: _Reader, zone: tzinfo) -> datetime | None:
    path, value = reader.find("start")
    if value is MISSING:
        present = reader.ctx.keys.present(reader.doc.data, "start")
        if present:
            reader.used.add(present)
        reader.problem(present or path, "required: when the event starts")
        return None
    reader.start_path = path
    when = _when(reader, path, value, "start_time", zone, reader.ctx.default_time)
    if when is None:
        return None
    if not when.has_time:
        when = _body_time(reader, when, zone) or when
    _check_offset(reader, path, when)
    return when.moment


def _body_time(reader: _Reader, when: When, zone: tzinfo) -> When | None:
    """A date-only start whose body says the time, on that same day ("13:00 - 17:00")."""
    for path in reader.ctx.keys.candidates("start"):
        if not path.startswith(_BODY):
            continue
        value = reader._from_body("start", path)
        if value is MISSING:
            continue
        try:
            found = parse_when(value, tz=zone)
        except DateProblem:
            reader.body_end = None
            continue
        if found.moment.date() == when.moment.date():
            return found
        reader.body_end = None
    return None


def _check_offset(reader: _Reader, path: str, when: When) -> None:
    """Warn when the offset a file wrote is not the site's on that day (a DST slip)."""
    written = when.written_offset
    if written is None:
        return
    site_offset = when.moment.astimezone(reader.ctx.settings.site.tz).utcoffset()
    if site_offset is not None and written != site_offset and written != timedelta(0):
        local = when.moment.astimezone(reader.ctx.settings.site.tz)
        reader.problem(path, f"offset {_offset(written)} is not the site's "
                       f"({reader.ctx.settings.site.timezone} is {_offset(site_offset)} on "
                       f"{local:%Y-%m-%d}): the event starts at {local:%H:%M} there",
                       "warning")


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _after(start: datetime, minutes: float) -> datetime:
    """Elapsed time after ``start`` (not wall-clock time: DST may fall between)."""
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


def _end(reader: _Reader, start: datetime | None, zone: tzinfo) -> datetime | None:
    settings = reader.ctx.settings
    default = settings.schedule.default_duration_minutes
    path, value = reader.find("end")
    end: datetime | None = None
    if value is not MISSING:
        when = _when(reader, path, value, "end_time", zone, start.timetz() if start else None)
        if when is None:
            return None
        end = when.moment
        if not when.has_time and start is not None and end.date() == start.date():
            # "endDate" the same day and no end time: it says nothing about the length.
            return _after(start, default)
    else:
        time_path, time_value = reader.find("end_time")
        if time_value is MISSING and (ranged := _range_end(reader)) is not None:
            time_path, time_value = ranged
        if time_value is MISSING and reader.body_end:
            time_path, time_value = reader.start_path, reader.body_end
        if time_value is not MISSING and start is not None:
            end = _end_from_time(reader, time_path, time_value, start)
        if end is None:
            duration = _duration(reader)
            if start is None:
                return None
            return start + duration if duration else _after(start, default)
    if start is None or end is None:
        return end
    if end < start:
        start_path = reader.start_path
        raw_start = text_of(_raw(reader, start_path))
        reader.problem(path, f"{text_of(value)!s} is before {start_path} ({raw_start})")
        return None
    if end == start:
        # Real sites have these; a zero-length calendar entry helps nobody.
        reader.problem(path, f"same as {reader.start_path}: using {default} minutes "
                       "([schedule] default_duration_minutes)", "warning")
        return _after(start, default)
    return end


def _raw(reader: _Reader, path: str) -> Any:
    return get_path(reader.doc.data, path)


def _end_from_time(reader: _Reader, path: str, value: Any, start: datetime) -> datetime | None:
    from .dates import parse_time_of_day

    try:
        clock = parse_time_of_day(value)
    except DateProblem as exc:
        reader.problem(path, str(exc))
        return None
    local = start.astimezone(start.tzinfo)
    end = datetime.combine(local.date(), clock, tzinfo=start.tzinfo)
    if end <= start:  # "20:00 - 01:00": past midnight
        end = datetime.combine(local.date() + timedelta(days=1), clock, tzinfo=start.tzinfo)
    return end


def _duration(reader: _Reader) -> timedelta | None:
    path, value = reader.find("duration")
    if value is MISSING:
        return None
    try:
        return parse_duration(value)
    except DateProblem as exc:
        reader.problem(path, str(exc))
        return None


def _venue(reader: _Reader) -> tuple[Location | None, str | None]:
    """The venue, and its name as the file wrote it."""
    path, value = reader.find("venue")
    _a, address = reader.text("venue_address")
    _u, url = reader.text("venue_url")
    _m, map_link = reader.text("venue_map")
    _o, online_url = reader.text("online_url")
    location: Location | None = None
    if isinstance(value, Mapping):
        location = location_of(value)
        if location is None:
            reader.problem(path, "a venue needs a name (name: or title:)")
    elif isinstance(value, list):
        reader.problem(path, f"expected one venue, got {preview(value)}")
    elif value is not MISSING and value is not None:
        location = _named_venue(reader, path, text_of(value))
    elif not online_url:
        reader.problem(path, "no location: the email will not say where", "warning")
    if location is None and online_url:
        location = Location(title="Online", url=online_url, is_online=True)
    if location is not None and (address or url or map_link or online_url):
        location = _with_details(location, address, url, map_link, online_url)
    return location, text_of(value) or (location.title if location else None)


def _named_venue(reader: _Reader, path: str, name: str) -> Location | None:
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
    if venues is not None and _ID.match(name):
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


def _cancelled(reader: _Reader, title: str | None) -> tuple[bool, str | None]:
    path, value = reader.find("cancelled")
    cancelled = False
    if isinstance(value, bool):
        cancelled = value
    elif isinstance(value, str) and path.rsplit(".", 1)[-1] == "status":
        cancelled = value.strip().casefold() in ("cancelled", "canceled", "annulé", "abgesagt")
    elif value is not MISSING:
        reader.problem(path, f"expected true or false, got {preview(value)}")
    if title and _CANCELLED_TITLE.match(title):
        stripped = _CANCELLED_TITLE.sub("", title).strip()
        return True, stripped or title
    return cancelled, title


def _speakers(reader: _Reader) -> tuple[Speaker, ...]:
    path, value = reader.find("speakers")
    if value is MISSING:
        return ()
    if isinstance(value, str) and reader.ctx.speakers is None:
        value = _speaker_names(" ".join(html.unescape(value).split()))
    speakers: list[Speaker] = []
    for item, talk in _speaker_items(reader, path, value):
        speaker = _speaker(reader, item, talk)
        if speaker is not None and speaker.name not in (s.name for s in speakers):
            speakers.append(speaker)
    if len(speakers) == 1:
        _b, bio = reader.text("speaker_bio")
        _l, link = reader.text("speaker_link")
        if bio or link:
            from dataclasses import replace

            speakers[0] = replace(speakers[0], bio=speakers[0].bio or bio or "",
                                  url=speakers[0].url or link or "")
    return tuple(speakers)


def _speaker_items(reader: _Reader, path: str, value: Any) -> list[tuple[Any, str]]:
    """(speaker value, talk title) pairs: per talk when both come from one list of talks.

    ``talks[].speaker`` and ``talks[].title`` are read talk by talk, so that a talk with two
    speakers, or none, keeps every title with its own speakers.
    """
    if "[]" not in path:  # the common case: one string, or a list of names or ids
        items = value if isinstance(value, list) else [value]
        return [(item, "") for item in items]
    talk_path = next((p for p in reader.ctx.keys.candidates("talk_title")
                      if p.split("[]", 1)[0] == path.split("[]", 1)[0] and "[]" in p), None)
    if talk_path is not None:
        head = path.split("[]", 1)[0]
        rest = path.split("[]", 1)[1].lstrip(".")
        talk_rest = talk_path.split("[]", 1)[1].lstrip(".")
        talks = get_path(reader.doc.data, head)
        pairs: list[tuple[Any, str]] = []
        for talk in talks if isinstance(talks, list) else []:
            if not isinstance(talk, Mapping):
                continue
            title = text_of(get_path(talk, talk_rest)) if talk_rest else ""
            who = get_path(talk, rest) if rest else talk
            if who is MISSING or who is None:
                # This talk names its speakers under another of the map's keys.
                who = next((get_path(talk, p.split("[]", 1)[1].lstrip("."))
                            for p in reader.ctx.keys.candidates("speakers")
                            if p.startswith(head + "[].")
                            and get_path(talk, p.split("[]", 1)[1].lstrip(".")) not in
                            (MISSING, None)), MISSING)
            for item in who if isinstance(who, list) else [who]:
                if item is not MISSING and item is not None:
                    pairs.append((item, title))
        if pairs:
            reader.used.add(talk_path)
            return pairs
    items = value if isinstance(value, list) else [value]
    return [(item, "") for item in items]


# "Ben Stoutenburgh and Jay Gagnon", "Priya Raman & Tom O'Neil": one string, two people.
_NAME_SEPARATOR = re.compile(r"\s+(?:and|&|und|et|y|e|и|と)\s+|\s*[;、]\s*|\s+/\s+")


def _presenter(reader: _Reader, speakers: tuple[Speaker, ...]) -> str | None:
    """The speakers as one line, as the file wrote them when it wrote one string."""
    _path, value = reader.found.get("speakers", ("", None))
    if isinstance(value, str) and reader.ctx.speakers is None:
        return " ".join(html.unescape(value).split()) or None
    return ", ".join(s.name for s in speakers) or None


def _speaker_names(text: str) -> list[str]:
    names = [part.strip() for part in _NAME_SEPARATOR.split(text) if part.strip()]
    split: list[str] = []
    for name in names:
        # "Ann Lee, Bob Smith" is two people; "Ann Lee, PhD" and "Lee, Ann" are one.
        parts = [p.strip() for p in name.split(",")]
        if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts):
            split.extend(parts)
        else:
            split.append(name)
    return split


_MD_LINK_NAME = re.compile(r"^\[([^\]]+)\]\(\s*<?([^)\s>]+)>?\s*\)$")


def _speaker(reader: _Reader, item: Any, talk: str) -> Speaker | None:
    if isinstance(item, Mapping):
        return speaker_of(item, talk)
    name = " ".join(html.unescape(text_of(item)).split()).strip(" ,;")
    if not name:
        return None
    link = _MD_LINK_NAME.match(name)
    if link:  # "[Guy Leech](https://twitter.com/guyrleech)": a name and its page
        return Speaker(name=link[1].strip(), url=link[2], talk=talk)
    lookup = reader.ctx.speakers
    record = lookup.find(name) if lookup is not None else None
    if record is not None:
        found = speaker_of(record, talk)
        if found is not None:
            return found
    if lookup is not None and _ID.match(name):
        path, _value = reader.find("speakers")
        reader.problem(path, f"{preview(name)} is no speaker in {lookup.source}: shown as written",
                       "warning")
    return Speaker(name=name, talk=talk)


# What an id looks like ("linda-lee", "rclement"), as opposed to a name ("Linda Lee").
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _group(reader: _Reader) -> tuple[str | None, str | None]:
    _path, group = reader.text("group")
    wanted = reader.ctx.group
    if wanted and group != wanted:
        raise LeftOut(f"another group's event ({group or 'no group'}; [content] group = "
                      f"{wanted!r})")
    if not group:
        return None, None
    record = reader.ctx.groups.find(group) if reader.ctx.groups is not None else None
    name = (text_of(record.data.get("title")) or text_of(record.data.get("name"))) \
        if record is not None else ""
    return group, name or None


def _rsvp(reader: _Reader) -> str | None:
    path, value = reader.find("rsvp")
    if isinstance(value, Mapping):
        value = next((value[k] for k in ("url", "href", "link") if text_of(value.get(k))),
                     MISSING)
    if value is not MISSING:
        url = text_of(value)
        if url and (":" in url or url.startswith("/")):
            return url
        if url:
            reader.problem(path, f"{preview(url)} is not a link: no RSVP button", "warning")
        return None
    return _rsvp_from_body(reader.doc.body)


def _rsvp_from_body(body: str) -> str | None:
    # One character first: a search for "{%" in a body with non-ASCII text costs thirty
    # times more than one for "{", and most bodies have neither.
    if "{" not in body or ("{%" not in body and "{{<" not in body):
        return None
    from .body import find_shortcodes

    for shortcode in find_shortcodes(body):
        for name, value in shortcode.params.items():
            if _RSVP_PARAM.search(name) and value.startswith(("https://", "http://")):
                return value
    return None


def field_line(event: Event, name: str) -> tuple[str, int]:
    """The key path ``event`` read field ``name`` from, and its line in the file."""
    from .frontmatter import FrontMatterError, read_document

    path = event.field_paths.get(name) or name
    try:
        return path, read_document(event.path).line_of(path)
    except FrontMatterError:
        return path, 1


def slug_of(path: Path) -> str:
    """The event's short name: its file (a bundle's folder) without a leading date."""
    stem = path.stem
    if stem in ("index", "_index", "event"):
        stem = path.parent.name
    return _DATE_PREFIX.sub("", stem) or stem
