"""Markdown to HTML: the one converter of talk bodies (not yet sanitized).

Pure: it imports nothing of announce, so that the checks that look into a body
(:mod:`announce.images`, the loader's "nested too deeply") use the very conversion the
mail does without depending on the rest of rendering.
"""

from __future__ import annotations

import re
import string
import threading
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

__all__ = ["TOO_DEEP", "markdown_to_html"]


_LIST_ITEM = re.compile(r"^ {0,3}(?:[*+-]|1[.)])[ \t]+\S")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


class _ListsInterruptParagraphs(Preprocessor):
    """Let a list start right below a paragraph line, as on GitHub (CommonMark).

    Talk files are written that way ("...mesh capabilities:" then "* Istio"), and
    Python-Markdown would otherwise run the items into the paragraph.
    """

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        fence: str | None = None
        in_list = prev_blank = True
        for line in lines:
            match = _FENCE.match(line)
            if fence is not None:
                if match and match[1] == fence:
                    fence = None
                out.append(line)
                continue
            if match:
                fence = match[1]
            if not line.strip():
                in_list = prev_blank = True
                out.append(line)
                continue
            item = bool(_LIST_ITEM.match(line))
            if item and not prev_blank and not in_list:
                out.append("")
            in_list = item or (in_list and not prev_blank)
            prev_blank = False
            out.append(line)
        return out


# A row may end in any white space: HV Open's table of CMSs ends each in a no-break space.
_ROW = re.compile(r"^ {0,3}\|.*\|\s*$")
_SEPARATOR = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
# Marks the first cell of a row that kramdown reads as a body row but Python-Markdown
# needs as a header: the tree processor makes it a body row again (an invisible separator,
# which no talk writes at the start of a cell).
_HEADERLESS = "\u2063"


class _HeaderlessTables(Preprocessor):
    """kramdown's tables without a header row (``| **Date** | 13:00 |`` lines and no
    ``|---|`` under the first): Python-Markdown reads a table only under a header, so
    the first row is given a separator, marked, and made a body row again after."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        fence: str | None = None
        block: list[str] = []
        for line in lines:
            match = _FENCE.match(line)
            if fence is None and not match and _ROW.match(line):
                block.append(line.rstrip())  # Python-Markdown's rows end in a pipe
                continue
            out += self._table(block)
            block = []
            if match:
                fence = None if fence == match[1] else fence or match[1]
            out.append(line)
        return out + self._table(block)

    @staticmethod
    def _table(block: list[str]) -> list[str]:
        if not block or any(_SEPARATOR.match(line) for line in block):
            return block
        columns = max(len(re.split(r"(?<!\\)\|", line.strip().strip("|"))) for line in block)
        first = block[0].replace("|", "|" + _HEADERLESS, 1)
        return ["", first, "|" + "---|" * columns, *block[1:], ""]


class _HeaderlessRows(Treeprocessor):
    """The marked header rows of :class:`_HeaderlessTables` as the body rows they are."""

    def run(self, root: etree.Element) -> None:
        for table in root.iter("table"):
            head = table.find("thead")
            row = head.find("tr") if head is not None else None
            if head is None or row is None or not row.findall("th"):
                continue
            first = row.findall("th")[0]
            if not (first.text or "").startswith(_HEADERLESS):
                continue
            first.text = (first.text or "")[len(_HEADERLESS):].lstrip()
            for cell in row.findall("th"):
                cell.tag = "td"
            table.remove(head)
            body = table.find("tbody")
            if body is None:
                body = etree.SubElement(table, "tbody")
            body.insert(0, row)


class _ListExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # Markdown's name for it
        # Before the HTML-block and fenced-code preprocessors (20, 25): plain lines only.
        md.preprocessors.register(_ListsInterruptParagraphs(md), "announce_lists", 27)
        md.preprocessors.register(_HeaderlessTables(md), "announce_headerless_tables", 26)
        # After the inline patterns (20): the cell's text is its own by then.
        md.treeprocessors.register(_HeaderlessRows(md), "announce_headerless_rows", 5)
        # A backslash escapes any ASCII punctuation, as in CommonMark (Hugo, Eleventy,
        # Astro) and nearly so in kramdown (Jekyll): Clermont'ech's "absolu \\: il va"
        # is "absolu : il va" on its site. Python-Markdown alone escapes fewer.
        md.ESCAPED_CHARS.extend(c for c in string.punctuation if c not in md.ESCAPED_CHARS)


_local = threading.local()
# What a body is when Python-Markdown recurses until Python gives up on it.
TOO_DEEP = "lists or quotes nested too deeply to render (some hundreds of levels)"


def markdown_to_html(text: str) -> str:
    """Markdown (with raw HTML, as in Jekyll) to an HTML fragment; not yet sanitized."""
    md: markdown.Markdown | None = getattr(_local, "markdown", None)
    if md is None:
        # One converter per thread: building one costs more than converting a talk.
        md = markdown.Markdown(extensions=["extra", "sane_lists", _ListExtension()],
                               output_format="html")
        _local.markdown = md
    md.reset()
    return md.convert(text)
