"""Mail that holds up in every client (issue 11), checked on the real corpora.

The HV Open site and every site of ``../shared/corpus/sites/`` are rendered as they are:
no announcement is wider than a 320 px phone (in a real headless Chromium), no place
that is not HTML (the inbox preview, the calendar's DESCRIPTION, the Google Calendar
link's details) shows Markdown, every link of the HTML is whole on one line of the plain
text, the .ics of each kind passes a strict reader and means the start ``list --json``
says, and a meeting carries one call for lightning talks, not two.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from click.testing import CliRunner

from announce.cli import cli
from announce.config import Settings, load_settings
from announce.content import Event
from announce.i18n import display_width
from announce.render import Rendered
from announce.sources.catalog import load_catalog

from .chromium import local_only
from .conftest import SHARED, shared
from .sites import Corpus, corpus_sites, read_corpus

SITES = SHARED / "corpus" / "sites"
THREE = ("announcement", "reminder", "cancellation")
PHONE = 320
HV_SAMPLE = 50
SITE_SAMPLE = 6

# Markdown a reader would see as such: bold, headings, links, emphasis, code.
# ("@__etienne", a handle, is no emphasis.)
MARKDOWN = re.compile(r"\*\*|^#{1,6} |\[[^\]\n]+\]\([^)\s]+\)|(?<![\w/@])__\w|`",
                      re.MULTILINE)
LONG_URL = re.compile(r"https?://\S{40,}")


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> list[Corpus]:
    """HV Open and every site of sites/ with events, each read from a copy of its own."""
    from .conftest import write_hv_open_config

    shared(SITES)
    folder = tmp_path_factory.mktemp("corpora")
    hv = write_hv_open_config(folder / "hvopen.toml",
                              '\n[lightning_talks]\npropose_url = "mailto:talks@hvopen.org"\n')
    settings = load_settings(hv)
    found = [Corpus("hvopen", settings, load_catalog(settings))]
    for site in corpus_sites():
        corpus = read_corpus(site, folder)
        if corpus is not None and corpus.catalog.events:
            found.append(corpus)
    # HV Open and at least the six sites the project first read.
    assert len(found) >= 7, [c.name for c in found]
    return found


def _has_long_url(event: Event) -> bool:
    return bool(LONG_URL.search(event.body or ""))


def sample(corpus: Corpus) -> list[Event]:
    """Every event with a long URL in its body, then evenly spread others: up to 50 of
    HV Open's, up to 6 of each other site's (their last ones first)."""
    events = sorted(corpus.catalog.events, key=lambda e: (e.start, e.id))
    most = HV_SAMPLE if corpus.name == "hvopen" else SITE_SAMPLE
    long = [e for e in events if _has_long_url(e)]
    picked = long[-most:] if corpus.name != "hvopen" else long[:most]
    rest = [e for e in reversed(events) if e not in picked]
    step = max(1, len(rest) // max(1, most - len(picked)))
    picked += rest[::step][:max(0, most - len(picked))]
    return picked


# --- 320 px -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def phone(corpora: list[Corpus], browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": PHONE, "height": 640})
    context.route("**/*", local_only)  # remote images fail: tests talk to 127.0.0.1
    yield context.new_page()
    context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_no_announcement_is_wider_than_a_phone(corpora: list[Corpus], phone: Any) -> None:
    wide = []
    checked = long = 0
    for corpus in corpora:
        for event in sample(corpus):
            rendered = corpus.render(event, "announcement")
            phone.set_content(rendered.html, wait_until="domcontentloaded")
            width = phone.evaluate("document.documentElement.scrollWidth")
            checked += 1
            long += _has_long_url(event)
            if width > PHONE:
                wide.append(f"{corpus.name} {event.id}: {width} px")
    assert not wide, f"{len(wide)} of {checked} wider than {PHONE} px:\n" + "\n".join(wide)
    assert checked > 80
    assert long > 20  # the ones that used to scroll sideways are among them


# --- plain text -----------------------------------------------------------------------------


def _preheader(html: str) -> str:
    root = lxml.html.document_fromstring(html)
    found = root.find_class("preheader")
    return found[0].text_content() if found else ""


def _details(html: str) -> str:
    root = lxml.html.document_fromstring(html)
    for anchor in root.iter("a"):
        href = anchor.get("href") or ""
        if href.startswith("https://calendar.google.com/"):
            return parse_qs(urlsplit(href).query).get("details", [""])[0]
    return ""


def _description(ics: bytes) -> str:
    import icalendar

    calendar = icalendar.Calendar.from_ical(ics)
    return str(calendar.walk("VEVENT")[0].get("DESCRIPTION", ""))


@pytest.fixture(scope="module")
def every_message(corpora: list[Corpus]) -> list[tuple[str, Rendered]]:
    """Every event of every corpus in the three kinds, rendered once for the tests that
    read them all (some 2,000 messages: rendering is most of their time)."""
    return [(f"{corpus.name} {event.id} {kind}", corpus.render(event, kind))
            for corpus in corpora for event in corpus.catalog.events for kind in THREE]


@pytest.mark.slow
def test_no_markdown_where_nothing_renders_it(
        every_message: list[tuple[str, Rendered]]) -> None:
    """The inbox preview, the .ics DESCRIPTION, the calendar link's details: text."""
    found = []
    count = 0
    for name, rendered in every_message:
        count += 1
        for place, text in (("preheader", _preheader(rendered.html)),
                            ("DESCRIPTION", _description(rendered.ics)),
                            ("details", _details(rendered.html))):
            match = MARKDOWN.search(text)
            if match:
                found.append(f"{name} {place}: ...{text[max(0, match.start() - 30):][:80]!r}")
    assert count > 1500
    assert not found, f"{len(found)} with Markdown:\n" + "\n".join(found[:30])


