"""The event's page on the site, and the site's URLs a talk's text and images point at.

An event's page is where the site's generator publishes its file, by the generator's own
rules (its profile's ``page_rules``: Jekyll permalinks, Hugo sections and languages, Zola
paths, MkDocs folders, Eleventy permalinks, Astro routes); ``[site] permalink`` is the
organizer's pattern instead. An event kept as a data entry has the page of the same title,
if the site has one. :func:`event_page` says where, from what, and whether announce can
know at all; :func:`body_url` and :func:`image_url` resolve what the talk links to (a
``./other.md`` is the other page's URL) where the generator publishes it.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from .config import Settings
from .content import Event, Problem
from .links import is_absolute, resolve

if TYPE_CHECKING:
    from .sources.permalinks import PagePath, PageRules
    from .sources.profiles import Generator

__all__ = ["Page", "body_url", "event_page", "event_page_url", "image_url", "link_base",
           "md_link_problems"]

_MD_TARGET = re.compile(r"\.(?:md|markdown|mdx)$", re.IGNORECASE)


@dataclass(frozen=True)
class Page:
    """The event's page: its absolute URL (None: no page, or announce cannot know), how
    it was found, and whether it is unknown rather than absent."""

    url: str | None
    how: str
    unsure: bool = False


@dataclass(frozen=True)
class _Site:
    root: Path
    generator: Generator
    rules: PageRules | None
    content_roots: tuple[Path, ...]


@functools.lru_cache(maxsize=8)
def _site(events: Path, base: Path, generator: str) -> _Site:
    from .sources.profiles import detect_generator, generator_named, site_root

    root = site_root(events, base)
    profile = (generator_named(generator) if generator else None) or detect_generator(root)
    config = profile.config(root)
    try:
        rules = profile.pages(root)
    except (ValueError, TypeError, AttributeError, KeyError, OSError):
        rules = None  # a config the rules cannot read: no page is known, nothing breaks
    roots = tuple(root / d for d in (config.content_dirs or profile.content_roots))
    return _Site(root, profile, rules, roots)


def _site_of(settings: Settings) -> _Site:
    return _site(settings.content.events, settings.base_dir, settings.content.generator)


def _join(site_url: str, path: str) -> str:
    """``path`` (below the site) on ``[site] url``, which may have a path of its own."""
    return site_url.rstrip("/") + quote(path, safe="/:@!$&'()*+,;=-._~%")


# --- the event's page --------------------------------------------------------------------


def event_page(settings: Settings, event: Event, now: datetime | None = None) -> Page:
    """Where ``event``'s page is. With ``now``, a page the generator publishes only from
    its date on (a Jekyll post dated in the future) is no page yet."""
    pattern = settings.site.permalink
    if pattern is not None:
        if not pattern:
            return Page(None, "[site] permalink is empty: mails link to no event page")
        if not settings.site.url:
            return Page(None, "[site] permalink, but no [site] url", unsure=True)
        return Page(_pattern_url(settings, event), f"[site] permalink {pattern!r}")
    found = page_path(settings, event)
    if found.path is None:
        return Page(None, found.how, unsure=not found.known)
    if not settings.site.url:
        return Page(None, f"{found.how}; no [site] url to make it absolute", unsure=True)
    if now is not None and found.published is not None and found.published > now:
        return Page(None, f"{found.how}; dated {found.published:%Y-%m-%d}, after now: the "
                    "generator builds no page dated in the future unless told to "
                    "(Jekyll future: true, Hugo buildFuture)", unsure=True)
    return Page(_join(settings.site.url, found.path), found.how)


def event_page_url(settings: Settings, event: Event, now: datetime | None = None
                   ) -> str | None:
    """The URL of ``event``'s page, or None (see :func:`event_page`)."""
    return event_page(settings, event, now).url


def page_path(settings: Settings, event: Event) -> PagePath:
    """Where the site's generator publishes ``event``'s file (or, for a data entry, the
    page of the same title), below the site's URL."""
    from .sources.catalog import EVENT_SUFFIXES
    from .sources.permalinks import PageFile, unknown

    site = _site_of(settings)
    if site.rules is None:
        return unknown(f"announce does not know where {site.generator.label} publishes "
                       "pages: set [site] permalink")
    path, data = event.path, event.front_matter
    if path.suffix.lower() not in EVENT_SUFFIXES:  # an entry of a data file
        found = _entry_page(site, event.title)
        if found is None:
            return unknown(f"an entry of {path.name}: the site's templates show it, and no "
                           "page of the site has its title")
        path, data = found
    try:
        return site.rules(PageFile(path, data, settings.site.tz))
    except (ValueError, TypeError, AttributeError, KeyError, OSError) as exc:
        # A value of an unexpected kind in the site's config or the file's front matter:
        # the mail goes without the link rather than not at all.
        return unknown(f"{site.generator.label}'s rules could not read it: {exc}")


