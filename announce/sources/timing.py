"""When an event is: its zone, its start and its end, each a step of :mod:`.events`.

Dates come in every shape (see :mod:`.dates`); the end may be an end time, a time range
in the start's text, a duration, or the site's default length.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from .bodyfields import TIME_RANGE as _TIME_RANGE
from .bodytime import split_zone as _split_zone
from .clock import DATETIME as _DATETIME
from .clock import DateProblem, parse_duration, preview
from .dates import When, parse_when, times_disagree
from .keymap import MISSING, get_path
from .lookup import text_of
from .reader import BODY, Reader
from .startchecks import MIDNIGHT as _MIDNIGHT
from .startchecks import TITLE_DATE as _TITLE_DATE
from .startchecks import (
    check_file_date,
    check_offset,
    check_report,
    check_text_agrees,
    check_title_date,
    texts,
)

__all__ = ["end_of", "event_zone", "start_of", "texts"]


def event_zone(reader: Reader) -> tzinfo:
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


def _when(reader: Reader, path: str, value: Any, time_name: str, zone: tzinfo,
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
    if isinstance(time_value, str) and (whole := _DATETIME.match(time_value)):
        time_value = whole[1]  # "2019-05-18T18:00" read for its time of day: its clock
    if isinstance(time_value, str) and _TIME_RANGE.search(time_value):
        # "6:30 PM - 8:30 PM": the start here; end_of takes the end.
        time_value = _TIME_RANGE.split(time_value, maxsplit=1)[0]
    if isinstance(time_value, str) and not isinstance(value, datetime):
        # "13:00 WIB": a time in the zone it names ("...UTC" on a site elsewhere).
        time_value, offset = _split_zone(time_value)
        if offset is None and isinstance(ranged := reader.find(time_name)[1], str):
            offset = _split_zone(ranged)[1]  # "13:00 - 16:00 WIB": the range's zone
        if offset is not None:
            zone = timezone(timedelta(minutes=offset))
    try:
        when = parse_when(value, None if time_value is MISSING else time_value, tz=zone,
                          naive_timestamps_utc=reader.ctx.naive_utc
                          and path not in reader.ctx.local_keys, default_time=default_time)
    except DateProblem as exc:
        blame = time_path if time_value is not MISSING and _is_time_problem(exc, time_value) \
            else path
        reader.problem(blame, str(exc))
        return None
    if time_value is not MISSING and times_disagree(when, time_value):
        reader.problem(time_path, f"{preview(text_of(time_value))} is not the time {path} says "
                       f"({when.moment:%H:%M}): using {path}'s", "warning")
    return when


def _range_end(reader: Reader) -> tuple[str, str] | None:
    """The end of a time range written in the start's time key ("18:30 - 20:30")."""
    time_path, time_value = reader.find("start_time")
    if isinstance(time_value, str) and _TIME_RANGE.search(time_value):
        return time_path, _TIME_RANGE.split(time_value, maxsplit=1)[1]
    return None


def _is_time_problem(exc: DateProblem, time_value: Any) -> bool:
    """Whether the separate time key, not the date, is what could not be read."""
    message = str(exc)
    return "has no time of day" not in message and message.startswith(repr(text_of(time_value)))


def start_of(reader: Reader, zone: tzinfo) -> datetime | None:
    path, value = reader.find("start")
    if value is MISSING:
        present = reader.ctx.keys.present(reader.doc.data, "start")
        if present:
            reader.used.add(present)
        reader.problem(present or path, "required: when the event starts")
        return None
    reader.start_path = path
    # A date alone is read at midnight first; what the page states decides the time below.
    when = _when(reader, path, value, "start_time", zone, _MIDNIGHT)
    if when is None:
        return None
    reader.sources["start"] = path
    if when.has_time and when.written_offset == timedelta(0) and \
            reader.ctx.utc_times != "instant" and _wrote_utc(value):
        when = _utc_habit(reader, when, zone)
    if not when.has_time:
        when = _body_time(reader, when, zone) or _stated_time(reader, when, zone) \
            or _default_time(reader, when, zone)
        when = check_offset(reader, path, when)
    else:
        when = check_offset(reader, path, when)
        when = check_text_agrees(reader, path, when, zone)
    check_title_date(reader, path, when, zone)
    check_report(reader, path)
    check_file_date(reader, path, when, zone)
    return when.moment


def _wrote_utc(value: Any) -> bool:
    """Whether a start value was written in UTC: a "...Z" string, or an aware timestamp at
    +00:00 (a YAML or TOML one)."""
    if isinstance(value, str):
        text = value.strip().upper()
        return text.endswith(("Z", "+00:00", "+0000", "UTC"))
    return isinstance(value, datetime) and value.utcoffset() == timedelta(0)


def _utc_habit(reader: Reader, when: When, zone: tzinfo) -> When:
    """A UTC time on a site whose habit [content] utc_times names: the site's wall clock
    written with a Z ("local"), or a clock nobody knows ("unsure": the date holds)."""
    wall = when.moment.astimezone(UTC).replace(tzinfo=None)
    if reader.ctx.utc_times == "local":
        reader.sources["start"] = f"{reader.start_path} (the site's clock written as UTC)"
        return When(datetime.combine(wall.date(), wall.time(), tzinfo=zone), True, None)
    reader.unsure.add("start")
    reader.sources["start"] = f"{reader.start_path} (a UTC time in an unknown machine's clock)"
    return When(datetime.combine(wall.date(), _MIDNIGHT, tzinfo=zone), True, None)