def _lone_url(line: str) -> bool:
    """A line that is one address and nothing else (it may be longer than 78)."""
    token = line.strip().removeprefix("* ").strip("()<>.,;:")
    return " " not in token and ("/" in token or "@" in token)


@pytest.mark.slow
def test_text_part_keeps_every_url_whole_within_78_columns(
        every_message: list[tuple[str, Rendered]]) -> None:
    broken, wide = [], []
    for name, rendered in every_message:
        lines = rendered.text.splitlines()
        root = lxml.html.document_fromstring(rendered.html)
        for anchor in root.iter("a"):
            href = anchor.get("href") or ""
            if href.startswith(("http://", "https://")) and not any(href in line
                                                                     for line in lines):
                broken.append(f"{name}: {href}")
        wide += [f"{name}: {line!r}" for line in lines
                 if display_width(line) > 78 and not _lone_url(line)]
    assert not broken, f"{len(broken)} URLs not whole on one line:\n" + "\n".join(broken[:30])
    assert not wide, f"{len(wide)} lines over 78 columns:\n" + "\n".join(wide[:30])


# --- calendars ------------------------------------------------------------------------------


def _listed_starts(corpus: Corpus) -> dict[str, str]:
    """What ``announce list --all --json`` says each event starts at."""
    assert corpus.settings.source is not None
    result = CliRunner().invoke(cli, ["list", "--all", "--json", "--config",
                                      str(corpus.settings.source), "--now", "2000-01-01"])
    assert result.exit_code == 0, result.output
    return {row["id"]: row["start"] for row in json.loads(result.stdout)}


def _calendar_sample(corpus: Corpus) -> list[Event]:
    """Events in summer and in winter time, and the newest ones."""
    events = sorted(corpus.catalog.events, key=lambda e: e.start)
    by_month = {e.start.month: e for e in events}
    return list({e.id: e for e in [*by_month.values(), *events[-3:]]}.values())


