"""`announce archive`: a page for each message that went out, from the ledger's copies.

Messages go out for real, to aiosmtpd on 127.0.0.1, and the archive is held to what the
server received and to what `announce history` says went out: every message that reached
people and nothing else (no dry run, no rendering, nothing the outbox only wrote), each
part as sent, and no address anywhere in it.
"""

from __future__ import annotations

import functools
import http.server
import json
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from announce.cli import cli
from announce.delivery import pool

from .conftest import REPO
from .smtpd import Server

EVENT = "2027/2027-02-03-observability-with-opentelemetry"
REMINDER = "River City Open Tech reminder: Observability with OpenTelemetry is tomorrow"
ANNOUNCEMENT = "River City Open Tech: Observability with OpenTelemetry (Wed, Feb 3)"
SUBSCRIBERS = ["ada@example.org", "bob@example.org", "cy@example.org"]
ARCHIVE = Path("static/announce/archive")


@pytest.fixture(autouse=True)
def in_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample season, sent to three subscribers; a folder of no known generator, so the
    feeds and the archive go into static/announce/."""
    monkeypatch.chdir(tmp_path)
    for name in ("ANNOUNCE_CONFIG", "ANNOUNCE_NOW", "GITHUB_ACTIONS", "ANNOUNCE_LEDGER_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(pool, "BACKOFF_BASE_SECONDS", 0.01)
    Path("subscribers.csv").write_text(
        "email,name\n" + "".join(f"{a},{a.split('@')[0].title()}\n" for a in SUBSCRIBERS),
        encoding="utf-8")
    write_config()
    return tmp_path


def write_config(server: Server | None = None, extra: str = "") -> None:
    smtp = (f'[smtp]\nhost = "{server.host}"\nport = {server.port}\nsecurity = "none"\n'
            "max_attempts = 1\n") if server else ""
    Path("announce.toml").write_text(f"""
[site]
name = "River City Open Tech"
url = "https://example.org"
timezone = "America/New_York"
permalink = "/events/:year/:month/:title"

[content]
events = "{REPO / 'content' / 'events'}"
locations = "{REPO / 'content' / 'locations'}"
types = ["meeting", "lunch"]

