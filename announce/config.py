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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .changes import DEFAULT_UPDATE_FIELDS
from .configcheck import (
    BOUNDS,
    FIELD_NAMES,
    check_bounds,
    check_content,
    check_header_values,
    check_list_server,
    check_site,
    check_to,
    check_update_fields,
    coerce,
)
from .errors import ConfigError
from .i18n import N_, language_problem

if TYPE_CHECKING:
    from .ledger.keys import RecipientKeys

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
DEFAULT_SUBJECTS = {
    # Translators: the default subjects are Jinja templates: keep each {{ ... }} as it
    # is (site_name, title, short_date, relative_day, weekday are the variables).
    "announcement": N_("{{ site_name }}: {{ title }} ({{ short_date }})"),
    "reminder": N_("{{ site_name }} reminder: {{ title }} is {{ relative_day }}"),
    "cancellation": N_("{{ site_name }} cancelled: {{ title }} ({{ short_date }})"),
    "update": N_("{{ site_name }} update: {{ title }} ({{ short_date }})"),
}


@dataclass(frozen=True)
class SiteSettings:
    name: str = "Our meetup"
    url: str = ""
    timezone: str = "UTC"
    # Jekyll-style pattern for an event's page, e.g. "/events/:year/:month/:title"; None:
    # the site generator's own rules say where each page is (announce.pages); "": none.
    permalink: str | None = None
    language: str = "en"
    logo: str = ""  # the group's look (announce.render.brand): an image of the site or a URL
    accent: str = ""

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


@dataclass(frozen=True)
class ContentSettings:
    # The folder of the talk files; for events kept as data entries, the folder the data
    # files are below (``events = "events.toml"`` or ``"series/*/events/*.yaml"``).
    events: Path = Path("content/events")
    # Those data files, as patterns below ``events``; empty: Markdown files with front matter.
    data: tuple[str, ...] = ()
    locations: Path = Path("content/locations")
    # Event types that are announced; empty means every type.
    types: tuple[str, ...] = ()
    # The site's generator ("jekyll", "hugo", "pelican", ... or "generic": the names in
    # sources.profiles.GENERATOR_NAMES); empty: found from the files next to announce.toml.
    generator: str = ""
    # The start time of events whose start is only a date, e.g. "18:30"; empty: an error.
    default_time: str = ""
    # How a timestamp without offset is meant: "local" (the site's timezone), "utc", or
    # empty for the generator's own habit.
    naive_times: str = ""
    # What a time written in UTC ("2025-05-14T09:30:00.000Z") means on a site whose group
    # meets elsewhere: "instant" (that moment; the default), "local" (the site's wall
    # clock written with a Z: its pages render it in UTC), "unsure" (written in a machine's
    # clock nobody knows: the date holds, the time is unsure).
    utc_times: str = ""
    # Files below the events folder that are no events (glob patterns, e.g. "about.md").
    exclude: tuple[str, ...] = ()
    # On a site that lists several groups' events: only this group's (its id).
    group: str = ""
    # Values a site writes where a speaker's name goes that name nobody: a placeholder
    # ("Alle", "TBA") or the page's author on every page ("init" finds them).
    not_speakers: tuple[str, ...] = ()
    # Facts the site's pages show ("speakers", "venue") that no key of the map gives (they
    # come from elsewhere: a data file by meetup number): an event without them is unsure.
    expect: tuple[str, ...] = ()
    # Field -> key paths ([content.keys]); fields not named keep the defaults.
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # "venue", "speakers", "group" -> where the records by id live ([content.lookup]).
    lookup: Mapping[str, str] = field(default_factory=dict)
    # Shortcode or include name -> a Jinja snippet for email ([content.shortcodes]).
    shortcodes: Mapping[str, str] = field(default_factory=dict)
    # ``check`` warns about an image of the site over this many KB; 0: never.
    max_image_kb: int = 300


@dataclass(frozen=True)
class ScheduleSettings:
    default_duration_minutes: int = 120
    announce_days_before: int = 10
    reminder_days_before: int = 2
    # Which changes of an announced event send an update (see announce.changes); empty:
    # none do.
    update_fields: tuple[str, ...] = DEFAULT_UPDATE_FIELDS


