"""The real sites of ``../shared/corpus/sites/``: their roots, zones and hand-read facts.

``facts.json`` says, for each site folder, where the site's root is (where an organizer
runs ``announce init``), the group's timezone, and facts read by hand. Tests take every
site from it, never from a list of their own, so that a site added to the corpus is tested
too; a site announce cannot read yet is reported by the test that needs it, never a crash.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from announce.config import Settings, load_settings
from announce.content import Catalog, Event, parse_datetime
from announce.errors import ContentError
from announce.kinds import plan
from announce.render import Rendered, render_event
from announce.sources.catalog import load_catalog

from .conftest import SHARED, shared

SITES = SHARED / "corpus" / "sites"


@dataclass(frozen=True)
class Site:
    """One corpus site as facts.json describes it."""

    name: str  # its folder in sites/
    root: str  # the site root below the folder ("." or "packages/site")
    tz: str
    events: int  # how many events it really has
    facts: dict[str, dict[str, Any]]

    def copy(self, folder: Path) -> Path:
        """A copy of the site in ``folder`` (the corpus is never written to): its root."""
        target = folder / self.name
        if not target.exists():
            shutil.copytree(SITES / self.name, target)
        return target / self.root


def corpus_sites() -> list[Site]:
    """Every site of facts.json, by folder name (skips, or fails with CI=true, without
    the corpus)."""
    data = json.loads((shared(SITES) / "facts.json").read_text(encoding="utf-8"))
    return [Site(name, info["root"], info["tz"], info["events"], info["facts"])
            for name, info in sorted(data.items()) if not name.startswith("_")]


def init_copy(site: Site, folder: Path) -> Path | None:
    """``announce init --timezone`` on a copy of ``site``: the config's path, or None when
    init found no events folder there (the site cannot be read yet)."""
    from announce.init import init_site

    root = site.copy(folder)
    init_site(root, timezone=site.tz, force=True)
    config = root / "announce.toml"
    return config if config.is_file() else None


# --- rendering a site's events as its organizer would send them ---------------------------

# Sites whose generator config names no url: where they are published (as test_sites.py).
SITE_URLS = {"swcraftstras": "https://swcraftstras.github.io",
             "kanazawarb": "https://meetup.kzrb.org"}


@dataclass(frozen=True)
class Corpus:
    """A corpus site read as announce reads it, ready to render its events."""

    name: str
    settings: Settings
    catalog: Catalog

    def now(self) -> datetime:
        # Before every event: each renders as it would have been sent.
        return parse_datetime("2000-01-01T00:00", self.settings.site.tz)

    def render(self, event: Event, kind: str) -> Rendered:
        return render_event(self.settings, self.catalog, event, kind, self.now(),
                            plan=plan(event, kind, self.settings.schedule))

    def event(self, key: str) -> Event:
        """The event whose id is ``key``, else whose id contains it."""
        found = [e for e in self.catalog.events if e.id == key] or [
            e for e in self.catalog.events if key in e.id]
        assert found, f"{self.name}: no event {key!r}"
        return min(found, key=lambda e: len(e.id))


def read_corpus(site: Site, folder: Path, *, sure_only: bool = True) -> Corpus | None:
    """``site`` initialised in a copy under ``folder`` and read; None when announce
    cannot read it yet. Events whose start is unsure are left out (never sent) unless
    ``sure_only`` is false."""
    # Where each group meets comes from facts.json (init --timezone): init would take the
    # machine's zone where the site names none.
    config = init_copy(site, folder)
    if config is None:
        return None
    text = config.read_text(encoding="utf-8")
    for key, url in SITE_URLS.items():
        if key in site.name:  # init says the site names no url; the organizer sets it
            text = text.replace('# url = "https://example.org"', f'url = "{url}"', 1)
    config.write_text(text, encoding="utf-8")
    settings = load_settings(config)
    try:
        catalog = load_catalog(settings)
    except ContentError:  # no events folder: a site announce cannot read yet
        return None
    if not sure_only:
        return Corpus(site.name, settings, catalog)
    return Corpus(site.name, settings, dataclasses.replace(
        catalog, events=tuple(e for e in catalog.events if not e.unsure)))


def one_per_site(folder: Path, hv_open: str = "") -> list[tuple[Corpus, Event]]:
    """HV Open (its config with ``hv_open`` added) and every corpus site announce reads,
    each with one event: its latest that would be sent (its start sure), else, on a site
    whose every start is unsure, its latest. What ``make screenshots`` shows."""
    from .conftest import write_hv_open_config

    settings = load_settings(write_hv_open_config(folder / "hvopen.toml", hv_open))
    corpora = [Corpus("hvopen", settings, load_catalog(settings))]
    for site in corpus_sites():
        corpus = read_corpus(site, folder)
        if corpus is not None and not corpus.catalog.events:  # every start unsure
            corpus = read_corpus(site, folder, sure_only=False)
        if corpus is not None and corpus.catalog.events:
            corpora.append(corpus)
    return [(corpus, max(corpus.catalog.events, key=lambda e: (e.start, e.id)))
            for corpus in corpora]


def site_named(fragment: str) -> Site:
    """The corpus site whose folder name contains ``fragment``."""
    (site,) = [s for s in corpus_sites() if fragment in s.name]
    return site


# --- scoring what announce reads against the hand-read facts ---------------------------------

FIELDS = ("start", "title", "venue", "speakers")
# The `list --json` name of each fact's field (what `unsure` names).
UNSURE_NAME = {"start": "start", "title": "title", "venue": "location", "speakers": "speakers"}


@dataclass(frozen=True)
class Reading:
    """What announce read of a site: `list --all --json`, and the files `check` names."""

    rows: list[dict[str, Any]]
    named: frozenset[str]  # the paths of check's error lines, relative to the site root


def read_site(site: Site, folder: Path) -> Reading | None:
    """``init``, ``list --all --json`` and ``check`` on a copy of ``site``, as an organizer
    runs them; None when announce cannot read the site (no events folder found)."""
    from click.testing import CliRunner

    from announce.cli import cli

    config = init_copy(site, folder)
    if config is None:
        return None
    result = CliRunner().invoke(cli, ["list", "--all", "--json", "--config", str(config)])
    if result.exit_code != 0:
        return None
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    checked = CliRunner().invoke(cli, ["check", "--config", str(config)])
    named = frozenset(line.split(": ", 1)[1].split(":", 1)[0]
                      for line in checked.output.splitlines() if line.startswith("error: "))
    return Reading(rows, named)


def verdicts(reading: Reading | None, key: str, fact: dict[str, Any]) -> dict[str, str]:
    """The judgement of each field of one fact: an event that did not load is "unsure"
    when `check` names its file with an error (the organizer is told, nothing is sent),
    "wrong" when it is dropped silently; a site not read at all is "not read"."""
    if reading is None:
        return dict.fromkeys(FIELDS, "not read")
    row = find_event(reading.rows, key)
    if row is None and any(key in path for path in reading.named):
        return dict.fromkeys(FIELDS, "unsure")
    return judge(row, fact)


def find_event(rows: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    """The event a facts.json key means: its id, else an id or path containing the key,
    else the event with that title (data-file entries)."""
    for match in (lambda r: r["id"] == key, lambda r: key in r["id"] or key in r["path"],
                  lambda r: r["title"] == key):
        found = [row for row in rows if match(row)]
        if found:
            return min(found, key=lambda r: len(r["id"]))
    return None


def _same(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()) == " ".join((b or "").split())


def judge(row: dict[str, Any] | None, fact: dict[str, Any]) -> dict[str, str]:
    """Field -> "right", "unsure" (wrong or unknown, but marked so) or "wrong" (silently:
    the organizer would mail it). A missing event is wrong in every field."""
    if row is None:
        return dict.fromkeys(FIELDS, "wrong")
    import datetime as dt

    unsure = set(row.get("unsure", []))
    start = dt.datetime.fromisoformat(row["start"])
    if "start" in fact:
        right = start.astimezone(dt.UTC) == dt.datetime.fromisoformat(fact["start"])
    else:  # only the date is stated anywhere: right is that date, marked unsure
        right = start.date().isoformat() == fact["date"] and "start" in unsure
    venue = row["location"]
    wanted = fact["venue"]
    checks = {
        "start": right,
        "title": _same(row["title"], fact["title"]),
        "venue": (venue is None and wanted is None) or (
            venue is not None and wanted is not None
            and (_same(venue, wanted) or _same(venue.split(",")[0], wanted))),
        "speakers": sorted(" ".join(s.split()) for s in row["speakers"]) == sorted(
            fact["speakers"]),
    }
    return {name: "right" if ok else "unsure" if UNSURE_NAME[name] in unsure else "wrong"
            for name, ok in checks.items()}
