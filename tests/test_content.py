"""Talk files into events: dates, sections, cancellations, ids, locations and bad input."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from announce.config import Settings, load_settings
from announce.content import Catalog, Event, parse_datetime
from announce.errors import ContentError
from announce.paths import display_path
from announce.sections import find_propose_url, split_sections
from announce.sources.catalog import load_catalog

from .conftest import SERVICE_MESH, shared

NEW_YORK = ZoneInfo("America/New_York")
EXPECTED = "(expected e.g. '2027-01-06 18:00')"

HALL = """\
---
title: Riverside Hall
address: 12 Main Street
city: Beacon
state: NY
zip: "12508"
lat: 41.5
lon: -73.9
---
"""

ZOOM = """\
---
title: Zoom
url: https://zoom.example/j/1
---
"""


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
        ) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site folder with announce.toml (New York time), two locations and no events yet."""
    monkeypatch.chdir(tmp_path)  # problems are shown relative to the current folder
    (tmp_path / "announce.toml").write_text(
        '[site]\ntimezone = "America/New_York"\n'
        '[content]\nevents = "_events"\nlocations = "_locations"\n',
        encoding="utf-8",
    )
    (tmp_path / "_events").mkdir()
    (tmp_path / "_locations").mkdir()
    (tmp_path / "_locations" / "hall.md").write_text(HALL, encoding="utf-8")
    (tmp_path / "_locations" / "zoom.md").write_text(ZOOM, encoding="utf-8")
    return tmp_path


def settings_of(site: Path) -> Settings:
    return load_settings(site / "announce.toml")


def write_event(site: Path, name: str, text: str | bytes) -> Path:
    path = site / "_events" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def talk(**front: str) -> str:
    """A valid talk file; keyword arguments replace or add front-matter lines."""
    fields = {"title": "A Talk", "dtstart": "2027-01-06 18:00:00 -0500",
              "location": "Riverside Hall"}
    fields.update(front)
    lines = "".join(f"{key}: {value}\n" for key, value in fields.items() if value != "")
    return f"---\n{lines}---\nWhat the talk is about.\n"


def load(site: Path) -> Catalog:
    return load_catalog(settings_of(site))


def only_event(site: Path) -> Event:
    catalog = load(site)
    assert [str(p) for p in catalog.errors] == []
    assert len(catalog.events) == 1
    return catalog.events[0]


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        # strings, as YAML leaves them when the offset has no colon
        ("2020-01-08 18:00:00 -0500", utc(2020, 1, 8, 23)),
        ("2021-1-6 19:00:00 -0500", utc(2021, 1, 7, 0)),  # unpadded month and day
        ("2021-01-06 19:00 -0500", utc(2021, 1, 7, 0)),  # no seconds
        ("2027-07-04T18:30:00-04:00", utc(2027, 7, 4, 22, 30)),  # T and a colon in the offset
        ("2027-07-04T18:30-0400", utc(2027, 7, 4, 22, 30)),
        ("2027-07-04 22:30:00Z", utc(2027, 7, 4, 22, 30)),
        ("2027-07-04 22:30:00 z", utc(2027, 7, 4, 22, 30)),
        ("2027-07-04 18:30:00 +0530", utc(2027, 7, 4, 13)),
        ("2027-07-04 18:30:15.250 -0400",
         utc(2027, 7, 4, 22, 30, 15) + timedelta(milliseconds=250)),
        # no offset: the site's timezone (New York), winter and summer
        ("2027-01-06 18:00", utc(2027, 1, 6, 23)),
        ("2027-1-6 18:00:00", utc(2027, 1, 6, 23)),
        ("2027-07-04T18:30", utc(2027, 7, 4, 22, 30)),
        ("  2027-07-04 18:30  ", utc(2027, 7, 4, 22, 30)),
        # YAML timestamps: naive ones are in the site timezone, aware ones keep their offset
        (datetime(2027, 1, 6, 18, 0), utc(2027, 1, 6, 23)),
        (datetime(2027, 7, 4, 18, 0), utc(2027, 7, 4, 22)),
        (datetime(2027, 1, 6, 18, 0, tzinfo=timezone(timedelta(hours=-8))), utc(2027, 1, 7, 2)),
    ],
)
def test_every_date_form_gives_the_right_instant(value: object, instant: datetime) -> None:
    parsed = parse_datetime(value, NEW_YORK)
    assert parsed.tzinfo is not None
    assert parsed == instant


def test_a_time_without_offset_in_a_utc_site_is_utc() -> None:
    assert parse_datetime("2027-01-06 18:00", UTC) == utc(2027, 1, 6, 18)


