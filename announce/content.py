"""Read talk files (Markdown with YAML front matter) and location files into ``Event``s.

A bad file never stops the others: every problem is collected as a :class:`Problem`
(``path:line: field: what is wrong``) and the file is left out. Heavy libraries are not
imported here: this module is on the start-up path of every command.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

import yaml
from frontmatter.default_handlers import YAMLHandler

from .config import Settings
from .errors import ContentError

__all__ = [
    "Catalog",
    "Event",
    "Location",
    "Problem",
    "Sections",
    "event_id_for",
    "load_catalog",
    "parse_datetime",
    "split_sections",
]

Severity = Literal["error", "warning"]
SUFFIXES = (".md", ".markdown")
_YAML = YAMLHandler()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, at one line."""

    path: Path
    line: int
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{_display(self.path)}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Location:
    """A venue, read from a file in the locations folder and matched by its title."""

    title: str
    path: Path | None = None
    subtitle: str = ""
    address: str = ""
    address1: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    lat: float | None = None
    lon: float | None = None
    url: str = ""

    @property
    def online(self) -> bool:
        """A venue with no address and no coordinates (Zoom, Jitsi) is online."""
        return not (self.address or self.address1 or self.city or self.lat is not None)

    @property
    def address_lines(self) -> tuple[str, ...]:
        """Street address lines, most specific first, without empty parts."""
        city_line = " ".join(p for p in (", ".join(p for p in (self.city, self.state) if p),
                                         self.zip) if p)
        return tuple(p for p in (self.address, self.address1, city_line) if p)

    @property
    def full_address(self) -> str:
        """One line: title, subtitle and address, as a calendar's LOCATION wants it."""
        parts = [self.title, self.subtitle, *self.address_lines]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Sections:
    """The body of a talk file split by its headings; each part is Markdown."""

    description: str
    speaker: str | None = None
    lightning_talks: str | None = None


@dataclass(frozen=True)
class Event:
    """One talk (or lunch, or meeting) read from one file."""

    id: str
    path: Path
    title: str
    start: datetime
    end: datetime
    type: str
    cancelled: bool
    location_name: str | None
    location: Location | None
    description: str
    speaker: str | None
    lightning_talks: str | None
    # Links found in the lightning-talk section: the content's own "propose" target.
    propose_url: str | None = None
    presenter: str | None = None
    meetup_id: str | None = None
    meetup_group: str | None = None
    rsvp_url: str | None = None
    image: str | None = None
    image_alt: str | None = None
    slug: str = ""
    body_line: int = 1
    # Front-matter keys announce does not use, kept for user templates.
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Catalog:
    """Everything read from the content folders: what loaded, and what was wrong."""

    events: tuple[Event, ...]
    locations: Mapping[str, Location]
    problems: tuple[Problem, ...]
    files_read: int = 0

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def find(self, ref: str, events_dir: Path | None = None) -> Event:
        """An event by id (``2027/2027-01-06-x``) or by file path."""
        for event in self.events:
            if ref in (event.id, str(event.path)):
                return event
        candidate = Path(ref)
        if candidate.suffix in SUFFIXES and candidate.exists():
            resolved = candidate.resolve()
            for event in self.events:
                if event.path.resolve() == resolved:
                    return event
            bad = [str(p) for p in self.errors if p.path.resolve() == resolved]
            if bad:
                raise ContentError("\n".join(bad))
        raise ContentError(f"{ref}: no such event (see 'announce list --all' for event ids)")


# --- dates -----------------------------------------------------------------------------

