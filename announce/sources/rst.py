"""reStructuredText pages (Pelican, Nikola): their metadata, and their body as Markdown.

Pelican's reST reader takes a page's title from its document title (a section title
alone at the top, with its underline, and overline if any) and its metadata from the
field list right under it (docutils' docinfo: ``:date:``, ``:tags:``, ``:author:``,
``:summary:``...). Nikola's takes them from the comment lines that open the file, up to
its first blank line (``.. title: Reunión mayo 2026``, ``.. date: 2026-05-17 20:00:00
UTC+02:00``), or from a ``.meta`` file of the same name beside it. Both are read by those
rules, their keys in lower case, Pelican's rules for lists and statuses applied
(:func:`.headers.metadata_values`), and Nikola's drafts (``.. status: draft``, a
``draft`` tag) left out as drafts.

The body is parsed by docutils, imported only when a reST file is read, with every way
for a page to reach beyond itself shut: no file or URL insertion (``.. include::``,
``:file:``, ``:url:``), no raw HTML, no messages on stderr. A page over
:data:`MAX_RST_BYTES` is not parsed (docutils takes about a second for 64 KB of reST),
nor one nested beyond Python's recursion. Its Markdown (:mod:`.rstbody`) is the body
every reader of a page reads, line for line with the file.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .frontmatter import Document, FrontMatterError, NoFrontMatter, read_text
from .headers import metadata_values
from .rstbody import tag_of as _tag

if TYPE_CHECKING:
    from docutils import nodes

__all__ = ["MAX_RST_BYTES", "RST_SUFFIXES", "parse_rst"]

RST_SUFFIXES: Final = (".rst",)
# A meetup's page is a few KB; docutils needs some 15 ms for one, a second for 64 KB.
MAX_RST_BYTES: Final = 64 * 1024

# Nikola's metadata line (its NikolaMetadata extractor), the key a plain name: a
# directive (".. image:: x") is no metadata.
_NIKOLA_LINE: Final = re.compile(r"^\s*\.\. ([\w.-]+): (.*)")
# Nikola's old .meta files: one value a line, in this order.
_OLD_META: Final = ("title", "slug", "date", "tags", "link", "description", "type")
# docutils' nodes that come before a Pelican page's body.
_HEAD: Final = frozenset({"title", "subtitle", "docinfo", "comment", "target",
                          "substitution_definition", "decoration", "system_message"})


def parse_rst(path: Path, text: str) -> Document:
    """A reST page's metadata and body (``text`` with LF line ends); FrontMatterError when
    it cannot be read, NoFrontMatter when it has no metadata (not an event)."""
    size = len(text.encode("utf-8"))
    if size > MAX_RST_BYTES:
        raise FrontMatterError(1, f"the file is {size // 1024} KB of reStructuredText, over "
                               f"the {MAX_RST_BYTES // 1024} KB a page may have (is it the "
                               "right file?): not read")
    nikola = _nikola_block(text)
    sidecar = _meta_file(path.with_suffix(".meta"))
    document = _doctree(path, text, pelican=nikola is None and sidecar is None)
    if nikola is not None or sidecar is not None:
        values, front, front_line = nikola or ({}, "", 1)
        values.update(sidecar or {})
    else:
        values = _pelican_values(document)
        front, front_line = _pelican_front(document, text), 1
    if not values or set(values) == {"title"}:
        raise NoFrontMatter(1, "no metadata (a reST page starts with '.. title:' and "
                            "'.. date:' lines, or with a title and a ':date:' field list)")
    from .rstbody import markdown_of

    try:
        body = markdown_of(document)
    except RecursionError:
        raise FrontMatterError(1, _TOO_DEEP) from None
    except Exception as exc:  # a node docutils' own HTML writer has no way to write
        raise FrontMatterError(1, f"docutils could not write it: {exc}") from None
    data = metadata_values(values)
    return Document(path, "rst", front, front_line, body, 1,
                    _nikola_draft(data) if nikola is not None or sidecar is not None else data)


_TOO_DEEP: Final = "reStructuredText nested too deeply to read (some hundreds of levels)"


# --- Nikola ----------------------------------------------------------------------------


def _nikola_block(text: str) -> tuple[dict[str, list[str]], str, int] | None:
    """Nikola's metadata comments at the top of ``text``: values, their text, first line."""
    stripped = text.lstrip("\n")
    start = len(text) - len(stripped)
    end = stripped.find("\n\n")
    block = stripped if end < 0 else stripped[:end]
    values = _nikola_values(block)
    if not values:
        return None
    return values, block, text.count("\n", 0, start) + 1


