"""``announce preview``: a real server in a subprocess, driven by a real headless Chromium.

The browser is Debian's chromium (``make system-deps`` installs it), launched by
Playwright through ``executable_path``; Playwright's own browser download is never used.
Without it the browser tests skip, except in CI (``CI=true``), where they fail.
The browser may only talk to 127.0.0.1: every other request is aborted. The tests that
slow a part down on purpose run the same server in a thread of the test process.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import http.client
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from announce.cli import cli
from announce.config import load_settings
from announce.content import parse_datetime
from announce.ledger import read_sent
from announce.preview import (
    REQUEST_TIMEOUT,
    PreviewApp,
    PreviewServer,
    SpamChecker,
    check_html,
    fingerprint,
    is_loopback,
    parse_spamassassin,
    watched_paths,
)

from .chromium import IN_CI, local_only
from .conftest import EXAMPLE_CONFIG, REPO

DEMO_NOW = "2027-01-28T09:00"
OBSERVABILITY = "2027/2027-02-03-observability-with-opentelemetry"
POSTGRES = "2027/2027-04-07-postgres-internals"
# Long enough for a loaded two-core CI machine; the page polls every 0.4 s.
RELOAD_TIMEOUT_MS = 8000


# --- the server ----------------------------------------------------------------------------

class Preview:
    """``announce preview --port 0`` in a subprocess; its first stdout line gives the URL."""

    def __init__(self, config: Path, *args: str) -> None:
        self.stderr_path = config.parent / "preview.stderr"
        self._stderr = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from announce.cli import main; main()", "preview",
             "--no-open", "--port", "0", "--config", str(config), "--now", DEMO_NOW, *args],
            stdout=subprocess.PIPE, stderr=self._stderr, cwd=config.parent,
            # A shell that runs the tests in the background hands its children SIGINT
            # ignored, and Python keeps that: give the preview Ctrl-C back, as a terminal would.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        self.first_line = self.process.stdout.readline().decode() if ready else ""
        match = re.fullmatch(r"Preview at (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C to stop\)\n",
                             self.first_line)
        if match is None:
            self.process.kill()
            raise AssertionError(f"no URL on stdout: {self.first_line!r}; "
                                 f"stderr: {self.stderr_path.read_text()}")
        self.url = match[1]
        self.port = int(match[2])

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a user would; the exit code and everything on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        assert self.process.stdout is not None
        self.process.stdout.close()
        self._stderr.close()
        return self.process.returncode, self.stderr_path.read_text()

    def get(self, path: str, *, method: str = "GET",
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """A raw request: http.client sends the path as it is, ``../`` and all."""
        return get(self.port, path, method=method, headers=headers)


def get(port: int, path: str, *, method: str = "GET", headers: dict[str, str] | None = None,
        timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """One request on its own connection; raises if it is not answered within ``timeout``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def in_process(config: Path, *,
               request_timeout: float = REQUEST_TIMEOUT) -> Iterator[PreviewServer]:
    """The preview's server in a thread of this process (so a test can slow its parts)."""
    settings = load_settings(config)
    app = PreviewApp(settings, now=parse_datetime(DEMO_NOW, settings.site.tz),
                     sent_records=lambda s: read_sent(s.ledger.path))
    server = PreviewServer(("127.0.0.1", 0), app, request_timeout=request_timeout)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        app.spam.close()
        thread.join(10)


def make_site(folder: Path) -> Path:
    """The sample season in a folder of its own: content/ and the example config."""
    shutil.copytree(REPO / "content", folder / "content")
    config = folder / "announce.toml"
    shutil.copy(EXAMPLE_CONFIG, config)
    return config


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[Preview]:
    preview = Preview(site)
    yield preview
    code, stderr = preview.stop()
    assert code == 0, stderr
    # Resets, silent and half-sent clients are routine, not tracebacks.
    assert "Traceback" not in stderr
    # Read-only: looking at every page did not create the ledger (nor anything else).
    assert not (site.parent / ".announce").exists()
    assert not (site.parent / "outbox").exists()


