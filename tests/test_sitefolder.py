"""`announce feed` and `announce archive` on every corpus site, as its organizer runs them.

Each site of ``../shared/corpus/sites/facts.json`` is set up with `announce init` (its
root and zone from facts.json); its calendar and feeds must land in the folder its
generator publishes as it is, by that generator's own rules written out here (not
announce's), and be read back by icalendar, the strict ical, feedparser and json; the
calendar's events must be `list --json`'s (start, status) under the UID of the mails'
invitations. Then two of its talks are announced to aiosmtpd on 127.0.0.1, and the
archive must hold exactly what the ledger says went out, each part as the server got
it, with no address, every link of its pages leading to a file the site publishes.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import icalendar
import pytest
import yaml
from click.testing import CliRunner, Result
from ical.calendar_stream import IcsCalendarStream
from lxml import html as lxml_html

from announce.cli import cli

from .sites import SITE_URLS, Site, corpus_sites, init_copy
from .smtpd import Server

pytestmark = pytest.mark.slow

BEFORE_ALL = "2000-01-01T00:00"  # every event to come: the whole calendar
SUBSCRIBERS = ("ada@example.org", "bob@example.org")
PELICAN_STATIC = "content/extras/announce"  # one of nairobilug's STATIC_PATHS


# --- what each generator publishes as it is, by its own documentation ------------------


def _jekyll(root: Path) -> Path:
    # https://jekyllrb.com/docs/configuration/options/: `source`; folders starting with
    # _ or . are not copied (checked below, for any site).
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    return root / str(config.get("source") or ".")


def _hugo(root: Path) -> Path:
    # https://gohugo.io/getting-started/directory-structure/: static/, or staticDir.
    for name in ("hugo.toml", "config.toml"):
        if (root / name).is_file():
            config = tomllib.loads((root / name).read_text(encoding="utf-8"))
            return root / str({k.lower(): v for k, v in config.items()}.get("staticdir",
                                                                             "static"))
    config = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8")) or {}
    return root / str({k.lower(): v for k, v in config.items()}.get("staticdir", "static"))


def _mkdocs(root: Path) -> Path:
    # https://www.mkdocs.org/user-guide/configuration/#docs_dir: other files are copied.
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    found = re.search(r"(?m)^docs_dir:\s*(\S+)", text)
    return root / (found[1] if found else "docs")


def _eleventy(root: Path) -> Path:
    # https://www.11ty.dev/docs/config/#input-directory, with a passthrough copy.
    text = (root / ".eleventy.js").read_text(encoding="utf-8")
    found = re.search(r"""input:\s*["']([^"']+)["']""", text)
    return root / (found[1] if found else ".")


SERVES: dict[str, Callable[[Path], Path]] = {
    "jekyll": _jekyll,
    "hugo": _hugo,
    "zola": lambda root: root / "static",  # https://www.getzola.org/documentation/
    "mkdocs": _mkdocs,
    "astro": lambda root: root / "public",  # https://docs.astro.build/en/basics/project-structure/
    "next": lambda root: root / "public",  # https://nextjs.org/docs/app/api-reference/file-conventions/public-folder
    "eleventy": _eleventy,
    # Static paths are PATH's folders, published under their own names:
    # https://docs.getpelican.com/en/latest/settings.html#STATIC_PATHS
    "pelican": lambda root: root / "content" / "extras",
}


def _generator(root: Path) -> str:
    markers = {"_config.yml": "jekyll", "mkdocs.yml": "mkdocs", "hugo.toml": "hugo",
               "config.yaml": "hugo", "pelicanconf.py": "pelican", ".eleventy.js": "eleventy",
               "astro.config.mjs": "astro", "next.config.js": "next"}
    for marker, name in markers.items():
        if (root / marker).is_file():
            return name
    if (root / "config.toml").is_file():
        text = (root / "config.toml").read_text(encoding="utf-8")
        return "zola" if "base_url" in text else "hugo"
    return "none"  # a folder of data files, no site: nothing to hold it to


# --- running announce as the organizer does -----------------------------------------------


def announce(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--config", str(config)], catch_exceptions=False)


def set_up(site: Site, folder: Path, server: Server | None = None) -> Path | None:
    """``init`` on a copy, and what its organizer fills in: the url when the site's
    config has none, Pelican's [feed] path, the subscribers and the SMTP server."""
    config = init_copy(site, folder)
    if config is None:
        return None
    text = config.read_text(encoding="utf-8")
    for key, url in SITE_URLS.items():
        if key in site.name:
            text = text.replace('# url = "https://example.org"', f'url = "{url}"', 1)
    if (config.parent / "pelicanconf.py").is_file():
        text = text.replace('# path = "static/announce"', f'path = "{PELICAN_STATIC}"', 1)
        text = text.replace('# url_path = "/announce"', 'url_path = "/extras/announce"', 1)
    if server is not None:
        (config.parent / "subscribers.csv").write_text(
            "email,name\n" + "".join(f"{a},{a[:3]}\n" for a in SUBSCRIBERS), encoding="utf-8")
        text = text.replace('# recipients = "subscribers.csv"', 'recipients = "subscribers.csv"')
        text += (f'\n[smtp]\nhost = "{server.host}"\nport = {server.port}\n'
                 'security = "none"\nmax_attempts = 1\n')
    config.write_text(text, encoding="utf-8")
    return config


