"""Records by id: the venues, speakers and organisers that event files point at.

Sites keep them in one of three shapes, all read here into :class:`Record`s:

- a folder of Markdown files, one per record, named by id (``content/speakers/linda-lee.md``,
  ``src/content/orgs/rugs/index.md``, HV Open's ``_locations/``), matched by id or title;
  or of data files, one per record (``cities/brno/venues/artbar.yaml``);
- a data file (``_data/speakers.yml``, Hugo ``data/venues.toml``, JSON too) holding a
  mapping of id -> record, or a list of records with an ``id``;
- a key inside such a file: ``mkdocs.yml#extra.locations``.

A pattern names several folders or files at once: ``cities/*/venues``.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content import Location, Problem, Speaker
from .frontmatter import Document, FrontMatterError, YamlDialect, read_document, read_yaml_file
from .keymap import MISSING, get_path

__all__ = ["Lookup", "Record", "is_map", "load_lookup", "location_of", "read_data_file",
           "speaker_of", "text_of"]

_ID_KEYS = ("id", "key", "slug", "handle", "name")
# Data files: YAML, JSON, TOML, and the literals of a JavaScript or TypeScript module
# (see .jsdata).
DATA_SUFFIXES = (".yml", ".yaml", ".json", ".toml", ".js", ".mjs", ".cjs", ".ts")


@dataclass(frozen=True)
class Record:
    """One venue, speaker or organiser: its id, its fields, and for a file its body."""

    id: str
    data: Mapping[str, Any]
    body: str = ""
    path: Path | None = None
    document: Document | None = None


@dataclass
class Lookup:
    """Records of one kind, found by id, file name or title (spacing and case aside)."""

    source: str
    records: dict[str, Record] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    _by_name: dict[str, Record] = field(default_factory=dict)
    _locations: dict[str, Location | None] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        self.records[record.id] = record
        names = [record.id, text_of(record.data.get("title")), text_of(record.data.get("name")),
                 *localized_names(record.data)]
        # "26539881-amida/": a folder named by a number and a slug is found by the number.
        number = re.match(r"^(\d+)-", record.id)
        if number:
            names.append(number[1])
        names.extend(text_of(record.data.get(k)) for k in ("id", "meetupId", "meetup_id"))
        for name in names:
            if name:
                self._by_name.setdefault(_normalize(name), record)

    def location(self, record: Record) -> Location | None:
        """``record`` as a venue, made once: every event at that venue shares it."""
        if record.id not in self._locations:
            # A record of a data file that names no venue is named by its id.
            self._locations[record.id] = location_of(record.data, record.path) or (
                None if record.document is not None else
                location_of({"name": record.id, **record.data}, record.path))
        return self._locations[record.id]

    def find(self, ref: str) -> Record | None:
        return self.records.get(ref) or self._by_name.get(_normalize(ref))

    def __len__(self) -> int:
        return len(self.records)

    def titles(self) -> list[str]:
        return sorted(text_of(r.data.get("title")) or text_of(r.data.get("name")) or r.id
                      for r in self.records.values())


def _normalize(name: str) -> str:
    return " ".join(name.casefold().split())


def text_of(value: Any) -> str:
    """A scalar front-matter value as stripped text ('' for none, lists, mappings)."""
    if isinstance(value, str):
        return value.strip()
    if value is None or value is MISSING or isinstance(value, bool | list | dict):
        return ""
    return str(value).strip()


def load_lookup(spec: str, base: Path, dialect: YamlDialect = "1.1") -> Lookup:
    """Read the records ``spec`` names: a folder, a data file, or ``file#key.path``."""
    file_part, _, key_path = spec.partition("#")
    path = Path(file_part).expanduser()
    if not path.is_absolute():
        path = base / path
    lookup = Lookup(spec)
    # A pattern ("cities/*/venues"): every folder or file it matches, in path order.
    matches = sorted(Path(path.anchor).glob(str(path.relative_to(path.anchor)))) \
        if _WILDCARD.search(file_part) else [path]
    for found in matches:
        if found.is_dir():
            _read_folder(lookup, found, dialect)
        elif found.is_file():
            _read_data_file(lookup, found, key_path, dialect)
    if not any(found.exists() for found in matches):
        lookup.problems.append(Problem(path, 1, "", "no such folder or file "
                                       f"([content.lookup] names it: {spec!r})"))
    return lookup


