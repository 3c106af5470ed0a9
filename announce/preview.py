"""The local preview server: every message exactly as ``send`` would send it, in a browser.

Read-only by design: it renders through the very same functions as ``render`` and
``send`` (:func:`announce.render.render_event`, :func:`announce.message.prepare`), reads
the ledger to show what went out, and never sends or writes anything.

It is a plain :class:`http.server.ThreadingHTTPServer`: the pages are few, and a web
framework would add nothing but a dependency. Safety, since it runs on an organizer's
machine next to unpublished talks:

- it binds 127.0.0.1 unless told otherwise, and rejects requests whose ``Host`` is not
  that address (a web page elsewhere cannot reach it through DNS rebinding);
- it serves only its own routes: URLs name events by id and assets by name, never a
  file path, so nothing in the file system is reachable (``../`` is a 404);
- its pages escape everything (Jinja2 autoescape) and carry a strict
  Content-Security-Policy with scripts from its own origin only; the email's HTML is
  served on a route of its own with a ``sandbox`` CSP and shown in a sandboxed iframe
  without scripts.

Under load: every connection has a thread of its own, so a slow client holds up nobody
else, and a slow render only the CSS inlining of other renders (it takes turns: see
``render.inline_css``), never the index, the poll or the assets; the listen backlog takes
a burst of connections (tabs reloading at once, a script hammering it) without resets;
and a client that connects and then sends nothing, or stops halfway through its request,
is dropped after :data:`REQUEST_TIMEOUT` seconds of silence.

Live reload: the pages poll ``/_version``, a fingerprint of the modification times of the
config file, the content folders, the template folders and the ledger; when it changes,
the page reloads and the catalog is read again. A short poll, on purpose, not a
long-lived connection (long-poll or server-sent events): each poll is a whole request
answered at once, so the timeout for silent clients never meets it, and a page outlives
a restart of the server. While a change is being read, every request (the poll too) is
answered from the snapshot before it, so a slow file does not hold up the pages.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import html.parser
import ipaddress
import logging
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import traceback
import webbrowser
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, unquote, urlencode

import jinja2

from .config import Settings, load_settings
from .content import Catalog, Event, Problem, load_catalog, parse_datetime
from .errors import AnnounceError, ConfigError
from .message import GMAIL_CLIP_BYTES
from .paths import display_path
from .selection import (
    KINDS,
    Sent,
    announced_types,
    due_kinds,
    next_due,
    next_due_at,
    next_event,
)
from .urls import is_absolute

__all__ = [
    "REQUEST_TIMEOUT",
    "MessageChecks",
    "PreviewServer",
    "SpamChecker",
    "SpamResult",
    "check_html",
    "fingerprint",
    "is_loopback",
    "parse_spamassassin",
    "serve",
]

log = logging.getLogger("announce.preview")

# Seconds a client may stay silent (sending nothing, or stopping halfway through its
# request, or not reading the answer) before its connection is dropped. A browser sends
# its request at once; only a stuck or hostile client waits this long.
REQUEST_TIMEOUT = 5.0

WIDTHS = {"desktop": 640, "mobile": 375}
TABS = ("html", "text", "headers", "source", "ics")
TAB_LABELS = {"html": "HTML", "text": "Plain text", "headers": "Headers", "source": "Source",
              "ics": ".ics"}

_ASSETS = Path(__file__).resolve().parent / "preview_assets"
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".svg": "image/svg+xml"}

# The preview's own pages: nothing from elsewhere, scripts and styles from this server.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# The email's HTML: no scripts, a unique origin even when opened on its own (the CSP
# sandbox), inline styles as mail clients allow them, and images from the web.
EMAIL_CSP = (
    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
    "style-src 'unsafe-inline'; img-src https: http: data:; font-src https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# --- live reload -------------------------------------------------------------------------

def fingerprint(paths: Iterable[Path]) -> str:
    """A short hash of the names, sizes and modification times of ``paths``.

    Folders are walked (hidden entries skipped: editor swap files, ``.git``); a missing
    path counts as a state of its own, so creating or deleting a file changes the result.
    """
    digest = hashlib.blake2b(digest_size=10)
    for root in paths:
        digest.update(os.fsencode(root) + b"\0")
        try:
            info = root.stat()
        except OSError:
            digest.update(b"-\0")
            continue
        if not stat.S_ISDIR(info.st_mode):
            digest.update(b"%d %d\0" % (info.st_mtime_ns, info.st_size))
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    entry = os.stat(path)
                except OSError:  # deleted while we walked: the next poll sees it
                    continue
                digest.update(os.fsencode(path) + b"\0%d %d\0" % (entry.st_mtime_ns, entry.st_size))
    return digest.hexdigest()


def _packaged_template_dirs() -> list[Path]:
    """Where the packaged email templates may live: in a wheel, or in a source checkout."""
    here = Path(__file__).resolve().parent
    return [p for p in (here / "templates" / "email", here.parent / "templates" / "email")
            if p.is_dir()]


def watched_paths(settings: Settings) -> list[Path]:
    """Everything whose change should refresh an open page."""
    paths = [settings.content.events, settings.content.locations, *_packaged_template_dirs()]
    # The venues, speakers and groups events name by id ("mkdocs.yml#extra.locations").
    for spec in settings.content.lookup.values():
        lookup = Path(spec.partition("#")[0]).expanduser()
        paths.append(lookup if lookup.is_absolute() else settings.base_dir / lookup)
    if settings.source is not None:
        paths.insert(0, settings.source)
    if settings.templates.path is not None:
        paths.append(settings.templates.path)
    # A send in another terminal updates the ledger; the index should show it.
    paths.append(settings.ledger.path)
    return paths


@dataclass(frozen=True)
class Snapshot:
    """The state of the watched files at one version: what every page is rendered from."""

    version: str
    settings: Settings | None
    catalog: Catalog | None
    # A problem that stops everything (the config, a missing events folder).
    error: str | None = None
    # Problems found beyond the catalog's own (URLs the mail cannot resolve).
    extra_problems: tuple[Problem, ...] = ()

    @property
    def problems(self) -> list[Problem]:
        found = [*(self.catalog.problems if self.catalog else ()), *self.extra_problems]
        return sorted(found, key=lambda p: (p.severity != "error", str(p.path), p.line))


class Workspace:
    """The config and the catalog, read again whenever a watched file changes.

    Shared by every request thread: one of them reads a change while the others go on
    with the snapshot before it (never two reads of the same change at once).
    """

    def __init__(self, settings: Settings) -> None:
        self._config = settings.source
        self._settings = settings
        self._config_error: str | None = None
        self._config_stamp = self._stamp()
        self._snapshot: Snapshot | None = None
        self._loading = False
        self._changed = threading.Condition()

    def _stamp(self) -> str:
        return fingerprint([self._config]) if self._config is not None else ""

    def current(self) -> Snapshot:
        """The snapshot for the files as they are now (read again only when they changed).

        While another request reads a change, the last snapshot, version and all: the
        page reloads once the new one is ready. Only the first snapshot is waited for.
        """
        with self._changed:
            settings, config_error = self._reread_config()
        version = fingerprint(watched_paths(settings))
        with self._changed:
            while True:
                last = self._snapshot
                if last is not None and (last.version == version or self._loading):
                    return last
                if not self._loading:
                    break
                self._changed.wait()  # the first snapshot: there is nothing to show before it
            self._loading = True
        fresh: Snapshot | None = None
        try:
            fresh = self._load(version, settings, config_error)
            return fresh
        finally:
            with self._changed:
                self._loading = False
                if fresh is not None:
                    self._snapshot = fresh
                self._changed.notify_all()

    def _reread_config(self) -> tuple[Settings, str | None]:
        """The settings (the last good ones while the config is broken) and its error."""
        stamp = self._stamp()
        if stamp != self._config_stamp:
            self._config_stamp = stamp
            try:
                self._settings = load_settings(self._config)
                self._config_error = None
            except AnnounceError as exc:
                # Keep watching the last good folders, so that fixing them still reloads.
                self._config_error = str(exc)
        return self._settings, self._config_error

    @staticmethod
    def _load(version: str, settings: Settings, config_error: str | None) -> Snapshot:
        if config_error is not None:
            return Snapshot(version, None, None, config_error)
        try:
            catalog = load_catalog(settings)
        except AnnounceError as exc:
            return Snapshot(version, settings, None, str(exc))
        return Snapshot(version, settings, catalog, None, _url_problems(settings, catalog))


def _url_problems(settings: Settings, catalog: Catalog) -> tuple[Problem, ...]:
    """The relative URLs mail cannot resolve: the same check as ``announce check``."""
    from .urls import find_url_problems

    try:
        return tuple(find_url_problems(settings, catalog))
    except AnnounceError as exc:
        log.warning("%s", exc)
        return ()


# --- the message -------------------------------------------------------------------------

@dataclass(frozen=True)
class MessageView:
    """One message as ``send`` would send it, taken apart for the tabs."""

    event: Event
    kind: str
    to: str
    raw: bytes
    message: EmailMessage
    html: str
    text: str
    ics: str

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))


def build_message(settings: Settings, catalog: Catalog, event: Event, kind: str,
                  now: datetime) -> MessageView:
    """Render ``kind`` for ``event`` through the same path as ``render`` and ``send``.

    Addressed like ``announce render``: to the first recipient, with the Message-ID
    ``send`` would use, so the bytes are the very ones ``announce render`` writes.
    """
    from .message import prepare
    from .recipients import load_recipients
    from .render import render_event

    rendered = render_event(settings, catalog, event, kind, now)
    prepared = prepare(settings, rendered, date=now)
    first = next(iter(load_recipients(settings)), None)
    if first is None:
        raise ConfigError(f"{settings.source or 'config'}: [mail]: no valid recipient to "
                          "address the message to (set [mail] to or recipients)")
    raw = prepared.to_bytes(first.header, message_id=prepared.message_id_for(first.header))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return MessageView(
        event=event, kind=kind, to=first.header, raw=raw, message=parsed,
        html=_part_text(parsed, "html", rendered.html),
        text=_part_text(parsed, "plain", rendered.text),
        ics=_ics_text(parsed, rendered.ics),
    )


def _part_text(message: EmailMessage, subtype: str, fallback: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return fallback
    return str(part.get_content())


def _ics_text(message: EmailMessage, fallback: bytes) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode("utf-8", "replace")
    return fallback.decode("utf-8", "replace")


class _HtmlScan(html.parser.HTMLParser):
    """Collects the URLs and the images of an HTML document."""

    _URL_ATTRS: ClassVar[frozenset[str]] = frozenset({"href", "src", "background", "poster",
                                                      "action", "cite"})
    _CSS_URL: ClassVar[re.Pattern[str]] = re.compile(r"url\(\s*['\"]?([^'\")]+)")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (tag.attribute, url)
        self.images_without_alt: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name in self._URL_ATTRS:
                self.urls.append((f"{tag} {name}", value))
            elif name == "srcset":
                self.urls.extend((f"{tag} srcset", item.split()[0])
                                 for item in value.split(",") if item.strip())
            elif name == "style":
                self.urls.extend((f"{tag} style", url) for url in self._CSS_URL.findall(value))
        if tag == "img" and "alt" not in values:
            self.images_without_alt.append(values.get("src", "(no src)"))


@dataclass(frozen=True)
class MessageChecks:
    """What a sender would want to know before the list sees the message."""

    html_bytes: int
    message_bytes: int
    relative_urls: tuple[tuple[str, str], ...]
    images_without_alt: tuple[str, ...]

    @property
    def clipped(self) -> bool:
        return self.html_bytes > GMAIL_CLIP_BYTES


def check_html(html_text: str, message_bytes: int = 0) -> MessageChecks:
    """Size against Gmail's clipping limit, relative URLs, and images without ``alt``."""
    scan = _HtmlScan()
    scan.feed(html_text)
    scan.close()
    relative = tuple(
        (where, url) for where, url in scan.urls
        # A fragment points inside the message itself; an empty href is harmless.
        if url.strip() and not url.strip().startswith("#") and not is_absolute(url)
    )
    return MessageChecks(
        html_bytes=len(html_text.encode("utf-8")),
        message_bytes=message_bytes,
        relative_urls=relative,
        images_without_alt=tuple(scan.images_without_alt),
    )


