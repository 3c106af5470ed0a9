"""The site's calendar and event feeds: ``announce feed``.

What a hosted meetup platform gives and a static site lacks: a calendar members subscribe
to (webcal) and a feed of the events to come. From the events exactly as they are
announced, into ``announce/`` in the folder the site's generator publishes
(:mod:`announce.sitefolder`; ``[feed] path`` says otherwise):

- ``events.ics``: one VEVENT per event from ``[feed] days_back`` days ago on, with the
  mails' UID and SEQUENCE (so a calendar that has the mail's invitation updates the same
  entry), STATUS:CANCELLED for a cancelled talk, VTIMEZONE, URL, LOCATION, ORGANIZER and
  the description as prose;
- ``events.atom`` (Atom) and ``events.json`` (JSON Feed 1.1) of the events to come;
- ``subscribe.html``: the subscribe links (webcal, Google Calendar, Outlook), also printed
  for the organizer to paste into the site.

A file changes only when an event does: every time in it comes from the events and the
ledger (DTSTAMP is when the event's last message went out, else when its announcement
was due), never from the clock, so a workflow that commits the feeds commits nothing on
a quiet day. An event unsure of its start or title is left out, as ``send`` refuses it.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape

from .config import Settings
from .content import Catalog, Event
from .kinds import due_kinds, get
from .news import Sent, kind_of
from .sitefolder import feed_folder, write_if_changed

__all__ = ["FeedEntry", "FeedFiles", "feed_entries", "write_feeds"]

NAMES = ("events.ics", "events.atom", "events.json", "subscribe.html")


@dataclass(frozen=True)
class FeedEntry:
    """One event as the feeds show it."""

    event: Event
    uid: str
    sequence: int
    stamp: datetime  # when it last changed for its members (see the module docstring)
    url: str | None  # its page, else its RSVP link
    location: str
    text: str  # the description, as prose


@dataclass(frozen=True)
class FeedFiles:
    """What ``write_feeds`` wrote, and where the site will publish it."""

    folder: Path
    written: tuple[Path, ...]
    base_url: str | None  # the folder's public URL, None without [site] url

    def url(self, name: str) -> str | None:
        return f"{self.base_url}/{name}" if self.base_url else None

    def subscribe_links(self, settings: Settings) -> list[tuple[str, str]]:
        """(label, link) to subscribe to the calendar, once the site is published."""
        ics = self.url("events.ics")
        if ics is None:
            return []
        webcal = "webcal://" + ics.split("://", 1)[1]
        name = settings.site.name or "Events"
        return [
            ("Subscribe (Apple Calendar, Thunderbird, any calendar app)", webcal),
            ("Google Calendar", "https://calendar.google.com/calendar/render?cid="
             + quote(webcal, safe="")),
            ("Outlook", "https://outlook.live.com/calendar/0/addfromweb?url="
             + quote(ics, safe="") + "&name=" + quote(name, safe="")),
            ("The calendar file", ics),
        ]


def feed_entries(settings: Settings, catalog: Catalog, now: datetime, sent: Sent
                 ) -> tuple[list[FeedEntry], list[Event]]:
    """The events the feeds show (from ``[feed] days_back`` days ago on), and those left
    out because they are unsure of their start or title."""
    from .render.ics import event_uid

    since = now - timedelta(days=settings.feed.days_back)
    entries: list[FeedEntry] = []
    unsure: list[Event] = []
    for event in catalog.events:
        if event.end < since:
            continue
        if "start" in event.unsure or "title" in event.unsure:
            unsure.append(event)
            continue
        records = sent.get(event.id, {})
        moved = sum(1 for key in records if get(kind_of(key)).moves_calendar)
        # A change or a cancellation not mailed yet: the calendar has it already.
        pending = any(get(k).moves_calendar for k in due_kinds(event, now, settings.schedule,
                                                                sent))
        stamp = max((r.first_at for r in records.values()), default=None) or (
            event.start - timedelta(days=settings.schedule.announce_days_before))
        entries.append(FeedEntry(event, event_uid(settings, event), moved + pending,
                                 stamp.astimezone(UTC).replace(microsecond=0),
                                 *_details(settings, event, now)))
    return entries, unsure


def _details(settings: Settings, event: Event, now: datetime) -> tuple[str | None, str, str]:
    from .pages import event_page_url
    from .render.context import calendar_location
    from .render.parts import fragments
    from .render.prose import prose_text

    url = event_page_url(settings, event, now) or (
        event.rsvp_url if event.rsvp_url and event.rsvp_url.startswith("https://") else None)
    # The mails' calendar files' DESCRIPTION: sentences only.
    text = prose_text(fragments(settings, event).description_html)
    return url, calendar_location(settings, event), text.strip()


def write_feeds(settings: Settings, entries: list[FeedEntry], now: datetime,
                folder: Path | None = None) -> FeedFiles:
    """Write the four files into ``folder`` (``feed_folder`` by default)."""
    default, path = feed_folder(settings)
    folder = folder or default
    base_url = settings.site.url.rstrip("/") + path if settings.site.url else None
    files = FeedFiles(folder, tuple(folder / name for name in NAMES), base_url)
    upcoming = [e for e in entries if e.event.end >= now]
    contents = {
        "events.ics": _calendar(settings, entries),
        "events.atom": _atom(settings, upcoming, files, now).encode("utf-8"),
        "events.json": (json.dumps(_json_feed(settings, upcoming, files), indent=2,
                                   ensure_ascii=False) + "\n").encode("utf-8"),
        "subscribe.html": _links_page(settings, files).encode("utf-8"),
    }
    for name, data in contents.items():
        write_if_changed(folder / name, data)
    return files


def _calendar(settings: Settings, entries: list[FeedEntry]) -> bytes:
    from .render.ics import event_component, new_calendar, vtimezone

    tz = settings.site.tz
    calendar = new_calendar()
    calendar.add("x-wr-calname", settings.site.name or "Events")
    key = getattr(tz, "key", None)
    if key and key not in ("UTC", "Etc/UTC") and entries:
        calendar.add("x-wr-timezone", key)
        calendar.add_component(vtimezone(key, entries[0].event.start.astimezone(tz).year))
    for entry in entries:
        calendar.add_component(event_component(
            settings, entry.event, stamp=entry.stamp, location=entry.location, link=entry.url,
            description=entry.text, sequence=entry.sequence,
            status="CANCELLED" if entry.event.cancelled else "CONFIRMED"))
    data: bytes = calendar.to_ical()
    return data


def _tag(settings: Settings, entry: FeedEntry) -> str:
    """A stable id for an entry: its page, else a tag URI (RFC 4151) of the site's host."""
    host = urlsplit(settings.site.url).hostname or "localhost"
    return entry.url or f"tag:{host},2024:{entry.event.id}"


