"""Pieces of body rendering with no tokens in them: snippets, admonitions, Pelican links.

A snippet is the organizer's Jinja2 text for a shortcode ([content.shortcodes]), run in a
strict sandbox; an admonition is MkDocs' ``!!! note`` block, or a ``:::tip`` container
(Docusaurus, VitePress, Starlight), shown as a bold title line; a Pelican link
(``{static}/images/x.jpg``, ``{filename}/pages/about.md``) points at a file of the site
by its place in the content folder.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
import time
from collections.abc import Iterator, Mapping
from types import FrameType
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment

__all__ = ["admonitions", "containers", "defuse", "inline_text", "pelican_links",
           "render_snippet"]


def defuse(text: str) -> str:
    """Text from params, variables or a snippet, unable to pass for template syntax."""
    return text.replace("{{", "&#123;{").replace("{%", "&#123;%")


def inline_text(text: str) -> str:
    """A param as Markdown inline text: one line, brackets and stars kept literal."""
    text = " ".join(text.split())
    for char in "\\[]*":
        text = text.replace(char, "\\" + char)
    return defuse(text)



# --- snippets --------------------------------------------------------------------------

# A snippet renders in a moment, to a few KB: past these it is stopped (a loop of loops, a
# string built to gigabytes), and the shortcode is left out with a note.
SNIPPET_SECONDS: Final = 2.0
SNIPPET_CHARS: Final = 200_000


@functools.cache
def _sandbox() -> SandboxedEnvironment:
    # jinja2 is imported here, not at the top: most bodies need no snippet at all.
    from jinja2 import Undefined

    # The mail templates' sandbox: an unsafe attribute fails the snippet (with a note)
    # instead of reading as empty, and * and ** cannot build gigabytes. Plain Undefined,
    # not StrictUndefined: shortcode params are optional by nature, and a snippet tests
    # them with {% if doorkeeper_url %}.
    from ..sandbox import sandboxed

    return sandboxed(autoescape=True, undefined=Undefined)


@functools.lru_cache(maxsize=128)
def _snippet_template(source: str) -> Template:
    return _sandbox().from_string(source)


def render_snippet(source: str, params: Mapping[str, str], inner: str | None) -> str:
    from markupsafe import Markup

    context: dict[str, object] = {key: value for key, value in params.items()
                                  if key.isidentifier()}
    context["params"] = dict(params)
    # The inner text is the body's own Markdown, which the body keeps unescaped everywhere
    # else too; nh3 sanitizes the whole mail afterwards.
    context["inner"] = None if inner is None else Markup(inner)  # noqa: S704
    template = _snippet_template(source)
    parts: list[str] = []
    size = 0
    with _time_limit(SNIPPET_SECONDS):
        for part in template.generate(context):
            size += len(part)
            if size > SNIPPET_CHARS:
                raise _too_much(f"its output is over {SNIPPET_CHARS:,} characters")
            parts.append(part)
    return "".join(parts)


def _too_much(what: str) -> Exception:
    from jinja2.exceptions import SecurityError

    return SecurityError(f"{what}: a snippet is stopped there")


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop the template code running in this thread after ``seconds``: a trace function
    on the compiled template's frames (their file is ``<template>``) checks the clock at
    each line, so a loop that writes nothing is stopped too."""
    deadline = time.monotonic() + seconds

    def on_line(frame: FrameType, event: str, arg: object) -> Any:
        if time.monotonic() > deadline:
            raise _too_much(f"it ran over {seconds:g} seconds")
        return on_line

    def on_call(frame: FrameType, event: str, arg: object) -> Any:
        return on_line if frame.f_code.co_filename == "<template>" else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        yield
    finally:
        sys.settrace(previous)


# --- admonitions -----------------------------------------------------------------------

_ADMONITION: Final = re.compile(
    r"( {0,3})(?:!!!|\?\?\?\+?)[ \t]++([\w-]++)(?:[ \t]++[\w-]++)*+"
    r"(?:[ \t]++\"([^\"\n]*+)\")?[ \t]*+")
_FENCE_LINE: Final = re.compile(r"[ \t]*+(`{3,}+|~{3,}+)")


