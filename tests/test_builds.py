"""Every link to the site in a corpus site's mails is a page or file that its build has.

A few corpus sites are built with Debian's ``jekyll``, ``hugo`` and ``mkdocs`` (installed
by ``.ci/system-deps``; see tests/builds.py for the config each is built with), set up with
``announce init`` alone, and some of their events rendered with ``announce render``: each
link of the mail on the site's own host must be in the build output, and so must every
event's page that ``list --json`` gives, and the calendar, feeds and archive that
``announce feed`` and ``announce archive`` wrote before the build. The site's root is not
checked: the corpus keeps no home page.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shutil
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from announce.cli import cli
from announce.config import load_settings
from announce.sources.catalog import load_catalog

from .builds import build, missing_tools
from .sites import SITES, Site, corpus_sites, init_copy

pytestmark = pytest.mark.slow

# Site folder -> its generator, and what of its rules the build checks.
BUILT = {
    "tcsch-japanstammtisch.github.io": "jekyll",  # posts, permalink: /:year-:title
    "swcraftstras-swcraftstras.github.io": "jekyll",  # posts, the date style, categories
    "magento-meetup-austria-mage-meetup.at": "jekyll",  # a collection, /:collection/:name
    "kanazawarb-meetup": "jekyll",  # source: _posts, permalink: pretty, index pages
    "TroLUG-trolug-hugo": "hugo",  # /de/ of defaultContentLanguageInSubdir, slugs, case
    "pythonpune-meetup-talks": "hugo",  # url: in front matter; ./community_news.md links
    "pyladies-vancouver-pyladies-vancouver.github.io": "hugo",  # a section, buildFuture
    "meetup-python-grenoble-meetup-python-grenoble.github.io": "mkdocs",  # docs_dir, covers
}
# Files of the real repositories (at the corpus's commits) that the rendered mails link to
# and the corpus left out (images, slides, pages that are no events), restored before the
# build as the real build has them: empty, or a page with nothing that moves its URL.
_PAGE = '+++\ntitle = "A page"\n+++\n'
LEFT_OUT = {
    "meetup-python-grenoble-meetup-python-grenoble.github.io": {
        "content/events/2022-09-29/slides.html": "",
        "content/events/2022-09-29/static/banner.png": "",
        "content/events/2024-06-27/static/cover.png": "",
        "content/events/2026-03-26/static/cover.jpg": "",
    },
    "pyladies-vancouver-pyladies-vancouver.github.io": {
        "content/lightning-talks.md": _PAGE,
        "static/img/lightning-talks-2026-08-banner.png": "",
    },
    "swcraftstras-swcraftstras.github.io": {
        "assets/img/event-a-dramatic-reading-of-the-agile-manifeto-romeu-moura.png": "",
        "assets/img/location_plage-digitale-2023.png": "",
    },
}


def _urls_json() -> dict[str, dict[str, str]]:
    data = json.loads((SITES / "urls.json").read_text(encoding="utf-8"))
    return {name: info["urls"] for name, info in data.items() if not name.startswith("_")}


def _site(name: str) -> Site:
    """The corpus site ``name`` (inside the test: without ../shared it skips, or fails with
    CI=true, there rather than at collection)."""
    return next(site for site in corpus_sites() if site.name == name)


@pytest.fixture(scope="module")
def tools() -> None:
    missing = missing_tools()
    if missing:
        message = f"needs {', '.join(missing)} (make system-deps installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _links(eml: bytes, host: str) -> set[str]:
    """The paths of the mail's links and images on ``host``."""
    message = email.message_from_bytes(eml, policy=email.policy.default)
    found: set[str] = set()
    for part in message.walk():
        if part.get_content_type() not in ("text/html", "text/plain"):
            continue
        text = part.get_content()
        for url in re.findall(r"https?://[^\s\"'<>()]+", text):
            url = url.replace("&amp;", "&").rstrip(".,;")
            parts = urlsplit(url)
            if parts.hostname == host:
                found.add(unquote(parts.path))
    return found


def _in_build(path: str, out: Path, prefix: str) -> bool:
    """Whether the build has what ``path`` serves: a file, a folder's index.html, or
    (a Jekyll URL without an extension) the .html file of that name."""
    if prefix and path.startswith(prefix):
        path = path[len(prefix):]
    relative = path.lstrip("/")
    candidates = [out / relative / "index.html"] if path.endswith("/") else [
        out / relative, out / f"{relative}.html", out / relative / "index.html"]
    return any(c.is_file() for c in candidates)


@pytest.mark.parametrize("name", sorted(BUILT))
def test_every_link_to_the_site_in_its_mails_is_in_its_build(
        name: str, tmp_path: Path, tools: None) -> None:
    site = _site(name)
    config = init_copy(site, tmp_path)
    assert config is not None
    root = config.parent
    settings = load_settings(config)
    if not settings.site.url:  # the site's config names none: the organizer sets it
        text = config.read_text(encoding="utf-8").replace(
            "# url = ", "url = ", 1)
        config.write_text(text, encoding="utf-8")
        settings = load_settings(config)
    events = load_catalog(settings).events
    wanted = set(_urls_json().get(site.name, {}))
    chosen = [e for e in events if e.id in wanted] or list(events[-3:])
    # The site's calendar and archive, where announce puts them for the build to publish.
    for command in ("feed", "archive"):
        made = CliRunner().invoke(cli, [command, "--config", str(config)])
        assert made.exit_code == 0, made.output
    build_root = tmp_path / "build"
    shutil.copytree(root, build_root)
    for restored, text in LEFT_OUT.get(site.name, {}).items():
        (build_root / restored).parent.mkdir(parents=True, exist_ok=True)
        (build_root / restored).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    build(BUILT[site.name], build_root, out)

    parts = urlsplit(settings.site.url)
    prefix = parts.path.rstrip("/")
    published = [f"/announce/{name}" for name in (
        "events.ics", "events.atom", "events.json", "subscribe.html", "archive/index.html")]
    assert [path for path in published if not _in_build(path, out, "")] == []
    checked, missing = 0, []
    for event in chosen:
        eml = tmp_path / f"{event.id.replace('/', '_')}.eml"
        result = CliRunner().invoke(cli, [
            "render", event.id, "--kind", "announcement", "--force", "--to", "a@example.org",
            "--now", (event.start - timedelta(days=1)).isoformat(), "-o", str(eml),
            "--config", str(config)])
        assert result.exit_code == 0, result.output
        for path in _links(eml.read_bytes(), parts.hostname or "") - {prefix + "/", prefix, ""}:
            checked += 1
            if not _in_build(path, out, prefix):
                missing.append(f"{event.id}: {path}")
    assert not missing, "links to pages the build does not have:\n" + "\n".join(missing)
    assert checked, "no link to the site in the mails: nothing was checked"
    # And every event's page that list --json gives (today) is a page of the build.
    listed = CliRunner().invoke(cli, ["list", "--all", "--json", "--config", str(config)])
    rows = json.loads(listed.stdout)
    pages = [row["url"] for row in rows if row["url"]]
    assert len(pages) == len(rows), [row["sources"].get("url") for row in rows if not row["url"]]
    assert [url for url in pages if not _in_build(unquote(urlsplit(url).path), out, prefix)] == []