_WILDCARD = re.compile(r"[*?\[]")


def _read_folder(lookup: Lookup, folder: Path, dialect: YamlDialect) -> None:
    for record_id, path in _record_files(folder):
        if path.suffix.lower() in DATA_SUFFIXES:
            _read_record_file(lookup, record_id, path, dialect)
            continue
        try:
            document = read_document(path, dialect)
        except FrontMatterError as exc:
            lookup.problems.append(Problem(path, exc.line, "", exc.message))
            continue
        lookup.add(Record(record_id, document.data, document.body, path, document))


def _record_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """(id, path) of each record file: ``<id>.md`` or ``<id>/index.md``; no section pages."""
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_dir():
            for index in ("index.md", "index.markdown", "index.mdx", "venue.md", "speaker.md",
                          "person.md", "org.md"):
                candidate = Path(entry.path) / index
                if candidate.is_file():
                    yield entry.name, candidate
                    break
        elif entry.name.endswith((".md", ".markdown", ".mdx", *DATA_SUFFIXES)) \
                and entry.name != "index.md":
            yield os.path.splitext(entry.name)[0], Path(entry.path)


def _read_record_file(lookup: Lookup, record_id: str, path: Path, dialect: YamlDialect
                      ) -> None:
    """A data file of one record, named by its id (``venues/artbar.yaml``)."""
    try:
        data = read_data_file(path, dialect)
    except (FrontMatterError, ValueError, RecursionError) as exc:
        line = exc.line if isinstance(exc, FrontMatterError) else 1
        lookup.problems.append(Problem(path, line, "", str(exc)))
        return
    if isinstance(data, Mapping):
        lookup.add(Record(record_id, data, path=path))
    else:
        lookup.problems.append(Problem(path, 1, "", "expected the keys of one record"))


def _read_data_file(lookup: Lookup, path: Path, key_path: str, dialect: YamlDialect) -> None:
    try:
        data = read_data_file(path, dialect)
    except (FrontMatterError, ValueError, RecursionError) as exc:
        line = exc.line if isinstance(exc, FrontMatterError) else 1
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        lookup.problems.append(Problem(path, line, key_path, why))
        return
    if key_path:
        data = get_path(data, key_path)
        if data is MISSING:
            lookup.problems.append(Problem(path, 1, key_path, "no such key"))
            return
    if isinstance(data, Mapping):
        for record_id, value in data.items():
            record = value if isinstance(value, Mapping) else {"name": text_of(value)}
            lookup.add(Record(str(record_id), record, path=path))
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, Mapping):
                record_id = next((text_of(item.get(k)) for k in _ID_KEYS if text_of(item.get(k))),
                                 "")
                if record_id:
                    lookup.add(Record(record_id, item, path=path))


def read_data_file(path: Path, dialect: YamlDialect) -> Any:
    """A YAML, JSON or TOML data file's value, or a script's arrays of literals. Raises
    FrontMatterError or ValueError."""
    suffix = path.suffix.lower()
    if suffix in (".yml", ".yaml"):
        return read_yaml_file(path, dialect)
    text = path.read_text(encoding="utf-8-sig")
    if suffix == ".json":
        return json.loads(text)
    if suffix == ".toml":
        return tomllib.loads(text)
    if suffix in (".js", ".mjs", ".cjs", ".ts"):
        from .jsdata import read_script_data

        arrays, _lines = read_script_data(text)
        return next(iter(arrays.values())) if len(arrays) == 1 else arrays
    raise ValueError(f"{path.name}: not a data file (expected {', '.join(DATA_SUFFIXES)})")


# --- records as model objects ----------------------------------------------------------

_ONLINE_WORDS = ("online", "virtual", "zoom", "jitsi", "remote", "livestream", "en ligne",
                 "オンライン", "webinar", "google meet", "teams", "discord", "youtube")


