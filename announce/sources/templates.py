"""What a site's own page templates say about its front-matter keys.

The layouts, partials, includes and components that render an event page show which keys
the site displays, and as what: ``{{ .Params.event.date | time.Format "15:04" }}`` after a
clock icon, ``{{ page.doors }}`` beside "Doors", ``event.data.startDate`` in an
add-to-calendar link's ``dates=``, ``.Params.venue`` in its ``location=``. They are read
as text (Liquid, Go templates, Nunjucks, Tera, Jinja, Astro, JSX, MDX; no generator is
run), and each key reference gets the roles its surroundings name. :mod:`.infer` ranks a
site's candidate keys by this evidence before their values and words.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ROLES", "TemplateEvidence", "read_templates", "template_files"]

_SUFFIXES = (".html", ".htm", ".liquid", ".njk", ".nunjucks", ".tera", ".jinja", ".jinja2",
             ".j2", ".astro", ".jsx", ".tsx", ".mdx", ".vue", ".svelte", ".hbs", ".ejs",
             ".ics", ".xml", ".gotmpl")
# Scripts are read only for how they show dates (a component's helper, a config).
_SCRIPTS = (".js", ".mjs", ".cjs", ".ts")
# How a template shows a moment in UTC rather than the reader's or the site's zone: a site
# that does this writes its local wall clock with a Z, and its pages show that wall clock.
_UTC_RENDERING = re.compile(
    r"""timeZone\s*:\s*["'](?:UTC|Etc/UTC|GMT)["']|\.UTC\b|\butc\(\)|toUTCString|getUTCHours"""
    r"""|\|\s*date\s*:[^}]*["'](?:UTC|\+0000|Z)["']|time\.UTC|zone\s*:\s*["']utc["']""",
    re.IGNORECASE)
_SKIP = frozenset({"node_modules", ".git", "vendor", "_site", "public", "dist", "resources",
                   ".cache", "build"})
_MAX_FILES, _MAX_BYTES = 1500, 200_000

# A reference to a front-matter key, as each template language writes it; group 1 is the
# key path below the page's front matter.
_REFERENCE = re.compile(
    r"\.Params\.([A-Za-z_][\w.]*)"                       # Hugo
    r"|\bpage\.extra\.([A-Za-z_][\w.]*)"                 # Zola (Tera)
    r"|\bpage\.meta\.([A-Za-z_][\w.]*)"                  # MkDocs (Jinja)
    r"|\b(?:page|post|event|meetup|talk|item|article|include\.event|entry)"
    r"(?:\.data)?\.([A-Za-z_][\w.]*)"                     # Liquid, Nunjucks, Jinja, Astro
    r"|\b(?:data|frontmatter|props)\.([A-Za-z_][\w.]*)"  # Eleventy, Astro, MDX
)
# What a key's surroundings say it is. The words are those of page labels, icons, schema.org
# properties and calendar links, in the languages sites are written in.
ROLES: dict[str, re.Pattern[str]] = {
    "start": re.compile(
        r"(?i)\b(?:when|date|time|start|begin|beginn|wann|datum|uhrzeit|zeit|quand|heure|"
        r"horaire|fecha|hora|cuándo|quando|ora|wanneer|tijd|kiedy|czas|kdy|dtstart|"
        r"startdate|dates=|fa-clock|fa-calendar|time\.format|dateformat|strftime|"
        r"tolocale\w*string)\b|\|\s*date\b|日時|時間|開始|시간|일시|날짜"),
    "doors": re.compile(r"(?i)\b(?:doors?|einlass|entrée|ouverture|apertura|開場|입장)\b"),
    "published": re.compile(
        r"(?i)\b(?:published|posted|updated|modified|lastmod|datepublished|datemodified|"
        r"veröffentlicht|publié|publicado|pubdate|article:published_time)\b"),
    "end": re.compile(r"(?i)\b(?:end|ends|until|bis|fin|dtend|enddate)\b"),
    "title": re.compile(
        r"(?i)(?:<h1|<title|post-title|event-title|\btext=|\bsummary\b|\bname=\"?title|"
        r"itemprop=\"name\")"),
    "venue": re.compile(
        r"(?i)\b(?:where|venue|location|place|ort|lieu|lugar|luogo|locatie|adresse|address|"
        r"fa-location|fa-map|map-marker|location=|itemprop=\"location\")\b|会場|場所|장소"),
    "speakers": re.compile(
        r"(?i)\b(?:speakers?|presenters?|presented by|referent\w*|sprecher\w*|intervenant\w*|"
        r"orateur|ponentes?|relatore|spreker|prelegent|performer)\b|発表者|登壇者|발표자"),
    "rsvp": re.compile(
        r"(?i)\b(?:rsvp|register|registration|sign ?up|tickets?|anmeld\w*|inscri\w*|"
        r"regístrate)\b"),
}
_BEFORE, _AFTER = 120, 60
_EXPRESSION_END = re.compile(r"\}\}|%\}|\}|\n|<")