def _entry_page(site: _Site, title: str) -> tuple[Path, dict[str, Any]] | None:
    """The content page whose title is ``title``: a data entry's own page, as a template
    that lists the entries finds it (cph.rs links "Meetup #37" to content/events/meetup-37.md)."""
    return _titled_pages(site.root, site.generator.name).get(" ".join(title.split()))


@functools.lru_cache(maxsize=4)
def _titled_pages(root: Path, generator: str) -> dict[str, tuple[Path, dict[str, Any]]]:
    from .sources.catalog import content_files
    from .sources.frontmatter import FrontMatterError, read_document
    from .sources.profiles import generator_named

    profile = generator_named(generator)
    if profile is None:
        return {}
    config = profile.config(root)
    pages: dict[str, tuple[Path, dict[str, Any]]] = {}
    for folder in (config.content_dirs or profile.content_roots):
        base = root / folder
        if not base.is_dir() or base == root:
            continue  # a whole repository is no content folder to read every file of
        for count, path in enumerate(content_files(base)):
            if count >= 5000:
                break
            try:
                data = read_document(path, profile.yaml).data
            except (FrontMatterError, OSError):
                continue
            title = data.get("title") if isinstance(data, dict) else None
            if isinstance(title, str) and title.strip():
                pages.setdefault(" ".join(title.split()), (path, dict(data)))
    return pages


def _pattern_url(settings: Settings, event: Event) -> str | None:
    """The organizer's ``[site] permalink`` pattern, Jekyll-style tokens: ``:year``,
    ``:month``, ``:day`` (of the start, in the site's timezone), ``:title`` (the file name
    without its date), ``:collection`` (the events folder's name without a leading
    underscore) and ``:path`` (the event's id)."""
    pattern = settings.site.permalink or ""
    local = event.start.astimezone(settings.site.tz)
    tokens = {
        "year": f"{local.year:04d}",
        "month": f"{local.month:02d}",
        "day": f"{local.day:02d}",
        "title": event.slug,
        "collection": settings.content.events.name.lstrip("_"),
        "path": event.id,
    }
    path = re.sub(r":(year|month|day|title|collection|path)\b", lambda m: tokens[m[1]], pattern)
    return resolve("/" + quote(path.lstrip("/"), safe="/:._-~%"), settings.site.url)


# --- what the talk links to ----------------------------------------------------------------


def link_base(settings: Settings, event: Event) -> str:
    """What relative URLs in ``event``'s text are relative to, as on its page: the page's
    URL (a browser resolves ``board.png`` against it); the site's root when the page is
    not known."""
    page = event_page(settings, event).url
    if not page:
        return settings.site.url
    return page if page.endswith("/") else page.rsplit("/", 1)[0] + "/"


def body_url(settings: Settings, event: Event, url: str) -> str | None:
    """A relative link of ``event``'s text where the generator publishes its target: a
    ``./other.md`` is the other page's URL, and on MkDocs a link to a file is relative to
    the talk's own file. None when it leads to no page of the site (the mail keeps the
    link's text); else the URL made absolute against :func:`link_base`."""
    text = url.strip()
    if not text or is_absolute(text) or text.startswith(("//", "#", "?")):
        return resolve(text, link_base(settings, event))
    parts = urlsplit(text)
    site = _site_of(settings)
    if _MD_TARGET.search(parts.path):
        target = _target_file(site, event, parts.path)
        if target is None:
            return None
        page = _file_page(settings, site, target)
        if page is None:
            return None
        return page + (f"#{parts.fragment}" if parts.fragment else "")
    if site.generator.links_from_source and not parts.path.startswith("/") and \
            "." in parts.path.rsplit("/", 1)[-1] and settings.site.url:
        folder = _folder_url(settings, site, event.path.parent)
        if folder is not None:
            return resolve(text, folder)
    return resolve(text, link_base(settings, event))


