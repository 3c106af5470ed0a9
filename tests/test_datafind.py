"""`announce init` on sites that keep their events as data entries, not Markdown pages.

Small sites written into ``tmp_path`` (a Zola ``events.toml`` beside three recording
pages, a Jekyll ``_data/events.yml`` beside slide decks, a folder of YAML files per
series), then two real ones copied from ../shared: init alone must find the entries,
say so, and ``list --all --json`` must give the events with the instants and venues the
files state (facts.json holds the hand-read truth).
"""

from __future__ import annotations

import json
import shutil
import textwrap
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from announce.cli import cli

from .conftest import SHARED, shared

SITES = SHARED / "corpus" / "sites"


@pytest.fixture(autouse=True)
def in_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in its own site folder, in Berlin unless it says otherwise."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOUNCE_CONFIG", raising=False)
    monkeypatch.setenv("TZ", "Europe/Berlin")
    return tmp_path


def write(files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def announce(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def init() -> tuple[Result, dict[str, Any]]:
    result = announce("init")
    assert result.exit_code == 0, result.output
    return result, tomllib.loads(Path("announce.toml").read_text(encoding="utf-8"))


def listed() -> list[dict[str, Any]]:
    result = announce("list", "--all", "--json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def zola_entry(number: int, day: str) -> str:
    return (f'[[past]]\ntitle = "Meetup #{number}"\ndate = {day} 18:00:00+02:00\n'
            f'venue = "Hall {number}"\ncontent = """\n<p>Talks.</p>\n"""\n\n')


def test_zola_events_toml_wins_over_three_recording_pages() -> None:
    write({
        "config.toml": 'base_url = "https://rust.example"\ntitle = "Rust Group"\n'
                       '[extra]\nnav = [{ title = "Home", url = "/" }]\n',
        "content/events/_index.md": '+++\ntitle = "Events"\n+++\n',
        **{f"content/events/meetup-{n}.md": f'+++\ntitle = "Meetup #{n}"\ndate = 2027-0{n}-01\n'
           '+++\n\n## A talk\n\nby Someone\n' for n in (1, 2, 3)},
        "events.toml": "".join(zola_entry(n, f"2027-0{n}-0{n}") for n in range(1, 8)),
    })

    result, config = init()

    assert result.stdout.splitlines()[1].startswith(
        "Found a Zola site: 7 events in events.toml; name Rust Group;")
    assert "the events are entries of events.toml: 7 with a date" in result.stderr
    assert "the 3 Markdown files with a date are not read as events" in result.stderr
    assert config["content"]["events"] == "events.toml"
    assert config["content"]["keys"]["venue"] == "venue"
    rows = listed()
    assert [row["id"] for row in rows] == [f"2027-0{n}-0{n}-meetup-{n}" for n in range(1, 8)]
    assert rows[0]["start"] == "2027-01-01T17:00:00+01:00"  # 18:00+02:00, shown in Berlin
    assert rows[0]["location"] == "Hall 1"
    assert rows[0]["path"] == str(Path("events.toml").resolve())


def test_jekyll_data_file_of_events_wins_over_a_folder_of_slide_decks() -> None:
    deck = "---\ntitle: Deck {n}\ndate: 2026-0{n}-10\n---\n" + "# Slide\n\n---\n\n" * 6
    entries = "".join(f"- title: Talk night {n}\n  date: 2027-0{n}-14 19:00\n"
                      f"  location: Cafe\n" for n in range(1, 6))
    write({
        "_config.yml": "title: Data Meetup\ntimezone: Europe/Berlin\n",
        **{f"talks/deck-{n}.md": deck.format(n=n) for n in range(1, 10)},
        "_data/events.yml": entries,
    })

    result, config = init()

    assert config["content"]["events"] == "_data/events.yml"
    assert "5 events in _data/events.yml" in result.stdout
    assert [row["title"] for row in listed()] == [f"Talk night {n}" for n in range(1, 6)]


def test_a_markdown_site_with_a_small_dated_data_file_stays_a_markdown_site() -> None:
    write({
        "content/events/" + f"2027-0{n}-01-talk.md": f"---\ntitle: Talk {n}\n"
        f"date: 2027-0{n}-01T18:00:00+01:00\nlocation: Lab\n---\nText.\n" for n in (1, 2, 3, 4)
    } | {"data/releases.yaml": "".join(f"- version: 1.{n}\n  date: 2026-0{n}-01\n"
                                        for n in range(1, 6))})

    _result, config = init()

    assert config["content"]["events"] == "content/events"


def test_a_data_file_the_sites_calendar_loops_over_wins_its_date_kept_in_parts() -> None:
    # Fewer entries than the dated posts, and no date key: the day, month and year in keys
    # of their own, the time on its own. The site's .ics template shows each entry as a
    # VEVENT: they are the events, and their start is composed from the parts.
    entries = "".join(f"  - meeting: Treffen {n}\n    tag: '0{n}'\n    monat: '0{n + 5}'\n"
                      f"    jahr: 2027\n    ort: Timescafe\n    start: '19:30 Uhr'\n"
                      for n in (2, 3))
    write({
        "_config.yml": "title: Stammtisch\ntimezone: Europe/Berlin\n",
        **{f"_posts/202{n}-11-05-rueckblick.md": f"---\ntitle: Rückblick 202{n}\n"
           f"date: 202{n}-11-05 18:54\n---\nSo war das Jahr.\n" for n in range(1, 6)},
        "_data/daten.yaml": f"linuxuser:\n{entries}",
        "kalender.ics": "---\nlayout: none\n---\nBEGIN:VCALENDAR\n"
                        "{% for t in site.data.daten.linuxuser %}\nBEGIN:VEVENT\n"
                        "DTSTART:{{ t.jahr }}{{ t.monat }}{{ t.tag }}T190000\n"
                        "SUMMARY:{{ t.meeting }}\nLOCATION:{{ t.ort }}\nEND:VEVENT\n"
                        "{% endfor %}\nEND:VCALENDAR\n",
    })

    result, config = init()

    assert config["content"]["events"] == "_data/daten.yaml"
    assert "kalender.ics shows each entry of site.data.daten.linuxuser as an event" in (
        result.stdout + result.stderr)
    assert config["content"]["keys"]["start"] == "jahr-monat-tag+start"
    rows = listed()
    assert [(r["title"], r["start"], r["location"], r["unsure"]) for r in rows] == [
        ("Treffen 2", "2027-07-02T19:30:00+02:00", "Timescafe", ["url"]),
        ("Treffen 3", "2027-08-03T19:30:00+02:00", "Timescafe", ["url"])]


SERIES_EVENT = """\
    start: 2027-0{month}-1{day} 19:00:00
    name: {series} Meetup
    topic: {topic}
    venue: {venue}
    talks:
      - title: A talk
        speakers: [{speaker}]
    """


def test_a_folder_of_data_files_per_series_becomes_one_pattern_with_its_venues() -> None:
    files = {}
    topics = iter(["Spring", "Snakes", "Summer", "Typing", "Packaging", "Async", "Testing",
                   "Wheels", "Parsers"])
    for series, city, venue, count in (("Brno", "brno", "artbar", 5),
                                       ("Praha", "praha", "venecek", 4)):
        for n in range(1, count + 1):
            files[f"series/{city}-meetup/events/2027-0{n}-1{n}.yaml"] = SERIES_EVENT.format(
                month=n, day=n, series=series, topic=(topic := next(topics)), venue=venue,
                speaker=f"{topic[0]}. Example")  # each evening its own speaker
        files[f"series/{city}-meetup/series.yaml"] = f"name: {series} Meetup\n"
        files[f"cities/{city}/venues/{venue}.yaml"] = f"name: {venue.title()} Bar\n"
    write(files)

    result, config = init()

    assert config["content"]["events"] == "series/*/events/*.yaml"
    assert config["content"]["lookup"]["venue"] == "cities/*/venues"
    # name: is the series' name in every file; topic: is each evening's own title.
    assert config["content"]["keys"]["title"] == ["topic", "name"]
    assert "Found a folder of data files: 9 events in series/*/events/*.yaml" in result.stdout
    rows = {row["id"]: row for row in listed()}
    assert len(rows) == 9
    first = rows["brno-meetup/events/2027-01-11"]
    assert (first["title"], first["location"], first["speakers"]) == (
        "Spring", "Artbar Bar", ["S. Example"])
    assert datetime.fromisoformat(first["start"]).astimezone(UTC) == datetime(
        2027, 1, 11, 18, 0, tzinfo=UTC)
    assert rows["praha-meetup/events/2027-04-14"]["location"] == "Venecek Bar"


# --- two real sites, copied from ../shared -----------------------------------------------


def facts(site: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SITES / "facts.json").read_text(encoding="utf-8"))
    return data[site]  # type: ignore[no-any-return]  # facts.json's own shape


def real_site(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A copy of the site, where announce runs as its organizer would: in its timezone."""
    source = shared(SITES / name)
    site = tmp_path / name
    shutil.copytree(source, site)
    monkeypatch.chdir(site)
    truth = facts(name)
    monkeypatch.setenv("TZ", truth["tz"])
    return truth


def instant(row: dict[str, Any]) -> str:
    return datetime.fromisoformat(row["start"]).astimezone(UTC).isoformat()


def test_cph_rust_events_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    truth = real_site("cph-community-cph-rust-website", tmp_path, monkeypatch)

    result, config = init()

    assert "Found a Zola site: 63 events in events.toml;" in result.stdout
    assert config["content"]["events"] == "events.toml"
    rows = listed()
    assert len(rows) == truth["events"] == 63
    by_title = {row["title"]: row for row in rows}
    for title in ("Meetup #40", "Rust - Copenhagen Tech Polyglot Meetup"):
        fact = truth["facts"][title]
        row = by_title[title]
        assert instant(row) == fact["start"]
        assert row["location"] == fact["venue"]
    # Two entries carry the other season's offset: read as written, and check says so.
    assert instant(by_title["Meetup #52"]) == "2024-10-31T16:00:00+00:00"
    assert instant(by_title["Hack Night #26"]) == "2022-06-30T17:00:00+00:00"
    check = announce("check").output.splitlines()
    assert any(line.startswith("warning: events.toml:3: date: offset +02:00 is not the "
                               "site's") for line in check)
    hack_night = next(n for n, line in enumerate(
        Path("events.toml").read_text(encoding="utf-8").splitlines(), 1)
        if line == 'title = "Hack Night #26"')
    assert any(line.startswith(f"warning: events.toml:{hack_night + 1}: date: offset +01:00")
               for line in check)


def test_pyvo_data_series_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    truth = real_site("pyvec-pyvo-data", tmp_path, monkeypatch)

    result, config = init()

    assert "Found a folder of data files: 638 events in series/*/events/*.yaml;" \
        in result.stdout
    assert config["content"]["events"] == "series/*/events/*.yaml"
    assert config["content"]["lookup"]["venue"] == "cities/*/venues"
    rows = {row["id"]: row for row in listed()}
    assert len(rows) == truth["events"] == 638
    for event_id in ("brno-pyvo/events/2026-05-28", "praha-pyvo/events/2026-06-17"):
        fact, row = truth["facts"][event_id], rows[event_id]
        assert instant(row) == fact["start"]
        assert (row["title"], row["location"]) == (fact["title"], fact["venue"])
    assert rows["brno-pyvo/events/2026-05-28"]["speakers"] == ["Jan Karel"]
    oldest = truth["facts"]["praha-pyvo/events/2011-01-17"]
    row = rows["praha-pyvo/events/2011-01-17"]
    assert row["start"].startswith(oldest["date"])  # a bare date: at init's default_time
    assert (row["title"], row["location"], row["speakers"]) == (
        oldest["title"], oldest["venue"], oldest["speakers"])


def test_data_files_written_front_matter_style_are_one_event_each() -> None:
    # Tech Events Magdeburg: _data/events/2023-12-20_Netz39_Stammtisch.yml is "---", the
    # keys, "---", as Jekyll (Ruby's YAML) reads it: one document, then an empty one.
    write({"_config.yml": "title: Tech Events\ntimezone: Europe/Berlin\n",
           "_posts/2019-07-14-welcome-to-jekyll.md":
               "---\ntitle: Welcome to Jekyll!\ndate: 2019-07-14 10:32:00 +0200\n---\nHi\n"})
    for day in ("2023-11-22", "2023-11-29", "2023-12-20"):
        write({f"_data/events/{day}_Stammtisch.yml":
               f'---\ndate: "{day}"\ntime: "19:30-21:00"\norg: "Netz39 e.V."\n'
               'title: "Netz39-Stammtisch"\nlocation: "Netz39 e.V., Leibnizstr. 32"\n---\n'})
    result, _config = init()
    assert "3 events in _data/events/*.yml" in result.output
    assert "only a date" not in result.output  # the time key says when
    assert [(r["start"], r["end"], r["location"]) for r in listed()][-1] == (
        "2023-12-20T19:30:00+01:00", "2023-12-20T21:00:00+01:00",
        "Netz39 e.V., Leibnizstr. 32")


def test_a_scraped_list_reads_its_event_times_not_the_time_it_was_scraped() -> None:
    # A list scraped from an event platform: each entry has the event's own time, written
    # with a weekday ("2025/03/14 周五 19:00"), and the time the scraper saw it, within
    # hours of the others. The scrape time is a date key too, with a time of day in every
    # entry: only its values, on two days for twenty events, tell it is no event's start.
    entries = [{"id": str(n), "title": f"Cloud Night {n}",
                "time": f"2025/{(n % 12) + 1:02}/1{n % 10} {'周五' if n % 2 else '星期六'} 19:00",
                "location": "上海浦东", "scrapedAt": f"2025-12-0{1 + n % 2}T10:{n:02}:00Z"}
               for n in range(20)]
    write({"config.toml": 'title = "Cloud UG"\n',
           "data/events.json": json.dumps(entries, ensure_ascii=False)})
    result, config = init()
    assert config["content"]["keys"]["start"] == "time", result.output
    rows = {r["title"]: r for r in listed()}
    assert rows["Cloud Night 3"]["start"].startswith("2025-04-13T19:00:00")
    assert "start" not in rows["Cloud Night 3"]["unsure"]


def test_the_list_the_sites_pages_import_wins_over_its_raw_copy() -> None:
    # An Eleventy-style site keeps the raw list it fetched and the cleaned list its pages
    # import; both have every event, only the imported one is what members see.
    raw = [{"name": f"Meetup #{n} & friends", "date": f"2025-0{n}-12 18:30",
            "place": "Hackerspace"} for n in range(1, 10)]
    clean = [{**e, "name": e["name"].replace(" & friends", "")} for e in raw]
    write({"package.json": '{"dependencies": {"astro": "5.0.0"}}',
           "astro.config.mjs": "export default {}\n",
           "data/raw/events.json": json.dumps(raw),
           "src/data/events.json": json.dumps(clean),
           "src/pages/events/[slug].astro":
               "---\nimport events from '../../data/events.json';\n---\n"
               "<h1>{event.name}</h1><p>When: {event.date}</p>\n",
           "src/components/Next.astro":
               "---\nconst all = await import('../data/events.json');\n---\n"})
    result, config = init()
    assert config["content"]["events"] == "src/data/events.json", result.output
    assert "import src/data/events.json" in result.output
    assert [r["title"] for r in listed()][:2] == ["Meetup #1", "Meetup #2"]