NO_TIME = r"^'2027-01-28' has no time of day \(set \[content\] default_time"


def test_a_date_alone_is_midnight_where_a_day_is_enough() -> None:
    # --now accepts a bare date; a talk's dtstart does not.
    assert parse_datetime("2027-01-28", NEW_YORK, require_time=False) == utc(2027, 1, 28, 5)
    assert parse_datetime(date(2027, 1, 28), NEW_YORK, require_time=False) == utc(2027, 1, 28, 5)
    with pytest.raises(ValueError, match=NO_TIME):
        parse_datetime("2027-01-28", NEW_YORK)
    with pytest.raises(ValueError, match=NO_TIME):
        parse_datetime(date(2027, 1, 28), NEW_YORK)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2027-13-01 18:00", "'2027-13-01 18:00' is not a date (there is no month 13)"),
        ("2027-02-30 18:00", "'2027-02-30 18:00' is not a date (2027-02 has 28 days)"),
        ("2027-01-06 25:00", "'2027-01-06 25:00' is not a date (there is no time of day 25:00)"),
        ("2027-01-06 18:00 +2500",
         "'2027-01-06 18:00 +2500' is not a date (there is no UTC offset +2500)"),
        ("next Wednesday", f"'next Wednesday' is not a date {EXPECTED}"),
        ("06/01/2027 18:00", "'06/01/2027 18:00' is ambiguous (write it as '2027-01-06' if the "
         "day comes first, or '2027-06-01' if the month does)"),
        (20270106, f"20270106 is not a date {EXPECTED}"),
        (True, f"True is not a date {EXPECTED}"),
    ],
)
def test_unparseable_dates_say_what_is_wrong(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=r"is not a date|is ambiguous") as info:
        parse_datetime(value, NEW_YORK)
    assert str(info.value) == message


def test_an_evening_talk_on_the_day_daylight_saving_ends(site: Path) -> None:
    # 2027-11-07: clocks go back at 2:00; 18:00 that evening is EST, UTC-5.
    write_event(site, "2027-11-07-a.md", talk(dtstart="2027-11-07 18:00"))
    write_event(site, "2027-11-07-b.md", talk(dtstart="2027-11-07 18:00:00 -0500"))
    write_event(site, "2027-11-07-c.md", talk(dtstart="2027-11-07T23:00:00Z"))
    write_event(site, "2027-11-06-d.md", talk(dtstart="2027-11-06 18:00"))  # the day before: EDT
    catalog = load(site)
    assert catalog.errors == ()
    starts = {e.id: e.start for e in catalog.events}
    for name in ("2027-11-07-a", "2027-11-07-b", "2027-11-07-c"):
        assert starts[name] == utc(2027, 11, 7, 23)
        assert starts[name].isoformat() == "2027-11-07T18:00:00-05:00"  # shown in site time
    assert starts["2027-11-06-d"] == utc(2027, 11, 6, 22)
    # The default length is elapsed time, also across the change.
    write_event(site, "2027-11-07-night.md", talk(dtstart="2027-11-07 00:30"))
    night = next(e for e in load(site).events if e.id == "2027-11-07-night")
    assert night.duration == timedelta(hours=2)
    # (in the repeated hour, compare in UTC: Python never finds such times equal across zones)
    assert night.end.astimezone(UTC) == utc(2027, 11, 7, 6, 30)
    assert night.end.isoformat() == "2027-11-07T01:30:00-05:00"  # the second 1:30 that night


def test_yaml_timestamps_in_front_matter_naive_and_aware(site: Path) -> None:
    # Unquoted, these are YAML timestamps (python datetimes), not strings.
    write_event(site, "naive.md", talk(dtstart="2027-01-06 18:00:00", dtend="2027-01-06 20:15:00"))
    write_event(site, "aware.md", talk(dtstart="2027-05-05T18:00:00-04:00",
                                       dtend="2027-05-05T20:00:00-04:00"))
    write_event(site, "quoted.md", talk(dtstart='"2027-01-06 18:00:00"'))
    events = {e.id: e for e in load(site).events}
    assert events["naive"].start == utc(2027, 1, 6, 23)
    assert events["naive"].end == utc(2027, 1, 7, 1, 15)
    assert events["aware"].start == utc(2027, 5, 5, 22)
    assert events["aware"].end == utc(2027, 5, 6, 0)
    assert events["quoted"].start == utc(2027, 1, 6, 23)


def test_dtend_defaults_to_the_configured_length(site: Path) -> None:
    write_event(site, "a.md", talk())
    assert only_event(site).end == utc(2027, 1, 7, 1)  # 120 minutes
    with (site / "announce.toml").open("a", encoding="utf-8") as file:
        file.write("[schedule]\ndefault_duration_minutes = 90\n")
    assert only_event(site).end == utc(2027, 1, 7, 0, 30)


