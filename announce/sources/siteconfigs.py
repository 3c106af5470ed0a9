"""What a generator's config says about the site: its name, URL, timezone, language and
content folders, read without running anything (:class:`SiteConfig`), one reader per
generator; and the tests that tell generators sharing a config file's name apart.

The entries of :mod:`.profiles` name these readers; a new generator brings its reader here
(or reuses one).
"""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .codeconfig import (
    TS_LOCALE,
    TS_SITE,
    TS_TITLE,
    TS_ZONE,
    build_source,
    js_values,
    python_settings,
    scan_sources,
)
from .frontmatter import FrontMatterError, read_config_file
from .keymap import get_path

__all__ = [
    "HUGO_CONFIGS", "SiteConfig", "is_nikola", "is_zola", "npm_packages", "read_astro",
    "read_docusaurus", "read_eleventy", "read_gatsby", "read_generic", "read_hexo",
    "read_hugo", "read_jekyll", "read_metalsmith", "read_mkdocs", "read_next",
    "read_nikola", "read_nuxt", "read_pelican", "read_zola",
]


@dataclass(frozen=True)
class SiteConfig:
    """What a generator's config says about the site; empty strings where it says nothing."""

    name: str = ""
    url: str = ""
    timezone: str = ""
    language: str = ""
    # Folders (relative to the site root) the config names for content: Jekyll
    # collections, MkDocs docs_dir, Jekyll's source.
    content_dirs: tuple[str, ...] = ()
    # Where the config itself keeps records that events point at: ``mkdocs.yml#extra.x``.
    data_keys: tuple[str, ...] = ()
    path: Path | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    # What the config says that announce left out, as "key: why" (init shows them).
    notes: tuple[str, ...] = ()



def _load(path: Path) -> dict[str, Any]:
    data = read_config_file(path)  # size and depth bounded
    return data if isinstance(data, dict) else {}


