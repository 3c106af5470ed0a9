"""How announce names a file to the user."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["display_path", "place"]


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


def place(path: Path | str | None, line: int | None = None, key: str | None = None) -> str:
    """Where a problem is, as a message starts: ``content/events/x.md:3: dtstart: ``,
    ``announce.toml: [smtp] host: ``; empty when nothing is known."""
    where = []
    if path is not None:
        try:
            shown = display_path(Path(path))
        except RuntimeError:  # resolving a symlink loop (a problem of its own): as found
            shown = str(path)
        where.append(shown if line is None else f"{shown}:{line}")
    if key:
        where.append(key)
    return "".join(f"{part}: " for part in where)
