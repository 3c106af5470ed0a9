"""Render one event as one kind of message: subject, HTML (CSS inlined), plain text, .ics.

Everything here runs once per (event, kind), never per recipient: Markdown, the
sanitizer, Jinja and the CSS inliner are the slow parts, and :mod:`announce.message`
only changes the addressing afterwards. One module per step, in the order of
:func:`render_event`:

- :mod:`announce.markup`: Markdown to HTML (a leaf: reading a site converts bodies too);
- :mod:`.html`: sanitized HTML made for mail; :mod:`.parts`: the talk's parts that way;
- :mod:`.text`: HTML to plain text, wrapping; :mod:`.prose`: sentences only;
- :mod:`.context`: the template context, typed and documented key by key;
- :mod:`.templates`: the Jinja2 environment (sandboxed by :mod:`announce.sandbox`),
  template errors, subjects;
- :mod:`.css`: CSS inlining and the document's last check;
- :mod:`.ics`: the calendar file.

The dates' wordings are :mod:`announce.timefmt`'s; the URL checks :mod:`announce.urls`'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..config import Settings
from ..content import Catalog, Event
from ..errors import ContentError
from ..kinds import KINDS, MessagePlan
from ..urls import relative_url_problems, unsafe_url_problems
from .context import build_context
from .css import check_document, inline_css
from .html import sanitize
from .ics import _vtimezone, calendar_file, ics_filename, sender_domain  # _vtimezone: tests
from .parts import fragments
from .templates import (
    environment,
    event_language,
    language_of,
    render_subject,
    render_template,
)
from .text import html_to_text, tidy

# What the package owns and others use; the rest is its modules' own.
__all__ = [
    "Rendered",
    "_vtimezone",
    "environment",
    "html_to_text",
    "inline_css",
    "render_event",
    "render_subject",
    "sanitize",
    "sender_domain",
]


@dataclass(frozen=True)
class Rendered:
    """One event rendered as one kind of message, ready to be addressed."""

    event: Event
    kind: str            # "announcement" | "reminder" | "cancellation" | "update"
    subject: str
    html: str            # complete HTML document, CSS inlined
    text: str            # plain-text twin
    ics: bytes           # the .ics (text/calendar; method=PUBLISH)
    # What the ledger said when it was rendered: the key it is sent under ("update:2"),
    # the changes an update tells, the .ics SEQUENCE (see announce.kinds).
    plan: MessagePlan

    @property
    def ics_filename(self) -> str:
        """The attachment's name (:func:`~announce.render.ics.ics_filename`)."""
        return ics_filename(self.event)


def render_event(settings: Settings, catalog: Catalog, event: Event, kind: str,
                 now: datetime, *, plan: MessagePlan) -> Rendered:
    """Render ``event`` as a message of ``kind``: subject, inlined HTML, text and .ics.

    ``plan`` is what the ledger makes of it (:func:`announce.kinds.plan`): its key, the
    changes an update tells, the calendar's SEQUENCE. Commands call
    :func:`announce.compose.compose`, which plans, renders and prepares in one.

    Raises ``ContentError`` for a URL no email may carry (``javascript:``, or relative
    without ``[site] url``) and ``TemplateError`` for a template that fails.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    parts = fragments(settings, event)
    problems = unsafe_url_problems(event) + relative_url_problems(settings, event, parts)
    if problems:
        raise ContentError.gathered([p.error() for p in problems])
    subject = render_subject(settings, event, kind, now)
    tag = event_language(settings, event)
    lang = language_of(tag, settings.templates.path)
    context = build_context(settings, catalog, event, kind, now, subject, parts, lang,
                            plan.changes)
    env = environment(settings, tag)
    user = settings.templates.path
    document = render_template(env, f"{kind}.html", context, user)
    # Ends with a newline, as the MIME part will: what is rendered is what is sent.
    html = inline_css(check_document(document, f"{kind}.html")).rstrip("\n") + "\n"
    text = tidy(render_template(env, f"{kind}.txt", context, user))
    ics = calendar_file(settings, event, kind, now,
                        location=context["calendar"]["location"],
                        link=context["page_url"] or context["rsvp_url"],
                        description=context["description_prose"],
                        lang=lang, plan=plan)
    return Rendered(event=event, kind=kind, subject=subject, html=html, text=text, ics=ics,
                    plan=plan)
