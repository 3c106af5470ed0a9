"""How messages write a moment: one home for every date and time wording.

- :func:`short_when`, the short form that lists, previews and logs show
  (``Wed 2027-02-03 18:30 CET``), so that ``list``, ``send``'s summary, the preview and
  the GitHub step summary name a moment the same way;
- the mail's own wordings, in the group's language: :func:`format_when` (``Wednesday,
  January 8, 2020, 6:00–8:00 PM EST``), :func:`long_date`, :func:`short_date`,
  :func:`weekday`, :func:`time_of_day` and :func:`relative_day` (``this Wednesday``).

English keeps announce's own wording of dates (CLDR's differs in small ways: "Wed,
January 8" for the long date, "6:00 PM – 8:00 PM"); every other language takes CLDR's
through :class:`announce.i18n.Language`. The English names are spelled out here rather
than asked of Babel, which would cost its import (tens of milliseconds) in commands that
print an English date only. Standard library only: cheap to import.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .i18n import Language

__all__ = [
    "format_when",
    "long_date",
    "relative_day",
    "short_date",
    "short_when",
    "time_of_day",
    "weekday",
]

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def short_when(moment: datetime, tz: tzinfo) -> str:
    """``moment`` on the site's clock: weekday, ISO date, 24-hour time, zone abbreviation."""
    local = moment.astimezone(tz)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"


def _clock(moment: datetime) -> tuple[str, str]:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d}", "AM" if moment.hour < 12 else "PM"


def long_date(moment: datetime, lang: Language | None = None) -> str:
    """``Wednesday, January 6, 2027`` (``Mittwoch, 6. Januar 2027`` in German)."""
    if lang is not None and not lang.english:
        return lang.long_date(moment)
    return f"{_WEEKDAYS[moment.weekday()]}, {_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def short_date(moment: datetime, lang: Language | None = None) -> str:
    """``Wed, Jan 6``: a date in a subject line (``Mi., 6. Jan.`` in German)."""
    if lang is not None and not lang.english:
        return lang.short_date(moment)
    return f"{_WEEKDAYS[moment.weekday()][:3]}, {_MONTHS[moment.month - 1][:3]} {moment.day}"


def weekday(moment: datetime, lang: Language | None = None) -> str:
    """``Wednesday`` (``Mittwoch`` in German)."""
    if lang is not None and not lang.english:
        return lang.weekday(moment)
    return _WEEKDAYS[moment.weekday()]


def time_of_day(moment: datetime, lang: Language | None = None) -> str:
    """``6:30 PM`` (``18:30`` in German)."""
    if lang is not None and not lang.english:
        return lang.time(moment)
    return "{} {}".format(*_clock(moment))


def format_when(start: datetime, end: datetime, tz: tzinfo, lang: Language | None = None) -> str:
    """``Wednesday, January 8, 2020, 6:00–8:00 PM EST``, in the site's timezone
    (``Mittwoch, 8. Januar 2020, 18:00–20:00 MEZ`` in German)."""
    s, e = start.astimezone(tz), end.astimezone(tz)
    if lang is not None and not lang.english:
        return _format_when_cldr(s, e, lang)
    (s_time, s_half), (e_time, e_half) = _clock(s), _clock(e)
    if s.date() != e.date():
        return (f"{long_date(s)}, {s_time} {s_half} {s.tzname()} – "
                f"{long_date(e)}, {e_time} {e_half} {e.tzname()}")
    if s.tzname() != e.tzname():  # the night the clocks change
        times = f"{s_time} {s_half} {s.tzname()}–{e_time} {e_half} {e.tzname()}"
    elif s_half == e_half:
        times = f"{s_time}–{e_time} {e_half} {e.tzname()}"
    else:
        times = f"{s_time} {s_half}–{e_time} {e_half} {e.tzname()}"
    return f"{long_date(s)}, {times}"


def _format_when_cldr(s: datetime, e: datetime, lang: Language) -> str:
    if s.date() != e.date():
        return (f"{lang.date_time(lang.long_date(s), f'{lang.time(s)} {lang.zone(s)}')} – "
                f"{lang.date_time(lang.long_date(e), f'{lang.time(e)} {lang.zone(e)}')}")
    if lang.zone(s) != lang.zone(e):  # the night the clocks change
        times = lang.time_range(s, e).replace(lang.time(s), f"{lang.time(s)} {lang.zone(s)}", 1)
        times = f"{times} {lang.zone(e)}"
    else:
        times = f"{lang.time_range(s, e)} {lang.zone(e)}"
    return lang.date_time(lang.long_date(s), times)


def relative_day(start: datetime, now: datetime, tz: tzinfo, lang: Language | None = None) -> str:
    """``today``, ``tomorrow``, ``this Wednesday`` (within a week), else ``on Wed, Jan 6``."""
    _ = lang.gettext if lang is not None else str
    local = start.astimezone(tz)
    day, today = local.date(), now.astimezone(tz).date()
    days = (day - today).days
    # Translators: today, tomorrow, this ... and on ... complete "Reminder: <title> is
    # ..." (the reminder's subject and first line) and follow "Reminder ·" in its kicker.
    if days == 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    if 1 < days < 7:
        # Translators: the weekday's name, within the coming week.
        return _("this %(weekday)s") % {"weekday": weekday(local, lang)}
    # Translators: a short date such as "Wed, Jan 6", a week or more ahead.
    return _("on %(date)s") % {"date": short_date(local, lang)}
