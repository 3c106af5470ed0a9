"""Send prepared messages over SMTP with aiosmtplib: the only async module.

:func:`send_all` takes batches of :class:`Outgoing` messages (already serialized, CRLF)
and gives one :class:`~announce.ledger.Outcome` per message to a :class:`Recorder`: a
refused recipient is a result, never an exception for the whole run.

- ``concurrency`` workers, each with its own connection, reused for many messages;
  a bounded queue between the source and the workers, so memory stays flat however
  many recipients there are;
- ``rate_per_minute`` spaces the starts of messages across all workers;
- each message is *claimed* (recorded as being sent) just before its bytes leave, and
  its outcome is recorded before the same connection claims the next one: a killed run
  leaves at most one uncertain message per connection (see :class:`_Journal`);
- a 4xx reply, a dropped connection or a timeout *before* the message's bytes leave
  is retried with exponential backoff and jitter, up to ``max_attempts`` in all;
- a 5xx reply for a recipient is permanent: recorded, and the others go on;
- once the bytes have left, only a well-formed 250 is ``sent`` and a 5xx ``failed``;
  anything else (251, 4xx, a malformed or over-long reply, a lost connection, a
  timeout) is ``uncertain``: the server may have the message, so it is never retried
  automatically (that would risk a second copy);
- SIGINT and SIGTERM stop the run: no new message starts, those being handed over get
  ``GRACE_SECONDS`` to finish, the rest are released (``not_sent``); a second signal
  stops at once. A ledger that cannot be written stops it at once: nothing more leaves;
- certificates are verified (``ssl.create_default_context()``), and a password is never
  sent over an unencrypted connection except to the local machine.

``-v`` (the ``announce.smtp`` logger at DEBUG) shows the SMTP conversation; AUTH is
logged as a mechanism and a reply code, never its payload.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import random
import re
import signal
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .config import SmtpSettings
from .errors import AnnounceError, ConfigError, LedgerError, SendError
from .ledger import Outcome

if TYPE_CHECKING:
    import aiosmtplib

__all__ = ["Outgoing", "Recorder", "SmtpTarget", "Stopped", "send_all"]

log = logging.getLogger("announce.smtp")

# Base of the exponential backoff between attempts: about 1 s, 2 s, 4 s, ... (with
# jitter), never more than BACKOFF_CAP_SECONDS. Tests pass a smaller ``backoff``.
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 60.0
# After SIGINT or SIGTERM, how long messages being handed over may take to finish.
GRACE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message, ready to go: the ledger's key, the envelope recipient, the bytes, and
    the Message-ID they carry (the ledger keeps it with the claim)."""

    recipient: str
    rcpt: str
    data: bytes
    message_id: str = ""


