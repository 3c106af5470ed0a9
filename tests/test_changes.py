"""Updates: what a message said (facts), what changed since, the ledger's snapshots and
their migration, when an update is due, and the whole thing through ``announce send``."""

from __future__ import annotations

import email
import email.policy
import itertools
import mailbox
import shutil
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from click.testing import CliRunner, Result

from announce.changes import Change, Facts, changed, describe, facts_of, summary, template_rows
from announce.cli import cli
from announce.config import ScheduleSettings, load_settings
from announce.content import Event, Location
from announce.delivery import Outcome
from announce.errors import ConfigError
from announce.i18n import language
from announce.kinds import due_kinds, get, ledger_key, plan
from announce.ledger import SCHEMA_VERSION, Claim, Ledger, read_sent
from announce.news import SentRecord, changed_since, pending_changes

from .conftest import REPO

NY = ZoneInfo("America/New_York")
START = datetime(2027, 2, 3, 18, 0, tzinfo=NY)
ID = "2027/2027-02-03-talk"
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
DEFAULT = ScheduleSettings()  # announce 10 days before, remind 2 days before
JITSI = Location("Jitsi", subtitle="Online meeting", url="https://meet.jit.si/RiverCity")
LIBRARY = Location("Riverside Library Auditorium", address="Riverside Public Library",
                   address1="12 Main Street", city="Beacon", state="NY", zip="12508")


def event(start: datetime = START, *, minutes: int = 90, location: Location | None = JITSI,
          title: str = "Observability", cancelled: bool = False,
          description: str = "Logs, metrics, traces.") -> Event:
    return Event(id=ID, path=Path(f"/site/{ID}.md"), title=title, start=start,
                 end=start + timedelta(minutes=minutes), type="meeting", cancelled=cancelled,
                 location_name=location.title if location else None, location=location,
                 description=description)


def told(at: datetime, what: Event | None = None, *, complete: bool = True,
         delivered: bool = True) -> SentRecord:
    """A message that went out at ``at`` saying what ``what`` says."""
    return SentRecord(at, complete, delivered, facts_of(what or event()))


# --- facts and what changed ------------------------------------------------------------


def test_the_facts_are_what_a_member_acts_on() -> None:
    assert facts_of(event()) == Facts("Observability", START, START + timedelta(minutes=90),
                                      venue="Jitsi", online="https://meet.jit.si/RiverCity")
    place = facts_of(event(location=LIBRARY))
    assert (place.venue, place.address, place.online) == (
        "Riverside Library Auditorium", "Riverside Public Library, 12 Main Street, "
        "Beacon, NY 12508", None)
    # A venue's website is no link to join: only an online venue's link counts.
    assert facts_of(event(location=Location("Hall", address="1 Road",
                                            url="https://hall.example"))).online is None
    assert facts_of(event(location=None)).venue is None


def test_facts_survive_the_ledgers_json_as_they_were() -> None:
    facts = facts_of(event(location=LIBRARY, title="Ünïcode “quoted”"))
    assert Facts.from_json(facts.to_json()) == facts
    assert Facts.from_json(facts.to_json()).start.utcoffset() == timedelta(hours=-5)
    with pytest.raises(ValueError, match="not a snapshot"):
        Facts.from_json('{"title": "x"}')


def test_a_moved_start_and_a_new_place_are_changes_a_description_is_not() -> None:
    before = facts_of(event())
    assert changed(before, facts_of(event(description="Typo fixed."))) == []
    assert changed(before, facts_of(event(title="Observability!"))) == []  # not counted
    assert changed(before, facts_of(event(title="Observability!")), ["title"]) == [
        Change("title", "Observability", "Observability!")]
    later = START + timedelta(minutes=30)
    assert changed(before, facts_of(event(later, minutes=60))) == [
        Change("start", START, later)]  # the end stays: 19:30
    assert [c.field for c in changed(before, facts_of(event(location=LIBRARY)))] == [
        "venue", "online"]
    # The same moment written with another offset is no change.
    assert changed(before, facts_of(event(START.astimezone(UTC)))) == []
    # Only the fields that count: an empty list turns updates off.
    assert changed(before, facts_of(event(later)), []) == []


