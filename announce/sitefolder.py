"""Where announce's files for the site go (the feeds, the archive), and whether the site
will publish them.

The folder the site's generator publishes as it is (Hugo's ``static/``, Astro's
``public/``, Jekyll's source, MkDocs' ``docs_dir``, Eleventy's input folder: the
generator's profile and its config), and in it ``announce/``, beside nothing of the
site's; ``[feed] path`` and ``url_path`` say otherwise. ``check`` warns when the next
build would leave the files out (:func:`feed_problems`). A file is written only when it
changed, so that a workflow that commits them commits nothing on a quiet day
(:func:`write_if_changed`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings
from .content import Problem
from .errors import ConfigError

if TYPE_CHECKING:
    from .sources.profiles import Generator

__all__ = ["SUBFOLDER", "feed_folder", "feed_problems", "write_if_changed"]

# Below the published folder: announce's own files, beside nothing of the site's.
SUBFOLDER = "announce"


def feed_folder(settings: Settings) -> tuple[Path, str]:
    """The folder the feeds go into, and the URL path the site publishes it at: ``[feed]
    path``, else ``announce/`` in the generator's static folder (Hugo's ``static/``,
    Astro's ``public/``, Jekyll's source, MkDocs' ``docs_dir``: see
    :meth:`.Generator.static_folder`)."""
    if settings.feed.path is not None:
        return settings.feed.path, _url_path(settings)
    site = _published(settings)
    if site.folder is None:
        raise ConfigError(f"announce does not know where {site.generator.label} publishes "
                          "files as they are: set it to a folder the site publishes (e.g. "
                          "path = \"content/extra/announce\")",
                          path=settings.source or "announce.toml", key="[feed] path")
    return site.folder / SUBFOLDER, _url_path(settings)


@dataclass(frozen=True)
class _Site:
    generator: Generator
    root: Path
    folder: Path | None  # what it publishes as it is, None when announce knows not


def _published(settings: Settings) -> _Site:
    """The site's generator and root, and the folder it publishes as it is (Hugo's
    static/, made if missing; not its content/, where a file outside a page bundle is
    not published), or None when announce knows none."""
    from .sources.catalog import site_generator
    from .sources.profiles import detect_generator

    base = settings.base_dir
    generator = site_generator(settings)
    # A site kept in a folder of the repository: its generator's files are there.
    root = base
    if generator.markers:
        root = next((folder for folder in [settings.content.events,
                                           *settings.content.events.parents]
                     if folder.is_relative_to(base)
                     and detect_generator(folder).name == generator.name), base)
    public = generator.static_folder(root)
    return _Site(generator, root, None if public is None else root / public)


def feed_problems(settings: Settings) -> list[Problem]:
    """For ``check``: warnings when the site would not publish what ``feed`` and
    ``archive`` write: ``[feed] path`` outside the folder the generator publishes as it
    is (or in one Jekyll leaves out, ``_`` or ``.``); once written, a folder Eleventy is
    not told to copy; no folder known while the site's workflow publishes them."""
    from .tomltext import key_problem

    site = _published(settings)
    label = site.generator.label
    path = settings.feed.path
    if site.folder is None:
        if path is not None or not _workflow_publishes(settings.base_dir):
            return []
        return [key_problem(settings.source, "feed", "path",
                            "the GitHub workflow publishes the site's calendar and archive, "
                            f"but announce does not know where {label} publishes files as "
                            "they are: set path (and url_path) to a folder the site publishes",
                            "warning")]
    where, target = site.folder.resolve(), (path or site.folder / SUBFOLDER).resolve()
    inside = target.is_relative_to(where)
    hidden = inside and site.generator.skips_hidden and any(
        part.startswith(("_", ".")) for part in target.relative_to(where).parts)
    shown = _shown(site.folder, settings)
    if path is not None and (hidden or not inside):
        why = (f"{label} leaves out folders whose name starts with _ or ." if hidden else
               f"{label} publishes the files of {shown}/ as they are, and this is not in it")
        return [key_problem(settings.source, "feed", "path",
                            f"announce feed and announce archive write here, but {why}: "
                            f"the site would not have them (e.g. path = \"{shown}/announce\")",
                            "warning")]
    if site.generator.copies_when_told and target.is_dir() and not _copied(site, target):
        folder = _shown(target, settings)
        return [key_problem(settings.source, "feed", "path",
                            f"Eleventy publishes {folder}/ (what announce feed and announce "
                            "archive wrote) only when its config says so: add "
                            f"eleventyConfig.addPassthroughCopy(\"{folder}\")", "warning")]
    return []


_PASSTHROUGH = re.compile(r"""addPassthroughCopy\(\s*\{?\s*["'`]([^"'`]+)["'`]""")


def _copied(site: _Site, target: Path) -> bool:
    """Whether Eleventy's config copies ``target`` as it is (a passthrough copy of it or
    of a folder above it; paths are the project's)."""
    from .sources.routes import eleventy_source

    for found in _PASSTHROUGH.findall(eleventy_source(site.root)):
        copied = (site.root / found.removeprefix("./")).resolve()
        if target == copied or target.is_relative_to(copied):
            return True
    return False


def _workflow_publishes(root: Path) -> bool:
    """Whether a GitHub workflow of the site runs the action's task publish."""
    folder = root / ".github" / "workflows"
    for path in [*folder.glob("*.yml"), *folder.glob("*.yaml")]:
        try:
            if re.search(r"\btask:\s*[\"']?publish\b", path.read_text(encoding="utf-8")):
                return True
        except (OSError, UnicodeDecodeError):
            continue
    return False


def _shown(folder: Path, settings: Settings) -> str:
    try:
        return folder.relative_to(settings.base_dir).as_posix()
    except ValueError:
        return str(folder)


def _url_path(settings: Settings) -> str:
    """Where the site publishes the folder: ``[feed] url_path``, else ``/announce``."""
    return "/" + (settings.feed.url_path or SUBFOLDER).strip("/")



def write_if_changed(target: Path, data: bytes) -> bool:
    """Write ``data`` to ``target`` (and its folders) unless it holds it already: a file
    that did not change keeps its time, and a workflow that commits it commits nothing.
    Whether it was written."""
    if target.is_file() and target.read_bytes() == data:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")  # never half a file
    temporary.write_bytes(data)
    temporary.replace(target)
    return True
