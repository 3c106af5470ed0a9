"""Events kept in a JavaScript or TypeScript module: read as data, never run.

Single-page sites keep their programme as an array in a module (Nantes JUG's AngularJS
``scripts/data/events.js``, Newwwie's generated ``events-data.ts``). ``init`` must find
it, read its literals (``new Date(y, m, d)`` with JavaScript's months from 0), join the
ids it names to the modules of places and speakers beside it, and ``list`` the evenings
as the site shows them; code it cannot read as a literal is left out, not run.
"""

from __future__ import annotations

import json
import textwrap
from datetime import date, datetime
from typing import Any

import pytest
from click.testing import CliRunner

from announce.cli import cli
from announce.sources.jsdata import read_script_data

from .sitefiles import site_folder, write  # noqa: F401 (site_folder: a fixture)

pytestmark = pytest.mark.usefixtures("site_folder")


def init_and_list(*args: str) -> tuple[str, list[dict[str, Any]]]:
    runner = CliRunner()
    init = runner.invoke(cli, ["init", "--yes", *args], catch_exceptions=False)
    assert init.exit_code == 0, init.output
    listed = runner.invoke(cli, ["list", "--all", "--json"], catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    return init.output, json.loads(listed.stdout)


ANGULAR_EVENT = """\
    {{
        id: '{id}',
        title: `{title}`, // a template literal
        date: new Date({y}, {m0}, {d}), //month begin at 0
        time: '19h00',
        place: "{place}",
        intro: "<div>" + "<p>Co-organisée</p>" + "</div>",
        subjects: [{{ title: 'Talk', speakers: [{speakers}] }}],
        docs: [],
    }},
"""


def test_an_angular_sites_events_module_with_its_places_and_speakers() -> None:
    events = "".join(ANGULAR_EVENT.format(**e) for e in (
        {"id": "2026_06_11", "title": "L'IA au quotidien", "y": 2026, "m0": 5, "d": 11,
         "place": "eklo", "speakers": "'axel_toubiou', 'stephane_nicoll'"},
        {"id": "2026_04_29", "title": "Soirée Git", "y": 2026, "m0": 3, "d": 29,
         "place": "onepoint", "speakers": "'arnaud_bailly'"},
        # new Date(2012, 6, 0) is the last day of June, as the page shows it.
        {"id": "2011_06_23", "title": "Lancement", "y": 2012, "m0": 6, "d": 0,
         "place": "eklo", "speakers": ""}))
    write({"index.html": "<html ng-app='nantesjug'></html>\n",
           "scripts/app.js": "angular.module('nantesjug', []);\n",
           "scripts/data/events.js": f"/*jshint unused: false */\nvar njEvents = [\n{events}];\n",
           "scripts/data/places.js": """\
               var njPlaces = [
                   { id: 'eklo', name: 'Eklo Nantes', address: '1 rue X' },
                   { id: 'onepoint', name: 'OnePoint', address: '2 rue Y' },
               ];
           """,
           "scripts/data/speakers.js": """\
               var njSpeakers = [
                   { id: 'axel_toubiou', fullname: 'Axel Toubiou', name: 'Axel Toubiou' },
                   { id: 'stephane_nicoll', name: 'Stéphane Nicoll' },
                   { id: 'arnaud_bailly', name: 'Arnaud Bailly' },
               ];
           """})
    out, rows = init_and_list("--timezone", "Europe/Paris")
    assert "3 events in scripts/data/events.js" in out
    got = [(r["title"], r["start"], r["location"], r["speakers"]) for r in rows]
    assert got == [
        ("Lancement", "2012-06-30T19:00:00+02:00", "Eklo Nantes", []),
        ("Soirée Git", "2026-04-29T19:00:00+02:00", "OnePoint", ["Arnaud Bailly"]),
        ("L'IA au quotidien", "2026-06-11T19:00:00+02:00", "Eklo Nantes",
         ["Axel Toubiou", "Stéphane Nicoll"])]


def test_a_typescript_module_of_events_as_an_api_returned_them() -> None:
    # Newwwie: "export const events: readonly EventItem[] = [{ "event": {...}, "group":
    # {...} }]", generated from the Meetup API; the event's facts one table down.
    entries = [{"event": {"title": f"Night {n}", "dateTime": f"2025-0{n}-20T17:30+10:00",
                          "description": "Pizza first.\n\nMatt Parker will present Photino.",
                          "duration": "PT2H", "venue": {"name": "Q Building",
                                                        "address": "1 University Dr"}},
                "group": {"name": "Newcastle Coders", "urlname": "ncg"}} for n in (4, 5, 6)]
    write({"package.json": '{"dependencies": {"preact": "10"}}',
           "src/js/events/types.ts": "export type EventItem = { event: unknown };\n",
           "src/js/events/events-data.ts":
               '// Auto Generated\nimport { type EventItem } from "./types";\n\n'
               f"export const events: readonly EventItem[] = {json.dumps(entries, indent=2)};\n"})
    out, rows = init_and_list("--timezone", "Australia/Sydney")
    assert "3 events in src/js/events/events-data.ts" in out
    assert next((r["title"], r["start"], r["end"], r["location"]) for r in rows) == (
        "Night 4", "2025-04-20T17:30:00+10:00", "2025-04-20T19:30:00+10:00", "Q Building")
    # Its text, one table down too, is the event's: the speaker it names is read, unsure.
    assert (rows[0]["speakers"], "speakers" in rows[0]["unsure"]) == (["Matt Parker"], True)


def test_literals_are_read_and_code_is_left_out_never_run() -> None:
    arrays, lines = read_script_data(textwrap.dedent("""\
        const talks = [
          { when: new Date(2026, 11, 31, 18, 30), title: 'A \\'quoted\\' \\u00e9', n: -2,
            speaker: someone.name, note: `x ${1 + 1}`, ok: true },
          { when: new Date(2026, 12, 1), title: "B", },
        ] as const;
        export default [{ day: "2026-01-02" }];
        function f() { return [ { notData: 1 } ]; }
    """))
    assert arrays["talks"] == [
        {"when": datetime(2026, 12, 31, 18, 30), "title": "A 'quoted' é", "n": -2,
         "speaker": None, "note": None, "ok": True},
        {"when": date(2027, 1, 1), "title": "B"}]
    assert lines["talks"] == [(2, 3), (4, 4)]
    assert arrays["default"] == [{"day": "2026-01-02"}]
    assert set(arrays) == {"talks", "default"}  # an array inside a function is code


@pytest.mark.parametrize("text", ["var x = [{ a: 'unterminated }];", "var x = [" * 5000,
                                  "var x = [{ a: new Date(", "\x00\x01 var x = [{}]",
                                  "[ /* " * 20000 + "2026-01-01"])
def test_a_broken_module_is_no_data_and_stops_nothing(text: str) -> None:
    # No array it can read: nothing, or the reader's own error (the file is reported, the
    # others read on); never a crash, never a freeze on an open comment.
    from announce.sources.frontmatter import FrontMatterError

    try:
        arrays, _lines = read_script_data(text)
    except FrontMatterError:
        return
    assert all(isinstance(v, list) for v in arrays.values())