@pytest.fixture
def live_site(tmp_path: Path) -> Iterator[tuple[Path, Preview]]:
    """A site of its own, to be edited while its preview is open."""
    config = make_site(tmp_path / "site")
    preview = Preview(config)
    yield config.parent, preview
    code, stderr = preview.stop()
    assert code == 0, stderr
    assert "Traceback" not in stderr


# --- the browser ---------------------------------------------------------------------------

@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 900) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.route("**/*", local_only)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def email_body(page: Any) -> Any:
    """The email's body inside the sandboxed iframe; waits for it, across reloads."""
    return page.frame_locator("iframe#email").locator("body")


def email_frame(page: Any) -> Any:
    """The frame of the sandboxed iframe that shows the email's HTML."""
    page.wait_for_load_state("load")
    frame = page.frame(url=re.compile(r"/email/"))
    assert frame is not None
    return frame


def message_url(server: Preview, kind: str, event_id: str, **query: str) -> str:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return f"{server.url}message/{kind}/{event_id}" + (f"?{params}" if params else "")


# --- pages ---------------------------------------------------------------------------------

def test_index_lists_the_upcoming_sample_talks(server: Preview, new_page: Any) -> None:
    from playwright.sync_api import expect

    page = new_page()
    response = page.goto(server.url)
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    rows = page.locator("tr.event")
    expect(rows).to_have_count(5)
    for title in ("Observability with OpenTelemetry", "Postgres Internals for the Curious",
                  "Rust on Microcontrollers", "Mad Science Fair"):
        expect(page.locator("tr.event", has_text=title)).to_be_visible()
    observability = page.locator(f'tr[data-event-id="{OBSERVABILITY}"]')
    expect(observability.locator("td.due")).to_have_text("announcement")
    expect(observability.locator("td.sent")).to_have_text("nothing")
    cancelled = page.locator("tr.event", has_text="Home Automation")
    expect(cancelled).to_contain_text("cancelled")
    expect(cancelled.locator("td.due")).to_have_text("never announced: nothing to send")
    expect(page.locator("#next")).to_contain_text("would send the announcement")
    # Past events only with the toggle.
    expect(page.get_by_text("Reproducible Builds with Nix")).to_have_count(0)
    page.click("#toggle-all")
    expect(page.locator("tr.event", has_text="Reproducible Builds with Nix")).to_be_visible()
    expect(rows).to_have_count(7)


def test_as_of_date_shows_what_would_be_due_that_day(server: Preview, new_page: Any) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.goto(server.url)
    page.fill("#asof", "2027-03-30T09:00")
    page.click("form.asof button")
    expect(page.locator("#next")).to_contain_text("Postgres Internals for the Curious")
    expect(page.locator(f'tr[data-event-id="{POSTGRES}"] td.due')).to_have_text("announcement")
    # The chosen day sticks to the links.
    page.click(f'tr[data-event-id="{POSTGRES}"] a:text("announcement")')
    expect(page.locator(".meta")).to_contain_text("due now")
    assert "now=2027-03-30T09%3A00" in page.url


def test_html_tab_shows_the_talk_in_a_sandboxed_iframe(
        server: Preview, new_page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    page = new_page()
    page.goto(server.url)
    page.click(f'tr[data-event-id="{OBSERVABILITY}"] a:text("announcement")')
    expect(page.locator("h1.subject")).to_have_text(
        "River City Open Tech: Observability with OpenTelemetry (Wed, Feb 3)")
    iframe = page.locator("iframe#email")
    sandbox = iframe.get_attribute("sandbox")
    assert sandbox is not None
    assert "allow-scripts" not in sandbox
    assert "allow-same-origin" not in sandbox
    body = email_body(page)
    expect(body).to_contain_text("Observability with OpenTelemetry")
    expect(body).to_contain_text("Priya Raman is a site reliability engineer")
    for width, pixels in (("desktop", 640), ("mobile", 375)):
        page.click(f"#width-{width}")
        expect(page.locator(f"#width-{width}")).to_have_attribute("aria-current", "page")
        # The new page's stylesheet may still be on its way: the frame gets its width then.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(
                "w => Math.round(document.querySelector('iframe#email')"
                ".getBoundingClientRect().width) === w", arg=pixels, timeout=5000)
        box = page.locator("iframe#email").bounding_box()
        assert box is not None
        assert round(box["width"]) == pixels
        expect(email_body(page)).to_contain_text("Priya Raman")
        shot = tmp_path / f"message-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.read_bytes().startswith(b"\x89PNG")


