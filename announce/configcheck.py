"""The checks of ``announce.toml``'s values: their types (:func:`coerce`), and beyond them.

Numbers within bounds, header values without control characters, a ``to`` that sends to
someone, a known list server, update fields that exist, content settings that make sense,
an accent colour that text reads on (by :mod:`announce.colours`). Each setting's
declaration (:mod:`announce.schema`) names its checks; :mod:`.config` runs them while it
builds the settings, naming the key.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from .addresses import is_valid_address
from .changes import UPDATE_FIELDS
from .colours import AA, contrast, parse_colour, text_on
from .errors import ConfigError

__all__ = [
    "SECURITY_PORTS",
    "EntryError",
    "absolute_url",
    "check_list_server",
    "check_to",
    "coerce",
    "each_one_of",
    "known_generator",
    "known_list_server",
    "known_timezone",
    "known_update_fields",
    "more_than_zero",
    "one_of",
    "readable_accent",
    "single_line",
    "smtp_host_and_port",
    "split_events",
    "time_of_day",
    "within",
]

# The checks of one value (announce.schema's ``check``): the value to keep, or ValueError
# saying what is wrong; config names the key. Then the checks of a table's values together
# (its ``table(..., checks)``), which raise ConfigError themselves.


def within(value: float, bounds: tuple[float, float, str]) -> None:
    """A number within a setting's bounds: a typo (1e8 days, a port of 99999) is an error
    naming the key, not an overflow deep inside date arithmetic or a socket call."""
    low, high, unit = bounds
    if not low <= value <= high:
        shown = f"{value:g}" if isinstance(value, float) else value
        raise ValueError(f"{shown} is out of range "
                         f"(from {low:g} to {high:g}{' ' + unit if unit else ''})")


def _alternatives(choices: Sequence[str]) -> str:
    quoted = [f"'{choice}'" for choice in choices]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def one_of(*choices: str) -> Callable[[str], str]:
    """A value that is one of ``choices`` ("" among them: it may be left empty)."""
    named = [c for c in choices if c]

    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"expected {_alternatives(named)}, got {value!r}")
        return value

    return check


def each_one_of(*choices: str) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """A list whose every entry is one of ``choices``."""
    one = one_of(*choices)

    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(one(value) for value in values)

    return check


# Control characters in a header would end it early (CR, LF: header injection) or be
# refused by the email package at the first send; C1 controls mean nothing either.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class EntryError(ValueError):
    """What is wrong with one entry of a table (``[mail.subjects] reminder``)."""

    def __init__(self, message: str, entry: str):
        super().__init__(message)
        self.entry = entry


def single_line(value: Any) -> Any:
    """Text that goes into a mail header (or each entry of a list or table of them)."""
    if isinstance(value, Mapping):
        for entry, item in value.items():
            try:
                single_line(item)
            except ValueError as exc:
                raise EntryError(str(exc), entry) from None
        return value
    for item in (value,) if isinstance(value, str) else value or ():
        found = _CONTROL.search(item)
        if found:
            what = {"\r": "a line break (CR)", "\n": "a line break (LF)",
                    "\t": "a tab"}.get(found[0], f"the control character {found[0]!r}")
            raise ValueError(f"{_preview(item)} holds {what}: a mail header must be a single "
                             "line of text")
    return value


def absolute_url(url: str) -> str:
    """``[site] url``: absolute, its final ``/`` taken off."""
    url = url.rstrip("/")
    if url and not url.startswith(("https://", "http://")):
        raise ValueError(f"expected an absolute http(s) URL, got {url!r}")
    return url


def known_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    # OSError: a folder of the database ("America") is no zone either.
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown timezone {name!r} (use an IANA name such as "
                         "'America/New_York')") from None
    return name


def known_generator(name: str) -> str:
    if name:
        # Imported here: the profiles (and YAML) are not needed when no generator is named.
        from .sources.profiles import GENERATOR_NAMES

        if name not in GENERATOR_NAMES:
            raise ValueError(f"expected one of {', '.join(GENERATOR_NAMES)}, got {name!r}")
    return name


_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def time_of_day(text: str) -> str:
    if text and not _TIME.match(text):
        raise ValueError(f"expected a 24-hour time such as '18:30', got {text!r}")
    return text


def known_update_fields(names: tuple[str, ...]) -> tuple[str, ...]:
    for name in names:
        if name not in UPDATE_FIELDS:
            raise ValueError(f"unknown field {name!r} (known: {', '.join(UPDATE_FIELDS)})")
    return tuple(dict.fromkeys(names))  # a field named twice counts once


def more_than_zero(value: float) -> float:
    if value <= 0:
        raise ValueError("must be more than 0 seconds")
    return value


def known_list_server(server: str) -> str:
    from .lists import LIST_SERVERS

    if server and server not in LIST_SERVERS:
        known = ", ".join(f"'{name}'" for name in LIST_SERVERS)
        raise ValueError(f"expected one of {known}, got {server!r}")
    return server


def check_to(values: dict[str, Any], where: Path | None) -> None:
    """``[mail] to``: each entry one address; a run must not go green sending nothing."""
    if "to" not in values:
        return
    from email.utils import parseaddr

    entries: tuple[str, ...] = values["to"]
    if not entries and "recipients" not in values:
        raise ConfigError("an empty list: nobody to send to (write the list address, "
                          "to = [\"members@example.org\"], or set 'recipients')",
                          path=where, key="[mail] to")
    for entry in entries:
        parts = _ADDRESS_LIKE.findall(entry)
        if len(parts) > 1:
            listed = ", ".join(f'"{a}"' for a in parts) or '"a@example.org", "b@example.org"'
            raise ConfigError(f"{_preview(entry)} holds several addresses in one string: "
                              f"write a list, to = [{listed}]", path=where, key="[mail] to")
        address = parseaddr(entry)[1]
        if not is_valid_address(address):
            raise ConfigError(f"{_preview(entry)} is not an email address (expected "
                              "e.g. 'members@example.org' or 'Members <members@example.org>')",
                              path=where, key="[mail] to")


def check_list_server(values: dict[str, Any], where: Path | None) -> None:
    """``[mail] list_server``: none of what the list does itself."""
    if not values.get("list_server"):
        return
    if "recipients" in values:
        raise ConfigError("a subscriber file and list_server exclude each other: with a list "
                          "server, 'to' is the list's posting address", path=where,
                          key="[mail] recipients")
    if not values.get("to"):
        raise ConfigError("list_server needs the list's posting address here "
                          '(to = ["members@lists.example.org"])', path=where, key="[mail] to")
    for key, header in (("list_id", "List-Id"), ("unsubscribe", "List-Unsubscribe")):
        if values.get(key):
            raise ConfigError(f"the list server writes {header} itself, with its own "
                              f"unsubscribe address: leave {key} out with list_server",
                              path=where, key=f"[mail] {key}")


SECURITY_PORTS = {"starttls": 587, "tls": 465, "none": 25}


def smtp_host_and_port(values: dict[str, Any], where: Path | None) -> None:
    """``[smtp]``: a host; the port, when not given, the one of its ``security``."""
    if not values.get("host"):
        raise ConfigError("required when [smtp] is present", path=where, key="[smtp] host")
    values.setdefault("port", SECURITY_PORTS[values.get("security", "starttls")])


_ADDRESS_LIKE = re.compile(r"[^\s,;<>\"]+@[^\s,;<>\"]+")


def _preview(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "...")


# The data files a [content] events setting may name (as lookup.DATA_SUFFIXES: this module
# is read at every start, before anything of the content layer is imported).
_DATA_SUFFIXES = (".yml", ".yaml", ".json", ".toml", ".js", ".mjs", ".cjs", ".ts")
_WILDCARD = re.compile(r"[*?\[]")


def check_events(text: str) -> None:
    """``[content] events``: a folder of Markdown files, a data file, or a pattern of data
    files; ValueError with what to write instead."""
    suffix = PurePosixPath(text.replace("\\", "/")).suffix.lower()
    if _WILDCARD.search(text) is None:
        if suffix in (".md", ".markdown", ".mdx", ".html"):
            raise ValueError(f"{text!r} is one page: name the folder of the talk files "
                             "(events = \"content/events\"), or a data file of events")
        return
    if suffix not in _DATA_SUFFIXES:
        raise ValueError(f"{text!r}: a pattern names data files of events, ending in "
                         f"{', '.join(_DATA_SUFFIXES)} (\"series/*/events/*.yaml\"); for "
                         "Markdown files name their folder")


def split_events(values: dict[str, Any], where: Path | None) -> None:
    """A data file or a pattern in ``[content] events``: the folder they are below, and
    the pattern below it in ``data`` (empty for a folder of Markdown files)."""
    events = values.get("events")
    if events is None:
        return
    parts = events.parts
    wild = next((i for i, part in enumerate(parts) if _WILDCARD.search(part)), None)
    if wild is None and events.suffix.lower() not in _DATA_SUFFIXES:
        return
    if wild is None:
        values["events"], values["data"] = events.parent, (events.name,)
    else:
        values["events"] = type(events)(*parts[:wild])
        values["data"] = ("/".join(parts[wild:]),)


def readable_accent(accent: str) -> str:
    """``[site] accent``: a colour that white or near-black text reads on at WCAG AA (the
    header's and the buttons')."""
    if accent:
        parse_colour(accent)
        best = contrast(accent, text_on(accent))
        if best < AA:
            raise ValueError(
                f"{accent} has too little contrast with white and with black text "
                f"({int(best * 10) / 10}:1, WCAG AA needs {AA}:1): choose a darker or a "
                "lighter shade")
    return accent


# --- the values' types -------------------------------------------------------------------


def coerce(kind: str, value: Any, base: Path) -> Any:
    """``value`` as its setting's ``kind`` says (announce.schema); ValueError saying what
    was expected."""
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
    if kind == "events":  # a folder, a data file of events, or a pattern of data files
        if isinstance(value, str) and value:
            check_events(value)
        return coerce("path", value, base)
    if kind == "keymap":
        return _keymap(value)
    if kind in ("lookup", "snippets", "subjects"):
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