def _first_file(root: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


def _text(data: Mapping[str, Any], *paths: str) -> str:
    for path in paths:
        value = get_path(data, path)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return ""
    return name


def read_jekyll(root: Path) -> SiteConfig:
    path = _first_file(root, ("_config.yml", "_config.yaml"))
    if path is None:
        return SiteConfig()
    data = _load(path)
    url = _text(data, "url")
    baseurl = _text(data, "baseurl").strip("/")
    if url and baseurl:
        url = f"{url.rstrip('/')}/{baseurl}"
    base = _text(data, "collections_dir").strip("/")
    source = _text(data, "source").strip("/")
    dirs: list[str] = []
    collections = data.get("collections")
    names = list(collections) if isinstance(collections, dict | list) else []
    for name in names:
        if isinstance(name, str):
            dirs.append("/".join(p for p in (source, base, f"_{name}") if p))
    dirs += ["/".join(p for p in (source, base, d) if p) for d in ("_events", "_posts")]
    if source:
        dirs.append(source)
    zone = _text(data, "timezone")
    notes = (f"timezone: unknown timezone {zone!r}; left out",) if zone and not _zone(zone) \
        else ()
    return SiteConfig(
        name=_text(data, "title", "name"), url=url, timezone=_zone(zone),
        language=_text(data, "lang", "locale", "language"), content_dirs=tuple(dirs),
        path=path, raw=data, notes=notes)


HUGO_CONFIGS = tuple(f"{stem}.{ext}" for stem in ("hugo", "config")
                      for ext in ("toml", "yaml", "yml", "json"))


def read_hugo(root: Path) -> SiteConfig:
    path = _first_file(root, HUGO_CONFIGS) or _first_file(
        root / "config" / "_default", HUGO_CONFIGS)
    if path is None:
        return SiteConfig()
    data = _load(path)
    language = _text(data, "defaultContentLanguage", "languageCode")
    content = _text(data, "contentDir") or "content"
    dirs = [content]
    if language and bool(data.get("defaultContentLanguageInSubdir")):
        dirs.insert(0, f"{content}/{language.split('-')[0]}")
    languages = data.get("languages")
    if isinstance(languages, dict):
        for lang, settings in languages.items():
            if isinstance(settings, dict) and isinstance(settings.get("contentDir"), str):
                dirs.insert(0, settings["contentDir"])
            elif isinstance(lang, str):
                dirs.append(f"{content}/{lang}")
    return SiteConfig(
        name=_text(data, "title"), url=_text(data, "baseURL", "baseurl"),
        timezone=_zone(_text(data, "timeZone", "timezone")), language=language,
        content_dirs=tuple(dirs), path=path, raw=data)


def read_zola(root: Path) -> SiteConfig:
    path = root / "config.toml"
    data = _load(path)
    return SiteConfig(
        name=_text(data, "title"), url=_text(data, "base_url"),
        timezone=_zone(_text(data, "extra.timezone")),
        language=_text(data, "default_language"), content_dirs=("content",),
        path=path, raw=data)


def read_astro(root: Path) -> SiteConfig:
    # JavaScript configs cannot be read as data: the values the site states literally
    # (site: "https://...", a DEFAULT_TIMEZONE constant) are picked out of the source.
    config = scan_sources(root, ("astro.config.*",))
    source = scan_sources(root, ("src/*.ts", "src/*.js", "src/*.mjs", "src/config/*.ts"))
    site = TS_SITE.search(config)
    zone = TS_ZONE.search(source) or TS_ZONE.search(config)
    title = TS_TITLE.search(source)
    locale = TS_LOCALE.search(config)
    return SiteConfig(
        name=title[1] if title else "", url=site[1] if site else "",
        timezone=_zone(zone[1]) if zone else "", language=locale[1] if locale else "",
        content_dirs=("src/content", "src/pages"), raw={})


def read_eleventy(root: Path) -> SiteConfig:
    data: dict[str, Any] = {}
    for name in ("_data/site.json", "src/_data/site.json", "_data/metadata.json",
                 "src/_data/metadata.json", "_data/site.yml", "src/_data/site.yml"):
        path = root / name
        if path.is_file():
            data = _load(path)
            break
    source = scan_sources(root, (".eleventy.js", "eleventy.config.*"))
    zone = TS_ZONE.search(source)
    return SiteConfig(
        name=_text(data, "title", "name"), url=_text(data, "url", "baseUrl"),
        timezone=_zone(_text(data, "timezone")) or (_zone(zone[1]) if zone else ""),
        language=_text(data, "language", "lang", "locale"), content_dirs=("src", "content", "."),
        raw=data)


def read_mkdocs(root: Path) -> SiteConfig:
    path = _first_file(root, ("mkdocs.yml", "mkdocs.yaml"))
    assert path is not None
    data = _load(path)
    extra = data.get("extra")
    keys = tuple(f"{path.name}#extra.{key}" for key, value in extra.items()
                 if isinstance(value, dict | list)) if isinstance(extra, dict) else ()
    return SiteConfig(
        name=_text(data, "site_name"), url=_text(data, "site_url"),
        timezone=_zone(_text(data, "extra.timezone")),
        language=_text(data, "theme.language", "extra.language"),
        content_dirs=(_text(data, "docs_dir") or "docs",), data_keys=keys, path=path, raw=data)


def read_pelican(root: Path) -> SiteConfig:
    path = root / "pelicanconf.py"
    data = python_settings(path)
    # `make publish` builds with publishconf.py, which imports pelicanconf and sets the
    # public SITEURL (pelicanconf's is often '' for local previews).
    published = python_settings(root / "publishconf.py")
    url = _text(published, "SITEURL") or _text(data, "SITEURL")
    # PATH is the content folder; Pelican's default is the folder it runs in.
    content = _text(data, "PATH").removeprefix("./").strip("/") or "."
    return SiteConfig(
        name=_text(data, "SITENAME"), url=url, timezone=_zone(_text(data, "TIMEZONE")),
        language=_text(data, "DEFAULT_LANG"), content_dirs=(content,), path=path,
        raw={**data, "SITEURL": url})


def read_nikola(root: Path) -> SiteConfig:
    path = root / "conf.py"
    data = python_settings(path)
    language = _text(data, "DEFAULT_LANG")
    # Translatable settings are a text or a dict of texts by language.
    title = data.get("BLOG_TITLE")
    if isinstance(title, dict):
        title = title.get(language) or next(iter(title.values()), "")
    # POSTS and PAGES: (glob, output folder, template) triples; the glob's folder is read.
    dirs = [str(entry[0]).rsplit("/", 1)[0] for key in ("POSTS", "PAGES")
            for entry in data.get(key) or () if isinstance(entry, tuple | list) and entry
            and "/" in str(entry[0])]
    return SiteConfig(
        name=title.strip() if isinstance(title, str) else "",
        url=_text(data, "SITE_URL", "BASE_URL"), timezone=_zone(_text(data, "TIMEZONE")),
        language=language, content_dirs=tuple(dict.fromkeys(dirs)) or ("posts", "pages"),
        path=path, raw=data)


def is_nikola(root: Path) -> bool:
    # Sphinx's config is conf.py too: Nikola's sets BLOG_TITLE and its POSTS or PAGES.
    text = scan_sources(root, ("conf.py",))
    return bool(_NIKOLA_TITLE.search(text) and _NIKOLA_POSTS.search(text)) and \
        not (root / "pelicanconf.py").is_file()


_NIKOLA_TITLE = re.compile(r"^BLOG_TITLE\s*=", re.MULTILINE)
_NIKOLA_POSTS = re.compile(r"^(?:POSTS|PAGES)\s*=", re.MULTILINE)


def _js_site(root: Path, files: tuple[str, ...], content_dirs: tuple[str, ...],
             anchor: str = "") -> SiteConfig:
    """What a JavaScript config states literally (see :func:`.codeconfig.js_values`)."""
    found = js_values(scan_sources(root, files), anchor)
    return SiteConfig(name=found.title, url=found.url, timezone=_zone(found.timezone),
                      language=found.language, content_dirs=content_dirs, raw={})


def read_gatsby(root: Path) -> SiteConfig:
    return _js_site(root, ("gatsby-config.*",), ("content", "src/content", "src/pages"),
                    anchor="siteMetadata")


def read_docusaurus(root: Path) -> SiteConfig:
    return _js_site(root, ("docusaurus.config.*",), ("blog", "docs", "src/pages"))


def read_next(root: Path) -> SiteConfig:
    return _js_site(root, ("next.config.*", "site.config.*", "data/siteMetadata.*"),
                    ("content", "_posts", "posts"))


def read_nuxt(root: Path) -> SiteConfig:
    return _js_site(root, ("nuxt.config.*", "app.config.*"), ("content",))


def read_metalsmith(root: Path) -> SiteConfig:
    path = root / "metalsmith.json"
    if path.is_file():
        data = _load(path)
        source = _text(data, "source").removeprefix("./").strip("/") or "src"
        return SiteConfig(
            name=_text(data, "metadata.site.title", "metadata.site.name", "metadata.sitename",
                       "metadata.title"),
            url=_text(data, "metadata.site.url", "metadata.siteurl", "metadata.siteUrl",
                      "metadata.url"),
            timezone=_zone(_text(data, "metadata.site.timezone", "metadata.timezone")),
            language=_text(data, "metadata.site.lang", "metadata.lang",
                           "metadata.language"),
            content_dirs=(source,), path=path, raw=data)
    # A build script: Metalsmith(__dirname).source('./content')...
    scripts = ("metalsmith.*js", "build.*js", "index.*js")
    return _js_site(root, scripts, (build_source(scan_sources(root, scripts)) or "src",))


def read_generic(root: Path) -> SiteConfig:
    return SiteConfig(content_dirs=("content", "events", "_events", "."))


def read_hexo(root: Path) -> SiteConfig:
    config = read_jekyll(root)  # the same _config.yml keys: title, url, timezone, language
    source = _text(config.raw, "source_dir").strip("/") or "source"
    return SiteConfig(name=config.name, url=config.url, timezone=config.timezone,
                      language=config.language, content_dirs=(f"{source}/_posts", source),
                      path=config.path, raw=config.raw)



def is_zola(root: Path) -> bool:
    # Hugo reads config.toml too: Zola's says base_url, Hugo's baseURL.
    try:
        data = read_config_file(root / "config.toml")
    except (OSError, ValueError, FrontMatterError):
        return False
    return "base_url" in data



def npm_packages(root: Path) -> set[str]:
    path = root / "package.json"
    try:
        if not path.is_file() or path.stat().st_size > 1_000_000:
            return set()
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return set()
    found: set[str] = set()
    for key in ("dependencies", "devDependencies"):
        section = data.get(key) if isinstance(data, dict) else None
        if isinstance(section, dict):
            found.update(name for name in section if isinstance(name, str))
    return found

