"""MDX bodies for email: the page's text, without its JavaScript.

An ``.mdx`` file (Docusaurus, Astro, Next.js, Gatsby) is Markdown with JavaScript in it:
``import``/``export`` statements, JSX components (``<Tabs>…</Tabs>``,
``<YouTube id="…" />``) and ``{expressions}``. None of it may be mailed raw. The body is
scanned by MDX's own rules (micromark's mdxjs extensions) into the tokens of
:mod:`.scan`, and rendered as a body with shortcodes is (:func:`.body.tokens_for_email`):

- an ``import`` or ``export`` line starts an ESM block, which runs to the first blank
  line where its brackets are closed: left out, silently (the page never shows it);
- a component (a capitalised or dotted name) is a tag, as a shortcode of that name is: a
  snippet in ``[content.shortcodes]`` wins, a known one becomes its Markdown (a link, an
  image, a video, a callout), an unknown one keeps its content and gets a note;
  fragments (``<>…</>``) are only their content;
- a lower-case tag is HTML and stays, without the attributes whose value is code;
- ``{/* comments */}`` and heading ids (``## Parking {#parking}``) are dropped, a string
  (``{"…"}``) is its text, and any other expression is left out, with a note;
- code fences and code spans are kept as written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Final

from .scan import short, unquote
from .tokens import NOTHING, BodyNote, Shortcode, Token, TokenKind

__all__ = ["mdx_for_email"]

_ESM: Final = re.compile(r"(?:import|export)(?=[\s{*])")
_FENCE_OPEN: Final = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
_SPECIAL: Final = re.compile(r"`+|[<{\n]")
_NAME: Final = re.compile(r"[A-Za-z_$][\w$-]*(?:[.:][A-Za-z_$][\w$-]*)*")
_ATTRIBUTE: Final = re.compile(r"[A-Za-z_$][\w$:.-]*")
_SPACE: Final = re.compile(r"\s+")
_STRING: Final = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`$]*`""", re.DOTALL)
# What is skipped whole inside an expression's braces: strings and comments.
_OPAQUE: Final = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`"""
                            r"|/\*.*?\*/|//[^\n]*", re.DOTALL)
# "## Parking {#parking}": Docusaurus' heading id, no expression.
_HEADING_ID: Final = re.compile(r"#[\w-]+")
_LINE_STRING: Final = re.compile(r""""[^"\n]*"|'[^'\n]*'""")
_COMMENT: Final = re.compile(r"\s*/\*.*?\*/\s*", re.DOTALL)
_BLANK_LINE: Final = re.compile(r"\n[ \t]*(?=\n|$)")
_BRACKET: Final = re.compile(r"[{}()\[\]\"'`/]")


@functools.lru_cache(maxsize=16)
def _span_close(length: int) -> re.Pattern[str]:
    return re.compile(rf"(?<!`)`{{{length}}}(?!`)")


def _depth(code: str) -> int:
    """How many more brackets ``code`` opens than it closes, one-line strings aside."""
    depth = 0
    for piece in _LINE_STRING.split(code):
        depth += sum(piece.count(c) for c in "{([") - sum(piece.count(c) for c in "})]")
    return depth


def _skip_space(text: str, position: int) -> int:
    space = _SPACE.match(text, position)
    return space.end() if space else position


def _balanced_end(text: str, start: int) -> int | None:
    """The end of the ``{...}`` that opens at ``start``, or None if it never closes."""
    depth = 0
    position = start
    while (match := _BRACKET.search(text, position)) is not None:
        char = match[0]
        position = match.end()
        if char in "\"'`/":
            opaque = _OPAQUE.match(text, match.start())
            if opaque is not None:
                position = opaque.end()
            elif char == "`" or text.startswith("/*", match.start()):
                return None  # a template or comment that never ends: neither do the braces
        elif char in "{([":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return position if char == "}" else None
    return None


