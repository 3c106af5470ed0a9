"""A talk's Markdown body split into its sections: the description, the speaker's bio and
the lightning talks, and the lightning talks' own link to propose one.

Text in, text out: it knows nothing of a site or a setting. :class:`~announce.content.Event`
splits its body here when one of those parts is first read.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

__all__ = ["Sections", "find_propose_url", "split_sections"]


@dataclass(frozen=True)
class Sections:
    """The body of a talk file split by its headings; each part is Markdown."""

    description: str
    speaker: str | None = None
    lightning_talks: str | None = None


_HEADING = re.compile(r"^(#{1,6})[ \t]*(.*?)[ \t]*#*[ \t]*$")
_TAG = re.compile(r"<[^>]*>")
# The lines that can change the split: ATX headings and code fences. One scan of the body
# finds them all, so the text in between is never looked at line by line. The scan looks
# for "\n" (a literal the regex engine finds fast) rather than for "^" at every position.
_MARKER_LINE = re.compile(r"\n((?:#|[ \t]*(?:```|~~~))[^\n]*)")
_FIRST_MARKER_LINE = re.compile(r"(?:#|[ \t]*(?:```|~~~))[^\n]*")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_SPEAKER = {"speaker", "speakers", "about the speaker", "about the speakers", "presenter",
            "about the presenter"}
_LIGHTNING = {"lightning talks", "lightning talk"}


def _heading_kind(text: str) -> str | None:
    name = " ".join(_TAG.sub("", html.unescape(text)).split()).rstrip(":").strip().lower()
    if name in _SPEAKER:
        return "speaker"
    if name in _LIGHTNING:
        return "lightning_talks"
    return None


def _marker_lines(body: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every line of ``body`` that is a heading or a code fence."""
    first = _FIRST_MARKER_LINE.match(body)
    if first:
        yield first.start(), first.end()
    for match in _MARKER_LINE.finditer(body):
        yield match.start(1), match.end(1)


def split_sections(body: str) -> Sections:
    """Split a talk's Markdown body into description, speaker bio and lightning talks.

    A section runs from its heading to the next heading of the same or a higher level.
    Sections announce does not know stay in the description, in order. Headings inside
    a code fence are text; as in CommonMark, a fence ends at a line of the same
    character, at least as long (so a ``~~~`` block may show a fenced Markdown example).
    """
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    parts: dict[str, list[str]] = {"description": [], "speaker": [], "lightning_talks": []}
    found: set[str] = set()
    current = "description"
    level = 0
    fence = ""  # the open fence's marker, e.g. "```"; empty outside a fence
    start = 0  # where the text not yet given to a section begins
    for line_start, line_end in _marker_lines(body):
        line = body[line_start:line_end]
        if fence:
            closing = _FENCE.match(line)
            if closing and closing[1][0] == fence[0] and len(closing[1]) >= len(fence) \
                    and not line[closing.end():].strip():
                fence = ""
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening[1]
            continue
        match = _HEADING.match(line)
        if not match:
            continue
        depth = len(match[1])
        kind = _heading_kind(match[2])
        if kind:
            parts[current].append(body[start:line_start])
            start = line_end + 1  # the heading line itself belongs to no section
            current, level = kind, depth
            found.add(kind)
        elif current != "description" and depth <= level:
            parts[current].append(body[start:line_start])
            start = line_start
            current, level = "description", 0
    parts[current].append(body[start:])

    def text(name: str) -> str:
        return "".join(parts[name]).strip()

    return Sections(
        description=text("description"),
        speaker=text("speaker") if "speaker" in found else None,
        lightning_talks=text("lightning_talks") if "lightning_talks" in found else None,
    )


class _LinkFinder(HTMLParser):
    """Collects (href, text) of <a href> elements in raw HTML inside Markdown."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            # An anchor without href (<a name="x">) is no link.
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


_MD_LINK = re.compile(r"\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_PROPOSE_WORDS = ("propose", "sign up", "submit", "volunteer")


def find_propose_url(section: str | None) -> str | None:
    """The content's own call-for-proposals target in a lightning-talk section.

    A ``mailto:`` link wins; otherwise a link whose text asks to propose or sign up.
    """
    if not section:
        return None
    links: list[tuple[str, str]] = []
    if "<a" in section or "<A" in section:
        finder = _LinkFinder()
        finder.feed(section)
        finder.close()
        links.extend(finder.links)
    links.extend((url, text) for text, url in _MD_LINK.findall(section))
    for url, _text in links:
        if url.lower().startswith("mailto:"):
            return url
    for url, text in links:
        if any(word in text.lower() for word in _PROPOSE_WORDS):
            return url
    return None
