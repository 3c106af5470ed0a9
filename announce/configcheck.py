"""The checks of ``announce.toml``'s values beyond their types, each naming its key.

Numbers within bounds, header values without control characters, a ``to`` that sends to
someone, a known list server, update fields that exist, content settings that make sense,
an accent colour that text reads on (and the colour arithmetic, WCAG 2's contrast, that the
mail's look uses too).
:mod:`.config` calls them while it builds the settings.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

from .changes import UPDATE_FIELDS
from .errors import ConfigError

__all__ = ["AA", "BOUNDS", "FIELD_NAMES", "check_bounds", "check_content",
           "check_events", "check_header_values", "check_list_server", "check_site", "check_to",
           "check_update_fields", "coerce", "contrast", "hex_colour", "luminance",
           "parse_colour", "text_on"]

FIELD_NAMES: dict[tuple[str, str], str] = {("mail", "from"): "sender"}

BOUNDS: dict[str, dict[str, tuple[float, float, str]]] = {
    "content": {"max_image_kb": (0, 100_000, "KB; 0: never")},
    "schedule": {
        "default_duration_minutes": (1, 7 * 24 * 60, "minutes (7 days)"),
        "announce_days_before": (0, 366, "days"),
        "reminder_days_before": (0, 366, "days"),
    },
    "feed": {"days_back": (0, 3660, "days")},
    "mail": {"batch_recipients": (1, 1000, "recipients a message (1: a message each)")},
    "smtp": {
        "port": (1, 65535, ""),
        "concurrency": (1, 100, "connections"),
        "max_attempts": (1, 100, "attempts"),
        "rate_per_minute": (0, 100_000, "messages per minute (0 is unlimited)"),
        "timeout": (0, 3600, "seconds"),
    },
}


def check_bounds(section: str, values: dict[str, Any], where: str) -> None:
    for key, (low, high, unit) in BOUNDS[section].items():
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
                "subject_reminder", "subject_cancellation", "subject_update")


def check_header_values(values: dict[str, Any], where: str) -> None:
    for key in _HEADER_KEYS:
        value = values.get(FIELD_NAMES.get(("mail", key), key))
        for item in (value,) if isinstance(value, str) else value or ():
            found = _CONTROL.search(item)
            if found:
                what = {"\r": "a line break (CR)", "\n": "a line break (LF)",
                        "\t": "a tab"}.get(found[0], f"the control character {found[0]!r}")
                raise ConfigError(f"{where}: [mail] {key}: {_preview(item)} holds {what}: a "
                                  "mail header must be a single line of text")


def check_to(values: dict[str, Any], where: str) -> None:
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


def check_list_server(values: dict[str, Any], where: str) -> None:
    """``[mail] list_server``: a known one, and none of what the list does itself."""
    from .lists import LIST_SERVERS

    server = values.get("list_server", "")
    if not server:
        return
    label = f"{where}: [mail]"
    if server not in LIST_SERVERS:
        known = ", ".join(f"'{name}'" for name in LIST_SERVERS)
        raise ConfigError(f"{label} list_server: expected one of {known}, got {server!r}")
    if "recipients" in values:
        raise ConfigError(f"{label} recipients: a subscriber file and list_server exclude each "
                          "other: with a list server, 'to' is the list's posting address")
    if not values.get("to"):
        raise ConfigError(f"{label} to: list_server needs the list's posting address here "
                          '(to = ["members@lists.example.org"])')
    for key, header in (("list_id", "List-Id"), ("unsubscribe", "List-Unsubscribe")):
        if values.get(key):
            raise ConfigError(f"{label} {key}: the list server writes {header} itself, with "
                              f"its own unsubscribe address: leave {key} out with list_server")


_ADDRESS_LIKE = re.compile(r"[^\s,;<>\"]+@[^\s,;<>\"]+")


def _preview(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "...")


def check_update_fields(values: dict[str, Any], where: str) -> None:
    for name in values.get("update_fields", ()):
        if name not in UPDATE_FIELDS:
            raise ConfigError(f"{where}: [schedule] update_fields: unknown field {name!r} "
                              f"(known: {', '.join(UPDATE_FIELDS)})")
    if "update_fields" in values:  # a field named twice counts once
        values["update_fields"] = tuple(dict.fromkeys(values["update_fields"]))


_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# The data files a [content] events setting may name (as lookup.DATA_SUFFIXES: this module
# is read at every start, before anything of the content layer is imported).
_DATA_SUFFIXES = (".yml", ".yaml", ".json", ".toml")
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


def _split_events(values: dict[str, Any]) -> None:
    """A data file or a pattern in ``events``: the folder they are below, and the
    pattern below it in ``data`` (empty for a folder of Markdown files)."""
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


def check_content(values: dict[str, Any], where: str) -> None:
    _split_events(values)
    generator = values.get("generator", "")
    if generator:
        # Imported here: the profiles (and YAML) are not needed when no generator is named.
        from .sources.profiles import GENERATOR_NAMES

        if generator not in GENERATOR_NAMES:
            raise ConfigError(f"{where}: [content] generator: expected one of "
                              f"{', '.join(GENERATOR_NAMES)}, got {generator!r}")
    default_time = values.get("default_time", "")
    if default_time and not _TIME.match(default_time):
        raise ConfigError(f"{where}: [content] default_time: expected a 24-hour time such as "
                          f"'18:30', got {default_time!r}")
    for fact in values.get("expect", ()) or ():
        if fact not in ("speakers", "venue"):
            raise ConfigError(f"{where}: [content] expect: expected 'speakers' or 'venue', got "
                              f"{fact!r}")
    utc_times = values.get("utc_times", "")
    if utc_times not in ("", "instant", "local", "unsure"):
        raise ConfigError(f"{where}: [content] utc_times: expected 'instant', 'local' or "
                          f"'unsure', got {utc_times!r}")
    naive = values.get("naive_times", "")
    if naive not in ("", "local", "utc"):
        raise ConfigError(f"{where}: [content] naive_times: expected 'local' or 'utc', got "
                          f"{naive!r}")


# --- [site] accent: colours and their contrast (WCAG 2) ------------------------------------

AA = 4.5  # WCAG 2 AA, normal text
WHITE = "#ffffff"
INK = "#102a43"  # the palette's heading colour: near-black text on a light accent

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def parse_colour(text: str) -> tuple[int, int, int]:
    """``#1a5fb4`` or ``#15b`` as (r, g, b); ``ValueError`` for anything else."""
    text = text.strip()
    if not _HEX.match(text):
        raise ValueError(f"expected a colour as #rrggbb or #rgb, got {text!r}")
    digits = text[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def hex_colour(rgb: tuple[float, float, float]) -> str:
    """(r, g, b), each 0 to 255 (rounded), as ``#rrggbb``."""
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2's contrast ratio of two colours, 1 to 21."""
    la, lb = sorted((luminance(parse_colour(a)), luminance(parse_colour(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(accent: str) -> str:
    """White or near-black, whichever reads better on ``accent``."""
    return WHITE if contrast(accent, WHITE) >= contrast(accent, INK) else INK


def check_site(values: dict[str, Any], where: str) -> None:
    """``[site] url``: absolute (its final ``/`` taken off); ``[site] accent``: a colour
    that white or near-black text reads on at WCAG AA (the header's and the buttons')."""
    if values.get("url"):
        url = values["url"].rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise ConfigError(f"{where}: [site] url: expected an absolute http(s) URL, got {url!r}")
        values["url"] = url
    accent = values.get("accent")
    if not accent:
        return
    try:
        parse_colour(accent)
    except ValueError as exc:
        raise ConfigError(f"{where}: [site] accent: {exc}") from None
    best = contrast(accent, text_on(accent))
    if best < AA:
        raise ConfigError(
            f"{where}: [site] accent: {accent} has too little contrast with white and with "
            f"black text ({int(best * 10) / 10}:1, WCAG AA needs {AA}:1): choose a darker or a "
            "lighter shade")


# --- the values' types -------------------------------------------------------------------


def coerce(kind: str, value: Any, base: Path) -> Any:
    """``value`` as the schema's ``kind`` says (see config._SCHEMA); ValueError saying what
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
