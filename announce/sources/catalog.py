"""The events folder, read whole into a :class:`Catalog`: every file loads or is reported.

Files that are no events by rule (section pages, templates, drafts, bundle resources,
pages without front matter) are left out and listed in ``Catalog.left_out``, never as
errors; a file that is meant to be an event but cannot be read is an error, with its line,
and the others keep loading.
"""

from __future__ import annotations

import errno
import fnmatch
import gc
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from ..config import Settings
from ..content import Catalog, Event, Problem
from ..errors import ContentError
from ..paths import display_path
from .eventcontext import body_notes, event_context
from .events import EventContext, LeftOut, field_line, read_event, slug_of
from .frontmatter import Document, FrontMatterError, NoFrontMatter
from .profiles import Generator, detect_generator, generator_named
from .readers import PAGE_SUFFIXES, read_page
from .richtext import with_rich_text_body

__all__ = [
    "body_notes", "check_problems", "content_files", "event_id_for", "load_catalog",
    "site_generator",
]

EVENT_SUFFIXES = PAGE_SUFFIXES
# A page bundle's page: Hugo's index.md, and the event.md some Astro sites use.
_INDEX_STEMS = ("index", "_index", "event")


def event_id_for(path: Path, events_dir: Path) -> str:
    """The stable id of an event: its path below the events folder, without extension.

    A page bundle (``2026-01-27/index.md``) is known by its folder: ``2026-01-27``.
    """
    text, base = str(path), str(events_dir)
    if text.startswith(base) and text[len(base):len(base) + 1] == os.sep:
        # String slicing: pathlib's relative_to costs more than the rest of the id.
        relative = text[len(base) + 1:]
    else:
        relative = str(path.relative_to(events_dir))
    stem, _ext = os.path.splitext(relative)
    head, _sep, last = stem.rpartition(os.sep)
    if last in _INDEX_STEMS and head:
        stem = head
    return stem.replace(os.sep, "/")


def site_generator(settings: Settings) -> Generator:
    """The generator named in ``[content] generator``, else the one found at the site."""
    named = generator_named(settings.content.generator) if settings.content.generator else None
    return named or detect_generator(settings.base_dir)


def content_files(folder: Path, refused: list[Problem] | None = None,
                  suffixes: tuple[str, ...] = EVENT_SUFFIXES) -> Iterator[Path]:
    """The Markdown files below ``folder``, in path order, skipping hidden ones.

    A symlinked file is read only when it leads to a file inside ``folder``; one that
    leads out of it, loops or leads nowhere is never read, and is added to ``refused``
    (an error of that file). Symlinked folders are not followed (a note in ``refused``).
    os.scandir rather than Path.rglob: a site of 20,000 talks is listed and sorted in a
    tenth of the time.
    """
    found: list[tuple[tuple[str, ...], str]] = []
    problems: list[tuple[tuple[str, ...], Problem]] = []
    root = os.path.realpath(folder)

    def walk(directory: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(directory) as entries:
                listing = list(entries)
        except OSError:
            return  # unreadable: as rglob, skip it
        for entry in listing:
            if entry.name.startswith("."):
                continue
            try:
                is_event = os.path.splitext(entry.name)[1].lower() in suffixes
                if entry.is_symlink():
                    problem = _link_problem(entry.path, root, is_event)
                    if problem is not None:
                        problems.append(((*parts, entry.name), problem))
                        continue
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, (*parts, entry.name))
                elif is_event and entry.is_file():
                    found.append(((*parts, entry.name), entry.path))
            except OSError:
                continue

    walk(os.fspath(folder), ())
    if refused is not None:
        refused.extend(problem for _parts, problem in sorted(problems, key=lambda p: p[0]))
    found.sort()  # by path components: the order of sorted(Path)
    for _parts, path in found:
        yield Path(path)


def _link_problem(path: str, root: str, is_event: bool) -> Problem | None:
    """Why the symlink at ``path`` is not read, or None for a file link within ``root``.

    Never read: a link out of the events folder (a PR could otherwise mail any file the
    runner can read), a loop or a dangling link (errors, when the name is an event's),
    and a link to a folder (not followed, a note; it could lead anywhere, or in a loop).
    """
    try:
        target = os.path.realpath(path, strict=True)
    except OSError as exc:
        if not is_event:
            return None  # a dangling image or stylesheet link is no concern of announce
        why = "loops" if exc.errno == errno.ELOOP else "leads to nothing (no such file)"
        return Problem(Path(path), 1, "", f"a symbolic link that {why}: not read")
    if os.path.isdir(target):
        # Named in its folder: a path through the link would be shown resolved.
        folder, name = os.path.split(path)
        return Problem(Path(folder), 1, "", f"not an event: {name!r} is a symbolically linked "
                       "folder (not followed; move the files into the events folder)", "warning")
    if not is_event:
        return None
    if os.path.commonpath([target, root]) != root:
        return Problem(Path(path), 1, "", f"a symbolic link to {target}, outside the events "
                       "folder: not read")
    return None


