"""Which folder of a site holds its events, for ``announce init``: the deepest folder with
most of the dated pages, a folder named for events when one holds most of them, and never
a year's folder or one event's bundle."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

__all__ = ["events_folder"]


def events_folder(root: Path, paths: list[Path]) -> Path:
    """The deepest folder that holds at least 80% of the dated files."""
    counts: Counter[Path] = Counter()
    for path in paths:
        for parent in path.parents:
            counts[parent] += 1
            if parent == root:
                break
    wanted = 0.8 * len(paths)
    best = root
    for folder, count in counts.items():
        if count >= wanted and len(folder.parts) > len(best.parts):
            best = folder
    # A folder named for events ("events", "meetups", "spotkania") that holds most of them
    # wins: the dated pages beside it are the site's others (legal pages, a blog).
    named = [f for f, count in counts.items() if count >= 0.6 * len(paths)
             and f.name.lstrip("_").casefold() in _EVENT_FOLDERS and f.is_relative_to(best)]
    if named:
        best = max(named, key=lambda f: (counts[f], len(f.parts)))
    # A bundle folder of its own ("events/2026-01-27/") is one event, not the folder;
    # a year folder ("events/2027/") is where this season's talks happen to be.
    bundles = {p.parent for p in paths if p.stem in ("index", "event")}
    while best != root and (_YEARISH.match(best.name) or best in bundles or (
            len(paths) > 1 and best in {p.parent for p in paths} and counts[best] == 1)):
        best = best.parent
    return best


_YEARISH = re.compile(r"^(?:19|20)\d\d(?:-\d\d)?$")
# What sites call their events folder, in the languages of the sites seen and nearby.
_EVENT_FOLDERS = frozenset({
    "events", "event", "meetups", "meetup", "talks", "sessions", "meetings", "termine",
    "veranstaltungen", "treffen", "evenements", "événements", "rencontres", "eventos",
    "eventi", "incontri", "evenementen", "bijeenkomsten", "spotkania", "wydarzenia",
    "encontros", "イベント", "勉強会"})
