"""init reads a site by what its values and words say, not by a list of key names.

Each test writes a small site whose keys no default names, runs ``announce init`` and
``announce list --json`` as an organizer would, and checks what a member would be told.
"""

from __future__ import annotations

import json
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from announce.cli import cli
from announce.sources.evidence import date_candidates, role_of
from announce.sources.keymap import MISSING as MISSING_VALUE

from .sitefiles import site_folder, write  # noqa: F401 (site_folder: a fixture)

pytestmark = pytest.mark.usefixtures("site_folder")


def unsure_of(row: dict[str, Any]) -> list[str]:
    """The facts a row is unsure of, its page's URL and venue aside (these sites name no
    url, and most of these pages no venue: tests/test_provenance.py tests that)."""
    return [fact for fact in row["unsure"] if fact not in ("url", "location")]


def init_and_list(*init_args: str) -> tuple[str, list[dict[str, Any]]]:
    runner = CliRunner()
    init = runner.invoke(cli, ["init", *init_args], catch_exceptions=False)
    assert init.exit_code == 0, init.output
    listed = runner.invoke(cli, ["list", "--all", "--json"], catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    return init.output, json.loads(listed.stdout)


def test_a_key_is_judged_by_its_words() -> None:
    assert [role_of(p) for p in ("meetingdate", "params.event.date", "startDate", "date",
                                 "publishDate", "endDate", "lastmod", "calendar.date")] == [
        1, 1, 1, 0, -1, -1, -1, 0]


def test_dates_with_a_time_of_day_beat_a_posts_date() -> None:
    import datetime as dt

    files = [{"date": dt.date(2027, 1, n), "when_it_is": f"2027-01-{n + 5:02d} 19:00"}
             for n in range(1, 6)]
    assert date_candidates(files)[:2] == ["when_it_is", "date"]


def test_a_site_of_its_own_key_names_reads_right() -> None:
    # Nothing here is a default name: the start under params.gathering, the title "name".
    for day in (4, 11, 18):
        write({f"content/posts/2027-03-{day:02d}-x.md": f"""
            +++
            [params.gathering]
            name = "Evening {day}"
            date = "2027-03-{day:02d} 19:00:00"
            [params.gathering.location]
            friendly_name = "Hall {day}"
            full_address = "{day} Main St"
            +++
            Hello.
            """})
    write({"hugo.toml": 'title = "Town"\nbaseURL = "https://town.test/"\n'
                        'timeZone = "Europe/Paris"\n'})
    _out, rows = init_and_list()
    first = next(r for r in rows if r["title"] == "Evening 4")
    assert first["start"] == "2027-03-04T19:00:00+01:00"
    assert (first["location"], first["address"], unsure_of(first)) == (
        "Hall 4", "4 Main St", [])


def test_the_pages_author_on_every_page_is_no_speaker_and_body_lines_name_them() -> None:
    write({"_config.yml": "title: Town\ntimezone: Asia/Kolkata\n"})
    for n in range(1, 8):
        write({f"_events/2027-0{n}-05-meetup.md": f"""
            ---
            title: Meetup {n}
            date: 2027-0{n}-05 11:00:00 +05:30
            location: Library
            author: Site Keeper
            ---
            ## A talk
            * **Speaker**: Person {n}
            """})
    output, rows = init_and_list()
    assert "'Site Keeper' is the speaker of nearly every event" in output
    assert all(row["speakers"] == [f"Person {n}"] for n, row in enumerate(rows, 1))
    assert 'not_speakers = ["Site Keeper"]' in Path("announce.toml").read_text("utf-8")


def test_pages_that_say_when_only_in_their_text() -> None:
    write({"_config.yml": "title: Kernel\n"})
    for n, (day, place) in enumerate((("2025. 9. 18", "Hall"), ("2024. 9. 5", "Room"),
                                      ("2023. 3. 2", "Hub")), start=1):
        write({f"{n}th/index.md": f"""
            ---
            title: Meeting {n}
            ---
            * 날짜: {day} (목)
            * 시간: 오후 7시 ~ 9시 50분
            * 장소: {place}

            | 시간 | 제목 | 발표자 |
            |----|----|----|
            | 19:00 | 소개 | 사회자 |
            | 19:05 | Talk | 박병철, 이현철 |
            """,
               f"{n}th/session-01/index.md": "---\ntitle: A talk page\n---\nSlides.\n"})
    output, rows = init_and_list("--timezone", "Asia/Seoul")
    assert "3 pages say when in their text (날짜)" in output
    first = next(r for r in rows if r["title"] == "Meeting 1")
    assert (first["start"], first["end"]) == ("2025-09-18T19:00:00+09:00",
                                              "2025-09-18T21:50:00+09:00")
    assert first["location"] == "Hall"
    assert first["speakers"] == ["박병철", "이현철"]  # not the MC (사회자)


def test_utc_times_of_a_site_that_meets_elsewhere_are_unsure_unless_its_pages_say() -> None:
    write({"astro.config.mjs": "export default {}\n",
           "src/content/meetups/a.md": "---\ntitle: A\nlocation: Hall\n"
                                       "date: '2025-05-14T09:30:00.000Z'\n---\n",
           "src/content/meetups/b.md": "---\ntitle: B\nlocation: Hall\n"
                                       "date: '2025-06-11T15:00:00.000Z'\n---\n",
           "src/content/testmeetups/c.md": "---\ntitle: C\nlocation: Hall\n"
                                           "date: '3333-01-01T10:00:00.000Z'\n---\n"})
    output, rows = init_and_list("--timezone", "Europe/Helsinki")
    # The folder of test data is no events; the UTC times' clock is unknown: unsure.
    assert [r["title"] for r in rows] == ["A", "B"]
    assert "nothing says in which clock they were written" in output
    assert all(unsure_of(r) == ["start"] for r in rows)
    assert rows[0]["start"].startswith("2025-05-14")


def test_utc_times_are_the_sites_wall_clock_when_its_pages_render_in_utc() -> None:
    write({"astro.config.mjs": "export default {}\n",
           "src/components/When.astro": "<time>{d.toLocaleString('de', {timeZone: 'UTC'})}"
                                        "</time>\n",
           **{f"src/content/meetups/{n}.md": f"---\ntitle: M{n}\nlocation: Hall\n"
                                             f"date: '2025-0{n}-14T19:00:00Z'\n---\n"
              for n in (3, 4, 5)}})
    output, rows = init_and_list("--timezone", "Europe/Berlin")
    assert "shows dates in UTC: they are the site's wall clock" in output
    assert [r["start"] for r in rows] == ["2025-03-14T19:00:00+01:00",
                                          "2025-04-14T19:00:00+02:00",
                                          "2025-05-14T19:00:00+02:00"]
    assert all(unsure_of(r) == [] for r in rows)


def test_an_offset_of_the_other_season_is_unsure_and_a_foreign_one_is_not() -> None:
    write({"_config.yml": "title: Town\ntimezone: Europe/Copenhagen\n",
           "_events/2024-10-31-a.md": "---\ntitle: A\nlocation: Hall\n"
                                      "date: 2024-10-31 18:00:00+02:00\n---\n",
           "_events/2024-06-30-b.md": "---\ntitle: B\nlocation: Hall\n"
                                      "date: 2024-06-30 18:00:00+01:00\n---\n",
           "_events/2024-05-05-c.md": "---\ntitle: C\nlocation: Hall\n"
                                      "date: 2024-05-05 18:00:00-04:00\n---\n"})
    _out, rows = init_and_list()
    unsure = {r["title"]: unsure_of(r) for r in rows}
    # Copenhagen is +01:00 in winter and +02:00 in summer: A and B slipped a season.
    assert unsure == {"A": ["start"], "B": ["start"], "C": []}


def test_the_sites_templates_tell_the_start_from_the_doors() -> None:
    # Two datetime keys in every file; by their values and words nothing tells them apart.
    write({"_config.yml": "title: Town\ntimezone: Europe/Berlin\n",
           "_layouts/event.html": """
               <dl>
                 <dt>Einlass</dt><dd>{{ page.opening | date: "%H:%M" }}</dd>
                 <dt>Beginn</dt><dd>{{ page.kickoff | date: "%H:%M" }}</dd>
                 <dt>Ort</dt><dd>{{ page.spot }}</dd>
               </dl>
               """})
    for day in (4, 11, 18):
        write({f"_events/2027-03-{day:02d}-x.md": f"""
            ---
            title: Abend {day}
            opening: 2027-03-{day:02d} 18:30
            kickoff: 2027-03-{day:02d} 19:00
            spot: Halle {day}
            host: Firma {day}
            ---
            """})
    _out, rows = init_and_list()
    first = next(r for r in rows if r["title"] == "Abend 4")
    assert first["start"] == "2027-03-04T19:00:00+01:00"  # Beginn, not Einlass
    assert first["location"] == "Halle 4"  # {{ page.spot }} beside "Ort": whatever its name
    toml = Path("announce.toml").read_text(encoding="utf-8")
    assert 'start = "kickoff"' in toml or 'start = ["kickoff"' in toml


def test_templates_are_evidence_not_a_list_of_names() -> None:
    from announce.sources.templates import read_templates

    write({"layouts/partials/event.html": """
        <span class="fas fa-clock"></span> {{ .Params.gathering.at | time.Format "15:04" }}
        <a href="https://calendar.google.com/render?text={{ .Params.gathering.label }}">Add</a>
        <span class="fa-map-marker"></span> {{ .Params.gathering.where_name }}
        <p>Published {{ .Params.stamp | time.Format "2006-01-02" }}</p>
        """})
    evidence = read_templates(Path("."))
    assert evidence.score("gathering.at", "start") > 0
    assert evidence.score("params.gathering.at", "start") > 0  # Hugo's [params] table too
    assert evidence.score("gathering.label", "title") > 0
    assert evidence.score("gathering.where_name", "venue") > 0
    assert evidence.score("stamp", "start") <= 0  # a publication date


def _two_start_keys() -> None:
    write({"_config.yml": "title: Town\ntimezone: Europe/Berlin\n"})
    for day in (4, 11, 18):
        write({f"_events/2027-03-{day:02d}-x.md": f"""
            ---
            title: Abend {day}
            opening: 2027-03-{day:02d} 18:30
            kickoff: 2027-03-{day:02d} 19:00
            location: Halle
            ---
            """})


def test_init_asks_when_nothing_tells_two_keys_apart() -> None:
    _two_start_keys()
    result = CliRunner().invoke(cli, ["init", "--ask"], input="2\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # The next events read each way, then the question.
    assert "Two keys could hold the start: the next events read each way." in result.output
    assert "1. start = 'opening'" in result.output
    assert "2. start = 'kickoff'" in result.output
    assert "Thu 2027-03-18 18:30 CET  Abend 18" in result.output
    assert "Thu 2027-03-18 19:00 CET  Abend 18" in result.output
    toml = Path("announce.toml").read_text(encoding="utf-8")
    assert 'start = "kickoff"' in toml
    assert '# start = "opening"  # the other candidate' in toml
    assert not Path(".announce-init-trial.toml").exists()


def test_init_without_a_terminal_takes_the_likelier_and_writes_the_other() -> None:
    _two_start_keys()
    result = CliRunner().invoke(cli, ["init"], catch_exceptions=False)  # no TTY: no question
    assert result.exit_code == 0, result.output
    assert "Two keys could hold" not in result.output
    toml = Path("announce.toml").read_text(encoding="utf-8")
    assert 'start = "opening"' in toml
    assert '# start = "kickoff"  # the other candidate' in toml
    assert "start: read from the key init chose; 'kickoff' could hold it too" in result.output


# --- what pages say in their own words, as sites nobody here had read write it -----------


def _jekyll(tz: str = "America/Sao_Paulo") -> None:
    write({"_config.yml": f"title: Town\ntimezone: {tz}\n"})


def _listed_one(path: str) -> dict[str, Any]:
    _out, rows = init_and_list()
    return next(r for r in rows if r["path"].endswith(path))


def test_a_time_under_a_heading_that_contradicts_the_key_makes_the_start_unsure() -> None:
    _jekyll("Asia/Kolkata")
    for n in (1, 2, 3):
        write({f"_events/2025-1{n}-25-minutes.md": f"""
            ---
            title: Minutes {n}
            date: 2025-1{n}-25T18:00:00+05:30
            location: Hall
            ---
            ## Date & Time

              * 25th October 2025
              * 3:30pm to 5:30pm
            """})
    row = _listed_one("2025-11-25-minutes.md")
    assert unsure_of(row) == ["start"]
    assert "the page's line 9 says 15:30" in row["sources"]["start"]
    check = CliRunner().invoke(cli, ["check", "--now", "2025-01-01"])
    assert "18:00 is not the time the page states on its line 9 (15:30)" in check.output


def test_an_icon_before_a_label_and_a_length_that_is_no_time() -> None:
    _jekyll()
    write({"_posts/2023-05-25-pub.md": """
        ---
        title: Pub
        ---
        🕖 Horário: 19h
        🏢 Local: Bar Outside, Av. Cláudio 24
        """,
           "_posts/2019-05-20-conf.md": """
        ---
        title: Conf
        ---
        O evento terá duração mínima de 4h e máxima 6h.
        """,
           "_posts/2019-06-20-other.md": "---\ntitle: Other\n---\nA text.\n"})
    _out, rows = init_and_list()
    pub = next(r for r in rows if r["title"] == "Pub")
    assert (pub["start"], pub["location"], pub["address"]) == (
        "2023-05-25T19:00:00-03:00", "Bar Outside", "Av. Cláudio 24")
    conf = next(r for r in rows if r["title"] == "Conf")
    assert unsure_of(conf) == ["start"]  # "4h" is how long, not when


def test_a_title_naming_another_day_than_the_file_makes_the_start_unsure() -> None:
    _jekyll()
    for day, title in ((25, "Pub - 08 de Junho de 2023"), (26, "Pub of 2023-05-26"),
                       (27, "Pub")):
        write({f"_posts/2023-05-{day}-pub.md": f"---\ntitle: {title}\n---\nàs 19h\n"})
    _out, rows = init_and_list()
    unsure = {r["title"]: unsure_of(r) for r in rows}
    assert unsure == {"Pub - 08 de Junho de 2023": ["start"], "Pub of 2023-05-26": [],
                      "Pub": []}


def test_a_call_link_is_an_online_venue() -> None:
    _jekyll("Etc/UTC")
    for n in (1, 2, 3):
        write({f"_events/2025-0{n}-15-lunch.md": f"""
            ---
            title: Lunch {n}
            date: 2025-0{n}-15 11:00
            ---
            - Meet-up call link: [https://meet.jit.si/lunch](https://meet.jit.si/lunch)
            """})
    row = _listed_one("2025-02-15-lunch.md")
    assert (row["location"], row["online"]) == ("Online", True)


def test_speakers_an_author_key_a_heading_and_a_placeholder() -> None:
    _jekyll("Etc/UTC")
    write({"_events/2025-01-15-a.md": "---\ntitle: A\ndate: 2025-01-15 11:00\n"
                                      "author: writer1\nlocation: Hall\n---\n",
           "_events/2025-02-15-b.md": "---\ntitle: B\ndate: 2025-02-15 11:00\n"
                                      "author: writer2\nlocation: Hall\n---\n",
           "_events/2025-03-15-c.md": "---\ntitle: C\ndate: 2025-03-15 11:00\n"
                                      "location: Hall\n---\n### 1. Session by Shrayas\n",
           "_events/2025-04-15-d.md": "---\ntitle: D\ndate: 2025-04-15 11:00\n"
                                      "location: Hall\n---\n* Speaker: it could be you\n"})
    _out, rows = init_and_list()
    got = {r["title"]: (r["speakers"], unsure_of(r)) for r in rows}
    # The page's author is who wrote it: shown, but unsure. A heading that names someone
    # no key names: read, and unsure. "It could be you" is nobody.
    assert got == {"A": (["writer1"], ["speakers"]), "B": (["writer2"], ["speakers"]),
                   "C": (["Shrayas"], ["speakers"]), "D": ([], [])}


def test_an_author_the_text_says_gives_the_talk_is_its_speaker() -> None:
    # A post's author is no speaker by itself; a post whose text says its author will
    # speak (as chicagolang's do) is sure of it. Another name in the text is not.
    _jekyll("America/Chicago")
    write({"_posts/2015-09-14-a.md": "---\ntitle: A\ndate: 2015-09-14 18:30\n"
                                     "author: Sterling Hankins\nlocation: Hall\n---\n"
                                     "Sterling Hankins will lead a discussion on tips.\n",
           "_posts/2015-10-14-b.md": "---\ntitle: B\ndate: 2015-10-14 18:30\n"
                                     "author: Ann Lee\nlocation: Hall\n---\n"
                                     "Bob Smith will speak on compilers.\n"})
    _out, rows = init_and_list()
    got = {r["title"]: (r["speakers"], unsure_of(r)) for r in rows}
    assert got == {"A": (["Sterling Hankins"], []), "B": (["Ann Lee"], ["speakers"])}


def test_speakers_the_templates_show_from_elsewhere_are_expected() -> None:
    _jekyll("Asia/Singapore")
    write({"_includes/speakers.html": "<h2>About the speakers</h2>\n"
                                      "{% assign m = site.data.meetups[page.meetup] %}\n"})
    for n in (1, 2, 3):
        write({f"_posts/2020-0{n}-07-{n}.md": f"---\ntitle: Talk {n}\nmeetup: {n}\n"
                                               f"event-date: 2020-0{n}-07 19:00:00 +0800\n"
                                               "location: Online\n---\n"})
    _out, rows = init_and_list()
    assert 'expect = ["speakers"]' in Path("announce.toml").read_text(encoding="utf-8")
    assert all(unsure_of(r) == ["speakers"] for r in rows)


def test_posts_beside_the_events_and_slide_decks_are_no_events() -> None:
    write({"astro.config.mjs": "export default {}\n"})
    for n in (1, 2, 3):
        write({f"src/content/meetings/2025-0{n}-13-m.md":
               f"---\ntitle: Meeting {n}\ndate: 2025-0{n}-13T18:00:00+01:00\n"
               "location: Room 1\n---\n",
               f"src/content/posts/2025-0{n}-20-p.md":
               f"---\ntitle: Post {n}\ndate: 2025-0{n}-20\nauthor: someone\n---\nNews.\n",
               f"src/content/posts/2024-0{n}-20-p.md":
               f"---\ntitle: Older post {n}\ndate: 2024-0{n}-20\nauthor: someone\n---\n"})
    output, rows = init_and_list("--timezone", "Europe/Warsaw")
    assert sorted(r["title"] for r in rows) == ["Meeting 1", "Meeting 2", "Meeting 3"]
    assert "6 dated pages with no venue, time or speaker (posts, not events)" in output


def test_a_collection_of_slide_pages_is_no_events() -> None:
    _jekyll("Europe/Vienna")
    write({"_data/events.yml": "".join(
        f"- id: {n}\n  title: Meetup {n}\n  date: '2026-0{n}-21'\n  time: '17:30'\n"
        f"  location: Office {n}\n" for n in range(1, 8))})
    for n in range(1, 9):
        write({f"_slides/2025/2025-0{n}-deck.md": f"---\nlayout: slide\ntitle: Deck {n}\n"
                                                   f"date: 2025-0{n}-01\n---\n"})
    _out, rows = init_and_list()
    assert sorted(r["title"] for r in rows) == [f"Meetup {n}" for n in range(1, 8)]


def test_a_jekyll_posts_html_page_is_read_and_a_programme_by_someone_hints() -> None:
    _jekyll("Asia/Singapore")
    write({"_posts/2017-11-27-24.html": "---\ntitle: Talk 24\n"
                                        "event-date: 2018-01-23 19:00:00 +0800\n"
                                        "location: Office\n---\n<p>Hello</p>\n",
           "_posts/2017-10-27-23.md": "---\ntitle: Talk 23\n"
                                      "event-date: 2017-12-23 19:00:00 +0800\n"
                                      "location: Office\n---\n"
                                      "* Grid layouts by [Ann Lee](https://x.test/ann)\n",
           "_posts/2017-09-27-22.md": "---\ntitle: Talk 22\n"
                                      "event-date: 2017-11-23 19:00:00 +0800\n"
                                      "location: Office\n---\n* Drinks sponsored by [Acme]()\n",
           "_layouts/post.html": "---\nlayout: default\n---\n{{ content }}\n"})
    _out, rows = init_and_list()
    got = {r["title"]: unsure_of(r) for r in rows}
    assert got == {"Talk 24": [], "Talk 23": ["speakers"], "Talk 22": []}


def test_init_guesses_the_zone_from_the_offsets_the_files_write() -> None:
    write({"hugo.toml": 'title = "LUG"\nbaseURL = "https://lug.test/"\n'
                        'defaultContentLanguage = "de"\n'})
    for month, offset in ((1, "+01:00"), (4, "+02:00"), (7, "+02:00"), (11, "+01:00")):
        write({f"content/events/2025-{month:02d}-08.md": f"---\ntitle: Treffen {month}\n"
               f"meetingdate: \"2025-{month:02d}-08T19:00{offset}\"\nlocation: Online\n---\n"})
    output, rows = init_and_list("--yes")
    assert 'timezone = "Europe/Berlin"' in Path("announce.toml").read_text(encoding="utf-8")
    assert "the site's language (de) picks Europe/Berlin" in output
    assert all(r["start"].endswith(("T19:00:00+01:00", "T19:00:00+02:00")) for r in rows)


def test_init_says_when_no_offset_tells_the_zone() -> None:
    _two_start_keys()
    Path("_config.yml").write_text("title: Town\n", encoding="utf-8")  # no timezone
    result = CliRunner().invoke(cli, ["init", "--yes"], catch_exceptions=False)
    assert "the site's config names no timezone: using this machine's" in result.output


def test_the_sites_name_picks_its_city_among_the_zones_that_fit() -> None:
    write({"hugo.toml": 'title = "PyLadies Vancouver"\n'
                        'baseURL = "https://vancouver.pyladies.test/"\nlanguageCode = "en-us"\n'})
    for month, offset in ((1, "-08:00"), (6, "-07:00"), (8, "-07:00")):
        write({f"content/events/e{month}.md": f"+++\ntitle = \"E{month}\"\n"
               f"date = 2026-{month:02d}-19T18:00:00{offset}\nvenue = \"Hall\"\n+++\n"})
    output, _rows = init_and_list("--yes")
    # Los Angeles fits the offsets as well, and en-us says the US: the name says Vancouver.
    assert 'timezone = "America/Vancouver"' in Path("announce.toml").read_text("utf-8")
    assert "the site's name or URL says Vancouver" in output


def test_a_start_the_templates_show_inside_a_with_block_beats_hugos_posting_date() -> None:
    # Hugo's date is when the page was posted; the layout shows evento.dt_start, inside
    # {{ with .Params.evento }}, as the start. The gallery's and blog's pages have only a
    # posting date: they are no events, and the events' folder is eventi/.
    for n, day in ((1, 14), (2, 21), (3, 28)):
        write({f"content/eventi/pranzo-{n}/index.md": f"""
            ---
            title: "Pranzo {n}"
            date: 2025-11-0{n}T22:55:01+01:00
            evento:
              dt_start: "2025-12-{day} 12:00"
              p_location: "Agriturismo {n}"
            ---
            Ci troveremo.
            """,
               f"content/gallery/foto-{n}.md": f"---\ntitle: Foto {n}\n"
               f"date: 2026-01-0{n}T10:00:00+01:00\n---\n",
               f"content/blog/post-{n}.md": f"---\ntitle: Post {n}\n"
               f"date: 2026-02-0{n}T10:00:00+01:00\n---\n"})
    write({"hugo.toml": 'title = "Club"\ntimeZone = "Europe/Rome"\n',
           "layouts/_partials/evento.html": """
            {{ with .Params.evento }}
              <p>Data: <time class="dt-start" datetime="{{ .dt_start }}">{{ .dt_start }}</time></p>
              <p class="p-location">{{ .p_location }}</p>
            {{ end }}
            """})
    output, rows = init_and_list("--yes", "--timezone", "Europe/Rome")
    assert "events in content/eventi/" in output
    assert "start         <- evento.dt_start\n" in output
    assert [(r["title"], r["start"], r["location"]) for r in rows] == [
        (f"Pranzo {n}", f"2025-12-{day}T12:00:00+01:00", f"Agriturismo {n}")
        for n, day in ((1, 14), (2, 21), (3, 28))]


def test_a_key_named_for_the_events_start_leaves_the_posts_beside_them_out() -> None:
    # Pelican's Date is when a page was posted; Event-start says it is the event's. The
    # status posts beside the meetups have only a Date: no events (left out, and said),
    # not events starting when they were posted.
    write({"pelicanconf.py": 'SITENAME = "Kernel Meetup"\nTIMEZONE = "America/Los_Angeles"\n'})
    for month in (3, 4, 5):
        write({f"content/2026-0{month}-meetup.md": f"""
            Title: Meetup {month}
            Date: 2026-0{month}-01 10:00
            Event-start: 2026-0{month}-14 18:00
            Event-end: 2026-0{month}-14 20:00
            Event-location: Beer Hall

            Talks and beer.
            """})
    write({"content/2026-02-20-subscribe.md": "Title: Subscribe\nDate: 2026-02-20 09:00\n\n"
                                              "A mailing list.\n",
           "content/intro.md": "Title: Intro\nDate: 2025-01-01 09:00\n\nWho we are.\n"})
    output, rows = init_and_list("--yes", "--timezone", "America/Los_Angeles")
    assert "start         <- event-start\n" in output
    assert "end           <- event-end\n" in output  # not the start plus two hours
    assert ("2 pages with a date but no event-start (posts, not events): left out "
            "([content] exclude): content/2026-02-20-subscribe.md, content/intro.md") in output
    assert [(r["title"], r["start"], r["end"]) for r in rows] == [
        (f"Meetup {m}", f"2026-0{m}-14T18:00:00-07:00", f"2026-0{m}-14T20:00:00-07:00")
        for m in (3, 4, 5)]


def test_on_a_terminal_init_asks_where_the_group_meets_when_it_guessed() -> None:
    # The offsets fit Central Europe and the language says Germany; the group meets in
    # Vienna. A typo gets the nearest names, and the answer is what announce.toml says.
    write({"hugo.toml": 'title = "LUG"\nbaseURL = "https://lug.test/"\n'
                        'defaultContentLanguage = "de"\n'})
    for month, offset in ((1, "+01:00"), (7, "+02:00"), (11, "+01:00")):
        write({f"content/events/2025-{month:02d}-08.md": f"---\ntitle: Treffen {month}\n"
               f"meetingdate: \"2025-{month:02d}-08T19:00{offset}\"\nlocation: Online\n---\n"})
    result = CliRunner().invoke(cli, ["init", "--ask"], input="Europe/Viena\nEurope/Vienna\n",
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "picks Europe/Berlin" in result.output  # the guess, and why
    assert "Where does the group meet (an IANA timezone)? [Europe/Berlin]:" in result.output
    assert "unknown timezone 'Europe/Viena' (did you mean Europe/Vienna" in result.output
    assert 'timezone = "Europe/Vienna"' in Path("announce.toml").read_text(encoding="utf-8")
    # Enter takes the guess.
    Path("announce.toml").unlink()
    kept = CliRunner().invoke(cli, ["init", "--ask"], input="\n", catch_exceptions=False)
    assert 'timezone = "Europe/Berlin"' in Path("announce.toml").read_text(encoding="utf-8")
    assert kept.exit_code == 0


def test_a_time_key_that_names_its_zone_and_a_range() -> None:
    # "13:00 - 16:00 WIB" (as DevOps Jogja writes): the zone it names, the range's end.
    _jekyll("Asia/Jakarta")
    for n in (1, 2, 3):
        write({f"_events/meetup-{n}.md": f"""
            ---
            title: Meetup {n}
            date: "2025-0{n}-07"
            time: "13:00 - 16:00 WIB"
            location: Hall
            ---
            """})
    write({"_events/meetup-3.md": "---\ntitle: Meetup 3\ndate: '2025-03-07'\n"
                                  "time: '11:00 - 12:00 UTC'\nlocation: Hall\n---\n"})
    _out, rows = init_and_list()
    got = {r["title"]: (datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"]),
                        unsure_of(r)) for r in rows}
    jakarta = ZoneInfo("Asia/Jakarta")
    assert got["Meetup 2"] == (datetime(2025, 2, 7, 13, tzinfo=jakarta),
                               datetime(2025, 2, 7, 16, tzinfo=jakarta), [])
    # 11:00 UTC, the instant the page states (18:00 in Jakarta).
    assert got["Meetup 3"] == (datetime(2025, 3, 7, 18, tzinfo=jakarta),
                               datetime(2025, 3, 7, 19, tzinfo=jakarta), [])


def test_keys_named_for_times_that_hold_whole_dates_are_the_start_and_end() -> None:
    # ubuntu-kr's "start_time: 2023-12-09 13:00:00 +09:00" and "end_time: ...": dates
    # with their times, not times of day, whatever the names say; "date" is the post's.
    write({"config.yaml": "title: Events\ntimeZone: Asia/Seoul\n"})
    for n in (1, 2, 3):
        write({f"content/events/e{n}.md": f"""
            ---
            title: Event {n}
            date: 2022-05-21 14:00:00 +09:00
            start_time: 2023-0{n}-25 14:00:00 +09:00
            end_time: 2023-0{n}-25 17:30:00 +09:00
            location: Hall
            ---
            ## 일정

            | 시작 시간 | 일정 |
            | --- | --- |
            | 13:00 | 입장 및 준비 |
            | 14:00 | 정기총회 |
            """})
    out, rows = init_and_list()
    row = next(r for r in rows if r["title"] == "Event 2")
    # The programme's first row (doors at 13:00) is no other start: 14:00 is on the page.
    assert (row["start"], row["end"], unsure_of(row)) == (
        "2023-02-25T14:00:00+09:00", "2023-02-25T17:30:00+09:00", [])
    assert "end_time holds dates and times, not times of day alone" in out


def test_a_venue_the_templates_look_up_by_id_in_a_data_file() -> None:
    # guru-sp's layout: {% assign venue = site.data.venues | where: "id", page.venue_id %};
    # its talks have ids too, that more of the events' numbers match: the templates say
    # which file the venue is in.
    _jekyll("America/Sao_Paulo")
    write({"_layouts/meeting.html": textwrap.dedent("""\
               {% assign venue = site.data.venues | where: "id", page.venue_id | first %}
               <p>{{ venue.name }}, {{ venue.address }}</p>"""),
           "_data/venues.yaml": "- id: 1\n  name: Garoa Hacker Clube\n  address: R. Pascoal\n"
                                "- id: 2\n  name: Cloudwalk\n  address: R. Eugênio\n",
           "_data/talks.yaml": "".join(f"- id: {n}\n  title: Talk {n}\n" for n in range(9))})
    for n in (1, 2, 3):
        write({f"_encontros/{n}-encontro.md":
               f"---\nlayout: meeting\ntitle: Encontro {n}\ndate: 2025-0{n}-14 10:00\n"
               f"venue_id: {2 if n == 2 else 1}\n---\n"})
    out, rows = init_and_list()
    assert {r["title"]: r["location"] for r in rows} == {
        "Encontro 1": "Garoa Hacker Clube", "Encontro 2": "Cloudwalk",
        "Encontro 3": "Garoa Hacker Clube"}
    assert "look venue_id up in its data (venues)" in out


def test_speakers_a_hugo_template_looks_up_by_id() -> None:
    write({"hugo.toml": 'title = "Meetup"\ntimeZone = "Europe/Berlin"\n',
           "layouts/events/single.html": "{{ with index .Site.Data.people .Params.host }}"
                                         "<p>{{ .name }}</p>{{ end }}",
           "data/people.yaml": "ann: {name: Ann Lee}\nbob: {name: Bob Smith}\n"})
    for n in (1, 2, 3):
        write({f"content/events/e{n}.md": f"---\ntitle: E{n}\ndate: 2025-0{n}-14T19:00:00\n"
                                          f"location: Hall\nhost: {'bob' if n == 2 else 'ann'}"
                                          "\n---\n"})
    _out, rows = init_and_list()
    assert {r["title"]: r["speakers"] for r in rows} == {
        "E1": ["Ann Lee"], "E2": ["Bob Smith"], "E3": ["Ann Lee"]}


def test_a_map_pin_before_a_place_is_the_venue() -> None:
    # club418: "**📅** **Lundi 8 Décembre 2025** **📍Htag Poitiers** (24 Bd du Grand Cerf)".
    _jekyll("Europe/Paris")
    write({"_events/2025-12-08.md": "---\ntitle: Club\ndate: 2025-12-08 19:00\n---\n"
                                    "**📅** **Lundi 8 Décembre 2025** **📍Htag Poitiers** "
                                    "(24 Bd du Grand Cerf, 86000 Poitiers)\\*<br>\n",
           "_events/2026-01-19.md": "---\ntitle: Club 2\ndate: 2026-01-19 19:00\n---\n"
                                    "📍 iC-MeetHub kali ini akan diadakan di Yogyakarta!\n",
           "_events/2026-03-11.md": "---\ntitle: Club 3\ndate: 2026-03-11 19:00\n---\n"
                                    "📍 **Les Echos Publishing — 5 rue Sophie Germain, "
                                    "86000 Poitiers**\n"})
    _out, rows = init_and_list()
    got = {r["title"]: (r["location"], "location" in r["unsure"]) for r in rows}
    # A sentence after a pin is no place's name: the venue is unsure.
    assert got == {"Club": ("Htag Poitiers", False), "Club 2": (None, True),
                   "Club 3": ("Les Echos Publishing", False)}


def test_check_names_an_event_the_site_shows_from_data_it_does_not_read() -> None:
    # Chennaipy: the pages are minutes of past evenings; the next one is a data file that
    # a shortcode shows on the home page. Not read, it must not be lost without a word.
    write({"hugo.toml": 'title = "Py"\ntimeZone = "Asia/Kolkata"\n',
           "layouts/shortcodes/upcoming-event.html":
               "{{ $event := .Site.Data.upcoming_event.upcoming }}"
               "<a href='{{ $event.link }}'>{{ $event.title }}</a> {{ $event.date }}"
               "{{ range .Site.Data.sponsors.sponsors }}{{ .name }}{{ end }}",
           "data/upcoming_event.yaml": 'upcoming:\n  title: "Join our June Meetup"\n'
                                       '  date: "27-06-2026"\n  venue: "IMSc"\n',
           "data/sponsors.yaml": "sponsors:\n  - name: Acme\n"})
    for n in (1, 2, 3):
        write({f"content/meetups/2025-0{n}-mom.md":
               f"---\ntitle: Minutes {n}\ndate: 2025-0{n}-25T15:00:00+05:30\n---\nNotes.\n"})
    init_and_list()
    check = CliRunner().invoke(cli, ["check", "--now", "2026-06-01"])
    lines = [line for line in check.output.splitlines() if "upcoming_event" in line]
    assert len(lines) == 1
    assert lines[0].startswith("warning: data/upcoming_event.yaml")
    assert "'Join our June Meetup', 27-06-2026" in lines[0]
    assert "it will not announce it" in lines[0]
    assert "sponsors" not in check.output  # data that is no event says nothing


def test_when_the_doors_are_the_only_time_given_they_are_the_start() -> None:
    # Cloud Native Linz: `date: '2026-03-18'`, `doors_open: '17:30'` in the newer entries.
    _jekyll("Europe/Vienna")
    for n in range(1, 7):
        doors = "doors_open: '17:30'\n" if n > 3 else ""
        write({f"_events/2025-0{n}-18-m.md":
               f"---\ntitle: M{n}\ndate: '2025-0{n}-18'\n{doors}location: Hall\n---\n"})
    out, rows = init_and_list()
    got = {r["title"]: (r["start"], unsure_of(r)) for r in rows}
    assert got["M5"] == ("2025-05-18T17:30:00+02:00", [])
    assert got["M2"] == ("2025-02-18T00:00:00+01:00", ["start"])  # states no time at all
    assert "the only time of day the events give is doors_open" in out


def test_a_title_the_templates_build_of_words_and_a_key() -> None:
    # Paris.js: no title key; components/MeetupContainer.js shows
    # <h1>Paris.js #{meetup.edition}</h1>. Not the file's name.
    write({"package.json": '{"dependencies": {"next": "13"}}',
           "components/MeetupContainer.js":
               "export default ({ meetup }) => (<main><h1>Paris.js #{meetup.edition}</h1>"
               "<p>{meetup.host}</p></main>)"})
    for n in (1, 2, 3):
        write({f"content/meetups/2022-0{n}-28.md":
               f"---\nedition: '10{n}'\ndate: '2022-0{n}-28'\nhost: Acme\n---\n"})
    out, rows = init_and_list("--timezone", "Europe/Paris")
    assert {r["title"] for r in rows} == {"Paris.js #101", "Paris.js #102", "Paris.js #103"}
    assert all("title" not in r["unsure"] for r in rows)
    assert "the site's templates show the title as 'Paris.js #{edition}'" in out


def test_a_text_path_in_the_key_map_is_checked() -> None:
    from announce.sources.keymap import text_value, validate_path

    assert validate_path("text:Paris.js #{edition}") is None
    assert "names no key" in (validate_path("text:Paris.js") or "")
    assert text_value({"edition": 101}, "text:Paris.js #{edition}") == "Paris.js #101"
    assert text_value({}, "text:Paris.js #{edition}") is MISSING_VALUE
    assert validate_path("shortcode:speaker.speaker_id") is None
    assert "not a shortcode path" in (validate_path("shortcode:speaker") or "")


def test_a_hexo_site_reads_a_nested_naive_time_as_utc() -> None:
    # meet.js Katowice: Hexo's _config.yml (timezone: Europe/Warsaw) and package.json; the
    # theme shows event.time (js-yaml: UTC) in Warsaw time, and date is the post's.
    write({"_config.yml": "title: meet.js Katowice\ntimezone: Europe/Warsaw\n",
           "package.json": '{"dependencies": {"hexo": "^6.2.0"}}'})
    for n in (4, 5, 6):
        write({f"source/_posts/meetjs-{n}.md":
               f"---\ntitle: 'meet.js #{n}'\nevent:\n  time: 2023-0{n}-14 16:00:00\n  place:\n"
               f"    name: Strefa\ndate: 2023-0{n - 1}-31 11:00:00\n---\nHi\n"})
    out, rows = init_and_list()
    assert "Found a Hexo site" in out
    assert {r["title"]: r["start"] for r in rows}["meet.js #6"] == "2023-06-14T18:00:00+02:00"


def test_a_heading_with_an_icon_labels_the_time_under_it() -> None:
    # kor-dev-aus (Gatsby): "#### 시간 ⏰" then "- 2025년 04월 16일 저녁 5:30" (evening: PM),
    # a date there that is not the key's makes the start unsure. (Under "#### 장소 🚶", the
    # venue's line starts with its sponsor's word: not read.)
    write({"gatsby-config.js": "module.exports = { siteMetadata: { title: 'KDA' } }"})
    for n, day, said in ((36, "2024-10-16", "2024년 10월 16일"),
                         (37, "2025-02-04", "2025년 02월 12일"),
                         (38, "2025-04-16", "2025년 04월 16일")):
        write({f"src/content/meetup_{n}.md": f"""
            ---
            title: '{day[:7]} 모임'
            date: '{day}'
            ---

            #### 토픽 🚀

            1. SNL Web Dev Project: Change Your Life - Ally Kim

            #### 시간 ⏰

            -   {said} 저녁 5:30 - Melbourne Time

            #### 장소 ‍🚶

            -   후원 : 멜번대학교 Sidney Myer Asia Institute, Room 106
            """})
    _out, rows = init_and_list("--timezone", "Australia/Melbourne")
    got = {r["path"][-5:-3]: (r["start"], r["location"], unsure_of(r)) for r in rows}
    assert got["38"][:2] == ("2025-04-16T17:30:00+10:00", None)  # unsure of the venue
    assert got["37"][2] == ["speakers", "start"]  # the page says the 12th, the key the 4th


def test_the_sites_calendar_names_its_events_with_words_around_the_title() -> None:
    # Wolust: wolust.ics loops over site.data.daten.linuxuser, "SUMMARY:Wolust {{
    # treffen.meeting }}"; its pages show no title at all.
    _jekyll("Europe/Berlin")
    write({"wolust.ics": textwrap.dedent("""\
               ---
               layout: none
               ---
               BEGIN:VCALENDAR
               {% for treffen in site.data.daten.linuxuser %}
               BEGIN:VEVENT
               DTSTART:{{ treffen.jahr }}{{ treffen.monat }}{{ treffen.tag }}T193000
               SUMMARY:Wolust {{ treffen.meeting }}
               LOCATION:{{ treffen.ort }}
               END:VEVENT
               {% endfor %}
               END:VCALENDAR
               """),
           "_data/daten.yaml": "linuxuser:\n" + "".join(
               f"  - meeting: {name}\n    tag: '0{n}'\n    monat: '06'\n    jahr: 2026\n"
               f"    ort: Timescafe\n    start: '19:30 Uhr'\n"
               for n, name in ((2, "Nächstes Treffen"), (3, "Weitere Treffen"),
                               (4, "Weitere Treffen")))})
    out, rows = init_and_list()
    assert [r["title"] for r in rows] == ["Wolust Nächstes Treffen", "Wolust Weitere Treffen",
                                          "Wolust Weitere Treffen"]
    assert "the site's calendar names its events 'Wolust {meeting}'" in out


def test_a_venue_written_as_lines_of_markdown_is_its_name_then_its_address() -> None:
    # A venue key holding what the page renders with markdownify: the place (linked to its
    # site or its map) on the first line, then the address, a "[Karte]" link to the map
    # and reference definitions. The name is the first line's words, not the whole block.
    _jekyll("Europe/Berlin")
    write({"_events/2025-05-04.md": "---\ntitle: A\ndate: 2025-05-04 19:00\nvenue: |\n"
                                    "  [Café Bleu][bleu] | [Karte][bleu-map]  \n"
                                    "  Hauptstraße 5  \n  10115 Berlin\n"
                                    "  [bleu]: https://cafe-bleu.example/\n"
                                    "  [bleu-map]: https://www.openstreetmap.org/node/1\n---\n",
           "_events/2025-06-04.md": "---\ntitle: B\ndate: 2025-06-04 19:00\nvenue: |\n"
                                    "  [Campus Süd][campus-map], Hörsaal 2  \n"
                                    "  [Karte](https://maps.google.com/?q=campus)\n"
                                    "  [campus-map]: https://goo.gl/maps/abc\n---\n",
           "_events/2025-07-04.md": "---\ntitle: C\ndate: 2025-07-04 19:00\n"
                                    "venue: Werkstatt\n---\n"})
    _out, rows = init_and_list()
    got = {r["title"]: (r["location"], r["address"], unsure_of(r)) for r in rows}
    assert got == {"A": ("Café Bleu", "Hauptstraße 5, 10115 Berlin", []),
                   "B": ("Campus Süd, Hörsaal 2", None, []),
                   "C": ("Werkstatt", None, [])}


def test_a_speakers_key_of_words_for_people_and_a_talk_told_in_turkish_are_unsure() -> None:
    # "speakers: ['Awesome content folks']" names nobody; "Aslı Sabancı ... anlatacak"
    # (will tell about) says someone talks, in a sentence no form here reads.
    _jekyll("Europe/Istanbul")
    write({"_events/2025-05-04.md": "---\ntitle: A\ndate: 2025-05-04 19:00\nlocation: Hall\n"
                                    "speakers: ['Awesome content folks']\n---\nNetworking.\n",
           "_events/2025-06-04.md": "---\ntitle: B\ndate: 2025-06-04 19:00\nlocation: Hall\n"
                                    "speakers: ['Ann Lee', 'Ludwig van Beethoven']\n---\n",
           "_events/2025-07-04.md": "---\ntitle: C\ndate: 2025-07-04 19:00\nlocation: Hall\n"
                                    "---\nBu ayki toplantıda Aslı Sabancı Interface Builder'ın "
                                    "temel özelliklerini anlatacak.\n",
           "_events/2025-08-04.md": "---\ntitle: D\ndate: 2025-08-04 19:00\nlocation: Hall\n"
                                    "---\nYaz molası: pikniğe gidiyoruz.\n"})
    _out, rows = init_and_list()
    got = {r["title"]: ("speakers" in r["unsure"], r["speakers"]) for r in rows}
    assert got["A"][0]
    assert got["C"][0]
    assert got["B"] == (False, ["Ann Lee", "Ludwig van Beethoven"])
    assert got["D"] == (False, [])


def test_a_slipped_offset_whose_clock_the_page_states_again_is_that_clock() -> None:
    # Python Łódź: "date: 2026-01-28T18:00:00+02:00" (the summer offset all year) beside
    # "time: '18:00'" and "godzina: 18:00" in the text: the evening is at 18:00 in Warsaw.
    # Without a second statement (B), which of the clock and the offset slipped is unsure.
    write({"hugo.toml": 'title = "Py"\ntimeZone = "Europe/Warsaw"\n',
           "content/spotkania/62/index.md": "---\ntitle: A\ndate: 2026-01-28T18:00:00+02:00\n"
                                            "place: Hall\n---\n**🕕 godzina:** 18:00\n",
           "content/spotkania/63/index.md": "---\ntitle: B\ndate: 2026-03-04T18:00:00+02:00\n"
                                            "place: Hall\n---\nHello.\n",
           "content/spotkania/64/index.md": "---\ntitle: C\ndate: 2026-05-27T18:00:00+02:00\n"
                                            "place: Hall\n---\nHello.\n"})
    _out, rows = init_and_list("--timezone", "Europe/Warsaw")
    got = {r["title"]: (r["start"], unsure_of(r)) for r in rows}
    assert got == {"A": ("2026-01-28T18:00:00+01:00", []),
                   "B": ("2026-03-04T17:00:00+01:00", ["start"]),
                   "C": ("2026-05-27T18:00:00+02:00", [])}


def test_location_files_named_in_their_languages_are_a_lookup() -> None:
    # "page/data/locations/indiebi.yaml: name_pl, name_en" (no title): the pages name it by
    # its id or by its name; one written otherwise is shown as written, not refused.
    write({"hugo.toml": 'title = "Py"\ntimeZone = "Europe/Warsaw"\nlanguageCode = "pl"\n',
           "data/locations/indiebi.yaml": "name_pl: IndieBI, Piotrkowska 157A\n"
                                          "name_en: IndieBI, Piotrkowska 157A\n"})
    for n, place in ((1, "indiebi"), (2, "indiebi"), (3, "IndieBI, Piotrkowska 157A"),
                     (4, "Klub Zielony")):
        write({f"content/spotkania/{n}/index.md":
               f"---\ntitle: M{n}\ndate: 2026-0{n}-11T18:00:00+01:00\nplace: {place}\n---\n"})
    _out, rows = init_and_list("--timezone", "Europe/Warsaw")
    assert [r["location"] for r in rows] == ["IndieBI, Piotrkowska 157A"] * 3 + ["Klub Zielony"]


def test_an_element_the_pages_markup_calls_the_venue_and_a_place_in_a_sentence() -> None:
    # desertpy's pages from the Meetup API: <div class="meetup-venue"><i ...></i> McKesson
    # </div>; python-vigo's: "tendrá lugar en la `A Industriosa <https://...>`_" (reST).
    write({"pelicanconf.py": "TIMEZONE = 'America/Phoenix'\n",
           "content/a.md": "Title: A\nDate: 2019-05-22T18:30:00-07:00\n\n"
                           '<div class="meetup-venue">\n<i class="fas fa-map-marked-alt"></i> '
                           "McKesson\n</div>\n\nTalks.\n",
           "content/b.md": "Title: B\nDate: 2019-06-26T18:30:00-07:00\n\n"
                           "Como siempre tendrá lugar en la [A Industriosa](https://a.example/).\n",
           "content/c.md": "Title: C\nDate: 2019-07-24T18:30:00-07:00\n\nBring a friend.\n"})
    _out, rows = init_and_list("--timezone", "America/Phoenix")
    got = {r["title"]: (r["location"], "location" in r["unsure"]) for r in rows}
    assert got == {"A": ("McKesson", False), "B": ("A Industriosa", True), "C": (None, True)}


def test_check_names_the_events_a_content_adapter_makes_of_a_data_folder() -> None:
    # Python Łódź (Hugo in page/): content/spotkania/_content.gotmpl ranges over
    # site.Data.meetups (page/data/meetups/55.yaml ...) and adds a page for each, beside
    # the hand-written bundles init reads. Those evenings must not be lost without a word.
    write({"page/hugo.toml": 'title = "Py"\ntimeZone = "Europe/Warsaw"\n',
           "page/content/spotkania/_content.gotmpl":
               "{{ range $n, $meetup := site.Data.meetups }}{{ $.AddPage (dict "
               "\"title\" $meetup.title) }}{{ end }}\n"})
    for n in (55, 56):
        write({f"page/data/meetups/{n}.yaml": f'title: "Meetup #{n}"\ndate: 2024-1{n - 55}-27\n'})
    for n in (60, 61, 62):
        write({f"page/content/spotkania/{n}/index.md":
               f"---\ntitle: M{n}\ndate: 2025-0{n - 55}-24T18:00:00+02:00\n---\n"})
    init_and_list("--timezone", "Europe/Warsaw")
    check = CliRunner().invoke(cli, ["check"])
    lines = [line for line in check.output.splitlines() if "page/data/meetups" in line]
    assert len(lines) == 1, check.output
    assert lines[0].startswith("warning: page/data/meetups:1: page/content/spotkania/"
                               "_content.gotmpl shows events from here (2 events:")
    assert "[content] events = 'page/data/meetups/*.yaml' reads these files" in lines[0]


def test_a_clock_written_in_utc_by_mistake_is_read_as_utc_and_unsure() -> None:
    # Toulouse Tech Hub's scraper wrote some evenings in UTC: "dateIso: 2026-09-22 17:00"
    # beside "aura lieu le mardi 22 septembre à 19h00" (Paris is +02:00 then). B's text
    # says its key's time; C's text has its key's time too, beside another one two
    # hours later: both are as written.
    _jekyll("Europe/Paris")
    write({"_events/2026-09-22-a.md": "---\ntitle: A\ndateIso: 2026-09-22 17:00\nplace: X\n---\n"
                                      "Le prochain meetup aura lieu le mardi 22 septembre à "
                                      "19h00 : Air France nous accueille !\n",
           "_events/2026-10-01-b.md": "---\ntitle: B\ndateIso: 2026-10-01 18:45\nplace: X\n---\n"
                                      "18:45 → Accueil<br>\n19:00 → Talk\n",
           "_events/2026-10-08-c.md": "---\ntitle: C\ndateIso: 2026-10-08 18:00\nplace: X\n---\n"
                                      "À partir de 20h00 : apéro. Les talks à 18:00.\n"})
    out, rows = init_and_list()
    got = {r["title"]: (r["start"], unsure_of(r)) for r in rows}
    assert got == {"A": ("2026-09-22T19:00:00+02:00", ["start"]),
                   "B": ("2026-10-01T18:45:00+02:00", []),
                   "C": ("2026-10-08T18:00:00+02:00", [])}, out
    check = CliRunner().invoke(cli, ["check"]).output
    assert "17:00 read as UTC is 19:00 here, the time the page's text states" in check


def test_speakers_a_shortcode_names_by_an_id_its_template_looks_up() -> None:
    # Python Łódź: "{{< speaker speaker_id="magdalena-nowak" >}}" under each talk, and
    # layouts/shortcodes/speaker.html: {{ $s := index site.Data.speakers $speaker_id }}.
    write({"hugo.toml": 'title = "Py"\ntimeZone = "Europe/Warsaw"\n',
           "layouts/shortcodes/speaker.html":
               '{{- $speaker_id := .Get "speaker_id" -}}\n'
               "{{ $speaker := index site.Data.speakers $speaker_id }}\n"
               "<p><strong>{{ $speaker.name }}</strong></p>\n",
           "data/speakers/ann-lee.yaml": "name: Ann Lee\n",
           "data/speakers/jan-nowak.yaml": "name: Jan Nowak\n"})
    for n, ids in ((1, ["ann-lee"]), (2, ["ann-lee", "jan-nowak"]), (3, [])):
        talks = "".join(f'### Talk\n{{{{< speaker speaker_id="{i}" >}}}}\nAbout it.\n'
                        for i in ids) or "Lightning talks and open spaces.\n"
        write({f"content/spotkania/{n}/index.md":
               f"---\ntitle: M{n}\ndate: 2026-0{n}-25T18:00:00+01:00\nplace: Hall\n---\n"
               f"## Prelekcje\n\n{talks}"})
    out, rows = init_and_list("--timezone", "Europe/Warsaw")
    assert "speakers      <- shortcode:speaker.speaker_id" in out
    got = {r["title"]: (r["speakers"], "speakers" in r["unsure"]) for r in rows}
    assert got == {"M1": (["Ann Lee"], False), "M2": (["Ann Lee", "Jan Nowak"], False),
                   "M3": ([], False)}


def test_a_posts_labelled_line_that_says_the_day_and_time_is_the_start() -> None:
    # desertpy's reST posts: ":date: 2015-03-18 06:47" (when it was posted) and, under
    # "When", "Wednesday **March 25th, 2015** at **6:30PM**". B's line gives a time only
    # (its day is the key's or not: unsure); C's line names a day before the post.
    write({"pelicanconf.py": "TIMEZONE = 'America/Phoenix'\n",
           "content/a.md": "Title: A\nDate: 2015-03-18 06:47\n\n**When:** Wednesday **March 25th, "
                           "2015** at **6:30PM**\n",
           "content/b.md": "Title: B\nDate: 2015-04-18 06:47\n\n**When:** 6:30PM\n",
           "content/c.md": "Title: C\nDate: 2015-05-18 06:47\n\n**When:** May 1st, 2015 at "
                           "6:30PM\n"})
    _out, rows = init_and_list("--timezone", "America/Phoenix")
    got = {r["title"]: (r["start"], unsure_of(r)) for r in rows}
    assert got == {"A": ("2015-03-25T18:30:00-07:00", []),
                   "B": ("2015-04-18T06:47:00-07:00", ["start"]),
                   "C": ("2015-05-18T06:47:00-07:00", ["start"])}


def test_a_key_the_templates_show_as_a_time_only_takes_its_day_from_the_page() -> None:
    # HackLab Almería: the layout shows {{ page.date | date: "%-d %B %Y" }} (the file's
    # name) and {{ page.startDate | date: "%H:%M" }}; posts copied from older ones keep a
    # stale day in startDate ("startDate: 2020-02-06T19:00" in 2020-04-02-x.md), and the
    # page shows 2 April at 19:00. The end's stale day follows the start's.
    write({"_config.yml": "title: HackLab\ntimezone: Europe/Madrid\n",
           "_layouts/post-jsonld.html":
               '<h4>{{ page.date | date: "%-d %B %Y" }}</h4>\n{{ content }}\n'
               '<p>Hora: <strong>de {{ page.startDate | date: "%H:%M" }} a '
               '{{ page.endDate | date: "%H:%M" }}</strong></p>\n',
           # Another layout shows the end's day (several days' events): the end key stays
           # whole, and its stale day follows the start's.
           "_layouts/post-varios-dias.html": '<p>Fin: {{ page.endDate | date: "%-d %B" }}</p>\n'})
    for name, start, end in (("2020-04-02-a", "2020-02-06T19:00", "2020-02-06T21:00"),
                             ("2020-05-07-b", "2020-05-07T19:00", "2020-05-07T21:00"),
                             ("2020-06-04-c", "2020-06-04T18:30", "2020-06-04T20:00")):
        write({f"_posts/{name}.md": f"---\nlayout: post-jsonld\ntitle: {name[-1].upper()}\n"
                                    f"startDate: {start}\nendDate: {end}\nplace: Hall\n---\nHi\n"})
    out, rows = init_and_list("--timezone", "Europe/Madrid")
    assert "show startDate as a time of day only" in out
    got = {r["title"]: (r["start"], r["end"], unsure_of(r)) for r in rows}
    assert got == {"A": ("2020-04-02T19:00:00+02:00", "2020-04-02T21:00:00+02:00", []),
                   "B": ("2020-05-07T19:00:00+02:00", "2020-05-07T21:00:00+02:00", []),
                   "C": ("2020-06-04T18:30:00+02:00", "2020-06-04T20:00:00+02:00", [])}
