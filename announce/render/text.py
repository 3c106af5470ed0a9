"""HTML to plain text, and wrapping: the one conversion of every place that is not HTML.

The text part, the inbox preview (preheader) and the calendar's description all come
from :func:`html_to_text`; the plain-text templates wrap with :func:`wrap` (the ``wrap``
filter), which counts Chinese, Japanese and Korean characters two columns wide and
breaks lines between them, never inside a URL or at a hyphen.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import html2text
from lxml import etree
from lxml import html as lxml_html

from ..i18n import display_width
from .html import short_url

__all__ = ["TEXT_WIDTH", "first_sentence", "html_to_text", "tidy", "wrap"]

TEXT_WIDTH = 78


class _PlainText(html2text.HTML2Text):
    """html2text for people, not for a Markdown parser: nothing gets backslash-escaped,
    and no Markdown marks are written (code, strike-through: just their text)."""

    def handle_data(self, data: str, entity_char: bool = False) -> None:
        super().handle_data(data, entity_char=True)

    def handle_tag(self, tag: str, attrs: dict[str, str | None], start: bool) -> None:
        if tag in ("code", "tt", "kbd", "samp", "del", "s", "strike") and not self.pre:
            return
        super().handle_tag(tag, attrs, start)


def html_to_text(fragment: str, width: int = TEXT_WIDTH) -> str:
    """Readable plain text of an HTML fragment, the one conversion of every place that
    is not HTML (the text part, the preheader, the calendar's description): links become
    ``text (URL)``, headings a line underlined with ``-``, no Markdown marks; wrapped at
    ``width`` (0: not at all) without ever splitting a URL or a word at a hyphen."""
    fragment = _links_inline(fragment)
    converter = _PlainText(bodywidth=0)
    converter.ignore_links = True
    converter.ignore_emphasis = True
    converter.ignore_images = False
    converter.images_to_alt = True
    converter.unicode_snob = True
    converter.mark_code = True
    converter.ul_item_mark = "*"
    return _text_lines(converter.handle(fragment), width)


_MD_LINK_TEXT = re.compile(r"\[([^\]\n]+)\]\((\S+?)\)")
_HEADING_LINE = re.compile(r"^(#{1,6}) +(.*?)(?: +#+)?$")
_PREFIX = re.compile(r"^((?:> ?)+|\s*(?:[*+-]|\d+\.) +|\s+)")


def _text_lines(converted: str, width: int) -> str:
    """html2text's unwrapped output as plain text: headings underlined, code blocks
    indented as they are, every other line wrapped under its list or quote prefix."""
    out: list[str] = []
    code = False
    for line in converted.strip("\n").splitlines():
        line = line.rstrip()
        if line.strip() in ("[code]", "[/code]"):
            code = line.strip() == "[code]"
            continue
        heading = None if code else _HEADING_LINE.match(line)
        if not code and "](" in line:  # Markdown the source escaped: "\\[text\\](url)"
            line = _MD_LINK_TEXT.sub(r"\1 (\2)", line)
        if code:
            out.append(line)
        elif heading:
            title = heading[2]
            out += [wrap(title, width) if width else title,
                    "-" * min(display_width(title), width or TEXT_WIDTH)]
        elif not width or display_width(line) <= width:
            out.append(line)
        else:
            prefix_match = _PREFIX.match(line)
            prefix = prefix_match[1] if prefix_match else ""
            indent = prefix if prefix.lstrip().startswith(">") else " " * len(prefix)
            out.append(wrap(line, width, indent))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out))


def _links_inline(fragment: str) -> str:
    """Write each link's URL after its text, so the plain text keeps the target; a link
    that shows its own (short) URL becomes the whole URL. Tables become lines of cells
    separated by ``|`` (plain text has no columns)."""
    if "<a" not in fragment and "<t" not in fragment:
        return fragment
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        text = " ".join(anchor.text_content().split())
        shown = href.removeprefix("mailto:") if href.startswith("mailto:") else href
        if not text or text in (href, shown, short_url(href)) or _bare(text) == _bare(href):
            anchor.text, anchor[:] = shown, []
            continue
        anchor.tail = f" ({shown})" + (anchor.tail or "")
    _tables_as_lines(root)
    # Serialized as the wrapping <div> ... </div>: cut the wrapper off.
    return str(etree.tostring(root, encoding="unicode", method="html"))[len("<div>"):-len("</div>")]


def _bare(url: str) -> str:
    """``url`` without its scheme, ``www.`` and final ``/``: what a link's text may show."""
    return re.sub(r"^[a-z]+://(www\.)?", "", url.strip(), flags=re.IGNORECASE).rstrip("/")


def _tables_as_lines(root: Any) -> None:
    for row in list(root.iter("tr")):
        cells = [cell for cell in row if cell.tag in ("td", "th")]
        # Empty cells have no column to keep: a break in a programme ("| | Break | |")
        # reads "Break", not "| Break |".
        filled = [cell for cell in cells if cell.text_content().strip() or len(cell)]
        for cell in cells:
            cell.tail = " | " if cell in filled[:-1] else ""
            cell.tag = "span"
        row.tag = "p"
    etree.strip_tags(root, "table", "thead", "tbody", "tfoot", "caption", "colgroup", "col")


def _summary(text: str) -> str:
    """The plain text's paragraphs on one line, headings left out: for one-line places
    (the inbox preview, a calendar link's details)."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    kept = []
    for block in blocks:
        lines = block.splitlines()
        if len(lines) >= 2 and set(lines[-1]) <= {"-", "="}:
            continue  # a heading (its underline)
        kept.append(block)
    return " ".join(" ".join(kept).split())


_CODE_MARKS = re.compile(r"`+([^`\n]+?)`+")


def prose(text: str) -> str:
    """Text for places that show sentences only (a calendar's description, the inbox
    preview): code marks a page wrote inside its HTML (`` `syn` ``) are taken out."""
    return _CODE_MARKS.sub(r"\1", text)


def tidy(text: str) -> str:
    """No trailing blanks, never two empty lines in a row, one final newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def first_sentence(text: str, limit: int = 150) -> str:
    flat = prose(_summary(text))
    # A full stop ends a sentence before a space; a Chinese or Japanese one ends it anyway.
    match = re.match(r"(.+?(?:[.!?](?=\s|$)|[。！？]))", flat)
    sentence = match[1] if match else flat
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
    return sentence


def wrap(text: str, width: int = TEXT_WIDTH, indent: str = "") -> str:
    """Wrap each paragraph of ``text``; long words (URLs) are never broken."""
    out = []
    for line in str(text).splitlines() or [""]:
        if not line.strip():
            out.append("")
        elif _WIDE.search(line) or display_width(line) != len(line):
            out.append(_wrap_wide(line, width, indent))
        else:
            out.append(textwrap.fill(line, width, subsequent_indent=indent,
                                     break_long_words=False, break_on_hyphens=False))
    return "\n".join(out)


# Chinese, Japanese and Korean script: two columns wide, and a line may break between any
# two of its characters (textwrap breaks at spaces only, and counts one column each).
_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                   r"\uff00-\uff60\uffe0-\uffe6]")
# Not at the start of a line (closing marks) or at its end (opening ones): kinsoku.
_NO_START = set("、。，．・：；？！ー）」』】〕〉》”’～ぁぃぅぇぉっゃゅょァィゥェォッャュョ")
_NO_END = set("（「『【〔〈《“‘")


def _wrap_wide(line: str, width: int, indent: str) -> str:
    """Greedy wrapping by display width, breaking between wide characters or at spaces."""
    tokens = re.findall(r"[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff"
                        r"\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+|\s+|.", line.strip())
    lines: list[str] = []
    current = ""
    for token in tokens:
        if token.isspace():
            token = " " * len(token)  # as textwrap: a run of blanks is kept, not collapsed
        candidate = current + token
        limit = width - (display_width(indent) if lines else 0)
        if not current or token.isspace() or display_width(candidate.rstrip()) <= limit:
            current = candidate
        elif token[0] not in _NO_START and current[-1] not in _NO_END:
            lines.append(current.rstrip())
            current = token
        elif (len(current) > 1 and _WIDE.match(current[-1]) and current[-1] not in _NO_START
              and current[-2] not in _NO_END):
            # Kinsoku by pushing out: the last character goes down with the mark.
            lines.append(current[:-1].rstrip())
            current = current[-1] + token
        else:  # a run of such marks: the width wins
            lines.append(current.rstrip())
            current = token
    lines.append(current.rstrip())
    return ("\n" + indent).join(lines)
