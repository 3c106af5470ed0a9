"""The local preview server: every message exactly as ``send`` would send it, in a browser.

Read-only by design: it composes each message with the very function ``render`` and
``send`` call (:func:`announce.compose.compose`), reads the ledger to show what went
out, and never sends or writes anything. One module a job:

- :mod:`.server`: the HTTP server, its safety rules (127.0.0.1, the ``Host`` check,
  timeouts, the CSP) and :func:`serve`, which ``announce preview`` calls;
- :mod:`.pages`: what each URL shows (:class:`PreviewApp`), from ``templates/`` and
  ``static/`` next to it, escaped by Jinja2's autoescape;
- :mod:`.snapshot`: live reload, the watched files and the snapshot pages render from;
- :mod:`.view`: one message taken apart for the tabs; :mod:`.checks`: its size, relative
  URLs and images without ``alt``; :mod:`.spam`: the SpamAssassin runner.

Live reload is a short poll of ``/_version``, on purpose, not a long-lived connection
(long-poll or server-sent events): each poll is a whole request answered at once, so the
timeout for silent clients never meets it, and a page outlives a restart of the server.

``announce --help`` never imports this package (the CLI imports it inside the command).
"""

from __future__ import annotations

from .checks import MessageChecks, check_html
from .pages import PreviewApp
from .server import REQUEST_TIMEOUT, PreviewServer, is_loopback, serve
from .snapshot import fingerprint, watched_paths
from .spam import SpamChecker, SpamResult, parse_spamassassin

__all__ = [
    "REQUEST_TIMEOUT",
    "MessageChecks",
    "PreviewApp",
    "PreviewServer",
    "SpamChecker",
    "SpamResult",
    "check_html",
    "fingerprint",
    "is_loopback",
    "parse_spamassassin",
    "serve",
    "watched_paths",
]
