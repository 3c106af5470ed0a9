"""The talk's Markdown parts (description, speaker, lightning talks) as sanitized HTML.

Made once per render and shared by the context, the plain text and the URL check
(:func:`announce.urls.relative_url_problems` reads the URLs that could not be made
absolute from here, so that ``check`` and ``send`` agree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from ..config import Settings
from ..content import Event, speaker_bios
from ..errors import ContentError
from ..markup import TOO_DEEP, markdown_to_html
from ..sections import find_propose_url
from .html import sanitize

__all__ = ["Fragments", "fragments", "page_base"]


class _LoneLink(HTMLParser):
    """Whether an HTML fragment is one link and nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.outside = False
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._depth = max(0, self._depth - 1)

    def handle_data(self, data: str) -> None:
        if self._depth == 0 and data.strip():
            self.outside = True


def _without_trailing_call(section: str, propose_url: str | None) -> str:
    """The lightning-talk section minus its last paragraph when that is only the
    "propose" link: the email shows its own button for it, and once is enough."""
    if not propose_url or not section.strip():
        return section
    blocks = re.split(r"\n[ \t]*\n", section.strip())
    parser = _LoneLink()
    parser.feed(markdown_to_html(blocks[-1]))
    parser.close()
    if parser.hrefs == [propose_url] and not parser.outside:
        return "\n\n".join(blocks[:-1])
    return section


def _calls_in_description(description: str | None) -> bool:
    """Whether a talk without a lightning-talk section asks for lightning talks in its
    description ("Currently looking for volunteers. [Sign up](.../Lightning-Talk)"): that
    is the call, and the mail adds no second one."""
    lines = [line for line in (description or "").splitlines() if "lightning" in line.lower()]
    return find_propose_url("\n".join(lines)) is not None


@dataclass(frozen=True)
class Fragments:
    """The talk's Markdown parts as sanitized HTML and as plain text."""

    description_html: str
    speaker_html: str
    lightning_html: str
    unresolved: tuple[str, ...]
    # The lightning-talk section asks for talks in its own words (a sign-up link within
    # its text or list): that is the call, and the mail adds no button of its own.
    own_call: bool = False
    # Each speaker's own bio (from their record), in event.speakers' order; "" for none.
    # The speaker section is then empty: the bios are on the speakers' cards, once.
    bios: tuple[str, ...] = ()


def page_base(settings: Settings, event: Event) -> str:
    """What the event's relative URLs are relative to: its page, as on the site (a
    bundle's "hero.png" is next to it); the site's root when the page is not known."""
    from ..pages import link_base

    return link_base(settings, event)


def fragments(settings: Settings, event: Event) -> Fragments:
    unresolved: list[str] = []
    site = page_base(settings, event)

    def convert(source: str | None, top: int) -> str:
        if not source:
            return ""
        try:
            html = markdown_to_html(source)
        except RecursionError:
            raise ContentError(TOO_DEEP, path=event.path, line=event.body_line,
                               key="body") from None
        return sanitize(html, site, unresolved, settings=settings, event=event,
                        top=top).strip()

    lightning = event.lightning_talks
    own_call = lightning is None and _calls_in_description(event.description)
    if lightning is not None:
        stripped = _without_trailing_call(lightning, event.propose_url)
        own_call = bool(event.propose_url) and stripped == lightning
        lightning = stripped
    bios = tuple(convert(s.bio, 4) for s in event.speakers)
    section = event.speaker
    if any(bios) and section == speaker_bios(event.speakers):
        section = None  # made of the records' bios, which the cards show
    # The description's headings go under the title (h1); the bio's and the lightning
    # talks' under their section's h2.
    return Fragments(convert(event.description, 2), convert(section, 3),
                     convert(lightning, 3), tuple(unresolved), own_call, bios)
