"""Generator profiles: what each static-site generator's files mean, and how to tell them.

A generator is one entry in :data:`GENERATORS`, declared with keywords: the files that
identify it (and a test when another generator's file has the same name), the YAML it
reads, its clock (whether a naive time is the site's or UTC), where its content and data
live, where it publishes files as they are, how it publishes pages, and how to read its
config (:mod:`.siteconfigs`). Everything that depends on the generator reads its entry:
adding a generator is adding an entry (and, if its config is special, a reader).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .frontmatter import FrontMatterError, YamlDialect
from .keymap import MISSING, get_path
from .siteconfigs import (
    HUGO_CONFIGS,
    SiteConfig,
    is_nikola,
    is_zola,
    npm_packages,
    read_astro,
    read_docusaurus,
    read_eleventy,
    read_gatsby,
    read_generic,
    read_hexo,
    read_hugo,
    read_jekyll,
    read_metalsmith,
    read_mkdocs,
    read_next,
    read_nikola,
    read_nuxt,
    read_pelican,
    read_zola,
)

if TYPE_CHECKING:
    from .permalinks import PageRules

__all__ = ["GENERATORS", "GENERATOR_NAMES", "GENERIC", "Clock", "Generator", "SiteConfig",
           "config_value", "detect_generator", "generator_named", "site_root"]

# How a generator reads a time written without offset (``2027-03-04 18:30``): in the
# site's timezone ("local"), in UTC ("utc": js-yaml's Date), or in the zone its config
# names and else UTC ("zone-else-utc": Hugo's timeZone; init then writes
# ``naive_times = "local"`` for a site that names one).
Clock = Literal["local", "utc", "zone-else-utc"]


def _never(root: Path) -> bool:
    return True


@dataclass(frozen=True, kw_only=True)
class Generator:
    """One static-site generator's habits: everything announce does differently for it."""

    name: str  # what [content] generator says
    label: str  # what messages call it
    read_config: Callable[[Path], SiteConfig]
    # Any of these files, relative to the site root, identifies it (globs allowed)...
    markers: tuple[str, ...] = ()
    # ...when this says the site at root is its own (a file of the same name may be
    # another generator's: Hugo's config.toml and Zola's, Jekyll's _config.yml and Hexo's).
    confirm: Callable[[Path], bool] = _never
    # npm packages that make a site this generator's when no marker file says so
    # (package.json "dependencies" or "devDependencies").
    packages: tuple[str, ...] = ()
    yaml: YamlDialect = "1.2"
    clock: Clock = "local"
    # Top-level keys whose naive timestamps it reads in the site's zone although its clock
    # is UTC (Hexo's date and updated; a nested event.time stays js-yaml's UTC).
    local_keys: tuple[str, ...] = ()
    # Folders the content is under, most likely first.
    content_roots: tuple[str, ...] = ("content",)
    # Folders of data files (``_data``, ``data``).
    data_dirs: tuple[str, ...] = ()
    # ``index.md`` is the page of its folder (a bundle), whose other files are resources.
    bundles: bool = False
    # Where ``init`` puts the events and locations when it finds none, from its config.
    folders: Callable[[SiteConfig], tuple[str, str]] = \
        lambda config: ("content/events", "content/locations")
    # A mistake in its config stops it (Jekyll's _config.yml): init stops too, saying where.
    config_must_parse: bool = False
    # A collection's .html pages with front matter are pages as its Markdown ones (Jekyll).
    html_pages: bool = False
    # How it publishes a content file: the rules that give a file's page (its path below
    # the site's URL), made from the site's root and config; None: unknown.
    page_rules: Callable[[Path, SiteConfig], PageRules] | None = None
    # A relative link to a file in a page's Markdown is relative to the page's source
    # file, which the generator rewrites (MkDocs), not to the page's URL.
    links_from_source: bool = False
    # A relative image of a page is renamed when it builds (Astro's image()): its URL
    # cannot be known.
    renames_relative_images: bool = False
    # Where it serves a site-absolute path (/images/x.png) from, below the site's root...
    public: tuple[str, ...] = ()
    # ...after the folder its config names under one of these keys (Jekyll's source,
    # Hugo's staticDir), and before its content folders when their files keep their path
    # (MkDocs, Pelican).
    public_keys: tuple[str, ...] = ()
    content_public: bool = False
    # The folder whose files it publishes as they are at the site's root (where `feed`
    # writes), when not the one its config names or its first public folder: MkDocs'
    # docs_dir, Eleventy's input folder.
    publish_folder: Callable[[Path, SiteConfig], str] | None = None
    # It leaves out folders whose name starts with _ or . (Jekyll).
    skips_hidden: bool = False
    # It publishes a folder as it is only when its config says so (Eleventy's
    # addPassthroughCopy).
    copies_when_told: bool = False

    @property
    def naive_utc(self) -> bool:
        """Whether a naive timestamp in front matter is UTC when nothing says otherwise."""
        return self.clock != "local"

    def detect(self, root: Path) -> bool:
        """Whether the site at ``root`` is this generator's, by its files."""
        return any(any(root.glob(m)) if "*" in m else (root / m).is_file()
                   for m in self.markers) and self.confirm(root)

    def config_file(self, root: Path) -> Path | None:
        """Its config file at ``root`` (the first marker there that names one file)."""
        return next((root / m for m in self.markers
                     if "*" not in m and (root / m).is_file()), None)

    def config(self, root: Path) -> SiteConfig:
        """What its config at ``root`` says; empty when it cannot be read."""
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

    def served(self, root: Path) -> tuple[str, ...]:
        """The folders below ``root`` it serves a site-absolute path from, likeliest first."""
        config = self.config(root)
        named = [value.strip("/") for key in self.public_keys
                 if isinstance(value := config.raw.get(key), str) and value.strip("/")]
        content = config.content_dirs if self.content_public else ()
        return (*named, *self.public, *content)

    def static_folder(self, root: Path) -> str | None:
        """The folder below ``root`` whose files it publishes as they are, at the site's
        root; None when announce knows none (Pelican)."""
        config = self.config(root)
        if self.publish_folder is not None:
            return self.publish_folder(root, config)
        named = next((str(config.raw[k]) for k in self.public_keys
                      if isinstance(config.raw.get(k), str)), "")
        if named.strip().strip("/"):
            return named.strip().strip("/")
        return self.public[0] if self.public else None


