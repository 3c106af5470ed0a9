"""A SQLite failure as the ledger says it: one line naming the file and what to do (busy
with another run, read-only, damaged, full), never a traceback."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import LedgerBusy, LedgerError

__all__ = ["busy", "guard", "problem"]


def busy(path: Path, exc: sqlite3.Error) -> LedgerBusy | None:
    """A ``LedgerBusy`` when SQLite gave up waiting for another connection's lock."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and \
            "locked" not in str(exc).lower():
        return None
    from ..paths import display_path

    return LedgerBusy(f"{display_path(path)}: a send is writing the ledger; try again in a "
                      "moment")


def problem(exc: sqlite3.Error) -> str:
    """What went wrong with the file, in words a user can act on."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    lowered = text.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return f"{text} (the file or its folder is read-only)"
    if "malformed" in lowered or "not a database" in lowered:
        return f"{text} (the file is damaged: restore it, e.g. from git)"
    if "full" in lowered:
        return f"{text} (free some space)"
    if "i/o error" in lowered:
        return f"{text} (the disk may be full, failing or over a size limit)"
    return text


@contextmanager
def guard(path: Path, doing: str) -> Iterator[None]:
    """Turn any SQLite failure into one line naming the file: never a traceback."""
    try:
        yield
    except sqlite3.Error as exc:
        raise busy(path, exc) or LedgerError(
            f"{path}: cannot {doing} the ledger: {problem(exc)}") from None