@dataclass(frozen=True)
class MailSettings:
    sender: str = "Our meetup <announce@localhost>"
    to: tuple[str, ...] = ()
    recipients: Path | None = None
    # The name of a variable holding the subscribers' CSV itself (a secret on GitHub), so
    # that a public repository need not hold it; instead of `recipients`.
    recipients_env: str = ""
    reply_to: str = ""
    list_id: str = ""
    unsubscribe: tuple[str, ...] = ()
    subject_announcement: str = DEFAULT_SUBJECTS["announcement"]
    subject_reminder: str = DEFAULT_SUBJECTS["reminder"]
    subject_cancellation: str = DEFAULT_SUBJECTS["cancellation"]
    subject_update: str = DEFAULT_SUBJECTS["update"]
    # "mailman", "google-groups", "groups.io", "other": `to` is that list server's posting
    # address, and List-Id/List-Unsubscribe are its own (see announce.lists); empty: none.
    list_server: str = ""
    # Recipients per message: 1, a message of its own each (To: them); more, a message
    # shared by up to that many (To: the list or no one by name; announce/shared.py).
    batch_recipients: int = 1

    def subject_template(self, kind: str) -> str:
        return str(getattr(self, f"subject_{kind}"))


@dataclass(frozen=True)
class RsvpSettings:
    meetup_group: str = ""


@dataclass(frozen=True)
class LightningTalkSettings:
    propose_url: str = ""


