"""The event's page and the site's URLs a talk points at (announce/pages.py), on small
sites and on the corpus: every URL of ``urls.json`` is what ``list --json`` gives."""

from __future__ import annotations

import json
import re
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from announce.cli import cli
from announce.config import load_settings
from announce.content import Event
from announce.pages import body_url, event_page, image_url, md_link_problems
from announce.sources.catalog import load_catalog

from .sites import SITES, corpus_sites, find_event, init_copy


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def config(site: str = 'url = "https://ex.org"', content: str = 'events = "_posts"') -> str:
    return (f'[site]\nname = "Ex"\ntimezone = "Europe/Berlin"\n{site}\n\n'
            f'[content]\n{content}\n\n[mail]\nfrom = "Ex <a@ex.org>"\nto = "l@ex.org"\n')


def events(root: Path) -> dict[str, Event]:
    settings = load_settings(root / "announce.toml")
    return {e.id: e for e in load_catalog(settings).events}


JEKYLL = {
    "_config.yml": "permalink: /:year-:title\n",
    "assets/img/rust.png": "",
    "_posts/2027-03-04-rust.md": """
        ---
        title: Rust
        date: 2027-03-04 19:00
        location: Hall
        image: assets/img/rust.png
        ---
        See [the last one](./2027-02-04-go.md#notes), [the shop](../shop.md),
        ![a map](map.png) and [slides](/slides/rust.pdf).
        """,
    "_posts/2027-02-04-go.md": "---\ntitle: Go\ndate: 2027-02-04 19:00\nlocation: Hall\n---\n",
}


def test_the_page_follows_the_generators_rules_and_links_resolve_as_on_it(
        tmp_path: Path) -> None:
    write(tmp_path, {**JEKYLL, "announce.toml": config()})
    settings = load_settings(tmp_path / "announce.toml")
    rust = events(tmp_path)["2027-03-04-rust"]
    page = event_page(settings, rust)
    assert (page.url, page.unsure) == ("https://ex.org/2027-rust", False)
    assert page.how == "Jekyll post, permalink /:year-:title"
    # A .md link is the other page's URL; one to no page of the site, none.
    assert body_url(settings, rust, "./2027-02-04-go.md#notes") == "https://ex.org/2027-go#notes"
    assert body_url(settings, rust, "../shop.md") is None
    # Other relative links, as a browser resolves them on the page.
    assert body_url(settings, rust, "map.png") == "https://ex.org/map.png"
    assert body_url(settings, rust, "/slides/rust.pdf") == "https://ex.org/slides/rust.pdf"
    # A front-matter image is the site's file (Jekyll serves its folder), not the page's.
    assert image_url(settings, rust, rust.image or "") == "https://ex.org/assets/img/rust.png"
    problems = [str(p) for p in md_link_problems(settings, rust)]
    assert len(problems) == 1
    assert "../shop.md: no page of the site" in problems[0]


def test_a_page_dated_in_the_future_is_no_page_yet(tmp_path: Path) -> None:
    # Jekyll without future: true builds a post only once its date has passed.
    write(tmp_path, {**JEKYLL, "announce.toml": config()})
    settings = load_settings(tmp_path / "announce.toml")
    rust = events(tmp_path)["2027-03-04-rust"]
    before = event_page(settings, rust, datetime(2027, 3, 1, tzinfo=UTC))
    assert (before.url, before.unsure) == (None, True)
    assert "dated 2027-03-04, after now" in before.how
    after = event_page(settings, rust, datetime(2027, 3, 5, tzinfo=UTC))
    assert after.url == "https://ex.org/2027-rust"


@pytest.mark.parametrize(("site", "url", "unsure", "how"), [
    ('url = "https://ex.org"\npermalink = "/talks/:year/:title"',
     "https://ex.org/talks/2027/rust", False, "[site] permalink '/talks/:year/:title'"),
    ('url = "https://ex.org"\npermalink = ""', None, False, "[site] permalink is empty"),
    ("", None, True, "no [site] url"),
])
def test_the_organizers_pattern_wins_and_without_a_url_nothing_is_known(
        tmp_path: Path, site: str, url: str | None, unsure: bool, how: str) -> None:
    write(tmp_path, {**JEKYLL, "announce.toml": config(site)})
    settings = load_settings(tmp_path / "announce.toml")
    page = event_page(settings, events(tmp_path)["2027-03-04-rust"])
    assert (page.url, page.unsure) == (url, unsure)
    assert how in page.how


def test_a_folder_of_markdown_has_no_rules_its_pages_are_unsure(tmp_path: Path) -> None:
    write(tmp_path, {"announce.toml": config(content='events = "talks"'),
                     "talks/a.md": "---\ntitle: A\ndate: 2027-03-04 19:00\nlocation: X\n---\n"})
    result = CliRunner().invoke(cli, ["list", "--all", "--json", "--config",
                                      str(tmp_path / "announce.toml")])
    row = json.loads(result.stdout)[0]
    assert (row["url"], row["unsure"]) == (None, ["url"])
    assert row["sources"]["url"].startswith("announce does not know where a Markdown folder")


