"""What ``announce init`` infers from the pages' text and from values across a site:
dates on labelled lines, speaker values that name nobody, the site's Meetup group.

Split from :mod:`.infer`, which finds the events and their keys; these read what the
pages say around the keys.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from .frontmatter import Document
from .keymap import MISSING, get_path
from .lookup import text_of
from .profiles import SiteConfig

if TYPE_CHECKING:
    from .infer import Inference

__all__ = ["body_dated", "candidates_for", "infer_body_fields", "infer_not_speakers",
           "joined_keys", "meetup_group", "shown_title", "times_of_day"]


def _has(data: object, path: str) -> bool:
    value = get_path(data, path)
    return value is not MISSING and value is not None and value != "" and value != []


def body_dated(documents: list[Document], least: int = 3) -> tuple[str, list[Document]]:
    """The date label most pages use in their text, and the pages it dates (at least
    ``least`` of them, else none)."""
    import datetime as dt

    from .bodyfields import DATE_LABELS, labelled_value, split_range
    from .dates import DateProblem, parse_when

    best: tuple[str, list[Document]] = ("", [])
    for label in DATE_LABELS:
        found = []
        for document in documents:
            value = labelled_value(document.body, label)
            if value is None:
                continue
            try:
                parse_when(split_range(value)[0], tz=dt.UTC, default_time=dt.time(0))
            except DateProblem:
                continue
            found.append(document)
        if len(found) > len(best[1]):
            best = (label, found)
    return best if best[1] and len(best[1]) >= least else ("", [])


def infer_body_fields(result: Inference, events_dir: Path, documents: list[Document],
                      dated: list[Document]) -> None:
    """Dates (and places) that most undated event files write in a labelled body line."""
    from .bodyfields import VENUE_LABELS, labelled_value

    dated_paths = {d.path for d in dated}
    excluded = result.exclude
    undated = [d for d in documents if d.path not in dated_paths
               and d.path.stem not in ("_index",) and not any(
                   fnmatch.fnmatchcase(d.path.relative_to(events_dir).as_posix(), p)
                   for p in excluded)]
    if len(undated) < max(3, len(dated) // 10):
        return
    label, found = body_dated(undated, least=max(1, len(undated) // 2))
    if not found:
        return
    result.keys["start"] = (*result.keys.get("start", ()), f"body:{label}")
    result.events_count += len(found)
    result.notes.append(f"{len(found)} of {len(undated)} files without a date in their front "
                        f"matter say when in the body ({label}): read from there")
    if "venue" not in result.keys:
        for venue_label in VENUE_LABELS:
            if sum(1 for d in undated if labelled_value(d.body, venue_label)) \
                    >= len(found) // 2:
                result.keys["venue"] = (f"body:{venue_label}",)
                break


def infer_not_speakers(result: Inference, events: list[Document]) -> None:
    """A speaker value on more than 70% of six or more events is no speaker: the page's
    author (a post's ``author``), or a placeholder ("Alle": everyone). Speakers change
    from talk to talk; who writes the pages does not (an organizer who often speaks, on
    two thirds of the talks, stays a speaker)."""
    paths = result.keys.get("speakers", ())
    if len(events) < 6 or not paths:
        return
    counts: Counter[str] = Counter()
    for document in events:
        path = next((p for p in paths if _has(document.data, p)), None)
        if path is None:
            continue
        value = get_path(document.data, path)
        names = {text_of(v) for v in (value if isinstance(value, list) else [value])
                 if isinstance(v, str | int)}
        counts.update(n for n in names if n)
    constant = tuple(sorted(name for name, n in counts.items() if n > 0.7 * len(events)))
    if constant:
        result.not_speakers = constant
        result.notes.append(
            f"{', '.join(repr(c) for c in constant)} is the speaker of nearly every event: read as "
            "no speaker (the page's author or a placeholder; [content] not_speakers)")


_MEETUP_GROUP = re.compile(
    r"meetup\.com/(?:[a-z]{2}-[A-Z]{2}/)?([A-Za-z0-9][\w-]+)/?(?:events/|[\"'\s]|$)")
_TEMPLATE_SUFFIXES = (".html", ".njk", ".liquid", ".astro", ".jsx", ".tsx", ".vue", ".toml",
                      ".yml", ".yaml", ".json", ".hbs", ".ejs")


def meetup_group(root: Path, config: SiteConfig) -> str:
    """The Meetup group the site's layouts or config link to, for events with a meetup_id."""
    found: Counter[str] = Counter()
    scanned = 0
    for directory, folders, files in os.walk(root):
        folders[:] = [d for d in folders if not d.startswith(".") and d != "node_modules"]
        for name in files:
            if not name.endswith(_TEMPLATE_SUFFIXES) or scanned > 400:
                continue
            scanned += 1
            path = Path(directory) / name
            try:
                if path.stat().st_size > 200_000:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            found.update(g for g in _MEETUP_GROUP.findall(text)
                         if g.lower() not in ("find", "topics", "cities", "pro", "members"))
    return found.most_common(1)[0][0] if found else ""




# The template role that says a field's key: see templates.ROLES.
_TEMPLATE_ROLE = {"title": "title", "venue": "venue", "speakers": "speakers", "rsvp": "rsvp"}


def candidates_for(result: Inference, events: list[Document], name: str) -> tuple[str, ...]:
    """The key paths that may hold field ``name``, the likeliest first: the usual names the
    site's templates show in that role; the other usual names; keys of the site's own names
    that the templates show in that role ({{ page.spot }} beside "Ort"); then keys whose
    words name the field. init takes them in this order until every event has one."""
    from .evidence import person_candidates, text_candidates
    from .keymap import DEFAULT_KEYS

    usual = result.start_candidates if name == "start" else DEFAULT_KEYS[name]
    worded: list[str] = []
    if name in ("title", "venue", "venue_address"):
        worded = text_candidates([d.data for d in events], name)
    elif name == "speakers":
        # Lists of talks whose people the site names its own way come first.
        usual = (*(p for p in person_candidates([d.data for d in events]) if p not in usual),
                 *usual)
    role = _TEMPLATE_ROLE.get(name)
    templates = result.templates
    if role is None or not templates.roles:
        return (*usual, *(p for p in worded if p not in usual))
    taken = {p for paths in result.keys.values() for p in paths}
    shown = [variant for p in templates.roles if templates.best_role(p) == role
             for variant in (p, f"params.{p}", f"extra.{p}")
             if variant not in taken and variant not in usual and _fits(events, variant, name)]
    first = [p for p in usual if templates.score(p, role) > 0]
    ordered = [*first, *(p for p in usual if p not in first), *shown]
    return (*ordered, *(p for p in worded if p not in ordered))


def _fits(events: list[Document], path: str, name: str) -> bool:
    """Whether ``path`` holds values of the shape field ``name`` takes in most files that
    have it: a title or venue is one short line of text, not a date; speakers are text."""
    values = [get_path(d.data, path) for d in events if _has(d.data, path)]
    if len(values) * 2 < len(events):
        return False
    if name == "speakers":
        return all(isinstance(v, str | list) for v in values)
    if name == "venue" and _ADDRESS_WORD.search(path):
        return False  # "location.full_address" is the venue's address, not its name
    # One short line with words in it: not a date, a number or a link.
    return all(isinstance(v, str) and 0 < len(v) <= 150 and "\n" not in v.strip()
               and not _ISO_START.match(v) and any(c.isalpha() for c in v)
               and not v.lstrip().startswith(("http://", "https://", "/")) for v in values)


_ADDRESS_WORD = re.compile(r"(?i)(?:address|adresse|street|direcci|indirizzo|anschrift)")
_ISO_START = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}")


