"""Which keys of a site's front matter hold what, judged by their values, not their names.

A site names its start however it likes (``meetingdate``, ``meetup_date``,
``params.event.date``): :func:`date_candidates` finds every key path whose values are
dates across the site's files, and ranks them by what the values say (a date with a time
of day across most files beats a date alone) and by what the key's words say of its role
(a start, an event; not a post's publication, an update, an end or a deadline). The
default key names of :mod:`.keymap` only break ties.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .templates import TemplateEvidence

__all__ = ["date_candidates", "date_paths", "guess_zone", "person_candidates", "role_of",
           "text_candidates", "utc_habit", "utc_written", "written_offsets"]

# Year first, with "-", "/" or "." ("2026/08/21 周五 13:00": a weekday may stand before the
# time of day).
_ISO_DATE = re.compile(r"^\s*(?:(?P<day>\d{4}([-/.])\d{1,2}\2\d{1,2})"
                       r"(?P<time>(?:\s*[(（]?[^\d\s()（）:]{1,10}[)）]?)?[ T]\s*\d{1,2}:\d{2})?"
                       # ISO 8601's basic form, "20260521T2000" (or with a "_" or a space)
                       r"|(?:19|20)\d\d[01]\d[0-3]\d"
                       r"(?P<basic>[T_ ][0-2]\d[0-5]\d(?:[0-5]\d)?)\s*$)")
_MAX_DEPTH = 3

# Words of a key that say its date is the event's (+1) or something else's (-1). Words of
# meaning, in the languages keys are written in, not the names of any one site's keys.
_EVENT_WORDS = ("start", "begin", "event", "meet", "when", "datetime", "dtstart", "session",
                "talk", "beginn", "termin", "debut", "inicio", "kaishi")
_OTHER_WORDS = ("publish", "modif", "lastmod", "update", "creat", "posted", "expir",
                "deadline", "end", "until", "close", "archive", "review", "dtend", "cfp",
                "birth", "edited", "changed", "sitemap")


def role_of(path: str) -> int:
    """+1 when the key's words say "the event's date", -1 when they say another's."""
    # "params.event.date", "meetup_date", "startDate": the words of the path.
    words = re.split(r"[._\-\s\[\]]+|(?<=[a-z])(?=[A-Z])", path)
    words = [w.casefold() for w in words if w]
    if any(w.startswith(_OTHER_WORDS) for w in words):
        return -1
    if any(w.startswith(_EVENT_WORDS) for w in words):
        return 1
    return 0


def date_paths(data: Mapping[str, Any]) -> Iterator[tuple[str, bool]]:
    """(key path, whether it has a time of day) for each date value in ``data``."""
    for path, has_time, _day in _dates(data):
        yield path, has_time


def _dates(data: Mapping[str, Any], prefix: str = "", depth: int = 0
           ) -> Iterator[tuple[str, bool, object]]:
    """(key path, whether it has a time of day, its day as written) for each date."""
    for key, value in data.items():
        if not isinstance(key, str):
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dt.datetime):
            yield path, True, value.date()
        elif isinstance(value, dt.date):
            yield path, False, value
        elif isinstance(value, str) and len(value) < 60:
            match = _ISO_DATE.match(value)
            if match:
                yield path, bool(match["time"] or match["basic"]), match["day"] or value[:8]
        elif isinstance(value, Mapping) and depth < _MAX_DEPTH:
            yield from _dates(value, f"{path}.", depth + 1)


