"""Where the files announce ships live: the email templates and the message catalogs.

The one place that knows: rendering, the catalogs and the preview's file watcher ask here.
They are package data (``announce/templates/``), found with :mod:`importlib.resources`.
Importing this module costs nothing (no Markdown, no Jinja2).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .errors import TemplateError

__all__ = ["packaged_locale", "packaged_templates"]


def _packaged(name: str) -> Path:
    found = files(__package__ or "announce").joinpath("templates", name)
    # Jinja2's loader and the catalogs read folders: announce is installed as files (a
    # wheel or an editable checkout), never run from a zip.
    path = Path(str(found))
    if not path.is_dir():
        raise TemplateError(f"{path}: packaged templates not found (reinstall announce)")
    return path


def packaged_templates() -> Path:
    """The folder of the packaged email templates."""
    return _packaged("email")


def packaged_locale() -> Path:
    """The folder of the packaged message catalogs."""
    return _packaged("locale")
