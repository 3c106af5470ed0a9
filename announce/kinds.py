"""The message kinds, one registry: when each is due, and what it sends.

A kind is one :class:`Kind` entry in :data:`REGISTRY` (its rules, which kind wins when
several are due, its default subject) plus its two templates
(``templates/email/<name>.html`` and ``.txt``). Everything else asks this module: the
selection (what is due), ``send`` (what to say when nothing is), the preview and the
GitHub integration (what comes next), the calendar file (its STATUS and SEQUENCE).

The rules, for one event that has not started yet:

- announcement: from ``start - announce_days_before`` until the start, until it is sent;
- reminder (off when ``reminder_days_before`` is 0): from ``start - reminder_days_before``
  until the start, once the announcement went out at least 24 hours earlier;
- cancellation: for a cancelled event whose announcement went out, until the start,
  unless the last news members got is its cancellation. Cancelled, on again (an update
  says so), cancelled again: a second cancellation goes out, under ``cancellation:2``.
  A cancelled event that was never announced is *silent*: nobody needs to hear of it.
- update: when the event's facts (see :mod:`.changes`) differ, in a field that
  ``[schedule] update_fields`` counts, from what the last message that reached members
  said (announcement, update, reminder or cancellation: the ledger keeps each one's
  snapshot), until the start. Several changes before it goes out make one update; a
  change after it makes another. A ledger from before snapshots has none: nothing is
  changed for those events.

The ledger keys each message by its *ledger key*: the kind's name, ``update:N`` for the
Nth update, ``cancellation:2`` for a second cancellation (:func:`ledger_key`; how they
number, and what is pending, is :mod:`announce.news`').

Which goes when several are due (one message per event per run, so a member never gets
two the same hour): cancellation, then update, then reminder, then announcement. An
update says everything a reminder does, so it stands in for one: the reminder is not
sent when an update went out within its window, and otherwise waits 24 hours after the
last update as after the announcement. An unfinished update gives way to a due
reminder as an unfinished announcement does.

The calendar file keeps the event's UID; its SEQUENCE (calendar apps apply a file only
when it grows) is the number of messages before it that changed the calendar entry
(updates and the cancellation), plus one for an update or a cancellation itself: the
announcement 0, a reminder as high as the last update, the first update 1, a
cancellation one above the last update (1 without updates, as before updates existed).

A kind whose sending started but did not reach every recipient is still due, so that a
rerun resumes it; an announcement, only until its reminder is due (then the reminder goes
out, to everyone: one full mailbox must not hold it back for the whole list). Days count
on the site's clock (content.py gives every event its start in the site's timezone): ten
days before 18:00 is 18:00, across a change of daylight saving time too; the 24 hours are
24 real hours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .changes import Change
from .errors import ContentError
from .i18n import N_
from .news import (
    CANCELLATION,
    NO_SENDS,
    UPDATE,
    Records,
    Sent,
    SentRecord,
    kind_of,
    numbered,
    pending_cancellation,
    pending_changes,
    pending_update,
    updates_of,
)

if TYPE_CHECKING:
    from .config import ScheduleSettings
    from .content import Event

__all__ = [
    "KINDS",
    "REGISTRY",
    "Kind",
    "MessagePlan",
    "check_forced",
    "coming",
    "default_kind",
    "due_kinds",
    "get",
    "kinds_for",
    "ledger_key",
    "next_due_at",
    "plan",
    "silent",
]

REMINDER_GAP = timedelta(hours=24)

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
    # Which kind wins when several are due at once (the highest): the one that tells the
    # latest news.
    precedence: int
    # The default of its [mail.subjects] entry, a Jinja template (translated when left
    # as it is: keep each {{ ... }}).
    subject: str
    # The calendar file's STATUS; and whether this kind changes the calendar entry
    # (moves or cancels it), which raises its SEQUENCE (see :meth:`ics_sequence`).
    ics_status: str = "CONFIRMED"
    moves_calendar: bool = False
    # Several of this kind per event, each under its own ledger key ("update:2").
    repeats: bool = False

    @property
    def templates(self) -> tuple[str, str]:
        """The HTML and the plain-text template of this kind."""
        return f"{self.name}.html", f"{self.name}.txt"

    def ics_sequence(self, records: Records, key: str | None = None) -> int:
        """The SEQUENCE of this kind's calendar file, sent under ``key`` (the kind's name
        by default) after ``records``: one above every message before it that changed the
        entry when this one changes it too; else as high as the last of them."""
        key = key or self.name
        before = sum(1 for k in records if k != key and _moves_calendar(k))
        return before + (1 if self.moves_calendar else 0)


def _moves_calendar(key: str) -> bool:
    kind = _BY_NAME.get(kind_of(key))
    return kind is not None and kind.moves_calendar


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


def _reminder_window(event: Event, schedule: ScheduleSettings) -> datetime:
    return event.start - timedelta(days=schedule.reminder_days_before)


def _reminder_opens(event: Event, schedule: ScheduleSettings,
                    records: Records) -> datetime | None:
    announcement = records.get("announcement")
    if (event.cancelled or schedule.reminder_days_before == 0 or announcement is None
            or _sent_in_full(records.get("reminder"))):
        return None
    window = _reminder_window(event, schedule)
    updates = [record for _, record in updates_of(records) if record.delivered]
    # An update within the window said all a reminder would: it was the reminder.
    if any(record.first_at >= window for record in updates):
        return None
    last = max([announcement.first_at, *(record.first_at for record in updates)])
    at = max(window, last + REMINDER_GAP)
    return at if at < event.start else None


def _reminder_due(event: Event, now: datetime, schedule: ScheduleSettings,
                  records: Records) -> bool:
    announcement = records.get("announcement")
    # Also when the announcement is unfinished: a recipient who keeps failing (or one
    # left uncertain, or since removed from the list) would otherwise hold the
    # announcement open, and the reminder back, until the talk.
    if announcement is None or not announcement.delivered:
        return False
    at = _reminder_opens(event, schedule, records)
    return at is not None and now >= at


def _update_due(event: Event, now: datetime, schedule: ScheduleSettings,
                records: Records) -> bool:
    pending = pending_update(event, schedule, records)
    if pending is None:
        return False
    started = records.get(pending.key)
    # An unfinished update that reached people gives way to a due reminder (which says
    # the same), as an announcement does: one failing address must not hold it back.
    return not (started is not None and started.delivered
                and _reminder_due(event, now, schedule, records))


def _update_opens(event: Event, schedule: ScheduleSettings,
                  records: Records) -> datetime | None:
    return None  # due the moment the event changes, or never


def _cancellation_due(event: Event, now: datetime, schedule: ScheduleSettings,
                      records: Records) -> bool:
    return pending_cancellation(event, records) is not None


def _cancellation_opens(event: Event, schedule: ScheduleSettings,
                        records: Records) -> datetime | None:
    return None  # due the moment the event is cancelled, or never


# In the order of an event's life: the order of `--kind` choices and of the preview.
REGISTRY: tuple[Kind, ...] = (
    Kind("announcement", applies=lambda event, _: not event.cancelled,
         due=_announcement_due, opens=_announcement_opens, precedence=1,
         # Translators: the default subjects are Jinja templates: keep each {{ ... }} as
         # it is (site_name, title, short_date, relative_day, weekday are the variables).
         subject=N_("{{ site_name }}: {{ title }} ({{ short_date }})")),
    # Before a reminder when both are due: it says all the reminder would (see above).
    Kind(UPDATE, applies=lambda event, _: not event.cancelled,
         due=_update_due, opens=_update_opens, moves_calendar=True, repeats=True,
         precedence=3, subject=N_("{{ site_name }} update: {{ title }} ({{ short_date }})")),
    Kind("reminder",
         applies=lambda event, schedule: (not event.cancelled
                                          and schedule.reminder_days_before > 0),
         due=_reminder_due, opens=_reminder_opens, precedence=2,
         subject=N_("{{ site_name }} reminder: {{ title }} is {{ relative_day }}")),
    Kind(CANCELLATION, applies=lambda event, _: event.cancelled,
         due=_cancellation_due, opens=_cancellation_opens,
         ics_status="CANCELLED", moves_calendar=True, repeats=True, precedence=4,
         subject=N_("{{ site_name }} cancelled: {{ title }} ({{ short_date }})")),
)
KINDS: tuple[str, ...] = tuple(kind.name for kind in REGISTRY)
_BY_NAME = {kind.name: kind for kind in REGISTRY}
_PRECEDENCE = tuple(k.name for k in sorted(REGISTRY, key=lambda k: -k.precedence))


def get(name: str) -> Kind:
    """The kind called ``name``; ValueError naming the known ones if there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown kind {name!r} (expected one of {', '.join(KINDS)})") from None


