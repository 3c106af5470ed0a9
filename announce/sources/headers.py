"""Metadata headers: the ``Key: value`` lines that open a Pelican Markdown file.

Pelican's Markdown reader (python-markdown's ``meta`` extension), MkDocs and MultiMarkdown
take a file's metadata from a block of ``Key: value`` lines at its top, with no ``---``
around it::

    Title: Meetup Summary (January, 2014)
    Date: 2014-01-11 16:00
    Tags: kfc, meetup

    The body...

They are read here as those readers read them: keys are case-insensitive (kept in lower
case), a line indented by four spaces (or a tab) continues the value above it (joined
with a space, as MkDocs joins it), a blank line ends the block. Then Pelican's own rules
for a few keys (its ``METADATA_PROCESSORS``): ``Tags`` and ``Authors`` are lists, split at
``;`` when the value has one, else at ``,``; an empty one is no key at all; ``Status:
draft`` (or ``skip``) keeps the file off the site and reads as ``draft: true``. Dates stay
text as written (``2019-07-06 4:00pm``): announce reads them as any date string, in the
site's timezone, as Pelican reads a date without offset in its ``TIMEZONE``.

Ordinary Markdown must never be taken for metadata ("Note: the room changed" opening a
page), so a header counts only when it is one through and through: every line of the
block a ``Key: value`` line whose key looks like one (letters, digits, ``_`` and ``-``,
starting with a letter) or a continuation of one, the block ended by a blank line (or the
end of the file), and a ``Title`` or a ``Date`` among its keys (Pelican skips an article
without a title; a date is what makes a page an event).
"""

from __future__ import annotations

import re
from typing import Any, Final, NamedTuple

__all__ = ["Header", "metadata_values", "read_header"]

# python-markdown's META_RE and META_MORE_RE, a key starting with a letter.
_KEY_LINE: Final = re.compile(r"[ ]{0,3}([A-Za-z][A-Za-z0-9_-]{0,63}):[ \t]*(.*)")
_MORE_LINE: Final = re.compile(r"(?:[ ]{4}|[ ]{0,3}\t)[ \t]*(.*)")
# One of these makes the block a header (see the module's docstring).
_ANY_OF: Final = ("title", "date")
# Pelican's list-valued keys (ensure_metadata_list).
_LISTS: Final = frozenset({"tags", "authors"})
_DATES: Final = frozenset({"date", "modified"})
# Pelican's statuses for a file it does not publish ("hidden" ones are published, unlisted).
_UNPUBLISHED: Final = frozenset({"draft", "skip"})


class Header(NamedTuple):
    """A metadata header: its text as written, its values, and where the body begins."""

    front: str
    data: dict[str, Any]
    body_start: int


def read_header(text: str, start: int) -> Header | None:
    """The metadata header at ``start`` of ``text`` (LF line ends), or None if there is none.

    >>> read_header("Title: A\\nTags: x, y\\n\\nBody\\n", 0).data
    {'title': 'A', 'tags': ['x', 'y']}
    """
    values: dict[str, list[str]] = {}
    key: str | None = None
    position = start
    size = len(text)
    while position < size:
        newline = text.find("\n", position)
        end = size if newline < 0 else newline
        line = text[position:end]
        if not line.strip():
            break
        match = _KEY_LINE.fullmatch(line)
        if match is not None:
            key = match[1].lower()
            values.setdefault(key, []).append(match[2].strip())
        else:
            more = _MORE_LINE.fullmatch(line) if key is not None else None
            if more is None or key is None:
                return None  # prose, a heading, a list: this is no header
            values[key].append(more[1].strip())
        position = end + 1
    if not any(name in values for name in _ANY_OF):
        return None
    front_end = min(position, size)
    blank_end = text.find("\n", front_end)
    body_start = size if blank_end < 0 else blank_end + 1
    return Header(text[start:front_end], metadata_values(values), body_start)


def metadata_values(values: dict[str, list[str]]) -> dict[str, Any]:
    """Pelican's rules for a few keys (lists, dates, statuses) on values read as text, a
    list of lines per key (lower-cased); reST pages' metadata takes them too."""
    data: dict[str, Any] = {}
    for key, lines in values.items():
        if key in _LISTS:
            items = list(dict.fromkeys(item for line in lines for item in _metadata_list(line)))
            if items:
                data[key] = items
            continue
        value = " ".join(line for line in lines if line)
        data[key] = value.replace("_", " ") if key in _DATES else value
    status = data.get("status")
    if isinstance(status, str) and status.strip().lower() in _UNPUBLISHED:
        data.setdefault("draft", True)
    return data


def _metadata_list(value: str) -> list[str]:
    """Pelican's ``ensure_metadata_list``: ``a; b`` or ``a, b`` as items."""
    parts = value.split(";") if ";" in value else value.split(",")
    return [part.strip() for part in parts if part.strip()]
