"""Where MkDocs, Eleventy and Astro publish a content file (see
:mod:`announce.sources.permalinks` for the shape of the rules).

MkDocs: the file's path below ``docs_dir``, as a folder (``use_directory_urls``, the
default) or an ``.html`` file. Eleventy: the ``permalink`` of the file's front matter or
of its folder's data file (a template of its data: ``events/{{ title | slug }}/``), else
its path below the input folder. Astro: a route in ``src/pages`` that lists the file's
collection (``[...slug].astro`` with ``getCollection("events")`` and ``params: { slug:
entry.id }``); without one, announce cannot tell.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .permalinks import PageFile, PagePath, PageRules, relative_to, slugify, unknown

if TYPE_CHECKING:
    from .profiles import SiteConfig

__all__ = ["astro_pages", "eleventy_input", "eleventy_pages", "eleventy_source", "mkdocs_pages"]


def _source(path: Path, limit: int = 200_000) -> str:
    try:
        if path.stat().st_size > limit:
            return ""
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


# --- MkDocs ----------------------------------------------------------------------------


class _MkDocs:
    def __init__(self, root: Path, config: SiteConfig) -> None:
        raw = config.raw
        docs = raw.get("docs_dir")
        self.docs = root / (docs.strip("/") if isinstance(docs, str) and docs.strip("/")
                            else "docs")
        self.directory_urls = raw.get("use_directory_urls") is not False
        plugins = raw.get("plugins")
        names = [next(iter(p)) if isinstance(p, dict) and p else p
                 for p in plugins] if isinstance(plugins, list) else []
        blog = next((p["blog"] for p in plugins if isinstance(p, dict) and "blog" in p),
                    None) if isinstance(plugins, list) else None
        blog_dir = blog.get("blog_dir") if isinstance(blog, dict) else None
        self.blog = (str(blog_dir or "blog").strip("/") or ".") if "blog" in names else None

    def __call__(self, page: PageFile) -> PagePath:
        relative = relative_to(page.path, self.docs)
        if relative is None:
            return unknown("the file is outside MkDocs' docs_dir")
        if any(part.startswith(".") for part in relative.parts):
            return PagePath(None, "MkDocs leaves out hidden files")
        if self.blog is not None and (self.blog == "." or str(relative).startswith(
                self.blog + "/")) and "posts" in relative.parts:
            return unknown("a post of Material's blog plugin, whose URL its settings decide")
        folder = relative.parent
        stem = relative.stem
        index = stem == "index" or (stem.upper() == "README" and not any(
            (page.path.parent / name).is_file() for name in ("index.md", "index.markdown")))
        if self.directory_urls:
            parts = [*folder.parts] if index else [*folder.parts, stem]
            path = "/" + "/".join(parts) + "/" if parts else "/"
            how = "MkDocs, the file's path below docs_dir (use_directory_urls)"
        else:
            path = "/" + str(folder / ("index" if index else stem)).lstrip("./") + ".html"
            how = "MkDocs, the file's path below docs_dir (use_directory_urls: false)"
        return PagePath(path.replace("/./", "/"), how)


def mkdocs_pages(root: Path, config: SiteConfig) -> PageRules:
    """MkDocs' rules for the site at ``root``."""
    return _MkDocs(root, config)


# --- Eleventy --------------------------------------------------------------------------

_INPUT = re.compile(r"""\binput\s*:\s*["'`]([^"'`]+)["'`]""")
_TEMPLATE = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}|\{%.*?%\}")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


_SLUG_WORDS = {"&": "and", "$": "dollar", "%": "percent", "<": "less", ">": "greater",
               "|": "or"}


