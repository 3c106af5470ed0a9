"""What a message told members about an event, and what has changed since.

A :class:`Facts` is the part of an event a member acts on: its title, when it starts and
ends, where (the venue's name and address), the online link, and whether it is
cancelled. The ledger keeps the facts of every message kind it sends (a snapshot, as
JSON); the kinds registry compares them with the event as its file says now, to know
when an update is due and what it says.

Which fields count is ``[schedule] update_fields`` (start, end, venue and online by
default): a typo fixed in the description, or in the title unless ``title`` is listed,
sends nothing. An event that was cancelled and is on again always counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from .timefmt import short_date, time_of_day

if TYPE_CHECKING:
    from .content import Event
    from .i18n import Language

__all__ = [
    "DEFAULT_UPDATE_FIELDS",
    "UPDATE_FIELDS",
    "Change",
    "Facts",
    "changed",
    "describe",
    "facts_of",
    "summary",
    "template_rows",
]

# The fields ``[schedule] update_fields`` may name, in the order a message lists them.
UPDATE_FIELDS = ("title", "start", "end", "venue", "online")
DEFAULT_UPDATE_FIELDS = ("start", "end", "venue", "online")
# Counted whatever the setting says: members told of a cancellation must hear it is on again.
_ALWAYS = ("cancelled",)
_ORDER = (*UPDATE_FIELDS, *_ALWAYS)


@dataclass(frozen=True)
class Facts:
    """What one message said about its event (see the module docstring)."""

    title: str
    start: datetime
    end: datetime
    venue: str | None = None  # the venue's name
    address: str | None = None  # the venue's address, on one line
    online: str | None = None  # the link to join an online venue
    cancelled: bool = False

    def to_json(self) -> str:
        """The facts as the ledger stores them: JSON, times in ISO 8601 with their offset."""
        values: dict[str, Any] = asdict(self)
        values["start"], values["end"] = self.start.isoformat(), self.end.isoformat()
        return json.dumps(values, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Facts:
        """The facts :meth:`to_json` wrote; ``ValueError`` for anything else."""
        try:
            values = json.loads(text)
            return cls(title=str(values["title"]),
                       start=datetime.fromisoformat(values["start"]),
                       end=datetime.fromisoformat(values["end"]),
                       venue=_optional(values.get("venue")),
                       address=_optional(values.get("address")),
                       online=_optional(values.get("online")),
                       cancelled=bool(values.get("cancelled", False)))
        except (TypeError, KeyError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a snapshot of an event's facts: {exc}") from None


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)


def facts_of(event: Event) -> Facts:
    """The facts of ``event`` as its file says now."""
    location = event.location
    if location is None:
        return Facts(event.title, event.start, event.end, venue=event.location_name or None,
                     cancelled=event.cancelled)
    address = ", ".join(location.address_lines) or None
    online = location.url or None if location.online else None
    return Facts(event.title, event.start, event.end, venue=location.title or None,
                 address=address, online=online, cancelled=event.cancelled)


# A field's value as compared and shown: a time, a line of text, a flag, or nothing.
Value = datetime | str | bool | None


@dataclass(frozen=True)
class Change:
    """One field that differs: ``venue`` is the name and the address on one line."""

    field: str
    old: Value
    new: Value


def _value(facts: Facts, field: str) -> Value:
    if field == "venue":
        parts = [p for p in (facts.venue, facts.address) if p]
        return ", ".join(parts) or None
    value: Value = getattr(facts, field)
    return value


def changed(old: Facts, new: Facts, fields: Iterable[str] = DEFAULT_UPDATE_FIELDS
            ) -> list[Change]:
    """The counted fields in which ``new`` differs from ``old``, in a message's order.

    Times compare as instants: the same moment written with another offset is no change.
    """
    wanted = set(fields) | set(_ALWAYS)
    found = []
    for field in _ORDER:
        if field not in wanted:
            continue
        before, after = _value(old, field), _value(new, field)
        if before != after:
            found.append(Change(field, before, after))
    return found


# --- words: the command line's (English, for the organizer) ----------------------------


def _cli_value(value: Value, other: Value, tz: tzinfo) -> str:
    if isinstance(value, datetime):
        local = value.astimezone(tz)
        same_day = isinstance(other, datetime) and other.astimezone(tz).date() == local.date()
        return f"{local:%H:%M}" if same_day else f"{local:%a %Y-%m-%d %H:%M}"
    if isinstance(value, bool):
        return "cancelled" if value else "on"
    return value if value else "none"


def summary(changes: Sequence[Change], tz: tzinfo) -> str:
    """``start 18:00 → 18:30; venue Jitsi → Foundry Makerspace, ...``: for ``list``,
    ``check`` and the pull-request summary."""
    return "; ".join(f"{c.field} {_cli_value(c.old, c.new, tz)} → {_cli_value(c.new, c.old, tz)}"
                     for c in changes)


# --- words: the message's (in the mail's language) -------------------------------------


def _mail_value(value: Value, other: Value, tz: tzinfo, lang: Language | None) -> str:
    """A value as the mail writes it: a time alone when the day stays, else with the day."""
    if isinstance(value, datetime):
        local = value.astimezone(tz)
        time = time_of_day(local, lang)
        if isinstance(other, datetime) and other.astimezone(tz).date() == local.date():
            return time
        return f"{short_date(local, lang)}, {time}"
    if isinstance(value, bool):
        return ""
    return value or ""


def _label(field: str, lang: Language | None) -> str:
    def _(message: str) -> str:
        return lang.gettext(message) if lang is not None else message

    # A label for each field a change can be in; the HTML puts it before the new value.
    labels = {
        "title": _("New title"),
        "start": _("New time"),
        "end": _("New end"),
        "venue": _("New place"),
        "online": _("New link"),
        "cancelled": _("On again"),
    }
    return labels[field]


def describe(change: Change, tz: tzinfo, lang: Language | None = None) -> str:
    """One change, as the plain text of an update says it: ``Now 6:30 PM, not 6:00 PM``;
    ``New place: Foundry Makerspace, ... (was: Jitsi)``. In the mail's language."""
    def _(message: str) -> str:
        return lang.gettext(message) if lang is not None else message

    new = _mail_value(change.new, change.old, tz, lang)
    old = _mail_value(change.old, change.new, tz, lang)
    if change.field == "start":
        # Translators: an update's first line when the start moved; new and old are
        # times ("6:30 PM"), with the day when it changed too ("Thu, Feb 4, 6:00 PM").
        return _("Now %(new)s, not %(old)s") % {"new": new, "old": old}
    if change.field == "end":
        # Translators: as "Now %(new)s, not %(old)s", for the time the event ends.
        return _("Now ends %(new)s, not %(old)s") % {"new": new, "old": old}
    if change.field == "cancelled":
        return _("It takes place after all: it is no longer cancelled.")
    values = {"label": _label(change.field, lang), "new": new, "old": old}
    if not new:
        # Translators: label is "New place", "New link" or "New title"; old is what it was.
        return _("%(label)s: none any more (was: %(old)s)") % values
    if not old:
        return _("%(label)s: %(new)s") % values
    # Translators: label is "New place", "New link" or "New title"; new and old are a
    # venue's name and address, a link or a title.
    return _("%(label)s: %(new)s (was: %(old)s)") % values