@dataclass
class TemplateEvidence:
    """Key path -> how often the templates show it in each role; the files read."""

    roles: dict[str, Counter[str]] = field(default_factory=dict)
    files: int = 0
    # The first template or script that shows dates in UTC (see evidence.utc_habit).
    utc_file: Path | None = None
    # Data the templates loop over showing each item as an event (a VEVENT, a "When"):
    # its path below the site's data ("daten.linuxuser" for site.data.daten.linuxuser),
    # and the first template that does.
    event_loops: dict[str, Path] = field(default_factory=dict)
    # Keys the templates look records up by in the site's data: key path -> data path
    # ("venue_id" -> "venues" for site.data.venues | where: "id", page.venue_id).
    joins: dict[str, str] = field(default_factory=dict)
    # Titles the templates build of words and one key ("<h1>Paris.js #{meetup.edition}
    # </h1>", "SUMMARY:Wolust {{ t.meeting }}"), as key-map text paths: "Paris.js #{edition}".
    title_texts: Counter[str] = field(default_factory=Counter)
    # The same from a calendar's SUMMARY line alone: how the site's own feed names an
    # event, its title key among them ("Wolust {meeting}").
    calendar_titles: Counter[str] = field(default_factory=Counter)
    # Data files the site's components import (Astro's "import events from
    # '../data/events.json'", a script's require(...)): what its pages are built from,
    # with how many times.
    imported_data: Counter[Path] = field(default_factory=Counter)
    # Shortcodes whose template looks their argument up in the site's data: name ->
    # (argument, data path) ("speaker" -> ("speaker_id", "speakers") for {{ index
    # site.Data.speakers (.Get "speaker_id") }} in layouts/shortcodes/speaker.html).
    shortcode_joins: dict[str, tuple[str, str]] = field(default_factory=dict)

    def score(self, path: str, role: str) -> int:
        """How strongly the templates say ``path`` plays ``role``: its mentions in that role,
        less those in roles that exclude it (a start is no doors or published date)."""
        counts = self._counts(path)
        if not counts:
            return 0
        against = {"start": ("doors", "published", "end")}.get(role, ())
        return counts[role] - sum(counts[other] for other in against)

    def time_only(self, path: str) -> bool:
        """Whether the templates show ``path`` only as a time of day (``| date: '%H:%M'``)."""
        counts = self._counts(path)
        return counts["time_only"] > 0 and counts["dated"] == 0

    def best_role(self, path: str) -> str | None:
        """The role the templates show ``path`` in most, or None."""
        counts = self._counts(path)
        roles = [(n, role) for role, n in counts.items() if role != "shown" and n > 0]
        return max(roles)[1] if roles else None

    def shows(self, role: str) -> bool:
        """Whether the templates show some key in ``role`` (a speakers section, a venue)."""
        return any(counts[role] > 0 for counts in self.roles.values())

    def shown(self, path: str) -> bool:
        return bool(self._counts(path))

    def _counts(self, path: str) -> Counter[str]:
        # Hugo's .Params.x is front matter x or [params] x; Zola's page.extra.x is extra.x.
        for candidate in (path, path.removeprefix("params."), path.removeprefix("extra.")):
            if candidate in self.roles:
                return self.roles[candidate]
        return Counter()


