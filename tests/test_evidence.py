"""init reads a site by what its values and words say, not by a list of key names.

Each test writes a small site whose keys no default names, runs ``announce init`` and
``announce list --json`` as an organizer would, and checks what a member would be told.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from announce.cli import cli
from announce.sources.evidence import date_candidates, role_of


@pytest.fixture(autouse=True)
def in_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("ANNOUNCE_CONFIG", "ANNOUNCE_NOW", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def write(files: dict[str, str]) -> None:
    for name, text in files.items():
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


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
    assert (first["location"], first["address"], first["unsure"]) == (
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
    assert all(r["unsure"] == ["start", "url"] for r in rows)  # and no route: no page
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
    assert all(r["unsure"] == ["url"] for r in rows)  # no route in src/pages: no page


def test_an_offset_of_the_other_season_is_unsure_and_a_foreign_one_is_not() -> None:
    write({"_config.yml": "title: Town\ntimezone: Europe/Copenhagen\n",
           "_events/2024-10-31-a.md": "---\ntitle: A\nlocation: Hall\n"
                                      "date: 2024-10-31 18:00:00+02:00\n---\n",
           "_events/2024-06-30-b.md": "---\ntitle: B\nlocation: Hall\n"
                                      "date: 2024-06-30 18:00:00+01:00\n---\n",
           "_events/2024-05-05-c.md": "---\ntitle: C\nlocation: Hall\n"
                                      "date: 2024-05-05 18:00:00-04:00\n---\n"})
    _out, rows = init_and_list()
    unsure = {r["title"]: r["unsure"] for r in rows}
    # Copenhagen is +01:00 in winter and +02:00 in summer: A and B slipped a season.
    assert unsure == {"A": ["start"], "B": ["start"], "C": []}
