"""The template context: every value the templates of a message see, typed.

One context renders both templates of a message (``KIND.html`` and ``KIND.txt``) and
feeds the calendar file. HTML values (``*_html``) went through the sanitizer and are
marked safe; every other string is escaped in HTML templates. An undefined name is an
error with the template's file and line (``StrictUndefined``). The keys:

====================  ================================================================
key                   value
====================  ================================================================
``kind``              ``announcement``, ``reminder``, ``cancellation`` or ``update``
``subject``           the subject line (``[mail] subject_KIND``)
``language``          the mail's language tag (the talk's ``lang:``, else ``[site] language``)
``site``              :class:`Site`: ``name`` (the group's), ``url`` (``[site] url`` or None)
``event``             the :class:`~announce.content.Event`: every front-matter key, unknown
                      ones in ``event.extra``
``title``             the talk's title
``when``              ``Wednesday, January 8, 2020, 6:00–8:00 PM EST`` (site's timezone)
``long_date``         ``Wednesday, January 8, 2020``
``short_date``        ``Wed, Jan 8``
``weekday``           ``Wednesday``
``relative_day``      ``today``, ``tomorrow``, ``this Wednesday``, ``on Wed, Jan 8``
``where``             :class:`Where`, or None when the talk names no venue
``page_url``          the event's page (``[site] permalink``), or None
``rsvp_url``          the talk's RSVP link, else its Meetup page, or None
``image``             :class:`Image`, or None
``description_html``  the description, sanitized HTML (headings from h2)
``description_text``  the description as plain text, wrapped at 78 columns
``description_prose`` the description as sentences only, on no columns (no links, images,
                      lists or tables): for the inbox preview and the calendars
``speaker``           :class:`Speaker`, or None
``speakers``          a :class:`~announce.render.speakers.SpeakerCard` per speaker: ``name``,
                      ``role``, ``photo``, ``url``, ``bio_html``, ``bio_text``
``links``             the talk's own links named in front matter (an Etherpad the title
                      mentions): :class:`Link` (``label``, ``url``)
``action``            the mail's call to action, :class:`Action` (``url``, ``label``): the
                      RSVP link, else the event page; None with neither
``logo``              ``[site] logo``, :class:`~announce.render.brand.Logo`, or None
``brand``             the palette's colours ``[site] accent`` changes (``accent``,
                      ``on_accent``, ``link``, ``dark_link``); empty when unset
``lightning``         :class:`Lightning`, or None when there is no call for lightning talks
``calendar``          :class:`Calendar`: ``google_url``, ``ics_filename``, ``location``
``upcoming``          up to three :class:`Upcoming` events after this one
``changes``           what an update tells, :class:`~announce.changes.template_rows`
                      (``field``, ``label``, ``old``, ``new``, ``text``); empty otherwise
``unsubscribe_url``   the first ``[mail] unsubscribe`` target (an https one first), or None
``reply_to``          ``[mail] reply_to``, or None
====================  ================================================================

The templates add ``label_indent`` and the filters ``wrap``, ``label``, ``columns`` and
``first_sentence`` (:mod:`announce.render.templates`). The inbox preview line (the
preheader) is written by the templates: block ``preheader_text`` of each kind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypedDict
from urllib.parse import urlencode

from markupsafe import Markup

from .. import images
from ..changes import Change, template_rows
from ..config import Settings
from ..content import Catalog, Event
from ..i18n import Language
from ..links import map_url, meetup_url, resolve
from ..pages import event_page_url, image_url
from ..selection import announced_types
from ..timefmt import format_when, long_date, relative_day, short_date, time_of_day, weekday
from .brand import Logo, logo, palette_overrides
from .ics import ics_filename
from .parts import Fragments
from .prose import prose_text
from .speakers import SpeakerCard, from_prose, speaker_cards
from .templates import event_language, group_name
from .text import first_sentence, html_to_text

__all__ = ["LIGHTNING_TYPE", "UPCOMING_COUNT", "Context", "build_context", "calendar_location"]

UPCOMING_COUNT = 3
# Lightning talks happen before a meeting; a lunch or a leadership meeting has none, so
# the configured call for proposals ([lightning_talks] propose_url) goes on meetings only.
LIGHTNING_TYPE = "meeting"


class Site(TypedDict):
    """Who sends the mail: the group's name and ``[site] url`` (None when unset)."""

    name: str
    url: str | None


class Where(TypedDict):
    """The venue: a place (address lines, a map) or an online one (its join ``url``)."""

    title: str
    subtitle: str
    online: bool
    lines: list[str]          # the address, line by line
    full_address: str
    map_url: str | None       # OpenStreetMap; None for an online venue
    url: str | None           # the venue's own link, absolute


