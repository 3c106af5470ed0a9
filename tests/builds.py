"""Building a corpus site with its own generator (Debian's ``jekyll``, ``hugo``, ``mkdocs``).

The corpus keeps a site's event files and config, not its theme, plugins or home page, so
each site is built with a config that keeps what decides where pages go (URLs, permalinks,
collections, languages, folders) and drops what is not there (themes, plugins, modules);
the layouts, includes and shortcodes its pages name are written as empty stubs. The pages
land where the real site's build puts them; what they show is not tested here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

__all__ = ["GENERATORS", "build", "missing_tools"]

GENERATORS = ("jekyll", "hugo", "mkdocs")

# What decides where a page is published, per generator: kept from the site's config.
_JEKYLL_KEYS = ("url", "baseurl", "permalink", "collections", "collections_dir", "source",
                "defaults", "future", "exclude", "include", "timezone", "markdown", "kramdown")
_HUGO_KEYS = ("baseurl", "languagecode", "defaultcontentlanguage",
              "defaultcontentlanguageinsubdir", "languages", "contentdir",
              "disablepathtolower", "uglyurls", "permalinks", "buildfuture", "builddrafts",
              "timezone", "frontmatter", "removepathaccents", "title")
_MKDOCS_KEYS = ("site_name", "site_url", "docs_dir", "use_directory_urls")


def missing_tools() -> list[str]:
    """The generators this machine lacks (``.ci/system-deps`` installs them)."""
    return [tool for tool in GENERATORS if shutil.which(tool) is None]


def build(generator: str, root: Path, out: Path) -> None:
    """Build the site at ``root`` (a copy: stubs are written into it) into ``out``."""
    {"jekyll": _jekyll, "hugo": _hugo, "mkdocs": _mkdocs}[generator](root, out)


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600,
                          check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def _stub(path: Path, text: str = "") -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _texts(folder: Path) -> list[str]:
    return [p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*.md")]


def _jekyll(root: Path, out: Path) -> None:
    config: dict[str, Any] = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    kept = {k: v for k, v in config.items() if k in _JEKYLL_KEYS}
    source = root / str(kept.get("source") or ".").strip("/")
    (root / "_config.build.yml").write_text(yaml.safe_dump(kept), encoding="utf-8")
    # The site's own layouts and includes may call its plugins' tags ({% seo %}).
    for folder in ("_layouts", "_includes"):
        for path in (source / folder).rglob("*") if (source / folder).is_dir() else ():
            if path.is_file():
                path.write_text("{{ content }}" if folder == "_layouts" else "",
                                encoding="utf-8")
    for text in _texts(source):
        for name in re.findall(r"\{%-?\s*include\s+([\w./-]+)", text):
            _stub(source / "_includes" / name)
    _run(["jekyll", "build", "--quiet", "--config", "_config.build.yml", "-d", str(out)], root)


def _hugo(root: Path, out: Path) -> None:
    config_path = next(root / name for name in ("hugo.toml", "config.toml", "config.yaml",
                                                 "hugo.yaml") if (root / name).is_file())
    if config_path.suffix == ".toml":
        import tomllib

        config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    else:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    kept = {k: v for k, v in config.items() if k.lower() in _HUGO_KEYS}
    kept["markup"] = {"goldmark": {"renderer": {"unsafe": True}}}
    (root / "hugo.build.json").write_text(json.dumps(kept, default=str), encoding="utf-8")
    for name in ("single", "list"):
        _stub(root / "layouts" / "_default" / f"{name}.html", "{{ .Title }} {{ .Content }}")
    _stub(root / "layouts" / "index.html", "home")
    closed: set[str] = set()
    used: set[str] = set()
    for text in _texts(root / "content"):
        used |= set(re.findall(r"\{\{[<%]\s*([\w/.-]+)", text)) - {"/"}
        closed |= set(re.findall(r"\{\{[<%]\s*/\s*([\w.-]+)", text))
    for name in used - {n for n in used if n.startswith("/")}:
        _stub(root / "layouts" / "shortcodes" / f"{name}.html",
              "{{ .Inner }}" if name in closed else "")
    _run(["hugo", "--quiet", "--config", "hugo.build.json", "-d", str(out)], root)


def _mkdocs(root: Path, out: Path) -> None:
    # A safe loader that reads tags it does not know (!ENV, !!python/name:) as nothing.
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    config: dict[str, Any] = yaml.load(text, Loader=_Lenient)  # noqa: S506 - a SafeLoader
    kept = {k: v for k, v in config.items() if k in _MKDOCS_KEYS}
    # The built-in theme, with a stub of each template a page asks for by name.
    kept["theme"] = {"name": "mkdocs", "custom_dir": "build_theme"}
    docs = root / str(kept.get("docs_dir") or "docs")
    for text in _texts(docs):
        for name in re.findall(r"^template:\s*[\"']?([\w./-]+)", text, re.MULTILINE):
            _stub(root / "build_theme" / name, "{{ page.content }}")
    (root / "build_theme").mkdir(exist_ok=True)
    (root / "mkdocs.build.yml").write_text(yaml.safe_dump(kept), encoding="utf-8")
    _run(["mkdocs", "build", "--quiet", "-f", "mkdocs.build.yml", "-d", str(out)], root)


class _Lenient(yaml.SafeLoader):
    """mkdocs.yml's ``!!python/name:`` and ``!ENV`` tags read as plain values."""


_Lenient.add_multi_constructor("", lambda loader, suffix, node: None)
