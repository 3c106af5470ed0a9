"""Render one event as one kind of message: subject, HTML (CSS inlined), plain text, .ics.

Everything here runs once per (event, kind), never per recipient: Markdown, the
sanitizer, Jinja and the CSS inliner are the slow parts, and :mod:`announce.message`
only changes the addressing afterwards.

The HTML and the plain text come from one context and two templates (``KIND.html``,
``KIND.txt``), looked up in the user's ``[templates] path`` first and in the packaged
``announce/templates/email/`` second; a user template can also extend a packaged one by the name
``packaged/KIND.html`` to change a single block.
"""

from __future__ import annotations

import calendar as calendar_module
import functools
import logging
import re
import textwrap
import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.utils import parseaddr
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import html2text
import jinja2
import jinja2.runtime
import markdown
import nh3
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from lxml import html as lxml_html
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markupsafe import Markup

from . import images
from .changes import Change, template_rows
from .config import DEFAULT_SUBJECTS, Settings
from .content import Catalog, Event, Problem
from .errors import ContentError, TemplateError
from .i18n import N_, Language, display_width, language
from .kinds import MessagePlan
from .kinds import plan as plan_message
from .resources import packaged_templates
from .selection import KINDS, announced_types
from .sources.dates import preview
from .urls import (
    event_page_url,
    front_matter_line,
    is_absolute,
    line_of,
    map_url,
    meetup_url,
    resolve,
    unsafe_url_problems,
)

__all__ = [
    "KINDS",
    "Rendered",
    "environment",
    "format_when",
    "html_to_text",
    "inline_css",
    "markdown_to_html",
    "packaged_templates",
    "relative_url_problems",
    "render_event",
    "render_subject",
    "sandboxed",
    "sender_domain",
]

log = logging.getLogger(__name__)

TEXT_WIDTH = 78
_CONTENT_WIDTH = images.CONTENT_WIDTH
UPCOMING_COUNT = 3
# Lightning talks happen before a meeting; a lunch or a leadership meeting has none, so
# the configured call for proposals ([lightning_talks] propose_url) goes on meetings only.
LIGHTNING_TYPE = "meeting"

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


@dataclass(frozen=True)
class Rendered:
    """One event rendered as one kind of message, ready to be addressed."""

    event: Event
    kind: str            # "announcement" | "reminder" | "cancellation"
    subject: str
    html: str            # complete HTML document, CSS inlined
    text: str            # plain-text twin
    ics: bytes           # the .ics (text/calendar; method=PUBLISH)
    # What the ledger said when it was rendered: the key it is sent under ("update:2"),
    # the changes an update tells, the .ics SEQUENCE (see announce.kinds).
    plan: MessagePlan | None = None

    @property
    def ics_filename(self) -> str:
        return ics_filename(self.event)


def ics_filename(event: Event, limit: int = 40) -> str:
    """The attachment's name: the event's slug, cut at a hyphen to about ``limit``
    characters (the text part names it in a sentence that must wrap)."""
    slug = event.slug or "event"
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] or slug[:limit]
    return f"{slug}.ics"


# --- dates -----------------------------------------------------------------------------


def _clock(moment: datetime) -> tuple[str, str]:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d}", "AM" if moment.hour < 12 else "PM"


# English keeps announce's own wording of dates (CLDR's differs in small ways: "Wed,
# January 8" for the long date, "6:00 PM – 8:00 PM"); every other language takes CLDR's.


def _long_date(moment: datetime, lang: Language | None = None) -> str:
    if lang is not None and not lang.english:
        return lang.long_date(moment)
    return f"{_WEEKDAYS[moment.weekday()]}, {_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def short_date(moment: datetime, lang: Language | None = None) -> str:
    """``Wed, Jan 6``: a date in a subject line (``Mi., 6. Jan.`` in German)."""
    if lang is not None and not lang.english:
        return lang.short_date(moment)
    return f"{_WEEKDAYS[moment.weekday()][:3]}, {_MONTHS[moment.month - 1][:3]} {moment.day}"


def _weekday(moment: datetime, lang: Language | None = None) -> str:
    if lang is not None and not lang.english:
        return lang.weekday(moment)
    return _WEEKDAYS[moment.weekday()]


def _time_of_day(moment: datetime, lang: Language | None = None) -> str:
    if lang is not None and not lang.english:
        return lang.time(moment)
    return "{} {}".format(*_clock(moment))


def format_when(start: datetime, end: datetime, tz: tzinfo, lang: Language | None = None) -> str:
    """``Wednesday, January 8, 2020, 6:00–8:00 PM EST``, in the site's timezone
    (``Mittwoch, 8. Januar 2020, 18:00–20:00 MEZ`` in German)."""
    s, e = start.astimezone(tz), end.astimezone(tz)
    if lang is not None and not lang.english:
        return _format_when_cldr(s, e, lang)
    (s_time, s_half), (e_time, e_half) = _clock(s), _clock(e)
    if s.date() != e.date():
        return (f"{_long_date(s)}, {s_time} {s_half} {s.tzname()} – "
                f"{_long_date(e)}, {e_time} {e_half} {e.tzname()}")
    if s.tzname() != e.tzname():  # the night the clocks change
        times = f"{s_time} {s_half} {s.tzname()}–{e_time} {e_half} {e.tzname()}"
    elif s_half == e_half:
        times = f"{s_time}–{e_time} {e_half} {e.tzname()}"
    else:
        times = f"{s_time} {s_half}–{e_time} {e_half} {e.tzname()}"
    return f"{_long_date(s)}, {times}"


def _format_when_cldr(s: datetime, e: datetime, lang: Language) -> str:
    if s.date() != e.date():
        return (f"{lang.date_time(lang.long_date(s), f'{lang.time(s)} {lang.zone(s)}')} – "
                f"{lang.date_time(lang.long_date(e), f'{lang.time(e)} {lang.zone(e)}')}")
    if lang.zone(s) != lang.zone(e):  # the night the clocks change
        times = lang.time_range(s, e).replace(lang.time(s), f"{lang.time(s)} {lang.zone(s)}", 1)
        times = f"{times} {lang.zone(e)}"
    else:
        times = f"{lang.time_range(s, e)} {lang.zone(e)}"
    return lang.date_time(lang.long_date(s), times)


