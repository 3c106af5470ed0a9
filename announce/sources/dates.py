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

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, ClassVar, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Callable

from .clock import CJK_TIME, DateProblem, parse_duration, parse_time_of_day, preview

__all__ = [
    "DateProblem",
    "When",
    "parse_duration",
    "parse_time_of_day",
    "parse_when",
    "preview",
    "times_disagree",
]

EXPECTED = "(expected e.g. '2027-01-06 18:00')"
MIN_YEAR, MAX_YEAR = 1900, 2200

# The largest UTC offset in use is +14:00; ISO 8601 libraries stop at 18 hours.
_MAX_OFFSET = timedelta(hours=18)
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


class _Written(NamedTuple):
    """A date value taken apart, before a time of day and a zone are settled."""

    day: date
    clock: time | None  # None: the value gave no time of day
    zone: tzinfo | None  # the zone the value wrote itself (an offset, or an aware tzinfo)
    label: str  # the value as the user wrote it, for messages
    native_naive: bool = False  # a YAML/TOML timestamp without offset (naive_timestamps_utc)
    aware: datetime | None = None  # a native aware datetime, whose instant is kept as is


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

_ISO = re.compile(
    r"""\s*(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})
        (?:(?:[Tt]|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?
           \s*(?P<z>[Zz]|[+-]\d{2}(?::?\d{2})?)?
        )?\s*""",
    re.VERBOSE,
)


def _read_date(value: object) -> _Written:
    if type(value) is str:  # the common case first: this runs for every file
        match = _ISO.fullmatch(value)
        return _from_iso(match, value.strip()) if match else _from_other_text(value)
    if isinstance(value, datetime):
        label = value.isoformat(sep=" ")
        _check_year(value.year, label)
        if value.utcoffset() is None:
            return _Written(value.date(), value.time(), None, label, native_naive=True)
        return _Written(value.date(), value.time(), value.tzinfo, label, aware=value)
    if isinstance(value, date):
        label = value.isoformat()
        _check_year(value.year, label)
        return _Written(value, None, None, label)
    if isinstance(value, str):
        return _read_date(str(value))
    if value is None:
        raise DateProblem(f"no date given {EXPECTED}")
    raise DateProblem(f"{preview(value)} is not a date {EXPECTED}")


def _from_iso(match: re.Match[str], label: str) -> _Written:
    year, month, day = int(match["y"]), int(match["mo"]), int(match["d"])
    _check_year(year, label)
    try:
        the_day = date(year, month, day)
    except ValueError:
        raise DateProblem(_no_such_day(label, year, month, day)) from None
    if match["H"] is None:
        return _Written(the_day, None, None, label)
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
    return _Written(the_day, clock, _offset_zone(offset, label) if offset else None, label)


def _check_year(year: int, label: str) -> None:
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
    return _fixed_zone(timedelta(hours=hours, minutes=minutes) * (-1 if text[0] == "-" else 1))


def _fixed_zone(offset: timedelta) -> tzinfo | None:
    if abs(offset) > _MAX_OFFSET:
        return None
    return UTC if not offset else timezone(offset)


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


# --- free text -------------------------------------------------------------------------

# The patterns of the slow paths are source text, compiled (and then cached by the re
# module) on first use: compiling them all would be most of this module's import time.
_DIGIT = r"\d"
# A parenthesised word such as "(Sat)" or "(土)"; only weekdays are dropped (see below).
_PARENTHESISED = r"\s*[(（]\s*([^()（）\d]{1,20}?)\s*[)）]"
_CJK_DATE = r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]"
# A weekday written out of parentheses in Chinese, Japanese or Korean ("2026/08/21 周五
# 13:00", "星期六", "土曜日", "토요일"): a word, not a part of the date.
_CJK_WEEKDAY = (
    r"(?:星期|周|週|礼拜|禮拜)[一二三四五六日天](?![年月日])|[月火水木金土日]曜日?|[월화수목금토일]요일"
)
_FRENCH_AT = r"(?<!\w)à(?!\w)"
# Year first is year-month-day everywhere; as ISO text, a wrong month is reported, not
# swapped with the day as dateutil would.
_YEAR_FIRST = r"(\d{4})([./])(\d{1,2})\2(\d{1,2})\b"
_DAY_MONTH_YEAR = r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})\b"
# Monday first, in German, French, Spanish, Portuguese, Italian and Dutch. Accents are
# left out: free text loses its accents before it is read ("sábado" is "sabado").
_FOREIGN_WEEKDAYS = (
    "montag dienstag mittwoch donnerstag freitag samstag sonntag",
    "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "lunes martes miercoles jueves viernes sabado domingo",
    "segunda terca quarta quinta sexta sabado domingo",
    "lunedi martedi mercoledi giovedi venerdi sabato domenica",
    "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
)
# Only for "(Sat)": as words of a date, abbreviations such as "mar" would shadow months.
_WEEKDAY_ABBREVIATIONS = (
    "mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday "
    "saturday sunday mo di mi do fr sa so lun mar mer jeu ven sam dim ma wo vr za zo"
)
_WEEKDAY_WORDS = frozenset(" ".join((*_FOREIGN_WEEKDAYS, _WEEKDAY_ABBREVIATIONS)).split())