def admonitions(text: str) -> str:
    """MkDocs ``!!! note "Title"`` blocks as a bold title line and their content, dedented.

    One pass with a stack of content indents, not one call per nesting level.
    """
    if "!!!" not in text and "???" not in text:
        return text
    out: list[str] = []
    indents: list[int] = []  # where the content of each open admonition starts
    fence: tuple[str, int, int] | None = None  # char, length, depth it was opened at
    for raw in text.split("\n"):
        stripped = raw.lstrip(" \t")
        if not stripped:
            out.append("" if indents else raw)
            continue
        # Tabs count as MkDocs counts them, but only lines being dedented are rewritten:
        # a tab in code outside any admonition stays a tab.
        line = raw[: len(raw) - len(stripped)].expandtabs(4) + stripped
        lead = len(line) - len(stripped)
        if indents and lead < indents[-1]:
            while indents and lead < indents[-1]:
                indents.pop()
            if fence is not None and fence[2] > len(indents):
                fence = None
            if out and out[-1]:
                out.append("")
        content = line[indents[-1] :] if indents else raw
        fence_match = _FENCE_LINE.match(content)
        if fence is not None:
            if (fence_match and fence_match[1][0] == fence[0] and len(fence_match[1]) >= fence[1]
                    and not content[fence_match.end() :].strip()):
                fence = None
            out.append(content)
            continue
        if fence_match:
            fence = (fence_match[1][0], len(fence_match[1]), len(indents))
            out.append(content)
            continue
        header = _ADMONITION.fullmatch(content)
        if header is None:
            out.append(content)
            continue
        if out and out[-1]:
            out.append("")
        title = header[3] if header[3] is not None else header[2].capitalize()
        if title:
            out.extend((f"{header[1]}**{inline_text(title)}**", ""))
        indents.append((indents[-1] if indents else 0) + len(header[1]) + 4)
    return "\n".join(out)


# --- Pelican's links -------------------------------------------------------------------

# A static file keeps its path below the content folder on the site: {static}/images/x.jpg
# is /images/x.jpg (a path without the leading slash stays relative, as written).
_PELICAN_FILE: Final = re.compile(r"(\]\([ \t]*+<?|\b(?:src|href)=[\"']?)\{(?:static|attach)\}")
# {filename}, {tag}, {category}, {author}, {index} name pages whose URLs follow the site's
# own settings: the link's text is kept, the link left out.
_PELICAN_PAGE: Final = re.compile(
    r"(!?)\[([^\]\n]*+)\]\([ \t]*+<?\{(?:filename|tag|category|author|index)\}[^)\n]*+\)")


def pelican_links(text: str) -> str:
    """Pelican's ``{static}``-style link targets as paths on the site, or as plain text.

    >>> pelican_links("![Group]({static}/images/a.jpg) and [list]({filename}/pages/l.md)")
    '![Group](/images/a.jpg) and list'
    """
    if "}" not in text:
        return text
    text = _PELICAN_FILE.sub(r"\1", text)
    return _PELICAN_PAGE.sub(lambda m: "" if m[1] else m[2], text)


# --- ::: containers ----------------------------------------------------------------------

# ":::tip", ":::tip Title", ":::tip[Title]", "::: warning Title" and ":::note{.x}" open a
# container (Docusaurus admonitions, VitePress containers, Starlight asides); a line of
# colons alone closes the innermost one.
_CONTAINER_OPEN: Final = re.compile(
    r"( {0,3}):{3,}[ \t]*([A-Za-z][\w-]*)(?:\[([^\]\n]*)\]|[ \t]+([^{\n]*?))?"
    r"[ \t]*(?:\{[^}\n]*\})?[ \t]*")
_CONTAINER_CLOSE: Final = re.compile(r" {0,3}:{3,}[ \t]*")


def containers(text: str) -> str:
    """``:::tip Title`` ... ``:::`` blocks as a bold title line over their content.

    >>> containers(":::tip[Parking]\\nBehind the hall.\\n:::\\n")
    '**Parking**\\n\\nBehind the hall.\\n'
    """
    if ":::" not in text:
        return text
    out: list[str] = []
    open_blocks = 0
    fence: str | None = None
    for line in text.split("\n"):
        fence_match = _FENCE_LINE.match(line)
        if fence is not None:
            if fence_match and fence_match[1][0] == fence[0] and len(fence_match[1]) >= len(fence):
                fence = None
        elif fence_match:
            fence = fence_match[1]
        elif (opener := _CONTAINER_OPEN.fullmatch(line)) is not None:
            title = (opener[3] or opener[4] or opener[2].capitalize()).strip()
            if out and out[-1]:
                out.append("")
            out.extend((f"{opener[1]}**{inline_text(title)}**", ""))
            open_blocks += 1
            continue
        elif open_blocks and _CONTAINER_CLOSE.fullmatch(line):
            open_blocks -= 1
            continue
        out.append(line)
    return "\n".join(out)