def test_mobile_width_has_no_horizontal_scroll(server: Preview, new_page: Any) -> None:
    page = new_page(width=375, height=812)
    page.goto(message_url(server, "announcement", OBSERVABILITY, w="mobile"))
    no_scroll = ("() => document.scrollingElement.scrollWidth"
                 " <= document.scrollingElement.clientWidth")
    assert page.evaluate(no_scroll), "the preview page scrolls sideways at 375 px"
    frame = email_frame(page)
    assert frame.evaluate("() => document.scrollingElement.clientWidth") >= 340
    assert frame.evaluate(no_scroll), "the email scrolls sideways at 375 px"
    for tab in ("text", "headers", "source", "ics"):
        page.goto(message_url(server, "announcement", OBSERVABILITY, tab=tab))
        assert page.evaluate(no_scroll), f"the {tab} tab scrolls sideways at 375 px"


def test_text_headers_source_and_ics_tabs(server: Preview, new_page: Any) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.goto(message_url(server, "announcement", OBSERVABILITY))
    page.click("#tab-text")
    expect(page.locator("#text")).to_contain_text("Observability with OpenTelemetry")
    expect(page.locator("#text")).to_contain_text("Priya Raman is a site reliability engineer")
    page.click("#tab-headers")
    headers = page.locator("#headers")
    for name, value in (
        ("subject", "River City Open Tech: Observability with OpenTelemetry (Wed, Feb 3)"),
        ("from", "River City Open Tech <announce@example.org>"),
        ("to", "members@example.org"),
        ("reply-to", "organizers@example.org"),
        ("date", "Thu, 28 Jan 2027 09:00:00 -0500"),
        ("list-unsubscribe", "<mailto:leave@example.org?subject=unsubscribe>, "
                             "<https://example.org/unsubscribe>"),
    ):
        expect(headers.locator(f'tr[data-header="{name}"] td')).to_have_text(value)
    expect(page.locator(".parts")).to_contain_text("text/calendar")
    page.click("#tab-ics")
    expect(page.locator("#ics")).to_contain_text("BEGIN:VCALENDAR")
    page.click("#tab-source")
    expect(page.locator("#source")).to_contain_text("Content-Type: multipart/mixed")
    with page.expect_download() as download_info:
        page.click("#download-eml")
    download = download_info.value
    assert download.suggested_filename.endswith("-announcement.eml")
    message = email.message_from_bytes(Path(download.path()).read_bytes(),
                                       policy=email.policy.default)
    assert message["Subject"] == (
        "River City Open Tech: Observability with OpenTelemetry (Wed, Feb 3)")


def test_checks_beside_the_message(server: Preview, new_page: Any) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.goto(message_url(server, "announcement", OBSERVABILITY))
    expect(page.locator("#check-size")).to_contain_text("of 102 KB")
    expect(page.locator("#check-size")).to_have_class(re.compile(r"\bok\b"))
    expect(page.locator("#check-urls")).to_contain_text("none")
    expect(page.locator("#check-alt")).to_contain_text("none")
    if shutil.which("spamassassin") is None:
        if IN_CI:
            pytest.fail("spamassassin is missing (make system-deps installs it)")
        expect(page.locator("#spam")).to_contain_text("not installed")
        return
    # SpamAssassin runs in the background; the score replaces "scoring…" when it is in.
    expect(page.locator("#spam .spam-score")).to_have_text(re.compile(r"^-?\d+\.\d$"),
                                                           timeout=30_000)
    score = float(page.locator("#spam .spam-score").inner_text())
    assert score < 5.0, "the sample announcement looks like spam to SpamAssassin"