class Image(TypedDict):
    """The talk's image: absolute ``src``, ``alt`` (else the title), its size if known."""

    src: str | None
    alt: str
    width: int | None
    height: int | None


class Speaker(TypedDict):
    """The speaker: ``name`` (may be empty) and the bio as HTML and as plain text."""

    name: str
    bio_html: Markup
    bio_text: str


class Lightning(TypedDict):
    """The lightning-talk section and the link to propose one (None: no button)."""

    html: Markup
    text: str
    propose_url: str | None


class Link(TypedDict):
    """A link of the talk's own, named by a front-matter key (``pad: https://...``)."""

    label: str
    url: str


class Action(TypedDict):
    """The mail's one call to action: its button."""

    url: str
    label: str


class Calendar(TypedDict):
    """Adding the event to a calendar: a Google link, the .ics's name, its LOCATION."""

    google_url: str
    ics_filename: str
    location: str


class Upcoming(TypedDict):
    """One of the next events, for the "Also coming up" table."""

    title: str
    date: str                 # short date, ``Wed, Jan 8``
    time: str                 # ``6:30 PM``
    url: str | None           # its page, when [site] permalink is set
    event: Event


class Context(TypedDict):
    """Everything a message's templates see; the table in this module's docstring."""

    kind: str
    changes: list[dict[str, str]]
    subject: str
    language: str
    site: Site
    event: Event
    title: str
    when: str
    long_date: str
    short_date: str
    weekday: str
    relative_day: str
    where: Where | None
    page_url: str | None
    rsvp_url: str | None
    image: Image | None
    description_html: Markup
    description_text: str
    description_prose: str
    speaker: Speaker | None
    speakers: list[SpeakerCard]
    links: list[Link]
    action: Action | None
    logo: Logo | None
    brand: dict[str, str]
    lightning: Lightning | None
    calendar: Calendar
    upcoming: list[Upcoming]
    unsubscribe_url: str | None
    reply_to: str | None


def build_context(settings: Settings, catalog: Catalog, event: Event, kind: str,
                  now: datetime, subject: str, parts: Fragments, lang: Language,
                  changes: Sequence[Change] = ()) -> Context:
    """The context of ``event``'s message of ``kind``, from its rendered ``parts``."""
    tz = settings.site.tz
    local = event.start.astimezone(tz)
    where = _where(settings, event)
    page_url = event_page_url(settings, event, now)
    rsvp_url = _absolute(settings, event.rsvp_url) or meetup_url(settings, event)
    description_text = html_to_text(parts.description_html)
    description_prose = prose_text(parts.description_html)
    location_text = _calendar_location(where)
    details = "\n\n".join(p for p in (first_sentence(description_prose, 300),
                                      page_url or rsvp_url) if p)
    return {
        "kind": kind,
        "changes": template_rows(changes, tz, lang),
        "subject": subject,
        "language": event_language(settings, event),
        "site": {"name": group_name(settings, event), "url": settings.site.url or None},
        "event": event,
        "title": event.title,
        "when": format_when(event.start, event.end, tz, lang),
        "long_date": long_date(local, lang),
        "short_date": short_date(local, lang),
        "weekday": weekday(local, lang),
        "relative_day": relative_day(event.start, now, tz, lang),
        "where": where,
        "page_url": page_url,
        "rsvp_url": rsvp_url,
        "image": _image(settings, event),
        "description_html": _sanitized(parts.description_html),
        "description_text": description_text,
        "description_prose": description_prose,
        "speaker": _speaker(event, parts),
        "speakers": speaker_cards(settings, event, parts),
        "links": _own_links(settings, event),
        "action": _action(rsvp_url, page_url, lang),
        "logo": logo(settings, event),
        "brand": palette_overrides(settings),
        "lightning": _lightning(settings, event, parts),
        "calendar": {"google_url": _google_calendar_url(event, event.title, details,
                                                        location_text),
                     "ics_filename": ics_filename(event),
                     "location": location_text},
        "upcoming": _upcoming(settings, catalog, event, now, lang),
        "unsubscribe_url": _unsubscribe(settings),
        "reply_to": settings.mail.reply_to or None,
    }


def _sanitized(html: str) -> Markup:
    """HTML that went through :func:`~announce.render.html.sanitize`, so the templates
    need not escape it."""
    return Markup(html)  # noqa: S704 - sanitized by nh3 in parts.fragments


def _absolute(settings: Settings, url: str | None) -> str | None:
    return resolve(url, settings.site.url) if url else None


def _lightning(settings: Settings, event: Event, parts: Fragments) -> Lightning | None:
    propose_url = event.propose_url or (
        settings.lightning_talks.propose_url if event.type == LIGHTNING_TYPE else "") or None
    propose_url = None if parts.own_call else _absolute(settings, propose_url)
    if event.lightning_talks is None and not propose_url:
        return None
    return {"html": _sanitized(parts.lightning_html),
            "text": html_to_text(parts.lightning_html),
            "propose_url": propose_url}


