"""Sites none of us has seen: one convention of a real meetup site per test, end to end.

Each test builds a tiny site in ``tmp_path`` (an ``announce.toml``, a few event files and
the generator's config or data files), loads it as every command does
(``load_settings`` + ``load_catalog``, or the ``announce`` command itself) and asserts what
an organizer would notice: the exact start instant, the venue, the speakers, the RSVP
link, which files are events, and problems as ``check`` prints them
(``path:line: key: message``, paths relative to the site folder, where the tests run).
"""

from __future__ import annotations

import email
import email.policy
import json
import textwrap
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from announce.cli import cli
from announce.config import load_settings
from announce.content import Catalog, Event, Speaker
from announce.links import meetup_url
from announce.render import render_subject
from announce.sitefacts import detect_site
from announce.sources.catalog import load_catalog

CHICAGO = "America/Chicago"  # -06:00 on 2027-03-04 (daylight saving starts on 03-14)


@pytest.fixture(autouse=True)
def in_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in its own site folder, as an organizer runs announce."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOUNCE_CONFIG", raising=False)
    return tmp_path


def config(*, tz: str = CHICAGO, events: str = "content/events", content: str = "",
           tables: str = "") -> str:
    """An announce.toml: [site], [content] (plus ``content`` lines), then ``tables``, and
    the list to send to (what check asks for)."""
    return (f'[site]\nname = "Test Meetup"\ntimezone = "{tz}"\n\n'
            f'[content]\nevents = "{events}"\n{textwrap.dedent(content)}\n'
            f"{textwrap.dedent(tables)}\n[mail]\nto = [\"members@x.test\"]\n")


def md(front: str, body: str = "") -> str:
    """A Markdown file with YAML front matter (both dedented)."""
    return f"---\n{textwrap.dedent(front).strip()}\n---\n{textwrap.dedent(body)}"


def write(files: Mapping[str, str | bytes]) -> None:
    for name, text in files.items():
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


def load(announce_toml: str, files: Mapping[str, str | bytes]) -> Catalog:
    """Write the site into the current folder and read it as every command does."""
    write({"announce.toml": announce_toml, **files})
    return load_catalog(load_settings(Path("announce.toml")))


def errors(catalog: Catalog) -> list[str]:
    return [str(p) for p in catalog.errors]


def warnings(catalog: Catalog) -> list[str]:
    return [str(p) for p in catalog.warnings]


def left_out(catalog: Catalog) -> list[str]:
    return [str(p) for p in catalog.left_out]


def events_by_id(catalog: Catalog) -> dict[str, Event]:
    assert errors(catalog) == []
    return {event.id: event for event in catalog.events}


def only_event(catalog: Catalog) -> Event:
    assert errors(catalog) == []
    assert len(catalog.events) == 1, [e.id for e in catalog.events]
    return catalog.events[0]


