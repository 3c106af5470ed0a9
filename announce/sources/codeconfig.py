"""Settings from site configs that are code, read as text and never run.

Pelican's ``pelicanconf.py`` is Python; the configs of Astro, Gatsby, Docusaurus, Next.js,
Nuxt and Metalsmith's build scripts are JavaScript. Running them would run whatever they
import (and need their toolchains); announce needs only the few values a site states
literally: ``SITEURL = 'https://...'``, ``siteUrl: "https://..."``, a title, a locale, a
timezone. :func:`python_settings` takes a Python file's literal assignments with ``ast``;
:func:`js_values` picks ``key: "literal"`` pairs out of JavaScript source.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

if TYPE_CHECKING:
    import ast

__all__ = [
    "TS_LOCALE",
    "TS_SITE",
    "TS_TITLE",
    "TS_ZONE",
    "JsValues",
    "build_source",
    "js_values",
    "python_settings",
    "scan_sources",
]

# A config over this size is no hand-written config (a bundle, a generated file).
_MAX_BYTES: Final = 200_000

TS_ZONE: Final = re.compile(r"""(?i)time_?zone\w*\s*[:=]\s*["']([A-Za-z]+/[A-Za-z_+\-/]+)["']""")
TS_SITE: Final = re.compile(r"""\bsite\s*:\s*["'](https?://[^"']+)["']""")
TS_TITLE: Final = re.compile(r"""\bSITE_(?:TITLE|NAME)\s*=\s*["']([^"']+)["']""")
TS_LOCALE: Final = re.compile(r"""defaultLocale\s*:\s*["']([A-Za-z-]+)["']""")

# Comments, so that a commented-out `// url: "https://old.example"` is not read; a `//`
# right after a colon or a quote is a URL's.
_JS_COMMENT: Final = re.compile(r"/\*.*?\*/|(?<![:\w\"'`\\])//[^\n]*", re.DOTALL)
_QUOTED = r"""["'`]([^"'`\n]+)["'`]"""
_JS_URL: Final = re.compile(r"\b(?:siteUrl|siteURL|url|site)\s*:\s*[\"'`](https?://[^\"'`\s]+)")
_JS_BASE: Final = re.compile(r"\b(?:baseUrl|basePath|pathPrefix)\s*:\s*[\"'`](/[^\"'`\s]*)")
_JS_TITLE: Final = re.compile(r"\b(?:title|siteName|siteTitle)\s*:\s*" + _QUOTED)
_JS_LOCALE: Final = re.compile(
    r"\b(?:defaultLocale|defaultLanguage|language|lang|locale)\s*:\s*"
    r"[\"'`]([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)[\"'`]")
# Metalsmith(__dirname).source('./content')
_JS_SOURCE: Final = re.compile(r"\.source\(\s*[\"'`](?:\./)?([^\"'`]*)[\"'`]\s*\)")


def scan_sources(root: Path, names: tuple[str, ...]) -> str:
    """The text of the files that the glob patterns ``names`` match below ``root``."""
    text = []
    for name in names:
        for path in sorted(root.glob(name))[:20]:
            if path.is_file() and path.stat().st_size < _MAX_BYTES:
                text.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(text)


def python_settings(path: Path) -> dict[str, Any]:
    """The literal assignments of a Python settings file (``SITEURL = 'https://...'``).

    A value that is no literal (``os.path.join(...)``) is left out; one that names a
    setting read before (``ARTICLE_SAVE_AS = ARTICLE_URL``) is that setting's value.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     conf = Path(folder, "pelicanconf.py")
    ...     _ = conf.write_text("import os\\nPATH = 'content'\\nX = os.getcwd()\\nY = PATH\\n")
    ...     python_settings(conf)
    {'PATH': 'content', 'Y': 'content'}
    """
    import ast  # here: only Pelican sites need it, and every command loads the profiles

    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return {}
        tree = ast.parse(path.read_text(encoding="utf-8-sig"), str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError,
            MemoryError):
        return {}
    settings: dict[str, Any] = {}
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if not isinstance(target, ast.Name) or value is None:
            continue
        if isinstance(value, ast.Name):
            if value.id in settings:
                settings[target.id] = settings[value.id]
            continue
        try:
            settings[target.id] = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
            continue
    return settings


class JsValues(NamedTuple):
    """What a JavaScript config states literally; empty strings where it says nothing."""

    url: str
    title: str
    language: str
    timezone: str


def js_values(source: str, anchor: str = "") -> JsValues:
    """The site's url (with its base path), title, language and timezone in ``source``.

    With an ``anchor`` (Gatsby's ``siteMetadata``), the url and title are looked for from
    there on when the source has it: a config's plugins call other things ``title`` too.

    >>> js_values("module.exports = { url: 'https://x.test', baseUrl: '/meetup/', "
    ...           "title: 'X Meetup', i18n: { defaultLocale: 'fr' } }")
    JsValues(url='https://x.test/meetup', title='X Meetup', language='fr', timezone='')
    """
    source = _JS_COMMENT.sub("", source)
    at = source.find(anchor) if anchor else -1
    scoped = source[at:] if at >= 0 else source
    url = _JS_URL.search(scoped)
    base = _JS_BASE.search(scoped)
    title = _JS_TITLE.search(scoped)
    locale = _JS_LOCALE.search(source)
    zone = TS_ZONE.search(source)
    site = url[1].rstrip("/") if url else ""
    if site and base and base[1].strip("/"):
        site = f"{site}/{base[1].strip('/')}"
    return JsValues(site, title[1].strip() if title else "", locale[1] if locale else "",
                    zone[1] if zone else "")


def build_source(source: str) -> str:
    """The source folder a Metalsmith build script names (``.source('./src')``), or ""."""
    found = _JS_SOURCE.search(_JS_COMMENT.sub("", source))
    return found[1].strip("/") if found else ""
