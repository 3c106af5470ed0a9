"""The calendar file (.ics, METHOD:PUBLISH) that goes with every message.

One UID per event whatever the kind, so that calendars update the entry; its STATUS
and SEQUENCE come from the message's plan (:mod:`announce.kinds`). Zones are written
as VTIMEZONEs with yearly RRULEs, which every calendar reads right.
"""

from __future__ import annotations

import calendar as calendar_module
import functools
from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from ..config import Settings
from ..content import Event
from ..i18n import Language
from ..kinds import MessagePlan

__all__ = ["calendar_file", "event_component", "event_uid", "ics_filename", "new_calendar",
           "sender_domain", "vtimezone"]


def ics_filename(event: Event, limit: int = 40) -> str:
    """The attachment's name: the event's slug, cut at a hyphen to about ``limit``
    characters (the text part names it in a sentence that must wrap)."""
    slug = event.slug or "event"
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] or slug[:limit]
    return f"{slug}.ics"


def sender_domain(settings: Settings) -> str:
    """The domain of ``[mail] from``: Message-IDs and calendar UIDs live there."""
    address = parseaddr(settings.mail.sender)[1]
    domain = address.rpartition("@")[2].strip().lower()
    return domain or "localhost"


def event_uid(settings: Settings, event: Event) -> str:
    """The calendar UID of ``event``: the same in every kind, so calendars update it."""
    return f"{event.id.replace('/', '.')}@{sender_domain(settings)}"


def calendar_file(settings: Settings, event: Event, kind: str, now: datetime, *,
                  location: str, link: str | None, description: str, lang: Language,
                  plan: MessagePlan) -> bytes:
    """The .ics of ``event`` for a message of ``kind``: ``location`` as the context's
    ``calendar.location``, ``link`` the event's page (else its RSVP link), ``description``
    the plain text unwrapped (calendars wrap it)."""

    tz = settings.site.tz
    calendar = new_calendar()
    if plan.ics_status == "CANCELLED":
        description = lang.gettext("CANCELLED. %(description)s") % {"description": description}
    item = event_component(settings, event, stamp=now, location=location, link=link,
                           description=description, status=plan.ics_status,
                           sequence=plan.ics_sequence)
    key = getattr(tz, "key", None)
    if key and "TZID" in item["DTSTART"].params:  # not for UTC: that is written "...Z"
        calendar.add_component(_vtimezone(key, event.start.astimezone(tz).year))
    calendar.add_component(item)
    ics: bytes = calendar.to_ical()
    return ics


def new_calendar() -> Any:
    """An empty VCALENDAR, METHOD:PUBLISH, as every calendar file of announce starts."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//announce//announce//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    return calendar


def event_component(settings: Settings, event: Event, *, stamp: datetime, location: str,
                    link: str | None, description: str, status: str, sequence: int) -> Any:
    """The VEVENT of ``event``, the same in a mail's calendar file and in the site's feed:
    its UID, times in the site's zone, LOCATION, the description with ``link`` after it,
    URL, STATUS, SEQUENCE and ORGANIZER."""
    import icalendar

    tz = settings.site.tz
    item = icalendar.Event()
    item.add("uid", event_uid(settings, event))
    item.add("dtstamp", stamp.astimezone(UTC))
    item.add("dtstart", event.start.astimezone(tz))
    item.add("dtend", event.end.astimezone(tz))
    item.add("summary", event.title)
    if location:
        item.add("location", location)
    item.add("description", description + (f"\n\n{link}" if link else ""))
    if link:
        item.add("url", link)
    item.add("status", status)
    # Calendars apply a change only when the sequence grows (see announce.kinds).
    item.add("sequence", sequence)
    organizer = _organizer(settings)
    if organizer is not None:
        item.add("organizer", organizer)  # RFC 5546: METHOD:PUBLISH requires it
    return item


def _organizer(settings: Settings) -> Any:
    """``[mail] from`` as the calendar's ORGANIZER (``CN=HV Open:mailto:...``)."""
    import icalendar

    name, address = parseaddr(settings.mail.sender)
    if "@" not in address:
        return None
    organizer = icalendar.vCalAddress(f"mailto:{address}")
    if name:
        organizer.params["cn"] = icalendar.vText(name)
    return organizer


