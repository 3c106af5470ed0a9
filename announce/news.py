"""What went out for each event, as the ledger says, and what is news since.

:class:`SentRecord` is what the ledger keeps of one message of one event (when it started,
whether it reached everyone, what it said); :data:`Sent` all of them, by event and ledger
key. From them come the keys the repeating kinds go under and what an update tells.

An event can have several updates, and exactly once holds for each: the ledger keys a
message by (event, *ledger key*, recipient), and an update's key is ``update:N``, N
counting from 1; a cancellation's is ``cancellation``, then ``cancellation:2`` for the
next one. An update that did not reach everyone keeps its key, so a rerun resumes it, as
long as it is still the news (the newest message, and the event unchanged since it
started); a change after it takes the next number. Every other kind's key is its name
(:func:`announce.kinds.ledger_key` picks the one a message goes under). When each kind is
due is the registry's, :mod:`announce.kinds`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from .changes import Change, Facts, changed, facts_of, summary

if TYPE_CHECKING:
    from .config import ScheduleSettings
    from .content import Event

__all__ = [
    "CANCELLATION",
    "NO_SENDS",
    "UPDATE",
    "Pending",
    "Records",
    "Sent",
    "SentRecord",
    "changed_note",
    "changed_since",
    "kind_of",
    "numbered",
    "pending_cancellation",
    "pending_changes",
    "pending_update",
    "updates_of",
]

UPDATE = "update"
CANCELLATION = "cancellation"


@dataclass(frozen=True)
class SentRecord:
    """What the ledger says about one kind of message for one event."""

    first_at: datetime
    complete: bool = True
    # At least one recipient's copy was confirmed sent (not only claimed, failed or lost).
    delivered: bool = True
    # What the message said about the event when its sending first started; None in a
    # ledger from before snapshots.
    facts: Facts | None = None


# event id -> ledger key (the kind's name; "update:N" for updates) -> record
Records = Mapping[str, SentRecord]
Sent = Mapping[str, Records]
NO_SENDS: Sent = {}


def kind_of(key: str) -> str:
    """The kind a ledger key belongs to: ``update:2`` -> ``update``."""
    return key.partition(":")[0]


def updates_of(records: Records) -> list[tuple[int, SentRecord]]:
    """The event's updates, by number."""
    found = []
    for key, record in records.items():
        name, _, number = key.partition(":")
        if name == UPDATE and number.isdigit():
            found.append((int(number), record))
    return sorted(found, key=lambda item: item[0])


@dataclass(frozen=True)
class Pending:
    """The update due now: its key, and the message it tells a change from."""

    key: str  # the ledger key the update goes under
    since: str  # the ledger key of the message it tells a change from
    facts: Facts  # what that message said


def pending_update(event: Event, schedule: ScheduleSettings,
                    records: Records) -> Pending | None:
    """The update due now, if one is: None when nothing changed, or when there is
    nothing to compare with (no message with a snapshot reached anyone)."""
    if event.cancelled:
        return None
    current = facts_of(event)
    fields = schedule.update_fields
    # The messages that reached someone, and what each said, oldest first.
    told: list[tuple[datetime, str, Facts]] = sorted(
        ((r.first_at, key, r.facts) for key, r in records.items()
         if r.facts is not None and r.delivered), key=lambda item: item[0])
    updates = updates_of(records)
    number = updates[-1][0] if updates else 0
    if updates and not updates[-1][1].complete:
        # Unfinished: resumed while it is the news, i.e. the newest message and the event
        # as it was when it started (a resumed send must say what the first part said).
        key, record = f"{UPDATE}:{number}", updates[-1][1]
        newest = max(records.items(), key=lambda item: item[1].first_at)[0]
        if (newest == key and record.facts is not None
                and not changed(record.facts, current, fields)):
            before = [(k, facts) for _, k, facts in told if k != key]
            return Pending(key, *before[-1]) if before else None
    if not told:
        return None
    _, since, last = told[-1]
    if changed(last, current, fields):
        return Pending(f"{UPDATE}:{number + 1}", since, last)
    return None


def numbered(records: Records, kind: str) -> list[tuple[int, str, SentRecord]]:
    """The event's messages of a repeating kind, by number: its first is under the kind's
    name (``cancellation``, number 1), the next ones ``cancellation:2``; updates number
    from ``update:1``."""
    found = []
    for key, record in records.items():
        name, _, number = key.partition(":")
        if name == kind and (number.isdigit() or not number):
            found.append((int(number) if number else 1, key, record))
    return sorted(found, key=lambda item: item[0])


def pending_cancellation(event: Event, records: Records) -> str | None:
    """The ledger key of the cancellation due now, if one is: the event is cancelled, was
    announced, and the last news members got is not its cancellation (never sent, or an
    update since said it is on again). An unfinished one resumes under its key."""
    if not event.cancelled or "announcement" not in records:
        return None
    sent = numbered(records, CANCELLATION)
    if sent and not sent[-1][2].complete:
        return sent[-1][1]
    heard = [(r.first_at, key) for key, r in records.items() if r.delivered]
    if sent and heard and kind_of(max(heard)[1]) == CANCELLATION:
        return None
    return CANCELLATION if not sent else f"{CANCELLATION}:{sent[-1][0] + 1}"


def pending_changes(event: Event, schedule: ScheduleSettings,
                    sent: Sent = NO_SENDS) -> list[Change]:
    """What an update of ``event`` sent now tells: its changes since the last message
    that reached members, in the fields that count; empty when nothing changed."""
    pending = pending_update(event, schedule, sent.get(event.id, {}))
    if pending is None:
        return []
    return changed(pending.facts, facts_of(event), schedule.update_fields)


def changed_since(event: Event, schedule: ScheduleSettings,
                  sent: Sent = NO_SENDS) -> tuple[str, list[Change]] | None:
    """For ``list`` and ``check``: the kind of the last message that reached members (the
    one an update tells a change from) and the changes since, if an update is pending."""
    records = sent.get(event.id, {})
    pending = pending_update(event, schedule, records)
    if pending is None:
        return None
    return kind_of(pending.since), changed(pending.facts, facts_of(event),
                                           schedule.update_fields)


def changed_note(event: Event, schedule: ScheduleSettings, sent: Sent,
                 tz: tzinfo) -> str | None:
    """``changed since the announcement: start 18:00 → 18:30``, when an update is due:
    the line ``list``, ``check``, the preview and the pull-request summary show."""
    found = changed_since(event, schedule, sent)
    if found is None:
        return None
    since, changes = found
    return f"changed since the {since}: {summary(changes, tz)}"