class _UnknownZone(Exception):
    """dateutil found a timezone name it cannot turn into an offset (such as 'EST')."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _NoSuchOffset(Exception):
    """dateutil read an offset beyond any zone's (such as +2500); the text is its ISO form."""


class _TwoDigitYear(Exception):
    """dateutil found a two-digit year, which it would put in a century near today."""


def _from_other_text(value: str) -> _Written:
    label = value.strip()
    if re.search(_DIGIT, label) is None:  # "TBD", "soon", "": no need to ask dateutil
        raise DateProblem(f"{preview(label)} is not a date {EXPECTED}")
    text = _normalise(label)
    match = _ISO.fullmatch(text)
    if match:
        return _from_iso(match, label)
    _reject_ambiguous(text, label)
    return _from_free_text(text, label)


def _normalise(text: str) -> str:
    """Text with weekdays in parentheses dropped and CJK dates in ISO order."""
    text = re.sub(_PARENTHESISED, _drop_weekday, text)
    if not text.isascii():
        text = re.sub(_CJK_DATE, r"\1-\2-\3", text)
        text = re.sub(_CJK_WEEKDAY, " ", text)
        text = re.sub(CJK_TIME, lambda m: f" {m[1]}:{int(m[2] or 0):02}", text)
        text = _without_accents(text)
    text = re.sub(_YEAR_FIRST, r"\1-\3-\4", text)
    # Nikola's "2026-05-17 20:00:00 UTC+02:00" is two hours ahead of UTC, as people mean
    # it; dateutil would read "UTC+02:00" as a POSIX zone, two hours behind.
    text = re.sub(_UTC_PLUS, "", text)
    # ISO 8601's basic form ("20260521T2000"), also with "_" between date and time.
    text = re.sub(_BASIC, r"\1-\2-\3 \4:\5", text)
    return " ".join(text.split())


_BASIC = re.compile(r"^((?:19|20)\d\d)([01]\d)([0-3]\d)[T_ ]([0-2]\d)([0-5]\d)$")


_UTC_PLUS = re.compile(r"\s*\b(?:UTC|GMT)(?=[+-]\d{1,2}(?::?\d\d)?\s*$)")


def _without_accents(text: str) -> str:
    import unicodedata  # only for text that is not ASCII

    # "à 19h30": plain "a" would be read as AM.
    text = re.sub(_FRENCH_AT, " ", text)
    # NFKD also turns full-width digits (２０２６) into ASCII ones.
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _drop_weekday(match: re.Match[str]) -> str:
    word = match[1].rstrip(".").casefold()
    # A word in ASCII letters that is no weekday may be a timezone ("(CET)"): kept, so
    # that it is reported rather than ignored.
    return " " if not word.isascii() or word in _WEEKDAY_WORDS else match[0]


def _reject_ambiguous(text: str, label: str) -> None:
    # dateutil would read 05/06/2024 month first and 13/06/2024 day first: on one site,
    # two conventions, and a European "05.06.2024" on the wrong day. Ask instead.
    match = re.match(_DAY_MONTH_YEAR, text)
    if match:
        first, second, year = int(match[1]), int(match[3]), match[4]
        if first != second and first <= 12 and second <= 12:
            raise DateProblem(
                f"{preview(label)} is ambiguous (write it as '{year}-{second:02}-{first:02}' if "
                f"the day comes first, or '{year}-{first:02}-{second:02}' if the month does)"
            )


# Two leap years that differ in every date field (and in the hour), so that a field the
# text does not give comes out differently from the two defaults: dateutil says nothing
# about what it filled in.
_DEFAULTS = (datetime(1904, 1, 1, 0), datetime(1908, 2, 2, 1))


