"""What ``announce init`` infers from a site: its generator, events folder and key map.

Every Markdown file's front matter is read once; the events folder is the deepest folder
that holds (nearly) all files with a start date; for each field of the key map, the
candidate keys that the event files really use are kept, in the default order; ids that
events give for venues, speakers and groups are matched against the record folders and
data files the site has. Nothing here writes: :mod:`announce.init` does.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .evidence import date_candidates, role_of, utc_written, written_offsets
from .evidence import date_paths as _date_paths
from .folders import events_folder
from .frontmatter import Document, FrontMatterError, YamlDialect
from .inference import Inference
from .inferfacts import (
    body_dated,
    candidates_for,
    clock_keys,
    infer_body_fields,
    infer_not_speakers,
    joined_keys,
    meetup_group,
    shown_title,
    times_of_day,
)
from .inferlookups import infer_lookups, infer_shortcode_people
from .keymap import DEFAULT_KEYS, MISSING, get_path
from .nonevents import infer_exclude
from .profiles import GENERIC, detect_generator
from .readers import PAGE_SUFFIXES, read_page
from .richtext import with_rich_text_body
from .templates import ROLES, read_templates

__all__ = ["Inference", "infer_site"]

# Folders a site never keeps its own content in.
_SKIP_DIRS = frozenset({"node_modules", "vendor", "_site", "public", "dist", "site",
                        "resources", "themes", "assets", "static", "images", "img",
                        "layouts", "_layouts", "_includes", "__pycache__"})
# Fields whose keys init writes only when the site uses them.
_MAPPED = ("title", "start", "start_time", "end", "end_time", "duration", "timezone",
           "venue", "venue_address", "venue_url", "venue_map", "online_url", "speakers",
           "speaker_bio", "speaker_link", "talk_title", "rsvp", "meetup_id", "meetup_group",
           "image", "image_alt", "type",
           "cancelled", "group", "language")
_MAX_FILES = 20_000


def _markdown_files(root: Path, html: bool = False) -> Iterator[Path]:
    count = 0
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(d for d in folders
                            if not d.startswith(".") and d not in _SKIP_DIRS)
        # A Jekyll collection's .html pages with front matter are pages too (_posts/x.html).
        in_collection = html and any(part.startswith("_") for part in
                                     Path(directory).relative_to(root).parts)
        for name in sorted(files):
            if name.endswith(PAGE_SUFFIXES) or (
                    in_collection and name.endswith(".html")):
                count += 1
                if count > _MAX_FILES:
                    return
                yield Path(directory) / name


def _read_all(root: Path, dialect: YamlDialect, html: bool = False) -> list[Document]:
    documents = []
    for path in _markdown_files(root, html):
        try:
            documents.append(with_rich_text_body(read_page(path, dialect)))
        except FrontMatterError:
            continue
    return documents


def _has(data: Mapping[str, Any], path: str) -> bool:
    value = get_path(data, path)
    return value is not MISSING and value is not None and value != "" and value != []


def _start_paths(data: Mapping[str, Any], candidates: tuple[str, ...] = DEFAULT_KEYS["start"]
                 ) -> list[str]:
    return [path for path in candidates if _has(data, path)]


def in_events_paths(events: list[Document]) -> set[str]:
    """The date key paths the event files have."""
    return {path for d in events for path, _timed in _date_paths(d.data)}


def _is_section(path: Path) -> bool:
    return path.stem in ("_index",) or path.stem.startswith("_")


def infer_site(root: Path) -> Inference:
    """Read the site at ``root`` and infer how announce should read it."""
    generator, site = detect_generator(root), root
    if generator is GENERIC:
        # A site kept in a folder of the repository ("page/hugo.toml", "docs/mkdocs.yml").
        for folder in sorted(p for p in root.iterdir() if p.is_dir()
                             and not p.name.startswith(".") and p.name not in _SKIP_DIRS):
            found = detect_generator(folder)
            if found is not GENERIC:
                generator, site = found, folder
                break
    config = generator.config(site)
    result = Inference(root=root, generator=generator, config=config,
                       site_dir="" if site == root else site.relative_to(root).as_posix())
    documents = [d for d in _read_all(root, generator.yaml, generator.html_pages)
                 if not _is_section(d.path)]
    # The keys that hold dates, judged by their values: a site's own names work too.
    # What the site's own templates show, and as what (see templates.py).
    result.templates = read_templates(site)
    ties: list[str] = []
    ranked = date_candidates([d.data for d in documents], DEFAULT_KEYS["start"],
                             result.templates, ties)
    # The default names after them: dates written as words ("April 26, 2015").
    result.start_candidates = (*ranked, *(k for k in DEFAULT_KEYS["start"] if k not in ranked))
    result.date_keys = tuple(ranked)
    dated = [d for d in documents if _start_paths(d.data, result.start_candidates)]
    shown = _shown_start(result)
    if shown is not None:
        # The templates show this key as the start, and no other: the pages that have it
        # are the events; the others' dates are when they were posted (a blog, a gallery).
        dated = [d for d in dated if _has(d.data, shown)] or dated
    by_name = [d for d in documents if _FILE_DATE.match(_page_name(d.path))]
    if _from_data(result, dated, by_name):
        return result
    if len(by_name) > max(2, 2 * len(dated)):
        # Zola's and Jekyll's convention: the date is the file name's ("2026-07-14-x.md").
        dated = by_name
        result.keys["start"] = ("file:date",)
        result.notes.append(f"{len(by_name)} files give their date only in their name: "
                            "the start is read from it (start = \"file:date\")")
    if len(dated) < 3:
        # No dates in front matter: pages that say when on a labelled line of their text
        # ("* 날짜: 2025. 9. 18", an event card's "Fecha").
        label, in_text = body_dated(documents)
        if len(in_text) > len(dated):
            dated = [*dated, *(d for d in in_text if d not in dated)]
            result.body_start = f"body:{label}"
            result.notes.append(f"{len(in_text)} pages say when in their text ({label}): "
                                f"the start is read from there (start = \"body:{label}\")")
    if not dated:
        result.notes.append("no Markdown file with a start date in its front matter or a "
                            "labelled line of its text: set [content] events and "
                            "[content.keys] start by hand")
        return result
    from .datafind import is_slide_deck

    # A slide deck's page is dated too ("layout: slide", a _slides/ collection): no event.
    dated = [d for d in dated if not is_slide_deck(d, root)] or dated
    events_dir = events_folder(root, [d.path for d in dated])
    result.events = events_dir.relative_to(root).as_posix() if events_dir != root else "."
    in_events = [d for d in dated if d.path.is_relative_to(events_dir)]
    all_in_events = [d for d in documents if d.path.is_relative_to(events_dir)]
    result.events_count = len(in_events)
    _infer_keys(result, in_events)
    clock_keys(result, in_events, {d.path for d in by_name})
    if ties and ties[0] in in_events_paths(in_events) and \
            result.keys.get("start", ("",))[0] != ties[0]:
        result.alternatives["start"] = ties[0]
    if result.body_start:  # after the keys the few dated files have, if any
        result.keys["start"] = (*result.keys.get("start", ()), result.body_start)
    infer_not_speakers(result, in_events)
    result.expect = tuple(fact for fact in ("speakers", "venue")
                          if fact not in result.keys and result.templates.shows(fact))
    _infer_times(result, in_events)
    starts = result.keys.get("start", ())
    start_values = [next((get_path(d.data, p) for p in starts if _has(d.data, p)), None)
                    for d in in_events]
    result.utc_written = utc_written(start_values)
    result.offsets = written_offsets(start_values)
    infer_lookups(result, in_events, _SKIP_DIRS)
    infer_shortcode_people(result, in_events)
    infer_exclude(result, events_dir, all_in_events, in_events, _shown_start(result))
    infer_body_fields(result, events_dir, all_in_events, in_events)
    if "meetup_id" in result.keys:
        result.meetup_group = meetup_group(root, config)
    return result


def _shown_start(result: Inference) -> str | None:
    """The date key that says it is the event's start when no other does: the site's
    templates show it as the start, or its words say so ("Event-start", "meetingDate")
    and the templates show no other as one. None when nothing tells it from the rest."""
    ranked = list(result.date_keys)
    if not ranked:
        return None
    templates = result.templates
    if any(templates.score(p, "start") > 0 for p in ranked[1:]):
        return None
    if templates.score(ranked[0], "start") > 0:
        return ranked[0]
    if role_of(ranked[0]) > 0 and templates.score(ranked[0], "start") == 0 and \
            all(role_of(p) <= 0 for p in ranked[1:]):
        return ranked[0]
    return None


def _from_data(result: Inference, dated: list[Document], by_name: list[Document]) -> bool:
    """Events kept as data entries (see .datafind), when they outnumber the dated pages."""
    from .datafind import find_data_events, is_slide_deck, own_title

    pages = [d for d in dated if not is_slide_deck(d, result.root)]
    found = find_data_events(result.root, result.generator.yaml, _SKIP_DIRS,
                             max(len(pages), len(by_name)), result.templates.event_loops,
                             result.templates.imported_data)
    if found is None:
        return False
    result.events, result.events_count = found.spec, len(found.documents)
    # The entries' own date keys (a start kept in parts, "jahr-monat-tag+start"), ranked
    # as the pages' were.
    ranked = date_candidates([d.data for d in found.documents], DEFAULT_KEYS["start"],
                             result.templates)
    result.start_candidates = (*ranked, *(k for k in result.start_candidates
                                          if k not in ranked))
    result.date_keys = tuple(ranked)
    result.notes.append(found.note + (f"; the {len(dated)} Markdown files with a date are "
                                      "not read as events" if dated else ""))
    # The same means as for front matter: the entries' keys are the key map's.
    _infer_keys(result, found.documents)
    infer_not_speakers(result, found.documents)
    title = own_title(found.documents, result.keys.get("title", ()))
    if title:
        result.keys["title"] = (title, *result.keys["title"])
        result.notes.append(f"{result.keys['title'][1]} is the same in most entries (a series' "
                            f"name): the title is read from {title} first")
    _infer_times(result, found.documents)
    infer_lookups(result, found.documents, _SKIP_DIRS)
    return True


_FILE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[-_]|$)")


def _page_name(path: Path) -> str:
    return path.parent.name if path.stem in ("index", "_index", "event") else path.stem


def _infer_keys(result: Inference, events: list[Document]) -> None:
    total = len(events)
    for name in _MAPPED:
        if name in result.keys:
            continue
        candidates = candidates_for(result, events, name)
        present = Counter(path for d in events for path in candidates
                          if _has(d.data, path))
        if not present:
            continue
        chosen: list[str] = []
        covered = 0
        for path in candidates:
            if path not in present:
                continue
            chosen.append(path)
            covered = sum(1 for d in events if any(_has(d.data, p) for p in chosen))
            if covered == total:
                break
        if name in ("start_time", "end_time"):
            chosen = times_of_day(result, events, name, chosen)
        if chosen:
            result.keys[name] = tuple(chosen)
    joined_keys(result, events)
    shown_title(result, events)
    _time_keys(result, events)
    if "end" not in result.keys and "end_time" not in result.keys:
        # A date key of the site's own name that says it is the end ("Event-end",
        # "ende"), in most files: the end, rather than the start plus the usual length.
        ends = [p for p in result.date_keys if _ENDISH.search(p)
                and sum(_has(d.data, p) for d in events) * 2 >= total]
        if ends:
            result.keys["end"] = (ends[0],)
    shown = _shown_start(result)
    starts = result.keys.get("start", ())
    if shown is not None and starts and starts[0] == shown and len(starts) > 1:
        # Another date key is no stand-in for the one the templates show as the start:
        # a page without it states no start (check names it), not its posting date.
        result.keys["start"] = (shown,)
        result.notes.append(
            f"the site's templates show {shown} as the start, and not "
            f"{' or '.join(starts[1:])} (a posting date): pages without {shown} have no start")
    # A date key that only some files have next to a better one is their post date.
    if "start" in result.keys and len(result.keys["start"]) > 1:
        result.notes.append(
            f"the start is read from {' or '.join(result.keys['start'])} (the first a file "
            "has)")


_ENDISH = re.compile(r"(?:^|[._\-\s])(?:[Ee]nds?|[Ee]nde|[Ff]in|[Uu]ntil|[Bb]is|[Ss]top|"
                     r"[Ff]inish)(?:$|[._\-\s]|[Dd]ate|[Tt]ime|[Zz]eit|[Dd]atum)|[Dd]t[Ee]nd|"
                     r"(?<=[a-z])End(?:$|[A-Z_.])")


# A length written as a time ("duration: '2:00'") is no time of day.
_LENGTH = re.compile(r"(?i)dura|length|dauer|länge|lange|longueur|durée|duración|durata|duur")


def _is_time_of_day(value: str) -> bool:
    """Whether ``value`` is a time of day alone, as the reader reads a start_time."""
    from .clock import DateProblem, parse_time_of_day

    try:
        parse_time_of_day(value)
    except DateProblem:
        return False
    return True


def _time_keys(result: Inference, events: list[Document]) -> None:
    """Keys of the site's own names holding a time of day alone in most files
    (``time_start: '18:00'``, ``time_end: '21:00'``): the start's and the end's time when
    the map has none, told apart by their words."""
    if "start_time" in result.keys and "end_time" in result.keys:
        return
    counts: Counter[str] = Counter()
    for document in events:
        for key, value in document.data.items():
            if isinstance(key, str) and isinstance(value, str) and _is_time_of_day(value):
                counts[key] += 1
    found = [k for k, n in counts.items() if n * 2 >= len(events)]
    ends = [k for k in found if _ENDISH.search(k) and not _LENGTH.search(k)]
    # (A time the doors open is not the start: "doors: '18:30'", "einlass".)
    starts = [k for k in found if k not in ends and role_of(k) >= 0
              and not ROLES["doors"].search(k.replace("_", " ")) and not _LENGTH.search(k)]
    # (A doors key of the newer files only, "doors_open: '17:30'" since 2025, counts too:
    # a file without it is no less unsure.)
    doors = [k for k, n in counts.items() if n >= min(3, len(events)) and k not in ends
             and ROLES["doors"].search(k.replace("_", " "))]
    if "start_time" not in result.keys and len(starts) == 1:
        result.keys["start_time"] = (starts[0],)
    elif "start_time" not in result.keys and not starts and len(doors) == 1 and \
            _dates_alone(result, events):
        # The only time of day the files give is when the doors open: the evening starts
        # then, for a calendar (as the site's own calendar feeds have it).
        result.keys["start_time"] = (doors[0],)
        result.notes.append(f"the only time of day the events give is {doors[0]} (when the "
                            "doors open): read as the start")
    if "end_time" not in result.keys and "end" not in result.keys and len(ends) == 1:
        result.keys["end_time"] = (ends[0],)


def _dates_alone(result: Inference, events: list[Document]) -> bool:
    """Whether the start key holds a date without a time of day in most files."""
    import datetime as dt

    values = [get_path(d.data, p) for d in events for p in result.keys.get("start", ())[:1]
              if _has(d.data, p)]
    alone = sum(1 for v in values if (isinstance(v, dt.date) and not isinstance(
        v, dt.datetime)) or (isinstance(v, str) and _DATE_ONLY.match(v)))
    return bool(values) and alone * 2 >= len(values)


_DATE_ONLY = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*(\([^)]*\))?\s*$")


def _infer_times(result: Inference, events: list[Document]) -> None:
    import datetime as dt

    starts = result.keys.get("start", ())
    times = result.keys.get("start_time", DEFAULT_KEYS["start_time"])
    date_only = 0
    for document in events:
        value = next((get_path(document.data, p) for p in starts if _has(document.data, p)),
                     _page_name(document.path)[:10] if "file:date" in starts else None)
        has_time_key = any(_has(document.data, p) for p in times)
        if has_time_key:
            continue
        if (isinstance(value, dt.date) and not isinstance(value, dt.datetime)) or (
                isinstance(value, str) and _DATE_ONLY.match(value)):
            date_only += 1
    result.date_only = date_only