def relative_day(start: datetime, now: datetime, tz: tzinfo, lang: Language | None = None) -> str:
    """``today``, ``tomorrow``, ``this Wednesday`` (within a week), else ``on Wed, Jan 6``."""
    _ = lang.gettext if lang is not None else str
    local = start.astimezone(tz)
    day, today = local.date(), now.astimezone(tz).date()
    days = (day - today).days
    # Translators: today, tomorrow, this ... and on ... complete "Reminder: <title> is
    # ..." (the reminder's subject and first line) and follow "Reminder ·" in its kicker.
    if days == 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    if 1 < days < 7:
        # Translators: the weekday's name, within the coming week.
        return _("this %(weekday)s") % {"weekday": _weekday(local, lang)}
    # Translators: a short date such as "Wed, Jan 6", a week or more ahead.
    return _("on %(date)s") % {"date": short_date(local, lang)}


# --- Markdown, sanitizing, plain text --------------------------------------------------

_LIST_ITEM = re.compile(r"^ {0,3}(?:[*+-]|1[.)])[ \t]+\S")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


class _ListsInterruptParagraphs(Preprocessor):
    """Let a list start right below a paragraph line, as on GitHub (CommonMark).

    Talk files are written that way ("...mesh capabilities:" then "* Istio"), and
    Python-Markdown would otherwise run the items into the paragraph.
    """

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        fence: str | None = None
        in_list = prev_blank = True
        for line in lines:
            match = _FENCE.match(line)
            if fence is not None:
                if match and match[1] == fence:
                    fence = None
                out.append(line)
                continue
            if match:
                fence = match[1]
            if not line.strip():
                in_list = prev_blank = True
                out.append(line)
                continue
            item = bool(_LIST_ITEM.match(line))
            if item and not prev_blank and not in_list:
                out.append("")
            in_list = item or (in_list and not prev_blank)
            prev_blank = False
            out.append(line)
        return out


class _ListExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # Markdown's name for it
        # Before the HTML-block and fenced-code preprocessors (20, 25): plain lines only.
        md.preprocessors.register(_ListsInterruptParagraphs(md), "announce_lists", 27)


_local = threading.local()
# What a body is when Python-Markdown recurses until Python gives up on it.
TOO_DEEP = "lists or quotes nested too deeply to render (some hundreds of levels)"


def markdown_to_html(text: str) -> str:
    """Markdown (with raw HTML, as in Jekyll) to an HTML fragment; not yet sanitized."""
    md: markdown.Markdown | None = getattr(_local, "markdown", None)
    if md is None:
        # One converter per thread: building one costs more than converting a talk.
        md = markdown.Markdown(extensions=["extra", "sane_lists", _ListExtension()],
                               output_format="html")
        _local.markdown = md
    md.reset()
    return md.convert(text)


# Raw HTML in talks is kept, minus anything active. ``class`` goes too: the site's
# classes mean nothing in mail, and must not pick up this theme's styles.
_TAGS = set(nh3.ALLOWED_TAGS) | {"font", "tfoot"}
_ATTRIBUTES: dict[str, set[str]] = {
    tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {"title", "lang", "dir", "style"}
_ATTRIBUTES["font"] = {"color", "face", "size"}
_ATTRIBUTES["a"] = {"href", "hreflang", "name"}
_DROP_WITH_CONTENT = {"script", "style", "iframe", "form", "object", "embed", "noscript",
                      "template", "applet", "frameset", "select", "textarea"}
_STYLE_PROPERTIES = {
    "color", "background-color", "font-weight", "font-style", "font-size", "font-family",
    "text-align", "text-decoration", "vertical-align", "width", "height", "max-width",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left", "padding",
    "padding-top", "padding-right", "padding-bottom", "padding-left", "border",
    "border-collapse", "float", "line-height", "white-space", "list-style-type",
}
_URL_ATTRIBUTES = {"href", "src", "cite"}


def sanitize(fragment: str, site_url: str, unresolved: list[str] | None = None, *,
             settings: Settings | None = None, event: Event | None = None,
             top: int = 2) -> str:
    """``fragment`` without active content, every URL made absolute against ``site_url``,
    ready for mail (see :func:`_for_mail`): bare URLs linked, headings from ``h{top}``
    down, images sized.

    URLs that cannot be made absolute (no site url) are kept as they are and appended to
    ``unresolved``, for the caller to report with the file's name and line. With
    ``settings`` and ``event``, an image that is a file of the site's repository gets its
    real size (:func:`announce.images.dimensions`) and an SVG its PNG or JPEG stand-in.
    """
    sizes: dict[str, tuple[int, int]] = {}

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in _URL_ATTRIBUTES:
            return value
        if tag == "img" and attribute == "src" and settings is not None and event is not None:
            value = images.substitute(value, settings, event)
            size = images.dimensions(value, settings, event)
        else:
            size = None
        absolute = resolve(value, site_url)
        if absolute is None:
            if unresolved is not None:
                unresolved.append(value)
            return value
        if size is not None:
            sizes[absolute] = size
        return absolute

    clean = nh3.clean(
        fragment,
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=attribute_filter,
        link_rel=None,
        filter_style_properties=_STYLE_PROPERTIES,
    )
    return _for_mail(clean, sizes, top)


# Where a bare URL stays text: inside a link already, or code (a URL there is an example).
_NO_LINKS = {"a", "code", "pre", "kbd", "samp"}
# A bare URL; or a Markdown link that Markdown left as text (inside a raw HTML block).
_LINKABLE = re.compile(r"\[(?P<text>[^\]\n]+)\]\((?P<href>(?:https?://|mailto:)[^)\s]+)\)"
                       r"|(?P<url>\bhttps?://[^\s<>\"']+)", re.IGNORECASE)
# Bold that Markdown could not close ("**Topic: ** MythTV"): the marks are noise in mail.
_STRAY_BOLD = re.compile(r"\*\*+|(?<!\w)__+|__+(?!\w)")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_SHORT_URL = 40


def short_url(url: str, limit: int = _SHORT_URL) -> str:
    """What a link to ``url`` shows: host and path, shortened to about ``limit``
    characters at a ``/`` (``github.com/ansible/awx/…``), so that it fits a phone."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/")
    shown = host + path
    if len(shown) <= limit and not parts.query and not parts.fragment:
        return shown
    if len(shown) > limit:
        cut = shown[:limit].rsplit("/", 1)[0]
        shown = cut if len(cut) > len(host) else shown[:limit]
    return shown + "/…" if shown == host else shown + "…"


def _for_mail(fragment: str, sizes: dict[str, tuple[int, int]], top: int) -> str:
    """Sanitized HTML made to hold up in mail clients: bare URLs (and links that show
    their whole URL) become links with short text, so that a long address cannot widen a
    phone's screen; headings descend from ``h{top}`` without skipping a level (the
    mail's title is the h1); images get their size and never exceed the column."""
    if not fragment.strip():
        return fragment
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    _fix_text(root)
    for anchor in root.iter("a"):
        href = anchor.get("href") or ""
        if len(anchor) == 0 and (anchor.text or "").strip() == href and len(href) > _SHORT_URL:
            anchor.text = short_url(href)
    _normalise_headings(root, top)
    for image in root.iter("img"):
        _size_image(image, sizes)
    # Serialized as the wrapping <div> ... </div>: cut the wrapper off.
    html = str(etree.tostring(root, encoding="unicode", method="html"))
    return html[len("<div>"):-len("</div>")]


def _fix_text(root: Any) -> None:
    """Outside links and code: stray ``**`` dropped, URLs and left-over Markdown links
    made links."""
    for node in list(root.iter()):
        if not isinstance(node.tag, str) or node.tag in _NO_LINKS:
            continue
        if any(a.tag in _NO_LINKS for a in node.iterancestors()):
            continue
        if node.text:
            lead, anchors = _linked(node.text)
            node.text = lead
            for offset, anchor in enumerate(anchors):
                node.insert(offset, anchor)
        for child in list(node):
            if child.tail:
                lead, anchors = _linked(child.tail)
                child.tail = lead
                at = node.index(child)
                for offset, anchor in enumerate(anchors, start=1):
                    node.insert(at + offset, anchor)


def _linked(text: str) -> tuple[str, list[Any]]:
    """``text`` as its leading text and the <a> elements it holds, each with the text
    after it as its tail."""
    if "**" in text or "__" in text:
        text = _STRAY_BOLD.sub("", text)
    if "://" not in text and "](" not in text:
        return text, []
    anchors: list[Any] = []
    last = 0
    lead = text
    for match in _LINKABLE.finditer(text):
        if match["url"]:
            url = label = match["url"].rstrip(".,;:!?)]}\u2019\u201d")
            if url.count("(") > url.count(")") and match["url"][len(url):].startswith(")"):
                url = label = url + ")"  # a Wikipedia URL: (disambiguation) belongs to it
            end = match.start() + len(url)
            label = short_url(url)
        else:
            url, label, end = match["href"], match["text"], match.end()
        before = text[last:match.start()]
        if anchors:
            anchors[-1].tail = before
        else:
            lead = before
        anchor = lxml_html.Element("a", href=url)
        anchor.text = label
        anchors.append(anchor)
        last = end
    if anchors:
        anchors[-1].tail = text[last:]
    return lead, anchors


def _normalise_headings(root: Any, top: int) -> None:
    """``#`` and ``###`` in a talk become h2 and h3 under the title: levels ranked, and
    never more than one deeper than the heading before."""
    found = [node for node in root.iter(*_HEADINGS)]
    if not found:
        return
    ranks = {level: rank for rank, level in enumerate(sorted({n.tag for n in found}))}
    previous = top - 1
    for node in found:
        level = min(top + ranks[node.tag], previous + 1, 6)
        node.tag = f"h{level}"
        previous = level


_CSS_SIZE = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*(\d+)(?:\.\d+)?px\s*(?=;|$)",
                       re.IGNORECASE)