# --- SpamAssassin ------------------------------------------------------------------------

@dataclass(frozen=True)
class SpamResult:
    """SpamAssassin's verdict on one message."""

    state: str  # "pending", "done" or "error"
    score: float | None = None
    required: float | None = None
    rules: tuple[tuple[float, str, str], ...] = ()  # (points, name, description)
    message: str = ""


_SPAM_STATUS = re.compile(r"score=(-?\d+(?:\.\d+)?)\s+required=(-?\d+(?:\.\d+)?)")
_SPAM_RULE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$")


def parse_spamassassin(output: bytes) -> SpamResult:
    """The score, threshold and rules from the output of ``spamassassin -t``."""
    text = output.decode("utf-8", "replace")
    head = text.split("\n\n", 1)[0]
    unfolded = re.sub(r"\r?\n[ \t]+", " ", head)
    status = next((line for line in unfolded.splitlines()
                   if line.lower().startswith("x-spam-status:")), "")
    match = _SPAM_STATUS.search(status)
    if not match:
        return SpamResult("error", message="SpamAssassin gave no X-Spam-Status header")
    rules: list[tuple[float, str, str]] = []
    _, found, report = text.partition("Content analysis details:")
    if found:
        for line in report.splitlines():
            rule = _SPAM_RULE.match(line)
            if rule:
                rules.append((float(rule[1]), rule[2], rule[3].strip()))
            elif rules and line.startswith(" " * 10) and line.strip():
                points, name, description = rules[-1]
                rules[-1] = (points, name, f"{description} {line.strip()}")
    # "or 0.0": SpamAssassin writes -0.0 for a sum of informational rules.
    return SpamResult("done", float(match[1]) or 0.0, float(match[2]), tuple(rules))