@dataclass(frozen=True, slots=True)
class Stopped:
    """Why a run stopped before every message was tried; ``signal``: SIGINT or SIGTERM."""

    reason: str
    signal: str | None = None


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to connect, with the password already read from the environment."""

    host: str
    port: int
    security: str = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    concurrency: int = 4
    rate_per_minute: int = 0
    timeout: float = 30.0
    max_attempts: int = 5

    @classmethod
    def from_settings(
        cls, smtp: SmtpSettings, *, where: str = "[smtp]", environ: dict[str, str] | None = None
    ) -> SmtpTarget:
        """The target ``[smtp]`` describes; ``ConfigError`` if it would be unsafe or cannot log in.

        ``where`` names the config file in messages.
        """
        password = ""
        if smtp.username:
            found = smtp.password(environ)
            if found is None:
                raise ConfigError(
                    f"{where}: [smtp] password_env: the environment variable "
                    f"{smtp.password_env} is not set; it must hold the password of "
                    f"{smtp.username!r}"
                )
            password = found
            if smtp.security == "none" and not is_loopback(smtp.host):
                raise ConfigError(
                    f"{where}: [smtp] security: 'none' would send the password of "
                    f"{smtp.username!r} unencrypted to {smtp.host}; use 'starttls' or 'tls' "
                    "(an unencrypted login is allowed only to this machine)"
                )
        return cls(
            host=smtp.host, port=smtp.port, security=smtp.security, username=smtp.username,
            password=password, concurrency=smtp.concurrency,
            rate_per_minute=smtp.rate_per_minute, timeout=smtp.timeout,
            max_attempts=smtp.max_attempts,
        )

    @property
    def name(self) -> str:
        """How the ledger names this transport."""
        return f"smtp://{self.host}:{self.port}"

    def describe(self) -> str:
        """A human description, for the summary and ``--dry-run``; no secrets."""
        security = {"starttls": "STARTTLS", "tls": "TLS", "none": "unencrypted"}[self.security]
        who = f", as {self.username}" if self.username else ""
        return f"SMTP {self.host}:{self.port} ({security}{who})"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine, where an unencrypted login exposes nothing."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def send_all(
    target: SmtpTarget,
    sender: str,
    batches: Iterable[Sequence[Outgoing]],
    recorder: Recorder,
    *,
    ssl_context: ssl.SSLContext | None = None,
    backoff: float | None = None,
) -> Stopped | None:
    """Send every message of ``batches`` from envelope sender ``sender``.

    ``batches`` is consumed lazily, one batch whenever the queue has room. Each message
    is claimed through ``recorder`` just before it is handed over, and every message
    gets exactly one outcome, reported once it is recorded (see :class:`Recorder`).
    Returns None, or why the run stopped early (the server refused the sender, SIGINT or
    SIGTERM); messages not tried then are reported ``not_sent``.

    Raises ``SendError`` when the first connection fails (server down, certificate not
    trusted, login refused): then nothing was claimed. Raises ``LedgerError`` within
    seconds when recording fails: nothing more is handed over, and what was in flight
    stays claimed (uncertain).
    """
    run = _Run(target, sender, batches, recorder,
               ssl_context=ssl_context,
               backoff=BACKOFF_BASE_SECONDS if backoff is None else backoff)
    return asyncio.run(run.main())


class Recorder(Protocol):
    """Where a run's claims and outcomes go: the ledger, and the summary."""

    def record(self, changes: Sequence[Outgoing | Outcome]) -> None:
        """Durably, in this order: an ``Outgoing`` is claimed (about to be handed over),
        an ``Outcome`` stored. Called from one thread, never concurrently with itself."""

    def report(self, outcomes: Sequence[Outcome]) -> None:
        """Count outcomes that are recorded (on the event loop's thread)."""


class _Fatal(Exception):
    """Stops the whole run: something every message would hit."""


class _Retry(Exception):
    """A temporary failure before the message was handed over: try it again later."""

    def __init__(self, error: str, code: int | None = None):
        super().__init__(error)
        self.code = code


class _Refused(Exception):
    """The server refused this recipient's message for good (a 5xx reply)."""

    def __init__(self, error: str, code: int):
        super().__init__(error)
        self.code = code


class _Uncertain(Exception):
    """The message was handed over, and no well-formed 250 or 5xx came back."""


class _LedgerDown(Exception):
    """The recorder failed: nothing more may be handed over."""


@dataclass(slots=True)
class _Job:
    item: Outgoing
    attempts: int = 0
    last_error: str = ""
    last_code: int | None = None
    claimed: bool = False  # the ledger holds it as being sent, by this run


