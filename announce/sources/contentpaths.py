"""Where Hugo and Zola publish a file of their ``content/`` folder (see
:mod:`announce.sources.permalinks` for the shape of the rules).

Hugo (as 0.111 does it, checked against ``hugo list all``): the file's folders and its
``slug`` (else its name; a leaf bundle's folder), a ``[permalinks]`` pattern of its
section, or its own ``url``; the language's folder on a multilingual site (``/de/``, the
default language's too with ``defaultContentLanguageInSubdir``); lower case unless
``disablePathToLower``; ``uglyURLs``. Zola: the section's folders and the page's ``slug``
(else its file name without a leading date), or its own ``path``.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
import zoneinfo
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .permalinks import PageFile, PagePath, PageRules, dated, relative_to, slugify, unknown

if TYPE_CHECKING:
    from .profiles import SiteConfig

__all__ = ["hugo_pages", "hugo_urlize", "zola_pages"]


def _lowered(data: Any) -> dict[str, Any]:
    # Hugo's config and front-matter keys are case-insensitive.
    return {str(k).lower(): v for k, v in data.items()} if isinstance(data, Mapping) else {}


def hugo_urlize(text: str, *, lower: bool = True) -> str:
    """Hugo's ``MakePathSanitized``: letters, digits, marks and ``. / \\ _ - # @ ~`` are
    kept, a run of spaces (or a ``+``) becomes one ``-``, anything else is dropped."""
    target: list[str] = []
    pending = False
    for index, char in enumerate(text):
        allowed = char.isalnum() or unicodedata.category(char).startswith("M") or \
            char in "./\\_-#@~" or (char == "%" and re.match(
                r"[0-9A-Fa-f]{2}", text[index + 1:index + 3]) is not None)
        if allowed:
            if pending and char != "-" and target and target[-1] != "-":
                target.append("-")
            pending = False
            target.append(char)
        elif target and (char.isspace() or char == "+"):
            pending = True
    slug = "".join(target)
    return slug.lower() if lower else slug


# Go's reference time, element by element: a permalink token such as ":2006" is a layout.
_GO_LAYOUT = re.compile(r"January|Jan|Monday|Mon|2006|06|01|02|15|04|05|_2|1|2")


def _go_format(layout: str, moment: datetime) -> str | None:
    parts = {"January": moment.strftime("%B"), "Jan": moment.strftime("%b"),
             "Monday": moment.strftime("%A"), "Mon": moment.strftime("%a"),
             "2006": f"{moment.year:04d}", "06": f"{moment.year % 100:02d}",
             "01": f"{moment.month:02d}", "02": f"{moment.day:02d}",
             "15": f"{moment.hour:02d}", "04": f"{moment.minute:02d}",
             "05": f"{moment.second:02d}", "_2": f"{moment.day:>2}",
             "1": str(moment.month), "2": str(moment.day)}
    result = _GO_LAYOUT.sub(lambda m: parts[m[0]], layout)
    return result if result != layout else None


# A file name's date for [frontmatter] date = [":filename", ...]: 2018-02-22-mypage.md.
_FILENAME_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[-_]?(.+)$")


class _Hugo:
    """Hugo's rules, read from its config once."""

    def __init__(self, root: Path, config: SiteConfig) -> None:
        raw = _lowered(config.raw)
        content = str(raw.get("contentdir") or "content").strip("/")
        languages = _lowered(raw.get("languages"))
        self.default = str(raw.get("defaultcontentlanguage") or "en").lower()
        self.languages = set(languages) | {self.default}
        self.multilingual = len(languages) > 1
        self.in_subdir = raw.get("defaultcontentlanguageinsubdir") is True
        self.folders: list[tuple[Path, str | None]] = []
        for name, settings in languages.items():
            folder = _lowered(settings).get("contentdir")
            if isinstance(folder, str) and folder.strip("/"):
                self.folders.append((root / folder.strip("/"), name))
        self.folders.append((root / content, None))
        self.folders.sort(key=lambda pair: -len(str(pair[0])))
        self.lower = raw.get("disablepathtolower") is not True
        self.ugly = raw.get("uglyurls")
        permalinks = _lowered(raw.get("permalinks"))
        page = _lowered(permalinks.get("page"))
        self.permalinks = page or {k: v for k, v in permalinks.items() if isinstance(v, str)}
        self.future = raw.get("buildfuture") is True
        matter = _lowered(raw.get("frontmatter"))
        self.date_keys = self._keys(matter.get("date"), ["date", "publishdate", "lastmod"])
        self.publish_keys = self._keys(matter.get("publishdate"), ["publishdate", "date"])
        zone = raw.get("timezone")
        self.tz: tzinfo = UTC
        if isinstance(zone, str) and zone:
            with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
                self.tz = zoneinfo.ZoneInfo(zone)

    @staticmethod
    def _keys(value: Any, default: list[str]) -> list[str]:
        keys = [str(v).lower() for v in value] if isinstance(value, list) else default
        return [k for key in keys for k in (default if key == ":default" else [key])]

    def __call__(self, page: PageFile) -> PagePath:
        found = next(((relative, lang) for folder, lang in self.folders
                      if (relative := relative_to(page.path, folder)) is not None), None)
        if found is None:
            return unknown("the file is outside Hugo's content folder")
        relative, lang = found
        data = _lowered(page.data)
        stem = PurePosixPath(relative.name).stem
        head, _dot, suffix = stem.rpartition(".")
        if head and suffix.lower() in self.languages and lang is None:
            stem, lang = head, suffix.lower()
        lang = lang or self.default
        if stem == "_index":
            return PagePath(None, "a Hugo section's list page")
        if data.get("draft") is True:
            return PagePath(None, "a Hugo draft (draft: true): built only with --buildDrafts")
        build = _lowered(data.get("build") or data.get("_build"))
        if data.get("headless") is True or build.get("render") in (False, "never", "false"):
            return PagePath(None, "Hugo renders no page of it (headless or build.render)")
        bundle = stem == "index"
        folders = list(relative.parts[:-1])
        name = folders.pop() if bundle and folders else stem
        dated_name = _FILENAME_DATE.match(name)
        if dated_name and ":filename" in self.date_keys and "slug" not in data:
            # The date is taken from the name, and the rest of it is the page's slug.
            data = {**data, "slug": dated_name[1]}
        section = relative.parts[0] if len(relative.parts) > 1 else ""
        prefix = f"/{lang}" if self.multilingual and (lang != self.default or self.in_subdir) \
            else ""
        published = self._published(data, page)
        url = data.get("url")
        if isinstance(url, str) and url.strip():
            url = url.strip()
            path = url if url.startswith("/") else f"{prefix}/{url}"
            if not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
                path += "/"
            return PagePath(path, "Hugo, the page's url", published=published)
        pattern = self.permalinks.get(section) or (self.permalinks.get("/") if not section
                                                   else None)
        if isinstance(pattern, str) and pattern.strip():
            expanded = self._expand(pattern.strip(), data, page, relative, name, bundle)
            if expanded is None:
                return unknown(f"Hugo permalinks {section} = {pattern!r}: a token announce "
                               "cannot fill from the file")
            path = prefix + "/" + expanded.lstrip("/")
            how = f"Hugo, [permalinks] {section} = {pattern!r}"
        else:
            slug = data.get("slug")
            own = str(slug).strip() if isinstance(slug, str | int) else ""
            path = prefix + "/" + hugo_urlize("/".join([*folders, own or name]),
                                              lower=self.lower) + "/"
            how = "Hugo, the file's folders and its " + (
                "slug" if own else "bundle's folder" if bundle else "name")
        if self._ugly(section) and path.endswith("/") and path != "/":
            path = path[:-1] + ".html"
        return PagePath(re.sub(r"/{2,}", "/", path), how, published=published)

    def _ugly(self, section: str) -> bool:
        if isinstance(self.ugly, Mapping):
            return _lowered(self.ugly).get(section.lower()) is True
        return self.ugly is True

    def _date(self, data: Mapping[str, Any], keys: list[str], page: PageFile
              ) -> datetime | None:
        for key in keys:
            if key == ":filename":
                name = page.path.parent.name if page.path.stem == "index" else page.path.stem
                match = re.match(r"(\d{4}-\d{2}-\d{2})", name)
                value: Any = match[1] if match else None
            else:
                value = data.get(key)
            moment = dated(value, self.tz) if value is not None else None
            if moment is not None:
                return moment
        return None

    def _published(self, data: Mapping[str, Any], page: PageFile) -> datetime | None:
        if self.future:
            return None
        return self._date(data, self.publish_keys, page)

    def _expand(self, pattern: str, data: Mapping[str, Any], page: PageFile,
                relative: PurePosixPath, name: str, bundle: bool) -> str | None:
        moment = self._date(data, self.date_keys, page)
        title = data.get("title")
        slug = data.get("slug")
        slug_text = str(slug).strip() if isinstance(slug, str | int) else ""

        def urlize(text: str) -> str:
            return hugo_urlize(text, lower=self.lower)

        values: dict[str, str | None] = {
            "section": relative.parts[0] if len(relative.parts) > 1 else "",
            "sections": self._sections(page.path, relative),
            "title": urlize(title) if isinstance(title, str) and title else None,
            "filename": urlize(name), "contentbasename": urlize(name),
            "slugorfilename": urlize(slug_text or name),
            "slugorcontentbasename": urlize(slug_text or name),
        }
        values["slug"] = urlize(slug_text) if slug_text else values["title"]
        if moment is not None:
            values.update({
                "year": str(moment.year), "month": f"{moment.month:02d}",
                "monthname": moment.strftime("%B"), "day": f"{moment.day:02d}",
                "weekday": str(int(moment.strftime("%w"))),
                "weekdayname": moment.strftime("%A"), "yearday": str(moment.timetuple().tm_yday),
            })
        missing: list[str] = []

        def token(match: re.Match[str]) -> str:
            attr = match[1]
            value = values.get(attr)
            if value is None and moment is not None and attr not in values:
                value = _go_format(attr, moment)
            if value is None:
                missing.append(attr)
                return ""
            return value

        result = re.sub(r":(\w+)", token, pattern)
        return None if missing else result

    def _sections(self, path: Path, relative: PurePosixPath) -> str:
        # A folder below the first is a section only when it has an _index file.
        folders = list(relative.parts[:-1])
        if not folders:
            return ""
        root = path.parents[len(relative.parts) - 1]
        sections = [folders[0]]
        for depth in range(1, len(folders)):
            folder = root.joinpath(*folders[:depth + 1])
            if not any(folder.glob("_index.*")):
                break
            sections.append(folders[depth])
        return "/".join(sections)