class SpamChecker:
    """Scores messages with a local ``spamassassin -L`` in the background, one at a time.

    Results are cached by a hash of the message, so an unchanged message is scored once.
    SpamAssassin runs offline (``-L``), without Bayes and without touching the user's
    preferences; ``sa-update`` is never run.
    """

    def __init__(self, command: str | None = None, *, timeout: float = 60.0,
                 cache_size: int = 64) -> None:
        self.command = command if command is not None else shutil.which("spamassassin")
        self.timeout = timeout
        self._cache_size = cache_size
        self._results: OrderedDict[str, SpamResult] = OrderedDict()
        self._queue: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Condition()
        self._closed = False
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None

    @property
    def available(self) -> bool:
        return self.command is not None

    @staticmethod
    def key(message: bytes) -> str:
        """The cache key of a message: its bytes without the Date (which moves with the clock)."""
        stable = re.sub(rb"(?im)^date:[^\n]*\n", b"", message, count=1)
        return hashlib.sha256(stable).hexdigest()[:32]

    def submit(self, message: bytes) -> str:
        """Queue ``message`` for scoring unless it was scored already; returns its key."""
        key = self.key(message)
        with self._lock:
            if key in self._results or key in self._queue or not self.available:
                return key
            self._queue[key] = message
            self._results[key] = SpamResult("pending")
            self._trim()
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="spamassassin",
                                                daemon=True)
                self._thread.start()
            self._lock.notify()
        return key

    def result(self, key: str) -> SpamResult | None:
        with self._lock:
            return self._results.get(key)

    def close(self) -> None:
        """Stop the worker and any SpamAssassin still running."""
        with self._lock:
            self._closed = True
            self._queue.clear()
            self._lock.notify()
            process = self._process
        if process is not None and process.poll() is None:
            process.kill()

    def _trim(self) -> None:
        while len(self._results) > self._cache_size:
            oldest = next(iter(self._results))
            self._queue.pop(oldest, None)
            del self._results[oldest]

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                key, message = self._queue.popitem(last=False)
            result = self._score(message)
            with self._lock:
                if key in self._results:
                    self._results[key] = result

    def _score(self, message: bytes) -> SpamResult:
        assert self.command is not None
        argv = [self.command, "-L", "-t", "-x", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0"]
        with tempfile.TemporaryDirectory(prefix="announce-sa-") as home:
            try:
                # Its per-user state goes to a throwaway HOME, not the organizer's.
                process = subprocess.Popen(  # noqa: S603 - a fixed argv, no shell
                    argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, env={**os.environ, "HOME": home},
                )
            except OSError as exc:
                return SpamResult("error", message=f"cannot run spamassassin: {exc.strerror}")
            with self._lock:
                self._process = process
            try:
                out, err = process.communicate(message, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                return SpamResult("error", message=f"spamassassin took over {self.timeout:g} s")
            finally:
                with self._lock:
                    self._process = None
        if process.returncode not in (0, 1) or not out:
            last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            return SpamResult("error", message=f"spamassassin failed: {last[0]}")
        return parse_spamassassin(out)


# --- pages -------------------------------------------------------------------------------

def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) only ever reaches this machine."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback
                               for info in infos)



