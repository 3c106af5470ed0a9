"""Images in mail: the real size of a talk's images, and email-safe stand-ins for SVG.

Outlook for Windows ignores ``max-width``, so an image wider than the 600 px layout
breaks it unless its ``<img>`` says ``width`` and ``height``. When the image is a file of
the site's repository, :func:`dimensions` reads its size from the file's header
(``imagesize``: pure Python, headers only) and caps it at :data:`CONTENT_WIDTH`. Gmail
and older Outlook do not show SVG at all: :func:`substitute` names the PNG or JPEG of
the same name next to it, when the site has one. :func:`image_problems` is what
``announce check`` says about a talk's images.

Nothing outside the site is read: a path that leads out of it (``../../etc/x.png``, a
symbolic link to elsewhere) is no local image, and of a file only its first bytes are
read, through a reader that stops at :data:`HEADER_LIMIT` whatever the file claims.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Final
from urllib.parse import SplitResult, unquote, urlsplit

from .config import Settings
from .content import Event, Problem

__all__ = [
    "CONTENT_WIDTH",
    "HEADER_LIMIT",
    "body_images",
    "dimensions",
    "image_problems",
    "locate",
    "substitute",
]

# The width of the mail's content column, in CSS pixels: the 600 px layout less the
# content cell's 32 px padding on either side (templates/email/base.html).
CONTENT_WIDTH: Final = 536
# The most of a file the size is read from. A PNG, GIF or WebP says its size in its first
# 30 bytes; a JPEG's comes after its EXIF and colour profile, rarely past 100 KB.
HEADER_LIMIT: Final = 1024 * 1024
# What Gmail and Outlook show in place of an SVG, most email-safe first.
_STAND_INS: Final = (".png", ".jpg", ".jpeg")

def dimensions(src: str, settings: Settings, event: Event) -> tuple[int, int] | None:
    """The (width, height) to give the ``<img>`` of ``src``, at most CONTENT_WIDTH wide.

    ``src`` as the talk writes it: relative to the talk's file (a page bundle's
    ``hero.png``, ``../img/x.png``) or to the site's root (``/assets/img/x.png``), or an
    absolute URL on ``[site] url``. None when it is no file of the site's repository (a
    remote image, a path out of the site) or its size cannot be read.
    """
    path = locate(src, settings, event)
    if path is None:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    size = _header_size(str(path), info.st_size, info.st_mtime_ns)
    return _capped(*size) if size is not None else None


def substitute(src: str, settings: Settings, event: Event) -> str:
    """``src``, or for an SVG the same-named PNG or JPEG next to it when the site has one
    (``/img/logo.svg`` -> ``/img/logo.png``), written the way ``src`` is."""
    stand_in = _stand_in(src, settings, event)
    return stand_in[0] if stand_in is not None else src


def locate(src: str, settings: Settings, event: Event) -> Path | None:
    """The file of the site's repository that ``src`` names, or None (see dimensions)."""
    site = _site(settings.content.events, settings.base_dir, settings.content.generator,
                 settings.site.url)
    path = _site_path(src, site)
    if path is None:
        return None
    try:
        for candidate in _candidates(path, site, event.path.parent):
            found = _inside(candidate, site.root)
            if found is not None:
                return Path(found)
    except (OSError, ValueError):  # a NUL byte, a name too long: no file of the site
        return None
    return None


# --- the site ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    root: str  # its real path: nothing outside it is read
    public: tuple[str, ...]  # where /x is looked up, most likely first
    host: str  # [site] url's host, lower case, without "www."
    prefix: str  # [site] url's path ("/repo" of https://x.github.io/repo), or ""


@functools.lru_cache(maxsize=16)
def _site(events: Path, base: Path, generator: str, url: str) -> _Site:
    from .sources.profiles import detect_generator, generator_named, site_root

    root = site_root(events, base)
    profile = (generator_named(generator) if generator else None) or detect_generator(root)
    real = os.path.realpath(root)
    folders = [os.path.normpath(os.path.join(real, p)) for p in profile.served(root)]
    parts = _split(url) or urlsplit("")
    return _Site(real, (*dict.fromkeys([*folders, real]),), _host(parts.netloc),
                 parts.path.rstrip("/"))


