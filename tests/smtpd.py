"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, port 0, with injected faults.

The pattern of aiosmtplib's own conftest: a threaded ``Controller`` around a recording
handler. Faults are set per address on the handler: a reply to give at ``RCPT`` (451,
550 ...), a dropped connection at ``RCPT`` (nothing delivered) or right after the
message was stored (delivered, but the client never hears so), any reply after the
message was stored (251, ``2O0``, 8 KB of text), and a delay per message.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
USER = "announce"
PASSWORD = "s3cret-Pa55"  # noqa: S105 - the test server's own password
DROP = "DROP"  # a "reply" that closes the connection instead


@dataclass
class Received:
    """One message as the server stored it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Recorder:
    """The handler: stores every message, and misbehaves where told to."""

    messages: list[Received] = field(default_factory=list)
    # address -> replies for successive RCPT attempts (a reply or DROP), then 250
    rcpt_faults: dict[str, list[str]] = field(default_factory=dict)
    # addresses whose message is stored, then the connection dropped before the reply
    drop_after_data: set[str] = field(default_factory=set)
    # address -> the reply to give (once) after its message is stored, instead of 250
    data_replies: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    auth_attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        with self.lock:
            faults = self.rcpt_faults.get(address.lower())
            reply = faults.pop(0) if faults else None
        if reply == DROP:
            server.transport.close()
            return "421 4.4.2 gone"
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content))
            drop = any(a.lower() in self.drop_after_data for a in envelope.rcpt_tos)
            if drop:
                self.drop_after_data.difference_update(a.lower() for a in envelope.rcpt_tos)
            odd = [self.data_replies.pop(a.lower()) for a in envelope.rcpt_tos
                   if a.lower() in self.data_replies]
        if drop:
            server.transport.close()
        return odd[0] if odd else "250 2.0.0 queued"

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def per_recipient(self) -> Counter[str]:
        """How many messages each address got."""
        with self.lock:
            return Counter(a.lower() for m in self.messages for a in m.rcpt_tos)


@dataclass
class PipeliningRecorder(Recorder):
    """A :class:`Recorder` whose server advertises PIPELINING (aiosmtpd does not by itself,
    though it reads pipelined commands in order), and notes how commands arrived: whether
    RCPT and DATA were already there when MAIL was read (one group), and whether the next
    MAIL was there when a message's final dot was (the next envelope behind the body)."""

    grouped: int = 0       # MAIL commands read with their RCPT and DATA behind them
    behind_body: int = 0   # messages read with the next MAIL behind their final dot

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        ahead = bytes(server._reader._buffer)  # what has arrived, unread
        if b"RCPT TO:" in ahead and b"DATA" in ahead:
            with self.lock:
                self.grouped += 1
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if b"MAIL FROM:" in bytes(server._reader._buffer):
            with self.lock:
                self.behind_body += 1
        return await super().handle_DATA(server, session, envelope)


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                  auth_data: Any) -> AuthResult:
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode())
    # handled=False: aiosmtpd then replies 535 itself (by default it would say nothing).
    return AuthResult(success=ok, handled=False)


class _PortZeroController(Controller):
    """Binds port 0 and reads back the port the system chose."""

    def _create_server(self) -> Any:
        async def create() -> asyncio.AbstractServer:
            server = await self.loop.create_server(
                self._factory_invoker, host=self.hostname, port=0, ssl=self.ssl_context
            )
            self.port = server.sockets[0].getsockname()[1]
            return server

        return create()


@dataclass
class Server:
    host: str
    port: int
    handler: Recorder
    controller: Any


@dataclass
class Tls:
    """A test CA and the server's certificate from it."""

    ca: trustme.CA
    server_context: ssl.SSLContext
    ca_file: Path

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts the test CA (and nothing else)."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        return context


class Servers:
    """Starts servers on demand; stops them all at the end of the test."""

    def __init__(self, tls: Tls):
        self.tls = tls
        self.started: list[Server] = []

    def start(self, *, starttls: bool = False, implicit_tls: bool = False, auth: bool = False,
              auth_require_tls: bool = True, handler: Recorder | None = None) -> Server:
        handler = handler or Recorder()
        kwargs: dict[str, Any] = {}
        if starttls:
            kwargs.update(tls_context=self.tls.server_context, require_starttls=True)
        if implicit_tls:
            kwargs.update(ssl_context=self.tls.server_context)
        if auth:
            kwargs.update(authenticator=authenticator, auth_require_tls=auth_require_tls)
        controller = _PortZeroController(handler, hostname=HOST, **kwargs)
        controller.start()
        server = Server(HOST, controller.port, handler, controller)
        self.started.append(server)
        return server

    def stop(self) -> None:
        for server in self.started:
            server.controller.stop()


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A throw-away CA (trustme) and a certificate for 127.0.0.1 signed by it."""
    ca = trustme.CA()
    cert = ca.issue_cert(HOST, "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_context)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Tls(ca, server_context, ca_file)


@pytest.fixture
def servers(tls: Tls) -> Iterator[Servers]:
    """``servers.start(...)`` starts an SMTP server on 127.0.0.1 (port 0) for this test."""
    started = Servers(tls)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def smtp_server(servers: Servers) -> Server:
    """A plain SMTP server without TLS or AUTH."""
    return servers.start()