MKDOCS = {
    "mkdocs.yml": "site_name: G\nsite_url: https://g.example\ndocs_dir: content\n",
    "content/events/2022-09-29/index.md": """
        ---
        title: Retour
        date: 2022-09-29
        location: Turbine
        cover: events/2022-09-29/static/banner.png
        ---
        [Slides](slides.html) and [next](../2022-10-25/index.md).
        """,
    "content/events/2022-10-25/index.md": "---\ntitle: Next\ndate: 2022-10-25\n---\n",
    "content/events/talk.md": "---\ntitle: T\ndate: 2022-11-25\nimage: pic.png\n---\n"
                              "![](pic.png)\n",
    "content/events/pic.png": "",
}


def test_mkdocs_images_and_links_resolve_where_mkdocs_publishes_them(tmp_path: Path) -> None:
    write(tmp_path, {**MKDOCS, "announce.toml": config(
        'url = "https://g.example"', 'events = "content/events"\ndefault_time = "19:00"')})
    settings = load_settings(tmp_path / "announce.toml")
    found = events(tmp_path)
    first = found["2022-09-29"]
    assert event_page(settings, first).url == "https://g.example/events/2022-09-29/"
    # Written from docs_dir: the site's path, not doubled below the page.
    assert image_url(settings, first, first.image or "") == \
        "https://g.example/events/2022-09-29/static/banner.png"
    assert body_url(settings, first, "slides.html") == \
        "https://g.example/events/2022-09-29/slides.html"
    assert body_url(settings, first, "../2022-10-25/index.md") == \
        "https://g.example/events/2022-10-25/"
    # A page that is no index: MkDocs links its files from the file's own folder.
    talk = found["talk"]
    assert event_page(settings, talk).url == "https://g.example/events/talk/"
    assert body_url(settings, talk, "pic.png") == "https://g.example/events/pic.png"
    assert image_url(settings, talk, "pic.png") == "https://g.example/events/pic.png"


def test_a_data_entry_has_the_page_of_its_title_else_none_is_known(
        tmp_path: Path) -> None:
    write(tmp_path, {
        "config.toml": 'base_url = "https://cph.rs/"\ntitle = "C"\n',
        "events.toml": '[[past]]\ntitle = "Meetup #37"\ndate = 2023-06-29 18:00:00+02:00\n'
                       'venue = "KU"\n\n[[past]]\ntitle = "Hack Night"\n'
                       'date = 2023-07-29 18:00:00+02:00\nvenue = "KU"\n',
        "content/events/_index.md": "+++\ntitle = \"Events\"\n+++\n",
        "content/events/meetup-37.md": "+++\ntitle = \"Meetup #37\"\ndate = 2023-06-29\n+++\n",
        "announce.toml": config('url = "https://cph.rs"', 'events = "events.toml"'),
    })
    settings = load_settings(tmp_path / "announce.toml")
    pages = {e.title: event_page(settings, e) for e in events(tmp_path).values()}
    assert pages["Meetup #37"].url == "https://cph.rs/events/meetup-37/"
    assert (pages["Hack Night"].url, pages["Hack Night"].unsure) == (None, True)


def test_an_astro_image_that_the_build_renames_is_left_out(tmp_path: Path) -> None:
    write(tmp_path, {"astro.config.mjs": "export default {}",
                     "src/content/events/x/index.md": "---\ntitle: X\ndate: 2027-03-04T19:00"
                     "\nlocation: Y\nheroImage: ./hero.png\n---\n",
                     "announce.toml": config(content='events = "src/content/events"')})
    settings = load_settings(tmp_path / "announce.toml")
    event = events(tmp_path)["x"]
    assert image_url(settings, event, "./hero.png") is None
    assert image_url(settings, event, "https://cdn.x/y.png") == "https://cdn.x/y.png"


# --- the corpus: urls.json --------------------------------------------------------------


def _true_urls() -> list[tuple[str, str, str]]:
    from .conftest import shared

    data: dict[str, Any] = json.loads((shared(SITES) / "urls.json").read_text(encoding="utf-8"))
    return [(site, key, url) for site, info in sorted(data.items()) if not site.startswith("_")
            for key, url in info["urls"].items()]


def test_every_url_of_urls_json_is_what_list_json_gives(tmp_path: Path) -> None:
    """Each event page that building the site shows (urls.json) is the ``url`` of
    ``list --json`` after ``init`` alone, host aside (a site whose config names no url
    gets the organizer's)."""
    sites = {site.name: site for site in corpus_sites()}
    wrong = []
    by_site: dict[str, list[tuple[str, str]]] = {}
    for name, key, url in _true_urls():
        by_site.setdefault(name, []).append((key, url))
    for name, wanted in by_site.items():
        announce_toml = init_copy(sites[name], tmp_path)
        assert announce_toml is not None, name
        text = announce_toml.read_text(encoding="utf-8")
        if not re.search(r"^url = ", text, re.MULTILINE):
            announce_toml.write_text(text.replace("# url = ", "url = ", 1), encoding="utf-8")
        result = CliRunner().invoke(cli, ["list", "--all", "--json", "--config",
                                          str(announce_toml)])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        for key, url in wanted:
            row = find_event(rows, key)
            got = row["url"] if row else "no such event"
            if not got or _path(got) != _path(url):
                wrong.append(f"{name} {key}: {got} (the build: {url})")
    assert not wrong, "\n".join(wrong)


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)
