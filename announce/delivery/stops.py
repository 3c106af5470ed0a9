"""How a run's event loop stops: SIGINT and SIGTERM handled in the loop for as long as
the run lasts, and its tasks cancelled until every one has ended."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator

__all__ = ["settle", "stop_signals"]


async def settle(tasks: list[asyncio.Task[None]]) -> None:
    """Wait until every task has ended, cancelling again any that lingers (a cancellation
    Python 3.11's wait_for swallowed must not keep the run alive)."""
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=1.0)



@contextlib.contextmanager
def stop_signals(stop: Callable[[str], None]) -> Iterator[None]:
    """SIGINT and SIGTERM call ``stop`` (in the event loop) for as long as the run lasts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        loop.add_signal_handler(sig, stop, sig.name)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, handler)
