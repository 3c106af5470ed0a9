"""Who speaks, as a page's prose says it: when no key and no labelled line names anyone.

Pages name their speakers in sentences and programme lines far more often than in keys:
``* Next-Gen CPython by [Guru](...)``, ``### 1. Session by Shrayas``, ``Notre invité :
Aurélien Soulard``, ``Naszym gościem będzie Pan Mariusz Stawowski z firmy``, ``18:45 |
Talk 1: Arlon Antonius - Duurzame software``, ``Philo Hermans: All things Livewire``,
``**Zdeněk Rejda** nám poví``, ``伊藤さんによる星の会``. Each form here is a way prose
marks a person as the one who gives a talk, not a site's key name; the names it finds are
a reading of prose, so the event is marked unsure of its speakers (``check`` says so) and
the mail leaves them to the text, which names them itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from .keymap import MISSING
from .lookup import text_of
from .provenance import PROSE
from .reader import Reader

__all__ = ["NAME_PARTICLES", "ProseSpeakers", "prose_confirms", "prose_speakers",
           "speakers_in_prose"]

class _Lazy:
    """A pattern compiled when first used: most runs of announce never need these (a page
    names its speakers in a key), and compiling them all costs start-up time."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def _get(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return self._compiled

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self._get().finditer(text)

    def search(self, text: str) -> re.Match[str] | None:
        return self._get().search(text)


# A word of a name: a capital, then letters (Latin, Greek, Cyrillic...), or a particle of
# a family name ("de", "van der").
_WORD = r"[A-ZÀ-ÖØ-ÞĀ-ſΑ-ΩА-ЯЁ][^\W\d_]*(?:['’-][^\W\d_]+)*\.?"
NAME_PARTICLES = frozenset((
    "de", "da", "do", "dos", "das", "van", "von", "der", "den", "del", "della", "di", "du",
    "le", "la", "ten", "ter", "bin", "al", "zu"))
_PARTICLE = "(?:" + "|".join(sorted(NAME_PARTICLES, key=len, reverse=True)) + ")"
_NAME = rf"{_WORD}(?:[ \u00a0](?:{_PARTICLE}[ \u00a0])*{_WORD}){{0,4}}"
_LINKED = r"\[(?P<linked>[^\]\n]{2,60})\]\([^)\s]*\)"
_WHO = rf"(?:{_LINKED}|(?P<plain>{_NAME}(?:[ \t]+(?:and|&|und|et|y|e|i|a)[ \t]+{_NAME})?))"
# Honorifics before a name ("Pan Mariusz Stawowski", "Dr. Ann Lee"), not part of it.
_HONORIFIC = r"(?:(?:Pan|Pani|Mr|Mrs|Ms|Dr|Prof|Herr|Frau|M|Mme|Sr|Sra|Sig|Dott)\.?\s+)?"

# "Session by Shrayas", "Keynote Speech by [Sean McArthur](...)", "por Cirdes Henrique",
# ", com Philip Sampaio" (the talk "with" someone), "impartida por nuestro compañero
# [Juanjo Salvador](...)": a talk given by someone. Not "sponsored by", "hosted by": a
# company's part.
_BY = _Lazy(
    r"(?<!sponsored)(?<!hosted)(?<!powered)(?<!organized)(?<!organised)(?<!supported)"
    r"(?<!brought)(?<!provided)(?<!offered)(?<!made)(?<!written)(?<!photos)"
    rf"[ \t](?:(?:by|von|par|por|door|przez)[ \t]+(?:[^\W\d_]+[ \t]+){{0,2}}(?=\[)|"
    rf"(?:by|von|par|por|door|przez)[ \t]+{_HONORIFIC}|com[ \t]+(?={_NAME}[ \t]*(?:$|[-–—(,])))"
    rf"{_WHO}", re.MULTILINE)
# Lines a talk is given "by" someone on: a list item, a heading, or a line that speaks of
# a talk or quotes its title (not any sentence: "inspired by Rust").
_TALK_LINE = _Lazy(
    # ("Title - par Name, role": a programme's talk, its speaker after a dash.)
    r"^\s*(?:[*+-]\s|#{1,6}\s|\d+[.)]\s|\|)|[\"“„«]|[\s>][-–—]\s*(?i:by|par|por|von|door|przez|di)\s"
    r"|(?i:\b(?:talk|session|keynote|speech|"
    r"vortrag|lezing|présentation|charla|palestra|prelekcja|wykład|workshop|lecture|"
    r"conférence|ponencia|impartid[ao]|apresentad[ao]|présentée?s?|animée?s?|presented|"
    r"given)\b)")
