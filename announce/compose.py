"""One message composed, the one way every command composes it.

``render`` (the .eml), ``send`` (what goes out), the preview (its tabs) and the GitHub
step summary all call :func:`compose`, so that what any of them shows is the bytes
``send`` sends. Its steps: what the ledger says went out decides the message's plan (its
ledger key, what changed, the calendar's SEQUENCE: :func:`announce.kinds.plan`); the
plan and the event its rendering (:func:`announce.render.render_event`); the rendering
its MIME message, serialized once (:func:`announce.message.prepare`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .config import Settings
from .content import Catalog, Event
from .news import Sent

if TYPE_CHECKING:
    from .message import Prepared

__all__ = ["compose"]


def compose(settings: Settings, catalog: Catalog, event: Event, kind: str, now: datetime,
            sent: Sent) -> Prepared:
    """``event`` as a message of ``kind`` at ``now``, ready to be addressed.

    ``sent`` is what the ledger says went out (``news.NO_SENDS`` for none): an update
    tells what changed since, and the calendar file's SEQUENCE counts what came before.
    The ``Date`` header is ``now``.
    """
    # Imported here: Markdown, Jinja2 and the CSS inliner load only when a message is made.
    from . import render
    from .kinds import plan
    from .message import prepare

    rendered = render.render_event(settings, catalog, event, kind, now,
                                   plan=plan(event, kind, settings.schedule, sent))
    return prepare(settings, rendered, date=now)
