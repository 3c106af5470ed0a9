"""What is next, and what is due: pure functions of (events, now, what was sent).

The rules, for one event that has not started yet:

- announcement: from ``start - announce_days_before`` until the start, until it is sent;
- reminder (off when ``reminder_days_before`` is 0): from ``start - reminder_days_before``
  until the start, once the announcement went out at least 24 hours earlier;
- cancellation: for a cancelled event whose announcement went out, until the start.
  A cancelled event that was never announced is skipped: nobody needs to hear of it.

A kind whose sending started but did not reach every recipient is still due, so that a
rerun resumes it; an announcement, only until its reminder is due (then the reminder goes
out, to everyone: one full mailbox must not hold it back for the whole list). Days count
on the site's clock (content.py gives every event its start in the site's timezone): ten
days before 18:00 is 18:00, across a change of daylight saving time too; the 24 hours are
24 real hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .config import ScheduleSettings
from .content import Event

__all__ = [
    "KINDS",
    "NO_SENDS",
    "Sent",
    "SentRecord",
    "announced_types",
    "due_kinds",
    "next_due",
    "next_due_at",
    "next_event",
    "upcoming",
]

KINDS = ("announcement", "reminder", "cancellation")
REMINDER_GAP = timedelta(hours=24)


@dataclass(frozen=True)
class SentRecord:
    """What the ledger says about one kind of message for one event."""

    first_at: datetime
    complete: bool = True
    # At least one recipient's copy was confirmed sent (not only claimed, failed or lost).
    delivered: bool = True


# event id -> kind -> record
Sent = Mapping[str, Mapping[str, SentRecord]]
NO_SENDS: Sent = {}


def announced_types(event: Event, types: Sequence[str]) -> bool:
    """Whether ``event`` is of a type that is announced (every type when none are set)."""
    return not types or event.type in types


def upcoming(events: Iterable[Event], now: datetime, types: Sequence[str] = ()) -> list[Event]:
    """Events of announced types that start after ``now``, oldest first."""
    return sorted(
        (e for e in events if e.start > now and announced_types(e, types)),
        key=lambda e: (e.start, e.id),
    )


def due_kinds(
    event: Event, now: datetime, schedule: ScheduleSettings, sent: Sent = NO_SENDS
) -> list[str]:
    """The message kinds due for ``event`` at ``now``: at most one, in practice."""
    if now >= event.start:
        return []
    records = sent.get(event.id, {})
    announcement = records.get("announcement")
    if event.cancelled:
        cancellation = records.get("cancellation")
        if announcement is not None and (cancellation is None or not cancellation.complete):
            return ["cancellation"]
        return []
    reminder = records.get("reminder")
    if (
        announcement is not None
        and announcement.delivered
        and schedule.reminder_days_before > 0
        and (reminder is None or not reminder.complete)
        and now >= event.start - timedelta(days=schedule.reminder_days_before)
        and announcement.first_at <= now - REMINDER_GAP
    ):
        # Also when the announcement is unfinished: a recipient who keeps failing (or one
        # left uncertain, or since removed from the list) would otherwise hold the
        # announcement open, and the reminder back, until the talk.
        return ["reminder"]
    if (announcement is None or not announcement.complete) and (
        now >= event.start - timedelta(days=schedule.announce_days_before)
    ):
        return ["announcement"]
    return []


def next_due_at(event: Event, schedule: ScheduleSettings, sent: Sent = NO_SENDS) -> datetime | None:
    """When the next message for ``event`` becomes due, or None if none will be."""
    if event.cancelled:
        return None
    records = sent.get(event.id, {})
    announcement = records.get("announcement")
    if announcement is None or not announcement.complete:
        return event.start - timedelta(days=schedule.announce_days_before)
    reminder = records.get("reminder")
    if schedule.reminder_days_before == 0 or (reminder is not None and reminder.complete):
        return None
    at = max(
        event.start - timedelta(days=schedule.reminder_days_before),
        announcement.first_at + REMINDER_GAP,
    )
    return at if at < event.start else None


def next_event(
    events: Iterable[Event], now: datetime, types: Sequence[str] = (), sent: Sent = NO_SENDS
) -> Event | None:
    """The earliest upcoming event of an announced type.

    A cancelled event that was never announced is passed over: there is nothing to send
    for it, and the talk after it is the one people need to hear about.
    """
    for event in upcoming(events, now, types):
        if event.cancelled and "announcement" not in sent.get(event.id, {}):
            continue
        return event
    return None


def next_due(
    events: Iterable[Event],
    now: datetime,
    schedule: ScheduleSettings,
    types: Sequence[str] = (),
    sent: Sent = NO_SENDS,
    *,
    kind: str | None = None,
) -> tuple[Event, str] | None:
    """What ``send --next`` sends: the earliest upcoming event with a message due, and which.

    Looking past the very next event matters when events are close together: a lunch's
    reminder must not hold back the announcement of the talk the week after. ``kind``
    keeps only that kind of message.
    """
    for event in upcoming(events, now, types):
        due = [k for k in due_kinds(event, now, schedule, sent) if kind in (None, k)]
        if due:
            return event, due[0]
    return None
