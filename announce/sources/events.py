"""One event file's front matter, through the key map, into an :class:`Event`.

Each field is a small named step (title, start, end, venue, speakers, RSVP...), each
reporting its own problems with the key and line where the user has to look. A file with
an error is left out; one with only warnings loads.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..content import Event, Location, Problem, Speaker
from ..paths import display_path
from .bodyfacts import (
    HREF,
    PLACEHOLDER,
    PLACEHOLDER_PEOPLE,
    body_speakers,
    body_venue,
    hints_speaker,
    speaker_names,
)
from .byline import prose_confirms, speakers_in_prose
from .clock import preview
from .frontmatter import Document
from .keymap import MISSING, get_path
from .lookup import location_of, looks_online, speaker_of, text_of
from .people import AUTHOR_KEY, names_a_person, speakers_by_words
from .reader import EventContext, LeftOut, Reader
from .readers import PAGE_SUFFIXES
from .timing import end_of, event_zone, start_of

__all__ = ["EventContext", "LeftOut", "field_line", "read_event", "slug_of"]

# "Cancelled", in the languages sites are written in: as a title's first word
# ("Cancelled: ...", "[Afgelast] Meetup ...") or a status key's value.
_CANCELLED_WORDS = ("cancelled", "canceled", "annulé", "annulée", "annule", "abgesagt",
                    "cancelado", "cancelada", "annullato", "annullata", "afgelast",
                    "geannuleerd", "odwołane", "odwołany", "zrušeno", "zrušený", "中止",
                    "취소")
_CANCELLED_TITLE = re.compile(
    r"^\s*[\[(]?\s*(?:" + "|".join(_CANCELLED_WORDS) + r")(?![\w])\s*[\])]?\s*[:\-–—!]?\s*",
    re.IGNORECASE)
_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")
# Shortcode and include parameters that hold the RSVP link when the front matter has none
# (``{% include event_links.html doorkeeper_url="..." %}``).
_RSVP_PARAM = re.compile(r"(rsvp|doorkeeper|connpass|meetup|regist|ticket|signup|sign_up|"
                         r"luma|eventbrite|inscription|anmeld)", re.IGNORECASE)


def read_event(doc: Document, event_id: str, slug: str, ctx: EventContext
               ) -> tuple[Event | None, list[Problem], list[Problem]]:
    """The event of ``doc``, its errors and its warnings; None when it has errors.

    Raises :class:`LeftOut` for a file that is not an event by rule.
    """
    reader = Reader(doc, ctx)
    _check_draft(reader)
    title = _title(reader)
    zone = event_zone(reader)
    start = start_of(reader, zone)
    end = end_of(reader, start, zone)
    location, written_venue = _venue(reader)
    cancelled, title = _cancelled(reader, title)
    speakers = _speakers(reader)
    group, group_name = _group(reader)
    _type_path, type_ = reader.text("type")
    _image_path, image = reader.text("image")
    _alt_path, image_alt = reader.text("image_alt")
    _mid_path, meetup_id = reader.text("meetup_id")
    _mg_path, meetup_group = reader.text("meetup_group")
    _lang_path, language = reader.text("language")
    rsvp_url = _rsvp(reader)
    # A page without a venue is unsure of it (_venue); one without speakers only when
    # the templates show speakers ([content] expect) or its text hints at one
    # (_speakers): many evenings have no speaker.
    if "speakers" in ctx.settings.content.expect and not speakers:
        reader.unsure.add("speakers")
    if reader.errors:
        return None, reader.errors, reader.warnings
    assert title is not None
    assert start is not None
    assert end is not None
    site_tz = ctx.settings.site.tz
    head = ctx.keys.head
    used_tops = {head(path) for path in reader.used}
    event = Event.loaded(
        id=event_id, path=doc.path, title=title,
        start=start.astimezone(site_tz), end=end.astimezone(site_tz),
        type=type_ or "meeting", cancelled=cancelled,
        location_name=written_venue, location=location,
        presenter=_presenter(reader, speakers), speakers=speakers,
        group=group, group_name=group_name, language=language,
        image=image, image_alt=image_alt, slug=slug, body_line=doc.body_line,
        extra={k: v for k, v in doc.data.items() if k not in used_tops},
        field_paths={**{name: found[0] for name, found in reader.found.items()},
                     "start": reader.start_path},
        front_matter=doc.data, body=doc.body, meetup_id=meetup_id, meetup_group=meetup_group,
        rsvp_url=rsvp_url,
        body_transform=ctx.body_transform,
        sources=reader.sources, unsure=tuple(sorted(reader.unsure)),
    )
    return event, reader.errors, reader.warnings


# --- the steps -------------------------------------------------------------------------


def _check_draft(reader: Reader) -> None:
    keys = reader.ctx.keys
    if not keys.may_have(reader.doc.data, "draft"):
        return
    for path in keys.candidates("draft"):
        value = get_path(reader.doc.data, path)
        if not isinstance(value, bool):
            continue
        if path.rsplit(".", 1)[-1] == "published":
            if value is False:
                raise LeftOut("a draft (published: false)")
        elif value:
            raise LeftOut(f"a draft ({path}: true)")


def _title(reader: Reader) -> str | None:
    errors = len(reader.errors)
    path, title = reader.text("title")
    if not title and len(reader.errors) == errors and \
            reader.ctx.keys.present(reader.doc.data, "title") is None:
        title = _unstated_title(reader)
        if title is not None:
            return title
    if not title:
        if len(reader.errors) == errors:  # not twice for one key
            reader.problem(path, "required")
        return None
    reader.note_source("title", path)
    if "\n" in title or "\r" in title or "\t" in title:
        # A title is one line everywhere it goes: a subject, a heading, a calendar entry.
        title = " ".join(title.split())
    if "`" in title:  # "Atelier `Coding Night`": code marks have no place in a subject
        title = _CODE_MARKS.sub(r"\1", title)
    return title


_CODE_MARKS = re.compile(r"`+([^`\n]+?)`+")


_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def _unstated_title(reader: Reader) -> str | None:
    """A page with no title key: its first ``# `` heading (as MDX and Docusaurus pages
    title themselves), else its file name, marked unsure (the site's layout may compose
    the title from other keys; send refuses an unsure title)."""
    from .bodyfields import first_heading

    doc = reader.doc
    heading = first_heading(doc.body)
    if heading:
        at = _HEADING.search(doc.body)
        line = doc.body_line + (doc.body.count("\n", 0, at.start()) if at else 0)
        reader.sources["title"] = f"body:{line}"
        return heading
    if not doc.data or doc.path.suffix.lower() not in PAGE_SUFFIXES:
        return None  # an entry of a data file has no name of its own
    name = slug_of(doc.path)
    reader.unsure.add("title")
    reader.sources["title"] = "file:name"
    return " ".join(re.split(r"[-_\s]+", name)).strip() or None


def _venue(reader: Reader) -> tuple[Location | None, str | None]:
    """The venue, and its name as the file wrote it."""
    path, value = reader.find("venue")
    _a, address = reader.text("venue_address")
    _u, url = reader.text("venue_url")
    _m, map_link = reader.text("venue_map")
    _o, online_url = reader.text("online_url")
    location: Location | None = None
    if isinstance(value, str) and PLACEHOLDER.match(value):
        # "TBC", "TBA", "?": the venue is not known yet, whatever the key says.
        reader.unsure.add("location")
        reader.note_source("location", path)
        return None, None
    if isinstance(value, str) and "<" in value:
        # '<a href="https://maps...">Café Bleu</a>': the anchor's text names the venue.
        from .bodyfields import venue_parts

        name, _rest = venue_parts(value)
        link = HREF.search(value)
        if name and link and not url:
            url = html.unescape(link[1])
        value = name or value
    elif isinstance(value, str) and ("\n" in value.strip() or "](" in value or "][" in value):
        # A block of Markdown: the name on its first line, then the address; its links.
        from .bodyfields import venue_block

        name, rest, site, on_map = venue_block(value)
        address, url, map_link = address or rest, url or site, map_link or on_map
        value = name or value
    if value is MISSING and not online_url:
        value = body_venue(reader)
        if value is not MISSING:
            path = reader.sources.get("location", path)
    if isinstance(value, Mapping):
        location = location_of(value)
        if location is None:
            reader.problem(path, "a venue needs a name (name: or title:)")
    elif isinstance(value, list):
        reader.problem(path, f"expected one venue, got {preview(value)}")
    elif value is not MISSING and value is not None:
        location = _named_venue(reader, path, text_of(value))
    elif not online_url:
        # A meetup meets somewhere: a page that names no venue in a key or a labelled
        # line (one only in its prose, "Estaremos no Trapiche") is unsure of it, not
        # placeless; check warns, list marks it. A place a sentence names is shown.
        reader.unsure.add("location")
        from .placeprose import venue_in_prose
        from .timing import texts

        place = venue_in_prose(reader, *texts(reader))
        location = Location(title=place) if place else None
    if value is not MISSING and value is not None and "location" not in reader.sources:
        reader.note_source("location", path)
    if location is None and online_url:
        location = Location(title="Online", url=online_url, is_online=True)
        reader.note_source("location", _o)
    if location is not None and (address or url or map_link or online_url):
        location = _with_details(location, address, url, map_link, online_url)
    return location, text_of(value) or (location.title if location else None)


def _named_venue(reader: Reader, path: str, name: str) -> Location | None:
    ctx = reader.ctx
    venues = ctx.venues
    if not name:
        return None
    record = venues.find(name) if venues is not None else None
    if record is not None:
        return venues.location(record)  # type: ignore[union-attr]  # found in venues
    if ctx.strict_venues and venues is not None:
        known = ", ".join(repr(t) for t in venues.titles()) or (
            f"none: no location files in {display_path(Path(venues.source))}")
        reader.problem(path, f"unknown location {preview(name)} (known: {known})")
        return None
    if venues is not None and _ID.match(name):
        reader.problem(path, f"{preview(name)} is no venue in {venues.source}: shown as written",
                       "warning")
    return Location(title=" ".join(name.split()), is_online=looks_online(name))


def _with_details(location: Location, address: str | None, url: str | None,
                  map_link: str | None, online_url: str | None) -> Location:
    from dataclasses import replace

    changes: dict[str, Any] = {}
    if address and not location.address:
        changes["address"] = address
        changes["is_online"] = None if location.is_online is None else False
        if location.is_online:
            changes["is_online"] = None
    if url and not location.url:
        changes["url"] = url
    if map_link and not location.map_url:
        changes["map_url"] = map_link
    if online_url:
        changes["url"] = location.url or online_url
        if not (address or location.address):
            changes["is_online"] = True
    return replace(location, **changes) if changes else location


def _cancelled(reader: Reader, title: str | None) -> tuple[bool, str | None]:
    path, value = reader.find("cancelled")
    cancelled = False
    if isinstance(value, bool):
        cancelled = value
    elif isinstance(value, str) and path.rsplit(".", 1)[-1] == "status":
        cancelled = value.strip().casefold() in _CANCELLED_WORDS
    elif value is not MISSING:
        reader.problem(path, f"expected true or false, got {preview(value)}")
    if title and _CANCELLED_TITLE.match(title):
        stripped = _CANCELLED_TITLE.sub("", title).strip()
        return True, stripped or title
    return cancelled, title


def _speakers(reader: Reader) -> tuple[Speaker, ...]:
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


def _presenter(reader: Reader, speakers: tuple[Speaker, ...]) -> str | None:
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
    if lookup is not None and _ID.match(name):
        path, _value = reader.find("speakers")
        reader.problem(path, f"{preview(name)} is no speaker in {lookup.source}: shown as written",
                       "warning")
    return Speaker(name=name, talk=talk)


# What an id looks like ("linda-lee", "rclement"), as opposed to a name ("Linda Lee").
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _group(reader: Reader) -> tuple[str | None, str | None]:
    _path, group = reader.text("group")
    wanted = reader.ctx.group
    if wanted and group != wanted:
        raise LeftOut(f"another group's event ({group or 'no group'}; [content] group = "
                      f"{wanted!r})")
    if not group:
        return None, None
    record = reader.ctx.groups.find(group) if reader.ctx.groups is not None else None
    name = (text_of(record.data.get("title")) or text_of(record.data.get("name"))) \
        if record is not None else ""
    return group, name or None


def _rsvp(reader: Reader) -> str | None:
    path, value = reader.find("rsvp")
    if isinstance(value, Mapping):
        value = next((value[k] for k in ("url", "href", "link") if text_of(value.get(k))),
                     MISSING)
    if value is not MISSING:
        url = text_of(value)
        if url and (":" in url or url.startswith("/")):
            return url
        if url:
            reader.problem(path, f"{preview(url)} is not a link: no RSVP button", "warning")
        return None
    return _rsvp_from_body(reader.doc.body)


def _rsvp_from_body(body: str) -> str | None:
    # One character first: a search for "{%" in a body with non-ASCII text costs thirty
    # times more than one for "{", and most bodies have neither.
    if "{" not in body or ("{%" not in body and "{{<" not in body):
        return None
    from .body import find_shortcodes

    for shortcode in find_shortcodes(body):
        for name, value in shortcode.params.items():
            if _RSVP_PARAM.search(name) and value.startswith(("https://", "http://")):
                return value
    return None


def field_line(event: Event, name: str) -> tuple[str, int]:
    """The key path ``event`` read field ``name`` from, and its line in the file."""
    from .datafiles import document_of
    from .frontmatter import FrontMatterError
    from .readers import key_lines

    path = event.field_paths.get(name) or name
    try:
        entry = document_of(event.path, event.front_matter)  # an entry of a data file
        return path, (entry or key_lines(event.path)).line_of(path)
    except FrontMatterError:
        return path, 1


def slug_of(path: Path) -> str:
    """The event's short name: its file (a bundle's folder) without a leading date."""
    stem = path.stem
    if stem in ("index", "_index", "event"):
        stem = path.parent.name
    return _DATE_PREFIX.sub("", stem) or stem
