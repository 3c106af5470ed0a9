"""``announce send``: pick what is due, render it once, and deliver it exactly once.

For each (event, kind) a run sends:

1. render and prepare the message once (:mod:`announce.render`, :mod:`announce.message`);
2. stream the recipients in batches; for each batch, look the recipients up in the ledger,
   address a copy to each one still to be sent (only the ``To`` and ``Message-ID`` lines
   change), and hand the batch to the transport;
3. the transport (SMTP, or the Maildir outbox) *claims* each message in the ledger before
   it leaves and records its outcome after (:class:`_Recorder`): over SMTP one message at
   a time per connection, so a killed run leaves at most one uncertain recipient per
   connection; the outbox a batch at a time.

SIGINT and SIGTERM stop a run the same way: nothing new starts, what is in flight
finishes (or is reported uncertain), never-tried recipients are released, the summary
is printed, and the exit code is 128 + the signal's number (130, 143).

Who is sent to, per recipient and ledger row: no row, or ``failed``: sent; ``sent``:
skipped (``--resend``: sent again, with a new Message-ID); ``claimed`` by a run that
stopped (uncertain): reported, not sent (``--resend-uncertain``: sent, with the same
Message-ID, so that a client that did get it can tell the copies are one).

Only this module and the CLI know about a "run"; the lock that keeps two runs apart is
held from reading the ledger (to decide what is due) to the last confirmation.
"""

from __future__ import annotations

import contextlib
import signal
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .config import Settings
from .content import Catalog, Event
from .errors import ContentError, SendError
from .ledger import Claim, Ledger, Outcome, read_sent, run_lock
from .paths import display_path
from .recipients import Recipient, Recipients, load_recipients
from .selection import Sent, announced_types, due_kinds, next_due, next_due_at, upcoming

if TYPE_CHECKING:
    from .mailer import Outgoing, Stopped
    from .message import Prepared

__all__ = [
    "KindReport",
    "Progress",
    "SendOptions",
    "SendReport",
    "describe_transport",
    "format_report",
    "send",
]

# Recipients looked up in the ledger per batch. The outbox also claims a batch at a time,
# so a killed outbox run leaves at most OUTBOX_BATCH uncertain; over SMTP each message is
# claimed on its own, and larger batches mean fewer lookups holding up the event loop.
OUTBOX_BATCH = 16
SMTP_BATCH = 256
# How many failed or uncertain addresses a summary names before "... and N more".
SHOWN = 20

# (total, label) -> a context whose value advances the bar by n.
Progress = Callable[[int, str], AbstractContextManager[Callable[[int], None]]]


@dataclass(frozen=True)
class SendOptions:
    """What ``announce send`` was asked to do."""

    refs: tuple[str, ...] = ()      # event ids or paths; empty means --next
    kind: str | None = None
    dry_run: bool = False
    force: bool = False
    resend: bool = False
    resend_uncertain: bool = False


@dataclass
class KindReport:
    """What happened to one kind of message for one event."""

    event: Event
    kind: str
    subject: str
    transport: str
    recipients: int
    sent: int = 0
    failed: int = 0
    skipped: int = 0          # already sent by an earlier run
    left_out: int = 0         # invalid or duplicate entries in the recipients (skipped too)
    uncertain: int = 0        # claimed by a run that stopped, or lost after the final dot
    not_sent: int = 0         # claimed, never tried: the run stopped early
    invalid: int = 0          # could not be addressed
    refused: int = 0          # refused for good (5xx) by an earlier run: not tried again
    audience: str = ""        # where the recipients come from
    dry_run: bool = False
    failures: list[tuple[str, str]] = field(default_factory=list)
    uncertain_recipients: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    outbox: Path | None = None
    aborted: str | None = None

    @property
    def ok(self) -> bool:
        return not (self.failed or self.uncertain or self.not_sent or self.aborted)

    @property
    def counts(self) -> str:
        """``N sent, N failed, N skipped, N uncertain`` (and ``N not sent``), for summaries."""
        counts = (f"{self.sent} sent, {self.failed + self.invalid} failed, "
                  f"{self.skipped + self.left_out} skipped, {self.uncertain} uncertain")
        counts += f", {self.refused} refused earlier" if self.refused else ""
        return counts + (f", {self.not_sent} not sent" if self.not_sent else "")