def times_of_day(result: Inference, events: list[Document], name: str,
                  chosen: list[str]) -> list[str]:
    """The keys of ``chosen`` that hold a time of day alone, as their name says. A key
    named for a time that holds whole dates and times in most files (``end_time:
    2023-12-09 18:00:00 +09:00``) is the start's or the end's date instead, when the map
    has none."""
    kept = []
    for path in chosen:
        values = [get_path(d.data, path) for d in events if _has(d.data, path)]
        clocks = sum(isinstance(v, str) and _is_clock(v) for v in values)
        if clocks * 2 >= len(values):
            kept.append(path)
            continue
        whole = name.removesuffix("_time")
        if whole not in result.keys and sum(_is_date_and_time(v) for v in values) * 2 \
                >= len(values):
            result.keys[whole] = (path,)
            result.notes.append(f"{path} holds dates and times, not times of day alone: "
                                f"read as the {'start' if whole == 'start' else 'end'}")
    return kept


def _is_date_and_time(value: object) -> bool:
    """Whether ``value`` is a date with a time of day, as the reader reads a start."""
    import datetime as dt

    from .clock import DateProblem
    from .dates import parse_when

    if isinstance(value, dt.datetime):
        return True
    try:
        return isinstance(value, str) and parse_when(value, tz=dt.UTC).has_time
    except DateProblem:
        return False


