"""The one plain-text rendering for prose: sentences only.

The inbox preview line (the preheader), a Google Calendar link's details and the .ics
DESCRIPTION are read as sentences, by programs that render nothing: no image's alt
text, no link's target, no list bullets, no table pipes, no headings. The plain-text
part is another thing (:func:`announce.render.text.html_to_text`): it keeps links and
lists, for a reader who wants to follow them.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import html as lxml_html

from .html import short_url

__all__ = ["prose_text"]

# Blocks that are a sentence (or a paragraph) of their own.
_BLOCKS = {"p", "li", "dd", "dt", "tr", "blockquote", "div", "figcaption", "caption",
           "address", "section", "article", "pre"}
# Blocks whose members run together as one paragraph: a list's items, a table's rows.
_GROUPS = {"ul", "ol", "dl", "table"}
# Not prose: a heading names a section, an image is its picture, a form is nothing here.
_DROPPED = {"img", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style", "iframe", "svg",
            "picture", "video", "audio", "object", "embed", "form", "hr"}
_END = re.compile(r"[.!?…:;。！？」』）)\"'”’]$")
_WIDE = re.compile(r"[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]")
_CODE_MARKS = re.compile(r"`+([^`\n]+?)`+")
# Markdown a page left as text (inside a raw HTML block): an image goes, a link keeps its
# words, a heading's marks go.
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\s]*\)")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\s]*\)")
_MD_HEADING = re.compile(r"(?:^|(?<=\s))#{1,6}(?=\s|$)")
_STRAY = re.compile(r"\*\*+|(?<!\w)__+|__+(?!\w)")
# Brackets around a link: they go with it when the link goes ("see (https://x.org).").
_AROUND = {"(": ")", "[": "]"}


def prose_text(fragment: str) -> str:
    """Sentences of an HTML fragment: its paragraphs separated by a blank line, a list's
    items or a table's rows in one paragraph, each item a sentence ("Wine - Jack."), a
    row's cells joined ("Date: 13:00"). Images, headings and links that show an address
    are left out; a link's text stays, its target goes."""
    if not fragment.strip():
        return ""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    for node in list(root.iter(*_DROPPED)):
        node.drop_tree()  # its tail stays
    for anchor in list(root.iter("a")):
        if _shows_address(anchor):
            _drop_link(anchor)
    groups: list[list[str]] = []
    _collect(root, groups, None)
    paragraphs = [" ".join(s for s in (_sentence(b) for b in blocks) if s) for blocks in groups]
    return "\n\n".join(p for p in paragraphs if p)


def _shows_address(anchor: Any) -> bool:
    """A link whose text is its address (or one): nothing to read aloud without it."""
    href = (anchor.get("href") or "").strip()
    text = " ".join(anchor.text_content().split())
    if not text:
        return True
    return "://" in text or text.startswith("www.") or text in (
        href, href.removeprefix("mailto:"), short_url(href))


def _drop_link(anchor: Any) -> None:
    """Leave ``anchor`` out, and the brackets right around it: "code (https://x.org),"
    reads "code,", and a page's "\\[[lu.ma](http://lu.ma)\\](...)" no "[]()"."""
    previous = anchor.getprevious()
    before = (previous.tail if previous is not None else anchor.getparent().text) or ""
    after = anchor.tail or ""
    opening = before.rstrip()[-1:]
    if opening in _AROUND and after.lstrip().startswith(_AROUND[opening]):
        before = before.rstrip()[:-1].rstrip()
        after = after.lstrip()[1:]
        if previous is not None:
            previous.tail = before
        else:
            anchor.getparent().text = before
        anchor.tail = after
    anchor.drop_tree()  # its tail stays


def _text(node: Any) -> str:
    """``node``'s own text, without the blocks inside it (they are sentences of theirs)."""
    parts = [node.text or ""]
    for child in node:
        if isinstance(child.tag, str) and child.tag in _BLOCKS | _GROUPS:
            parts.append(" ")
        elif isinstance(child.tag, str) and child.tag in ("td", "th"):
            parts.append(_cell(child))
        elif child.tag == "br":
            parts.append(" ")
        elif isinstance(child.tag, str):
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _cell(cell: Any) -> str:
    text = " ".join(cell.text_content().split())
    return f"\x00{text}" if text else ""


def _collect(node: Any, groups: list[list[str]], group: list[str] | None) -> None:
    """Append ``node``'s blocks to ``groups``: one group per paragraph, or per list or
    table (``group``: the list or table being read)."""
    own = _text(node) if node.tag in _BLOCKS or node.getparent() is None else ""
    if own.strip():
        if group is not None:
            group.append(own)
        else:
            groups.append([own])
    for child in node:
        if not isinstance(child.tag, str) or child.tag in ("td", "th"):
            continue
        if child.tag in _GROUPS and group is None:
            members: list[str] = []
            groups.append(members)
            _collect(child, groups, members)
        else:  # a block, or what may hold one (a table's body, a span around a list)
            _collect(child, groups, group)


def _sentence(block: str) -> str:
    """One block as a sentence: cells joined, marks out, a full stop where none ends it."""
    cells = [" ".join(c.split()) for c in block.split("\x00")]
    lead, rest = cells[0], [c for c in cells[1:] if c]
    if rest:
        joined = ": ".join([rest[0], ", ".join(rest[1:])]) if len(rest) > 1 else rest[0]
        lead = f"{lead} {joined}" if lead.strip() else joined
    text = _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", " ".join(lead.split())))
    text = _STRAY.sub("", _CODE_MARKS.sub(r"\1", _MD_HEADING.sub("", text)))
    text = " ".join(text.split())
    text = text.strip(" -–—·|*")
    if not text or not any(ch.isalnum() for ch in text):
        return ""
    if _END.search(text):
        return text
    return text + ("。" if _WIDE.match(text[-1]) else ".")