class _Connection:
    """One worker's SMTP connection, logging the conversation at DEBUG."""

    def __init__(self, target: SmtpTarget, tls: ssl.SSLContext | None, local_hostname: str,
                 number: int):
        self.target = target
        self.tls = tls
        self.local_hostname = local_hostname
        self.tag = f"[{number}]"
        self.smtp: aiosmtplib.SMTP | None = None
        # The current message's bytes have started to leave: from now on, whatever
        # happens but a well-formed 250 or 5xx leaves its fate unknown.
        self.handed_over = False

    @property
    def connected(self) -> bool:
        return self.smtp is not None and self.smtp.is_connected

    def _said(self, response: Any) -> None:
        if log.isEnabledFor(logging.DEBUG):
            text = " | ".join(str(response.message).splitlines())
            log.debug("%s S: %s %s", self.tag, response.code, text)

    async def open(self) -> None:
        import aiosmtplib

        t = self.target
        log.debug("%s connecting to %s:%d (%s)", self.tag, t.host, t.port, t.security)
        smtp = aiosmtplib.SMTP(
            hostname=t.host, port=t.port, timeout=t.timeout, local_hostname=self.local_hostname,
            use_tls=t.security == "tls", start_tls=False,
            tls_context=self.tls if t.security != "none" else None,
        )
        self.smtp = smtp
        try:
            self._said(await smtp.connect())
            log.debug("%s C: EHLO %s", self.tag, self.local_hostname)
            self._said(await smtp.ehlo())
            if t.security == "starttls":
                if not smtp.supports_extension("starttls"):
                    raise _Fatal(
                        f"{t.host}:{t.port} does not offer STARTTLS; set [smtp] security to "
                        "'tls' if it expects TLS from the start"
                    )
                log.debug("%s C: STARTTLS", self.tag)
                self._said(await smtp.starttls())
                self._said(await smtp.ehlo())
            if t.username:
                # One mechanism, the best both sides know: trying each in turn after a
                # refusal (aiosmtplib's login()) multiplies failed logins on the account.
                methods = smtp.supported_auth_methods
                if not methods:
                    raise _Fatal(f"{t.host}:{t.port} offers no login method announce knows "
                                 "(PLAIN, LOGIN, CRAM-MD5)")
                method = methods[0]
                log.debug("%s C: AUTH %s as %s (credentials not shown)", self.tag,
                          method.upper(), t.username)
                try:
                    login = getattr(smtp, f"auth_{method.replace('-', '')}")
                    self._said(await login(t.username, t.password))
                except aiosmtplib.SMTPAuthenticationError as exc:
                    raise _Fatal(
                        f"{t.host}:{t.port}: login as {t.username!r} refused: "
                        f"{exc.code} {_one_line(exc.message)}"
                    ) from None
                except aiosmtplib.SMTPException as exc:
                    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
                        raise
                    raise _Fatal(f"{t.host}:{t.port}: cannot log in: {_one_line(str(exc))}") \
                        from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    async def quit(self) -> None:
        if self.smtp is not None and self.smtp.is_connected:
            try:
                log.debug("%s C: QUIT", self.tag)
                self._said(await self.smtp.quit(timeout=min(self.target.timeout, 5.0)))
            except Exception as exc:  # the messages are out; a rude goodbye is fine
                log.debug("%s QUIT failed: %s", self.tag, exc)
        self.close()

    async def send(self, sender: str, item: Outgoing, claimed: asyncio.Future[None]) -> None:
        """One transaction; its bytes leave only once ``claimed`` is done (the claim is on
        disk). Raises _Retry, _Fatal or _LedgerDown (nothing handed over), _Refused (a
        5xx), or _Uncertain (handed over, then anything but a well-formed 250 or 5xx)."""
        import aiosmtplib

        self.handed_over = False
        smtp = self.smtp
        assert smtp is not None
        size = len(item.data)
        options = [f"SIZE={size}"] if smtp.supports_extension("size") else []
        try:
            log.debug("%s C: MAIL FROM:<%s>", self.tag, sender)
            self._said(await smtp.mail(sender, options=options))
            log.debug("%s C: RCPT TO:<%s>", self.tag, item.rcpt)
            self._said(await smtp.rcpt(item.rcpt))
            log.debug("%s C: DATA", self.tag)
            start = await smtp.execute_command(b"DATA")
            self._said(start)
        except aiosmtplib.SMTPSenderRefused as exc:
            await self._reset()
            if _too_big(exc.code, exc.message):
                raise _Fatal(
                    f"{self.target.host} refuses a message of {_size(size)}: {exc.code} "
                    f"{_one_line(exc.message)} (make the talk's text or images smaller)"
                ) from None
            if _permanent(exc.code):
                raise _Fatal(
                    f"{self.target.host} refused the sender {sender!r}: {exc.code} "
                    f"{_one_line(exc.message)} (check [mail] from)"
                ) from None
            raise _Retry(f"{exc.code} {_one_line(exc.message)}", exc.code) from None
        except aiosmtplib.SMTPRecipientRefused as exc:
            self._said(exc)
            await self._reset()
            if _permanent(exc.code):
                raise _Refused(f"{exc.code} {_one_line(exc.message)}", exc.code) from None
            raise _Retry(f"{exc.code} {_one_line(exc.message)}", exc.code) from None
        except aiosmtplib.SMTPResponseException as exc:
            self._said(exc)
            await self._reset()
            raise _Retry(f"{exc.code} {_one_line(exc.message)}", exc.code) from None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            self.close()
            raise _Retry(_describe_break(exc)) from None
        if start.code != 354:
            # The DATA command refused: nothing of the message has left.
            await self._reset()
            error = f"{start.code} {_one_line(start.message)}"
            if _permanent(start.code):
                raise _Refused(error, start.code)
            raise _Retry(error, start.code)
        try:
            await claimed
        except _LedgerDown:
            self.close()  # after the 354 the only way back is to hang up
            raise
        reply = await self._hand_over(item.data)
        if reply.code == 250:
            return
        if _permanent(reply.code):
            # The server answered: the message was not accepted, whole and certain.
            await self._reset()
            note = f" (a message of {_size(size)})" if _too_big(reply.code, reply.message) else ""
            raise _Refused(f"{reply.code} {_one_line(reply.message)}{note}", reply.code)
        # 251, 4xx, a malformed or over-long reply: the server may well have the message.
        # Retrying would risk a second copy; the connection's state is unknown too.
        self.close()
        raise _Uncertain(f"the server replied '{_preview(reply)}' after the message was "
                         "handed over")

    async def _hand_over(self, data: bytes) -> Any:
        """Write the message and its final dot; the reply, or ``_Uncertain``."""
        import aiosmtplib

        smtp = self.smtp
        assert smtp is not None
        assert smtp.protocol is not None
        protocol = smtp.protocol
        # What aiosmtplib's data() does after the 354, here so that "before the bytes
        # left" and "after" cannot be confused: dot-stuffing and the final dot.
        payload = _DOT.sub(b"..", data)
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        log.debug("%s C: (%d bytes) .", self.tag, len(payload))
        self.handed_over = True
        try:
            protocol.write(payload + b".\r\n")
            reply = await protocol.read_response(timeout=self.target.timeout)
        except aiosmtplib.SMTPResponseException as exc:  # malformed, over 8 KB
            self.close()
            log.debug("%s unreadable reply after the message: %s", self.tag, exc)
            raise _Uncertain(f"the server's reply after the message was unreadable "
                             f"({_one_line(exc.message)[:80]})") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            self.close()
            # Whatever the socket said, what matters is what the server did not say.
            log.debug("%s connection broke after the message: %s", self.tag, exc)
            timed_out = isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError)
            what = "no reply in time" if timed_out else "connection lost"
            raise _Uncertain(f"{what} after the message was handed over") from None
        self._said(reply)
        return reply

    async def _reset(self) -> None:
        import aiosmtplib

        if self.smtp is None or not self.smtp.is_connected:
            self.close()
            return
        try:
            log.debug("%s C: RSET", self.tag)
            self._said(await self.smtp.rset())
        except (aiosmtplib.SMTPException, OSError):
            self.close()