def _is_clock(value: str) -> bool:
    from .clock import DateProblem, parse_time_of_day

    try:
        parse_time_of_day(value)
    except DateProblem:
        return False
    return True


# The records a data file's name says it holds, by the field that names them by id.
_RECORDS = {"venue": ("venues", "locations", "places", "venue", "location", "place",
                      "locais", "lugares", "orte", "lieux", "luoghi"),
            "speakers": ("speakers", "people", "presenters", "persons", "speaker",
                         "sprecher", "referenten", "palestrantes", "ponentes")}


def joined_keys(result: Inference, events: list[Document]) -> None:
    """Keys the site's templates look a venue or speaker up by, in a data file of venues
    or speakers (``site.data.venues | where: "id", page.venue_id``, ``index
    .Site.Data.speakers .Params.speaker``): the field's key, when the map has none, and
    and the data file as where those records are looked up."""
    for key, data in result.templates.joins.items():
        name = data.rsplit(".", 1)[-1].casefold()
        for field_name, names in _RECORDS.items():
            if name in names and field_name not in result.keys and any(
                    _has(d.data, key) for d in events):
                result.keys[field_name] = (key,)
                spec = _data_file(result, data)
                if spec is not None:
                    result.lookups[field_name] = spec
                result.notes.append(f"the site's templates look {key} up in its data "
                                    f"({data}): the {field_name} by id")


def _data_file(result: Inference, data: str) -> str | None:
    """The data file a template's ``site.data.venues`` is, as a [content.lookup] spec."""
    from .lookup import DATA_SUFFIXES

    for folder in result.generator.data_dirs or ("_data", "data"):
        base = result.root / result.site_dir / folder / data.replace(".", "/")
        for suffix in DATA_SUFFIXES:
            path = base.with_name(base.name + suffix)
            if path.is_file():
                return path.relative_to(result.root).as_posix()
    return None


def shown_title(result: Inference, events: list[Document]) -> None:
    """A site whose pages have no title key, whose templates build the title of words and
    a key (``<h1>Paris.js #{meetup.edition}</h1>``): that text, when most events have the
    key, rather than a title made of the file's name."""
    from .keymap import text_value

    if "title" in result.keys:
        # The site's own calendar names its events with words around the title key
        # ("SUMMARY:Wolust {{ t.meeting }}"): as the calendar does.
        key = result.keys["title"][0]
        for text, _count in result.templates.calendar_titles.most_common():
            if text != f"{{{key}}}" and f"{{{key}}}" in text:
                result.keys["title"] = (f"text:{text}", *result.keys["title"])
                result.notes.append(f"the site's calendar names its events {text!r}")
                return
        return
    for text, _count in result.templates.title_texts.most_common():
        path = f"text:{text}"
        if sum(text_value(d.data, path) is not MISSING for d in events) * 2 >= len(events):
            result.keys["title"] = (path,)
            result.notes.append(f"the site's templates show the title as {text!r}")
            return


def clock_keys(result: Inference, events: list[Document], named: set[Path]) -> None:
    """A start key the site's templates show only as a time of day (``{{ page.startDate |
    date: "%H:%M" }}``) while they show the page's own date as its day (Jekyll's
    ``page.date``, the file's name): the day is the file's, the time the key's, so a
    post copied with a stale day in the key is still read as its page shows it."""
    templates = result.templates
    starts = result.keys.get("start", ())
    if not starts or starts[0] == "file:date" or not templates.time_only(starts[0]):
        return
    if templates.roles.get("date", Counter())["dated"] == 0 or \
            sum(d.path in named for d in events) * 2 < len(events):
        return
    # The page's date: its own key where it has one, else its file's name (as Jekyll's).
    day = ("date", "file:date") if any("date" in d.data for d in events) else ("file:date",)
    result.keys["start"], result.keys["start_time"] = day, (starts[0],)
    ends = result.keys.pop("end", ())
    if ends and templates.time_only(ends[0]):
        result.keys["end_time"] = (ends[0],)
    elif ends:
        result.keys["end"] = ends
    result.notes.append(f"the site's templates show {starts[0]} as a time of day only, and "
                        "the page's date as the day: the start's day is the page's date, its "
                        f"time {starts[0]}'s")