# --- safety --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/../pyproject.toml",
    "/../../../../etc/passwd",
    "/_static/../../pyproject.toml",
    "/_static/..%2f..%2fpyproject.toml",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/_static/%2e%2e/server.py",
    "/message/announcement/../../../../etc/passwd",
    "/email/announcement/..%2F..%2Fannouncement.toml",
    "/eml/announcement/%2e%2e%2f%2e%2e%2fannounce.toml",
    "/_static/..%5c..%5cpyproject.toml",
    "/content/events/2027/2027-02-03-observability-with-opentelemetry.md",
    "/announce.toml",
    "/_static/",
])
def test_only_its_own_routes_are_served(server: Preview, path: str) -> None:
    status, _, body = server.get(path)
    assert status == 404
    for secret in (b"[project]", b"root:", b"[site]", b"dtstart"):
        assert secret not in body


def test_headers_methods_and_host(server: Preview) -> None:
    status, headers, body = server.get("/")
    assert status == 200
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, body = server.get(f"/email/announcement/{OBSERVABILITY}")
    assert status == 200
    assert b"Observability with OpenTelemetry" in body
    csp = headers["Content-Security-Policy"]
    assert csp.startswith("sandbox")
    assert "allow-scripts" not in csp
    assert "script-src" not in csp
    # Read-only.
    assert server.get("/", method="POST")[0] == 405
    # Another site's page cannot reach the preview through DNS rebinding.
    assert server.get("/", headers={"Host": "attacker.example:80"})[0] == 421
    # An unknown event or kind is a 404, not an error page.
    assert server.get("/message/announcement/2027/no-such-talk")[0] == 404
    assert server.get(f"/message/newsletter/{OBSERVABILITY}")[0] == 404


def test_content_is_escaped(tmp_path: Path, new_page: Any) -> None:
    config = make_site(tmp_path / "site")
    talk = config.parent / "content" / "events" / "2027" / "2027-05-05-rust-on-microcontrollers.md"
    text = talk.read_text(encoding="utf-8")
    talk.write_text(re.sub(r"(?m)^title: .*$",
                           'title: "<script>window.pwned=1</script><b>Rust</b>"', text, count=1),
                    encoding="utf-8")
    preview = Preview(config)
    try:
        _, _, body = preview.get("/?all=1")
        assert b"<script>window.pwned" not in body
        assert b"&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;b&gt;Rust&lt;/b&gt;" in body
        page = new_page()
        page.goto(preview.url)
        assert page.evaluate("() => window.pwned") is None
    finally:
        assert preview.stop()[0] == 0


# --- live reload ---------------------------------------------------------------------------

def test_editing_a_title_refreshes_the_open_page(
        live_site: tuple[Path, Preview], new_page: Any) -> None:
    from playwright.sync_api import expect

    folder, preview = live_site
    page = new_page()
    page.goto(message_url(preview, "announcement", OBSERVABILITY))
    expect(email_body(page)).to_contain_text("Observability with OpenTelemetry")
    talk = folder / "content" / "events" / f"{OBSERVABILITY}.md"
    talk.write_text(talk.read_text(encoding="utf-8").replace(
        "title: Observability with OpenTelemetry", "title: Tracing Everything"),
        encoding="utf-8")
    # No page.reload(): the page notices by itself.
    expect(page.locator("h1.subject")).to_contain_text("Tracing Everything",
                                                       timeout=RELOAD_TIMEOUT_MS)
    expect(email_body(page)).to_contain_text("Tracing Everything")


