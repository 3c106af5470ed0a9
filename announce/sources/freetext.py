"""A date written as free text ("April 26, 2015", "2013-09-28 (Sat)", "2026年06月20日(土)
13:00", "Samstag, den 26. April 2015"): normalised, then read by python-dateutil with
foreign month and weekday names, refusing what it would guess (an ambiguous day and
month, a two-digit year, a timezone name). dateutil is imported only here, on first use.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from collections.abc import Callable

from .clock import CJK_TIME, DateProblem, preview
from .isodates import EXPECTED, ISO, Written, check_year, fixed_zone, from_iso

__all__ = ["from_other_text"]


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


def from_other_text(value: str) -> Written:
    label = value.strip()
    if re.search(_DIGIT, label) is None:  # "TBD", "soon", "": no need to ask dateutil
        raise DateProblem(f"{preview(label)} is not a date {EXPECTED}")
    text = _normalise(label)
    match = ISO.fullmatch(text)
    if match:
        return from_iso(match, label)
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


def _from_free_text(text: str, label: str) -> Written:
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
    check_year(first.year, label)
    clock = first.time() if first.hour == second.hour else None
    offset = first.utcoffset()
    # _zone_named checked the offset; the zone is rebuilt as the fast path builds it.
    zone = None if offset is None else fixed_zone(offset)
    return Written(first.date(), clock, zone, label)


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
        zone = fixed_zone(timedelta(seconds=offset))
        if zone is None:
            hours, minutes = divmod(abs(offset) // 60, 60)
            raise _NoSuchOffset(f"{'-' if offset < 0 else '+'}{hours:02}:{minutes:02}")
        return zone
    if name is not None:
        raise _UnknownZone(name)
    return None