def _size_image(image: Any, sizes: dict[str, tuple[int, int]]) -> None:
    """Width and height as attributes, in pixels, at most the column's width (Outlook
    goes by them; ``height="auto"`` is invalid), and a style that lets every other client
    shrink the image to a phone's width: ``width:100%`` up to its own width."""
    style = image.get("style") or ""
    for name, value in _CSS_SIZE.findall(style):  # the talk's style="width: 350px"
        if image.get(name.lower()) is None:
            image.set(name.lower(), value)
    style = _CSS_SIZE.sub("", style).strip().strip(";").strip()
    for attribute in ("width", "height"):
        if not (image.get(attribute) or "").strip().isdigit():
            image.attrib.pop(attribute, None)
    size = sizes.get(image.get("src") or "")
    if size is not None:
        image.set("width", str(size[0]))
        image.set("height", str(size[1]))
    width = int(image.get("width") or 0)
    if width > _CONTENT_WIDTH:
        # Wider than the column: scaled down, height to match.
        height = image.get("height")
        image.set("width", str(_CONTENT_WIDTH))
        if height:
            image.set("height", str(max(1, round(int(height) * _CONTENT_WIDTH / width))))
        width = _CONTENT_WIDTH
    # A width in pixels cannot shrink in a table cell; a percentage up to a maximum can.
    safe = (f"width: 100%; max-width: {width}px; height: auto" if width
            else "max-width: 100%; height: auto")
    image.set("style", f"{style}; {safe}" if style else safe)


class _PlainText(html2text.HTML2Text):
    """html2text for people, not for a Markdown parser: nothing gets backslash-escaped,
    and no Markdown marks are written (code, strike-through: just their text)."""

    def handle_data(self, data: str, entity_char: bool = False) -> None:
        super().handle_data(data, entity_char=True)

    def handle_tag(self, tag: str, attrs: dict[str, str | None], start: bool) -> None:
        if tag in ("code", "tt", "kbd", "samp", "del", "s", "strike") and not self.pre:
            return
        super().handle_tag(tag, attrs, start)


def html_to_text(fragment: str, width: int = TEXT_WIDTH) -> str:
    """Readable plain text of an HTML fragment, the one conversion of every place that
    is not HTML (the text part, the preheader, the calendar's description): links become
    ``text (URL)``, headings a line underlined with ``-``, no Markdown marks; wrapped at
    ``width`` (0: not at all) without ever splitting a URL or a word at a hyphen."""
    fragment = _links_inline(fragment)
    converter = _PlainText(bodywidth=0)
    converter.ignore_links = True
    converter.ignore_emphasis = True
    converter.ignore_images = False
    converter.images_to_alt = True
    converter.unicode_snob = True
    converter.mark_code = True
    converter.ul_item_mark = "*"
    return _text_lines(converter.handle(fragment), width)


_MD_LINK_TEXT = re.compile(r"\[([^\]\n]+)\]\((\S+?)\)")
_HEADING_LINE = re.compile(r"^(#{1,6}) +(.*?)(?: +#+)?$")
_PREFIX = re.compile(r"^((?:> ?)+|\s*(?:[*+-]|\d+\.) +|\s+)")


