"""Rendering: what readers see in the HTML, the plain text and the calendar file.

Golden files (tests/golden/) hold whole messages with a fixed clock; refresh them with
``make golden`` after a deliberate change to the templates, and review the diff.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import shutil
import subprocess
import textwrap
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import icalendar
import lxml.html
import pytest
from click.testing import CliRunner

from announce.cli import cli
from announce.config import Settings, load_settings
from announce.content import Catalog, Event, parse_datetime
from announce.errors import ContentError, TemplateError
from announce.kinds import plan
from announce.message import GMAIL_CLIP_BYTES, prepare
from announce.paths import display_path
from announce.render import Rendered, html_to_text, render_event, sanitize
from announce.sources.catalog import load_catalog
from announce.timefmt import format_when, relative_day
from announce.urls import find_url_problems

from .conftest import CORPUS, EXAMPLE_CONFIG, REPO, SERVICE_MESH, shared

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ANNOUNCE_UPDATE_GOLDEN") == "1"
KINDS = ("announcement", "reminder", "cancellation")
NIX = "2027/2027-01-06-reproducible-builds-with-nix"
OTEL = "2027/2027-02-03-observability-with-opentelemetry"
MESH = "2020-01-08-service-mesh"


# --- fixtures and helpers (test_message.py uses them too) ------------------------------


def write_service_mesh_config(folder: Path, extra: str = "") -> Path:
    """A config over a copy of the service-mesh talk and the corpus's locations."""
    events = folder / "events"
    events.mkdir(parents=True, exist_ok=True)
    shutil.copy(shared(SERVICE_MESH), events / f"{MESH}.md")
    config = folder / "announce.toml"
    config.write_text(textwrap.dedent(f"""\
        [site]
        name = "HV Open"
        url = "https://hvopen.org"
        timezone = "America/New_York"
        permalink = "/events/:year/:month/:title"

        [content]
        events = "events"
        locations = "{CORPUS / '_locations'}"

        [mail]
        from = "HV Open <announce@hvopen.org>"
        to = ["members@hvopen.org"]

        [rsvp]
        meetup_group = "hvopen"
        """) + extra, encoding="utf-8")
    return config


@pytest.fixture
def mesh_config(tmp_path: Path) -> Path:
    return write_service_mesh_config(tmp_path / "mesh")


def at(text: str, settings: Settings) -> datetime:
    return parse_datetime(text, settings.site.tz, require_time=False)


def render(config: Path | Settings, event_id: str, kind: str, now: str) -> Rendered:
    settings = config if isinstance(config, Settings) else load_settings(config)
    catalog = load_catalog(settings)
    return render_event(settings, catalog, catalog.find(event_id), kind, at(now, settings),
                        plan=plan(catalog.find(event_id), kind, settings.schedule))


def links(html: str) -> list[tuple[str, str]]:
    """(href, text) of every link in a document."""
    root = lxml.html.document_fromstring(html)
    return [(a.get("href"), " ".join(a.text_content().split())) for a in root.iter("a")]


def write_event(folder: Path, name: str, front: str, body: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{textwrap.dedent(front).strip()}\n---\n{textwrap.dedent(body)}",
                    encoding="utf-8")
    return path


def settings_over(tmp_path: Path, body: str, front: str = "", site_url: str = "https://example.org",
                  extra: str = "") -> tuple[Settings, Catalog, Event]:
    """Sample settings over a folder holding one talk with this body."""
    events = tmp_path / "events"
    write_event(events, "2027-01-06-talk.md", f"""
        title: A Talk
        dtstart: 2027-01-06 18:00:00 -0500
        location: Riverside Library Auditorium
        {textwrap.dedent(front).strip()}
        """, body)
    config = tmp_path / "announce.toml"
    config.write_text(textwrap.dedent(f"""\
        [site]
        name = "River City Open Tech"
        url = "{site_url}"
        timezone = "America/New_York"
        permalink = "/events/:year/:month/:title"
        [content]
        events = "{events}"
        locations = "{REPO / 'content' / 'locations'}"
        [mail]
        from = "River City Open Tech <announce@example.org>"
        to = ["members@example.org"]
        """) + extra, encoding="utf-8")
    settings = load_settings(config)
    catalog = load_catalog(settings)
    assert not catalog.errors, catalog.errors
    return settings, catalog, catalog.events[0]


# --- golden files -----------------------------------------------------------------------

GOLDEN_CASES = [
    # name, config ("sample" or "mesh"), event, kind, --now
    ("nix-announcement", "sample", NIX, "announcement", "2027-01-01T09:00"),
    ("nix-reminder", "sample", NIX, "reminder", "2027-01-04T09:00"),
    ("nix-cancellation", "sample", NIX, "cancellation", "2027-01-05T09:00"),
    ("lunch-announcement", "sample", "2027/2027-01-21-lunch", "announcement", "2027-01-12T09:00"),
    ("opentelemetry-announcement", "sample", OTEL, "announcement", "2027-01-28T09:00"),
    ("home-assistant-cancellation", "sample", "2027/2027-03-03-home-assistant", "cancellation",
     "2027-02-25T09:00"),
    ("service-mesh-announcement", "mesh", MESH, "announcement", "2020-01-01T09:00"),
    ("service-mesh-reminder", "mesh", MESH, "reminder", "2020-01-06T09:00"),
    ("service-mesh-cancellation", "mesh", MESH, "cancellation", "2020-01-07T09:00"),
    # The same talk for a German, a Polish and a Japanese group (tests/test_i18n.py).
    *[(f"service-mesh-{lang}-{kind}", f"mesh-{lang}", MESH, kind, now)
      for lang in ("de", "pl", "ja")
      for kind, now in (("announcement", "2020-01-01T09:00"), ("reminder", "2020-01-06T09:00"),
                        ("cancellation", "2020-01-07T09:00"))],
]

# language, timezone, UTC offset of the talk's evening there
LOCALIZED_MESH = {"de": ("Europe/Berlin", "+0100"), "pl": ("Europe/Warsaw", "+0100"),
                  "ja": ("Asia/Tokyo", "+0900")}


def write_localized_mesh_config(folder: Path, lang: str) -> Path:
    """The service-mesh talk at 18:00 local time for a group speaking ``lang``."""
    zone, offset = LOCALIZED_MESH[lang]
    config = write_service_mesh_config(folder)
    talk = folder / "events" / f"{MESH}.md"
    talk.write_text(talk.read_text(encoding="utf-8").replace("-0500", offset), encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace(
        'timezone = "America/New_York"', f'timezone = "{zone}"\nlanguage = "{lang}"'),
        encoding="utf-8")
    return config