def _host(netloc: str) -> str:
    host = netloc.lower().rsplit("@", 1)[-1]
    if not host.endswith("]"):
        host = host.partition(":")[0]  # the port: https://example.org:443/ is the site
    return host.removeprefix("www.")


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url.strip())
    except ValueError:  # "http://[::1": no URL, so no image of the site
        return None


def _site_path(src: str, site: _Site) -> str | None:
    """``src`` as a path on the site (``/img/x.png``, ``img/x.png``), or None when it is
    on another site or is no path (``data:``, ``mailto:``)."""
    src = src.strip()
    if not src or src.startswith("#"):
        return None
    parts = _split(src)
    if parts is None:
        return None
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("", "http", "https") or not site.host \
                or _host(parts.netloc) != site.host:
            return None
        path = parts.path or "/"
        if site.prefix and (path == site.prefix or path.startswith(site.prefix + "/")):
            path = path[len(site.prefix):] or "/"
        return unquote(path)
    return unquote(parts.path) or None


def _candidates(path: str, site: _Site, folder: Path) -> Iterator[str]:
    if path.startswith("/"):
        relative = path.lstrip("/")
        # /repo/img/x.png written with the site's base path, on a site served below one.
        prefix = site.prefix.lstrip("/")
        if prefix and relative.startswith(prefix + "/"):
            yield from (os.path.join(p, relative[len(prefix) + 1:]) for p in site.public)
        yield from (os.path.join(p, relative) for p in site.public)
        return
    # Next to the talk first (a page bundle's image), then from the site's root.
    yield os.path.join(folder, path)
    yield from (os.path.join(p, path) for p in site.public)


def _inside(candidate: str, root: str) -> str | None:
    """The real path of ``candidate`` when it is a regular file inside ``root``."""
    real = os.path.realpath(candidate)
    if os.path.commonpath([real, root]) != root:
        return None  # "..", or a symbolic link, that leads out of the site
    return real if os.path.isfile(real) else None


# --- reading sizes -----------------------------------------------------------------------


class _Header:
    """A file seen as if it ended at HEADER_LIMIT: the most of it imagesize may read."""

    def __init__(self, fd: int, size: int) -> None:
        self._fd = fd
        self._end = min(size, HEADER_LIMIT)
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        end = self._end if size < 0 else min(self._end, self._position + size)
        if end <= self._position:
            return b""
        data = os.pread(self._fd, end - self._position, self._position)
        self._position += len(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._end}[whence]
        self._position = max(0, base + offset)
        return self._position


