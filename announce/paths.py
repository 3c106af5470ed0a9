"""How announce names a file to the user."""

from __future__ import annotations

from pathlib import Path

__all__ = ["display_path"]


def display_path(path: Path) -> str:
    """``path`` relative to the current directory when it is below it, else as it is.

    Messages then read like the user's own command line: ``content/events/x.md:3: ...``.
    """
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
