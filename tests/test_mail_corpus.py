"""What a member noticed in the mail of real sites (issue 23), each on the corpus event
that showed it: one call for lightning talks, sentences where nothing renders HTML,
tables, speakers, headings with nothing under them, venues, a talk's own link, images.

Each site is read once per module, from a copy (tests/sites.py).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import icalendar
import lxml.html
import pytest

from announce.render import Rendered

from .conftest import write_hv_open_config
from .sites import Corpus, read_corpus, site_named

HV_LIGHTNING = '\n[lightning_talks]\npropose_url = "https://hvopen.org/lightning-talks.html"\n'


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Corpus]:
    """A corpus site by (part of) its folder name, "hvopen" for HV Open, read once."""
    from announce.config import load_settings
    from announce.sources.catalog import load_catalog

    folder = tmp_path_factory.mktemp("sites")
    read: dict[str, Corpus] = {}

    def get(name: str) -> Corpus:
        if name not in read:
            if name == "hvopen":
                config = write_hv_open_config(folder / "hvopen.toml", HV_LIGHTNING)
                settings = load_settings(config)
                read[name] = Corpus(name, settings, load_catalog(settings))
            else:
                found = read_corpus(site_named(name), folder)
                assert found is not None, name
                read[name] = found
        return read[name]

    return get


def render(corpus: Corpus, key: str, kind: str = "announcement") -> Rendered:
    return corpus.render(corpus.event(key), kind)


def document(rendered: Rendered) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(rendered.html)


def preheader(rendered: Rendered) -> str:
    (found,) = document(rendered).find_class("preheader")
    return " ".join(found.text_content().split())


def calendar_details(rendered: Rendered) -> str:
    for anchor in document(rendered).iter("a"):
        href = anchor.get("href") or ""
        if href.startswith("https://calendar.google.com/"):
            return parse_qs(urlsplit(href).query).get("details", [""])[0]
    raise AssertionError("no Google Calendar link")


def ics_description(rendered: Rendered) -> str:
    calendar = icalendar.Calendar.from_ical(rendered.ics)
    return str(calendar.walk("VEVENT")[0].get("DESCRIPTION", ""))


def prose_places(rendered: Rendered) -> dict[str, str]:
    """The places that show the description as sentences, the page's link cut off."""
    return {"preheader": preheader(rendered),
            "details": calendar_details(rendered).split("\n\n")[0],
            "DESCRIPTION": ics_description(rendered).rsplit("\n\n", 1)[0]}


# --- one call for lightning talks -----------------------------------------------------------


def test_a_sign_up_for_lightning_talks_in_the_description_is_the_only_call(
        corpus: Callable[[str], Corpus]) -> None:
    """HV Open's 2014 disaster-recovery panel asks for volunteers in its description
    ("[Sign up](http://mhvlug.org/contact/Lightning-Talk)"): no second call under it."""
    rendered = render(corpus("hvopen"), "2014-12-03-home-disaster-recovery")
    assert "http://mhvlug.org/contact/Lightning-Talk" in rendered.html
    assert "Propose a lightning talk" not in rendered.html
    assert "lightning-talks.html" not in rendered.html
    assert "Propose a lightning talk" not in rendered.text


# --- sentences where nothing renders HTML ---------------------------------------------------


@pytest.mark.parametrize(("site", "key", "noise"), [
    # An image's alt text ran into the first sentence: "Rlogo.pngJoshua Korenblat will..."
    ("hvopen", "2018-01-10-data-wrangling-with-r", "Rlogo.png"),
    # A list of one bare address: "* https://bbb.trolug.de Werden hierher..."
    ("TroLUG", "2025-12-04_TroLUG", "bbb.trolug.de"),
    # A kramdown table without a header row: "| 日時 | 2026年06月20日(土) ... |"
    ("kanazawarb", "166", "|"),
])
def test_preview_calendar_details_and_description_are_sentences(
        corpus: Callable[[str], Corpus], site: str, key: str, noise: str) -> None:
    rendered = render(corpus(site), key)
    for place, text in prose_places(rendered).items():
        assert noise not in text, (place, text)
        assert " * " not in f" {text}", (place, text)
        assert "](" not in text, (place, text)
        assert "http" not in text, (place, text)


def test_sentences_keep_the_words_of_a_table_and_a_link(corpus: Callable[[str], Corpus]) -> None:
    kanazawa = prose_places(render(corpus("kanazawarb"), "166"))
    assert "日時: 2026年06月20日(土) 13:00 - 17:00" in kanazawa["DESCRIPTION"]
    hv = render(corpus("hvopen"), "2018-01-10-data-wrangling-with-r")
    assert preheader(hv) == "Joshua Korenblat will cover cleaning datasets using R packages."
    # The text part keeps the link the sentences leave out.
    assert "Tidyverse (https://www.tidyverse.org)" in " ".join(hv.text.split())


# --- tables ---------------------------------------------------------------------------------


def test_a_kramdown_table_without_a_header_row_is_a_table(
        corpus: Callable[[str], Corpus]) -> None:
    rendered = render(corpus("kanazawarb"), "166")
    cells = [" ".join(td.text_content().split()) for td in document(rendered).iter("td")]
    assert "日時" in cells
    assert "無料" in cells
    assert "| **日時**" not in rendered.html
    assert "| 日時 |" not in rendered.html
    assert "| 日時 |" not in rendered.text
    (table,) = [t for t in document(rendered).iter("table")
                if "無料" in t.text_content() and t.find(".//table") is None]
    assert table.find(".//th") is None  # kramdown's rows are body rows: no header
    cell = next(td for td in table.iter("td") if "13:00" in td.text_content())
    assert "padding" in (cell.get("style") or "")
    (time,) = [s for s in cell.iter("span") if "13:00" in s.text_content()]
    assert "nowrap" in (time.get("style") or "")
