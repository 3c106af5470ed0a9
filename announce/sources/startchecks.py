"""The checks of an event's start against what else its page says: the offset against the
site's (a DST slip), a date in the title, a report's date, the file's dated name, the
page's own "Time:" line; each a warning that makes the start unsure. With the lines a
page states its time in (:func:`texts`), which the checks and :mod:`.timing` read.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from .clock import DateProblem
from .dates import When, parse_when
from .reader import Reader

__all__ = ["MIDNIGHT", "TITLE_DATE", "check_file_date", "check_offset", "check_report",
           "check_text_agrees", "check_title_date", "texts"]


MIDNIGHT = time(0)


def texts(reader: Reader) -> tuple[list[str], list[str]]:
    """The lines a page states its time in, and where each is: the body's lines, then the
    strings of front-matter lists (an agenda: ``'18:30 Uhr: Kennenlernen'``)."""
    doc = reader.doc
    lines = doc.body.splitlines()
    where = [f"body:{doc.body_line + n}" for n in range(len(lines))]
    for key, value in doc.data.items():
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value[:50]):
            for index, item in enumerate(value[:50]):
                lines.append(item)
                where.append(f"{key}[{index}]")
    return lines, where


# A full date in a title: "08 de Junho de 2023", "25th October 2025", "June 8, 2023",
# "26.02.2026", "2026-02-26".
TITLE_DATE = re.compile(
    r"\b\d{1,2}(?:\.|º|st|nd|rd|th)?\s+(?:de\s+)?[^\W\d_]{3,}\.?,?\s+(?:de\s+)?\d{4}\b"
    r"|\b[^\W\d_]{3,}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b"
    r"|\b\d{1,2}\.\d{1,2}\.\d{4}\b|\b\d{4}-\d{2}-\d{2}\b")


def check_title_date(reader: Reader, path: str, when: When, zone: tzinfo) -> None:
    """A title that names another day than the start (a post dated the day it was written,
    titled for the evening it announces) makes the start unsure."""
    found = reader.found.get("title")
    title = found[1] if found is not None else None
    if not isinstance(title, str) or not any(c.isdigit() for c in title):
        return
    days = []
    for match in TITLE_DATE.finditer(title):
        try:
            days.append(parse_when(match[0], tz=zone, default_time=MIDNIGHT).moment.date())
        except DateProblem:
            continue
    day = when.moment.astimezone(zone).date()
    if days and day not in days:
        reader.unsure.add("start")
        reader.sources["start"] = f"{path} (the title says {days[0].isoformat()})"
        reader.problem(path, f"the title names {days[0].isoformat()}, the start is "
                       f"{day.isoformat()}: the start is unsure", "warning")


# A title that says the page reports on an evening after it ("Meetup Summary (May, 2015)",
# "Rückblick", "compte-rendu"): its date key is when the report was written.
_REPORT = re.compile(
    r"(?i)\b(?:summary|recap|minutes|write-?up|rückblick|nachlese|compte[- ]rendu|résumé|"
    r"resumen|crónica|resoconto|relato|podsumowanie|shrnutí|zápis|итоги|отчёт|отчет)\b|"
    r"レポート|振り返り|후기|回顾")


def check_report(reader: Reader, path: str) -> None:
    """A report's date (its key is the page's own ``date``) is when it was written, and the
    evening it reports on was before: the start is unsure."""
    found = reader.found.get("title")
    title = found[1] if found is not None else None
    if "start" in reader.unsure:
        return  # unsure already, for a reason of its own (the page's line says another)
    if path.casefold() != "date" or not isinstance(title, str) or not _REPORT.search(
            re.sub(r"\([^)]*\)", "", title)):  # ("Lightning Talks and Sprint Recap"): a part
        return
    reader.unsure.add("start")
    reader.sources["start"] = f"{path} (the date of a report on the evening, \"{title}\")"
    reader.problem(path, f"the title says this page reports on the evening ({title!r}): its "
                   "date is when it was written, the start is unsure", "warning")


_FILE_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[-_]|$)")


def check_file_date(reader: Reader, path: str, when: When, zone: tzinfo) -> None:
    """A file named for the same day of another year than its start (``2016-03-24-x.md``
    with ``date: March 24, 2015``): one of the two has a typo in its year, and nothing
    says which, so the start is unsure. A post written days, weeks or months before its
    evening is no such thing."""
    stem = reader.doc.path.stem
    name = reader.doc.path.parent.name if stem in ("index", "_index", "event") else stem
    match = _FILE_DAY.match(name)
    if match is None or path.startswith(("file:", "body:")):
        return
    try:
        named = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return
    day = when.moment.astimezone(zone).date()
    # A typo in a year: the same day of the year, give or take a week, in another year (a
    # talk announced seven months ahead is no such thing).
    years = round((day - named).days / 365.25)
    if years == 0 or abs((day - named).days - years * 365.25) > 7:
        return
    reader.unsure.add("start")
    reader.sources["start"] = f"{path} (the file's name says {named.isoformat()})"
    reader.problem(path, f"the file's name says {named.isoformat()}, the start is "
                   f"{day.isoformat()}: one has a typo, the start is unsure", "warning")


def check_text_agrees(reader: Reader, path: str, when: When, zone: tzinfo) -> When:
    """A key's time of day that the page's own "Time:" line contradicts is unsure: one of
    them is a post's time, or stale, and nothing says which. A naive clock the text states
    shifted by the site's offset is UTC written by mistake: that instant, unsure."""
    from .bodytime import clocks_of, labelled_time, written_in_utc

    found = labelled_time(reader.doc.body)
    if found is None:
        local = when.moment.astimezone(zone)
        said = written_in_utc(reader.doc.body, local) if when.written_offset is None else None
        if said is None:
            return when
        reader.unsure.add("start")
        reader.sources["start"] = f"{path} (UTC, as its text's {said:%H:%M} says)"
        reader.problem(path, f"{local:%H:%M} read as UTC is {said:%H:%M} here, the time the "
                       "page's text states: read so, and unsure (write the site's own time)",
                       "warning")
        moment = local.replace(tzinfo=UTC).astimezone(zone)
        return When(moment, True, None)
    local = when.moment.astimezone(zone if found.offset is None
                                   else timezone(timedelta(minutes=found.offset)))
    if local.time().replace(second=0, microsecond=0) in clocks_of(reader.doc.body):
        # The key's time is on the page too: a programme under "Schedule" (doors 13:00,
        # the talks at 14:00), not another time.
        return when
    line = reader.doc.body_line + found.line - 1
    later = _labelled_day(reader.doc.body.splitlines()[found.line - 1], when, zone)
    if later is not None:
        # "When: Wednesday March 25th, 2015 at 6:30PM" under a post's ":date: 2015-03-18
        # 06:47": the post announces the evening a few days later; its line says when.
        reader.sources["start"] = f"body:{line}"
        return later
    reader.unsure.add("start")
    reader.sources["start"] = f"{path} (the page's line {line} says {found.start:%H:%M})"
    reader.problem(path, f"{local:%H:%M} is not the time the page states on its line {line} "
                   f"({found.start:%H:%M}): the start is unsure", "warning")
    return when


