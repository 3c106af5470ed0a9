"""Send prepared messages over SMTP with aiosmtplib: the only async module.

:func:`send_all` takes batches of :class:`Outgoing` messages (already serialized, CRLF)
and reports one :class:`~announce.ledger.Outcome` per message, in batches, through a
callback: a refused recipient is a result, never an exception for the whole run.

- ``concurrency`` workers, each with its own connection, reused for many messages;
  a bounded queue between the source and the workers, so memory stays flat however
  many recipients there are;
- ``rate_per_minute`` spaces the starts of messages across all workers;
- a 4xx reply, a dropped connection or a timeout *before* the message's final dot is
  retried with exponential backoff and jitter, up to ``max_attempts`` in all;
- a 5xx reply for a recipient is permanent: recorded, and the others go on;
- a connection lost *after* the final dot is ``uncertain``: the server may have
  accepted the message, so it is never retried automatically (that would risk a
  second copy);
- certificates are verified (``ssl.create_default_context()``), and a password is never
  sent over an unencrypted connection except to the local machine.

``-v`` (the ``announce.smtp`` logger at DEBUG) shows the SMTP conversation; AUTH is
logged as a mechanism and a reply code, never its payload.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .config import SmtpSettings
from .errors import ConfigError, SendError
from .ledger import Outcome

if TYPE_CHECKING:
    import aiosmtplib

__all__ = ["Outgoing", "SmtpTarget", "send_all"]

log = logging.getLogger("announce.smtp")

# Base of the exponential backoff between attempts: about 1 s, 2 s, 4 s, ... (with
# jitter), never more than BACKOFF_CAP_SECONDS. Tests pass a smaller ``backoff``.
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 60.0
# Outcomes are handed to the ledger in batches of this many, or at least this often,
# so that a killed run leaves few delivered-but-unconfirmed (uncertain) recipients.
FLUSH_EVERY = 100
FLUSH_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message, ready to go: the ledger's key, the envelope recipient and the bytes."""

    recipient: str
    rcpt: str
    data: bytes


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
    on_outcomes: Callable[[list[Outcome]], None],
    *,
    ssl_context: ssl.SSLContext | None = None,
    backoff: float | None = None,
) -> str | None:
    """Send every message of ``batches`` from envelope sender ``sender``.

    ``batches`` is consumed lazily, one batch whenever the queue has room (the source
    claims each batch in the ledger before yielding it). Every message gets exactly one
    outcome through ``on_outcomes``. Returns None, or why the run stopped early (the
    server refused the sender); messages not tried then are reported ``not_sent``.

    Raises ``SendError`` when the first connection fails (server down, certificate not
    trusted, login refused); then nothing was taken from ``batches``.
    """
    run = _Run(target, sender, batches, on_outcomes,
               ssl_context=ssl_context,
               backoff=BACKOFF_BASE_SECONDS if backoff is None else backoff)
    return asyncio.run(run.main())


class _Fatal(Exception):
    """Stops the whole run: something every message would hit."""


class _Retry(Exception):
    """A temporary failure: try this message again later."""

    def __init__(self, error: str, code: int | None = None):
        super().__init__(error)
        self.code = code


@dataclass(slots=True)
class _Job:
    item: Outgoing
    attempts: int = 0
    last_error: str = ""
    last_code: int | None = None


class _Connection:
    """One worker's SMTP connection, logging the conversation at DEBUG."""

    def __init__(self, target: SmtpTarget, tls: ssl.SSLContext | None, local_hostname: str,
                 number: int):
        self.target = target
        self.tls = tls
        self.local_hostname = local_hostname
        self.tag = f"[{number}]"
        self.smtp: aiosmtplib.SMTP | None = None

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
                self._said(await self.smtp.quit())
            except Exception as exc:  # the messages are out; a rude goodbye is fine
                log.debug("%s QUIT failed: %s", self.tag, exc)
        self.close()

    async def send(self, sender: str, item: Outgoing) -> None:
        """One transaction. Raises _Retry, _Fatal, or SendError(code) for a 5xx refusal,
        or ``_Uncertain`` when the connection broke after the final dot."""
        import aiosmtplib

        smtp = self.smtp
        assert smtp is not None
        options = [f"SIZE={len(item.data)}"] if smtp.supports_extension("size") else []
        try:
            log.debug("%s C: MAIL FROM:<%s>", self.tag, sender)
            self._said(await smtp.mail(sender, options=options))
            log.debug("%s C: RCPT TO:<%s>", self.tag, item.rcpt)
            self._said(await smtp.rcpt(item.rcpt))
        except aiosmtplib.SMTPSenderRefused as exc:
            await self._reset()
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
                raise SendError(f"{exc.code} {_one_line(exc.message)}", code=exc.code,
                                recipient=item.rcpt) from None
            raise _Retry(f"{exc.code} {_one_line(exc.message)}", exc.code) from None
        except aiosmtplib.SMTPResponseException as exc:
            self._said(exc)
            await self._reset()
            raise _Retry(f"{exc.code} {_one_line(exc.message)}", exc.code) from None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            self.close()
            raise _Retry(_describe_break(exc)) from None
        try:
            log.debug("%s C: DATA (%d bytes)", self.tag, len(item.data))
            self._said(await smtp.data(item.data))
        except aiosmtplib.SMTPDataError as exc:
            # The server answered: the message was not accepted, whole and certain.
            self._said(exc)
            await self._reset()
            if _permanent(exc.code):
                raise SendError(f"{exc.code} {_one_line(exc.message)}", code=exc.code,
                                recipient=item.rcpt) from None
            raise _Retry(f"{exc.code} {_one_line(exc.message)}", exc.code) from None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            self.close()
            # Whatever the socket said, what matters is what the server did not say.
            log.debug("%s connection broke during DATA: %s", self.tag, exc)
            what = "no reply in time" if isinstance(exc, TimeoutError) else "connection lost"
            raise _Uncertain(f"{what} after the message was handed over") from None

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