def cli_render(config: Path, *args: str) -> bytes:
    result = CliRunner().invoke(cli, ["render", "--config", str(config), *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def _compare(path: Path, actual: bytes) -> None:
    if UPDATE:
        path.write_bytes(actual)
        return
    assert path.exists(), f"{path.name} is missing: run 'make golden'"
    expected = path.read_bytes()
    if actual != expected:
        diff = difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(),
            actual.decode("utf-8", "replace").splitlines(),
            f"golden/{path.name}", "rendered", lineterm="", n=1)
        pytest.fail(f"{path.name} differs from the rendering; if the change is wanted, run "
                    "'make golden' and review the diff:\n" + "\n".join(list(diff)[:40]))


@pytest.mark.parametrize(("name", "which", "event_id", "kind", "now"), GOLDEN_CASES,
                         ids=[c[0] for c in GOLDEN_CASES])
def test_golden(name: str, which: str, event_id: str, kind: str, now: str,
                mesh_config: Path, tmp_path: Path) -> None:
    config = EXAMPLE_CONFIG if which == "sample" else mesh_config
    if which.startswith("mesh-"):
        config = write_localized_mesh_config(tmp_path / which, which.removeprefix("mesh-"))
    # --force: the cancellation's look, shown on talks that are not cancelled.
    eml = cli_render(config, event_id, "--kind", kind, "--force", "--now", now)
    msg = message_from_bytes(eml, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    html_part, text_part = msg.get_body(("html",)), msg.get_body(("plain",))
    assert html_part is not None
    assert text_part is not None
    _compare(GOLDEN / f"{name}.eml", eml)
    # The parts as a reader's program decodes them; LF line ends, for readable diffs.
    for suffix, part in (("html", html_part), ("txt", text_part)):
        content = part.get_content().replace("\r\n", "\n")
        _compare(GOLDEN / f"{name}.{suffix}", content.encode("utf-8"))


def write_moved_mesh_config(folder: Path) -> Path:
    """The service-mesh talk announced (into an outbox, with a ledger, both in ``folder``),
    then moved half an hour later and to another room: an update is due."""
    config = write_service_mesh_config(folder)
    sent = CliRunner().invoke(cli, ["send", "--config", str(config), "--next",
                                    "--now", "2020-01-01T09:00"])
    assert sent.exit_code == 0, sent.output
    talk = folder / "events" / f"{MESH}.md"
    talk.write_text(talk.read_text(encoding="utf-8")
                    .replace("dtstart: 2020-01-08 18:00:00", "dtstart: 2020-01-08 18:30:00")
                    .replace("location: 300 Rockefeller Hall", "location: 200 Rockefeller Hall"),
                    encoding="utf-8")
    return config


UPDATE_GOLDEN = "service-mesh-update"


def test_golden_update(tmp_path: Path) -> None:
    """The update of a moved talk: what changed first, then the event as in a reminder."""
    config = write_moved_mesh_config(tmp_path / "moved")
    eml = cli_render(config, MESH, "--kind", "update", "--now", "2020-01-02T09:00")
    msg = message_from_bytes(eml, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    html_part, text_part = msg.get_body(("html",)), msg.get_body(("plain",))
    assert html_part is not None
    assert text_part is not None
    text = text_part.get_content()
    assert "Now 6:30 PM, not 6:00 PM" in text
    assert text.index("Now 6:30 PM") < text.index("When:")
    _compare(GOLDEN / f"{UPDATE_GOLDEN}.eml", eml)
    for suffix, part in (("html", html_part), ("txt", text_part)):
        content = part.get_content().replace("\r\n", "\n")
        _compare(GOLDEN / f"{UPDATE_GOLDEN}.{suffix}", content.encode("utf-8"))


def test_golden_files_are_all_in_use() -> None:
    """A renamed case must not leave a stale golden file behind."""
    names = [c[0] for c in GOLDEN_CASES] + [UPDATE_GOLDEN]
    wanted = {f"{name}.{ext}" for name in names for ext in ("eml", "html", "txt")}
    present = {p.name for p in GOLDEN.iterdir() if not p.name.startswith(".")}
    assert present == wanted


# --- when and where ---------------------------------------------------------------------


def test_when_reads_like_the_issue_example(mesh_config: Path) -> None:
    rendered = render(mesh_config, MESH, "announcement", "2020-01-01T09:00")
    when = "Wednesday, January 8, 2020, 6:00–8:00 PM EST"
    assert when in rendered.text
    assert when in lxml.html.document_fromstring(rendered.html).text_content()


def test_when_across_noon_midnight_and_summer_time(sample_settings: Settings) -> None:
    tz = sample_settings.site.tz

    def when(start: str, end: str) -> str:
        return format_when(at(start, sample_settings), at(end, sample_settings), tz)

    assert when("2027-01-21 11:30", "2027-01-21 13:00") == \
        "Thursday, January 21, 2027, 11:30 AM–1:00 PM EST"
    assert when("2027-07-01 18:00", "2027-07-01 20:00") == \
        "Thursday, July 1, 2027, 6:00–8:00 PM EDT"
    assert when("2027-07-01 22:00", "2027-07-02 01:00") == \
        "Thursday, July 1, 2027, 10:00 PM EDT – Friday, July 2, 2027, 1:00 AM EDT"


@pytest.mark.parametrize(("now", "expected"), [
    ("2027-01-06T08:00", "today"),
    ("2027-01-05T23:59", "tomorrow"),
    ("2027-01-04T09:00", "this Wednesday"),
    ("2026-12-31T09:00", "this Wednesday"),
    ("2026-12-30T09:00", "on Wed, Jan 6"),
])
def test_relative_day(sample_settings: Settings, now: str, expected: str) -> None:
    start = at("2027-01-06 18:00", sample_settings)
    assert relative_day(start, at(now, sample_settings), sample_settings.site.tz) == expected


def test_subjects_follow_the_config_templates(mesh_config: Path) -> None:
    title = "Next Level Cloud Development with Service Mesh"
    assert render(mesh_config, MESH, "announcement", "2020-01-01T09:00").subject == \
        f"HV Open: {title} (Wed, Jan 8)"
    # Every kind names the group: a reminder is read among other groups' mail too.
    assert render(mesh_config, MESH, "reminder", "2020-01-06T09:00").subject == \
        f"HV Open reminder: {title} is this Wednesday"
    assert render(mesh_config, MESH, "reminder", "2020-01-07T09:00").subject == \
        f"HV Open reminder: {title} is tomorrow"
    assert render(mesh_config, MESH, "cancellation", "2020-01-07T09:00").subject == \
        f"HV Open cancelled: {title} (Wed, Jan 8)"


def test_a_subject_with_an_unknown_variable_names_the_key(tmp_path: Path) -> None:
    config = write_service_mesh_config(tmp_path)
    text = config.read_text().replace('[mail]\n', '[mail]\nsubject_reminder = "{{ titel }}"\n')
    config.write_text(text)
    with pytest.raises(TemplateError, match=r"\[mail\] subject_reminder: 'titel' is undefined "
                                            r"\(variables: site_name, title, short_date"):
        render(config, MESH, "reminder", "2020-01-06T09:00")


def test_where_shows_the_venue_with_a_map(sample_settings: Settings) -> None:
    rendered = render(sample_settings, NIX, "announcement", "2027-01-01T09:00")
    for line in ("Riverside Library Auditorium", "Lower level, enter from the parking lot",
                 "12 Main Street", "Beacon, NY 12508"):
        assert line in rendered.text
        assert line in rendered.html
    osm = "https://www.openstreetmap.org/?mlat=41.50480&mlon=-73.96960#map=17/41.50480/-73.96960"
    assert (osm, "Map") in links(rendered.html)


def test_where_without_coordinates_searches_the_address(tmp_path: Path) -> None:
    locations = tmp_path / "locations"
    write_event(locations, "hall.md", "title: Town Hall\naddress1: 1 Main St\ncity: Beacon\n"
                "state: NY", "")
    settings, catalog, event = settings_over(tmp_path, "Hello.")
    settings = dataclasses.replace(settings, content=dataclasses.replace(
        settings.content, locations=locations))
    event = dataclasses.replace(event, location=load_catalog(settings).locations["Town Hall"])
    rendered = render_event(settings, catalog, event, "announcement", at("2027-01-01", settings),
                            plan=plan(event, "announcement", settings.schedule))
    assert ("https://www.openstreetmap.org/search?query=1%20Main%20St%2C%20Beacon%2C%20NY",
            "Map") in links(rendered.html)


def test_an_online_venue_is_shown_as_online_with_its_link(sample_settings: Settings) -> None:
    rendered = render(sample_settings, OTEL, "announcement", "2027-01-28T09:00")
    assert "Where: Online - Jitsi (Online meeting)" in rendered.text
    assert "Join: https://meet.jit.si/RiverCityOpenTech" in rendered.text
    assert ("https://meet.jit.si/RiverCityOpenTech", "Join the meeting") in links(rendered.html)
    assert not [href for href, _ in links(rendered.html) if "openstreetmap" in href]


# --- buttons and links --------------------------------------------------------------------


def test_rsvp_goes_to_meetup_or_the_events_own_link(sample_settings: Settings,
                                                     mesh_config: Path) -> None:
    nix = render(sample_settings, NIX, "announcement", "2027-01-01T09:00")
    meetup = "https://www.meetup.com/river-city-open-tech/events/301000001/"
    assert (meetup, "RSVP") in links(nix.html)
    assert f"RSVP:  {meetup}" in nix.text
    otel = render(sample_settings, OTEL, "announcement", "2027-01-28T09:00")
    assert ("https://example.org/rsvp/2027-02", "RSVP") in links(otel.html)
    # The service-mesh talk has an empty meetup_id and no rsvp_url: no button at all.
    mesh = render(mesh_config, MESH, "announcement", "2020-01-01T09:00")
    assert "RSVP" not in mesh.text
    assert not [text for _, text in links(mesh.html) if text == "RSVP"]


def test_google_calendar_link_holds_the_instant_and_place(mesh_config: Path) -> None:
    rendered = render(mesh_config, MESH, "announcement", "2020-01-01T09:00")
    (google,) = [h for h, t in links(rendered.html) if t == "Add to Google Calendar"]
    assert google.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE&")
    assert "dates=20200108T230000Z%2F20200109T010000Z" in google
    assert "location=300+Rockefeller+Hall%2C+3rd+Floor+Auditorium%2C+Vassar+College" in google
    assert "the attached service-mesh.ics" in rendered.text


def test_every_link_and_image_is_absolute(mesh_config: Path, sample_settings: Settings) -> None:
    rendered = [render(mesh_config, MESH, k, "2020-01-01T09:00") for k in KINDS]
    rendered += [render(sample_settings, NIX, k, "2027-01-01T09:00") for k in KINDS]
    for item in rendered:
        root = lxml.html.document_fromstring(item.html)
        urls = [a.get("href") for a in root.iter("a")] + [i.get("src") for i in root.iter("img")]
        assert urls
        assert all(re.match(r"^(https://|mailto:)", u) for u in urls), urls
        assert all(img.get("alt") for img in root.iter("img"))
    mesh = rendered[0]
    assert ("https://hvopen.org/lightning-talks.html", "lightning talks") in links(mesh.html)
    assert '<img src="https://hvopen.org/images/talks/istio.gif" ' \
        'alt="Next Level Cloud Development with Service Mesh"' in mesh.html
    assert 'src="https://example.org/images/talks/nix.png" alt="The Nix snowflake logo"' \
        in rendered[3].html


def upcoming_links(html: str) -> list[tuple[str, str]]:
    (table,) = lxml.html.document_fromstring(html).find_class("upcoming")
    return links(lxml.html.tostring(table, encoding="unicode"))


def test_also_coming_up_lists_the_next_three_live_events(sample_settings: Settings) -> None:
    rendered = render(sample_settings, NIX, "announcement", "2027-01-01T09:00")
    assert upcoming_links(rendered.html) == [
        ("https://example.org/events/2027/01/lunch", "River City Open Tech Lunch"),
        ("https://example.org/events/2027/02/observability-with-opentelemetry",
         "Observability with OpenTelemetry"),
        # The cancelled March talk is left out.
        ("https://example.org/events/2027/04/postgres-internals",
         "Postgres Internals for the Curious"),
    ]
    assert "* Thu, Jan 21: River City Open Tech Lunch\n" \
        "  https://example.org/events/2027/01/lunch" in rendered.text


def test_also_coming_up_leaves_out_what_is_over_by_now(sample_settings: Settings) -> None:
    # The Nix talk's messages looked at on Jan 25: the Jan 21 lunch is no longer coming up.
    rendered = render(sample_settings, NIX, "cancellation", "2027-01-25T09:00")
    titles = [title for _, title in upcoming_links(rendered.html)]
    assert titles == ["Observability with OpenTelemetry", "Postgres Internals for the Curious",
                      "Rust on Microcontrollers"]
    assert "Lunch" not in rendered.text


def test_without_a_permalink_upcoming_events_are_not_links(sample_settings: Settings) -> None:
    settings = dataclasses.replace(sample_settings, site=dataclasses.replace(
        sample_settings.site, permalink=""))
    rendered = render(settings, NIX, "announcement", "2027-01-01T09:00")
    assert "Observability with OpenTelemetry" in rendered.html
    assert upcoming_links(rendered.html) == []


# --- talk content: Markdown, raw HTML, sections ------------------------------------------


def test_a_list_right_below_a_paragraph_is_a_list(mesh_config: Path) -> None:
    rendered = render(mesh_config, MESH, "announcement", "2020-01-01T09:00")
    items = [li.text_content() for li in lxml.html.document_fromstring(rendered.html).iter("li")]
    assert items[:3] == ["Configurable interconnect of services via Istio",
                         "Tracing and measurement via Jaeger", "Visualization via Kiali"]
    assert "  * Tracing and measurement via Jaeger\n" in rendered.text


def test_code_fences_are_left_alone(tmp_path: Path) -> None:
    settings, catalog, event = settings_over(tmp_path, """
        Setup:
        ```
        text
        * not a list item
        ```
        """)
    rendered = render_event(settings, catalog, event, "announcement", at("2027-01-01", settings),
                            plan=plan(event, "announcement", settings.schedule))
    (pre,) = lxml.html.document_fromstring(rendered.html).iter("pre")
    assert pre.text_content() == "text\n* not a list item\n"


def test_active_content_is_removed_and_harmless_html_kept(tmp_path: Path) -> None:
    settings, catalog, event = settings_over(tmp_path, """
        <p onclick="steal()">Kept <b>bold</b>
        <span style="color: red; position: fixed">red</span></p>
        <script>alert("script")</script>
        <iframe src="https://evil.example/frame">iframe text</iframe>
        <form action="https://evil.example/post"><input name="q">form text</form>
        <object data="x.swf">object text</object>
        <a href="javascript:alert(1)">js link</a>
        <img src="/pic.png" onerror="alert(2)">
        """)
    rendered = render_event(settings, catalog, event, "announcement", at("2027-01-01", settings),
                            plan=plan(event, "announcement", settings.schedule))
    body = rendered.html.lower()
    for gone in ("<script", "alert", "<iframe", "<form", "<input", "<object", "onclick",
                 "onerror", "javascript:", "evil.example", "position"):
        assert gone not in body, gone
    for gone in ("iframe text", "form text", "object text", "alert"):
        assert gone not in rendered.text
    assert "<b" in body
    assert ">bold</b>" in body
    assert "color:red" in body.replace(" ", "")
    (image,) = [i for i in lxml.html.document_fromstring(rendered.html).iter("img")
                if i.get("src") == "https://example.org/pic.png"]
    assert image.get("alt") == ""


def test_sanitize_resolves_site_relative_urls() -> None:
    unresolved: list[str] = []
    html = sanitize('<a href="/a.html">a</a> <a href="b/c.html">b</a> <img src="//cdn.x/y.png">',
                    "https://site.example", unresolved)
    assert 'href="https://site.example/a.html"' in html
    assert 'href="https://site.example/b/c.html"' in html
    assert 'src="https://cdn.x/y.png"' in html
    assert not unresolved
    sanitize('<a href="/a.html">a</a>', "", unresolved)
    assert unresolved == ["/a.html"]


def test_speaker_section_names_the_presenter(sample_settings: Settings) -> None:
    rendered = render(sample_settings, NIX, "announcement", "2027-01-01T09:00")
    assert "<h2" in rendered.html
    # The heading says who in the text part; in HTML, the speaker's card does.
    assert ">Speaker</h2>" in rendered.html
    assert ">Zoë Müller</p>" in rendered.html
    assert "Speaker: Zoë Müller\n-------------------\n\nZoë Müller builds release tooling" \
        in rendered.text
    # Entities in a presenter's name come out as the characters they stand for.
    otel = render(sample_settings, OTEL, "announcement", "2027-01-28T09:00")
    # Two speakers: "Speakers", a card and a line each (issue 23: "Speaker: Priya Raman &
    # Tom O'Neil" was singular).
    assert "Speakers\n--------\n\n* Priya Raman\n* Tom O'Neil\n" in otel.text
    assert ">Speakers</h2>" in otel.html
    assert ">Tom O'Neil</p>" in otel.html


def test_lightning_call_appears_once_as_a_button(mesh_config: Path) -> None:
    rendered = render(mesh_config, MESH, "announcement", "2020-01-01T09:00")
    propose = ("mailto:sean@dague.net?cc=matthias.a.johnson@gmail.com&subject="
               "HV%20Open%20Lightning%20Talk%20Submission")
    assert [link for link in links(rendered.html) if link[0] == propose] == \
        [(propose, "Propose a lightning talk")]
    assert "None yet, please propose below!" in rendered.text
    # Too long to follow the label: the address has a line of its own, whole.
    assert f"Propose a lightning talk:\n{propose}\n" in rendered.text
    assert rendered.text.count(propose) == 1


def test_a_markdown_propose_link_is_not_repeated(sample_settings: Settings) -> None:
    rendered = render(sample_settings, "2027/2027-05-05-rust-on-microcontrollers",
                      "announcement", "2027-04-28T09:00")
    target = "https://example.org/lightning-talks/propose"
    assert [link for link in links(rendered.html) if link[0] == target] == \
        [(target, "Propose a lightning talk")]
    assert "KiCad 9: what's new - Marco Rossi" in rendered.text


def test_the_configured_call_covers_meetings_without_their_own(sample_settings: Settings) -> None:
    postgres = render(sample_settings, "2027/2027-04-07-postgres-internals", "announcement",
                      "2027-03-30T09:00")
    call = "mailto:talks@example.org?subject=Lightning%20Talk%20Proposal"
    assert (call, "Propose a lightning talk") in links(postgres.html)
    assert "Backups you have actually restored - Chris Lee" in postgres.text
    # A meeting with no lightning-talk section still carries the call...
    fair = render(sample_settings, "2027/2027-06-02-mad-science-fair", "announcement",
                  "2027-05-25T09:00")
    assert "Lightning talks" in fair.text
    assert (call, "Propose a lightning talk") in links(fair.html)
    # ...a lunch does not: lightning talks happen before meetings.
    lunch = render(sample_settings, "2027/2027-01-21-lunch", "announcement", "2027-01-12T09:00")
    assert "ightning" not in lunch.text
    assert "ightning" not in lunch.html
    # Without [lightning_talks] propose_url, no section where the talk has none.
    quiet = dataclasses.replace(sample_settings, lightning_talks=dataclasses.replace(
        sample_settings.lightning_talks, propose_url=""))
    fair = render(quiet, "2027/2027-06-02-mad-science-fair", "announcement", "2027-05-25T09:00")
    assert "ightning" not in fair.text


def test_the_reminder_is_short(sample_settings: Settings) -> None:
    full = render(sample_settings, NIX, "announcement", "2027-01-01T09:00")
    short = render(sample_settings, NIX, "reminder", "2027-01-04T09:00")
    assert len(short.text) < len(full.text) * 0.7
    assert short.text.splitlines()[2] == "Reminder: Reproducible Builds with Nix is this Wednesday."
    for kept in ("When:  Wednesday, January 6, 2027, 6:00–8:00 PM EST",
                 "Where: Riverside Library Auditorium", "RSVP:  https://www.meetup.com/",
                 "Self-hosting a wiki on a Raspberry Pi - Dana Kim",
                 "Propose a lightning talk:\nmailto:"):
        assert kept in short.text
    assert "It works on my machine" not in short.text
    assert "Also coming up" not in short.text


def preheader(html: str) -> str:
    (hidden,) = lxml.html.document_fromstring(html).find_class("preheader")
    return str(hidden.text_content())


def test_each_kind_has_a_preheader_worth_reading(sample_settings: Settings) -> None:
    """The line an inbox shows after the subject."""
    nix = {k: render(sample_settings, NIX, k, "2027-01-04T09:00") for k in KINDS}
    assert preheader(nix["announcement"].html) == \
        '"It works on my machine" stops being an excuse when every build input is pinned.'
    assert preheader(nix["reminder"].html) == \
        "Wednesday, January 6, 2027, 6:00–8:00 PM EST · Riverside Library Auditorium"
    assert preheader(nix["cancellation"].html) == \
        "Reproducible Builds with Nix on Wed, Jan 6 will not take place."


def test_the_cancellation_says_so_first_and_repeats_when_and_where(
        sample_settings: Settings) -> None:
    rendered = render(sample_settings, "2027/2027-03-03-home-assistant", "cancellation",
                      "2027-02-25T09:00")
    assert rendered.text.splitlines()[2] == "CANCELLED: this meeting will not take place."
    assert "When:  Wednesday, March 3, 2027, 6:00–8:00 PM EST" in rendered.text
    assert "Where: Foundry Makerspace" in rendered.text
    assert "Our speaker is ill" in rendered.text
    body = lxml.html.document_fromstring(rendered.html).body.text_content()
    assert body.index("Cancelled: this meeting will not take place.") < body.index("Our speaker")
    assert "RSVP" not in rendered.text


# --- plain text ---------------------------------------------------------------------------


def test_plain_text_is_wrapped_and_has_no_markup(mesh_config: Path,
                                                 sample_settings: Settings) -> None:
    rendered = [render(mesh_config, MESH, k, "2020-01-01T09:00") for k in KINDS]
    rendered += [render(sample_settings, e.id, k, "2027-01-01T09:00")
                 for e in load_catalog(sample_settings).events for k in KINDS]
    for item in rendered:
        for line in item.text.splitlines():
            # Only a URL may run past 78 columns.
            assert len(line) <= 78 or re.search(r"(https?|mailto):\S{20,}", line), line
        assert not re.search(r"</?[a-zA-Z][^>]*>", item.text)
        assert not re.search(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", item.text, re.IGNORECASE)
        assert not re.search(r"\]\(", item.text)  # no Markdown links: plain URLs


def test_html_to_text_writes_links_as_plain_urls() -> None:
    text = html_to_text('<p>See <a href="https://x.example/a">the page</a> or '
                        '<a href="https://x.example/b">https://x.example/b</a>; '
                        '<a href="mailto:a@x.example">a@x.example</a>. 1. Not a list.</p>')
    assert " ".join(text.split()) == ("See the page (https://x.example/a) or "
                                      "https://x.example/b; a@x.example. 1. Not a list.")


# --- HTML the mail clients get ------------------------------------------------------------


def test_html_is_inlined_and_keeps_small_screen_rules(sample_settings: Settings) -> None:
    rendered = render(sample_settings, NIX, "announcement", "2027-01-01T09:00")
    root = lxml.html.document_fromstring(rendered.html)
    assert root.get("lang") == "en"
    assert rendered.html.startswith("<!DOCTYPE html>")
    (h1,) = root.iter("h1")
    assert "font-size:28px" in (h1.get("style") or "").replace(" ", "")
    (style,) = root.iter("style")
    assert "@media only screen and (max-width: 620px)" in (style.text or "")
    assert "width: 100% !important" in (style.text or "")
    assert root.find_class("container")[0].tag == "table"
    (preheader,) = root.find_class("preheader")
    assert "display: none" in (preheader.get("style") or "")
    assert preheader.text_content() == \
        '"It works on my machine" stops being an excuse when every build input is pinned.'


def test_messages_stay_under_gmails_clipping_size(sample_settings: Settings,
                                                  mesh_config: Path) -> None:
    for item in [render(mesh_config, MESH, k, "2020-01-01T09:00") for k in KINDS] + \
            [render(sample_settings, NIX, k, "2027-01-01T09:00") for k in KINDS]:
        data = prepare(sample_settings, item, date=at("2027-01-01", sample_settings)).to_bytes(
            "a@example.org", message_id="<x@example.org>")
        assert len(data) < GMAIL_CLIP_BYTES


# --- templates ----------------------------------------------------------------------------


def test_a_user_template_overrides_one_block(tmp_path: Path, sample_settings: Settings) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "announcement.html").write_text(
        '{% extends "packaged/announcement.html" %}\n'
        "{% block footer %}<p>Our own footer for {{ site.name }}</p>{% endblock %}\n")
    settings = dataclasses.replace(sample_settings, templates=dataclasses.replace(
        sample_settings.templates, path=folder))
    rendered = render(settings, NIX, "announcement", "2027-01-01T09:00")
    assert "Our own footer for River City Open Tech" in rendered.html
    assert "Reproducible Builds with Nix" in rendered.html  # the rest is the packaged one
    assert "You get this email because" not in rendered.html
    assert "You get this email because" in rendered.text  # the text twin was not overridden


def test_a_user_base_template_changes_the_footer_of_every_kind(
        tmp_path: Path, sample_settings: Settings) -> None:
    """The promise of docs/messages.md: one block of base.html replaced, nothing else copied."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "base.html").write_text(
        '{% extends "packaged/base.html" %}\n'
        "{% block footer %}<p>See you there, {{ site.name }}</p>{{ super() }}{% endblock %}\n")
    (folder / "base.txt").write_text(
        '{% extends "packaged/base.txt" %}\n'
        "{% block footer %}See you there!\n{{ super() }}{% endblock %}\n")
    settings = dataclasses.replace(sample_settings, templates=dataclasses.replace(
        sample_settings.templates, path=folder))
    for kind in KINDS:
        rendered = render(settings, NIX, kind, "2027-01-04T09:00")
        (footer,) = lxml.html.document_fromstring(rendered.html).find_class("footer")
        assert "See you there, River City Open Tech" in footer.text_content(), kind
        assert "You get this email because" in footer.text_content(), kind  # super()
        assert "Reproducible Builds with Nix" in rendered.html
        assert "\n--\nSee you there!\nYou get this email because" in rendered.text, kind


def test_a_user_template_extending_itself_is_an_error(tmp_path: Path,
                                                      sample_settings: Settings) -> None:
    # An easy slip: "base.html" is the user's own file, the packaged one is
    # "packaged/base.html". Jinja recurses until Python gives up.
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "base.html").write_text('{% extends "base.html" %}\n'
                                      "{% block footer %}Ours{% endblock %}\n")
    settings = dataclasses.replace(sample_settings, templates=dataclasses.replace(
        sample_settings.templates, path=folder))
    with pytest.raises(TemplateError) as caught:
        render(settings, NIX, "announcement", "2027-01-01T09:00")
    assert str(caught.value) == (f'{folder / "base.html"}: extends itself; to change blocks '
                                 'of the packaged one, extend "packaged/base.html"')


def test_template_mistakes_name_file_and_line(tmp_path: Path, sample_settings: Settings) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    settings = dataclasses.replace(sample_settings, templates=dataclasses.replace(
        sample_settings.templates, path=folder))
    (folder / "reminder.html").write_text("line one\n{% if %}\n")
    with pytest.raises(TemplateError, match=r"reminder\.html:2: "):
        render(settings, NIX, "reminder", "2027-01-04T09:00")
    (folder / "reminder.html").write_text("one\ntwo {{ no_such_thing }}\n")
    with pytest.raises(TemplateError, match=r"reminder\.html:2: 'no_such_thing' is undefined"):
        render(settings, NIX, "reminder", "2027-01-04T09:00")
    (folder / "reminder.html").write_text('<html><a href="/relative">x</a></html>')
    with pytest.raises(TemplateError, match=r"reminder\.html: <a href='/relative'>: not an "
                                            r"absolute URL"):
        render(settings, NIX, "reminder", "2027-01-04T09:00")


# --- relative URLs without a site url -------------------------------------------------------


def test_a_relative_url_without_site_url_is_an_error_with_its_line(tmp_path: Path) -> None:
    settings, catalog, event = settings_over(
        tmp_path, "Intro.\n\nSee [the rules](/rules.html).\n", front="image: /images/a.png",
        site_url="")
    with pytest.raises(ContentError) as caught:
        render_event(settings, catalog, event, "announcement", at("2027-01-01", settings),
                     plan=plan(event, "announcement", settings.schedule))
    assert str(caught.value).splitlines() == [
        f"{event.path}:5: image: '/images/a.png': relative URL: set [site] url in the config "
        "so that it can be made absolute",
        f"{event.path}:9: body: '/rules.html': relative URL: set [site] url in the config so "
        "that it can be made absolute",
    ]
    assert [str(p) for p in find_url_problems(settings, catalog)] == \
        str(caught.value).splitlines()


def test_links_that_could_run_code_are_errors(tmp_path: Path) -> None:
    """Front-matter URLs and the "propose" link become buttons and images without going
    through the body's sanitizer: a javascript: or data: URL there is refused."""
    settings, catalog, event = settings_over(tmp_path, """
        Intro.

        ### Lightning Talks ###

        * None yet

        <a href="javascript:alert(1)">Propose a talk</a>
        """, front='rsvp_url: " JavaScript:alert(2)"\n'
                 '        image: "data:image/svg+xml,<svg onload=alert(3)>"')
    with pytest.raises(ContentError) as caught:
        render_event(settings, catalog, event, "announcement", at("2027-01-01", settings),
                     plan=plan(event, "announcement", settings.schedule))
    expected = [
        f"{event.path}:6: image: 'data:image/svg+xml,<svg onload=alert(3)>': not an image on "
        "the web (use an http or https URL)",
        f"{event.path}:5: rsvp_url: 'JavaScript:alert(2)': not a web link (use an http, "
        "https or mailto URL)",
        f"{event.path}:15: body: 'javascript:alert(1)': not a web link (use an http, https "
        "or mailto URL)",
    ]
    assert str(caught.value).splitlines() == expected
    result = CliRunner().invoke(cli, ["check", "--config", str(tmp_path / "announce.toml")])
    assert result.exit_code == 1
    for line in expected:
        assert line.replace(str(tmp_path), "").lstrip("/").split(":", 1)[1] in result.output


def test_check_reports_relative_urls(tmp_path: Path) -> None:
    settings_over(tmp_path, "See [the rules](/rules.html).\n", site_url="")
    result = CliRunner().invoke(cli, ["check", "--config", str(tmp_path / "announce.toml")])
    assert result.exit_code == 1
    assert "error: " in result.output
    assert "2027-01-06-talk.md:6: body: '/rules.html': relative " \
        "URL: set [site] url" in result.output
    assert "1 error" in result.output


# --- the calendar file ---------------------------------------------------------------------


def test_ics_is_one_stable_event_and_cancels(mesh_config: Path) -> None:
    calendars = {k: icalendar.Calendar.from_ical(render(mesh_config, MESH, k,
                                                        "2020-01-01T09:00").ics) for k in KINDS}
    events = {k: c.walk("VEVENT") for k, c in calendars.items()}
    assert all(len(e) == 1 for e in events.values())
    uids = {str(e[0]["UID"]) for e in events.values()}
    assert uids == {"2020-01-08-service-mesh@hvopen.org"}
    announcement = events["announcement"][0]
    assert str(calendars["announcement"]["METHOD"]) == "PUBLISH"
    assert announcement["DTSTART"].params["TZID"] == "America/New_York"
    assert announcement.decoded("DTSTART").isoformat() == "2020-01-08T18:00:00-05:00"
    assert announcement.decoded("DTEND").isoformat() == "2020-01-08T20:00:00-05:00"
    assert str(announcement["SUMMARY"]) == "Next Level Cloud Development with Service Mesh"
    assert str(announcement["LOCATION"]) == ("300 Rockefeller Hall, 3rd Floor Auditorium, "
                                             "Vassar College, 124 Raymond Ave, Poughkeepsie, "
                                             "NY 12604")
    assert str(announcement["URL"]) == "https://hvopen.org/events/2020/01/service-mesh"
    assert "<" not in str(announcement["DESCRIPTION"])
    assert str(announcement["DESCRIPTION"]).startswith("Now that the first generations")
    # Calendars wrap text themselves: no line break inside a paragraph.
    assert "have deployed, some of the difficulties with developing" in \
        str(announcement["DESCRIPTION"])
    # Sentences, as a calendar shows them: a list's items without their bullets.
    assert "\n\nConfigurable interconnect of services via Istio. Tracing and measurement " \
        "via Jaeger." in str(announcement["DESCRIPTION"])
    assert str(announcement["STATUS"]) == "CONFIRMED"
    assert str(events["cancellation"][0]["STATUS"]) == "CANCELLED"
    assert int(events["cancellation"][0].decoded("SEQUENCE")) > \
        int(announcement.decoded("SEQUENCE"))
    assert calendars["announcement"].walk("VTIMEZONE")


# --- the whole corpus ---------------------------------------------------------------------


@pytest.mark.slow
def test_every_corpus_event_renders_with_absolute_urls_only(corpus_config: Path) -> None:
    settings = load_settings(corpus_config)
    catalog = load_catalog(settings)
    assert len(catalog.events) > 200
    now = at("2000-01-01", settings)
    for event in catalog.events:
        for kind in KINDS:
            rendered = render_event(settings, catalog, event, kind, now,
                                    plan=plan(event, kind, settings.schedule))
            root = lxml.html.document_fromstring(rendered.html)
            for element, attribute in (("a", "href"), ("img", "src")):
                for node in root.iter(element):
                    value = node.get(attribute)
                    if value is None:  # <a name="...">: an anchor, not a link
                        continue
                    assert re.match(r"^(https?|mailto|ftp|tel):", value), \
                        f"{event.id} {kind}: <{element} {attribute}={value!r}>"
            assert not re.search(r"\(/[^)\s]*\)", rendered.text), event.id
            assert not re.search(r"</?(p|a|div|span|br|img|b|i|ul|li)\b[^>]*>", rendered.text), \
                event.id
            data = prepare(settings, rendered, date=now).to_bytes(
                "members@hvopen.org", message_id="<x@hvopen.org>")
            assert len(data) < GMAIL_CLIP_BYTES, event.id


# --- SpamAssassin --------------------------------------------------------------------------


def _spamassassin() -> str:
    found = shutil.which("spamassassin")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("spamassassin is missing: `make system-deps` installs it (Debian package)")
    pytest.skip("spamassassin is not installed (`make system-deps`); CI runs this test")


_SCORE = re.compile(r"Content analysis details:\s+\((-?\d+(?:\.\d+)?) points")
# Each message's first line in the mbox, and so in spamassassin's output: its number.
_SEPARATOR = re.compile(r"^From spam-check-(\d+)@announce\.test ", re.MULTILINE)


def _spam_scores(spamassassin: str, messages: dict[str, bytes], home: Path
                 ) -> dict[str, tuple[float, str]]:
    """Each message's SpamAssassin score and report, from one run over an mbox of them all:
    loading the rules is most of a run, which took a second or more per message."""
    mbox = b"".join(
        f"From spam-check-{number}@announce.test Sat Jan  1 00:00:00 2000\n".encode()
        + re.sub(rb"(?m)^(>*From )", rb">\1", data).rstrip(b"\r\n") + b"\n\n"
        for number, data in enumerate(messages.values()))
    # -L: local tests only (no DNS, no network); HOME keeps its prefs file out of ~.
    result = subprocess.run([spamassassin, "-L", "-t", "--mbox"], input=mbox,
                            capture_output=True, env={**os.environ, "HOME": str(home)},
                            timeout=300, check=True)
    output = result.stdout.decode("utf-8", "replace")
    starts = list(_SEPARATOR.finditer(output))
    # Not always in the mbox's order: each is found by its number.
    assert sorted(int(m[1]) for m in starts) == list(range(len(messages))), output[-2000:]
    checked = {int(start[1]): output[start.start():end.start() if end else None]
               for start, end in zip(starts, [*starts[1:], None], strict=True)}
    scores = {}
    for number, name in enumerate(messages):
        # -t adds the report at the end (a spam message also carries it in its body).
        report = list(_SCORE.finditer(checked[number]))
        assert report, checked[number][-2000:]
        scores[name] = (float(report[-1][1]), checked[number][report[-1].start():])
    return scores


@pytest.mark.slow
def test_spamassassin_scores_every_kind_at_zero_or_below(tmp_path: Path,
                                                         mesh_config: Path) -> None:
    spamassassin = _spamassassin()
    messages = {f"nix {k}": cli_render(EXAMPLE_CONFIG, NIX, "--kind", k, "--force", "--now",
                                       "2027-01-01T09:00") for k in KINDS}
    messages |= {f"mesh {k}": cli_render(mesh_config, MESH, "--kind", k, "--force", "--now",
                                         "2020-01-01T09:00") for k in KINDS}
    # An update that tells a real change (the others above have none to tell).
    messages["mesh moved update"] = cli_render(write_moved_mesh_config(tmp_path / "moved"), MESH,
                                               "--kind", "update", "--now", "2020-01-02T09:00")
    for name, (score, report) in _spam_scores(spamassassin, messages, tmp_path).items():
        assert score <= 0.0, f"{name}: {score}\n{report}"


def test_render_takes_a_talk_file_by_path_but_only_from_the_events_folder() -> None:
    inside = REPO / "content" / "events" / "2027" / "2027-01-21-lunch.md"
    eml = cli_render(EXAMPLE_CONFIG, str(inside), "--now", "2027-01-15T09:00")
    assert b"Subject: River City Open Tech: River City Open Tech Lunch (Thu, Jan 21)" in eml

    result = CliRunner().invoke(cli, ["render", "--config", str(EXAMPLE_CONFIG),
                                      str(shared(SERVICE_MESH))])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"announce: error: {SERVICE_MESH}: not in the events folder ")


# --- issue 11: mail that holds up in every client --------------------------------------------


def test_bare_urls_become_links_that_show_a_short_address(tmp_path: Path) -> None:
    long = "https://github.com/ansible/awx/blob/devel/docs/auth/ldap-configuration-faq.md"
    settings, catalog, event = settings_over(tmp_path, f"""
        Read {long}, or the [short page](https://example.org/a).

        `{long}` in code stays code.
        """)
    rendered = render_event(settings, catalog, event, "announcement", at("2027-01-01", settings),
                            plan=plan(event, "announcement", settings.schedule))
    assert (long, "github.com/ansible/awx/blob/devel/docs…") in links(rendered.html)
    assert ("https://example.org/a", "short page") in links(rendered.html)
    code = lxml.html.document_fromstring(rendered.html).xpath("//code")[0]
    assert code.text_content() == long
    assert not code.xpath(".//a")
    # The text part shows the whole address once, never the short one.
    assert f"Read {long}" in rendered.text.replace("\n", " ")
    assert "docs…" not in rendered.text


def test_long_words_break_in_the_content_cell(sample_settings: Settings) -> None:
    rendered = render(sample_settings, NIX, "announcement", "2027-01-01T09:00")
    (content,) = lxml.html.document_fromstring(rendered.html).find_class("content")
    style = (content.get("style") or "").replace(" ", "")
    assert "overflow-wrap:anywhere" in style
    assert "word-break:break-word" in style


def test_talk_headings_descend_from_the_title_without_jumps(tmp_path: Path) -> None:
    settings, catalog, event = settings_over(tmp_path, """
        # Agenda

        ### Part one

        Text.

        ##### Deep

        Deeper.

        ## Part two

        More.

        ## Part three
        """)
    rendered = render_event(settings, catalog, event, "announcement", at("2027-01-01", settings),
                            plan=plan(event, "announcement", settings.schedule))
    root = lxml.html.document_fromstring(rendered.html)
    levels = [(node.tag, node.text_content()) for node in root.iter("h1", "h2", "h3", "h4", "h5")]
    assert levels[:5] == [("h1", "A Talk"), ("h2", "Agenda"), ("h3", "Part one"),
                          ("h4", "Deep"), ("h3", "Part two")]
    # A heading with nothing under it is left out (issue 23).
    assert ("h3", "Part three") not in levels
    # In the plain text: headings as underlined lines, no "#".
    assert "Part one\n--------\n" in rendered.text
    assert not re.search(r"^#", rendered.text, re.MULTILINE)


def test_plain_text_has_no_markdown_and_never_splits_an_address() -> None:
    url = "https://docs.ansible.com/ansible-tower/latest/html/administration/awx-project/faq"
    text = html_to_text(
        f"<h3>Why <em>now</em></h3><p><strong>Note:</strong> see <code>pip install</code> "
        f"and <a href='{url}'>the very long-winded frequently-asked-questions page</a>.</p>"
        "<table><tr><th>Date</th><th>Room</th></tr><tr><td>Wed</td><td>B-12</td></tr></table>")
    lines = text.splitlines()
    assert lines[:2] == ["Why now", "-------"]
    assert f"({url})." in lines  # on a line of its own, whole
    assert all(len(line) <= 78 for line in lines if url not in line)
    assert "Date | Room" in lines
    assert "Wed | B-12" in lines
    assert not re.search(r"\*\*|`|__|\[|#", text)


def test_the_preheader_and_calendar_are_plain_text(tmp_path: Path) -> None:
    settings, catalog, event = settings_over(tmp_path, """
        ### What

        **Note: due to the weather** we meet [online](https://example.org/online) with `zoom`.
        """)
    rendered = render_event(settings, catalog, event, "announcement", at("2027-01-01", settings),
                            plan=plan(event, "announcement", settings.schedule))
    (preheader,) = lxml.html.document_fromstring(rendered.html).find_class("preheader")
    # Sentences only (issue 23): no heading, no link target, no marks; the text part
    # keeps the link.
    assert preheader.text_content() == "Note: due to the weather we meet online with zoom."
    description = str(icalendar.Calendar.from_ical(rendered.ics).walk("VEVENT")[0]["DESCRIPTION"])
    assert description.startswith("Note: due to the weather we meet online with zoom.\n\n")
    assert "online (https://example.org/online)" in rendered.text


def test_images_keep_within_the_column_and_have_no_invalid_height(tmp_path: Path) -> None:
    settings, catalog, event = settings_over(tmp_path, """
        <img src="https://cdn.example/a.png" width="1200" height="675" alt="A">
        <img src="https://cdn.example/b.png" height="auto" alt="B">
        """)
    rendered = render_event(settings, catalog, event, "announcement", at("2027-01-01", settings),
                            plan=plan(event, "announcement", settings.schedule))
    images = {i.get("alt"): i for i in lxml.html.document_fromstring(rendered.html).iter("img")}
    assert (images["A"].get("width"), images["A"].get("height")) == ("536", "302")
    assert images["B"].get("height") is None
    assert 'height="auto"' not in rendered.html
    # Every client but Outlook shrinks them to a phone's width.
    style = (images["A"].get("style") or "").replace(" ", "").split(";")
    assert "width:100%" in style
    assert "max-width:536px" in style
    assert "max-width:100%" in (images["B"].get("style") or "").replace(" ", "")


def test_a_palette_of_your_own_colours_every_message(tmp_path: Path) -> None:
    """The inlined styles follow the palette: the inliner's kept reading of a <style>
    block is the reading of that block, not of the last message's."""
    settings, catalog, event = settings_over(tmp_path, "A talk.")
    now = at("2027-01-01", settings)
    packaged = render_event(settings, catalog, event, "announcement", now,
                            plan=plan(event, "announcement", settings.schedule))
    templates = tmp_path / "mytemplates"
    templates.mkdir()
    palette = (REPO / "templates" / "email" / "palette.html").read_text(
        encoding="utf-8")
    (templates / "palette.html").write_text(palette.replace("#1a5fb4", "#7b2d8e"),
                                            encoding="utf-8")
    own = dataclasses.replace(settings, templates=dataclasses.replace(
        settings.templates, path=templates))
    for _ in range(2):  # the second render reads the kept rules
        purple = render_event(own, catalog, event, "announcement", now,
                              plan=plan(event, "announcement", own.schedule))
        header = lxml.html.document_fromstring(purple.html).find_class("header")[0]
        assert "background-color:#7b2d8e" in header.get("style", "").replace(" ", "")
        assert "#1a5fb4" not in purple.html
    again = render_event(settings, catalog, event, "announcement", now,
                         plan=plan(event, "announcement", settings.schedule))
    assert again.html == packaged.html


def test_the_event_page_is_a_visible_link(sample_settings: Settings) -> None:
    page = "https://example.org/events/2027/01/reproducible-builds-with-nix"
    for kind, now in (("announcement", "2027-01-01T09:00"), ("reminder", "2027-01-04T09:00")):
        rendered = render(sample_settings, NIX, kind, now)
        root = lxml.html.document_fromstring(rendered.html)
        (link,) = [a for a in root.iter("a") if a.text_content() == "Event page"]
        assert link.get("href") == page
        assert "text-decoration:none" not in (link.get("style") or "").replace(" ", "")


def test_buttons_have_their_padding_on_the_cell(sample_settings: Settings) -> None:
    rendered = render(sample_settings, NIX, "announcement", "2027-01-01T09:00")
    root = lxml.html.document_fromstring(rendered.html)
    cells = root.find_class("btn")
    assert cells
    for cell in cells:
        assert cell.tag == "td"
        assert re.search(r"padding:\s*\d+px \d+px", cell.get("style") or ""), cell.get("style")
    assert "v:roundrect" not in rendered.html
    assert "<!--[if mso" not in rendered.html


def test_the_calendar_names_its_organizer_and_its_zone_by_rules(
        sample_settings: Settings) -> None:
    rendered = render(sample_settings, NIX, "announcement", "2027-01-01T09:00")
    calendar = icalendar.Calendar.from_ical(rendered.ics)
    organizer = calendar.walk("VEVENT")[0]["ORGANIZER"]
    assert str(organizer) == "mailto:announce@example.org"
    assert organizer.params["CN"] == "River City Open Tech"
    (zone,) = calendar.walk("VTIMEZONE")
    rules = {str(part.name): part["RRULE"].to_ical() for part in zone.subcomponents}
    assert rules == {"DAYLIGHT": b"FREQ=YEARLY;BYDAY=2SU;BYMONTH=3",
                     "STANDARD": b"FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"}
    assert b"RDATE" not in rendered.ics


def test_render_of_a_cancellation_needs_a_cancelled_event_or_force() -> None:
    args = ["render", "--config", str(EXAMPLE_CONFIG), NIX, "--kind", "cancellation",
            "--now", "2027-01-05T09:00"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stdout_bytes == b""
    # Named as check names it: from the current folder (announce.paths.display_path).
    path = display_path(REPO / "content/events/2027/2027-01-06-reproducible-builds-with-nix.md")
    # The same words as send --kind cancellation --force (announce.kinds.check_forced).
    assert result.stderr == (
        f"announce: error: {path}: “Reproducible Builds with Nix” ({NIX}) is not cancelled: "
        "a cancellation needs 'cancelled: true' in its front matter\n")
    forced = CliRunner().invoke(cli, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    message = message_from_bytes(forced.stdout_bytes, policy=policy.default)
    (calendar,) = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert b"STATUS:CANCELLED" in calendar.get_payload(decode=True)


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin", "Australia/Sydney",
                                  "Asia/Tokyo", "America/Sao_Paulo"])
def test_the_calendars_zone_rules_match_the_zone_for_years(zone: str) -> None:
    """Read through its own rules alone (a zone name the reader does not know), the
    VTIMEZONE gives every hour of the event's year and the next ones the offset the
    zone has: "last Sunday of March" stays that after 2024, when it was the fifth."""
    from zoneinfo import ZoneInfo

    from announce.render import _vtimezone

    # A name of its own per zone: icalendar caches the zone it builds by its TZID.
    component = _vtimezone(zone, 2024).to_ical().replace(zone.encode(),
                                                         f"X-Test/{zone}".encode())
    calendar = icalendar.Calendar.from_ical(b"BEGIN:VCALENDAR\r\n" + component +
                                            b"END:VCALENDAR\r\n")
    (timezone,) = calendar.walk("VTIMEZONE")
    assert isinstance(timezone, icalendar.Timezone)
    rules, real = timezone.to_tz(), ZoneInfo(zone)
    wrong = []
    for day in range(0, 4 * 365, 3):
        for hour in (1, 12, 23):
            moment = datetime(2024, 1, 1, hour) + timedelta(days=day)
            if moment.replace(tzinfo=rules).utcoffset() != moment.replace(tzinfo=real).utcoffset():
                wrong.append(moment)
    # An hour a year is the clocks' own change, which readers resolve differently.
    assert len(wrong) <= 8, wrong[:10]
