"""The message kinds, one registry: when each is due, and what it sends.

A kind is one :class:`Kind` entry in :data:`REGISTRY` plus its two templates
(``templates/email/<name>.html`` and ``.txt``). Everything else asks this module: the
selection (what is due), ``send`` (what to say when nothing is), the preview and the
GitHub integration (what comes next), the calendar file (its STATUS and SEQUENCE).

The rules, for one event that has not started yet:

- announcement: from ``start - announce_days_before`` until the start, until it is sent;
- reminder (off when ``reminder_days_before`` is 0): from ``start - reminder_days_before``
  until the start, once the announcement went out at least 24 hours earlier;
- cancellation: for a cancelled event whose announcement went out, until the start.
  A cancelled event that was never announced is *silent*: nobody needs to hear of it.

A kind whose sending started but did not reach every recipient is still due, so that a
rerun resumes it; an announcement, only until its reminder is due (then the reminder goes
out, to everyone: one full mailbox must not hold it back for the whole list). Days count
on the site's clock (content.py gives every event its start in the site's timezone): ten
days before 18:00 is 18:00, across a change of daylight saving time too; the 24 hours are
24 real hours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .errors import ContentError

if TYPE_CHECKING:
    from .config import ScheduleSettings
    from .content import Event

__all__ = [
    "KINDS",
    "NO_SENDS",
    "REGISTRY",
    "Kind",
    "Sent",
    "SentRecord",
    "check_forced",
    "coming",
    "default_kind",
    "due_kinds",
    "get",
    "kinds_for",
    "next_due_at",
    "silent",
]

REMINDER_GAP = timedelta(hours=24)


@dataclass(frozen=True)
class SentRecord:
    """What the ledger says about one kind of message for one event."""

    first_at: datetime
    complete: bool = True
    # At least one recipient's copy was confirmed sent (not only claimed, failed or lost).
    delivered: bool = True


# event id -> kind -> record
Records = Mapping[str, SentRecord]
Sent = Mapping[str, Records]
NO_SENDS: Sent = {}

# (event, now, schedule, what was sent for it) -> is this kind due?
DueRule = Callable[["Event", datetime, "ScheduleSettings", Records], bool]
# (event, schedule, what was sent for it) -> when this kind becomes due, if it will
OpensRule = Callable[["Event", "ScheduleSettings", Records], datetime | None]


@dataclass(frozen=True)
class Kind:
    """One kind of message, and everything about it that is not in its templates."""

    name: str
    # Due at all for this event from now on (the preview lists these kinds)?
    applies: Callable[[Event, ScheduleSettings], bool]
    due: DueRule
    opens: OpensRule
    # The calendar file: STATUS and SEQUENCE (calendar apps replace a lower SEQUENCE).
    ics_status: str = "CONFIRMED"
    ics_sequence: int = 0

    @property
    def templates(self) -> tuple[str, str]:
        """The HTML and the plain-text template of this kind."""
        return f"{self.name}.html", f"{self.name}.txt"


def _sent_in_full(record: SentRecord | None) -> bool:
    return record is not None and record.complete


def _announcement_due(event: Event, now: datetime, schedule: ScheduleSettings,
                      records: Records) -> bool:
    return (not event.cancelled and not _sent_in_full(records.get("announcement"))
            and now >= event.start - timedelta(days=schedule.announce_days_before))


def _announcement_opens(event: Event, schedule: ScheduleSettings,
                        records: Records) -> datetime | None:
    if event.cancelled or _sent_in_full(records.get("announcement")):
        return None
    return event.start - timedelta(days=schedule.announce_days_before)


def _reminder_due(event: Event, now: datetime, schedule: ScheduleSettings,
                  records: Records) -> bool:
    announcement = records.get("announcement")
    # Also when the announcement is unfinished: a recipient who keeps failing (or one
    # left uncertain, or since removed from the list) would otherwise hold the
    # announcement open, and the reminder back, until the talk.
    return (
        not event.cancelled
        and announcement is not None
        and announcement.delivered
        and schedule.reminder_days_before > 0
        and not _sent_in_full(records.get("reminder"))
        and now >= event.start - timedelta(days=schedule.reminder_days_before)
        and announcement.first_at <= now - REMINDER_GAP
    )


def _reminder_opens(event: Event, schedule: ScheduleSettings,
                    records: Records) -> datetime | None:
    announcement = records.get("announcement")
    if (event.cancelled or schedule.reminder_days_before == 0 or announcement is None
            or _sent_in_full(records.get("reminder"))):
        return None
    at = max(event.start - timedelta(days=schedule.reminder_days_before),
             announcement.first_at + REMINDER_GAP)
    return at if at < event.start else None


def _cancellation_due(event: Event, now: datetime, schedule: ScheduleSettings,
                      records: Records) -> bool:
    return (event.cancelled and "announcement" in records
            and not _sent_in_full(records.get("cancellation")))


def _cancellation_opens(event: Event, schedule: ScheduleSettings,
                        records: Records) -> datetime | None:
    return None  # due the moment the event is cancelled, or never


# In the order of an event's life: the order of `--kind` choices and of the preview.
REGISTRY: tuple[Kind, ...] = (
    Kind("announcement", applies=lambda event, _: not event.cancelled,
         due=_announcement_due, opens=_announcement_opens),
    Kind("reminder",
         applies=lambda event, schedule: (not event.cancelled
                                          and schedule.reminder_days_before > 0),
         due=_reminder_due, opens=_reminder_opens),
    Kind("cancellation", applies=lambda event, _: event.cancelled,
         due=_cancellation_due, opens=_cancellation_opens,
         ics_status="CANCELLED", ics_sequence=1),
)
KINDS: tuple[str, ...] = tuple(kind.name for kind in REGISTRY)
_BY_NAME = {kind.name: kind for kind in REGISTRY}
# Which kind wins when several are due at once: the one that tells the latest news.
_PRECEDENCE = ("cancellation", "reminder", "announcement")


def get(name: str) -> Kind:
    """The kind called ``name``; ValueError naming the known ones if there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown kind {name!r} (expected one of {', '.join(KINDS)})") from None


