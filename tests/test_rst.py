"""reStructuredText pages, as Pelican and Nikola sites write them.

Small sites modelled on real ones (a Nikola site whose ``.. date:`` is when the post was
published and whose meeting has a key of its own; a Pelican site whose reST posts open
with a title and a ``:date:`` field list), run through ``announce init``, ``list``,
``check`` and ``render`` as an organizer would.
"""

from __future__ import annotations

import email
import json
import re
import textwrap
import time
from email import policy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from announce.cli import cli
from announce.sources.frontmatter import NoFrontMatter
from announce.sources.profiles import detect_generator
from announce.sources.readers import key_lines, read_page

from .sitefiles import site_folder, write  # noqa: F401 (site_folder: a fixture)

pytestmark = pytest.mark.usefixtures("site_folder")


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def init_and_list(*init_args: str) -> tuple[str, list[dict[str, Any]]]:
    init = run("init", "--yes", *init_args)
    assert init.exit_code == 0, init.output
    listed = run("list", "--all", "--json")
    assert listed.exit_code == 0, listed.output
    return init.output, json.loads(listed.stdout)


NIKOLA_CONF = '''
    # -*- coding: utf-8 -*-
    BLOG_AUTHOR = "Py Town"  # (translatable)
    BLOG_TITLE = "Py Town"  # (translatable)
    SITE_URL = "https://py.town/"
    DEFAULT_LANG = "es"
    TIMEZONE = "Europe/Madrid"
    POSTS = (
        ("posts/*.rst", "posts", "post.tmpl"),
        ("posts/*.txt", "posts", "post.tmpl"),
    )
    PAGES = (
        ("pages/*.rst", "pages", "page.tmpl"),
    )
    '''


def nikola_post(month: int, day: int, speaker: str) -> str:
    return f"""
        .. title: Reunión {month:02d}/2027
        .. slug: reunion-{month:02d}-2027
        .. date: 2027-{month:02d}-{day - 7:02d} 20:00:00 UTC+01:00
        .. meeting_datetime: 2027{month:02d}{day:02d}_1930
        .. tags: python, reunión
        .. category:
        .. link:
        .. description: Reunión del mes
        .. type: text
        .. author: Py Town

        ¡Este **jueves {day}** tenemos reunión!

        * **Charla: Tipos en Python [19:30]** por `{speaker} <https://example.org/{day}>`_

        :Lugar: Centro Cívico, Calle Mayor 3
        """


def nikola_site() -> None:
    write({"conf.py": NIKOLA_CONF,
           "posts/reunion_2027-01-21.rst": nikola_post(1, 21, "Ana Pérez"),
           "posts/reunion_2027-02-18.rst": nikola_post(2, 18, "Luis Gil"),
           "posts/reunion_2027-04-15.rst": nikola_post(4, 15, "Eva Sanz"),
           # A post that is no meeting: published, and nothing more.
           "posts/lista-de-correo.rst": """
               .. title: Lista de correo
               .. date: 2026-11-02 10:00:00 UTC+01:00
               .. type: text

               Tenemos lista de correo.
               """,
           # Nikola's two-file post: the metadata beside the text.
           "posts/reunion_2027-03-18.meta": """
               .. title: Reunión 03/2027
               .. date: 2027-03-11 20:00:00 UTC+01:00
               .. meeting_datetime: 20270318_1930
               """,
           "posts/reunion_2027-03-18.rst": """
               Este **jueves 18** tenemos reunión.

               :Lugar: Centro Cívico, Calle Mayor 3
               """,
           })


def test_a_nikola_site_reads_its_meetings_from_reST_posts() -> None:
    nikola_site()
    output, rows = init_and_list("--timezone", "Europe/Madrid")
    assert "Found a Nikola site: events in posts/; name Py Town; url https://py.town" in output
    assert [r["title"] for r in rows] == ["Reunión 01/2027", "Reunión 02/2027",
                                          "Reunión 03/2027", "Reunión 04/2027"]
    first = rows[0]
    # The meeting's own key, not the post's publication date a week before.
    assert first["start"] == "2027-01-21T19:30:00+01:00"
    assert (first["location"], first["address"]) == ("Centro Cívico", "Calle Mayor 3")
    assert "start" not in first["unsure"]
    assert "location" not in first["unsure"]
    # Nikola's post type ("text") is no kind of event; the page's author no speaker.
    assert first["type"] == "meeting"
    assert rows[2]["start"] == "2027-03-18T19:30:00+01:00"  # from the .meta file
    config = Path("announce.toml").read_text("utf-8")
    assert 'generator = "nikola"' in config
    assert 'timezone = "Europe/Madrid"' in config


