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
                # Every event, those whose start is unsure too: what is shown is the point.
                found = read_corpus(site_named(name), folder, sure_only=False)
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


def test_a_link_left_out_of_the_sentences_takes_its_brackets_along(
        corpus: Callable[[str], Corpus]) -> None:
    """A link whose text is an address goes; the brackets a page put around it went
    with it only in the preview, calendar details and DESCRIPTION: "register on []() as
    well" (DevsGoWhere, a Meetup import's ``\\[[lu.ma](http://lu.ma)\\]([...](...))``),
    "Advent of code (), která" (Ostrava's Pyvo)."""
    neo4j = prose_places(render(corpus("devsgowhere"), "20251023-mcp-singapore-by-neo4j"))
    assert neo4j["preheader"] == "Note: Please register on as well."
    pyvo = prose_places(render(corpus("pyvo"), "ostrava-pyvo/events/2021-12-01"))
    assert "začátek soutěže Advent of code, která bude" in pyvo["preheader"]
    for text in (*neo4j.values(), *pyvo.values()):
        assert "()" not in text
        assert "[]" not in text


def test_a_backslash_escapes_punctuation_as_on_the_site(
        corpus: Callable[[str], Corpus]) -> None:
    """Clermont'ech (Hugo: CommonMark) writes "absolu \\: il va": the site shows "absolu :
    il va", so does the mail, in each of its parts; a venue read from a page's table too."""
    rendered = render(corpus("clermontech"), "2015-03-05-seminaire-confiance-numerique")
    for text in (rendered.html, rendered.text, ics_description(rendered)):
        assert "absolu \\:" not in text
    assert "absolu : il va" in " ".join(document(rendered).text_content().split())
    assert "absolu : il va" in " ".join(ics_description(rendered).split())
    # Kanazawa.rb #49's venue, read from its table's "| **会場** | [DMM\.com Labo ...](...)":
    # the reminder's preview line and the facts said "DMM\.com".
    reminder = render(corpus("kanazawarb"), "49", "reminder")
    assert "· DMM.com Labo 金沢南町事業所" in preheader(reminder)
    (facts,) = document(reminder).find_class("facts")
    assert "DMM.com Labo" in facts.text_content()
    assert "\\" not in facts.text_content() + reminder.text


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


def test_a_table_whose_rows_end_in_a_no_break_space_is_a_table(
        corpus: Callable[[str], Corpus]) -> None:
    """HV Open's 2004 CMS talk: a kramdown table right under a list, each row ending in a
    no-break space, came out as raw ``|CMS System Name|Features|...|`` lines."""
    rendered = render(corpus("hvopen"), "2004-05-06-content-management-systems")
    root = document(rendered)
    assert "|CMS System Name|" not in root.text_content()
    assert "|CMS System Name|" not in rendered.text
    (table,) = [t for t in root.iter("table") if "CMS System Name" in t.text_content()
                and t.find(".//table") is None]
    rows = [[" ".join(td.text_content().split()) for td in tr.iter("td")]
            for tr in table.iter("tr")]
    assert rows[0] == ["CMS System Name", "Features", "Expandability",
                       "Software Requirements", "The Good", "The Bad"]
    assert [row[0] for row in rows[1:]] == ["Tiki Wiki", "Blog::CMS", "Drupal", "Mambo",
                                            "Zope", "Plone", "WordPress"]
    assert "CMS System Name | Features | Expandability" in rendered.text


def test_empty_cells_make_no_pipes_in_the_text_part(corpus: Callable[[str], Corpus]) -> None:
    """Kanazawa.rb #36's programme: a break has neither a time nor a speaker
    (``|               |休憩 (15min)                  ||``): "| 休憩 (15min) |" in the text
    part looked like the raw table."""
    rendered = render(corpus("kanazawarb"), "36")
    lines = rendered.text.splitlines()
    assert "休憩 (15min)" in lines
    assert not [line for line in lines if line.startswith("|") or line.endswith("|")]
    assert "13:45 - 14:00 | browserify (15min) | wtnabe" in lines


# --- speakers -------------------------------------------------------------------------------


def test_two_speakers_are_two_cards_with_their_role_and_bio_once(
        corpus: Callable[[str], Corpus]) -> None:
    """PyLadies Vancouver's July 2026 meetup: "Speaker: Melanie Warrick, Daniel Chen",
    then "**Melanie Warrick**: Melanie Warrick is..." for each."""
    rendered = render(corpus("pyladies"), "july-2026-meetup")
    root = document(rendered)
    assert "Speakers" in [h.text_content() for h in root.iter("h2")]
    names = [p.text_content() for p in root.find_class("speaker-name")]
    assert names == ["Melanie Warrick", "Daniel Chen"]
    roles = " ".join(p.text_content() for p in root.find_class("speaker-role"))
    assert "DevRel at Temporal" in roles
    assert rendered.html.count("Melanie Warrick is co-founding") == 1
    assert "Melanie Warrick</strong>:" not in rendered.html
    assert "Speakers\n--------\n\n* Melanie Warrick, AI Engineer" in rendered.text


def test_a_speaker_with_a_photo_has_it_on_the_card(corpus: Callable[[str], Corpus]) -> None:
    """Meetup Python Grenoble's authors have an avatar (mkdocs.yml extra.authors)."""
    rendered = render(corpus("grenoble"), "2022-09-29")
    photos = [img for card in document(rendered).find_class("speaker-photo")
              for img in card.iter("img")]
    assert {img.get("src") for img in photos} >= {
        "https://avatars.githubusercontent.com/u/1238873"}
    assert all(img.get("width") == "64" for img in photos)