[mail]
from = "River City Open Tech <announce@example.org>"
recipients = "subscribers.csv"
unsubscribe = ["https://example.org/unsubscribe"]
{extra}
{smtp}""", encoding="utf-8")


def announce(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def files() -> dict[str, bytes]:
    return {p.relative_to(ARCHIVE).as_posix(): p.read_bytes()
            for p in sorted(ARCHIVE.rglob("*")) if p.is_file()}


def test_the_archive_has_what_reached_people_as_it_was_sent_and_no_address(
        smtp_server: Server) -> None:
    # The announcement only into the outbox (nobody got it), then the server.
    announce("send", "--next", "--now", "2027-01-28T09:00")
    write_config(smtp_server)
    smtp_server.handler.rcpt_faults["bob@example.org"] = ["550 5.1.1 no such user"]
    announce("send", "--next", "--now", "2027-02-02T09:00", code=3)  # 2 of 3 got it
    # Rendered, never sent: a dry run and a rendering keep nothing.
    announce("send", "--next", "--dry-run", "--now", "2027-02-20T09:00")
    announce("render", "--next", "--now", "2027-02-20T09:00", "-o", "next.eml")

    result = announce("archive")
    assert result.stdout == ("Wrote the archive into static/announce/archive: 1 message, "
                             "4 files changed.\n")
    page = "2027/2027-02-03-observability-with-opentelemetry/reminder"
    assert sorted(files()) == sorted(["index.html", f"{page}/index.html",
                                      f"{page}/mail.html", f"{page}/mail.txt"])
    # Exactly what the ledger says reached people through a transport that delivers.
    history = announce("history", "--json").stdout
    went_out = [(e["event"], e["kind"]) for e in json.loads(history)
                if e["sent"] and e["transports"] != ["outbox"]]
    assert went_out == [(EVENT, "reminder")]

    # Each part as the server received it.
    assert len(smtp_server.handler.messages) == 2  # ada and cy; bob was refused
    message = smtp_server.handler.messages[0].message()
    html = message.get_body(preferencelist=("html",))
    text = message.get_body(preferencelist=("plain",))
    assert html is not None
    assert text is not None
    archived = files()
    # (On the wire, SMTP's CRLF ends each line; the files end them as files do.)
    assert archived[f"{page}/mail.html"].decode() == html.get_content().replace("\r\n", "\n")
    assert archived[f"{page}/mail.txt"].decode() == text.get_content().replace("\r\n", "\n")
    index = archived["index.html"].decode()
    assert "<title>River City Open Tech: Past announcements</title>" in index
    assert f'<a href="{page}/">{REMINDER}</a>' in index
    assert ANNOUNCEMENT not in index  # only the outbox had it
    shown = archived[f"{page}/index.html"].decode()
    assert f"<h1>{REMINDER}</h1>" in shown
    assert "Sent on Tuesday, February 2, 2027" in shown
    assert '<a href="../../../index.html">Past announcements</a>' in shown
    # Not a recipient, nor their copy's addressing, anywhere.
    everything = b"".join(archived.values()).decode()
    for address in SUBSCRIBERS:
        assert address not in everything
    assert message["Message-ID"] not in everything
    assert "To:" not in everything


def test_a_rerun_with_nothing_new_rewrites_nothing(smtp_server: Server) -> None:
    write_config(smtp_server)
    announce("send", "--next", "--now", "2027-01-28T09:00")
    announce("archive")
    before = {p: p.stat().st_mtime_ns for p in ARCHIVE.rglob("*") if p.is_file()}
    assert announce("archive").stdout.endswith(": 1 message, 0 files changed.\n")
    assert {p: p.stat().st_mtime_ns for p in ARCHIVE.rglob("*") if p.is_file()} == before

    announce("send", "--next", "--now", "2027-02-02T09:00")  # the reminder: a new page
    assert announce("archive").stdout.endswith(": 2 messages, 4 files changed.\n")
    index = (ARCHIVE / "index.html").read_text(encoding="utf-8")
    assert index.index(REMINDER) < index.index(ANNOUNCEMENT)  # the newest first


def test_nothing_sent_yet_is_an_index_that_says_so() -> None:
    result = announce("archive", "--output", "public/news")
    assert result.stdout == "Wrote the archive into public/news: 0 messages, 1 file changed.\n"
    assert "Nothing was sent yet." in Path("public/news/index.html").read_text(encoding="utf-8")


def test_messages_sent_before_copies_were_kept_are_counted(smtp_server: Server) -> None:
    write_config(smtp_server)
    announce("send", "--next", "--now", "2027-01-28T09:00")
    with sqlite3.connect(".announce/ledger.sqlite3") as conn:  # as announce 0.2 left it
        conn.executescript("DROP TABLE copies; PRAGMA user_version = 5;")
    conn.close()
    result = CliRunner().invoke(cli, ["archive"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.endswith(": 0 messages, 1 file changed.\n")
    assert ("announce: warning: 1 message went out before announce kept a copy of what it "
            "sent (a ledger of announce 0.2): not in the archive") in result.stderr


def test_the_pages_speak_the_groups_language(smtp_server: Server) -> None:
    write_config(smtp_server)
    config = Path("announce.toml")
    config.write_text(config.read_text(encoding="utf-8").replace(
        'timezone = "America/New_York"', 'timezone = "America/New_York"\nlanguage = "fr"'),
        encoding="utf-8")
    announce("send", "--next", "--now", "2027-01-28T09:00")
    announce("archive")
    index = (ARCHIVE / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in index
    assert "<title>River City Open Tech: Annonces passées</title>" in index
    assert "Envoyé le jeudi 28 janvier 2027" in index


def test_the_sites_layout_wraps_the_pages_as_a_front_matter_page(smtp_server: Server) -> None:
    # Jekyll wraps a page with front matter in the site's layout; Liquid must not read
    # the mail's text, hence raw.
    Path("theme").mkdir()
    Path("theme/archive.html").write_text(
        "---\nlayout: default\ntitle: {{ title | tojson }}\n---\n"
        "{{ '{% raw %}' }}{% block content %}{% endblock %}{{ '{% endraw %}' }}\n",
        encoding="utf-8")
    write_config(smtp_server, '[templates]\npath = "theme"\n')
    announce("send", "--next", "--now", "2027-01-28T09:00")
    announce("archive")
    page = (ARCHIVE / "2027/2027-02-03-observability-with-opentelemetry/announcement"
            / "index.html").read_text(encoding="utf-8")
    _, front, body = page.split("---\n", 2)
    assert yaml.safe_load(front) == {"layout": "default", "title": ANNOUNCEMENT}
    assert body.startswith("{% raw %}")
    assert body.rstrip().endswith("{% endraw %}")
    assert '<iframe class="announce-mail" src="mail.html"' in body
    assert "<html" not in body  # the site's layout gives the page its head


def test_a_layout_can_change_one_block_of_the_packaged_one(smtp_server: Server) -> None:
    Path("theme").mkdir()
    Path("theme/archive.html").write_text(
        '{% extends "packaged/archive.html" %}'
        '{% block head %}<link rel="stylesheet" href="/css/site.css">{% endblock %}',
        encoding="utf-8")
    write_config(smtp_server, '[templates]\npath = "theme"\n')
    announce("send", "--next", "--now", "2027-01-28T09:00")
    announce("archive")
    index = (ARCHIVE / "index.html").read_text(encoding="utf-8")
    assert '<link rel="stylesheet" href="/css/site.css">' in index
    assert ANNOUNCEMENT in index


def test_a_layout_runs_sandboxed_and_check_says_where_it_fails() -> None:
    Path("theme").mkdir()
    Path("theme/archive.html").write_text(
        "<html>\n{{ cycler.__init__.__globals__ }}\n{% block content %}{% endblock %}</html>\n",
        encoding="utf-8")
    write_config(extra='[templates]\npath = "theme"\n')
    result = CliRunner().invoke(cli, ["archive"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "theme/archive.html:2: '__init__' of" in result.stderr
    assert "off limits in a template" in result.stderr
    checked = CliRunner().invoke(cli, ["check", "--now", "2027-01-28T09:00"])
    assert checked.exit_code == 1
    assert "theme/archive.html:2: announce archive: '__init__' of" in checked.stdout


@pytest.fixture
def served(in_site: Path) -> Iterator[str]:
    """The published folder over HTTP on 127.0.0.1, as the site serves it."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(in_site / "static"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