def looks_online(name: str) -> bool:
    """Whether a venue named only by ``name`` is online ("Online", "Zoom", "オンライン")."""
    lowered = name.casefold()
    return any(word in lowered for word in _ONLINE_WORDS)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _first(data: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        text = text_of(data.get(key))
        if text:
            return text
    return ""


# A name given in several languages, one key each ("name_pl", "title-en", "name_pt_BR").
_LOCALIZED = re.compile(r"^(?:title|name)[_-][a-z]{2}(?:[_-][a-zA-Z]{2})?$")


def localized_names(data: Mapping[str, Any]) -> list[str]:
    """The names a record gives in its languages' keys, in the file's order."""
    return [text_of(v) for k, v in data.items()
            if isinstance(k, str) and _LOCALIZED.match(k) and text_of(v)]


# Where a link to a map goes.
_MAP_HOSTS = ("openstreetmap.org", "maps.google", "google.com/maps", "goo.gl/maps",
              "maps.app.goo.gl", "bing.com/maps", "maps.apple.com", "yandex.ru/maps",
              "map.naver.com", "map.kakao.com")


def is_map(url: str) -> bool:
    """Whether ``url`` is a link to a map (OpenStreetMap, Google Maps, ...)."""
    return any(host in url for host in _MAP_HOSTS)


def location_of(data: Mapping[str, Any], path: Path | None = None) -> Location | None:
    """A venue mapping (``{name|title, address, url, ...}``) as a Location; None if unnamed.
    A venue named only in its languages' keys (``name_pl``, ``name_en``) is named by the
    first."""
    title = _first(data, "title", "name", "venue", "label") or next(
        iter(localized_names(data)), "")
    if not title:
        return None
    address = _first(data, "address", "street", "street_address", "streetAddress")
    online_url = _first(data, "online_url", "meeting_url", "join_url")
    url = _first(data, "url", "website", "link", "href") or online_url
    map_link = _first(data, "map", "map_url", "mapUrl", "osm", "google_maps")
    # A venue's "url" that is a map (OpenStreetMap, Google Maps) is its map link.
    if not map_link and is_map(url):
        map_link, url = url, ""
    lat = _number(data.get("lat", data.get("latitude")))
    lon = _number(data.get("lon", data.get("lng", data.get("longitude"))))
    has_place = bool(address or data.get("city") or lat is not None)
    is_online: bool | None = None
    if isinstance(data.get("online"), bool):
        is_online = bool(data["online"])
    elif not has_place:
        is_online = bool(online_url) or looks_online(title)
    return Location(
        title=title, path=path,
        subtitle=_first(data, "subtitle", "details", "room", "directions", "floor"),
        address=address, address1=_first(data, "address1", "address2"),
        city=_first(data, "city", "locality"), state=_first(data, "state", "region"),
        zip=_first(data, "zip", "postal_code", "postcode", "zipcode"),
        lat=lat, lon=lon, url=url, map_url=map_link, is_online=is_online,
    )


def speaker_of(record: Record | Mapping[str, Any], talk: str = "") -> Speaker | None:
    """A speaker record or mapping as a Speaker; a file's body is its bio when no key is."""
    data = record.data if isinstance(record, Record) else record
    name = _first(data, "name", "title", "speaker", "presenter", "full_name")
    if not name:
        return None
    bio = _first(data, "bio", "about", "description")
    if not bio and isinstance(record, Record):
        bio = record.body.strip()
    url = _first(data, "url", "website", "link", "homepage", "twitter", "github", "linkedin")
    return Speaker(name=" ".join(name.split()), bio=bio, url=url,
                   talk=talk or _first(data, "talk", "talk_title"),
                   path=record.path if isinstance(record, Record) else None,
                   role=_first(data, "role", "position", "job_title", "jobtitle", "job"),
                   affiliation=_first(data, "affiliation", "company", "organization",
                                      "organisation", "employer"),
                   photo=_first(data, "photo", "avatar", "picture", "headshot", "image"))
