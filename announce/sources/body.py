"""Event bodies as the site shows them, for email: generator template syntax taken out.

Event files are written for a static site generator, and their bodies carry its template
syntax: Hugo shortcodes (``{{< button url="…" >}}``), Liquid and Nunjucks tags and output
(``{% include event_links.html … %}``, ``{{ page.title }}``), Zola shortcodes
(``{{ youtube(id="…") }}``, ``{% note() %}…{% end %}``), MkDocs Material attribute lists,
icons and admonitions. None of it may reach a subscriber raw. :func:`body_for_email` turns
the forms it knows into the Markdown the page would show, leaves out the ones it does not
(with a :class:`BodyNote` that says so and how to map them), and keeps everything inside
code fences and code spans exactly as written.

The work is one left-to-right scan into tokens and one pass pairing opening and closing
tags (:mod:`.scan`, :mod:`.tokens`), then one pass rendering with an explicit stack
(here), snippets and admonitions aside (:mod:`.blocks`), ``{{ output }}`` too
(:mod:`.liquidoutput`): nothing recurses on the body, and every search either consumes
what it scanned or is remembered as failed, so a hostile body costs time in proportion
to its length. The one deliberate exception to "no template syntax in
the output" is ``{% raw %}``: its content is literally what the page shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Final
from urllib.parse import quote

from .blocks import admonitions, containers, defuse, inline_text, pelican_links, render_snippet
from .liquidoutput import LiquidOutput
from .scan import Scanner, short
from .tokens import (
    MAP_IT,
    MAX_DEPTH,
    MAX_NOTES,
    NOTHING,
    BodyNote,
    Shortcode,
    Token,
    TokenKind,
    pair_tags,
)

__all__ = ["BodyNote", "Shortcode", "body_for_email", "find_shortcodes", "tokens_for_email"]


# --- the render ------------------------------------------------------------------------

_ICON: Final = re.compile(r":(?:fontawesome|material|octicons|simple)-[\w-]++:[ \t]?")
_ATTR_ITEM = r"""(?:[.#][\w-]++|[\w-]++=(?:"[^"\n]*+"|'[^'\n]*+'|[^\s{}"']++))"""
_ATTR_WORD = r"(?:" + _ATTR_ITEM + r"|[\w-]++)"
# {: width="600" } and {:toc} (kramdown), { .md-button } and {#id} (attr_list)
_ATTR_LIST: Final = re.compile(
    r"\{:[ \t]*+(?:" + _ATTR_WORD + r"(?:[ \t]++" + _ATTR_WORD + r")*+)?[ \t]*+\}"
    r"|\{[ \t]*+" + _ATTR_ITEM + r"(?:[ \t]++" + _ATTR_ITEM + r")*+[ \t]*+\}")
_LINK_CONTEXT: Final = re.compile(r"(?:\]\([ \t]*|href=[\"']?)$")
# Stops at the next {{ too, so that a param full of unclosed ones stays linear.
_INLINE_OUTPUT: Final = re.compile(r"\{\{((?:[^{}]++|\{(?!\{)|\}(?!\}))*+)\}\}")

_IMAGES: Final = frozenset({"figure", "image", "img"})
_VIDEOS: Final = MappingProxyType({"youtube": "https://www.youtube.com/watch?v={}",
                                   "vimeo": "https://vimeo.com/{}"})
_REFS: Final = frozenset({"ref", "relref", "link", "post_url"})
_NOTICES: Final = frozenset({"notice", "alert", "callout"})
_LINK_PARAMS: Final = ("url", "href", "link")
_LABEL_PARAMS: Final = ("label", "text", "title")


def _target(url: str) -> str:
    """A URL as a Markdown link target, which spaces and parentheses would cut short."""
    url = url.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return defuse(url.replace("<", "%3C").replace(">", "%3E"))


def _link(label: str, url: str) -> str:
    return f"[{label}]({_target(url)})"


def _stem(name: str) -> str:
    return name.rsplit("/", 1)[-1].split(".", 1)[0]


def _clean_text(text: str) -> str:
    if ":" in text:
        text = _ICON.sub("", text)
    if "{" in text:
        text = pelican_links(_ATTR_LIST.sub("", text))
    return text


@dataclass
class _Frame:
    token: Token | None
    parts: list[str] = field(default_factory=list)


class _Renderer(LiquidOutput):
    """Tokens back into Markdown, with an explicit stack of open paired tags."""

    def __init__(self, body: str, variables: Mapping[str, object],
                 snippets: Mapping[str, str]) -> None:
        self.body = body
        self.variables = variables
        self.snippets = snippets
        self.notes: list[BodyNote] = []

    def render(self, tokens: Sequence[Token], pairs: Mapping[int, int]) -> str:
        frames = [_Frame(None)]
        flattened: set[int] = set()
        for index, token in enumerate(tokens):
            out = frames[-1].parts
            kind = token.kind
            if kind is TokenKind.TEXT:
                out.append(_clean_text(token.text))
            elif kind is TokenKind.CODE:
                out.append(token.text)
            elif kind is TokenKind.OUTPUT:
                out.append(self._evaluate(token.text, token.line))
            elif kind is TokenKind.OPEN and index in pairs:
                if len(frames) <= MAX_DEPTH:
                    frames.append(_Frame(token))
                    continue
                if not flattened:
                    self._note(token.line, f"shortcodes nested more than {MAX_DEPTH} deep:"
                                           " the deeper ones are left out, their content kept")
                flattened.add(pairs[index])
            elif kind is TokenKind.CLOSE and index in pairs:
                if index in flattened:
                    continue
                frame = frames.pop()
                assert frame.token is not None  # the root frame is never popped: pairs nest
                inner = "".join(frame.parts)
                frames[-1].parts.append(self._tag(frame.token, inner, frames[-1].parts))
            elif kind is TokenKind.CLOSE:
                self._note(token.line, f"{token.shown} closes nothing: left out of the email")
            elif kind is TokenKind.BLOCK:
                assert token.shortcode is not None
                out.append(self._tag(token, token.shortcode.inner, out))
            else:
                out.append(self._tag(token, None, out))
        return "".join(frames[0].parts)

    def _note(self, line: int, message: str) -> None:
        self.notes.append(BodyNote(line, message))

    # -- shortcodes and tags

    def _tag(self, token: Token, inner: str | None, out: Sequence[str]) -> str:
        shortcode = token.shortcode
        assert shortcode is not None  # only closing tags have none, and they come not here
        if shortcode.syntax == "liquid-include":
            shortcode = self._expand_params(shortcode)
        snippet = self.snippets.get(shortcode.name)
        if snippet is None and shortcode.syntax == "liquid-include":
            snippet = self.snippets.get(_stem(shortcode.name))
        if snippet is not None:
            return self._snippet(token, snippet, shortcode, inner)
        return self._builtin(token, shortcode, inner, out)

    def _builtin(self, token: Token, shortcode: Shortcode, inner: str | None,
                 out: Sequence[str]) -> str:
        """What the built-in handling makes of a shortcode, by name, then by its params."""
        name = shortcode.name.lower()
        if shortcode.syntax == "liquid-include":
            name = _stem(name)
        params = shortcode.params
        link = next((params[key] for key in _LINK_PARAMS if params.get(key)), None)
        if name == "raw" and shortcode.syntax == "liquid":
            return inner or ""
        if name == "highlight" and shortcode.syntax != "jsx":  # MDX's <Highlight> marks text
            return self._highlight(token, shortcode, inner, out)
        if name in _IMAGES and (params.get("src") or params.get("0")):
            return self._image(shortcode, inner, link)
        if name in _VIDEOS and (params.get("id") or params.get("0")):
            video = params.get("id") or params["0"]
            url = video if "://" in video else _VIDEOS[name].format(quote(video, safe=""))
            return _link(inline_text(params.get("title") or url), url)
        if name in _REFS and link is None and (params.get("0") or params.get("path")):
            path = params.get("0") or params["path"]
            tail = out[-1][-16:] if out else ""
            return _target(path) if _LINK_CONTEXT.search(tail) else _link(inline_text(path), path)
        if link is not None:
            label = next((params[key] for key in _LABEL_PARAMS if params.get(key)), None)
            if label is not None:
                return _link(inline_text(label), link)
            text = " ".join((inner or "").split())
            return _link(text or inline_text(link), link)
        if name in _NOTICES:
            kind = params.get("style") or params.get("0") or "note"
            title = params.get("title") or params.get("1") or kind.capitalize()
            return f"**{inline_text(title)}**\n\n{(inner or '').strip()}"
        return self._unknown(token, inner)

    def _unknown(self, token: Token, inner: str | None) -> str:
        if inner is None:
            self._note(token.line, f"{token.shown} is not known: left out of the email {MAP_IT}")
            return ""
        self._note(token.line, f"{token.shown} is not known: its content is kept, the "
                               f"{token.shown.split(' ', 1)[0]} left out {MAP_IT}")
        return inner

    def _image(self, shortcode: Shortcode, inner: str | None, link: str | None) -> str:
        params = shortcode.params
        src = params.get("src") or params["0"]
        caption = params.get("caption") or params.get("title") or ""
        alt = params.get("alt") or caption
        markdown = f"![{inline_text(alt)}]({_target(src)})"
        if link is not None:
            markdown = _link(markdown, link)
        if caption:
            markdown += f"\n\n*{inline_text(caption)}*"
        if inner and inner.strip():
            markdown += "\n\n" + inner.strip()
        return markdown

    def _highlight(self, token: Token, shortcode: Shortcode, inner: str | None,
                   out: Sequence[str]) -> str:
        if inner is None:
            self._note(token.line, f"{token.shown} is never closed: left out of the email")
            return ""
        code = inner.strip("\n")
        longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
        fence = "`" * max(3, longest + 1)
        language = shortcode.params.get("0") or shortcode.params.get("lang", "")
        block = f"{fence}{language}\n{code}\n{fence}"
        # A fence only counts on a line of its own.
        if out and not out[-1].endswith("\n"):
            block = "\n" + block
        if token.end < len(self.body) and self.body[token.end] != "\n":
            block += "\n"
        return block

    def _snippet(self, token: Token, source: str, shortcode: Shortcode,
                 inner: str | None) -> str:
        try:
            return defuse(render_snippet(source, shortcode.params, inner))
        except Exception as exc:
            # A snippet is the site's own template: whatever goes wrong in it (syntax,
            # sandbox, a filter raising) must cost this one shortcode, never the mail.
            self._note(token.line, f"the snippet for {token.shown} failed "
                                   f"({type(exc).__name__}: {short(str(exc))}): "
                                   "left out of the email")
            return ""

    def _expand_params(self, shortcode: Shortcode) -> Shortcode:
        """Jekyll renders {{ output }} in include params before the include sees them."""
        if not any("{{" in value for value in shortcode.params.values()):
            return shortcode
        params = {
            key: _INLINE_OUTPUT.sub(lambda m: self._evaluate(m[1], shortcode.line), value)
            for key, value in shortcode.params.items()}
        return replace(shortcode, params=params)


# --- the API ---------------------------------------------------------------------------

def _needs_work(body: str) -> bool:
    return ("{" in body or "!!!" in body or "???" in body or ":::" in body
            or (":" in body and _ICON.search(body) is not None))


def find_shortcodes(body: str, body_line: int = 1) -> list[Shortcode]:
    """Every shortcode, tag, include and output expression in ``body``, outside code.

    In the order they appear; paired ones carry their ``inner`` source text, as written.
    Comments are not listed. ``line`` is the file line, ``body_line`` being the body's first.

    >>> [s.params["url"] for s in find_shortcodes('{{< button url="https://x.test/e" >}}')]
    ['https://x.test/e']
    """
    if "{" not in body:
        return []
    tokens = Scanner(body, body_line).scan()
    pairs = pair_tags(tokens)
    found: list[Shortcode] = []
    for index, token in enumerate(tokens):
        shortcode = token.shortcode
        if shortcode is None:
            continue
        if token.kind is TokenKind.OPEN and index in pairs:
            close = tokens[pairs[index]]
            shortcode = replace(shortcode, inner=body[token.end : close.start])
        found.append(shortcode)
    return found


def body_for_email(
    body: str,
    *,
    body_line: int = 1,
    variables: Mapping[str, object] = NOTHING,
    snippets: Mapping[str, str] = NOTHING,
) -> tuple[str, list[BodyNote]]:
    """``body`` as Markdown for the email, and what of it the email shows differently.

    ``variables`` is what ``{{ site.x }}`` and ``{{ page.x }}`` expand to, as nested
    mappings (``{"site": {...}, "page": {...}}``). ``snippets`` maps a shortcode or include
    name to a Jinja2 template, rendered in a sandbox with the shortcode's params, ``params``
    and ``inner`` as variables; a snippet wins over the built-in handling of its name.
    Nothing raises: whatever cannot be shown is left out, with a :class:`BodyNote`.

    >>> body_for_email('{{< button url="https://x.test/e" label="RSVP" >}}')
    ('[RSVP](https://x.test/e)', [])
    """
    if not _needs_work(body):
        return body, []
    scanner = Scanner(body, body_line)
    tokens = scanner.scan()
    return tokens_for_email(body, tokens, scanner.notes, variables=variables,
                            snippets=snippets)


def tokens_for_email(
    body: str,
    tokens: Sequence[Token],
    notes: Sequence[BodyNote] = (),
    *,
    variables: Mapping[str, object] = NOTHING,
    snippets: Mapping[str, str] = NOTHING,
) -> tuple[str, list[BodyNote]]:
    """The tokens another scan made of ``body`` (MDX's, :mod:`.mdx`) rendered as
    :func:`body_for_email` renders its own, with the scan's ``notes`` and the render's."""
    renderer = _Renderer(body, variables, snippets)
    text = renderer.render(tokens, pair_tags(tokens))
    found = sorted([*notes, *renderer.notes], key=lambda note: note.line)
    if len(found) > MAX_NOTES:  # a note per tag of a body that is nothing but tags helps nobody
        rest = len(found) - MAX_NOTES
        found[MAX_NOTES:] = [BodyNote(found[MAX_NOTES].line, f"and {rest} more notes")]
    return admonitions(containers(text)), found
