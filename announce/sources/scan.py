"""The scan of an event body: generator template syntax found, outside code, as tokens.

One left-to-right scan into tokens (:mod:`.tokens`, which pairs the tags): nothing
recurses on the body, and every search either consumes what it scanned or is remembered
as failed, so a hostile body costs time in proportion to its length. :mod:`.body` renders
the tokens.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from typing import Final

from .tokens import BodyNote, Shortcode, Token, TokenKind

__all__ = ["QUOTED", "Scanner", "short", "split_pipes", "unquote"]


_SHOWN_MAX: Final = 60


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

QUOTED = r""""(?:[^"\\]|\\.)*+"|'(?:[^'\\]|\\.)*+'|`[^`]*+`"""
_HUGO_ARG: Final = re.compile(rf"\s*+(?:([\w-]++)[ \t]*+=[ \t]*+)?({QUOTED}|\S++)", re.DOTALL)
_LIQUID_ARG: Final = re.compile(
    rf"[\s,]*+(?:([\w-]++)(?:[ \t]*+=[ \t]*+|:[ \t]++))?({QUOTED}|[^\s,]++)", re.DOTALL)
_ZOLA_ARG: Final = re.compile(
    rf"[\s,]*+(?:([\w-]++)[ \t]*+=[ \t]*+)?({QUOTED}|[^\s,]++)", re.DOTALL)
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


def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
        inner = value[1:-1]
        return inner if value[0] == "`" else _BACKSLASH.sub(r"\1", inner)
    return value


def _params(text: str, pattern: re.Pattern[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    position = 0
    for match in pattern.finditer(text):
        if match[1] is None:
            params[str(position)] = unquote(match[2])
            position += 1
        else:
            params[match[1]] = unquote(match[2])
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


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 1] + "…"


def _code_span(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks} {text} {ticks}"


class Scanner:
    """One left-to-right pass over a body, into text, code and tag tokens."""

    def __init__(self, body: str, body_line: int) -> None:
        self.body = body
        self.tokens: list[Token] = []
        self.notes: list[BodyNote] = []
        self._text: list[str] = []
        self._text_start = 0
        # pattern key -> position from which that pattern is known not to occur: without
        # it, a megabyte of openers without closers would search to the end once each.
        self._absent: dict[str, int] = {}
        self._break = -1
        self._line_pos = 0
        self._line_no = body_line

    def scan(self) -> list[Token]:
        body, pos, at_line_start = self.body, 0, True
        while pos < len(body):
            if at_line_start:
                fence_end = self._fence_at(pos)
                if fence_end is not None:
                    self._push(Token(TokenKind.CODE, pos, fence_end, text=body[pos:fence_end]))
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
            self.tokens.append(Token(TokenKind.TEXT, self._text_start, pos, text=text))
            self._text = []

    def _push(self, token: Token) -> None:
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
        self._push(Token(TokenKind.CODE, start, close.end(), text=body[start : close.end()]))
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
            self._push(Token(TokenKind.CODE, start, close.end(), text=_code_span(shown)))
            return close.end()
        end = self._search(f"hugo{delim}", _HUGO_END[delim], start + 3)
        if end is None or end[0].startswith("{"):
            return self._literal(start, end)
        raw, line = body[start + 3 : end.start()], self.line(start)
        content = raw.strip()
        if content.startswith("/"):
            name = content[1:].strip()
            shown = f"shortcode {{{{{delim} /{short(name)} {closer}}}}}"
            self._push(Token(TokenKind.CLOSE, start, end.end(), line, shown=shown,
                              key=("hugo", name)))
            return end.end()
        closed = raw.endswith("/")  # {{< name />}}, the slash right at the closer
        name, rest = _head(content.removesuffix("/") if closed else content)
        shortcode = Shortcode(name, "hugo", _params(rest, _HUGO_ARG), line)
        shown = f"shortcode {{{{{delim} {short(name)} {closer}}}}}"
        if name == "highlight" and not closed:
            close = self._search("hugo-highlight", _HUGO_HIGHLIGHT_END, end.end())
            if close is not None:
                inner = body[end.end() : close.start()]
                self._push(Token(TokenKind.BLOCK, start, close.end(), line, shown=shown,
                                  shortcode=replace(shortcode, inner=inner)))
                return close.end()
        kind = TokenKind.SELF if closed else TokenKind.OPEN
        self._push(Token(kind, start, end.end(), line, shortcode=shortcode, shown=shown,
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
            self._push(Token(TokenKind.SELF, start, end.end(), line, shortcode=shortcode,
                              shown=f"shortcode {{{{ {short(call[1])}() }}}}"))
            return end.end()
        head, *filters = (piece.strip() for piece in split_pipes(content))
        params = {str(i): text for i, text in enumerate(filters)}
        self._push(Token(TokenKind.OUTPUT, start, end.end(), line, text=content,
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
            self._push(Token(TokenKind.OPEN, start, after, line, shortcode=shortcode,
                              shown=f"shortcode {{% {short(call[1])}() %}}",
                              key=("zola", "")))
            return after
        name, rest = _head(content)
        shown = f"tag {{% {short(name)} %}}"
        if not name:
            self._note(start, "an empty {% %} tag: left out of the email")
        elif name == "end":
            self._push(Token(TokenKind.CLOSE, start, after, line, shown=shown, key=("zola", "")))
        elif name in _VERBATIM:
            return self._verbatim(start, after, Shortcode(name, "liquid",
                                                          _params(rest, _LIQUID_ARG), line))
        elif name in _INCLUDES:
            params = _params(rest, _LIQUID_ARG)
            included = params.pop("0", "")
            shortcode = Shortcode(included, "liquid-include", params, line)
            self._push(Token(TokenKind.SELF, start, after, line, shortcode=shortcode,
                              shown=f"include {short(included)}"))
        elif name.startswith("end") and len(name) > 3:
            self._push(Token(TokenKind.CLOSE, start, after, line, shown=shown,
                              key=("liquid", name[3:])))
        else:
            shortcode = Shortcode(name, "liquid", _params(rest, _LIQUID_ARG), line)
            self._push(Token(TokenKind.OPEN, start, after, line, shortcode=shortcode,
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
            self._push(Token(TokenKind.BLOCK, start, close.end(), shortcode.line,
                              shortcode=replace(shortcode, inner=inner),
                              shown=f"tag {{% {name} %}}"))
        return close.end()


_PIPE_PIECE: Final = re.compile(r""""[^"]*+"|'[^']*+'|[^|"']++|[|"']""")


def split_pipes(expression: str) -> list[str]:
    pieces: list[str] = [""]
    for match in _PIPE_PIECE.finditer(expression):
        if match[0] == "|":
            pieces.append("")
        else:
            pieces[-1] += match[0]
    return pieces