def test_dtend_equal_to_dtstart_is_a_warning_and_gets_the_default_length(site: Path) -> None:
    write_event(site, "a.md", talk(dtend="2027-01-06 18:00:00 -0500"))
    catalog = load(site)
    assert [e.end for e in catalog.events] == [utc(2027, 1, 7, 1)]
    assert [str(p) for p in catalog.warnings] == [
        "_events/a.md:5: dtend: same as dtstart: using 120 minutes "
        "([schedule] default_duration_minutes)"
    ]


# --- body sections ---------------------------------------------------------------------

BIO = "Ada maintains the parser."
LIGHTNING = "* jq tricks - Sam"


@pytest.mark.parametrize(
    "heading",
    [
        "### Speaker ###",
        "## Speaker ##",
        "### Speaker",
        "# Speaker",
        "###### Speaker",
        "### Speakers",
        "## Speakers ##",
        "### About the speaker",
        "### About the Speaker:",
        "#### ABOUT THE SPEAKER ####",
        "###   Speaker   ###   ",
        "### <b>Speaker</b>",
    ],
)
def test_speaker_heading_variants(heading: str) -> None:
    sections = split_sections(f"\nThe talk.\n\n{heading}\n{BIO}\n")
    assert sections.description == "The talk."
    assert sections.speaker == BIO
    assert sections.lightning_talks is None


@pytest.mark.parametrize(
    "heading",
    [
        "### Lightning Talks ###",
        "### Lightning Talks",
        "## Lightning Talks",
        "## Lightning Talks ##",
        "# lightning talks",
        "#### Lightning Talk",
        # As in the HV Open corpus (2014-05-07-personal-3d-printing.md):
        '### <font face="DejaVu Sans, Helvetica, Arial, sans-serif"><font face="DejaVu Sans, '
        'Helvetica, Arial, sans-serif">Lightning Talks</font></font>',
        "### Lightning&nbsp;Talks",
    ],
)
def test_lightning_talk_heading_variants(heading: str) -> None:
    sections = split_sections(f"The talk.\n\n{heading}\n{LIGHTNING}\n")
    assert sections.description == "The talk."
    assert sections.speaker is None
    assert sections.lightning_talks == LIGHTNING


def test_all_three_sections_and_other_headings_stay_in_the_description() -> None:
    body = (
        "\nIntro.\n\n### What you'll learn\n* a\n\n### Speaker ###\nBio.\n#### Links\n"
        "* site\n\n### Lightning Talks ###\n* one\n\n### Pizza! ###\nAt 5:30.\n"
    )
    sections = split_sections(body)
    # A deeper heading stays in the speaker section; one at the same level ends it.
    assert sections.speaker == "Bio.\n#### Links\n* site"
    assert sections.lightning_talks == "* one"
    assert sections.description == (
        "Intro.\n\n### What you'll learn\n* a\n\n### Pizza! ###\nAt 5:30.")


def test_a_higher_level_heading_ends_a_section() -> None:
    sections = split_sections("### Speaker\nBio.\n## Schedule\nDoors at 6.")
    assert sections.speaker == "Bio."
    assert sections.description == "## Schedule\nDoors at 6."


def test_a_body_without_sections() -> None:
    sections = split_sections("\n\nJust a description.\n\nTwo paragraphs.\n")
    assert sections == type(sections)("Just a description.\n\nTwo paragraphs.", None, None)
    assert split_sections("") == type(sections)("", None, None)


def test_an_empty_speaker_section_is_there_but_empty() -> None:
    sections = split_sections("Talk.\n### Speaker ###\n### Lightning Talks ###\n* one")
    assert sections.speaker == ""
    assert sections.lightning_talks == "* one"


def test_headings_inside_code_fences_are_text() -> None:
    body = (
        "Write this in your file:\n\n```markdown\n### Speaker ###\nYour bio\n```\n\n"
        "~~~\n## Lightning Talks\n~~~\n\n### Speaker\nReal bio.\n"
    )
    sections = split_sections(body)
    assert sections.speaker == "Real bio."
    assert sections.lightning_talks is None
    assert "```markdown\n### Speaker ###\nYour bio\n```" in sections.description
    assert "~~~\n## Lightning Talks\n~~~" in sections.description


