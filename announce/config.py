"""Load and validate ``announce.toml`` into a frozen :class:`Settings`.

Every problem names the file and the key (``announce.toml: [smtp] port: expected an
integer, got 'abc'``). Relative paths are relative to the config file's folder; with no
config file, to the current directory. Secrets never live here: the SMTP password is read
from the environment variable that ``[smtp] password_env`` names, when it is needed.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .changes import DEFAULT_UPDATE_FIELDS
from .configcheck import (
    EntryError,
    absolute_url,
    check_list_server,
    check_to,
    each_one_of,
    known_generator,
    known_list_server,
    known_timezone,
    known_update_fields,
    more_than_zero,
    one_of,
    readable_accent,
    single_line,
    smtp_host_and_port,
    split_events,
    time_of_day,
)
from .errors import ConfigError
from .i18n import language_problem
from .kinds import REGISTRY
from .oldkeys import as_written, older_subjects
from .schema import keys, read_table, setting, table, tables

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "ContentSettings",
    "LedgerSettings",
    "MailSettings",
    "OutboxSettings",
    "ScheduleSettings",
    "Settings",
    "SiteSettings",
    "SmtpSettings",
    "find_config",
    "load_settings",
    "require_config_path",
    "resolve_config_path",
]

DEFAULT_CONFIG_NAME = "announce.toml"

# Jinja templates; translated (the whole template, variables kept) when left as they are.
DEFAULT_SUBJECTS = {kind.name: kind.subject for kind in REGISTRY}


def _subjects(value: Mapping[str, str]) -> dict[str, str]:
    """``[mail.subjects]``: a subject per kind; the kinds not named keep their default."""
    unknown = sorted(set(value) - set(DEFAULT_SUBJECTS))
    if unknown:
        raise EntryError(f"unknown kind (known: {', '.join(DEFAULT_SUBJECTS)})", unknown[0])
    return {**DEFAULT_SUBJECTS, **single_line(value)}


@dataclass(frozen=True)
class SiteSettings:
    name: str = setting("Our meetup")
    url: str = setting("", check=absolute_url)
    timezone: str = setting("UTC", check=known_timezone)
    # Jekyll-style pattern for an event's page, e.g. "/events/:year/:month/:title"; None:
    # the site generator's own rules say where each page is (announce.pages); "": none.
    permalink: str | None = setting(None, kind="str")
    language: str = setting("en")
    # The group's look (announce.render.brand): an image of the site or a URL.
    logo: str = setting("")
    accent: str = setting("", check=readable_accent)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


@dataclass(frozen=True)
class ContentSettings:
    # The folder of the talk files; for events kept as data entries, the folder the data
    # files are below (``events = "events.toml"`` or ``"series/*/events/*.yaml"``).
    events: Path = setting(Path("content/events"), kind="events")
    # Those data files, as patterns below ``events`` (made from it: no key of its own);
    # empty: Markdown files with front matter.
    data: tuple[str, ...] = ()
    locations: Path = setting(Path("content/locations"))
    # Event types that are announced; empty means every type.
    types: tuple[str, ...] = setting(())
    # The site's generator ("jekyll", "hugo", "pelican", ... or "generic": the names in
    # sources.profiles.GENERATOR_NAMES); empty: found from the files next to announce.toml.
    generator: str = setting("", check=known_generator)
    # The start time of events whose start is only a date, e.g. "18:30"; empty: an error.
    default_time: str = setting("", check=time_of_day)
    # How a timestamp without offset is meant: "local" (the site's timezone), "utc", or
    # empty for the generator's own habit.
    naive_times: str = setting("", check=one_of("", "local", "utc"))
    # What a time written in UTC ("2025-05-14T09:30:00.000Z") means on a site whose group
    # meets elsewhere: "instant" (that moment; the default), "local" (the site's wall
    # clock written with a Z: its pages render it in UTC), "unsure" (written in a machine's
    # clock nobody knows: the date holds, the time is unsure).
    utc_times: str = setting("", check=one_of("", "instant", "local", "unsure"))
    # Files below the events folder that are no events (glob patterns, e.g. "about.md").
    exclude: tuple[str, ...] = setting(())
    # On a site that lists several groups' events: only this group's (its id).
    group: str = setting("")
    # Values a site writes where a speaker's name goes that name nobody: a placeholder
    # ("Alle", "TBA") or the page's author on every page ("init" finds them).
    not_speakers: tuple[str, ...] = setting(())
    # Facts the site's pages show ("speakers", "venue") that no key of the map gives (they
    # come from elsewhere: a data file by meetup number): an event without them is unsure.
    expect: tuple[str, ...] = setting((), check=each_one_of("speakers", "venue"))
    # Field -> key paths ([content.keys]); fields not named keep the defaults.
    keys: Mapping[str, tuple[str, ...]] = setting(kind="keymap", factory=dict)
    # "venue", "speakers", "group" -> where the records by id live ([content.lookup]).
    lookup: Mapping[str, str] = setting(kind="lookup", factory=dict)
    # Shortcode or include name -> a Jinja snippet for email ([content.shortcodes]).
    shortcodes: Mapping[str, str] = setting(kind="snippets", factory=dict)
    # ``check`` warns about an image of the site over this many KB; 0: never.
    max_image_kb: int = setting(300, bounds=(0, 100_000, "KB; 0: never"))


@dataclass(frozen=True)
class ScheduleSettings:
    default_duration_minutes: int = setting(120, bounds=(1, 7 * 24 * 60, "minutes (7 days)"))
    announce_days_before: int = setting(10, bounds=(0, 366, "days"))
    reminder_days_before: int = setting(2, bounds=(0, 366, "days"))
    # Which changes of an announced event send an update (see announce.changes); empty:
    # none do.
    update_fields: tuple[str, ...] = setting(DEFAULT_UPDATE_FIELDS, check=known_update_fields)


@dataclass(frozen=True)
class MailSettings:
    sender: str = setting("Our meetup <announce@localhost>", toml="from", check=single_line)
    to: tuple[str, ...] = setting((), check=single_line)
    recipients: Path | None = setting(None, kind="path")
    # The name of a variable holding the subscribers' CSV itself (a secret on GitHub), so
    # that a public repository need not hold it; instead of `recipients`.
    recipients_env: str = setting("")
    reply_to: str = setting("", check=single_line)
    list_id: str = setting("", check=single_line)
    unsubscribe: tuple[str, ...] = setting((), check=single_line)
    # "mailman", "google-groups", "groups.io", "other": `to` is that list server's posting
    # address, and List-Id/List-Unsubscribe are its own (see announce.lists); empty: none.
    list_server: str = setting("", check=known_list_server)
    # Recipients per message: 1, a message of its own each (To: them); more, a message
    # shared by up to that many (To: the list or no one by name; announce/shared.py).
    batch_recipients: int = setting(1, bounds=(1, 1000, "recipients a message (1: a message each)"))
    # Kind -> the subject's Jinja template ([mail.subjects]).
    subjects: Mapping[str, str] = setting(kind="subjects", factory=lambda: dict(DEFAULT_SUBJECTS),
                                          check=_subjects)

    def subject_template(self, kind: str) -> str:
        return self.subjects[kind]


@dataclass(frozen=True)
class RsvpSettings:
    meetup_group: str = setting("")


@dataclass(frozen=True)
class LightningTalkSettings:
    propose_url: str = setting("")


@dataclass(frozen=True)
class TemplateSettings:
    path: Path | None = setting(None, kind="path")


@dataclass(frozen=True)
class SmtpSettings:
    host: str = setting(kind="str")
    port: int = setting(kind="int", bounds=(1, 65535, ""))
    security: str = setting("starttls", check=one_of("starttls", "tls", "none"))
    username: str = setting("")
    # The name of the variable, not a password.
    password_env: str = setting("ANNOUNCE_SMTP_PASSWORD")
    concurrency: int = setting(4, bounds=(1, 100, "connections"))
    rate_per_minute: int = setting(0, bounds=(0, 100_000, "messages per minute (0 is unlimited)"))
    timeout: float = setting(30.0, bounds=(0, 3600, "seconds"), check=more_than_zero)
    max_attempts: int = setting(5, bounds=(1, 100, "attempts"))

    def password(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The password from the environment, or None when the variable is unset."""
        env = os.environ if environ is None else environ
        return env.get(self.password_env) or None