# "Notre invité : Name", "Naszym gościem będzie Pan Name", "Our guest is Name", "Guest
# speaker: Name", "🎙 Name": the evening's guest, or a microphone before a name.
_GUEST = _Lazy(
    r"(?:(?i:\b(?:our|notre|nos|unser\w*|nuestr\w*|nostr\w*|naszym|nasz\w*|nosso|nossa)\s+"
    r"(?:\w+\s+)?(?:guests?|gast|gäste|invitée?s?|invitad[oa]s?|ospit[ei]|gościem|gość|"
    r"convidad[oa]s?)|\bguest\s+speakers?|\bpembicara|\bnarasumber|\bpemateri|"
    r"\bpalestrantes?|\bintervenante?s?)"
    r"\s*(?:(?i:will\s+be|is|are|sera|seront|est|ist|sind|será|sarà|będzie|é))?\s*"
    rf"\**\s*[:：]?|[🎙🎤]\ufe0f?(?=\s*\**\s*{_NAME}\s*(?:,|\n|$|\s[-–—])))\s*\**\s*"
    rf"{_HONORIFIC}{_WHO}(?![^\n:：]{{0,30}}[:：])")
# "Spotkanie poprowadzi Julia Ołowniuk", "Sterling Hankins will lead a discussion": a
# verb that says someone will give the talk, before or after the name.
_TALKS = (r"will\s+(?:be\s+)?(?:lead|present|speak|talk|discuss|giv|show|demo|share|walk|"
          r"introduc|explain|cover)\w*")
_VERB = _Lazy(
    rf"(?P<plain>{_NAME})\s+(?:{_TALKS}|(?:wird|va|vai|va\s+a)\s+\w+\s+(?:sprechen|"
    r"vorstellen|présenter|parler|apresentar|falar|presentar|hablar))\b"
    # "[Art Lasovsky](…) who works for Leica will give a presentation": a linked name, the
    # rest of its sentence.
    rf"|{_LINKED}[^.\n]{{0,100}}?\s{_TALKS}\b"
    r"|\b(?:poprowadzi|poprowadzą|opowie|wystąpi|przedstawi|provede|poví|přednese|"
    r"představí|расскажет|выступит|представит|présentera|animera|parlera|presentará|"
    r"hablará|impartirá|apresentará|falará|presenterà|parlerà|terrà)\s+"
    rf"{_HONORIFIC}(?P<after>{_NAME})")
# "18:45 | Talk 1: Arlon Antonius - Duurzame", "19:30 - Ruben Maas (Crew Engagement) -
# Event Driven", "| 15:10 | 강창훈 - 우분투 환경에서 ...": a programme item, its speaker then
# its title; "Talk: Generics in PHP (Menno Hoekstra)": a title, its speaker in brackets.
_CLOCK = r"\d{1,2}(?:[:.h]\d{2}|h)"
_PROGRAMME = _Lazy(
    rf"^[ \t|*+-]*{_CLOCK}(?:[ \t]*(?i:uhr|hrs?|[ap]\.?m\.?)\b)?+[ \t]*(?:[-–—|/][ \t]*|[ \t])"
    r"(?:(?i:talk|session|vortrag|lezing|"
    r"keynote)\s*\d*\s*[:：]\s*)?"
    rf"(?:{_LINKED}|(?P<plain>{_NAME}|[\uac00-\ud7a3]{{2,4}}))\s*(?:\([^)\n]{{1,60}}\)\s*)?"
    r"[-–—:]\s+\S", re.MULTILINE)
_BRACKETED = _Lazy(
    rf"(?i:\b(?:talk|session|vortrag|lezing|keynote|presentation|présentation|charla|"
    rf"palestra|prelekcja|wykład)\b)\s*\d*\s*[:：][^\n(]{{3,120}}\((?P<plain>{_NAME})\)")
# "Philo Hermans: All things Livewire", "Louis Quaintance: Amplify & Cognito": a line that
# opens on a name of two or three words and a colon, then the talk.
_NAME_COLON = _Lazy(
    rf"^[ \t]*(?:[*+-][ \t]+)?(?P<plain>{_WORD}(?:[ \t](?:{_PARTICLE}[ \t])*{_WORD}){{1,2}})"
    r"[ \t]*:[ \t]+(?=[^\W\d_])[^\n]{3,}$", re.MULTILINE)
