"""What each URL of the preview shows, independent of the HTTP plumbing (server.py).

Routes: ``/`` (the events, what is due and what was sent), ``/message/<kind>/<event id>``
(one message in tabs, with its checks), ``/email/...`` (the email's HTML alone, for the
sandboxed iframe), ``/eml/...`` and ``/ics/...`` (downloads), ``/_version`` (the
live-reload poll), ``/_spam/<key>`` (the SpamAssassin verdict, once it is in) and
``/_static/<name>``. URLs name events by id and assets by name, never a file path:
anything else is a 404.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

import jinja2

from .. import kinds, news
from ..config import Settings
from ..content import parse_datetime
from ..errors import AnnounceError
from ..kinds import KINDS
from ..message import GMAIL_CLIP_BYTES
from ..news import Sent
from ..paths import display_path
from ..selection import announced_types, next_due, next_event
from ..sources.catalog import event_id_for
from ..timefmt import short_when
from .checks import check_html
from .snapshot import Snapshot, Workspace
from .spam import SpamChecker
from .view import MessageView, build_message, mime_parts

__all__ = ["EMAIL_CSP", "PreviewApp", "Response"]

log = logging.getLogger("announce.preview")

WIDTHS = {"desktop": 640, "mobile": 375}
TABS = ("html", "text", "headers", "source", "ics")
TAB_LABELS = {"html": "HTML", "text": "Plain text", "headers": "Headers", "source": "Source",
              "ics": ".ics"}

_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".svg": "image/svg+xml"}

# The email's HTML: no scripts, a unique origin even when opened on its own (the CSP
# sandbox), inline styles as mail clients allow them, and images from the web.
EMAIL_CSP = (
    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
    "style-src 'unsafe-inline'; img-src https: http: data:; font-src https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)

# What a route returns: status, content type, body, extra headers.
Response = tuple[int, str, bytes, dict[str, str]]


@dataclass
class _Request:
    """What a page needs from the request: its query, the clock, the snapshot."""

    path: str
    query: Mapping[str, list[str]]
    snapshot: Snapshot
    now: datetime
    now_error: str | None
    chosen_now: str | None  # the "as of" value the user picked, kept in every link

    def param(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[-1] if values else default

    def link(self, path: str, *, keep_now: bool = True, **params: str | None) -> str:
        """A URL on this server that keeps the chosen "as of" moment (unless told not to)."""
        merged: dict[str, str] = {}
        if keep_now and self.chosen_now:
            merged["now"] = self.chosen_now
        merged.update({k: v for k, v in params.items() if v})
        return quote(path, safe="/") + (f"?{urlencode(merged)}" if merged else "")


class PreviewApp:
    """The routes of the preview, independent of the HTTP plumbing."""

    def __init__(self, settings: Settings, *, now: datetime | None,
                 sent_records: Callable[[Settings], Sent],
                 spam: SpamChecker | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.workspace = Workspace(settings)
        self.pinned_now = now
        self.sent_records = sent_records
        self.spam = spam if spam is not None else SpamChecker()
        self.clock = clock
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader(__package__ or "announce.preview", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(tab_labels=TAB_LABELS, widths=WIDTHS,
                                clip_kb=GMAIL_CLIP_BYTES // 1024)
        self.env.filters["kb"] = lambda n: f"{n / 1024:.1f} KB"
        static = files(__package__ or "announce.preview") / "static"
        self.static = {p.name: p.read_bytes()
                       for p in sorted(static.iterdir(), key=lambda p: p.name)
                       if Path(p.name).suffix in _STATIC_TYPES}

    def handle(self, raw_path: str) -> Response:
        """Route one GET request. Anything but the preview's own routes is a 404."""
        path_part, _, query_string = raw_path.partition("?")
        path = unquote(path_part)
        segments = path.split("/")
        if (not path.startswith("/") or any(s in (".", "..") for s in segments)
                or "\\" in path or "\0" in path):
            return self._not_found()
        if path == "/_version":
            return 200, "text/plain; charset=utf-8", self.workspace.current().version.encode(), {}
        if path.startswith("/_static/"):
            name = path.removeprefix("/_static/")
            body = self.static.get(name)
            if body is None:
                return self._not_found()
            return 200, _STATIC_TYPES[Path(name).suffix], body, {}
        if path.startswith("/_spam/"):
            return self._spam_fragment(path.removeprefix("/_spam/"))
        request = self._request(path, parse_qs(query_string, keep_blank_values=True))
        if path == "/":
            return self._index(request)
        route, _, rest = path[1:].partition("/")
        kind, _, event_id = rest.partition("/")
        if route in ("message", "email", "eml", "ics") and kind in KINDS and event_id:
            return self._message_route(request, route, kind, event_id)
        return self._not_found()

    def _request(self, path: str, query: Mapping[str, list[str]]) -> _Request:
        snapshot = self.workspace.current()
        now = self.pinned_now or self.clock()
        chosen = (query.get("now") or [""])[-1].strip()
        error = None
        if chosen and snapshot.settings is not None:
            try:
                now = parse_datetime(chosen, snapshot.settings.site.tz, require_time=False)
            except ValueError as exc:
                error = f"as of: {exc}"
                chosen = ""
        return _Request(path, query, snapshot, now, error, chosen or None)

    def _page(self, template: str, request: _Request, **context: Any) -> Response:
        settings = request.snapshot.settings
        tz = settings.site.tz if settings else UTC
        body = self.env.get_template(template).render(
            request=request,
            snapshot=request.snapshot,
            settings=settings,
            site_name=settings.site.name if settings else "announce",
            now_text=short_when(request.now, tz) if settings else request.now.isoformat(),
            now_value=request.now.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
            pinned=self.pinned_now is not None,
            display=display_path,
            **context,
        )
        return 200, "text/html; charset=utf-8", body.encode("utf-8"), {}

    def _not_found(self) -> Response:
        body = self.env.get_template("not_found.html").render()
        return 404, "text/html; charset=utf-8", body.encode("utf-8"), {}

    def _sent(self, settings: Settings) -> Sent:
        try:
            return self.sent_records(settings)
        except AnnounceError:
            return {}

    # -- index --

    def _index(self, request: _Request) -> Response:
        snapshot = request.snapshot
        settings, catalog = snapshot.settings, snapshot.catalog
        if settings is None or catalog is None:
            return self._page("index.html", request, rows=[], show_all=False, next_up=None,
                              ledger_error=None)
        show_all = request.param("all") == "1"
        ledger_error = None
        try:
            sent = self.sent_records(settings)
        except AnnounceError as exc:
            ledger_error, sent = str(exc), {}
        types, tz = settings.content.types, settings.site.tz
        rows = []
        for event in catalog.events:
            if not show_all and event.start <= request.now:
                continue
            announced = announced_types(event, types)
            due_at = kinds.next_due_at(event, settings.schedule, sent) if announced else None
            rows.append({
                "event": event,
                "when": short_when(event.start, tz),
                "past": event.start <= request.now,
                "announced": announced,
                "due": (kinds.due_kinds(event, request.now, settings.schedule, sent)
                        if announced else []),
                "next_due": short_when(due_at, tz) if due_at and due_at > request.now else None,
                "sent": [(kind, short_when(record.first_at, tz), record.complete)
                         for kind, record in sent.get(event.id, {}).items()],
                "kinds": kinds.kinds_for(event, settings.schedule),
                "silent": kinds.silent(event, sent),
                "changed": (news.changed_note(event, settings.schedule, sent, tz)
                            if event.start > request.now else None),
                "where": event.location.title if event.location else (event.location_name or ""),
            })
        # The same choice as `send --next`: the earliest event with a message due.
        found = next_due(catalog.events, request.now, settings.schedule, types, sent)
        upcoming = found[0] if found else next_event(catalog.events, request.now, types, sent)
        next_up = None
        if upcoming is not None:
            next_up = {"event": upcoming, "when": short_when(upcoming.start, tz),
                       "due": [found[1]] if found else []}
        return self._page("index.html", request, rows=rows, show_all=show_all,
                          next_up=next_up, ledger_error=ledger_error)

    # -- messages --

    def _message_route(self, request: _Request, route: str, kind: str,
                       event_id: str) -> Response:
        snapshot = request.snapshot
        settings, catalog = snapshot.settings, snapshot.catalog
        event = next((e for e in catalog.events if e.id == event_id), None) if catalog else None
        if settings is None or catalog is None or event is None:
            if route != "message":
                return self._not_found()
            return self._broken_event(request, kind, event_id)
        view: MessageView | None = None
        render_error: str | None = None
        try:
            view = build_message(settings, catalog, event, kind, request.now,
                                 self._sent(settings))
        except AnnounceError as exc:
            render_error = str(exc)
        except Exception as exc:  # a bug below must not stop the preview; show it
            log.error("rendering %s %s failed:\n%s", kind, event.id, traceback.format_exc())
            render_error = f"internal error: {type(exc).__name__}: {exc}"

        if route != "message":
            if view is None:
                return self._not_found()
            return self._download(route, view)

        checks = spam_key = spam = None
        if view is not None:
            checks = check_html(view.html, len(view.raw))
            if self.spam.available:
                spam_key = self.spam.submit(view.raw)
                spam = self.spam.result(spam_key)
        tab = request.param("tab", "html")
        width = request.param("w", "desktop")
        due = kinds.due_kinds(event, request.now, settings.schedule, self._sent(settings))
        return self._page(
            "message.html", request, event=event, event_id=event.id, kind=kind, view=view,
            event_kinds=kinds.kinds_for(event, settings.schedule),
            render_error=render_error, problems=[], checks=checks, spam_key=spam_key,
            spam=spam, spam_available=self.spam.available,
            tab=tab if tab in TABS else "html", width=width if width in WIDTHS else "desktop",
            due=kind in due,
            headers=list(view.message.items()) if view else [],
            parts=mime_parts(view.message) if view else [],
            source=view.raw.decode("utf-8", "replace") if view else "",
        )

    def _broken_event(self, request: _Request, kind: str, event_id: str) -> Response:
        """An event that is not in the catalog: its file may be broken right now.

        Show why, and keep watching; a 404 when nothing names it.
        """
        snapshot = request.snapshot
        problems = [p for p in snapshot.problems
                    if _event_id_of(p.path, snapshot.settings) == event_id]
        if snapshot.catalog is not None and not problems:
            return self._not_found()
        return self._page("message.html", request, event=None, event_id=event_id,
                          kind=kind, event_kinds=(), view=None, render_error=None,
                          problems=problems, checks=None, spam_key=None, spam=None,
                          tab="html", width="desktop")

    def _download(self, route: str, view: MessageView) -> Response:
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", view.event.id.replace("/", "-"))
        if route == "email":
            return 200, "text/html; charset=utf-8", view.html.encode("utf-8"), {
                "Content-Security-Policy": EMAIL_CSP}
        if route == "eml":
            return 200, "message/rfc822", view.raw, {
                "Content-Disposition": f'attachment; filename="{name}-{view.kind}.eml"'}
        return 200, "text/calendar; charset=utf-8", view.ics.encode("utf-8"), {
            "Content-Disposition": f'attachment; filename="{name}.ics"'}

    def _spam_fragment(self, key: str) -> Response:
        result = self.spam.result(key) if re.fullmatch(r"[0-9a-f]{32}", key) else None
        if result is None:
            return self._not_found()
        body = self.env.get_template("spam.html").render(spam=result, spam_key=key,
                                                         spam_available=True)
        status = 202 if result.state == "pending" else 200
        return status, "text/html; charset=utf-8", body.encode("utf-8"), {}


def _event_id_of(path: Path, settings: Settings | None) -> str | None:
    """The id of the event a problem's file would be, if it is below the events folder."""
    if settings is None:
        return None
    try:
        return event_id_for(path, settings.content.events)
    except ValueError:
        return None