@dataclass(frozen=True)
class OutboxSettings:
    path: Path = setting(Path("outbox"))


@dataclass(frozen=True)
class LedgerSettings:
    path: Path = setting(Path(".announce/ledger.sqlite3"))
    # The name of the variable holding the key the ledger hashes recipients with (HMAC),
    # not a key: set, the ledger holds no address (announce.ledger.keys).
    key_env: str = setting("ANNOUNCE_LEDGER_KEY")


@dataclass(frozen=True)
class FeedSettings:
    # `announce feed`: the folder it writes into (else announce/ in the generator's
    # static folder), where the site publishes it, and how far back the calendar goes.
    path: Path | None = setting(None, kind="path")
    url_path: str = setting("")
    days_back: int = setting(31, bounds=(0, 3660, "days"))


@dataclass(frozen=True)
class Settings:
    """Everything announce reads from its config file, with defaults filled in."""

    source: Path | None = None
    site: SiteSettings = table(SiteSettings)
    content: ContentSettings = table(ContentSettings, split_events)
    schedule: ScheduleSettings = table(ScheduleSettings)
    mail: MailSettings = table(MailSettings, check_to, check_list_server)
    rsvp: RsvpSettings = table(RsvpSettings)
    lightning_talks: LightningTalkSettings = table(LightningTalkSettings)
    templates: TemplateSettings = table(TemplateSettings)
    smtp: SmtpSettings | None = table(SmtpSettings, smtp_host_and_port, optional=True)
    outbox: OutboxSettings = table(OutboxSettings)
    ledger: LedgerSettings = table(LedgerSettings)
    feed: FeedSettings = table(FeedSettings)
    # Keys of an older announce still read, as the file names them ("[mail]
    # subject_reminder"): each gets a note saying what to write instead.
    deprecated: tuple[str, ...] = ()

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    def subject_key(self, kind: str) -> tuple[str, str]:
        """(table, key) where the file sets the subject of ``kind``: ``("mail.subjects",
        "reminder")``, or the older ``("mail", "subject_reminder")``."""
        old = f"subject_{kind}"
        return ("mail", old) if f"[mail] {old}" in self.deprecated else ("mail.subjects", kind)