def test_a_fence_closes_only_with_its_own_marker() -> None:
    # A ``` line inside a ~~~ block (showing a fenced example) does not end the block.
    body = "~~~~\n```\n### Speaker\n```\n~~~~\n### Speaker\nBio."
    sections = split_sections(body)
    assert sections.speaker == "Bio."
    assert sections.description == "~~~~\n```\n### Speaker\n```\n~~~~"
    # An unclosed fence runs to the end: nothing after it is a heading.
    assert split_sections("```\n### Speaker\nx").speaker is None


def test_windows_line_ends() -> None:
    sections = split_sections("Talk.\r\n\r\n### Speaker ###\r\nBio.\r\n")
    assert sections.description == "Talk."
    assert sections.speaker == "Bio."


def test_hashes_that_are_not_headings() -> None:
    sections = split_sections("Talk.\n\n    ### Speaker\n\nC# and F# ###\n")
    assert sections.speaker is None


@pytest.mark.parametrize(
    ("section", "url"),
    [
        ('<a class="btn" href="mailto:talks@example.org?subject=LT&amp;x=1" role="button">'
         "Propose\n  a Lightning Talk</a>", "mailto:talks@example.org?subject=LT&x=1"),
        ("[Sign up for a lightning talk](https://example.org/lt)", "https://example.org/lt"),
        ("<A HREF='https://example.org/p'>Submit <b>yours</b></A>", "https://example.org/p"),
        ("* [slides](https://example.org/s)\n[mail us](mailto:lt@example.org)",
         "mailto:lt@example.org"),
        ("* [slides](https://example.org/s)", None),
        ('<a name="Lightning_Talks">Propose</a>', None),
        ("", None),
        (None, None),
    ],
)
def test_the_contents_own_call_for_lightning_talks(section: str | None, url: str | None) -> None:
    assert find_propose_url(section) == url


# --- event files -----------------------------------------------------------------------


def test_the_service_mesh_example_loads_whole(site: Path) -> None:
    shutil.copy(shared(SERVICE_MESH), write_event(site, "2020/2020-01-08-service-mesh.md", ""))
    (site / "_locations" / "rock.md").write_text("---\ntitle: 300 Rockefeller Hall\n---\n")
    event = only_event(site)
    assert event.id == "2020/2020-01-08-service-mesh"
    assert event.title == "Next Level Cloud Development with Service Mesh"
    assert event.start == utc(2020, 1, 8, 23)
    assert event.end == utc(2020, 1, 9, 1)
    assert event.location is not None
    assert event.location.title == "300 Rockefeller Hall"
    assert event.type == "meeting"  # no type: a meeting
    assert event.image == "/images/talks/istio.gif"  # title_image
    assert event.meetup_id is None  # "meetup_id:" with nothing after it
    assert event.slug == "service-mesh"
    assert event.description.startswith("Now that the first generations")
    assert event.description.endswith("* Visualization via Kiali")
    assert event.speaker is not None
    assert event.speaker.startswith("Patrick Ladd is a technical account manager")
    assert event.lightning_talks is not None
    assert "None yet, please propose below!" in event.lightning_talks
    assert event.propose_url == (
        "mailto:sean@dague.net?cc=matthias.a.johnson@gmail.com"
        "&subject=HV%20Open%20Lightning%20Talk%20Submission"
    )


def test_event_ids_are_paths_below_the_events_folder(site: Path) -> None:
    write_event(site, "2020/2020-01-08-service-mesh.md", talk())
    write_event(site, "2021/spring/2021-04-07-x.markdown", talk())
    write_event(site, "top.MD", talk())
    write_event(site, "notes.txt", "not a talk")
    write_event(site, ".drafts/2020-02-01-secret.md", talk())
    write_event(site, ".hidden.md", talk())
    catalog = load(site)
    assert sorted(e.id for e in catalog.events) == [
        "2020/2020-01-08-service-mesh", "2021/spring/2021-04-07-x", "top"]
    assert catalog.files_read == 3


def test_two_files_with_one_id_are_a_problem(site: Path) -> None:
    write_event(site, "a.md", talk())
    write_event(site, "a.markdown", talk())
    catalog = load(site)
    assert [e.path.name for e in catalog.events] == ["a.markdown"]
    assert [str(p) for p in catalog.problems] == [
        "_events/a.md:1: same event id 'a' as _events/a.markdown: rename one of them"]