def announce(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# --- 1. a date and a separate time key ---------------------------------------------------


@pytest.mark.parametrize(("written", "utc"), [
    ('"6:30 PM"', datetime(2027, 3, 5, 0, 30, tzinfo=UTC)),
    ('"18:00"', datetime(2027, 3, 5, 0, 0, tzinfo=UTC)),
])
def test_date_with_separate_time_key_is_that_time_in_the_site_timezone(
        written: str, utc: datetime) -> None:
    catalog = load(config(), {"content/events/talk.md": md(f"""
        title: Talk
        date: 2027-03-04
        time: {written}
        location: Library
    """)})

    # Aware datetimes compare as instants: this is the moment, not the wall clock.
    assert only_event(catalog).start == utc


# --- 2. naive timestamps: js-yaml (Eleventy) reads them as UTC, Ruby (Jekyll) as local ----


@pytest.mark.parametrize(("marker", "events", "utc"), [
    (".eleventy.js", "events", datetime(2027, 3, 4, 18, 30, tzinfo=UTC)),
    ("_config.yml", "_events", datetime(2027, 3, 5, 0, 30, tzinfo=UTC)),
], ids=["eleventy-utc", "jekyll-local"])
def test_unquoted_timestamp_without_offset_is_read_as_the_generator_reads_it(
        marker: str, events: str, utc: datetime) -> None:
    catalog = load(config(events=events), {
        marker: "module.exports = () => ({});\n" if marker.endswith(".js")
        else "title: Test Meetup\n",
        f"{events}/talk.md": md("""
            title: Talk
            started_at: 2027-03-04 18:30:00
            location: Library
        """),
    })

    assert only_event(catalog).start == utc


# --- 3. a nested event mapping with free-text date -------------------------------------


def test_nested_event_date_in_words_and_twelve_hour_time() -> None:
    catalog = load(config(), {"content/events/talk.md": md("""
        title: Talk
        event:
          date: "April 26, 2027"
          time: "6:30 PM"
        location: Library
    """)})

    # April 26 is in daylight saving time: -05:00.
    assert only_event(catalog).start == datetime(2027, 4, 26, 23, 30, tzinfo=UTC)


# --- 4. a date with an offset, and a date whose own time wins ---------------------------


def test_midnight_date_with_offset_takes_the_time_key_in_that_offset() -> None:
    catalog = load(config(tz="America/Los_Angeles"), {"content/events/talk.md": md("""
        title: Talk
        date: 2027-03-04T00:00:00-08:00
        time: "7:00 PM"
        location: Library
    """)})

    event = only_event(catalog)
    assert event.start == datetime(2027, 3, 5, 3, 0, tzinfo=UTC)  # 19:00 -08:00
    assert warnings(catalog) == []


def test_date_with_its_own_time_wins_over_a_disagreeing_time_key_and_check_warns() -> None:
    catalog = load(config(tz="America/Los_Angeles"), {"content/events/talk.md": md("""
        title: Talk
        date: 2027-03-04T18:30:00-08:00
        time: "7:00 PM"
        location: Library
    """)})

    assert only_event(catalog).start == datetime(2027, 3, 5, 2, 30, tzinfo=UTC)  # 18:30
    expected = ("content/events/talk.md:4: time: '7:00 PM' is not the time date says "
                "(18:30): using date's")
    assert warnings(catalog) == [expected]
    result = announce("check", "--now", "2027-03-01")
    assert f"warning: {expected}" in result.output.splitlines()
    assert result.exit_code == 0, result.output


# --- 5. Zola: TOML front matter with the start under [extra] ---------------------------


def test_zola_site_reads_extra_start_and_reports_a_bad_one_on_its_line() -> None:
    catalog = load(config(tz="Europe/Berlin"), {
        "config.toml": 'base_url = "https://x.test"\ntitle = "Zola Meetup"\n',
        "content/events/_index.md": '+++\ntitle = "Events"\nsort_by = "date"\n+++\n',
        "content/events/good.md": textwrap.dedent("""\
            +++
            title = "Good"
            [extra]
            start = 2027-03-04T18:30:00Z
            venue = "Library"
            +++
            Talk.
        """),
        "content/events/bad.md": textwrap.dedent("""\
            +++
            title = "Bad"

            [extra]
            venue = "Library"
            start = "2027-02-30 18:30"
            +++
        """),
    })

    assert catalog.generator == "zola"
    assert [(e.id, e.start) for e in catalog.events] == [
        ("good", datetime(2027, 3, 4, 18, 30, tzinfo=UTC))]
    assert errors(catalog) == [
        "content/events/bad.md:6: extra.start: '2027-02-30 18:30' is not a date "
        "(2027-02 has 28 days)"]


# --- 6. YAML 1.1 (Jekyll) and YAML 1.2 (Hugo) ------------------------------------------


@pytest.mark.parametrize(("marker", "events"), [
    ("_config.yml", "_events"), ("hugo.toml", "content/events"),
], ids=["jekyll-yaml-1.1", "hugo-yaml-1.2"])
def test_unquoted_24_hour_time_is_that_time_in_either_yaml(marker: str, events: str) -> None:
    catalog = load(config(events=events), {
        marker: "title: T\n" if marker.endswith(".yml") else 'title = "T"\n',
        f"{events}/talk.md": md("""
            title: Talk
            date: 2027-03-04
            time: 17:00
            location: Library
        """),
    })

    assert only_event(catalog).start == datetime(2027, 3, 4, 23, 0, tzinfo=UTC)


_CANCELLED_NO = md("""
    title: Talk
    date: 2027-03-04 18:30
    location: Library
    cancelled: no
""")


def test_cancelled_no_is_false_in_jekyll() -> None:
    catalog = load(config(events="_events"), {
        "_config.yml": "title: T\n", "_events/talk.md": _CANCELLED_NO})

    assert only_event(catalog).cancelled is False


def test_cancelled_no_is_text_in_hugo_and_no_boolean() -> None:
    catalog = load(config(), {
        "hugo.toml": 'title = "T"\n', "content/events/talk.md": _CANCELLED_NO})

    assert catalog.events == ()
    assert errors(catalog) == [
        "content/events/talk.md:5: cancelled: expected true or false, got 'no'"]


# --- 7. a date alone, and [content] default_time ---------------------------------------


def test_date_only_start_takes_default_time_or_is_unsure() -> None:
    event_file = md("""
        title: Talk
        date: 2027-03-04
        location: Library
    """)
    with_default = load(config(content='default_time = "19:00"'),
                        {"content/events/talk.md": event_file})
    assert only_event(with_default).start == datetime(2027, 3, 5, 1, 0, tzinfo=UTC)

    # Nobody wrote a time: the date loads, at midnight, and the event says it is unsure.
    without = only_event(load(config(), {}))
    assert without.unsure == ("start",)
    assert without.start == datetime(2027, 3, 4, 0, 0, tzinfo=ZoneInfo("America/Chicago"))
    assert "default_time" in without.sources["start"] or "no time" in without.sources["start"]


# --- 8. front matter syntaxes and file encodings ---------------------------------------

_YAML = "---\ntitle: Talk\ndate: 2027-03-04 18:30\ntimezone: Mars/Olympus\n---\nBody text.\n"


@pytest.mark.parametrize(("content", "line"), [
    (_YAML, 4),
    ('{\n  "title": "Talk",\n  "date": "2027-03-04 18:30",\n  "timezone": "Mars/Olympus"\n}\n'
     "Body text.\n", 4),
    ('+++\ntitle = "Talk"\ndate = 2027-03-04T18:30:00\ntimezone = "Mars/Olympus"\n+++\n'
     "Body text.\n", 4),
    ("\n\n" + _YAML, 6),
    (_YAML.replace("\n", "\r\n").encode(), 4),
    (b"\xef\xbb\xbf" + _YAML.encode(), 4),
    (b"\xef\xbb\xbf" + _YAML.replace("\n", "\r\n").encode(), 4),
], ids=["yaml", "json", "toml", "leading-blank-lines", "crlf", "bom", "bom-crlf"])
def test_every_front_matter_syntax_loads_with_right_lines(content: str | bytes, line: int
                                                          ) -> None:
    catalog = load(config(), {"content/events/talk.md": content})

    event = only_event(catalog)
    assert event.title == "Talk"
    assert event.start == datetime(2027, 3, 5, 0, 30, tzinfo=UTC)
    assert event.description == "Body text."
    assert f"content/events/talk.md:{line}: timezone: unknown timezone 'Mars/Olympus' (an " \
        "IANA name such as 'Asia/Singapore'); using the site's" in warnings(catalog)


# --- 9. venues -------------------------------------------------------------------------


@pytest.mark.parametrize("venue", [
    "venue: {name: Town Hall, address: 1 Main St}",
    "venue: {title: Town Hall, address: 1 Main St}",
])
def test_inline_venue_mapping_with_name_or_title(venue: str) -> None:
    catalog = load(config(), {"content/events/talk.md": md(f"""
        title: Talk
        date: 2027-03-04 18:30
        {venue}
    """)})

    location = only_event(catalog).location
    assert location is not None
    assert (location.title, location.address, location.online) == (
        "Town Hall", "1 Main St", False)


@pytest.mark.parametrize(("venue", "title", "online"), [
    ('location: "Town Hall"', "Town Hall", False),
    ("place: Online", "Online", True),
])
def test_free_text_venue_without_locations_folder(venue: str, title: str, online: bool
                                                  ) -> None:
    catalog = load(config(), {"content/events/talk.md": md(f"""
        title: Talk
        date: 2027-03-04 18:30
        {venue}
    """)})

    location = only_event(catalog).location
    assert location is not None
    assert (location.title, location.online) == (title, online)
    assert warnings(catalog) == []


def test_venue_ids_into_a_data_file() -> None:
    catalog = load(config(tables='[content.lookup]\nvenue = "_data/venues.yml"\n'), {
        "_data/venues.yml": textwrap.dedent("""\
            hall:
              name: Town Hall
              address: 1 Main St
              city: Springfield
            zoom:
              name: Zoom
              url: https://zoom.test/j/1
        """),
        "content/events/a.md": md("title: A\ndate: 2027-03-04 18:30\nvenue: hall"),
        "content/events/b.md": md("title: B\ndate: 2027-04-01 18:30\nvenue: zoom"),
    })

    events = events_by_id(catalog)
    hall, zoom = events["a"].location, events["b"].location
    assert hall is not None
    assert zoom is not None
    assert (hall.title, hall.address_lines, hall.online) == (
        "Town Hall", ("1 Main St", "Springfield"), False)
    assert (zoom.title, zoom.url, zoom.online) == ("Zoom", "https://zoom.test/j/1", True)


def test_venue_ids_into_mkdocs_extra() -> None:
    catalog = load(config(events="docs/events",
                          tables='[content.lookup]\nvenue = "mkdocs.yml#extra.locations"\n'), {
        "mkdocs.yml": textwrap.dedent("""\
            site_name: PyData Test
            markdown_extensions:
              - pymdownx.superfences:
                  custom_fences:
                    - name: mermaid
                      class: mermaid
                      format: !!python/name:pymdownx.superfences.fence_code_format
            extra:
              locations:
                hq:
                  name: Example HQ
                  address: 1 Main St
        """),
        "docs/events/talk.md": md("title: Talk\ndate: 2027-03-04 18:30\nvenue: hq"),
    })

    assert catalog.generator == "mkdocs"
    location = only_event(catalog).location
    assert location is not None
    assert (location.title, location.address, location.online) == (
        "Example HQ", "1 Main St", False)


def test_locations_folder_matches_title_or_file_name_and_names_the_known_ones() -> None:
    catalog = load(config(content='locations = "_locations"'), {
        "_locations/town-hall.md": md("title: Town Hall\naddress: 1 Main St"),
        "_locations/library.md": md("title: Public Library\naddress: 2 Elm St"),
        "content/events/by-title.md": md(
            "title: A\ndate: 2027-03-04 18:30\nlocation: town hall"),
        "content/events/by-file.md": md(
            "title: B\ndate: 2027-04-01 18:30\nlocation: library"),
        "content/events/unknown.md": md(
            "title: C\ndate: 2027-05-06 18:30\nlocation: Nowhere"),
    })

    titles = {e.id: e.location.title if e.location else None for e in catalog.events}
    assert titles == {"by-title": "Town Hall", "by-file": "Public Library"}
    assert errors(catalog) == [
        "content/events/unknown.md:4: location: unknown location 'Nowhere' "
        "(known: 'Public Library', 'Town Hall')"]


# --- 10. speakers ----------------------------------------------------------------------

_TALKS = """
    title: Two talks
    date: 2027-03-04 18:30
    location: Library
    talks:
      - speaker: Ann Lee
        title: Parsing dates
      - speaker: Bob Ray
        title: Sending mail
"""


@pytest.mark.parametrize("tables", [
    "",
    '[content.keys]\nspeakers = "talks[].speaker"\ntalk_title = "talks[].title"\n',
], ids=["default-keys", "mapped-keys"])
def test_talks_list_gives_each_speaker_their_talk(tables: str) -> None:
    catalog = load(config(tables=tables), {"content/events/talk.md": md(_TALKS)})

    assert only_event(catalog).speakers == (
        Speaker("Ann Lee", talk="Parsing dates"), Speaker("Bob Ray", talk="Sending mail"))


def test_agenda_presenter_and_title() -> None:
    catalog = load(config(), {"content/events/talk.md": md("""
        title: Evening
        date: 2027-03-04 18:30
        location: Library
        agenda:
          - presenter: Pat Kim
            title: Type hints
    """)})

    assert only_event(catalog).speakers == (Speaker("Pat Kim", talk="Type hints"),)


def test_author_with_author_link() -> None:
    catalog = load(config(), {"content/events/talk.md": md("""
        title: Talk
        date: 2027-03-04 18:30
        location: Library
        author: Jane Doe
        author_link: https://jane.test
    """)})

    event = only_event(catalog)
    assert event.speakers == (Speaker("Jane Doe", url="https://jane.test"),)
    assert event.presenter == "Jane Doe"


def test_speaker_ids_into_a_folder_of_speaker_files() -> None:
    catalog = load(config(tables='[content.lookup]\nspeakers = "content/speakers"\n'), {
        "content/speakers/ann-lee.md": md("title: Ann Lee\nwebsite: https://ann.test",
                                          "Ann builds compilers.\n"),
        "content/events/talk.md": md("""
            title: Talk
            date: 2027-03-04 18:30
            location: Library
            speakers: [ann-lee]
        """, "What the talk is about.\n"),
    })

    event = only_event(catalog)
    assert [(s.name, s.bio, s.url) for s in event.speakers] == [
        ("Ann Lee", "Ann builds compilers.", "https://ann.test")]
    assert event.speaker == "Ann builds compilers."  # the email's speaker section
    assert event.description == "What the talk is about."


def test_presenter_string_with_and_is_two_speakers() -> None:
    catalog = load(config(), {"content/events/talk.md": md("""
        title: Talk
        date: 2027-03-04 18:30
        location: Library
        presenter: Ann Lee and Bob Ray
    """)})

    event = only_event(catalog)
    assert [s.name for s in event.speakers] == ["Ann Lee", "Bob Ray"]
    assert event.presenter == "Ann Lee and Bob Ray"


@pytest.mark.parametrize(("talks", "expected"), [
    ("  - speaker: [Ann Lee, Bob Ray]\n    title: Pair programming\n"
     "  - speaker: Cy Dee\n    title: Sending mail\n",
     [("Ann Lee", "Pair programming"), ("Bob Ray", "Pair programming"),
      ("Cy Dee", "Sending mail")]),
    ("  - title: Welcome and news\n  - speaker: Cy Dee\n    title: Sending mail\n",
     [("Cy Dee", "Sending mail")]),
], ids=["talk-with-two-speakers", "talk-without-speaker"])
def test_talks_list_keeps_each_speaker_s_talk_when_talks_are_not_one_speaker_each(
        talks: str, expected: list[tuple[str, str]]) -> None:
    front = "title: Evening\ndate: 2027-03-04 18:30\nlocation: Library\ntalks:\n" + talks
    catalog = load(config(), {"content/events/talk.md": f"---\n{front}---\n"})

    assert [(s.name, s.talk) for s in only_event(catalog).speakers] == expected


def test_presenter_string_with_a_credential_is_one_speaker() -> None:
    catalog = load(config(), {"content/events/talk.md": md("""
        title: Talk
        date: 2027-03-04 18:30
        location: Library
        presenter: "Dr. Ann Lee, PhD and Bob Ray"
    """)})

    assert [s.name for s in only_event(catalog).speakers] == ["Dr. Ann Lee, PhD", "Bob Ray"]


def test_a_lookup_that_names_a_missing_folder_is_reported() -> None:
    write({"announce.toml": config(tables='[content.lookup]\nspeakers = "content/speakerz"\n'),
           "content/speakers/ann-lee.md": md("title: Ann Lee"),
           "content/events/talk.md": md("""
               title: Talk
               date: 2027-03-04 18:30
               location: Library
               speakers: [ann-lee]
           """)})

    result = announce("check", "--now", "2027-03-01")
    assert "content/speakerz" in result.output
    assert result.exit_code == 1, result.output


# --- 11. RSVP links --------------------------------------------------------------------


@pytest.mark.parametrize(("front", "url"), [
    ("meetupUrl: https://www.meetup.com/boise-gophers/events/1/",
     "https://www.meetup.com/boise-gophers/events/1/"),
    ("learnMoreURL: https://example.test/learn", "https://example.test/learn"),
    ("luma: https://lu.ma/abc123", "https://lu.ma/abc123"),
    ("rsvpButtonUrl: https://tickets.test/e/1", "https://tickets.test/e/1"),
    ("registration:\n  url: https://forms.test/r/1\n  deadline: 2027-03-01",
     "https://forms.test/r/1"),
])
def test_rsvp_link_from_the_site_s_key(front: str, url: str) -> None:
    head = "title: Talk\ndate: 2027-03-04 18:30\nlocation: Library\n"
    catalog = load(config(), {"content/events/talk.md": md(head + front)})

    assert only_event(catalog).rsvp_url == url


def test_meetup_id_with_the_configured_group_is_the_meetup_page() -> None:
    catalog = load(config(tables='[rsvp]\nmeetup_group = "boise-gophers"\n'), {
        "content/events/talk.md": md("""
            title: Talk
            date: 2027-03-04 18:30
            location: Library
            meetup_id: 301234567
        """)})

    event = only_event(catalog)
    assert event.meetup_id == "301234567"
    settings = load_settings(Path("announce.toml"))
    assert meetup_url(settings, event) == "https://www.meetup.com/boise-gophers/events/301234567/"


def test_rsvp_link_from_a_liquid_include_in_the_body() -> None:
    catalog = load(config(), {"content/events/talk.md": md(
        "title: Talk\ndate: 2027-03-04 18:30\nlocation: Library",
        'Come along.\n\n{% include links.html doorkeeper_url="https://x.doorkeeper.jp/events/1" '
        "%}\n")})

    assert only_event(catalog).rsvp_url == "https://x.doorkeeper.jp/events/1"


# --- 12. what is no event, and ids ----------------------------------------------------


def test_hugo_bundles_sections_drafts_and_other_groups_are_no_events() -> None:
    event = "date: 2027-03-04 18:30\nlocation: Library\n"
    catalog = load(config(content='group = "rugs"',
                          tables='[content.lookup]\ngroup = "content/orgs"\n'), {
        "hugo.toml": 'title = "T"\n',
        "content/orgs/rugs.md": md("title: Ruby Users"),
        "content/events/_index.md": md("title: Events"),
        "content/events/meetup-1/index.md": md(f"title: One\norg: rugs\n{event}"),
        "content/events/meetup-1/notes.md": md(f"title: Notes\norg: rugs\n{event}"),
        "content/events/draft.md": md(f"title: Draft\norg: rugs\ndraft: true\n{event}"),
        "content/events/other.md": md(f"title: Other\norg: pdxrb\n{event}"),
        "content/events/2027-04-01-two.md": md(
            "title: Two\norg: rugs\ndate: 2027-04-01 18:30\nlocation: Library"),
    })

    events = events_by_id(catalog)
    assert list(events) == ["meetup-1", "2027-04-01-two"]
    assert events["meetup-1"].slug == "meetup-1"
    assert events["2027-04-01-two"].slug == "two"
    assert events["meetup-1"].group_name == "Ruby Users"
    # The mail is the group's: its name where the site's would be.
    subject = render_subject(load_settings(Path("announce.toml")), events["meetup-1"],
                             "announcement", datetime(2027, 1, 1, tzinfo=UTC))
    assert subject.startswith("Ruby Users: ")
    assert sorted(left_out(catalog)) == [
        "content/events/_index.md:1: not an event: a section page (the events list, not an "
        "event)",
        "content/events/draft.md:1: not an event: a draft (draft: true)",
        "content/events/meetup-1/notes.md:1: not an event: a resource of the page bundle "
        "content/events/meetup-1/index.md",
        "content/events/other.md:1: not an event: another group's event (pdxrb; [content] "
        "group = 'rugs')",
    ]


# --- 13. announce init on a Hugo site -------------------------------------------------


def test_init_on_a_hugo_site_maps_its_keys_and_list_shows_the_start(in_site: Path) -> None:
    write({
        "hugo.toml": textwrap.dedent("""\
            title = "Boise Gophers"
            baseURL = "https://gophers.test/"
            languageCode = "en-us"
            timeZone = "America/Denver"
        """),
        "content/_index.md": md("title: Home"),
        "content/about.md": md("title: About us"),
        "content/events/_index.md": md("title: Events"),
        "content/events/march.md": md("""
            title: March meetup
            date: 2027-01-15
            startDate: 2027-03-04
            startTime: "18:30"
            venue: Trailhead
            rsvpButtonUrl: https://meetup.test/e/1
        """),
        "content/events/april.md": md("""
            title: April meetup
            date: 2027-02-15
            startDate: 2027-04-01
            startTime: "18:00"
            venue: Trailhead
            rsvpButtonUrl: https://meetup.test/e/2
        """),
    })

    facts = detect_site(in_site)
    assert (facts.generator, facts.events) == ("hugo", "content/events")

    result = announce("init")
    assert result.exit_code == 0, result.output
    written = tomllib.loads(Path("announce.toml").read_text(encoding="utf-8"))
    assert {k: written["site"][k] for k in ("name", "url", "timezone", "language")} == {
        "name": "Boise Gophers", "url": "https://gophers.test", "timezone": "America/Denver",
        "language": "en-us"}
    assert written["content"]["generator"] == "hugo"
    assert written["content"]["events"] == "content/events"
    keys = written["content"]["keys"]
    assert {k: keys.get(k) for k in ("start", "start_time", "venue", "rsvp")} == {
        "start": "startDate", "start_time": "startTime", "venue": "venue",
        "rsvp": "rsvpButtonUrl"}

    listed = announce("list", "--json", "--now", "2027-01-01")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["start"], r["location"], r["rsvp_url"]) for r in rows] == [
        ("march", "2027-03-04T18:30:00-07:00", "Trailhead", "https://meetup.test/e/1"),
        ("april", "2027-04-01T18:00:00-06:00", "Trailhead", "https://meetup.test/e/2"),
    ]



