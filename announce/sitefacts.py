"""What ``announce init`` finds in a site repository (:class:`SiteFacts`): the generator,
the events folder and the key map its event files use (inferred by
:mod:`announce.sources.infer`), and from the generator's config, as its profile reads it,
the site's name, url, timezone and language.

Nothing here branches on a generator's name: its entry in :mod:`announce.sources.profiles`
says where its events go, whether a mistake in its config stops it, and its clock.
"""

from __future__ import annotations

import json
import os
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import ConfigError
from .i18n import language_problem

if TYPE_CHECKING:
    from .sources.profiles import Generator
    from .sources.siteconfigs import SiteConfig

__all__ = ["GUESSED_START", "SiteFacts", "detect_site", "machine_timezone"]

# "HV Open - An Open Technology meetup serving ..." -> "HV Open": the name goes into every
# subject line, where a tagline does not belong.
_TAGLINE = re.compile(r"\s+[-–—|:]\s+")


@dataclass(frozen=True)
class SiteFacts:
    """What ``init`` found in a site repository; None where it found nothing."""

    events: str
    locations: str
    name: str | None = None
    url: str | None = None
    timezone: str | None = None
    # None: announce finds each event's page by the generator's rules (announce.pages).
    permalink: str | None = None
    notes: tuple[str, ...] = ()
    generator: str = "generic"
    generator_label: str = "a content/ folder"
    language: str | None = None
    # The key map, lookups and other [content] settings inferred from the event files.
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Field -> the other candidate key nothing told from the chosen one (init asks).
    alternatives: dict[str, str] = field(default_factory=dict)
    lookups: dict[str, str] = field(default_factory=dict)
    default_time: str | None = None
    exclude: tuple[str, ...] = ()
    # The timezone is the machine's, not the site's: said so.
    timezone_guessed: bool = False
    not_speakers: tuple[str, ...] = ()
    utc_times: str | None = None
    expect: tuple[str, ...] = ()
    events_count: int = 0
    naive_times: str | None = None
    meetup_group: str | None = None

    @property
    def data(self) -> bool:
        """Whether the events are entries of data files (``events = "events.toml"``)."""
        from .sources.lookup import DATA_SUFFIXES

        return Path(self.events).suffix.lower() in DATA_SUFFIXES


# A typical evening meetup; init says so, loudly, when it has to use it.
GUESSED_START = "18:30"


def detect_site(root: Path, timezone: str | None = None) -> SiteFacts:
    """Find the generator, the events and the keys they use, and the site's facts;
    ``timezone`` is the organizer's answer (``init --timezone``), which wins."""
    from .sources.infer import infer_site
    from .sources.profiles import GENERIC

    inference = infer_site(root)
    generator = inference.generator
    notes: list[str] = []
    if inference.site_dir:
        notes.append(f"the {generator.label} site is in {inference.site_dir}/: "
                     f"its config is read from there")
    config_file = generator.config_file(root / inference.site_dir)
    if generator.config_must_parse and config_file is not None:
        _must_parse(config_file)  # its own mistake, with its line: init stops
    facts = _config_facts(inference.config, generator, notes)
    events = inference.events or facts["events"]
    if not inference.events and not (root / events).is_dir():
        notes.append(f"no event files found: put talks in {events}/")
    locations = inference.locations or facts["locations"]
    if not facts["url"]:
        notes.append("the site's config gives no url: set [site] url in announce.toml "
                     "(links and images in talks are made absolute against it)")
    if timezone:
        facts["timezone"] = timezone
    timezone, guessed = facts["timezone"], False
    if not timezone:
        from .sources.evidence import guess_zone

        # The zone whose rules fit the offsets the files write (+01:00 winters, +02:00
        # summers), else this machine's.
        found = guess_zone(inference.offsets, facts["language"] or "",
                           f"{facts['name']} {facts['url']} {root.resolve().name}")
        if found is not None:
            timezone, why = found
            guessed = True
            notes.append(f"the site's config names no timezone: {timezone}, from the files "
                         f"({why}); set [site] timezone, or init --timezone, if it is not "
                         "where the group meets")
        else:
            timezone, guessed = machine_timezone(), True
            notes.append(f"the site's config names no timezone: using this machine's "
                         f"({timezone}); set [site] timezone (or init --timezone ZONE) if the "
                         "group meets elsewhere")
    default_time = None
    if inference.date_only:
        # A suggestion, written commented out: a time nobody wrote must not reach the list
        # unless the organizer says so (send refuses an event unsure of its start).
        default_time = GUESSED_START
        count = inference.date_only
        notes.append(f"{count} event{'s give' if count != 1 else ' gives'} only a date and no "
                     "time of day anywhere: they are unsure and send refuses them; if the "
                     "group always meets at one time, uncomment [content] default_time "
                     f"(suggested: {GUESSED_START}) in announce.toml")
    from .sources.evidence import utc_habit

    utc_times, utc_note = utc_habit(root, inference.utc_written, timezone, inference.templates)
    if utc_note:
        notes.append(utc_note)
    notes.extend(inference.notes)
    language = _language(facts["language"])
    missing = language_problem(language) if language else None
    if language and missing:
        # English mails, said so, rather than a config every command refuses.
        notes.append(f"the site's language is {json.dumps(language)}, and announce has "
                     f"{missing}; init wrote language = \"en\"")
        language = None
    return SiteFacts(
        events=events, locations=locations,
        name=facts["name"] or None, url=facts["url"] or None, timezone=timezone,
        notes=tuple(notes), generator=generator.name,
        generator_label=generator.label if generator is not GENERIC else "a content/ folder",
        language=language, keys=inference.keys, lookups=inference.lookups,
        alternatives=inference.alternatives,
        default_time=default_time, exclude=inference.exclude, timezone_guessed=guessed,
        not_speakers=inference.not_speakers, utc_times=utc_times, expect=inference.expect,
        events_count=inference.events_count,
        # Hugo reads dates without offset in its timeZone if it has one, else in UTC.
        naive_times="local" if generator.clock == "zone-else-utc" and facts["timezone"]
        else None,
        meetup_group=inference.meetup_group or None,
    )