def _labelled_day(line: str, when: When, zone: tzinfo) -> When | None:
    """The day and time a labelled line states in full (with its year), when it is after
    the key's date and within three months of it: the key is when the page was posted."""
    from .dates import DateProblem, parse_when

    text = re.sub(r"[*_`]", "", line.split(":", 1)[-1] if ":" in line[:20] else line)
    try:
        stated = parse_when(text.strip(), tz=zone)
    except (DateProblem, ValueError, OverflowError):
        return None
    if not stated.has_time or str(stated.moment.year) not in text:
        return None
    posted = when.moment.astimezone(zone).date()
    if not posted < stated.moment.date() <= posted + timedelta(days=92):
        return None
    return stated


def check_offset(reader: Reader, path: str, when: When) -> When:
    """Warn when the offset a file wrote is not the site's on that day (a DST slip). A
    slip whose wall clock the page states again (a time key, its text) is that clock."""
    written = when.written_offset
    if written is None:
        return when
    tz = reader.ctx.settings.site.tz
    site_offset = when.moment.astimezone(tz).utcoffset()
    if site_offset is not None and written != site_offset and written != timedelta(0):
        local = when.moment.astimezone(tz)
        slip = written in _offsets_of_year(tz, local.year)
        wall = when.moment.astimezone(timezone(written))
        if slip and _clock_stated(reader, wall.time()):
            # "date: 2026-01-28T18:00:00+02:00" beside "time: '18:00'" in Warsaw: the
            # site's pages give the summer offset all year; the evening is at 18:00.
            reader.problem(path, f"offset {_offset(written)} is not the site's "
                           f"({reader.ctx.settings.site.timezone} is {_offset(site_offset)} "
                           f"on {local:%Y-%m-%d}): read as {wall:%H:%M} there, the time of "
                           "day the page states too", "warning")
            reader.sources["start"] = f"{path} (its clock, which the page states again)"
            return When(datetime.combine(wall.date(), wall.time(), tzinfo=tz), True, None)
        reader.problem(path, f"offset {_offset(written)} is not the site's "
                       f"({reader.ctx.settings.site.timezone} is {_offset(site_offset)} on "
                       f"{local:%Y-%m-%d}): the event starts at {local:%H:%M} there"
                       + (", or at the written clock time if the offset is the slip: unsure"
                          if slip else ""), "warning")
        if slip:
            # The site's other season's offset: the wall clock or the offset is wrong, and
            # nothing says which. (A foreign offset is another city's: its instant holds.)
            reader.unsure.add("start")
            reader.sources["start"] = f"{path} (its offset is the other season's)"
    return when


def _clock_stated(reader: Reader, clock: time) -> bool:
    """Whether the page states the time of day ``clock`` apart from its start's value: in
    its start-time key, or on a line of its text."""
    from .bodytime import stated_time
    from .clock import parse_time_of_day

    _path, value = reader.find("start_time")
    if isinstance(value, str):
        try:
            if parse_time_of_day(value) == clock:
                return True
        except DateProblem:
            pass
    found = stated_time(texts(reader)[0])
    return found is not None and found.start == clock


def _offsets_of_year(tz: tzinfo, year: int) -> set[timedelta]:
    """The UTC offsets ``tz`` has in ``year`` (winter and summer)."""
    found = set()
    for month in (1, 4, 7, 10):
        offset = datetime(year, month, 1, 12, tzinfo=tz).utcoffset()
        if offset is not None:
            found.add(offset)
    return found


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
