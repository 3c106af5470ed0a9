"""Facts a page states in its text rather than its keys: the venue on a labelled line, the
speakers on ``Speaker:`` lines, and the words that say a page speaks of a speaker.

Each is used only when no key of the front matter gives the fact; what is found is
recorded with its line (see :mod:`.provenance`).
"""

from __future__ import annotations

import html
import re
from typing import Any

from .keymap import MISSING
from .reader import Reader

__all__ = [
    "HREF",
    "PLACEHOLDER",
    "PLACEHOLDER_PEOPLE",
    "SPEAKER_LABELS",
    "body_speakers",
    "body_venue",
    "hints_speaker",
    "speaker_names",
    "table_people",
]


# What a file writes while the venue is not known yet.
PLACEHOLDER = re.compile(
    r"^\s*(?:tb[acd]|to be (?:announced|confirmed|decided|defined)|à (?:définir|confirmer|"
    r"venir)|noch offen|wird noch bekannt gegeben|por (?:definir|confirmar)|da definire|"
    r"n/?a|\?+|-+|—|未定|미정)\s*[.!]*\s*$", re.IGNORECASE)
HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


# A dash between a venue's name and its street address, which starts with its number.
_DASH_ADDRESS = re.compile(r"\s+[-–—]\s+(?=\d)")


def body_venue(reader: Reader) -> Any:
    """The venue a labelled line of the body names ("**Location**: Hall, 1 Main St")."""
    from .bodyfields import VENUE_LABELS, labelled_value, venue_parts

    body = reader.doc.body
    for label in VENUE_LABELS:
        value = labelled_value(body, label)
        if value is None:
            continue
        name, address = venue_parts(value)
        name = name.strip(" ,;")
        if not name or PLACEHOLDER.match(name):
            continue
        head, _comma, rest = name.partition(",")
        dash = _DASH_ADDRESS.search(name)
        if not address and dash is not None and not any(c.isdigit() for c in name[:dash.start()]):
            # "Isos Technology - 1130 E University Drive, #101": a name, a dash, a street.
            name, address = name[:dash.start()].strip(), name[dash.end():].strip()
        elif not address and rest and any(c.isdigit() for c in rest):
            # "MSTAGE GmbH, Hofstatt 5, 3100 St. Pölten": a name, then a street address;
            # "Anfiteatro Alfredo Barrera, Facultad de Ciencias, UNAM" is one name.
            name, address = head.strip(), rest.strip()
        elif not address and any(c.isdigit() for c in name):
            # "서울시 강남구 테헤란로1길 10 세경빌딩 6층 공간더하기": a place and its address in one
            # run of words; shown as written, but which words name the venue is unsure.
            reader.unsure.add("location")
        reader.note_source("location", f"body:{label}")
        return {"name": name, "address": address} if address else name
    element = _marked_element(body, "venue")
    if element is not None:
        # '<div class="meetup-venue"><i class="fas fa-map"></i> McKesson</div>': the page's
        # own markup says what the element holds.
        name, address = venue_parts(element[1])
        if name and not PLACEHOLDER.match(name):
            reader.sources["location"] = \
                f"body:{reader.doc.body_line + body.count(chr(10), 0, element[0])}"
            return {"name": name, "address": address} if address else name
    pin = _PIN.search(body)
    # "**📍Htag Poitiers** (24 Bd du Grand Cerf)", "📍 **Les Echos — 5 rue Sophie Germain**":
    # a map pin before a place's name, its address after a dash or in brackets.
    name, _dash, address = pin["name"].partition(" — ") if pin else ("", "", "")
    if pin is not None and len(name.split()) <= 8 and not re.search(r"[!?]|\.$", name):
        reader.sources["location"] = \
            f"body:{reader.doc.body_line + body.count(chr(10), 0, pin.start())}"
        name, address = name.strip(" ,;:"), (pin["address"] or address).strip(" ,;:")
        return {"name": name, "address": address} if address else name
    online = _ONLINE_LINE.search(body)
    if online is not None:
        # "- Meet-up call link: https://meet.jit.si/...": the event is online, there.
        line = reader.doc.body_line + body.count("\n", 0, online.start())
        reader.sources["location"] = f"body:{line}"
        return {"name": "Online", "online_url": online["url"]}
    return MISSING


