"""The ``announce`` command line: parse options, call one function, turn errors into exits.

Exit codes: 0 done (nothing due is done too), 1 error, 2 usage, 3 partial send.
Heavy libraries (Markdown, Jinja2, premailer, aiosmtplib) are imported inside the
commands that need them, so that ``announce --help`` and ``announce list`` start fast.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .config import DEFAULT_CONFIG_NAME, Settings, load_settings, resolve_config_path
from .content import Catalog, Event, parse_datetime
from .errors import AnnounceError, ConfigError, ContentError
from .kinds import KINDS, Sent, changed_note, default_kind, due_kinds
from .paths import display_path
from .selection import announced_types

__all__ = ["cli", "main"]

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("announce")


class _Group(click.Group):
    """Prints an ``AnnounceError`` as a message (no traceback) and exits with its code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AnnounceError as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"announce: error: {line}", err=True)
            from . import gha

            if gha.in_github_actions():  # also on the run's page, not only in its log
                click.echo(gha.error_for(exc))
            ctx.exit(exc.exit_code)


@dataclass(frozen=True)
class Run:
    """What every command starts from: the settings and the clock."""

    settings: Settings
    now: datetime

    def catalog(self) -> Catalog:
        from .sources.catalog import load_catalog  # the content layer, when needed

        return load_catalog(self.settings)


def common_options(func: F) -> F:
    """``--config`` and ``--now``, on every command; the command receives a ``Run``."""

    @click.option(
        "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
        envvar="ANNOUNCE_CONFIG", show_envvar=True,
        help="Config file. Default: ./announce.toml if it exists, else built-in defaults.",
    )
    @click.option(
        "--now", "now_text", metavar="WHEN", envvar="ANNOUNCE_NOW", show_envvar=True,
        help="Pretend it is this moment: ISO 8601 date or date-time "
             "(e.g. 2027-01-28 or 2027-01-28T09:00); without an offset, in the site timezone.",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, config_path: Path | None, now_text: str | None, **kwargs: Any) -> Any:
        settings = load_settings(resolve_config_path(config_path))
        now = _parse_now(now_text, settings)
        return func(Run(settings, now), *args, **kwargs)

    return wrapper  # type: ignore[return-value]  # click's decorators erase the signature


def _parse_now(text: str | None, settings: Settings) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        return parse_datetime(text, settings.site.tz, require_time=False)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--now'") from None


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: announce list --now 2027-01-28   (what is coming up, and what is due)",
)
@click.version_option(__version__, prog_name="announce")
@click.option(
    "-v", "--verbose", count=True,
    help="Say more on stderr, with the SMTP conversation (never the AUTH secrets).",
)
def cli(verbose: int) -> None:
    """Turn a meetup's talk files into announcement emails, and send each one once.

    Talks are Markdown files with YAML front matter (a Jekyll _events/ folder works as
    it is). Settings come from announce.toml; see config.example.toml.
    """
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, stream=sys.stderr, format="announce: %(message)s")


def _report_left_out(catalog: Catalog) -> None:
    for problem in catalog.errors:
        click.echo(f"announce: warning: {problem} (file left out)", err=True)


