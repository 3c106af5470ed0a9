"""Which pages in a site's events folder are no events, for ``announce init``: pages
beside the event folders, folders of pages with no dated file, a collection of posts
beside the events, test or sample data, and pages with only a posting date beside pages
that state the event's own start. Each becomes a ``[content] exclude`` pattern, said."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .evidence import date_paths as _date_paths
from .frontmatter import Document
from .keymap import DEFAULT_KEYS, MISSING, get_path

if TYPE_CHECKING:
    from .infer import Inference

__all__ = ["infer_exclude"]


def _has(data: Mapping[str, Any], path: str) -> bool:
    value = get_path(data, path)
    return value is not MISSING and value is not None and value != "" and value != []


_EVENT_FACTS = ("venue", "venue_address", "online_url", "rsvp", "start_time", "end", "end_time")


def _eventful(document: Document) -> bool:
    """Whether a page states one of an event's facts beside its date."""
    data = document.data
    if any(_has(data, path) for name in _EVENT_FACTS for path in DEFAULT_KEYS[name]):
        return True
    return any(timed for _path, timed in _date_paths(data))


_NOT_REAL = re.compile(r"^_?(?:test|tests|testing|sample|samples|example|examples|demo|"
                       r"demos|fixture|fixtures|dummy|mock|mocks|draft|drafts)(?:[-_]?[a-z]*)$",
                       re.IGNORECASE)


def infer_exclude(result: Inference, events_dir: Path, documents: list[Document],
                  dated: list[Document], shown: str | None) -> None:
    """Pages in the events folder with no start that are plainly no events."""
    dated_paths = {d.path for d in dated}
    undated = [d for d in documents if d.path not in dated_paths]
    patterns: list[str] = []
    for document in undated:
        relative = document.path.relative_to(events_dir)
        if relative.stem in ("index", "_index"):
            continue  # a section page: left out by rule already
        # Top-level pages next to the event folders (index.md, about.md) and reports.
        if len(relative.parts) == 1 and any(p.is_dir() for p in events_dir.iterdir()) \
                and all(len(d.path.relative_to(events_dir).parts) > 1 for d in dated):
            patterns.append(relative.as_posix())
        elif relative.name != "index.md" and len(relative.parts) > 1 and \
                (events_dir / relative.parent / "index.md").is_file():
            continue  # a bundle resource: left out by rule already
    # A folder below the events folder with no dated file at all holds pages (about/, legal/).
    dated_dirs = {parent for d in dated for parent in d.path.parents}
    for document in undated:
        relative = document.path.relative_to(events_dir)
        folder = events_dir / relative.parts[0]
        # A page bundle (a folder with its index.md) is an event that may say when elsewhere.
        if len(relative.parts) > 1 and folder not in dated_dirs and not any(
                (folder / page).is_file() for page in ("index.md", "event.md")):
            patterns.append(f"{relative.parts[0]}/*")
    # Beside the events, a collection of posts or articles: its pages have a date but none
    # of an event's facts (a venue, a time of day, a sign-up link, a speaker).
    by_folder: dict[str, list[Document]] = {}
    for document in dated:
        parts = document.path.relative_to(events_dir).parts
        if len(parts) > 1:
            by_folder.setdefault(parts[0], []).append(document)
    if len(by_folder) > 1:
        share = {name: sum(map(_eventful, docs)) / len(docs) for name, docs in by_folder.items()}
        if max(share.values()) >= 0.5:
            for name, value in share.items():
                if value <= 0.2 and len(by_folder[name]) >= 2:
                    patterns.append(f"{name}/*")
                    result.notes.append(
                        f"{events_dir.relative_to(result.root).as_posix()}/{name}/: "
                        f"{len(by_folder[name])} dated pages with no venue, time or speaker "
                        "(posts, not events): left out ([content] exclude)")
    # A folder named for test or sample data ("testmeetups/", "examples/") holds no real
    # events, dated or not: a site's development copy of its collection.
    for document in dated:
        parts = document.path.relative_to(events_dir).parts[:-1]
        for depth, part in enumerate(parts):
            if _NOT_REAL.match(part):
                patterns.append("/".join(parts[:depth + 1]) + "/*")
                break
    # Beside pages that state the event's own start key, a page with only a posting date
    # is a post (news, a status update): left out by name, and said.
    if shown is not None and result.keys.get("start") == (shown,):
        # (A page that writes the key in another case, "Date:", is a broken event, not
        # a post: check names it.)
        posts = [d for d in undated if not any(
                     isinstance(k, str) and k.casefold() == shown.casefold() for k in d.data)
                 and next(_date_paths(d.data), None) is not None
                 and d.path.relative_to(events_dir).stem not in ("index", "_index")]
        if posts and len(posts) <= len(dated):
            patterns.extend(d.path.relative_to(events_dir).as_posix() for d in posts)
            result.notes.append(
                f"{len(posts)} page{'s' if len(posts) != 1 else ''} with a date but no "
                f"{shown} (posts, not events): left out ([content] exclude): "
                + ", ".join(d.path.relative_to(result.root).as_posix() for d in posts[:5])
                + (", ..." if len(posts) > 5 else ""))
    result.exclude = tuple(sorted(set(patterns)))
    excluded = {d.path for d in undated
                if any(fnmatch.fnmatchcase(d.path.relative_to(events_dir).as_posix(), p)
                       for p in result.exclude)}
    undated = [d for d in undated if d.path not in excluded]
    patterns = []
    missing = len(undated) - len(patterns)
    if missing > 0:
        result.notes.append(
            f"{missing} file{'s give' if missing != 1 else ' gives'} no start date in "
            f"{result.events}/ front matter: "
            "'announce check' names them")
