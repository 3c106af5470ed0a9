"""Generator profiles: what each static-site generator's files mean, and how to tell them.

A profile is one entry in :data:`GENERATORS`: the files that identify the generator, the
YAML it reads (1.1 or 1.2), whether it takes a naive timestamp as UTC, where its content
and data live, and how to read the site's name, URL, timezone and language from its
config. Adding a generator is adding an entry (and, if its config is special, a reader).
"""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from .frontmatter import FrontMatterError, YamlDialect, read_config_file
from .keymap import MISSING, get_path

if TYPE_CHECKING:
    from .permalinks import PageRules

__all__ = ["GENERATORS", "GENERATOR_NAMES", "Generator", "SiteConfig", "detect_generator",
           "generator_named", "site_root"]


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


@dataclass(frozen=True)
class Generator:
    """One static-site generator's habits."""

    name: str
    label: str
    # Any of these, relative to the site root, identifies the generator (globs allowed).
    markers: tuple[str, ...]
    yaml: YamlDialect
    # A naive timestamp (no offset) in front matter is UTC (js-yaml), else site-local.
    naive_utc: bool
    # Folders the content is under, most likely first.
    content_roots: tuple[str, ...]
    # Folders of data files (``_data``, ``data``).
    data_dirs: tuple[str, ...]
    # ``index.md`` is the page of its folder (a bundle), whose other files are resources.
    bundles: bool
    read_config: Callable[[Path], SiteConfig]
    # npm packages that make a site this generator's when no marker file says so
    # (package.json "dependencies" or "devDependencies").
    packages: tuple[str, ...] = ()
    # How it publishes a content file: the rules that give a file's page (its path below
    # the site's URL), made from the site's root and config; None: unknown.
    page_rules: Callable[[Path, SiteConfig], PageRules] | None = None
    # A relative link to a file in a page's Markdown is relative to the page's source
    # file, which the generator rewrites (MkDocs), not to the page's URL.
    links_from_source: bool = False
    # Where it serves a site-absolute path (/images/x.png) from, below the site's root.
    public: tuple[str, ...] = ()
    # Top-level keys whose naive timestamps it reads in the site's zone although others
    # are UTC (Hexo's date and updated; a nested event.time stays js-yaml's UTC).
    local_keys: tuple[str, ...] = ()

    def config(self, root: Path) -> SiteConfig:
        try:
            return self.read_config(root)
        except (OSError, ValueError, FrontMatterError):
            return SiteConfig()

    def pages(self, root: Path) -> PageRules | None:
        """The rules that give where this generator publishes each file of the site at
        ``root``; None when announce does not know them."""
        if self.page_rules is None:
            return None
        return self.page_rules(root, self.config(root))


def _rules(module: str, name: str) -> Callable[[Path, SiteConfig], PageRules]:
    """A generator's page rules, imported when first used: most commands never link."""
    def make(root: Path, config: SiteConfig) -> PageRules:
        from importlib import import_module

        factory = getattr(import_module(f"{__package__}.{module}"), name)
        return factory(root, config)  # type: ignore[no-any-return]  # a PageRules factory

    return make


# --- reading configs -------------------------------------------------------------------


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


def _jekyll(root: Path) -> SiteConfig:
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
    return SiteConfig(
        name=_text(data, "title", "name"), url=url, timezone=_zone(_text(data, "timezone")),
        language=_text(data, "lang", "locale", "language"), content_dirs=tuple(dirs),
        path=path, raw=data)


_HUGO_CONFIGS = tuple(f"{stem}.{ext}" for stem in ("hugo", "config")
                      for ext in ("toml", "yaml", "yml", "json"))


def _hugo(root: Path) -> SiteConfig:
    path = _first_file(root, _HUGO_CONFIGS) or _first_file(
        root / "config" / "_default", _HUGO_CONFIGS)
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


def _zola(root: Path) -> SiteConfig:
    path = root / "config.toml"
    data = _load(path)
    return SiteConfig(
        name=_text(data, "title"), url=_text(data, "base_url"),
        timezone=_zone(_text(data, "extra.timezone")),
        language=_text(data, "default_language"), content_dirs=("content",),
        path=path, raw=data)


