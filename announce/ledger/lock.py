"""The run lock: one ``announce send`` at a time per ledger, released however a run ends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import LockError

__all__ = ["run_lock"]


@contextmanager
def run_lock(ledger_path: Path) -> Iterator[None]:
    """Hold the send lock of this ledger, or fail at once if another run holds it.

    ``flock`` on a separate ``.lock`` file: the kernel drops it when the holder exits,
    even on SIGKILL, so a crashed run never blocks the next one. (Not the database file
    itself: closing any other descriptor of it would drop SQLite's own locks.)
    """
    import fcntl  # POSIX only; imported here so that the rest of the module imports anywhere

    lock_path = ledger_path.with_name(ledger_path.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LockError(f"{lock_path}: cannot create the run lock: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise LockError(
                f"{ledger_path}: another 'announce send' is running with this ledger "
                f"(pid {holder}); let it finish, then run again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)