# The tables and their keys, from the declarations above.
TABLES = tables(Settings)
KEYS = {name: keys(name, t.cls) for name, t in TABLES.items()}


def resolve_config_path(
    option: str | os.PathLike[str] | None, cwd: Path | None = None
) -> Path | None:
    """The config file to read: the one given, else the nearest ``announce.toml`` in the
    current folder or a folder above it (as git finds its repository); None when there
    is none up to the filesystem's root."""
    if option is not None:
        return Path(option)
    here = cwd or Path.cwd()
    found = find_config(here)
    if found is None or cwd is not None:
        return found
    # Relative to the current folder: messages then say "announce.toml: ..." (or
    # "../announce.toml: ..." from a subfolder of the site), as the user would type it.
    return Path(os.path.relpath(found, here))


def find_config(start: Path) -> Path | None:
    """``announce.toml`` in ``start`` or the nearest folder above it that has one."""
    start = start.absolute()
    for folder in (start, *start.parents):
        candidate = folder / DEFAULT_CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def require_config_path(option: str | os.PathLike[str] | None,
                        cwd: Path | None = None) -> Path:
    """:func:`resolve_config_path`, or a ``ConfigError`` that says none was found and how
    to write one: every command but ``init`` works on a site's config."""
    found = resolve_config_path(option, cwd)
    if found is None:
        here = (cwd or Path.cwd()).absolute()
        raise ConfigError(
            f"not found in {here} or any folder above it: run 'announce init' in the site's "
            "folder to write one (or name a config file with --config)",
            path=DEFAULT_CONFIG_NAME)
    return found


def load_settings(path: Path | None) -> Settings:
    """Read and validate the config file; ``None`` gives the built-in defaults."""
    if path is None:
        return _build({}, source=None, base=Path.cwd(), where=None)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("no such config file", path=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=path) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=path) from None
    return _build(data, source=path.resolve(), base=path.resolve().parent, where=path)


def _build(data: dict[str, Any], *, source: Path | None, base: Path,
           where: Path | None) -> Settings:
    problems: list[ConfigError] = []
    built: dict[str, Any] = {}
    deprecated: list[str] = []
    for name, value in data.items():
        if name not in TABLES:
            known = ", ".join(f"[{t}]" for t in TABLES)
            problems.append(ConfigError(f"unknown section (known: {known})", path=where,
                                        key=f"[{name}]"))
            continue
        if not isinstance(value, dict):
            problems.append(ConfigError(f"expected a [{name}] table", path=where, key=name))
            continue
        if name == "mail":
            value = older_subjects(value, DEFAULT_SUBJECTS, where, problems, deprecated)
        values, wrong = read_table(name, KEYS[name], value, base, where)
        problems += as_written(wrong, deprecated)
        if not wrong:
            try:
                for check in TABLES[name].checks:
                    check(values, where)
                built[name] = TABLES[name].cls(**values)
            except ConfigError as exc:
                problems.append(exc)
    language = _language_problem(built)
    if language:
        problems.append(ConfigError(language, path=where, key="[site] language"))
    if problems:
        raise ConfigError.gathered(problems)

    settings = Settings(source=source, deprecated=tuple(deprecated), **built)
    # Defaults are relative paths too: anchor them to the same folder.
    return _anchor_defaults(settings, base)


def _language_problem(built: dict[str, Any]) -> str | None:
    """What is wrong with ``[site] language``: a language with no catalog, neither
    announce's nor one in the user's templates folder, would make English mails."""
    if "site" not in built:
        return None
    templates = built.get("templates")
    user = templates.path / "locale" if templates is not None and templates.path else None
    return language_problem(built["site"].language, user)


def _anchor_defaults(settings: Settings, base: Path) -> Settings:
    def anchor(path: Path) -> Path:
        return path if path.is_absolute() else base / path

    return dataclasses.replace(
        settings,
        content=dataclasses.replace(
            settings.content,
            events=anchor(settings.content.events),
            locations=anchor(settings.content.locations),
        ),
        outbox=dataclasses.replace(settings.outbox, path=anchor(settings.outbox.path)),
        ledger=dataclasses.replace(settings.ledger, path=anchor(settings.ledger.path)),
        feed=dataclasses.replace(settings.feed, path=anchor(settings.feed.path)
                                 if settings.feed.path is not None else None),
    )
