"""What a sender would want to know before the list sees the message: its size against
Gmail's clipping limit, relative URLs, and images without ``alt``."""

from __future__ import annotations

import html.parser
import re
from dataclasses import dataclass
from typing import ClassVar

from ..links import is_absolute
from ..message import gmail_clips

__all__ = ["MessageChecks", "check_html"]


class _HtmlScan(html.parser.HTMLParser):
    """Collects the URLs and the images of an HTML document."""

    _URL_ATTRS: ClassVar[frozenset[str]] = frozenset({"href", "src", "background", "poster",
                                                      "action", "cite"})
    _CSS_URL: ClassVar[re.Pattern[str]] = re.compile(r"url\(\s*['\"]?([^'\")]+)")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (tag.attribute, url)
        self.images_without_alt: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name in self._URL_ATTRS:
                self.urls.append((f"{tag} {name}", value))
            elif name == "srcset":
                self.urls.extend((f"{tag} srcset", item.split()[0])
                                 for item in value.split(",") if item.strip())
            elif name == "style":
                self.urls.extend((f"{tag} style", url) for url in self._CSS_URL.findall(value))
        if tag == "img" and "alt" not in values:
            self.images_without_alt.append(values.get("src", "(no src)"))


@dataclass(frozen=True)
class MessageChecks:
    """What a sender would want to know before the list sees the message."""

    html_bytes: int
    message_bytes: int
    relative_urls: tuple[tuple[str, str], ...]
    images_without_alt: tuple[str, ...]
    clipped: bool  # by Gmail (message.gmail_clips)


def check_html(html_text: str, message_bytes: int = 0) -> MessageChecks:
    """Size against Gmail's clipping limit, relative URLs, and images without ``alt``."""
    scan = _HtmlScan()
    scan.feed(html_text)
    scan.close()
    relative = tuple(
        (where, url) for where, url in scan.urls
        # A fragment points inside the message itself; an empty href is harmless.
        if url.strip() and not url.strip().startswith("#") and not is_absolute(url)
    )
    return MessageChecks(
        html_bytes=len(html_text.encode("utf-8")),
        message_bytes=message_bytes,
        clipped=gmail_clips(html_text),
        relative_urls=relative,
        images_without_alt=tuple(scan.images_without_alt),
    )
