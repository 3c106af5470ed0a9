"""An event's speakers: the key that names them (names, ids of the speakers' records, a
list of talks), else the page's text; the one line that names them all.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from ..content import Speaker
from .bodyfacts import PLACEHOLDER_PEOPLE, body_speakers, hints_speaker, speaker_names
from .byline import prose_confirms, speakers_in_prose
from .clock import preview
from .keymap import MISSING, get_path
from .lookup import speaker_of, text_of
from .people import AUTHOR_KEY, names_a_person, speakers_by_words
from .reader import Reader

__all__ = ["ID", "presenter", "read_speakers"]

# What an id looks like ("linda-lee", "rclement"), as opposed to a name ("Linda Lee").
ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def read_speakers(reader: Reader) -> tuple[Speaker, ...]:
    path, value = reader.find("speakers")
    if value is not MISSING:
        reader.note_source("speakers", path)
        if AUTHOR_KEY.search(path) and not prose_confirms(reader, value):
            # A page's author is who wrote the page; that it is the speaker, nothing says
            # (unless its text says they give the talk: "Ann Lee will speak on ...").
            reader.unsure.add("speakers")
    if isinstance(value, str) and reader.ctx.speakers is None:
        value = speaker_names(" ".join(html.unescape(value).split()))
    ignored = {n.casefold() for n in reader.ctx.settings.content.not_speakers}
    if value is not MISSING:
        # Names that name nobody: the site's own ([content] not_speakers) and the words
        # for everyone or no one yet ("TBA", "you!", "みんな").
        items = value if isinstance(value, list) else [value]
        kept = [v for v in items if not (isinstance(v, str | int) and (
            text_of(v).casefold() in ignored
            or text_of(v).strip(" !.?").casefold() in PLACEHOLDER_PEOPLE))]
        value = kept if kept else MISSING
        if not kept:
            reader.sources.pop("speakers", None)
        elif not all(names_a_person(v) for v in kept if isinstance(v, str)):
            # "Awesome content folks": the key holds words for people, not names.
            reader.unsure.add("speakers")
    if value is MISSING:
        value = body_speakers(reader)
        if value is MISSING:
            value = speakers_by_words(reader)
        if value is MISSING:
            value = speakers_in_prose(reader)
        if value is MISSING:
            from .timing import texts

            if hints_speaker("\n".join(line for line in texts(reader)[0]
                                       if not _BARE_HEADING.match(line))):
                # The text speaks of a speaker no key names (a heading of a speakers
                # section is not that: the section goes into the mail as it is).
                reader.unsure.add("speakers")
            return ()
    speakers: list[Speaker] = []
    for item, talk in _speaker_items(reader, path, value):
        speaker = _speaker(reader, item, talk)
        if speaker is not None and speaker.name not in (s.name for s in speakers):
            speakers.append(speaker)
    if len(speakers) == 1:
        _b, bio = reader.text("speaker_bio")
        _l, link = reader.text("speaker_link")
        if bio or link:
            from dataclasses import replace

            speakers[0] = replace(speakers[0], bio=speakers[0].bio or bio or "",
                                  url=speakers[0].url or link or "")
    return tuple(speakers)


# A heading that is a section's name alone ("### Speakers"): the section goes into the
# mail as it is; a heading that says more ("### 1. Session by Shrayas") names someone.
_BARE_HEADING = re.compile(r"^\s*#{1,6}\s*[^\W\d_]+(?:\s+[^\W\d_]+)?\s*:?\s*$")

def _speaker_items(reader: Reader, path: str, value: Any) -> list[tuple[Any, str]]:
    """(speaker value, talk title) pairs: per talk when both come from one list of talks.

    ``talks[].speaker`` and ``talks[].title`` are read talk by talk, so that a talk with two
    speakers, or none, keeps every title with its own speakers.
    """
    if "[]" not in path:  # the common case: one string, or a list of names or ids
        items = value if isinstance(value, list) else [value]
        return [(item, "") for item in items]
    talk_path = next((p for p in reader.ctx.keys.candidates("talk_title")
                      if p.split("[]", 1)[0] == path.split("[]", 1)[0] and "[]" in p), None)
    if talk_path is not None:
        head = path.split("[]", 1)[0]
        rest = path.split("[]", 1)[1].lstrip(".")
        talk_rest = talk_path.split("[]", 1)[1].lstrip(".")
        talks = get_path(reader.doc.data, head)
        pairs: list[tuple[Any, str]] = []
        for talk in talks if isinstance(talks, list) else []:
            if not isinstance(talk, Mapping):
                continue
            title = text_of(get_path(talk, talk_rest)) if talk_rest else ""
            who = get_path(talk, rest) if rest else talk
            if who is MISSING or who is None:
                # This talk names its speakers under another of the map's keys.
                who = next((get_path(talk, p.split("[]", 1)[1].lstrip("."))
                            for p in reader.ctx.keys.candidates("speakers")
                            if p.startswith(head + "[].")
                            and get_path(talk, p.split("[]", 1)[1].lstrip(".")) not in
                            (MISSING, None)), MISSING)
            for item in who if isinstance(who, list) else [who]:
                if item is not MISSING and item is not None:
                    pairs.append((item, title))
        if pairs:
            reader.used.add(talk_path)
            return pairs
    items = value if isinstance(value, list) else [value]
    return [(item, "") for item in items]


def presenter(reader: Reader, speakers: tuple[Speaker, ...]) -> str | None:
    """The speakers as one line, as the file wrote them when it wrote one string."""
    if not speakers:  # "Alle", "TBA": the file names nobody
        return None
    _path, value = reader.found.get("speakers", ("", None))
    if isinstance(value, str) and reader.ctx.speakers is None:
        return " ".join(html.unescape(value).split()) or None
    return ", ".join(s.name for s in speakers) or None


_MD_LINK_NAME = re.compile(r"^\[([^\]]+)\]\(\s*<?([^)\s>]+)>?\s*\)$")


def _speaker(reader: Reader, item: Any, talk: str) -> Speaker | None:
    if isinstance(item, Mapping):
        return speaker_of(item, talk)
    name = " ".join(html.unescape(text_of(item)).split()).strip(" ,;")
    if not name:
        return None
    link = _MD_LINK_NAME.match(name)
    if link:  # "[Guy Leech](https://twitter.com/guyrleech)": a name and its page
        return Speaker(name=link[1].strip(), url=link[2], talk=talk)
    lookup = reader.ctx.speakers
    record = lookup.find(name) if lookup is not None else None
    if record is not None:
        found = speaker_of(record, talk)
        if found is not None:
            return found
    if lookup is not None and ID.match(name):
        path, _value = reader.find("speakers")
        reader.problem(path, f"{preview(name)} is no speaker in {lookup.source}: shown as written",
                       "warning")
    return Speaker(name=name, talk=talk)

