"""A page's text kept as a rich-text tree in its front matter, as Markdown.

Some content systems write a page's text not below its front matter but inside it, as a
tree of nodes: Statamic's Bard and TipTap/ProseMirror (``type: paragraph``, ``content:``,
``type: text`` with ``text:`` and ``marks:``), Sanity's Portable Text (``_type: block``,
``children:``). Such a page has an empty body; its text is that tree, read here into
Markdown lines (a paragraph a line, bold kept as ``**...**``), so that the mail shows it
and the facts a page states in its text (a time, a venue, a speaker) are read from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .frontmatter import Document

__all__ = ["rich_text", "with_rich_text_body"]

# Nodes that start a line of their own.
_BLOCKS = frozenset({"paragraph", "heading", "block", "listItem", "list_item", "bulletList",
                     "bullet_list", "orderedList", "ordered_list", "blockquote", "set"})
_MAX_NODES = 20_000


def _kind(node: Mapping[str, Any]) -> str:
    kind = node.get("type", node.get("_type"))
    return kind if isinstance(kind, str) else ""


def _looks_rich(value: Any) -> bool:
    """A list of nodes with a type, at least one of which holds text or children."""
    if not isinstance(value, list) or not value:
        return False
    nodes = [n for n in value if isinstance(n, Mapping) and _kind(n)]
    return len(nodes) * 2 >= len(value) and any(
        isinstance(n.get("content", n.get("children")), list) or isinstance(n.get("text"), str)
        for n in nodes)


def rich_text(value: Any) -> str:
    """The Markdown text of a rich-text tree (see the module docstring)."""
    lines: list[str] = []
    current: list[str] = []
    budget = [_MAX_NODES]

    def flush() -> None:
        text = "".join(current).strip()
        if text:
            lines.append(text)
        current.clear()

    def walk(node: Any, depth: int) -> None:
        budget[0] -= 1
        if budget[0] < 0 or depth > 50 or not isinstance(node, Mapping):
            return
        kind = _kind(node)
        if kind in ("hard_break", "hardBreak"):
            flush()
            return
        text = node.get("text")
        if isinstance(text, str):
            marks = node.get("marks") or []
            bold = any((m.get("type") if isinstance(m, Mapping) else m) in ("bold", "strong")
                       for m in marks if isinstance(m, Mapping | str))
            current.append(f"**{text}**" if bold and text.strip() else text)
        children = node.get("content", node.get("children"))
        if isinstance(children, list):
            block = kind in _BLOCKS
            if block:
                flush()
                if kind in ("listItem", "list_item"):
                    current.append("- ")
                elif kind == "heading":
                    current.append("## ")
            for child in children:
                walk(child, depth + 1)
            if block:
                flush()

    for node in value:
        walk(node, 0)
    flush()
    return "\n\n".join(lines) + "\n"


def with_rich_text_body(document: Document) -> Document:
    """``document`` with its rich-text tree as its body, when its body is empty and one
    of its keys holds such a tree (the longest, if several)."""
    if document.body.strip():
        return document
    trees = [(key, value) for key, value in document.data.items()
             if isinstance(key, str) and _looks_rich(value)]
    if not trees:
        return document
    key, tree = max(trees, key=lambda item: len(repr(item[1])))
    body = rich_text(tree)
    if not body.strip():
        return document
    document.body = body
    document.body_line = document.line_of(key)
    return document