def test_broken_file_shows_its_error_and_other_pages_work(
        live_site: tuple[Path, Preview], new_page: Any) -> None:
    from playwright.sync_api import expect

    folder, preview = live_site
    index, message = new_page(), new_page()
    index.goto(preview.url)
    message.goto(message_url(preview, "announcement", OBSERVABILITY))
    expect(index.locator("#problems")).to_have_count(0)
    talk = folder / "content" / "events" / f"{OBSERVABILITY}.md"
    good = talk.read_text(encoding="utf-8")
    talk.write_text(good.replace("dtstart: 2027-02-03 18:00:00 -0500",
                                 "dtstart: 2027-02-30 18:00"), encoding="utf-8")

    problem = "2027-02-03-observability-with-opentelemetry.md:3: dtstart"
    expect(index.locator("#problems")).to_contain_text(problem, timeout=RELOAD_TIMEOUT_MS)
    expect(index.locator("#problems")).to_contain_text("2027-02 has 28 days")
    expect(index.locator("tr.event", has_text="Postgres Internals")).to_be_visible()
    expect(message.locator("#problems")).to_contain_text(problem, timeout=RELOAD_TIMEOUT_MS)
    # The other talks still render.
    other = new_page()
    other.goto(message_url(preview, "announcement", POSTGRES))
    expect(email_body(other)).to_contain_text(
        "Postgres Internals for the Curious")

    # A broken template: the message page says which file and line.
    templates = folder / "email-templates"
    templates.mkdir()
    (templates / "announcement.html").write_text(
        '{% extends "packaged/announcement.html" %}\n{% block nope %}{{ oops( }}{% endblock %}\n',
        encoding="utf-8")
    config = folder / "announce.toml"
    config_text = config.read_text(encoding="utf-8")
    config.write_text(config_text.replace('# path = "email-templates"',
                                          'path = "email-templates"'), encoding="utf-8")
    expect(other.locator("#render-error")).to_contain_text("announcement.html:2",
                                                           timeout=RELOAD_TIMEOUT_MS)
    expect(index.locator("tr.event", has_text="Postgres Internals")).to_be_visible()

    # A broken config: every page says so, and the server keeps running.
    config.write_text(config_text.replace("[schedule]", "[schedule"), encoding="utf-8")
    expect(index.locator(".error")).to_contain_text("not valid TOML", timeout=RELOAD_TIMEOUT_MS)

    # Everything fixed: the pages come back by themselves.
    config.write_text(config_text, encoding="utf-8")
    talk.write_text(good, encoding="utf-8")
    expect(message.locator("h1.subject")).to_contain_text("Observability with OpenTelemetry",
                                                          timeout=RELOAD_TIMEOUT_MS)
    expect(email_body(other)).to_contain_text(
        "Postgres Internals for the Curious", timeout=RELOAD_TIMEOUT_MS)
    expect(index.locator("#problems")).to_have_count(0)


def test_an_open_page_still_reloads_after_the_idle_timeout(
        tmp_path: Path, new_page: Any) -> None:
    # Live reload polls with short requests: the timeout for silent clients never meets it.
    from playwright.sync_api import expect

    config = make_site(tmp_path / "site")
    with in_process(config, request_timeout=1.0) as preview:
        page = new_page()
        page.goto(f"{preview.url}message/announcement/{OBSERVABILITY}")
        expect(page.locator("#live")).to_have_text("live")
        page.wait_for_timeout(3000)  # three idle timeouts
        talk = config.parent / "content" / "events" / f"{OBSERVABILITY}.md"
        talk.write_text(talk.read_text(encoding="utf-8").replace(
            "title: Observability with OpenTelemetry", "title: Tracing Everything"),
            encoding="utf-8")
        expect(page.locator("h1.subject")).to_contain_text("Tracing Everything",
                                                           timeout=RELOAD_TIMEOUT_MS)
        expect(page.locator("#live")).to_have_text("live")


# --- under load ----------------------------------------------------------------------------

def test_200_requests_at_once_are_all_answered_alike(server: Preview) -> None:
    eml = f"/eml/announcement/{OBSERVABILITY}"
    _, _, expected = server.get(eml)
    paths = [eml if n % 2 else "/_version" for n in range(200)]
    barrier = threading.Barrier(len(paths))

    def one(path: str) -> tuple[str, int | str, bytes]:
        barrier.wait()  # every connection opened at the same moment
        try:
            status, _, body = get(server.port, path, timeout=120)
        except OSError as exc:  # a reset, a refused connection, no answer
            return path, repr(exc), b""
        return path, status, body

    with ThreadPoolExecutor(len(paths)) as pool:
        results = list(pool.map(one, paths))
    assert [status for _, status, _ in results] == [200] * len(paths)
    # Renders of one message at the same time do not mix: the bytes of a lone request.
    assert {body for path, _, body in results if path == eml} == {expected}
    assert len({body for path, _, body in results if path == "/_version"}) == 1