def _action(rsvp_url: str | None, page_url: str | None, lang: Language) -> Action | None:
    """RSVP when there is a link for it, else the event's page: every mail asks for one
    thing first, the calendar buttons come second."""
    if rsvp_url:
        return {"url": rsvp_url, "label": lang.gettext("RSVP")}
    if page_url:
        return {"url": page_url, "label": lang.gettext("Event page")}
    return None


_URL = re.compile(r"^https?://\S+$")
_PICTURE = re.compile(r"\.(?:png|jpe?g|gif|webp|avif|svg)(?:[?#].*)?$", re.IGNORECASE)


def _own_links(settings: Settings, event: Event) -> list[Link]:
    """Front-matter keys announce does not read whose value is a link, shown when the
    talk speaks of them by the key's name ("Thema siehe Pad", ``pad: https://...``)."""
    words = set(re.findall(r"\w+", f"{event.title} {event.description or ''}".casefold()))
    found: list[Link] = []
    for key, value in event.extra.items():
        if not isinstance(value, str) or not _URL.match(value.strip()):
            continue
        url = value.strip()
        if _PICTURE.search(url) or str(key).casefold() not in words:
            continue
        if url in (event.rsvp_url, event.image):
            continue
        found.append({"label": str(key).replace("_", " ").capitalize(), "url": url})
    return found


def _speaker(event: Event, parts: Fragments) -> Speaker | None:
    if not (event.presenter or parts.speaker_html or event.speakers):
        return None
    if from_prose(event) and not parts.speaker_html:
        return None  # names read from the text, which says who speaks
    return {"name": "" if from_prose(event) else event.presenter or "",
            "bio_html": _sanitized(parts.speaker_html),
            "bio_text": html_to_text(parts.speaker_html)}


def _image(settings: Settings, event: Event) -> Image | None:
    if not event.image:
        return None
    source = images.substitute(event.image, settings, event)
    size = images.dimensions(source, settings, event)
    src = image_url(settings, event, source)
    if src is None:  # published where announce cannot know (an Astro image() asset)
        return None
    return {"src": src,
            "alt": event.image_alt or event.title,
            "width": size[0] if size else None, "height": size[1] if size else None}


def _where(settings: Settings, event: Event) -> Where | None:
    location = event.location
    if location is None or from_prose(event, "location"):
        return None  # a place a sentence names: the text says where, not a "Where" block
    return {
        "title": location.title,
        "subtitle": location.subtitle,
        "online": location.online,
        "lines": list(location.address_lines),
        "full_address": location.full_address,
        "map_url": None if location.online else map_url(
            location.lat, location.lon, ", ".join(location.address_lines)),
        "url": _absolute(settings, location.url),
    }


def _calendar_location(where: Where | None) -> str:
    if where is None:
        return ""
    if where["online"]:
        parts = [where["title"], where["subtitle"], where["url"] or ""]
        return ", ".join(p for p in parts if p)
    return str(where["full_address"])


def _google_calendar_url(event: Event, summary: str, details: str, location: str) -> str:
    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    query = {"action": "TEMPLATE", "text": summary,
             "dates": f"{stamp(event.start)}/{stamp(event.end)}", "details": details,
             "location": location}
    return "https://calendar.google.com/calendar/render?" + urlencode(
        {k: v for k, v in query.items() if v})


def _upcoming(settings: Settings, catalog: Catalog, event: Event,
              now: datetime, lang: Language) -> list[Upcoming]:
    # After this event, and still ahead when the mail goes out.
    after = max(event.start, now)
    later = [e for e in catalog.events
             if e.start > after and e.id != event.id and not e.cancelled
             and announced_types(e, settings.content.types)]
    later.sort(key=lambda e: (e.start, e.id))
    tz = settings.site.tz
    rows: list[Upcoming] = []
    for other in later[:UPCOMING_COUNT]:
        local = other.start.astimezone(tz)
        rows.append({"title": other.title, "date": short_date(local, lang),
                     "time": time_of_day(local, lang),
                     "url": event_page_url(settings, other, now), "event": other})
    return rows


def _unsubscribe(settings: Settings) -> str | None:
    targets = settings.mail.unsubscribe
    https = [t for t in targets if t.startswith("https://")]
    ordered = https or list(targets)
    return ordered[0] if ordered else None


def calendar_location(settings: Settings, event: Event) -> str:
    """The LOCATION a calendar shows for ``event``, as its mails' calendar files write it."""
    return _calendar_location(_where(settings, event))
