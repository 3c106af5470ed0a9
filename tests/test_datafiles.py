"""Events kept as data entries: a data file with a list of events, or a file per event.

Each test writes a small site into ``tmp_path`` (an ``announce.toml`` and data files),
loads it as every command does and asserts what an organizer would notice: which entries
are events, their ids, start instants and venues, and problems as ``check`` prints them
(``path:line: key: message``) while the other entries load.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from announce.cli import cli
from announce.config import load_settings
from announce.content import Catalog, Event
from announce.errors import ConfigError
from announce.sources.catalog import load_catalog

BERLIN = "Europe/Berlin"  # +01:00 in winter, +02:00 in summer


@pytest.fixture(autouse=True)
def in_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in its own site folder, as an organizer runs announce."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOUNCE_CONFIG", raising=False)
    return tmp_path


def config(events: str, tables: str = "") -> str:
    return (f'[site]\nname = "Data Meetup"\ntimezone = "{BERLIN}"\n\n'
            f'[mail]\nto = ["members@data.test"]\n\n'
            f'[content]\nevents = "{events}"\n\n{textwrap.dedent(tables)}')


def write(files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def load(announce_toml: str, files: Mapping[str, str]) -> Catalog:
    write({"announce.toml": announce_toml, **files})
    return load_catalog(load_settings(Path("announce.toml")))


def by_id(catalog: Catalog) -> dict[str, Event]:
    assert [str(p) for p in catalog.errors] == []
    return {event.id: event for event in catalog.events}


def announce(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


EVENTS_YML = """\
- title: Rust on Microcontrollers
  date: 2027-03-04 18:30:00
  location: Makerspace
  description: |
    Blinking an LED, **safely**.
- title: Postgres Internals
  date: 2027-05-06T19:00:00+02:00
  location: Library