@dataclass
class SendReport:
    """Everything a run did, for the CLI (and for CI annotations) to present."""

    items: list[KindReport] = field(default_factory=list)
    problems: tuple[str, ...] = ()      # recipients left out (invalid, duplicate)
    nothing_due: str | None = None
    notes: list[str] = field(default_factory=list)
    stopped_by: str | None = None       # SIGINT or SIGTERM stopped the run

    @property
    def exit_code(self) -> int:
        """0: all went out (or nothing was due); 3: some recipients did not; 1: stopped;
        128 + the signal's number when a signal stopped it (130 for Ctrl-C)."""
        if self.stopped_by is not None:
            return 128 + signal.Signals[self.stopped_by].value
        if any(item.aborted for item in self.items):
            return 1
        return 0 if all(item.ok for item in self.items) else 3


def describe_transport(settings: Settings) -> str:
    """Where messages go, in words: the SMTP server or the outbox folder."""
    if settings.smtp is not None:
        from .mailer import SmtpTarget

        smtp = settings.smtp
        return SmtpTarget(host=smtp.host, port=smtp.port, security=smtp.security,
                          username=smtp.username).describe()
    from .outbox import Outbox

    return Outbox(settings.outbox.path).describe()


def send(
    settings: Settings,
    catalog: Catalog,
    now: datetime,
    options: SendOptions,
    *,
    progress: Progress | None = None,
    ssl_context: ssl.SSLContext | None = None,
    backoff: float | None = None,
) -> SendReport:
    """Send what is due (or what ``options`` ask for); see the module docstring.

    ``ssl_context`` replaces the default, verifying, TLS context (tests pass one that
    trusts their own CA); ``backoff`` is the base delay between SMTP attempts.
    """
    recipients = load_recipients(settings)
    report = SendReport()
    if options.dry_run:
        # Reads the ledger if there is one; creates, locks and writes nothing.
        sent = read_sent(settings.ledger.path)
        plan = _plan(settings, catalog, now, options, sent, report)
        if not plan:
            return report
        _check_transport(settings, report, dry_run=True)
        # The recipients are read (and their problems reported) only when there is
        # something to send: a quiet day's run stays quiet.
        scan = recipients.scan()
        report.problems = scan.problems
        for event, kind in plan:
            report.items.append(_dry_run(settings, catalog, now, event, kind, scan.count,
                                         recipients))
        return report

    _check_transport(settings, report, dry_run=False)
    with run_lock(settings.ledger.path):
        sent = read_sent(settings.ledger.path)
        plan = _plan(settings, catalog, now, options, sent, report)
        if not plan:
            return report
        scan = recipients.scan()
        report.problems = scan.problems
        # Render everything first: a template error stops the run before anything is sent.
        prepared = [(event, kind, _prepare(settings, catalog, now, event, kind))
                    for event, kind in plan]
        started = time.monotonic()

        def clock() -> datetime:
            # --now pins the start; the run's own duration still moves the clock on.
            return now + timedelta(seconds=time.monotonic() - started)

        with Ledger.open(settings.ledger.path, clock=clock) as ledger:
            for event, kind, message in prepared:
                item = KindReport(event=event, kind=kind, subject=message.rendered.subject,
                                  transport=describe_transport(settings),
                                  recipients=scan.count, audience=recipients.describe(),
                                  left_out=len(scan.problems))
                report.items.append(item)
                with _sigterm_as_interrupt() as stop:
                    try:
                        stopped = _deliver(settings, ledger, message, recipients, options,
                                           item, progress=progress, ssl_context=ssl_context,
                                           backoff=backoff)
                    except KeyboardInterrupt:  # the outbox, or between two messages
                        from .mailer import Stopped

                        stopped = Stopped(f"stopped by {stop.name}", stop.name)
                if stopped is not None:
                    item.aborted = stopped.reason
                    report.stopped_by = stopped.signal
                    break
    return report


class _Signal:
    name = "SIGINT"


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[_Signal]:
    """SIGTERM raises KeyboardInterrupt, as Ctrl-C does; which one came is remembered.

    (Over SMTP, the transport handles both in its event loop instead.)
    """
    stop = _Signal()
    previous_int = signal.getsignal(signal.SIGINT)
    previous_term = signal.getsignal(signal.SIGTERM)

    def interrupt(signum: int, frame: object) -> None:
        stop.name = signal.Signals(signum).name
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals as they are
        yield stop
        return
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)


# --- what to send ----------------------------------------------------------------------