@functools.lru_cache(maxsize=64)
def _vtimezone(key: str, year: int) -> Any:
    """The VTIMEZONE of zone ``key`` around ``year``: one STANDARD and one DAYLIGHT
    observance with yearly RRULEs, which every calendar reads right (ical.js took the
    DTSTART+RDATE form an hour off). A zone whose rules do not repeat over those years
    gets icalendar's list of dates instead. Cached: treat the component as read-only."""
    import icalendar

    zone = ZoneInfo(key)
    # Rules that hold for five years around the event, from the year before it.
    shifts = [_transitions(zone, y) for y in range(year - 1, year + 4)]
    if not any(shifts):  # no daylight saving time in these years
        offset = datetime(year, 7, 1, tzinfo=zone).utcoffset() or timedelta(0)
        name = datetime(year, 7, 1, tzinfo=zone).tzname() or key
        component = icalendar.Timezone()
        component.add("tzid", key)
        component.add_component(_observance("STANDARD", datetime(1970, 1, 1), offset,
                                             offset, name, None))
        return component
    rules = _yearly_rules(shifts)
    if rules is None:
        return icalendar.Timezone.from_tzid(key, first_date=date(year - 1, 1, 1),
                                            last_date=date(year + 1, 12, 31))
    component = icalendar.Timezone()
    component.add("tzid", key)
    for (local, before, after, name), rule in zip(shifts[0], rules, strict=True):
        kind = "DAYLIGHT" if after > before else "STANDARD"
        component.add_component(_observance(kind, local, before, after, name, rule))
    return component


_Shift = tuple[datetime, timedelta, timedelta, str]


def _transitions(zone: ZoneInfo, year: int) -> list[_Shift]:
    """The clock changes of ``zone`` in ``year``: (local time before the change, offset
    before, offset after, name after), found day by day, then to the second."""
    found: list[_Shift] = []
    day = timedelta(days=1)
    moment = datetime(year, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset() or timedelta(0)
    while moment.year == year:
        following = moment + day
        next_offset = following.astimezone(zone).utcoffset() or timedelta(0)
        if next_offset != offset:
            low, high = moment, following  # offset at low, next_offset at high
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            local = (high + offset).replace(tzinfo=None)
            found.append((local, offset, next_offset, high.astimezone(zone).tzname() or ""))
            offset = next_offset
        moment = following
    return found


def _yearly_rules(shifts: list[list[_Shift]]) -> list[dict[str, Any]] | None:
    """An RRULE for each change of the first year that predicts the same change in every
    following year (same month, weekday, time and offsets), else None."""
    first = shifts[0]
    if any(len(year) != len(first) for year in shifts):
        return None
    rules = []
    for index, (local, before, after, name) in enumerate(first):
        days = calendar_module.monthrange(local.year, local.month)[1]
        # "Last Sunday" first: in March 2024 it is also the fifth, in 2027 the fourth.
        choices = ([-1] if local.day + 7 > days else []) + [(local.day - 1) // 7 + 1]
        weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[local.weekday()]
        for nth in choices:
            if all(_nth_weekday(y[index][0], local.weekday(), nth) and
                   y[index][0].time() == local.time() and y[index][0].month == local.month
                   and y[index][1:] == (before, after, name) for y in shifts):
                rules.append({"freq": "yearly", "bymonth": local.month,
                              "byday": f"{nth}{weekday}"})
                break
        else:
            return None
    return rules


def _nth_weekday(moment: datetime, weekday: int, nth: int) -> bool:
    if moment.weekday() != weekday:
        return False
    if nth == -1:
        return moment.day + 7 > calendar_module.monthrange(moment.year, moment.month)[1]
    return (moment.day - 1) // 7 + 1 == nth


def _observance(kind: str, start: datetime, before: timedelta, after: timedelta, name: str,
                rule: dict[str, Any] | None) -> Any:
    import icalendar

    observance = (icalendar.TimezoneDaylight() if kind == "DAYLIGHT"
                  else icalendar.TimezoneStandard())
    observance.add("dtstart", start)
    observance.add("tzoffsetfrom", before)
    observance.add("tzoffsetto", after)
    observance.add("tzname", name)
    if rule is not None:
        observance.add("rrule", rule)
    return observance


def vtimezone(key: str, year: int) -> Any:
    """The VTIMEZONE of zone ``key`` around ``year``, as the mails' calendar files write it."""
    return _vtimezone(key, year)