# --- dates and places written in the body; dates in file names ---------------------------


def test_a_date_in_a_labelled_body_line_with_its_range_and_venue() -> None:
    catalog = load(config(tables='[content.keys]\nstart = ["date", "body:When"]\n'
                                 'venue = "body:Where"\n'), {
        "content/events/a.md": md("title: A", """
            Come along!

            **When:** 2027-03-04 6:30 PM - 8:30 PM
            **Where:** [Town Hall](https://hall.test)<br>1 Main St
            """),
    })
    a = events_by_id(catalog)["a"]
    assert (a.start, a.end) == (datetime(2027, 3, 5, 0, 30, tzinfo=UTC),
                                datetime(2027, 3, 5, 2, 30, tzinfo=UTC))
    assert a.location is not None
    assert (a.location.title, a.location.address) == ("Town Hall", "1 Main St")
    # No "When" line in b: reported at the file, naming the first key of the map.
    assert errors(load(config(tables='[content.keys]\nstart = ["date", "body:When"]\n'), {
        "content/events/b.md": md("title: B", "Soon.\n")})) == [
        "content/events/b.md:1: date: required: when the event starts"]


def test_init_reads_a_body_date_row_that_most_files_have() -> None:
    rows = {f"content/events/{n}/index.md": md(f'title: "#{n}"', f"""
        | **日時** | 2027年0{n}月1{n}日(土) 13:00 - 17:00 |
        | **会場** | オンライン開催 |
        """) for n in range(1, 6)}
    write({"content/events/old.md": md("title: Old\ndate: 2026-12-05 18:00"), **rows})
    result = announce("init")
    assert result.exit_code == 0, result.output
    text = Path("announce.toml").read_text(encoding="utf-8")
    assert 'start = ["date", "body:日時"]' in text
    catalog = load_catalog(load_settings(Path("announce.toml")))
    first = events_by_id(catalog)["1"]
    # The zone is the machine's (the site names none): compare the wall clock there.
    local = first.start.astimezone(load_settings(Path("announce.toml")).site.tz)
    assert (local.date().isoformat(), local.strftime("%H:%M"),
            first.end.astimezone(local.tzinfo).strftime("%H:%M")) == ("2027-01-11", "13:00",
                                                                      "17:00")
    assert first.location is not None
    assert first.location.online