"""


# --- one data file holding a list --------------------------------------------------------


def test_a_yaml_list_of_events_loads_each_entry_through_the_key_map() -> None:
    catalog = load(config("_data/events.yml"), {"_data/events.yml": EVENTS_YML})

    events = by_id(catalog)
    assert list(events) == ["2027-03-04-rust-on-microcontrollers",
                            "2027-05-06-postgres-internals"]
    rust = events["2027-03-04-rust-on-microcontrollers"]
    assert rust.start == utc(2027, 3, 4, 17, 30)  # naive: in the site's timezone
    assert rust.location is not None
    assert rust.location.title == "Makerspace"
    assert rust.path == Path("_data/events.yml").resolve()
    assert rust.description == "Blinking an LED, **safely**."
    assert rust.body_line == 5  # the line after "description: |"
    assert rust.slug == "rust-on-microcontrollers"
    assert events["2027-05-06-postgres-internals"].start == utc(2027, 5, 6, 17, 0)
    assert catalog.files_read == 2


def test_keyed_lists_of_tables_are_all_read_and_an_entry_keeps_its_id_between_them() -> None:
    # Zola's events.toml: the site moves an entry from [[upcoming]] to [[past]] once held.
    before = """\
        [[upcoming]]
        title = "Meetup #52"
        date = 2027-10-28 18:00:00+02:00
        venue = "Trifork"
        content = \"\"\"
        <p>Talks and <em>food</em>.</p>
        \"\"\"

        [[past]]
        title = "Meetup #51"
        date = 2027-09-30 18:00:00+02:00
        venue = "Factbird"
        """
    catalog = load(config("events.toml"), {"events.toml": before})
    events = by_id(catalog)
    assert sorted(events) == ["2027-09-30-meetup-51", "2027-10-28-meetup-52"]
    assert events["2027-10-28-meetup-52"].start == utc(2027, 10, 28, 16, 0)
    assert events["2027-10-28-meetup-52"].description.strip() == "<p>Talks and <em>food</em>.</p>"
    assert events["2027-10-28-meetup-52"].body_line == 6

    after = before.replace("[[upcoming]]", "[[past]]", 1)
    write({"events.toml": after})
    moved = by_id(load_catalog(load_settings(Path("announce.toml"))))
    assert sorted(moved) == sorted(events)
    assert moved["2027-10-28-meetup-52"].start == events["2027-10-28-meetup-52"].start


def test_ids_do_not_change_when_entries_are_added_or_reordered() -> None:
    catalog = load(config("events.yml"), {"events.yml": EVENTS_YML})
    ids = {e.id: e.start for e in by_id(catalog).values()}

    first, second = EVENTS_YML.split("- title: Postgres")
    new = "- title: Lightning Night\n  date: 2027-04-01 18:00:00\n  location: Makerspace\n"
    write({"events.yml": new + "- title: Postgres" + second + first})
    reordered = by_id(load_catalog(load_settings(Path("announce.toml"))))

    assert {i: e.start for i, e in reordered.items() if i in ids} == ids
    assert "2027-04-01-lightning-night" in reordered


def test_an_id_or_slug_key_is_the_entrys_id() -> None:
    catalog = load(config("events.json"), {"events.json": json.dumps([
        {"id": "spring-social", "title": "Spring Social", "start": "2027-04-01T18:00:00",
         "location": "Park"},
        {"slug": "summer-social", "title": "Summer Social", "start": "2027-07-01T18:00:00",
         "location": "Park"},
    ], indent=2)})

    assert sorted(by_id(catalog)) == ["spring-social", "summer-social"]


def test_a_list_without_starts_beside_the_events_is_left_out_with_a_note() -> None:
    text = json.dumps({
        "sponsors": [{"name": "Acme"}, {"name": "Initech"}],
        "events": [{"title": "Kickoff", "date": "2027-02-01 18:00", "location": "Hub"}],
    }, indent=2)
    catalog = load(config("_data/site.json"), {"_data/site.json": text})

    assert list(by_id(catalog)) == ["2027-02-01-kickoff"]
    assert [str(p) for p in catalog.left_out] == [
        "_data/site.json:3: sponsors: not events: no entry of this list has a start"]


def test_a_bad_entry_is_reported_on_its_own_line_while_the_others_load() -> None:
    text = EVENTS_YML + textwrap.dedent("""\
        - title: Broken Date
          date: 2027-13-45 18:00
          location: Library
        - location: Nowhere
          date: 2027-06-01 18:00:00
        - just a string
        """)
    catalog = load(config("events.yaml"), {"events.yaml": text})

    assert sorted(e.id for e in catalog.events) == [
        "2027-03-04-rust-on-microcontrollers", "2027-05-06-postgres-internals"]
    problems = [str(p) for p in sorted(catalog.errors, key=lambda p: p.line)]
    assert len(problems) == 3, problems
    assert problems[0].startswith("events.yaml:10: date: ")  # the key's own line
    assert problems[1] == "events.yaml:12: title: required"  # the entry's first line
    assert problems[2] == ("events.yaml:14: entry 5: expected the keys of an event, got "
                           "'just a string'")
    result = announce("check")
    assert result.exit_code == 1
    assert "error: events.yaml:12: title: required" in result.output.splitlines()
    assert result.output.splitlines()[-1].startswith(
        "Checked 5 event entries and 0 locations: 3 errors")


def test_an_unreadable_data_file_is_one_error_with_its_line() -> None:
    catalog = load(config("events.toml"), {"events.toml": '[[events]]\ntitle = "x\n'})

    assert [(p.line, p.message.split(":")[0]) for p in catalog.errors] == [
        (2, "not valid TOML")]
    assert catalog.events == ()


def test_check_names_the_line_of_an_entrys_key_after_loading() -> None:
    # The "more than 5 years ahead" warning is found after loading: it looks the key up
    # again, in the entry that has it, not in the file's first entry.
    write({"announce.toml": config("events.yml"),
           "events.yml": EVENTS_YML.replace("2027-05-06T19:00", "2072-05-06T19:00")})

    result = announce("check", "--now", "2027-01-01")

    assert ("warning: events.yml:7: date: starts 2072-05-06, more than 5 years ahead: "
            "a typo?") in result.output.splitlines()


def test_check_finds_the_entry_in_the_yaml_dialect_of_the_sites_generator() -> None:
    # Eleventy reads YAML 1.2: "yes" is text there, a boolean to YAML 1.1.
    write({"announce.toml": config("_data/events.yml"),
           ".eleventy.js": "module.exports = () => ({});\n",
           "_data/events.yml": EVENTS_YML + "- title: Far Away\n  date: 2072-05-06 19:00\n"
                               "  location: Moon\n  snacks: yes\n"})

    result = announce("check", "--now", "2027-01-01")

    assert ("warning: _data/events.yml:10: date: starts 2072-05-06, more than 5 years ahead: "
            "a typo?") in result.output.splitlines()


# --- a folder of data files, one event each ----------------------------------------------

SERIES = {
    "series/brno/events/2027-05-27.yaml": """\
        start: 2027-05-27 19:00:00
        name: Brno Meetup
        topic: May evening
        venue: artbar
        talks:
          - title: Orchestration
            speakers: [Jan Novak]
        """,
    "series/praha/events/2027-06-16-summer.yaml": """\
        start: 2027-06-16 18:30:00
        name: Praha Meetup
        venue: na-venecku
        talks: []
        """,
    "series/praha/series.yaml": "name: Praha Meetup\n",
    "cities/brno/venues/artbar.yaml": "name: ArtBar\naddress: Main Street 1\n",
    "cities/praha/venues/na-venecku.yaml": "name: Na Venecku\n",
}


def test_a_pattern_of_data_files_reads_one_event_per_file_known_by_its_path() -> None:
    catalog = load(config("series/*/events/*.yaml",
                          '[content.lookup]\nvenue = "cities/*/venues"\n'), SERIES)

    events = by_id(catalog)
    assert sorted(events) == ["brno/events/2027-05-27", "praha/events/2027-06-16-summer"]
    brno = events["brno/events/2027-05-27"]
    assert brno.start == utc(2027, 5, 27, 17, 0)
    assert brno.location is not None
    assert (brno.location.title, brno.location.address) == ("ArtBar", "Main Street 1")
    assert [s.name for s in brno.speakers] == ["Jan Novak"]
    assert events["praha/events/2027-06-16-summer"].slug == "summer"
    assert catalog.files_read == 2  # series.yaml is not matched


def test_exclude_leaves_out_data_files_below_the_events_folder() -> None:
    catalog = load(config("series/*/events/*.yaml", 'exclude = ["praha/*"]\n'), SERIES)

    assert [e.id for e in catalog.events] == ["brno/events/2027-05-27"]
    assert [str(p) for p in catalog.left_out] == [
        "series/praha/events/2027-06-16-summer.yaml:1: not an event: excluded ([content] "
        "exclude)"]


def test_a_missing_data_file_names_the_setting() -> None:
    write({"announce.toml": config("_data/events.yml")})

    result = announce("list")

    assert result.exit_code == 1
    assert result.output.startswith("announce: error: _data/events.yml: events data file not "
                                    "found (set [content] events in announce.toml")


@pytest.mark.parametrize(("events", "why"), [
    ("content/events/talk.md", "is one page: name the folder of the talk files"),
    ("content/*/talks/*.md", "a pattern names data files of events"),
])
def test_events_that_name_no_folder_or_data_file_are_a_config_error(events: str,
                                                                    why: str) -> None:
    write({"announce.toml": config(events)})

    with pytest.raises(ConfigError) as caught:
        load_settings(Path("announce.toml"))

    assert f"announce.toml: [content] events: {events!r} {why}".replace("' a", "': a") \
        in str(caught.value)


def test_events_naming_a_data_file_or_pattern_reads_below_its_folder() -> None:
    write({"announce.toml": config("_data/events.yml")})
    content = load_settings(Path("announce.toml")).content
    assert (content.events, content.data) == (Path("_data").resolve(), ("events.yml",))

    write({"announce.toml": config("series/*/events/*.yaml")})
    content = load_settings(Path("announce.toml")).content
    assert (content.events, content.data) == (Path("series").resolve(), ("*/events/*.yaml",))

    write({"announce.toml": config("content/events")})
    assert load_settings(Path("announce.toml")).content.data == ()
