"""Read talk files (Markdown with YAML front matter) and location files into ``Event``s.

A bad file never stops the others: every problem is collected as a :class:`Problem`
(``path:line: field: what is wrong``) and the file is left out. Heavy libraries are not
imported here: this module is on the start-up path of every command.
"""

from __future__ import annotations

import functools
import html
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Final, Generic, Literal, TypeVar, overload

import yaml
from frontmatter.default_handlers import YAMLHandler

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML without libyaml: same results, slower
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

from .config import Settings
from .errors import ContentError
from .paths import display_path

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


_STR_TAG = "tag:yaml.org,2002:str"


class _Loader(_SafeLoader):
    """libyaml's safe loader; a timestamp that is no real day stays text.

    ``dtstart: 2027-02-30 18:00:00`` would otherwise raise a bare ValueError from inside
    PyYAML; as text, the field's own check reports it with its key and line.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # Most nodes of front matter are plain strings (every key, most values), and for
        # them PyYAML's bookkeeping (anchors, recursion) only returns node.value in the
        # end; going straight there makes loading a large site a tenth faster.
        if node.__class__ is yaml.ScalarNode and node.tag == _STR_TAG:
            return node.value
        return super().construct_object(node, deep)

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        # The tag of a plain scalar depends on its text alone (no path resolvers here), and
        # the keys repeat in every file: remember them instead of trying each pattern again.
        # (types-PyYAML leaves Resolver.resolve untyped: hence the ignores.)
        if kind is yaml.ScalarNode and implicit[0]:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
                if len(_PLAIN_TAGS) < 2048:  # the first file's keys fit; then it stops growing
                    _PLAIN_TAGS[value] = tag
            return tag
        return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]


_PLAIN_TAGS: dict[str, str] = {}


def _timestamp_or_text(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, at one line."""

    path: Path
    line: int
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{display_path(self.path)}:{self.line}"
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


class _Unset:
    """The default of a body part: "split it out of the body when it is first read"."""

    def __repr__(self) -> str:
        return "<from body>"


_FROM_BODY: Final = _Unset()
_T = TypeVar("_T")


class _FromBody(Generic[_T]):
    """An ``Event`` field computed from the event's body when first read, unless given.

    Listing, checking and selecting never read the body; splitting every body while
    loading took a fifth of the time to load a large site. To callers it is a plain field:
    ``Event(..., speaker=None)`` and ``dataclasses.replace(event, description=...)`` work.
    """

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, event: None, owner: type[Any] | None = None) -> _Unset: ...
    @overload
    def __get__(self, event: Event, owner: type[Any] | None = None) -> _T: ...
    def __get__(self, event: Event | None, owner: type[Any] | None = None) -> _T | _Unset:
        if event is None:
            return _FROM_BODY  # the dataclass default
        values = event.__dict__
        if self.name not in values:
            event._split_body()
        return values[self.name]  # type: ignore[no-any-return]  # stored by __set__ or _split_body

    def __set__(self, event: Event, value: _T | _Unset) -> None:
        if not isinstance(value, _Unset):
            event.__dict__[self.name] = value


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
    # The body's parts (see split_sections), each split out of ``body`` when first read.
    description: _FromBody[str] = _FromBody()
    speaker: _FromBody[str | None] = _FromBody()
    lightning_talks: _FromBody[str | None] = _FromBody()
    # Links found in the lightning-talk section: the content's own "propose" target.
    propose_url: _FromBody[str | None] = _FromBody()
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
    # The Markdown after the front matter, as written.
    body: str = field(default="", repr=False)

    @property
    def duration(self) -> timedelta:
        # In UTC: between two times of one zone Python subtracts wall-clock times, which is
        # an hour off when daylight saving starts or ends in between.
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    def _split_body(self) -> None:
        # Values given to the constructor win over what the body says.
        values = self.__dict__
        sections = split_sections(self.body)
        values.setdefault("description", sections.description)
        values.setdefault("speaker", sections.speaker)
        values.setdefault("lightning_talks", sections.lightning_talks)
        values.setdefault("propose_url", find_propose_url(values["lightning_talks"]))


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
            if events_dir is not None and not resolved.is_relative_to(events_dir.resolve()):
                raise ContentError(
                    f"{ref}: not in the events folder {display_path(events_dir)}: announce sends "
                    "only talks from there ([content] events), so that each has one id"
                )
        raise ContentError(f"{ref}: no such event (see 'announce list --all' for event ids)")


# --- dates -----------------------------------------------------------------------------