# "David Sanchez - CableReady: la varita mágica": a paragraph that opens on a name of two
# to four words, a dash, then its talk (a programme written as lines of their own).
_NAME_DASH = _Lazy(
    rf"^[ \t]*(?P<plain>{_WORD}(?:[ \t](?:{_PARTICLE}[ \t])*{_WORD}){{1,3}})"
    r"[ \t]+[-–—][ \t]+(?=[^\W\d_])[^\n]{3,}$", re.MULTILINE)
# "- [Talk](video) ([slides](...)) - [Odinei Ramone](https://...)", "* [solid-process]
# (...) - Entenda ... - Rodrigo Serradura": a programme item ending on its speaker.
_ENDS_ON = _Lazy(
    rf"^[ \t]*(?:[*+-]|\d+[.)])[ \t]+[^\n]{{3,300}}?[ \t][-–—][ \t]+(?:{_LINKED}|"
    rf"(?P<plain>{_NAME}))[ \t]*$",
    re.MULTILINE)
# "1. Marek Urbanowicz - "Czysty kod w TypeScript"", "- [Ann Lee](…): Rust at scale": an
# agenda item that opens on its speaker (two words at least: "- Pizza - 19:00" is food).
_OPENS_ON = _Lazy(
    rf"^[ \t]*(?:[*+-]|\d+[.)])[ \t]+(?:{_LINKED}|(?P<plain>{_WORD}(?:[ \t](?:{_PARTICLE}"
    rf"[ \t])*{_WORD}){{1,3}}))[ \t]+[-–—:][ \t]+\S", re.MULTILINE)
# "{% talk 'Jarosław Bagnicki' 'Storybook' %}", "{{< speaker name="Ann Lee" >}}": a
# shortcode or tag of a talk or a person, a name its first quoted argument.
_TAG_ARGUMENT = _Lazy(
    rf"\{{[{{%][<%]?\s*(?:talk|speaker|person|presenter|profile)\b[^\n}}]*?[\"']"
    rf"(?P<plain>{_NAME})[\"']")
# "**Zdeněk Rejda** nám poví": a name in bold as the subject of a sentence.
_BOLD_SUBJECT = _Lazy(
    rf"\*\*(?P<plain>{_WORD}(?:[ \u00a0]{_WORD}){{1,2}})\*\*(?=\s+[^\W\d_A-ZÀ-Þ]|[ \t]*$)",
    re.MULTILINE)
# "Karolina Dzieżyk, członkini Rady ..., opowie": a sentence that opens on a name, then
# a comma and a lower-case word (a person's introduction in most languages).
_APPOSITIVE = _Lazy(
    rf"(?:^|(?<=[.!?]\s))[*_]{{0,2}}(?P<plain>{_WORD}(?:[ \u00a0]{_WORD}){{1,2}})[*_]{{0,2}},"
    r"[ \t]+(?=[^\W\d_A-ZÀ-Þ])", re.MULTILINE)
# "伊藤さんによる星の会": someone, an honorific, then "by" or "talks".
_HONORIFIC_BY = _Lazy(
    r"(?P<plain>[^\s\W\d]{1,6}?)(?:さん|氏|先生)(?:による|が登壇|の講演|の発表)")

# Forms, strongest first: the first that names anyone wins.
_FORMS = (("by", _BY), ("guest", _GUEST), ("programme", _PROGRAMME),
          ("bracketed", _BRACKETED), ("ends on", _ENDS_ON), ("opens on", _OPENS_ON),
          ("tag", _TAG_ARGUMENT), ("name-colon", _NAME_COLON), ("name-dash", _NAME_DASH),
          ("honorific", _HONORIFIC_BY), ("bold", _BOLD_SUBJECT), ("verb", _VERB),
          ("appositive", _APPOSITIVE))
