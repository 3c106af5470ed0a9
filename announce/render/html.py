"""Sanitized HTML made for mail: the talk's HTML without active content, its URLs
absolute, bare URLs linked with short text, headings under the title, images sized.

Raw HTML in talks (as in Jekyll) is kept minus anything that could run (nh3); what is
left is made to hold up in mail clients (lxml): nothing wider than the 600 px column.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import nh3
from lxml import etree
from lxml import html as lxml_html
from markupsafe import Markup, escape

from .. import images
from ..config import Settings
from ..content import Event
from ..images import CONTENT_WIDTH
from ..links import is_absolute, resolve

__all__ = ["TIME", "keep_together", "nobreak", "sanitize", "short_url"]


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
        if settings is not None and event is not None and settings.site.url and \
                not is_absolute(value):
            from ..pages import body_url  # where the generator publishes what it names

            absolute = body_url(settings, event, value)
            if absolute is None:
                return None  # a link to no page of the site: its text stays, unlinked
        else:
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
    _drop_empty_sections(root)
    _normalise_headings(root, top)
    _keep_times_whole(root)
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


# A time of day or a range of them ("13:00", "6:30 PM", "13:00 - 17:00", "19h30"): a
# line break inside one reads as two numbers, so it is kept on one line.
TIME = re.compile(r"(?<![\w:])\d{1,2}(?::|h|：)\d{2}(?:\s?[AaPp]\.?[Mm]\.?)?"
                  r"(?:\s?[-–—~～]\s?\d{1,2}(?::|h|：)\d{2}(?:\s?[AaPp]\.?[Mm]\.?)?)?(?![\w:])")
NOWRAP = "white-space: nowrap"


def keep_together(text: str) -> Markup:
    """``text`` escaped, its times of day each in a span that does not wrap (the
    ``keep_together`` filter of the HTML templates: ``{{ when | keep_together }}``)."""
    out = []
    last = 0
    for match in TIME.finditer(str(text)):
        out += [escape(text[last:match.start()]),
                Markup('<span style="{}">{}</span>').format(NOWRAP, match[0])]
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def nobreak(text: str) -> Markup:
    """``text`` escaped, on one line: its spaces no-break spaces (a short date)."""
    return Markup(str(escape(text)).replace(" ", "&nbsp;"))  # noqa: S704 - escaped above


def _keep_times_whole(root: Any) -> None:
    """Every time of day in the talk's text in a span that does not wrap."""
    for node in list(root.iter()):
        if not isinstance(node.tag, str) or node.tag in ("pre", "code"):
            continue
        if node.text and TIME.search(node.text):
            lead, spans = _split_times(node.text)
            node.text = lead
            for offset, span in enumerate(spans):
                node.insert(offset, span)
        for child in list(node):
            if child.tail and TIME.search(child.tail):
                lead, spans = _split_times(child.tail)
                child.tail = lead
                at = node.index(child)
                for offset, span in enumerate(spans, start=1):
                    node.insert(at + offset, span)


def _split_times(text: str) -> tuple[str, list[Any]]:
    spans: list[Any] = []
    lead = text
    last = 0
    for match in TIME.finditer(text):
        before = text[last:match.start()]
        if spans:
            spans[-1].tail = before
        else:
            lead = before
        span = lxml_html.Element("span", style=NOWRAP)
        span.text = match[0]
        spans.append(span)
        last = match.end()
    if spans:
        spans[-1].tail = text[last:]
    return lead, spans


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


# What shows in mail though it holds no text.
_VISIBLE = ("img", "table", "hr", "video", "audio", "picture")


def _empty(node: Any) -> bool:
    return not node.text_content().strip() and not any(True for _ in node.iter(*_VISIBLE))


def _drop_empty_sections(root: Any) -> None:
    """Paragraphs with nothing in them (an iframe the sanitizer took out), and headings
    with nothing under them before the next heading of their level or above ("Thema
    siehe Pad" followed by "Notizen"): in mail they read as a section left blank."""
    for node in list(root.iter("p", "div")):
        if node is not root and _empty(node) and node.getparent() is not None:
            node.drop_tree()
    children = list(root)
    for index in range(len(children) - 1, -1, -1):
        node = children[index]
        if not isinstance(node.tag, str) or node.tag not in _HEADINGS:
            continue
        level = int(node.tag[1])
        after = []
        for sibling in children[index + 1:]:
            if not isinstance(sibling.tag, str):
                continue
            if sibling.tag in _HEADINGS and int(sibling.tag[1]) <= level:
                break
            if sibling.getparent() is not None:  # not dropped already
                after.append(sibling)
        text_after = (node.tail or "").strip()
        if not text_after and all(_empty(s) for s in after):
            node.drop_tree()


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
    if width > CONTENT_WIDTH:
        # Wider than the column: scaled down, height to match.
        height = image.get("height")
        image.set("width", str(CONTENT_WIDTH))
        if height:
            image.set("height", str(max(1, round(int(height) * CONTENT_WIDTH / width))))
        width = CONTENT_WIDTH
    if width:
        # A width in pixels cannot shrink in a table cell; a percentage up to a maximum can.
        safe = f"width: 100%; max-width: {width}px; height: auto"
    else:
        # Its size unknown (not a file of the site's repository): Outlook, which goes by
        # the attribute and would draw it at its full size, gets the column's width; every
        # other client draws it at its own size (width: auto), at most the column's.
        image.set("width", str(CONTENT_WIDTH))
        image.attrib.pop("height", None)
        safe = "width: auto; max-width: 100%; height: auto"
    image.set("style", f"{style}; {safe}" if style else safe)