def _text_lines(converted: str, width: int) -> str:
    """html2text's unwrapped output as plain text: headings underlined, code blocks
    indented as they are, every other line wrapped under its list or quote prefix."""
    out: list[str] = []
    code = False
    for line in converted.strip("\n").splitlines():
        line = line.rstrip()
        if line.strip() in ("[code]", "[/code]"):
            code = line.strip() == "[code]"
            continue
        heading = None if code else _HEADING_LINE.match(line)
        if not code and "](" in line:  # Markdown the source escaped: "\\[text\\](url)"
            line = _MD_LINK_TEXT.sub(r"\1 (\2)", line)
        if code:
            out.append(line)
        elif heading:
            title = heading[2]
            out += [_wrap(title, width) if width else title,
                    "-" * min(display_width(title), width or TEXT_WIDTH)]
        elif not width or display_width(line) <= width:
            out.append(line)
        else:
            prefix_match = _PREFIX.match(line)
            prefix = prefix_match[1] if prefix_match else ""
            indent = prefix if prefix.lstrip().startswith(">") else " " * len(prefix)
            out.append(_wrap(line, width, indent))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out))


def _links_inline(fragment: str) -> str:
    """Write each link's URL after its text, so the plain text keeps the target; a link
    that shows its own (short) URL becomes the whole URL. Tables become lines of cells
    separated by ``|`` (plain text has no columns)."""
    if "<a" not in fragment and "<t" not in fragment:
        return fragment
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        text = " ".join(anchor.text_content().split())
        shown = href.removeprefix("mailto:") if href.startswith("mailto:") else href
        if not text or text in (href, shown, short_url(href)) or _bare(text) == _bare(href):
            anchor.text, anchor[:] = shown, []
            continue
        anchor.tail = f" ({shown})" + (anchor.tail or "")
    _tables_as_lines(root)
    # Serialized as the wrapping <div> ... </div>: cut the wrapper off.
    return str(etree.tostring(root, encoding="unicode", method="html"))[len("<div>"):-len("</div>")]


def _bare(url: str) -> str:
    """``url`` without its scheme, ``www.`` and final ``/``: what a link's text may show."""
    return re.sub(r"^[a-z]+://(www\.)?", "", url.strip(), flags=re.IGNORECASE).rstrip("/")


def _tables_as_lines(root: Any) -> None:
    for row in list(root.iter("tr")):
        cells = [cell for cell in row if cell.tag in ("td", "th")]
        for cell in cells[:-1]:
            cell.tail = " | "
        for cell in cells:
            cell.tag = "span"
        row.tag = "p"
    etree.strip_tags(root, "table", "thead", "tbody", "tfoot", "caption", "colgroup", "col")


def _summary(text: str) -> str:
    """The plain text's paragraphs on one line, headings left out: for one-line places
    (the inbox preview, a calendar link's details)."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    kept = []
    for block in blocks:
        lines = block.splitlines()
        if len(lines) >= 2 and set(lines[-1]) <= {"-", "="}:
            continue  # a heading (its underline)
        kept.append(block)
    return " ".join(" ".join(kept).split())


def _tidy(text: str) -> str:
    """No trailing blanks, never two empty lines in a row, one final newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def _first_sentence(text: str, limit: int = 150) -> str:
    flat = _summary(text)
    match = re.match(r"(.+?[.!?])(?:\s|$)", flat)
    sentence = match[1] if match else flat
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
    return sentence


class _LoneLink(HTMLParser):
    """Whether an HTML fragment is one link and nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.outside = False
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._depth = max(0, self._depth - 1)

    def handle_data(self, data: str) -> None:
        if self._depth == 0 and data.strip():
            self.outside = True


def _without_trailing_call(section: str, propose_url: str | None) -> str:
    """The lightning-talk section minus its last paragraph when that is only the
    "propose" link: the email shows its own button for it, and once is enough."""
    if not propose_url or not section.strip():
        return section
    blocks = re.split(r"\n[ \t]*\n", section.strip())
    parser = _LoneLink()
    parser.feed(markdown_to_html(blocks[-1]))
    parser.close()
    if parser.hrefs == [propose_url] and not parser.outside:
        return "\n\n".join(blocks[:-1])
    return section


# --- templates -------------------------------------------------------------------------


def _autoescape(name: str | None) -> bool:
    # Plain-text templates are not HTML: escaping "&" there would print "&amp;".
    return not (name or "").endswith(".txt")


def _wrap(text: str, width: int = TEXT_WIDTH, indent: str = "") -> str:
    """Wrap each paragraph of ``text``; long words (URLs) are never broken."""
    out = []
    for line in str(text).splitlines() or [""]:
        if not line.strip():
            out.append("")
        elif _WIDE.search(line) or display_width(line) != len(line):
            out.append(_wrap_wide(line, width, indent))
        else:
            out.append(textwrap.fill(line, width, subsequent_indent=indent,
                                     break_long_words=False, break_on_hyphens=False))
    return "\n".join(out)


# Chinese, Japanese and Korean script: two columns wide, and a line may break between any
# two of its characters (textwrap breaks at spaces only, and counts one column each).
_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                   r"\uff00-\uff60\uffe0-\uffe6]")
# Not at the start of a line (closing marks) or at its end (opening ones): kinsoku.
_NO_START = set("、。，．・：；？！ー）」』】〕〉》”’～ぁぃぅぇぉっゃゅょァィゥェォッャュョ")
_NO_END = set("（「『【〔〈《“‘")


def _wrap_wide(line: str, width: int, indent: str) -> str:
    """Greedy wrapping by display width, breaking between wide characters or at spaces."""
    tokens = re.findall(r"[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff"
                        r"\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+|\s+|.", line.strip())
    lines: list[str] = []
    current = ""
    for token in tokens:
        if token.isspace():
            token = " " * len(token)  # as textwrap: a run of blanks is kept, not collapsed
        candidate = current + token
        limit = width - (display_width(indent) if lines else 0)
        if not current or token.isspace() or display_width(candidate.rstrip()) <= limit:
            current = candidate
        elif token[0] not in _NO_START and current[-1] not in _NO_END:
            lines.append(current.rstrip())
            current = token
        elif (len(current) > 1 and _WIDE.match(current[-1]) and current[-1] not in _NO_START
              and current[-2] not in _NO_END):
            # Kinsoku by pushing out: the last character goes down with the mark.
            lines.append(current[:-1].rstrip())
            current = current[-1] + token
        else:  # a run of such marks: the width wins
            lines.append(current.rstrip())
            current = token
    lines.append(current.rstrip())
    return ("\n" + indent).join(lines)


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, stricter: a template is config a pull request can change, and the
    preview job renders it. An unsafe attribute (``cycler.__init__``) fails the template
    with a ``SecurityError`` instead of reading as empty, and ``*`` and ``**`` cannot
    build a value of gigabytes."""

    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        owner = obj.__name__ if isinstance(obj, type) else type(obj).__name__
        raise SecurityError(f"{attribute!r} of {owner} is off limits in a "
                            "template (templates run sandboxed)")

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any,
                   right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 100:
            raise SecurityError(f"'** {right}': too large a power for a template")
        if operator == "*" and isinstance(left, int) and isinstance(right, str | list):
            left, right = right, left
        if operator == "*" and isinstance(left, str | list) and isinstance(right, int) \
                and len(left) * right > _MAX_REPEAT:
            raise SecurityError(f"'* {right}': too long a repetition for a template")
        return super().call_binop(context, operator, left, right)


