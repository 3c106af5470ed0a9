"""Live reload: what the preview watches, and the snapshot every page is rendered from.

The pages poll ``/_version``, a fingerprint of the modification times of the config
file, the content folders, the template folders and the ledger; when it changes, the
page reloads and the catalog is read again. While a change is being read, every request
(the poll too) is answered from the snapshot before it, so a slow file does not hold up
the pages.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings, load_settings
from ..content import Catalog, Problem
from ..errors import AnnounceError, TemplateError
from ..resources import packaged_templates
from ..sources.catalog import load_catalog

__all__ = ["Snapshot", "Workspace", "fingerprint", "watched_paths"]

log = logging.getLogger("announce.preview")


def fingerprint(paths: Iterable[Path]) -> str:
    """A short hash of the names, sizes and modification times of ``paths``.

    Folders are walked (hidden entries skipped: editor swap files, ``.git``); a missing
    path counts as a state of its own, so creating or deleting a file changes the result.
    """
    digest = hashlib.blake2b(digest_size=10)
    for root in paths:
        digest.update(os.fsencode(root) + b"\0")
        try:
            info = root.stat()
        except OSError:
            digest.update(b"-\0")
            continue
        if not stat.S_ISDIR(info.st_mode):
            digest.update(b"%d %d\0" % (info.st_mtime_ns, info.st_size))
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    entry = os.stat(path)
                except OSError:  # deleted while we walked: the next poll sees it
                    continue
                digest.update(os.fsencode(path) + b"\0%d %d\0" % (entry.st_mtime_ns, entry.st_size))
    return digest.hexdigest()


def _packaged_template_dirs() -> list[Path]:
    """The packaged email templates (none when the installation lost them)."""
    try:
        return [packaged_templates()]
    except TemplateError:
        return []


def watched_paths(settings: Settings) -> list[Path]:
    """Everything whose change should refresh an open page."""
    paths = [settings.content.events, settings.content.locations, *_packaged_template_dirs()]
    # The venues, speakers and groups events name by id ("mkdocs.yml#extra.locations").
    for spec in settings.content.lookup.values():
        lookup = Path(spec.partition("#")[0]).expanduser()
        paths.append(lookup if lookup.is_absolute() else settings.base_dir / lookup)
    if settings.source is not None:
        paths.insert(0, settings.source)
    if settings.templates.path is not None:
        paths.append(settings.templates.path)
    # A send in another terminal updates the ledger; the index should show it.
    paths.append(settings.ledger.path)
    return paths


@dataclass(frozen=True)
class Snapshot:
    """The state of the watched files at one version: what every page is rendered from."""

    version: str
    settings: Settings | None
    catalog: Catalog | None
    # A problem that stops everything (the config, a missing events folder).
    error: str | None = None
    # Problems found beyond the catalog's own (URLs the mail cannot resolve).
    extra_problems: tuple[Problem, ...] = ()

    @property
    def problems(self) -> list[Problem]:
        found = [*(self.catalog.problems if self.catalog else ()), *self.extra_problems]
        return sorted(found, key=lambda p: (p.severity != "error", str(p.path), p.line))


class Workspace:
    """The config and the catalog, read again whenever a watched file changes.

    Shared by every request thread: one of them reads a change while the others go on
    with the snapshot before it (never two reads of the same change at once).
    """

    def __init__(self, settings: Settings) -> None:
        self._config = settings.source
        self._settings = settings
        self._config_error: str | None = None
        self._config_stamp = self._stamp()
        self._snapshot: Snapshot | None = None
        self._loading = False
        self._changed = threading.Condition()

    def _stamp(self) -> str:
        return fingerprint([self._config]) if self._config is not None else ""

    def current(self) -> Snapshot:
        """The snapshot for the files as they are now (read again only when they changed).

        While another request reads a change, the last snapshot, version and all: the
        page reloads once the new one is ready. Only the first snapshot is waited for.
        """
        with self._changed:
            settings, config_error = self._reread_config()
        version = fingerprint(watched_paths(settings))
        with self._changed:
            while True:
                last = self._snapshot
                if last is not None and (last.version == version or self._loading):
                    return last
                if not self._loading:
                    break
                self._changed.wait()  # the first snapshot: there is nothing to show before it
            self._loading = True
        fresh: Snapshot | None = None
        try:
            fresh = self._load(version, settings, config_error)
            return fresh
        finally:
            with self._changed:
                self._loading = False
                if fresh is not None:
                    self._snapshot = fresh
                self._changed.notify_all()

    def _reread_config(self) -> tuple[Settings, str | None]:
        """The settings (the last good ones while the config is broken) and its error."""
        stamp = self._stamp()
        if stamp != self._config_stamp:
            self._config_stamp = stamp
            try:
                self._settings = load_settings(self._config)
                self._config_error = None
            except AnnounceError as exc:
                # Keep watching the last good folders, so that fixing them still reloads.
                self._config_error = str(exc)
        return self._settings, self._config_error

    @staticmethod
    def _load(version: str, settings: Settings, config_error: str | None) -> Snapshot:
        if config_error is not None:
            return Snapshot(version, None, None, config_error)
        try:
            catalog = load_catalog(settings)
        except AnnounceError as exc:
            return Snapshot(version, settings, None, str(exc))
        return Snapshot(version, settings, catalog, None, _url_problems(settings, catalog))


def _url_problems(settings: Settings, catalog: Catalog) -> tuple[Problem, ...]:
    """The relative URLs mail cannot resolve: the same check as ``announce check``."""
    from ..urls import find_url_problems

    try:
        return tuple(find_url_problems(settings, catalog))
    except AnnounceError as exc:
        log.warning("%s", exc)
        return ()