class _MdxScanner:
    """One left-to-right pass over an MDX body, into text, code and component tokens."""

    def __init__(self, body: str, body_line: int) -> None:
        self.body = body
        self.tokens: list[Token] = []
        self.notes: list[BodyNote] = []
        self._line_pos = 0
        self._line_no = body_line
        self._after_fence = -1
        self._pending: list[str] = []
        self._pending_start = self._pending_end = 0
        self._unclosed = len(body) + 1
        # The end of the current paragraph, and per backtick-run length the position from
        # which no closing run is in it: code spans stay linear (as in .scan).
        self._paragraph_end = -1
        self._no_span: dict[int, int] = {}

    def line(self, pos: int) -> int:
        self._line_no += self.body.count("\n", self._line_pos, pos)
        self._line_pos = pos
        return self._line_no

    def scan(self) -> list[Token]:
        body, pos = self.body, 0
        while pos < len(body):
            if pos == 0 or body[pos - 1] == "\n":
                end = self._block_at(pos)
                if end is not None:
                    pos = end
                    continue
            match = _SPECIAL.search(body, pos)
            if match is None:
                self._text(pos, len(body))
                break
            self._text(pos, match.start())
            found = match[0]
            if found == "\n":
                self._text(match.start(), match.end())
                pos = match.end()
            elif found[0] == "`":
                pos = self._code_span(match.start(), len(found))
            elif match.start() > 0 and body[match.start() - 1] == "\\":
                self._text(match.start(), match.end())  # \{ and \< are text in MDX
                pos = match.end()
            elif found == "<":
                pos = self._tag(match.start())
            else:
                pos = self._expression(match.start())
        self._flush()
        return self.tokens

    def _text(self, start: int, end: int, text: str | None = None) -> None:
        if end <= start and not text:
            return
        if not self._pending:
            self._pending_start = start
        self._pending.append(self.body[start:end] if text is None else text)
        self._pending_end = end

    def _push(self, token: Token) -> None:
        self._flush()
        self.tokens.append(token)

    def _flush(self) -> None:
        if self._pending:
            self.tokens.append(Token(TokenKind.TEXT, self._pending_start, self._pending_end,
                                     text="".join(self._pending)))
            self._pending = []

    def _braces(self, start: int) -> int | None:
        """The end of the ``{...}`` at ``start``; None when it never closes. After one
        brace that never closes, none after it is looked for: the rest of the body cannot
        compile as MDX, and searching to its end from every brace would be quadratic."""
        if start >= self._unclosed:
            return None
        end = _balanced_end(self.body, start)
        if end is None:
            self._unclosed = start
        return end

    # -- blocks: fences and ESM

    def _block_at(self, pos: int) -> int | None:
        body = self.body
        fence = _FENCE_OPEN.match(body, pos)
        if fence is not None:
            char, length = fence[1][0], len(fence[1])
            close = re.compile(rf"^[ \t]{{0,3}}{re.escape(char)}{{{length},}}[ \t]*$",
                               re.MULTILINE).search(body, fence.end())
            end = len(body) if close is None else min(close.end() + 1, len(body))
            self._push(Token(TokenKind.CODE, pos, end, text=body[pos:end]))
            self._after_fence = end
            return end
        if _ESM.match(body, pos) is None or not self._block_start(pos):
            return None
        # To the first blank line where the statement's brackets are closed.
        position, depth = pos, 0
        while True:
            blank = _BLANK_LINE.search(body, position)
            end = len(body) if blank is None else blank.start()
            depth += _depth(body[position:end])
            if blank is None or depth <= 0:
                return min(end + 1, len(body))
            position = blank.end()

    def _block_start(self, pos: int) -> bool:
        """Whether a block may start at ``pos`` (a line start): the body's first line, or
        one after a blank line. ESM cannot interrupt a paragraph: "import the data" at the
        start of a wrapped line is prose."""
        if pos in (0, self._after_fence):
            return True
        previous = self.body.rfind("\n", 0, pos - 1)
        return not self.body[previous + 1:pos - 1].strip()

    def _code_span(self, start: int, length: int) -> int:
        body = self.body
        if self._paragraph_end < start:
            paragraph = _BLANK_LINE.search(body, start)
            self._paragraph_end = len(body) if paragraph is None else paragraph.start()
            self._no_span = {}
        close = None
        if self._no_span.get(length, len(body) + 1) > start:
            close = _span_close(length).search(body, start + length, self._paragraph_end)
            if close is None:
                self._no_span[length] = start
        if close is None:
            self._text(start, start + length)
            return start + length
        self._push(Token(TokenKind.CODE, start, close.end(), text=body[start:close.end()]))
        return close.end()

    # -- {expressions}

    def _expression(self, start: int) -> int:
        end = self._braces(start)
        if end is None:
            self._text(start, start + 1, "&#123;")
            return start + 1
        code = self.body[start + 1:end - 1]
        if not code.strip() or _COMMENT.fullmatch(code) or _HEADING_ID.fullmatch(code):
            return end
        string = _STRING.fullmatch(code.strip())
        if string is not None:
            self._text(start, end, unquote(string[0]))
            return end
        self.notes.append(BodyNote(self.line(start), f"the expression {{{short(code.strip())}}}"
                                   " is code for the page: left out of the email"))
        return end

    # -- <tags>

    def _tag(self, start: int) -> int:
        parsed = self._parse_tag(start)
        if parsed is None:
            self._text(start, start + 1)  # "a < b", an autolink: text
            return start + 1
        end, name, params, closing, self_closing, html = parsed
        if not name:  # a fragment: only its content shows
            return end
        line = self.line(start)
        if html:
            self._text(start, end, self._html(name, params, closing, self_closing))
            return end
        key = ("jsx", name)
        if closing:
            self._push(Token(TokenKind.CLOSE, start, end, line,
                             shown=f"component </{short(name)}>", key=key))
            return end
        kind = TokenKind.SELF if self_closing else TokenKind.OPEN
        self._push(Token(kind, start, end, line, shortcode=Shortcode(name, "jsx", params, line),
                         shown=f"component <{short(name)}>", key=key))
        return end

    def _parse_tag(self, start: int
                   ) -> tuple[int, str, dict[str, str], bool, bool, bool] | None:
        """(end, name, string attributes, closing, self-closing, HTML) of the tag at
        ``start``; None when it is no tag."""
        body = self.body
        pos = start + 1
        closing = body.startswith("/", pos)
        if closing:
            pos = _skip_space(body, pos + 1)
        name_match = _NAME.match(body, pos)
        name = name_match[0] if name_match else ""
        pos = name_match.end() if name_match else pos
        params: dict[str, str] = {}
        while True:
            pos = _skip_space(body, pos)
            if body.startswith("/>", pos) and not closing:
                return pos + 2, name, params, False, True, _is_html(name)
            if body.startswith(">", pos):
                return pos + 1, name, params, closing, False, _is_html(name)
            if closing or not name:
                return None
            if body.startswith("{", pos):  # {...spread}
                end = self._braces(pos)
                if end is None:
                    return None
                pos = end
                continue
            attribute = _ATTRIBUTE.match(body, pos)
            if attribute is None:
                return None
            pos = _skip_space(body, attribute.end())
            if not body.startswith("=", pos):
                params[attribute[0]] = "true"
                continue
            pos = _skip_space(body, pos + 1)
            value = _STRING.match(body, pos) if body[pos:pos + 1] in "\"'" else None
            if value is not None:
                params[attribute[0]] = unquote(value[0])
                pos = value.end()
            elif body.startswith("{", pos):
                end = self._braces(pos)
                if end is None:
                    return None
                string = _STRING.fullmatch(body[pos + 1:end - 1].strip())
                if string is not None:
                    params[attribute[0]] = unquote(string[0])
                pos = end
            else:
                return None

    @staticmethod
    def _html(name: str, params: Mapping[str, str], closing: bool, self_closing: bool) -> str:
        if closing:
            return f"</{name}>"
        attributes = "".join(
            f' {"class" if key == "className" else key}="{value.replace(chr(34), "&quot;")}"'
            for key, value in params.items())
        return f"<{name}{attributes}{' /' if self_closing else ''}>"


