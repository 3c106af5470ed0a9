"""Event bodies as the site shows them, for email: generator template syntax taken out.

Event files are written for a static site generator, and their bodies carry its template
syntax: Hugo shortcodes (``{{< button url="…" >}}``), Liquid and Nunjucks tags and output
(``{% include event_links.html … %}``, ``{{ page.title }}``), Zola shortcodes
(``{{ youtube(id="…") }}``, ``{% note() %}…{% end %}``), MkDocs Material attribute lists,
icons and admonitions. None of it may reach a subscriber raw. :func:`body_for_email` turns
the forms it knows into the Markdown the page would show, leaves out the ones it does not
(with a :class:`BodyNote` that says so and how to map them), and keeps everything inside
code fences and code spans exactly as written.

The work is one left-to-right scan into tokens, one pass pairing opening and closing tags,
and one pass rendering with an explicit stack: nothing recurses on the body, and every
search either consumes what it scanned or is remembered as failed, so a hostile body costs
time in proportion to its length. The one deliberate exception to "no template syntax in
the output" is ``{% raw %}``: its content is literally what the page shows.
"""

from __future__ import annotations

import enum
import functools
import html
import re
import reprlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, NamedTuple
from urllib.parse import quote

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment

__all__ = ["BodyNote", "Shortcode", "body_for_email", "find_shortcodes"]


@dataclass(frozen=True)
class Shortcode:
    """One shortcode, tag, include or output expression found in a body.

    ``syntax`` is ``"hugo"`` (``{{< >}}`` and ``{{% %}}``), ``"liquid"`` (``{% tag %}``,
    Nunjucks too), ``"liquid-include"`` (``name`` is the included file),
    ``"liquid-output"`` (``name`` is the expression before the first filter, the filters
    are the positional params) or ``"zola"``. Positional params are keyed ``"0"``, ``"1"``…
    """

    name: str
    syntax: str
    params: Mapping[str, str] = field(hash=False)
    line: int
    inner: str | None = None


@dataclass(frozen=True)
class BodyNote:
    """Something in a body that the email shows differently from the site, and where."""

    line: int
    message: str


_NOTHING: Final[Mapping[str, Any]] = MappingProxyType({})
_MAP_IT = "(map it in [content.shortcodes])"
# Deeper pairs are still taken out, but without a frame each: a frame per level would copy
# the inner text once per level, which a body nested thousands deep turns quadratic.
_MAX_DEPTH: Final = 50
_SHOWN_MAX: Final = 60
_MAX_NOTES: Final = 100
# The most text one {{ value }} becomes: a YAML alias bomb (nine lists of nine lists...)
# is small in memory but billions of items as text.
_MAX_VALUE_TEXT: Final = 10_000


class _Kind(enum.Enum):
    TEXT = "text"  # prose: icons and attribute lists come out of it
    CODE = "code"  # a fence or a code span: kept as written
    OPEN = "open"  # a tag that may have a closing one further on
    SELF = "self"  # a tag that cannot have one
    CLOSE = "close"
    BLOCK = "block"  # a tag whose content is not Markdown (raw, highlight): kept verbatim
    OUTPUT = "output"  # {{ expression | filters }}


class _Absent(enum.Enum):
    MISSING = "missing"  # a variable the caller did not pass
    UNKNOWN = "unknown"  # an expression this module does not evaluate


class _Token(NamedTuple):  # not a frozen dataclass: a hostile body makes a million of them
    kind: _Kind
    start: int
    end: int
    line: int = 0
    text: str = ""
    shortcode: Shortcode | None = None
    shown: str = ""  # how the tag reads in a note: "shortcode {{< tweet >}}"
    key: tuple[str, str] = ("", "")  # what closes it: ("hugo", "button"), ("zola", "")


# --- the scan --------------------------------------------------------------------------