# An element of the body's HTML and its class, id or itemprop: what the page's markup says
# the element holds (class="meetup-venue", itemprop="location").
_MARKED = re.compile(r"<(?P<tag>div|p|span|li|dd|td|section|address)\b[^>]*?\b"
                     r"(?:class|id|itemprop)\s*=\s*[\"'](?P<mark>[^\"'<>]{1,80})[\"'][^>]*>"
                     r"(?P<inner>[^<]{0,300}(?:<(?!/?(?P=tag)\b)[^<]{0,300}){0,8})</(?P=tag)>",
                     re.IGNORECASE)


def _marked_element(body: str, role: str) -> tuple[int, str] | None:
    """(offset, text) of the first element of ``body`` whose class, id or itemprop names
    ``role`` in the words the site templates' labels are read by, or None."""
    if "<" not in body:
        return None
    from .templates import ROLES

    for match in _MARKED.finditer(body):
        if ROLES[role].search(match["mark"].replace("-", " ").replace("_", " ")):
            text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match["inner"])).split())
            if text:
                return match.start(), text
    return None


# A map pin, then a place's name (and its address in brackets): "📍 Htag Poitiers".
_PIN = re.compile(r"[📍📌]\ufe0f?[ \t]*(?:\*\*|__)?[ \t]*(?P<name>[^\W\d_][^\n*<(|]{1,100}?)"
                  r"[ \t]*(?:\*\*|__)?[ \t]*(?:\((?P<address>[^)\n]{3,150})\))?[ \t]*(?:[*\\<]|$)",
                  re.MULTILINE)


# A line that gives the link to join online: its label names a call, a stream or a meeting.
_ONLINE_LINE = re.compile(
    r"^[^\w\n]*+(?:[\w\-]+[ \t]+){0,3}(?:call|meeting|join|zoom|jitsi|stream|livestream|"
    r"webinar|video|online|teams|meet)(?:[ \t]+[\w\-]+){0,2}[ \t]*(?:\*\*)?[ \t]*[:：]"
    r"[ \t]*(?:\*\*)?[ \t]*(?:\[[^\]\n]*\]\(|<)?(?P<url>https?://[^\s)>\]]+)",
    re.IGNORECASE | re.MULTILINE)


# Labels of a body line that names a talk's speaker, in the languages sites are written in.
SPEAKER_LABELS = ("speaker", "speakers", "presenter", "presenters", "presented by",
                  "sprecher", "sprecherin", "referent", "referentin", "vortragende",
                  "intervenant", "intervenante", "intervenants", "orateur", "oratrice",
                  "conférencier", "ponente", "ponentes", "relatore", "relatori", "spreker",
                  "prelegent", "řečník", "přednášející", "pembicara", "narasumber", "pemateri",
                  "palestrante", "palestrantes", "konuşmacı", "konuşmacılar", "спикер",
                  "спикеры", "докладчик", "докладчики", "diễn giả", "発表者", "登壇者",
                  "講師", "발표자", "연사", "演讲者", "讲师", "讲者", "講者", "分享嘉宾")
_SPEAKER_LINE = re.compile(
    r"^[ \t]*+(?:[|*\-+#][ \t]*+)*+(?:\*\*|__)?(?:" + "|".join(
        re.escape(label) for label in sorted(SPEAKER_LABELS, key=len, reverse=True))
    + r")(?:\*\*|__)?[ \t]*(?:\*\*)?[ \t]*[:：|][ \t]*(?:\*\*)?[ \t]*(?P<names>[^\n|]+)",
    re.IGNORECASE | re.MULTILINE)