def test_a_nikola_mail_shows_the_reST_as_a_page_does() -> None:
    nikola_site()
    init_and_list("--timezone", "Europe/Madrid")
    html, text = rendered("posts/reunion_2027-01-21.rst", "2027-01-10")
    assert "<strong>jueves 21</strong>" in html
    assert '<a href="https://example.org/21"' in html
    assert ">Ana Pérez</a>" in html
    assert "* Charla: Tipos en Python [19:30] por Ana Pérez (https://example.org/21)" in text
    for raw in ("**", ".. ", "`_", ":Lugar:", "meeting_datetime"):
        assert raw not in html, raw
        assert raw not in text, raw


PELICAN_CONF = """
    AUTHOR = 'Desert Py'
    SITENAME = 'Desert Py'
    SITEURL = 'https://desert.test'
    PATH = 'content'
    TIMEZONE = 'America/Phoenix'
    DEFAULT_LANG = 'en'
    ARTICLE_PATHS = ['posts']
    """


def pelican_post(month: int, day: int, speaker: str) -> str:
    title = f"Meeting {month:02d}/2027 - Packaging"
    return f"""
        {title}
        {"#" * len(title)}

        :date: 2027-{month:02d}-{day:02d} 18:30
        :tags: meeting, packaging
        :category: posts
        :author: Site Keeper
        :summary: Packaging, again

        What
          {speaker} will talk about packaging.

        Where
          Isos Technology - `1130 E University Drive, Tempe <https://maps.example/isos>`_
          Look for the sign on the door.

        =====  ============
        Time   Item
        =====  ============
        18:30  Doors open
        19:00  The talk
        =====  ============

        .. note:: Bring a laptop.

        Questions? Ask `on the list`_.

        .. _on the list: https://lists.example/desertpy
        """


def pelican_site() -> None:
    write({"pelicanconf.py": PELICAN_CONF,
           "content/posts/feb-2027-meeting.rst": pelican_post(2, 24, "Ann Lee"),
           "content/posts/mar-2027-meeting.rst": pelican_post(3, 24, "Bo Chan"),
           "content/posts/apr-2027-meeting.rst": pelican_post(4, 28, "Cy Diaz"),
           "content/pages/about.rst": "About\n#####\n\nWe meet monthly.\n"})


def test_a_pelican_site_reads_its_reST_posts() -> None:
    pelican_site()
    output, rows = init_and_list("--timezone", "America/Phoenix")
    assert "Found a Pelican site: events in content/posts/; name Desert Py" in output
    assert [r["title"] for r in rows] == ["Meeting 02/2027 - Packaging",
                                          "Meeting 03/2027 - Packaging",
                                          "Meeting 04/2027 - Packaging"]
    first = rows[0]
    assert first["start"] == "2027-02-24T18:30:00-07:00"
    assert (first["location"], first["address"]) == (
        "Isos Technology", "1130 E University Drive, Tempe")
    assert "start" not in first["unsure"]
    assert "location" not in first["unsure"]


def test_a_pelican_mail_shows_the_reST_as_a_page_does() -> None:
    pelican_site()
    init_and_list("--timezone", "America/Phoenix")
    html, text = rendered("content/posts/feb-2027-meeting.rst", "2027-02-10")
    assert "<strong>What</strong>" in html
    assert "Ann Lee will talk about packaging." in html
    assert '<a href="https://maps.example/isos"' in html
    assert '<a href="https://lists.example/desertpy"' in html  # a named link, resolved
    assert "<table" in html
    assert "Doors open" in html
    assert "Bring a laptop." in html
    assert "Bring a laptop." in text
    assert "Ann Lee will talk about packaging." in text
    for raw in ("**", ".. ", "`_", "####", "=====  =====", ":date:", ":summary:"):
        assert raw not in html, raw
        assert raw not in text, raw


def set_list_address() -> None:
    config = Path("announce.toml")
    text = config.read_text("utf-8")
    config.write_text(re.sub(r'(?m)^#? ?to = .*$', 'to = "list@example.org"', text, count=1),
                      "utf-8")


def rendered(path: str, now: str) -> tuple[str, str]:
    """The HTML and text parts of the announcement of ``path``, rendered as send would."""
    set_list_address()
    result = run("render", path, "--now", now, "--kind", "announcement", "-o", "mail.eml")
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes(Path("mail.eml").read_bytes(), policy=policy.default)
    parts = {part.get_content_type(): part.get_content() for part in message.walk()
             if part.get_content_type() in ("text/html", "text/plain")}
    return parts["text/html"], parts["text/plain"]


