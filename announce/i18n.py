"""The group's language: message catalogs and CLDR dates, for rendering only.

Catalogs are the ``.po`` files of ``templates/locale/<lang>/LC_MESSAGES/announce.po``
(packaged like the email templates), read as they are: nothing is compiled, no binary
is committed. A user's ``[templates] path`` folder may hold the same layout, whose
strings win one by one; a string no catalog translates (or translates as empty) stays
English. Babel is imported in the functions that need it, never at import time, so
that ``announce --help`` and ``list`` do not pay for it.
"""

from __future__ import annotations

import functools
import gettext
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

from .resources import packaged_locale

__all__ = [
    "DOMAIN",
    "N_",
    "Language",
    "catalog_path",
    "catalogs",
    "display_width",
    "is_language_tag",
    "language",
    "language_problem",
]

DOMAIN = "announce"


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (it is translated later,
    where the language is known)."""
    return message


# A well-formed BCP 47 language tag (RFC 5646's langtag, without extensions or private
# use, which no catalog is named by), with "-" or "_" between its parts: de, pt-BR,
# zh_Hant_TW, sr-Latn, es-419. Nothing else names a catalog: not "../../x".
_LANGUAGE_TAG = re.compile(
    r"(?:[A-Za-z]{2,3}(?:[-_][A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:[-_][A-Za-z]{4})?(?:[-_](?:[A-Za-z]{2}|\d{3}))?"
    r"(?:[-_](?:[A-Za-z\d]{5,8}|\d[A-Za-z\d]{3}))*", re.ASCII)


def is_language_tag(text: str) -> bool:
    """Whether ``text`` is a well-formed BCP 47 language tag (``de``, ``pt-BR``)."""
    return len(text) <= 35 and _LANGUAGE_TAG.fullmatch(text.strip()) is not None


def catalog_path(root: Path, tag: str) -> Path:
    """Where the catalog of language ``tag`` (``de``, ``pt_BR``) lives under ``root``.

    ``ValueError`` for a tag that is not a language tag: a ``lang:`` of ``../../x`` must
    never name a file outside ``root``."""
    if not is_language_tag(tag):
        raise ValueError(f"{tag!r} is not a language tag")
    return root / tag / "LC_MESSAGES" / f"{DOMAIN}.po"


def normalize(tag: str) -> str:
    """``pt-BR``, ``pt_br``, ``PT-BR`` -> ``pt_BR``; ``en-US`` -> ``en_US``."""
    parts = tag.strip().replace("-", "_").split("_")
    head = parts[0].lower()
    rest = [p.upper() if len(p) == 2 else p.title() for p in parts[1:] if p]
    return "_".join([head, *rest])


def _candidates(tag: str) -> list[str]:
    """``pt_BR`` then ``pt``: a regional catalog first, the language's second."""
    tag = normalize(tag)
    out = [tag]
    while "_" in tag:
        tag = tag.rsplit("_", 1)[0]
        out.append(tag)
    return out


def catalogs(user_locale: Path | None = None) -> tuple[str, ...]:
    """The languages announce writes whole mails in: English (the templates' own words)
    and every language with a catalog, packaged or the user's (``user_locale``)."""
    found = {"en"}
    for root in (user_locale, packaged_locale()):
        if root is not None and root.is_dir():
            found.update(folder.name for folder in root.iterdir()
                         if is_language_tag(folder.name)
                         and catalog_path(root, folder.name).is_file())
    return tuple(sorted(found))


def language_problem(text: str, user_locale: Path | None = None) -> str | None:
    """None when mails can be written in language ``text`` (English, or a tag with a
    catalog: ``de``, ``pt-BR``); else what is wrong and what to write instead, for a
    message that starts with the key.

    Without a catalog the words of a mail stay English (and the dates too, for a tag CLDR
    does not know): a group that wrote ``language = "deutsch"`` would never find out.
    """
    available = catalogs(user_locale)
    if not is_language_tag(text.strip() or "en"):
        # A language by its name ("français") is told the tag it means; anything else
        # (a path, "../../etc") is no language at all.
        near = _nearest(text, available)
        if near is not None:
            return (f"no catalog for {_toml_string(text)}; did you mean {_toml_string(near)}?"
                    f" (catalogs: {', '.join(available)})")
        return (f"{_toml_string(text[:60])} is not a language tag (BCP 47: a code such as "
                "\"de\" or \"pt-BR\")")
    tag = normalize(text.strip() or "en")
    if tag.split("_")[0] == "en" or any(c in available for c in _candidates(tag)):
        return None
    shown, listed = _toml_string(text), f"catalogs: {', '.join(available)}"
    near = _nearest(text, available)
    if near is not None:
        return f"no catalog for {shown}; did you mean {_toml_string(near)}? ({listed})"
    known = _language_named(text)
    if known is None:
        return (f"no catalog for {shown}, and no language of that name ({listed}; a tag "
                "such as \"de\" or \"pt-BR\")")
    code, name = known
    target = f"locale/{code}/LC_MESSAGES/{DOMAIN}.po"
    where = (f"into {user_locale / code / 'LC_MESSAGES' / (DOMAIN + '.po')}"
             if user_locale is not None else
             f"into {target} in a folder of your own templates that [templates] path names")
    return (f"no catalog for {shown} ({name}): its mails would be English, with {name} "
            f"dates ({listed}). Write \"en\" for English mails, or translate "
            f"{packaged_locale() / (DOMAIN + '.pot')} {where}")


