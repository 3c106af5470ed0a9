"""The real HV Open Jekyll site, read as it is: every file loads or is reported."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from announce.cli import cli
from announce.config import load_settings
from announce.content import Catalog, Event
from announce.sources.catalog import load_catalog

from .conftest import CORPUS

EVENTS = CORPUS / "_events"
JSON_KEYS = ["id", "title", "type", "start", "end", "location", "address", "online", "speakers",
             "rsvp_url", "url", "group", "cancelled", "due", "unsure", "sources", "path"]


@pytest.fixture
def catalog(corpus_config: Path) -> Catalog:
    return load_catalog(load_settings(corpus_config))


def by_id(catalog: Catalog) -> dict[str, Event]:
    return {event.id: event for event in catalog.events}


def raw_front_matter(path: Path, key: str) -> str:
    """The value of ``key`` as written in the file, read without YAML or announce."""
    match = re.search(rf"^{key}:[ \t]*(.*)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{path}: no {key}"
    return match[1].strip().strip("'\"")


def instant(text: str) -> datetime:
    """``2020-01-08 18:00:00 -0500``, the corpus's one form, parsed by the standard library."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z").astimezone(UTC)


def test_every_file_loads_or_is_reported(catalog: Catalog) -> None:
    files = sorted(p for p in EVENTS.rglob("*") if p.suffix in (".md", ".markdown"))
    assert len(files) >= 200
    assert catalog.files_read == len(files)
    loaded = {event.path for event in catalog.events}
    reported = {problem.path for problem in catalog.errors}
    assert loaded | reported == set(files)
    assert not loaded & reported
    # The site is valid as it is: nothing is left out.
    assert [str(p) for p in catalog.errors] == []
    assert len(catalog.locations) == len(list((CORPUS / "_locations").glob("*.md")))


def test_the_one_questionable_file_is_a_warning(catalog: Catalog) -> None:
    # dtend equal to dtstart: loaded with the default length, and said so.
    assert [(p.path.name, p.line, p.field) for p in catalog.warnings] == [
        ("2015-02-04-blender-the-open-source-graphics-program.md", 2, "dtend")]


def test_every_start_and_end_is_the_instant_the_file_says(catalog: Catalog) -> None:
    for event in catalog.events:
        assert event.start.astimezone(UTC) == instant(raw_front_matter(event.path, "dtstart"))
        end = instant(raw_front_matter(event.path, "dtend"))
        if end != event.start.astimezone(UTC):
            assert event.end.astimezone(UTC) == end


def test_list_all_json(corpus_config: Path) -> None:
    result = CliRunner().invoke(cli, ["list", "--all", "--json", "--config", str(corpus_config),
                                      "--now", "2019-01-01"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stderr == ""
    rows = json.loads(result.stdout)
    assert len(rows) >= 200
    assert all(list(row) == JSON_KEYS for row in rows)
    starts = [datetime.fromisoformat(row["start"]) for row in rows]
    assert starts == sorted(starts)
    assert rows[0]["id"] == "2003/2003-03-05-firewalls-with-ip-tables"
    assert rows[-1]["id"] == "2018/2018-12-20-lunch"
    assert all(row["due"] == [] for row in rows)  # everything is past on 2019-01-01
    for row in rows:
        path = Path(row["path"])
        assert path.is_relative_to(EVENTS)
        assert row["id"] == path.relative_to(EVENTS).with_suffix("").as_posix()
        # In New York time, whatever the file wrote, and the same instant.
        assert row["start"].endswith(("-05:00", "-04:00"))
        assert datetime.fromisoformat(row["start"]) == instant(raw_front_matter(path, "dtstart"))
        assert datetime.fromisoformat(row["end"]) > datetime.fromisoformat(row["start"])


@pytest.mark.parametrize(
    ("event_id", "start_utc", "start_local"),
    [
        # winter, EST
        ("2018/2018-02-07-cancelled-kubernetes", "2018-02-07T23:00:00+00:00",
         "2018-02-07T18:00:00-05:00"),
        # summer, EDT
        ("2009/2009-08-05-puppet", "2009-08-05T22:00:00+00:00", "2009-08-05T18:00:00-04:00"),
        # a lunch at noon
        ("2018/2018-12-20-lunch", "2018-12-20T17:00:00+00:00", "2018-12-20T12:00:00-05:00"),
    ],
)
def test_instants_of_known_talks(
    catalog: Catalog, event_id: str, start_utc: str, start_local: str
) -> None:
    event = by_id(catalog)[event_id]
    assert event.start.astimezone(UTC).isoformat() == start_utc
    assert event.start.isoformat() == start_local


def test_sections_of_the_corpus(catalog: Catalog) -> None:
    events = by_id(catalog)
    with_speaker = sorted(e.id for e in catalog.events if e.speaker)
    assert len(with_speaker) == 7  # "### Speaker ###" x5, "## Speaker ##", "About the speaker:"
    assert "2018/2018-10-03-git-101" in with_speaker
    # The heading with <font> inside it.
    printing = events["2014/2014-05-07-personal-3d-printing"]
    assert printing.lightning_talks is not None
    assert printing.lightning_talks.startswith("- <font><font style=")
    assert "Heartbleed" in printing.lightning_talks
    assert "Lightning Talks" not in printing.description
    assert sum(e.lightning_talks is not None for e in catalog.events) >= 80


def test_cancelled_talks_of_the_corpus(catalog: Catalog) -> None:
    cancelled = {e.id: e.title for e in catalog.events if e.cancelled}
    assert cancelled == {
        "2011/2011-02-02-cancelled-zimbra": "Zimbra",
        "2012/2012-11-07-cancelled-typography-physical-art-to-digital-art":
            "Typography: Physical Art to Digital Art",
        "2014/2014-02-05-cancelled-nginx": "Nginx",
        "2018/2018-02-07-cancelled-kubernetes": "Kubernetes",
    }


def test_front_matter_of_the_corpus(catalog: Catalog) -> None:
    events = catalog.events
    assert {e.type for e in events} == {"meeting", "lunch", "leadership"}
    assert all(e.location is not None for e in events)
    presenters = {e.presenter for e in events if e.presenter}
    assert 'Michael "Porkchop" Kaegler' in presenters
    assert "Sean O'Connor" in presenters
    assert not any("&" in p and ";" in p for p in presenters)  # no entity left
    puppet = by_id(catalog)["2009/2009-08-05-puppet"]
    assert puppet.extra["mhvlug_url"] == "/meetings/2009/puppet"
    assert puppet.extra["redirect_from"] == ["/meetings/2009/puppet"]


def test_check_passes_on_the_corpus(corpus_config: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--config", str(corpus_config)],
                                catch_exceptions=False, env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == (
        "Checked 203 event files and 13 locations: 0 errors, 2 warnings.")
