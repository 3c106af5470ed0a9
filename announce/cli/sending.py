"""`send` and `history`: sending what is due, and what went out."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click

from ..config import Settings
from ..errors import AnnounceError
from ..kinds import KINDS
from ..paths import display_path
from .base import Run, cli, common_options, diagnostic, report_left_out

# Fewer recipients than this finish before a bar would be worth drawing.
PROGRESS_MIN = 10


def _dry_run_failure(exc: AnnounceError, settings: Settings | None) -> dict[str, Any]:
    from .jsonout import dry_run_failure

    return dry_run_failure(exc, settings)


@cli.command("send")
@click.argument("event_refs", metavar="[EVENT]...", nargs=-1)
@click.option("--next", "use_next", is_flag=True,
              help="Send what is due for the next event (one message at most).")
@click.option("--kind", type=click.Choice(KINDS),
              help="Only this message; with --force, even when it is not due.")
@click.option("--dry-run", is_flag=True,
              help="Render and check, then say what would go out; connects to nothing and "
                   "writes nothing.")
@click.option("--force", is_flag=True,
              help="Send --kind although it is not due (the ledger still skips recipients "
                   "who have it, unless --resend).")
@click.option("--resend", is_flag=True,
              help="Send again to recipients the ledger says already have it.")
@click.option("--resend-uncertain", is_flag=True,
              help="Send to recipients a stopped run left uncertain (they may get it twice).")
@click.option("--skip", is_flag=True,
              help="Send nothing: record the message as done in the ledger, so that no run "
                   "sends it (with --kind and --force, that message even when not due).")
@click.option("--json", "as_json", is_flag=True,
              help="With --dry-run: one JSON object on stdout, for scripts: each message "
                   "that would go out (kind, event, subject, recipients), or why none would.")
@common_options(json_failure=_dry_run_failure)
def send_command(run: Run, event_refs: tuple[str, ...], use_next: bool, kind: str | None,
                 dry_run: bool, force: bool, resend: bool, resend_uncertain: bool,
                 skip: bool, as_json: bool) -> None:
    """Send what is due, over SMTP ([smtp]) or into the outbox folder, exactly once.

    With --next, the next event that has a message due; with EVENT (an event id or a
    talk file), those events. At most one message per event per run. The ledger
    records every recipient: a rerun sends only what did not go out, and reports
    recipients a stopped run left uncertain instead of sending them twice.

    Exits 0 when everything went out (or nothing was due), 3 when some recipients
    failed (a rerun resumes), 1 on an error.

    \b
    Examples:
      announce send --next --dry-run
      announce send --next --dry-run --json
      announce send --next --now 2027-01-28T09:00
      announce send 2027/2027-02-03-observability-with-opentelemetry --kind reminder --force
      announce send 2027/2027-02-03-observability-with-opentelemetry --kind reminder --force --skip
    """
    from .. import gha, workflow
    from ..plan import SendOptions
    from ..send import send
    from ..summary import format_report

    if use_next == bool(event_refs):
        raise click.UsageError("give either --next or one or more EVENTs")
    if force and kind is None:
        raise click.UsageError("--force needs --kind: which message should go out?")
    if skip and (resend or resend_uncertain):
        raise click.UsageError("--skip sends nothing: it cannot go with --resend or "
                               "--resend-uncertain")
    if as_json and not dry_run:
        raise click.UsageError("--json needs --dry-run: a send reports what went out as text "
                               "(and 'announce history --json')")
    catalog = run.catalog()
    report_left_out(catalog)
    options = SendOptions(refs=event_refs, kind=kind, dry_run=dry_run, force=force,
                          resend=resend, resend_uncertain=resend_uncertain, skip=skip,
                          skipped_by=workflow.actor() if skip else "")
    gha.before_send(run.settings, dry_run=dry_run)  # no-op off GitHub Actions
    report = send(run.settings, catalog, run.now, options, progress=_progress_bar)
    if as_json:
        from ..lists import posting_note
        from .jsonout import dry_run_report, dumps

        click.echo(dumps(dry_run_report(run.settings, report, posting_note(run.settings),
                                        catalog.errors)))
        gha.after_send(run.settings, catalog, run.now, report, dry_run=True,
                       preview_next=use_next)  # its outputs; a dry run prints no lines
        sys.exit(report.exit_code)
    for warning in report.warnings:
        diagnostic("warning", str(warning))
    for problem in report.problems:
        diagnostic("warning", problem)
    for note in report.notes:
        severity, _sep, text = note.partition(": ")
        if severity == "warning":
            diagnostic("warning", text)
        else:
            click.echo(f"announce: {note}", err=True)
    if dry_run:
        from ..lists import posting_note

        list_note = posting_note(run.settings)
        if list_note:
            click.echo(f"announce: note: {list_note}", err=True)
    for line in format_report(report, run.settings):
        click.echo(line)
    for line in gha.after_send(run.settings, catalog, run.now, report, dry_run=dry_run,
                               preview_next=use_next):
        click.echo(line)
    # On GitHub, a file that keeps a talk from the list fails the send (after sending
    # what was due): a scheduled run is never green while a talk goes unannounced.
    blocked = gha.unannounced(catalog, run.now, dry_run=dry_run)
    for line in blocked:
        click.echo(line)
    sys.exit(report.exit_code or (1 if blocked and not dry_run else 0))


def _progress_bar(total: int, label: str) -> Any:
    """A progress bar on stderr, on a terminal and for more than a few recipients."""
    import contextlib

    if total < PROGRESS_MIN or not sys.stderr.isatty():
        return contextlib.nullcontext(lambda n: None)

    @contextlib.contextmanager
    def bar() -> Any:
        with click.progressbar(length=total, label=label, file=sys.stderr) as progress:
            yield progress.update

    return bar()


@cli.command("history")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, one object per message.")
@click.option("--recipient", metavar="ADDRESS",
              help="Only what was sent to ADDRESS (in a ledger that hashes recipients, with "
                   "its key in the variable [ledger] key_env names).")
@common_options
def history_command(run: Run, as_json: bool, recipient: str | None) -> None:
    """What was sent, when, to how many, and who did not get it, from the ledger.

    \b
    Examples:
      announce history
      announce history --json
      announce history --recipient ada@example.org
    """
    from ..ledger import Ledger
    from ..ledger.keys import recipient_keys

    settings = run.settings
    ledger = Ledger.open_readonly(settings.ledger.path, recipient_keys(settings.ledger))
    if recipient is not None:
        _recipient_history(settings, ledger, recipient, as_json)
        return
    entries = [] if ledger is None else ledger.history()
    if ledger is not None:
        ledger.close()
    tz = settings.site.tz

    def when(moment: datetime | None) -> str | None:
        return moment.astimezone(tz).isoformat() if moment else None

    if as_json:
        rows = [
            {
                "event": e.event, "kind": e.kind, "subject": e.subject,
                "first_sent": when(e.first_sent), "last_sent": when(e.last_sent),
                "sent": e.sent, "failed": e.failed, "uncertain": e.uncertain,
                "transports": list(e.transports), "skipped": e.skipped or None,
                "failures": [
                    {"recipient": f.recipient, "status": f.status, "code": f.code,
                     "error": f.error, "attempts": f.attempts}
                    for f in e.failures
                ],
            }
            for e in entries
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not entries:
        click.echo(f"Nothing sent yet (no ledger records in {settings.ledger.path}).")
        return
    for e in entries:
        if e.first_sent is not None:
            local = e.first_sent.astimezone(tz)
            stamp = f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
        else:
            stamp = "never sent"
        counts = f"{e.sent} sent"
        counts += f", {e.failed} failed" if e.failed else ""
        counts += f", {e.uncertain} uncertain" if e.uncertain else ""
        counts += f", skipped {e.skipped}" if e.skipped else ""
        via = f"  via {', '.join(e.transports)}" if e.transports else ""
        click.echo(f"{stamp:<20}  {e.kind:<12}  {e.event}  {counts}{via}")
        if e.subject:
            click.echo(f"    Subject: {e.subject}")
        for f in e.failures:
            code = f"{f.code} " if f.code and not f.error.startswith(str(f.code)) else ""
            click.echo(f"    {f.status}: {f.recipient}: {code}{f.error}".rstrip(": "))


def _recipient_history(settings: Settings, ledger: Any, address: str, as_json: bool) -> None:
    """``history --recipient``: each message tried for ``address``, and how it went."""
    rows = [] if ledger is None else ledger.deliveries_to(address)
    if ledger is not None:
        ledger.close()
    tz = settings.site.tz
    if as_json:
        click.echo(json.dumps([
            {"event": event, "kind": kind, "status": status,
             "sent": sent.astimezone(tz).isoformat() if sent else None}
            for event, kind, status, sent in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"{address}: nothing in the ledger ({display_path(settings.ledger.path)}).")
        return
    for event, kind, status, sent in rows:
        stamp = f"{sent.astimezone(tz):%Y-%m-%d %H:%M}" if sent else "never sent"
        click.echo(f"{stamp:<16}  {kind:<12}  {event}  {status}")