def _atom(settings: Settings, entries: list[FeedEntry], files: FeedFiles, now: datetime
          ) -> str:
    # The newest entry that is news already (an event's stamp is when its announcement
    # is due, until a message went out): changes when an event does, not every day.
    stamps = sorted(e.stamp for e in entries)
    updated = max((s for s in stamps if s <= now), default=stamps[0] if stamps else
                  datetime(2024, 1, 1, tzinfo=UTC))
    name = settings.site.name or "Events"
    own = files.url("events.atom")
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom">',
             f"  <title>{escape(name)}: events</title>",
             f"  <id>{escape(own or 'urn:announce:' + quote(name))}</id>",
             f"  <updated>{updated.isoformat()}</updated>",
             f"  <author><name>{escape(name)}</name></author>"]
    if own:
        lines.append(f'  <link rel="self" href="{escape(own)}"/>')
    if settings.site.url:
        lines.append(f'  <link href="{escape(settings.site.url)}"/>')
    for entry in entries:
        event = entry.event
        when = event.start.astimezone(settings.site.tz)
        summary = f"{when:%Y-%m-%d %H:%M} {when.tzname()}" + (
            f", {entry.location}" if entry.location else "") + (
            " (cancelled)" if event.cancelled else "")
        lines += ["  <entry>",
                  f"    <title>{escape(event.title)}</title>",
                  f"    <id>{escape(_tag(settings, entry))}</id>",
                  f"    <updated>{entry.stamp.isoformat()}</updated>",
                  f"    <summary>{escape(summary)}</summary>"]
        if entry.url:
            lines.append(f'    <link href="{escape(entry.url)}"/>')
        if entry.text:
            lines.append(f"    <content type=\"text\">{escape(entry.text)}</content>")
        lines.append("  </entry>")
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def _json_feed(settings: Settings, entries: list[FeedEntry], files: FeedFiles
               ) -> dict[str, Any]:
    feed: dict[str, Any] = {"version": "https://jsonfeed.org/version/1.1",
                            "title": f"{settings.site.name or 'Events'}: events"}
    if settings.site.url:
        feed["home_page_url"] = settings.site.url
    if files.url("events.json"):
        feed["feed_url"] = files.url("events.json")
    items = []
    for entry in entries:
        event = entry.event
        item: dict[str, Any] = {
            "id": _tag(settings, entry), "title": event.title,
            "content_text": entry.text or event.title,
            "date_published": entry.stamp.isoformat(),
            "_announce": {"start": event.start.astimezone(settings.site.tz).isoformat(),
                          "end": event.end.astimezone(settings.site.tz).isoformat(),
                          "location": entry.location or None,
                          "cancelled": event.cancelled},
        }
        if entry.url:
            item["url"] = entry.url
        items.append(item)
    feed["items"] = items
    return feed


def _links_page(settings: Settings, files: FeedFiles) -> str:
    name = html.escape(settings.site.name or "Events")
    links = files.subscribe_links(settings)
    rows = "\n".join(f'  <li><a href="{html.escape(link)}">{html.escape(label)}</a></li>'
                     for label, link in links) or \
        "  <li>Set [site] url in announce.toml: the links need the site's address.</li>"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{name}: subscribe to the events</title>\n</head>\n<body>\n"
            f"<h1>{name}: subscribe to the events</h1>\n<ul>\n{rows}\n</ul>\n"
            "</body>\n</html>\n")
