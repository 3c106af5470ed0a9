"""Writes docs/img/mail.png, the picture of a mail on the README and the docs' front page:
the sample season's next announcement (`make demo`'s, at its pinned clock), rendered by
`announce render` and shown by Debian's headless chromium as a mail client shows the HTML
part, at the preview's desktop width.

With ``--archive``, docs/img/archive.png instead: that announcement's page in the site's
archive (`announce archive`), after it went out to an SMTP server on 127.0.0.1 (aiosmtpd,
port 0) in a folder of its own, the archive served over HTTP on 127.0.0.1.

`make screenshot` runs both; `make system-deps` installs chromium. The page may load
nothing from the network (the mail's remote images show as their alt text), so the
picture is the same on every machine with the same fonts. Usage:
`python .ci/screenshot.py [--archive] [OUT.png]`.
"""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "img" / "mail.png"
CHROMIUM = Path("/usr/bin/chromium")
# The sample season and `make demo`'s clock (Makefile DEMO_NOW).
DEMO = ["--config", str(REPO / "config.example.toml"), "--next", "--now", "2027-01-28T09:00"]
# The preview's desktop width: what a mail client's reading pane gives the HTML.
WIDTH = 640


def demo_html() -> str:
    """The HTML part of the demo's announcement, rendered by the installed announce."""
    with tempfile.TemporaryDirectory() as tmp:
        eml = Path(tmp) / "next.eml"
        # S603: the demo's own command line, run by this interpreter's announce.
        proc = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "announce", "render", *DEMO, "-o", str(eml)],
            cwd=tmp, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.exit(f"screenshot: announce render failed:\n{proc.stderr}")
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("html",))
    if part is None:
        sys.exit("screenshot: the demo message has no HTML part")
    return str(part.get_content())


def _offline(route: Any) -> None:
    route.abort()  # nothing from the network: the same picture everywhere


def shoot(html: str, out: Path) -> None:
    """``html`` at WIDTH pixels, its whole height, as a PNG at ``out``."""
    if not CHROMIUM.exists():
        sys.exit(f"screenshot: {CHROMIUM} is missing (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": WIDTH, "height": 800})
        page.route("**/*", _offline)
        page.set_content(html, wait_until="load")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
        browser.close()


ARCHIVE_OUT = REPO / "docs" / "img" / "archive.png"
# A window a site's page gets on a laptop: the frame shows the mail's top.
ARCHIVE_WIDTH, ARCHIVE_HEIGHT = 960, 900


def archive_site(folder: Path, port: int) -> Path:
    """The sample season in ``folder``, its next announcement sent to 127.0.0.1:``port``
    at the demo's clock, and its archive written: the archive's folder."""
    config = folder / "announce.toml"
    text = (REPO / "config.example.toml").read_text(encoding="utf-8")
    for key in ("events", "locations"):
        text = text.replace(f'{key} = "content/{key}"', f'{key} = "{REPO / "content" / key}"')
    config.write_text(text + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
                      'security = "none"\n', encoding="utf-8")
    for args in (["send", *DEMO[2:]], ["archive"]):
        # S603: announce's own commands, run by this interpreter's announce.
        proc = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "announce", *args, "--config", str(config)],
            cwd=folder, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.exit(f"screenshot: announce {args[0]} failed:\n{proc.stderr}")
    return folder / "static"


def shoot_archive(out: Path) -> None:
    """The sample announcement's page in the archive, as a visitor of the site sees it."""
    import functools
    import http.server
    import threading

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        sys.exit(f"screenshot: {CHROMIUM} is missing (make system-deps installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        smtp = Controller(Sink(), hostname="127.0.0.1", port=_free_port())
        smtp.start()
        try:
            published = archive_site(Path(tmp), smtp.port)
        finally:
            smtp.stop()

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """No request lines on stderr."""

        handler = functools.partial(Quiet, directory=str(published))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        page_url = (f"http://127.0.0.1:{server.server_address[1]}/announce/archive/2027/"
                    "2027-02-03-observability-with-opentelemetry/announcement/")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page(viewport={"width": ARCHIVE_WIDTH,
                                                  "height": ARCHIVE_HEIGHT})
                page.route("**/*", _local_only)
                page.goto(page_url, wait_until="load")
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out))
                browser.close()
        finally:
            server.shutdown()
            server.server_close()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _local_only(route: Any) -> None:
    from urllib.parse import urlsplit

    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def main(argv: list[str]) -> None:
    if argv[:1] == ["--archive"]:
        out = Path(argv[1]) if argv[1:] else ARCHIVE_OUT
        shoot_archive(out)
    else:
        out = Path(argv[0]) if argv else OUT
        shoot(demo_html(), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
