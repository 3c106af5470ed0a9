"""What is next and what is due: the windows at their edges, the ledger, DST, types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from announce.config import ScheduleSettings, load_settings
from announce.content import Event
from announce.kinds import due_kinds, next_due_at
from announce.news import SentRecord
from announce.selection import announced_types, next_due, next_event, upcoming
from announce.sources.catalog import load_catalog

START = datetime(2027, 2, 3, 23, 0, tzinfo=UTC)  # 18:00 in New York
US = timedelta(microseconds=1)
DAY = timedelta(days=1)
DEFAULT = ScheduleSettings()  # announce 10 days before, remind 2 days before


def event(
    id: str = "2027/2027-02-03-talk",
    start: datetime = START,
    *,
    cancelled: bool = False,
    type: str = "meeting",
) -> Event:
    return Event(
        id=id, path=Path(f"/site/_events/{id}.md"), title=id.rsplit("/", 1)[-1], start=start,
        end=start + timedelta(hours=2), type=type, cancelled=cancelled, location_name=None,
        location=None,
    )


def sent(**kinds: datetime | tuple[datetime, bool]) -> dict[str, dict[str, SentRecord]]:
    """The ledger for the one event: kind=when, or kind=(when, complete)."""
    records = {}
    for kind, value in kinds.items():
        at, complete = value if isinstance(value, tuple) else (value, True)
        records[kind] = SentRecord(first_at=at, complete=complete)
    return {event().id: records}


# --- the announcement ------------------------------------------------------------------


def test_the_announcement_window_opens_exactly_announce_days_before() -> None:
    opens = START - 10 * DAY
    assert due_kinds(event(), opens - US, DEFAULT) == []
    assert due_kinds(event(), opens, DEFAULT) == ["announcement"]
    assert due_kinds(event(), START - US, DEFAULT) == ["announcement"]  # late is still due
    assert due_kinds(event(), START, DEFAULT) == []  # the talk has begun
    assert due_kinds(event(), START + DAY, DEFAULT) == []


def test_announce_days_before_is_configurable() -> None:
    week = ScheduleSettings(announce_days_before=7)
    assert due_kinds(event(), START - 7 * DAY - US, week) == []
    assert due_kinds(event(), START - 7 * DAY, week) == ["announcement"]
    same_day = ScheduleSettings(announce_days_before=0)
    assert due_kinds(event(), START - US, same_day) == []  # the window is empty


def test_an_announcement_that_went_out_is_not_due_again() -> None:
    ledger = sent(announcement=START - 10 * DAY)
    assert due_kinds(event(), START - 5 * DAY, DEFAULT, ledger) == []


def test_an_announcement_that_reached_only_some_recipients_is_due_until_finished() -> None:
    ledger = sent(announcement=(START - 10 * DAY, False))
    assert due_kinds(event(), START - 5 * DAY, DEFAULT, ledger) == ["announcement"]
    # ...until the reminder is due: then it goes out, or one address that keeps failing
    # (or is left uncertain) would keep the reminder from everyone.
    assert due_kinds(event(), START - DAY, DEFAULT, ledger) == ["reminder"]
    # An announcement that reached nobody yet is still what goes out first.
    unsent = {event().id: {"announcement": SentRecord(START - 10 * DAY, False, delivered=False)}}
    assert due_kinds(event(), START - DAY, DEFAULT, unsent) == ["announcement"]


# --- the reminder ----------------------------------------------------------------------


def test_the_reminder_window_opens_exactly_reminder_days_before() -> None:
    ledger = sent(announcement=START - 10 * DAY)
    opens = START - 2 * DAY
    assert due_kinds(event(), opens - US, DEFAULT, ledger) == []
    assert due_kinds(event(), opens, DEFAULT, ledger) == ["reminder"]
    assert due_kinds(event(), START - US, DEFAULT, ledger) == ["reminder"]
    assert due_kinds(event(), START, DEFAULT, ledger) == []


def test_the_reminder_needs_the_announcement_24_hours_earlier() -> None:
    announced = START - 2 * DAY - timedelta(hours=3)  # announced late, 3 h before the window
    ledger = sent(announcement=announced)
    assert due_kinds(event(), START - 2 * DAY, DEFAULT, ledger) == []
    assert due_kinds(event(), announced + DAY - US, DEFAULT, ledger) == []
    assert due_kinds(event(), announced + DAY, DEFAULT, ledger) == ["reminder"]


def test_no_reminder_when_the_announcement_went_out_in_the_last_day() -> None:
    ledger = sent(announcement=START - timedelta(hours=20))
    for hours in (19, 10, 1):
        assert due_kinds(event(), START - timedelta(hours=hours), DEFAULT, ledger) == []


def test_no_reminder_before_the_announcement() -> None:
    assert due_kinds(event(), START - DAY, DEFAULT) == ["announcement"]


def test_reminder_days_before_zero_turns_reminders_off() -> None:
    off = ScheduleSettings(reminder_days_before=0)
    ledger = sent(announcement=START - 10 * DAY)
    for before in (5 * DAY, 2 * DAY, timedelta(hours=1), US):
        assert due_kinds(event(), START - before, off, ledger) == []
    assert next_due_at(event(), off, ledger) is None


def test_a_reminder_that_went_out_is_not_due_again_unless_unfinished() -> None:
    done = sent(announcement=START - 10 * DAY, reminder=START - 2 * DAY)
    assert due_kinds(event(), START - DAY, DEFAULT, done) == []
    partial = sent(announcement=START - 10 * DAY, reminder=(START - 2 * DAY, False))
    assert due_kinds(event(), START - DAY, DEFAULT, partial) == ["reminder"]


# --- cancellation ----------------------------------------------------------------------


def test_a_cancelled_event_that_was_announced_gets_a_cancellation_notice() -> None:
    ledger = sent(announcement=START - 10 * DAY)
    cancelled = event(cancelled=True)
    assert due_kinds(cancelled, START - 3 * DAY, DEFAULT, ledger) == ["cancellation"]
    assert due_kinds(cancelled, START - US, DEFAULT, ledger) == ["cancellation"]
    assert due_kinds(cancelled, START, DEFAULT, ledger) == []
    # never a reminder for it, even in the reminder window
    assert due_kinds(cancelled, START - DAY, DEFAULT, ledger) == ["cancellation"]


def test_a_partly_sent_announcement_still_needs_a_cancellation() -> None:
    ledger = sent(announcement=(START - 10 * DAY, False))
    assert due_kinds(event(cancelled=True), START - DAY, DEFAULT, ledger) == ["cancellation"]


def test_a_cancellation_is_sent_once() -> None:
    ledger = sent(announcement=START - 10 * DAY, cancellation=START - 3 * DAY)
    assert due_kinds(event(cancelled=True), START - DAY, DEFAULT, ledger) == []
    partial = sent(announcement=START - 10 * DAY, cancellation=(START - 3 * DAY, False))
    assert due_kinds(event(cancelled=True), START - DAY, DEFAULT, partial) == ["cancellation"]


def test_a_cancelled_event_never_announced_is_skipped() -> None:
    cancelled = event(cancelled=True)
    for before in (20 * DAY, 10 * DAY, 2 * DAY, US):
        assert due_kinds(cancelled, START - before, DEFAULT) == []
    assert next_due_at(cancelled, DEFAULT) is None


# --- the next event --------------------------------------------------------------------

JAN = event("2027/2027-01-06-a", datetime(2027, 1, 6, 23, tzinfo=UTC))
LUNCH = event("2027/2027-01-21-lunch", datetime(2027, 1, 21, 17, tzinfo=UTC), type="lunch")
FEB = event("2027/2027-02-03-talk")
MAR = event("2027/2027-03-03-off", datetime(2027, 3, 3, 23, tzinfo=UTC), cancelled=True)
APR = event("2027/2027-04-07-b", datetime(2027, 4, 7, 22, tzinfo=UTC))
SEASON = [APR, MAR, FEB, LUNCH, JAN]  # in no particular order


def test_the_next_event_is_the_earliest_that_starts_after_now() -> None:
    assert next_event(SEASON, datetime(2027, 1, 1, tzinfo=UTC)) is JAN
    assert next_event(SEASON, JAN.start - US) is JAN
    assert next_event(SEASON, JAN.start) is LUNCH  # started: no longer next
    assert next_event(SEASON, datetime(2027, 12, 1, tzinfo=UTC)) is None
    assert next_event([], JAN.start) is None


def test_the_next_event_is_of_an_announced_type() -> None:
    after_jan = JAN.start + DAY
    assert next_event(SEASON, after_jan) is LUNCH
    assert next_event(SEASON, after_jan, types=("meeting",)) is FEB
    assert next_event(SEASON, after_jan, types=("lunch",)) is LUNCH
    assert next_event(SEASON, after_jan, types=("leadership",)) is None


def test_the_next_event_passes_over_a_cancelled_one_never_announced() -> None:
    after_feb = FEB.start + DAY
    assert next_event(SEASON, after_feb) is APR
    announced = {MAR.id: {"announcement": SentRecord(MAR.start - 10 * DAY)}}
    assert next_event(SEASON, after_feb, sent=announced) is MAR  # its cancellation is due


def test_upcoming_is_oldest_first_and_ties_go_by_id() -> None:
    twin = event("2027/2027-02-03-another", START)
    assert upcoming([*SEASON, twin], JAN.start) == [LUNCH, twin, FEB, MAR, APR]
    assert upcoming(SEASON, JAN.start, ("lunch",)) == [LUNCH]


def test_announced_types() -> None:
    assert announced_types(LUNCH, ())  # none configured: every type
    assert announced_types(LUNCH, ("meeting", "lunch"))
    assert not announced_types(LUNCH, ("meeting",))


def test_when_the_next_message_becomes_due() -> None:
    assert next_due_at(FEB, DEFAULT) == START - 10 * DAY
    assert next_due_at(FEB, DEFAULT, sent(announcement=START - 10 * DAY)) == START - 2 * DAY
    late = START - 2 * DAY - timedelta(hours=3)
    assert next_due_at(FEB, DEFAULT, sent(announcement=late)) == late + DAY
    assert next_due_at(FEB, DEFAULT, sent(announcement=START - 10 * DAY,
                                          reminder=START - 2 * DAY)) is None
    assert next_due_at(FEB, DEFAULT, sent(announcement=START - timedelta(hours=3))) is None


# --- daylight saving -------------------------------------------------------------------


@pytest.fixture
def new_york_site(tmp_path: Path) -> Path:
    (tmp_path / "announce.toml").write_text(
        '[site]\ntimezone = "America/New_York"\n[content]\nevents = "events"\n',
        encoding="utf-8")
    (tmp_path / "events").mkdir()
    return tmp_path


def load_one(site: Path, dtstart: str) -> Event:
    (site / "events" / "talk.md").write_text(
        f"---\ntitle: Talk\ndtstart: {dtstart}\n---\nBody\n", encoding="utf-8")
    events = load_catalog(load_settings(site / "announce.toml")).events
    assert len(events) == 1
    return events[0]


@pytest.mark.parametrize("dtstart", ["2027-11-07 18:00", "2027-11-07 18:00:00 -0500"])
def test_windows_across_the_end_of_daylight_saving(new_york_site: Path, dtstart: str) -> None:
    # Talk at 18:00 EST on 2027-11-07, the day clocks go back: 23:00 UTC.
    talk = load_one(new_york_site, dtstart)
    assert talk.start.astimezone(UTC) == datetime(2027, 11, 7, 23, tzinfo=UTC)
    # "10 days before" is 18:00 local on 2027-10-28, still summer time (EDT): 22:00 UTC,
    # however the file wrote the start.
    opens = datetime(2027, 10, 28, 22, tzinfo=UTC)
    assert due_kinds(talk, opens - US, DEFAULT) == []
    assert due_kinds(talk, opens, DEFAULT) == ["announcement"]
    assert next_due_at(talk, DEFAULT) == opens
    # The reminder, 2 days before: 18:00 EDT on 2027-11-05, 22:00 UTC.
    ledger = {talk.id: {"announcement": SentRecord(opens)}}
    reminder = datetime(2027, 11, 5, 22, tzinfo=UTC)
    assert due_kinds(talk, reminder - US, DEFAULT, ledger) == []
    assert due_kinds(talk, reminder, DEFAULT, ledger) == ["reminder"]
    assert due_kinds(talk, talk.start - US, DEFAULT, ledger) == ["reminder"]
    assert due_kinds(talk, datetime(2027, 11, 7, 23, tzinfo=UTC), DEFAULT, ledger) == []


def test_windows_across_the_start_of_daylight_saving(new_york_site: Path) -> None:
    # 2027-03-14, clocks go forward; a talk at 18:00 EDT is 22:00 UTC.
    talk = load_one(new_york_site, "2027-03-14 18:00")
    assert talk.start.astimezone(UTC) == datetime(2027, 3, 14, 22, tzinfo=UTC)
    opens = datetime(2027, 3, 4, 23, tzinfo=UTC)  # 18:00 EST ten days earlier
    assert due_kinds(talk, opens - US, DEFAULT) == []
    assert due_kinds(talk, opens, DEFAULT) == ["announcement"]


# --- what `send --next` sends ------------------------------------------------------------


def test_next_due_looks_past_an_event_that_has_nothing_due() -> None:
    # A lunch two days out whose reminder went already, then a talk whose announcement is
    # due: the lunch must not hold the talk's announcement back until it is over.
    lunch = event("2027/2027-02-01-lunch", START - 2 * DAY, type="lunch")
    talk = event()
    now = START - 3 * DAY
    ledger = {lunch.id: {"announcement": SentRecord(now - 9 * DAY),
                         "reminder": SentRecord(now - DAY)}}
    assert next_event([talk, lunch], now, sent=ledger) == lunch
    assert next_due([talk, lunch], now, DEFAULT, sent=ledger) == (talk, "announcement")


def test_next_due_takes_the_earliest_event_with_a_message_due() -> None:
    first, second = event("a", START), event("b", START + DAY)
    assert next_due([second, first], START - 5 * DAY, DEFAULT) == (first, "announcement")


def test_next_due_keeps_only_the_kind_asked_for() -> None:
    ledger = {event().id: {"announcement": SentRecord(START - 9 * DAY)}}
    now = START - DAY
    assert next_due([event()], now, DEFAULT, sent=ledger) == (event(), "reminder")
    assert next_due([event()], now, DEFAULT, sent=ledger, kind="announcement") is None


def test_next_due_is_none_for_a_cancelled_talk_nobody_heard_of() -> None:
    assert next_due([event(cancelled=True)], START - DAY, DEFAULT) is None
    ledger = {event().id: {"announcement": SentRecord(START - 9 * DAY)}}
    assert next_due([event(cancelled=True)], START - DAY, DEFAULT, sent=ledger) == (
        event(cancelled=True), "cancellation")