_DOT = re.compile(rb"(?m)^\.")


def _permanent(code: int) -> bool:
    return 500 <= code < 600


def _too_big(code: int, message: str) -> bool:
    """A refusal because of the message's size (RFC 1870: 552, or 5.3.4)."""
    return code == 552 or " 5.3.4" in f" {message}"


def _size(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size >= 1024 else f"{size} bytes"


def _preview(reply: Any) -> str:
    text = f"{reply.code} {_one_line(reply.message)}"
    return text if len(text) <= 80 else text[:77] + "..."


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _describe_break(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out waiting for the server"
    message = _one_line(str(exc)) or type(exc).__name__
    return f"connection lost: {message}"


class _Limiter:
    """Spaces message starts ``60 / rate`` seconds apart, across all workers."""

    def __init__(self, rate_per_minute: int):
        self.interval = 60.0 / rate_per_minute if rate_per_minute > 0 else 0.0
        self.next_at = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        # Reserve the slot before sleeping: the event loop is single-threaded, so the
        # read-modify-write above and below cannot interleave with another worker's.
        at = max(now, self.next_at)
        self.next_at = at + self.interval
        if at > now:
            await asyncio.sleep(at - now)


class _Journal:
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
        on disk, and raises ``_LedgerDown`` if it never will be."""
        if self.failure is not None:
            raise _LedgerDown
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
                            waiter.set_exception(_LedgerDown())
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


class _Run:
    def __init__(self, target: SmtpTarget, sender: str, batches: Iterable[Sequence[Outgoing]],
                 recorder: Recorder, *, ssl_context: ssl.SSLContext | None, backoff: float):
        self.target = target
        self.sender = sender
        self.batches: Iterator[Sequence[Outgoing]] = iter(batches)
        self.tls = ssl_context
        self.backoff = backoff
        self.limiter = _Limiter(target.rate_per_minute)
        self.journal = _Journal(recorder, self.ledger_failed)
        self.outstanding = 0
        self.source_done = False
        self.aborted: str | None = None
        self.stopping = False
        self.signal: str | None = None
        self.halted = False  # every task must end now (see cancel_workers)
        self.retries: dict[asyncio.Task[None], _Job] = {}
        self.queue: asyncio.Queue[_Job | None] = asyncio.Queue(maxsize=2 * target.concurrency)
        self.finished = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.in_flight: dict[int, _Job] = {}
        self.grace: asyncio.TimerHandle | None = None

    async def main(self) -> Stopped | None:
        t = self.target
        if t.security != "none" and self.tls is None:
            self.tls = ssl.create_default_context()
        local_hostname = await asyncio.to_thread(_local_hostname)
        connections = [_Connection(t, self.tls, local_hostname, n + 1)
                       for n in range(t.concurrency)]
        try:
            await connections[0].open()
        except _Fatal as exc:
            raise SendError(str(exc)) from None
        except Exception as exc:  # every way to fail to connect is reported
            raise SendError(f"{t.host}:{t.port}: cannot connect: {_connect_problem(exc)}") \
                from None
        self.tasks = [asyncio.create_task(self.produce()),
                      *(asyncio.create_task(self.worker(c)) for c in connections)]
        with _stop_signals(self.stop):
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
                for task in [*self.tasks, *self.retries]:
                    task.cancel()
                await _settle([*self.tasks, *self.retries])
                for job in self.retries.values():
                    self.finish(job, self.not_sent(job))
                self.retries.clear()
                while not self.queue.empty():
                    left = self.queue.get_nowait()
                    if left is not None:
                        self.finish(left, self.not_sent(left))
                # Whatever happens (even a second Ctrl-C), what is known is recorded.
                await self.journal.drain()
                self.journal.close()
                if self.grace is not None:
                    self.grace.cancel()
                if self.stopping or self.journal.failure is not None:
                    for conn in connections:
                        conn.close()
                else:
                    await asyncio.gather(*(c.quit() for c in connections),
                                         return_exceptions=True)
        if self.journal.failure is not None:
            failure = self.journal.failure
            if isinstance(failure, AnnounceError):
                raise failure
            raise LedgerError(f"cannot record what was sent: {failure}") from None
        return None if self.aborted is None else Stopped(self.aborted, self.signal)

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
        while not self.queue.empty():
            left = self.queue.get_nowait()
            if left is not None:
                self.finish(left, self.not_sent(left))
        for _ in range(self.target.concurrency):
            self.queue.put_nowait(None)

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
        for _ in range(self.target.concurrency):
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

    async def worker(self, conn: _Connection) -> None:
        import aiosmtplib

        while not self.halted:
            job = await self.queue.get()
            if job is None:  # no more work
                return
            if self.aborted is not None:
                self.finish(job, self.not_sent(job))
                continue
            await self.limiter.wait()
            try:
                # Written while the envelope goes out; awaited before the bytes leave.
                claimed = self.journal.claim(job.item)
            except _LedgerDown:
                self.finish(job, self.not_sent(job))
                continue
            job.claimed = True
            job.attempts += 1
            self.in_flight[id(conn)] = job
            try:
                if not conn.connected:
                    await conn.open()
                await conn.send(self.sender, job.item, claimed)
            except asyncio.CancelledError:
                if conn.handed_over:
                    self.finish(job, Outcome(
                        job.item.recipient, "uncertain", job.attempts, None,
                        f"{self.aborted or 'stopped'} while the server had not yet "
                        "answered; it may have been delivered"))
                else:
                    self.finish(job, self.not_sent(job))
                conn.close()
                raise
            except _Retry as exc:
                self.retry(job, str(exc), exc.code)
            except _Uncertain as exc:
                self.finish(job, Outcome(job.item.recipient, "uncertain", job.attempts, None,
                                         f"{exc}; it may have been delivered"))
            except _Refused as exc:
                self.finish(job, Outcome(job.item.recipient, "failed", job.attempts, exc.code,
                                         str(exc)))
            except _LedgerDown:
                self.finish(job, self.not_sent(job))
            except _Fatal as exc:
                job.attempts -= 1  # not this recipient's fault
                job.last_error = f"not sent: {exc}"
                self.finish(job, self.not_sent(job))
                self.abort(str(exc))
            except (aiosmtplib.SMTPException, OSError) as exc:
                # Reconnecting failed (the server went away, or refused us for now).
                conn.close()
                self.retry(job, _connect_problem(exc), getattr(exc, "code", None))
            else:
                self.finish(job, Outcome(job.item.recipient, "sent", job.attempts))
            finally:
                self.in_flight.pop(id(conn), None)

    def retry(self, job: _Job, error: str, code: int | None) -> None:
        job.last_error, job.last_code = error, code
        if job.attempts >= self.target.max_attempts or self.aborted is not None:
            self.finish(job, Outcome(
                job.item.recipient, "failed" if self.aborted is None else "not_sent",
                job.attempts, code,
                f"{error} (gave up after {job.attempts} attempts)",
            ))
            return
        # Released until the next attempt: a run killed meanwhile leaves it not sent,
        # not uncertain.
        self.finish(job, Outcome(job.item.recipient, "deferred", job.attempts, code, error))
        delay = min(BACKOFF_CAP_SECONDS, self.backoff * 2 ** (job.attempts - 1))
        # Jitter spreads retries so that workers do not hit a recovering server at once.
        delay *= random.uniform(0.5, 1.0)  # noqa: S311 - timing, not security
        log.info("%s: %s; trying again in %.1f s", job.item.rcpt, error, delay)
        task = asyncio.create_task(self.requeue(job, delay))
        self.retries[task] = job

    async def requeue(self, job: _Job, delay: float) -> None:
        await asyncio.sleep(delay)
        task = asyncio.current_task()
        if task is not None:
            self.retries.pop(task, None)
        await self.queue.put(job)


async def _settle(tasks: list[asyncio.Task[None]]) -> None:
    """Wait until every task has ended, cancelling again any that lingers (a cancellation
    Python 3.11's wait_for swallowed must not keep the run alive)."""
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=1.0)


@contextlib.contextmanager
def _stop_signals(stop: Callable[[str], None]) -> Iterator[None]:
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


def _local_hostname() -> str:
    name = socket.getfqdn()
    # aiosmtplib rejects some names that hosts really have; EHLO then says "localhost".
    return name if name and all(c.isalnum() or c in ".-" for c in name) else "localhost"


def _connect_problem(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server's certificate is not trusted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ssl.SSLError):
        return _connect_problem(cause)
    if isinstance(exc, TimeoutError):
        return "timed out"
    return _one_line(str(exc)) or type(exc).__name__