def date_candidates(documents: Sequence[Mapping[str, Any]], known: Sequence[str] = (),
                    templates: TemplateEvidence | None = None,
                    ties: list[str] | None = None) -> list[str]:
    """Key paths holding dates in these front matters, the likeliest start first.

    A path must hold a date in at least a tenth of the files (two at least) to count.
    Ranked by: the site's templates showing it as the start (beside "When", in a
    calendar link's dates) rather than as doors or a publication date; the words of the key
    not saying another role; its values falling on many days (not a record's time, such as
    when all entries were scraped); a time of day in most of its values; the words saying the
    event's; how many files have it; its place in ``known`` (the default names), for ties.
    When only that last tells the first two apart, the second goes into ``ties``: init
    asks, or writes it as the alternative.
    """
    seen: Counter[str] = Counter()
    timed: Counter[str] = Counter()
    days: dict[str, set[object]] = {}
    for data in documents:
        for path, has_time, day in _dates(data):
            seen[path] += 1
            timed[path] += has_time
            days.setdefault(path, set()).add(day)
    floor = max(2, len(documents) // 10) if len(documents) > 2 else 1
    order = {path: rank for rank, path in enumerate(known)}

    def rank(path: str) -> tuple[int, int, int, int, int, int, int]:
        role = role_of(path)
        shown = templates.score(path, "start") if templates is not None else 0
        mostly_timed = timed[path] * 2 >= seen[path]
        # Events happen on many days; a record's own time (when the entries were scraped,
        # imported or built: "scrapedAt") falls on a few days for all of them.
        varied = seen[path] < 8 or len(days[path]) * 4 >= seen[path]
        return (shown > 0 or (shown == 0 and role >= 0), shown, varied, mostly_timed, role,
                seen[path], -order.get(path, len(order)))

    found = [path for path, count in seen.items() if count >= floor]
    ranked = sorted(found, key=rank, reverse=True)
    if ties is not None and len(ranked) >= 2 and rank(ranked[0])[:-1] == rank(ranked[1])[:-1]:
        # Nothing but the order of the default names tells the first two apart.
        ties.append(ranked[1])
    return ranked


# Words a key's path uses for a fact, in the languages keys are written in; a title is
# named by its last word ("params.event.name"), a venue by any ("location.friendly_name").
_TEXT_WORDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "title": (("title", "name", "heading", "subject", "topic", "titel", "titre", "titulo",
               "título", "nombre", "nom", "naam", "nazwa", "titolo"), True),
    "venue": (("venue", "location", "place", "where", "host", "lieu", "ort", "lugar",
               "luogo", "locatie", "sede", "miejsce", "misto", "místo", "会場", "場所",
               "장소"), False),
    "venue_address": (("address", "adresse", "direccion", "dirección", "indirizzo", "adres",
                       "street", "anschrift"), True),
}
# Last words that make a path another fact than the one its other words name.
_NOT_THE_FACT = ("url", "link", "href", "map", "img", "image", "photo", "logo", "lat",
                 "lng", "lon", "latitude", "longitude", "id", "slug", "type", "alt", "icon")
_NOT_A_TITLE = ("organizer", "organiser", "author", "speaker", "presenter", "venue",
                "location", "place", "host", "sponsor", "org", "group", "city", "site",
                "series", "category", "tag")


def _texts(data: Mapping[str, Any], prefix: str = "", depth: int = 0
           ) -> Iterator[tuple[str, str]]:
    for key, value in data.items():
        if not isinstance(key, str):
            continue
        path = f"{prefix}{key}"
        if isinstance(value, str) and value.strip() and len(value) < 300 and \
                "\n" not in value.strip() and not value.startswith(("http://", "https://")):
            yield path, value.strip()
        elif isinstance(value, Mapping) and depth < _MAX_DEPTH:
            yield from _texts(value, f"{path}.", depth + 1)


def _words(path: str) -> list[str]:
    return [w.casefold() for w in re.split(r"[._\-\s\[\]]+|(?<=[a-z])(?=[A-Z])", path) if w]


