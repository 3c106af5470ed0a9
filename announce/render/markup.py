"""Markdown to HTML: the one converter of talk bodies (not yet sanitized).

Pure: it imports nothing of announce, so that the checks that look into a body
(:mod:`announce.images`, the loader's "nested too deeply") use the very conversion the
mail does without depending on the rest of rendering.
"""

from __future__ import annotations

import re
import threading

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

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


class _ListExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # Markdown's name for it
        # Before the HTML-block and fenced-code preprocessors (20, 25): plain lines only.
        md.preprocessors.register(_ListsInterruptParagraphs(md), "announce_lists", 27)


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