def _nikola_values(block: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in block.split("\n"):
        match = _NIKOLA_LINE.match(line)
        if match and match[2].strip():  # ".. link: " says nothing
            values.setdefault(match[1].lower(), []).append(match[2].strip())
    return values


def _meta_file(path: Path) -> dict[str, list[str]] | None:
    """The values of a post's ``.meta`` file (Nikola's two-file posts), or None."""
    if not path.is_file():
        return None
    try:
        text = read_text(path, MAX_RST_BYTES, "a .meta file")
    except FrontMatterError:
        return None
    if text.lstrip().startswith(".."):
        return _nikola_values(text.strip().split("\n\n", 1)[0]) or None
    lines = text.split("\n")
    return {key: [value.strip()] for key, value in zip(_OLD_META, lines, strict=False)
            if value.strip()} or None


def _nikola_draft(data: dict[str, Any]) -> dict[str, Any]:
    if "type" in data:
        # Nikola's post type ("text", "micro") picks the post's template: it is no kind of
        # event, which the map's type key would take it for.
        data["post_type"] = data.pop("type")
    tags = data.get("tags")
    if isinstance(tags, list) and any(str(tag).lower() == "draft" for tag in tags):
        data.setdefault("draft", True)  # Nikola's older way of marking a draft
    return data


# --- Pelican ---------------------------------------------------------------------------


def _pelican_values(document: nodes.document) -> dict[str, list[str]]:
    """The title and docinfo fields, as Pelican's ``RstReader._parse_metadata`` reads them."""
    values: dict[str, list[str]] = {}
    title = next((n for n in document.children if _tag(n) == "title"), None)
    if title is not None:
        values["title"] = [title.astext()]
    docinfo = next((n for n in document.children if _tag(n) == "docinfo"), None)
    for element in getattr(docinfo, "children", ()):
        if _tag(element) == "field":
            name, value = element.children[0].astext(), element.children[1].astext()
        elif _tag(element) == "authors":
            name, value = "authors", ", ".join(c.astext() for c in element.children)
        else:
            name, value = _tag(element), element.astext()
        values.setdefault(name.strip().lower(), []).append(" ".join(value.split()))
    return values


def _pelican_front(document: nodes.document, text: str) -> str:
    """The lines of the title and the field list: those before the body's first block."""
    from .rstbody import line_of

    first = next((line_of(n) for n in document.children if _tag(n) not in _HEAD), None)
    lines = text.split("\n")
    return "\n".join(lines[:(first or len(lines) + 1) - 1])


# --- docutils --------------------------------------------------------------------------


def _doctree(path: Path, text: str, pelican: bool) -> nodes.document:
    """``text`` parsed, with docutils' standard transforms (references resolved; for
    Pelican, the title and the field list under it made the title and docinfo)."""
    from docutils.utils import new_document

    parser, reader, writer, settings = _tools(pelican)
    try:
        document = new_document(str(path), settings)
        parser.parse(text, document)
        # The writer's own: a note or a warning made the admonition its HTML writes.
        document.transformer.populate_from_components((reader, parser, writer))
        document.transformer.apply_transforms()
    except RecursionError:
        raise FrontMatterError(1, _TOO_DEEP) from None
    except Exception as exc:  # docutils' own failure on an odd page: that page's problem
        raise FrontMatterError(1, f"docutils could not read it: {exc}") from None
    return document


@functools.cache
def _tools(pelican: bool) -> tuple[Any, Any, Any, Any]:
    """docutils' reST parser, standalone reader, HTML writer and settings, made once."""
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.readers.standalone import Reader
    from docutils.writers.html5_polyglot import Writer

    settings = get_default_settings(Parser, Reader, Writer)
    # Nothing from outside the page, nothing printed, never a stop on a page's error.
    settings.file_insertion_enabled = False
    settings.raw_enabled = False
    settings.report_level = 5
    settings.halt_level = 5
    settings.warning_stream = False
    settings.traceback = True
    settings.syntax_highlight = "none"
    settings.smart_quotes = False
    settings.embed_stylesheet = False
    settings.stylesheet_path = []
    settings.input_encoding = "unicode"
    settings.sectsubtitle_xform = False
    settings.doctitle_xform = pelican
    settings.docinfo_xform = pelican
    return Parser(), Reader(), Writer(), copy.copy(settings)
