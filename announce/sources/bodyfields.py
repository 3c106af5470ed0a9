"""Facts written in the body rather than the front matter: ``| **日時** | 2026年06月20日 … |``.

Older sites state the date and the place in a table row or a ``**When:** ...`` line of the
body. A key path ``body:<label>`` (``body:日時``, ``body:When``) reads the value after that
label, from the first line that has it. Only used when the key map names such a path.
A page without a title takes its first ``# `` heading, as Docusaurus, MkDocs and MDX
pages do (:func:`first_heading`).
"""

from __future__ import annotations

import functools
import html
import re

from .lookup import is_map

__all__ = [
    "DATE_LABELS", "TIME_RANGE", "VENUE_LABELS", "first_heading", "labelled_value",
    "split_range", "venue_block", "venue_parts",
]

# Labels that introduce an event's date or place, in the languages of the sites seen.
DATE_LABELS = ("日時", "開催日時", "開催日", "日付", "日期", "날짜", "일시", "일자", "When",
               "Date", "Date & time", "Date and time", "Datum", "Wann", "Quand",
               "Date et heure", "Horaire", "Fecha", "Cuándo", "Data", "Quando", "Wanneer",
               "Termin", "Dátum", "Tarih", "Päivämäärä", "Дата", "Kdy", "Kiedy")
VENUE_LABELS = ("会場", "場所", "장소", "地点", "Where", "Venue", "Location", "Place", "Ort",
                "Lieu", "Lugar", "Luogo", "Locatie", "Miejsce", "Místo", "Paikka", "Место",
                "Veranstaltungsort", "Adresse", "Wo", "Local", "Onde", "Endereço", "Dónde",
                "Dove", "Waar", "Gdzie", "Lokalizacja", "Kde")

_TAG = re.compile(r"<[^>]+>")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)\s]+\)")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
# A Markdown backslash before ASCII punctuation ("DMM\\.com"): the character alone.
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


@functools.lru_cache(maxsize=64)
def _row(label: str) -> re.Pattern[str]:
    # "| **日時** | value |", "**When:** value", "When: value", "- Date : value".
    name = re.escape(label)
    return re.compile(
        # Markdown marks, a table's bar, an icon or emoji before the label ("🏢 Local:").
        rf"^[ \t]*+(?:[^\w\n]{{1,6}}[ \t]*+)?(?:\*\*|__)?{name}(?:\*\*|__)?[ \t]*(?:\*\*)?"
        rf"[ \t]*(?:\||:|：)(?:\*\*)?[ \t]*(?P<value>[^\n]+?)[ \t]*\|?[ \t]*$",
        re.MULTILINE | re.IGNORECASE)


def labelled_value(body: str, label: str) -> str | None:
    """The text after ``label`` on the first body line that starts with it, or None.

    A label alone on its line (an event card's ``<h3><i class="..."></i> Fecha</h3>``,
    a ``### Date`` heading) labels the next line that has text.
    """
    if label not in body and label.lower() not in body.lower():
        return None
    match = _row(label).search(body)
    if match is None:
        return _next_line_value(body, label)
    value = match["value"].strip().strip("*_").strip()
    return value or None


# What a label alone may have around it: a heading's marks, bold, a colon. (Not an icon
# after it: kor-dev-aus' "#### 장소 🚶" heads "- 후원 MEC, RMIT ...", its sponsor's
# word before the place, which nothing tells from the place's name.)
_ALONE_MARKUP = re.compile(r"^[\s#>*_|\-]*|[\s*_:：|]*$")
# A list item's mark, and a value that is itself labelled ("- 후원 : 멜번대학교 ...": the
# venue's sponsor, then the venue).
_ITEM = re.compile(r"^(?:[*+\-]|\d+[.)])\s+")
_INNER_LABEL = re.compile(r"^[^\s:：]{1,12}\s*[:：]\s*(?=\S)")


def _next_line_value(body: str, label: str) -> str | None:
    lines = body.splitlines()
    wanted = label.casefold()
    for index, line in enumerate(lines[:400]):
        if wanted not in line.casefold():
            continue
        plain = _ALONE_MARKUP.sub("", html.unescape(_TAG.sub(" ", line))).strip()
        if plain.casefold() != wanted:
            continue
        for following in lines[index + 1:index + 4]:
            text = " ".join(html.unescape(_TAG.sub(" ", following)).split()).strip("*_ ")
            # A definition list's ":   value" (Markdown Extra's).
            text = text.removeprefix(": ").strip("*_ ") if text.startswith(": ") else text
            text = _INNER_LABEL.sub("", _ITEM.sub("", text))
            if text:
                return text
        return None
    return None


# "2016年 01/16(土)", "2026年06月20日(土)": the year-first forms of Japanese sites.
_JA_SLASH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*/\s*(\d{1,2})")
_JA_FULL = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_PAREN = re.compile(r"\s*[(（][^)）]{1,12}[)）]")
# In a time key alone ("6:30 PM - 8:30 PM", "18h-20h"), any dash before a digit is a range.
TIME_RANGE = re.compile(r"\s*(?:[-–—~〜～]|\bto\b|\bbis\b|\bà\b)\s*(?=\d)")
# In a date and time, a range starts after a time of day ("13:00 - 17:00", "7 PM to
# 9 PM"), never inside a date ("2026-06-20").
_RANGE = re.compile(r"(?:(?<=[:：h.]\d\d)|(?<=[apAP][mM])|(?<=[apAP]\.[mM]\.))\s*"
                    r"(?:[-–—~〜～]|\bto\b|\bbis\b|\bà\b)\s*(?=\d)")
