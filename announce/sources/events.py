"""One event file's front matter, through the key map, into an :class:`Event`.

Each field is a small named step (title, start, end, venue, speakers, RSVP...), each
reporting its own problems with the key and line where the user has to look. A file with
an error is left out; one with only warnings loads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ..content import Event, Problem
from .clock import preview
from .frontmatter import Document
from .keymap import MISSING, get_path
from .lookup import text_of
from .reader import EventContext, LeftOut, Reader
from .readers import PAGE_SUFFIXES
from .speakers import presenter, read_speakers
from .timing import end_of, event_zone, start_of
from .venue import read_venue

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
    location, written_venue = read_venue(reader)
    cancelled, title = _cancelled(reader, title)
    speakers = read_speakers(reader)
    group, group_name = _group(reader)
    _type_path, type_ = reader.text("type")
    _image_path, image = reader.text("image")
    _alt_path, image_alt = reader.text("image_alt")
    _mid_path, meetup_id = reader.text("meetup_id")
    _mg_path, meetup_group = reader.text("meetup_group")
    _lang_path, language = reader.text("language")
    rsvp_url = _rsvp(reader)
    # A page without a venue is unsure of it (read_venue); one without speakers only when
    # the templates show speakers ([content] expect) or its text hints at one
    # (read_speakers): many evenings have no speaker.
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
        presenter=presenter(reader, speakers), speakers=speakers,
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
