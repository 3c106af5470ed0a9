"""Date, time and duration values as meetup sites write them, read into aware datetimes.

Front matter holds dates in every shape: native YAML/TOML timestamps (naive or aware), ISO
strings with or without seconds and offsets, "April 26, 2015", "2013-09-28 (Sat)",
"2026年06月20日(土) 13:00", a separate ``time`` key (even the integer PyYAML makes of an
unquoted ``17:00``). :func:`parse_when` reads them all into one :class:`When`, and raises
:class:`DateProblem`, with a message fit for the user, rather than guess.

This module is on the start-up path of every command and runs for every file of a site:
the common forms go through precompiled patterns, and python-dateutil is imported only
for free text that the pattern does not match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from .clock import DateProblem, parse_duration, parse_time_of_day, preview
from .freetext import from_other_text
from .isodates import EXPECTED, ISO, Written, check_year, from_iso

__all__ = [
    "DateProblem",
    "When",
    "parse_duration",
    "parse_time_of_day",
    "parse_when",
    "preview",
    "times_disagree",
]


_MIDNIGHT = time()


@dataclass(frozen=True, slots=True)
class When:
    """When an event happens, and how much of that the file itself said."""

    moment: datetime
    """Aware; in the zone the value was read in (its own offset, UTC, or the site's)."""
    has_time: bool
    """False when only a date was given and ``default_time`` filled in the time of day."""
    written_offset: timedelta | None
    """The UTC offset the file itself wrote, if any: lets a caller warn when it contradicts
    the site's timezone."""


# --- the public functions --------------------------------------------------------------


def parse_when(
    date_value: object,
    time_value: object = None,
    *,
    tz: tzinfo,
    naive_timestamps_utc: bool = False,
    default_time: time | None = None,
) -> When:
    """Read a front-matter date (and optional separate time) into a :class:`When`.

    ``tz`` is the zone naive values are meant in (a ``zoneinfo.ZoneInfo``, so that wall
    clock times are right across daylight saving). With ``naive_timestamps_utc``, a native
    naive datetime (an unquoted YAML/TOML timestamp, which js-yaml based generators read as
    UTC) is UTC; strings are always local to ``tz``.

    ``time_value`` sets the time of day when the date value has none (a date, a date-only
    string, or a datetime at exactly midnight), in the date value's own offset if it wrote
    one, else in ``tz``. A date value with a time of day wins: see :func:`times_disagree`.
    A date-only value without ``time_value`` takes ``default_time``.

    >>> parse_when("2027-01-06 18:00", tz=UTC).moment.isoformat()
    '2027-01-06T18:00:00+00:00'

    Raises :class:`DateProblem`.
    """
    written = _read_date(date_value)
    clock = written.clock
    has_time = True
    if clock is None or (clock == _MIDNIGHT and _given(time_value)):
        if _given(time_value):
            clock = parse_time_of_day(time_value)
        elif default_time is not None:
            clock, has_time = default_time, False
        else:
            raise DateProblem(
                f"{preview(written.label)} has no time of day "
                '(set [content] default_time, e.g. default_time = "18:30")'
            )
        zone = written.zone or tz
    elif written.aware is not None:
        return When(written.aware, True, written.aware.utcoffset())
    elif written.zone is not None:
        zone = written.zone
    else:
        zone = UTC if written.native_naive and naive_timestamps_utc else tz
    moment = _localize(written.day, clock, zone, written.label)
    offset = moment.utcoffset() if written.zone is not None else None
    return When(moment, has_time, offset)


def times_disagree(when: When, time_value: object) -> bool:
    """Whether a separate time key says another time of day than the date value did.

    :func:`parse_when` lets a date value's own time of day win over ``time_value``; a caller
    uses this to warn about the one it ignored. A time value that cannot be read disagrees.
    The comparison is with the wall-clock time in the zone the moment was read in.
    """
    if not _given(time_value):
        return False
    try:
        clock = parse_time_of_day(time_value)
    except DateProblem:
        return True
    wall = when.moment
    return (wall.hour, wall.minute, wall.second) != (clock.hour, clock.minute, clock.second)


# --- date values -----------------------------------------------------------------------


def _read_date(value: object) -> Written:
    if type(value) is str:  # the common case first: this runs for every file
        match = ISO.fullmatch(value)
        return from_iso(match, value.strip()) if match else from_other_text(value)
    if isinstance(value, datetime):
        label = value.isoformat(sep=" ")
        check_year(value.year, label)
        if value.utcoffset() is None:
            return Written(value.date(), value.time(), None, label, native_naive=True)
        return Written(value.date(), value.time(), value.tzinfo, label, aware=value)
    if isinstance(value, date):
        label = value.isoformat()
        check_year(value.year, label)
        return Written(value, None, None, label)
    if isinstance(value, str):
        return _read_date(str(value))
    if value is None:
        raise DateProblem(f"no date given {EXPECTED}")
    raise DateProblem(f"{preview(value)} is not a date {EXPECTED}")


def _localize(day: date, clock: time, zone: tzinfo, label: str) -> datetime:
    """``day`` at wall-clock time ``clock`` in ``zone``; a time that never happens raises."""
    moment = datetime.combine(day, clock, tzinfo=zone)
    # Between a spring-forward gap's two offsets zoneinfo picks one without a word. Aware
    # datetimes of one tzinfo compare by wall-clock time, so the round trip through UTC
    # differs exactly when the clocks skipped this time. (A time that happens twice, in the
    # autumn, is its first occurrence: fold=0.)
    if type(zone) is not timezone and moment.astimezone(UTC).astimezone(zone) != moment:
        raise DateProblem(
            f"{preview(label)} is not a time that exists in {zone} "
            "(the clocks skip it when daylight saving time starts)"
        )
    return moment


def _given(time_value: object) -> bool:
    return time_value is not None and not (
        isinstance(time_value, str) and not time_value.strip())


