"""What an SMTP server's replies mean, and the words for what went wrong.

:mod:`.connection` asks here what a reply code or a broken connection says: a message too big
for the server, a refusal of the sender or of a recipient, a group of pipelined commands
out of step, a certificate not trusted; and whether a host is this machine.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from ..errors import RecipientRefused
from .transport import Fatal, Outgoing, Retry, Uncertain, permanent

__all__ = [
    "Reply",
    "connect_problem",
    "describe_break",
    "final_problem",
    "is_loopback",
    "local_hostname",
    "one_line",
    "preview",
    "refused_group",
    "size_text",
    "too_big",
]


class Reply(IntEnum):
    """The reply codes this module treats by name (RFC 5321 4.2.2, RFC 1870)."""

    OK = 250
    WILL_FORWARD = 251
    START_DATA = 354
    TOO_BIG = 552


def is_loopback(host: str) -> bool:
    """Whether ``host`` only ever reaches this machine: ``localhost`` or a loopback
    address (``127.0.0.0/8``, ``::1``, also written ``[::1]``).

    A name is not resolved: what it resolves to can change between this check and the
    connection, and the answer guards a password sent in the clear.
    """
    bare = host.strip().strip("[]")
    if bare.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return False


def refused_group(host: str, sender: str, item: Outgoing, size: int, mail: Any,
                  rcpts: Sequence[Any], start: Any) -> Exception | None:
    """What the first refusal of a pipelined group means (the replies after it are
    its consequences), as lock-step sending reads the same reply. Of a shared message,
    a refused RCPT is that recipient's (noted in ``item.refused``) while another's is
    accepted; when none is, the first refusal is the message's."""
    if mail.code != Reply.OK:
        if too_big(mail.code, mail.message):
            return Fatal(
                f"{host} refuses a message of {size_text(size)}: {mail.code} "
                f"{one_line(mail.message)} (make the talk's text or images smaller)")
        if permanent(mail.code):
            return Fatal(f"{host} refused the sender {sender!r}: "
                         f"{mail.code} {one_line(mail.message)} (check [mail] from)")
        return Retry(f"{mail.code} {one_line(mail.message)}", mail.code)
    if item.shared:
        for address, reply in zip(item.rcpts, rcpts, strict=True):
            if reply.code not in (Reply.OK, Reply.WILL_FORWARD):
                item.refused[address] = (reply.code, f"{reply.code} {one_line(reply.message)}")
        if len(item.refused) < len(rcpts):
            rcpts = [r for r in rcpts if r.code in (Reply.OK, Reply.WILL_FORWARD)][:1]
    for reply in (*rcpts, start):
        if reply.code in (Reply.OK, Reply.WILL_FORWARD, Reply.START_DATA):
            continue
        error = f"{reply.code} {one_line(reply.message)}"
        if permanent(reply.code):
            return RecipientRefused(error, code=reply.code, recipient=item.rcpt)
        return Retry(error, reply.code)
    if any(r.code == Reply.START_DATA for r in rcpts) or start.code != Reply.START_DATA:
        return Retry(f"the server is out of step: {preview(start)}", start.code)
    return None


def final_problem(reply: Any, item: Outgoing, size: int) -> Exception | None:
    """What the reply after the final dot means: None for a 250; RecipientRefused for a
    5xx; anything else is Uncertain."""
    if reply.code == Reply.OK:
        return None
    if permanent(reply.code):
        # The server answered: the message was not accepted, whole and certain.
        note = f" (a message of {size_text(size)})" if too_big(reply.code, reply.message) else ""
        return RecipientRefused(f"{reply.code} {one_line(reply.message)}{note}",
                                code=reply.code, recipient=item.rcpt)
    # 251, 4xx, a malformed or over-long reply: the server may well have the message.
    # Retrying would risk a second copy.
    return Uncertain(f"the server replied '{preview(reply)}' after the message was handed "
                     "over")


def too_big(code: int, message: str) -> bool:
    """A refusal because of the message's size (RFC 1870: 552, or 5.3.4)."""
    return code == Reply.TOO_BIG or " 5.3.4" in f" {message}"


def size_text(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size >= 1024 else f"{size} bytes"


def preview(reply: Any) -> str:
    text = f"{reply.code} {one_line(reply.message)}"
    return text if len(text) <= 80 else text[:77] + "..."


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def describe_break(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out waiting for the server"
    message = one_line(str(exc)) or type(exc).__name__
    return f"connection lost: {message}"


def local_hostname() -> str:
    name = socket.getfqdn()
    # aiosmtplib rejects some names that hosts really have; EHLO then says "localhost".
    return name if name and all(c.isalnum() or c in ".-" for c in name) else "localhost"


def connect_problem(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server's certificate is not trusted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ssl.SSLError):
        return connect_problem(cause)
    if isinstance(exc, TimeoutError):
        return "timed out"
    return one_line(str(exc)) or type(exc).__name__
