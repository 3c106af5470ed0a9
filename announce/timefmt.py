"""The short form of a moment that lists, previews and logs show: ``Wed 2027-02-03 18:30 CET``.

One home for it, so that ``list``, ``send``'s summary, the preview and the GitHub step
summary name a moment the same way. (The long, localised form in the mail itself is
:func:`announce.render.format_when`.) Standard library only: cheap to import.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

__all__ = ["short_when"]


def short_when(moment: datetime, tz: tzinfo) -> str:
    """``moment`` on the site's clock: weekday, ISO date, 24-hour time, zone abbreviation."""
    local = moment.astimezone(tz)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"
