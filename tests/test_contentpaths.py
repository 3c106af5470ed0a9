"""Hugo's and Zola's rules for where a file is published (announce/sources/contentpaths.py).

The Hugo paths are what Debian's Hugo 0.111 gives for the same files (``hugo list all``);
the Zola paths follow Zola's documented rules (no Zola to build with here).
"""

from __future__ import annotations

import textwrap
import zoneinfo
from pathlib import Path

import pytest

from announce.sources.contentpaths import hugo_urlize
from announce.sources.frontmatter import read_document
from announce.sources.permalinks import PageFile, PagePath
from announce.sources.profiles import generator_named

UTC = zoneinfo.ZoneInfo("UTC")


def page(root: Path, generator: str, config: str, name: str, front: str = 'title = "T"'
         ) -> PagePath:
    (root / "config.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"+++\n{front}\n+++\nx\n", encoding="utf-8")
    profile = generator_named(generator)
    assert profile is not None
    rules = profile.pages(root)
    assert rules is not None
    return rules(PageFile(path, read_document(path, profile.yaml).data, UTC))


MULTILINGUAL = """\
baseURL = "https://ex.org/sub/"
defaultContentLanguage = "de"
defaultContentLanguageInSubdir = true
[languages.de]
contentDir = "content/de"
[languages.en]
contentDir = "content/en"
[permalinks]
posts = "/:year/:month/:slug/"
"""
UGLY = """\
baseURL = "https://ex.org/"
disablePathToLower = true
uglyURLs = true
[permalinks]
docs = "/d/:sections/:filename/"
news = "/n/:slugorfilename/:2006-01/"
"""
TWO_LANGUAGES = 'baseURL = "https://ex.org/"\n[languages.en]\nweight=1\n[languages.de]\nweight=2\n'


@pytest.mark.parametrize(("config", "name", "front", "expected"), [
    # Sections and names, lower case; a slug; a bundle's folder.
    ('baseURL = "https://ex.org/"', "content/events/One Two.md", 'title = "A"',
     "/events/one-two/"),
    ('baseURL = "https://ex.org/"', "content/events/b/index.md", 'title = "A"', "/events/b/"),
    ('baseURL = "https://ex.org/"', "content/events/x.md", 'slug = "My Slug_X"',
     "/events/my-slug_x/"),
    ('baseURL = "https://ex.org/"\ndisablePathToLower = true', "content/docs/events/x.md",
     'slug = "2023-08-03_CrowdSec"', "/docs/events/2023-08-03_CrowdSec/"),
    # Languages: the default one's folder too with defaultContentLanguageInSubdir.
    (MULTILINGUAL, "content/de/events/Three_Four.md", 'slug = "My Slug_X"',
     "/de/events/my-slug_x/"),
    (MULTILINGUAL, "content/en/events/eng.md", 'title = "E"', "/en/events/eng/"),
    (TWO_LANGUAGES, "content/events/one.md", 'title = "E"', "/events/one/"),
    (TWO_LANGUAGES, "content/events/one.de.md", 'title = "E"', "/de/events/one/"),
    (TWO_LANGUAGES, "content/events/two.xx.md", 'title = "E"', "/events/two.xx/"),
    # url: as written; relative to the language's folder unless it starts with "/".
    (MULTILINGUAL, "content/de/events/one.md", 'url = "event/Some-Thing"',
     "/de/event/Some-Thing/"),
    (MULTILINGUAL, "content/de/events/two.md", 'url = "/abs/x/"', "/abs/x/"),
    (MULTILINGUAL, "content/en/events/eng2.md", 'url = "ev/x.html"', "/en/ev/x.html"),
    ('baseURL = "https://pythonpune.in"', "content/2019/January/README.md",
     'url = "event/have-fun-with-python-attrs-and-asyncio"',
     "/event/have-fun-with-python-attrs-and-asyncio/"),
    # [permalinks] of the page's section.
    (MULTILINGUAL, "content/de/posts/p1.md",
     'title = "Héllo Wörld! & Co"\ndate = 2023-05-06T10:00:00+02:00',
     "/de/2023/05/héllo-wörld-co/"),
    (MULTILINGUAL, "content/de/posts/bundle/index.md", 'title = "Bundle Title"\ndate = 2023-01-02',
     "/de/2023/01/bundle-title/"),
    (UGLY, "content/docs/events/One_X.md", 'title = "A B"', "/d/docs/One_X.html"),
    (UGLY, "content/docs/events/b1/index.md", 'title = "Bund"', "/d/docs/b1.html"),
    (UGLY, "content/posts/Pp.md", 'slug = "Sl_ug"', "/posts/Sl_ug.html"),
    (UGLY, "content/news/Nn X.md", 'title = "T"\ndate = 2024-03-04', "/n/Nn-X/2024-01.html"),
    (UGLY, "content/news/n2.md", 'date = 2024-03-04\nslug = "S L"', "/n/S-L/2024-01.html"),
    (UGLY, "content/posts/u.md", 'url = "/x/y/"', "/x/y/"),
])
def test_hugo_publishes_a_file_where_hugo_list_all_says(
        tmp_path: Path, config: str, name: str, front: str, expected: str) -> None:
    found = page(tmp_path, "hugo", config, name, front)
    assert (found.path, found.known) == (expected, True), found.how


@pytest.mark.parametrize(("name", "front", "expected"), [
    ("content/posts/2018-02-22-mypage.md", 'title = "T"', "/posts/mypage/"),
    ("content/posts/2019-03-05-bundle/index.md", 'title = "T"', "/posts/bundle/"),
    ("content/posts/2018-02-23-other.md", 'slug = "own"', "/posts/own/"),
    ("content/news/2020-01-02_n1.md", 'title = "News"', "/2020/n1/"),
])
def test_a_date_taken_from_the_file_name_leaves_the_rest_as_the_slug(
        tmp_path: Path, name: str, front: str, expected: str) -> None:
    config = ('baseURL = "https://ex.org/"\n[frontmatter]\ndate = [":filename", ":default"]\n'
              '[permalinks]\nnews = "/:year/:slug/"\n')
    assert page(tmp_path, "hugo", config, name, front).path == expected


def test_a_folder_below_a_section_is_one_only_with_its_index(tmp_path: Path) -> None:
    config = 'baseURL = "https://ex.org/"\n[permalinks]\ndocs = "/:sections/:filename/"\n'
    assert page(tmp_path, "hugo", config, "content/docs/events/x.md").path == "/docs/x/"
    (tmp_path / "content/docs/events/_index.md").write_text("+++\n+++\n", encoding="utf-8")
    assert page(tmp_path, "hugo", config, "content/docs/events/x.md").path == "/docs/events/x/"


@pytest.mark.parametrize(("front", "why"), [
    ("draft = true", "draft"),
    ("headless = true", "headless"),
    ("[build]\nrender = \"never\"", "build.render"),
])
def test_hugo_renders_no_page_of_a_draft_or_a_headless_file(
        tmp_path: Path, front: str, why: str) -> None:
    found = page(tmp_path, "hugo", 'baseURL = "https://ex.org/"', "content/events/x.md", front)
    assert (found.path, found.known) == (None, True)
    assert why in found.how


def test_a_hugo_page_dated_in_the_future_waits_for_its_date_unless_build_future(
        tmp_path: Path) -> None:
    front = 'title = "T"\ndate = 2099-01-01'
    found = page(tmp_path, "hugo", 'baseURL = "https://ex.org/"', "content/events/x.md", front)
    assert found.published is not None
    assert found.published.year == 2099
    found = page(tmp_path, "hugo", 'baseURL = "https://ex.org/"\nbuildFuture = true',
                 "content/events/x.md", front)
    assert found.published is None


def test_a_permalink_token_the_file_cannot_fill_is_not_known(tmp_path: Path) -> None:
    config = 'baseURL = "https://ex.org/"\n[permalinks]\nevents = "/:year/:title/"\n'
    found = page(tmp_path, "hugo", config, "content/events/x.md", 'title = "T"')
    assert (found.path, found.known) == (None, False)


@pytest.mark.parametrize(("text", "expected"), [
    ("a - b", "a-b"), ("  lead  trail  ", "lead-trail"), ("Trailing!", "trailing"),
    ("under_score (paren) [b]", "under_score-paren-b"), ("dash--double", "dash--double"),
    ("Ich & du: 19 Uhr", "ich-du-19-uhr"), ("A/B test", "a/b-test"),
    ("Ünïcode Ça va?", "ünïcode-ça-va"),
])
def test_hugo_urlizes_as_hugo_does(text: str, expected: str) -> None:
    assert hugo_urlize(text) == expected


ZOLA = 'base_url = "https://cph.rs/"\ntitle = "T"\n'


@pytest.mark.parametrize(("config", "name", "front", "expected"), [
    (ZOLA, "content/events/meetup-37.md", 'title = "Meetup #37"', "/events/meetup-37/"),
    (ZOLA, "content/blog/2026-07-14-rust-night.md", 'title = "R"', "/blog/rust-night/"),
    (ZOLA, "content/blog/2026-07-14_Rust Night.md", 'title = "R"', "/blog/rust-night/"),
    (ZOLA, "content/blog/post/index.md", 'title = "R"', "/blog/post/"),
    (ZOLA, "content/blog/p.md", 'slug = "Über Uns"', "/blog/uber-uns/"),
    (ZOLA, "content/blog/p.md", 'path = "/somewhere/else"', "/somewhere/else/"),
    (ZOLA + '[slugify]\npaths = "off"\n', "content/blog/Mixed Case.md", 'title = "R"',
     "/blog/Mixed Case/"),
    (ZOLA + 'default_language = "en"\n[languages.fr]\n', "content/blog/p.fr.md", 'title = "R"',
     "/fr/blog/p/"),
])
def test_zola_publishes_a_page_at_its_sections_and_slug(
        tmp_path: Path, config: str, name: str, front: str, expected: str) -> None:
    found = page(tmp_path, "zola", config, name, front)
    assert (found.path, found.known) == (expected, True), found.how


def test_zola_builds_no_draft(tmp_path: Path) -> None:
    assert page(tmp_path, "zola", ZOLA, "content/blog/p.md", "draft = true").path is None