@dataclass(frozen=True)
class TemplateSettings:
    path: Path | None = None


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"
    username: str = ""
    # The name of the variable, not a password.
    password_env: str = "ANNOUNCE_SMTP_PASSWORD"  # noqa: S105
    concurrency: int = 4
    rate_per_minute: int = 0
    timeout: float = 30.0
    max_attempts: int = 5

    def password(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The password from the environment, or None when the variable is unset."""
        env = os.environ if environ is None else environ
        return env.get(self.password_env) or None


@dataclass(frozen=True)
class OutboxSettings:
    path: Path = Path("outbox")


@dataclass(frozen=True)
class LedgerSettings:
    path: Path = Path(".announce/ledger.sqlite3")
    # The name of the variable holding the key the ledger hashes recipients with (HMAC),
    # not a key: set, the ledger holds no address (announce.ledger.keys).
    key_env: str = "ANNOUNCE_LEDGER_KEY"

    def recipient_keys(self, environ: Mapping[str, str] | None = None) -> RecipientKeys:
        """How the ledger stores recipients: by keyed hash when the variable is set."""
        from .ledger.keys import RecipientKeys

        env = os.environ if environ is None else environ
        secret = env.get(self.key_env, "") if self.key_env else ""
        return RecipientKeys(secret.encode() if secret else None)


@dataclass(frozen=True)
class FeedSettings:
    # `announce feed`: the folder it writes into (else announce/ in the generator's
    # static folder), where the site publishes it, and how far back the calendar goes.
    path: Path | None = None
    url_path: str = ""
    days_back: int = 31


@dataclass(frozen=True)
class Settings:
    """Everything announce reads from its config file, with defaults filled in."""

    source: Path | None = None
    site: SiteSettings = field(default_factory=SiteSettings)
    content: ContentSettings = field(default_factory=ContentSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    rsvp: RsvpSettings = field(default_factory=RsvpSettings)
    lightning_talks: LightningTalkSettings = field(default_factory=LightningTalkSettings)
    templates: TemplateSettings = field(default_factory=TemplateSettings)
    smtp: SmtpSettings | None = None
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    ledger: LedgerSettings = field(default_factory=LedgerSettings)
    feed: FeedSettings = field(default_factory=FeedSettings)

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()


# What each key may hold. "path" is a string resolved against the config's folder;
# "strings" accepts one string or a list of them.
_SCHEMA: dict[str, dict[str, str]] = {
    "site": {"name": "str", "url": "str", "timezone": "str", "permalink": "str",
             "language": "str", "logo": "str", "accent": "str"},
    "content": {"events": "events", "locations": "path", "types": "strings", "generator": "str",
                "default_time": "str", "naive_times": "str", "utc_times": "str",
                "exclude": "strings",
                "group": "str", "not_speakers": "strings", "expect": "strings", "keys": "keymap",
                "lookup": "lookup",
                "shortcodes": "snippets", "max_image_kb": "int"},
    "schedule": {"default_duration_minutes": "int", "announce_days_before": "int",
                 "reminder_days_before": "int", "update_fields": "strings"},
    "mail": {"from": "str", "to": "strings", "recipients": "path", "recipients_env": "str",
             "reply_to": "str",
             "list_id": "str", "unsubscribe": "strings", "subject_announcement": "str",
             "subject_reminder": "str", "subject_cancellation": "str",
             "subject_update": "str", "list_server": "str", "batch_recipients": "int"},
    "rsvp": {"meetup_group": "str"},
    "lightning_talks": {"propose_url": "str"},
    "templates": {"path": "path"},
    "smtp": {"host": "str", "port": "int", "security": "str", "username": "str",
             "password_env": "str", "concurrency": "int", "rate_per_minute": "int",
             "timeout": "number", "max_attempts": "int"},
    "outbox": {"path": "path"},
    "ledger": {"path": "path", "key_env": "str"},
    "feed": {"path": "path", "url_path": "str", "days_back": "int"},
}

_SECTION_CLASSES: dict[str, type[Any]] = {
    "site": SiteSettings, "content": ContentSettings, "schedule": ScheduleSettings,
    "mail": MailSettings, "rsvp": RsvpSettings, "lightning_talks": LightningTalkSettings,
    "templates": TemplateSettings, "smtp": SmtpSettings, "outbox": OutboxSettings,
    "ledger": LedgerSettings, "feed": FeedSettings,
}

# TOML names that are Python keywords or read better otherwise.

_SECURITY_PORTS = {"starttls": 587, "tls": 465, "none": 25}


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
            f"{DEFAULT_CONFIG_NAME}: not found in {here} or any folder above it: run "
            "'announce init' in the site's folder to write one (or name a config file with "
            "--config)")
    return found


def load_settings(path: Path | None) -> Settings:
    """Read and validate the config file; ``None`` gives the built-in defaults."""
    if path is None:
        return _build({}, source=None, base=Path.cwd(), where="defaults")
    where = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such config file") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    return _build(data, source=path.resolve(), base=path.resolve().parent, where=where)


def _build(data: dict[str, Any], *, source: Path | None, base: Path, where: str) -> Settings:
    problems: list[str] = []
    sections: dict[str, Any] = {}
    for name, value in data.items():
        if name not in _SCHEMA:
            known = ", ".join(f"[{s}]" for s in _SCHEMA)
            problems.append(f"{where}: [{name}]: unknown section (known: {known})")
            continue
        if not isinstance(value, dict):
            problems.append(f"{where}: {name}: expected a [{name}] table")
            continue
        values: dict[str, Any] = {}
        for key, item in value.items():
            kind = _SCHEMA[name].get(key)
            label = f"{where}: [{name}] {key}"
            if kind is None:
                problems.append(f"{label}: unknown key (known: {', '.join(_SCHEMA[name])})")
                continue
            try:
                attr = FIELD_NAMES.get((name, key), str(key))
                values[attr] = coerce(kind, item, base)
            except ValueError as exc:
                problems.append(f"{label}: {exc}")
        sections[name] = values

    built: dict[str, Any] = {}
    for name, values in sections.items():
        try:
            built[name] = _section(name, values, where)
        except ConfigError as exc:
            problems.append(str(exc))
    language = _language_problem(built)
    if language:
        problems.append(f"{where}: [site] language: {language}")
    if problems:
        raise ConfigError("\n".join(problems))

    settings = Settings(source=source, **built)
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


def _section(name: str, values: dict[str, Any], where: str) -> Any:
    cls = _SECTION_CLASSES[name]
    if name == "site" and "timezone" in values:
        try:
            zoneinfo.ZoneInfo(values["timezone"])
        # OSError: a folder of the database ("America") is no zone either.
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigError(
                f"{where}: [site] timezone: unknown timezone {values['timezone']!r} "
                "(use an IANA name such as 'America/New_York')"
            ) from None
    if name == "site":
        check_site(values, where)
    if name == "content":
        check_content(values, where)
    if name == "schedule":
        check_update_fields(values, where)
    if name in BOUNDS:
        check_bounds(name, values, where)
    if name == "smtp":
        if not values.get("host"):
            raise ConfigError(f"{where}: [smtp] host: required when [smtp] is present")
        security = values.get("security", "starttls")
        if security not in _SECURITY_PORTS:
            raise ConfigError(
                f"{where}: [smtp] security: expected 'starttls', 'tls' or 'none', got {security!r}"
            )
        values.setdefault("port", _SECURITY_PORTS[security])
        if values.get("timeout", 1) <= 0:
            raise ConfigError(f"{where}: [smtp] timeout: must be more than 0 seconds")
    if name == "mail":
        check_header_values(values, where)
        check_to(values, where)
        check_list_server(values, where)
    return cls(**values)


# Sane ranges for the numbers: a typo (1e8 days, a port of 99999) is an error naming the
# key, not an overflow deep inside date arithmetic or a socket call.
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
