"""The site's archive of what was sent: ``announce archive``.

What a newsletter service's campaign archive gives, for a static site: a page for each
message that went out, and an index of them, from the copies the ledger keeps
(:mod:`announce.ledger.copies`: each message once, as every recipient got it, with no
address). Into ``archive/`` beside the feeds (:func:`announce.sitefolder.feed_folder`), so the
site publishes it where it publishes them:

- ``archive/index.html``: every message, the newest first;
- ``archive/<event>/<kind>/index.html``: its subject, when it was sent, the mail in a
  frame and the plain text below it;
- ``archive/<event>/<kind>/mail.html`` and ``mail.txt``: its two parts, as sent.

Only what reached people: a dry run, a preview, ``announce render`` and the outbox keep no
copy that counts. The pages are the templates ``archive.html`` (the layout: the site's own
one in ``[templates] path`` wraps them, a whole page or a front-matter page that the
site's generator wraps in its theme), ``archive_index.html`` and ``archive_message.html``,
sandboxed as the mail's are. A file is rewritten only when it changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .config import Settings
from .content import Problem
from .errors import TemplateError
from .ledger import Copy, Ledger
from .sitefolder import feed_folder, write_if_changed

__all__ = ["Archive", "ArchiveFiles", "archive_problems", "read_archive", "write_archive"]

FOLDER = "archive"
LAYOUT, INDEX, PAGE = "archive.html", "archive_index.html", "archive_message.html"


@dataclass(frozen=True)
class Archive:
    """What the ledger says went out."""

    copies: tuple[Copy, ...]  # each message that reached people, the oldest first
    # Messages the ledger says went out with no copy kept: sent by an announce from
    # before copies (its format 5), they cannot be shown.
    without_copy: int = 0


@dataclass(frozen=True)
class ArchiveFiles:
    """What :func:`write_archive` wrote, and where."""

    folder: Path
    pages: tuple[Path, ...]  # the index first, then each message's page
    changed: int  # files written (the others were the same already)


def read_archive(settings: Settings) -> Archive:
    """The copies of the ledger at ``[ledger] path`` (no ledger: nothing was sent)."""
    from .ledger.copies import OUTBOX

    ledger = Ledger.open_readonly(settings.ledger.path)
    if ledger is None:
        return Archive(())
    with ledger:
        copies = ledger.copies()
        history = ledger.history()
    kept = {(c.event, c.kind) for c in copies}
    went_out = [e for e in history if e.sent and any(t != OUTBOX for t in e.transports)]
    return Archive(tuple(c for c in copies if c.delivered),
                   sum(1 for e in went_out if (e.event, e.kind) not in kept))


def write_archive(settings: Settings, archive: Archive, folder: Path | None = None
                  ) -> ArchiveFiles:
    """Write the index and every message's page into ``folder`` (by default ``archive/``
    in :func:`~announce.sitefolder.feed_folder`)."""
    folder = folder or feed_folder(settings)[0] / FOLDER
    files = {folder / name: data for name, data in _pages(settings, archive.copies).items()}
    changed = sum(write_if_changed(path, data) for path, data in files.items())
    return ArchiveFiles(folder, tuple(p for p in files if p.name == "index.html"), changed)


def archive_problems(settings: Settings) -> list[Problem]:
    """For ``check``: the archive's templates (a site's own layout above all) render."""
    from datetime import UTC

    sample = Copy("2027/sample-event", "announcement", "Sample subject", "<p>Sample</p>",
                  "Sample", datetime(2027, 1, 1, tzinfo=UTC), "smtp://sample")
    try:
        _pages(settings, (sample,))
    except TemplateError as exc:
        return [Problem(Path(str(exc.path or settings.source or "announce.toml")),
                        exc.line or 1, "", f"announce archive: {exc.detail or exc}",
                        "error")]
    return []


def _pages(settings: Settings, copies: tuple[Copy, ...]) -> dict[str, bytes]:
    """Every file of the archive, by its path below ``archive/``: the index first."""
    env, context = _environment(settings)
    files: dict[str, bytes] = {}
    rows = []
    for copy, slug in zip(copies, _slugs(copies), strict=True):
        message = {"subject": copy.subject, "kind": copy.kind.partition(":")[0],
                   "event": copy.event, "sent": copy.sent_at,
                   "sent_on": _sent_on(settings, copy.sent_at), "text": copy.text,
                   "html_url": "mail.html", "text_url": "mail.txt"}
        up = "../" * (slug.count("/") + 1)
        files[f"{slug}/index.html"] = _render(settings, env, PAGE, context | {
            "title": copy.subject, "message": message, "index_url": up + "index.html"})
        files[f"{slug}/mail.html"] = copy.html.encode("utf-8")
        files[f"{slug}/mail.txt"] = copy.text.encode("utf-8")
        rows.append({**message, "url": f"{slug}/"})
    index = _render(settings, env, INDEX, context | {
        "title": context["index_title"], "messages": rows[::-1],  # the newest first
        "message": None, "index_url": "index.html"})
    return {"index.html": index, **files}


def _environment(settings: Settings) -> tuple[Any, dict[str, Any]]:
    from .render.templates import environment, language_of

    tag = settings.site.language or "en"
    env = environment(settings, tag)
    lang = language_of(tag, settings.templates.path)
    name = settings.site.name or "Events"
    return env, {"site": {"name": name, "url": settings.site.url or None},
                 "lang": tag, "index_title": f"{name}: {lang.gettext('Past announcements')}"}


def _render(settings: Settings, env: Any, name: str, context: Mapping[str, Any]) -> bytes:
    from .render.templates import render_template

    return render_template(env, name, context, settings.templates.path).encode("utf-8")


def _sent_on(settings: Settings, moment: datetime) -> str:
    from .render.templates import language_of
    from .timefmt import long_date

    tag = settings.site.language or "en"
    return long_date(moment.astimezone(settings.site.tz),
                     language_of(tag, settings.templates.path))


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _slugs(copies: tuple[Copy, ...]) -> list[str]:
    """Each copy's folder below ``archive/``: its event id's path (``2027/2027-02-03-x``)
    and its kind (``update-2``), in letters a URL keeps as they are. Stable: a new copy
    sorts after the others, so it never takes an older one's folder."""
    taken: set[str] = set()
    slugs = []
    for copy in copies:
        parts = [_UNSAFE.sub("-", part).strip("-.") for part in copy.event.split("/")]
        base = "/".join([p for p in parts if p] or ["event"]) + "/" + _UNSAFE.sub(
            "-", copy.kind).strip("-.")
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        slugs.append(slug)
    return slugs