def due_kinds(event: Event, now: datetime, schedule: ScheduleSettings,
              sent: Sent = NO_SENDS) -> list[str]:
    """The message kinds due for ``event`` at ``now``: at most one, in practice."""
    if now >= event.start:
        return []
    records = sent.get(event.id, {})
    for name in _PRECEDENCE:
        if _BY_NAME[name].due(event, now, schedule, records):
            return [name]
    return []


def coming(event: Event, schedule: ScheduleSettings,
           sent: Sent = NO_SENDS) -> tuple[str, datetime] | None:
    """The next kind that will become due for ``event``, and when; None if none will."""
    records = sent.get(event.id, {})
    for kind in REGISTRY:
        at = kind.opens(event, schedule, records)
        if at is not None:
            return kind.name, at
    return None


def next_due_at(event: Event, schedule: ScheduleSettings, sent: Sent = NO_SENDS) -> datetime | None:
    """When the next message for ``event`` becomes due, or None if none will be."""
    found = coming(event, schedule, sent)
    return found[1] if found else None


def silent(event: Event, sent: Sent) -> bool:
    """A cancelled event that was never announced: nothing is ever sent for it."""
    return event.cancelled and "announcement" not in sent.get(event.id, {})


def kinds_for(event: Event, schedule: ScheduleSettings) -> tuple[str, ...]:
    """The kinds of message that exist for ``event`` from now on."""
    return tuple(kind.name for kind in REGISTRY if kind.applies(event, schedule))


def default_kind(event: Event, now: datetime, schedule: ScheduleSettings,
                 sent: Sent = NO_SENDS) -> str:
    """What ``render`` shows when asked for no kind: the due one, else the first there is."""
    due = due_kinds(event, now, schedule, sent)
    if due:
        return due[0]
    return kinds_for(event, schedule)[0] if kinds_for(event, schedule) else KINDS[0]


def check_forced(event: Event, kind: str) -> None:
    """A kind asked for by name (``--kind K --force``) must make sense for ``event``."""
    get(kind)
    if kind == "cancellation" and not event.cancelled:
        raise ContentError(
            f"{event.path}: “{event.title}” ({event.id}) is not cancelled: a cancellation "
            "needs 'cancelled: true' in its front matter"
        )
