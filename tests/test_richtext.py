"""A page whose text is a rich-text tree in its front matter (Statamic's Bard, ProseMirror,
Portable Text) is read as its body: the mail shows it, and what it states is read."""

from __future__ import annotations

import email
import email.policy
import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from announce.cli import cli
from announce.sources.richtext import rich_text

BARD = """\
---
title: 'Tech Meetup'
date_start: '2027-03-21'
time_start: '18:00'
time_end: '21:00'
location: PAQT.com
content:
  -
    type: paragraph
    content:
      -
        type: text
        text: 'Donderdag 21 maart organiseert de foundation een meetup.'
  -
    type: paragraph
    content:
      -
        type: text
        marks:
          -
            type: bold
        text: Programma
      -
        type: hard_break
      -
        type: text
        text: '18:45 | Talk 1: Arlon Antonius - Duurzame software'
---
"""


def test_a_bard_tree_reads_as_markdown_lines() -> None:
    import yaml

    tree = yaml.safe_load(BARD.split("---")[1])["content"]
    assert rich_text(tree) == ("Donderdag 21 maart organiseert de foundation een meetup.\n\n"
                               "**Programma**\n\n18:45 | Talk 1: Arlon Antonius - Duurzame "
                               "software\n")


def test_portable_text_reads_too() -> None:
    tree = [{"_type": "block", "style": "h2", "children": [{"_type": "span", "text": "When"}]},
            {"_type": "block", "children": [{"_type": "span", "text": "At 19:00, "},
                                            {"_type": "span", "marks": ["strong"],
                                             "text": "Ann Lee"}]}]
    assert rich_text(tree) == "When\n\nAt 19:00, **Ann Lee**\n"


def test_a_page_whose_text_is_a_tree_is_mailed_and_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOUNCE_CONFIG", raising=False)
    events = Path("content/collections/events")
    events.mkdir(parents=True)
    for n, day in ((1, 21), (2, 22), (3, 23)):
        (events / f"meetup-{n}.md").write_text(BARD.replace("2027-03-21", f"2027-03-{day}")
                                               .replace("Tech Meetup", f"Meetup {n}"),
                                               encoding="utf-8")
    runner = CliRunner()
    init = runner.invoke(cli, ["init", "--yes", "--timezone", "Europe/Amsterdam"])
    assert init.exit_code == 0, init.output
    # The time of day is a key of the site's own name, found by its values and words.
    assert "start_time    <- time_start\n" in init.output
    assert "end_time      <- time_end\n" in init.output
    config = Path("announce.toml")
    config.write_text(config.read_text(encoding="utf-8").replace("# to = ", "to = ", 1),
                      encoding="utf-8")
    listed = runner.invoke(cli, ["list", "--json", "--now", "2027-03-01"])
    rows = json.loads(listed.stdout)
    assert (rows[0]["start"], rows[0]["end"]) == ("2027-03-21T18:00:00+01:00",
                                                  "2027-03-21T21:00:00+01:00")
    assert "speakers" in rows[0]["unsure"]  # "Talk 1: Arlon Antonius" names someone
    out = tmp_path / "m.eml"
    rendered = runner.invoke(cli, ["render", "meetup-1", "--kind", "announcement", "-o",
                                   str(out), "--now", "2027-03-01"])
    assert rendered.exit_code == 0, rendered.output
    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("plain",))
    assert part is not None
    assert "Donderdag 21 maart organiseert de foundation een meetup." in " ".join(
        part.get_content().split())


def test_a_time_the_doors_open_or_a_length_is_not_taken_for_the_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOUNCE_CONFIG", raising=False)
    events = Path("content/events")
    events.mkdir(parents=True)
    for n in (1, 2, 3):
        (events / f"e{n}.md").write_text(f"---\ntitle: E{n}\ndate: '2027-03-2{n}'\n"
                                         "doors: '18:00'\nduration: '2:00'\n"
                                         "location: Hall\n---\nText.\n",
                                         encoding="utf-8")
    init = CliRunner().invoke(cli, ["init", "--yes", "--timezone", "Europe/Amsterdam"])
    assert init.exit_code == 0, init.output
    # A length written as a time is no time of day; the doors, the only time the events
    # give, are when the evening starts for a calendar (the site's own feeds say so).
    assert "start_time    <- doors" in init.output
    assert "the only time of day the events give is doors" in init.output
    assert "end_time" not in init.output  # the length is a duration, no end time
