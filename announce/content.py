"""The content model: ``Event``, ``Location``, ``Speaker``, ``Problem`` and ``Catalog``.

Reading a site into these is :mod:`announce.sources`' job; here are the model and the
parsing of a moment such as ``--now``; the body's sections (description, speaker,
lightning talks) are :mod:`announce.sections`'. A bad file never stops the others:
every problem is a :class:`Problem` (``path:line: field: what is wrong``). This module
is on the start-up path of every command: it imports nothing heavy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Final, Generic, Literal, TypeVar, overload

from .errors import ContentError
from .paths import display_path, place
from .sections import find_propose_url, split_sections

__all__ = [
    "Catalog",
    "Event",
    "Location",
    "Problem",
    "Speaker",
    "parse_datetime",
    "speaker_bios",
]

Severity = Literal["error", "warning"]
SUFFIXES = (".md", ".markdown", ".mdx", ".rst")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, at one line."""

    path: Path
    line: int
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return place(self.path, self.line, self.field) + self.message

    def error(self) -> ContentError:
        """This problem as the error a command stops on."""
        return ContentError(self.message, path=self.path, line=self.line,
                            key=self.field or None)


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
    map_url: str = ""
    # None: decided by the address (see ``online``); a free-string venue says.
    is_online: bool | None = None

    @property
    def online(self) -> bool:
        """A venue with no address and no coordinates (Zoom, Jitsi) is online.

        A venue written as a name alone ("Autodesk Asia") is not: ``is_online`` says.
        """
        if self.is_online is not None:
            return self.is_online
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
class Speaker:
    """Someone who speaks at an event, from its front matter or a speaker file by id."""

    name: str
    bio: str = ""  # Markdown
    url: str = ""
    talk: str = ""  # the title of their talk, on an evening of several
    path: Path | None = None
    role: str = ""  # "Data Science Lecturer", from a speaker record
    affiliation: str = ""  # "University of British Columbia"
    photo: str = ""  # a picture of them, as the record writes it (a URL or a site path)


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
    speakers: tuple[Speaker, ...] = ()
    # The organising group on a site that lists several (an id into its organiser files).
    group: str | None = None
    group_name: str | None = None
    language: str | None = None
    meetup_id: str | None = None
    meetup_group: str | None = None
    rsvp_url: str | None = None
    image: str | None = None
    image_alt: str | None = None
    slug: str = ""
    body_line: int = 1
    # Front-matter keys announce does not use, kept for user templates.
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # Field -> the key path it was read from ("image" -> "event.cover.img"), so that a
    # problem found later (a relative image URL) names the key and line the file has.
    field_paths: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False,
                                           hash=False)
    # Where each fact came from, by its `list --json` name ("start", "location",
    # "speakers", "title"): a key path, "body:LINE" (a line of the file), "file:name",
    # "config:default_time"; see sources.provenance.
    sources: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False,
                                       hash=False)
    # The facts the site does not state, by the same names: ("start",) when only the date
    # is written and nothing says the time of day. `send` refuses an event unsure of its
    # start; `list` and `check` say which.
    unsure: tuple[str, ...] = ()
    # The whole front matter, as the site's templates see it ({{ page.x }}).
    front_matter: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False,
                                            hash=False)
    # The Markdown after the front matter, as written.
    body: str = field(default="", repr=False)
    # Turns the body into Markdown for email (shortcodes, Liquid): see sources.body.
    body_transform: Callable[[Event], str] | None = field(
        default=None, repr=False, compare=False, hash=False)

    @property
    def duration(self) -> timedelta:
        # In UTC: between two times of one zone Python subtracts wall-clock times, which is
        # an hour off when daylight saving starts or ends in between.
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    @classmethod
    def loaded(cls, **values: Any) -> Event:
        """An Event as the loader makes 20,000 of them: ``Event(**values)``, faster.

        A frozen dataclass's ``__init__`` sets each of its thirty fields through
        ``object.__setattr__``, a fifth of the time to map a file; this fills ``__dict__``
        at once. Fields not given take their defaults; body parts stay lazy.
        """
        event = object.__new__(cls)
        fields = event.__dict__
        fields.update(_EVENT_DEFAULTS)
        fields["extra"], fields["front_matter"], fields["field_paths"] = {}, {}, {}
        fields["sources"] = {}
        fields.update(values)
        return event

    def _split_body(self) -> None:
        # Values given to the constructor win over what the body says.
        values = self.__dict__
        body = self.body_transform(self) if self.body_transform is not None else self.body
        sections = split_sections(body)
        values.setdefault("description", sections.description)
        speaker = sections.speaker
        if speaker is None and any(s.bio for s in self.speakers):
            speaker = speaker_bios(self.speakers)
        values.setdefault("speaker", speaker)
        values.setdefault("lightning_talks", sections.lightning_talks)
        values.setdefault("propose_url", find_propose_url(values["lightning_talks"]))


