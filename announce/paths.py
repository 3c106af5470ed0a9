"""How announce names a file to the user."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["display_path"]


def display_path(path: Path) -> str:
    """``path`` relative to the current directory when it is below it, else as it is.

    Messages then read like the user's own command line: ``content/events/x.md:3: ...``.
    """
    # abspath, not resolve(): a symlink is named as the user sees it, and a symlink loop
    # (which resolve() raises on) is named at all.
    try:
        return os.path.relpath(os.path.abspath(path)) if _below_cwd(path) else str(path)
    except (OSError, ValueError):
        return str(path)


def _below_cwd(path: Path) -> bool:
    cwd = os.getcwd()
    absolute = os.path.abspath(path)
    return absolute == cwd or absolute.startswith(cwd.rstrip(os.sep) + os.sep)