def _language(code: str) -> str | None:
    # "en-us", "fr-FR", "de": the HTML lang attribute takes these as they are.
    code = code.strip().replace("_", "-")
    return code if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", code) else None


def machine_timezone() -> str:
    """This machine's IANA timezone: $TZ, else /etc/localtime's link, else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        link = os.readlink("/etc/localtime")
        candidates.append(link.split("zoneinfo/", 1)[-1])
    except OSError:
        pass
    for name in candidates:
        if name and _valid_zone(name):
            return name
    return "UTC"


def _valid_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _config_facts(config: SiteConfig, generator: Generator, notes: list[str]
                  ) -> dict[str, Any]:
    """Name, url, timezone and language from what the generator's config says, and the
    folders its events and locations go in when init finds none."""
    where = config.path.name if config.path is not None else f"{generator.label} config"
    url = config.url.rstrip("/")
    if url and not url.startswith(("https://", "http://")):
        notes.append(f"{where}: url: {url!r} is not an http(s) URL; left out")
        url = ""
    notes.extend(f"{where}: {note}" for note in config.notes)
    name = config.name
    name = _TAGLINE.split(" ".join(name.split()), maxsplit=1)[0] if name else ""
    events, locations = generator.folders(config)
    return {"name": name, "url": url, "timezone": config.timezone,
            "language": config.language, "events": events, "locations": locations}


def _must_parse(path: Path) -> None:
    """A ConfigError, with the line, when the config at ``path`` cannot be read."""
    if path.suffix.lower() in (".yml", ".yaml"):
        _read_yaml(path)
        return
    from .sources.frontmatter import FrontMatterError, read_config_file

    try:
        read_config_file(path)
    except FrontMatterError as exc:
        raise ConfigError(exc.message, path=path.name, line=exc.line) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=path.name) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    from .sources.frontmatter import (
        TOO_DEEP_CONFIG,
        FrontMatterError,
        config_too_deep,
        read_config_text,
    )

    try:
        data = yaml.safe_load(read_config_text(path))  # size bounded
        if config_too_deep(data):
            raise RecursionError
    except FrontMatterError as exc:
        raise ConfigError(exc.message, path=path.name, line=exc.line) from None
    except RecursionError:
        raise ConfigError(TOO_DEEP_CONFIG, path=path.name, line=1) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ConfigError(f"not valid YAML: {exc.problem}", path=path.name, line=line) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=path.name) from None
    return data if isinstance(data, dict) else {}