# Words that open a line as labels, not as names ("Doors Open: 18:30", "Venue Address:").
_NOT_NAMES = frozenset(word.casefold() for word in (
    "doors", "door", "venue", "address", "location", "time", "date", "agenda", "schedule",
    "programme", "program", "talk", "talks", "session", "keynote", "break", "pause",
    "networking", "welcome", "intro", "introduction", "opening", "closing", "lunch",
    "dinner", "pizza", "drinks", "food", "registration", "check", "q&a", "qa", "note",
    "update", "live", "online", "meetup", "event", "hack", "lightning", "open", "the",
    "our", "your", "this", "next", "new", "join", "please", "sponsor", "sponsors", "host",
    "hosts", "slides", "video", "recording", "stream", "watch", "read", "more", "info",
    "tickets", "ticket", "rsvp", "register", "sign", "call", "wifi", "parking", "entry",
    "public", "transport",
    "eintritt", "einlass", "ort", "zeit", "datum", "lieu", "heure", "lugar", "hora",
    "local", "horário", "data", "luogo", "miejsce", "czas", "místo", "čas", "plaats",
    "tijd", "github", "youtube", "twitter", "linkedin", "discord", "slack", "zoom",
    "google", "microsoft", "amazon", "aws", "ms", "teams", "meet", "jitsi"))


@dataclass(frozen=True)
class ProseSpeakers:
    """Names a page's prose gives its speakers, the line of the first (1-based in the text
    given), and the form that found them."""

    names: tuple[str, ...]
    line: int
    form: str


def _name_of(match: re.Match[str]) -> str:
    found = match.groupdict()
    name = found.get("linked") or found.get("plain") or found.get("after") or ""
    return " ".join(name.replace("**", "").split()).strip(" .,:;")


@cache
def _label_words() -> frozenset[str]:
    from .bodyfacts import SPEAKER_LABELS
    from .bodytime import TIME_LABELS

    return frozenset(w.casefold() for w in (*SPEAKER_LABELS, *TIME_LABELS))


def _is_name(name: str) -> bool:
    words = name.split()
    if not words or len(name) > 60 or any(c.isdigit() for c in name):
        return False
    capitals = [w[0].isupper() and not any(c.islower() for c in w[1:]) for w in words]
    # "François WEMAERE": a family name in capitals after a given name, as French and
    # Spanish pages write it; "CTF Night", "IETF": acronyms, no names.
    family = len(words) > 1 and capitals[-1] and not any(capitals[:-1]) and \
        len(words[-1]) > 2 and words[-1].isalpha()
    if any(w.casefold() in _label_words() for w in words) or (any(capitals) and not family):
        return False  # "Pembicara" is a label
    if words[0].casefold().strip(".") in _NOT_NAMES or (name.isupper() and len(words) > 1):
        return False
    return not any(w.casefold() in _NOT_NAMES for w in words[1:2]) or len(words) > 2


def _split(name: str) -> list[str]:
    return [part for part in re.split(r"\s+(?:and|&|und|et|y|e|i|a)\s+", name) if part]


# Forms a group or a company fits as well as a person ("**R-Ladies Vancouver** are teaming
# up"): a name the page's title has is the evening's, not its speaker's.
_WEAK = frozenset({"bold", "appositive", "name-colon", "name-dash"})


def _under_label(text: str) -> ProseSpeakers | None:
    """"🎙 Narasumber:" on a line of its own, then a person a line ("Indra Agus — DevOps
    Engineer", "Rahadian Arif Rasyid IT Infrastructure"): the words of a name that open
    each line, up to the next heading."""
    for match in _label_alone().finditer(text):
        names = []
        for following in text[match.end():].split("\n", 13)[1:13]:
            if following.lstrip().startswith("#"):
                break
            if re.match(r"^[^\w]*\w+\s*[:：]", following):
                continue  # "🧩 Topik: ..." under a person: their talk
            words = []
            for word in re.sub(r"^[^\w]+", "", following).split():
                if not (word[0].isupper() and word[1:].islower()) or \
                        word.casefold() in _NOT_NAMES:
                    break
                words.append(word)
            if len(words) >= 2 and _is_name(" ".join(words[:4])):
                names.append(" ".join(words[:4]))
        if names:
            return ProseSpeakers(tuple(dict.fromkeys(names)),
                                 text.count("\n", 0, match.start()) + 1, "under a label")
    return None


@cache
def _label_alone() -> re.Pattern[str]:
    """A line that is a speaker label alone ("🎙 Narasumber:", "**Speakers**")."""
    from .bodyfacts import SPEAKER_LABELS

    return re.compile(r"(?im)^[^\w\n]*(?:" + "|".join(re.escape(label) for label in
                                                      SPEAKER_LABELS) + r")[ \t*_:：]*$")