def _format_when(event: Event, settings: Settings) -> str:
    local = event.start.astimezone(settings.site.tz)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"


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
    from .urls import meetup_url

    settings = run.settings
    catalog = run.catalog()
    _report_left_out(catalog)
    events = [e for e in catalog.events if show_all or e.start > run.now]
    sent = _sent_records(settings)
    tz = settings.site.tz

    def due(event: Event) -> list[str]:
        if not announced_types(event, settings.content.types):
            return []
        return due_kinds(event, run.now, settings.schedule, sent)

    if as_json:
        rows = [
            {
                "id": e.id,
                "title": e.title,
                "type": e.type,
                "start": e.start.astimezone(tz).isoformat(),
                "end": e.end.astimezone(tz).isoformat(),
                "location": e.location.title if e.location else e.location_name,
                "address": (", ".join(e.location.address_lines)
                            if e.location and e.location.address_lines else None),
                "online": e.location.online if e.location else None,
                "speakers": [s.name for s in e.speakers],
                "rsvp_url": e.rsvp_url or meetup_url(settings, e),
                "group": e.group_name or e.group,
                "cancelled": e.cancelled,
                "due": due(e),
                "path": str(e.path),
            }
            for e in events
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not events:
        click.echo("No upcoming events." if not show_all else "No events.")
        return
    for e in events:
        where = e.location.title if e.location else (e.location_name or "-")
        title = f"{e.title} (cancelled)" if e.cancelled else e.title
        kinds = due(e)
        line = f"{_format_when(e, settings):<25} {e.type:<10} {title}  @ {where}"
        click.echo(line + (f"  [due: {', '.join(kinds)}]" if kinds else ""))
        changed = (changed_note(e, settings.schedule, sent, settings.site.tz)
                   if e.start > run.now else None)
        if changed:
            click.echo(f"{'':<26}{changed}")


@cli.command("check")
@click.option("--strict", is_flag=True, help="Warnings count as errors too.")
@common_options
def check_command(run: Run, strict: bool) -> None:
    """Check the config and every content file; print every problem.

    Files that are no events (section pages, drafts, templates, pages without front
    matter) are listed once as notes. Exits 1 when there is an error (with --strict, also
    a warning), or when no event file loads; else 0.

    \b
    Example:
      announce check --strict
    """
    from .sources.catalog import check_problems
    from .urls import find_url_problems

    catalog = run.catalog()
    url_problems = find_url_problems(run.settings, catalog)
    extra = check_problems(run.settings, catalog, run.now)
    problems = sorted([*catalog.problems, *url_problems, *extra],
                      key=lambda p: (str(p.path), p.line))
    for problem in problems:
        click.echo(f"{problem.severity}: {problem}")
    for note in catalog.left_out:
        click.echo(f"note: {note}")
    from .lists import posting_note

    list_note = posting_note(run.settings, guess=False)
    if list_note:
        click.echo(f"note: {list_note}")
    sent = _sent_records(run.settings)
    for event in catalog.events:
        changed = (changed_note(event, run.settings.schedule, sent, run.settings.site.tz)
                   if event.start > run.now else None)
        if changed:
            click.echo(f"note: {display_path(event.path)}: {changed} (an update is due)")
    from . import gha

    if gha.in_github_actions():  # shown on the file's line in the pull request
        for problem in problems:
            what = f"{problem.field}: {problem.message}" if problem.field else problem.message
            click.echo(gha.annotation(problem.severity, what, problem.path, problem.line))
    errors = len(catalog.errors) + len(url_problems)
    warnings = len(catalog.warnings) + len(extra)
    files, locations = catalog.files_read, len(catalog.locations)
    skipped = len(catalog.left_out)
    click.echo(
        f"Checked {files} event file{'s' * (files != 1)} and "
        f"{locations} location{'s' * (locations != 1)}: "
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        + (f", {skipped} file{'s' * (skipped != 1)} left out as no events" if skipped else "")
        + "."
    )
    if not catalog.events:
        where = display_path(run.settings.content.events)
        click.echo(f"No event loaded from {where}: announce would send nothing. "
                   "Map the site's keys in [content.keys] ('announce init' infers them).")
        sys.exit(1)
    if errors or (strict and warnings):
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
    from .message import render_eml
    from .recipients import load_recipients
    from .selection import next_due, next_event

    if use_next == (event_ref is not None):
        raise click.UsageError("give either EVENT or --next")
    settings = run.settings
    catalog = run.catalog()
    _report_left_out(catalog)
    sent = _sent_records(settings)
    if use_next:
        catalog.require_events()
        # What `send --next` would send now; else the next event, as it will look.
        found = next_due(catalog.events, run.now, settings.schedule, settings.content.types,
                         sent, kind=kind)
        event = found[0] if found else next_event(
            catalog.events, run.now, settings.content.types, sent)
        if event is None:
            when = run.now.astimezone(settings.site.tz)
            raise ContentError(f"no upcoming event after {when:%Y-%m-%d %H:%M} "
                               "(see 'announce list --all')")
    else:
        assert event_ref is not None
        event = catalog.find(event_ref, settings.content.events)
    if kind is None:
        kind = default_kind(event, run.now, settings.schedule, sent)
    elif not force:
        from .kinds import check_forced

        check_forced(event, kind)  # the rule of send --kind K --force
    if to is None:
        first = next(iter(load_recipients(settings)), None)
        if first is None:
            raise ConfigError("no valid recipient to address the message to (use --to)")
        to = first.header
    data = render_eml(settings, catalog, event, kind, run.now, to=to, message_id=message_id,
                      sent=sent)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise AnnounceError(f"{output}: cannot write: {exc.strerror}") from None
    click.echo(f"Wrote {output} ({kind} of {event.id}, {len(data) // 1024 + 1} KB).", err=True)


def _sent_records(settings: Settings) -> Sent:
    """What the ledger says was sent; nothing before the first send (no file is created)."""
    from .ledger import read_sent

    return read_sent(settings.ledger.path)


# Fewer recipients than this finish before a bar would be worth drawing.
PROGRESS_MIN = 10


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
@common_options
def send_command(run: Run, event_refs: tuple[str, ...], use_next: bool, kind: str | None,
                 dry_run: bool, force: bool, resend: bool, resend_uncertain: bool) -> None:
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
      announce send --next --now 2027-01-28T09:00
      announce send 2027/2027-02-03-observability-with-opentelemetry --kind reminder --force
    """
    from . import gha
    from .send import SendOptions, send
    from .summary import format_report

    if use_next == bool(event_refs):
        raise click.UsageError("give either --next or one or more EVENTs")
    if force and kind is None:
        raise click.UsageError("--force needs --kind: which message should go out?")
    catalog = run.catalog()
    _report_left_out(catalog)
    options = SendOptions(refs=event_refs, kind=kind, dry_run=dry_run, force=force,
                          resend=resend, resend_uncertain=resend_uncertain)
    gha.before_send(run.settings, dry_run=dry_run)  # no-op off GitHub Actions
    report = send(run.settings, catalog, run.now, options, progress=_progress_bar)
    for problem in report.problems:
        click.echo(f"announce: warning: {problem}", err=True)
    for note in report.notes:
        click.echo(f"announce: {note}", err=True)
    if dry_run:
        from .lists import posting_note

        list_note = posting_note(run.settings)
        if list_note:
            click.echo(f"announce: note: {list_note}", err=True)
    for line in format_report(report, run.settings):
        click.echo(line)
    for line in gha.after_send(run.settings, catalog, run.now, report, dry_run=dry_run,
                               preview_next=use_next):
        click.echo(line)
    sys.exit(report.exit_code)


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
@common_options
def history_command(run: Run, as_json: bool) -> None:
    """What was sent, when, to how many, and who did not get it, from the ledger.

    \b
    Examples:
      announce history
      announce history --json
    """
    from .ledger import Ledger

    settings = run.settings
    ledger = Ledger.open_readonly(settings.ledger.path)
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
                "transports": list(e.transports),
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
        click.echo(f"{stamp:<20}  {e.kind:<12}  {e.event}  {counts}  via {', '.join(e.transports)}")
        if e.subject:
            click.echo(f"    Subject: {e.subject}")
        for f in e.failures:
            code = f"{f.code} " if f.code and not f.error.startswith(str(f.code)) else ""
            click.echo(f"    {f.status}: {f.recipient}: {code}{f.error}".rstrip(": "))


@cli.command("init")
@click.option("--github", is_flag=True,
              help="Also write .github/workflows/announce.yml: send on schedule from GitHub.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init_command(github: bool, force: bool) -> None:
    """Write announce.toml for the site in this folder (and the GitHub workflow).

    Finds the talks (a Jekyll _events/ folder, else content/events/) and reads the
    site's name, url, timezone and event permalink from a Jekyll _config.yml. Never
    overwrites a file without --force; with --github, an existing announce.toml is kept.

    \b
    Example:
      announce init --github
    """
    from .init import init_site

    result = init_site(Path.cwd(), github=github, force=force)
    facts = result.facts
    for path in result.kept:
        click.echo(f"Kept {path} (it exists; --force overwrites it).")
    for path in result.written:
        click.echo(f"Wrote {path}.")
    article = "an" if facts.generator_label[:1] in "AEIOU" else "a"
    layout = f"{article} {facts.generator_label} site" if facts.generator != "generic" \
        else "a content/ folder"
    places = f"events in {facts.events}/"
    if facts.generator == "generic" or (Path.cwd() / facts.locations).is_dir():
        places += f", locations in {facts.locations}/"
    found = [f"{layout}: {places}"]
    found += [f"{key} {value}" for key, value in (
        ("name", facts.name), ("url", facts.url), ("timezone", facts.timezone),
        ("permalink", facts.permalink)) if value]
    click.echo("Found " + "; ".join(found) + ".")
    for name, paths in facts.keys.items():
        click.echo(f"  {name:<13} <- {' or '.join(paths)}")
    for name, spec in facts.lookups.items():
        click.echo(f"  {name:<13} ids -> {spec}")
    for note in facts.notes:
        click.echo(f"announce: warning: {note}", err=True)
    if result.written and Path(DEFAULT_CONFIG_NAME) in result.written:
        _show_next_events(Path.cwd() / DEFAULT_CONFIG_NAME)
    steps = ["In announce.toml, set [mail] from and to, and uncomment [smtp] to send "
             "over SMTP.",
             "Run 'announce check' and 'announce list' to see what it reads."]
    if github:
        steps += ["Add the SMTP password as the repository secret ANNOUNCE_SMTP_PASSWORD "
                  "(Settings > Secrets and variables > Actions).",
                  "Commit and push announce.toml and .github/workflows/announce.yml."]
    click.echo("Next:")
    for number, step in enumerate(steps, 1):
        click.echo(f"  {number}. {step}")


def _show_next_events(config: Path) -> None:
    """How the next three events read with the config init wrote: check before sending."""
    settings = load_settings(config)
    try:
        from .sources.catalog import load_catalog

        catalog = load_catalog(settings)
    except ContentError:
        return
    now = datetime.now(UTC)
    coming = [e for e in catalog.events if e.start > now][:3] or list(catalog.events[-3:])
    label = "The next events read as" if any(e.start > now for e in coming) \
        else "The latest events read as"
    click.echo(f"{label} (correct announce.toml if one is wrong):")
    for event in coming:
        where = event.location.title if event.location else "-"
        who = ", ".join(s.name for s in event.speakers) or "-"
        click.echo(f"  {_format_when(event, settings)}  {event.title}  @ {where}  "
                   f"(speakers: {who})")
    errors = len({p.path for p in catalog.errors})
    loaded, skipped = len(catalog.events), len(catalog.left_out)
    click.echo(f"{loaded} event{'s' * (loaded != 1)} load{'s' * (loaded == 1)}, {errors} "
               f"file{'s' * (errors != 1)} with errors, {skipped} "
               f"file{'s' * (skipped != 1)} no event: 'announce check' says more.")


@cli.command("preview")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but a loopback address shows your "
                   "unpublished talks to the network (you are warned).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on; 0 picks a free one (the URL is printed first).")
@click.option("--no-open", is_flag=True, help="Do not open a browser.")
@common_options
def preview_command(run: Run, host: str, port: int, no_open: bool) -> None:
    """Preview every message in the browser, exactly as send would send it.

    A local web server: upcoming events with what is due and what the ledger says was
    sent, each message as HTML (desktop and mobile width), plain text, headers, source
    and .ics, with checks beside it. Pages reload by themselves when a talk, the config
    or a template changes. Nothing is sent. Ctrl-C stops it.

    \b
    Examples:
      announce preview
      announce preview --now 2027-01-28 --port 8001 --no-open
    """
    from .preview import serve

    # Without --now the preview follows the clock; with it, every page is pinned to it.
    pinned = click.get_current_context().params.get("now_text") is not None
    serve(run.settings, host=host, port=port, now=run.now if pinned else None,
          open_browser=not no_open, sent_records=_sent_records,
          echo=lambda line: click.echo(line),
          warn=lambda text: click.echo(f"announce: warning: {text}", err=True))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``announce`` script."""
    cli.main(args=argv, prog_name="announce")  # _Group turns AnnounceErrors into exits


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
