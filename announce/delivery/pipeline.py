"""SMTP PIPELINING (RFC 2920) under aiosmtplib: a connection's replies, read in order.

aiosmtplib connects, says EHLO, starts TLS and logs in; it does not pipeline, and its
reader keeps no reply that arrives before it is asked for (a pipelined group's replies
always do). So once a server that advertises PIPELINING has let us in, the connection's
transport is handed to a :class:`Wire`: every byte is kept, and replies are taken one at
a time, in the order their commands went. The transaction itself (what each reply means,
when the body may leave) is :mod:`.connection`'s.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aiosmtplib

__all__ = ["Wire", "body", "envelope", "stuffed"]

# As aiosmtplib: a reply line over 8 KB, or a reply over 32 KB, is no reply.
MAX_LINE = 8192
MAX_REPLY = 4 * MAX_LINE
_DOT = re.compile(rb"(?m)^\.")
# What may go between < and > of MAIL FROM and RCPT TO: printable ASCII, no < > or space.
_PATH = re.compile(r"^[\x21-\x3b\x3d\x3f-\x7e]+$")


def envelope(sender: str, rcpts: Sequence[str], size: int | None) -> bytes:
    """MAIL, a RCPT for each recipient and DATA as one group (RFC 2920 section 3.1: DATA
    ends it)."""
    for rcpt in (sender, *rcpts):
        if not _PATH.match(rcpt):
            raise ValueError(f"not an address SMTP can carry: {rcpt!r}")
    options = f" SIZE={size}" if size is not None else ""
    return (f"MAIL FROM:<{sender}>{options}\r\n"
            + "".join(f"RCPT TO:<{rcpt}>\r\n" for rcpt in rcpts)
            + "DATA\r\n").encode("ascii")


def stuffed(data: bytes) -> bytes:
    """The message as it goes after the 354, but for the final dot: dot-stuffed, ending
    in CRLF."""
    payload = _DOT.sub(b"..", data)
    if not payload.endswith(b"\r\n"):
        payload += b"\r\n"
    return payload


def body(data: bytes) -> bytes:
    """The message after the 354: dot-stuffed, ending in CRLF and the final dot."""
    return stuffed(data) + b".\r\n"


class Wire(asyncio.Protocol):
    """The protocol of a connection taken over from aiosmtplib: writes go out as they are,
    and every reply is kept until :meth:`reply` takes it, in order."""

    def __init__(self, transport: asyncio.Transport):
        self.transport = transport
        self.buffer = bytearray()
        self.replies: deque[Any] = deque()  # SMTPResponse, or the exception to raise
        self.waiter: asyncio.Future[None] | None = None
        self.lost: BaseException | None = None

    @classmethod
    def take_over(cls, smtp: aiosmtplib.SMTP) -> Wire:
        """Take the connection of ``smtp`` (logged in, nothing outstanding)."""
        transport = smtp.transport
        assert isinstance(transport, asyncio.Transport)
        wire = cls(transport)
        transport.set_protocol(wire)
        return wire

    @property
    def connected(self) -> bool:
        return self.lost is None and not self.transport.is_closing()

    def write(self, data: bytes) -> None:
        import aiosmtplib

        if not self.connected:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        self.transport.write(data)

    async def reply(self, timeout: float | None) -> Any:
        """The next reply; ``SMTPServerDisconnected``, ``SMTPReadTimeoutError``, or
        ``SMTPResponseException`` for one that is malformed or too long."""
        import aiosmtplib

        while not self.replies:
            if self.lost is not None:
                raise self.lost
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(self.waiter, timeout)
            except TimeoutError as exc:
                raise aiosmtplib.SMTPReadTimeoutError(
                    "Timed out waiting for server response") from exc
            finally:
                self.waiter = None
        found = self.replies.popleft()
        if isinstance(found, BaseException):
            raise found
        return found

    def close(self) -> None:
        self.transport.close()

    # --- asyncio.Protocol ---------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._parse()
        self._wake()

    def eof_received(self) -> bool:
        import aiosmtplib

        self._lose(aiosmtplib.SMTPServerDisconnected("Unexpected EOF received"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        import aiosmtplib

        lost = aiosmtplib.SMTPServerDisconnected("Connection lost")
        lost.__cause__ = exc
        self._lose(lost)

    def _lose(self, exc: BaseException) -> None:
        if self.lost is None:
            self.lost = exc
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def _parse(self) -> None:
        """Move every complete reply from the buffer to ``replies``."""
        import aiosmtplib

        while self.lost is None:
            offset, lines = 0, []
            while True:
                end = self.buffer.find(b"\n", offset)
                if end == -1 or end - offset + 1 > MAX_LINE:
                    break
                line = bytes(self.buffer[offset:end + 1])
                offset = end + 1
                lines.append(line)
                if line[3:4] != b"-":
                    break
            complete = bool(lines) and lines[-1][3:4] != b"-" and lines[-1].endswith(b"\n")
            if not complete:
                if len(self.buffer) - offset > MAX_LINE or len(self.buffer) > MAX_REPLY:
                    self._refuse(aiosmtplib.SMTPResponseException(
                        -1, "Response too long"))
                return
            del self.buffer[:offset]
            try:
                code = [int(line[:3]) for line in lines][-1]  # as aiosmtplib: the last
            except ValueError:
                text = lines[0].decode("utf-8", "ignore")
                self._refuse(aiosmtplib.SMTPResponseException(
                    -1, f"Malformed SMTP response line: {text}"))
                return
            message = "\n".join(line[4:].strip(b" \t\r\n").decode("utf-8", "surrogateescape")
                                for line in lines)
            self.replies.append(aiosmtplib.SMTPResponse(code, message))

    def _refuse(self, exc: BaseException) -> None:
        # Nothing after an unreadable reply can be paired with its command: this is the
        # last reply, and the connection ends.
        self.replies.append(exc)
        self.buffer.clear()
        self.lost = exc
        self.transport.close()
