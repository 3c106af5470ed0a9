"""Load and validate ``announce.toml`` into a frozen :class:`Settings`.

Every problem names the file and the key (``announce.toml: [smtp] port: expected an
integer, got 'abc'``). Relative paths are relative to the config file's folder; with no
config file, to the current directory. Secrets never live here: the SMTP password is read
from the environment variable that ``[smtp] password_env`` names, when it is needed.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .i18n import N_

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
    "load_settings",
    "resolve_config_path",
]

DEFAULT_CONFIG_NAME = "announce.toml"

# Jinja templates; translated (the whole template, variables kept) when left as they are.
DEFAULT_SUBJECTS = {
    # Translators: the default subjects are Jinja templates: keep each {{ ... }} as it
    # is (site_name, title, short_date, relative_day, weekday are the variables).
    "announcement": N_("{{ site_name }}: {{ title }} ({{ short_date }})"),
    "reminder": N_("Reminder: {{ title }} is {{ relative_day }}"),
    "cancellation": N_("Cancelled: {{ title }} ({{ short_date }})"),
}


@dataclass(frozen=True)
class SiteSettings:
    name: str = "Our meetup"
    url: str = ""
    timezone: str = "UTC"
    # Jekyll-style pattern for an event's page, e.g. "/events/:year/:month/:title".
    permalink: str = ""
    language: str = "en"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


@dataclass(frozen=True)
class ContentSettings:
    events: Path = Path("content/events")
    locations: Path = Path("content/locations")
    # Event types that are announced; empty means every type.
    types: tuple[str, ...] = ()
    # The site's generator ("jekyll", "hugo", "zola", "eleventy", "astro", "mkdocs" or
    # "generic"); empty: found from the files next to announce.toml.
    generator: str = ""
    # The start time of events whose start is only a date, e.g. "18:30"; empty: an error.
    default_time: str = ""
    # How a timestamp without offset is meant: "local" (the site's timezone), "utc", or
    # empty for the generator's own habit.
    naive_times: str = ""
    # Files below the events folder that are no events (glob patterns, e.g. "about.md").
    exclude: tuple[str, ...] = ()
    # On a site that lists several groups' events: only this group's (its id).
    group: str = ""
    # Field -> key paths ([content.keys]); fields not named keep the defaults.
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # "venue", "speakers", "group" -> where the records by id live ([content.lookup]).
    lookup: Mapping[str, str] = field(default_factory=dict)
    # Shortcode or include name -> a Jinja snippet for email ([content.shortcodes]).
    shortcodes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScheduleSettings:
    default_duration_minutes: int = 120
    announce_days_before: int = 10
    reminder_days_before: int = 2


@dataclass(frozen=True)
class MailSettings:
    sender: str = "Our meetup <announce@localhost>"
    to: tuple[str, ...] = ()
    recipients: Path | None = None
    reply_to: str = ""
    list_id: str = ""
    unsubscribe: tuple[str, ...] = ()
    subject_announcement: str = DEFAULT_SUBJECTS["announcement"]
    subject_reminder: str = DEFAULT_SUBJECTS["reminder"]
    subject_cancellation: str = DEFAULT_SUBJECTS["cancellation"]

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

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()


# What each key may hold. "path" is a string resolved against the config's folder;
# "strings" accepts one string or a list of them.
_SCHEMA: dict[str, dict[str, str]] = {
    "site": {"name": "str", "url": "str", "timezone": "str", "permalink": "str",
             "language": "str"},
    "content": {"events": "path", "locations": "path", "types": "strings", "generator": "str",
                "default_time": "str", "naive_times": "str", "exclude": "strings",
                "group": "str", "keys": "keymap", "lookup": "lookup",
                "shortcodes": "snippets"},
    "schedule": {"default_duration_minutes": "int", "announce_days_before": "int",
                 "reminder_days_before": "int"},
    "mail": {"from": "str", "to": "strings", "recipients": "path", "reply_to": "str",
             "list_id": "str", "unsubscribe": "strings", "subject_announcement": "str",
             "subject_reminder": "str", "subject_cancellation": "str"},
    "rsvp": {"meetup_group": "str"},
    "lightning_talks": {"propose_url": "str"},
    "templates": {"path": "path"},
    "smtp": {"host": "str", "port": "int", "security": "str", "username": "str",
             "password_env": "str", "concurrency": "int", "rate_per_minute": "int",
             "timeout": "number", "max_attempts": "int"},
    "outbox": {"path": "path"},
    "ledger": {"path": "path"},
}

_SECTION_CLASSES: dict[str, type[Any]] = {
    "site": SiteSettings, "content": ContentSettings, "schedule": ScheduleSettings,
    "mail": MailSettings, "rsvp": RsvpSettings, "lightning_talks": LightningTalkSettings,
    "templates": TemplateSettings, "smtp": SmtpSettings, "outbox": OutboxSettings,
    "ledger": LedgerSettings,
}

# TOML names that are Python keywords or read better otherwise.
_FIELD_NAMES: dict[tuple[str, str], str] = {("mail", "from"): "sender"}

_SECURITY_PORTS = {"starttls": 587, "tls": 465, "none": 25}


def resolve_config_path(
    option: str | os.PathLike[str] | None, cwd: Path | None = None
) -> Path | None:
    """The config file to read: the one given, else ./announce.toml if it exists."""
    if option is not None:
        return Path(option)
    default = (cwd or Path.cwd()) / DEFAULT_CONFIG_NAME
    if not default.is_file():
        return None
    # Relative when it is the current folder's: messages then say "announce.toml: ...".
    return default if cwd is not None else Path(DEFAULT_CONFIG_NAME)


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
                attr = _FIELD_NAMES.get((name, key), str(key))
                values[attr] = _coerce(kind, item, base)
            except ValueError as exc:
                problems.append(f"{label}: {exc}")
        sections[name] = values

    built: dict[str, Any] = {}
    for name, values in sections.items():
        try:
            built[name] = _section(name, values, where)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))

    settings = Settings(source=source, **built)
    # Defaults are relative paths too: anchor them to the same folder.
    return _anchor_defaults(settings, base)


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
    if name == "site" and values.get("url"):
        url = values["url"].rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise ConfigError(f"{where}: [site] url: expected an absolute http(s) URL, got {url!r}")
        values["url"] = url
    if name == "content":
        _check_content(values, where)
    if name in _BOUNDS:
        _check_bounds(name, values, where)
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
        _check_header_values(values, where)
        _check_to(values, where)
    return cls(**values)


# Sane ranges for the numbers: a typo (1e8 days, a port of 99999) is an error naming the
# key, not an overflow deep inside date arithmetic or a socket call.
_BOUNDS: dict[str, dict[str, tuple[float, float, str]]] = {
    "schedule": {
        "default_duration_minutes": (1, 7 * 24 * 60, "minutes (7 days)"),
        "announce_days_before": (0, 366, "days"),
        "reminder_days_before": (0, 366, "days"),
    },
    "smtp": {
        "port": (1, 65535, ""),
        "concurrency": (1, 100, "connections"),
        "max_attempts": (1, 100, "attempts"),
        "rate_per_minute": (0, 100_000, "messages per minute (0 is unlimited)"),
        "timeout": (0, 3600, "seconds"),
    },
}


def _check_bounds(section: str, values: dict[str, Any], where: str) -> None:
    for key, (low, high, unit) in _BOUNDS[section].items():
        value = values.get(key)
        if value is None or low <= value <= high:
            continue
        shown = f"{value:g}" if isinstance(value, float) else value
        raise ConfigError(f"{where}: [{section}] {key}: {shown} is out of range "
                          f"(from {low:g} to {high:g}{' ' + unit if unit else ''})")


# Control characters in a header would end it early (CR, LF: header injection) or be
# refused by the email package at the first send; C1 controls mean nothing either.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_HEADER_KEYS = ("from", "reply_to", "list_id", "unsubscribe", "to", "subject_announcement",
                "subject_reminder", "subject_cancellation")


def _check_header_values(values: dict[str, Any], where: str) -> None:
    for key in _HEADER_KEYS:
        value = values.get(_FIELD_NAMES.get(("mail", key), key))
        for item in (value,) if isinstance(value, str) else value or ():
            found = _CONTROL.search(item)
            if found:
                what = {"\r": "a line break (CR)", "\n": "a line break (LF)",
                        "\t": "a tab"}.get(found[0], f"the control character {found[0]!r}")
                raise ConfigError(f"{where}: [mail] {key}: {_preview(item)} holds {what}: a "
                                  "mail header must be a single line of text")


def _check_to(values: dict[str, Any], where: str) -> None:
    """``[mail] to``: each entry one address; a run must not go green sending nothing."""
    if "to" not in values:
        return
    # Imported here: recipients imports this module.
    from email.utils import parseaddr

    from .recipients import is_valid_address

    label = f"{where}: [mail] to"
    entries: tuple[str, ...] = values["to"]
    if not entries and "recipients" not in values:
        raise ConfigError(f"{label}: an empty list: nobody to send to (write the list "
                          "address, to = [\"members@example.org\"], or set 'recipients')")
    for entry in entries:
        parts = _ADDRESS_LIKE.findall(entry)
        if len(parts) > 1:
            listed = ", ".join(f'"{a}"' for a in parts) or '"a@example.org", "b@example.org"'
            raise ConfigError(f"{label}: {_preview(entry)} holds several addresses in one "
                              f"string: write a list, to = [{listed}]")
        address = parseaddr(entry)[1]
        if not is_valid_address(address):
            raise ConfigError(f"{label}: {_preview(entry)} is not an email address (expected "
                              "e.g. 'members@example.org' or 'Members <members@example.org>')")


_ADDRESS_LIKE = re.compile(r"[^\s,;<>\"]+@[^\s,;<>\"]+")


def _preview(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "...")


_GENERATOR_NAMES = ("jekyll", "hugo", "zola", "eleventy", "astro", "mkdocs", "generic")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _check_content(values: dict[str, Any], where: str) -> None:
    generator = values.get("generator", "")
    if generator and generator not in _GENERATOR_NAMES:
        raise ConfigError(f"{where}: [content] generator: expected one of "
                          f"{', '.join(_GENERATOR_NAMES)}, got {generator!r}")
    default_time = values.get("default_time", "")
    if default_time and not _TIME.match(default_time):
        raise ConfigError(f"{where}: [content] default_time: expected a 24-hour time such as "
                          f"'18:30', got {default_time!r}")
    naive = values.get("naive_times", "")
    if naive not in ("", "local", "utc"):
        raise ConfigError(f"{where}: [content] naive_times: expected 'local' or 'utc', got "
                          f"{naive!r}")


def _coerce(kind: str, value: Any, base: Path) -> Any:
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_show(value)}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {_show(value)}")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {_show(value)}")
        return float(value)
    if kind == "path":
        if not isinstance(value, str) or not value:
            raise ValueError(f"expected a path string, got {_show(value)}")
        path = Path(value).expanduser()
        return path if path.is_absolute() else base / path
    if kind == "keymap":
        return _keymap(value)
    if kind in ("lookup", "snippets"):
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ValueError(f"expected a table of strings, got {_show(value)}")
        if kind == "lookup":
            unknown = sorted(set(value) - set(_LOOKUPS))
            if unknown:
                raise ValueError(f"unknown lookup {unknown[0]!r} (known: {', '.join(_LOOKUPS)})")
        return dict(value)
    if kind == "strings":
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ValueError(f"expected a string or a list of strings, got {_show(value)}")
    raise AssertionError(kind)  # pragma: no cover - the schema only names the kinds above


_LOOKUPS = ("venue", "speakers", "group")


def _keymap(value: Any) -> dict[str, tuple[str, ...]]:
    # Imported here: the key map's defaults are only needed when a config names keys.
    from .sources.keymap import DEFAULT_KEYS, validate_path

    if not isinstance(value, dict):
        raise ValueError(f"expected a [content.keys] table, got {_show(value)}")
    keys: dict[str, tuple[str, ...]] = {}
    problems: list[str] = []
    for name, paths in value.items():
        if name not in DEFAULT_KEYS:
            problems.append(f"{name}: unknown field (known: {', '.join(DEFAULT_KEYS)})")
            continue
        items = [paths] if isinstance(paths, str) else paths
        if not isinstance(items, list) or not all(isinstance(p, str) for p in items):
            problems.append(f"{name}: expected a key path or a list of them, got "
                            f"{_show(paths)}")
            continue
        problems.extend(f"{name}: {problem}" for problem in map(validate_path, items)
                        if problem)
        keys[name] = tuple(items)
    if problems:  # every one at once, each on its line under [content] keys
        raise ValueError("\n    ".join(problems))
    return keys


def _show(value: Any) -> str:
    kind = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)
    shown = repr(value)
    return f"{kind} ({shown if len(shown) <= 60 else shown[:57] + '...'})"


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
    )