# Words that say a page is about someone's talk (so a page naming no one is unsure), in
# lower case: they are looked for in the text lowered once (a pattern that ignores case
# costs several times as much on a site's hundreds of pages).
_HINT_WORDS = re.compile(
    r"\b(?:about the speakers?|speakers?|presenters?|presented by|talk by|sprecher|"
    r"referent(?:in)?|intervenant|orateur|ponente|relatore|spreker|prelegent)\b|"
    r"発表者|登壇者|講師|발표자|연사|担当|"
    # "Our guest will be ...", "Spotkanie poprowadzi ...": who leads the evening.
    # (an ordinal may come between: "Notre deuxième invité : ...", "our first guest")
    r"\b(?:our|unser(?:e|er)?|notre|nos|nuestr[oa]s?|nostr[oa])\s+(?:\w+\s+)?"
    r"(?:guests?|gast|gäste|invitée?s?|invitad[oa]s?|ospit[ei])\b|"
    r"\b(?:poprowadzi|gościem|guest speaker|keynote speaker)\b")
# A talk named with someone's name beside it (the name's capitals matter): only on pages
# that have one of these words.
_TALK_WORDS = ("talk", "session", "vortrag", "lezing", "presentatie", "présentation",
               "presentation", "charla", "palestra", "prelekcja", "přednáška", "keynote",
               "workshop", "lecture", "wykład")
_TALK_NAMED = re.compile(
    # "18:45 | Talk 1: Arlon Antonius - Title", "Talk: Generics (Menno Hoekstra)": a talk
    # named with someone's name beside it.
    r"(?i:\b(?:talk|session|vortrag|lezing|presentatie|présentation|charla|palestra|"
    r"prelekcja|přednáška)\b)\s*\d*\s*[:：]\s*(?-i:[A-ZÀ-Ý][\w'’-]+[ \t]+[A-ZÀ-Ý][\w'’-]+)|"
    r"(?i:\b(?:talk|session|vortrag|lezing|presentatie|présentation|charla|palestra|"
    r"prelekcja|přednáška)\b)[^\n]{0,120}\((?-i:[A-ZÀ-Ý][\w'’-]+[ \t]+[A-ZÀ-Ý][\w'’-]+)\)|"
    # "Talk 1: **Magento News** von Anna Völkl": a talk by someone.
    r"\b(?:[Tt]alk|[Ss]ession|[Kk]eynote|[Ww]orkshop|[Pp]resentation|[Ll]ecture|Vortrag|"
    r"[Cc]harla|[Pp]résentation|[Pp]alestra|[Pp]relekcja|[Ww]ykład)\b[^\n]{0,100}\s(?:by|"
    r"von|par|por|di|door|przez|com)\s+\[?[A-ZÀ-Ý]", re.IGNORECASE | re.MULTILINE)
# Shapes of a line that names a person as who gives a talk.
_HINT_SHAPES = re.compile(
    # "Philo Hermans: All things Livewire": a programme line that opens on a name.
    r"^[ \t]*+(?:[*\-+][ \t]+)?(?-i:[A-ZÀ-Ý][a-zà-ÿ'’-]+[ \t]+(?:(?:de|van|von|der|da|di)"
    r"[ \t]+)?[A-ZÀ-Ý][\w'’-]+)[ \t]*:[ \t]+[^\W\d_]|"
    # "přijde **Zdeněk Rejda**": a name set in bold in the text.
    r"(?-i:\*\*[A-ZÀ-ÝČŘŠŽĎŤŇŁŚŻŹ][\w'’.-]+(?:[ \t]+[A-ZÀ-ÝČŘŠŽĎŤŇŁŚŻŹ][\w'’.-]+){1,2}\*\*)|"
    # "伊藤さんによる星の会": by someone (an honorific, then "by" or "talks").
    r"(?:さん|氏|先生)(?:による|が登壇|の講演|の発表)|"
    # "- [Talk](video) ([slides](...)) - [Ann Lee](https://...)", "* Talk: what - Ann Lee":
    # a programme item that ends on its speaker's name.
    r"^[ \t]*+[*\-+][ \t]++[^\n]{3,300}?\s[-–—][ \t]+(?-i:\[[A-ZÀ-Ý][^\]\n]{1,60}\]"
    r"\([^)\s]*\)|[A-ZÀ-Ý][\w'’.-]+(?:[ \t]+(?:(?:de|da|do|dos|van|von|der|del|la|le)"
    r"[ \t]+)?[A-ZÀ-Ý][\w'’.-]+){1,4})[ \t]*$|"
    # "* Next-Gen CPython by [Guru](https://...)": a programme item by someone (not
    # "sponsored by", "hosted by", "powered by": a company's part).
    r"^[ \t]*+[*\-+][ \t]++[^\n]{3,150}?(?<!sponsored)(?<!hosted)(?<!powered)(?<!organi[sz]ed)"
    r"\s+by\s+\[[A-ZÀ-Ý]|"
    # '"Async Rust" by Ann Lee': a quoted title by someone.
    r'["“][^"”\n]{3,120}["”]\s+(?:by|von|par|por|di|door)\s+[A-ZÀ-Ý]', re.IGNORECASE | re.MULTILINE)