def _plan(settings: Settings, catalog: Catalog, now: datetime, options: SendOptions,
          sent: Sent, report: SendReport) -> list[tuple[Event, str]]:
    """The (event, kind) pairs to send: at most one kind per event."""
    schedule, types = settings.schedule, settings.content.types
    kind = options.kind
    if options.force and kind is None:
        raise SendError("--force needs --kind: which message should go out?")
    if not options.refs:
        catalog.require_events()
        events = [e for e in upcoming(catalog.events, now, types)
                  if not (e.cancelled and "announcement" not in sent.get(e.id, {}))]
        if options.force:
            assert kind is not None
            if not events:
                report.nothing_due = "Nothing to send: there is no upcoming event."
                return []
            _check_kind(events[0], kind)
            return [(events[0], kind)]
        found = next_due(events, now, schedule, types, sent, kind=kind)
        if found is not None:
            return [found]
        report.nothing_due = _nothing_due(settings, events, sent, kind)
        return []
    plan: list[tuple[Event, str]] = []
    lines: list[str] = []
    for ref in options.refs:
        event = catalog.find(ref, settings.content.events)
        if options.force:
            assert kind is not None
            _check_kind(event, kind)
            plan.append((event, kind))
            continue
        if not announced_types(event, types):
            lines.append(f"Nothing due for {_name(event)}: its type {event.type!r} is not "
                         "announced ([content] types); --kind K --force sends it anyway.")
            continue
        due = due_kinds(event, now, schedule, sent)
        if kind is not None and kind not in due:
            lines.append(f"The {kind} of {_name(event)} is not due; --force sends it anyway.")
            continue
        if due:
            plan.append((event, kind or due[0]))
            continue
        lines.append(f"Nothing due for {_name(event)}{_next_part(settings, event, sent)}.")
    if lines:
        report.nothing_due = "\n".join(lines)
    return plan


def _check_kind(event: Event, kind: str) -> None:
    if kind == "cancellation" and not event.cancelled:
        raise ContentError(
            f"{event.path}: {_name(event)} is not cancelled: a cancellation needs "
            "'cancelled: true' in its front matter"
        )


def _name(event: Event) -> str:
    return f"“{event.title}” ({event.id})"


def _when(moment: datetime, settings: Settings) -> str:
    local = moment.astimezone(settings.site.tz)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"


def _next_kind(event: Event, sent: Sent) -> str:
    return "announcement" if "announcement" not in sent.get(event.id, {}) else "reminder"


def _next_part(settings: Settings, event: Event, sent: Sent) -> str:
    at = next_due_at(event, settings.schedule, sent)
    if at is None or at >= event.start:
        return "; nothing more will be due for it"
    return f"; the {_next_kind(event, sent)} becomes due {_when(at, settings)}"


def _nothing_due(settings: Settings, events: Sequence[Event], sent: Sent,
                 kind: str | None) -> str:
    if not events:
        return "Nothing due: there is no upcoming event."
    soonest: tuple[datetime, Event] | None = None
    for event in events:
        at = next_due_at(event, settings.schedule, sent)
        if at is None or at >= event.start or (kind and _next_kind(event, sent) != kind):
            continue
        if soonest is None or at < soonest[0]:
            soonest = (at, event)
    what = f"No {kind} is due" if kind else "Nothing due"
    last = _last_sent(events[0], sent)
    if soonest is None:
        done = f": the {last[0]} of {_name(events[0])} went out {_when(last[1], settings)}" \
            if last else ""
        return f"{what}{done}; nothing more is scheduled for the upcoming events."
    at, event = soonest
    if last and event is events[0]:
        return (f"{what}: the {last[0]} of {_name(event)} went out {_when(last[1], settings)}; "
                f"the {_next_kind(event, sent)} is due {_when(at, settings)}.")
    return (f"{what}. Next: the {_next_kind(event, sent)} of {_name(event)}, "
            f"due {_when(at, settings)}.")


def _last_sent(event: Event, sent: Sent) -> tuple[str, datetime] | None:
    """The kind that went out last for ``event``, and when, if any did."""
    records = sent.get(event.id, {})
    if not records:
        return None
    kind, record = max(records.items(), key=lambda item: item[1].first_at)
    return kind, record.first_at


# --- rendering and transports ----------------------------------------------------------

def _prepare(settings: Settings, catalog: Catalog, now: datetime, event: Event,
             kind: str) -> Prepared:
    from .message import prepare
    from .render import render_event

    return prepare(settings, render_event(settings, catalog, event, kind, now), date=now)


def _check_transport(settings: Settings, report: SendReport, *, dry_run: bool) -> None:
    """Refuse an unsafe or incomplete [smtp] before anything happens (a warning in a dry run)."""
    if settings.smtp is None:
        return
    from .errors import ConfigError
    from .mailer import SmtpTarget

    try:
        SmtpTarget.from_settings(settings.smtp, where=_config_name(settings))
    except ConfigError as exc:
        if not dry_run:
            raise
        report.notes.append(f"warning: {exc}")


