"""What ``announce send`` will send, and when nothing is due, why, in words.

Pure functions of (settings, catalog, now, options, what was sent): no ledger, no
transport. Every rule about kinds (which is due, which comes next, which events stay
silent, whether a forced kind makes sense) is the kinds registry's (:mod:`announce.kinds`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from . import kinds
from .config import Settings
from .content import Catalog, Event
from .errors import SendError
from .news import Sent
from .selection import announced_types, next_due, upcoming
from .timefmt import short_when

__all__ = ["Plan", "Refused", "SendOptions", "event_name", "plan_sends"]


@dataclass(frozen=True)
class SendOptions:
    """What ``announce send`` was asked to do."""

    refs: tuple[str, ...] = ()      # event ids or paths; empty means --next
    kind: str | None = None
    dry_run: bool = False
    force: bool = False
    resend: bool = False
    resend_uncertain: bool = False
    skip: bool = False              # record it as done, send nothing (``skipped_by`` asked)
    skipped_by: str = ""


@dataclass(frozen=True)
class Plan:
    """The (event, kind) pairs to send, at most one kind per event; else why none."""

    sends: tuple[tuple[Event, str], ...] = ()
    nothing_due: str | None = None


class Refused(SendError):
    """``send`` (dry runs too) will not send these: each event is unsure of a fact its
    message must state (:data:`~announce.sources.provenance.REFUSED`). ``sends`` are the
    (event, kind) pairs refused, for ``send --dry-run --json``."""

    def __init__(self, message: str, sends: tuple[tuple[Event, str], ...]):
        super().__init__(message)
        self.sends = sends


def event_name(event: Event) -> str:
    """How messages name an event: its title and its id."""
    return f"“{event.title}” ({event.id})"


def plan_sends(settings: Settings, catalog: Catalog, now: datetime, options: SendOptions,
               sent: Sent) -> Plan:
    """What to send: for ``--next`` (no refs), the first event with something due; for
    named events, what is due for each (or, with ``--force``, the ``--kind`` asked for)."""
    from .sources.provenance import REFUSED, refusal

    if options.force and options.kind is None:
        raise SendError("--force needs --kind: which message should go out?")
    if not options.refs:
        found = _plan_next(settings, catalog, now, options, sent)
    else:
        found = _plan_named(settings, catalog, now, options, sent)
    # Never a time nobody wrote: an event unsure of its start is refused, dry runs too.
    refused = refusal(event for event, _kind in found.sends)
    if refused:
        raise Refused(refused, tuple((event, kind) for event, kind in found.sends
                                     if any(fact in event.unsure for fact in REFUSED)))
    return found


def _plan_next(settings: Settings, catalog: Catalog, now: datetime, options: SendOptions,
               sent: Sent) -> Plan:
    kind = options.kind
    catalog.require_events()
    events = [e for e in upcoming(catalog.events, now, settings.content.types)
              if not kinds.silent(e, sent)]
    if options.force:
        assert kind is not None
        if not events:
            return Plan(nothing_due="Nothing to send: there is no upcoming event.")
        kinds.check_forced(events[0], kind)
        return Plan(((events[0], kind),))
    found = next_due(events, now, settings.schedule, settings.content.types, sent, kind=kind)
    if found is not None:
        return Plan((found,))
    return Plan(nothing_due=_nothing_due(settings, events, sent, kind))


def _plan_named(settings: Settings, catalog: Catalog, now: datetime, options: SendOptions,
                sent: Sent) -> Plan:
    kind = options.kind
    sends: list[tuple[Event, str]] = []
    lines: list[str] = []
    for ref in options.refs:
        event = catalog.find(ref, settings.content.events)
        if options.force:
            assert kind is not None
            kinds.check_forced(event, kind)
            sends.append((event, kind))
            continue
        if not announced_types(event, settings.content.types):
            lines.append(f"Nothing due for {event_name(event)}: its type {event.type!r} is "
                         "not announced ([content] types); --kind K --force sends it anyway.")
            continue
        due = kinds.due_kinds(event, now, settings.schedule, sent)
        if kind is not None and kind not in due:
            lines.append(f"The {kind} of {event_name(event)} is not due; --force sends it "
                         "anyway.")
            continue
        if due:
            sends.append((event, kind or due[0]))
            continue
        lines.append(f"Nothing due for {event_name(event)}{_next_part(settings, event, sent)}.")
    return Plan(tuple(sends), "\n".join(lines) if lines else None)


def _when(moment: datetime, settings: Settings) -> str:
    return short_when(moment, settings.site.tz)


def _coming(event: Event, settings: Settings, sent: Sent) -> tuple[str, datetime] | None:
    """The next kind due for ``event`` before it starts, and when; None if none will be."""
    found = kinds.coming(event, settings.schedule, sent)
    return found if found is not None and found[1] < event.start else None


def _next_part(settings: Settings, event: Event, sent: Sent) -> str:
    found = _coming(event, settings, sent)
    if found is None:
        return "; nothing more will be due for it"
    return f"; the {found[0]} becomes due {_when(found[1], settings)}"


def _nothing_due(settings: Settings, events: Sequence[Event], sent: Sent,
                 kind: str | None) -> str:
    if not events:
        return "Nothing due: there is no upcoming event."
    soonest: tuple[datetime, str, Event] | None = None
    for event in events:
        found = _coming(event, settings, sent)
        if found is None or (kind and found[0] != kind):
            continue
        if soonest is None or found[1] < soonest[0]:
            soonest = (found[1], found[0], event)
    what = f"No {kind} is due" if kind else "Nothing due"
    last = _last_sent(events[0], sent)
    if soonest is None:
        done = (f": the {last[0]} of {event_name(events[0])} went out "
                f"{_when(last[1], settings)}") if last else ""
        return f"{what}{done}; nothing more is scheduled for the upcoming events."
    at, next_kind, event = soonest
    if last and event is events[0]:
        return (f"{what}: the {last[0]} of {event_name(event)} went out "
                f"{_when(last[1], settings)}; the {next_kind} is due {_when(at, settings)}.")
    return (f"{what}. Next: the {next_kind} of {event_name(event)}, "
            f"due {_when(at, settings)}.")


def _last_sent(event: Event, sent: Sent) -> tuple[str, datetime] | None:
    """The kind that went out last for ``event``, and when, if any did."""
    records = sent.get(event.id, {})
    if not records:
        return None
    last, record = max(records.items(), key=lambda item: item[1].first_at)
    return last, record.first_at
