"""Acceptance: announce init alone, on every corpus site, against the hand-read facts.

For each site of ``../shared/corpus/sites/facts.json``: ``announce init --timezone ZONE``
on a copy (the zone is the organizer's answer), then ``announce list --all --json``, and
each fact (start instant, title, venue, speakers) judged right, unsure (marked so: send
refuses an unsure start or title) or wrong, i.e. silently wrong: it would reach the list.
``make score`` prints the same judgement as a table.

A fact announce does not get right yet is listed in KNOWN_GAPS with why; the test fails
when a fact not listed there is silently wrong, and when a listed one has become right or
unsure (so that the list only shrinks). A site announce cannot read at all is not silent: init and
check stop with an error naming what is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pytest

from .sites import corpus_sites, read_site, verdicts

pytestmark = pytest.mark.slow

# (site folder, fact key, field) -> why announce gets it wrong today.
KNOWN_GAPS: Final[dict[tuple[str, str, str], str]] = {
    ("parisjs-parisjs-website", "2022-09-28", "speakers"):
        "facts.json says the talks' authors are empty; the file names three (reported)",
}


def test_every_fact_is_right_or_marked_unsure(tmp_path: Path) -> None:
    silently_wrong: dict[tuple[str, str, str], str] = {}
    now_right: list[tuple[str, str, str]] = []
    right = total = 0
    for site in corpus_sites():
        reading = read_site(site, tmp_path)
        for key, fact in site.facts.items():
            for field, verdict in verdicts(reading, key, fact).items():
                total += 1
                right += verdict == "right"
                where = (site.name, key, field)
                if verdict == "wrong" and where not in KNOWN_GAPS:
                    silently_wrong[where] = verdict
                if verdict != "wrong" and where in KNOWN_GAPS:
                    now_right.append(where)
    assert silently_wrong == {}, "silently wrong: would reach the list"
    assert now_right == [], "right or marked unsure now: take them out of KNOWN_GAPS"
    # Three facts in four right at least (make score prints the table): a ratchet.
    assert right * 4 >= total * 3, (right, total)


def test_a_site_announce_cannot_read_stops_check_with_an_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from announce.cli import cli

    from .sites import init_copy

    unreadable = [site for site in corpus_sites() if read_site(site, tmp_path) is None]
    for site in unreadable:
        config = init_copy(site, tmp_path / "check")
        if config is None:
            continue  # init itself said no events folder was found
        result = CliRunner().invoke(cli, ["check", "--config", str(config)])
        assert result.exit_code == 1, (site.name, result.output)
        assert "events folder not found" in result.output or "No event loaded" in \
            result.output, (site.name, result.output)
