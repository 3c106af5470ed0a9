"""Who speaks, when no key of the map says: a list a page calls people.

A page may keep its speakers in a list of its own name (``[[guests]]``, with a ``name``
or one text per entry) that the key map does not read, being on too few of the site's
pages to be mapped. Its names are shown, and marked unsure: nothing says they are the
evening's speakers. A page's author is who wrote it, never read as a speaker here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .bodyfacts import speaker_names
from .byline import NAME_PARTICLES
from .keymap import MISSING, get_path
from .lookup import text_of
from .reader import Reader

__all__ = ["AUTHOR_KEY", "names_a_person", "speakers_by_words"]

AUTHOR_KEY = re.compile(r"(?:^|[.\]])(?:authors?|autor(?:en|es)?|auteurs?|autori)(?:\[\])?$",
                         re.IGNORECASE)

_PEOPLE_LISTS = frozenset({"guests", "guest", "speakers", "presenters", "gaeste", "gäste",
                           "invites", "invités", "ospiti", "invitados", "sprecher",
                           "referenten", "intervenants", "ponentes", "relatori"})


def speakers_by_words(reader: Reader) -> Any:
    """Names in a list this page's keys call people (``[[guests]] name = ...``) that the
    key map does not read, site-wide too rare to be mapped: shown, and marked unsure."""
    from .bodyfacts import PLACEHOLDER_PEOPLE
    from .evidence import person_candidates

    mapped = set(reader.ctx.keys.candidates("speakers"))
    ignored = {n.casefold() for n in reader.ctx.settings.content.not_speakers}

    def nobody(name: str) -> bool:
        # "you!", "TBA", the site's own not_speakers: what the key map's reading drops.
        return name.strip(" !.?").casefold() in PLACEHOLDER_PEOPLE or name.casefold() in ignored

    # A list named for people whose entries hold one text each (``[[guests]] patp =``).
    for key, items in reader.doc.data.items():
        if not (isinstance(key, str) and isinstance(items, list) and items
                and key.casefold() in _PEOPLE_LISTS) or key in mapped:
            continue
        texts = [[v for v in item.values() if isinstance(v, str) and v.strip()]
                 if isinstance(item, Mapping) else [item] if isinstance(item, str) else []
                 for item in items]
        if all(len(t) == 1 and len(t[0]) <= 60 for t in texts) and \
                not all(nobody(t[0]) for t in texts):
            reader.unsure.add("speakers")
            reader.note_source("speakers", f"{key}[]")
            return [t[0].strip() for t in texts]
    for path in person_candidates([reader.doc.data]):
        if AUTHOR_KEY.search(path.replace("[]", "")) or path in mapped:
            continue  # an author wrote the page; a mapped key was read, and found nobody
        value = get_path(reader.doc.data, path)
        names = [text_of(v) for v in (value if isinstance(value, list) else [value])
                 if text_of(v)]
        names = [n for n in names if not nobody(n)]
        if names and all(len(n) <= 60 for n in names):
            reader.unsure.add("speakers")
            reader.note_source("speakers", path)
            return names
    return MISSING


def names_a_person(value: str) -> bool:
    """Whether a speaker key's text reads as people's names: no word of several in lower
    case but a particle ("Awesome content folks" is no one's name). Writing without
    case (CJK) and one word (a handle) pass."""
    for name in speaker_names(value):
        words = re.sub(r"\([^)]*\)", " ", name).split()
        if len(words) > 1 and any(w[:1].islower() and w.casefold() not in NAME_PARTICLES
                                  for w in words):
            return False
    return True