def test_silent_clients_do_not_hold_up_a_page(server: Preview) -> None:
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(10)]
    half = socket.create_connection(("127.0.0.1", server.port))
    half.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line: never ends
    try:
        status, _, body = get(server.port, "/", timeout=10)  # raises if not answered in 10 s
        assert status == 200
        assert b"Observability with OpenTelemetry" in body
    finally:
        for sock in [*idle, half]:
            sock.close()


def dropped_after(sock: socket.socket, patience: float = 60) -> tuple[float, bytes]:
    """Seconds until the server closes ``sock``, and what it sent before."""
    sock.settimeout(patience)
    start = time.monotonic()
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except ConnectionResetError:
        pass
    return time.monotonic() - start, received


def test_silent_and_half_sent_requests_are_dropped_after_the_timeout(server: Preview) -> None:
    with (socket.create_connection(("127.0.0.1", server.port)) as half,
          socket.create_connection(("127.0.0.1", server.port)) as idle):
        half.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/h")
        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(dropped_after, [half, idle]))
    for seconds, received in outcomes:
        # Not at once (it is the timeout, not a refusal) and not never; no answer.
        assert REQUEST_TIMEOUT / 2 <= seconds < 60
        assert received == b""
    assert server.get("/")[0] == 200


def test_a_client_that_trickles_its_request_is_dropped_after_the_total_time(
        tmp_path: Path) -> None:
    # A byte every 0.2 s: no single read ever waits the 1 s timeout, the request does.
    with (in_process(make_site(tmp_path / "site"), request_timeout=1.0) as preview,
          socket.create_connection(("127.0.0.1", preview.server_address[1])) as trickle):
        start = time.monotonic()
        dropped_at = None
        for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 40:
            try:
                trickle.sendall(bytes([byte]))
                time.sleep(0.2)
            except OSError:  # the server shut the connection
                dropped_at = time.monotonic() - start
                break
        else:
            trickle.settimeout(5)
            with contextlib.suppress(ConnectionResetError):
                assert trickle.recv(4096) == b""  # closed, no answer
            dropped_at = time.monotonic() - start
        assert dropped_at is not None
        assert dropped_at < 3.0, dropped_at  # 1 s in all, not 1 s per read (that was 9 s)
        assert get(preview.server_address[1], "/")[0] == 200


def test_a_slow_render_does_not_hold_up_the_other_pages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import announce.render

    render_event = announce.render.render_event
    rendering, release = threading.Event(), threading.Event()

    def slow(settings: Any, catalog: Any, event: Any, kind: str, now: Any,
             **options: Any) -> Any:
        if event.id == POSTGRES:  # a talk that takes forever to render
            rendering.set()
            release.wait(60)
        return render_event(settings, catalog, event, kind, now, **options)

    monkeypatch.setattr(announce.render, "render_event", slow)
    with in_process(make_site(tmp_path / "site")) as preview, ThreadPoolExecutor(1) as pool:
        port = preview.server_address[1]
        stuck = pool.submit(get, port, f"/message/announcement/{POSTGRES}", timeout=60)
        try:
            assert rendering.wait(10)
            # The index, the live-reload poll and the page's assets answer meanwhile.
            status, _, body = get(port, "/")
            assert (status, b"Postgres Internals" in body) == (200, True)
            assert get(port, "/_version")[0] == 200
            assert get(port, "/_static/preview.js")[0] == 200
            assert not stuck.done()
        finally:
            release.set()
        status, _, body = stuck.result()
        assert (status, b"Postgres Internals" in body) == (200, True)
        # Renders take turns (the CSS inliner is not thread-safe), then go on as before.
        assert get(port, f"/message/announcement/{OBSERVABILITY}")[0] == 200


