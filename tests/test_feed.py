"""`announce feed`: the site's calendar (webcal), its Atom and JSON feeds, and the links to
subscribe, written where the site's generator publishes files as they are.

Each file is read back by readers announce does not use itself: icalendar and the strict
`ical` for the calendar, feedparser for Atom, json for the JSON Feed; the calendar's UID
and SEQUENCE are the ones of the mails members already have.
"""

from __future__ import annotations

import email
import json
import textwrap
from pathlib import Path
from typing import Any

import feedparser
import icalendar
import pytest
from click.testing import CliRunner, Result

from announce.cli import cli

from .conftest import REPO

NOW = "2027-03-01T09:00"


@pytest.fixture(autouse=True)
def in_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Hugo site in Berlin with three talks: one past, one to come, one cancelled."""
    monkeypatch.chdir(tmp_path)
    for name in ("ANNOUNCE_CONFIG", "ANNOUNCE_NOW", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    Path("hugo.toml").write_text('title = "Rust Berlin"\n', encoding="utf-8")
    Path("announce.toml").write_text(textwrap.dedent("""\
        [site]
        name = "Rust Berlin"
        url = "https://rust.example.org"
        timezone = "Europe/Berlin"
        permalink = "/events/:title/"

        [content]
        events = "content/events"

        [mail]
        from = "Rust Berlin <announce@rust.example.org>"
        to = "list@example.org"

        [outbox]
        path = "outbox"
        """), encoding="utf-8")
    talks = {
        "2027-02-20-past.md": ("Past talk", "2027-02-20 19:00", ""),
        "2027-03-10-async.md": ("Async Rust", "2027-03-10 19:00", ""),
        "2027-04-14-embedded.md": ("Embedded Rust", "2027-04-14 19:00", "cancelled: true\n"),
    }
    folder = Path("content/events")
    folder.mkdir(parents=True)
    for name, (title, start, extra) in talks.items():
        (folder / name).write_text(f"---\ntitle: {title}\ndate: {start}\nlocation: c-base\n"
                                   f"{extra}---\nA talk about **{title}**, with "
                                   "[slides](https://slides.example.org).\n", encoding="utf-8")
    return tmp_path


def announce(*args: str, now: str = NOW) -> Result:
    result = CliRunner().invoke(cli, [*args, "--now", now], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


FEEDS = Path("static/announce")


def events_of(data: bytes) -> dict[str, icalendar.cal.Component]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(item["SUMMARY"]): item for item in calendar.walk("VEVENT")}


def test_the_feeds_go_where_the_generator_publishes_and_the_links_are_printed() -> None:
    # Hugo publishes static/ as it is (made if missing), not content/ outside a bundle.
    result = announce("feed")
    assert result.stdout.startswith("Wrote 4 files into static/announce: 3 events in the "
                                    "calendar, 2 to come in the feeds.\n")
    assert ("  Subscribe (Apple Calendar, Thunderbird, any calendar app): "
            "webcal://rust.example.org/announce/events.ics\n") in result.stdout
    assert ("  Google Calendar: https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2F"
            "rust.example.org%2Fannounce%2Fevents.ics\n") in result.stdout
    assert sorted(p.name for p in FEEDS.iterdir()) == [
        "events.atom", "events.ics", "events.json", "subscribe.html"]


def test_the_calendar_has_each_event_with_the_mails_uid_and_sequence() -> None:
    announce("send", "--next", now="2027-03-01T09:00")  # the announcement of Async Rust
    talk = Path("content/events/2027-03-10-async.md")
    talk.write_text(talk.read_text(encoding="utf-8").replace("19:00", "19:30"),
                    encoding="utf-8")
    announce("send", "--next", now="2027-03-02T09:00")  # the update: SEQUENCE 1
    update = next(p for p in Path("outbox/new").iterdir()
                  if b"update" in p.read_bytes().split(b"\n\n", 1)[0].lower())
    [mailed] = [part for part in email.message_from_bytes(update.read_bytes()).walk()
                if part.get_content_type() == "text/calendar"]
    payload = mailed.get_payload(decode=True)
    assert isinstance(payload, bytes)
    mail_event = events_of(payload)["Async Rust"]

    announce("feed", now="2027-03-02T10:00")
    data = (FEEDS / "events.ics").read_bytes()
    items = events_of(data)
    assert sorted(items) == ["Async Rust", "Embedded Rust", "Past talk"]
    item = items["Async Rust"]
    assert (str(item["UID"]), item.decoded("SEQUENCE")) == (
        str(mail_event["UID"]), mail_event.decoded("SEQUENCE")) == (
        "2027-03-10-async@rust.example.org", 1)
    assert item.decoded("DTSTART").isoformat() == "2027-03-10T19:30:00+01:00"
    assert str(item["STATUS"]) == "CONFIRMED"
    assert str(items["Embedded Rust"]["STATUS"]) == "CANCELLED"
    assert str(item["URL"]) == "https://rust.example.org/events/async/"
    assert str(item["LOCATION"]) == "c-base"
    # The description is the mails' calendar's: prose, not Markdown.
    assert str(item["DESCRIPTION"]) == str(mail_event["DESCRIPTION"])
    assert str(item["DESCRIPTION"]).startswith("A talk about Async Rust, with slides")
    assert "ORGANIZER" in item
    # The strict reader (the ical package) reads it too.
    from ical.calendar_stream import IcsCalendarStream

    strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    assert len(strict.events) == 3


def test_the_atom_and_json_feeds_list_the_events_to_come() -> None:
    announce("feed")
    atom = feedparser.parse((FEEDS / "events.atom").read_bytes())
    assert not atom.bozo, atom.bozo_exception
    assert atom.feed.title == "Rust Berlin: events"
    assert [e.title for e in atom.entries] == ["Async Rust", "Embedded Rust"]
    assert atom.entries[0].link == "https://rust.example.org/events/async/"
    assert atom.entries[1].summary.endswith("(cancelled)")
    feed = json.loads((FEEDS / "events.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://rust.example.org/announce/events.json"
    assert [(i["title"], i["_announce"]["start"]) for i in feed["items"]] == [
        ("Async Rust", "2027-03-10T19:00:00+01:00"),
        ("Embedded Rust", "2027-04-14T19:00:00+02:00")]


def test_a_run_with_nothing_changed_rewrites_nothing() -> None:
    # A workflow that commits the feeds commits nothing on a quiet day.
    announce("feed")
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in FEEDS.iterdir()}
    announce("feed", now="2027-03-02T09:00")
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in FEEDS.iterdir()} == before


def test_an_event_unsure_of_its_start_is_left_out_and_said() -> None:
    Path("content/events/2027-05-12-tba.md").write_text(
        "---\ntitle: To be timed\ndate: 2027-05-12\nlocation: c-base\n---\nSoon.\n",
        encoding="utf-8")
    result = announce("feed")
    assert ("content/events/2027-05-12-tba.md: left out of the feeds: unsure of its start"
            in result.stderr)
    assert "To be timed" not in events_of((FEEDS / "events.ics").read_bytes())


def test_without_a_site_url_the_links_cannot_be_made_and_it_says_so() -> None:
    config = Path("announce.toml")
    config.write_text(config.read_text(encoding="utf-8").replace(
        'url = "https://rust.example.org"\n', ""), encoding="utf-8")
    result = announce("feed", "--output", "elsewhere")
    assert "[site] url is not set: the subscribe links need the site's address" in (
        result.stderr)
    assert (Path("elsewhere") / "events.ics").is_file()
    assert "Set [site] url in announce.toml" in (Path("elsewhere") / "subscribe.html").read_text(
        encoding="utf-8")


@pytest.mark.browser
def test_the_links_page_opens_in_a_browser(browser: Any) -> None:
    announce("feed")
    page = browser.new_page()
    try:
        page.goto((FEEDS / "subscribe.html").resolve().as_uri())
        assert page.title() == "Rust Berlin: subscribe to the events"
        links = page.locator("a").evaluate_all("(links) => links.map((a) => a.href)")
        texts = page.locator("a").all_inner_texts()
    finally:
        page.close()
    assert links[0] == "webcal://rust.example.org/announce/events.ics"
    assert texts[1] == "Google Calendar"
    assert links[2].startswith("https://outlook.live.com/calendar/0/addfromweb?url=https%3A")


@pytest.mark.parametrize(("config", "text", "folder"), [
    ("_config.yml", "title: Rust Berlin\nsource: site\n", "site/announce"),  # Jekyll's source
    ("mkdocs.yml", "site_name: Rust Berlin\ndocs_dir: pages\n", "pages/announce"),
    ("hugo.toml", 'title = "Rust Berlin"\nstaticDir = "assets/public"\n', "assets/public/announce"),
])
def test_the_feeds_go_into_the_folder_the_generators_config_names(
        config: str, text: str, folder: str) -> None:
    Path("hugo.toml").unlink()
    Path(config).write_text(text, encoding="utf-8")
    assert announce("feed").stdout.startswith(f"Wrote 4 files into {folder}: ")
    assert (Path(folder) / "events.ics").is_file()


def test_check_warns_when_the_feed_path_is_a_folder_the_site_does_not_publish() -> None:
    config = Path("announce.toml")
    config.write_text(config.read_text(encoding="utf-8") + '\n[feed]\npath = "calendar"\n',
                      encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--now", NOW])
    assert ("warning: announce.toml:18: [feed] path: announce feed and announce archive write "
            "here, but Hugo publishes the files of static/ as they are, and this is not in it: the "
            'site would not have them (e.g. path = "static/announce")') in result.stdout
    config.write_text(config.read_text(encoding="utf-8").replace(
        'path = "calendar"', 'path = "static/calendar"'), encoding="utf-8")
    assert "[feed] path" not in CliRunner().invoke(cli, ["check", "--now", NOW]).stdout


def test_an_eleventy_site_gets_them_in_its_input_folder_and_check_asks_to_copy_them() -> None:
    Path("hugo.toml").unlink()
    Path(".eleventy.js").write_text(
        'module.exports = function (config) {\n  return { dir: { input: "src" } };\n};\n',
        encoding="utf-8")
    assert announce("feed").stdout.startswith("Wrote 4 files into src/announce: ")
    checked = CliRunner().invoke(cli, ["check", "--now", NOW]).stdout
    assert ("[feed] path: Eleventy publishes src/announce/ (what announce feed and announce "
            "archive wrote) only when its config says so: add "
            'eleventyConfig.addPassthroughCopy("src/announce")') in checked
    Path(".eleventy.js").write_text(
        'module.exports = function (config) {\n  config.addPassthroughCopy("src/announce");\n'
        '  return { dir: { input: "src" } };\n};\n', encoding="utf-8")
    assert "Eleventy publishes" not in CliRunner().invoke(cli, ["check", "--now", NOW]).stdout


def test_check_asks_for_a_feed_path_where_the_workflow_publishes_and_none_is_known() -> None:
    Path("hugo.toml").unlink()
    Path("pelicanconf.py").write_text('SITENAME = "Rust Berlin"\n', encoding="utf-8")
    assert "[feed] path" not in CliRunner().invoke(cli, ["check", "--now", NOW]).stdout
    Path(".github/workflows").mkdir(parents=True)
    Path(".github/workflows/announce.yml").write_text(
        (REPO / "examples" / "github" / "announce.yml").read_text(encoding="utf-8"),
        encoding="utf-8")
    assert ("[feed] path: the GitHub workflow publishes the site's calendar and archive, but "
            "announce does not know where Pelican publishes files as they are: set path (and "
            "url_path) to a folder the site publishes") in CliRunner().invoke(
        cli, ["check", "--now", NOW]).stdout