def _config_name(settings: Settings) -> str:
    return str(settings.source) if settings.source else "configuration"


def _dry_run(settings: Settings, catalog: Catalog, now: datetime, event: Event, kind: str,
             count: int, recipients: Recipients) -> KindReport:
    message = _prepare(settings, catalog, now, event, kind)
    item = KindReport(event=event, kind=kind, subject=message.rendered.subject,
                      transport=describe_transport(settings), recipients=count,
                      audience=recipients.describe(), dry_run=True)
    ledger = Ledger.open_readonly(settings.ledger.path)
    if ledger is not None:
        with ledger:
            for chunk in _chunks(iter(recipients), 500):
                rows = ledger.lookup(event.id, kind, [r.key for r in chunk])
                item.skipped += sum(1 for r in rows.values() if r.status == "sent")
                item.uncertain += sum(1 for r in rows.values() if r.status == "claimed")
    return item


def _chunks(items: Iterator[Recipient], size: int) -> Iterator[list[Recipient]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _deliver(settings: Settings, ledger: Ledger, prepared: Prepared, recipients: Recipients,
             options: SendOptions, item: KindReport, *, progress: Progress | None,
             ssl_context: ssl.SSLContext | None, backoff: float | None) -> Stopped | None:
    """Hand every recipient still to be sent to the transport; why it stopped early, if so."""
    from .mailer import Outgoing, SmtpTarget, send_all
    from .message import AddressError, make_message_id
    from .outbox import Outbox

    event_id, kind = item.event.id, item.kind
    ledger.record_subject(event_id, kind, item.subject)
    transport: SmtpTarget | Outbox = Outbox(settings.outbox.path) if settings.smtp is None \
        else SmtpTarget.from_settings(settings.smtp, where=_config_name(settings))
    label = f"{kind} of {event_id}"
    batch_size = OUTBOX_BATCH if settings.smtp is None else SMTP_BATCH
    bar = progress(item.recipients, label) if progress else contextlib.nullcontext(_no_progress)

    with bar as advance:
        def batches() -> Iterator[list[Outgoing]]:
            for chunk in _chunks(iter(recipients), batch_size):
                rows = ledger.lookup(event_id, kind, [r.key for r in chunk])
                items: list[Outgoing] = []
                passed = 0
                for recipient in chunk:
                    row = rows.get(recipient.key)
                    if row is not None and row.status == "sent" and not options.resend:
                        item.skipped += 1
                        passed += 1
                        continue
                    if row is not None and row.refused and not options.force:
                        # A 5xx is permanent: asking again daily would only annoy the
                        # server. --force tries them again.
                        item.refused += 1
                        passed += 1
                        continue
                    if row is not None and row.status == "claimed" and not (
                            options.resend_uncertain or options.resend):
                        item.uncertain += 1
                        _note(item.uncertain_recipients, recipient.address)
                        passed += 1
                        continue
                    if row is not None and row.status == "claimed":
                        message_id = row.message_id  # the same mail, maybe already there
                    elif row is not None and row.status == "sent":
                        message_id = make_message_id(settings)  # a deliberate second copy
                    else:
                        message_id = prepared.message_id_for(recipient.address)
                    try:
                        data = _addressed(prepared, recipient, message_id)
                    except AddressError as exc:
                        item.invalid += 1
                        _note(item.failures, (recipient.address, str(exc)))
                        passed += 1
                        continue
                    items.append(Outgoing(recipient.key, recipient.address, data, message_id))
                if passed:
                    advance(passed)
                if items:
                    yield items

        recorder = _Recorder(ledger, event_id, kind, transport.name, item, advance)
        if isinstance(transport, Outbox):
            item.outbox = transport.path
            item.files = transport.deliver(batches(), recorder)
            stopped = None
        else:
            sender = parseaddr(settings.mail.sender)[1]
            stopped = send_all(transport, sender, batches(), recorder,
                               ssl_context=ssl_context, backoff=backoff)
    if stopped is None:  # every recipient now has a row that says how it went
        ledger.finished(event_id, kind)
    return stopped


class _Recorder:
    """A transport's claims and outcomes, into the ledger and the run's summary."""

    def __init__(self, ledger: Ledger, event: str, kind: str, transport: str,
                 item: KindReport, advance: Callable[[int], None]):
        self.ledger, self.event, self.kind, self.transport = ledger, event, kind, transport
        self.item = item
        self.advance = advance

    def record(self, changes: Sequence[Outgoing | Outcome]) -> None:
        self.ledger.record(self.event, self.kind, [
            c if isinstance(c, Outcome) else Claim(c.recipient, c.message_id) for c in changes
        ], self.transport)

    def report(self, outcomes: Sequence[Outcome]) -> None:
        item = self.item
        for outcome in outcomes:
            if outcome.status == "sent":
                item.sent += 1
            elif outcome.status == "failed":
                item.failed += 1
                _note(item.failures, (outcome.recipient, outcome.error))
            elif outcome.status == "uncertain":
                item.uncertain += 1
                _note(item.uncertain_recipients, f"{outcome.recipient} ({outcome.error})")
            else:
                item.not_sent += 1
        self.advance(len(outcomes))


def _addressed(prepared: Prepared, recipient: Recipient, message_id: str) -> bytes:
    """The message for ``recipient``; with a name the email package will not write (say,
    one holding ``=?...?=``), addressed to the bare address: the mail still goes."""
    from .message import AddressError

    try:
        return prepared.to_bytes(recipient.header, message_id=message_id)
    except AddressError:
        if not recipient.name:
            raise
        return prepared.to_bytes(recipient.address, message_id=message_id)


def _no_progress(n: int) -> None:
    """Progress goes nowhere when there is no terminal."""


T = TypeVar("T")


def _note(notes: list[T], entry: T) -> None:
    # Keep the first SHOWN only: a server that refuses everyone must not fill memory.
    if len(notes) < SHOWN:
        notes.append(entry)


# --- the summary -----------------------------------------------------------------------

def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def format_report(report: SendReport, settings: Settings) -> list[str]:
    """The lines ``announce send`` prints on stdout."""
    lines: list[str] = []
    if report.nothing_due:
        lines += report.nothing_due.splitlines()
    for item in report.items:
        event = item.event
        if item.dry_run:
            lines += [
                "Dry run: nothing sent, nothing written.",
                f"Event:      {event.id} — {event.title}, {_when(event.start, settings)}",
                f"Kind:       {item.kind}",
                f"Subject:    {item.subject}",
                f"Recipients: {item.recipients} ({item.audience})"
                + (f"; {item.skipped} already sent" if item.skipped else "")
                + (f"; {item.uncertain} uncertain" if item.uncertain else ""),
                f"Transport:  {item.transport}",
            ]
            continue
        lines.append(f"The {item.kind} of {_name(event)}, via {item.transport}:")
        lines.append(f"Subject: {item.subject}")
        for address, error in item.failures:
            lines.append(f"  failed: {address}: {error}")
        for entry in item.uncertain_recipients:
            lines.append(f"  uncertain: {entry}")
        shown_failures = item.failed + item.invalid
        if shown_failures > len(item.failures):
            lines.append(f"  ... and {shown_failures - len(item.failures)} more failures "
                         "(see 'announce history')")
        if item.uncertain > len(item.uncertain_recipients):
            lines.append(f"  ... and {item.uncertain - len(item.uncertain_recipients)} more "
                         "uncertain (see 'announce history')")
        lines.append(f"Summary: {item.counts}.")
        if item.aborted:
            lines.append(f"Stopped early: {item.aborted}")
        if item.uncertain:
            lines.append(
                "Uncertain: a run stopped after handing these over and before the server "
                "confirmed them; they may have arrived. Check, then send them with "
                f"'announce send {event.id} --kind {item.kind} --resend-uncertain'."
            )
        if item.failed and not item.aborted:
            lines.append("A rerun tries the temporary failures again; "
                         f"'announce send {event.id} --kind {item.kind} --force' retries all.")
        elif item.refused:
            lines.append(f"'announce send {event.id} --kind {item.kind} --force' tries the "
                         "refused recipients again (see 'announce history').")
        if item.files:
            lines += _outbox_lines(item)
    return lines


def _outbox_lines(item: KindReport) -> list[str]:
    assert item.outbox is not None
    folder = display_path(item.outbox)
    lines = [f"Written to the outbox {folder}/ (a Maildir):"]
    lines += [f"  {display_path(path)}" for path in item.files]
    if item.sent > len(item.files):
        lines.append(f"  ... and {item.sent - len(item.files)} more in {folder}/new/")
    lines.append(f"Open it with any mail client that reads Maildir (e.g. 'mutt -f {folder}'), "
                 "or read the file: it is the message as sent.")
    return lines
