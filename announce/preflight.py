"""What ``check`` adds for ``send``: would a send find everything it needs?

Loading the config and the files says what is wrong with them; this says, before any
send, what would stop it or what its mail would lack: nobody to send to, a subject or
template that does not render for the next event, an event's language without a
catalog, a Meetup event with no group for its RSVP button, a copy per subscriber with
no way to unsubscribe. Each is a :class:`~announce.content.Problem` on the line of the
key to change (``announce.toml:31: [mail] to: ...``) or of the template that failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from .config import DEFAULT_CONFIG_NAME, Settings
from .content import Catalog, Event, Problem, Severity
from .errors import AnnounceError, ConfigError, ContentError, TemplateError
from .kinds import KINDS, Sent

__all__ = ["event_language_problem", "send_problems"]


def send_problems(settings: Settings, catalog: Catalog, now: datetime,
                  sent: Sent) -> list[Problem]:
    """Everything :mod:`.preflight` checks, for ``check``; ``sent`` is the ledger's
    record (the next event is the one ``send --next`` would come to)."""
    coming = [e for e in catalog.events if e.start > now]
    return [
        *recipient_problems(settings),
        *unsubscribe_problems(settings),
        *filter(None, (event_language_problem(settings, e) for e in coming)),
        *rsvp_problems(settings, coming),
        *render_problems(settings, catalog, now, sent),
    ]


# --- the config's keys --------------------------------------------------------------------


def _config_problem(settings: Settings, section: str, key: str, message: str,
                    severity: Severity = "error") -> Problem:
    """A problem on the line of ``[section] key`` (of ``[section]`` when it is not set)."""
    from .tomltext import line_of

    path = settings.source or Path(DEFAULT_CONFIG_NAME)
    try:
        line = line_of(path.read_text(encoding="utf-8"), section, key)
    except (OSError, UnicodeError):
        line = 1
    return Problem(path, line, f"[{section}] {key}", message, severity)


def recipient_problems(settings: Settings) -> list[Problem]:
    """Nobody to send to (no ``[mail] to``, a subscriber file that does not load or
    holds no valid address) is an error; entries a send would skip are warnings."""
    from .recipients import load_recipients

    key = "recipients" if settings.mail.recipients is not None else "to"
    try:
        scan = load_recipients(settings).scan()
    except ConfigError as exc:
        return [_config_problem(settings, "mail", key, _without_place(settings, str(exc), key))]
    return [_config_problem(settings, "mail", key, problem, "warning")
            for problem in scan.problems]


def _without_place(settings: Settings, text: str, key: str) -> str:
    """A recipients error without its leading ``announce.toml: [mail] to:``: the problem
    says where itself. (A subscriber file's own place, ``members.csv:3:``, stays.)"""
    config = str(settings.source) if settings.source else "the configuration"
    for prefix in (f"{config}: [mail] {key}: ", f"{config}: [mail]: "):
        text = text.replace(prefix, "")
    return text.replace("\n", "; ")


def unsubscribe_problems(settings: Settings) -> list[Problem]:
    """A copy per subscriber whose footer says "you subscribed" and no way to leave."""
    mail = settings.mail
    if mail.unsubscribe or mail.list_server:
        return []
    if mail.recipients is not None:
        from .paths import display_path

        who = f"each subscriber in {display_path(mail.recipients)} gets a copy of their own"
    elif len(mail.to) > 1:
        who = (f"each of the {len(mail.to)} addresses in [mail] to gets a copy of its own "
               "(if they are mailing lists, set [mail] list_server instead)")
    else:
        return []
    return [_config_problem(settings, "mail", "unsubscribe", (
        f"not set: {who}, whose footer says they subscribed, and the mail offers no way to "
        "unsubscribe (no List-Unsubscribe header, no link); set unsubscribe = "
        '["mailto:leave@example.org?subject=unsubscribe", "https://example.org/unsubscribe"]'),
        "warning")]


# --- the events ---------------------------------------------------------------------------


def event_language_problem(settings: Settings, event: Event) -> Problem | None:
    """An event whose own ``lang:`` names a language without a catalog: its mail is
    English (``[site] language`` is checked when the config loads)."""
    from .i18n import language_problem

    if not event.language:
        return None
    user = settings.templates.path / "locale" if settings.templates.path else None
    problem = language_problem(event.language, user)
    if problem is None:
        return None
    from .sources.events import field_line

    key, line = field_line(event, "language")
    return Problem(event.path, line, key, f"its mail will be English: {problem}", "warning")


def rsvp_problems(settings: Settings, events: Iterable[Event]) -> list[Problem]:
    """Upcoming events with a Meetup id and no group to build their RSVP link from."""
    if settings.rsvp.meetup_group:
        return []
    from .sources.events import field_line

    config = (settings.source or Path(DEFAULT_CONFIG_NAME)).name
    problems = []
    for event in events:
        if event.meetup_id and not event.meetup_group and not event.rsvp_url:
            key, line = field_line(event, "meetup_id")
            problems.append(Problem(event.path, line, key, (
                f"{event.meetup_id!r}: no RSVP button will appear: [rsvp] meetup_group is not "
                f"set in {config} (the group's name in its address, meetup.com/NAME/)"),
                "warning"))
    return problems


def render_problems(settings: Settings, catalog: Catalog, now: datetime,
                    sent: Sent) -> list[Problem]:
    """Every kind's subject and templates, rendered for the next event as a send would
    (the latest one when none is coming): one problem per subject or template that
    fails, on its key or the template's line."""
    event = _sample_event(settings, catalog.events, now, sent)
    if event is None:
        return []
    from .render import render_event, render_subject

    problems: dict[tuple[str, int, str], Problem] = {}
    for kind in KINDS:
        try:
            render_subject(settings, event, kind, now)
        except TemplateError as exc:
            problem = _config_problem(settings, "mail", f"subject_{kind}",
                                      f"does not render for {event.id}: {exc.detail}")
            problems.setdefault((str(problem.path), problem.line, problem.message), problem)
            continue
        try:
            render_event(settings, catalog, event, kind, now)
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


def _template_problem(settings: Settings, exc: TemplateError, kind: str,
                      event: Event) -> Problem:
    if exc.path is None:  # no template to point at: the templates folder's key
        return _config_problem(settings, "templates", "path", f"the {kind} of {event.id} "
                               f"does not render: {exc}")
    return Problem(exc.path, exc.line or 1, "",
                   f"the {kind} of {event.id} does not render: {exc.detail}")


def _sample_event(settings: Settings, events: Sequence[Event], now: datetime,
                  sent: Sent) -> Event | None:
    from .selection import next_event

    found = next_event(events, now, settings.content.types, sent)
    return found or (max(events, key=lambda e: e.start) if events else None)
