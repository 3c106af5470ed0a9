"""The HTTP side of the preview: the server, its safety rules, and ``serve``.

It is a plain :class:`http.server.ThreadingHTTPServer`: the pages are few, and a web
framework would add nothing but a dependency. Safety, since it runs on an organizer's
machine next to unpublished talks:

- it binds 127.0.0.1 unless told otherwise, and rejects requests whose ``Host`` is not
  that address (a web page elsewhere cannot reach it through DNS rebinding);
- it serves only the routes of :class:`~announce.preview.pages.PreviewApp`;
- its pages carry a strict Content-Security-Policy with scripts from its own origin
  only (the email's HTML has a ``sandbox`` CSP of its own: see ``pages.EMAIL_CSP``).

Under load: every connection has a thread of its own, so a slow client holds up nobody
else, and a slow render only the CSS inlining of other renders (it takes turns: see
``render.inline_css``), never the index, the poll or the assets; the listen backlog takes
a burst of connections (tabs reloading at once, a script hammering it) without resets;
and a client that connects and then sends nothing, or stops halfway through its request,
is dropped after :data:`REQUEST_TIMEOUT` seconds of silence.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
import traceback
import webbrowser
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any

from ..config import Settings
from ..delivery.replies import is_loopback
from ..errors import AnnounceError
from ..news import Sent
from .pages import PreviewApp

__all__ = ["PAGE_CSP", "REQUEST_TIMEOUT", "PreviewServer", "is_loopback", "serve"]

log = logging.getLogger("announce.preview")

# Seconds a client may stay silent (sending nothing, or stopping halfway through its
# request, or not reading the answer) before its connection is dropped. A browser sends
# its request at once; only a stuck or hostile client waits this long.
REQUEST_TIMEOUT = 5.0

# The preview's own pages: nothing from elsewhere, scripts and styles from this server.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}


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
        self._deadline: threading.Timer | None = None

    # A client that trickles a byte a second never lets one read time out: reading the
    # request's head, and writing its answer, each have request_timeout seconds in all,
    # after which the connection is shut (the read or write in progress then ends).

    def _start_deadline(self) -> None:
        self._stop_deadline()
        self._deadline = threading.Timer(self.server.request_timeout, self._too_slow)
        self._deadline.daemon = True
        self._deadline.start()

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        log.debug("%s: dropped: over %ss for one request", self.client_address,
                  self.server.request_timeout)
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def handle_one_request(self) -> None:
        self._start_deadline()  # the request line and headers, from the first byte
        try:
            super().handle_one_request()
        finally:
            self._stop_deadline()

    def parse_request(self) -> bool:
        parsed = super().parse_request()  # reads the headers
        self._stop_deadline()  # the head is in: the render is not timed
        return parsed

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
        self._start_deadline()  # the whole answer, however slowly it is read
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
        except OSError:  # the browser moved on, stopped reading, or ran out of time
            self.close_connection = True
        finally:
            self._stop_deadline()

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