_DATETIME = re.compile(
    r"""^\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})
        (?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?
        \s*(?P<tz>Z|[+-]\d{2}:?\d{2})?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)


@functools.lru_cache(maxsize=64)
def _offset_zone(offset: str) -> tzinfo:
    """The fixed zone of an offset such as ``-0500``, ``+05:30`` or ``Z``.

    Raises ValueError for an impossible one (``+2500``).
    """
    if offset.upper() == "Z":
        return UTC
    digits = offset[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-delta if offset[0] == "-" else delta)


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
    try:
        zone = _offset_zone(offset) if offset else tz
        return datetime(
            int(match["y"]), int(match["m"]), int(match["d"]),
            int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0), tzinfo=zone,
        )
    except ValueError:
        raise ValueError(f"{value!r} is not a date (no such day or time)") from None


# --- body sections ---------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})[ \t]*(.*?)[ \t]*#*[ \t]*$")
_TAG = re.compile(r"<[^>]*>")
# The lines that can change the split: ATX headings and code fences. One scan of the body
# finds them all, so the text in between is never looked at line by line. The scan looks
# for "\n" (a literal the regex engine finds fast) rather than for "^" at every position.
_MARKER_LINE = re.compile(r"\n((?:#|[ \t]*(?:```|~~~))[^\n]*)")
_FIRST_MARKER_LINE = re.compile(r"(?:#|[ \t]*(?:```|~~~))[^\n]*")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
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


def _marker_lines(body: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every line of ``body`` that is a heading or a code fence."""
    first = _FIRST_MARKER_LINE.match(body)
    if first:
        yield first.start(), first.end()
    for match in _MARKER_LINE.finditer(body):
        yield match.start(1), match.end(1)


def split_sections(body: str) -> Sections:
    """Split a talk's Markdown body into description, speaker bio and lightning talks.

    A section runs from its heading to the next heading of the same or a higher level.
    Sections announce does not know stay in the description, in order. Headings inside
    a code fence are text; as in CommonMark, a fence ends at a line of the same
    character, at least as long (so a ``~~~`` block may show a fenced Markdown example).
    """
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    parts: dict[str, list[str]] = {"description": [], "speaker": [], "lightning_talks": []}
    found: set[str] = set()
    current = "description"
    level = 0
    fence = ""  # the open fence's marker, e.g. "```"; empty outside a fence
    start = 0  # where the text not yet given to a section begins
    for line_start, line_end in _marker_lines(body):
        line = body[line_start:line_end]
        if fence:
            closing = _FENCE.match(line)
            if closing and closing[1][0] == fence[0] and len(closing[1]) >= len(fence) \
                    and not line[closing.end():].strip():
                fence = ""
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening[1]
            continue
        match = _HEADING.match(line)
        if not match:
            continue
        depth = len(match[1])
        kind = _heading_kind(match[2])
        if kind:
            parts[current].append(body[start:line_start])
            start = line_end + 1  # the heading line itself belongs to no section
            current, level = kind, depth
            found.add(kind)
        elif current != "description" and depth <= level:
            parts[current].append(body[start:line_start])
            start = line_start
            current, level = "description", 0
    parts[current].append(body[start:])

    def text(name: str) -> str:
        return "".join(parts[name]).strip()

    return Sections(
        description=text("description"),
        speaker=text("speaker") if "speaker" in found else None,
        lightning_talks=text("lightning_talks") if "lightning_talks" in found else None,
    )


class _LinkFinder(HTMLParser):
    """Collects (href, text) of <a href> elements in raw HTML inside Markdown."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            # An anchor without href (<a name="x">) is no link.
            self._href = dict(attrs).get("href")
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
    if "<a" in section or "<A" in section:
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
    text, base = str(path), str(events_dir)
    if text.startswith(base) and text[len(base):len(base) + 1] == os.sep:
        # String slicing: pathlib's relative_to costs more than the rest of the id.
        relative = text[len(base) + 1:]
    else:
        relative = str(path.relative_to(events_dir))
    return os.path.splitext(relative)[0].replace(os.sep, "/")


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
    # The file's line on which ``front`` begins (it begins with the rest of the '---' line).
    front_line: int = 1

    def line_of(self, key: str) -> int:
        # Compiled per call, but only called to report a problem: not on the fast path.
        pattern = re.compile(rf"^{re.escape(key)}\s*:", re.MULTILINE)
        match = pattern.search(self.front)
        return self.front_line + self.front.count("\n", 0, match.start()) if match else 1

    def problem(self, key: str, message: str, severity: Severity = "error") -> Problem:
        return Problem(self.path, self.line_of(key), key, message, severity)


def _read_source(path: Path) -> _Source:
    def fail(line: int, message: str) -> _FileProblems:
        return _FileProblems([Problem(path, line, "", message)])

    try:
        with open(path, "rb", buffering=0) as file:  # unbuffered: one read of the whole file
            raw = file.readall()
    except OSError as exc:
        raise fail(1, f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        reason = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        raise fail(line, reason) from None
    if "\r" in text:
        # Windows and old Mac line ends: one convention, so that line numbers agree with YAML's.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise fail(1, "empty file (expected front matter between '---' lines)")
    # The same boundary python-frontmatter's detect() and split() use.
    opening = _YAML.FM_BOUNDARY.match(text)
    if opening is None:
        raise fail(1, "no front matter (the file must start with a '---' line)")
    try:
        front, body = _YAML.split(text)
    except ValueError:
        raise fail(1, "front matter is not closed (expected a second '---' line)") from None
    front_line = text.count("\n", 0, opening.end()) + 1
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    try:
        data = _YAML.load(front, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise fail(*_yaml_problem(exc, front, front_line)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise fail(front_line + 1, "front matter must be a set of 'key: value' lines")
    return _Source(path, front, body, body_line, data, front_line)


def _after(start: datetime, minutes: int) -> datetime:
    """``minutes`` of elapsed time after ``start`` (not wall-clock time: DST may fall between)."""
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


def _yaml_problem(exc: yaml.YAMLError, front: str, front_line: int) -> tuple[int, str]:
    """The file line and message for a YAML error in front matter that begins at front_line."""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    context = getattr(exc, "context", None)
    mark = problem_mark
    # "found unexpected end of stream" points past the last line; where the unclosed
    # thing began (a quote, a bracket) is where the user has to look.
    if context_mark is not None and (mark is None or mark.index >= len(front.rstrip())):
        mark = context_mark
    line = front_line + (mark.line if mark is not None else 1)
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if context and context_mark is not None:
        reason += f" ({context.removeprefix('while ')} from line {front_line + context_mark.line})"
    return line, f"front matter is not valid YAML: {reason}"


def _optional_str(src: _Source, key: str, problems: list[Problem]) -> str | None:
    value = src.data.get(key)
    if type(value) is str:  # the common case first: this runs ten times per file
        return value.strip() or None
    if value is None:
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
    elif "\n" in title or "\r" in title or "\t" in title:
        # A title is one line everywhere it goes: a subject, a heading, a calendar entry.
        title = " ".join(title.split())

    start = end = None
    if data.get("dtstart") in (None, ""):
        problems.append(src.problem("dtstart", "required: when the event starts"))
    else:
        try:
            # In the site timezone whatever offset the file wrote: "10 days before" then
            # means the same wall-clock time for every event, across daylight saving.
            start = parse_datetime(data["dtstart"], tz).astimezone(tz)
        except ValueError as exc:
            problems.append(src.problem("dtstart", str(exc)))
    if data.get("dtend") not in (None, ""):
        try:
            end = parse_datetime(data["dtend"], tz).astimezone(tz)
        except ValueError as exc:
            problems.append(src.problem("dtend", str(exc)))
        if start and end and end < start:
            problems.append(src.problem(
                "dtend", f"{data['dtend']!s} is before dtstart ({data['dtstart']!s})"))
        elif start and end == start:
            # Real sites have these; a zero-length calendar entry helps nobody.
            end = _after(start, settings.schedule.default_duration_minutes)
            warnings.append(src.problem(
                "dtend", f"same as dtstart: using {settings.schedule.default_duration_minutes} "
                "minutes ([schedule] default_duration_minutes)", "warning"))
    elif start:
        end = _after(start, settings.schedule.default_duration_minutes)

    location_name = _optional_str(src, "location", problems)
    location = None
    if location_name:
        location = _match_location(location_name, locations)
        if location is None:
            known = ", ".join(sorted(repr(t) for t in locations)) or (
                f"none: no location files in {display_path(settings.content.locations)}")
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
    meetup_id = _optional_str(src, "meetup_id", problems)
    meetup_group = _optional_str(src, "meetup_group", problems)
    rsvp_url = _optional_str(src, "rsvp_url", problems)
    image_alt = _optional_str(src, "image_alt", problems)

    if problems:
        raise _FileProblems(problems)
    assert title is not None
    assert start is not None
    assert end is not None

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
        presenter=presenter,
        image=image,
        slug=_DATE_PREFIX.sub("", stem) or stem,
        body_line=src.body_line,
        extra={k: v for k, v in data.items() if k not in _KNOWN_KEYS},
        body=src.body,
        meetup_id=meetup_id,
        meetup_group=meetup_group,
        rsvp_url=rsvp_url,
        image_alt=image_alt,
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
    """The .md and .markdown files below ``folder``, in path order, skipping hidden ones.

    os.scandir rather than Path.rglob: a site of 20,000 talks is listed and sorted in a
    tenth of the time (symlinked folders are not followed, as with rglob).
    """
    found: list[tuple[tuple[str, ...], str]] = []

    def walk(directory: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(directory) as entries:
                listing = list(entries)
        except OSError:
            return  # unreadable: as rglob, skip it
        for entry in listing:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, (*parts, entry.name))
                elif os.path.splitext(entry.name)[1].lower() in SUFFIXES and entry.is_file():
                    found.append(((*parts, entry.name), entry.path))
            except OSError:
                continue

    walk(os.fspath(folder), ())
    found.sort()  # by path components: the order of sorted(Path)
    for _parts, path in found:
        yield Path(path)


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
                                    f"{display_path(other) if other else 'another location'}"))
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
            f"{display_path(events_dir)}: events folder not found "
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
                                    f"{display_path(seen[event.id])}: rename one of them"))
            continue
        seen[event.id] = path
        problems.extend(warnings)
        events.append(event)
    events.sort(key=lambda e: (e.start, e.id))
    return Catalog(tuple(events), locations, tuple(problems), count)