_MAX_REPEAT = 100_000


def sandboxed(**options: Any) -> SandboxedEnvironment:
    """The one kind of Jinja environment announce renders mail with: sandboxed,
    ``StrictUndefined`` unless ``options`` say otherwise."""
    options.setdefault("undefined", jinja2.StrictUndefined)
    return _Sandbox(**options)


# The labels of the plain text's "When:  ..." column: it is as wide as the widest of
# them, in the language of the mail.
# Translators: "When:", "Where:", "RSVP:", "More:", "With:" label the plain text's lines;
# keep them short (the column is as wide as the widest).
TEXT_LABELS = (N_("When:"), N_("Where:"), N_("RSVP:"), N_("More:"), N_("With:"))


def _label(width: int, text: str) -> str:
    """``When:`` padded to the label column (``width``) of the plain text."""
    return str(text) + " " * max(1, width - display_width(str(text)))


@functools.lru_cache(maxsize=32)
def _environment(user_path: Path | None, packaged: Path, tag: str) -> jinja2.Environment:
    packaged_loader = jinja2.FileSystemLoader(str(packaged))
    loaders: list[jinja2.BaseLoader] = []
    if user_path is not None:
        loaders.append(jinja2.FileSystemLoader(str(user_path)))
    loaders += [packaged_loader, jinja2.PrefixLoader({"packaged": packaged_loader})]
    env = sandboxed(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    lang = _language_of(tag, user_path)
    # One environment per language: the catalog is bound once, and templates compile once
    # per language (a per-render overlay would recompile them every time).
    env.install_gettext_translations(lang.translations, newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    width = max(display_width(lang.gettext(label)) for label in TEXT_LABELS) + 1
    env.globals["label_indent"] = " " * width
    env.filters["wrap"] = _wrap
    env.filters["label"] = functools.partial(_label, width)
    env.filters["columns"] = display_width  # a heading's underline under CJK: 2 a character
    return env


def _language_of(tag: str, user_path: Path | None) -> Language:
    """The language ``tag``, with the user's own catalogs (``locale/`` in the templates
    folder) over the packaged ones."""
    user_locale = user_path / "locale" if user_path is not None else None
    return language(tag, user_locale if user_locale is not None and user_locale.is_dir()
                    else None)


def event_language(settings: Settings, event: Event) -> str:
    """The language of ``event``'s mail: its own ``lang:`` key, else ``[site] language``."""
    return (event.language or settings.site.language or "en").strip() or "en"


def environment(settings: Settings, tag: str | None = None) -> jinja2.Environment:
    """The Jinja2 environment for these settings and language (cached: templates compile
    once per language)."""
    user = settings.templates.path
    if user is not None and not user.is_dir():
        raise TemplateError(f"{user}: [templates] path: folder not found")
    return _environment(user, packaged_templates(), tag or settings.site.language or "en")


def _template_error(exc: Exception, name: str) -> TemplateError:
    """A TemplateError that says which template file and line went wrong."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = exc.filename or exc.name or name
        return TemplateError(f"{where}:{exc.lineno}: {exc.message}")
    if isinstance(exc, jinja2.TemplateNotFound):
        return TemplateError(f"{exc.name}: template not found")
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.endswith((".html", ".txt"))]
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else name
    return TemplateError(f"{where}: {exc}")


_EXTENDS = re.compile(r"""\{%-?\s*extends\s+(["'])(.+?)\1""")


def _endless(user: Path | None, name: str) -> TemplateError:
    """Jinja recursed until Python gave up: most likely a user template that extends its
    own name (``base.html`` extending "base.html", meant as the packaged one)."""
    endless = TemplateError(f"{name}: templates extend or include each other without end")
    if user is None:
        return endless
    for path in sorted(user.rglob("*")):
        own = path.relative_to(user).as_posix()
        try:
            match = _EXTENDS.search(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeError):  # a folder, or not a template
            continue
        if match and match[2] == own:
            return TemplateError(f"{path}: extends itself; to change blocks of the packaged "
                                 f'one, extend "packaged/{own}"')
    return endless


def _render_template(env: jinja2.Environment, name: str, context: dict[str, Any],
                     user: Path | None) -> str:
    try:
        return env.get_template(name).render(context)
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise _template_error(exc, name) from None
    except RecursionError:
        raise _endless(user, name) from None


@functools.lru_cache(maxsize=32)
def _subject_template(source: str) -> jinja2.Template:
    return sandboxed(autoescape=False).from_string(source)  # a subject is text, not HTML


def group_name(settings: Settings, event: Event) -> str:
    """Who the mail is from: on a site of several groups announcing one ([content] group),
    that group's name (its organiser file's title); else ``[site] name``."""
    if settings.content.group and event.group_name:
        return event.group_name
    return settings.site.name


def render_subject(settings: Settings, event: Event, kind: str, now: datetime) -> str:
    """The subject line for ``kind`` from ``[mail] subject_KIND``, on one line; the
    default subjects are in the mail's language."""
    tz = settings.site.tz
    local = event.start.astimezone(tz)
    lang = _language_of(event_language(settings, event), settings.templates.path)
    source = settings.mail.subject_template(kind)
    if source == DEFAULT_SUBJECTS[kind]:
        source = lang.gettext(source)
    variables = {
        "site_name": group_name(settings, event),
        "title": event.title,
        "short_date": short_date(local, lang),
        "weekday": _weekday(local, lang),
        "relative_day": relative_day(event.start, now, tz, lang),
    }
    where = f"{settings.source or 'config'}: [mail] subject_{kind}"
    try:
        subject = _subject_template(source).render(variables)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{where}: {exc.message}") from None
    except jinja2.TemplateError as exc:
        known = ", ".join(variables)
        raise TemplateError(f"{where}: {exc} (variables: {known})") from None
    # A title may hold a line break; a header line must not.
    return " ".join(subject.split())


# --- CSS inlining ----------------------------------------------------------------------


def inline_css(html: str) -> str:
    """Move the ``<style>`` rules into ``style`` attributes (mail clients drop
    stylesheets); rules that cannot be inlined, such as ``@media``, stay in a ``<style>``.

    The only place that knows the inliner (premailer), so that it can be swapped.
    """
    import premailer  # here, not at the top: it imports requests, and only this needs it

    with _INLINER_LOCK:
        return _inline(premailer, html)


# One render at a time in here: premailer serializes through cssutils' process-wide
# serializer, whose nesting state is not per call, so two threads at once (the preview)
# came out with each other's indentation and selectors.
_INLINER_LOCK = threading.Lock()


def _inline(premailer: Any, html: str) -> str:
    inliner = premailer.Premailer(
        html,
        allow_network=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
        strip_important=False,
        remove_classes=False,
        keep_style_tags=False,
        disable_link_rewrites=True,
        # Not from CSS: "height: auto" would become the invalid height="auto", and an
        # image's "width: 100%" would overwrite its width in pixels, which Outlook needs.
        # The templates and the sanitizer write the sizes that matter as attributes.
        disable_basic_attributes=["height", "width"],
    )
    result: str = inliner.transform(pretty_print=False)
    return result


def _check_document(document: str, where: str) -> str:
    """The document, checked: every link and image absolute (else ``TemplateError``),
    and every image with alt text (an image a talk gave none gets ``alt=""``)."""
    root = lxml_html.document_fromstring(document)
    for element, attribute in (("a", "href"), ("img", "src"), ("link", "href")):
        for node in root.iter(element):
            value = node.get(attribute)
            if value is not None and not is_absolute(value):
                raise TemplateError(f"{where}: <{element} {attribute}={value!r}>: not an "
                                    "absolute URL (use the url, rsvp_url... variables)")
    bare = [node for node in root.iter("img") if node.get("alt") is None]
    if not bare:
        return document
    for node in bare:
        node.set("alt", "")  # decorative, for screen readers; better than the file name
    return str(etree.tostring(root.getroottree(), encoding="unicode", method="html"))


# --- the context -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Fragments:
    """The talk's Markdown parts as sanitized HTML and as plain text."""

    description_html: str
    speaker_html: str
    lightning_html: str
    unresolved: tuple[str, ...]
    # The lightning-talk section asks for talks in its own words (a sign-up link within
    # its text or list): that is the call, and the mail adds no button of its own.
    own_call: bool = False


def _page_base(settings: Settings, event: Event) -> str:
    """What the event's relative URLs are relative to: a page bundle's page (its
    "hero.png" is next to it), else the site's root."""
    page = event_page_url(settings, event) if event.path.stem in ("index", "event") else None
    return page.rstrip("/") + "/" if page else settings.site.url


def _fragments(settings: Settings, event: Event) -> _Fragments:
    unresolved: list[str] = []
    site = _page_base(settings, event)

    def convert(source: str | None, top: int) -> str:
        if not source:
            return ""
        try:
            html = markdown_to_html(source)
        except RecursionError:
            raise ContentError(f"{event.path}:{event.body_line}: body: {TOO_DEEP}") from None
        return sanitize(html, site, unresolved, settings=settings, event=event,
                        top=top).strip()

    lightning = event.lightning_talks
    own_call = False
    if lightning is not None:
        stripped = _without_trailing_call(lightning, event.propose_url)
        own_call = bool(event.propose_url) and stripped == lightning
        lightning = stripped
    # The description's headings go under the title (h1); the bio's and the lightning
    # talks' under their section's h2.
    return _Fragments(convert(event.description, 2), convert(event.speaker, 3),
                      convert(lightning, 3), tuple(unresolved), own_call)


_WHY_RELATIVE = "relative URL: set [site] url in the config so that it can be made absolute"


def relative_url_problems(settings: Settings, event: Event,
                          parts: _Fragments | None = None) -> list[Problem]:
    """The relative URLs of ``event`` that cannot be made absolute (no ``[site] url``),
    each with its file and line; nothing when ``[site] url`` is set."""
    if settings.site.url:
        return []
    problems: list[Problem] = []
    for name, value in (("image", event.image), ("rsvp", event.rsvp_url)):
        if value and resolve(value, "") is None:
            from .sources.events import field_line

            key, line = field_line(event, name)
            problems.append(Problem(event.path, line, key, f"{preview(value)}: {_WHY_RELATIVE}"))
    location = event.location
    if location and location.url and resolve(location.url, "") is None and location.path:
        _key, line = front_matter_line(location.path, ("url",))
        problems.append(Problem(location.path, line, "url",
                                f"{preview(location.url)}: {_WHY_RELATIVE}"))
    if parts is None:
        parts = _fragments(settings, event)
    for url in dict.fromkeys(parts.unresolved):
        line = line_of(event.path, url, event.body_line)
        problems.append(Problem(event.path, line, "body", f"{preview(url)}: {_WHY_RELATIVE}"))
    return problems


def _sanitized(html: str) -> Markup:
    """HTML that went through :func:`sanitize`, so the templates need not escape it."""
    return Markup(html)  # noqa: S704 - sanitized by nh3 in _fragments


def _absolute(settings: Settings, url: str | None) -> str | None:
    return resolve(url, settings.site.url) if url else None


def _where(settings: Settings, event: Event) -> dict[str, Any] | None:
    location = event.location
    if location is None:
        return None
    return {
        "title": location.title,
        "subtitle": location.subtitle,
        "online": location.online,
        "lines": list(location.address_lines),
        "full_address": location.full_address,
        "map_url": None if location.online else map_url(
            location.lat, location.lon, ", ".join(location.address_lines)),
        "url": _absolute(settings, location.url),
    }


def _calendar_location(event: Event, where: dict[str, Any] | None) -> str:
    if where is None:
        return ""
    if where["online"]:
        parts = [where["title"], where["subtitle"], where["url"] or ""]
        return ", ".join(p for p in parts if p)
    return str(where["full_address"])


def _google_calendar_url(event: Event, summary: str, details: str, location: str) -> str:
    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    query = {"action": "TEMPLATE", "text": summary,
             "dates": f"{stamp(event.start)}/{stamp(event.end)}", "details": details,
             "location": location}
    return "https://calendar.google.com/calendar/render?" + urlencode(
        {k: v for k, v in query.items() if v})


def _upcoming(settings: Settings, catalog: Catalog, event: Event,
              now: datetime, lang: Language) -> list[dict[str, Any]]:
    # After this event, and still ahead when the mail goes out.
    after = max(event.start, now)
    later = [e for e in catalog.events
             if e.start > after and e.id != event.id and not e.cancelled
             and announced_types(e, settings.content.types)]
    later.sort(key=lambda e: (e.start, e.id))
    tz = settings.site.tz
    rows = []
    for other in later[:UPCOMING_COUNT]:
        local = other.start.astimezone(tz)
        rows.append({"title": other.title, "date": short_date(local, lang),
                     "time": _time_of_day(local, lang),
                     "url": event_page_url(settings, other), "event": other})
    return rows


def _unsubscribe(settings: Settings) -> str | None:
    targets = settings.mail.unsubscribe
    https = [t for t in targets if t.startswith("https://")]
    ordered = https or list(targets)
    return ordered[0] if ordered else None


def _context(settings: Settings, catalog: Catalog, event: Event, kind: str, now: datetime,
             subject: str, parts: _Fragments, lang: Language,
             changes: Sequence[Change] = ()) -> dict[str, Any]:
    tz = settings.site.tz
    change_rows = template_rows(changes, tz, lang)
    local = event.start.astimezone(tz)
    where = _where(settings, event)
    page_url = event_page_url(settings, event)
    rsvp_url = _absolute(settings, event.rsvp_url) or meetup_url(settings, event)
    description_text = html_to_text(parts.description_html)
    when = format_when(event.start, event.end, tz, lang)

    propose_url = event.propose_url or (
        settings.lightning_talks.propose_url if event.type == LIGHTNING_TYPE else "") or None
    propose_url = None if parts.own_call else _absolute(settings, propose_url)
    lightning = None
    if event.lightning_talks is not None or propose_url:
        lightning = {"html": _sanitized(parts.lightning_html),
                     "text": html_to_text(parts.lightning_html),
                     "propose_url": propose_url}
    speaker = None
    if event.presenter or parts.speaker_html:
        speaker = {"name": event.presenter or "", "bio_html": _sanitized(parts.speaker_html),
                   "bio_text": html_to_text(parts.speaker_html)}
    image = None
    if event.image:
        source = images.substitute(event.image, settings, event)
        size = images.dimensions(source, settings, event)
        image = {"src": resolve(source, _page_base(settings, event)),
                 "alt": event.image_alt or event.title,
                 "width": size[0] if size else None, "height": size[1] if size else None}

    location_text = _calendar_location(event, where)
    details = "\n\n".join(p for p in (_first_sentence(description_text, 300), page_url or rsvp_url)
                          if p)
    first = _first_sentence(description_text)
    preheader = {
        "announcement": first or when,
        # The subject says "is this Wednesday"; the inbox line adds the time and place.
        "reminder": f"{when} · {where['title']}" if where else when,
        "cancellation": lang.gettext("%(title)s on %(date)s will not take place.") % {
            "title": event.title, "date": short_date(local, lang)},
        # What changed is the news: it goes first, in the inbox too.
        "update": "; ".join(row["text"] for row in change_rows) or when,
    }[kind]
    return {
        "kind": kind,
        "changes": change_rows,  # update.html/.txt: field, label, old, new, text
        "subject": subject,
        "language": event_language(settings, event),
        "site": {"name": group_name(settings, event), "url": settings.site.url or None},
        "event": event,
        "title": event.title,
        "when": when,
        "long_date": _long_date(local, lang),
        "short_date": short_date(local, lang),
        "weekday": _weekday(local, lang),
        "relative_day": relative_day(event.start, now, tz, lang),
        "where": where,
        "page_url": page_url,
        "rsvp_url": rsvp_url,
        "image": image,
        "preheader": preheader,
        "description_html": _sanitized(parts.description_html),
        "description_text": description_text,
        "speaker": speaker,
        "lightning": lightning,
        "calendar": {"google_url": _google_calendar_url(event, event.title, details,
                                                        location_text),
                     "ics_filename": ics_filename(event),
                     "location": location_text},
        "upcoming": _upcoming(settings, catalog, event, now, lang),
        "unsubscribe_url": _unsubscribe(settings),
        "reply_to": settings.mail.reply_to or None,
    }


# --- iCalendar -------------------------------------------------------------------------


def sender_domain(settings: Settings) -> str:
    """The domain of ``[mail] from``: Message-IDs and calendar UIDs live there."""
    address = parseaddr(settings.mail.sender)[1]
    domain = address.rpartition("@")[2].strip().lower()
    return domain or "localhost"


def event_uid(settings: Settings, event: Event) -> str:
    """The calendar UID of ``event``: the same in every kind, so calendars update it."""
    return f"{event.id.replace('/', '.')}@{sender_domain(settings)}"


def _ics(settings: Settings, event: Event, kind: str, now: datetime,
         context: dict[str, Any], description: str, lang: Language,
         plan: MessagePlan) -> bytes:
    """The .ics; ``description`` is the plain text unwrapped (calendars wrap it)."""
    import icalendar  # here: only rendering needs it, and it is slow to import

    tz = settings.site.tz
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//announce//announce//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    item = icalendar.Event()
    item.add("uid", event_uid(settings, event))
    item.add("dtstamp", now.astimezone(UTC))
    item.add("dtstart", event.start.astimezone(tz))
    item.add("dtend", event.end.astimezone(tz))
    item.add("summary", event.title)
    if context["calendar"]["location"]:
        item.add("location", context["calendar"]["location"])
    link = context["page_url"] or context["rsvp_url"]
    if kind == "cancellation":
        description = lang.gettext("CANCELLED. %(description)s") % {"description": description}
    item.add("description", description + (f"\n\n{link}" if link else ""))
    if link:
        item.add("url", link)
    item.add("status", plan.ics_status)
    # Calendars apply a change only when the sequence grows (see announce.kinds).
    item.add("sequence", plan.ics_sequence)
    organizer = _organizer(settings)
    if organizer is not None:
        item.add("organizer", organizer)  # RFC 5546: METHOD:PUBLISH requires it
    key = getattr(tz, "key", None)
    if key and "TZID" in item["DTSTART"].params:  # not for UTC: that is written "...Z"
        calendar.add_component(_vtimezone(key, event.start.astimezone(tz).year))
    calendar.add_component(item)
    ics: bytes = calendar.to_ical()
    return ics


def _organizer(settings: Settings) -> Any:
    """``[mail] from`` as the calendar's ORGANIZER (``CN=HV Open:mailto:...``)."""
    import icalendar

    name, address = parseaddr(settings.mail.sender)
    if "@" not in address:
        return None
    organizer = icalendar.vCalAddress(f"mailto:{address}")
    if name:
        organizer.params["cn"] = icalendar.vText(name)
    return organizer


@functools.lru_cache(maxsize=64)
def _vtimezone(key: str, year: int) -> Any:
    """The VTIMEZONE of zone ``key`` around ``year``: one STANDARD and one DAYLIGHT
    observance with yearly RRULEs, which every calendar reads right (ical.js took the
    DTSTART+RDATE form an hour off). A zone whose rules do not repeat over those years
    gets icalendar's list of dates instead. Cached: treat the component as read-only."""
    import icalendar

    zone = ZoneInfo(key)
    # Rules that hold for five years around the event, from the year before it.
    shifts = [_transitions(zone, y) for y in range(year - 1, year + 4)]
    if not any(shifts):  # no daylight saving time in these years
        offset = datetime(year, 7, 1, tzinfo=zone).utcoffset() or timedelta(0)
        name = datetime(year, 7, 1, tzinfo=zone).tzname() or key
        component = icalendar.Timezone()
        component.add("tzid", key)
        component.add_component(_observance("STANDARD", datetime(1970, 1, 1), offset,
                                             offset, name, None))
        return component
    rules = _yearly_rules(shifts)
    if rules is None:
        return icalendar.Timezone.from_tzid(key, first_date=date(year - 1, 1, 1),
                                            last_date=date(year + 1, 12, 31))
    component = icalendar.Timezone()
    component.add("tzid", key)
    for (local, before, after, name), rule in zip(shifts[0], rules, strict=True):
        kind = "DAYLIGHT" if after > before else "STANDARD"
        component.add_component(_observance(kind, local, before, after, name, rule))
    return component


_Shift = tuple[datetime, timedelta, timedelta, str]


def _transitions(zone: ZoneInfo, year: int) -> list[_Shift]:
    """The clock changes of ``zone`` in ``year``: (local time before the change, offset
    before, offset after, name after), found day by day, then to the second."""
    found: list[_Shift] = []
    day = timedelta(days=1)
    moment = datetime(year, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset() or timedelta(0)
    while moment.year == year:
        following = moment + day
        next_offset = following.astimezone(zone).utcoffset() or timedelta(0)
        if next_offset != offset:
            low, high = moment, following  # offset at low, next_offset at high
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            local = (high + offset).replace(tzinfo=None)
            found.append((local, offset, next_offset, high.astimezone(zone).tzname() or ""))
            offset = next_offset
        moment = following
    return found


def _yearly_rules(shifts: list[list[_Shift]]) -> list[dict[str, Any]] | None:
    """An RRULE for each change of the first year that predicts the same change in every
    following year (same month, weekday, time and offsets), else None."""
    first = shifts[0]
    if any(len(year) != len(first) for year in shifts):
        return None
    rules = []
    for index, (local, before, after, name) in enumerate(first):
        days = calendar_module.monthrange(local.year, local.month)[1]
        # "Last Sunday" first: in March 2024 it is also the fifth, in 2027 the fourth.
        choices = ([-1] if local.day + 7 > days else []) + [(local.day - 1) // 7 + 1]
        weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[local.weekday()]
        for nth in choices:
            if all(_nth_weekday(y[index][0], local.weekday(), nth) and
                   y[index][0].time() == local.time() and y[index][0].month == local.month
                   and y[index][1:] == (before, after, name) for y in shifts):
                rules.append({"freq": "yearly", "bymonth": local.month,
                              "byday": f"{nth}{weekday}"})
                break
        else:
            return None
    return rules


def _nth_weekday(moment: datetime, weekday: int, nth: int) -> bool:
    if moment.weekday() != weekday:
        return False
    if nth == -1:
        return moment.day + 7 > calendar_module.monthrange(moment.year, moment.month)[1]
    return (moment.day - 1) // 7 + 1 == nth


def _observance(kind: str, start: datetime, before: timedelta, after: timedelta, name: str,
                rule: dict[str, Any] | None) -> Any:
    import icalendar

    observance = (icalendar.TimezoneDaylight() if kind == "DAYLIGHT"
                  else icalendar.TimezoneStandard())
    observance.add("dtstart", start)
    observance.add("tzoffsetfrom", before)
    observance.add("tzoffsetto", after)
    observance.add("tzname", name)
    if rule is not None:
        observance.add("rrule", rule)
    return observance


# --- the whole thing -------------------------------------------------------------------


def render_event(settings: Settings, catalog: Catalog, event: Event, kind: str,
                 now: datetime, *, plan: MessagePlan | None = None) -> Rendered:
    """Render ``event`` as a message of ``kind``: subject, inlined HTML, text and .ics.

    Raises ``ContentError`` for a URL no email may carry (``javascript:``, or relative
    without ``[site] url``) and ``TemplateError`` for a template that fails.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    parts = _fragments(settings, event)
    problems = unsafe_url_problems(event) + relative_url_problems(settings, event, parts)
    if problems:
        raise ContentError("\n".join(str(p) for p in problems))
    subject = render_subject(settings, event, kind, now)
    tag = event_language(settings, event)
    lang = _language_of(tag, settings.templates.path)
    if plan is None:  # as if nothing had been sent yet: no changes, the first SEQUENCE
        plan = plan_message(event, kind, settings.schedule)
    context = _context(settings, catalog, event, kind, now, subject, parts, lang,
                       plan.changes)
    env = environment(settings, tag)
    user = settings.templates.path
    document = _render_template(env, f"{kind}.html", context, user)
    # Ends with a newline, as the MIME part will: what is rendered is what is sent.
    html = inline_css(_check_document(document, f"{kind}.html")).rstrip("\n") + "\n"
    text = _tidy(_render_template(env, f"{kind}.txt", context, user))
    ics = _ics(settings, event, kind, now, context,
               html_to_text(parts.description_html, width=0), lang, plan)
    return Rendered(event=event, kind=kind, subject=subject, html=html, text=text, ics=ics,
                    plan=plan)

