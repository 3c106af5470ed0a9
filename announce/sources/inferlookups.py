"""Which records the events' values are ids into, for ``announce init``: a venue named
``eklo`` in an event is ``{ id: 'eklo', name: 'Eklo Nantes' }`` of ``places.js``, a
speaker ``ann`` is ``_speakers/ann.md``. Candidates are folders and files named for
venues, people and groups, and the site's data files; the one most ids are found in wins.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .frontmatter import Document
from .keymap import MISSING, SHORTCODE, get_path, shortcode_values
from .lookup import DATA_SUFFIXES, Lookup, load_lookup, text_of

if TYPE_CHECKING:
    from .infer import Inference

__all__ = ["infer_lookups", "infer_shortcode_people"]

_RECORD_DIRS = {
    "venue": ("locations", "_locations", "venues", "_venues", "places", "_places"),
    "speakers": ("speakers", "_speakers", "people", "_people", "presenters", "authors",
                 "_authors", "members", "team"),
    "group": ("orgs", "_orgs", "organizers", "organisers", "groups", "_groups",
              "communities", "organizations", "organisations"),
}

def _record_sources(result: Inference, skip: frozenset[str]) -> dict[str, list[str]]:
    """Candidate record sources per field, as [content.lookup] specs."""
    root = result.root
    found: dict[str, list[str]] = {name: [] for name in _RECORD_DIRS}
    for directory, folders, files in os.walk(root):
        folders[:] = [d for d in folders if not d.startswith(".") and d not in skip]
        depth = len(Path(directory).relative_to(root).parts)
        if depth > 4:
            folders[:] = []
        # A folder of records ("_speakers/"), or one file of them ("places.js").
        named = [*folders, *(f for f in files if f.lower().endswith(DATA_SUFFIXES))]
        for name in named:
            stem = name.rsplit(".", 1)[0] if name not in folders else name
            for field_name, names in _RECORD_DIRS.items():
                if stem.lower() in names:
                    found[field_name].append(
                        (Path(directory) / name).relative_to(root).as_posix())
    for data_dir in result.generator.data_dirs or ("_data", "data"):
        folder = root / result.site_dir / data_dir
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in DATA_SUFFIXES:
                spec = path.relative_to(root).as_posix()
                for field_name in found:
                    found[field_name].append(spec)
    for spec in result.config.data_keys:
        for field_name in found:
            found[field_name].append(spec)
    from .datafind import common_patterns

    for specs in found.values():  # "cities/brno/venues", "cities/praha/venues": one pattern
        specs.extend(common_patterns([s for s in specs if (root / s).is_dir()]))
    return found


def _ids(events: list[Document], paths: tuple[str, ...]) -> set[str]:
    values: set[str] = set()
    for document in events:
        for path in paths:
            value = get_path(document.data, path)
            items = value if isinstance(value, list) else [value]
            values.update(text_of(v) for v in items if isinstance(v, str | int) and text_of(v))
    return values


def infer_lookups(result: Inference, events: list[Document], skip: frozenset[str]) -> None:
    """The data each field's values are ids into (a venue's, a speaker's, a group's record):
    the folder or file of records most of the events' ids name, as [content.lookup] or
    [content] locations."""
    sources = _record_sources(result, skip)
    for field_name, spec_list in sources.items():
        if field_name in result.lookups:
            continue  # the site's templates said where (inferfacts.joined_keys)
        paths = result.keys.get(field_name if field_name != "group" else "group", ())
        if field_name == "speakers":
            paths = result.keys.get("speakers", ())
        ids = _ids(events, paths)
        if not ids:
            continue
        best: tuple[int, str, Lookup] | None = None
        for spec in spec_list:
            lookup = load_lookup(spec, result.root, result.generator.yaml)
            if not len(lookup):
                continue
            matched = sum(1 for value in ids if lookup.find(value) is not None)
            if matched and (best is None or matched > best[0]):
                best = (matched, spec, lookup)
        if best is None or best[0] < max(1, len(ids) // 2):
            continue
        # A folder of location files, each titled, as HV Open's: events must name one of
        # them (check reports an unknown one). Others are a lookup: a name none of its
        # records has is shown as written.
        if field_name == "venue" and Path(best[1]).name in ("_locations", "locations") \
                and (result.root / best[1]).is_dir() and all(
                    text_of(r.data.get("title")) for r in best[2].records.values()):
            result.locations = best[1]
        else:
            result.lookups[field_name] = best[1]


def infer_shortcode_people(result: Inference, events: list[Document]) -> None:
    """Speakers given as a shortcode's argument that its template looks up in the site's
    people (``{{< speaker speaker_id="ann-lee" >}}``, ``index site.Data.speakers``), when no
    key names them: the key map reads the argument, the lookup names its records."""
    if "speakers" in result.keys or "speakers" in result.lookups:
        return
    for name, (argument, data) in result.templates.shortcode_joins.items():
        words = {name.casefold(), *data.casefold().split(".")}
        if not words & {*_RECORD_DIRS["speakers"], "speaker", "person", "presenter"}:
            continue
        path = f"{SHORTCODE}{name}.{argument}"
        used = sum(1 for d in events if shortcode_values(d.body, path) is not MISSING)
        if used * 4 < len(events):
            continue
        site = result.root / result.site_dir
        for folder in result.generator.data_dirs or ("_data", "data"):
            base = site / folder / Path(*data.split("."))
            found = base if base.is_dir() else next(
                (base.with_suffix(s) for s in DATA_SUFFIXES if base.with_suffix(s).is_file()),
                None)
            if found is not None:
                result.keys["speakers"] = (path,)
                result.lookups["speakers"] = found.relative_to(result.root).as_posix()
                result.notes.append(f"the shortcode {name} names its speakers by {argument}, "
                                    f"looked up in {result.lookups['speakers']}")
                return
