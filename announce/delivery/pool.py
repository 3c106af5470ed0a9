"""A pool of connections that delivers messages: concurrency, rate limit, retries, stops.

Independent of the protocol: a transport that talks to a server (SMTP, or an email
service's HTTP API) gives :func:`run` its channels (:class:`~.transport.Channel`), one per
connection, and the pool does the rest:

- one worker per channel, each reusing its connection for many messages; a bounded
  queue between the source and the workers, so memory stays flat however many
  recipients there are;
- ``rate_per_minute`` spaces the starts of messages across all workers;
- each message is *claimed* (recorded as being sent) just before its bytes leave, and
  its outcome is recorded before the same connection claims the next one: a killed run
  leaves at most one uncertain message per connection (see :class:`~.journal.Journal`);
- a channel that pipelines (:class:`~.transport.Pipelined`) is given the next job with
  the current one, to send its envelope behind this one's body; it is claimed only when
  its turn comes, like any other (not when the rate is limited: that spaces starts);
- ``Retry`` (a temporary failure before the bytes left) is retried with exponential
  backoff and jitter, up to ``max_attempts`` in all; ``RecipientRefused`` is that
  recipient's ``failed`` outcome, and the others go on; ``Uncertain`` (the bytes
  left, and no clear answer came) is never retried: that would risk a second copy;
  ``Fatal`` stops the run (the server refused the sender, say);
- SIGINT and SIGTERM stop the run: no new message starts, those being handed over get
  ``GRACE_SECONDS`` to finish, the rest are released (``not_sent``); a second signal
  stops at once. A ledger that cannot be written stops it at once: nothing more leaves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from ..errors import AnnounceError, LedgerError, RecipientRefused
from .journal import Journal, LedgerDown
from .pace import Limiter, backoff_delay
from .stops import settle, stop_signals
from .transport import (
    Channel,
    Fatal,
    Outcome,
    Outgoing,
    Pipelined,
    Recorder,
    Retry,
    Stopped,
    Uncertain,
)

__all__ = [
    "BACKOFF_BASE_SECONDS",
    "GRACE_SECONDS",
    "Channel",
    "Fatal",
    "Policy",
    "Retry",
    "Uncertain",
    "run",
]

log = logging.getLogger("announce.delivery")

# Base of the exponential backoff between attempts: about 1 s, 2 s, 4 s, ... (with
# jitter), never more than pace.BACKOFF_CAP_SECONDS. Tests pass a smaller ``backoff``.
BACKOFF_BASE_SECONDS = 1.0
# After SIGINT or SIGTERM, how long messages being handed over may take to finish.
GRACE_SECONDS = 10.0


@dataclass(frozen=True)
class Policy:
    """How fast, and how persistently: ``backoff`` None means BACKOFF_BASE_SECONDS."""

    rate_per_minute: int = 0
    max_attempts: int = 5
    backoff: float | None = None


def run(connect: Callable[[], Awaitable[Sequence[Channel]]],
        batches: Iterable[Sequence[Outgoing]], recorder: Recorder,
        policy: Policy) -> Stopped | None:
    """Deliver every message of ``batches`` through the channels ``connect`` gives.

    ``connect`` opens the first connection (raising ``SendError`` if it cannot: then
    nothing was claimed) and returns one channel per worker. ``batches`` is consumed
    lazily, one batch whenever the queue has room. Every message gets exactly one outcome,
    reported once it is recorded. Returns None, or why the run stopped early; messages not
    tried then are reported ``not_sent``. Raises ``LedgerError`` within seconds when
    recording fails: nothing more is handed over, and what was in flight stays claimed.
    """
    backoff = BACKOFF_BASE_SECONDS if policy.backoff is None else policy.backoff
    return asyncio.run(_Run(batches, recorder, policy, backoff).main(connect))


@dataclass(slots=True)
class _Job:
    item: Outgoing
    attempts: int = 0
    last_error: str = ""
    last_code: int | None = None
    claimed: bool = False  # the ledger holds it as being sent, by this run



class _Run:
    def __init__(self, batches: Iterable[Sequence[Outgoing]], recorder: Recorder,
                 policy: Policy, backoff: float):
        self.batches: Iterator[Sequence[Outgoing]] = iter(batches)
        self.recorder = recorder
        self.max_attempts = policy.max_attempts
        self.backoff = backoff
        self.limiter = Limiter(policy.rate_per_minute)
        self.outstanding = 0
        self.source_done = False
        self.aborted: str | None = None
        self.stopping = False
        self.signal: str | None = None
        self.halted = False  # every task must end now (see cancel_workers)
        self.retries: dict[asyncio.Task[None], _Job] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.in_flight: dict[int, _Job] = {}
        self.grace: asyncio.TimerHandle | None = None
        self.workers = 0

    async def main(self, connect: Callable[[], Awaitable[Sequence[Channel]]]) -> Stopped | None:
        channels = list(await connect())
        self.workers = len(channels)
        self.journal = Journal(self.recorder, self.ledger_failed)
        self.queue: asyncio.Queue[_Job | None] = asyncio.Queue(maxsize=2 * self.workers)
        self.finished = asyncio.Event()
        self.tasks = [asyncio.create_task(self.produce()),
                      *(asyncio.create_task(self.worker(c)) for c in channels)]
        with stop_signals(self.stop):
            try:
                # The first task to fail (the source cannot read the ledger, a bug) stops
                # the others at once: nobody may wait for it forever.
                done, _ = await asyncio.wait(self.tasks, return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    if not task.cancelled() and task.exception() is not None:
                        self.abort("an error stopped the run")
                        self.cancel_workers()
                        raise task.exception()  # type: ignore[misc]
            finally:
                await self.wind_down(channels)
        if self.journal.failure is not None:
            failure = self.journal.failure
            if isinstance(failure, AnnounceError):
                raise failure
            raise LedgerError(f"cannot record what was sent: {failure}") from None
        return None if self.aborted is None else Stopped(self.aborted, self.signal)

    async def wind_down(self, channels: Sequence[Channel]) -> None:
        """Whatever happens (even a second Ctrl-C), what is known is recorded."""
        for task in [*self.tasks, *self.retries]:
            task.cancel()
        await settle([*self.tasks, *self.retries])
        for job in self.retries.values():
            self.finish(job, self.not_sent(job))
        self.retries.clear()
        self.release_queued()
        await self.journal.drain()
        self.journal.close()
        if self.grace is not None:
            self.grace.cancel()
        if self.stopping or self.journal.failure is not None:
            for channel in channels:
                channel.close()
        else:
            await asyncio.gather(*(c.quit() for c in channels), return_exceptions=True)

    # --- stopping -------------------------------------------------------------------

    def stop(self, name: str) -> None:
        """SIGINT or SIGTERM: no new messages; those in flight get GRACE_SECONDS."""
        if self.stopping:
            log.warning("%s again: stopping now", name)
            self.cancel_workers()
            return
        self.stopping = True
        self.signal = name
        self.abort(f"stopped by {name}")
        if self.in_flight:
            log.warning("%s: stopping; waiting up to %g s for the %d message(s) being "
                        "handed over (%s again stops at once)", name, GRACE_SECONDS,
                        len(self.in_flight), name)
        self.grace = asyncio.get_running_loop().call_later(GRACE_SECONDS, self.cancel_workers)

    def cancel_workers(self) -> None:
        """Stop every task now. Cancelling alone is not enough: Python 3.11's wait_for
        (inside aiosmtplib) can swallow a cancellation when a reply arrives at the same
        moment, so the queue is emptied and each worker is told to end, too."""
        self.halted = True
        for task in self.tasks:
            task.cancel()
        self.release_queued()
        for _ in range(self.workers):
            self.queue.put_nowait(None)

    def release_queued(self) -> None:
        while not self.queue.empty():
            left = self.queue.get_nowait()
            if left is not None:
                self.finish(left, self.not_sent(left))

    def ledger_failed(self, exc: BaseException) -> None:
        """Recording failed: hand nothing more over, and do not wait for anything."""
        self.abort("the ledger cannot be written")
        self.cancel_workers()

    def abort(self, reason: str) -> None:
        if self.aborted is None:
            self.aborted = reason
            log.info("stopping: %s", reason)  # the summary says so too
            for task, job in list(self.retries.items()):
                task.cancel()
                self.finish(job, self.not_sent(job))
            self.retries.clear()

    # --- the work -------------------------------------------------------------------

    async def produce(self) -> None:
        # The source's next batch is read only once the previous one is in the bounded
        # queue, so memory stays flat however many recipients there are.
        while self.aborted is None:
            try:
                batch = next(self.batches)
            except StopIteration:
                break
            for item in batch:
                self.outstanding += 1
                await self.queue.put(_Job(item))
                if self.aborted is not None:
                    break
        self.source_done = True
        self.check_finished()
        await self.finished.wait()
        for _ in range(self.workers):
            await self.queue.put(None)

    def finish(self, job: _Job, outcome: Outcome) -> None:
        self.journal.outcome(outcome, claimed=job.claimed)
        job.claimed = False
        if outcome.status == "deferred":
            return
        self.outstanding -= 1
        self.check_finished()

    def check_finished(self) -> None:
        if self.source_done and self.outstanding == 0:
            self.finished.set()

    def not_sent(self, job: _Job) -> Outcome:
        return Outcome(job.item.recipient, "not_sent", job.attempts, job.last_code,
                       job.last_error or f"not sent: the run stopped ({self.aborted})")

    async def worker(self, channel: Channel) -> None:
        # A channel that pipelines is given the job after this one too, to send its
        # envelope behind this one's body: ``ahead`` holds it (maybe on the wire already,
        # never claimed yet); ``last`` says the queue's end came with it.
        ahead: _Job | None = None
        last = False
        try:
            while not self.halted:
                announced = ahead is not None
                job: _Job | None
                if ahead is not None:
                    job, ahead = ahead, None
                elif last:
                    return
                else:
                    job = await self.queue.get()
                if job is None:  # no more work
                    return
                if self.aborted is not None:
                    self.finish(job, self.not_sent(job))
                    if announced:  # its envelope may be waiting at the server's DATA
                        channel.close()
                    continue
                await self.limiter.wait()
                try:
                    # Written while the envelope goes out; awaited before the bytes leave.
                    claimed = self.journal.claim(job.item)
                except LedgerDown:
                    self.finish(job, self.not_sent(job))
                    continue
                job.claimed = True
                job.attempts += 1
                if getattr(channel, "pipelining", False) and not self.limiter.interval:
                    ahead, last = self.look_ahead()
                self.in_flight[id(channel)] = job
                try:
                    await self.attempt(channel, job, claimed, ahead)
                finally:
                    self.in_flight.pop(id(channel), None)
        finally:
            if ahead is not None:  # the run stopped before its turn came
                self.finish(ahead, self.not_sent(ahead))
                channel.close()

    def look_ahead(self) -> tuple[_Job | None, bool]:
        """The queue's next job if one is there now (and whether the queue's end is)."""
        if self.queue.empty() or self.aborted is not None:
            return None, False
        job = self.queue.get_nowait()
        return job, job is None

    async def attempt(self, channel: Channel, job: _Job, claimed: asyncio.Future[None],
                      ahead: _Job | None = None) -> None:
        """One try of ``job`` on ``channel``, and what its result means."""
        recipient = job.item.recipient
        try:
            if not channel.connected:
                await channel.open()
            if ahead is not None:
                await cast(Pipelined, channel).send(job.item, claimed, ahead.item)
            else:
                await channel.send(job.item, claimed)
        except asyncio.CancelledError:
            if channel.handed_over:
                self.finish(job, Outcome(
                    recipient, "uncertain", job.attempts, None,
                    f"{self.aborted or 'stopped'} while the server had not yet "
                    "answered; it may have been delivered"))
            else:
                self.finish(job, self.not_sent(job))
            channel.close()
            raise
        except Retry as exc:
            self.retry(job, str(exc), exc.code)
        except Uncertain as exc:
            self.finish(job, Outcome(recipient, "uncertain", job.attempts, None,
                                     f"{exc}; it may have been delivered"))
        except RecipientRefused as exc:
            self.finish(job, Outcome(recipient, "failed", job.attempts, exc.code, str(exc)))
        except LedgerDown:
            self.finish(job, self.not_sent(job))
        except Fatal as exc:
            job.attempts -= 1  # not this recipient's fault
            job.last_error = f"not sent: {exc}"
            self.finish(job, self.not_sent(job))
            self.abort(str(exc))
        else:
            self.finish(job, Outcome(recipient, "sent", job.attempts))

    def retry(self, job: _Job, error: str, code: int | None) -> None:
        job.last_error, job.last_code = error, code
        if job.attempts >= self.max_attempts or self.aborted is not None:
            self.finish(job, Outcome(
                job.item.recipient, "failed" if self.aborted is None else "not_sent",
                job.attempts, code,
                f"{error} (gave up after {job.attempts} attempts)",
            ))
            return
        # Released until the next attempt: a run killed meanwhile leaves it not sent,
        # not uncertain.
        self.finish(job, Outcome(job.item.recipient, "deferred", job.attempts, code, error))
        delay = backoff_delay(self.backoff, job.attempts)
        log.info("%s: %s; trying again in %.1f s", job.item.rcpt, error, delay)
        task = asyncio.create_task(self.requeue(job, delay))
        self.retries[task] = job

    async def requeue(self, job: _Job, delay: float) -> None:
        await asyncio.sleep(delay)
        task = asyncio.current_task()
        if task is not None:
            self.retries.pop(task, None)
        await self.queue.put(job)
