"""Where the files announce ships live: the email templates and the message catalogs.

The one place that knows: rendering, the catalogs and the preview's file watcher ask here.
In the repository they are at the top, ``templates/email/`` and ``templates/locale/``,
where an organizer reading it finds them; the wheel carries them inside the package as
``announce/templates/`` (hatch's ``force-include``, see pyproject.toml). An installed
announce reads its own copy; a checkout (or its editable install) reads the repository's.
Importing this module costs nothing (no Markdown, no Jinja2).
"""

from __future__ import annotations

from pathlib import Path

from .errors import TemplateError

__all__ = ["packaged_locale", "packaged_templates"]

_PACKAGE = Path(__file__).resolve().parent


def _packaged(name: str) -> Path:
    # Jinja2's loader and the catalogs read folders: announce is installed as files (a
    # wheel or an editable checkout), never run from a zip.
    installed, checkout = _PACKAGE / "templates" / name, _PACKAGE.parent / "templates" / name
    for path in (installed, checkout):
        if path.is_dir():
            return path
    raise TemplateError("packaged templates not found (reinstall announce)", path=installed)


def packaged_templates() -> Path:
    """The folder of the packaged email templates."""
    return _packaged("email")


def packaged_locale() -> Path:
    """The folder of the packaged message catalogs."""
    return _packaged("locale")