def test_the_organizer_reads_a_change_in_the_sites_time() -> None:
    later = START + timedelta(minutes=30)
    moved = changed(facts_of(event()), facts_of(event(later)))
    assert summary(moved, NY) == "start 18:00 → 18:30; end 19:30 → 20:00"
    next_day = changed(facts_of(event()), facts_of(event(START + DAY)), ["start"])
    assert summary(next_day, NY) == "start Wed 2027-02-03 18:00 → Thu 2027-02-04 18:00"
    place = changed(facts_of(event()), facts_of(event(location=LIBRARY)))
    assert summary(place, NY) == (
        "venue Jitsi → Riverside Library Auditorium, Riverside Public Library, 12 Main "
        "Street, Beacon, NY 12508; online https://meet.jit.si/RiverCity → none")


def test_the_message_says_plainly_what_changed_in_its_language() -> None:
    later = START + timedelta(minutes=30)
    [start] = changed(facts_of(event()), facts_of(event(later, minutes=60)))
    assert describe(start, NY) == "Now 6:30 PM, not 6:00 PM"
    assert describe(start, NY, language("de")) == "Jetzt 18:30 statt 18:00"
    [day] = changed(facts_of(event()), facts_of(event(START + DAY)), ["start"])
    assert describe(day, NY) == "Now Thu, Feb 4, 6:00 PM, not Wed, Feb 3, 6:00 PM"
    venue, _online = changed(facts_of(event()), facts_of(event(location=LIBRARY)))
    assert describe(venue, NY) == (
        "New place: Riverside Library Auditorium, Riverside Public Library, 12 Main Street, "
        "Beacon, NY 12508 (was: Jitsi)")
    [link] = changed(facts_of(event()), facts_of(event(
        location=Location("Jitsi", url="https://meet.jit.si/Other"))))
    assert describe(link, NY) == ("New link: https://meet.jit.si/Other "
                                  "(was: https://meet.jit.si/RiverCity)")


def test_the_template_rows_say_a_move_once_and_keep_old_and_new_apart() -> None:
    later = START + timedelta(minutes=30)
    rows = template_rows(changed(facts_of(event()), facts_of(event(later))), NY)
    assert rows == [{"field": "start", "label": "New time", "old": "6:00 PM",
                     "new": "6:30 PM", "text": "Now 6:30 PM, not 6:00 PM"}]
    longer = template_rows(changed(facts_of(event()), facts_of(event(minutes=120))), NY)
    assert [r["text"] for r in longer] == ["Now ends 8:00 PM, not 7:30 PM"]
    # From online to a place: the new place says it; no "link: none" line.
    moved = template_rows(changed(facts_of(event()), facts_of(event(location=LIBRARY))), NY)
    assert [r["field"] for r in moved] == ["venue"]
    assert moved[0]["old"] == "Jitsi"


def test_update_fields_is_validated_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "announce.toml"
    config.write_text('[schedule]\nupdate_fields = ["start", "time"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert str(caught.value) == (
        f"{config}: [schedule] update_fields: unknown field 'time' "
        "(known: title, start, end, venue, online)")
    config.write_text('[schedule]\nupdate_fields = ["title", "start", "title"]\n',
                      encoding="utf-8")
    assert load_settings(config).schedule.update_fields == ("title", "start")
    config.write_text("[schedule]\nupdate_fields = []\n", encoding="utf-8")
    assert load_settings(config).schedule.update_fields == ()
    assert load_settings(None).schedule.update_fields == ("start", "end", "venue", "online")


# --- the ledger: snapshots, and the migration to format 3 ------------------------------

T0 = datetime(2027, 1, 28, 14, 0, tzinfo=UTC)


def _send(ledger: Ledger, kind: str, facts: Facts, *recipients: str) -> None:
    ledger.record_subject(ID, kind, "Subject", facts)
    ledger.record(ID, kind, [Claim(r, f"<{r}@id>") for r in recipients], "outbox")
    ledger.record(ID, kind, [Outcome(r, "sent") for r in recipients], "outbox")
    ledger.finished(ID, kind)