def _has_front_matter(path: str) -> bool:
    try:
        with open(path, "rb") as file:
            head = file.read(8).lstrip(b"\xef\xbb\xbf").lstrip()
    except OSError:
        return True
    return head.startswith((b"---", b"+++", b"{"))


def _rule_out(path: Path, events_dir: str, bundles: set[str], exclude: tuple[str, ...]
              ) -> str | None:
    """Why ``path`` is no event by its name and place alone, or None."""
    # os.path on the string: pathlib's properties cost more than the rest of the rules.
    parent, name = os.path.split(str(path))
    stem = os.path.splitext(name)[0]
    if stem[0] != "_" and stem != "index" and not bundles and not exclude \
            and stem.lower() not in ("template", "archetype"):
        return None  # the common case: a plain event file
    if stem == "_index" or (stem == "index" and parent == events_dir):
        return "a section page (the events list, not an event)"
    if stem.startswith("_") or stem.lower() in ("template", "_template", "archetype"):
        return "a template (its name starts with '_')"
    if stem != "index" and parent in bundles:
        return f"a resource of the page bundle {display_path(Path(parent))}/index.md"
    if exclude:
        relative = event_id_for(path, Path(events_dir)) + os.path.splitext(name)[1]
        if any(fnmatch.fnmatchcase(relative, pattern) for pattern in exclude):
            return "excluded ([content] exclude)"
    return None


def load_catalog(settings: Settings, paths: Iterable[Path] | None = None) -> Catalog:
    """Read every event file the settings point at.

    Raises ``ContentError`` only when the events folder itself is missing; a bad file is
    reported in ``Catalog.problems`` and left out.
    """
    events_dir = settings.content.events
    named = [events_dir / p for p in settings.content.data if not re.search(r"[*?[]", p)]
    missing = next((path for path in named if not path.is_file()), None)
    if missing is not None:
        raise ContentError("events data file not found (set [content] events in "
                           "announce.toml, e.g. events = \"events.toml\")", path=missing)
    if not events_dir.is_dir():
        raise ContentError("events folder not found (set [content] events in announce.toml, "
                           "e.g. events = \"_events\")", path=events_dir)
    # The collector would walk every event loaded so far, again and again, while nothing
    # here makes a cycle: paused, a site of 20,000 files loads in two thirds of the time.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _load(settings, events_dir, paths)
    finally:
        if paused:
            gc.enable()


class _Loaded:
    """The events read so far, and the problems and files left out on the way."""

    def __init__(self, problems: list[Problem]) -> None:
        self.events: list[Event] = []
        self.problems = problems
        self.left_out: list[Problem] = []
        self.seen: dict[str, Path] = {}

    def read(self, document: Document, event_id: str, slug: str, context: EventContext,
             line: int = 1) -> None:
        """``document`` through the key map: an event, or its problems."""
        path = document.path
        try:
            event, errors, warnings = read_event(document, event_id, slug, context)
        except LeftOut as exc:
            self.left_out.append(Problem(path, line, "", f"not an event: {exc.reason}",
                                         "warning"))
            return
        if event is None:
            self.problems.extend(errors)
            return
        if event.id in self.seen:
            self.problems.append(Problem(path, line, "", f"same event id {event.id!r} as "
                                         f"{display_path(self.seen[event.id])}: rename one "
                                         "of them"))
            return
        too_deep = _unrenderable(event)
        if too_deep is not None:
            self.problems.append(too_deep)
            return
        self.seen[event.id] = path
        self.problems.extend(warnings)
        self.events.append(event)


def _load(settings: Settings, events_dir: Path, paths: Iterable[Path] | None) -> Catalog:
    generator = site_generator(settings)
    context, locations, problems = event_context(settings, generator)
    loaded = _Loaded(problems)
    if settings.content.data:
        files_read = _load_entries(settings, generator, context, loaded)
    else:
        files_read = _load_files(settings, events_dir, paths, generator, context, loaded)
    loaded.events.sort(key=lambda e: (e.start, e.id))
    return Catalog(tuple(loaded.events), locations, tuple(loaded.problems), files_read,
                   tuple(loaded.left_out), generator.name)