def _toml_string(text: str) -> str:
    """``"de"``: a value as it is written in announce.toml."""
    import json

    return json.dumps(text, ensure_ascii=False)


def _fold(text: str) -> str:
    """``Français`` -> ``francais``: names compare without case and accents."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _nearest(text: str, available: tuple[str, ...]) -> str | None:
    """The catalog ``text`` most likely means: by its tag's language (``de-XX``), by the
    language's name in English, in itself or in another catalog's language (``deutsch``,
    ``German``, ``allemand``), else by the closest spelling of those (``germna``)."""
    import difflib

    from babel import Locale

    names: dict[str, str] = {}
    for tag in available:
        locale = Locale.parse(tag)
        names[_fold(tag)] = tag
        for other in available:
            name = Locale.parse(other).languages.get(locale.language)
            if name:
                names.setdefault(_fold(name), tag)
    wanted = _fold(text).replace("-", "_")
    found = names.get(wanted) or names.get(wanted.split("_")[0])
    if found is not None:
        return found
    close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None


def _language_named(text: str) -> tuple[str, str] | None:
    """(tag, English name) of the language ``text`` is a tag or an English name of
    (``ko``, ``Korean``), when CLDR knows it."""
    from babel import Locale, UnknownLocaleError

    english = Locale.parse("en")
    try:
        locale = Locale.parse(normalize(text))
        return locale.language, str(locale.get_language_name("en"))
    except (UnknownLocaleError, ValueError, TypeError):
        pass
    by_name = {_fold(name): code for code, name in english.languages.items()}
    code = by_name.get(_fold(text))
    return (code, str(english.languages[code])) if code else None


# What a msgstr may hold besides text: the msgid's own %(name)s placeholders, %% for a
# percent sign, and, in a default subject (a msgid with {{ }}), the subject's variables.
_PERCENT = re.compile(r"%\((\w+)\)s|%%")
_BRACES = re.compile(r"\{\{\s*(\w+)\s*\}\}")
SUBJECT_VARIABLES = frozenset({"site_name", "title", "short_date", "relative_day", "weekday"})


def msgstr_problem(msgid: str, msgstr: str) -> str | None:
    """Why ``msgstr`` cannot stand for ``msgid``: a placeholder the msgid does not have
    (a traceback when the mail is rendered), a stray ``%``, or template syntax (a catalog
    is text: it must never run as a template). None when it can."""
    own: set[str] = set(_PERCENT.findall(msgid)) - {""}
    for name in sorted(set(_PERCENT.findall(msgstr)) - {""} - own):
        return f"%({name})s is not a placeholder of this message (it has: " + (
            ", ".join(f"%({n})s" for n in sorted(own)) or "none") + ")"
    if "%" in _PERCENT.sub("", msgstr):
        return "a % that is not a placeholder: write %% for a percent sign"
    allowed: frozenset[str] = SUBJECT_VARIABLES if _BRACES.search(msgid) else frozenset()
    for name in sorted(set(_BRACES.findall(msgstr)) - allowed):
        return "{{ " + str(name) + " }} is not a variable of this message"
    rest = _BRACES.sub("", msgstr)
    if any(mark in rest for mark in ("{{", "}}", "{%", "%}", "{#", "#}")):
        return "template syntax ({{, {% or {#): a translation is text, not a template"
    return None


class _PoTranslations(gettext.NullTranslations):
    """A gettext translations object read straight from a ``.po`` file.

    Untranslated, empty and fuzzy entries are left out, so that they fall through to
    the next catalog and, at the end, to the English msgid.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        from babel.messages.pofile import read_po

        with path.open("rb") as handle:
            catalog = read_po(handle, domain=DOMAIN)
        self.path = path
        self._plural = catalog.plural_expr
        self._plural_func = _plural_function(catalog.plural_expr)
        self._messages: dict[Any, str] = {}
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            _check_message(path, message)
            if isinstance(message.id, tuple | list):
                strings = list(message.string) if message.string else []
                if strings and all(strings):
                    for index, text in enumerate(strings):
                        self._messages[(message.id[0], index)] = text
            elif message.string:
                self._messages[message.id] = str(message.string)

    def gettext(self, message: str) -> str:
        found = self._messages.get(message)
        if found is not None:
            return found
        return super().gettext(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        found = self._messages.get((msgid1, self._plural_func(n)))
        if found is not None:
            return found
        return super().ngettext(msgid1, msgid2, n)


def _check_message(path: Path, message: Any) -> None:
    """A TemplateError naming the catalog and the line of a msgstr that cannot be used."""
    from .errors import TemplateError

    ids = list(message.id) if isinstance(message.id, tuple | list) else [message.id]
    strings = (list(message.string) if isinstance(message.string, tuple | list)
               else [message.string])
    for text in strings:
        problem = msgstr_problem(" ".join(ids), str(text or ""))
        if problem is not None:
            detail = f"msgstr of {ids[0]!r}: {problem}"
            raise TemplateError(detail, path=path, line=message.lineno)


def _plural_function(expression: str) -> Any:
    # gettext's own parser of the header's Plural-Forms expression, as msgfmt reads it.
    return gettext.c2py(expression)


@functools.lru_cache(maxsize=32)
def _translations(tag: str, roots: tuple[Path, ...]) -> gettext.NullTranslations:
    """The first catalog found wins; each later one (and English) fills its gaps."""
    chain: list[gettext.NullTranslations] = []
    if not is_language_tag(tag):  # said by check and send (language_problem): English
        return gettext.NullTranslations()
    for root in roots:
        for candidate in _candidates(tag):
            path = catalog_path(root, candidate)
            if path.is_file():
                chain.append(_PoTranslations(path))
    if not chain:
        return gettext.NullTranslations()
    first = chain[0]
    for other in chain[1:]:
        first.add_fallback(other)
    return first


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal or a monospaced mail client: CJK is two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class Language:
    """One language for one render: its strings and its ways of writing dates."""

    def __init__(self, tag: str, user_locale: Path | None = None) -> None:
        # A tag that is not one (``../../x``) is English: check and send say so.
        self.tag = normalize(tag) if tag and is_language_tag(tag) else "en"
        # English, or a language CLDR does not know: announce's own English dates.
        self.english = self.tag.split("_")[0] == "en" or self._cldr_locale() is None
        roots = tuple(p for p in (user_locale, packaged_locale()) if p is not None)
        self.translations = (gettext.NullTranslations() if self.english and user_locale is None
                             else _translations(self.tag, roots))

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    # --- dates (CLDR through Babel; English keeps announce's own wording) -------------

    def _cldr_locale(self) -> Any:
        from babel import Locale, UnknownLocaleError

        for candidate in _candidates(self.tag):
            try:
                return Locale.parse(candidate)
            except (UnknownLocaleError, ValueError):
                continue
        return None

    @functools.cached_property
    def _locale(self) -> Any:
        return self._cldr_locale()

    def long_date(self, moment: datetime) -> str:
        """``Mittwoch, 8. Januar 2020``; ``2020年1月8日(水)``."""
        from babel.dates import format_date, format_skeleton

        if self._locale.language in _PAREN_WEEKDAY:
            return str(format_skeleton("yMMMEd", moment, locale=self._locale))
        return str(format_date(moment, "full", locale=self._locale))

    def short_date(self, moment: datetime) -> str:
        """``Mi., 8. Jan.``; ``1月8日(水)``."""
        from babel.dates import format_skeleton

        return str(format_skeleton("MMMEd", moment, locale=self._locale))

    def weekday(self, moment: datetime) -> str:
        from babel.dates import format_date

        return str(format_date(moment, "EEEE", locale=self._locale))

    def time(self, moment: datetime) -> str:
        """``18:00``, as the locale writes a time of day (12 or 24 hours)."""
        from babel.dates import format_time

        return str(format_time(moment, "short", locale=self._locale))

    def zone(self, moment: datetime) -> str:
        """``MEZ``, ``CET``, ``JST``: the locale's short name, else the zone's own
        abbreviation (an offset such as ``+0100`` tells a reader less)."""
        from babel.dates import get_timezone_name

        name = str(get_timezone_name(moment, "short", locale=self._locale))
        if name[:1] in "+-" or name.startswith(("GMT", "UTC")):
            return moment.tzname() or name
        return name

    def time_range(self, start: datetime, end: datetime) -> str:
        """``18:00–20:00``, joined the locale's way (``18:00～20:00`` in Japanese).

        CLDR's own time intervals add words ("18:00–20:00 Uhr", "18時00分～20時00分")
        that the zone name after them would repeat; its fallback's dash (without the
        spaces some locales put around it: two times need none) keeps it short."""
        pattern = str(self._locale.interval_formats.get(None, "{0}–{1}"))
        dash = pattern.replace("{0}", "").replace("{1}", "").strip() or "–"
        return f"{self.time(start)}{dash}{self.time(end)}"

    def date_time(self, date: str, time: str) -> str:
        """A date and a time the locale's way: ``{date}, {time}`` or ``{date} {time}``."""
        pattern = str(self._locale.datetime_formats.get("medium", "{1}, {0}"))
        return pattern.replace("{1}", date).replace("{0}", time)


# Languages whose long dates read "2020年1月8日(水)" in a mail rather than with the
# weekday spelled out at the end ("2020年1月8日水曜日").
_PAREN_WEEKDAY = frozenset({"ja", "zh", "ko"})


@functools.lru_cache(maxsize=32)
def language(tag: str, user_locale: Path | None = None) -> Language:
    """The :class:`Language` of ``tag`` (cached: a catalog is read once)."""
    return Language(tag, user_locale)