def _lazy(module: str, name: str) -> Callable[[Path, SiteConfig], Any]:
    """A function of a module of the sources, imported when first used: most commands
    never link or write the site's files."""
    def call(root: Path, config: SiteConfig) -> Any:
        from importlib import import_module

        return getattr(import_module(f"{__package__}.{module}"), name)(root, config)

    return call


def _eleventy_folder(root: Path, config: SiteConfig) -> str:
    # Its input folder (dir.input), whose files it copies when told.
    from importlib import import_module

    found: Path = import_module(f"{__package__}.routes").eleventy_input(root)
    return found.relative_to(root).as_posix()


def _jekyll_folders(config: SiteConfig) -> tuple[str, str]:
    base = str(config.raw.get("collections_dir") or "").strip().strip("/")
    prefix = f"{base}/" if base else ""
    return f"{prefix}_events", f"{prefix}_locations"


def _hexo(root: Path) -> bool:
    return "hexo" in npm_packages(root)  # else the _config.yml is Jekyll's


def _hugo(root: Path) -> bool:
    return not is_zola(root)  # Hugo reads config.toml too: Zola's says base_url


GENERATORS: tuple[Generator, ...] = (
    # Hexo's config is _config.yml, as Jekyll's: its package.json tells them apart. Its
    # front matter is js-yaml's (a naive timestamp is UTC), except that it reads the
    # top-level date and updated in the site's timezone.
    Generator(name="hexo", label="Hexo", markers=("_config.yml",), confirm=_hexo,
              packages=("hexo",), clock="utc", local_keys=("date", "updated"),
              content_roots=("source/_posts", "source"), data_dirs=("source/_data",),
              read_config=read_hexo, public=("source",)),
    Generator(name="hugo", label="Hugo", markers=(*HUGO_CONFIGS, "config/_default/*"),
              confirm=_hugo, clock="zone-else-utc", data_dirs=("data",), bundles=True,
              read_config=read_hugo, page_rules=_lazy("contentpaths", "hugo_pages"),
              public=("static", "content"), public_keys=("staticDir", "staticdir")),
    Generator(name="zola", label="Zola", markers=("config.toml",), confirm=is_zola,
              clock="utc", bundles=True, read_config=read_zola,
              page_rules=_lazy("contentpaths", "zola_pages"), public=("static", "content")),
    Generator(name="astro", label="Astro", markers=("astro.config.*",), packages=("astro",),
              clock="utc", content_roots=("src/content",), data_dirs=("src/data",),
              bundles=True, read_config=read_astro, page_rules=_lazy("routes", "astro_pages"),
              renames_relative_images=True, public=("public",)),
    Generator(name="eleventy", label="Eleventy",
              markers=(".eleventy.js", ".eleventy.cjs", "eleventy.config.*"),
              packages=("@11ty/eleventy",), clock="utc", content_roots=("src", "content", "."),
              data_dirs=("_data", "src/_data"), read_config=read_eleventy,
              page_rules=_lazy("routes", "eleventy_pages"), public=("src", "public"),
              publish_folder=_eleventy_folder, copies_when_told=True),
    Generator(name="mkdocs", label="MkDocs", markers=("mkdocs.yml", "mkdocs.yaml"),
              yaml="1.1", content_roots=("docs",), bundles=True, read_config=read_mkdocs,
              page_rules=_lazy("routes", "mkdocs_pages"), links_from_source=True,
              content_public=True,
              publish_folder=lambda root, config: config.content_dirs[0]),  # docs_dir
    # Pelican reads `Key: value` headers and reST pages (or YAML through a plugin); a date
    # without offset is in its TIMEZONE setting. Its pages' URLs are not modelled yet.
    Generator(name="pelican", label="Pelican", markers=("pelicanconf.py",), yaml="1.1",
              read_config=read_pelican, content_public=True),
    # Nikola: posts and pages in reST (or Markdown) with `.. key: value` metadata; a date
    # without offset is in its TIMEZONE. Its config is conf.py, as Sphinx's.
    Generator(name="nikola", label="Nikola", markers=("conf.py",), confirm=is_nikola,
              yaml="1.1", content_roots=("posts", "pages"), read_config=read_nikola,
              public=("files", ".")),
    # The JavaScript generators read front matter with gray-matter (js-yaml): YAML 1.2,
    # and an unquoted timestamp without offset is a JavaScript Date in UTC.
    Generator(name="gatsby", label="Gatsby", markers=("gatsby-config.*",),
              packages=("gatsby",), clock="utc",
              content_roots=("content", "src/content", "src/pages"),
              data_dirs=("data", "src/data"), bundles=True, read_config=read_gatsby,
              public=("static",)),
    Generator(name="docusaurus", label="Docusaurus", markers=("docusaurus.config.*",),
              packages=("@docusaurus/core",), clock="utc",
              content_roots=("blog", "docs", "src/pages"), data_dirs=("src/data", "data"),
              bundles=True, read_config=read_docusaurus, public=("static",)),
    Generator(name="next", label="Next.js", markers=("next.config.*",), packages=("next",),
              clock="utc", content_roots=("content", "_posts", "posts"), data_dirs=("data",),
              read_config=read_next, public=("public",)),
    Generator(name="nuxt", label="Nuxt", markers=("nuxt.config.*",),
              packages=("nuxt", "@nuxt/content"), clock="utc", data_dirs=("data",),
              read_config=read_nuxt, public=("public", "static")),
    Generator(name="metalsmith", label="Metalsmith", markers=("metalsmith.json",),
              packages=("metalsmith", "@metalsmith/core"), clock="utc",
              content_roots=("src",), data_dirs=("data", "src/data"),
              read_config=read_metalsmith, public=("src",)),
    Generator(name="jekyll", label="Jekyll", markers=("_config.yml", "_config.yaml"),
              yaml="1.1", content_roots=(".",), data_dirs=("_data",), read_config=read_jekyll,
              folders=_jekyll_folders, config_must_parse=True, html_pages=True,
              page_rules=_lazy("permalinks", "jekyll_pages"), public=(".",),
              public_keys=("source",), skips_hidden=True),
)
# No generator's files: a folder of Markdown, read as announce's own format.
GENERIC = Generator(name="generic", label="a Markdown folder", yaml="1.1",
                    content_roots=("content", "."), data_dirs=("_data", "data"),
                    read_config=read_generic, public=("static", "public", "content"))
# What [content] generator may say.
GENERATOR_NAMES: tuple[str, ...] = (*(g.name for g in GENERATORS), GENERIC.name)


def generator_named(name: str) -> Generator | None:
    """The profile called ``name`` ("hugo", ...), or None."""
    return next((g for g in (*GENERATORS, GENERIC) if g.name == name), None)


def detect_generator(root: Path) -> Generator:
    """The generator whose files are at ``root``; the generic profile when none is."""
    for generator in GENERATORS:
        if generator.detect(root):
            return generator
    # No config file of its own (a Metalsmith build script, a Next.js site with defaults):
    # the generator the site's package.json depends on.
    packages = npm_packages(root)
    if packages:
        for generator in GENERATORS:
            if packages.intersection(generator.packages):
                return generator
    return GENERIC


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