def _astro(root: Path) -> SiteConfig:
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


def _eleventy(root: Path) -> SiteConfig:
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


def _mkdocs(root: Path) -> SiteConfig:
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


def _pelican(root: Path) -> SiteConfig:
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


def _nikola(root: Path) -> SiteConfig:
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


def _is_nikola(root: Path) -> bool:
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


def _gatsby(root: Path) -> SiteConfig:
    return _js_site(root, ("gatsby-config.*",), ("content", "src/content", "src/pages"),
                    anchor="siteMetadata")


def _docusaurus(root: Path) -> SiteConfig:
    return _js_site(root, ("docusaurus.config.*",), ("blog", "docs", "src/pages"))


def _next(root: Path) -> SiteConfig:
    return _js_site(root, ("next.config.*", "site.config.*", "data/siteMetadata.*"),
                    ("content", "_posts", "posts"))


def _nuxt(root: Path) -> SiteConfig:
    return _js_site(root, ("nuxt.config.*", "app.config.*"), ("content",))


def _metalsmith(root: Path) -> SiteConfig:
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


def _generic(root: Path) -> SiteConfig:
    return SiteConfig(content_dirs=("content", "events", "_events", "."))


def _hexo(root: Path) -> SiteConfig:
    config = _jekyll(root)  # the same _config.yml keys: title, url, timezone, language
    source = _text(config.raw, "source_dir").strip("/") or "source"
    return SiteConfig(name=config.name, url=config.url, timezone=config.timezone,
                      language=config.language, content_dirs=(f"{source}/_posts", source),
                      path=config.path, raw=config.raw)


GENERATORS: tuple[Generator, ...] = (
    # Hexo's config is _config.yml, as Jekyll's: its package.json tells them apart. Its
    # front matter is js-yaml's (a naive timestamp is UTC), except that it reads the
    # top-level date and updated in the site's timezone.
    Generator("hexo", "Hexo", ("_config.yml",), "1.2", True, ("source/_posts", "source"),
              ("source/_data",), False, _hexo, ("hexo",), public=("source",),
              local_keys=("date", "updated")),
    # Hugo reads a date without offset in its timeZone setting, else in UTC; init writes
    # naive_times = "local" for a site that sets one.
    Generator("hugo", "Hugo", (*_HUGO_CONFIGS, "config/_default/*"), "1.2", True,
              ("content",), ("data",), True, _hugo,
              page_rules=_rules("contentpaths", "hugo_pages"), public=("static", "content")),
    Generator("zola", "Zola", ("config.toml",), "1.2", True, ("content",), (), True, _zola,
              page_rules=_rules("contentpaths", "zola_pages"), public=("static", "content")),
    Generator("astro", "Astro", ("astro.config.*",), "1.2", True, ("src/content",),
              ("src/data",), True, _astro, ("astro",), page_rules=_rules("routes", "astro_pages"),
              public=("public",)),
    Generator("eleventy", "Eleventy", (".eleventy.js", ".eleventy.cjs", "eleventy.config.*"),
              "1.2", True, ("src", "content", "."), ("_data", "src/_data"), False, _eleventy,
              ("@11ty/eleventy",), page_rules=_rules("routes", "eleventy_pages"),
              public=("src", "public")),
    Generator("mkdocs", "MkDocs", ("mkdocs.yml", "mkdocs.yaml"), "1.1", False, ("docs",), (),
              True, _mkdocs, page_rules=_rules("routes", "mkdocs_pages"),
              links_from_source=True),
    # Pelican reads `Key: value` headers and reST pages (or YAML through a plugin); a date
    # without offset is in its TIMEZONE setting. Its pages' URLs are not modelled yet.
    Generator("pelican", "Pelican", ("pelicanconf.py",), "1.1", False, ("content",), (),
              False, _pelican),
    # Nikola: posts and pages in reST (or Markdown) with `.. key: value` metadata; a date
    # without offset is in its TIMEZONE. Its config is conf.py, as Sphinx's: _is_nikola.
    Generator("nikola", "Nikola", ("conf.py",), "1.1", False, ("posts", "pages"), (),
              False, _nikola, public=("files", ".")),
    # The JavaScript generators read front matter with gray-matter (js-yaml): YAML 1.2,
    # and an unquoted timestamp without offset is a JavaScript Date in UTC.
    Generator("gatsby", "Gatsby", ("gatsby-config.*",), "1.2", True,
              ("content", "src/content", "src/pages"), ("data", "src/data"), True, _gatsby,
              ("gatsby",), public=("static",)),
    Generator("docusaurus", "Docusaurus", ("docusaurus.config.*",), "1.2", True,
              ("blog", "docs", "src/pages"), ("src/data", "data"), True, _docusaurus,
              ("@docusaurus/core",), public=("static",)),
    Generator("next", "Next.js", ("next.config.*",), "1.2", True,
              ("content", "_posts", "posts"), ("data",), False, _next, ("next",),
              public=("public",)),
    Generator("nuxt", "Nuxt", ("nuxt.config.*",), "1.2", True, ("content",), ("data",),
              False, _nuxt, ("nuxt", "@nuxt/content"), public=("public", "static")),
    Generator("metalsmith", "Metalsmith", ("metalsmith.json",), "1.2", True, ("src",),
              ("data", "src/data"), False, _metalsmith, ("metalsmith", "@metalsmith/core"),
              public=("src",)),
    Generator("jekyll", "Jekyll", ("_config.yml", "_config.yaml"), "1.1", False, (".",),
              ("_data",), False, _jekyll, page_rules=_rules("permalinks", "jekyll_pages"),
              public=(".",)),
)
GENERIC = Generator("generic", "a Markdown folder", (), "1.1", False,
                    ("content", "."), ("_data", "data"), False, _generic,
                    public=("static", "public"))