def _when(moment: datetime, settings: Settings) -> str:
    local = moment.astimezone(settings.site.tz)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"


def kinds_for(event: Event, settings: Settings) -> tuple[str, ...]:
    """The message kinds that exist for ``event`` from now on."""
    if event.cancelled:
        return ("cancellation",)
    if settings.schedule.reminder_days_before > 0:
        return ("announcement", "reminder")
    return ("announcement",)


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


# What a route returns: status, content type, body, extra headers.
_Response = tuple[int, str, bytes, dict[str, str]]


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
            loader=jinja2.FileSystemLoader(_ASSETS / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(tab_labels=TAB_LABELS, widths=WIDTHS,
                                clip_kb=GMAIL_CLIP_BYTES // 1024)
        self.env.filters["kb"] = lambda n: f"{n / 1024:.1f} KB"
        self.static = {p.name: p.read_bytes() for p in sorted((_ASSETS / "static").iterdir())
                       if p.suffix in _STATIC_TYPES}

    def handle(self, raw_path: str) -> _Response:
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

    def _page(self, template: str, request: _Request, **context: Any) -> _Response:
        settings = request.snapshot.settings
        tz = settings.site.tz if settings else UTC
        body = self.env.get_template(template).render(
            request=request,
            snapshot=request.snapshot,
            settings=settings,
            site_name=settings.site.name if settings else "announce",
            now_text=_when(request.now, settings) if settings else request.now.isoformat(),
            now_value=request.now.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
            pinned=self.pinned_now is not None,
            display=display_path,
            **context,
        )
        return 200, "text/html; charset=utf-8", body.encode("utf-8"), {}

    def _not_found(self) -> _Response:
        body = self.env.get_template("not_found.html").render()
        return 404, "text/html; charset=utf-8", body.encode("utf-8"), {}

    # -- index --

    def _index(self, request: _Request) -> _Response:
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
        types = settings.content.types
        rows = []
        for event in catalog.events:
            if not show_all and event.start <= request.now:
                continue
            announced = announced_types(event, types)
            due_at = next_due_at(event, settings.schedule, sent) if announced else None
            rows.append({
                "event": event,
                "when": _when(event.start, settings),
                "past": event.start <= request.now,
                "announced": announced,
                "due": due_kinds(event, request.now, settings.schedule, sent) if announced else [],
                "next_due": _when(due_at, settings) if due_at and due_at > request.now else None,
                "sent": [(kind, _when(record.first_at, settings), record.complete)
                         for kind, record in sent.get(event.id, {}).items()],
                "kinds": kinds_for(event, settings),
                # A talk called off before anyone heard of it: nothing will go out.
                "silent": event.cancelled and "announcement" not in sent.get(event.id, {}),
                "where": event.location.title if event.location else (event.location_name or ""),
            })
        # The same choice as `send --next`: the earliest event with a message due.
        found = next_due(catalog.events, request.now, settings.schedule, types, sent)
        upcoming = found[0] if found else next_event(catalog.events, request.now, types, sent)
        next_up = None
        if upcoming is not None:
            next_up = {"event": upcoming, "when": _when(upcoming.start, settings),
                       "due": [found[1]] if found else []}
        return self._page("index.html", request, rows=rows, show_all=show_all,
                          next_up=next_up, ledger_error=ledger_error)

    # -- messages --

    def _message_route(self, request: _Request, route: str, kind: str,
                       event_id: str) -> _Response:
        snapshot = request.snapshot
        settings, catalog = snapshot.settings, snapshot.catalog
        event = next((e for e in catalog.events if e.id == event_id), None) if catalog else None
        if settings is None or catalog is None or event is None:
            if route != "message":
                return self._not_found()
            # The event's file may be broken right now: show why, and keep watching.
            problems = [p for p in snapshot.problems if _event_id_of(p.path, settings) == event_id]
            if catalog is not None and not problems:
                return self._not_found()
            return self._page("message.html", request, event=None, event_id=event_id,
                              kind=kind, event_kinds=(), view=None, render_error=None,
                              problems=problems, checks=None, spam_key=None, spam=None,
                              tab="html", width="desktop")
        view: MessageView | None = None
        render_error: str | None = None
        try:
            view = build_message(settings, catalog, event, kind, request.now)
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
        return self._page(
            "message.html", request, event=event, event_id=event.id, kind=kind, view=view,
            event_kinds=kinds_for(event, settings),
            render_error=render_error, problems=[], checks=checks, spam_key=spam_key,
            spam=spam, spam_available=self.spam.available,
            tab=tab if tab in TABS else "html", width=width if width in WIDTHS else "desktop",
            due=kind in due_kinds(event, request.now, settings.schedule, self._sent(settings)),
            headers=list(view.message.items()) if view else [],
            parts=_parts(view.message) if view else [],
            source=view.raw.decode("utf-8", "replace") if view else "",
        )

    def _sent(self, settings: Settings) -> Sent:
        try:
            return self.sent_records(settings)
        except AnnounceError:
            return {}

    def _download(self, route: str, view: MessageView) -> _Response:
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", view.event.id.replace("/", "-"))
        if route == "email":
            return 200, "text/html; charset=utf-8", view.html.encode("utf-8"), {
                "Content-Security-Policy": EMAIL_CSP}
        if route == "eml":
            return 200, "message/rfc822", view.raw, {
                "Content-Disposition": f'attachment; filename="{name}-{view.kind}.eml"'}
        return 200, "text/calendar; charset=utf-8", view.ics.encode("utf-8"), {
            "Content-Disposition": f'attachment; filename="{name}.ics"'}

    def _spam_fragment(self, key: str) -> _Response:
        result = self.spam.result(key) if re.fullmatch(r"[0-9a-f]{32}", key) else None
        if result is None:
            return self._not_found()
        body = self.env.get_template("spam.html").render(spam=result, spam_key=key,
                                                         spam_available=True)
        status = 202 if result.state == "pending" else 200
        return status, "text/html; charset=utf-8", body.encode("utf-8"), {}


def _event_id_of(path: Path, settings: Settings | None) -> str | None:
    if settings is None:
        return None
    try:
        return path.relative_to(settings.content.events).with_suffix("").as_posix()
    except ValueError:
        return None


def _parts(message: EmailMessage) -> list[tuple[int, str, int, str]]:
    """The MIME tree: (depth, content type, size in bytes, filename)."""
    rows: list[tuple[int, str, int, str]] = []

    def walk(part: EmailMessage, depth: int) -> None:
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
        rows.append((depth, part.get_content_type(), size, part.get_filename() or ""))
        if part.is_multipart():
            for child in part.iter_parts():
                assert isinstance(child, EmailMessage)
                walk(child, depth + 1)

    walk(message, 0)
    return rows


# --- HTTP --------------------------------------------------------------------------------

class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its app and which Host headers to accept.

    A thread per connection, a listen backlog for a burst of connections, and
    ``request_timeout`` seconds of silence allowed per connection. The threads are not
    capped: the timeout is what retires the stuck ones, and a cap would let a handful of
    silent clients stall everyone again.
    """

    daemon_threads = True
    # socketserver's default is 5: a burst beyond it had connections reset or retried for
    # minutes. The kernel caps this at net.core.somaxconn.
    request_queue_size = 1024
    allowed_hosts: frozenset[str] | None = None

    def __init__(self, address: tuple[str, int], app: PreviewApp, *,
                 request_timeout: float = REQUEST_TIMEOUT) -> None:
        self.app = app
        self.request_timeout = request_timeout
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        host, port = self.server_address[:2]
        if is_loopback(str(host)):
            names = {"localhost", "127.0.0.1", "[::1]", _bracket(str(host))}
            self.allowed_hosts = frozenset({*names, *(f"{n}:{port}" for n in names)})

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = "127.0.0.1" if str(host) in ("0.0.0.0", "::") else _bracket(str(host))  # noqa: S104
        return f"http://{shown}:{port}/"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away or fell silent is routine; anything else is a bug."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            log.debug("%s: connection dropped: %s", client_address, sys.exc_info()[1])
            return
        log.error("request from %s failed:\n%s", client_address, traceback.format_exc())


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "announce-preview"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # Each read of the request line and headers (BaseHTTPRequestHandler drops the
        # connection on TimeoutError) and each write of the answer. Not the render.
        self.connection.settimeout(self.server.request_timeout)

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _refuse_method(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                   b"The preview is read-only: GET only.\n", {"Allow": "GET, HEAD"}, head=False)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def _respond(self, *, head: bool) -> None:
        allowed = self.server.allowed_hosts
        if allowed is not None and (self.headers.get("Host") or "").lower() not in allowed:
            self._send(HTTPStatus.MISDIRECTED_REQUEST, "text/plain; charset=utf-8",
                       b"Unknown Host header.\n", {}, head=head)
            return
        try:
            status, content_type, body, headers = self.server.app.handle(self.path)
        except Exception:  # a bug must not take the server down; it shows on stderr
            log.error("%s failed:\n%s", self.path, traceback.format_exc())
            status, content_type, body, headers = (
                500, "text/plain; charset=utf-8", b"Internal error: see the terminal.\n", {})
        self._send(status, content_type, body, headers, head=head)

    def _send(self, status: int, content_type: str, body: bytes, headers: Mapping[str, str],
              *, head: bool) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in {**_COMMON_HEADERS, "Content-Security-Policy": PAGE_CSP,
                                **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)
        except (ConnectionError, TimeoutError):  # the browser moved on, or stopped reading
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000,
          now: datetime | None = None, open_browser: bool = True,
          sent_records: Callable[[Settings], Sent],
          echo: Callable[[str], None] = print,
          warn: Callable[[str], None] = lambda text: log.warning("%s", text)) -> None:
    """Serve the preview until Ctrl-C (or SIGTERM); ``now`` pins the clock, like ``--now``.

    The first line on stdout is the URL, so scripts (and tests) can read it when the port
    is 0 (any free port).
    """
    app = PreviewApp(settings, now=now, sent_records=sent_records)
    try:
        server = PreviewServer((host, port), app)
    except OSError as exc:
        raise AnnounceError(f"{host}:{port}: cannot listen: {exc.strerror or exc}"
                            + (" (try another --port, or --port 0)"
                               if exc.errno in (98, 48) else "")) from None
    if not is_loopback(host):
        warn(f"serving on {host}, not on this machine only: anyone who can reach it sees "
             "your unpublished talks and your list's settings")
    echo(f"Preview at {server.url} (Ctrl-C to stop)")
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    with _stop_on_sigterm():
        try:
            server.serve_forever(poll_interval=0.25)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            app.spam.close()


class _Stop(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C: stop serving and exit 0."""


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