# Stops only where something may begin: a backtick run, an opener, a line that may open a
# fence. Stopping at every newline would cost a Python iteration per line.
_SPECIAL: Final = re.compile(r"`++|\{[{%]|\n(?=[ \t]*+(?:```|~~~))")
_FENCE_OPEN: Final = re.compile(r"[ \t]*+(`{3,}+|~{3,}+)([^\n]*+)")
# Where a paragraph ends, and a code span with it: a blank line or a fence.
_BLOCK_BREAK: Final = re.compile(r"\n[ \t]*+\n|\n(?=[ \t]*+(?:```|~~~))")
_HUGO_ESCAPE: Final = re.compile(r"[ \t]*+/\*")
_HUGO_COMMENT: Final = re.compile(r"\{\{-?[ \t]*+/\*")
_HUGO_COMMENT_END: Final = re.compile(r"\*/[ \t]*+-?\}\}")
# A tag ends at its closer, unless another opener comes first: then it was never closed.
_HUGO_END: Final = {"<": re.compile(r">\}\}|\{\{"), "%": re.compile(r"%\}\}|\{\{")}
_ESCAPED_END: Final = {"<": re.compile(r"\*/[ \t]*+>\}\}"), "%": re.compile(r"\*/[ \t]*+%\}\}")}
_HUGO_HIGHLIGHT_END: Final = re.compile(r"\{\{[<%][ \t]*+/[ \t]*+highlight[ \t]*+[>%]\}\}")
_OUTPUT_END: Final = re.compile(r"\}\}|\{[{%]")
# Jekyll lets an include's params hold {{ output }}, so only another {% ends a {% tag early.
_LIQUID_END: Final = re.compile(r"%\}|\{%")
# name(args), the parenthesis right after the name: Nunjucks writes {% if (a) %} spaced.
_ZOLA_CALL: Final = re.compile(r"([A-Za-z_]\w*+)\((.*)\)", re.DOTALL)
_VERBATIM: Final = frozenset({"raw", "comment", "highlight"})
_INCLUDES: Final = frozenset({"include", "include_relative", "include_cached", "render"})

_QUOTED = r""""(?:[^"\\]|\\.)*+"|'(?:[^'\\]|\\.)*+'|`[^`]*+`"""
_HUGO_ARG: Final = re.compile(rf"\s*+(?:([\w-]++)[ \t]*+=[ \t]*+)?({_QUOTED}|\S++)", re.DOTALL)
_LIQUID_ARG: Final = re.compile(
    rf"[\s,]*+(?:([\w-]++)(?:[ \t]*+=[ \t]*+|:[ \t]++))?({_QUOTED}|[^\s,]++)", re.DOTALL)
_ZOLA_ARG: Final = re.compile(
    rf"[\s,]*+(?:([\w-]++)[ \t]*+=[ \t]*+)?({_QUOTED}|[^\s,]++)", re.DOTALL)
_BACKSLASH: Final = re.compile(r"\\(.)", re.DOTALL)


@functools.lru_cache(maxsize=64)
def _fence_close(char: str, length: int) -> re.Pattern[str]:
    return re.compile(rf"^[ \t]*+{re.escape(char)}{{{length},}}+[ \t]*+$", re.MULTILINE)


@functools.lru_cache(maxsize=64)
def _span_close(length: int) -> re.Pattern[str]:
    return re.compile(rf"(?<!`)`{{{length}}}(?!`)")


@functools.lru_cache(maxsize=16)
def _end_tag(name: str) -> re.Pattern[str]:
    return re.compile(rf"\{{%-?[ \t]*+end{name}[ \t]*+-?%\}}")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
        inner = value[1:-1]
        return inner if value[0] == "`" else _BACKSLASH.sub(r"\1", inner)
    return value


