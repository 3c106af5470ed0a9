"""What ``announce list`` says of each event: what is due for it now, and, for
``--json``, its row (:func:`event_row`). The command line only prints them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .config import Settings
from .content import Event
from .kinds import due_kinds
from .news import Sent
from .selection import announced_types

__all__ = ["due_now", "event_row"]


def due_now(settings: Settings, event: Event, now: datetime, sent: Sent) -> list[str]:
    """The kinds of message due for ``event`` at ``now``; none for a type not announced."""
    if not announced_types(event, settings.content.types):
        return []
    return due_kinds(event, now, settings.schedule, sent)


def event_row(settings: Settings, event: Event, now: datetime, sent: Sent) -> dict[str, Any]:
    """``list --json``'s object for ``event``: its facts in the site's timezone, its page,
    what is due, what it is unsure of and where each fact came from."""
    from .links import meetup_url
    from .pages import event_page
    from .sources.provenance import FACTS, describe

    e, tz = event, settings.site.tz
    page = event_page(settings, e, now)
    return {
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
        "url": page.url,
        "group": e.group_name or e.group,
        "cancelled": e.cancelled,
        "due": due_now(settings, e, now, sent),
        "unsure": [*e.unsure, *(["url"] if page.unsure else [])],
        "sources": {**{fact: describe(e, fact) for fact in FACTS
                       if fact in e.sources or fact in e.unsure},
                    **({"url": page.how} if page.url or page.unsure else {})},
        "path": str(e.path),
    }