def test_the_date_in_a_file_name() -> None:
    catalog = load(config(content='default_time = "18:00"\n',
                          tables='[content.keys]\nstart = "file:date"\n'), {
        "content/events/2027-03-04-socratic-seminar.md": md("title: Seminar"),
        "content/events/2027-04-01/index.md": md("title: Bundle"),
    })
    starts = {e.id: e.start for e in catalog.events}
    assert starts == {"2027-03-04-socratic-seminar": datetime(2027, 3, 5, 0, tzinfo=UTC),
                      "2027-04-01": datetime(2027, 4, 1, 23, tzinfo=UTC)}


def test_a_yaml_alias_bomb_is_reported_at_once_not_expanded() -> None:
    # Nine levels of nine: 387 million strings if anything walked or printed it whole.
    levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    bomb = "\n".join([*levels, "title: *i", "dtstart: *i", "location: *i", "presenter: *i"])
    good = md("title: Good\ndtstart: 2027-03-04 18:00")
    catalog = load(config(), {"content/events/bomb.md": f"---\n{bomb}\n---\nBody\n",
                              "content/events/good.md": good})
    assert [e.id for e in catalog.events] == ["good"]
    assert [(p.line, p.field) for p in catalog.errors] == [
        (11, "title"), (12, "dtstart"), (13, "location")]
    assert all(len(str(p)) < 200 for p in catalog.errors)