def _is_html(name: str) -> bool:
    return bool(name) and name[0].islower() and "." not in name


def mdx_for_email(body: str, *, body_line: int = 1,
                  variables: Mapping[str, object] = NOTHING,
                  snippets: Mapping[str, str] = NOTHING) -> tuple[str, list[BodyNote]]:
    """``body`` (MDX) as Markdown for the email, and what of it the email shows differently.

    >>> mdx_for_email("import Tip from '../Tip'\\n\\n<Tip>Bring a laptop.</Tip>\\n")[0]
    'Bring a laptop.\\n'
    """
    from .body import tokens_for_email  # here: body imports nothing of this module's

    scanner = _MdxScanner(body, body_line)
    tokens = scanner.scan()
    text, notes = tokens_for_email(body, tokens, scanner.notes, variables=variables,
                                   snippets=snippets)
    return _no_indented_code(text).lstrip("\n"), notes


def _no_indented_code(text: str) -> str:
    """Content indented inside components (``<Tabs>\\n    text``), dedented.

    MDX has no indented code blocks: there, indentation is only layout. In the email's
    Markdown a paragraph indented four spaces would be code, so each run of lines whose
    first line is indented that far loses that indent (fences are left alone).
    """
    lines = text.split("\n")
    fence: str | None = None
    dedent = 0
    for index, line in enumerate(lines):
        opener = _FENCE_OPEN.match(line)
        if fence is not None:
            if opener and opener[1][0] == fence[0] and len(opener[1]) >= len(fence):
                fence = None
            continue
        if opener:
            fence, dedent = opener[1], 0
            continue
        if not line.strip():
            dedent = 0
            continue
        expanded = line.expandtabs(4)
        indent = len(expanded) - len(expanded.lstrip(" "))
        if dedent == 0 and (index == 0 or not lines[index - 1].strip()) and indent >= 4:
            dedent = indent
        if dedent:
            lines[index] = expanded[min(dedent, indent):]
    return "\n".join(lines)