def read_templates(root: Path) -> TemplateEvidence:
    """Every key reference in the site's templates, with the roles its surroundings name."""
    evidence = TemplateEvidence()
    for path in template_files(root):
        try:
            if path.stat().st_size > _MAX_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        evidence.files += 1
        for imported in _DATA_IMPORT.finditer(text):
            name = imported[1]
            if name.startswith("."):
                evidence.imported_data[(path.parent / name).resolve()] += 1
            else:  # "@/data/events.json", "~/data/...": an alias of the site's source root
                evidence.imported_data[Path(name.lstrip("@~/"))] += 1
        if evidence.utc_file is None and _UTC_RENDERING.search(text):
            evidence.utc_file = path
        if path.suffix in _SCRIPTS:
            if "<h1" in text or "<title>" in text:  # a React component's JSX
                evidence.title_texts.update(_title_texts(text))
            continue
        if path.parent.name == "shortcodes" and (looked_up := _shortcode_join(text)):
            evidence.shortcode_joins.setdefault(path.stem, looked_up)
        for join in _DATA_JOIN.finditer(text):
            evidence.joins.setdefault(join["key"] or join["gokey"], join["data"] or join["godata"])
        looped, text = _event_loops(text)
        for name in looped:
            evidence.event_loops.setdefault(name, path)
        text = expand_aliases(text)
        evidence.title_texts.update(_title_texts(text))
        evidence.calendar_titles.update(_title_texts(text, calendar=True))
        matches = list(_REFERENCE.finditer(text))
        for index, match in enumerate(matches):
            key = next(g for g in match.groups() if g).rstrip(".")
            # The words between the previous key and the next one, on this line and the one
            # before: the reference's own label, icon or filter, not a neighbour's.
            start = max(matches[index - 1].end() if index else 0, match.start() - _BEFORE,
                        text.rfind("\n", 0, text.rfind("\n", 0, match.start())) + 1)
            # After the key, only its own expression counts: a filter or format
            # ("| date: '%H:%M'", "time.Format"), up to where the expression closes.
            closing = _EXPRESSION_END.search(text, match.end(), match.end() + _AFTER)
            end = closing.start() if closing else match.end()
            near = text[start:match.start()] + " " + text[match.end():end]
            counts = evidence.roles.setdefault(key, Counter())
            counts["shown"] += 1
            shape = _format_shape(text[match.end():end])
            if shape:
                counts[shape] += 1  # "time_only" ("| date: '%H:%M'") or "dated"
            for role, pattern in ROLES.items():
                if pattern.search(near):
                    counts[role] += 1
    return evidence


# Where a page shows its title: its heading, its window's title, its calendar entry's.
_TITLE_SHOWN = re.compile(r"<h1\b[^>]*>(?P<h1>[^<]{1,160})</h1>|<title>(?P<title>[^<]{1,160})"
                          r"</title>|^SUMMARY:(?P<summary>[^\n]{1,160})$", re.MULTILINE)
# A data file a component or script imports: "import x from '../data/e.json'", a dynamic
# "await import('...json')", "require('...yml')".
_DATA_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']"""
                          r"""([^"'\n]{1,200}\.(?:json|ya?ml|toml))["']""")
# A template expression: {{ page.x }}, JSX's {meetup.x}, a template literal's ${meetup.x}.
_EXPRESSION = re.compile(r"\{\{-?\s*(?P<a>[\w.$]+)\s*-?\}\}|\$?\{\s*(?P<b>[\w.$]+)\s*\}")


def _title_texts(text: str, calendar: bool = False) -> list[str]:
    """The titles ``text`` shows built of words and one key other than the title, as
    key-map text paths ("Paris.js #{edition}"); with ``calendar``, those of a calendar's
    SUMMARY line, the title key too."""
    found = []
    for match in _TITLE_SHOWN.finditer(text):
        if calendar and not match["summary"]:
            continue
        inner = (match["h1"] or match["title"] or match["summary"]).strip()
        if inner.startswith("{`") and inner.endswith("`}"):  # JSX: {`Paris.js #${...}`}
            inner = inner[2:-2]
        expressions = list(_EXPRESSION.finditer(inner))
        if len(expressions) != 1:
            continue
        expression = expressions[0]
        reference = _REFERENCE.fullmatch(expression["a"] or expression["b"])
        key = next((g for g in reference.groups() if g), None) if reference else None
        words = inner[:expression.start()] + inner[expression.end():]
        if key is None or (key == "title" and not calendar) or "{" in words or \
                "%" in words or \
                sum(c.isalpha() for c in words) < 2:
            continue
        found.append(f"{inner[:expression.start()]}{{{key}}}{inner[expression.end():]}"
                     .strip())
    return found