def _params(text: str, pattern: re.Pattern[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    position = 0
    for match in pattern.finditer(text):
        if match[1] is None:
            params[str(position)] = _unquote(match[2])
            position += 1
        else:
            params[match[1]] = _unquote(match[2])
    return params


def _head(content: str) -> tuple[str, str]:
    """A tag's name and the rest, which may start on the next line."""
    parts = content.split(None, 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (content, "")


def _trim(content: str) -> str:
    """Tag content without Liquid's and Hugo's whitespace-control dashes."""
    if content.startswith("-"):
        content = content[1:]
    if content.endswith("-"):
        content = content[:-1]
    return content.strip()


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 1] + "…"


def _code_span(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks} {text} {ticks}"


class _Scanner:
    """One left-to-right pass over a body, into text, code and tag tokens."""

    def __init__(self, body: str, body_line: int) -> None:
        self.body = body
        self.tokens: list[_Token] = []
        self.notes: list[BodyNote] = []
        self._text: list[str] = []
        self._text_start = 0
        # pattern key -> position from which that pattern is known not to occur: without
        # it, a megabyte of openers without closers would search to the end once each.
        self._absent: dict[str, int] = {}
        self._break = -1
        self._line_pos = 0
        self._line_no = body_line

    def scan(self) -> list[_Token]:
        body, pos, at_line_start = self.body, 0, True
        while pos < len(body):
            if at_line_start:
                fence_end = self._fence_at(pos)
                if fence_end is not None:
                    self._push(_Token(_Kind.CODE, pos, fence_end, text=body[pos:fence_end]))
                    pos = fence_end
                    continue
            match = _SPECIAL.search(body, pos)
            if match is None:
                self._add_text(pos, body[pos:])
                break
            self._add_text(pos, body[pos : match.start()])
            found = match[0]
            at_line_start = found == "\n"
            if at_line_start:
                self._add_text(match.start(), found)
                pos = match.end()
            elif found[0] == "`":
                pos = self._code_span(match.start(), len(found))
            else:
                pos = self._tag(match.start())
        self._flush(len(body))
        return self.tokens

    # -- bookkeeping

    def line(self, pos: int) -> int:
        """The file line of ``pos``; positions only grow during a scan, so count forward."""
        if pos >= self._line_pos:
            self._line_no += self.body.count("\n", self._line_pos, pos)
            self._line_pos = pos
            return self._line_no
        return self._line_no - self.body.count("\n", pos, self._line_pos)

    def _add_text(self, pos: int, text: str) -> None:
        if text:
            if not self._text:
                self._text_start = pos
            self._text.append(text)

    def _flush(self, pos: int) -> None:
        if self._text:
            text = "".join(self._text)
            self.tokens.append(_Token(_Kind.TEXT, self._text_start, pos, text=text))
            self._text = []

    def _push(self, token: _Token) -> None:
        self._flush(token.start)
        self.tokens.append(token)

    def _search(self, key: str, pattern: re.Pattern[str], start: int,
                end: int | None = None) -> re.Match[str] | None:
        """``pattern`` from ``start`` (to ``end``), remembering where it does not occur."""
        if self._absent.get(key, len(self.body) + 1) <= start:
            return None
        match = pattern.search(self.body, start, len(self.body) if end is None else end)
        if match is None:
            self._absent[key] = start
        return match

    def _literal(self, start: int, found: re.Match[str] | None) -> int:
        """An opener that never closes: shown as text, never as an opener, in the email.

        When another opener at ``found`` cut it short, the braces up to there are text
        too (unless a code span or fence starts first), so a run of openers costs one
        step per opener rather than one per brace.
        """
        end = start + 1
        if found is not None:
            special = _SPECIAL.search(self.body, start + 1, found.start())
            end = found.start() if special is None else max(special.start(), end)
        self._add_text(start, self.body[start:end].replace("{", "&#123;"))
        return end

    def _note(self, pos: int, message: str) -> None:
        self.notes.append(BodyNote(self.line(pos), message))

    # -- code

    def _fence_at(self, pos: int) -> int | None:
        match = _FENCE_OPEN.match(self.body, pos)
        if match is None or (match[1][0] == "`" and "`" in match[2]):
            return None
        body = self.body
        close = _fence_close(match[1][0], len(match[1])).search(body, match.end())
        if close is None:
            return len(body)  # an unclosed fence runs to the end, as in CommonMark
        end = close.end()
        return end + 1 if body.startswith("\n", end) else end

    def _code_span(self, start: int, length: int) -> int:
        body = self.body
        if start > 0 and body[start - 1] == "\\":
            self._add_text(start, "`")
            return start + 1
        if self._break < start:
            blank = _BLOCK_BREAK.search(body, start)
            self._break = len(body) if blank is None else blank.start()
        # A span cannot cross a paragraph break: search only up to the next one.
        close = self._search(f"`{length}@{self._break}", _span_close(length),
                             start + length, self._break)
        if close is None:
            self._add_text(start, body[start : start + length])
            return start + length
        self._push(_Token(_Kind.CODE, start, close.end(), text=body[start : close.end()]))
        return close.end()

    # -- tags

    def _tag(self, start: int) -> int:
        body = self.body
        if body.startswith(("{{<", "{{%"), start):
            return self._hugo(start)
        if body.startswith("{{", start):
            if _HUGO_COMMENT.match(body, start):
                close = self._search("hugo-comment", _HUGO_COMMENT_END, start + 2)
                return self._literal(start, None) if close is None else close.end()
            return self._output(start)
        return self._liquid(start)

    def _hugo(self, start: int) -> int:
        body, delim = self.body, self.body[start + 2]
        closer = ">" if delim == "<" else "%"
        escaped = _HUGO_ESCAPE.match(body, start + 3)
        if escaped:  # {{</* figure */>}}: Hugo shows the shortcode itself, as code
            close = self._search(f"escaped{delim}", _ESCAPED_END[delim], escaped.end())
            if close is None:
                return self._literal(start, None)
            inner = body[escaped.end() : close.start()].strip()
            shown = "{{" + delim + " " + inner + " " + closer + "}}"
            self._push(_Token(_Kind.CODE, start, close.end(), text=_code_span(shown)))
            return close.end()
        end = self._search(f"hugo{delim}", _HUGO_END[delim], start + 3)
        if end is None or end[0].startswith("{"):
            return self._literal(start, end)
        raw, line = body[start + 3 : end.start()], self.line(start)
        content = raw.strip()
        if content.startswith("/"):
            name = content[1:].strip()
            shown = f"shortcode {{{{{delim} /{_short(name)} {closer}}}}}"
            self._push(_Token(_Kind.CLOSE, start, end.end(), line, shown=shown,
                              key=("hugo", name)))
            return end.end()
        closed = raw.endswith("/")  # {{< name />}}, the slash right at the closer
        name, rest = _head(content.removesuffix("/") if closed else content)
        shortcode = Shortcode(name, "hugo", _params(rest, _HUGO_ARG), line)
        shown = f"shortcode {{{{{delim} {_short(name)} {closer}}}}}"
        if name == "highlight" and not closed:
            close = self._search("hugo-highlight", _HUGO_HIGHLIGHT_END, end.end())
            if close is not None:
                inner = body[end.end() : close.start()]
                self._push(_Token(_Kind.BLOCK, start, close.end(), line, shown=shown,
                                  shortcode=replace(shortcode, inner=inner)))
                return close.end()
        kind = _Kind.SELF if closed else _Kind.OPEN
        self._push(_Token(kind, start, end.end(), line, shortcode=shortcode, shown=shown,
                          key=("hugo", name)))
        return end.end()

    def _output(self, start: int) -> int:
        end = self._search("output", _OUTPUT_END, start + 2)
        if end is None or end[0].startswith("{"):
            return self._literal(start, end)
        content, line = _trim(self.body[start + 2 : end.start()]), self.line(start)
        call = _ZOLA_CALL.fullmatch(content)
        if call:
            shortcode = Shortcode(call[1], "zola", _params(call[2], _ZOLA_ARG), line)
            self._push(_Token(_Kind.SELF, start, end.end(), line, shortcode=shortcode,
                              shown=f"shortcode {{{{ {_short(call[1])}() }}}}"))
            return end.end()
        head, *filters = (piece.strip() for piece in _split_pipes(content))
        params = {str(i): text for i, text in enumerate(filters)}
        self._push(_Token(_Kind.OUTPUT, start, end.end(), line, text=content,
                          shortcode=Shortcode(head, "liquid-output", params, line)))
        return end.end()

    def _liquid(self, start: int) -> int:
        end = self._search("liquid", _LIQUID_END, start + 2)
        if end is None or end[0].startswith("{"):
            return self._literal(start, end)
        content, after = _trim(self.body[start + 2 : end.start()]), end.end()
        line = self.line(start)
        if content.startswith("#"):  # Liquid's inline comment
            return after
        call = _ZOLA_CALL.fullmatch(content)
        if call:
            shortcode = Shortcode(call[1], "zola", _params(call[2], _ZOLA_ARG), line)
            self._push(_Token(_Kind.OPEN, start, after, line, shortcode=shortcode,
                              shown=f"shortcode {{% {_short(call[1])}() %}}",
                              key=("zola", "")))
            return after
        name, rest = _head(content)
        shown = f"tag {{% {_short(name)} %}}"
        if not name:
            self._note(start, "an empty {% %} tag: left out of the email")
        elif name == "end":
            self._push(_Token(_Kind.CLOSE, start, after, line, shown=shown, key=("zola", "")))
        elif name in _VERBATIM:
            return self._verbatim(start, after, Shortcode(name, "liquid",
                                                          _params(rest, _LIQUID_ARG), line))
        elif name in _INCLUDES:
            params = _params(rest, _LIQUID_ARG)
            included = params.pop("0", "")
            shortcode = Shortcode(included, "liquid-include", params, line)
            self._push(_Token(_Kind.SELF, start, after, line, shortcode=shortcode,
                              shown=f"include {_short(included)}"))
        elif name.startswith("end") and len(name) > 3:
            self._push(_Token(_Kind.CLOSE, start, after, line, shown=shown,
                              key=("liquid", name[3:])))
        else:
            shortcode = Shortcode(name, "liquid", _params(rest, _LIQUID_ARG), line)
            self._push(_Token(_Kind.OPEN, start, after, line, shortcode=shortcode,
                              shown=shown, key=("liquid", name)))
        return after

    def _verbatim(self, start: int, after: int, shortcode: Shortcode) -> int:
        """``raw``, ``comment`` and ``highlight``: their content is not scanned at all."""
        name = shortcode.name
        close = self._search(f"end{name}", _end_tag(name), after)
        if close is None:
            self._note(start, f"{{% {name} %}} is never closed: the tag is left out of "
                              "the email, what follows it kept")
            return after
        if name != "comment":
            inner = self.body[after : close.start()]
            self._push(_Token(_Kind.BLOCK, start, close.end(), shortcode.line,
                              shortcode=replace(shortcode, inner=inner),
                              shown=f"tag {{% {name} %}}"))
        return close.end()


_PIPE_PIECE: Final = re.compile(r""""[^"]*+"|'[^']*+'|[^|"']++|[|"']""")


def _split_pipes(expression: str) -> list[str]:
    pieces: list[str] = [""]
    for match in _PIPE_PIECE.finditer(expression):
        if match[0] == "|":
            pieces.append("")
        else:
            pieces[-1] += match[0]
    return pieces


def _pair(tokens: Sequence[_Token]) -> dict[int, int]:
    """Each opening tag that has a closing tag -> that closing tag, and back.

    As browsers do with HTML: a closing tag closes the innermost open tag of its name, and
    the tags opened inside that one and never closed count as self-closing. One stack per
    name finds that tag without walking the open ones, so this stays linear.
    """
    stack: list[int] = []
    by_key: dict[tuple[str, str], list[int]] = {}
    pairs: dict[int, int] = {}
    for index, token in enumerate(tokens):
        if token.kind is _Kind.OPEN:
            stack.append(index)
            by_key.setdefault(token.key, []).append(index)
        elif token.kind is _Kind.CLOSE:
            opened = by_key.get(token.key)
            if not opened:
                continue
            target = opened.pop()
            while (top := stack.pop()) != target:
                by_key[tokens[top].key].pop()
            pairs[target], pairs[index] = index, target
    return pairs


# --- the render ------------------------------------------------------------------------

_ICON: Final = re.compile(r":(?:fontawesome|material|octicons|simple)-[\w-]++:[ \t]?")
_ATTR_ITEM = r"""(?:[.#][\w-]++|[\w-]++=(?:"[^"\n]*+"|'[^'\n]*+'|[^\s{}"']++))"""
_ATTR_WORD = r"(?:" + _ATTR_ITEM + r"|[\w-]++)"
# {: width="600" } and {:toc} (kramdown), { .md-button } and {#id} (attr_list)
_ATTR_LIST: Final = re.compile(
    r"\{:[ \t]*+(?:" + _ATTR_WORD + r"(?:[ \t]++" + _ATTR_WORD + r")*+)?[ \t]*+\}"
    r"|\{[ \t]*+" + _ATTR_ITEM + r"(?:[ \t]++" + _ATTR_ITEM + r")*+[ \t]*+\}")
# A scheme or a host: left alone by relative_url (a regex, as urlsplit raises on "http://[").
_ABSOLUTE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:|//")
_LINK_CONTEXT: Final = re.compile(r"(?:\]\([ \t]*|href=[\"']?)$")
_NUMBER: Final = re.compile(r"-?\d++(?:\.\d++)?")
_PATH: Final = re.compile(r"[A-Za-z_][\w-]*+(?:\.[A-Za-z_][\w-]*+)*+")
_FILTER: Final = re.compile(r"([\w-]++)[ \t]*+(?::(.*)|\((.*)\))?", re.DOTALL)
_FILTER_ARG: Final = re.compile(rf"{_QUOTED}|[^\s,]++", re.DOTALL)
# Stops at the next {{ too, so that a param full of unclosed ones stays linear.
_INLINE_OUTPUT: Final = re.compile(r"\{\{((?:[^{}]++|\{(?!\{)|\}(?!\}))*+)\}\}")
_CONSTANTS: Final[Mapping[str, object]] = MappingProxyType(
    {"true": True, "false": False, "nil": None, "null": None, "none": None})

_IMAGES: Final = frozenset({"figure", "image", "img"})
_VIDEOS: Final = MappingProxyType({"youtube": "https://www.youtube.com/watch?v={}",
                                   "vimeo": "https://vimeo.com/{}"})
_REFS: Final = frozenset({"ref", "relref", "link", "post_url"})
_NOTICES: Final = frozenset({"notice", "alert", "callout"})
_LINK_PARAMS: Final = ("url", "href", "link")
_LABEL_PARAMS: Final = ("label", "text", "title")


def _defuse(text: str) -> str:
    """Text from params, variables or a snippet, unable to pass for template syntax."""
    return text.replace("{{", "&#123;{").replace("{%", "&#123;%")


def _label(text: str) -> str:
    """A param as Markdown inline text: one line, brackets and stars kept literal."""
    text = " ".join(text.split())
    for char in "\\[]*":
        text = text.replace(char, "\\" + char)
    return _defuse(text)


def _target(url: str) -> str:
    """A URL as a Markdown link target, which spaces and parentheses would cut short."""
    url = url.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return _defuse(url.replace("<", "%3C").replace(">", "%3E"))


def _link(label: str, url: str) -> str:
    return f"[{label}]({_target(url)})"


def _text_of(value: object) -> str:
    """A front-matter value as Liquid prints it: lists joined by ", ", cut short past
    ``_MAX_VALUE_TEXT`` characters."""
    if not isinstance(value, list | tuple):
        return _scalar_text(value)
    pieces: list[str] = []
    size = 0
    # An explicit stack, not recursion: the nesting is the file's to choose.
    stack: list[Any] = [iter(value)]
    while stack:
        item = next(stack[-1], _Absent.MISSING)
        if item is _Absent.MISSING:
            stack.pop()
            continue
        if isinstance(item, list | tuple) and item:
            stack.append(iter(item))
            continue
        piece = "" if isinstance(item, list | tuple) else _scalar_text(item)
        size += len(piece) + 2
        if size > _MAX_VALUE_TEXT:
            pieces.append("…")
            break
        pieces.append(piece)
    return ", ".join(pieces)


def _scalar_text(value: object) -> str:
    if value is None or isinstance(value, _Absent):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        text = _MAPPING_REPR.repr(value)
        return text if len(text) <= _MAX_VALUE_TEXT else text[:_MAX_VALUE_TEXT - 1] + "…"
    return str(value)


_MAPPING_REPR = reprlib.Repr()  # a table printed whole; a bomb inside it cut short
_MAPPING_REPR.maxlevel, _MAPPING_REPR.maxdict, _MAPPING_REPR.maxlist = 4, 50, 50
_MAPPING_REPR.maxstring = _MAPPING_REPR.maxother = _MAX_VALUE_TEXT


def _is_blank(value: object) -> bool:
    """What Liquid's ``default`` replaces: nil, false, missing and empty things."""
    if value is None or value is False or isinstance(value, _Absent):
        return True
    return isinstance(value, str | list | tuple | dict) and not value


def _stem(name: str) -> str:
    return name.rsplit("/", 1)[-1].split(".", 1)[0]


def _clean_text(text: str) -> str:
    if ":" in text:
        text = _ICON.sub("", text)
    if "{" in text:
        text = _ATTR_LIST.sub("", text)
    return text


@dataclass
class _Frame:
    token: _Token | None
    parts: list[str] = field(default_factory=list)


class _Renderer:
    """Tokens back into Markdown, with an explicit stack of open paired tags."""

    def __init__(self, body: str, variables: Mapping[str, object],
                 snippets: Mapping[str, str]) -> None:
        self.body = body
        self.variables = variables
        self.snippets = snippets
        self.notes: list[BodyNote] = []

    def render(self, tokens: Sequence[_Token], pairs: Mapping[int, int]) -> str:
        frames = [_Frame(None)]
        flattened: set[int] = set()
        for index, token in enumerate(tokens):
            out = frames[-1].parts
            kind = token.kind
            if kind is _Kind.TEXT:
                out.append(_clean_text(token.text))
            elif kind is _Kind.CODE:
                out.append(token.text)
            elif kind is _Kind.OUTPUT:
                out.append(self._evaluate(token.text, token.line))
            elif kind is _Kind.OPEN and index in pairs:
                if len(frames) <= _MAX_DEPTH:
                    frames.append(_Frame(token))
                    continue
                if not flattened:
                    self._note(token.line, f"shortcodes nested more than {_MAX_DEPTH} deep:"
                                           " the deeper ones are left out, their content kept")
                flattened.add(pairs[index])
            elif kind is _Kind.CLOSE and index in pairs:
                if index in flattened:
                    continue
                frame = frames.pop()
                assert frame.token is not None  # the root frame is never popped: pairs nest
                inner = "".join(frame.parts)
                frames[-1].parts.append(self._tag(frame.token, inner, frames[-1].parts))
            elif kind is _Kind.CLOSE:
                self._note(token.line, f"{token.shown} closes nothing: left out of the email")
            elif kind is _Kind.BLOCK:
                assert token.shortcode is not None
                out.append(self._tag(token, token.shortcode.inner, out))
            else:
                out.append(self._tag(token, None, out))
        return "".join(frames[0].parts)

    def _note(self, line: int, message: str) -> None:
        self.notes.append(BodyNote(line, message))

    # -- shortcodes and tags

    def _tag(self, token: _Token, inner: str | None, out: Sequence[str]) -> str:
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

    def _builtin(self, token: _Token, shortcode: Shortcode, inner: str | None,
                 out: Sequence[str]) -> str:
        """What the built-in handling makes of a shortcode, by name, then by its params."""
        name = shortcode.name.lower()
        if shortcode.syntax == "liquid-include":
            name = _stem(name)
        params = shortcode.params
        link = next((params[key] for key in _LINK_PARAMS if params.get(key)), None)
        if name == "raw" and shortcode.syntax == "liquid":
            return inner or ""
        if name == "highlight":
            return self._highlight(token, shortcode, inner, out)
        if name in _IMAGES and (params.get("src") or params.get("0")):
            return self._image(shortcode, inner, link)
        if name in _VIDEOS and (params.get("id") or params.get("0")):
            video = params.get("id") or params["0"]
            url = video if "://" in video else _VIDEOS[name].format(quote(video, safe=""))
            return _link(_label(params.get("title") or url), url)
        if name in _REFS and link is None and (params.get("0") or params.get("path")):
            path = params.get("0") or params["path"]
            tail = out[-1][-16:] if out else ""
            return _target(path) if _LINK_CONTEXT.search(tail) else _link(_label(path), path)
        if link is not None:
            label = next((params[key] for key in _LABEL_PARAMS if params.get(key)), None)
            if label is not None:
                return _link(_label(label), link)
            text = " ".join((inner or "").split())
            return _link(text or _label(link), link)
        if name in _NOTICES:
            kind = params.get("style") or params.get("0") or "note"
            title = params.get("title") or params.get("1") or kind.capitalize()
            return f"**{_label(title)}**\n\n{(inner or '').strip()}"
        return self._unknown(token, inner)

    def _unknown(self, token: _Token, inner: str | None) -> str:
        if inner is None:
            self._note(token.line, f"{token.shown} is not known: left out of the email {_MAP_IT}")
            return ""
        self._note(token.line, f"{token.shown} is not known: its content is kept, the "
                               f"{token.shown.split(' ', 1)[0]} left out {_MAP_IT}")
        return inner

    def _image(self, shortcode: Shortcode, inner: str | None, link: str | None) -> str:
        params = shortcode.params
        src = params.get("src") or params["0"]
        caption = params.get("caption") or params.get("title") or ""
        alt = params.get("alt") or caption
        markdown = f"![{_label(alt)}]({_target(src)})"
        if link is not None:
            markdown = _link(markdown, link)
        if caption:
            markdown += f"\n\n*{_label(caption)}*"
        if inner and inner.strip():
            markdown += "\n\n" + inner.strip()
        return markdown

    def _highlight(self, token: _Token, shortcode: Shortcode, inner: str | None,
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

    def _snippet(self, token: _Token, source: str, shortcode: Shortcode,
                 inner: str | None) -> str:
        try:
            return _defuse(_render_snippet(source, shortcode.params, inner))
        except Exception as exc:
            # A snippet is the site's own template: whatever goes wrong in it (syntax,
            # sandbox, a filter raising) must cost this one shortcode, never the mail.
            self._note(token.line, f"the snippet for {token.shown} failed "
                                   f"({type(exc).__name__}: {_short(str(exc))}): "
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

    # -- {{ output }}

    def _evaluate(self, expression: str, line: int) -> str:
        shown = f"{{{{ {_short(expression.strip())} }}}}"
        head, *filters = _split_pipes(expression)
        value = self._operand(head.strip())
        if value is _Absent.UNKNOWN:
            self._note(line, f"{shown} is not understood: left out of the email")
            return ""
        for piece in filters:
            match = _FILTER.fullmatch(piece.strip())
            if match is None:
                self._note(line, f"{shown}: filter {_short(piece)!r} is not understood: "
                                 "the email shows the value unfiltered")
                continue
            args_text = match[2] if match[2] is not None else match[3] or ""
            args = [self._operand(arg) for arg in _FILTER_ARG.findall(args_text)]
            value = self._filter(match[1], value, args, line, shown)
        if isinstance(value, _Absent):
            self._note(line, f"{shown}: {_short(head.strip())} is not set: left empty in "
                             "the email")
            return ""
        return _defuse(_text_of(value))

    def _operand(self, text: str) -> object:
        if text[:1] in ("'", '"') and len(text) >= 2 and text[-1] == text[0]:
            return _unquote(text)
        if _NUMBER.fullmatch(text):
            return text
        if text.lower() in _CONSTANTS:
            return _CONSTANTS[text.lower()]
        if not _PATH.fullmatch(text):
            return _Absent.UNKNOWN
        value: object = self.variables
        for part in text.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return _Absent.MISSING
            value = value[part]
        return value

    def _filter(self, name: str, value: object, args: Sequence[object], line: int,
                shown: str) -> object:
        first = _text_of(args[0]) if args else ""
        if name == "default":
            return first if _is_blank(value) else value
        if isinstance(value, _Absent):
            return value
        text = _text_of(value)
        if name == "relative_url":
            return self._relative_url(text)
        if name == "absolute_url":
            return self._absolute_url(text)
        if name == "prepend":
            return first + text
        if name == "append":
            return text + first
        if name in ("escape", "xml_escape"):
            return html.escape(text)
        if name == "date":
            return value  # the format is the site's to choose; the value reads as written
        self._note(line, f"{shown}: filter {name!r} is not known: the email shows the value "
                         "unfiltered")
        return value

    def _site(self, key: str) -> str:
        site = self.variables.get("site")
        return _text_of(site.get(key)) if isinstance(site, Mapping) else ""

    def _relative_url(self, url: str) -> str:
        if _ABSOLUTE.match(url):
            return url
        return self._site("baseurl").rstrip("/") + ("" if url.startswith("/") else "/") + url

    def _absolute_url(self, url: str) -> str:
        if _ABSOLUTE.match(url):
            return url
        # Without a site url the path stays relative: the renderer resolves it later.
        return self._site("url").rstrip("/") + self._relative_url(url)


# --- snippets --------------------------------------------------------------------------

@functools.cache
def _sandbox() -> SandboxedEnvironment:
    # jinja2 is imported here, not at the top: most bodies need no snippet at all.
    from jinja2 import Undefined
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    class _StrictSandbox(SandboxedEnvironment):
        # The stock sandbox answers an unsafe attribute with an empty value, which would
        # leave an attempt to escape it unreported; here it fails the snippet, with a note.
        def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
            raise SecurityError(f"{attribute!r} is off limits in a snippet")

    # Plain Undefined, not StrictUndefined: shortcode params are optional by nature, and a
    # snippet tests them with {% if doorkeeper_url %}.
    return _StrictSandbox(autoescape=True, undefined=Undefined)


@functools.lru_cache(maxsize=128)
def _snippet_template(source: str) -> Template:
    return _sandbox().from_string(source)


def _render_snippet(source: str, params: Mapping[str, str], inner: str | None) -> str:
    from markupsafe import Markup

    context: dict[str, object] = {key: value for key, value in params.items()
                                  if key.isidentifier()}
    context["params"] = dict(params)
    # The inner text is the body's own Markdown, which the body keeps unescaped everywhere
    # else too; nh3 sanitizes the whole mail afterwards.
    context["inner"] = None if inner is None else Markup(inner)  # noqa: S704
    return str(_snippet_template(source).render(context))


# --- admonitions -----------------------------------------------------------------------

_ADMONITION: Final = re.compile(
    r"( {0,3})(?:!!!|\?\?\?\+?)[ \t]++([\w-]++)(?:[ \t]++[\w-]++)*+"
    r"(?:[ \t]++\"([^\"\n]*+)\")?[ \t]*+")
_FENCE_LINE: Final = re.compile(r"[ \t]*+(`{3,}+|~{3,}+)")


def _admonitions(text: str) -> str:
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
            out.extend((f"{header[1]}**{_label(title)}**", ""))
        indents.append((indents[-1] if indents else 0) + len(header[1]) + 4)
    return "\n".join(out)


# --- the API ---------------------------------------------------------------------------

def _needs_work(body: str) -> bool:
    return ("{" in body or "!!!" in body or "???" in body
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
    tokens = _Scanner(body, body_line).scan()
    pairs = _pair(tokens)
    found: list[Shortcode] = []
    for index, token in enumerate(tokens):
        shortcode = token.shortcode
        if shortcode is None:
            continue
        if token.kind is _Kind.OPEN and index in pairs:
            close = tokens[pairs[index]]
            shortcode = replace(shortcode, inner=body[token.end : close.start])
        found.append(shortcode)
    return found


def body_for_email(
    body: str,
    *,
    body_line: int = 1,
    variables: Mapping[str, object] = _NOTHING,
    snippets: Mapping[str, str] = _NOTHING,
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
    scanner = _Scanner(body, body_line)
    tokens = scanner.scan()
    renderer = _Renderer(body, variables, snippets)
    text = renderer.render(tokens, _pair(tokens))
    notes = sorted(scanner.notes + renderer.notes, key=lambda note: note.line)
    if len(notes) > _MAX_NOTES:  # a note per tag of a body that is nothing but tags helps nobody
        rest = len(notes) - _MAX_NOTES
        notes[_MAX_NOTES:] = [BodyNote(notes[_MAX_NOTES].line, f"and {rest} more notes")]
    return _admonitions(text), notes