# The plain defaults of Event's fields, for Event.loaded: not the lazy body parts, whose
# absence from __dict__ is what makes them lazy, nor the ones made by a factory.
_EVENT_DEFAULTS: Final = {
    f.name: f.default for f in dataclasses.fields(Event)
    if f.default is not dataclasses.MISSING and not isinstance(f.default, _Unset)
}


def speaker_bios(speakers: tuple[Speaker, ...]) -> str:
    """The bios of speakers read from speaker files, as the body's speaker section (the
    mail shows each on its speaker's card instead: see announce.render.speakers)."""
    with_bio = [s for s in speakers if s.bio]
    if len(with_bio) == 1:
        return with_bio[0].bio.strip()
    return "\n\n".join(f"**{s.name}**: {s.bio.strip()}" for s in with_bio)


@dataclass(frozen=True)
class Catalog:
    """Everything read from the content folders: what loaded, and what was wrong."""

    events: tuple[Event, ...]
    locations: Mapping[str, Location]
    problems: tuple[Problem, ...]
    files_read: int = 0
    # Files left out by rule, not errors: section pages, templates, drafts, bundle
    # resources, pages without front matter. ``check`` lists them once.
    left_out: tuple[Problem, ...] = ()
    # The generator whose habits the files were read with ("jekyll", "hugo", ...).
    generator: str = ""

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def require_events(self) -> None:
        """Raise ContentError when there are event files but none of them loaded.

        "Nothing due" would then keep a scheduled workflow green while it never sends.
        """
        if self.events or not self.files_read:
            return
        errors, skipped = len({p.path for p in self.errors}), len(self.left_out)
        parts = [f"{errors} with errors" if errors else "",
                 f"{skipped} left out as no events" if skipped else ""]
        raise ContentError(
            f"none of the {self.files_read} event files loaded "
            f"({', '.join(p for p in parts if p)}): run 'announce check' to see why, and "
            "map the site's keys in [content.keys] (announce init infers them)")

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
            bad = [p.error() for p in self.errors if p.path.resolve() == resolved]
            if bad:
                raise ContentError.gathered(bad)
            if events_dir is not None and not resolved.is_relative_to(events_dir.resolve()):
                raise ContentError(
                    f"not in the events folder {display_path(events_dir)}: announce sends only "
                    "talks from there ([content] events), so that each has one id", path=ref)
        # The event asked for is the place: an id, or a talk file's path.
        raise ContentError("no such event (see 'announce list --all' for event ids)", key=ref)


# --- dates -----------------------------------------------------------------------------


def parse_datetime(value: Any, tz: tzinfo, *, require_time: bool = True) -> datetime:
    """An aware datetime from a front-matter value or a string such as ``2027-01-28T09:00``.

    A time without an offset is in ``tz`` (the site's timezone); without ``require_time``
    a date alone is its midnight (``--now 2027-01-28``). Raises ``ValueError`` with a
    message fit for the user. The one reader of dates is :mod:`announce.sources.dates`.
    """
    from .sources.dates import parse_when

    midnight = None if require_time else time()
    return parse_when(value, tz=tz, default_time=midnight).moment