def test_a_body_markdown_cannot_render_is_a_problem_of_its_line_the_others_load(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Python-Markdown gives up on some hundreds of nested levels with a RecursionError, or
    # not, by release (tests/test_hostile.py runs the real thing): here it always does.
    from announce import markup
    from announce.render import parts

    def gives_up(text: str) -> str:
        raise RecursionError

    monkeypatch.setattr(markup, "markdown_to_html", gives_up)
    monkeypatch.setattr(parts, "markdown_to_html", gives_up)
    deep = "".join("    " * level + "- x\n" for level in range(20))
    write_event(site, "deep.md", talk().replace("What the talk is about.\n", deep))
    write_event(site, "fine.md", talk())
    catalog = load(site)
    assert [e.id for e in catalog.events] == ["fine"]
    too_deep = "body: lists or quotes nested too deeply to render (some hundreds of levels)"
    assert [str(p) for p in catalog.problems] == [f"_events/deep.md:6: {too_deep}"]
    fine = catalog.events[0]
    with pytest.raises(ContentError) as raised:
        parts.fragments(settings_of(site), fine)
    assert str(raised.value) == f"{display_path(fine.path)}:6: {too_deep}"


def test_events_are_ordered_by_start_then_id(site: Path) -> None:
    write_event(site, "c.md", talk(dtstart="2027-01-06 18:00"))
    write_event(site, "b.md", talk(dtstart="2027-01-06 18:00"))
    write_event(site, "a.md", talk(dtstart="2027-02-03 18:00"))
    write_event(site, "z.md", talk(dtstart="2026-12-01 18:00"))
    assert [e.id for e in load(site).events] == ["z", "b", "c", "a"]


@pytest.mark.parametrize(
    "presenter",
    [
        "Michael &quot;Porkchop&quot; Kaegler",
        "'Michael &quot;Porkchop&quot; Kaegler '",
        "Michael &#34;Porkchop&#x22; Kaegler",
    ],
)
def test_presenter_html_entities_are_decoded(site: Path, presenter: str) -> None:
    write_event(site, "a.md", talk(presenter=presenter))
    assert only_event(site).presenter == 'Michael "Porkchop" Kaegler'


def test_a_title_on_several_lines_becomes_one_line(site: Path) -> None:
    # It ends up in a Subject header: a line break there would start a new header.
    write_event(site, "a.md", talk(title='"Evil\\r\\nBcc: victim@example.com"'))
    assert only_event(site).title == "Evil Bcc: victim@example.com"


def test_presenter_apostrophes_and_ampersands(site: Path) -> None:
    write_event(site, "a.md", talk(presenter="Frank Wallingford &amp; Sean O&#039;Connor"))
    assert only_event(site).presenter == "Frank Wallingford & Sean O'Connor"


@pytest.mark.parametrize(
    ("front", "title"),
    [
        ({"cancelled": "true"}, "A Talk"),
        ({"canceled": "true"}, "A Talk"),
        ({"title": "'CANCELLED: Nginx'"}, "Nginx"),
        ({"title": "'CANCELED: Nginx'"}, "Nginx"),
        ({"title": "Cancelled - Zimbra"}, "Zimbra"),
        ({"title": "Canceled Zimbra"}, "Zimbra"),
        ({"title": "'cancelled: kubernetes'"}, "kubernetes"),
        ({"title": "CaNcElLeD — Typography"}, "Typography"),
        ({"title": "CANCELLED"}, "CANCELLED"),
        ({"title": "'CANCELLED: Nginx'", "cancelled": "false"}, "Nginx"),
    ],
)
def test_cancelled_events(site: Path, front: dict[str, str], title: str) -> None:
    write_event(site, "a.md", talk(**front))
    event = only_event(site)
    assert event.cancelled is True
    assert event.title == title


@pytest.mark.parametrize(
    "front",
    [{}, {"cancelled": "false"}, {"title": "Cancellation policies in Kafka"},
     {"title": "Why I Cancelled My Cloud"}],
)
def test_events_that_are_not_cancelled(site: Path, front: dict[str, str]) -> None:
    write_event(site, "a.md", talk(**front))
    assert only_event(site).cancelled is False


def test_unknown_front_matter_keys_are_kept_in_extra(site: Path) -> None:
    write_event(site, "a.md", talk(mhvlug_url="/meetings/2009/puppet",
                                   redirect_from="\n- /meetings/2009/puppet\n- /old",
                                   sponsor="Acme"))
    event = only_event(site)
    assert dict(event.extra) == {
        "mhvlug_url": "/meetings/2009/puppet",
        "redirect_from": ["/meetings/2009/puppet", "/old"],
        "sponsor": "Acme",
    }


def test_optional_front_matter_keys(site: Path) -> None:
    write_event(site, "a.md", talk(
        type="lunch", meetup_id="301000001", meetup_group="hvopen", rsvp_url="https://r.example/1",
        image="/images/a.png", image_alt="A logo", title_image="/images/ignored.png",
        location="zoom"))
    event = only_event(site)
    assert event.type == "lunch"
    assert event.meetup_id == "301000001"  # a number in YAML, text here
    assert event.meetup_group == "hvopen"
    assert event.rsvp_url == "https://r.example/1"
    assert event.image == "/images/a.png"  # image wins over title_image
    assert event.image_alt == "A logo"
    assert event.location_name == "zoom"
    assert event.location is not None
    assert event.location.title == "Zoom"  # matched without regard to case
    assert event.location.online


def test_a_location_is_matched_by_title_spacing_case_or_file_name(site: Path) -> None:
    write_event(site, "a.md", talk(location="riverside   HALL"))
    write_event(site, "b.md", talk(location="hall"))
    events = load(site).events
    assert [e.location.title if e.location else None for e in events] == ["Riverside Hall"] * 2


def test_locations_are_read_with_their_address(site: Path) -> None:
    catalog = load(site)
    hall = catalog.locations["Riverside Hall"]
    assert hall.address_lines == ("12 Main Street", "Beacon, NY 12508")
    assert hall.full_address == "Riverside Hall, 12 Main Street, Beacon, NY 12508"
    assert (hall.lat, hall.lon) == (41.5, -73.9)
    assert not hall.online
    assert catalog.locations["Zoom"].online
    assert catalog.locations["Zoom"].url == "https://zoom.example/j/1"


def test_bad_location_files_are_reported(site: Path) -> None:
    (site / "_locations" / "dup.md").write_text("---\ntitle: Zoom\n---\n")
    (site / "_locations" / "bad.md").write_text("---\ntitle: Barn\nlat: north\n---\n")
    (site / "_locations" / "untitled.md").write_text("---\ncity: Beacon\n---\n")
    catalog = load(site)
    assert sorted(catalog.locations) == ["Riverside Hall", "Zoom"]
    assert sorted(str(p) for p in catalog.problems) == [
        "_locations/bad.md:3: lat: expected a number, got 'north'",
        "_locations/untitled.md:1: title: required: the name events use in 'location:'",
        "_locations/zoom.md:1: title: 'Zoom' is also the title of _locations/dup.md",
    ]


def test_a_missing_location_is_unsure_and_the_event_loads(site: Path) -> None:
    write_event(site, "a.md", talk(location=""))
    catalog = load(site)
    assert len(catalog.events) == 1
    assert catalog.events[0].location is None
    assert "location" in catalog.events[0].unsure  # check warns, list marks it
    assert catalog.warnings == ()


# --- bad input -------------------------------------------------------------------------

BAD_FILES: list[tuple[str, str | bytes, str]] = [
    ("unclosed.md", "---\ntitle: X\ndtstart: 2027-01-06 18:00\nBody\n",
     "_events/unclosed.md:1: front matter is not closed (expected a second '---' line)"),
    ("bad-yaml.md", "---\ntitle: X\ndtstart: 2027-01-06 18:00\nlocation: a: b\n---\nBody\n",
     "_events/bad-yaml.md:4: front matter is not valid YAML: "
     "mapping values are not allowed in this context"),
    ("bad-quote.md", '---\ntitle: "X\ndtstart: 2027-01-06 18:00\n---\nBody\n',
     "_events/bad-quote.md:2: front matter is not valid YAML: found unexpected end of stream "
     "(scanning a quoted scalar from line 2)"),
    ("list.md", "---\n- title\n- dtstart\n---\n",
     "_events/list.md:2: front matter must be a set of 'key: value' lines"),
    ("no-dtstart.md", "---\ntitle: X\nlocation: Riverside Hall\n---\n",
     "_events/no-dtstart.md:1: dtstart: required: when the event starts"),
    ("empty-dtstart.md", "---\ntitle: X\ndtstart:\nlocation: Riverside Hall\n---\n",
     "_events/empty-dtstart.md:3: dtstart: required: when the event starts"),
    ("bad-dtstart.md", "---\ntitle: X\nlocation: Riverside Hall\ndtstart: 2027-13-01 18:00\n---\n",
     "_events/bad-dtstart.md:4: dtstart: '2027-13-01 18:00' is not a date (there is no month 13)"),
    ("feb-30.md", "---\ntitle: X\nlocation: Riverside Hall\ndtstart: 2027-02-30 18:00:00\n---\n",
     "_events/feb-30.md:4: dtstart: '2027-02-30 18:00:00' is not a date (2027-02 has 28 days)"),
    ("words.md", "---\ntitle: X\nlocation: Riverside Hall\ndtstart: first Wednesday\n---\n",
     "_events/words.md:4: dtstart: 'first Wednesday' is not a date "
     "(expected e.g. '2027-01-06 18:00')"),
    ("backwards.md", "---\ntitle: X\nlocation: Riverside Hall\ndtstart: 2027-01-06 18:00:00 -0500\n"
     "dtend: 2027-01-06 16:00:00 -0500\n---\n",
     "_events/backwards.md:5: dtend: 2027-01-06 16:00:00 -0500 is before dtstart "
     "(2027-01-06 18:00:00 -0500)"),
    ("nowhere.md", "---\ntitle: X\ndtstart: 2027-01-06 18:00\nlocation: The Moon\n---\n",
     "_events/nowhere.md:4: location: unknown location 'The Moon' "
     "(known: 'Riverside Hall', 'Zoom')"),
    ("latin1.md", "---\ntitle: Caf\xe9\ndtstart: 2027-01-06 18:00\n---\n".encode("latin-1"),
     "_events/latin1.md:2: not UTF-8 text (byte 0xe9 at offset 14)"),
    ("maybe.md",
     "---\ntitle: X\ndtstart: 2027-01-06 18:00\nlocation: Zoom\ncancelled: maybe\n---\n",
     "_events/maybe.md:5: cancelled: expected true or false, got 'maybe'"),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_is_reported_and_left_out(
    site: Path, name: str, text: str | bytes, message: str
) -> None:
    write_event(site, "good.md", talk())
    write_event(site, name, text)
    catalog = load(site)
    assert [str(p) for p in catalog.errors] == [message]
    assert [e.id for e in catalog.events] == ["good"]  # everything else keeps working
    assert catalog.files_read == 2


def test_every_problem_of_a_file_is_reported_at_once(site: Path) -> None:
    write_event(site, "a.md", "---\ntitle:\ndtstart: soon\ndtend: later\nlocation: Mars\n---\n")
    assert [str(p) for p in load(site).errors] == [
        "_events/a.md:2: title: required",
        "_events/a.md:3: dtstart: 'soon' is not a date (expected e.g. '2027-01-06 18:00')",
        "_events/a.md:4: dtend: 'later' is not a date (expected e.g. '2027-01-06 18:00')",
        "_events/a.md:5: location: unknown location 'Mars' (known: 'Riverside Hall', 'Zoom')",
    ]


def test_line_numbers_count_from_the_top_of_the_file(site: Path) -> None:
    # A blank line after the opening '---' and Windows line ends move nothing.
    write_event(site, "a.md", "---\n\n# a comment\ntitle: X\ndtstart: never\n---\n")
    write_event(site, "b.md", b"\xef\xbb\xbf---\r\ntitle: X\r\n\r\ndtstart: never\r\n---\r\n")
    assert [str(p) for p in load(site).errors] == [
        f"_events/a.md:5: dtstart: 'never' is not a date {EXPECTED}",
        f"_events/b.md:4: dtstart: 'never' is not a date {EXPECTED}",
    ]


def test_without_location_files_a_location_is_the_venue_name(site: Path) -> None:
    # Most sites write the venue as text; only a locations folder makes names checkable.
    shutil.rmtree(site / "_locations")
    write_event(site, "a.md", talk())
    write_event(site, "b.md", talk(location="Online"))
    a, b = load(site).events
    assert a.location is not None
    assert a.location.title == "Riverside Hall"
    assert not a.location.online  # a named place without an address is still a place
    assert b.location is not None
    assert b.location.online


NOT_EVENTS: list[tuple[str, str, str]] = [
    ("no-front-matter.md", "# A talk\n\ndtstart: 2027-01-06\n",
     "_events/no-front-matter.md:1: not an event: no front matter "
     "(the file must start with a '---' line)"),
    ("empty.md", "", "_events/empty.md:1: not an event: empty file "
     "(expected front matter between '---' lines)"),
    ("blank.md", "\n  \n", "_events/blank.md:1: not an event: empty file "
     "(expected front matter between '---' lines)"),
    ("_index.md", "---\ntitle: Events\n---\n",
     "_events/_index.md:1: not an event: a section page (the events list, not an event)"),
    ("_template.md", "---\ntitle: X\ndtstart: 2027-01-06 18:00\n---\n",
     "_events/_template.md:1: not an event: a template (its name starts with '_')"),
    ("draft.md", "---\ntitle: X\ndtstart: 2027-01-06 18:00\ndraft: true\n---\n",
     "_events/draft.md:1: not an event: a draft (draft: true)"),
    ("unpublished.md", "---\ntitle: X\ndtstart: 2027-01-06 18:00\npublished: false\n---\n",
     "_events/unpublished.md:1: not an event: a draft (published: false)"),
]


@pytest.mark.parametrize(("name", "text", "message"), NOT_EVENTS, ids=[n[0] for n in NOT_EVENTS])
def test_files_that_are_no_events_are_left_out_without_an_error(
    site: Path, name: str, text: str, message: str
) -> None:
    write_event(site, "good.md", talk())
    write_event(site, name, text)
    catalog = load(site)
    assert [str(p) for p in catalog.errors] == []
    assert [str(p) for p in catalog.left_out] == [message]
    assert [e.id for e in catalog.events] == ["good"]


def test_a_bundle_is_known_by_its_folder_and_its_other_files_are_resources(site: Path) -> None:
    write_event(site, "2027-01-06-mesh/index.md", talk())
    write_event(site, "2027-01-06-mesh/notes.md", "---\ntitle: Notes\n---\n")
    catalog = load(site)
    assert [(e.id, e.slug) for e in catalog.events] == [("2027-01-06-mesh", "mesh")]
    assert [str(p) for p in catalog.left_out] == [
        "_events/2027-01-06-mesh/notes.md:1: not an event: a resource of the page bundle "
        "_events/2027-01-06-mesh/index.md"]


def test_a_missing_events_folder_is_an_error(site: Path) -> None:
    shutil.rmtree(site / "_events")
    with pytest.raises(ContentError) as info:
        load(site)
    assert str(info.value) == (
        "_events: events folder not found "
        '(set [content] events in announce.toml, e.g. events = "_events")')


# --- the Event object ------------------------------------------------------------------


def test_body_sections_given_to_the_constructor_win(site: Path) -> None:
    write_event(site, "a.md", talk() + "\n### Speaker ###\nBio.\n")
    event = only_event(site)
    assert (event.description, event.speaker) == ("What the talk is about.", "Bio.")
    edited = dataclasses.replace(event, speaker=None, description="Shorter.")
    assert (edited.description, edited.speaker, edited.lightning_talks) == ("Shorter.", None, None)
    assert edited.title == event.title
    assert edited != event
    assert dataclasses.replace(event) == event


def test_find_an_event_by_id_or_path(site: Path) -> None:
    path = write_event(site, "2027/2027-01-06-a.md", talk())
    catalog = load(site)
    event = catalog.find("2027/2027-01-06-a")
    assert catalog.find(str(path)) is event
    assert catalog.find("_events/2027/2027-01-06-a.md") is event
    with pytest.raises(ContentError) as info:
        catalog.find("2027/nope")
    assert str(info.value) == "2027/nope: no such event (see 'announce list --all' for event ids)"


def test_find_a_bad_file_says_why(site: Path) -> None:
    write_event(site, "a.md", talk(dtstart="soon"))
    with pytest.raises(ContentError) as info:
        load(site).find("_events/a.md")
    assert str(info.value) == (
        "_events/a.md:3: dtstart: 'soon' is not a date (expected e.g. '2027-01-06 18:00')")


# --- the sample season -----------------------------------------------------------------


def test_the_sample_season_has_what_the_demo_needs(sample_settings: Settings) -> None:
    catalog = load_catalog(sample_settings)
    assert catalog.problems == ()
    events = catalog.events
    assert len(events) >= 6
    assert all(e.start.year == 2027 for e in events)
    venues = {e.location.title: e.location for e in events if e.location}
    assert sum(not v.online for v in venues.values()) >= 2
    assert sum(v.online for v in venues.values()) >= 1
    meetings = [e for e in events if e.type == "meeting"]
    assert any(e.speaker for e in meetings)
    assert any(e.speaker is None and not e.cancelled for e in meetings)
    assert any(e.lightning_talks for e in meetings)
    assert any(e.type == "lunch" for e in events)
    assert sum(e.cancelled for e in events) == 1


def _names(events: tuple[Event, ...], test: Callable[[Event], bool]) -> list[str]:
    return [e.id for e in events if test(e)]


def test_the_sample_season_sections(sample_settings: Settings) -> None:
    events = load_catalog(sample_settings).events
    assert _names(events, lambda e: e.speaker is not None) == [
        "2027/2027-01-06-reproducible-builds-with-nix",
        "2027/2027-02-03-observability-with-opentelemetry",
        "2027/2027-03-03-home-assistant",
        "2027/2027-05-05-rust-on-microcontrollers",
        "2027/2027-06-02-mad-science-fair",
    ]
    assert _names(events, lambda e: e.propose_url is not None) == [
        "2027/2027-01-06-reproducible-builds-with-nix",
        "2027/2027-02-03-observability-with-opentelemetry",
        "2027/2027-05-05-rust-on-microcontrollers",
    ]
    observability = next(e for e in events if "opentelemetry" in e.id)
    assert observability.presenter == "Priya Raman & Tom O'Neil"
