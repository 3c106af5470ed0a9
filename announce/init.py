"""``announce init``: write ``announce.toml`` (and the GitHub workflow) for a site repository.

The config is ``config.example.toml`` itself, with the facts found in the site filled in:
the content folders (a Jekyll ``_events``/``_locations``, else ``content/``) and, from a
Jekyll ``_config.yml``, the site's name, url, timezone and event permalink. Example values
that would otherwise end up in real mail (reply address, unsubscribe links, RSVP group,
call for lightning talks) are written commented out. There is one hand-maintained copy of
each text: ``config.example.toml`` and ``examples/github/announce.yml`` at the top of the
repository, which the wheel carries as ``announce/data/`` (see pyproject.toml).
"""

from __future__ import annotations

import json
import re
import tempfile
import zoneinfo
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import yaml

from .config import DEFAULT_CONFIG_NAME, load_settings
from .errors import ConfigError

__all__ = [
    "WORKFLOW_PATH",
    "InitResult",
    "SiteFacts",
    "config_text",
    "detect_site",
    "init_site",
    "packaged_text",
    "workflow_text",
]

WORKFLOW_PATH = Path(".github/workflows/announce.yml")

# Packaged name -> where the same file lives in a source checkout.
_SHIPPED = {
    "config.example.toml": Path("config.example.toml"),
    "workflow.yml": Path("examples/github/announce.yml"),
}

# Example values that are fine for the demo but wrong in a real group's mail.
_COMMENTED_OUT = (
    ("mail", "reply_to"),
    ("mail", "list_id"),
    ("mail", "unsubscribe"),
    ("rsvp", "meetup_group"),
    ("lightning_talks", "propose_url"),
)

# "HV Open - An Open Technology meetup serving ..." -> "HV Open": the name goes into every
# subject line, where a tagline does not belong.
_TAGLINE = re.compile(r"\s+[-–—|:]\s+")


@dataclass(frozen=True)
class SiteFacts:
    """What ``init`` found in a site repository; None where it found nothing."""

    jekyll: bool
    events: str
    locations: str
    name: str | None = None
    url: str | None = None
    timezone: str | None = None
    permalink: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class InitResult:
    """The files ``init`` wrote (or kept), and what it found."""

    facts: SiteFacts
    written: tuple[Path, ...]
    kept: tuple[Path, ...] = field(default=())


def packaged_text(name: str) -> str:
    """A text file shipped with announce: from the installed package, else the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "data" / name, here.parent / _SHIPPED[name]):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise ConfigError(f"{here / 'data' / name}: missing from this installation of announce")


def workflow_text() -> str:
    """The GitHub workflow that ``init --github`` writes (examples/github/announce.yml)."""
    return packaged_text("workflow.yml")


def detect_site(root: Path) -> SiteFacts:
    """Find the content folders and, in a Jekyll ``_config.yml``, the site's facts."""
    jekyll_config = root / "_config.yml"
    data = _read_yaml(jekyll_config) if jekyll_config.is_file() else {}
    collections_dir = _text(data.get("collections_dir")).strip("/")
    base = f"{collections_dir}/" if collections_dir else ""
    notes: list[str] = []
    if (root / f"{base}_events").is_dir():
        jekyll, events, locations = True, f"{base}_events", f"{base}_locations"
    else:
        jekyll, events, locations = False, "content/events", "content/locations"
        if not (root / events).is_dir():
            notes.append(f"no _events/ or content/events/ folder here: put talks in {events}/")

    name = _text(data.get("title")) or _text(data.get("name"))
    name = _TAGLINE.split(" ".join(name.split()), maxsplit=1)[0] if name else ""

    url = _text(data.get("url")).rstrip("/")
    if url and not url.startswith(("https://", "http://")):
        notes.append(f"_config.yml: url: {url!r} is not an http(s) URL; left out")
        url = ""
    baseurl = _text(data.get("baseurl")).strip("/")
    if url and baseurl:
        url = f"{url}/{baseurl}"

    timezone = _text(data.get("timezone"))
    if timezone:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            notes.append(f"_config.yml: timezone: unknown timezone {timezone!r}; left out")
            timezone = ""

    permalink: str | None = None
    if jekyll:
        collections = data.get("collections")
        events_collection = collections.get("events") if isinstance(collections, dict) else None
        if isinstance(events_collection, dict):
            permalink = _text(events_collection.get("permalink"))
        if not permalink:
            # Jekyll's default (/:collection/:path:output_ext) has no equivalent here.
            permalink = ""
            notes.append("no events permalink in _config.yml: mails will not link to event "
                         "pages until [site] permalink is set")
    return SiteFacts(
        jekyll=jekyll, events=events, locations=locations, name=name or None,
        url=url or None, timezone=timezone or None, permalink=permalink, notes=tuple(notes),
    )