@functools.lru_cache(maxsize=1024)
def _header_size(path: str, size: int, mtime_ns: int) -> tuple[int, int] | None:
    """(width, height) from the file's header; cached by path, size and time of change."""
    import imagesize  # here: only a render or a check with local images needs it

    try:
        # O_NONBLOCK: a FIFO named x.png must not hang the run (fstat refuses it next).
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(
            os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        # A file object, never a string: imagesize fetches a string that is a URL.
        width, height = imagesize.get(_Header(fd, info.st_size))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    if not (0 < width < 1_000_000 and 0 < height < 1_000_000):
        return None  # unreadable (-1), or a header that claims the absurd
    return int(width), int(height)


def _capped(width: int, height: int) -> tuple[int, int]:
    if width <= CONTENT_WIDTH:
        return width, height
    return CONTENT_WIDTH, max(1, round(height * CONTENT_WIDTH / width))


# --- SVG ---------------------------------------------------------------------------------


def _is_svg(src: str) -> bool:
    parts = _split(src)
    return parts is not None and parts.path.lower().endswith(".svg")


def _stand_in(src: str, settings: Settings, event: Event) -> tuple[str, Path] | None:
    """For an SVG, the same-named PNG or JPEG the site has next to it (src, file)."""
    if not _is_svg(src):
        return None
    text = src.strip()
    parts = _split(text)
    if parts is None:
        return None
    stem = parts.path[:-len(".svg")]
    svg = locate(text, settings, event)
    upper = parts.path.endswith(".SVG")
    for suffix in (s.upper() if upper else s for s in _STAND_INS):
        candidate = parts._replace(path=stem + suffix).geturl()
        found = locate(candidate, settings, event)
        # Next to the SVG when it is in the site; else wherever the same path leads.
        if found is not None and (svg is None or found.parent == svg.parent):
            return candidate, found
    return None


# --- announce check ----------------------------------------------------------------------


class _ImageFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            src = dict(attrs).get("src")
            if src:
                self.sources.append(src)


def body_images(event: Event) -> list[str]:
    """The ``src`` of every image in the talk's body, as the email shows the body."""
    from .markup import markdown_to_html  # here: Markdown only when checking

    finder = _ImageFinder()
    for part in (event.description, event.speaker, event.lightning_talks):
        if part and ("<" in part or "![" in part or "]:" in part):
            try:
                finder.feed(markdown_to_html(part))
            except RecursionError:  # the loader reports a body too deep to render
                continue
    finder.close()
    return finder.sources


def image_problems(settings: Settings, event: Event, *, upcoming: bool = True
                   ) -> list[Problem]:
    """What ``announce check`` warns about the talk's images, each at its line: an SVG
    (which Gmail and Outlook do not show), a file over ``[content] max_image_kb``, and,
    for a talk still to come, a path of the site whose file is not in the repository
    (where it is published cannot be told, nor its size: Outlook draws it at the column's
    width; a site's old pages keep many such links of an earlier site, to no harm)."""
    from .links import body_line_of
    from .sources.events import field_line

    found: list[tuple[str, str, int]] = []
    if event.image:
        key, line = field_line(event, "image")
        found.append((event.image, key, line))
    for src in body_images(event):
        found.append((src, "body", body_line_of(event, src)))
    problems: list[Problem] = []
    for src, key, line in dict.fromkeys(found):
        problems.extend(Problem(event.path, line, key, message, "warning")
                        for message in _image_messages(src, settings, event, upcoming))
    return problems


def _image_messages(src: str, settings: Settings, event: Event, upcoming: bool
                    ) -> list[str]:
    from .sources.dates import preview

    messages: list[str] = []
    # A long URL cut in the middle would hide its name: the line says where it is anyway.
    parts = _split(src)
    name = parts.path.rstrip("/").rpartition("/")[2] if parts else ""
    shown = preview(src.strip() if len(src.strip()) <= 60 or not name else name)
    path = locate(src, settings, event)
    if _is_svg(src):
        stand_in = _stand_in(src, settings, event)
        if stand_in is not None:
            messages.append(f"{shown} is an SVG image, which Gmail and Outlook do not show: "
                            f"the email uses {stand_in[1].name} next to it instead")
            path = stand_in[1]
        elif _on_site(src, settings):
            messages.append(f"{shown} is an SVG image, which Gmail and Outlook do not show "
                            "(they show its alt text): put a PNG or JPEG of the same name "
                            "next to it, and the email uses that")
        else:
            messages.append(f"{shown} is an SVG image, which Gmail and Outlook do not show "
                            "(they show its alt text): link a PNG or JPEG instead")
    if upcoming and path is None and not _is_svg(src) and _on_site(src, settings):
        messages.append(f"{shown}: no such file in the site's repository (a wrong path, or "
                        "one the site's build makes?): check cannot tell where it is "
                        "published, and the email draws it at the column's width")
    limit = settings.content.max_image_kb
    if path is not None and limit:
        try:
            size = os.stat(path).st_size
        except OSError:
            return messages
        if size > limit * 1024:
            messages.append(f"{preview(str(path.name))} is {_kb(size)}, over the {limit} KB "
                            "an image in an email should have ([content] max_image_kb): "
                            "readers on a phone wait for it")
    return messages


def _on_site(src: str, settings: Settings) -> bool:
    """Whether ``src`` is a path of the site (its file may be in the repository or not)."""
    site = _site(settings.content.events, settings.base_dir, settings.content.generator,
                 settings.site.url)
    return _site_path(src, site) is not None


def _kb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{round(size / 1024)} KB"