# --- problems found by trying the README's examples ---------------------------------------


def test_an_impossible_time_in_the_start_is_the_start_s_problem() -> None:
    catalog = load(config(), {"content/events/a.md": md('title: A\ndtstart: "2027-03-03 25:00"')})
    assert errors(catalog) == [
        "content/events/a.md:3: dtstart: '2027-03-03 25:00' is not a date "
        "(there is no time of day 25:00)"]


def test_a_bundle_s_own_image_is_next_to_its_page() -> None:
    write({"announce.toml": config(tables="") .replace(
               '[site]\n', '[site]\nurl = "https://x.test"\npermalink = "/events/:path/"\n'),
           "hugo.toml": 'title = "T"\n',
           "content/events/meetup-1/index.md": md(
               "title: One\ndate: 2027-03-04T18:00:00-06:00\nimage: hero.png\nvenue: Hall",
               "![map](map.png)\n")})
    result = announce("render", "meetup-1", "--kind", "announcement", "--now", "2027-03-01")
    assert result.exit_code == 0, result.output
    message = email.message_from_string(result.stdout, policy=email.policy.default)
    html = message.get_body(("html",))
    assert html is not None
    text = html.get_content()
    assert 'src="https://x.test/events/meetup-1/hero.png"' in text
    assert 'src="https://x.test/events/meetup-1/map.png"' in text


