"""The claim journal of a pool run: group commit of claims and outcomes, in order.

The ledger commits once per call, and a commit per message would cap the sending rate;
so whatever the workers have to record meanwhile goes in one call, on a thread of its own
while the event loop goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .transport import Outcome, Outgoing, Recorder

__all__ = ["Journal", "LedgerDown"]


class LedgerDown(Exception):
    """The recorder failed: nothing more may be handed over."""


class Journal:
    """Group commit: whatever the workers have to record goes in one call, one at a time.

    A worker awaits its claim; outcomes are not awaited, but they are queued before the
    same worker's next claim, so they are stored first (in the same call or an earlier
    one). The calls run in one thread of their own: the event loop goes on meanwhile.
    """

    def __init__(self, recorder: Recorder, on_failure: Callable[[BaseException], None]):
        self.recorder = recorder
        self.on_failure = on_failure
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="announce-ledger")
        self.changes: list[Outgoing | Outcome] = []
        self.reports: list[Outcome] = []
        self.waiters: list[asyncio.Future[None]] = []
        self.task: asyncio.Task[None] | None = None
        self.failure: BaseException | None = None

    def claim(self, item: Outgoing) -> asyncio.Future[None]:
        """Queue the claim now (before any outcome of it); the future is done once it is
        on disk, and raises ``LedgerDown`` if it never will be."""
        if self.failure is not None:
            raise LedgerDown
        waiter = asyncio.get_running_loop().create_future()
        self.changes.append(item)
        self.waiters.append(waiter)
        self._start()
        return waiter

    def outcome(self, outcome: Outcome, *, claimed: bool) -> None:
        if claimed:  # a job this run never claimed has nothing in the ledger to change
            self.changes.append(outcome)
        if outcome.status != "deferred":
            self.reports.append(outcome)
        self._start()

    def _start(self) -> None:
        if self.task is None and self.failure is None:
            self.task = asyncio.create_task(self._commit())

    async def _commit(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.failure is None and (self.changes or self.reports):
                changes, reports, waiters = self.changes, self.reports, self.waiters
                self.changes, self.reports, self.waiters = [], [], []
                try:
                    if changes:
                        await loop.run_in_executor(self.thread, self.recorder.record, changes)
                except Exception as exc:
                    self.failure = exc
                    # Claims queued meanwhile will never be written either: say so now,
                    # or their workers would wait for them forever.
                    waiters += self.waiters
                    self.waiters = []
                    for waiter in waiters:
                        if not waiter.done():
                            waiter.set_exception(LedgerDown())
                            waiter.exception()  # retrieved: not every claim is awaited
                    self.on_failure(exc)
                    return
                if reports:
                    self.recorder.report(reports)
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(None)
        finally:
            self.task = None

    async def drain(self) -> None:
        """Record what is left (the run is ending)."""
        while self.task is not None or (self.failure is None and (
                self.changes or self.reports)):
            if self.task is None:
                self._start()
            task = self.task
            assert task is not None
            # Shielded: a second Ctrl-C must not lose what is being written.
            await asyncio.shield(task)

    def close(self) -> None:
        self.thread.shutdown(wait=True)

