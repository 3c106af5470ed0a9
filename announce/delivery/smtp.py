"""The SMTP transport: built from ``[smtp]``, it checks that the login is safe and runs
the pool (:mod:`.pool`) over ``concurrency`` connections (:mod:`.connection`, which
speaks SMTP and says what each reply means).

One :class:`SmtpTransport` per run, built from ``[smtp]`` (:class:`~announce.config.SmtpSettings`
itself: no copy of its fields). Certificates are verified
(``ssl.create_default_context()``), and a password is never sent over an unencrypted
connection except to this machine (:func:`is_loopback`).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..errors import ConfigError, SendError
from . import pool
from .connection import Connection
from .replies import connect_problem, is_loopback, local_hostname
from .transport import Delivered, Fatal, Outgoing, Recorder, Retry

if TYPE_CHECKING:
    from ..config import SmtpSettings

__all__ = ["SmtpTransport", "is_loopback"]


class SmtpTransport:
    """Delivery over SMTP to the server ``[smtp]`` names, from envelope sender ``sender``.

    ``where`` names the config file in messages; ``environ`` replaces ``os.environ`` for
    the password; ``ssl_context`` the default, verifying, TLS context (tests pass one that
    trusts their own CA); ``backoff`` the base delay between attempts.
    """

    batch_size = 256  # fewer ledger lookups holding up the event loop; claims are one by one

    def __init__(self, smtp: SmtpSettings, sender: str, *, where: str = "[smtp]",
                 environ: Mapping[str, str] | None = None,
                 ssl_context: ssl.SSLContext | None = None, backoff: float | None = None):
        self.smtp = smtp
        self.sender = sender
        self.where = where
        self.environ = environ
        self.ssl_context = ssl_context
        self.backoff = backoff

    @property
    def name(self) -> str:
        """How the ledger names this transport."""
        return f"smtp://{self.smtp.host}:{self.smtp.port}"

    def describe(self) -> str:
        """A human description, for the summary and ``--dry-run``; no secrets."""
        smtp = self.smtp
        security = {"starttls": "STARTTLS", "tls": "TLS", "none": "unencrypted"}[smtp.security]
        who = f", as {smtp.username}" if smtp.username else ""
        return f"SMTP {smtp.host}:{smtp.port} ({security}{who})"

    def check(self) -> None:
        """``ConfigError`` if the login would be unsafe or cannot happen."""
        self._password()

    def _password(self) -> str:
        smtp = self.smtp
        if not smtp.username:
            return ""
        found = smtp.password(self.environ)
        if found is None:
            raise ConfigError(
                f"the environment variable {smtp.password_env} is not set; it must hold the "
                f"password of {smtp.username!r}", path=self.where, key="[smtp] password_env")
        if smtp.security == "none" and not is_loopback(smtp.host):
            raise ConfigError(
                f"'none' would send the password of {smtp.username!r} unencrypted to "
                f"{smtp.host}; use 'starttls' or 'tls' (an unencrypted login is allowed only "
                "to this machine)", path=self.where, key="[smtp] security")
        return found

    def deliver(self, batches: Iterable[Sequence[Outgoing]], recorder: Recorder) -> Delivered:
        """Send every message over ``concurrency`` reused connections (see :mod:`.pool`).

        Raises ``SendError`` when the first connection fails (server down, certificate
        not trusted, login refused): then nothing was claimed.
        """
        password = self._password()
        policy = pool.Policy(rate_per_minute=self.smtp.rate_per_minute,
                             max_attempts=self.smtp.max_attempts, backoff=self.backoff)

        async def connect() -> list[Connection]:
            smtp = self.smtp
            tls = self.ssl_context
            if smtp.security != "none" and tls is None:
                tls = ssl.create_default_context()
            hostname = await asyncio.to_thread(local_hostname)
            connections = [Connection(smtp, password, self.sender, tls, hostname, n + 1)
                           for n in range(smtp.concurrency)]
            try:
                await connections[0].open()
            except Fatal as exc:
                raise SendError(str(exc)) from None
            except Retry as exc:
                raise SendError(f"{smtp.host}:{smtp.port}: cannot connect: {exc}") from None
            except Exception as exc:  # every way to fail to connect is reported
                raise SendError(f"{smtp.host}:{smtp.port}: cannot connect: "
                                f"{connect_problem(exc)}") from None
            return connections

        return Delivered(stopped=pool.run(connect, batches, recorder, policy))