def test_pages_are_answered_while_a_change_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from announce.sources.catalog import load_catalog

    reading, release = threading.Event(), threading.Event()

    def slow(settings: Any) -> Any:
        reading.set()
        release.wait(60)  # a file that takes forever to read
        return load_catalog(settings)

    config = make_site(tmp_path / "site")
    with in_process(config) as preview, ThreadPoolExecutor(1) as pool:
        port = preview.server_address[1]
        _, _, before = get(port, "/_version")
        monkeypatch.setattr("announce.preview.snapshot.load_catalog", slow)
        talk = config.parent / "content" / "events" / f"{OBSERVABILITY}.md"
        talk.write_text(talk.read_text(encoding="utf-8").replace(
            "title: Observability with OpenTelemetry", "title: Tracing Everything"),
            encoding="utf-8")
        first = pool.submit(get, port, "/_version", timeout=60)  # it reads the change
        try:
            assert reading.wait(10)
            # Meanwhile the pages and the poll answer from what was read before.
            assert get(port, "/_version")[2] == before
            status, _, body = get(port, "/")
            assert (status, b"Observability with OpenTelemetry" in body) == (200, True)
        finally:
            release.set()
        after = first.result()[2]
        assert after != before
        assert get(port, "/_version")[2] == after
        assert b"Tracing Everything" in get(port, "/")[2]


# --- with the ledger -----------------------------------------------------------------------