def test_a_venue_id_no_record_has_is_a_warning() -> None:
    catalog = load(config(tables='[content.lookup]\nvenue = "_data/venues.yml"\n'), {
        "_data/venues.yml": "hall:\n  name: Town Hall\n",
        "content/events/a.md": md("title: A\ndtstart: 2027-03-04 18:00\nvenue: hal"),
    })
    assert warnings(catalog) == [
        "content/events/a.md:4: venue: 'hal' is no venue in _data/venues.yml: shown as written"]


def test_init_on_a_site_of_one_bundle_finds_its_events_folder() -> None:
    write({"hugo.toml": 'title = "T"\ntimeZone = "America/Chicago"\n',
           "content/events/first/index.md": md("title: First\ndate: 2027-03-04T18:00:00")})
    assert announce("init").exit_code == 0
    settings = load_settings(Path("announce.toml"))
    assert settings.content.events == Path.cwd() / "content" / "events"
    assert settings.content.naive_times == "local"  # Hugo with a timeZone: local dates
    assert [e.id for e in load_catalog(settings).events] == ["first"]


def test_mdx_import_lines_are_not_mailed() -> None:
    catalog = load(config(), {"content/events/a.mdx": md(
        "title: A\ndtstart: 2027-03-04 18:00",
        "import Card from '../components/Card.astro'\nexport const x = 1\n\nHello **there**.\n")})
    assert only_event(catalog).description == "Hello **there**."