def test_nobody_is_no_speaker(corpus: Callable[[str], Corpus]) -> None:
    """TroLUG's presenter "Alle" (everyone, [content] not_speakers): no "Vortrag von Alle"
    heading with nothing under it."""
    rendered = render(corpus("TroLUG"), "2025-12-04_TroLUG")
    assert "Alle" not in rendered.html
    assert "Vortrag von" not in rendered.text


# --- headings, venues, links --------------------------------------------------------------


def test_headings_with_nothing_under_them_are_left_out(corpus: Callable[[str], Corpus]) -> None:
    trolug = render(corpus("TroLUG"), "2025-12-04_TroLUG")
    headings = [h.text_content() for h in document(trolug).iter("h2")]
    assert "Thema siehe Pad" not in headings  # "## Thema siehe Pad", then "## Notizen"
    assert "Notizen" in headings
    assert "Thema siehe Pad\n---" not in trolug.text
    # Grenoble's "Présentation" held an iframe of the slides, which mail cannot show.
    grenoble = render(corpus("grenoble"), "2022-09-29")
    assert "Présentation" not in [h.text_content() for h in document(grenoble).iter("h2")]


def test_an_online_venue_named_online_is_said_once(corpus: Callable[[str], Corpus]) -> None:
    rendered = render(corpus("TroLUG"), "2023-08-03_CrowdSec")
    assert "Online · Online" not in rendered.html
    assert "Online - Online" not in rendered.text
    assert "Wo:       Online\n" in rendered.text


def test_a_talks_own_link_in_front_matter_is_shown(corpus: Callable[[str], Corpus]) -> None:
    """"Thema siehe Pad" (topic: see the pad), ``pad: https://trolug.pads.ccc.de/2025-12``."""
    rendered = render(corpus("TroLUG"), "2025-12-04_TroLUG")
    assert ("https://trolug.pads.ccc.de/2025-12", "trolug.pads.ccc.de/2025-12") in [
        (a.get("href"), a.text_content()) for a in document(rendered).iter("a")]
    assert "Pad:      https://trolug.pads.ccc.de/2025-12" in rendered.text


# --- the call to action ---------------------------------------------------------------------


def test_without_an_rsvp_the_event_page_is_the_first_button(
        corpus: Callable[[str], Corpus]) -> None:
    rendered = render(corpus("TroLUG"), "2025-12-04_TroLUG")
    buttons = [a for td in document(rendered).find_class("btn") for a in td.iter("a")]
    assert buttons[0].get("href") == "https://trolug.de/de/docs/events/2025-12-04_TroLUG/"
    assert buttons[1].get("href", "").startswith("https://calendar.google.com/")
    assert "btn-secondary" in (buttons[1].getparent().get("class") or "")


def test_an_rsvp_comes_first(corpus: Callable[[str], Corpus]) -> None:
    rendered = render(corpus("pyladies"), "july-2026-meetup")
    buttons = [a for td in document(rendered).find_class("btn") for a in td.iter("a")]
    assert (buttons[0].get("href"), buttons[0].text_content()) == (
        "https://luma.com/pyladiesvancouver", "RSVP")


def test_a_cancellation_has_no_button_and_links_the_event_page(
        corpus: Callable[[str], Corpus]) -> None:
    """On purpose: nothing to go to, and the attached calendar file takes it off the
    calendar; the page may say why, or what instead."""
    rendered = render(corpus("TroLUG"), "2025-12-04_TroLUG", "cancellation")
    root = document(rendered)
    assert not root.find_class("btn")
    page = "https://trolug.de/de/docs/events/2025-12-04_TroLUG/"
    assert [a.text_content() for a in root.iter("a") if a.get("href") == page] == [
        "Veranstaltungsseite"]
    assert f"Mehr:     {page}" in rendered.text


# --- images ---------------------------------------------------------------------------------


def test_an_image_not_in_the_repository_has_the_columns_width_and_a_warning(
        corpus: Callable[[str], Corpus]) -> None:
    """Software Craft Strasbourg's covers are not in its repository: Outlook drew them at
    their full size; check says so."""
    from announce.images import CONTENT_WIDTH, image_problems

    site = corpus("swcraftstras")
    event = site.event("2023-06-14-vraie-vie-cto-no-bullshit-pierre-ammeloot")
    images = list(document(site.render(event, "announcement")).iter("img"))
    assert images
    assert all(img.get("width") for img in images)
    hero = next(img for img in images if "event-vraie-vie" in (img.get("src") or ""))
    assert hero.get("width") == str(CONTENT_WIDTH)
    assert "height:auto" in (hero.get("style") or "").replace(" ", "")
    warnings = [p.message for p in image_problems(site.settings, event)]
    assert any("event-vraie-vie-cto-no-bullshit-pierre-ammeloot.png" in w
               and "no such file in the site's repository" in w for w in warnings), warnings


def test_check_warns_about_an_image_url_that_repeats_its_path(
        corpus: Callable[[str], Corpus]) -> None:
    """A doubled path (``events/x/events/x/cover.jpg``), as a front matter written from
    the content root and from the page's folder both makes."""
    import dataclasses

    from announce.urls import image_url_problems

    site = corpus("grenoble")
    event = site.event("2025-07-22")
    doubled = dataclasses.replace(
        event, image="events/2025-07-22/events/2025-07-22/static/cover.jpg")
    (problem,) = image_url_problems(site.settings, doubled)
    assert "which repeats /events/2025-07-22" in problem.message
    assert problem.severity == "warning"
