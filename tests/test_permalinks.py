"""Jekyll's rules for where a file is published (announce/sources/permalinks.py).

Every expected path here is where Debian's Jekyll 4.3 wrote the same file of the same
site (``jekyll build``), URLs without an extension being served from the ``.html`` file.
"""

from __future__ import annotations

import textwrap
import zoneinfo
from pathlib import Path

import pytest

from announce.sources.frontmatter import read_document
from announce.sources.permalinks import PageFile, PagePath, jekyll_slug
from announce.sources.profiles import generator_named

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
COLLECTIONS = "collections:\n  meetups:\n    output: true\n  talks:\n    output: false\n"


def page(root: Path, config: str, name: str, front: str = "title: T") -> PagePath:
    """Where Jekyll publishes ``name`` on a site of ``config``."""
    (root / "_config.yml").write_text(textwrap.dedent(config), encoding="utf-8")
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}\n---\nx\n", encoding="utf-8")
    jekyll = generator_named("jekyll")
    assert jekyll is not None
    rules = jekyll.pages(root)
    assert rules is not None
    return rules(PageFile(path, read_document(path, jekyll.yaml).data, BERLIN))


@pytest.mark.parametrize(("config", "name", "front", "expected"), [
    # The default style, date: /:categories/:year/:month/:day/:title:output_ext.
    ("", "_posts/2023-05-06-hello-world.md", "title: H", "/2023/05/06/hello-world.html"),
    ("", "_posts/2023-05-07-Mixed Case_x.md", "title: M", "/2023/05/07/Mixed-Case_x.html"),
    ("", "_posts/2023-05-08-cat.md", "categories: Meetup Talks",
     "/meetup/talks/2023/05/08/cat.html"),
    ("", "_posts/2023-05-09-cat2.md", "category: Events", "/events/2023/05/09/cat2.html"),
    ("", "es/_posts/2023-05-10-sub.md", "title: S", "/es/2023/05/10/sub.html"),
    ("", "_posts/2023-05-11-slugged.md", "slug: Other Slug", "/2023/05/11/Other-Slug.html"),
    ("", "_posts/2023-05-12-dated.md", "date: 2023-06-01 20:00:00 +0200",
     "/2023/06/01/dated.html"),
    ("", "_posts/2023-05-13-own.md", "permalink: /own/:title/", "/own/own/"),
    ("permalink: pretty", "_posts/2023-05-06-hello-world.md", "title: H",
     "/2023/05/06/hello-world/"),
    ("permalink: none", "_posts/2023-05-08-cat.md", "categories: Meetup Talks",
     "/meetup/talks/cat.html"),
    ("permalink: /:year-:title", "_posts/2019-11-13-nov.md", "title: N", "/2019-nov"),
    ("permalink: /blog/:categories/:year-:month-:day-:title:output_ext",
     "_posts/2023-05-06-hello-world.md", "title: H", "/blog/2023-05-06-hello-world.html"),
    ("collections_dir: coll\npermalink: /:title/", "coll/_posts/2023-05-08-cat.md",
     "categories: Meetup", "/cat/"),
    # Collections: their own permalink, else /:collection/:path plus the style's ending.
    (COLLECTIONS, "_meetups/2023-01-02-m-one.md", "title: M", "/meetups/2023-01-02-m-one.html"),
    (COLLECTIONS, "_meetups/sub/Two Words.md", "title: M", "/meetups/sub/Two%20Words.html"),
    ("permalink: pretty\ncollections:\n  meetups:\n    output: true\n"
     "    permalink: /:collection/:year/:title/", "_meetups/2023-01-02-m-one.md", "title: M",
     "/meetups/2023/m-one/"),
    ("collections:\n  meetups:\n    output: true\n    permalink: /m/:name",
     "_meetups/sub/Two Words.md", "title: M", "/m/two-words"),
    ("collections:\n  meetups:\n    output: true\n    permalink: /:collection/:name",
     "_meetups/11-magento-stammtisch-24-03-2015.md", "title: M",
     "/meetups/11-magento-stammtisch-24-03-2015"),
    # Pages: their folder and name, an index its folder; their own permalink.
    ("", "about.md", "title: A", "/about.html"),
    ("permalink: pretty", "about.md", "title: A", "/about/"),
    ("", "team/index.md", "title: T", "/team/"),
    ("source: _posts\npermalink: pretty", "_posts/166/index.md", "title: '#166'", "/166/"),
    ("", "10th/index.md", "permalink: /10th/", "/10th/"),
    ("defaults:\n  - scope:\n      path: team\n    values:\n      permalink: /crew/:basename/",
     "team/people.md", "title: P", "/crew/people/"),
])
def test_jekyll_publishes_a_file_where_its_build_does(
        tmp_path: Path, config: str, name: str, front: str, expected: str) -> None:
    found = page(tmp_path, config, name, front)
    assert (found.path, found.known) == (expected, True), found.how


@pytest.mark.parametrize(("config", "name", "front", "why"), [
    ("", "_drafts/draft.md", "title: D", "a Jekyll draft"),
    ("", "_posts/nodate.md", "title: N", "a Jekyll post needs a date in its file name"),
    (COLLECTIONS, "_talks/t1.md", "title: T", "output: true is not set"),
    ("", "_hidden/h.md", "title: H", "a folder whose name starts with '_'"),
    ("", "_posts/2023-05-06-x.md", "published: false", "published: false"),
])
def test_jekyll_publishes_no_page_of_drafts_and_of_what_it_does_not_read(
        tmp_path: Path, config: str, name: str, front: str, why: str) -> None:
    found = page(tmp_path, config, name, front)
    assert (found.path, found.known) == (None, True)
    assert why in found.how


def test_a_token_that_needs_a_date_the_file_does_not_give_is_not_known(tmp_path: Path) -> None:
    # Jekyll would take the time of the build: announce cannot know it.
    found = page(tmp_path, "collections:\n  meetups:\n    output: true\n    permalink: "
                 "/:collection/:year/:title/", "_meetups/no-date.md")
    assert (found.path, found.known) == (None, False)
    assert "no date" in found.how


def test_a_post_dated_after_now_is_published_from_its_date_unless_future_is_true(
        tmp_path: Path) -> None:
    found = page(tmp_path, "", "_posts/2099-01-01-later.md")
    assert found.path == "/2099/01/01/later.html"
    assert found.published is not None
    assert found.published.year == 2099
    assert page(tmp_path, "future: true", "_posts/2099-01-01-later.md").published is None


def test_jekylls_slugs() -> None:
    assert jekyll_slug("The _config.yml file") == "the-config-yml-file"
    assert jekyll_slug("The _config.yml file", pretty=True) == "the-_config.yml-file"
    assert jekyll_slug("The _config.yml file", pretty=True, cased=True) == "The-_config.yml-file"
    assert jekyll_slug("Café  über") == "café-über"
