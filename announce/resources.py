"""Where the files announce ships live: the email templates and the message catalogs.

The one place that knows: rendering, the catalogs and the preview's file watcher ask here.
Importing it costs nothing (no Markdown, no Jinja2).
"""

from __future__ import annotations

from pathlib import Path

from .errors import TemplateError

__all__ = ["packaged_locale", "packaged_templates"]

_PACKAGE = Path(__file__).resolve().parent


def _packaged(name: str) -> Path | None:
    # Inside the installed package (a wheel carries them there), else at the top of the
    # source tree (an editable install).
    for candidate in (_PACKAGE / "templates" / name, _PACKAGE.parent / "templates" / name):
        if candidate.is_dir():
            return candidate
    return None


def packaged_templates() -> Path:
    """The folder of the packaged email templates."""
    found = _packaged("email")
    if found is None:
        raise TemplateError(f"{_PACKAGE / 'templates' / 'email'}: packaged templates not found "
                            "(reinstall announce)")
    return found


def packaged_locale() -> Path:
    """The folder of the packaged message catalogs, next to the templates."""
    return packaged_templates().parent / "locale"
