"""Front-matter dates, times of day and durations: every form real sites write, and refusals.

Instants are compared in UTC, so that a wrong offset (not only a wrong wall-clock time)
fails.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from announce.sources.dates import (
    DateProblem,
    When,
    parse_duration,
    parse_time_of_day,
    parse_when,
    times_disagree,
)

NEW_YORK = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")
TOKYO = ZoneInfo("Asia/Tokyo")
EXPECTED = "(expected e.g. '2027-01-06 18:00')"
NO_TIME = '(set [content] default_time, e.g. default_time = "18:30")'


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
        microsecond: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)


def instant(when: When) -> datetime:
    return when.moment.astimezone(UTC)


# --- ISO strings -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected", "offset"), [
    ("2025-05-08T19:00+02:00", utc(2025, 5, 8, 17), timedelta(hours=2)),
    ("2021-1-6 19:00:00 -0500", utc(2021, 1, 7, 0), timedelta(hours=-5)),
    ("2024-07-18 19:00:00.000", utc(2024, 7, 18, 23), None),
    ("2023-04-05 19:00", utc(2023, 4, 5, 23), None),
    ("2024-05-01T18:00:00Z", utc(2024, 5, 1, 18), timedelta(0)),
    ("2024-05-01 18:00:00.123456+05:30", utc(2024, 5, 1, 12, 30, 0, 123456),
     timedelta(hours=5, minutes=30)),
    ("2024-05-01 18:00 +02", utc(2024, 5, 1, 16), timedelta(hours=2)),
    ("  2024-01-10 18:30  ", utc(2024, 1, 10, 23, 30), None),
])
def test_iso_strings(text: str, expected: datetime, offset: timedelta | None) -> None:
    when = parse_when(text, tz=NEW_YORK)
    assert instant(when) == expected
    assert when.has_time is True
    assert when.written_offset == offset


def test_a_written_offset_is_kept_as_the_moment_s_zone() -> None:
    # The wall-clock time the file wrote stays visible (for "contradicts the timezone").
    when = parse_when("2025-05-08T19:00+02:00", tz=NEW_YORK)
    assert when.moment.hour == 19
    assert when.moment.utcoffset() == timedelta(hours=2)


def test_a_date_only_string_takes_the_default_time_in_the_site_zone() -> None:
    when = parse_when("2019-02-19", tz=NEW_YORK, default_time=time(18, 30))
    assert instant(when) == utc(2019, 2, 19, 23, 30)
    assert when.has_time is False
    assert when.written_offset is None


# --- free text -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "tz", "expected"), [
    ("Apr 26 2015 6:30 PM", NEW_YORK, utc(2015, 4, 26, 22, 30)),
    ("April 26, 2015 at 6:30 pm", NEW_YORK, utc(2015, 4, 26, 22, 30)),
    ("Sat, 28 Sep 2013 18:00", NEW_YORK, utc(2013, 9, 28, 22)),
    ("2013-09-28 (Sat) 18:00", NEW_YORK, utc(2013, 9, 28, 22)),
    ("2026年06月20日(土) 13:00", TOKYO, utc(2026, 6, 20, 4)),
    ("2026年6月20日 13時30分", TOKYO, utc(2026, 6, 20, 4, 30)),
    ("２０２６年６月２０日（土） 13:00", TOKYO, utc(2026, 6, 20, 4)),
    ("26 avril 2015 à 19h30", PARIS, utc(2015, 4, 26, 17, 30)),
    ("lundi 4 août 2025 18h", PARIS, utc(2025, 8, 4, 16)),
    ("Samstag, 7. März 2026 um 19:00 Uhr", PARIS, utc(2026, 3, 7, 18)),
    ("sábado, 25 de abril de 2015 19:00", PARIS, utc(2015, 4, 25, 17)),
    ("26 de março de 2015 19:00", PARIS, utc(2015, 3, 26, 18)),
    ("26 aprile 2015 19:00", PARIS, utc(2015, 4, 26, 17)),
    ("zaterdag 25 april 2015 19:00", PARIS, utc(2015, 4, 25, 17)),
    ("26.04.2015 18:00", PARIS, utc(2015, 4, 26, 16)),  # a day above 12: not ambiguous
    ("04/26/2015 6:30 PM", NEW_YORK, utc(2015, 4, 26, 22, 30)),
    ("2015/04/26 18:00", PARIS, utc(2015, 4, 26, 16)),
])
def test_free_text(text: str, tz: ZoneInfo, expected: datetime) -> None:
    when = parse_when(text, tz=tz)
    assert instant(when) == expected
    assert when.has_time is True
    assert when.written_offset is None


def test_free_text_with_an_offset_or_utc() -> None:
    when = parse_when("Apr 26 2015 6:30 PM -0500", tz=PARIS)
    assert instant(when) == utc(2015, 4, 26, 23, 30)
    assert when.written_offset == timedelta(hours=-5)
    when = parse_when("April 26, 2015 18:00 UTC", tz=PARIS)
    assert instant(when) == utc(2015, 4, 26, 18)
    assert when.written_offset == timedelta(0)


@pytest.mark.parametrize(("text", "tz", "expected"), [
    ("April 26, 2015", NEW_YORK, utc(2015, 4, 26, 22, 30)),
    ("2013-09-28 (Sat)", NEW_YORK, utc(2013, 9, 28, 22, 30)),
    ("2013-09-28 (土)", TOKYO, utc(2013, 9, 28, 9, 30)),
    ("2013-09-28 (sam.)", PARIS, utc(2013, 9, 28, 16, 30)),
    ("2026年06月20日(土)", TOKYO, utc(2026, 6, 20, 9, 30)),
])
def test_free_text_dates_take_the_default_time(text: str, tz: ZoneInfo, expected: datetime
                                               ) -> None:
    when = parse_when(text, tz=tz, default_time=time(18, 30))
    assert instant(when) == expected
    assert when.has_time is False


def test_free_text_does_not_import_dateutil_for_iso_values() -> None:
    # Every command imports this module; dateutil would add to each start-up.
    code = (
        "import sys, datetime\n"
        "from announce.sources.dates import parse_when\n"
        "parse_when('2027-01-06 18:00', tz=datetime.UTC)\n"
        "parse_when(datetime.date(2027, 1, 6), '18:00', tz=datetime.UTC)\n"
        "assert 'dateutil' not in sys.modules, 'dateutil imported'\n"
        "parse_when('Jan 6 2027 6 PM', tz=datetime.UTC)\n"
        "assert 'dateutil' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr


# --- native values ---------------------------------------------------------------------

def test_an_aware_datetime_keeps_its_instant_and_zone() -> None:
    value = datetime(2025, 5, 8, 19, tzinfo=timezone(timedelta(hours=2)))
    when = parse_when(value, tz=NEW_YORK, naive_timestamps_utc=True)
    assert when.moment == value
    assert when.moment.utcoffset() == timedelta(hours=2)
    assert when.written_offset == timedelta(hours=2)
    assert when.has_time is True


def test_an_aware_datetime_in_a_named_zone_is_kept_as_is() -> None:
    value = datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=NEW_YORK)  # the second 1:30, EST
    when = parse_when(value, tz=PARIS)
    assert instant(when) == utc(2024, 11, 3, 6, 30)
    assert when.written_offset == timedelta(hours=-5)


def test_a_naive_datetime_is_local_to_the_site() -> None:
    when = parse_when(datetime(2024, 7, 18, 19), tz=NEW_YORK)
    assert instant(when) == utc(2024, 7, 18, 23)
    assert when.written_offset is None


def test_naive_timestamps_utc_applies_to_native_datetimes_only() -> None:
    native = parse_when(datetime(2024, 7, 18, 19), tz=NEW_YORK, naive_timestamps_utc=True)
    assert instant(native) == utc(2024, 7, 18, 19)
    assert native.written_offset is None
    text = parse_when("2024-07-18 19:00", tz=NEW_YORK, naive_timestamps_utc=True)
    assert instant(text) == utc(2024, 7, 18, 23)


def test_a_date_takes_the_default_time() -> None:
    when = parse_when(date(2027, 1, 6), tz=NEW_YORK, default_time=time(18, 30))
    assert instant(when) == utc(2027, 1, 6, 23, 30)
    assert when.has_time is False


def test_a_midnight_datetime_without_a_time_key_is_midnight() -> None:
    when = parse_when(datetime(2027, 1, 6), tz=NEW_YORK, default_time=time(18, 30))
    assert instant(when) == utc(2027, 1, 6, 5)
    assert when.has_time is True


# --- composition with a separate time key -----------------------------------------------

@pytest.mark.parametrize(("date_value", "time_value", "expected"), [
    (date(2027, 1, 6), "18:30", utc(2027, 1, 6, 23, 30)),
    (date(2027, 1, 6), 1020, utc(2027, 1, 6, 22)),  # unquoted 17:00 in YAML 1.1
    (date(2027, 1, 6), time(18, 30), utc(2027, 1, 6, 23, 30)),  # TOML
    ("2027-01-06", "6:30 PM", utc(2027, 1, 6, 23, 30)),
    ("January 6, 2027", "18h30", utc(2027, 1, 6, 23, 30)),
    ("2027-01-06 00:00", "18:30", utc(2027, 1, 6, 23, 30)),
    (datetime(2027, 1, 6), "18:30", utc(2027, 1, 6, 23, 30)),
])
def test_the_time_key_sets_the_time_of_a_date(date_value: object, time_value: object,
                                              expected: datetime) -> None:
    when = parse_when(date_value, time_value, tz=NEW_YORK, default_time=time(9))
    assert instant(when) == expected
    assert when.has_time is True


def test_the_time_key_is_in_the_date_s_own_offset() -> None:
    when = parse_when("2027-01-06T00:00:00+02:00", "18:00", tz=NEW_YORK)
    assert instant(when) == utc(2027, 1, 6, 16)
    assert when.written_offset == timedelta(hours=2)
    native = datetime(2027, 1, 6, tzinfo=timezone(timedelta(hours=-8)))
    assert instant(parse_when(native, "18:00", tz=NEW_YORK)) == utc(2027, 1, 7, 2)


def test_the_time_key_of_a_naive_utc_midnight_is_local() -> None:
    # js-yaml sites: the date is a day; the time key is the site's wall-clock time.
    when = parse_when(datetime(2027, 1, 6), "18:00", tz=NEW_YORK, naive_timestamps_utc=True)
    assert instant(when) == utc(2027, 1, 6, 23)


def test_a_date_with_a_time_of_day_wins_over_the_time_key() -> None:
    when = parse_when("2027-01-06 19:00", "18:00", tz=NEW_YORK)
    assert instant(when) == utc(2027, 1, 7, 0)
    assert times_disagree(when, "18:00")
    assert times_disagree(when, "TBD")
    assert not times_disagree(when, "7 PM")
    assert not times_disagree(when, 1140)
    assert not times_disagree(when, None)
    assert not times_disagree(when, "")


def test_times_agree_when_the_time_key_was_used() -> None:
    when = parse_when("2027-01-06", "18:00", tz=NEW_YORK)
    assert not times_disagree(when, "18:00")


def test_times_are_compared_in_the_zone_the_date_was_read_in() -> None:
    # A naive UTC timestamp of 23:00 is 18:00 in New York, but the file says 23:00.
    when = parse_when(datetime(2027, 1, 6, 23), tz=NEW_YORK, naive_timestamps_utc=True)
    assert times_disagree(when, "18:00")
    assert not times_disagree(when, "23:00")


def test_an_empty_time_key_is_no_time_key() -> None:
    when = parse_when("2027-01-06", "  ", tz=NEW_YORK, default_time=time(18, 30))
    assert instant(when) == utc(2027, 1, 6, 23, 30)
    assert when.has_time is False


def test_a_bad_time_key_is_reported_when_it_is_needed() -> None:
    with pytest.raises(DateProblem) as excinfo:
        parse_when("2027-01-06", "TBD", tz=NEW_YORK, default_time=time(18, 30))
    assert str(excinfo.value) == "'TBD' is not a time of day (expected e.g. '18:30')"


def test_a_date_without_time_and_without_default_is_a_problem() -> None:
    with pytest.raises(DateProblem) as excinfo:
        parse_when("2026-01-27", tz=NEW_YORK)
    assert str(excinfo.value) == f"'2026-01-27' has no time of day {NO_TIME}"
    with pytest.raises(DateProblem) as excinfo:
        parse_when(date(2026, 1, 27), tz=NEW_YORK)
    assert str(excinfo.value) == f"'2026-01-27' has no time of day {NO_TIME}"
    with pytest.raises(DateProblem) as excinfo:
        parse_when("April 26, 2015", tz=NEW_YORK)
    assert str(excinfo.value) == f"'April 26, 2015' has no time of day {NO_TIME}"


# --- daylight saving time --------------------------------------------------------------

@pytest.mark.parametrize(("date_value", "time_value", "tz", "expected"), [
    # New York springs forward on 2024-03-10 at 02:00, falls back on 2024-11-03 at 02:00.
    ("2024-03-09 18:00", None, NEW_YORK, utc(2024, 3, 9, 23)),
    ("2024-03-10 01:30", None, NEW_YORK, utc(2024, 3, 10, 6, 30)),
    ("2024-03-10 03:30", None, NEW_YORK, utc(2024, 3, 10, 7, 30)),
    ("2024-03-10 18:00", None, NEW_YORK, utc(2024, 3, 10, 22)),
    (date(2024, 3, 10), "18:00", NEW_YORK, utc(2024, 3, 10, 22)),
    ("2024-11-02 18:00", None, NEW_YORK, utc(2024, 11, 2, 22)),
    ("2024-11-03 01:30", None, NEW_YORK, utc(2024, 11, 3, 5, 30)),  # the first 1:30 (EDT)
    ("2024-11-03 18:00", None, NEW_YORK, utc(2024, 11, 3, 23)),
    (datetime(2024, 11, 3, 18), None, NEW_YORK, utc(2024, 11, 3, 23)),
    # Paris springs forward on 2024-03-31 at 02:00, falls back on 2024-10-27 at 03:00.
    ("2024-03-30 19:00", None, PARIS, utc(2024, 3, 30, 18)),
    ("2024-03-31 19:00", None, PARIS, utc(2024, 3, 31, 17)),
    ("2024-03-31", "19:00", PARIS, utc(2024, 3, 31, 17)),
    ("2024-10-26 19:00", None, PARIS, utc(2024, 10, 26, 17)),
    ("2024-10-27 19:00", None, PARIS, utc(2024, 10, 27, 18)),
    (date(2024, 10, 27), "7 PM", PARIS, utc(2024, 10, 27, 18)),
])
def test_wall_clock_times_across_daylight_saving(
    date_value: object, time_value: object, tz: ZoneInfo, expected: datetime
) -> None:
    assert instant(parse_when(date_value, time_value, tz=tz)) == expected


def test_the_default_time_on_a_change_day() -> None:
    when = parse_when(date(2024, 3, 31), tz=PARIS, default_time=time(19))
    assert instant(when) == utc(2024, 3, 31, 17)


@pytest.mark.parametrize(("date_value", "time_value", "tz", "label", "zone"), [
    ("2024-03-10 02:30", None, NEW_YORK, "2024-03-10 02:30", "America/New_York"),
    (date(2024, 3, 31), "2:30", PARIS, "2024-03-31", "Europe/Paris"),
    (datetime(2024, 3, 31, 2, 15), None, PARIS, "2024-03-31 02:15:00", "Europe/Paris"),
])
def test_a_time_the_clocks_skip_is_a_problem(
    date_value: object, time_value: object, tz: ZoneInfo, label: str, zone: str
) -> None:
    with pytest.raises(DateProblem) as excinfo:
        parse_when(date_value, time_value, tz=tz)
    assert str(excinfo.value) == (
        f"'{label}' is not a time that exists in {zone} "
        "(the clocks skip it when daylight saving time starts)"
    )


# --- refusals --------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "message"), [
    ("TBD", f"'TBD' is not a date {EXPECTED}"),
    ("", f"'' is not a date {EXPECTED}"),
    ("soon", f"'soon' is not a date {EXPECTED}"),
    (None, f"no date given {EXPECTED}"),
    (20270106, f"20270106 is not a date {EXPECTED}"),
    (True, f"True is not a date {EXPECTED}"),
    (time(18), f"datetime.time(18, 0) is not a date {EXPECTED}"),
    ("2027-13-01 18:00", "'2027-13-01 18:00' is not a date (there is no month 13)"),
    ("2027-02-30 18:00", "'2027-02-30 18:00' is not a date (2027-02 has 28 days)"),
    ("2028-02-30", "'2028-02-30' is not a date (2028-02 has 29 days)"),
    ("2027-12-32 18:00", "'2027-12-32 18:00' is not a date (2027-12 has 31 days)"),
    ("2027-02-01 25:00", "'2027-02-01 25:00' is not a date (there is no time of day 25:00)"),
    ("2027-02-01 18:61", "'2027-02-01 18:61' is not a date (there is no time of day 18:61)"),
    ("2027-02-01 18:00 +2500",
     "'2027-02-01 18:00 +2500' is not a date (there is no UTC offset +2500)"),
    ("2027-02-01 18:00 +0575",
     "'2027-02-01 18:00 +0575' is not a date (there is no UTC offset +0575)"),
    ("Feb 1 2027 18:00 +2500",
     "'Feb 1 2027 18:00 +2500' is not a date (there is no UTC offset +25:00)"),
    ("2024/13/06 18:00", "'2024/13/06 18:00' is not a date (there is no month 13)"),
    ("May 2015 18:00", f"'May 2015 18:00' is not a date (it has no day; {EXPECTED[1:]}"),
    ("May 5 18:00", f"'May 5 18:00' is not a date (it has no year; {EXPECTED[1:]}"),
    ("18:00", f"'18:00' is not a date (it has no year; {EXPECTED[1:]}"),
    ("next Tuesday 6", f"'next Tuesday 6' is not a date {EXPECTED}"),
    ("05/06/2024 18:00", "'05/06/2024 18:00' is ambiguous (write it as '2024-06-05' if the "
                         "day comes first, or '2024-05-06' if the month does)"),
    ("05.06.2024", "'05.06.2024' is ambiguous (write it as '2024-06-05' if the "
                   "day comes first, or '2024-05-06' if the month does)"),
    ("4/26/15 18:00",
     "'4/26/15 18:00' has a two-digit year (write all four digits, e.g. '2027-01-06 18:00')"),
    ("2015-04-26 18:00 EST",
     "'2015-04-26 18:00 EST' names the timezone 'EST', which is not understood "
     "(write a UTC offset such as '-05:00', or leave it out for the site's timezone)"),
    ("2015-04-26 (CET) 18:00", f"'2015-04-26 (CET) 18:00' is not a date {EXPECTED}"),
])
def test_values_that_are_no_date(value: object, message: str) -> None:
    with pytest.raises(DateProblem) as excinfo:
        parse_when(value, tz=NEW_YORK, default_time=time(18))
    assert str(excinfo.value) == message


@pytest.mark.parametrize(("value", "label"), [
    ("0001-01-01 00:00:00 +0500", "0001-01-01 00:00:00 +0500"),
    ("9999-12-31 23:59", "9999-12-31 23:59"),
    ("1899-12-31", "1899-12-31"),
    ("2201-01-01 18:00", "2201-01-01 18:00"),
    ("April 26, 1815 18:00", "April 26, 1815 18:00"),
    (date(1, 1, 1), "0001-01-01"),
    (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), "0001-01-01 00:00:00+05:00"),
    (datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
     "9999-12-31 23:00:00-05:00"),
    (datetime(9999, 12, 31, 23), "9999-12-31 23:00:00"),
])
def test_years_out_of_range_are_a_problem_not_an_overflow(value: object, label: str) -> None:
    with pytest.raises(DateProblem) as excinfo:
        parse_when(value, "18:00", tz=NEW_YORK, naive_timestamps_utc=True)
    assert str(excinfo.value) == (
        f"'{label}' is not a date (the year must be between 1900 and 2200)")


def test_the_years_at_the_ends_of_the_range_are_fine() -> None:
    assert instant(parse_when("1900-01-01 12:00", tz=UTC)) == utc(1900, 1, 1, 12)
    assert instant(parse_when("2200-12-31 23:00 -0500", tz=UTC)) == utc(2201, 1, 1, 4)


def test_date_problem_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_when("TBD", tz=UTC)


# --- times of day ----------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("6:30 PM", time(18, 30)),
    # German sites write the word for o'clock after it.
    ("19:30 Uhr", time(19, 30)),
    ("19 Uhr", time(19, 0)),
    ("6:30pm", time(18, 30)),
    ("6:30 p.m.", time(18, 30)),
    ("18:00", time(18)),
    ("18h30", time(18, 30)),
    ("19h", time(19)),
    ("7 PM", time(19)),
    ("7am", time(7)),
    ("12 PM", time(12)),
    ("12:15 AM", time(0, 15)),
    ("19:00:00", time(19)),
    ("19:00:30.5", time(19, 0, 30, 500000)),
    ("18.30", time(18, 30)),
    (" 08:05 ", time(8, 5)),
    ("13時30分", time(13, 30)),
    # "from": when the evening starts (Tech Events Magdeburg's "ab 19:00").
    ("ab 19:00", time(19)),
    ("from 7pm", time(19)),
    ("dès 19h30", time(19, 30)),
    (1020, time(17)),  # YAML 1.1: 17:00 is 17*60+0
    (1439, time(23, 59)),
    (60, time(1)),
    (68400, time(19)),  # YAML 1.1: 19:00:00 is 19*3600
    (66630, time(18, 30, 30)),
    (time(18, 30), time(18, 30)),
])
def test_times_of_day(value: object, expected: time) -> None:
    assert parse_time_of_day(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("19", "'19' is not a time of day (expected e.g. '18:30')"),
    ("TBD", "'TBD' is not a time of day (expected e.g. '18:30')"),
    ("", "'' is not a time of day (expected e.g. '18:30')"),
    ("18:00 +02:00", "'18:00 +02:00' is not a time of day (expected e.g. '18:30')"),
    ("25:00", "'25:00' is not a time of day (no such time)"),
    ("18:75", "'18:75' is not a time of day (no such time)"),
    ("13 PM", "'13 PM' is not a time of day (with AM or PM the hour is 1 to 12)"),
    ("0:30 am", "'0:30 am' is not a time of day (with AM or PM the hour is 1 to 12)"),
    (18, '18 is not a time of day (write hours and minutes in quotes, e.g. "18:30")'),
    (1800, '1800 is not a time of day (write hours and minutes in quotes, e.g. "18:30")'),
    (86400, '86400 is not a time of day (write hours and minutes in quotes, e.g. "18:30")'),
    (-60, '-60 is not a time of day (write hours and minutes in quotes, e.g. "18:30")'),
    (True, "True is not a time of day (expected e.g. '18:30')"),
    (18.5, "18.5 is not a time of day (expected e.g. '18:30')"),
    (datetime(2027, 1, 6, 18),
     "datetime.datetime(2027, 1, 6, 18, 0) is not a time of day (expected e.g. '18:30')"),
    (time(18, tzinfo=UTC),
     "'18:00:00+00:00': a time of day cannot carry a UTC offset (put the offset on the date)"),
])
def test_values_that_are_no_time_of_day(value: object, message: str) -> None:
    with pytest.raises(DateProblem) as excinfo:
        parse_time_of_day(value)
    assert str(excinfo.value) == message


# --- durations -------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (90, timedelta(minutes=90)),
    ("90", timedelta(minutes=90)),
    ("90m", timedelta(minutes=90)),
    ("90 min", timedelta(minutes=90)),
    ("45 minutes", timedelta(minutes=45)),
    ("1h30", timedelta(minutes=90)),
    ("1h 30m", timedelta(minutes=90)),
    ("2h", timedelta(hours=2)),
    ("2 hours", timedelta(hours=2)),
    ("1.5h", timedelta(minutes=90)),
    ("1,5 h", timedelta(minutes=90)),
    ("PT1H30M", timedelta(minutes=90)),
    ("PT90M", timedelta(minutes=90)),
    ("pt2h", timedelta(hours=2)),
    ("P1DT2H", timedelta(days=1, hours=2)),
    ("01:30", timedelta(minutes=90)),
    ("2:00", timedelta(hours=2)),
    (timedelta(hours=3), timedelta(hours=3)),
    (7 * 24 * 60, timedelta(days=7)),
])
def test_durations(value: object, expected: timedelta) -> None:
    assert parse_duration(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    (0, "0 is not a duration (it must be longer than zero)"),
    ("0", "'0' is not a duration (it must be longer than zero)"),
    ("PT0M", "'PT0M' is not a duration (it must be longer than zero)"),
    (-30, "-30 is not a duration (it must be longer than zero)"),
    (7 * 24 * 60 + 1, "10081 is not a duration (it must be 7 days at most)"),
    ("P8D", "'P8D' is not a duration (it must be 7 days at most)"),
    ("200h", "'200h' is not a duration (it must be 7 days at most)"),
    ("-90", "'-90' is not a duration (expected minutes, e.g. 90, or '1h30')"),
    ("1.5", "'1.5' is not a duration (expected minutes, e.g. 90, or '1h30')"),
    ("1.5h30", "'1.5h30' is not a duration (expected minutes, e.g. 90, or '1h30')"),
    ("an evening", "'an evening' is not a duration (expected minutes, e.g. 90, or '1h30')"),
    ("", "'' is not a duration (expected minutes, e.g. 90, or '1h30')"),
    ("P", "'P' is not a duration (expected minutes, e.g. 90, or '1h30')"),
    ("1:75", "'1:75' is not a duration (expected minutes, e.g. 90, or '1h30')"),
    (1.5, "1.5 is not a duration (expected minutes, e.g. 90, or '1h30')"),
    (True, "True is not a duration (expected minutes, e.g. 90, or '1h30')"),
    (None, "None is not a duration (expected minutes, e.g. 90, or '1h30')"),
])
def test_values_that_are_no_duration(value: object, message: str) -> None:
    with pytest.raises(DateProblem) as excinfo:
        parse_duration(value)
    assert str(excinfo.value) == message