def test_an_mdx_page_without_a_title_takes_its_heading_and_mails_no_code() -> None:
    write({"announce.toml": config(), "content/events/a.mdx": md(
        "dtstart: 2027-03-04 18:00\nvenue: Hall",
        "import Tabs from '@theme/Tabs';\nexport const speakers = ['Ann'];\n\n"
        "# Rust *and* WebAssembly {#top}\n\n<Tabs>\n  Talks at {'7pm'}.\n</Tabs>\n")})
    event = only_event(load_catalog(load_settings(Path("announce.toml"))))
    assert event.title == "Rust and WebAssembly"
    assert [line.strip() for line in event.description.splitlines() if line.strip()] == [
        "# Rust *and* WebAssembly", "Talks at 7pm."]
    result = announce("check")
    assert result.exit_code == 0, result.output
    assert ("warning: content/events/a.mdx:10: body: component <Tabs> is not known: its "
            "content is kept, the component left out (map it in [content.shortcodes])"
            ) in result.stdout.splitlines()


def test_a_markdown_page_without_a_title_takes_its_first_heading_else_it_is_unsure() -> None:
    catalog = load(config(), {
        "content/events/a.md": md("dtstart: 2027-03-04 18:00", "```\n# not this\n```\n\n"
                                  "## Nor this\n\n# Spring meetup\n"),
        "content/events/b.md": md("dtstart: 2027-04-01 18:00", "No heading at all.\n"),
    })
    # Without a heading, the file's name stands in for the title, marked unsure: send
    # refuses it (an empty title: key is still an error).
    assert [(e.title, "title" in e.unsure) for e in catalog.events] == [
        ("Spring meetup", False), ("b", True)]
    assert errors(catalog) == []


def test_every_problem_of_the_key_map_is_reported_at_once() -> None:
    write({"announce.toml": config(tables='[content.keys]\nstrat = "date"\nstart = ""\n'
                                          'venue = 3\n')})
    result = announce("check")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "announce: error: announce.toml: [content] keys: strat: unknown field (known: "
        + ", ".join(__import__("announce.sources.keymap").sources.keymap.DEFAULT_KEYS) + ")",
        "announce: error:     start: expected a key path such as 'date' or 'event.date'",
        "announce: error:     venue: expected a key path or a list of them, got an integer (3)",
    ]


def test_init_github_watches_the_site_s_own_folders() -> None:
    write({"astro.config.mjs": 'export default { site: "https://x.test" }\n',
           "src/content/events/a/index.md": md("title: A\nstartDate: '2027-03-04'\n"
                                               "startTime: '18:00'"),
           "src/content/events/b/index.md": md("title: B\nstartDate: '2027-04-01'\n"
                                               "startTime: '18:00'")})
    assert announce("init", "--github").exit_code == 0
    workflow = Path(".github/workflows/announce.yml").read_text(encoding="utf-8")
    assert '      - "src/content/events/**"\n      - "_events/**"\n' in workflow


def test_init_on_a_zola_site_dated_by_file_name_leaves_its_pages_out() -> None:
    write({"config.toml": 'base_url = "https://x.test"\ntitle = "Devs"\n',
           "content/_index.md": "+++\ntitle = \"Home\"\n+++\n",
           "content/about/_index.md": "+++\ntitle = \"About\"\n+++\n",
           "content/about/parking.md": "+++\ntitle = \"Parking\"\n+++\nBehind the hall.\n",
           **{f"content/2027-0{m}-09-seminar-{m}.md": f'+++\ntitle = "Seminar {m}"\n+++\n'
              for m in range(1, 5)}})
    result = announce("init")
    assert result.exit_code == 0, result.output
    settings = load_settings(Path("announce.toml"))
    assert settings.content.keys["start"] == ("file:date",)
    assert settings.content.exclude == ("about/*",)
    checked = announce("check")  # its one error: init cannot know the list's address
    assert [line.split(": ")[2] for line in checked.output.splitlines()
            if line.startswith("error:")] == ["[mail] to"]
    assert checked.exit_code == 1
    # The file names give dates and nothing gives a time of day: unsure, not 18:30.
    assert settings.content.default_time == ""
    events = load_catalog(settings).events
    assert [(e.start.month, e.start.day) for e in events] == [(m, 9) for m in range(1, 5)]
    assert all("start" in e.unsure for e in events)