# What [content] generator may say.
GENERATOR_NAMES: tuple[str, ...] = (*(g.name for g in GENERATORS), GENERIC.name)


def generator_named(name: str) -> Generator | None:
    """The profile called ``name`` ("hugo", ...), or None."""
    if name == GENERIC.name:
        return GENERIC
    return next((g for g in GENERATORS if g.name == name), None)


def _is_zola(root: Path) -> bool:
    # Hugo reads config.toml too: Zola's says base_url, Hugo's baseURL.
    try:
        data = read_config_file(root / "config.toml")
    except (OSError, ValueError, FrontMatterError):
        return False
    return "base_url" in data


def detect_generator(root: Path) -> Generator:
    """The generator whose files are at ``root``; the generic profile when none is."""
    for generator in GENERATORS:
        for marker in generator.markers:
            found = any(root.glob(marker)) if "*" in marker else (root / marker).is_file()
            if not found:
                continue
            if marker == "config.toml" and (generator.name == "zola") != _is_zola(root):
                continue
            if generator.name == "hexo" and "hexo" not in _npm_packages(root):
                continue  # Jekyll's _config.yml
            if generator.name == "nikola" and not _is_nikola(root):
                continue  # Sphinx's conf.py
            return generator
    # No config file of its own (a Metalsmith build script, a Next.js site with defaults):
    # the generator the site's package.json depends on.
    packages = _npm_packages(root)
    if packages:
        for generator in GENERATORS:
            if packages.intersection(generator.packages):
                return generator
    return GENERIC


def _npm_packages(root: Path) -> set[str]:
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


def site_root(events: Path, base: Path) -> Path:
    """The site's folder: the nearest one above the events folder with a generator's
    config (_config.yml, hugo.toml...), not above announce.toml's folder; else that one."""
    below_base = events == base or events.is_relative_to(base)
    for folder in (events, *list(events.parents)[:6]):
        if detect_generator(folder) is not GENERIC:
            return folder
        if folder == base:
            break
    return base if below_base else events.parent


def config_value(config: SiteConfig, path: str) -> Any:
    """A value of the generator's config by key path, or MISSING."""
    return get_path(config.raw, path) if config.raw else MISSING