def template_rows(changes: Sequence[Change], tz: tzinfo,
                  lang: Language | None = None) -> list[dict[str, str]]:
    """The ``changes`` of an update's template context: per change its ``field``,
    ``label``, ``old`` and ``new`` (as the mail writes them; empty when there is none) and
    ``text`` (:func:`describe`).

    A talk moved as a whole (start and end by the same time) says so once: the end
    follows, and the facts below the changes show it. So does a talk that moved from
    online to a place: the new place says it, not a link that is "none any more".
    """
    starts = [c for c in changes if c.field == "start"]
    moved = None
    if starts and isinstance(starts[0].new, datetime) and isinstance(starts[0].old, datetime):
        moved = starts[0].new - starts[0].old
    new_place = any(c.field == "venue" and c.new for c in changes)
    rows = []
    for change in changes:
        if (change.field == "end" and moved is not None and isinstance(change.new, datetime)
                and isinstance(change.old, datetime) and change.new - change.old == moved):
            continue
        if change.field == "online" and not change.new and new_place:
            continue
        rows.append({
            "field": change.field,
            "label": _label(change.field, lang),
            "old": _mail_value(change.old, change.new, tz, lang),
            "new": _mail_value(change.new, change.old, tz, lang),
            "text": describe(change, tz, lang),
        })
    return rows