def ledger_key(event: Event, kind: str, schedule: ScheduleSettings,
               sent: Sent = NO_SENDS) -> str:
    """The key the ledger records this kind's next message of ``event`` under (see the
    module docstring): the kind's name, or ``update:N``.

    ``send`` must read ``sent`` while it holds the run lock, and use this one key for
    every write of the message: then two runs can never send one update under two keys.
    """
    if not get(kind).repeats:
        return kind
    records = sent.get(event.id, {})
    if kind == CANCELLATION:
        # Forced with none due: the last one, so that the ledger skips who has it.
        cancellations = numbered(records, CANCELLATION)
        return pending_cancellation(event, records) or (
            cancellations[-1][1] if cancellations else CANCELLATION)
    pending = pending_update(event, schedule, records)
    if pending is not None:
        return pending.key
    updates = updates_of(records)  # a forced update with nothing changed: a new one
    return f"{kind}:{updates[-1][0] + 1 if updates else 1}"


@dataclass(frozen=True)
class MessagePlan:
    """One message of one event, before it is rendered: what ``send`` records it under,
    what the render needs from the ledger (the changes an update tells, the calendar
    file's SEQUENCE). Made by :func:`plan`; rendering never reads the ledger itself."""

    kind: str
    key: str
    changes: tuple[Change, ...] = ()
    ics_sequence: int = 0

    @property
    def ics_status(self) -> str:
        return get(self.kind).ics_status


def plan(event: Event, kind: str, schedule: ScheduleSettings,
         sent: Sent = NO_SENDS) -> MessagePlan:
    """The :class:`MessagePlan` of ``kind`` for ``event``, given what was sent."""
    key = ledger_key(event, kind, schedule, sent)
    records = sent.get(event.id, {})
    changes = tuple(pending_changes(event, schedule, sent)) if kind == UPDATE else ()
    return MessagePlan(kind, key, changes, get(kind).ics_sequence(records, key))


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
            f"“{event.title}” ({event.id}) is not cancelled: a cancellation needs "
            "'cancelled: true' in its front matter", path=event.path)
    if kind == UPDATE and event.cancelled:
        raise ContentError(
            f"“{event.title}” ({event.id}) is cancelled: its members get a cancellation, not "
            "an update", path=event.path)
