"""What ``--json`` prints for scripts: ``check``'s problems and ``send --dry-run``'s plan.

The shapes are part of announce's interface: ``format`` says which, and it changes only
when a key changes meaning or goes away (new keys may be added). A failure that stops
the command (a config that does not load, a send refused) prints the same shape, with
``ok`` false and the error among ``problems``, so that a script always gets one object.

A problem (or note) is ``{"file", "line", "key", "severity", "message"}``: the file as
the user would type it (``null`` when it is no file of the site's), its 1-based line
(``null`` when unknown), the key to change (``"[mail] to"``, ``"dtstart"``, or
``null``), ``"error"``, ``"warning"`` or ``"note"``, and the message without the place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..config import Settings
from ..content import Catalog, Problem
from ..errors import AnnounceError, ConfigError
from ..paths import display_path
from ..report import KindReport, SendReport

__all__ = ["FORMAT", "check_failure", "check_report", "dry_run_failure", "dry_run_report",
           "dumps", "from_error", "from_problem", "note"]

FORMAT = 1

Json = dict[str, Any]


def dumps(data: Json) -> str:
    """The JSON text of ``data``, as every ``--json`` prints it."""
    return json.dumps(data, indent=2, ensure_ascii=False)


def _item(file: Path | str | None, line: int | None, key: str | None, severity: str,
          message: str) -> Json:
    shown = display_path(Path(file)) if file is not None else None
    return {"file": shown, "line": line, "key": key or None, "severity": severity,
            "message": message}


def from_problem(problem: Problem, severity: str | None = None) -> Json:
    """A :class:`~announce.content.Problem` (``severity`` overrides its own)."""
    return _item(problem.path, problem.line, problem.field, severity or problem.severity,
                 problem.message)


def note(message: str, file: Path | None = None) -> Json:
    """A note that is no problem (``check``'s "an update is due")."""
    return _item(file, None, None, "note", message)


def from_error(exc: AnnounceError) -> list[Json]:
    """The problems an error that stopped the command stands for: one per mistake it
    gathers (every mistake of a config, each with its key), else one."""
    return [_error_item(one) for one in getattr(exc, "problems", ()) or (exc,)]


def _error_item(exc: AnnounceError) -> Json:
    """One error as a problem, on its file, line and key when it names a file that is
    there (a config key's line read from the file); else its whole text."""
    path: Path | None = getattr(exc, "path", None)
    key: str | None = getattr(exc, "key", None)
    if path is None or not path.is_file():
        return _item(None, None, None, "error", str(exc))
    line: int | None = getattr(exc, "line", None)
    if isinstance(exc, ConfigError) and line is None and key:
        from ..tomltext import line_of_key

        line = line_of_key(path, key)
    detail = str(getattr(exc, "detail", exc))
    if isinstance(exc, ConfigError):
        return _item(path, line, key, "error", detail)
    # A file's field ("body") stays in the message, as check's problems say it.
    return _item(path, line, None, "error", f"{key}: {detail}" if key else detail)


# --- check --------------------------------------------------------------------------------


def check_report(settings: Settings, catalog: Catalog, problems: Sequence[Problem],
                 notes: Iterable[Json], *, ok: bool) -> Json:
    """``check --json``: what was read, and every problem and note."""
    errors = sum(1 for p in problems if p.severity == "error")
    return {
        "format": FORMAT,
        "ok": ok,
        "config": _config(settings),
        "files": catalog.files_read,
        "locations": len(catalog.locations),
        "events": len(catalog.events),
        "errors": errors,
        "warnings": len(problems) - errors,
        "problems": [from_problem(p) for p in problems],
        "notes": list(notes),
    }


def check_failure(exc: AnnounceError, settings: Settings | None) -> Json:
    """``check --json`` when nothing could be checked (a config that does not load, no
    events folder)."""
    problems = from_error(exc)
    return {"format": FORMAT, "ok": False, "config": _config(settings), "files": None,
            "locations": None, "events": None, "errors": len(problems), "warnings": 0,
            "problems": problems, "notes": []}


def _config(settings: Settings | None) -> str | None:
    """The config file read, as the user would type it (found in a folder above, say)."""
    if settings is None or settings.source is None:
        return None
    return display_path(settings.source)


# --- send --dry-run -------------------------------------------------------------------------


def dry_run_report(settings: Settings, report: SendReport, posting: str | None,
                   left_out: Iterable[Problem] = ()) -> Json:
    """``send --dry-run --json``: each message that would go out, or why none would;
    ``posting`` is the note on a mailing list's moderation (:func:`announce.lists.posting_note`),
    ``left_out`` the files that did not load (warnings here: the others are sent)."""
    key = "[mail] recipients" if settings.mail.recipients is not None else "[mail] to"
    problems = [{**from_problem(p, "warning"), "message": f"{p.message} (file left out)"}
                for p in left_out]
    problems += [from_problem(p) for p in report.warnings]
    # The recipients a send would skip: each message names its list's place itself.
    problems += [_item(None, None, key, "warning", str(p)) for p in report.problems]
    notes = []
    for text in report.notes:
        severity, _sep, rest = text.partition(": ")
        if severity == "warning":
            problems.append(_item(None, None, None, "warning", rest))
        else:
            notes.append(_item(None, None, None, "note", text))
    if posting:
        notes.append(_item(None, None, "[mail] to", "note", posting))
    return {
        "format": FORMAT,
        "ok": report.exit_code == 0,
        "dry_run": True,
        "config": _config(settings),
        "messages": [_message(settings, item) for item in report.items],
        "nothing_due": report.nothing_due,
        "refused": [],
        "problems": problems,
        "notes": notes,
    }


def _message(settings: Settings, item: KindReport) -> Json:
    event = item.event
    return {
        "event": event.id,
        "title": event.title,
        "start": event.start.astimezone(settings.site.tz).isoformat(),
        "file": display_path(event.path),
        "kind": item.kind,
        "subject": item.subject,
        "recipients": item.recipients,
        "already_sent": item.skipped,
        "uncertain": item.uncertain,
        "audience": item.audience,
        "transport": item.transport,
        "changed": item.changed,
        "unsure": list(event.unsure),
    }


def dry_run_failure(exc: AnnounceError, settings: Settings | None) -> Json:
    """``send --dry-run --json`` when the run stopped: a refusal lists what it refused."""
    from ..plan import Refused
    from ..sources.provenance import describe

    refused = [{
        "event": event.id,
        "title": event.title,
        "file": display_path(event.path),
        "kind": kind,
        "unsure": list(event.unsure),
        "why": {fact: describe(event, fact) for fact in event.unsure},
    } for event, kind in (exc.sends if isinstance(exc, Refused) else ())]
    return {"format": FORMAT, "ok": False, "dry_run": True, "config": _config(settings),
            "messages": [],
            "nothing_due": None, "refused": refused, "problems": from_error(exc),
            "notes": []}
