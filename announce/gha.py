"""GitHub Actions: what ``announce send`` and ``check`` say on a runner, through the
workflow commands, outputs and summary of :mod:`announce.workflow`.

:func:`before_send` and :func:`after_send` are what ``announce send`` adds on a runner:
the step outputs the workflow reads (``ledger``: the file to record; ``due``: what a dry
run found due, which tells the workflow whether to mark the ledger "sending" and send;
``sent``: what went out, for the commit message), ``::notice::`` and ``::error::`` lines,
and the step summary (for a dry run: subject, when, where and the text part).
:func:`error_for` is the ``::error::`` of an error that stopped a command;
:func:`unannounced`, the files that keep an event from the list;
:func:`outdated_workflows`, a workflow older than announce.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings
from .errors import AnnounceError, ConfigError
from .paths import display_path
from .workflow import (
    actor,
    annotation,
    error,
    in_github_actions,
    in_pull_request,
    markdown_text,
    message_summary,
    notice,
    write_output,
    write_step_summary,
)

if TYPE_CHECKING:
    from .content import Catalog, Event, Problem
    from .report import KindReport, SendReport

__all__ = ["after_send", "before_send", "error_for", "outdated_workflows", "unannounced"]

def error_for(exc: AnnounceError) -> str:
    """The ``::error::`` line for an error that stopped a command: on its file (and line)
    when the error knows them (``.path``, ``.line``, a config error's ``.key``), else on
    the run."""
    message = str(exc) or type(exc).__name__
    path: Path | None = getattr(exc, "path", None)
    if path is None or not path.exists():  # "$SUBSCRIBERS", a config not found
        return error(message)
    line: int | None = getattr(exc, "line", None)
    key: str | None = getattr(exc, "key", None)
    if isinstance(exc, ConfigError) and line is None and key and path.is_file():
        from .tomltext import line_of_key

        line = line_of_key(path, key)  # the setting's own line
    return annotation("error", message, path, line)


# --- announce send on a runner -----------------------------------------------------------


def before_send(settings: Settings, *, dry_run: bool,
                environ: Mapping[str, str] | None = None) -> None:
    """On a runner: tell the workflow which file is the ledger; refuse to send through a
    transport that is not durable (the outbox: its files go with the runner).

    The ``ledger`` output is written before anything is sent, so that the workflow still
    commits what went out when the send stops half-way.
    """
    if not in_github_actions(environ):
        return
    write_output("ledger", display_path(settings.ledger.path), environ)
    from .delivery import entry_for

    if not dry_run and not entry_for(settings).durable:
        raise ConfigError(
            "not set, and on GitHub Actions the outbox folder is thrown away with the runner "
            "while the ledger, committed back, would say the messages went out; add an [smtp] "
            "section (or use --dry-run)", path=settings.source, key="[smtp]")


def after_send(settings: Settings, catalog: Catalog, now: datetime, report: SendReport, *,
               dry_run: bool, preview_next: bool = False,
               environ: Mapping[str, str] | None = None) -> list[str]:
    """On a runner: the ``sent`` output (and ``due`` for a dry run), the step summary, and
    the command lines to print.

    With ``preview_next`` (``send --next``), a dry run that finds nothing due previews the
    next message all the same, marked as not due: a pull request that adds the next talk
    shows its announcement.
    """
    if not in_github_actions(environ):
        return []
    lines: list[str] = []
    sent: list[str] = []
    due: list[str] = []
    parts: list[str] = []
    if report.nothing_due:
        parts.append(markdown_text(report.nothing_due) + "\n")
    for item in report.items:
        what = _what(item.kind, item.event, settings)
        if item.skip:
            # The ledger branch's commits name the skip, and who asked for it.
            by = f" (asked by {actor(environ)})"
            (due if item.dry_run else sent).append(
                f"{'skip' if item.dry_run else 'skipped'} the {what}{by}")
            if not item.dry_run:
                lines.append(notice(f"Skipped the {what}{by}: no run will send it.",
                                    title="announce"))
            continue
        if item.dry_run:
            due.append(f"{what} to {_recipients(item.recipients)}")
            counts = f"{item.recipients} ({item.audience})" + (
                f"; {item.skipped} already sent" if item.skipped else "")
            fields = [("Recipients", counts), ("Transport", item.transport)]
            heading = f"Dry run: the {what}"
            changed = item.changed.removeprefix("changed ") if item.changed else None
            if changed:
                fields.insert(0, ("Changed", changed))
                if in_pull_request(environ):
                    # What the reviewer needs to know before pressing the button.
                    heading = (f"Merging this change will send the {what} to "
                               f"{_recipients(item.recipients - item.skipped)}")
            parts.append(_preview(settings, catalog, now, item.event, item.kind, heading,
                                  fields))
            continue
        if item.sent:
            line = f"{what} to {_recipients(item.sent)}"
            sent.append(line)
            lines.append(notice(f"Sent the {line} via {item.transport}.", title="announce"))
        for address, problem in item.failures:
            lines.append(error(f"The {what}: not sent to {address}: {problem}"))
        more = item.failed + item.invalid - len(item.failures)
        if more > 0:
            lines.append(error(f"The {what}: {more} more recipients failed "
                               "(see 'announce history')."))
        if item.uncertain:
            lines.append(error(
                f"The {what}: {item.uncertain} recipients uncertain (a run stopped before the "
                "server confirmed them). Check, then: announce send "
                f"{item.event.id} --kind {item.kind} --resend-uncertain"))
        if item.aborted:
            lines.append(error(f"The {what} stopped early: {item.aborted}"))
        parts.append(message_summary(f"Sent: the {what}", [
            ("Subject", item.subject),
            ("When", _when(item.event, settings)),
            ("Where", _where(item.event)),
            ("Recipients", _counts(item)),
            ("Transport", item.transport),
        ]))
    if dry_run and preview_next and not report.items:
        upcoming = _upcoming_preview(settings, catalog, now, report)
        if upcoming:
            parts.append(upcoming)
    write_output("sent", "\n".join(sent), environ)
    if dry_run:
        # Empty when nothing is due: the workflow then neither marks the ledger nor sends.
        write_output("due", "\n".join(due), environ)
    if parts:
        write_step_summary("\n".join(parts), environ)
    return lines


_ISO_DAY = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")


def _long_past(problem: Problem, now: datetime) -> bool:
    """Whether a file that does not load was about an event long past: every date its
    problem or its page's head names is over a day before ``now`` (a typo in 2019's
    talk must not fail every run to come). A file naming no date may be upcoming."""
    text = problem.message
    if not _ISO_DAY.search(text) and problem.path.suffix.lower() in (".md", ".markdown",
                                                                      ".html", ".mdx"):
        try:
            with problem.path.open(encoding="utf-8", errors="replace") as file:
                text = file.read(4096)
        except OSError:
            return False
    days = []
    for match in _ISO_DAY.finditer(text):
        try:
            days.append(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            continue
    return bool(days) and max(days) < (now - timedelta(days=1)).date()


def unannounced(catalog: Catalog, now: datetime, *, dry_run: bool,
                environ: Mapping[str, str] | None = None) -> list[str]:
    """On a runner: an ``::error::`` on each file that keeps an event from its list (a file
    that does not load, an upcoming event unsure of its start or title), and a step
    summary section naming them. A send must then fail, after sending what was due, so
    that a scheduled run is never green while a talk goes unannounced; a dry run (the
    workflow's "what is due" step, which must not stop the send) gives their count as
    the ``unannounced`` output instead, for the workflow's last step to fail on. Off a
    runner, or when every file reads, nothing."""
    if not in_github_actions(environ):
        return []
    if dry_run:
        write_output("unannounced", "", environ)
    from .sources.provenance import REFUSED, unsure_problems

    problems = [*(p for p in catalog.errors if not _long_past(p, now)),
                *(p for p in unsure_problems(e for e in catalog.events if e.start > now)
                  if p.field in REFUSED)]
    if not problems:
        return []
    problems.sort(key=lambda p: (str(p.path), p.line))
    lines = [annotation("error", str(p), p.path, p.line) for p in problems]
    files = sorted({display_path(p.path) for p in problems})
    if dry_run:
        write_output("unannounced", str(len(files)), environ)
    items = "\n".join(f"- {markdown_text(str(p))}" for p in problems)
    write_step_summary(
        f"### Not announced: {len(files)} file{'s' if len(files) != 1 else ''} with "
        "problems\n\nThese files keep an event from the list until they are fixed "
        f"(`announce check` says the same):\n\n{items}\n", environ)
    return lines


def _recipients(count: int) -> str:
    return f"{count} recipient{'s' * (count != 1)}"


def _what(kind: str, event: Event, settings: Settings) -> str:
    day = event.start.astimezone(settings.site.tz)
    return f"{kind} of \u201c{event.title}\u201d ({day:%a %Y-%m-%d})"


def _when(event: Event, settings: Settings) -> str:
    from .timefmt import format_when

    return format_when(event.start, event.end, settings.site.tz)


def _where(event: Event) -> str:
    if event.location is not None:
        return event.location.full_address
    return event.location_name or "-"


def _counts(item: KindReport) -> str:
    return f"{item.counts} ({item.audience})" if item.audience else item.counts


def _preview(settings: Settings, catalog: Catalog, now: datetime, event: Event, kind: str,
             heading: str, extra: Sequence[tuple[str, str]]) -> str:
    from .compose import compose
    from .ledger import read_sent

    rendered = compose(settings, catalog, event, kind, now,
                       read_sent(settings.ledger.path)).rendered
    fields = [("Subject", rendered.subject), ("When", _when(event, settings)),
              ("Where", _where(event)), *extra]
    return message_summary(heading, fields, rendered.text)


def _upcoming_preview(settings: Settings, catalog: Catalog, now: datetime,
                      report: SendReport) -> str | None:
    """The next message of the next event, though it is not due yet."""
    from .kinds import coming
    from .ledger import read_sent
    from .selection import next_event

    sent = read_sent(settings.ledger.path)
    event = next_event(catalog.events, now, settings.content.types, sent)
    found = None if event is None else coming(event, settings.schedule, sent)
    if event is None or found is None:
        return None
    kind, due = found
    from .timefmt import short_when

    note = f"not due yet (due {short_when(due, settings.site.tz)})"
    return _preview(settings, catalog, now, event, kind,
                    f"Preview: the {_what(kind, event, settings)}", [("Status", note)])


# What only the long workflow of announce 0.x (its ledger steps in shell) does: take the
# whole ledger branch over the workspace.
_SHELL_LEDGER = re.compile(r"^\s*git -C \"\$dir\" archive HEAD \| tar -x", re.MULTILINE)


def outdated_workflows(root: Path) -> list[Problem]:
    """A warning on each workflow in ``root`` that runs announce's ledger steps in its own
    shell, as ``init --github`` wrote it before the action ran them: it keeps working, but
    takes every file of the ledger branch and does not notice a deleted or rewritten one."""
    from .content import Problem

    folder = root / ".github" / "workflows"
    problems = []
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found = _SHELL_LEDGER.search(text)
        if found is None:
            continue
        line = text.count("\n", 0, found.start()) + 1
        shown = path.relative_to(root).as_posix()
        problems.append(Problem(
            path, line, "", "this workflow runs announce's ledger steps in its own shell (an "
            "older 'announce init --github' wrote it): it takes every file of the ledger "
            "branch over the site's, and takes a deleted or rewritten ledger branch for a "
            f"first run. Regenerate it (announce.toml is kept): rm {shown} && announce init "
            "--github", "warning"))
    return problems