def _load_files(settings: Settings, events_dir: Path, paths: Iterable[Path] | None,
                generator: Generator, context: EventContext, loaded: _Loaded) -> int:
    """The Markdown files below the events folder, each one event or left out."""
    refused: list[Problem] = []
    # A Jekyll collection (_posts/, _events/) publishes its .html pages with front matter
    # as it does its Markdown ones.
    suffixes = (*EVENT_SUFFIXES, ".html") \
        if generator.html_pages and events_dir.name.startswith("_") else EVENT_SUFFIXES
    files = list(paths if paths is not None else content_files(events_dir, refused, suffixes))
    base = str(events_dir)
    names = [os.path.split(str(p)) for p in files]
    # A folder whose index.md is a page (it has front matter) is a page bundle: its other
    # files are the page's resources. An index.md without front matter (a year's list
    # of the pages beside it, on an MkDocs site) makes no bundle.
    bundles = {parent for parent, name in names
               if os.path.splitext(name)[0] == "index" and parent != base
               and _has_front_matter(os.path.join(parent, name))}
    loaded.left_out.extend(p for p in refused if p.severity == "warning")
    loaded.problems.extend(p for p in refused if p.severity != "warning")
    for path in files:
        reason = _rule_out(path, base, bundles, settings.content.exclude)
        if reason:
            loaded.left_out.append(Problem(path, 1, "", f"not an event: {reason}", "warning"))
            continue
        try:
            document = with_rich_text_body(read_page(path, generator.yaml))
        except NoFrontMatter as exc:
            loaded.left_out.append(Problem(path, exc.line, "", f"not an event: {exc.message}",
                                           "warning"))
            continue
        except FrontMatterError as exc:
            loaded.problems.append(Problem(path, exc.line, "", exc.message))
            continue
        loaded.read(document, event_id_for(path, events_dir), slug_of(path), context)
    return len(files)


def _load_entries(settings: Settings, generator: Generator, context: EventContext,
                  loaded: _Loaded) -> int:
    """The entries of the data files ``[content] events`` names (see .datafiles)."""
    from .datafiles import data_files, read_entries

    content = settings.content
    count = 0
    for path in data_files(content.events, content.data, loaded.problems):
        relative = path.relative_to(content.events).as_posix()
        if any(fnmatch.fnmatchcase(relative, pattern) for pattern in content.exclude):
            loaded.left_out.append(Problem(path, 1, "", "not an event: excluded ([content] "
                                           "exclude)", "warning"))
            continue
        entries, errors, left_out = read_entries(path, content.events, generator.yaml,
                                                 context.keys)
        count += len(entries) + len(errors)
        loaded.problems.extend(errors)
        loaded.left_out.extend(left_out)
        for entry in entries:
            first = entry.document.front_line
            before = len(loaded.problems), len(loaded.left_out)
            loaded.read(entry.document, entry.id, entry.slug, context, first)
            # A key the entry does not have is reported on its first line, not the file's.
            for found, start in ((loaded.problems, before[0]), (loaded.left_out, before[1])):
                found[start:] = [replace(p, line=first) if p.line == 1 and p.path == path
                                 else p for p in found[start:]]
    return count


# A line that opens with this many list, quote or indent characters may nest deeper than
# Python-Markdown can recurse; only such a body is converted to find out, while loading.
# A rule of dashes alone (a long "-----" line) nests nothing.
_DEEP_PREFIX = re.compile(r"^(?![ \t]*-+[ \t]*$)[ \t>*+\-\d.)]{64,}", re.MULTILINE)


def _unrenderable(event: Event) -> Problem | None:
    """A problem when ``event``'s body nests too deeply to render, else None: found here,
    so that ``check`` names it and ``send`` goes on with the other events."""
    if _DEEP_PREFIX.search(event.body) is None:
        return None
    from ..markup import TOO_DEEP, markdown_to_html  # here: Markdown only when needed

    try:
        markdown_to_html(event.body)
    except RecursionError:
        return Problem(event.path, event.body_line, "body", TOO_DEEP)
    return None


# A start this far from now is more likely a typo (2062 for 2026) than a plan.
_FAR = timedelta(days=5 * 365)
_LONG_AGO = timedelta(days=60 * 365)


def check_problems(settings: Settings, catalog: Catalog, now: datetime) -> list[Problem]:
    """What ``check`` adds to loading: bodies the email shows differently, odd starts,
    images that mail clients do not show (SVG) or that are heavy."""
    from ..images import image_problems  # here: only check looks at images

    problems: list[Problem] = []
    # Two files of one group starting at the same moment are one meetup written twice (an
    # invitation and its report, a copy): both would be announced.
    by_start: dict[tuple[datetime, str], list[Event]] = {}
    for event in catalog.events:
        if event.start > now:
            by_start.setdefault((event.start, event.group or ""), []).append(event)
    for same in by_start.values():
        for event in same[1:]:
            key, line = field_line(event, "start")
            problems.append(Problem(
                event.path, line, key, f"starts at the same moment as "
                f"{display_path(same[0].path)}: one meetup in two files? Both would be "
                "announced ([content] exclude leaves one out)", "warning"))
    for event in catalog.events:
        if event.start - now > _FAR or now - event.start > _LONG_AGO:
            key, line = field_line(event, "start")
            problems.append(Problem(
                event.path, line, key,
                f"starts {event.start:%Y-%m-%d}, more than "
                f"{'5 years ahead' if event.start > now else '60 years ago'}: a typo?",
                "warning"))
        problems.extend(body_notes(settings, event))
        problems.extend(image_problems(settings, event, upcoming=event.end > now))
    return problems
