"""What is next, and what is due: pure functions of (events, now, what was sent).

When each kind of message is due is the kinds registry's (kinds.py); this module picks
the events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from .config import ScheduleSettings
from .content import Event
from .kinds import due_kinds, silent
from .news import NO_SENDS, Sent

__all__ = ["announced_types", "next_due", "next_event", "next_to_render", "upcoming"]


def announced_types(event: Event, types: Sequence[str]) -> bool:
    """Whether ``event`` is of a type that is announced (every type when none are set)."""
    return not types or event.type in types


def upcoming(events: Iterable[Event], now: datetime, types: Sequence[str] = ()) -> list[Event]:
    """Events of announced types that start after ``now``, oldest first."""
    return sorted(
        (e for e in events if e.start > now and announced_types(e, types)),
        key=lambda e: (e.start, e.id),
    )


def next_event(
    events: Iterable[Event], now: datetime, types: Sequence[str] = (), sent: Sent = NO_SENDS
) -> Event | None:
    """The earliest upcoming event of an announced type.

    A cancelled event that was never announced is passed over: there is nothing to send
    for it, and the talk after it is the one people need to hear about.
    """
    for event in upcoming(events, now, types):
        if silent(event, sent):
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


def next_to_render(
    events: Iterable[Event],
    now: datetime,
    schedule: ScheduleSettings,
    types: Sequence[str] = (),
    sent: Sent = NO_SENDS,
    *,
    kind: str | None = None,
) -> Event | None:
    """What ``render --next`` shows: the event ``send --next`` would send for now, else
    the next event, as it will look; None when no event is to come."""
    found = next_due(events, now, schedule, types, sent, kind=kind)
    return found[0] if found else next_event(events, now, types, sent)
