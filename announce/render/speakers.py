"""The speakers as cards: name, role and affiliation, a photo, a bio once, their link.

What a card holds is what the site has: a name alone for a name in front matter; the
role, the photo and the bio of a speaker record (a Hugo ``content/speakers/x.md``, an
MkDocs ``extra.authors`` entry). A photo is shown only when it is a file of the site's
repository (its size read) or an absolute URL: a handle such as ``twitter/x`` is no
picture.
"""

from __future__ import annotations

from typing import TypedDict

from markupsafe import Markup

from .. import images
from ..config import Settings
from ..content import Event
from ..content import Speaker as SpeakerRecord
from ..links import is_absolute, resolve
from ..pages import image_url
from ..sources.provenance import PROSE
from .parts import Fragments
from .text import html_to_text

__all__ = ["PHOTO_SIZE", "Photo", "SpeakerCard", "speaker_cards"]

PHOTO_SIZE = 64  # px, square: beside the name, at every width


class Photo(TypedDict):
    """A speaker's picture: absolute ``src``, drawn PHOTO_SIZE px square."""

    src: str
    size: int


class SpeakerCard(TypedDict):
    """One speaker, as the mail shows them."""

    name: str
    role: str                 # role and affiliation on one line, "" when the site has none
    photo: Photo | None
    url: str | None           # their page, absolute
    bio_html: Markup          # their own bio (sanitized), "" when they have none
    bio_text: str


def from_prose(event: Event, fact: str = "speakers") -> bool:
    """Whether the event's ``fact`` (its speakers, its location) is a reading of its
    prose, not stated: the mail leaves it to the text, which says it."""
    return fact in event.unsure and PROSE in event.sources.get(fact, "")


def speaker_cards(settings: Settings, event: Event, parts: Fragments) -> list[SpeakerCard]:
    """A card for each of the event's speakers, in order; none when their names are a
    reading of the page's prose (:mod:`announce.sources.byline`): the mail's text says who
    speaks, and a card would state a guess as a fact."""
    if from_prose(event):
        return []
    bios = parts.bios or ("",) * len(event.speakers)
    return [_card(settings, event, speaker, bio) for speaker, bio in zip(event.speakers, bios,
                                                                       strict=False)]


def _card(settings: Settings, event: Event, speaker: SpeakerRecord, bio: str) -> SpeakerCard:
    role = ", ".join(p for p in (speaker.role, speaker.affiliation) if p.strip())
    url = resolve(speaker.url, settings.site.url) if speaker.url else None
    return {"name": speaker.name, "role": " ".join(role.split()),
            "photo": _photo(settings, event, speaker.photo),
            "url": url if url and is_absolute(url) else None,
            "bio_html": Markup(bio),  # noqa: S704 - sanitized by nh3 in parts.fragments
            "bio_text": html_to_text(bio) if bio else ""}


def _photo(settings: Settings, event: Event, source: str) -> Photo | None:
    source = source.strip()
    if not source:
        return None
    if source.startswith(("http://", "https://")):
        return {"src": source, "size": PHOTO_SIZE}
    if images.dimensions(source, settings, event) is None:
        return None  # not a file of the site: a handle, or a picture we cannot find
    src = image_url(settings, event, source)
    return {"src": src, "size": PHOTO_SIZE} if src and is_absolute(src) else None
