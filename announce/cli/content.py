"""`list`, `check` and `render`: what is coming, what is wrong, what a message looks like."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..config import Settings
from ..errors import AnnounceError, ConfigError, ContentError
from ..kinds import KINDS, default_kind
from ..news import changed_note
from ..paths import display_path
from .base import (
    Run,
    cli,
    common_options,
    diagnostic,
    format_when,
    report_left_out,
    sent_records,
)


@cli.command("list")
@click.option("--all", "show_all", is_flag=True, help="Every event, past ones too.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, one object per event.")
@common_options
def list_command(run: Run, show_all: bool, as_json: bool) -> None:
    """List upcoming events, oldest first, with what is due now.

    \b
    Examples:
      announce list
      announce list --all --json --now 2027-01-28
    """
    from ..listing import due_now, event_row

    settings = run.settings
    catalog = run.catalog()
    report_left_out(catalog)
    events = [e for e in catalog.events if show_all or e.start > run.now]
    sent = sent_records(settings)
    if as_json:
        rows = [event_row(settings, e, run.now, sent) for e in events]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not events:
        click.echo("No upcoming events." if not show_all else "No events.")
        return
    for e in events:
        where = e.location.title if e.location else (e.location_name or "-")
        title = f"{e.title} (cancelled)" if e.cancelled else e.title
        kinds = due_now(settings, e, run.now, sent)
        when = format_when(e, settings)
        if "start" in e.unsure:  # the date is the file's; the time of day nobody wrote
            when = f"{e.start.astimezone(settings.site.tz):%a %Y-%m-%d} --:--"
        line = f"{when:<25} {e.type:<10} {title}  @ {where}"
        line += f"  [due: {', '.join(kinds)}]" if kinds else ""
        click.echo(line + (f"  [unsure: {', '.join(e.unsure)}]" if e.unsure else ""))
        changed = (changed_note(e, settings.schedule, sent, settings.site.tz)
                   if e.start > run.now else None)
        if changed:
            click.echo(f"{'':<26}{changed}")


def _check_failure(exc: AnnounceError, settings: Settings | None) -> dict[str, Any]:
    from .jsonout import check_failure

    return check_failure(exc, settings)


@cli.command("check")
@click.option("--strict", is_flag=True, help="Warnings count as errors too.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object on stdout instead of lines: every problem and note with "
                   "its file, line, key, severity and message (see the docs).")
@common_options(json_failure=_check_failure)
def check_command(run: Run, strict: bool, as_json: bool) -> None:
    """Check the config and every content file, and what a send would need; print every
    problem.

    Files that are no events (section pages, drafts, templates, pages without front
    matter) are listed once as notes. The next event is rendered as every kind of
    message, so that a template or subject that fails is found before a send. Exits 1
    when there is an error (with --strict, also a warning), or when no event file loads;
    else 0.

    \b
    Examples:
      announce check --strict
      announce check --json
    """
    from ..checkrun import check_site, nothing_loaded

    settings = run.settings
    catalog = run.catalog()
    report = check_site(settings, catalog, run.now, sent_records(settings), strict=strict)
    problems, errors, warnings = report.problems, report.errors, report.warnings
    if as_json:
        from .jsonout import check_report, dumps, from_problem, note

        notes = [from_problem(p, "note") for p in catalog.left_out]
        notes += [note(report.list_note)] if report.list_note else []
        notes += [note(f"{text} (an update is due)", event.path)
                  for event, text in report.changed]
        if not catalog.events:
            notes.append(note(nothing_loaded(settings)))
        click.echo(dumps(check_report(settings, catalog, list(problems), notes,
                                      ok=not report.failed)))
        sys.exit(1 if report.failed else 0)
    for problem in problems:
        diagnostic(problem.severity, str(problem), prefix="", err=False)
    for left_out in catalog.left_out:
        click.echo(f"note: {left_out}")
    if report.list_note:
        click.echo(f"note: {report.list_note}")
    for event, text in report.changed:
        click.echo(f"note: {display_path(event.path)}: {text} (an update is due)")
    from .. import workflow

    if workflow.in_github_actions():  # shown on the file's line in the pull request
        for problem in problems:
            what = f"{problem.field}: {problem.message}" if problem.field else problem.message
            click.echo(workflow.annotation(problem.severity, what, problem.path, problem.line))
    files, locations = catalog.files_read, len(catalog.locations)
    skipped = len(catalog.left_out)
    # Entries of data files are counted as what they are: one file may hold them all.
    unit = ("event entry", "event entries") if settings.content.data else (
        "event file", "event files")
    click.echo(
        f"Checked {files} {unit[files != 1]} and "
        f"{locations} location{'s' * (locations != 1)}: "
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        + (f", {skipped} file{'s' * (skipped != 1)} left out as no events" if skipped else "")
        + "."
    )
    if not catalog.events:
        click.echo(nothing_loaded(settings))
    if report.failed:
        sys.exit(1)


@cli.command("render")
@click.argument("event_ref", metavar="[EVENT]", required=False)
@click.option("--next", "use_next", is_flag=True, help="The next upcoming event, not EVENT.")
@click.option("--kind", type=click.Choice(KINDS),
              help="Which message. Default: what is due for the event, else the announcement "
                   "(the cancellation for a cancelled event).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the message to this file (an .eml) instead of stdout.")
@click.option("--to", "to", metavar="ADDRESS",
              help="Address it to ADDRESS. Default: the first recipient ([mail] to or the CSV).")
@click.option("--force", is_flag=True,
              help="Render --kind even where it makes no sense (a cancellation of an event "
                   "that is not cancelled).")
# Golden files and debugging pin the Message-ID; by default it is the one send uses.
@click.option("--message-id", "message_id", hidden=True, envvar="ANNOUNCE_MESSAGE_ID")
@common_options
def render_command(run: Run, event_ref: str | None, use_next: bool, kind: str | None,
                   output: Path | None, to: str | None, force: bool,
                   message_id: str | None) -> None:
    """Write the complete message (an .eml, RFC 5322) exactly as send would send it.

    EVENT is an event id (see 'announce list --all --json') or a talk file's path.
    The Date header is --now; open the .eml in any mail client to look at it.

    \b
    Examples:
      announce render --next --now 2027-01-28 -o next.eml
      announce render 2027/2027-01-06-reproducible-builds-with-nix --kind reminder
    """
    from ..compose import compose
    from ..recipients import first_recipient
    from ..selection import next_to_render

    if use_next == (event_ref is not None):
        raise click.UsageError("give either EVENT or --next")
    settings = run.settings
    catalog = run.catalog()
    report_left_out(catalog)
    sent = sent_records(settings)
    if use_next:
        catalog.require_events()
        event = next_to_render(catalog.events, run.now, settings.schedule,
                               settings.content.types, sent, kind=kind)
        if event is None:
            when = run.now.astimezone(settings.site.tz)
            raise ContentError(f"no upcoming event after {when:%Y-%m-%d %H:%M} "
                               "(see 'announce list --all')")
    else:
        assert event_ref is not None
        event = catalog.find(event_ref, settings.content.events)
    from ..render.checks import event_language_problem

    language = event_language_problem(settings, event)
    if language is not None:
        diagnostic("warning", str(language))
    if kind is None:
        kind = default_kind(event, run.now, settings.schedule, sent)
    elif not force:
        from ..kinds import check_forced

        check_forced(event, kind)  # the rule of send --kind K --force
    if to is None:
        first = first_recipient(settings)
        if first is None:
            raise ConfigError("no valid recipient to address the message to (use --to)")
        to = first.header
    data = compose(settings, catalog, event, kind, run.now, sent).addressed(
        to, message_id=message_id)
    changed = changed_note(event, settings.schedule, sent, settings.site.tz)
    if changed:  # the update tells it; any other kind is rendered as the event is now
        click.echo(f"announce: note: {changed}", err=True)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise AnnounceError(f"{output}: cannot write: {exc.strerror}") from None
    click.echo(f"Wrote {output} ({kind} of {event.id}, {len(data) // 1024 + 1} KB).", err=True)
