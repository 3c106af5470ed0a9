"""What the scan of a body (:mod:`.scan`) makes: its tokens (text, code, tags, outputs),
the shortcodes they carry, the notes on what the email shows differently, the limits a
hostile body meets, and the one pass that pairs opening and closing tags.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, NamedTuple

__all__ = ["MAP_IT", "MAX_DEPTH", "MAX_NOTES", "MAX_VALUE_TEXT", "NOTHING", "Absent", "BodyNote",
           "Shortcode", "Token", "TokenKind", "pair_tags"]


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


NOTHING: Final[Mapping[str, Any]] = MappingProxyType({})
MAP_IT = "(map it in [content.shortcodes])"
# Deeper pairs are still taken out, but without a frame each: a frame per level would copy
# the inner text once per level, which a body nested thousands deep turns quadratic.
MAX_DEPTH: Final = 50


MAX_NOTES: Final = 100
# The most text one {{ value }} becomes: a YAML alias bomb (nine lists of nine lists...)
# is small in memory but billions of items as text.
MAX_VALUE_TEXT: Final = 10_000


class TokenKind(enum.Enum):
    TEXT = "text"  # prose: icons and attribute lists come out of it
    CODE = "code"  # a fence or a code span: kept as written
    OPEN = "open"  # a tag that may have a closing one further on
    SELF = "self"  # a tag that cannot have one
    CLOSE = "close"
    BLOCK = "block"  # a tag whose content is not Markdown (raw, highlight): kept verbatim
    OUTPUT = "output"  # {{ expression | filters }}


class Absent(enum.Enum):
    MISSING = "missing"  # a variable the caller did not pass
    UNKNOWN = "unknown"  # an expression this module does not evaluate


class Token(NamedTuple):  # not a frozen dataclass: a hostile body makes a million of them
    kind: TokenKind
    start: int
    end: int
    line: int = 0
    text: str = ""
    shortcode: Shortcode | None = None
    shown: str = ""  # how the tag reads in a note: "shortcode {{< tweet >}}"
    key: tuple[str, str] = ("", "")  # what closes it: ("hugo", "button"), ("zola", "")


def pair_tags(tokens: Sequence[Token]) -> dict[int, int]:
    """Each opening tag that has a closing tag -> that closing tag, and back.

    As browsers do with HTML: a closing tag closes the innermost open tag of its name, and
    the tags opened inside that one and never closed count as self-closing. One stack per
    name finds that tag without walking the open ones, so this stays linear.
    """
    stack: list[int] = []
    by_key: dict[tuple[str, str], list[int]] = {}
    pairs: dict[int, int] = {}
    for index, token in enumerate(tokens):
        if token.kind is TokenKind.OPEN:
            stack.append(index)
            by_key.setdefault(token.key, []).append(index)
        elif token.kind is TokenKind.CLOSE:
            opened = by_key.get(token.key)
            if not opened:
                continue
            target = opened.pop()
            while (top := stack.pop()) != target:
                by_key[tokens[top].key].pop()
            pairs[target], pairs[index] = index, target
    return pairs
