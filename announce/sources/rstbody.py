"""A reStructuredText body as Markdown: what the mail and the body's readers take.

The rest of announce reads bodies as Markdown (the facts a page states on its lines, its
sections, the mail). A reST page's body is parsed by docutils (see :mod:`.rst`) and
written here as the Markdown that says the same: paragraphs, emphasis, links, lists,
definition lists (``When`` / ``:   Wednesday at 6:30PM``, Markdown Extra's), headings,
code, quotes and images. What Markdown has no form for (tables, admonitions, figures,
footnotes, sidebars, option lists) is written as docutils' own HTML, which Markdown
keeps as it is. Comments, targets and docutils' messages are no text of the page.

Each block of the page starts on its own line of the file, as far as the Markdown lets
it (blank lines are added before it): the line a fact is read from is the file's line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from docutils import nodes

__all__ = ["line_of", "markdown_of", "tag_of"]

# Nodes that are no text of the page: metadata, link targets, docutils' own messages.
_SKIPPED: Final = frozenset({
    "comment", "target", "substitution_definition", "system_message", "pending", "raw",
    "meta", "title", "subtitle", "docinfo", "decoration", "problematic_message",
})
# Blocks that are only their children.
_CONTAINERS: Final = frozenset({"compound", "container", "section_body"})
_INLINE_HTML: Final = {"subscript": "sub", "superscript": "sup"}
# Markdown's marks in text: written as text, not as marks.
_SPECIAL: Final = re.compile(r"([\\`*\[\]])|(?<!\w)_|_(?!\w)|<(?=[A-Za-z/!?])")
_LINE_START: Final = re.compile(r"^(?:[#>+|-]|=+\s*$|\d+[.)](?=\s|$))")


def _escape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        found = match[0]
        return "&lt;" if found == "<" else "\\" + found

    return _SPECIAL.sub(one, text)


def _escape_line(line: str) -> str:
    """A paragraph line, its marks escaped (also those that mean something at its start:
    ``# 1`` is no heading, ``- 5 €`` no list item)."""
    text = _escape(line.strip())
    return "\\" + text if _LINE_START.match(text) else text


class _Writer:
    """Walks the doctree and writes Markdown lines."""

    def __init__(self, document: nodes.document) -> None:
        self.document = document
        self.lines: list[str] = []
        self._html: Any = None

    # --- blocks ---------------------------------------------------------------------

    def top(self, children: list[nodes.Node], level: int) -> None:
        """Blocks of the document or a section, each on its line of the file."""
        for node in children:
            if _tag(node) in _SKIPPED:
                continue
            line = line_of(node)
            if line is not None and _tag(node) in ("literal_block", "doctest_block"):
                line -= 1  # its fence on the line before its first line of code
            self._pad(line)
            if _tag(node) == "section":
                self._top_section(node, level)
            else:
                self.lines.extend(self.block(node))

    def _pad(self, line: int | None) -> None:
        if self.lines and self.lines[-1].strip():
            self.lines.append("")  # Markdown's blocks are apart
        while line is not None and len(self.lines) < line - 1:
            self.lines.append("")

    def _top_section(self, node: Any, level: int) -> None:
        title = next((c for c in node.children if _tag(c) == "title"), None)
        if title is not None:
            self.lines.append(f"{'#' * min(level, 6)} {self.inline(title)}")
        self.top(list(node.children), level + 1)

    def block(self, node: nodes.Node) -> list[str]:
        """The Markdown lines of one block."""
        name = _tag(node)
        if name in _SKIPPED:
            return []
        method = getattr(self, f"_{name}", None)
        if method is not None:
            return method(node)  # type: ignore[no-any-return]  # each returns its lines
        if name in _CONTAINERS:
            return self.blocks(node.children)
        return self._as_html(node)

    def blocks(self, children: Any) -> list[str]:
        """Several blocks, a blank line apart."""
        out: list[str] = []
        for child in children:
            lines = self.block(child)
            if lines:
                if out:
                    out.append("")
                out.extend(lines)
        return out

    def _paragraph(self, node: nodes.Element) -> list[str]:
        text = self.inline(node)
        return [line for line in (part.strip() for part in text.split("\n")) if line]

    def _section(self, node: nodes.Element) -> list[str]:
        # A section inside a list or quote (rare): its title as a strong line.
        title = next((c for c in node.children if _tag(c) == "title"), None)
        head = [f"**{self.inline(title)}**", ""] if title is not None else []
        return head + self.blocks(node.children)

    def _rubric(self, node: nodes.Element) -> list[str]:
        return [f"**{self.inline(node)}**"]

    # Python-Markdown reads what a list item holds four columns in, whatever its mark.
    def _bullet_list(self, node: nodes.Element) -> list[str]:
        return self._items(node, lambda _n: "-   ")

    def _enumerated_list(self, node: nodes.Element) -> list[str]:
        start = int(node.get("start", 1))
        return self._items(node, lambda n: f"{start + n}.".ljust(4))

    def _items(self, node: nodes.Element, marker: Any) -> list[str]:
        items = [self.blocks(item.children) for item in node.children]
        loose = any(len([c for c in item.children if _tag(c) not in _SKIPPED]) > 1
                    for item in node.children)
        out: list[str] = []
        for number, lines in enumerate(items):
            if out and loose:
                out.append("")
            mark = marker(number)
            out.extend(_indented(lines or [""], mark, " " * len(mark)))
        return out

    def _definition_list(self, node: nodes.Element) -> list[str]:
        # "When" over "Wednesday at 6:30PM": the term in bold, its definition on the next
        # line (a line break apart), as a labelled line reads. (Markdown Extra's lists of
        # definitions are not read inside a list's item, where reST makes many.)
        out: list[str] = []
        for item in node.children:
            terms = [c for c in item.children if _tag(c) in ("term", "classifier")]
            term = " ".join(" ".join(self.inline(c) for c in terms).split())
            if not any(_tag(c) == "strong" for t in terms for c in t.children):
                term = _wrap(term, "**")
            definition = next((c for c in item.children if _tag(c) == "definition"), None)
            lines = self.blocks(definition.children) if definition is not None else []
            if out:
                out.append("")
            opens = definition is not None and definition.children and \
                _tag(definition.children[0]) == "paragraph"
            out.extend([term + "  ", *lines] if opens else [term, "", *lines])
        return out

    def _field_list(self, node: nodes.Element) -> list[str]:
        # ":Time: 19:00" in a page's text: a labelled line.
        out: list[str] = []
        for field in node.children:
            name, body = field.children[0], field.children[1]
            lines = self.blocks(body.children)
            label = f"**{self.inline(name)}:**"
            out.extend(_indented(lines or [""], label + " ", "    "))
        return out

    def _literal_block(self, node: nodes.Element) -> list[str]:
        text = node.astext()
        fence = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", text)), default=0))
        return [fence, *text.split("\n"), fence]

    _doctest_block = _literal_block

    def _block_quote(self, node: nodes.Element) -> list[str]:
        lines = self.blocks(node.children)
        return [f"> {line}".rstrip() for line in lines]

    def _attribution(self, node: nodes.Element) -> list[str]:
        return [f"— {self.inline(node)}"]

    def _line_block(self, node: Any) -> list[str]:
        out: list[str] = []
        for line in node.children:
            if _tag(line) == "line_block":
                out.extend(f"    {text}" for text in self._line_block(line))
            else:
                out.append(_escape_line(self.inline(line)) + "  ")
        if out:
            out[-1] = out[-1].rstrip()
        return [line.replace("\n", " ") for line in out]

    def _transition(self, _node: nodes.Element) -> list[str]:
        return ["* * *"]

    def _image(self, node: nodes.Element) -> list[str]:
        return [self._image_inline(node)]

    def _reference(self, node: nodes.Element) -> list[str]:  # a linked image, alone
        return [self._link(node)]

    def _as_html(self, node: nodes.Node) -> list[str]:
        """docutils' own HTML for what Markdown has no form for (a table, a note)."""
        if self._html is None:
            from docutils.writers.html5_polyglot import HTMLTranslator

            self._html = HTMLTranslator(self.document)
        translator = self._html
        start = len(translator.body)
        node.walkabout(translator)
        html = "".join(translator.body[start:]).strip()
        del translator.body[start:]
        return [line for line in html.split("\n") if line.strip()]

    # --- inline ---------------------------------------------------------------------

    def inline(self, node: nodes.Node) -> str:
        """The Markdown of an element's inline content."""
        name = _tag(node)
        if name == "#text":
            return _escape(node.astext())  # (its text holds docutils' escapes as NULs)
        if name in _SKIPPED and name != "title":
            return ""
        inner = "".join(self.inline(child) for child in getattr(node, "children", ()))
        if name in ("emphasis", "title_reference"):
            return _wrap(inner, "*")
        if name == "strong":
            return _wrap(inner, "**")
        if name in ("literal", "math"):
            return _code(node.astext())
        if name == "reference":
            return self._link(node)
        if name == "image":
            return self._image_inline(node)
        if name in ("footnote_reference", "citation_reference"):
            return f"\\[{_escape(node.astext())}\\]"
        if name in _INLINE_HTML:
            tag = _INLINE_HTML[name]
            return f"<{tag}>{inner}</{tag}>"
        return inner

    def _link(self, node: Any) -> str:
        text = "".join(self.inline(child) for child in node.children)
        uri = node.get("refuri")
        if not uri:
            return text  # a link within the page, which the mail does not have
        return f"[{text or _escape(uri)}]({_url(uri)})"

    def _image_inline(self, node: Any) -> str:
        alt = _escape(str(node.get("alt", "")).replace("\n", " "))
        return f"![{alt}]({_url(str(node.get('uri', '')))})"


def tag_of(node: object) -> str:
    """A docutils node's name ("paragraph", "#text" for text)."""
    return str(getattr(node, "tagname", ""))


_tag = tag_of


def _wrap(text: str, mark: str) -> str:
    if not text.strip():
        return text
    # Markdown's marks hold no space inside them: "** bold **" is no emphasis.
    lead = text[:len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    return f"{lead}{mark}{text.strip()}{mark}{trail}"


def _code(text: str) -> str:
    text = " ".join(text.split())
    ticks = "`" * (1 + max((len(r) for r in re.findall(r"`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _url(uri: str) -> str:
    return uri.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _indented(lines: list[str], first: str, rest: str) -> list[str]:
    return [(first if n == 0 else rest if line else "") + line for n, line in enumerate(lines)]


def line_of(node: nodes.Node) -> int | None:
    """The file line a node starts on (docutils gives some nodes none: a descendant's)."""
    from docutils import nodes as docnodes

    for found in node.findall(docnodes.Element, include_self=True):
        line = found.line
        if line is not None:
            if _tag(found) == "section":
                return max(1, int(line) - 1)  # the title's line, not its underline's
            return int(line)
    return None


def markdown_of(document: nodes.document) -> str:
    """The Markdown of a parsed reST document's body (its title and docinfo left out:
    they are the page's metadata)."""
    writer = _Writer(document)
    writer.top(list(document.children), 1)
    return "\n".join(writer.lines).rstrip() + "\n"