def test_the_ledger_keeps_the_first_snapshot_of_each_message(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    first, edited = facts_of(event()), facts_of(event(START + HOUR))
    with Ledger.open(path, clock=lambda: T0) as ledger:
        _send(ledger, "announcement", first, "a@example.org")
        # A rerun after an edit: the rest get the new facts, the snapshot stays the
        # first (so the update then tells everyone).
        _send(ledger, "announcement", edited, "b@example.org")
        _send(ledger, "update:1", edited, "a@example.org", "b@example.org")
    records = read_sent(path)[ID]
    assert records["announcement"] == SentRecord(T0, True, True, first)
    assert records["update:1"].facts == edited


def test_a_ledger_of_format_2_is_migrated_and_its_messages_have_no_snapshot(
        tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as conn:  # format 2, as the last release wrote it
        conn.executescript("""
            CREATE TABLE deliveries (event TEXT NOT NULL, kind TEXT NOT NULL,
                recipient TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed')),
                message_id TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                code INTEGER, last_error TEXT NOT NULL DEFAULT '', transport TEXT NOT NULL,
                claimed_at TEXT NOT NULL, sent_at TEXT, updated_at TEXT NOT NULL,
                PRIMARY KEY (event, kind, recipient)) WITHOUT ROWID;
            CREATE TABLE messages (event TEXT NOT NULL, kind TEXT NOT NULL,
                subject TEXT NOT NULL, finished_at TEXT, PRIMARY KEY (event, kind));
            PRAGMA user_version = 2;
        """)
        conn.execute("INSERT INTO deliveries VALUES (?, 'announcement', 'a@example.org', "
                     "'sent', '<x@y>', 1, NULL, '', 'outbox', ?, ?, ?)",
                     (ID, T0.isoformat(), T0.isoformat(), T0.isoformat()))
        conn.execute("INSERT INTO messages VALUES (?, 'announcement', 'Hello', ?)",
                     (ID, T0.isoformat()))
    expected = {ID: {"announcement": SentRecord(T0, complete=True, facts=None)}}
    assert read_sent(path) == expected  # read as it is, before any migration
    with Ledger.open(path, clock=lambda: T0 + HOUR) as ledger:
        assert ledger.sent_records() == expected
        # Nothing counts as changed for an event announced before snapshots.
        assert due_kinds(event(START + HOUR), T0 + HOUR, DEFAULT, expected) == []
        _send(ledger, "reminder", facts_of(event()), "a@example.org")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT kind, facts IS NOT NULL FROM messages ORDER BY kind"
                            ).fetchall() == [("announcement", 0), ("reminder", 1)]
    assert read_sent(path)[ID]["reminder"].facts == facts_of(event())


def test_an_unreadable_snapshot_means_no_update_not_a_stopped_run(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger.open(path, clock=lambda: T0) as ledger:
        _send(ledger, "announcement", facts_of(event()), "a@example.org")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE messages SET facts = '{not json'")
    assert read_sent(path)[ID]["announcement"].facts is None


# --- when an update is due -------------------------------------------------------------

ANNOUNCED = START - 6 * DAY  # Thu 28 Jan, 18:00: the announcement went out
EDITED = ANNOUNCED + DAY  # the organizer moves the talk half an hour


def test_a_moved_start_after_the_announcement_makes_an_update_due_until_the_start() -> None:
    sent = {ID: {"announcement": told(ANNOUNCED)}}
    moved = event(START + timedelta(minutes=30))
    assert due_kinds(moved, EDITED, DEFAULT, sent) == ["update"]
    assert ledger_key(moved, "update", DEFAULT, sent) == "update:1"
    assert pending_changes(moved, DEFAULT, sent) == [
        Change("start", START, START + timedelta(minutes=30)),
        Change("end", START + timedelta(minutes=90), START + timedelta(minutes=120))]
    assert changed_since(moved, DEFAULT, sent) == ("announcement",
                                                   pending_changes(moved, DEFAULT, sent))
    assert due_kinds(moved, moved.start, DEFAULT, sent) == []  # the talk has begun
    # Nothing was changed for the event as it was announced.
    assert due_kinds(event(), EDITED, DEFAULT, sent) == []
    assert changed_since(event(), DEFAULT, sent) is None


def test_a_description_or_title_edit_sends_nothing_unless_configured() -> None:
    sent = {ID: {"announcement": told(ANNOUNCED)}}
    assert due_kinds(event(description="Typo fixed."), EDITED, DEFAULT, sent) == []
    assert due_kinds(event(title="Observability!"), EDITED, DEFAULT, sent) == []
    titles = ScheduleSettings(update_fields=("title",))
    assert due_kinds(event(title="Observability!"), EDITED, titles, sent) == ["update"]
    assert due_kinds(event(START + HOUR), EDITED, ScheduleSettings(update_fields=()),
                     sent) == []


def test_an_announcement_that_reached_nobody_or_had_no_snapshot_gives_no_update() -> None:
    moved = event(START + HOUR)
    undelivered = {ID: {"announcement": told(ANNOUNCED, complete=False, delivered=False)}}
    assert due_kinds(moved, EDITED, DEFAULT, undelivered) == ["announcement"]
    legacy = {ID: {"announcement": SentRecord(ANNOUNCED)}}
    assert due_kinds(moved, EDITED, DEFAULT, legacy) == []


def test_several_changes_make_one_update_and_a_change_after_it_another() -> None:
    twice = event(START + HOUR, location=LIBRARY)  # moved, then moved again, and a new place
    sent = {ID: {"announcement": told(ANNOUNCED)}}
    assert due_kinds(twice, EDITED, DEFAULT, sent) == ["update"]
    assert [c.field for c in pending_changes(twice, DEFAULT, sent)] == [
        "start", "end", "venue", "online"]
    sent = {ID: {"announcement": told(ANNOUNCED), "update:1": told(EDITED, twice)}}
    assert due_kinds(twice, EDITED + HOUR, DEFAULT, sent) == []  # went out: done
    again = event(START + 2 * HOUR, location=LIBRARY)
    assert due_kinds(again, EDITED + 2 * HOUR, DEFAULT, sent) == ["update"]
    assert ledger_key(again, "update", DEFAULT, sent) == "update:2"
    # The second tells the change since the first, not since the announcement.
    assert pending_changes(again, DEFAULT, sent)[0] == Change(
        "start", START + HOUR, START + 2 * HOUR)
    assert changed_since(again, DEFAULT, sent) is not None
    assert changed_since(again, DEFAULT, sent)[0] == "update"  # type: ignore[index]  # just asserted


def test_an_unfinished_update_is_resumed_under_its_key_until_the_event_changes_again(
) -> None:
    moved = event(START + HOUR)
    sent = {ID: {"announcement": told(ANNOUNCED),
                 "update:1": told(EDITED, moved, complete=False)}}
    assert due_kinds(moved, EDITED + HOUR, DEFAULT, sent) == ["update"]
    assert ledger_key(moved, "update", DEFAULT, sent) == "update:1"
    # ...saying what its first part said: the change since the announcement.
    assert pending_changes(moved, DEFAULT, sent)[0] == Change("start", START, START + HOUR)
    later = event(START + 2 * HOUR)  # a change while it is unfinished: a new update
    assert ledger_key(later, "update", DEFAULT, sent) == "update:2"
    assert pending_changes(later, DEFAULT, sent)[0] == Change(
        "start", START + HOUR, START + 2 * HOUR)


def test_an_update_stands_in_for_the_reminder_and_never_comes_the_same_hour() -> None:
    moved = event(START + timedelta(minutes=30))
    window = moved.start - 2 * DAY
    sent = {ID: {"announcement": told(ANNOUNCED)}}
    # Both due: the update goes, and it was the reminder.
    assert due_kinds(moved, window + HOUR, DEFAULT, sent) == ["update"]
    sent = {ID: {"announcement": told(ANNOUNCED), "update:1": told(window + HOUR, moved)}}
    assert due_kinds(moved, window + 2 * HOUR, DEFAULT, sent) == []
    assert due_kinds(moved, moved.start - HOUR, DEFAULT, sent) == []
    # An update before the reminder's window: the reminder waits 24 hours after it.
    early = window - 2 * HOUR
    sent = {ID: {"announcement": told(ANNOUNCED), "update:1": told(early, moved)}}
    assert due_kinds(moved, window, DEFAULT, sent) == []
    assert due_kinds(moved, early + DAY, DEFAULT, sent) == ["reminder"]
    # A change after the reminder: an update, from the reminder's snapshot.
    sent = {ID: {"announcement": told(ANNOUNCED), "reminder": told(window)}}
    assert due_kinds(moved, window + HOUR, DEFAULT, sent) == ["update"]


def test_a_cancellation_after_an_update_works_as_before_and_raises_the_sequence() -> None:
    moved = event(START + HOUR)
    sent = {ID: {"announcement": told(ANNOUNCED), "update:1": told(EDITED, moved)}}
    cancelled = event(START + HOUR, cancelled=True)
    assert due_kinds(cancelled, EDITED + DAY, DEFAULT, sent) == ["cancellation"]
    assert plan(cancelled, "cancellation", DEFAULT, sent).ics_sequence == 2
    sent[ID]["cancellation"] = told(EDITED + DAY, cancelled)
    assert due_kinds(cancelled, EDITED + DAY + HOUR, DEFAULT, sent) == []
    # On again after all: the members who heard of the cancellation hear that too.
    assert due_kinds(moved, EDITED + 2 * DAY, DEFAULT, sent) == ["update"]
    back = plan(moved, "update", DEFAULT, sent)
    assert (back.key, back.ics_sequence) == ("update:2", 3)
    assert [c.field for c in back.changes] == ["cancelled"]


def test_the_calendar_sequence_rises_with_every_message_that_moves_the_entry() -> None:
    nothing: dict[str, dict[str, SentRecord]] = {}
    assert get("announcement").ics_sequence({}) == 0
    assert get("reminder").ics_sequence({}) == 0
    assert get("cancellation").ics_sequence({}) == 1  # as before updates existed
    moved = event(START + HOUR)
    sent = {ID: {"announcement": told(ANNOUNCED)}}
    first = plan(moved, "update", DEFAULT, sent)
    assert (first.key, first.ics_sequence, first.ics_status) == ("update:1", 1, "CONFIRMED")
    sent[ID]["update:1"] = told(EDITED, moved, complete=False)
    assert plan(moved, "update", DEFAULT, sent).ics_sequence == 1  # resumed: the same file
    sent[ID]["update:1"] = told(EDITED, moved)
    assert plan(moved, "reminder", DEFAULT, sent).ics_sequence == 1  # not below the update
    again = event(START + 2 * HOUR)
    assert plan(again, "update", DEFAULT, sent).ics_sequence == 2
    assert plan(event(), "announcement", DEFAULT, nothing) == plan(
        event(), "announcement", DEFAULT)


# --- end to end: announce send into the outbox -------------------------------------------

NOW = "2027-01-28T09:00"
EVENT = "2027/2027-02-03-observability-with-opentelemetry"
TITLE = "Observability with OpenTelemetry"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of the sample season (its talk files get edited) and an announce.toml."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    (tmp_path / "announce.toml").write_text("""
[site]
name = "River City Open Tech"
url = "https://example.org"
timezone = "America/New_York"
permalink = "/events/:year/:month/:title"

[content]
events = "content/events"
locations = "content/locations"
types = ["meeting", "lunch"]

[mail]
from = "River City Open Tech <announce@example.org>"
to = ["members@example.org"]
""", encoding="utf-8")
    return tmp_path


def _run(site: Path, *args: str, now: str) -> Result:
    result = CliRunner().invoke(
        cli, [*args, "--config", str(site / "announce.toml"), "--now", now],
        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _talk(site: Path) -> Path:
    return site / "content" / "events" / f"{EVENT}.md"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _messages(site: Path) -> list[EmailMessage]:
    """The outbox, oldest first."""
    box = mailbox.Maildir(site / "outbox", create=False)
    found = []
    for key in box.iterkeys():
        data = box.get_bytes(key)
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        found.append((message["Date"].datetime, message))
    return [message for _, message in sorted(found, key=lambda item: item[0])]


def _part(message: EmailMessage, mime: str) -> str:
    for part in message.walk():
        if part.get_content_type() == mime:
            return str(part.get_content())
    raise AssertionError(f"no {mime} part")


def _calendar_event(message: EmailMessage) -> icalendar.cal.Component:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            [item] = icalendar.Calendar.from_ical(payload).walk("VEVENT")
            return item
    raise AssertionError("no calendar file")


def _sequence(item: icalendar.cal.Component) -> int:
    value = item.decoded("SEQUENCE")
    assert isinstance(value, int)
    return value


def _announced(site: Path) -> EmailMessage:
    first = _run(site, "send", "--next", now=NOW)
    assert first.stdout.startswith(f"The announcement of “{TITLE}”")
    [announcement] = _messages(site)
    return announcement


def test_a_moved_talk_sends_one_update_with_the_change_and_a_newer_calendar_file(
        site: Path) -> None:
    announcement = _announced(site)
    _edit(_talk(site), "dtstart: 2027-02-03 18:00:00 -0500", "dtstart: 2027-02-03 18:30:00 -0500")
    listed = _run(site, "list", now="2027-01-28T10:00")
    assert "[due: update]" in listed.stdout
    assert "changed since the announcement: start 18:00 → 18:30" in listed.stdout
    checked = _run(site, "check", now="2027-01-28T10:00")
    assert (f"note: {_talk(site)}: changed since the announcement: start 18:00 → 18:30 "
            "(an update is due)") in checked.stdout
    dry = _run(site, "send", "--next", "--dry-run", now="2027-01-28T10:00")
    assert "Kind:       update\nChanged:    since the announcement: start 18:00 → 18:30\n" in (
        dry.stdout)
    rendered = _run(site, "render", "--next", "-o", str(site / "next.eml"), now="2027-01-28T10:00")
    assert "announce: note: changed since the announcement: start 18:00 → 18:30" in (
        rendered.stderr)

    sent = _run(site, "send", "--next", now="2027-01-28T10:00")
    assert sent.stdout.startswith(f"The update of “{TITLE}”")
    announcement_again, update = _messages(site)
    assert announcement_again["Message-ID"] == announcement["Message-ID"]
    assert update["Subject"] == f"River City Open Tech update: {TITLE} (Wed, Feb 3)"
    text = _part(update, "text/plain")
    assert "* Now 6:30 PM, not 6:00 PM" in text
    assert text.index("Now 6:30 PM") < text.index("When:")  # first, then the event
    html = _part(update, "text/html")
    assert "6:00 PM</del>" in html
    before, after = _calendar_event(announcement), _calendar_event(update)
    assert str(after["UID"]) == str(before["UID"])
    assert _sequence(after) > _sequence(before)
    assert after.decoded("DTSTART") == datetime(2027, 2, 3, 18, 30, tzinfo=NY)

    again = _run(site, "send", "--next", now="2027-01-28T11:00")
    assert again.stdout.startswith("Nothing due")
    assert len(_messages(site)) == 2
    assert "changed since" not in _run(site, "list", now="2027-01-28T11:00").stdout


def test_a_description_only_edit_sends_nothing(site: Path) -> None:
    _announced(site)
    _edit(_talk(site), "Logs, metrics and traces", "Logs, metrics, and traces")
    result = _run(site, "send", "--next", now="2027-01-28T10:00")
    assert result.stdout.startswith("Nothing due")
    assert len(_messages(site)) == 1
    assert "changed since" not in _run(site, "list", now="2027-01-28T10:00").stdout


@pytest.mark.slow
def test_a_new_venue_then_a_new_link_make_two_updates_each_sent_once(site: Path) -> None:
    announcement = _announced(site)
    _edit(_talk(site), "location: Jitsi", "location: Foundry Makerspace")
    _run(site, "send", "--next", now="2027-01-28T10:00")
    # Back online, and then its link changes: each change after an update is another one.
    _edit(_talk(site), "location: Foundry Makerspace", "location: Jitsi")
    _run(site, "send", "--next", now="2027-01-29T10:00")
    _edit(site / "content" / "locations" / "jitsi.md", "https://meet.jit.si/RiverCityOpenTech",
          "https://meet.jit.si/RiverCityOpenTech-2")
    _run(site, "send", "--next", now="2027-01-30T10:00")
    assert _run(site, "send", "--next", now="2027-01-30T11:00").stdout.startswith("Nothing due")

    _, venue, back, link = _messages(site)
    assert "* New place: Foundry Makerspace, 210 Foundry Road, Newburgh, NY 12550 (was:" \
        in " ".join(_part(venue, "text/plain").split())
    assert "* New link: https://meet.jit.si/RiverCityOpenTech-2 (was: " \
        "https://meet.jit.si/RiverCityOpenTech)" in " ".join(_part(link, "text/plain").split())
    sequences = [_sequence(_calendar_event(m)) for m in (announcement, venue, back, link)]
    assert sequences == [0, 1, 2, 3]
    history = read_sent(site / ".announce" / "ledger.sqlite3")[EVENT]
    assert sorted(history) == ["announcement", "update:1", "update:2", "update:3"]


# --- the kinds as a state machine: the last news always matches the file -----------------

EDITS: dict[str, Any] = {
    "cancel": lambda e: replace(e, cancelled=True),
    "on again": lambda e: replace(e, cancelled=False),
    "later": lambda e: replace(e, start=e.start + HOUR, end=e.end + HOUR),
    "earlier": lambda e: replace(e, start=e.start - HOUR, end=e.end - HOUR),
    "library": lambda e: replace(e, location=LIBRARY, location_name=LIBRARY.title),
}


@pytest.mark.parametrize("edits", [
    combo for n in range(1, 5) for combo in itertools.product(EDITS, repeat=n)],
    ids=" / ".join)
def test_after_any_edits_the_last_message_members_got_matches_the_file(
        edits: tuple[str, ...]) -> None:
    # Announced, then up to four edits, each followed by a run (a day apart): after every
    # run, what members heard last is what the file says: cancelled if it is, else its
    # time and place. Every message goes out under a key of its own (exactly once each).
    current = event()
    records: dict[str, SentRecord] = {"announcement": told(ANNOUNCED)}
    now = ANNOUNCED
    for edit in edits:
        current = EDITS[edit](current)
        now += DAY
        for run in range(4):  # runs an hour apart, each sending what is due, until none is
            due = due_kinds(current, now + run * HOUR, DEFAULT, {ID: records})
            if not due:
                break
            key = plan(current, due[0], DEFAULT, {ID: records}).key
            assert key not in records, (edit, key)
            records[key] = told(now + run * HOUR, current)
        else:
            raise AssertionError(f"still due after four runs: {sorted(records)}")
        last = max(records.values(), key=lambda r: r.first_at).facts
        assert last is not None
        if current.cancelled:
            assert last.cancelled, (edit, sorted(records))
        else:
            assert changed(last, facts_of(current), DEFAULT.update_fields) == [], (
                edit, sorted(records))


def test_cancelled_on_again_and_cancelled_again_sends_a_second_cancellation() -> None:
    cancelled = event(cancelled=True)
    sent = {ID: {"announcement": told(ANNOUNCED), "cancellation": told(EDITED, cancelled)}}
    assert due_kinds(event(), EDITED + DAY, DEFAULT, sent) == ["update"]
    sent[ID]["update:1"] = told(EDITED + DAY, event())
    assert due_kinds(cancelled, EDITED + 2 * DAY, DEFAULT, sent) == ["cancellation"]
    again = plan(cancelled, "cancellation", DEFAULT, sent)
    assert (again.key, again.ics_sequence, again.ics_status) == ("cancellation:2", 3,
                                                                  "CANCELLED")
    # Unfinished, it resumes under its key; finished, nothing more is due.
    sent[ID]["cancellation:2"] = told(EDITED + 2 * DAY, cancelled, complete=False)
    assert plan(cancelled, "cancellation", DEFAULT, sent).key == "cancellation:2"
    sent[ID]["cancellation:2"] = told(EDITED + 2 * DAY, cancelled)
    assert due_kinds(cancelled, EDITED + 3 * DAY, DEFAULT, sent) == []
    # Forced, it goes under the last one's key: the ledger skips who has it.
    assert plan(cancelled, "cancellation", DEFAULT, sent).key == "cancellation:2"


def test_cancel_on_again_cancel_again_each_reach_the_members_once(site: Path) -> None:
    _announced(site)
    talk = _talk(site)
    text = talk.read_text(encoding="utf-8")
    cancelled = text.replace("---\n", "---\ncancelled: true\n", 1)
    for day, (content, kind) in enumerate(
            [(cancelled, "cancellation"), (text, "update"), (cancelled, "cancellation")],
            start=29):
        talk.write_text(content, encoding="utf-8")
        now = f"2027-01-{day}T10:00"
        assert _run(site, "send", "--next", now=now).stdout.startswith(
            f"The {kind} of “{TITLE}”"), (day, kind)
        assert _run(site, "send", "--next", now=now).stdout.startswith("Nothing due")
    messages = _messages(site)
    subjects = [str(m["Subject"]) for m in messages]
    assert [s.split(":")[0] for s in subjects] == [
        "River City Open Tech", "River City Open Tech cancelled",
        "River City Open Tech update", "River City Open Tech cancelled"], subjects
    # Each calendar file supersedes the one before: the last one cancels the entry.
    items = [_calendar_event(m) for m in messages]
    assert [_sequence(i) for i in items] == [0, 1, 2, 3]
    assert str(items[-1]["STATUS"]) == "CANCELLED"