def text_candidates(documents: Sequence[Mapping[str, Any]], fact: str) -> list[str]:
    """Key paths whose one-line text values name ``fact`` ("title", "venue",
    "venue_address") by their words, ranked by how many distinct values they hold (a
    title differs from event to event; an organizer's name does not), then how many files
    have them."""
    names, last_only = _TEXT_WORDS[fact]
    files: Counter[str] = Counter()
    values: dict[str, set[str]] = {}
    for data in documents:
        for path, value in _texts(data):
            words = _words(path)
            if not words or words[-1] in _NOT_THE_FACT:
                continue
            named = words[-1] in names if last_only else any(w in names for w in words)
            if not named or (fact == "title" and any(w in _NOT_A_TITLE for w in words[:-1])):
                continue
            if fact == "venue" and words[-1] in _TEXT_WORDS["venue_address"][0]:
                continue
            files[path] += 1
            values.setdefault(path, set()).add(value)
    floor = max(2, len(documents) // 4) if len(documents) > 2 else 1
    found = [path for path, count in files.items() if count >= floor]
    return sorted(found, key=lambda p: (len(values[p]), files[p]), reverse=True)


# Words of a path that hold the people who speak, in the languages keys are written in.
_PERSON_WORDS = ("speaker", "speakers", "presenter", "presenters", "author", "authors",
                 "by", "referent", "referenten", "sprecher", "intervenant", "intervenants",
                 "orateur", "ponente", "ponentes", "relatore", "spreker", "prelegent",
                 # an evening's guests are its speakers ("[[guests]] name = ...")
                 "guest", "guests", "gast", "gaeste", "invite", "invites", "ospite",
                 "ospiti", "invitado", "invitados")


def _people(value: Any, path: str, depth: int = 0) -> Iterator[str]:
    """Paths (with ``[]`` for lists) to the text values below ``value``."""
    if depth > 6:
        return
    if isinstance(value, str) and value.strip() and len(value) < 120:
        yield path
    elif isinstance(value, list):
        for item in value[:20]:
            yield from _people(item, f"{path}[]", depth + 1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                yield from _people(item, f"{path}.{key}" if path else key, depth + 1)


def person_candidates(documents: Sequence[Mapping[str, Any]]) -> list[str]:
    """Key paths to speakers' names through lists of talks (``talks[].authors[].name``):
    a list of people named by the path's words, their name or the items themselves."""
    files: Counter[str] = Counter()
    for data in documents:
        paths = set()
        for path in _people(data, ""):
            if "[]" not in path:
                continue
            words = _words(path.replace("[]", ""))
            if not words or not any(w in _PERSON_WORDS for w in words[:-1] + words[-1:]):
                continue
            if words[-1] not in _PERSON_WORDS and words[-1] not in ("name", "names"):
                continue
            paths.add(path)
        files.update(paths)
    floor = max(2, len(documents) // 4) if len(documents) > 2 else 1
    return sorted((p for p, n in files.items() if n >= floor), key=lambda p: -files[p])


def utc_written(values: Sequence[Any]) -> bool:
    """Whether most of these start values were written in UTC ("...Z", +00:00)."""
    if not values:
        return False
    count = 0
    for value in values:
        if isinstance(value, str):
            count += value.strip().upper().endswith(("Z", "+00:00", "+0000"))
        elif isinstance(value, dt.datetime):
            count += value.utcoffset() == dt.timedelta(0)
    return count * 5 >= len(values) * 4


_UTC_ZONES = frozenset({"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Etc/Universal", "Zulu",
                        "Etc/Zulu", "Universal"})


def utc_habit(root: Path, written_in_utc: bool, timezone: str,
              templates: TemplateEvidence) -> tuple[str | None, str]:
    """What a site's UTC start times mean when it meets elsewhere ([content] utc_times),
    and a note for init: the wall clock, if its templates render dates in UTC ("local"),
    else nobody knows ("unsure")."""
    if not written_in_utc or timezone in _UTC_ZONES:
        return None, ""
    evidence = templates.utc_file
    if evidence is not None:
        return "local", (
            f"the event times are written in UTC, and {evidence.relative_to(root)} shows "
            "dates in UTC: they are the site's wall clock written with a Z ([content] "
            "utc_times = \"local\")")
    return "unsure", (
        f"the event times are written in UTC (\"...Z\") on a site that meets in {timezone}, "
        "and nothing says in which clock they were written: their time of day is unsure "
        "and send refuses them; set [content] utc_times = \"instant\" if they are true "
        f"UTC moments, or \"local\" if they are {timezone} times written with a Z")


def written_offsets(values: Sequence[Any]) -> list[tuple[dt.datetime, dt.timedelta]]:
    """(instant, offset) for each start value that writes its own UTC offset."""
    found = []
    for value in values:
        moment: dt.datetime | None = None
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, str) and _OFFSET_WRITTEN.search(value.strip()):
            try:
                moment = dt.datetime.fromisoformat(value.strip().replace(" ", "T", 1))
            except ValueError:
                moment = None
        if moment is not None and moment.tzinfo is not None:
            offset = moment.utcoffset()
            if offset is not None:
                found.append((moment, offset))
    return found


_OFFSET_WRITTEN = re.compile(r"\d(?:Z|[+-]\d\d:?\d\d)$")


def guess_zone(offsets: Sequence[tuple[dt.datetime, dt.timedelta]], language: str,
               names_of_site: str = "") -> tuple[str, str] | None:
    """The IANA zone whose rules give every offset the files write on their days, and why
    (how many zones fit, which the site's language picked); None when the files write no
    offset other than UTC's, or no zone fits them all.

    ``+01:00`` winters and ``+02:00`` summers fit Central Europe's zones; a fitting zone's
    city in the site's name or URL (``vancouver.pyladies.com``) picks it, else the site's
    language its country's (a German site: Europe/Berlin).
    """
    import zoneinfo

    if not offsets or all(offset == dt.timedelta(0) for _m, offset in offsets):
        return None
    sample = list(offsets)[:200]
    countries = _zone_countries()
    names = list(countries) or sorted(
        n for n in zoneinfo.available_timezones() if "/" in n and not n.startswith("Etc/"))
    # The zones that fit nearly every offset (a file or two may have slipped a season).
    scores: dict[str, int] = {}
    for name in names:
        zone = zoneinfo.ZoneInfo(name)
        scores[name] = sum(moment.astimezone(zone).utcoffset() == offset
                           for moment, offset in sample)
    best = max(scores.values(), default=0)
    if best * 10 < len(sample) * 9:
        return None
    fitting = [name for name in names if scores[name] == best]
    fit = "all" if best == len(sample) else f"{best} of the {len(sample)}"
    said = names_of_site.casefold().replace("-", " ").replace(".", " ")
    named = next((z for z in fitting
                  if z.rsplit("/", 1)[-1].replace("_", " ").casefold() in said), None)
    if named is not None:
        return named, (f"{len(fitting)} zones fit {fit} offsets the files write; the site's "
                       f"name or URL says {named.rsplit('/', 1)[-1].replace('_', ' ')}")
    region = _language_region(language)
    chosen = next((z for z in fitting if countries.get(z) == region), None)
    if chosen is not None:
        return chosen, (f"{len(fitting)} zones fit {fit} offsets the files write; the site's "
                        f"language ({language}) picks {chosen}")
    if len(fitting) == 1:
        return fitting[0], f"the only zone that fits {fit} offsets the files write"
    return fitting[0], (f"one of {len(fitting)} zones that fit {fit} offsets the files write "
                        f"({', '.join(fitting[:4])}, ...): check it")


def _zone_countries() -> dict[str, str]:
    """Canonical zone -> its country, from the tz database's zone.tab (tzdata's, else the
    system's); empty when neither is there."""
    text = ""
    try:
        from importlib.resources import files

        text = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ImportError, OSError, ModuleNotFoundError):
        try:
            text = Path("/usr/share/zoneinfo/zone.tab").read_text(encoding="utf-8")
        except OSError:
            return {}
    found: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and not line.startswith("#"):
            found[parts[2]] = parts[0]
    return found


def _language_region(language: str) -> str:
    """The country a language tag names or is most spoken in: de -> DE, pt -> BR, en-IN -> IN."""
    code = language.replace("-", "_").strip()
    if not code:
        return ""
    parts = code.split("_")
    if len(parts) > 1 and len(parts[-1]) == 2:
        return parts[-1].upper()
    try:
        from babel.core import get_global

        likely = get_global("likely_subtags").get(parts[0].lower(), "")
    except (ImportError, KeyError):  # pragma: no cover - babel is a dependency
        return ""
    return likely.split("_")[-1] if likely else ""