def _from_free_text(text: str, label: str) -> _Written:
    parse = _dateutil_parser()
    try:
        first, second = (parse(text, default) for default in _DEFAULTS)
    except _NoSuchOffset as exc:
        raise DateProblem(
            f"{preview(label)} is not a date (there is no UTC offset {exc})") from None
    except _TwoDigitYear:
        raise DateProblem(
            f"{preview(label)} has a two-digit year "
            "(write all four digits, e.g. '2027-01-06 18:00')"
        ) from None
    except _UnknownZone as exc:
        raise DateProblem(
            f"{preview(label)} names the timezone {exc.name!r}, which is not understood "
            "(write a UTC offset such as '-05:00', or leave it out for the site's timezone)"
        ) from None
    except (ValueError, OverflowError):
        raise DateProblem(f"{preview(label)} is not a date {EXPECTED}") from None
    for field in ("year", "month", "day"):
        if getattr(first, field) != getattr(second, field):
            raise DateProblem(
                f"{preview(label)} is not a date (it has no {field}; {EXPECTED.removeprefix('(')}")
    _check_year(first.year, label)
    clock = first.time() if first.hour == second.hour else None
    offset = first.utcoffset()
    # _zone_named checked the offset; the zone is rebuilt as the fast path builds it.
    zone = None if offset is None else _fixed_zone(offset)
    return _Written(first.date(), clock, zone, label)


# Month names dateutil does not know, in German, French, Spanish, Portuguese, Italian and
# Dutch, month by month (dateutil compares them in lower case).
_FOREIGN_MONTHS = (
    "januar janner janvier janv enero ene janeiro gennaio gen januari",
    "februar fevrier fevr febrero fevereiro fev febbraio februari",
    "marz maerz mars marzo marco maart mrt",
    "avril avr abril abr aprile",
    "mai mayo maio maggio mag mei",
    "juni juin junio junho giugno giu",
    "juli juillet juil julio julho luglio lug",
    "aout agosto ago augustus",
    "septembre septiembre setiembre setembro settembre set",
    "oktober okt octobre octubre outubro out ottobre ott",
    "novembre noviembre novembro",
    "dezember dez decembre diciembre dic dezembro dicembre",
)
# Words between the parts of a date: "26 de abril de 2015", "le 26 avril 2015",
# "Samstag, den 26. April 2015 um 19:00 Uhr", "segunda-feira".
_FOREIGN_JUMP = ("de", "del", "le", "den", "der", "um", "uhr", "il", "el", "feira", "om")


@functools.lru_cache(maxsize=1)
def _dateutil_parser() -> Callable[[str, datetime], datetime]:
    """dateutil's parser with foreign names, no two-digit years and no local timezone."""
    # Imported here, not at the top: it takes longer to import than this whole module,
    # and most sites never need it. It ships no type hints, hence the ignores (which stay
    # quiet once types-python-dateutil is installed).
    from dateutil import parser  # type: ignore[import-untyped, unused-ignore]

    english = parser.parserinfo  # its tables: the English names

    class Info(parser.parserinfo):  # type: ignore[misc, unused-ignore]
        JUMP: ClassVar[list[str]] = [*english.JUMP, *_FOREIGN_JUMP]
        MONTHS: ClassVar[list[tuple[str, ...]]] = [
            (*names, *foreign.split())
            for names, foreign in zip(english.MONTHS, _FOREIGN_MONTHS, strict=True)
        ]
        WEEKDAYS: ClassVar[list[tuple[str, ...]]] = [
            (*names, *foreign)
            for names, *foreign in zip(
                english.WEEKDAYS, *map(str.split, _FOREIGN_WEEKDAYS), strict=True)
        ]

        def convertyear(self, year: int, century_specified: bool = False) -> int:
            # dateutil puts "15" within 50 years of today: the same file would mean
            # another year some day.
            if year < 100 and not century_specified:
                raise _TwoDigitYear
            return int(super().convertyear(year, century_specified))

    reader = parser.parser(Info(dayfirst=False, yearfirst=False))

    def parse(text: str, default: datetime) -> datetime:
        # A callable tzinfos also keeps dateutil from reading a name such as "EST" as the
        # timezone of the machine this runs on, when that machine happens to use it.
        result = reader.parse(text, default=default, dayfirst=False, tzinfos=_zone_named)
        assert isinstance(result, datetime)
        return result

    return parse


def _zone_named(name: str | None, offset: int | None) -> tzinfo | None:
    if offset is not None:
        zone = _fixed_zone(timedelta(seconds=offset))
        if zone is None:
            hours, minutes = divmod(abs(offset) // 60, 60)
            raise _NoSuchOffset(f"{'-' if offset < 0 else '+'}{hours:02}:{minutes:02}")
        return zone
    if name is not None:
        raise _UnknownZone(name)
    return None