def test_shows_what_send_sent_and_the_same_bytes(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    folder = config.parent
    sent = subprocess.run(
        [sys.executable, "-c", "from announce.cli import main; main()", "send", "--next",
         "--config", str(config), "--now", "2027-01-25T09:00"],
        capture_output=True, text=True, timeout=60, cwd=folder,
    )
    assert sent.returncode == 0, sent.stderr
    ledger = folder / ".announce" / "ledger.sqlite3"
    ledger_before = ledger.read_bytes()
    (written,) = (folder / "outbox" / "new").iterdir()

    preview = Preview(config)
    try:
        _, _, index = preview.get("/")
        row = index.decode().split(f'data-event-id="{OBSERVABILITY}"', 1)[1].split("</tr>")[0]
        assert "announcement: Mon 2027-01-25 09:00 EST" in row
        assert "next from Mon 2027-02-01 18:00 EST" in row  # the reminder
        # The .eml of that day is the message send wrote (the Maildir stores LF line ends).
        status, _, eml = preview.get(
            f"/eml/announcement/{OBSERVABILITY}?now=2027-01-25T09%3A00")
        assert status == 200
        assert eml.replace(b"\r\n", b"\n") == written.read_bytes()
    finally:
        assert preview.stop()[0] == 0
    assert ledger.read_bytes() == ledger_before


def test_a_moved_talk_shows_what_changed_and_its_update(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    sent = CliRunner().invoke(cli, ["send", "--next", "--config", str(config),
                                    "--now", "2027-01-25T09:00"])
    assert sent.exit_code == 0, sent.output
    talk = config.parent / "content" / "events" / f"{OBSERVABILITY}.md"
    talk.write_text(talk.read_text(encoding="utf-8").replace(
        "dtstart: 2027-02-03 18:00:00 -0500", "dtstart: 2027-02-03 18:30:00 -0500"),
        encoding="utf-8")
    with in_process(config) as preview:
        port = preview.server_address[1]
        _, _, index = get(port, "/")
        row = index.decode().split(f'data-event-id="{OBSERVABILITY}"', 1)[1].split("</tr>")[0]
        assert "changed since the announcement: start 18:00 → 18:30" in row
        assert f"/message/update/{OBSERVABILITY}" in row
        status, _, html = get(port, f"/email/update/{OBSERVABILITY}")  # the message's HTML
        assert status == 200
        assert "6:00 PM</del>" in html.decode()


# --- the process ---------------------------------------------------------------------------

def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    preview = Preview(make_site(tmp_path / "site"))
    assert preview.get("/")[0] == 200
    code, stderr = preview.stop()
    assert code == 0
    assert "Traceback" not in stderr
    assert "KeyboardInterrupt" not in stderr


def test_busy_port_is_an_error_without_traceback(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    preview = Preview(config)
    try:
        result = subprocess.run(
            [sys.executable, "-c", "from announce.cli import main; main()", "preview",
             "--no-open", "--port", str(preview.port), "--config", str(config)],
            capture_output=True, text=True, timeout=30,
        )
    finally:
        preview.stop()
    assert result.returncode == 1
    assert result.stderr.startswith(f"announce: error: 127.0.0.1:{preview.port}: cannot listen")
    assert "Traceback" not in result.stderr


# --- the parts -----------------------------------------------------------------------------

def test_check_html_finds_relative_urls_and_images_without_alt() -> None:
    checks = check_html(
        '<a href="/talks/x.html">x</a><a href="#top">top</a><a href="mailto:a@b.org">m</a>'
        '<img src="https://example.org/a.png" alt=""><img src="logo.png">'
        '<td background="bg.gif" style="background: url(\'/img/b.png\')"></td>'
    )
    assert [url for _, url in checks.relative_urls] == [
        "/talks/x.html", "logo.png", "bg.gif", "/img/b.png"]
    assert checks.images_without_alt == ("logo.png",)
    assert not checks.clipped
    assert check_html("x" * (102 * 1024 + 1)).clipped


def test_parse_spamassassin_output() -> None:
    output = (
        b"X-Spam-Checker-Version: SpamAssassin 4.0.1\n"
        b"X-Spam-Status: No, score=2.4 required=5.0 tests=HTML_MESSAGE,\n"
        b"\tMISSING_MID autolearn=disabled version=4.0.1\n"
        b"Subject: hi\n\n"
        b"Content analysis details:   (2.4 points, 5.0 required)\n\n"
        b" pts rule name              description\n"
        b"---- ---------------------- ------------------------------------------\n"
        b" 0.0 HTML_MESSAGE           BODY: HTML included in message\n"
        b" 2.4 MISSING_MID            Missing Message-Id: header, and a long\n"
        b"                            description\n"
    )
    result = parse_spamassassin(output)
    assert (result.state, result.score, result.required) == ("done", 2.4, 5.0)
    assert result.rules[1] == (2.4, "MISSING_MID",
                               "Missing Message-Id: header, and a long description")
    assert parse_spamassassin(b"Subject: x\n\nbody").state == "error"


def test_spam_cache_key_ignores_the_date() -> None:
    one = b"Date: Thu, 28 Jan 2027 09:00:00 -0500\r\nSubject: x\r\n\r\nbody"
    two = b"Date: Fri, 29 Jan 2027 10:00:00 -0500\r\nSubject: x\r\n\r\nbody"
    assert SpamChecker.key(one) == SpamChecker.key(two)
    assert SpamChecker.key(one) != SpamChecker.key(one.replace(b"body", b"other"))


def test_fingerprint_moves_with_edits_new_files_and_deletions(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("one")
    before = fingerprint([tmp_path])
    assert fingerprint([tmp_path]) == before
    (tmp_path / "a.md").write_text("one!")
    edited = fingerprint([tmp_path])
    assert edited != before
    (tmp_path / ".a.md.swp").write_text("editor state")
    assert fingerprint([tmp_path]) == edited
    (tmp_path / "b.md").write_text("two")
    added = fingerprint([tmp_path])
    assert added != edited
    (tmp_path / "b.md").unlink()
    assert fingerprint([tmp_path]) == edited
    assert fingerprint([tmp_path / "missing"]) != fingerprint([tmp_path])


def test_is_loopback() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.0.2.10", "10.0.0.1"):
        assert not is_loopback(host), host


def test_a_change_to_a_speaker_file_refreshes_the_open_page(tmp_path: Path) -> None:
    # Events name their speakers by id ([content.lookup]): a new bio changes the mail.
    (tmp_path / "content" / "events").mkdir(parents=True)
    speakers = tmp_path / "content" / "speakers"
    speakers.mkdir()
    (speakers / "ann.md").write_text("---\ntitle: Ann\n---\nShe talks.\n", encoding="utf-8")
    config = tmp_path / "announce.toml"
    config.write_text('[content.lookup]\nspeakers = "content/speakers"\n', encoding="utf-8")
    paths = watched_paths(load_settings(config))
    assert speakers in paths
    before = fingerprint(paths)
    (speakers / "ann.md").write_text("---\ntitle: Ann\n---\nShe talks a lot.\n",
                                     encoding="utf-8")
    assert fingerprint(paths) != before