_CLOCK = re.compile(r"^\s*(\d{1,2}(?:[:h：.]\d{2})?\s*(?:[ap]\.?m\.?)?)", re.IGNORECASE)


def split_range(text: str) -> tuple[str, str | None]:
    """``"2026-06-20 13:00 - 17:00 (12:30 開場)"`` -> (``"2026-06-20 13:00"``, ``"17:00"``)."""
    text = _JA_FULL.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text)
    text = _JA_SLASH.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text)
    text = _PAREN.sub("", text).strip()
    parts = _RANGE.split(text, maxsplit=1)
    start = parts[0].strip()
    end = None
    if len(parts) == 2:
        clock = _CLOCK.match(parts[1])
        end = clock[1].strip() if clock else None
    return start, end


def venue_parts(text: str) -> tuple[str, str]:
    """A venue cell as (name, address): ``"Hall<br>1 Main St <a>...</a>"``."""
    text = _MD_LINK.sub(lambda m: m[1], text)  # "[Hall](https://...)": its name
    text = _MD_ESCAPE.sub(r"\1", text)
    lines = [" ".join(html.unescape(_TAG.sub(" ", part)).split()) for part in _BR.split(text)]
    lines = [line for line in lines if line]
    name = lines[0] if lines else ""
    address = lines[1] if len(lines) > 1 else ""
    # A bare URL after the address is the venue's page, not its address.
    address = re.sub(r"\s*https?://\S+", "", address).strip()
    return name.strip("*_ "), address


# A Markdown link, inline ("[Hall](https://...)") or by reference ("[Hall][hall]"), and a
# reference's definition on a line of its own ("[hall]: https://...").
_ANY_LINK = re.compile(r"\[([^\]\n]+)\](?:\(\s*([^)\s]+)[^)]*\)|\[([^\]\n]*)\])")
_DEFINITION = re.compile(r"^[ ]{0,3}\[([^\]\n]+)\]:\s*(\S+).*$", re.MULTILINE)


def venue_block(text: str) -> tuple[str, str, str, str]:
    """A venue written as a block of Markdown lines, as (name, address, url, map link):
    the place's name on the first line, its address on the next, links by their text (a
    link to a map is the map link, not a part of the name)::

        [Hipo Labs][hipo] | [Map][hipo-map]
        Tavukçu Fethi Sokak No:5
        [hipo]: http://hipolabs.com/
    """
    references = {m[1].casefold(): m[2] for m in _DEFINITION.finditer(text)}
    text = _DEFINITION.sub("", text)
    found = {"url": "", "map": ""}

    def line_text(line: str, first: bool) -> str:
        def link(match: re.Match[str]) -> str:
            target = match[2] or references.get((match[3] or match[1]).casefold(), "")
            if not is_map(target):
                found["url"] = found["url"] or target
                return match[1]
            found["map"] = found["map"] or target
            # "| [Map][m]", "([Karte](...))", a line of its own under the name: a link to
            # the map; a place linked to its map ("[Campus Sud][m]") is still named.
            alone = not first and line.strip(" |,;*_") == match[0]
            set_off = line[:match.start()].rstrip().endswith(("|", "(", "·", "–", "-"))
            return "" if alone or set_off else match[1]

        line = _ANY_LINK.sub(link, _MD_ESCAPE.sub(r"\1", line))
        line = re.sub(r"\(\s*\)", "", line)
        return " ".join(html.unescape(_TAG.sub(" ", line)).split()).strip(" |,;*_")

    lines: list[str] = []
    for line in text.splitlines():
        words = line_text(line, not lines)
        if words:
            lines.append(words)
    name = lines[0] if lines else ""
    return name, ", ".join(lines[1:]), found["url"], found["map"]


# "# Title", "# Title #", "# Title {#anchor}": a level-one ATX heading; fences skipped.
_HEADING_OR_FENCE = re.compile(r"^[ ]{0,3}(?:#[ \t]+(?P<text>[^\n]*?)[ \t]*(?:#+[ \t]*)?$"
                               r"|(?P<fence>`{3,}|~{3,}))", re.MULTILINE)
_HEADING_ANCHOR = re.compile(r"[ \t]*\{#[\w-]+\}$")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(.+?)\1|(?<!\w)_(.+?)_(?!\w)")


def first_heading(body: str) -> str | None:
    """The text of the body's first level-one ``#`` heading outside code, or None.

    >>> first_heading("```\\n# not this\\n```\\n\\n# **Rust** night #\\n")
    'Rust night'
    """
    if "#" not in body:
        return None
    position = 0
    while (match := _HEADING_OR_FENCE.search(body, position)) is not None:
        fence = match["fence"]
        if fence is None:
            text = _HEADING_ANCHOR.sub("", match["text"])
            text = _MD_LINK.sub(lambda m: m[1], text)
            text = _EMPHASIS.sub(lambda m: m[2] or m[3], text)
            text = " ".join(html.unescape(_TAG.sub("", text)).split())
            if text:
                return text
            position = match.end()
            continue
        close = re.compile(rf"^[ ]{{0,3}}{fence[0]}{{{len(fence)},}}[ \t]*$", re.MULTILINE)
        end = close.search(body, match.end())
        if end is None:
            return None
        position = end.end()
    return None