_DATETIME = re.compile(
    r"""^\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})
        (?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?
        \s*(?P<tz>Z|[+-]\d{2}:?\d{2})?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)


def parse_datetime(value: Any, tz: tzinfo, *, require_time: bool = True) -> datetime:
    """An aware datetime from a YAML value or a string such as ``2021-1-6 19:00:00 -0500``.

    A time without an offset is in ``tz`` (the site's timezone). Raises ``ValueError``
    with a message fit for the user.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=tz) if value.tzinfo is None else value
    if isinstance(value, date):
        if require_time:
            raise ValueError(f"{value.isoformat()!r} has no time of day")
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date and time")
    match = _DATETIME.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a date and time (expected e.g. '2027-01-06 18:00')")
    if match["H"] is None and require_time:
        raise ValueError(f"{value!r} has no time of day")
    offset = match["tz"]
    zone: tzinfo = tz
    if offset:
        if offset.upper() == "Z":
            zone = UTC
        else:
            digits = offset[1:].replace(":", "")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            zone = timezone(-delta if offset[0] == "-" else delta)
    try:
        return datetime(
            int(match["y"]), int(match["m"]), int(match["d"]),
            int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0), tzinfo=zone,
        )
    except ValueError:
        raise ValueError(f"{value!r} is not a date (no such day or time)") from None


# --- body sections ---------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})[ \t]*(.*?)[ \t]*#*[ \t]*$")
_TAG = re.compile(r"<[^>]*>")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SPEAKER = {"speaker", "speakers", "about the speaker", "about the speakers", "presenter",
            "about the presenter"}
_LIGHTNING = {"lightning talks", "lightning talk"}


def _heading_kind(text: str) -> str | None:
    name = " ".join(_TAG.sub("", html.unescape(text)).split()).rstrip(":").strip().lower()
    if name in _SPEAKER:
        return "speaker"
    if name in _LIGHTNING:
        return "lightning_talks"
    return None


def split_sections(body: str) -> Sections:
    """Split a talk's Markdown body into description, speaker bio and lightning talks.

    A section runs from its heading to the next heading of the same or a higher level.
    Sections announce does not know stay in the description, in order.
    """
    lines = body.splitlines()
    parts: dict[str, list[str]] = {"description": [], "speaker": [], "lightning_talks": []}
    found: set[str] = set()
    current = "description"
    level = 0
    in_fence = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            depth = len(match[1])
            kind = _heading_kind(match[2])
            if kind:
                current, level = kind, depth
                found.add(kind)
                continue
            if current != "description" and depth <= level:
                current, level = "description", 0
        parts[current].append(line)

    def text(name: str) -> str:
        return "\n".join(parts[name]).strip("\n")

    return Sections(
        description=text("description").strip(),
        speaker=text("speaker").strip() if "speaker" in found else None,
        lightning_talks=text("lightning_talks").strip() if "lightning_talks" in found else None,
    )


class _LinkFinder(HTMLParser):
    """Collects (href, text) of <a> elements in raw HTML inside Markdown."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


_MD_LINK = re.compile(r"\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_PROPOSE_WORDS = ("propose", "sign up", "submit", "volunteer")


def find_propose_url(section: str | None) -> str | None:
    """The content's own call-for-proposals target in a lightning-talk section.

    A ``mailto:`` link wins; otherwise a link whose text asks to propose or sign up.
    """
    if not section:
        return None
    links: list[tuple[str, str]] = []
    if "<a" in section:
        finder = _LinkFinder()
        finder.feed(section)
        finder.close()
        links.extend(finder.links)
    links.extend((url, text) for text, url in _MD_LINK.findall(section))
    for url, _text in links:
        if url.lower().startswith("mailto:"):
            return url
    for url, text in links:
        if any(word in text.lower() for word in _PROPOSE_WORDS):
            return url
    return None


# --- files -----------------------------------------------------------------------------

_CANCELLED_TITLE = re.compile(r"^\s*cancell?ed\b\s*[:\-–—]?\s*", re.IGNORECASE)
_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")
_KNOWN_KEYS = frozenset({
    "title", "dtstart", "dtend", "location", "type", "meetup_id", "meetup_group", "rsvp_url",
    "image", "image_alt", "title_image", "presenter", "cancelled", "canceled",
})


def event_id_for(path: Path, events_dir: Path) -> str:
    """The stable id of an event: its path below the events folder, without extension."""
    return path.relative_to(events_dir).with_suffix("").as_posix()


class _FileProblems(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


@dataclass
class _Source:
    """A file's text split into its front matter and body, with their line numbers."""

    path: Path
    front: str
    body: str
    body_line: int
    data: dict[str, Any]

    def line_of(self, key: str) -> int:
        pattern = re.compile(rf"^{re.escape(key)}\s*:", re.MULTILINE)
        match = pattern.search(self.front)
        return 2 + self.front.count("\n", 0, match.start()) if match else 1

    def problem(self, key: str, message: str, severity: Severity = "error") -> Problem:
        return Problem(self.path, self.line_of(key), key, message, severity)


