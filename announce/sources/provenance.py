"""Where each fact of an event came from, and which facts the site does not state.

Every event carries ``sources`` (fact -> where) and ``unsure`` (the facts nobody wrote):
the names are those of ``announce list --json`` (``start``, ``location``, ``speakers``,
``title``). A source is a front-matter key path (``event.date``), a line of the file
(``body:12``), the file's name (``file:date``), a setting (``[content] default_time``),
or a combination (``meetup_date + body:37``: the date from a key, the time from a line).
This module turns them into words for ``list``, ``check`` and ``init``, and into the one
rule ``send`` applies: an event unsure of its start is refused.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..content import Event, Problem

__all__ = ["FACTS", "PROSE", "REFUSED", "describe", "origin", "refusal", "tally", "unsure_problems"]

# The facts whose origin is tracked, in the order they are shown.
FACTS = ("start", "title", "location", "speakers")
# The facts send will not guess: a message with an unsure start or title is never sent.
REFUSED = ("start", "title")

# How a fact's source says it is a reading of the page's prose, not a statement
# ("body:12 (prose: by)": a name after "Session by"; see sources.byline).
PROSE = "(prose: "

_BODY = re.compile(r"\bbody:(\d+)")

_WHY = {
    "start": "the page gives a date but no time of day anywhere (no time key, no time in "
             "its text)",
    "location": "no venue in a key or a labelled line ('Where: ...'), or a placeholder "
                "such as 'TBC': the mail says nothing of where",
    "speakers": "the page names no speaker in a key but its text mentions one",
    "title": "no title key or heading: the title is made from the file's name",
}


def origin(source: str) -> str:
    """The kind of a source, for tallies: ``key``, ``key + text``, ``text``, ``file name``,
    ``default`` (a setting), or ``not stated``."""
    if "no time of day stated" in source or source == "none":
        return "not stated"
    if "default_time" in source:
        return "key + default"
    has_body = bool(_BODY.search(source)) or "[" in source.split("+")[-1]
    if source.startswith("file:"):
        return "file name + text" if has_body else "file name"
    if source.startswith("body:"):
        return "text"
    return "key + text" if "+" in source and has_body else "key"


def describe(event: Event, fact: str) -> str:
    """Where ``fact`` of ``event`` came from, in words with lines: ``date (line 3) + the
    page's line 17``."""
    source = event.sources.get(fact)
    if source is None:
        return "not stated" if fact in event.unsure else "—"
    parts = []
    for part in source.split(" + "):
        part = part.strip()
        body = _BODY.fullmatch(part)
        if body:
            parts.append(f"line {body[1]}")
        elif part == "file:date":
            parts.append("the file's name")
        elif part.startswith(("[", "body:")) or " " in part:
            parts.append(part)
        else:
            parts.append(f"{part} ({_key_line(event, part)})")
    return " + ".join(parts)


def _key_line(event: Event, path: str) -> str:
    from .frontmatter import FrontMatterError
    from .readers import key_lines

    try:
        return f"line {key_lines(event.path).line_of(path)}"
    except (FrontMatterError, OSError):
        return "front matter"


def unsure_problems(events: Iterable[Event]) -> list[Problem]:
    """One warning per unsure fact of each event, on the line of the key it came from."""
    problems = []
    for event in events:
        for fact in event.unsure:
            what = _WHY.get(fact, "not stated")
            if fact == "location" and PROSE in event.sources.get(fact, "") and event.location:
                what = (f"{event.location.title!r} is a reading of a sentence, not a key or a "
                        "labelled line ('Where: ...'): the mail leaves where to the text")
            tail = (": send refuses this event until the file states it or [content] "
                    "default_time is set" if fact == "start" else
                    ": send refuses this event until the file states it (map the key in "
                    "[content.keys])" if fact in REFUSED else "")
            problems.append(Problem(event.path, _line(event, fact), fact,
                                    f"unsure: {what}{tail}", "warning"))
    return problems


def _line(event: Event, fact: str) -> int:
    source = event.sources.get(fact, "")
    key = source.split(" + ")[0].split(" (")[0].strip()
    if not key or key.startswith(("file:", "body:", "[")):
        body = _BODY.search(source)
        return int(body[1]) if body else 1
    line = _key_line(event, key)
    return int(line.split()[-1]) if line.startswith("line ") else 1


def refusal(events: Iterable[Event]) -> str | None:
    """Why ``send`` must not send to these events, or None: the files whose start or
    title is not stated, and how to fix each."""
    unsure = [e for e in events if any(f in e.unsure for f in REFUSED)]
    if not unsure:
        return None
    from ..paths import display_path

    lines = []
    for event in unsure:
        what = []
        if "start" in event.unsure:
            why = event.sources.get("start", "")
            reason = why[why.find("(") + 1:why.rfind(")")] if "(" in why else "not stated"
            what.append(f"start {event.start:%Y-%m-%d}: {reason}")
        if "title" in event.unsure:
            what.append("no title stated")
        lines.append(f"  {display_path(event.path)}: {event.title} ({'; '.join(what)})")
    fixes = []
    if any("no time of day" in e.sources.get("start", "") for e in unsure):
        fixes.append("Write the time in the file (a time key, or a line such as 'Time: "
                     "19:00'), or, if the group always starts at the same time, set it in "
                     "announce.toml:\n  [content]\n  default_time = \"18:30\"")
    if any("start" in e.unsure and "no time of day" not in e.sources.get("start", "")
           for e in unsure):
        fixes.append("Correct the file so that what it says of the start agrees (its date, "
                     "time, offset, title and the page's own lines); 'announce check' shows "
                     "each disagreement on its line.")
    if any("title" in e.unsure for e in unsure):
        fixes.append("Give the file a title (a title key, or a '# ' heading), or name the "
                     "key that holds it in announce.toml: [content.keys] title = \"...\"")
    names = "\n".join(lines)
    return ("Refusing to send: these events are unsure of what the message must say, and "
            f"a wrong fact must not reach the list:\n{names}\n" + "\n".join(fixes))


def tally(events: Iterable[Event]) -> dict[str, Counter[str]]:
    """Fact -> how many events got it from each kind of source (see :func:`origin`)."""
    counts: dict[str, Counter[str]] = {fact: Counter() for fact in FACTS}
    for event in events:
        for fact in FACTS:
            if fact in event.unsure:
                counts[fact]["unsure"] += 1
            elif fact in event.sources:
                counts[fact][origin(event.sources[fact])] += 1
            else:
                counts[fact]["not stated"] += 1
    return counts