# "Karolina Dzieżyk, członkini Rady ..., opowie", "Ann Lee, engineer at X, shows": a
# sentence that opens on a capitalized name of two or three words followed by a comma and
# a lower-case word is how prose in most languages introduces a person.
_NAMED_PERSON = re.compile(
    r"(?:^|(?<=[.!?:]\s))[*_]{0,2}(?P<name>[^\W\d_]{2,}(?:[ \u00a0][^\W\d_]{2,}){1,2})"
    r"[*_]{0,2},[ \t]+(?P<next>[^\W\d_])", re.MULTILINE)


# "O Jorge falou um pouco", "Svaťa nás provede": a verb of giving a talk, whoever its
# subject; "{{< profile heading=... >}}", "{% include speaker.html %}": a person's card.
_TALK_VERB = re.compile(  # in lower case, as _HINT_WORDS
    r"\b(?:will\s+(?:speak|present|talk|lead)|spoke|presented|falou|falará|apresentou|"
    r"apresentará|habló|hablará|presentó|presentará|parlera|présentera|a\s+présenté|"
    r"sprach|spricht|präsentiert|parlerà|presenterà|provede|poví|přednese|představí|"
    r"poprowadzi|opowie|wystąpi|расскажет|выступит|представит|"
    # Turkish puts the verb last: "Aslı Sabancı ... anlatacak", "X sunumuyla".
    r"anlatacak\w*|sunacak\w*|konuşacak\w*|tanıtacak\w*|sunumu\w*|konuşmada)\b"
    r"|\{[{%][<%]?\s*(?:include\s+)?(?:profile|speaker|speakers|person|presenter|bio|talk)\b")


# A speaker label anywhere on a line ("🎙 Narasumber:", "## Ponentes").
_LABEL_WORD = re.compile(r"(?<!\w)(?:" + "|".join(  # in lower case, as _HINT_WORDS
    re.escape(label.lower()) for label in sorted(SPEAKER_LABELS, key=len, reverse=True))
    + r")(?!\w)")


def hints_speaker(line: str) -> bool:
    """Whether lines of a page's text speak of a speaker that no key names: a speaker
    word, a talk named beside someone, a line shaped like a programme's, a verb of giving
    a talk, a person's card, or a sentence introducing a person by name."""
    low = line.lower()
    if _HINT_WORDS.search(low) or _TALK_VERB.search(low) or _LABEL_WORD.search(low) or (
            any(word in low for word in _TALK_WORDS) and _TALK_NAMED.search(line)) or \
            _HINT_SHAPES.search(line):
        return True
    for match in _NAMED_PERSON.finditer(line):
        words = match["name"].split()
        if match["next"].islower() and all(
                w[0].isupper() and w[1:].islower() for w in words):
            return True
    return False