def hugo_pages(root: Path, config: SiteConfig) -> PageRules:
    """Hugo's rules for the site at ``root``."""
    return _Hugo(root, config)


# A file name's leading date, which Zola takes as the page's date and leaves out of its
# slug: 2026-07-14-rust-night.md, 2026-07-14_rust-night.md.
_ZOLA_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?"
                        r"(?:Z|[+-]\d{2}:\d{2})?)?[_-](.+)$")
_ZOLA_UNSAFE = re.compile(r"[<>:/|?*#\\\"'()\[\]{}]")


class _Zola:
    """Zola's rules, read from ``config.toml`` once."""

    def __init__(self, root: Path, config: SiteConfig) -> None:
        raw = config.raw
        self.content = root / "content"
        self.default = str(raw.get("default_language") or "en")
        languages = raw.get("languages")
        self.languages = set(languages) if isinstance(languages, Mapping) else set()
        slug_config = raw.get("slugify")
        mode = slug_config.get("paths") if isinstance(slug_config, Mapping) else None
        self.mode = mode if mode in ("on", "safe", "off") else "on"

    def _slug(self, text: str) -> str:
        if self.mode == "off":
            return text
        if self.mode == "safe":
            return re.sub(r"\s+", "_", _ZOLA_UNSAFE.sub("", text.strip()))
        return slugify(text, ascii_only=True)

    def __call__(self, page: PageFile) -> PagePath:
        relative = relative_to(page.path, self.content)
        if relative is None:
            return unknown("the file is outside Zola's content folder")
        data = page.data
        stem = PurePosixPath(relative.name).stem
        head, _dot, suffix = stem.rpartition(".")
        lang = self.default
        if head and suffix in self.languages:
            stem, lang = head, suffix
        if stem == "_index":
            return PagePath(None, "a Zola section's list page")
        if data.get("draft") is True:
            return PagePath(None, "a Zola draft (draft = true): built only with --drafts")
        own = data.get("path")
        if isinstance(own, str) and own.strip().strip("/"):
            return PagePath("/" + own.strip().strip("/") + "/", "Zola, the page's path")
        folders = list(relative.parts[:-1])
        name = folders.pop() if stem == "index" and folders else stem
        slug = data.get("slug")
        if isinstance(slug, str) and slug.strip():
            last, how = self._slug(slug.strip()), "its slug"
        else:
            dated_name = _ZOLA_DATE.match(name)
            last, how = self._slug(dated_name[1] if dated_name else name), "its file name"
        prefix = f"/{lang}" if lang != self.default else ""
        path = prefix + "/" + "/".join([*folders, last]) + "/"
        return PagePath(re.sub(r"/{2,}", "/", path), f"Zola, the section's folders and {how}")


def zola_pages(root: Path, config: SiteConfig) -> PageRules:
    """Zola's rules for the site at ``root``."""
    return _Zola(root, config)
