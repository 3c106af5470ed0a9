"""What ``check`` renders ahead of a send: every kind's subject and templates for the next
event, and the language each event's mail is written in.

A template that does not compile or fails for a real event, a subject that does not
render, would otherwise be found by the scheduled send, too late. Each problem is on
the template's line or the config key's (``[mail.subjects] reminder``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..config import Settings
from ..content import Catalog, Event, Problem
from ..errors import AnnounceError, ContentError, TemplateError
from ..kinds import KINDS, plan
from ..news import Sent
from ..tomltext import key_problem

__all__ = ["event_language_problem", "render_problems"]


def render_problems(settings: Settings, catalog: Catalog, now: datetime,
                    sent: Sent) -> list[Problem]:
    """Every kind's subject and templates, rendered for the next event as ``send --next``
    would come to it (the latest event when none is coming): one problem per subject or
    template that fails."""
    event = _sample_event(settings, catalog.events, now, sent)
    if event is None:
        return []
    from . import render_event, render_subject

    problems: dict[tuple[str, int, str], Problem] = {}
    for kind in KINDS:
        try:
            render_subject(settings, event, kind, now)
        except TemplateError as exc:
            problem = _catalog_problem(exc) or key_problem(
                settings.source, *settings.subject_key(kind),
                f"does not render for {event.id}: {exc.detail}")
            problems.setdefault((str(problem.path), problem.line, problem.message), problem)
            continue
        try:
            render_event(settings, catalog, event, kind, now,
                         plan=plan(event, kind, settings.schedule, sent))
        except ContentError:
            continue  # a URL no mail may carry: check reports it on the talk's line
        except TemplateError as exc:
            problem = _template_problem(settings, exc, kind, event)
            # One broken base.html breaks every kind: said once.
            problems.setdefault((str(problem.path), problem.line, exc.detail), problem)
        except AnnounceError as exc:
            problem = Problem(event.path, 1, "", f"the {kind} does not render: {exc}")
            problems.setdefault((str(problem.path), problem.line, str(exc)), problem)
    return list(problems.values())


def _catalog_problem(exc: TemplateError) -> Problem | None:
    """A catalog's msgstr that cannot be used (i18n.msgstr_problem): on its own line."""
    if exc.path is None or exc.path.suffix != ".po":
        return None
    return Problem(exc.path, exc.line or 1, "", exc.detail)


def event_language_problem(settings: Settings, event: Event) -> Problem | None:
    """An event whose own ``lang:`` names a language without a catalog: a warning, its
    mail is English (``[site] language`` is checked when the config loads)."""
    from ..i18n import language_problem

    if not event.language:
        return None
    user = settings.templates.path / "locale" if settings.templates.path else None
    problem = language_problem(event.language, user)
    if problem is None:
        return None
    from ..sources.events import field_line

    key, line = field_line(event, "language")
    return Problem(event.path, line, key, f"its mail will be English: {problem}", "warning")


def _template_problem(settings: Settings, exc: TemplateError, kind: str,
                      event: Event) -> Problem:
    if exc.path is None:  # no template to point at: the templates folder's key
        return key_problem(settings.source, "templates", "path",
                           f"the {kind} of {event.id} does not render: {exc}")
    return Problem(exc.path, exc.line or 1, "",
                   f"the {kind} of {event.id} does not render: {exc.detail}")


def _sample_event(settings: Settings, events: Sequence[Event], now: datetime,
                  sent: Sent) -> Event | None:
    from ..selection import next_event

    found = next_event(events, now, settings.content.types, sent)
    return found or (max(events, key=lambda e: e.start) if events else None)