def _default_time(reader: Reader, when: When, zone: tzinfo) -> When:
    """A date with no time of day stated anywhere: the organizer's [content] default_time
    if they set one, else the date at midnight, marked unsure (``send`` refuses it)."""
    clock = reader.ctx.default_time
    if clock is None:
        reader.unsure.add("start")
        reader.sources["start"] = f"{reader.start_path} (a date only: no time of day stated)"
        return when
    reader.sources["start"] = f"{reader.start_path} + [content] default_time"
    day = when.moment.date()
    return When(datetime.combine(day, clock, tzinfo=when.moment.tzinfo or zone), True,
                when.written_offset)


def _stated_time(reader: Reader, when: When, zone: tzinfo) -> When | None:
    """The time of day the page states in its text, on the date the key gives."""
    from .bodytime import stated_time

    lines, where = texts(reader)
    found = stated_time(lines)
    if found is None:
        return None
    day = when.moment.date()
    start_zone: tzinfo = zone if found.offset is None else \
        timezone(timedelta(minutes=found.offset))
    moment = datetime.combine(day, found.start, tzinfo=start_zone)
    if found.end is not None:
        reader.body_end = found.end.strftime("%H:%M")
    reader.sources["start"] = f"{reader.start_path} + {where[found.line - 1]}"
    named = _days_in(lines[found.line - 1], zone)
    if named and day not in named:
        # "2025년 02월 12일 저녁 5:30" under a key that says 2025-02-04: one of them is
        # wrong, and nothing says which.
        reader.unsure.add("start")
        reader.sources["start"] = (f"{reader.start_path} ({where[found.line - 1]} says "
                                   f"{min(named).isoformat()})")
        reader.problem(reader.start_path, f"the page's {where[found.line - 1]} says "
                       f"{min(named).isoformat()}, the date is {day.isoformat()}: the start "
                       "is unsure", "warning")
    return When(moment, True, None)


# A date with its year first, in digits: 2025-02-12, 2025년 02월 12일, 2026年6月20日.
_YEAR_FIRST = re.compile(r"\b(\d{4})\s*(?:-|년|年|\.)\s*(\d{1,2})\s*(?:-|월|月|\.)\s*(\d{1,2})")


def _days_in(text: str, zone: tzinfo) -> set[date]:
    """The days a line of text names in full (with their year)."""
    days = set()
    for match in _YEAR_FIRST.finditer(text):
        try:
            days.add(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            continue
    for match in _TITLE_DATE.finditer(text):
        try:
            days.add(parse_when(match[0], tz=zone, default_time=_MIDNIGHT).moment.date())
        except DateProblem:
            continue
    return days


def _body_time(reader: Reader, when: When, zone: tzinfo) -> When | None:
    """A date-only start whose body says the time, on that same day ("13:00 - 17:00"),
    in a labelled line the key map names (``body:日時``)."""
    for path in reader.ctx.keys.candidates("start"):
        if not path.startswith(BODY):
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
            reader.sources["start"] = f"{reader.start_path} + {path}"
            return found
        reader.body_end = None
    return None


def _after(start: datetime, minutes: float) -> datetime:
    """Elapsed time after ``start`` (not wall-clock time: DST may fall between)."""
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


def _clock_key_day(reader: Reader) -> date | None:
    """The day a start-time key holding a whole date and time writes, or None."""
    _path, value = reader.find("start_time")
    if not isinstance(value, str) or not _DATETIME.match(value):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:  # "2016-4-9T23:55": a day not written in full
        return None


def end_of(reader: Reader, start: datetime | None, zone: tzinfo) -> datetime | None:
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
    if end < start and reader.sources.get("start", "").startswith(("file:date", "date")) and \
            end.date() < start.date() and _clock_key_day(reader) == end.date():
        # The start's day is the page's, its clock a key whose day is stale (a post copied
        # from another: "startDate: 2020-02-06T19:00" on 2020-04-02): so is the end's.
        end = datetime.combine(start.date(), end.timetz())
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


def _raw(reader: Reader, path: str) -> Any:
    return get_path(reader.doc.data, path)


def _end_from_time(reader: Reader, path: str, value: Any, start: datetime) -> datetime | None:
    from .clock import parse_time_of_day

    offset = None
    if isinstance(value, str):
        value, offset = _split_zone(value)  # "16:00 WIB"
    try:
        clock = parse_time_of_day(value)
    except DateProblem as exc:
        reader.problem(path, str(exc))
        return None
    zone = start.tzinfo if offset is None else timezone(timedelta(minutes=offset))
    local = start.astimezone(zone)
    end = datetime.combine(local.date(), clock, tzinfo=zone)
    if end <= start:  # "20:00 - 01:00": past midnight
        end = datetime.combine(local.date() + timedelta(days=1), clock, tzinfo=zone)
    return end


def _duration(reader: Reader) -> timedelta | None:
    path, value = reader.find("duration")
    if value is MISSING:
        return None
    try:
        return parse_duration(value)
    except DateProblem as exc:
        reader.problem(path, str(exc))
        return None