def test_a_message_page_shows_the_whole_mail_in_a_browser(
        smtp_server: Server, served: str, browser: Any) -> None:
    from .chromium import local_only

    write_config(smtp_server)
    with ThreadPoolExecutor(1) as worker:  # this thread runs Playwright's event loop
        worker.submit(announce, "send", "--next", "--now", "2027-01-28T09:00").result()
    announce("archive")
    page = browser.new_page(viewport={"width": 800, "height": 600})
    try:
        page.route("**/*", local_only)
        page.goto(f"{served}/announce/archive/index.html")
        page.click(f"text={ANNOUNCEMENT}")
        page.wait_for_load_state("load")
        assert page.title() == ANNOUNCEMENT
        frame = page.frame_locator("iframe.announce-mail")
        assert "Observability with OpenTelemetry" in frame.locator("body").inner_text()
        # As tall as the mail: no scrolling inside the frame.
        heights = page.evaluate("""() => {
            const f = document.querySelector('iframe.announce-mail');
            return [f.getBoundingClientRect().height,
                    f.contentDocument.documentElement.scrollHeight];
        }""")
        assert heights[0] >= heights[1] > 600
        assert page.locator("details.announce-text summary").inner_text() == "Plain text"
    finally:
        page.close()


def test_the_ledgers_outbox_name_is_the_transports() -> None:
    from announce.delivery.outbox import NAME
    from announce.ledger.copies import OUTBOX

    assert OUTBOX == NAME  # a copy the outbox wrote is never in the archive