class _Uncertain(Exception):
    """The connection broke after the message was handed over."""


def _permanent(code: int) -> bool:
    return 500 <= code < 600


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


class _Run:
    def __init__(self, target: SmtpTarget, sender: str, batches: Iterable[Sequence[Outgoing]],
                 on_outcomes: Callable[[list[Outcome]], None], *,
                 ssl_context: ssl.SSLContext | None, backoff: float):
        self.target = target
        self.sender = sender
        self.batches: Iterator[Sequence[Outgoing]] = iter(batches)
        self.on_outcomes = on_outcomes
        self.tls = ssl_context
        self.backoff = backoff
        self.limiter = _Limiter(target.rate_per_minute)
        self.pending: list[Outcome] = []
        self.last_flush = time.monotonic()
        self.outstanding = 0
        self.source_done = False
        self.aborted: str | None = None
        self.retries: dict[asyncio.Task[None], _Job] = {}
        self.queue: asyncio.Queue[_Job | None] = asyncio.Queue(maxsize=2 * target.concurrency)
        self.finished = asyncio.Event()

    async def main(self) -> str | None:
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
        workers = [asyncio.create_task(self.worker(c)) for c in connections]
        ticker = asyncio.create_task(self.tick())
        try:
            # Together: if a worker fails, the producer must not wait for it forever.
            await asyncio.gather(self.produce(), *workers)
        finally:
            ticker.cancel()
            for task in workers:
                task.cancel()
            for task in self.retries:
                task.cancel()
            # Whatever happens (even Ctrl-C), what is known goes to the ledger.
            self.flush()
            await asyncio.gather(*(c.quit() for c in connections), return_exceptions=True)
        return self.aborted

    async def produce(self) -> None:
        # The source's next batch is read (and claimed) only once the previous one is in
        # the bounded queue, so claims run at most a queue and a batch ahead of sending.
        while self.aborted is None:
            try:
                batch = next(self.batches)
            except StopIteration:
                break
            for item in batch:
                self.outstanding += 1
                await self.queue.put(_Job(item))
        self.source_done = True
        self.check_finished()
        await self.finished.wait()
        for _ in range(self.target.concurrency):
            await self.queue.put(None)

    async def tick(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            if self.pending and time.monotonic() - self.last_flush >= FLUSH_SECONDS:
                self.flush()

    def flush(self) -> None:
        if self.pending:
            pending, self.pending = self.pending, []
            self.on_outcomes(pending)
        self.last_flush = time.monotonic()

    def finish(self, outcome: Outcome) -> None:
        self.pending.append(outcome)
        self.outstanding -= 1
        if len(self.pending) >= FLUSH_EVERY:
            self.flush()
        self.check_finished()

    def check_finished(self) -> None:
        if self.source_done and self.outstanding == 0:
            self.finished.set()

    def abort(self, reason: str) -> None:
        if self.aborted is None:
            self.aborted = reason
            log.info("stopping: %s", reason)  # the summary says so too
            for task, job in list(self.retries.items()):
                task.cancel()
                self.finish(self.not_sent(job))
            self.retries.clear()

    def not_sent(self, job: _Job) -> Outcome:
        return Outcome(job.item.recipient, "not_sent", job.attempts, job.last_code,
                       job.last_error or f"not sent: the run stopped ({self.aborted})")

    async def worker(self, conn: _Connection) -> None:
        import aiosmtplib

        while True:
            job = await self.queue.get()
            if job is None:  # no more work
                return
            if self.aborted is not None:
                self.finish(self.not_sent(job))
                continue
            await self.limiter.wait()
            job.attempts += 1
            try:
                if not conn.connected:
                    await conn.open()
                await conn.send(self.sender, job.item)
            except _Retry as exc:
                self.retry(job, str(exc), exc.code)
            except _Uncertain as exc:
                self.finish(Outcome(job.item.recipient, "uncertain", job.attempts, None,
                                    f"{exc}; it may have been delivered"))
            except SendError as exc:
                self.finish(Outcome(job.item.recipient, "failed", job.attempts, exc.code,
                                    str(exc)))
            except _Fatal as exc:
                job.attempts -= 1  # not this recipient's fault
                self.finish(Outcome(job.item.recipient, "not_sent", job.attempts, None,
                                    f"not sent: {exc}"))
                self.abort(str(exc))
            except (aiosmtplib.SMTPException, OSError) as exc:
                # Reconnecting failed (the server went away, or refused us for now).
                conn.close()
                self.retry(job, _connect_problem(exc), getattr(exc, "code", None))
            else:
                self.finish(Outcome(job.item.recipient, "sent", job.attempts))

    def retry(self, job: _Job, error: str, code: int | None) -> None:
        job.last_error, job.last_code = error, code
        if job.attempts >= self.target.max_attempts or self.aborted is not None:
            self.finish(Outcome(
                job.item.recipient, "failed" if self.aborted is None else "not_sent",
                job.attempts, code,
                f"{error} (gave up after {job.attempts} attempts)",
            ))
            return
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
