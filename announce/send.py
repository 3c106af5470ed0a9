"""``announce send``: pick what is due, render it once, and deliver it exactly once.

For each (event, kind) a run sends (:mod:`announce.plan` decides which):

1. compose the message once (:func:`announce.compose.compose`: plan, render, prepare);
2. stream the recipients in batches; for each batch, look the recipients up in the ledger,
   address a copy to each one still to be sent (only the ``To`` and ``Message-ID`` lines
   change), and hand the batch to the transport (:func:`announce.delivery.transport_for`);
3. the transport *claims* each message in the ledger before it leaves and records its
   outcome after, through :class:`_Recorder`: over SMTP one message at a time per
   connection, so a killed run leaves at most one uncertain recipient per connection;
   the outbox a batch at a time.

SIGINT and SIGTERM stop a run the same way: nothing new starts, what is in flight
finishes (or is reported uncertain), never-tried recipients are released, and the report
says which signal it was (the CLI exits 128 + its number: 130, 143).

Who is sent to, per recipient and ledger row: no row, or ``failed``: sent; ``sent``:
skipped (``--resend``: sent again, with a new Message-ID); ``claimed`` by a run that
stopped (uncertain): reported, not sent (``--resend-uncertain``: sent, with the same
Message-ID, so that a client that did get it can tell the copies are one).

Only this module and the CLI know about a "run"; the lock that keeps two runs apart is
held from reading the ledger (to decide what is due) to the last confirmation. The result
is data (:class:`~announce.report.SendReport`); the words are :mod:`announce.summary`'s.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING

from .compose import compose
from .config import Settings
from .content import Catalog, Event
from .delivery import Outcome, Outgoing, Overrides, Stopped, Transport, transport_for
from .errors import ConfigError
from .ledger import Claim, Ledger, Row, read_sent, run_lock
from .ledger.keys import recipient_keys
from .news import UPDATE, Sent, changed_note
from .plan import SendOptions, plan_sends
from .recipients import Recipient, Recipients, load_recipients
from .report import KindReport, SendReport, note

if TYPE_CHECKING:
    import ssl

    from .message import Prepared
    from .render import Rendered
    from .shared import Shared

__all__ = ["Progress", "send"]

# (total, label) -> a context whose value advances the bar by n.
Progress = Callable[[int, str], AbstractContextManager[Callable[[int], None]]]


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
    trusts their own CA); ``backoff`` is the base delay between attempts.
    """
    recipients = load_recipients(settings)
    transport = transport_for(settings, Overrides(ssl_context=ssl_context, backoff=backoff))
    report = SendReport()
    if options.dry_run:
        # Reads the ledger if there is one; creates, locks and writes nothing.
        sent = read_sent(settings.ledger.path)
        planned = _planned(settings, catalog, now, options, sent, report)
        if not planned:
            return report
        try:
            transport.check()
        except ConfigError as exc:
            report.notes.append(f"warning: {exc}")
        # The recipients are read (and their problems reported) only when there is
        # something to send: a quiet day's run stays quiet.
        scan = recipients.scan()
        report.problems = scan.problems
        for event, kind in planned:
            item = _dry_run(settings, catalog, now, event, kind, scan.count, recipients,
                            transport, sent, resending=options.resend_uncertain)
            item.skip = options.skip
            report.items.append(item)
        return report

    transport.check()  # an unsafe or incomplete [smtp] stops the run before anything
    with run_lock(settings.ledger.path):
        sent = read_sent(settings.ledger.path)  # under the lock: no other run writes now
        planned = _planned(settings, catalog, now, options, sent, report)
        if not planned:
            return report
        scan = recipients.scan()
        report.problems = scan.problems
        # Render everything first: a template error stops the run before anything is sent.
        prepared = [(event, kind, compose(settings, catalog, event, kind, now, sent))
                    for event, kind in planned]
        started = time.monotonic()

        def clock() -> datetime:
            # --now pins the start; the run's own duration still moves the clock on.
            return now + timedelta(seconds=time.monotonic() - started)

        with Ledger.open(settings.ledger.path, clock=clock,
                         keys=recipient_keys(settings.ledger)) as ledger:
            if options.skip:
                report.items += [_skip(ledger, event, message, options, transport.describe())
                                 for event, _kind, message in prepared]
                return report
            for event, kind, message in prepared:
                item = KindReport(event=event, kind=kind, subject=message.rendered.subject,
                                  transport=transport.describe(), recipients=scan.count,
                                  audience=recipients.describe(), left_out=len(scan.problems))
                report.items.append(item)
                with _sigterm_as_interrupt() as stop:
                    try:
                        stopped = _deliver(settings, ledger, transport, message, recipients,
                                           options, item, progress=progress)
                    except KeyboardInterrupt:  # the outbox, or between two messages
                        stopped = Stopped(f"stopped by {stop.name}", stop.name)
                if stopped is not None:
                    # Released by the transport, and never read from the list at all:
                    # both are "not sent" (a rerun sends them).
                    item.not_sent += item.never_tried
                    item.aborted = stopped.reason
                    report.stopped_by = stopped.signal
                    break
    return report


