"""Where a generator publishes a content file: the page's path, by the generator's rules.

Each generator's profile (:mod:`announce.sources.profiles`) names a factory that reads
the site's config once and returns the function that gives one file's
:class:`PagePath`. Jekyll's rules are here, with what the generators share (dates in
front matter, slugs, the path of a file below a folder); Hugo and Zola are in
:mod:`announce.sources.contentpaths`; MkDocs, Eleventy and Astro in
:mod:`announce.sources.routes`. A rule never guesses: when the site's own code decides
(a plugin, a JavaScript route, a date the build takes from git), the answer is "not
known" (``known=False``), which ``list --json`` shows as an unsure ``url``.
"""

from __future__ import annotations

import fnmatch
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from .profiles import SiteConfig

__all__ = [
    "PageFile",
    "PagePath",
    "PageRules",
    "dated",
    "jekyll_pages",
    "quote_path",
    "relative_to",
    "slugify",
]


@dataclass(frozen=True)
class PageFile:
    """A content file as its generator sees it."""

    path: Path  # the file
    data: Mapping[str, Any]  # its front matter
    tz: tzinfo  # the site's timezone: a date without offset is in it


@dataclass(frozen=True)
class PagePath:
    """Where the generator publishes one file: the path below the site's URL."""

    path: str | None  # "/events/x/"; None: no page (a draft), or not known
    how: str  # the rule that gave it, in words
    known: bool = True  # False: the site's own code decides, announce cannot tell
    # The generator leaves out pages dated in the future (Jekyll without `future: true`,
    # Hugo without `buildFuture`): the page exists only from this moment on.
    published: datetime | None = None


PageRules = Callable[[PageFile], PagePath]


def unknown(how: str) -> PagePath:
    """A page whose path the site's own code decides."""
    return PagePath(None, how, known=False)


def relative_to(path: Path, folder: Path) -> PurePosixPath | None:
    """``path`` below ``folder`` as a POSIX path, or None when it is not below it."""
    text, base = os.path.abspath(path), os.path.abspath(folder)
    if base == os.sep:
        return PurePosixPath(text.lstrip(os.sep).replace(os.sep, "/"))
    if not text.startswith(base + os.sep):
        return None
    return PurePosixPath(text[len(base) + 1:].replace(os.sep, "/"))


def quote_path(path: str) -> str:
    """A path as it goes into a URL: non-ASCII and spaces percent-encoded, ``/`` kept."""
    return quote(path, safe="/:@!$&'()*+,;=-._~%")