def body_speakers(reader: Reader) -> Any:
    """The names on the body's speaker lines (``* **Speaker**: Name``), every talk's."""
    names: list[str] = []
    first = None
    for match in _SPEAKER_LINE.finditer(reader.doc.body):
        text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", match["names"])
        text = re.sub(r"<[^>]+>", " ", text).replace("**", "").strip(" .")
        for name in speaker_names(" ".join(html.unescape(text).split())):
            if name and len(name) <= 60 and name not in names and \
                    name.strip(" !.?").casefold() not in PLACEHOLDER_PEOPLE:
                names.append(name)
        first = first if first is not None else match.start()
    if first is not None and not names:
        # "* Speaker: it could be you": the page says who speaks, and it is nobody yet.
        reader.sources["speakers"] = \
            f"body:{reader.doc.body_line + reader.doc.body.count(chr(10), 0, first)}"
        return []
    if not names or first is None:
        table = table_people(reader.doc.body)
        if table is None or not table[0]:
            return MISSING
        reader.sources["speakers"] = f"body:{reader.doc.body_line + table[1]}"
        return table[0]
    line = reader.doc.body_line + reader.doc.body.count("\n", 0, first)
    reader.sources["speakers"] = f"body:{line}"
    return names




# "Ben Stoutenburgh and Jay Gagnon", "Priya Raman & Tom O'Neil": one string, two people.
_NAME_SEPARATOR = re.compile(r"\s+(?:and|&|und|et|y|e|и|と)\s+|\s*[;、，]\s*|\s+/\s+")


def speaker_names(text: str) -> list[str]:
    names = [part.strip() for part in _NAME_SEPARATOR.split(text) if part.strip()]
    split: list[str] = []
    for name in names:
        # "Ann Lee, Bob Smith" is two people; "Ann Lee, PhD" and "Lee, Ann" are one.
        parts = [p.strip() for p in name.split(",")]
        # ("이현철, 박병철": names of one word in a script without surnames-first commas.)
        if len(parts) > 1 and all(len(p.split()) >= 2 or (p and not p.isascii())
                                  for p in parts):
            split.extend(parts)
        else:
            split.append(name)
    return split




# Header words of a programme table's column of people ("| 時刻 | 内容 | 担当 |").
_PEOPLE_COLUMNS = frozenset(label.casefold() for label in (
    *SPEAKER_LABELS, "担当", "人", "担当者", "who", "wer", "qui", "quién", "chi", "wie",
    "kdo", "kto", "누가"))
# Cells that name no one: everyone, volunteers, to be decided, the host.
PLACEHOLDER_PEOPLE = frozenset(word.casefold() for word in (
    "everyone", "everybody", "all", "alle", "tous", "todos", "tutti", "iedereen",
    "wszyscy", "všichni", "みんな", "全員", "有志", "모두", "미정", "未定", "tba", "tbd",
    "tbc", "n/a", "?", "-", "—", "사회자", "司会", "mc", "host", "moderator", "you",
    "it could be you", "could be you", "maybe you", "to be announced", "to be confirmed"))
_CELL_TAGS = re.compile(r"<[^>]{0,300}>")
_CELL_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _cells(line: str) -> list[str]:
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [cell.strip() for cell in text.split("|")]


def table_people(body: str) -> tuple[list[str], int] | None:
    """The people of a programme table's speaker column, and the table's line (from 0);
    None when the body has no such table."""
    if "|" not in body:
        return None
    lines = body.splitlines()
    for index in range(len(lines) - 1):
        line = lines[index]
        if "|" not in line or not re.match(r"^\s*\|?\s*:?-{2,}", lines[index + 1]):
            continue
        header = [_plain_cell(c).casefold() for c in _cells(line)]
        column = next((i for i, h in enumerate(header) if h in _PEOPLE_COLUMNS), None)
        if column is None:
            continue
        names: list[str] = []
        for row in lines[index + 2:]:
            if "|" not in row:
                break
            cells = _cells(row)
            if column >= len(cells):
                continue
            for name in speaker_names(_plain_cell(cells[column])):
                if name and name.casefold() not in PLACEHOLDER_PEOPLE and len(name) <= 60 \
                        and name not in names:
                    names.append(name)
        return names, index
    return None


def _plain_cell(cell: str) -> str:
    text = _CELL_LINK.sub(r"\1", _CELL_TAGS.sub(" ", cell))
    return " ".join(html.unescape(text).replace("**", "").replace("__", "").split())