def test_a_hostile_reST_page_never_stops_the_others() -> None:
    pelican_site()
    init_and_list("--timezone", "America/Phoenix")
    set_list_address()
    head = ":date: 2027-05-05 18:30\n\n"
    write({
        # Past the size a page may have: docutils would take many seconds.
        "content/posts/huge.rst": "Huge\n####\n\n" + head
        + "Lorem ipsum **dolor** sit amet, `consectetur <https://x.test>`_.\n\n" * 1200,
        # Quotes in quotes, three hundred deep: beyond Python's recursion.
        "content/posts/deep.rst": "Deep\n####\n\n" + head
        + "".join(" " * level + "quote\n\n" for level in range(300)),
        # Files and URLs the page would pull in, and raw HTML: none of it is read.
        "content/posts/include.rst": "Include\n#######\n\n" + head + textwrap.dedent("""
            Before.

            .. include:: /etc/passwd

            .. raw:: html
               :file: /etc/passwd

            .. raw:: html

               <script>alert(1)</script>

            .. csv-table:: Remote
               :url: http://127.0.0.1:9/x.csv

            After.
            """),
    })
    started = time.monotonic()
    listed = run("list", "--all", "--json")
    checked = run("check")
    assert time.monotonic() - started < 30
    rows = json.loads(listed.stdout)
    assert [r["title"] for r in rows if r["title"].startswith("Meeting")] == [
        "Meeting 02/2027 - Packaging", "Meeting 03/2027 - Packaging",
        "Meeting 04/2027 - Packaging"]
    assert checked.exit_code == 1
    assert re.search(r"error: content/posts/huge.rst:1: the file is \d+ KB of reStructuredText, "
                     r"over the 64 KB a page may have", checked.output)
    assert "error: content/posts/deep.rst:1: reStructuredText nested too deeply to read" \
        in checked.output
    included = next(r for r in rows if r["title"] == "Include")
    html, text = rendered("content/posts/include.rst", "2027-05-01")
    assert "Before." in text
    assert "After." in text
    for leaked in ("root:", "<script", "alert(1)"):
        assert leaked not in html
        assert leaked not in text
    assert included["start"] == "2027-05-05T18:30:00-07:00"


# --- metadata --------------------------------------------------------------------------


def test_nikola_metadata_by_its_own_rules(tmp_path: Path) -> None:
    write({"a.rst": """
        .. Title: Night
        .. date: 2027-01-08 22:25:00 UTC+01:00
        .. tags: python, draft
        .. link:
        .. image:: not-metadata.png

        Text.
        """})
    page = read_page(tmp_path / "a.rst")
    assert page.data == {"title": "Night", "date": "2027-01-08 22:25:00 UTC+01:00",
                         "tags": ["python", "draft"], "draft": True}
    # A directive is no metadata: an image, as Nikola shows it.
    assert page.body.strip() == "![](not-metadata.png)\n\nText."
    assert page.body.split("\n").index("Text.") + 1 == 7  # the file's own line
    assert key_lines(tmp_path / "a.rst").line_of("date") == 2


def test_pelican_metadata_by_its_own_rules(tmp_path: Path) -> None:
    write({"a.rst": """
        ==========
         A *Talk*
        ==========

        :date: 2027-01-08 18:30
        :Authors: Ann Lee; Bo Chan
        :status: draft

        Body.
        """,
           "plain.rst": "Notes\n=====\n\nNo metadata here.\n"})
    page = read_page(tmp_path / "a.rst")
    assert page.data == {"title": "A Talk", "date": "2027-01-08 18:30",
                         "authors": ["Ann Lee", "Bo Chan"], "status": "draft", "draft": True}
    assert key_lines(tmp_path / "a.rst").line_of("authors") == 6
    with pytest.raises(NoFrontMatter):
        read_page(tmp_path / "plain.rst")


def test_the_body_is_markdown_line_for_line(tmp_path: Path) -> None:
    write({"a.rst": """
        .. title: x
        .. date: 2027-01-08

        Sections
        --------

        A *b* ``c`` 2 \\* 3 and a_b and `link <https://x.test/a b>`_.

        When
          Wednesday at **6:30PM**

        1. one
        2. two

        ::

            code *here*
        """})
    body = read_page(tmp_path / "a.rst").body.split("\n")
    assert body[3:] == [
        "# Sections", "", "",
        "A *b* `c` 2 \\* 3 and a_b and [link](https://x.test/ab).", "",
        "**When**  ", "Wednesday at **6:30PM**", "",
        "1.  one", "2.  two", "", "",
        "```", "code *here*", "```", ""]
    assert body.index("code *here*") + 1 == 17


# --- the profile -----------------------------------------------------------------------


def test_nikola_is_told_from_sphinx(tmp_path: Path) -> None:
    write({"docs/conf.py": "project = 'x'\nextensions = []\nhtml_theme = 'alabaster'\n",
           "site/conf.py": NIKOLA_CONF})
    assert detect_generator(tmp_path / "docs").name == "generic"
    nikola = detect_generator(tmp_path / "site")
    assert nikola.name == "nikola"
    config = nikola.config(tmp_path / "site")
    assert (config.name, config.url, config.timezone, config.language, config.content_dirs) == (
        "Py Town", "https://py.town/", "Europe/Madrid", "es", ("posts", "pages"))