def _slug_filter(text: str) -> str:
    """Eleventy's ``slug`` filter (the ``slugify`` package, lower case): accents dropped,
    a few signs spelled out, characters outside ``\\w$*_+~.()'"!-:@`` removed, runs of
    spaces and "-" one "-"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(_SLUG_WORDS.get(c, c) for c in text if not unicodedata.combining(c))
    text = re.sub(r"""[^A-Za-z0-9_\s$*+~.()'"!\-:@]+""", "", text).strip()
    return re.sub(r"[\s-]+", "-", text).lower()


def _slugify_filter(text: str) -> str:
    """Eleventy's ``slugify`` filter (@sindresorhus/slugify): "&" is "and", accents
    dropped, runs of anything but letters and digits one "-"."""
    return slugify(text.replace("&", " and ").replace("'", "").replace("’", ""),
                   ascii_only=True)


def eleventy_source(root: Path) -> str:
    """The text of the Eleventy config files at ``root`` (never run)."""
    return "\n".join(_source(p) for p in sorted(root.glob(".eleventy.*")) +
                     sorted(root.glob("eleventy.config.*")))


def eleventy_input(root: Path) -> Path:
    """Eleventy's input folder (``dir.input``; the site's folder by default)."""
    found = _INPUT.search(eleventy_source(root))
    return root / found[1].strip("./") if found and found[1].strip("./") else root


class _Eleventy:
    def __init__(self, root: Path, config: SiteConfig) -> None:
        self.input = eleventy_input(root)

    def __call__(self, page: PageFile) -> PagePath:
        relative = relative_to(page.path, self.input)
        if relative is None:
            return unknown("the file is outside Eleventy's input folder")
        stem = relative.stem
        file_slug = page.path.parent.name if stem == "index" else _DATE_PREFIX.sub("", stem)
        permalink, where = self._permalink(page, relative)
        if permalink is False:
            return PagePath(None, f"Eleventy writes no page of it (permalink: false in {where})")
        if permalink is None:
            parts = [*relative.parent.parts] + ([] if stem == "index" else [stem])
            return PagePath("/" + "/".join(parts) + "/" if parts else "/",
                            "Eleventy, the file's path below the input folder")
        if not isinstance(permalink, str):
            return unknown(f"Eleventy permalink in {where} is not a string")
        values = {"title": page.data.get("title"), "page.fileSlug": file_slug,
                  "page.filePathStem": "/" + str(relative.with_suffix(""))}
        path = self._render(permalink, {**page.data, **values})
        if path is None:
            return unknown(f"Eleventy permalink {permalink!r} ({where}): a template "
                           "announce does not read")
        path = "/" + path.strip().lstrip("/")
        if path.endswith("/index.html"):
            path = path[:-len("index.html")]
        return PagePath(path, f"Eleventy, permalink {permalink!r} ({where})")

    def _permalink(self, page: PageFile, relative: PurePosixPath) -> tuple[Any, str]:
        """The permalink from the data cascade (front matter, the file's own data file,
        its folders' data files), and where it was found; None when none sets one."""
        if "permalink" in page.data:
            return page.data["permalink"], "front matter"
        computed = page.data.get("eleventyComputed")
        if isinstance(computed, Mapping) and "permalink" in computed:
            return {}, "eleventyComputed"
        folder = page.path.parent
        candidates = [folder / f"{page.path.stem}.11tydata.json",
                      folder / f"{page.path.stem}.json"]
        for _depth in range(len(relative.parts) - 1):
            candidates += [folder / f"{folder.name}.11tydata.json",
                           folder / f"{folder.name}.json", folder / f"{folder.name}.11tydata.js"]
            folder = folder.parent
        for candidate in candidates:
            if not candidate.is_file():
                continue
            text = _source(candidate)
            if candidate.suffix == ".js":
                if "permalink" in text:
                    return {}, candidate.name  # JavaScript decides: not known
                continue
            try:
                data = json.loads(text)
            except ValueError:
                continue
            if isinstance(data, dict) and "permalink" in data:
                return data["permalink"], candidate.name
        return None, ""

    @staticmethod
    def _render(template: str, data: Mapping[str, Any]) -> str | None:
        """A permalink template of plain variables and the slug filters; None for any
        other Liquid or Nunjucks."""
        failed = False

        def expression(match: re.Match[str]) -> str:
            nonlocal failed
            if match[1] is None:  # a {% tag %}
                failed = True
                return ""
            name, *filters = [p.strip() for p in match[1].split("|")]
            value = data.get(name)
            if not isinstance(value, str | int) or isinstance(value, bool):
                failed = True
                return ""
            text = str(value)
            for item in filters:
                if item == "slug":
                    text = _slug_filter(text)
                elif item == "slugify":
                    text = _slugify_filter(text)
                elif item != "url":
                    failed = True
            return text

        result = _TEMPLATE.sub(expression, template)
        return None if failed else result


def eleventy_pages(root: Path, config: SiteConfig) -> PageRules:
    """Eleventy's rules for the site at ``root``."""
    return _Eleventy(root, config)


# --- Astro -----------------------------------------------------------------------------

_GET_COLLECTION = re.compile(r"""getCollection\(\s*["'`](\w+)["'`]""")
_PARAMS = re.compile(r"params\s*:\s*\{\s*(\w+)\s*:\s*[\w.]*?\.(id|slug)\s*,?\s*\}")
_ROUTE_PARAM = re.compile(r"^\[(?:\.\.\.)?(\w+)\]$")
_COLLECTION = re.compile(r"(?:const|let)\s+(\w+)\s*=\s*defineCollection\(\s*\{(.*?)\}\s*\)",
                         re.DOTALL)
_BASE = re.compile(r"""base\s*:\s*["'`]([^"'`]+)["'`]""")
_EXPORT = re.compile(r"collections\s*=\s*\{([^}]*)\}")


def _github_slug(segment: str) -> str:
    # github-slugger, as Astro makes an entry's id from its path.
    return re.sub(r"[^\w\- ]", "", segment.lower()).replace(" ", "-")


class _Astro:
    def __init__(self, root: Path, config: SiteConfig) -> None:
        self.root = root
        self.content = root / "src" / "content"
        schema = "\n".join(_source(p) for p in (
            root / "src" / "content.config.ts", root / "src" / "content" / "config.ts",
            root / "src" / "content.config.mjs", root / "src" / "content" / "config.mjs"))
        exported = _EXPORT.search(schema)
        names: dict[str, str] = {}
        for item in (exported[1].split(",") if exported else []):
            key, _colon, value = item.partition(":")
            if key.strip():
                names[(value or key).strip()] = key.strip().strip("'\"")
        # Collection name -> its folder and whether a loader (Astro 5's glob) reads it.
        self.collections: dict[str, tuple[Path, bool]] = {}
        for variable, body in _COLLECTION.findall(schema):
            name = names.get(variable, variable)
            base = _BASE.search(body)
            if "loader" in body and base:
                self.collections[name] = (root / base[1].lstrip("./"), True)
            elif "loader" not in body:
                self.collections[name] = (self.content / name, False)
        astro = "\n".join(_source(p) for p in sorted(root.glob("astro.config.*")))
        prefix = re.search(r"""\bbase\s*:\s*["'`]([^"'`]*)["'`]""", astro)
        self.prefix = "/" + prefix[1].strip("/") if prefix and prefix[1].strip("/") else ""
        self.file_format = re.search(r"""format\s*:\s*["'`]file["'`]""", astro) is not None
        self.no_slash = re.search(r"""trailingSlash\s*:\s*["'`]never["'`]""", astro) is not None
        self.routes = self._routes(root / "src" / "pages")

    @staticmethod
    def _routes(pages: Path) -> dict[str, list[tuple[PurePosixPath, str, str]]]:
        """Collection -> the dynamic routes that list it: (route file below src/pages,
        its parameter, the entry's property that fills it)."""
        routes: dict[str, list[tuple[PurePosixPath, str, str]]] = {}
        if not pages.is_dir():
            return routes
        for path in sorted(pages.rglob("*.astro"))[:500]:
            relative = relative_to(path, pages)
            if relative is None or not _ROUTE_PARAM.match(relative.stem) or \
                    str(relative).count("[") != 1:
                continue
            text = _source(path)
            # The collection whose entries getStaticPaths maps to its pages (the page may
            # list other collections' entries too: an organiser's events).
            start = text.find("getStaticPaths")
            end = text.find("\n}", start)
            paths = text[start:end if end > 0 else None] if start >= 0 else ""
            collection = _GET_COLLECTION.search(paths)
            params = _PARAMS.search(paths)
            if collection and params:
                routes.setdefault(collection[1], []).append((relative, params[1], params[2]))
        return routes

    def __call__(self, page: PageFile) -> PagePath:
        found = next(((name, folder, loader, relative)
                      for name, (folder, loader) in self.collections.items()
                      if (relative := relative_to(page.path, folder)) is not None), None)
        if found is None:
            legacy = relative_to(page.path, self.content)
            if legacy is None or len(legacy.parts) < 2:
                return unknown("the file is in no Astro content collection announce knows")
            found = (legacy.parts[0], self.content / legacy.parts[0], False,
                     PurePosixPath(*legacy.parts[1:]))
        name, _folder, loader, relative = found
        routes = self.routes.get(name, [])
        if len(routes) != 1:
            why = "no route in src/pages lists" if not routes else "several routes list"
            return unknown(f"{why} the Astro collection {name}")
        route, param, prop = routes[0]
        slug = page.data.get("slug")
        if isinstance(slug, str) and slug.strip():
            entry = slug.strip().strip("/")
        elif prop == "id" and not loader:
            entry = str(relative)  # a legacy collection's id keeps its extension
        else:
            segments = [_github_slug(s) for s in relative.with_suffix("").parts]
            entry = re.sub(r"/index$", "", "/".join(segments))
        parts = [entry if _ROUTE_PARAM.match(part) else part
                 for part in route.with_suffix("").parts]
        if parts and parts[-1] == "index":
            parts.pop()
        path = self.prefix + "/" + "/".join(parts)
        path = path + ".html" if self.file_format else path if self.no_slash else path + "/"
        return PagePath(path, f"Astro, the route src/pages/{route} ({param} = entry.{prop})")


def astro_pages(root: Path, config: SiteConfig) -> PageRules:
    """Astro's rules for the site at ``root``."""
    return _Astro(root, config)