def config_text(facts: SiteFacts) -> str:
    """``config.example.toml`` with the site's facts filled in and demo values commented out."""
    text = packaged_text("config.example.toml")
    if facts.name is not None:
        old_name = _value(text, "site", "name")
        text = _set(text, "site", "name", facts.name)
        display, address = parseaddr(_value(text, "mail", "from"))
        if display == old_name:
            # The sender's address stays the example's: only the user can know theirs.
            sender = Address(display_name=facts.name, addr_spec=address)
            text = _set(text, "mail", "from", str(sender))
    for key, value in (("url", facts.url), ("timezone", facts.timezone),
                       ("permalink", facts.permalink)):
        if value is not None:
            text = _set(text, "site", key, value)
    text = _set(text, "content", "events", facts.events)
    text = _set(text, "content", "locations", facts.locations)
    for section, key in _COMMENTED_OUT:
        text = _comment_out(text, section, key)
    return text


def init_site(root: Path, *, github: bool = False, force: bool = False) -> InitResult:
    """Write ``announce.toml`` (and, with ``github``, the workflow) into ``root``.

    Never overwrites a file unless ``force``: an existing file is an error that names it,
    and then nothing is written. With ``github``, an existing ``announce.toml`` is kept
    (the workflow reads it) and only the workflow is written.
    """
    config_path = root / DEFAULT_CONFIG_NAME
    workflow_path = root / WORKFLOW_PATH
    facts = detect_site(root)
    keep_config = github and not force and config_path.exists()
    targets = [] if keep_config else [config_path]
    if github:
        targets.append(workflow_path)
    if not force:
        for path in targets:
            if path.exists():
                raise ConfigError(
                    f"{path.relative_to(root)}: already exists; nothing was written "
                    "(--force overwrites it)"
                )
    contents = {config_path: config_text(facts), workflow_path: workflow_text()}
    if not keep_config:
        _check_config(contents[config_path], config_path)
    for path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(contents[path], encoding="utf-8", newline="\n")
    return InitResult(
        facts=facts,
        written=tuple(path.relative_to(root) for path in targets),
        kept=(config_path.relative_to(root),) if keep_config else (),
    )


def _check_config(text: str, path: Path) -> None:
    # What init writes must load: a failure here is a bug in announce, not the user's.
    with tempfile.TemporaryDirectory(prefix="announce-init-") as scratch:
        candidate = Path(scratch) / path.name
        candidate.write_text(text, encoding="utf-8")
        try:
            load_settings(candidate)
        except ConfigError as exc:
            raise ConfigError(f"{path.name}: announce init made an invalid config, please "
                              f"report it: {exc}") from None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ConfigError(f"{path.name}:{line}: not valid YAML: {exc.problem}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: cannot read: {exc}") from None
    return data if isinstance(data, dict) else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


_SECTION = re.compile(r"^\[([A-Za-z_]+)\]\s*$")


def _key_line(text: str, section: str, key: str) -> tuple[list[str], int]:
    """The lines of ``text`` and the index of ``key = ...`` in ``[section]`` (not commented)."""
    lines = text.splitlines(keepends=True)
    pattern = re.compile(rf"^{re.escape(key)}\s*=")
    current, found = "", []
    for index, line in enumerate(lines):
        if heading := _SECTION.match(line):
            current = heading.group(1)
        elif current == section and pattern.match(line):
            found.append(index)
    if len(found) != 1:
        # config.example.toml lost (or doubled) a key that init fills in.
        raise AssertionError(f"config.example.toml: [{section}] {key}: expected once, "
                             f"found {len(found)} times")
    return lines, found[0]


def _value(text: str, section: str, key: str) -> str:
    lines, index = _key_line(text, section, key)
    value = lines[index].split("=", 1)[1].strip()
    return str(json.loads(value)) if value.startswith('"') else value


def _set(text: str, section: str, key: str, value: str) -> str:
    lines, index = _key_line(text, section, key)
    # A JSON string is a valid TOML basic string (same escapes, for what json.dumps emits).
    lines[index] = f"{key} = {json.dumps(value, ensure_ascii=False)}\n"
    return "".join(lines)


def _comment_out(text: str, section: str, key: str) -> str:
    lines, index = _key_line(text, section, key)
    lines[index] = "# " + lines[index]
    return "".join(lines)
