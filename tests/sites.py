"""The real sites of ``../shared/corpus/sites/``: their roots, zones and hand-read facts.

``facts.json`` says, for each site folder, where the site's root is (where an organizer
runs ``announce init``), the group's timezone, and facts read by hand. Tests take every
site from it, never from a list of their own, so that a site added to the corpus is tested
too; a site announce cannot read yet is reported by the test that needs it, never a crash.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