def dated(value: Any, tz: tzinfo) -> datetime | None:
    """A front-matter date as the generator reads it: aware, a date alone at midnight in
    ``tz``; None when it is no date."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tz)
    if not isinstance(value, str) or not value.strip():
        return None
    from .dates import DateProblem, parse_when

    try:
        return parse_when(value.strip(), tz=tz, default_time=time()).moment
    except (DateProblem, ValueError):
        return None


_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def slugify(text: str, *, ascii_only: bool = False, lower: bool = True) -> str:
    """A slug: runs of anything but letters and digits become one ``-`` (Zola's and the
    JavaScript slug filters' way; ``ascii_only`` also drops accents first)."""
    if ascii_only:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_WORD.sub("-", text.replace("_", "-")).strip("-")
    return slug.lower() if lower else slug


# --- Jekyll ----------------------------------------------------------------------------

# Jekyll's permalink styles (Configuration::STYLE_TO_PERMALINK).
_JEKYLL_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
_DATED_NAME = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-(.*)$")
_JEKYLL_TOKEN = re.compile(r":([a-z_]+)")
# Utils.slugify: "default" replaces every run of anything but letters and digits with
# "-"; "pretty" keeps these characters too.
_SLUG_DEFAULT = re.compile(r"(?:[^\w]|_)+")
_SLUG_PRETTY = re.compile(r"[^\w._~!$&'()+,;=@]+")


def jekyll_slug(text: str, *, pretty: bool = False, cased: bool = False) -> str:
    """Jekyll's ``Utils.slugify`` in its default and ``pretty`` modes."""
    slug = (_SLUG_PRETTY if pretty else _SLUG_DEFAULT).sub("-", text)
    slug = re.sub(r"^-|-$", "", slug)
    return slug if cased else slug.lower()


def _jekyll_escape(value: str) -> str:
    # URL.escape_path: kept as it is when it is plain, else percent-encoded.
    if not value or re.fullmatch(r"[a-zA-Z0-9./-]+", value):
        return value
    return quote(value, safe="/!$&'()*+,;=:@-._~")


def _jekyll_url(template: str, values: Mapping[str, str]) -> str | None:
    """Jekyll's URL#generate_url_from_drop and sanitize_url; None for an unknown token."""
    missing: list[str] = []

    def token(match: re.Match[str]) -> str:
        name = match[1]
        pool = [name, name.rstrip("_")] if name.endswith("_") else [name]
        winner = next((key for key in pool if key in values), None)
        if winner is None:
            missing.append(name)
            return ""
        rest = name[len(winner):]
        return _jekyll_escape(values[winner]) + rest

    url = _JEKYLL_TOKEN.sub(token, template)
    if missing:
        return None
    url = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", url)


def _suffixed(template: str, style: str) -> str:
    # Utils.add_permalink_suffix.
    if style == "pretty":
        return template + "/"
    if style in ("date", "ordinal", "none", "weekdate"):
        return template + ":output_ext"
    suffix = "/" if style.endswith("/") else ""
    return template + suffix + (":output_ext" if style.endswith(":output_ext") else "")


def _date_tokens(moment: datetime) -> dict[str, str]:
    return {
        "year": f"{moment.year:04d}", "month": f"{moment.month:02d}",
        "day": f"{moment.day:02d}", "hour": f"{moment.hour:02d}",
        "minute": f"{moment.minute:02d}", "second": f"{moment.second:02d}",
        "i_day": str(moment.day), "i_month": str(moment.month),
        "short_month": moment.strftime("%b"), "long_month": moment.strftime("%B"),
        "short_year": moment.strftime("%y"), "y_day": moment.strftime("%j"),
        "w_year": moment.strftime("%G"), "week": moment.strftime("%V"),
        "w_day": moment.strftime("%u"), "short_day": moment.strftime("%a"),
        "long_day": moment.strftime("%A"),
    }


def _words(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [] if value is None else [str(value)]


class _Jekyll:
    """Jekyll 4's rules for posts, collection documents and pages (Document#url,
    Page#url), read from ``_config.yml`` once."""

    def __init__(self, root: Path, config: SiteConfig) -> None:
        raw = config.raw
        source = raw.get("source")
        self.source = root / source.strip("/") if isinstance(source, str) and \
            source.strip("/") else root
        base = raw.get("collections_dir")
        self.collections_dir = base.strip("/") if isinstance(base, str) else ""
        style = raw.get("permalink")
        self.style = style.strip() if isinstance(style, str) and style.strip() else "date"
        self.future = raw.get("future") is True
        collections = raw.get("collections")
        self.collections: dict[str, Mapping[str, Any]] = {}
        if isinstance(collections, dict):
            self.collections = {str(k): v if isinstance(v, dict) else {}
                                for k, v in collections.items()}
        elif isinstance(collections, list):
            self.collections = {str(k): {} for k in collections}
        posts = dict(self.collections.get("posts", {}))
        self.posts_permalink = "permalink" in posts
        posts.setdefault("output", True)
        posts.setdefault("permalink", _JEKYLL_STYLES.get(self.style, self.style))
        self.collections["posts"] = posts
        defaults = raw.get("defaults")
        self.defaults = [d for d in defaults if isinstance(d, dict)] \
            if isinstance(defaults, list) else []
        exclude = raw.get("exclude")
        self.exclude = [str(e) for e in exclude] if isinstance(exclude, list) else []

    def __call__(self, page: PageFile) -> PagePath:
        relative = relative_to(page.path, self.source)
        if relative is None:
            return unknown("the file is outside the Jekyll site's source folder")
        parts = relative.parts
        folders = parts[:-1]
        if "_drafts" in folders:
            return PagePath(None, "a Jekyll draft: published only with --drafts")
        inside = relative
        if self.collections_dir:
            below = relative_to(page.path, self.source / self.collections_dir)
            inside = below if below is not None else relative
        if "_posts" in inside.parts[:-1]:
            return self._post(page, relative, inside)
        head = inside.parts[0] if len(inside.parts) > 1 else ""
        if head.startswith("_") and head[1:] in self.collections:
            return self._document(page, relative, inside, head[1:])
        if any(p.startswith(("_", ".")) for p in folders):
            return PagePath(None, f"Jekyll publishes no file of {'/'.join(folders)}/ "
                            "(a folder whose name starts with '_' or '.')")
        if any(fnmatch.fnmatch(str(relative), pattern.strip("/")) or
               str(relative).startswith(pattern.strip("/") + "/") for pattern in self.exclude):
            return PagePath(None, "excluded in _config.yml (exclude:)")
        return self._page(page, relative)

    def _front(self, page: PageFile, relative: PurePosixPath, kind: str, key: str) -> Any:
        """A front-matter value, else the value `defaults:` in _config.yml gives it."""
        if key in page.data:
            return page.data[key]
        found = None
        for default in self.defaults:  # later matches win, as Jekyll merges them
            scope = default.get("scope")
            scope = scope if isinstance(scope, dict) else {}
            path = str(scope.get("path") or "").strip("/")
            kinds = scope.get("type")
            if kinds and kinds != kind:
                continue
            if path and not (str(relative) == path or str(relative).startswith(path + "/")
                             or fnmatch.fnmatch(str(relative), path)):
                continue
            values = default.get("values")
            if isinstance(values, dict) and key in values:
                found = values[key]
        return found

    def _published(self, page: PageFile, relative: PurePosixPath, kind: str) -> bool:
        return self._front(page, relative, kind, "published") is not False

    def _date(self, page: PageFile, relative: PurePosixPath, kind: str,
              name_date: str | None) -> datetime | None:
        value = self._front(page, relative, kind, "date")
        moment = dated(value, page.tz) if value is not None else None
        if moment is None and name_date:
            moment = dated(name_date, page.tz)
        return moment

    def _post(self, page: PageFile, relative: PurePosixPath, inside: PurePosixPath
              ) -> PagePath:
        stem = PurePosixPath(relative.name).stem
        named = _DATED_NAME.match(stem)
        if named is None:
            return PagePath(None, "a Jekyll post needs a date in its file name "
                            "(YYYY-MM-DD-title.md): Jekyll does not read it")
        index = inside.parts.index("_posts")
        categories = list(inside.parts[:index])
        return self._document(page, relative, inside, "posts", categories)

    def _document(self, page: PageFile, relative: PurePosixPath, inside: PurePosixPath,
                  label: str, categories: list[str] | None = None) -> PagePath:
        meta = self.collections[label]
        if not self._published(page, relative, label):
            return PagePath(None, "published: false")
        if label != "posts" and meta.get("output") is not True:
            return PagePath(None, f"the Jekyll collection {label} has no pages "
                            "(output: true is not set in _config.yml)")
        stem = PurePosixPath(relative.name).stem.rstrip(".")
        named = _DATED_NAME.match(stem)
        slug = str(page.data.get("slug") or (named[2] if named else stem)).rstrip(".")
        moment = self._date(page, relative, label, named[1] if named else None)
        cats = list(categories or [])
        for value in (page.data.get("categories"), page.data.get("category")):
            cats += [word for word in _words(value) if word not in cats]
        # Document#cleaned_relative_path: the path without the collection's folder.
        folder = "/".join(p for p in (self.collections_dir, f"_{label}") if p)
        path = str(relative.with_suffix("")).replace(folder, "", 1).rstrip(".")
        values = {
            "collection": label, "path": path, "name": jekyll_slug(stem),
            "title": jekyll_slug(slug, pretty=True, cased=True), "slug": jekyll_slug(slug),
            "categories": "/".join(dict.fromkeys(c.lower() for c in cats)),
            "slugified_categories": "/".join(dict.fromkeys(jekyll_slug(c) for c in cats)),
            "output_ext": ".html",
        }
        if moment is not None:
            values.update(_date_tokens(moment))
        own = self._front(page, relative, label, "permalink")
        kind = "post" if label == "posts" else f"{label} collection"
        if isinstance(own, str) and own.strip():
            template, how = own, f"Jekyll {kind}, the file's permalink {own}"
        elif label == "posts" and not self.posts_permalink:
            template = str(meta["permalink"])
            how = f"Jekyll post, permalink {template}" if template == self.style else \
                f"Jekyll post, permalink: {self.style} ({template})"
        else:
            template = str(meta.get("permalink") or _suffixed("/:collection/:path", self.style))
            how = f"Jekyll {kind}, permalink {template}"
        url = _jekyll_url(template, values)
        if url is None:
            missing = "date" if moment is None else "value its tokens need"
            return unknown(f"Jekyll permalink {template}: the file gives no {missing}")
        published = None if self.future or moment is None else moment
        return PagePath(url, how, published=published)

    def _page(self, page: PageFile, relative: PurePosixPath) -> PagePath:
        if not self._published(page, relative, "pages"):
            return PagePath(None, "published: false")
        stem = PurePosixPath(relative.name).stem
        folder = "/" + str(relative.parent) if str(relative.parent) != "." else ""
        values = {"path": folder, "basename": stem, "output_ext": ".html"}
        own = self._front(page, relative, "pages", "permalink")
        if isinstance(own, str) and own.strip():
            template, how = own, f"Jekyll page, its permalink {own}"
        elif stem == "index":
            template, how = "/:path/", "Jekyll page, its folder (index)"
        else:
            template = _suffixed("/:path/:basename", self.style)
            how = f"Jekyll page, its path (permalink: {self.style})"
        url = _jekyll_url(template, values)
        if url is None:
            return unknown(f"Jekyll permalink {template}: a token pages do not have")
        return PagePath(url, how)


def jekyll_pages(root: Path, config: SiteConfig) -> PageRules:
    """Jekyll's rules for the site at ``root`` (``_config.yml`` read into ``config``)."""
    return _Jekyll(root, config)