@pytest.mark.slow
def test_every_kind_passes_a_strict_reader_at_the_listed_instant(
        corpora: list[Corpus]) -> None:
    import icalendar
    from ical.calendar_stream import IcsCalendarStream

    for corpus in corpora:
        listed = _listed_starts(corpus)
        for event in _calendar_sample(corpus):
            expected = datetime.fromisoformat(listed[event.id])
            sequences: list[int] = []
            for kind in THREE:
                ics = corpus.render(event, kind).ics
                where = f"{corpus.name} {event.id} {kind}"
                # ical is strict unless told otherwise: an invalid file raises here.
                strict = IcsCalendarStream.calendar_from_ics(ics.decode("utf-8"))
                (item,) = strict.events
                assert isinstance(item.dtstart, datetime), where
                assert item.dtstart.astimezone(UTC) == expected.astimezone(UTC), where
                assert item.organizer is not None, where
                assert item.organizer.uri == "mailto:" + _address(corpus.settings), where
                sequences.append(item.sequence or 0)
                parsed = icalendar.Calendar.from_ical(ics)
                vevent = parsed.walk("VEVENT")[0]
                assert vevent.decoded("DTSTART").astimezone(UTC) == expected.astimezone(UTC), \
                    where
                assert _by_own_vtimezone(ics).astimezone(UTC) == expected.astimezone(UTC), where
            assert sequences == sorted(sequences)
            assert sequences[-1] > sequences[0]


def _address(settings: Settings) -> str:
    from email.utils import parseaddr

    return parseaddr(settings.mail.sender)[1]


_UNKNOWN = itertools.count()


def _by_own_vtimezone(ics: bytes) -> datetime:
    """DTSTART read through the file's VTIMEZONE alone, as a calendar that does not know
    the zone's name must: its rules (RRULEs) under a TZID nobody knows."""
    import icalendar

    text = ics.decode("utf-8")
    tzid = re.search(r"^TZID:(.+?)\r?$", text, re.MULTILINE)
    if tzid is None:  # no zone: a time in UTC
        start: datetime = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0].decoded("DTSTART")
        return start
    # A name of its own per file: icalendar caches the zone it builds by its TZID, and
    # each file's VTIMEZONE covers the years around its own event only.
    unknown = f"X-Unknown/{tzid[1]}/{next(_UNKNOWN)}"
    text = text.replace(f"TZID:{tzid[1]}", f"TZID:{unknown}").replace(
        f"TZID={tzid[1]}:", f"TZID={unknown}:")
    calendar = icalendar.Calendar.from_ical(text)
    (component,) = calendar.walk("VTIMEZONE")
    assert isinstance(component, icalendar.Timezone)
    zone = component.to_tz()
    match = re.search(rf"^DTSTART;TZID={re.escape(unknown)}:(\d{{8}}T\d{{6}})\r?$", text,
                      re.MULTILINE)
    assert match, text
    naive = datetime.strptime(match[1], "%Y%m%dT%H%M%S")
    return naive.replace(tzinfo=zone)


# --- one call for lightning talks ---------------------------------------------------------


def test_a_talk_with_its_own_sign_up_gets_no_second_call(corpora: list[Corpus]) -> None:
    hv = corpora[0]
    configured = hv.settings.lightning_talks.propose_url
    own = twice = 0
    for event in hv.catalog.events:
        if event.type != "meeting" or event.lightning_talks is None:
            continue
        rendered = hv.render(event, "announcement")
        root = lxml.html.document_fromstring(rendered.html)
        buttons = [a for a in root.iter("a")
                   if a.text_content().strip() == "Propose a lightning talk"]
        if event.propose_url and not buttons:
            own += 1  # the talk's own words are the call...
            assert configured not in rendered.html, event.id  # ...and the only one
            assert event.propose_url.split("?")[0].split("/")[-1] in rendered.html, event.id
        calls = len(buttons) + bool(event.propose_url and not buttons)
        twice += calls > 1
        assert calls == 1, event.id
    assert twice == 0
    assert own >= 20  # the talks that used to carry two