def _planned(settings: Settings, catalog: Catalog, now: datetime, options: SendOptions,
             sent: Sent, report: SendReport) -> Sequence[tuple[Event, str]]:
    from .render.checks import event_language_problem

    found = plan_sends(settings, catalog, now, options, sent)
    report.nothing_due = found.nothing_due
    for event, _kind in found.sends:
        language = event_language_problem(settings, event)
        if language is not None:
            report.warnings.append(language)
    return found.sends


class _Signal:
    name = "SIGINT"


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[_Signal]:
    """SIGTERM raises KeyboardInterrupt, as Ctrl-C does; which one came is remembered.

    (A transport that runs an event loop, over the pool, handles both there instead.)
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


def _dry_run(settings: Settings, catalog: Catalog, now: datetime, event: Event, kind: str,
             count: int, recipients: Recipients, transport: Transport,
             sent: Sent, *, resending: bool = False) -> KindReport:
    message = compose(settings, catalog, event, kind, now, sent)
    key = message.rendered.plan.key
    item = KindReport(event=event, kind=kind, subject=message.rendered.subject,
                      transport=transport.describe(), recipients=count,
                      audience=recipients.describe(), dry_run=True,
                      changed=changed_note(event, settings.schedule, sent, settings.site.tz)
                      if kind == UPDATE else None)
    ledger = Ledger.open_readonly(settings.ledger.path, recipient_keys(settings.ledger))
    if ledger is not None:
        with ledger:
            for chunk in _chunks(iter(recipients), 500):
                rows = ledger.lookup(event.id, key,
                                     [ledger.recipient_key(r.key) for r in chunk])
                item.skipped += sum(1 for r in rows.values() if r.status == "sent")
                # With --resend-uncertain they are sent, not left uncertain.
                item.uncertain += 0 if resending else sum(
                    1 for r in rows.values() if r.status == "claimed")
    return item


def _skip(ledger: Ledger, event: Event, prepared: Prepared, options: SendOptions,
          transport: str) -> KindReport:
    """``--skip``: the message is recorded as done and sent to nobody (see Ledger.skip)."""
    from .changes import facts_of

    message = prepared.rendered.plan
    ledger.skip(event.id, message.key, prepared.rendered.subject, facts_of(event),
                options.skipped_by)
    return KindReport(event=event, kind=message.kind, subject=prepared.rendered.subject,
                      transport=transport, recipients=0, skip=True)


def _chunks(items: Iterator[Recipient], size: int) -> Iterator[list[Recipient]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _deliver(settings: Settings, ledger: Ledger, transport: Transport, prepared: Prepared,
             recipients: Recipients, options: SendOptions, item: KindReport, *,
             progress: Progress | None) -> Stopped | None:
    """Hand every recipient still to be sent to the transport; why it stopped early, if so."""
    from .changes import facts_of

    # The ledger key ("update:2"), not the kind: every write below is of this one message.
    event_id, key = item.event.id, prepared.rendered.plan.key
    ledger.record_subject(event_id, key, item.subject, facts_of(item.event))
    label = f"{key} of {event_id}"
    bar = progress(item.recipients, label) if progress else contextlib.nullcontext(_no_progress)
    shared = None
    if settings.mail.batch_recipients > 1:  # messages shared by N recipients (shared.py)
        from .shared import Shared, to_header

        shared = Shared(prepared, settings.mail.batch_recipients, to_header(settings))
    with bar as advance:
        def batches() -> Iterator[list[Outgoing]]:
            size = max(transport.batch_size, shared.size if shared else 1)
            for chunk in _chunks(iter(recipients), size):
                # By address, or by keyed hash: the ledger's own key (ledger/keys.py).
                keys = [ledger.recipient_key(r.key) for r in chunk]
                rows = ledger.lookup(event_id, key, keys)
                items = [out for recipient, key in zip(chunk, keys, strict=True)
                         if (out := _outgoing(settings, prepared, recipient, key,
                                              rows.get(key), options, item))]
                if len(items) < len(chunk):
                    advance(len(chunk) - len(items))
                if items:
                    yield shared.group(items, rows) if shared else items

        recorder = _Recorder(ledger, event_id, key, transport.name, item, advance, shared,
                             prepared.rendered)
        delivered = transport.deliver(batches(), recorder)
    item.outbox, item.files = delivered.folder, list(delivered.files)
    if delivered.stopped is None:  # every recipient now has a row that says how it went
        ledger.finished(event_id, key)
    return delivered.stopped


def _outgoing(settings: Settings, prepared: Prepared, recipient: Recipient, key: str,
              row: Row | None, options: SendOptions, item: KindReport) -> Outgoing | None:
    """The message for ``recipient``, or None (counted in ``item``) if it is not to go."""
    from .message import AddressError, make_message_id

    if row is not None and row.status == "sent" and not options.resend:
        item.skipped += 1
        return None
    if row is not None and row.refused and not options.force:
        # A 5xx is permanent: asking again daily would only annoy the server. --force
        # tries them again.
        item.refused += 1
        return None
    if row is not None and row.status == "claimed" and not (
            options.resend_uncertain or options.resend):
        item.uncertain += 1
        note(item.uncertain_recipients, recipient.address)
        return None
    if row is not None and row.status == "claimed":
        message_id = row.message_id  # the same mail, maybe already there
    elif row is not None and row.status == "sent":
        message_id = make_message_id(settings)  # a deliberate second copy
    else:
        # From the ledger's key: in a keyed ledger the Message-ID it keeps is no
        # (unkeyed, so guessable) hash of the address.
        message_id = prepared.message_id_for(key)
    try:
        data = _addressed(prepared, recipient, message_id)
    except AddressError as exc:
        item.invalid += 1
        note(item.failures, (recipient.address, str(exc)))
        return None
    return Outgoing(key, recipient.address, data, message_id)


class _Recorder:
    """A transport's claims and outcomes, into the ledger and the run's report; with the
    first recipient confirmed, the message's copy for the archive (ledger/copies.py)."""

    def __init__(self, ledger: Ledger, event: str, key: str, transport: str,
                 item: KindReport, advance: Callable[[int], None], shared: Shared | None,
                 copy: Rendered):
        # ``key``: the message's ledger key ("update:2"), under which each row is written.
        self.ledger, self.event, self.key, self.transport = ledger, event, key, transport
        self.item = item
        self.advance = advance
        self.shared = shared  # a shared message's claim and outcome are each recipient's
        self.copy: Rendered | None = copy  # until this run's first confirmed recipient

    def record(self, changes: Sequence[Outgoing | Outcome]) -> None:
        if self.copy is not None and any(
                not isinstance(c, Outgoing) and c.status == "sent" for c in changes):
            # Before the outcome: it has gone out, whatever happens to this run next.
            copy, self.copy = self.copy, None
            self.ledger.keep_copy(self.event, self.key, copy.subject, copy.html, copy.text,
                                  self.transport)
        rows: list[Claim | Outcome] = []
        for change in changes:
            if isinstance(change, Outgoing):
                rows += [Claim(key, change.message_id) for key in change.keys]
            else:
                rows += self.shared.each(change) if self.shared else [change]
        self.ledger.record(self.event, self.key, rows, self.transport)

    def report(self, outcomes: Sequence[Outcome]) -> None:
        if self.shared is not None:
            shared = self.shared
            outcomes = [each for o in outcomes for each in shared.each(o, last=True)]
        item = self.item
        for outcome in outcomes:
            if outcome.status == "sent":
                item.sent += 1
            elif outcome.status == "failed":
                item.failed += 1
                note(item.failures, (outcome.recipient, outcome.error))
            elif outcome.status == "uncertain":
                item.uncertain += 1
                note(item.uncertain_recipients, f"{outcome.recipient} ({outcome.error})")
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
