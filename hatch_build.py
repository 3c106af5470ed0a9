"""The package's description: README.md with its links made absolute (a hatchling hook).

On GitHub and in a clone, the README links to its neighbours (``docs/cli.md``,
``docs/img/mail.png``, ``CHANGELOG.md``); on PyPI those would lead nowhere. The
description the sdist and the wheel carry links them where they are published: a page of
``docs/`` to the documentation site (``[project.urls] Documentation``), a picture to the
repository's raw file, anything else to the repository (``Homepage``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

# A Markdown link's or image's target, up to its closing parenthesis.
_TARGET = re.compile(r"\]\(([^)\s]+)\)")
_PICTURE = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")


def absolute(target: str, docs: str, repository: str) -> str:
    """Where the README's relative ``target`` is published."""
    if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
        return target  # a URL or an anchor of the README itself
    path, hash_, anchor = target.partition("#")
    fragment = hash_ + anchor
    if path.lower().endswith(_PICTURE):
        raw = repository.replace("https://github.com/", "https://raw.githubusercontent.com/")
        return f"{raw}/main/{path}"
    if path.startswith("docs/") and path.endswith(".md"):
        page = path.removeprefix("docs/").removesuffix(".md")
        if page == "index" or page.endswith("/index"):  # a folder's index.md: the folder's
            page = page.removesuffix("index")
        else:
            page += "/"
        return f"{docs.rstrip('/')}/{page}{fragment}"
    return f"{repository}/blob/main/{path}{fragment}"


def pypi_readme(text: str, docs: str, repository: str) -> str:
    """``text`` (Markdown) with every relative link and image made absolute."""
    return _TARGET.sub(lambda m: f"]({absolute(m[1], docs, repository)})", text)


class ReadmeHook(MetadataHookInterface):
    """``[tool.hatch.metadata.hooks.custom]``: fills in the dynamic ``readme``."""

    PLUGIN_NAME = "custom"

    def update(self, metadata: dict[str, Any]) -> None:
        urls = metadata["urls"]
        text = (Path(self.root) / "README.md").read_text(encoding="utf-8")
        metadata["readme"] = {
            "content-type": "text/markdown",
            "text": pypi_readme(text, urls["Documentation"], urls["Homepage"]),
        }