def _read_source(path: Path) -> _Source:
    def fail(line: int, message: str) -> _FileProblems:
        return _FileProblems([Problem(path, line, "", message)])

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(1, f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        reason = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        raise fail(line, reason) from None
    if not text.strip():
        raise fail(1, "empty file (expected front matter between '---' lines)")
    if not _YAML.detect(text):
        raise fail(1, "no front matter (the file must start with a '---' line)")
    try:
        front, body = _YAML.split(text)
    except ValueError:
        raise fail(1, "front matter is not closed (expected a second '---' line)") from None
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    try:
        data = _YAML.load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 1 + (mark.line + 1 if mark is not None else 1)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise fail(line, f"front matter is not valid YAML: {reason}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise fail(2, "front matter must be a set of 'key: value' lines")
    return _Source(path, front, body, body_line, data)


def _optional_str(src: _Source, key: str, problems: list[Problem]) -> str | None:
    value = src.data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool | list | dict):
        problems.append(src.problem(key, f"expected text, got {value!r}"))
        return None
    return str(value).strip()


def _load_location(path: Path) -> Location:
    src = _read_source(path)
    problems: list[Problem] = []
    title = _optional_str(src, "title", problems)
    if not title:
        problems.append(src.problem("title", "required: the name events use in 'location:'"))
    coords: dict[str, float | None] = {}
    for key in ("lat", "lon"):
        value = src.data.get(key)
        if value is None or value == "":
            coords[key] = None
        elif isinstance(value, int | float) and not isinstance(value, bool):
            coords[key] = float(value)
        else:
            problems.append(src.problem(key, f"expected a number, got {value!r}"))
    if problems:
        raise _FileProblems(problems)
    assert title is not None
    fields = {k: _optional_str(src, k, problems) or "" for k in
              ("subtitle", "address", "address1", "city", "state", "zip", "url")}
    return Location(title=title, path=path, lat=coords["lat"], lon=coords["lon"], **fields)


def _load_event(
    path: Path, events_dir: Path, settings: Settings, locations: Mapping[str, Location]
) -> tuple[Event, list[Problem]]:
    src = _read_source(path)
    data = src.data
    tz = settings.site.tz
    problems: list[Problem] = []
    warnings: list[Problem] = []

    title = _optional_str(src, "title", problems)
    if not title:
        problems.append(src.problem("title", "required"))

    start = end = None
    if data.get("dtstart") in (None, ""):
        problems.append(src.problem("dtstart", "required: when the event starts"))
    else:
        try:
            start = parse_datetime(data["dtstart"], tz)
        except ValueError as exc:
            problems.append(src.problem("dtstart", str(exc)))
    if data.get("dtend") not in (None, ""):
        try:
            end = parse_datetime(data["dtend"], tz)
        except ValueError as exc:
            problems.append(src.problem("dtend", str(exc)))
        if start and end and end < start:
            problems.append(src.problem(
                "dtend", f"{data['dtend']!s} is before dtstart ({data['dtstart']!s})"))
        elif start and end == start:
            # Real sites have these; a zero-length calendar entry helps nobody.
            end = start + timedelta(minutes=settings.schedule.default_duration_minutes)
            warnings.append(src.problem(
                "dtend", f"same as dtstart: using {settings.schedule.default_duration_minutes} "
                "minutes ([schedule] default_duration_minutes)", "warning"))
    elif start:
        end = start + timedelta(minutes=settings.schedule.default_duration_minutes)

    location_name = _optional_str(src, "location", problems)
    location = None
    if location_name:
        location = _match_location(location_name, locations)
        if location is None:
            known = ", ".join(sorted(repr(t) for t in locations)) or "none: the folder is empty"
            problems.append(src.problem(
                "location", f"unknown location {location_name!r} (known: {known})"))
    else:
        warnings.append(src.problem("location", "no location: the email will not say where",
                                    "warning"))

    cancelled_flag = data.get("cancelled", data.get("canceled", False))
    if not isinstance(cancelled_flag, bool):
        key = "cancelled" if "cancelled" in data else "canceled"
        problems.append(src.problem(key, f"expected true or false, got {cancelled_flag!r}"))
        cancelled_flag = False
    cancelled = bool(cancelled_flag)
    if title and _CANCELLED_TITLE.match(title):
        stripped = _CANCELLED_TITLE.sub("", title).strip()
        cancelled = True
        title = stripped or title

    type_ = _optional_str(src, "type", problems) or "meeting"
    presenter = _optional_str(src, "presenter", problems)
    if presenter:
        presenter = " ".join(html.unescape(presenter).split())
    image = _optional_str(src, "image", problems) or _optional_str(src, "title_image", problems)
    texts = {k: _optional_str(src, k, problems) for k in
             ("meetup_id", "meetup_group", "rsvp_url", "image_alt")}

    if problems:
        raise _FileProblems(problems)
    assert title is not None
    assert start is not None
    assert end is not None

    sections = split_sections(src.body)
    stem = path.stem
    event = Event(
        id=event_id_for(path, events_dir),
        path=path,
        title=title,
        start=start,
        end=end,
        type=type_,
        cancelled=cancelled,
        location_name=location_name,
        location=location,
        description=sections.description,
        speaker=sections.speaker,
        lightning_talks=sections.lightning_talks,
        propose_url=find_propose_url(sections.lightning_talks),
        presenter=presenter,
        image=image,
        slug=_DATE_PREFIX.sub("", stem) or stem,
        body_line=src.body_line,
        extra={k: v for k, v in data.items() if k not in _KNOWN_KEYS},
        **texts,
    )
    return event, warnings


def _normalize(name: str) -> str:
    return " ".join(name.casefold().split())


def _match_location(name: str, locations: Mapping[str, Location]) -> Location | None:
    if name in locations:
        return locations[name]
    wanted = _normalize(name)
    for title, location in locations.items():
        if _normalize(title) == wanted or (location.path and location.path.stem == name):
            return location
    return None


def _content_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in SUFFIXES and path.is_file() and not any(
            part.startswith(".") for part in path.relative_to(folder).parts
        ):
            yield path


def load_locations(folder: Path) -> tuple[dict[str, Location], list[Problem]]:
    """Every location file in ``folder`` by title; a missing folder means no locations."""
    locations: dict[str, Location] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return locations, problems
    for path in _content_files(folder):
        try:
            location = _load_location(path)
        except _FileProblems as exc:
            problems.extend(exc.problems)
            continue
        if location.title in locations:
            other = locations[location.title].path
            problems.append(Problem(path, 1, "title", f"{location.title!r} is also the title of "
                                    f"{_display(other) if other else 'another location'}"))
            continue
        locations[location.title] = location
    return locations, problems


def load_catalog(settings: Settings, paths: Iterable[Path] | None = None) -> Catalog:
    """Read every event and location file the settings point at.

    Raises ``ContentError`` only when the events folder itself is missing; a bad file is
    reported in ``Catalog.problems`` and left out.
    """
    events_dir = settings.content.events
    if not events_dir.is_dir():
        raise ContentError(
            f"{_display(events_dir)}: events folder not found "
            "(set [content] events in announce.toml, e.g. events = \"_events\")"
        )
    locations, problems = load_locations(settings.content.locations)
    events: list[Event] = []
    seen: dict[str, Path] = {}
    count = 0
    for path in paths if paths is not None else _content_files(events_dir):
        count += 1
        try:
            event, warnings = _load_event(path, events_dir, settings, locations)
        except _FileProblems as exc:
            problems.extend(exc.problems)
            continue
        if event.id in seen:
            problems.append(Problem(path, 1, "", f"same event id {event.id!r} as "
                                    f"{_display(seen[event.id])}: rename one of them"))
            continue
        seen[event.id] = path
        problems.extend(warnings)
        events.append(event)
    events.sort(key=lambda e: (e.start, e.id))
    return Catalog(tuple(events), locations, tuple(problems), count)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