def test_init_finds_a_site_kept_in_a_folder_of_the_repository() -> None:
    write({"README.md": "# The repository\n",
           "page/hugo.toml": 'title = "Python Town"\nbaseURL = "https://py.test/"\n'
                             'timeZone = "Europe/Warsaw"\n',
           **{f"page/content/meetups/{n}.md": md(f"title: Meetup {n}\n"
                                                  f"date: 2027-0{n}-10T18:00:00")
              for n in range(1, 4)}})
    result = announce("init")
    assert result.exit_code == 0, result.output
    assert "the Hugo site is in page/: its config is read from there" in result.stderr
    settings = load_settings(Path("announce.toml"))
    assert (settings.content.generator, settings.site.name, settings.site.url) == (
        "hugo", "Python Town", "https://py.test")
    assert settings.content.events == Path.cwd() / "page" / "content" / "meetups"
    assert settings.site.permalink is None  # the pages are where Hugo's rules put them
    first = load_catalog(settings).events[0]
    assert first.start == datetime(2027, 1, 10, 17, tzinfo=UTC)  # Warsaw, as Hugo reads it
    from announce.pages import event_page_url

    assert event_page_url(settings, first) == "https://py.test/meetups/1/"


def test_init_prefers_the_folder_named_for_events_to_pages_dated_beside_it() -> None:
    write({"hugo.toml": 'title = "T"\ntimeZone = "Europe/Warsaw"\n',
           **{f"content/spotkania/{n}.md": md(f"title: Meetup {n}\ndate: 2027-0{n}-10T18:00:00")
              for n in range(1, 8)},
           **{f"content/{page}.md": md(f"title: {page}\ndate: 2025-01-01")
              for page in ("privacy", "cookies", "rules")}})
    assert announce("init").exit_code == 0
    settings = load_settings(Path("announce.toml"))
    assert settings.content.events == Path.cwd() / "content" / "spotkania"
    assert len(load_catalog(settings).events) == 7


def test_a_relative_image_in_a_nested_key_is_reported_on_its_own_line() -> None:
    write({"announce.toml": config(),
           "content/events/a.md": md("""
               title: A
               dtstart: 2027-03-04 18:00
               location: Town Hall
               event:
                 cover:
                   img: /assets/a.png
               """)})
    result = announce("check")
    assert result.exit_code == 1
    assert ("error: content/events/a.md:7: event.cover.img: '/assets/a.png': relative URL: "
            "set [site] url in the config so that it can be made absolute") in \
        result.stdout.splitlines()


def test_check_warns_about_a_start_years_away_on_the_key_s_line() -> None:
    write({"announce.toml": config(),
           "content/events/typo.md": md("title: Typo\nlocation: Hall\nevent:\n"
                                        "  date: 2062-03-04 18:00"),
           "content/events/fine.md": md("title: Fine\nlocation: Hall\ndate: 2027-03-04 18:00")})
    result = announce("check", "--now", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stdout.splitlines() if "typo" in line or "fine" in line] == [
        "warning: content/events/typo.md:5: event.date: starts 2062-03-04, more than 5 years "
        "ahead: a typo?"]


def test_a_time_range_in_the_time_key_gives_the_end() -> None:
    event = only_event(load(config(), {"content/events/a.md": md(
        'title: A\nlocation: Hall\ndate: 2027-03-04\ntime: "6:30 PM - 8:30 PM"')}))
    assert (event.start, event.end) == (datetime(2027, 3, 5, 0, 30, tzinfo=UTC),
                                        datetime(2027, 3, 5, 2, 30, tzinfo=UTC))


# --- Pelican: Key: value headers and pelicanconf.py ----------------------------------------


def pelican_post(title: str, date: str, body: str, *extra: str) -> str:
    return "\n".join((f"Title: {title}", f"Date: {date}", "Category: Meetups", *extra, "",
                      body))


def test_a_pelican_site_reads_its_headers_in_its_timezone_and_leaves_drafts_out() -> None:
    write({"pelicanconf.py": "SITENAME = 'LUG'\nPATH = 'content'\nTIMEZONE = 'Africa/Nairobi'\n",
           "publishconf.py": "from pelicanconf import *\nSITEURL = 'https://lug.test'\n",
           "content/meetup-march.md": pelican_post(
               "March meetup", "2027-03-06 4:00pm",
               "![Group shot]({static}/images/march.jpg)\n", "LOCATION: KFC Kimathi Street"),
           "content/meetup-april.md": pelican_post("April meetup", "2027-04-03 16:00",
                                                   "Soon.\n", "Status: draft"),
           "content/meetup-may.md": pelican_post("May meetup", "2027-05-33 16:00", "X\n")})
    assert announce("init").exit_code == 0
    settings = load_settings(Path("announce.toml"))
    assert (settings.site.url, settings.site.timezone) == ("https://lug.test", "Africa/Nairobi")
    catalog = load_catalog(settings)
    (event,) = catalog.events
    assert (event.id, event.start, event.location_name) == (
        "meetup-march", datetime(2027, 3, 6, 13, tzinfo=UTC), "KFC Kimathi Street")
    assert left_out(catalog) == [
        "content/meetup-april.md:1: not an event: a draft (draft: true)"]
    assert [e.split(": ", 1)[0] for e in errors(catalog)] == ["content/meetup-may.md:2"]

    write({"announce.toml": Path("announce.toml").read_text(encoding="utf-8").replace(
        "\n[mail]\n", '\n[mail]\nto = ["members@lug.test"]\n', 1)})
    result = announce("render", "meetup-march", "--kind", "announcement", "--now",
                      "2027-03-01")
    assert result.exit_code == 0, result.output
    message = email.message_from_string(result.stdout, policy=email.policy.default)
    html = message.get_body(("html",))
    assert html is not None
    assert 'src="https://lug.test/images/march.jpg"' in html.get_content()
    assert "{static}" not in result.stdout
