"""A date value taken apart (:class:`Written`) on the fast path: ISO 8601 text, with or
without a time of day and an offset, read by one precompiled pattern; the checks of its
year, its day and its offset, which free text (:mod:`.freetext`) shares.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import NamedTuple

from .clock import DateProblem, preview

__all__ = ["EXPECTED", "ISO", "MAX_YEAR", "MIN_YEAR", "Written", "check_year", "fixed_zone",
           "from_iso"]


EXPECTED = "(expected e.g. '2027-01-06 18:00')"
MIN_YEAR, MAX_YEAR = 1900, 2200


# The largest UTC offset in use is +14:00; ISO 8601 libraries stop at 18 hours.
_MAX_OFFSET = timedelta(hours=18)


class Written(NamedTuple):
    """A date value taken apart, before a time of day and a zone are settled."""

    day: date
    clock: time | None  # None: the value gave no time of day
    zone: tzinfo | None  # the zone the value wrote itself (an offset, or an aware tzinfo)
    label: str  # the value as the user wrote it, for messages
    native_naive: bool = False  # a YAML/TOML timestamp without offset (naive_timestamps_utc)
    aware: datetime | None = None  # a native aware datetime, whose instant is kept as is


ISO = re.compile(
    r"""\s*(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})
        (?:(?:[Tt]|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?
           \s*(?P<z>[Zz]|[+-]\d{2}(?::?\d{2})?)?
        )?\s*""",
    re.VERBOSE,
)


def from_iso(match: re.Match[str], label: str) -> Written:
    year, month, day = int(match["y"]), int(match["mo"]), int(match["d"])
    check_year(year, label)
    try:
        the_day = date(year, month, day)
    except ValueError:
        raise DateProblem(_no_such_day(label, year, month, day)) from None
    if match["H"] is None:
        return Written(the_day, None, None, label)
    hour, minute = int(match["H"]), int(match["M"])
    fraction = match["f"]
    try:
        clock = time(hour, minute, int(match["S"] or 0),
                     int(fraction[:6].ljust(6, "0")) if fraction else 0)
    except ValueError:
        raise DateProblem(
            f"{preview(label)} is not a date (there is no time of day {hour:02}:{minute:02})"
        ) from None
    offset = match["z"]
    return Written(the_day, clock, _offset_zone(offset, label) if offset else None, label)


def check_year(year: int, label: str) -> None:
    # Also keeps datetime arithmetic away from year 1 and 9999, where converting to UTC
    # raises OverflowError.
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateProblem(
            f"{preview(label)} is not a date (the year must be between {MIN_YEAR} and {MAX_YEAR})")


def _no_such_day(label: str, year: int, month: int, day: int) -> str:
    if not 1 <= month <= 12:
        return f"{preview(label)} is not a date (there is no month {month})"
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return f"{preview(label)} is not a date ({year}-{month:02} has {last} days)"


def _offset_zone(text: str, label: str) -> tzinfo:
    zone = _offset_zones(text)
    if zone is None:
        raise DateProblem(f"{preview(label)} is not a date (there is no UTC offset {text})")
    return zone


@functools.lru_cache(maxsize=64)
def _offset_zones(text: str) -> tzinfo | None:
    """The fixed zone of ``Z``, ``-0500``, ``+05:30`` or ``+02``; None for an impossible one."""
    if text in ("Z", "z"):
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if minutes > 59:
        return None
    return fixed_zone(timedelta(hours=hours, minutes=minutes) * (-1 if text[0] == "-" else 1))


def fixed_zone(offset: timedelta) -> tzinfo | None:
    if abs(offset) > _MAX_OFFSET:
        return None
    return UTC if not offset else timezone(offset)