def _target_file(site: _Site, event: Event, path: str) -> Path | None:
    """The file a ``.md`` link names: relative to the talk's file, or from a content
    root when it starts with ``/``; None when the site has no such file."""
    path = unquote(path)
    bases = [event.path.parent] if not path.startswith("/") else list(site.content_roots)
    for base in bases:
        candidate = Path(os.path.normpath(base / path.lstrip("/")))
        if candidate.is_file() and (candidate == site.root or site.root in candidate.parents):
            return candidate
    return None


def _file_page(settings: Settings, site: _Site, path: Path) -> str | None:
    from .sources.frontmatter import FrontMatterError, read_document
    from .sources.permalinks import PageFile

    if site.rules is None or not settings.site.url:
        return None
    try:
        data = read_document(path, site.generator.yaml).data
    except (FrontMatterError, OSError):
        data = {}
    try:
        found = site.rules(PageFile(path, data if isinstance(data, dict) else {},
                                    settings.site.tz))
    except (ValueError, TypeError, AttributeError, KeyError, OSError):
        return None
    return _join(settings.site.url, found.path) if found.path else None


def _folder_url(settings: Settings, site: _Site, folder: Path) -> str | None:
    """The URL the generator publishes a content folder's files at (MkDocs copies every
    file of docs_dir to its own path)."""
    from .sources.permalinks import relative_to

    for root in site.content_roots:
        if folder == root:
            return settings.site.url.rstrip("/") + "/"
        relative = relative_to(folder, root)
        if relative is not None:
            return _join(settings.site.url, f"/{relative}/")
    return None


def image_url(settings: Settings, event: Event, value: str) -> str | None:
    """A front-matter image where the site publishes it; None when that cannot be known
    (an Astro image the build renames) or there is no ``[site] url``.

    A relative path written from the content root (``events/2022-09-29/cover.png`` on the
    page ``events/2022-09-29/index.md``) or naming a file of a public folder is the
    site's; a file next to the talk is published next to its page; else, as before, a
    bundle's image is its page's and another's the site's.
    """
    text = value.strip()
    if not text or is_absolute(text) or text.startswith(("/", "//")):
        return resolve(text, settings.site.url)
    site = _site_of(settings)
    if site.generator.renames_relative_images and text.startswith(("./", "../")):
        return None  # image() in the collection's schema: Astro renames it when building
    if not settings.site.url:
        return None
    path = unquote(urlsplit(text).path)
    folder = _content_folder(site, event.path.parent)
    if folder and (path == folder or path.startswith(folder + "/")):
        return _join(settings.site.url, "/" + text)
    # Where the site serves /x from: its public folders (Jekyll's is the site itself) and
    # its content folders, never a whole repository's folder taken for one.
    publics = [site.root / p for p in site.generator.public] + [
        root for root in site.content_roots if root != site.root]
    if any((base / path).is_file() for base in publics):
        return _join(settings.site.url, "/" + text)
    beside = event.path.parent / path
    if beside.is_file() and site.generator.links_from_source:
        return resolve(text, _folder_url(settings, site, event.path.parent) or
                       settings.site.url)
    if beside.is_file() or event.path.stem in ("index", "event"):
        return resolve(text, link_base(settings, event))
    return resolve(text, settings.site.url)


def _content_folder(site: _Site, folder: Path) -> str:
    """``folder`` below the site's content root, as a POSIX path ("" when not below)."""
    from .sources.permalinks import relative_to

    for root in site.content_roots:
        if root == site.root:
            continue
        relative = relative_to(folder, root)
        if relative is not None:
            return posixpath.normpath(str(relative))
    return ""


_MD_LINK = re.compile(r"\]\(\s*<?([^)\s>]+\.(?:md|markdown|mdx)(?:#[^)\s>]*)?)>?"
                      r"|href=[\"']([^\"']+\.(?:md|markdown|mdx)(?:#[^\"']*)?)[\"']",
                      re.IGNORECASE)


def md_link_problems(settings: Settings, event: Event) -> list[Problem]:
    """A warning for each link of ``event``'s text to a Markdown file that is no page of
    the site: the mail shows the link's text without the link."""
    body = event.body
    if ".md" not in body and ".markdown" not in body and ".mdx" not in body:
        return []
    from .links import body_line_of

    problems = []
    for match in _MD_LINK.finditer(body):
        url = match[1] or match[2]
        if is_absolute(url) or url.startswith("//"):
            continue
        if body_url(settings, event, url) is None:
            problems.append(Problem(
                event.path, body_line_of(event, url), "body",
                f"{url}: no page of the site announce can find (the file is not in the "
                "repository, or its page is not known): the mail shows the link's text "
                "without the link", "warning"))
    return problems