# Words without which a form cannot match (in lower case): only the lines that have one,
# and the line after each, are searched for it (most pages name nobody, and a site has
# hundreds of pages).
_NEEDS = {
    "by": (" by ", " von ", " par ", " por ", " door ", " przez ", " com "),
    "guest": ("guest", "gast", "gäste", "invit", "ospit", "gość", "gości", "convidad",
              "pembicara", "narasumber", "pemateri", "palestrant", "intervenant", "🎙", "🎤"),
    "bracketed": ("talk", "session", "vortrag", "lezing", "keynote", "présentation",
                  "presentation", "charla", "palestra", "prelekcja", "wykład"),
    "honorific": ("さん", "氏", "先生"),
    "bold": ("**",),
    "tag": ("{%", "{{<", "{{%"),
    "verb": ("will ", "wird ", "va ", "vai ", "poprowadz", "opowie", "wystąpi", "przedstawi",
             "provede", "poví", "přednese", "představí", "расскажет", "выступит",
             "представит", "présentera", "animera", "parlera", "ará ", "erà ", "terrà"),
}


def _lines_with(lines: list[str], lowered: list[str], needed: tuple[str, ...]) -> str:
    """The text with only the lines that have one of ``needed``, and the line after each
    (a label, then the name below it); the others blank, so that line numbers hold."""
    kept = {n for n, low in enumerate(lowered) for n in (n, n + 1)
            if any(word in low for word in needed)}
    return "\n".join(line if n in kept else "" for n, line in enumerate(lines))


def prose_speakers(text: str, title: str = "") -> ProseSpeakers | None:
    """The speakers ``text`` names in prose or programme lines, or None."""
    title = " ".join(re.split(r"[\s-]+", title.casefold()))
    low = text.lower()
    lines: list[str] = []
    lowered: list[str] = []
    for form, pattern in _FORMS:
        if form == "programme" and (under := _under_label(text)) is not None:
            return under
        source = text
        if form in _NEEDS:
            if not any(word in low for word in _NEEDS[form]):
                continue
            if not lines:
                lines, lowered = text.split("\n"), low.split("\n")
            source = _lines_with(lines, lowered, _NEEDS[form])
        if form == "by":
            source = "\n".join(line if _TALK_LINE.search(line) else ""
                               for line in source.split("\n"))
        names: list[str] = []
        first = None
        for match in pattern.finditer(source):
            if source.startswith("]", match.end()) and not match["linked"]:
                continue  # a word of a link's text ("Prompt Engineering com Ruby](...)")
            parts = _split(_name_of(match))
            if not all(_is_name(part) for part in parts):
                continue  # "Topik & Pembicara": a heading, not two people
            if form in _WEAK and any(w.casefold() in title for part in parts
                                     for w in re.split(r"[\s-]+", part) if len(w) > 3):
                continue  # "**Jamstack Barcelona** after work": the group, its title
            if form == "by" and match["plain"] and " " not in match["plain"].strip() and \
                    re.match(r"[ \t]+[^\W\d_A-ZÀ-Þ]", source[match.end():]):
                continue  # "Deployment von Magento mit ...": a word of a title
            for name in parts:
                if _is_name(name) and name not in names:
                    names.append(name)
                    first = match.start() if first is None else first
        if names and first is not None:
            return ProseSpeakers(tuple(names), text.count("\n", 0, first) + 1, form)
    return None


def speakers_in_prose(reader: Reader) -> Any:
    """The names the page's prose gives its speakers, marked unsure; else MISSING."""
    from .timing import texts

    lines, where = texts(reader)
    found = prose_speakers("\n".join(lines), _title(reader))
    if found is None:
        return MISSING
    reader.unsure.add("speakers")
    reader.sources["speakers"] = f"{where[found.line - 1]} {PROSE}{found.form})"
    return list(found.names)


def prose_confirms(reader: Reader, value: Any) -> bool:
    """Whether the page's prose names each of ``value``'s people as who gives the talk (a
    page's author who, its text says, speaks)."""
    from .timing import texts

    names = [text_of(v) for v in (value if isinstance(value, list) else [value])]
    if not names or not all(names):
        return False
    found = prose_speakers("\n".join(texts(reader)[0]), _title(reader))
    said = {n.casefold() for n in found.names} if found else set()
    return all(n.casefold() in said for n in names)


def _title(reader: Reader) -> str:
    """The page's title and the site's name: what a group's own name is found in."""
    found = reader.found.get("title")
    title = found[1] if found is not None and isinstance(found[1], str) else ""
    return f"{title} {reader.ctx.settings.site.name}"