# A record looked up in the site's data by a page's key: Liquid's site.data.venues | where:
# "id", page.venue_id (or site.data.venues[page.venue]), Hugo's index .Site.Data.speakers
# .Params.speaker (or where .Site.Data.venues "id" .Params.venue).
_DATA_JOIN = re.compile(
    r"site\.data\.(?P<data>[\w.]+?)\s*(?:\|\s*where(?:_exp)?:\s*[\"'][\w.]+[\"']\s*,\s*|\[\s*)"
    r"(?:page|post|include\.\w+)\.(?P<key>[\w.]+)"
    r"|\b(?:index|where)\s+(?:\$?\.Site|site|hugo)\.Data\.(?P<godata>[\w.]+)\s+"
    r"(?:\"\w+\"\s+)?\$?(?:\.Page)?\.Params\.(?P<gokey>[\w.]+)")


# A date format after a key: Liquid's and Jinja's "| date: '%H:%M'", strftime, Go's
# .Format "15:04"; what it shows of the value.
_FORMAT = re.compile(r"date:\s*[\"']([^\"']{1,40})[\"']|strftime\(\s*[\"']([^\"']{1,40})[\"']"
                     r"|\.Format\s+\"([^\"]{1,40})\"")
_DAY_PARTS = re.compile(r"%[-_0^#]?[dejmbBhyYaAFDxcuUwWV]|2006|Jan|Mon|\b0?2\b|\b0?1\b|_2")
_CLOCK_PARTS = re.compile(r"%[-_0^#]?[HIklMpPRT]|15|03|04|PM|pm")


def _format_shape(after: str) -> str | None:
    """"time_only" when the expression after a key formats it as a time of day alone,
    "dated" when its format shows the day, None when it has no date format."""
    match = _FORMAT.search(after)
    if match is None:
        return None
    layout = next(g for g in match.groups() if g)
    if _DAY_PARTS.search(layout):
        return "dated"
    return "time_only" if _CLOCK_PARTS.search(layout) else None


# A shortcode's argument ({{ $id := .Get "speaker_id" }}) and a lookup of the site's data by
# it ({{ index site.Data.speakers $id }}, or by (.Get "speaker_id") itself).
_GET_ARG = re.compile(r"\$(\w+)\s*:?=\s*\.Get\s+\"(\w+)\"")
_INDEX_DATA = re.compile(r"\bindex\s+(?:\$?\.Site|site|hugo)\.Data\.([\w.]+)\s+"
                         r"(?:\$(\w+)|\(\s*\.Get\s+\"(\w+)\"\s*\))")


def _shortcode_join(text: str) -> tuple[str, str] | None:
    """(argument, data path) when a shortcode's template looks its argument up in the
    site's data, else None."""
    variables = {m[1]: m[2] for m in _GET_ARG.finditer(text)}
    for match in _INDEX_DATA.finditer(text):
        argument = match[3] or variables.get(match[2] or "")
        if argument:
            return argument, match[1]
    return None


# A loop over the site's data: Liquid's {% for t in site.data.daten.linuxuser %}, Hugo's
# {{ range .Site.Data.events }} (or $.Site.Data, site.Data, hugo.Data).
_DATA_LOOP = re.compile(
    r"\{%-?\s*for\s+(?P<var>\w+)\s+in\s+site\.data\.(?P<liquid>[\w.]+)"
    r"|\{\{-?\s*range\s+(?:\$\w+\s*:=\s*|\$\w+\s*,\s*\$\w+\s*:=\s*)?"
    r"(?:\$?\.Site|site|hugo)\.Data\.(?P<go>[\w.]+)")
_LOOP_END = re.compile(r"\{%-?\s*endfor|\{\{-?\s*end\s*-?\}\}")
# What says the loop shows each item as an event: a calendar's event, a start's label.
_EVENT_BODY = re.compile(r"BEGIN:VEVENT|DTSTART|schema\.org/Event|h-event|\bdt-start\b")


