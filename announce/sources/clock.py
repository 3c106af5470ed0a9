"""Times of day and durations as meetup sites write them; the date module's shared parts.

``17:00``, ``5pm``, ``18h30``, ``18時30分``, the integer 1020 that PyYAML 1.1 makes of an
unquoted ``17:00``; ``90``, ``1h30``, ``PT1H30M``, ``2 hours``. Each is read or refused with
a :class:`DateProblem` whose message is fit for the user.
"""

from __future__ import annotations

import re
import reprlib
from datetime import time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["CJK_TIME", "DATETIME", "MAX_DURATION", "DateProblem", "parse_duration",
           "parse_time_of_day", "preview"]

MAX_DURATION = timedelta(days=7)

_REPR = reprlib.Repr()  # keyword arguments only from Python 3.12
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring = 3, 4, 4, 60
_REPR.maxother = 80  # a datetime in full


def preview(value: Any) -> str:
    """A front-matter value for a message, cut short: a YAML alias bomb's repr would
    never end, and a 100 KB title helps nobody in an error line."""
    text = _REPR.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class DateProblem(ValueError):
    """A date, time of day or duration that cannot be read; the message is fit for a user.

    It is a ValueError, so that callers which already catch ValueError keep working.
    """


# 18時30分 (Japanese, Chinese), 18시 30분 (Korean)
CJK_TIME = r"(\d{1,2})\s*[時时시]\s*(?:(\d{1,2})\s*[分분])?"


def parse_time_of_day(value: object) -> time:
    """A time of day from a front-matter value: ``"6:30 PM"``, ``"18:00"``, ``"18h30"``, ...

    Also ``19h``, ``7 PM``, ``19:00:00``, ``13時30分``, a ``datetime.time`` (TOML), and the
    integer PyYAML (YAML 1.1) makes of an unquoted time: ``17:00`` is read as the
    sexagesimal 17*60+0 = 1020, ``19:00:00`` as 19*3600 = 68400. Raises :class:`DateProblem`.
    """
    if isinstance(value, str):
        return _clock_from_text(value)
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise DateProblem(
                f"{value.isoformat()!r}: a time of day cannot carry a UTC offset "
                "(put the offset on the date)"
            )
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _clock_from_sexagesimal(value)
    raise DateProblem(f"{preview(value)} is not a time of day (expected e.g. '18:30')")


# A date and a time ("2019-05-18T18:00"), and its clock: what a start-time key holding
# whole datetimes gives (a site whose pages show the key as a time only, see timing).
DATETIME = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}[T ](\d{1,2}:\d{2}(?::\d{2})?)"
                      r"(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?\s*$")