def _published_in(folder: Path, root: Path) -> str | None:
    """Why ``folder`` is not where the site's generator publishes files as they are."""
    generator = _generator(root)
    if generator == "none":
        return None
    served = SERVES[generator](root).resolve()
    if not folder.resolve().is_relative_to(served):
        return f"{folder} is outside {served} ({generator})"
    hidden = [p for p in folder.resolve().relative_to(served).parts if p.startswith(("_", "."))]
    return f"{folder}: {hidden} is left out by {generator}" if hidden else None


# --- the feed -------------------------------------------------------------------------------


def _check_feed(site: Site, config: Path) -> list[str]:
    problems: list[str] = []
    result = announce(config, "feed", "--now", BEFORE_ALL)
    if result.exit_code != 0:
        return [f"{site.name}: feed exited {result.exit_code}: {result.output}"]
    root = config.parent
    folder = root / result.stdout.split(" into ", 1)[1].split(":", 1)[0]
    if (why := _published_in(folder, root)) is not None:
        problems.append(f"{site.name}: {why}")
    assert sorted(p.name for p in folder.iterdir()) == [
        "events.atom", "events.ics", "events.json", "subscribe.html"], site.name

    data = (folder / "events.ics").read_bytes()
    strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    items = {str(v["UID"]): v for v in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    assert len(strict.events) == len(items), site.name
    atom = feedparser.parse((folder / "events.atom").read_bytes())
    if atom.bozo:
        problems.append(f"{site.name}: events.atom: {atom.bozo_exception}")
    feed = json.loads((folder / "events.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1", site.name
    assert len(feed["items"]) == len(atom.entries) == len(items), site.name

    rows = json.loads(announce(config, "list", "--all", "--json", "--now", BEFORE_ALL).stdout)
    sure = [r for r in rows if not {"start", "title"} & set(r["unsure"])]
    domain = _domain(config)
    # Every event the organizer could send is in the calendar, as `list` reads it.
    listed = {f"{r['id'].replace('/', '.')}@{domain}":
              (datetime.fromisoformat(r["start"]), "CANCELLED" if r["cancelled"]
               else "CONFIRMED") for r in sure}
    calendar = {uid: (item.decoded("DTSTART"), str(item["STATUS"]))
                for uid, item in items.items()}
    if calendar != listed:
        wrong = sorted(set(calendar.items()) ^ set(listed.items()))[:4]
        problems.append(f"{site.name}: the calendar and list --json differ: {wrong}")
    # The UID and the instant are the ones of the mails' invitations.
    for row in sure[:: max(1, len(sure) // 2)][:3]:
        invitation = _invitation(config, row)
        uid = str(invitation["UID"])
        if uid not in items or items[uid].decoded("DTSTART") != invitation.decoded("DTSTART"):
            problems.append(f"{site.name}: {row['id']}: not in the calendar as invited ({uid})")
    return problems


def _domain(config: Path) -> str:
    """The domain of [mail] from (announce's default when init names none)."""
    from email.utils import parseaddr

    from announce.config import load_settings

    return parseaddr(load_settings(config).mail.sender)[1].rpartition("@")[2].lower()


def _invitation(config: Path, row: dict[str, Any]) -> Any:
    eml = config.parent / "invitation.eml"
    now = (datetime.fromisoformat(row["start"]) - timedelta(days=7)).isoformat()
    result = announce(config, "render", row["id"], "--kind", "announcement", "--force",
                      "--to", "a@example.org", "--now", now, "-o", str(eml))
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return next(iter(icalendar.Calendar.from_ical(payload).walk("VEVENT")))


def test_the_feeds_are_valid_where_each_generator_publishes_and_agree_with_list(
        tmp_path: Path) -> None:
    problems: list[str] = []
    read = 0
    for site in corpus_sites():
        config = set_up(site, tmp_path / "feeds")
        if config is None:  # a site announce cannot read yet: test_facts says so
            continue
        read += 1
        problems += _check_feed(site, config)
    assert read >= 15
    assert not problems, "\n".join(problems)


# --- the archive ----------------------------------------------------------------------------


def _send_two(config: Path) -> list[tuple[str, str]]:
    """Announce two talks the organizer could send; (event, kind) of what went out."""
    rows = json.loads(announce(config, "list", "--all", "--json", "--now", BEFORE_ALL).stdout)
    sent: list[tuple[str, str]] = []
    for row in reversed(rows):
        if len(sent) == 2:
            break
        if {"start", "title"} & set(row["unsure"]):
            continue
        now = (datetime.fromisoformat(row["start"]) - timedelta(days=7)).isoformat()
        result = announce(config, "send", row["id"], "--kind", "announcement", "--force",
                          "--now", now)
        if result.exit_code == 0 and f"Summary: {len(SUBSCRIBERS)} sent" in result.stdout:
            sent.append((row["id"], "announcement"))
    return sent


def _received(server: Server, start: int) -> dict[str, EmailMessage]:
    """The messages since ``start``, by subject."""
    return {str(m.message()["Subject"]): m.message() for m in server.handler.messages[start:]}


def _check_archive(site: Site, config: Path, server: Server) -> list[str]:
    start = len(server.handler.messages)
    sent = _send_two(config)
    if not sent:
        return []  # nothing a send would take (every start unsure): nothing to archive
    problems: list[str] = []
    history = json.loads(announce(config, "history", "--json").stdout)
    went_out = sorted((e["event"], e["kind"]) for e in history if e["sent"])
    assert went_out == sorted(sent), site.name
    result = announce(config, "archive")
    assert result.exit_code == 0, result.output
    root = config.parent
    folder = root / result.stdout.split(" into ", 1)[1].split(":", 1)[0]
    if (why := _published_in(folder, root)) is not None:
        problems.append(f"{site.name}: {why}")
    pages = sorted(p.parent for p in folder.rglob("mail.html"))
    if len(pages) != len(went_out):
        problems.append(f"{site.name}: {len(pages)} pages for {len(went_out)} messages sent")
    received = _received(server, start)
    for page in pages:
        shown = lxml_html.parse(str(page / "index.html")).getroot()
        subject = shown.findtext(".//h1")
        message = received.get(subject or "")
        if message is None:
            problems.append(f"{site.name}: {page}: {subject!r} was not sent")
            continue
        for name, kind in (("mail.html", "html"), ("mail.txt", "plain")):
            part = message.get_body(preferencelist=(kind,))
            assert part is not None
            if (page / name).read_text(encoding="utf-8") != part.get_content().replace(
                    "\r\n", "\n"):
                problems.append(f"{site.name}: {page / name} is not the part as sent")
    problems += _links_and_addresses(site, folder)
    return problems


def _links_and_addresses(site: Site, folder: Path) -> list[str]:
    """Every page's own links lead to a file of the archive; no address in any file."""
    problems = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for address in (*SUBSCRIBERS, "To:"):
            if address in text:
                problems.append(f"{site.name}: {path} holds {address!r}")
        if path.name != "index.html":
            continue
        for link in lxml_html.parse(str(path)).getroot().xpath("//a/@href | //iframe/@src"):
            if urlsplit(link).scheme:
                continue
            target = (path.parent / link).resolve()
            if not (target.is_file() or (target / "index.html").is_file()):
                problems.append(f"{site.name}: {path}: {link} leads nowhere")
    return problems


def test_the_archive_holds_what_went_out_where_the_site_publishes_it(
        tmp_path: Path, smtp_server: Server) -> None:
    problems: list[str] = []
    archived = 0
    for site in corpus_sites():
        config = set_up(site, tmp_path / "archives", smtp_server)
        if config is None:
            continue
        before = len(smtp_server.handler.messages)
        problems += _check_archive(site, config, smtp_server)
        archived += len(smtp_server.handler.messages) > before
    assert archived >= 12, "too few corpus sites sent anything"
    assert not problems, "\n".join(problems)
