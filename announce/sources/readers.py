"""A page of the site read by its suffix, as Pelican's readers are chosen: one reader per
format, in a table.

Markdown and MDX pages open with front matter (:mod:`.frontmatter`); reStructuredText
pages carry Pelican's or Nikola's metadata and are parsed by docutils (:mod:`.rst`).
Either way the result is a :class:`.frontmatter.Document`: metadata as data, the body as
Markdown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from .frontmatter import Document, YamlDialect, read_document, read_text

__all__ = ["PAGE_SUFFIXES", "key_lines", "read_page"]

# The files a site's pages are written in, each read by its reader below.
MARKDOWN_SUFFIXES: Final = (".md", ".markdown", ".mdx")
PAGE_SUFFIXES: Final = (*MARKDOWN_SUFFIXES, ".rst")


def read_page(path: Path, dialect: YamlDialect = "1.1") -> Document:
    """The page at ``path``; FrontMatterError (or NoFrontMatter) when it cannot be read."""
    if path.suffix.lower() == ".rst":
        from .rst import parse_rst  # docutils, only for a site that has reST pages

        return parse_rst(path, read_text(path))
    return read_document(path, dialect)


def key_lines(path: Path, dialect: YamlDialect = "1.1") -> Document:
    """A page read only far enough to tell the line of a key (``Document.line_of``): a
    reST page's keys are found in its text, without parsing it again."""
    if path.suffix.lower() == ".rst":
        return Document(path, "rst", read_text(path), 1, "", 1, {})
    return read_document(path, dialect)
