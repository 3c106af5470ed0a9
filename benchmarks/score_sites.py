"""Prints how many hand-read facts announce gets right on each corpus site.

For each site of ../shared/corpus/sites/facts.json: `announce init --timezone ZONE` on a
copy, `announce list --all --json`, and each fact (start instant, title, venue, speakers)
judged right, unsure (wrong or unknown, but marked so: send refuses an unsure start or
title) or wrong (silently: it would reach the list). `make score` runs it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sites import FIELDS, corpus_sites, find_event, read_site, verdicts


def main() -> int:
    totals = {"right": 0, "unsure": 0, "wrong": 0, "not read": 0}
    verbose = "-v" in sys.argv
    print(f"{'site':<48} {'events':>11} {'right':>6} {'unsure':>7} {'wrong':>6} "
          f"{'not read':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for site in corpus_sites():
            reading = read_site(site, Path(folder))
            rows = reading.rows if reading is not None else None
            counts = {"right": 0, "unsure": 0, "wrong": 0, "not read": 0}
            for key, fact in site.facts.items():
                row = find_event(rows or [], key)
                # A site announce cannot read at all stops init and check with an error:
                # nothing reaches the list, and the organizer is told.
                judged = verdicts(reading, key, fact)
                for name in FIELDS:
                    counts[judged[name]] += 1
                    if verbose and judged[name] != "right":
                        got = "no such event" if row is None else row.get(
                            {"venue": "location"}.get(name, name))
                        print(f"    {key} {name}: {judged[name]} (read {got!r})")
            loaded = "not read" if rows is None else f"{len(rows)}/{site.events}"
            print(f"{site.name[:48]:<48} {loaded:>11} {counts['right']:>6} "
                  f"{counts['unsure']:>7} {counts['wrong']:>6} {counts['not read']:>9}")
            for name in totals:
                totals[name] += counts[name]
    total = sum(totals.values())
    print(f"{'all sites':<48} {'':>11} {totals['right']:>6} {totals['unsure']:>7} "
          f"{totals['wrong']:>6} {totals['not read']:>9}")
    print(f"{100 * totals['right'] / total:.0f}% of {total} facts right; "
          f"{totals['wrong']} silently wrong")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