def _event_loops(text: str) -> tuple[list[str], str]:
    """The data paths ``text`` loops over showing each item as an event, and the text with
    each such item's keys written as an event's (``treffen.ort`` -> ``event.ort``), so that
    they count as evidence like a page's keys."""
    found = []
    for loop in list(_DATA_LOOP.finditer(text)):
        closing = _LOOP_END.search(text, loop.end())
        end = closing.start() if closing else min(len(text), loop.end() + 3000)
        body = text[loop.end():end]
        start_words = ROLES["start"]
        var = loop["var"]
        if _EVENT_BODY.search(body) or (
                var and any(start_words.search(body[max(0, m.start() - 80):m.start()])
                            for m in re.finditer(rf"\b{var}\.", body))):
            found.append((loop["liquid"] or loop["go"]).rstrip("."))
            if var and var != "event":
                body = re.sub(rf"(?<![\w.]){var}\.(?=[A-Za-z_])", "event.", body)
                text = text[:loop.end()] + body + text[end:]
    return found, text


# A Go template action, and the ones that open a scope ({{ with .Params.event }}) or
# another block that an {{ end }} closes.
_GO_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
_GO_OPENS = re.compile(r"^(with|range|if|block|define|template)\b\s*(.*)$", re.DOTALL)
_GO_PARAMS = re.compile(r"^\$?(?:\.Page)?\.Params(?:\.[A-Za-z_]\w*)+$")
# ".name" on its own, not a method of something before it ($x.y, (f).y, a.b.c).
_GO_BARE = re.compile(r"(?<![\w)\].$])\.([A-Za-z_]\w*)")
# Liquid's {% assign e = page.evento %}, Jinja's and Nunjucks' {% set e = page.evento %}.
_ALIAS = re.compile(r"\{%-?\s*(?:assign|set)\s+([A-Za-z_]\w*)\s*=\s*"
                    r"((?:page|post|include\.event)(?:\.[A-Za-z_]\w*)+)\s*-?%\}")


def expand_aliases(text: str) -> str:
    """The template with each key reference written out in full: inside Go's
    ``{{ with .Params.evento }}``, ``.dt_start`` is ``.Params.evento.dt_start``; after
    Liquid's ``{% assign e = page.evento %}``, ``e.dt_start`` is ``page.evento.dt_start``.
    What each names is then read like any other reference."""
    if "{{" in text and ".Params" in text:
        text = _expand_go_scopes(text)
    for alias in list(_ALIAS.finditer(text))[:50]:
        name, full = alias[1], alias[2]
        head, tail = text[:alias.end()], text[alias.end():]
        text = head + re.sub(rf"(?<![\w.]){re.escape(name)}\.(?=[A-Za-z_])", full + ".", tail)
    return text


def _expand_go_scopes(text: str) -> str:
    scopes: list[str | None] = []  # the .Params path of each open block, or None

    def rewrite(action: str) -> str:
        prefix = next((p for p in reversed(scopes) if p is not None), None)
        if prefix is None:
            return action
        return _GO_BARE.sub(lambda m: f"{prefix}.{m[1]}", action)

    parts: list[str] = []
    last = 0
    for match in _GO_ACTION.finditer(text):
        action = match[1]
        if re.match(r"^end\b", action):
            if scopes:
                scopes.pop()
            continue
        if re.match(r"^else\b", action):
            continue
        opens = _GO_OPENS.match(action)
        new = rewrite(action)
        if opens:
            argument = rewrite(opens[2]).strip()
            scoped = opens[1] in ("with", "range") and _GO_PARAMS.match(argument)
            scopes.append(argument.lstrip("$").removeprefix(".Page") if scoped else None)
        if new != action:
            parts.append(text[last:match.start(1)] + new)
            last = match.end(1)
    parts.append(text[last:])
    return "".join(parts)


def template_files(root: Path) -> list[Path]:
    """The site's templates and scripts, as read here (no build output, no packages)."""
    found: list[Path] = []
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(d for d in folders if d not in _SKIP and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(_SUFFIXES) or name.endswith(_SCRIPTS):
                found.append(Path(directory) / name)
                if len(found) >= _MAX_FILES:
                    return found
    return found
