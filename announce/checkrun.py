"""What ``announce check`` finds: every problem of the config, of every file and of what a
send would need, sorted by file and line, the notes beside them, and whether the check
failed. The command line only prints it (:func:`check_site`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .config import Settings
from .content import Catalog, Event, Problem
from .news import Sent, changed_note
from .paths import display_path

__all__ = ["CheckReport", "check_site", "nothing_loaded"]


@dataclass(frozen=True)
class CheckReport:
    """Every problem found (by file and line), the notes, and their counts."""

    problems: tuple[Problem, ...]
    # What kind of list the config sends to, when it can tell (a note, not a problem).
    list_note: str | None
    # Upcoming events that changed since their announcement: an update is due.
    changed: tuple[tuple[Event, str], ...]
    errors: int
    warnings: int
    failed: bool


def check_site(settings: Settings, catalog: Catalog, now: datetime, sent: Sent, *,
               strict: bool = False) -> CheckReport:
    """Every problem of ``catalog`` and ``settings`` at ``now``; failed when there is an
    error (with ``strict``, a warning too) or when no event loaded."""
    from .archive import archive_problems
    from .gha import outdated_workflows
    from .links import rsvp_problems
    from .lists import posting_note
    from .recipients import recipient_problems, unsubscribe_problems
    from .render.checks import event_language_problem, render_problems
    from .sitefolder import feed_problems
    from .sources.catalog import check_problems
    from .sources.provenance import unsure_problems
    from .sources.unread import unread_event_data
    from .urls import find_url_problems

    coming = [e for e in catalog.events if e.start > now]
    url_problems = find_url_problems(settings, catalog)
    extra = check_problems(settings, catalog, now)
    extra += unsure_problems(coming)
    extra += unread_event_data(settings)  # an event the site shows from elsewhere
    # What a send would need: someone to send to, a way to leave, templates that render.
    extra += recipient_problems(settings) + unsubscribe_problems(settings)
    extra += [p for e in coming if (p := event_language_problem(settings, e))]
    extra += rsvp_problems(settings, coming)
    extra += render_problems(settings, catalog, now, sent)
    extra += outdated_workflows(settings.base_dir)
    # What the site publishes: where feed and archive write, the archive's templates.
    extra += feed_problems(settings) + archive_problems(settings)
    problems = sorted([*catalog.problems, *url_problems, *extra],
                      key=lambda p: (str(p.path), p.line))
    changed = tuple((event, what) for event in coming
                    if (what := changed_note(event, settings.schedule, sent, settings.site.tz)))
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    return CheckReport(
        problems=tuple(problems), list_note=posting_note(settings, guess=False),
        changed=changed, errors=errors, warnings=warnings,
        failed=bool(errors or (strict and warnings) or not catalog.events))


def nothing_loaded(settings: Settings) -> str:
    """What ``check`` says when no event loaded."""
    where = display_path(settings.content.events)
    return (f"No event loaded from {where}: announce would send nothing. Map the site's "
            "keys in [content.keys] ('announce init' infers them).")