def parse_duration(value: object) -> timedelta:
    """A duration from a front-matter value: minutes (``90``), ``"1h30"``, ``"PT1H30M"``, ...

    Also ``"90m"``, ``"90 min"``, ``"1h 30m"``, ``"2h"``, ``"1.5h"``, ``"01:30"`` (hours
    and minutes) and a ``timedelta``. It must be longer than zero and 7 days at most.
    Raises :class:`DateProblem`.
    """
    if isinstance(value, timedelta):
        length, label = value, str(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        # Also what PyYAML makes of an unquoted 1:30 (1*60+30): minutes either way.
        label = preview(value)
        length = _capped(lambda: timedelta(minutes=value), label)
    elif isinstance(value, str):
        label = preview(value.strip())
        length = _capped(lambda: _duration_from_text(value, label), label)
    else:
        raise DateProblem(
            f"{preview(value)} is not a duration (expected minutes, e.g. 90, or '1h30')")
    if length <= timedelta(0):
        raise DateProblem(f"{label} is not a duration (it must be longer than zero)")
    if length > MAX_DURATION:
        raise DateProblem(f"{label} is not a duration (it must be 7 days at most)")
    return length


# --- times of day ----------------------------------------------------------------------

_CLOCK = re.compile(
    r"""\s*(?P<H>\d{1,2})
        (?:(?P<sep>[:.])(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?
          |(?P<h>[hH])(?P<hM>\d{2})?)?
        \s*(?:(?P<ap>[aApP])\.?\s*[mM]\.?)?\s*
        (?P<unit>(?i:uhr|hrs?|horas?))?\s*""",
    re.VERBOSE,
)


# Words before a time that say the evening starts then: "ab 19:00", "from 7pm", "dès 19h".
_FROM = re.compile(r"(?i)^\s*(?:ab|from|starting\s+at|starts?\s+at|at|um|dès|à\s+partir\s+de|"
                   r"a\s+partir\s+de|a\s+partir\s+das|desde|dalle|od|vanaf|om|от|с)\s+(?=\d)")


def _clock_from_text(value: str) -> time:
    label = value.strip()
    value = _FROM.sub("", value)
    match = _CLOCK.fullmatch(value)
    if match is None and not value.isascii():
        match = _CLOCK.fullmatch(re.sub(CJK_TIME, lambda m: f"{m[1]}:{int(m[2] or 0):02}", value))
    # A bare number ("19") could be an hour or a typo: ask for the minutes.
    # ("19 Uhr" says it is an hour.)
    if match is None or not (match["sep"] or match["h"] or match["ap"] or match["unit"]):
        raise DateProblem(f"{preview(label)} is not a time of day (expected e.g. '18:30')")
    hour = int(match["H"])
    minute = int(match["M"] or match["hM"] or 0)
    fraction = match["f"]
    if match["ap"]:
        if not 1 <= hour <= 12:
            raise DateProblem(
                f"{preview(label)} is not a time of day (with AM or PM the hour is 1 to 12)")
        hour = hour % 12 + (12 if match["ap"] in "pP" else 0)
    try:
        return time(hour, minute, int(match["S"] or 0),
                    int(fraction[:6].ljust(6, "0")) if fraction else 0)
    except ValueError:
        raise DateProblem(f"{preview(label)} is not a time of day (no such time)") from None


def _clock_from_sexagesimal(number: int) -> time:
    # YAML 1.1 reads an unquoted 17:00 as 17*60+0 and 19:00:00 as 19*3600+0*60+0. Both
    # readings are taken where no real meetup time is lost: 60..1439 is hours:minutes from
    # 01:00 to 23:59, 3600..86399 hours:minutes:seconds from 01:00:00. The rest (18 meant
    # as 18:00, 1800 as a 24-hour clock, a time before 1 a.m.) would be a guess.
    if 60 <= number < 24 * 60:
        return time(number // 60, number % 60)
    if 3600 <= number < 24 * 3600:
        return time(number // 3600, number // 60 % 60, number % 60)
    raise DateProblem(
        f'{number} is not a time of day (write hours and minutes in quotes, e.g. "18:30")')


# --- durations -------------------------------------------------------------------------

_HUMAN_DURATION = (
    r"""(?xi)\s*(?:(?P<h>\d+(?:[.,]\d+)?)\s*(?:h|hrs?|hours?)\.?)?
        \s*(?:(?P<m>\d+)\s*(?:m|mins?|minutes?)?\.?)?\s*"""
)
_ISO_DURATION = (
    r"(?i)\s*P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+(?:[.,]\d+)?)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?\s*"
)
_CLOCK_DURATION = r"\s*(?P<h>\d{1,3}):(?P<m>[0-5]\d)\s*"


def _capped(make: Callable[[], timedelta], label: str) -> timedelta:
    """``make()``, with a number too large for a timedelta reported as too long."""
    try:
        return make()
    except OverflowError:
        raise DateProblem(f"{label} is not a duration (it must be 7 days at most)") from None


def _duration_from_text(value: str, label: str) -> timedelta:
    for pattern in (_HUMAN_DURATION, _ISO_DURATION, _CLOCK_DURATION):
        match = re.fullmatch(pattern, value)
        if match and any(match.groupdict().values()):
            parts: dict[str, Any] = match.groupdict()
            # "1.5h30" would be a puzzle: fractions of an hour stand alone.
            if parts["h"] and not parts["h"].isdigit() and parts["m"]:
                break
            return timedelta(
                days=int(parts.get("d") or 0),
                hours=float((parts["h"] or "0").replace(",", ".")),
                minutes=int(parts["m"] or 0),
                seconds=int(parts.get("s") or 0),
            )
    raise DateProblem(f"{label} is not a duration (expected minutes, e.g. 90, or '1h30')")
