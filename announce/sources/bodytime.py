"""The time of day a page states in its text, when its front matter gives only a date.

Sites that keep a date key often write the time only where people read it: a labelled
line or table row (``**Zeit**: 17:30 Uhr - 21:00 Uhr``, ``| 日時 | … 13:00 - 17:00 |``,
``* 시간: 오후 7시 ~ 9시 50분``), the first item of a programme (``- 19h15 - 19h30 :
Accueil``, ``'18:30 Uhr: Kennenlernen'`` in an agenda list of the front matter), or a
sentence (``ab 18:30 Uhr``, ``from 7pm to 8:30pm``). :func:`stated_time` finds it, with
the line it is on, in that order of trust; it never guesses from a number alone: a time of
day must have minutes or a unit (``pm``, ``Uhr``, ``h``, ``時``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

__all__ = ["TIME_LABELS", "StatedTime", "clock_in", "labelled_time", "stated_time"]

# Words that label a line or cell holding when an event happens, in the languages meetup
# sites are written in. A label is matched as a whole word at the line's start.
TIME_LABELS = (
    "time", "when", "date & time", "date and time", "hours", "schedule", "start",
    "zeit", "uhrzeit", "beginn", "wann", "termin", "datum und zeit",
    "heure", "horaire", "horaires", "quand", "date et heure",
    "hora", "horario", "cuándo", "cuando", "fecha y hora", "horário", "data e hora", "início",
    "inicio",
    "ora", "orario", "quando",
    "tijd", "wanneer", "aanvang",
    "czas", "godzina", "kiedy",
    "čas", "kdy",
    "время", "когда",
    "日時", "開催日時", "時間", "時刻", "開始",
    "시간", "일시", "일정",
    "时间", "時間",
)

_AMPM_PRE = r"(?P<pre>오전|오후|저녁|밤|아침|午前|午後|夕方|夜|上午|下午|晚上)?\s*"
# A time of day: 18:30, 18.30 Uhr, 18h30, 19h, 7pm, 7:30 p.m., 19 Uhr, 19時30分, 오후 7시.
_CLOCK = re.compile(
    r"(?<![\d:.,/\-])" + _AMPM_PRE
    + r"(?P<h>2[0-3]|[01]?\d)"
    r"(?:"
    r"[:：](?P<m>[0-5]\d)(?![\d/])(?::[0-5]\d)?"
    r"|\s?[hH](?P<m2>[0-5]\d)?(?![A-Za-z\d])"
    r"|\s?(?:時|时|시)(?:\s?(?P<m3>[0-5]?\d)\s?(?:分|분))?"
    r"|\.(?P<m4>[0-5]\d)(?=\s*(?:[Uu]hr|h\b))"
    r")?"
    r"\s*(?P<suf>[aApP]\.?\s?[mM]\.?(?![A-Za-z])|[Uu]hr\b)?"
)
# What separates a start from an end: "13:00 - 17:00", "7pm to 8:30pm", "19h ~ 21h".
_RANGE_SEP = re.compile(r"^\s*(?:[-–—~〜～]|to|bis|à|a|au|až|do|tot|until)\s+|^\s*[-–—~〜～]\s*",
                        re.IGNORECASE)
# Words that, in a sentence, put a time of day as the event's start.
_PROSE_WORDS = ("ab", "um", "from", "at", "starting at", "starts at", "doors", "doors open",
                "doors at", "doors open at", "à", "dès", "a partir de", "à partir de",
                "a partir das", "à partir das", "às", "as", "a las", "desde", "alle", "vanaf",
                "om", "o godz.", "godz.", "o godzinie")
_PROSE = re.compile(r"(?:\b(?:" + "|".join(  # the longest phrase first: "à partir de" over "à"
    re.escape(w) for w in sorted(_PROSE_WORDS, key=len, reverse=True)) + r")\s+)",
    re.IGNORECASE)
# Words that make "from/de/od" a range's start only: "de 19h à 21h", "od 18:00 do 20:00"
# (alone, "de 4h" is a length: "durée de 4h").
_RANGE_ONLY = re.compile(r"(?:\b(?:de|od|van|von|dalle)\s+)", re.IGNORECASE)
# What makes a time a length, not a time of day: "4h of talks", "de 4h e máxima 6h".
_LENGTH_AFTER = re.compile(
    r"^\s*(?:e|and|und|et|y|to|-)?\s*(?:máxim|minim|max|min|long|lang|durée|duração|"
    r"duración|of\b|de\s+dur|hours?\b|stunden|heures|horas|godzin)", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,500}>")
_RANGE_TAIL = re.compile(
    r"^\s*(?:[-–—~〜～]|to|bis|à)\s*[\d:.hH\s]+(?:[aApP]\.?[mM]\.?|[Uu]hr)?\s*$")
# Markdown marks, list numbers and the emoji or icons a line may start with ("🕖 Horário:").
_MARKUP = re.compile(r"^[^\w\d]*+(?:\d+\.\s[^\w\d]*+)?")


# Zone abbreviations a page may write after a time ("11:00 - 12:00 UTC"), where they are
# unambiguous enough to trust: their UTC offsets in minutes.
ZONE_ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "WET": 0, "WEST": 60, "BST": 60, "CET": 60, "CEST": 120,
    "MEZ": 60, "MESZ": 120, "EET": 120, "EEST": 180, "MSK": 180, "IST": 330, "WIB": 420,
    "SGT": 480, "HKT": 480, "JST": 540, "KST": 540, "AEST": 600, "AEDT": 660,
    "NZST": 720, "NZDT": 780, "EST": -300, "EDT": -240, "CDT": -300, "MST": -420,
    "MDT": -360, "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
}
_ZONE = re.compile(r"^[\s*_)]*\(?(" + "|".join(sorted(ZONE_ABBREVIATIONS, key=len, reverse=True))
                   + r")\b")


@dataclass(frozen=True)
class StatedTime:
    """A time of day a page states, where, and how it was found."""

    start: time
    end: time | None
    line: int  # 1-based, in the text given to stated_time
    how: str  # "label", "programme" or "sentence"
    # The UTC offset in minutes of a zone the text names after the time ("UTC"), or None:
    # then the time is the site's.
    offset: int | None = None


def clock_in(text: str, start: int = 0) -> tuple[time, int, int] | None:
    """The first time of day in ``text`` from ``start``: (time, its start, its end)."""
    for match in _CLOCK.finditer(text, start):
        found = _to_time(match)
        if found is not None:
            return found, match.start(), match.end()
    return None


def _to_time(match: re.Match[str]) -> time | None:
    minutes = match["m"] or match["m2"] or match["m3"] or match["m4"]
    unit = bool(match["suf"]) or bool(match["pre"])
    raw = match.group(0)
    has_unit_word = any(u in raw for u in ("時", "时", "시")) or bool(
        re.search(r"\d\s?[hH]", raw))
    if minutes is None and not unit and not has_unit_word:
        return None  # a bare number is no time of day
    hour = int(match["h"])
    minute = int(minutes) if minutes else 0
    suffix = (match["suf"] or "").lower().replace(".", "").replace(" ", "")
    pre = match["pre"] or ""
    # (저녁, 밤, 夕方, 夜, 晚上: evening and night, after noon; 아침: morning.)
    if suffix in ("pm",) or pre in ("오후", "저녁", "밤", "午後", "夕方", "夜", "下午", "晚上"):
        if hour < 12:
            hour += 12
    elif (suffix == "am" or pre in ("오전", "午前", "上午")) and hour == 12:
        hour = 0
    if hour > 23:
        return None
    return time(hour, minute)


def _range_end(text: str, after: int, start: time) -> time | None:
    rest = text[after:]
    sep = _RANGE_SEP.match(rest)
    if sep is None:
        return None
    found = clock_in(rest[sep.end():sep.end() + 24])
    if found is None or found[1] != 0:
        return None
    end = found[0]
    if end <= start and end.hour + 12 <= 23 and time(end.hour + 12, end.minute) > start:
        end = time(end.hour + 12, end.minute)  # "오후 7시 ~ 9시 50분", "7 - 9pm"
    return end


def _plain(line: str) -> str:
    """A line without its Markdown and HTML markup: ``<p>18:30 - 21:00</p>`` is a time."""
    if "<" in line:
        line = _TAG.sub(" ", line)
    return _MARKUP.sub("", line).replace("**", "").replace("__", "").strip()


def _label_value(line: str) -> str | None:
    """The value of a labelled line or row whose label says when, else None."""
    plain = _plain(line)
    lowered = plain.casefold()
    for label in TIME_LABELS:
        if not lowered.startswith(label):
            continue
        rest = plain[len(label):]
        if rest[:1].isalnum() and label.isascii():
            continue  # "Timeline", "Starter": another word
        match = re.match(r"^[\s*_]*(?:[:：|]|\s-\s)\s*", rest)
        if match:
            return rest[match.end():]
        found = clock_in(rest)
        if rest[:1].isspace() and found is not None and not rest[:found[1]].strip():
            return rest  # "Beginn 19 Uhr": no colon, the time right after the label
    return None


def _programme(line: str) -> bool:
    """Whether ``line`` is a programme item that starts with a time (``- 19h15 : Accueil``),
    or a line that is a time range alone (``<p>18:30 - 21:00</p>``, an event card's)."""
    plain = _plain(line)
    found = clock_in(plain[:12])
    if found is None or found[1] != 0:
        return False
    rest = plain[found[2]:]
    if _range_end(plain, found[2], found[0]) is not None and not _RANGE_TAIL.sub("", rest):
        return True
    return bool(re.match(r"^\s*(?:(?:[-–—~]\s*)?\S*\d\S*\s*)?[:：\-–—|]?\s*\S", rest))


_ANY_LABEL = re.compile(
    # One run of marks, then maybe a list number and more marks: two runs side by side
    # would backtrack quadratically on a line of 1,600 spaces that has no label.
    r"^[^\w\n]*+(?:\d+\.[^\w\n]*+)?(?:" + "|".join(
        re.escape(label) for label in sorted(TIME_LABELS, key=len, reverse=True)) + r")",
    re.IGNORECASE | re.MULTILINE)


def clocks_of(text: str) -> set[time]:
    """Every time of day ``text`` writes."""
    found = set()
    for match in _CLOCK.finditer(text):
        clock = _to_time(match)
        if clock is not None:
            found.add(clock)
    return found


def labelled_time(text: str) -> StatedTime | None:
    """The time a labelled line of ``text`` states (``Time: 19:00``), or None; fast when
    no line starts with a time label, as most bodies."""
    if _ANY_LABEL.search(text) is None:
        return None
    found = stated_time(text.splitlines(), ("label",))
    return found


_A_DIGIT = re.compile(r"\d")


def stated_time(lines: Iterable[str], kinds: tuple[str, ...] = ("label", "programme", "sentence")
                ) -> StatedTime | None:
    """The start (and end) a text states: a labelled line, else a programme's first item,
    else a sentence; None when it states no time of day."""
    text = list(lines)
    # A time of day is written with digits: the lines without one are only labels.
    digit = _A_DIGIT.search
    timed = [digit(line) is not None for line in text]
    for how in kinds:
        for number, line in enumerate(text, start=1):
            if how != "label" and not timed[number - 1]:
                continue
            if how == "label" and _label_alone(line):
                # "## Date & Time" or an event card's "<h3>Hora</h3>": the lines under it
                # say (the date first, then "* 3:30pm to 5:30pm").
                label = _label_alone(line)
                for offset, following in enumerate(text[number:number + 4], start=1):
                    if _label_alone(following) or following.lstrip().startswith("#"):
                        break
                    found = _find(f"{label}: {_plain(following)}", how) \
                        if following.strip() else None
                    if found is not None:
                        return StatedTime(*found, number + offset, how,
                                          _zone_after(following))
            found = _find(line, how)
            if found is not None:
                start, end = found
                return StatedTime(start, end, number, how, _zone_after(line))
    return None


def _label_alone(line: str) -> str:
    """The time label a line holds alone (a heading, a card's title), or ""."""
    plain = re.sub(r"[\W_]+$", "", _plain(line)).casefold()  # "#### 시간 ⏰": an icon after
    return plain if plain in TIME_LABELS else ""


_ZONE_TAIL = re.compile(r"(?<=[\d.mMhr])\s*\(?(" + "|".join(ZONE_ABBREVIATIONS) + r")\)?\s*$")


def split_zone(text: str) -> tuple[str, int | None]:
    """A time value and the zone abbreviation written after it ("13:00 WIB"): the time's
    text and the zone's UTC offset in minutes, or ``(text, None)`` when it names none."""
    match = _ZONE_TAIL.search(text)
    if match is None:
        return text, None
    return text[:match.start()], ZONE_ABBREVIATIONS[match[1]]


def _zone_after(line: str) -> int | None:
    """The offset of a zone abbreviation right after the line's last time of day."""
    plain = _plain(line)
    last = None
    for match in _CLOCK.finditer(plain):
        if _to_time(match) is not None:
            last = match
    if last is None:
        return None
    zone = _ZONE.match(plain[last.end():])
    return ZONE_ABBREVIATIONS[zone[1]] if zone else None


def _find(line: str, how: str) -> tuple[time, time | None] | None:
    if how == "label":
        value = _label_value(line)
        if value is None:
            return None
        found = clock_in(value)
        if found is None:
            return None
        return found[0], _range_end(value, found[2], found[0])
    if how == "programme":
        if not _programme(line):
            return None
        plain = _plain(line)
        found = clock_in(plain)
        assert found is not None
        end = _range_end(plain, found[2], found[0])
        # An item's end is the item's ("19h15 - 19h30 : Accueil"), not the event's; a line
        # that is a range alone (an event card's "18:30 - 21:00") gives the event's.
        return found[0], end if not _RANGE_TAIL.sub("", plain[found[2]:]) else None
    # The first time of day a preposition puts in the sentence: "de 19h à 21h" is 19h.
    openers = sorted([(m.end(), False) for m in _PROSE.finditer(line)]
                     + [(m.end(), True) for m in _RANGE_ONLY.finditer(line)])
    for at, range_only in openers:
        found = clock_in(line, at)
        if found is None or found[1] != at or _LENGTH_AFTER.match(line[found[2]:]):
            continue
        end = _range_end(line, found[2], found[0])
        if range_only and end is None:
            continue
        return found[0], end
    return None


def written_in_utc(text: str, wall: datetime) -> time | None:
    """The site's clock when a start's value was written in UTC by mistake: the time of day
    the page's text states first (its programme's first item, a sentence) is the value's
    clock read as UTC, in the site's zone (``dateIso: 17:00`` beside "à 19h00" in Paris in
    summer), and the text never writes the value's own clock. None otherwise."""
    offset = wall.utcoffset()
    if not offset:
        return None
    shifted = (wall.replace(tzinfo=None) + offset).time()
    twelve = (shifted.hour - 1) % 12 + 1
    if re.search(rf"(?<!\d)0?(?:{shifted.hour}\s?[:：hH.]|{twelve}(?:[:.]\d\d)?\s?[aApP]\.?"
                 r"[mM])", text) is None:
        return None  # the shifted hour is nowhere (most pages): no need to read them
    found = stated_time(text.splitlines(), ("programme", "sentence"))
    if found is None or found.offset is not None:
        return None
    if found.start != shifted or wall.time().replace(second=0, microsecond=0) in clocks_of(text):
        return None
    return found.start
