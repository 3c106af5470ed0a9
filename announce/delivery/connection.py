"""One SMTP connection of the pool, with aiosmtplib: connect, STARTTLS, log in, and one
message's transaction at a time, pipelined when the server offers it (:mod:`.pipeline`).

What a reply means, here and nowhere else:

- a 4xx reply, a dropped connection or a timeout *before* the message's bytes leave is
  temporary (:class:`~.transport.Retry`);
- a 5xx reply for a recipient is permanent (:func:`~.transport.permanent`): that
  recipient's ``RecipientRefused``, and the others go on; for the sender, or for a
  message too big (552, 5.3.4), it stops the run (:class:`~.transport.Fatal`);
- once the bytes have left, only a well-formed 250 is ``sent`` and a 5xx ``failed``;
  anything else (251, 4xx, a malformed or over-long reply, a lost connection, a
  timeout) is ``uncertain``: the server may have the message, so it is never retried
  automatically (that would risk a second copy). This is why DATA is done here and not
  with aiosmtplib's ``data()``: "before the bytes left" and "after" must not blur.

``-v`` (the ``announce.smtp`` logger at DEBUG) shows the conversation; AUTH is logged as
a mechanism and a reply code, never its payload.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import TYPE_CHECKING, Any

from ..errors import RecipientRefused
from .pipeline import Wire, body, envelope, stuffed
from .replies import (
    Reply,
    connect_problem,
    describe_break,
    final_problem,
    one_line,
    refused_group,
    size_text,
    too_big,
)
from .transport import Fatal, Outgoing, Retry, Uncertain, permanent

if TYPE_CHECKING:
    import aiosmtplib

    from ..config import SmtpSettings

__all__ = ["Connection"]

log = logging.getLogger("announce.smtp")


class Connection:
    """One worker's SMTP connection, logging the conversation at DEBUG."""

    def __init__(self, smtp: SmtpSettings, password: str, sender: str,
                 tls: ssl.SSLContext | None, local_hostname: str, number: int):
        self.settings = smtp
        self.password = password
        self.sender = sender
        self.tls = tls
        self.local_hostname = local_hostname
        self.tag = f"[{number}]"
        self.smtp: aiosmtplib.SMTP | None = None
        # The current message's bytes have started to leave: from now on, whatever
        # happens but a well-formed 250 or 5xx leaves its fate unknown.
        self.handed_over = False
        # The server advertised PIPELINING: the connection is this Wire's (see .pipeline).
        self.wire: Wire | None = None
        self.size_option = False
        # The message whose MAIL, RCPT and DATA went out behind the last one's body.
        self.pending: Outgoing | None = None

    @property
    def connected(self) -> bool:
        if self.wire is not None:
            return self.wire.connected
        return self.smtp is not None and self.smtp.is_connected

    @property
    def pipelining(self) -> bool:
        """Whether :meth:`send` takes the next message too, to send its envelope behind
        this one's body (the pool passes it)."""
        return self.wire is not None

    def _said(self, response: Any) -> None:
        if log.isEnabledFor(logging.DEBUG):
            text = " | ".join(str(response.message).splitlines())
            log.debug("%s S: %s %s", self.tag, response.code, text)

    async def open(self) -> None:
        """Connect, STARTTLS, log in; Fatal, or Retry for a failure that may pass."""
        import aiosmtplib

        try:
            await self._open()
        except (aiosmtplib.SMTPException, OSError) as exc:
            # The server went away, or refuses us for now (closed by _open).
            raise Retry(connect_problem(exc), getattr(exc, "code", None)) from exc

    async def _open(self) -> None:
        import aiosmtplib

        t = self.settings
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
                    raise Fatal(
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
                    raise Fatal(f"{t.host}:{t.port} offers no login method announce knows "
                                 "(PLAIN, LOGIN, CRAM-MD5)")
                method = methods[0]
                log.debug("%s C: AUTH %s as %s (credentials not shown)", self.tag,
                          method.upper(), t.username)
                try:
                    login = getattr(smtp, f"auth_{method.replace('-', '')}")
                    self._said(await login(t.username, self.password))
                except aiosmtplib.SMTPAuthenticationError as exc:
                    raise Fatal(
                        f"{t.host}:{t.port}: login as {t.username!r} refused: "
                        f"{exc.code} {one_line(exc.message)}"
                    ) from None
                except aiosmtplib.SMTPException as exc:
                    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
                        raise
                    raise Fatal(f"{t.host}:{t.port}: cannot log in: {one_line(str(exc))}") \
                        from None
            self.size_option = smtp.supports_extension("size")
            if smtp.supports_extension("pipelining"):
                log.debug("%s pipelining", self.tag)
                self.wire = Wire.take_over(smtp)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.wire is not None:
            self.wire.close()
            self.wire = None
        self.pending = None
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    async def quit(self) -> None:
        if self.connected and self.pending is None:
            try:
                log.debug("%s C: QUIT", self.tag)
                timeout = min(self.settings.timeout, 5.0)
                if self.wire is not None:
                    self.wire.write(b"QUIT\r\n")
                    self._said(await self.wire.reply(timeout))
                elif self.smtp is not None:
                    self._said(await self.smtp.quit(timeout=timeout))
            except Exception as exc:  # the messages are out; a rude goodbye is fine
                log.debug("%s QUIT failed: %s", self.tag, exc)
        # With a DATA outstanding (pending), the server would read QUIT as the body.
        self.close()

    async def send(self, item: Outgoing, claimed: asyncio.Future[None],
                   upcoming: Outgoing | None = None) -> None:
        """One transaction; its bytes leave only once ``claimed`` is done (the claim is on
        disk). Raises Retry or Fatal (nothing handed over), RecipientRefused (a 5xx), or
        Uncertain (handed over, then anything but a well-formed 250 or 5xx).

        With PIPELINING, ``upcoming`` (the message this connection sends next, not yet
        claimed) has its MAIL, RCPT and DATA written right behind this body's final dot.
        """
        item.refused.clear()  # what this attempt's RCPTs were told, for a shared message
        if self.wire is not None:
            await self._send_pipelined(self.wire, item, claimed, upcoming)
            return
        sender = self.sender
        import aiosmtplib

        self.handed_over = False
        smtp = self.smtp
        assert smtp is not None
        size = len(item.data)
        options = [f"SIZE={size}"] if smtp.supports_extension("size") else []
        try:
            log.debug("%s C: MAIL FROM:<%s>", self.tag, sender)
            self._said(await smtp.mail(sender, options=options))
            await self._rcpts(smtp, item)
            log.debug("%s C: DATA", self.tag)
            start = await smtp.execute_command(b"DATA")
            self._said(start)
        except aiosmtplib.SMTPSenderRefused as exc:
            await self._reset()
            if too_big(exc.code, exc.message):
                raise Fatal(
                    f"{self.settings.host} refuses a message of {size_text(size)}: {exc.code} "
                    f"{one_line(exc.message)} (make the talk's text or images smaller)"
                ) from None
            if permanent(exc.code):
                raise Fatal(
                    f"{self.settings.host} refused the sender {sender!r}: {exc.code} "
                    f"{one_line(exc.message)} (check [mail] from)"
                ) from None
            raise Retry(f"{exc.code} {one_line(exc.message)}", exc.code) from None
        except aiosmtplib.SMTPRecipientRefused as exc:
            self._said(exc)
            await self._reset()
            if permanent(exc.code):
                raise RecipientRefused(f"{exc.code} {one_line(exc.message)}", code=exc.code,
                                       recipient=item.rcpt) from None
            raise Retry(f"{exc.code} {one_line(exc.message)}", exc.code) from None
        except aiosmtplib.SMTPResponseException as exc:
            self._said(exc)
            await self._reset()
            raise Retry(f"{exc.code} {one_line(exc.message)}", exc.code) from None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            self.close()
            raise Retry(describe_break(exc)) from None
        except aiosmtplib.SMTPException as exc:  # any other: as if the connection broke
            self.close()
            raise Retry(connect_problem(exc), getattr(exc, "code", None)) from None
        if start.code != Reply.START_DATA:
            # The DATA command refused: nothing of the message has left.
            await self._reset()
            error = f"{start.code} {one_line(start.message)}"
            if permanent(start.code):
                raise RecipientRefused(error, code=start.code, recipient=item.rcpt)
            raise Retry(error, start.code)
        try:
            await claimed
        except BaseException:  # the ledger is down, or the run stopped
            self.close()  # after the 354 the only way back is to hang up
            raise
        reply = await self._hand_over(item.data)
        if reply.code != Reply.OK and permanent(reply.code):
            await self._reset()
        self._judge_final(reply, item, size)

    async def _rcpts(self, smtp: Any, item: Outgoing) -> None:
        """RCPT for each recipient; of a shared message, a refused one is noted in
        ``item.refused`` as long as another is accepted (else the last refusal is raised)."""
        import aiosmtplib

        for rcpt in item.rcpts:
            log.debug("%s C: RCPT TO:<%s>", self.tag, rcpt)
            try:
                self._said(await smtp.rcpt(rcpt))
            except aiosmtplib.SMTPRecipientRefused as exc:
                if not item.shared:
                    raise
                self._said(exc)
                item.refused[rcpt] = (exc.code, f"{exc.code} {one_line(exc.message)}")
                if len(item.refused) == len(item.rcpts):
                    raise

    def _judge_final(self, reply: Any, item: Outgoing, size: int) -> None:
        """Return for a 250 after the final dot; else raise what it means (replies.py)."""
        problem = final_problem(reply, item, size)
        if isinstance(problem, Uncertain):
            self.close()  # the connection's state is unknown too
        if problem is not None:
            raise problem

    # --- PIPELINING (RFC 2920) ------------------------------------------------------

    def _envelope(self, item: Outgoing) -> bytes:
        log.debug("%s C: MAIL FROM:<%s>, RCPT TO:<%s>%s, DATA", self.tag, self.sender,
                  item.rcpt, f" and {len(item.shared)} more" if item.shared else "")
        return envelope(self.sender, item.rcpts, len(item.data) if self.size_option else None)

    async def _send_pipelined(self, wire: Wire, item: Outgoing, claimed: asyncio.Future[None],
                              upcoming: Outgoing | None) -> None:
        """MAIL, RCPT and DATA as one group (unless they went behind the last body), their
        three replies in order, the body once ``claimed`` is done, and the next message's
        group behind it: one round trip a message. Nothing is claimed ahead: the next
        message is claimed once this one's outcome is known, so a killed run still leaves
        at most one uncertain message per connection."""
        import aiosmtplib

        self.handed_over = False
        size = len(item.data)
        timeout = self.settings.timeout
        try:
            if self.pending is not item:
                if self.pending is not None:  # pragma: no cover - the pool never does this
                    raise aiosmtplib.SMTPServerDisconnected("out of step with the server")
                wire.write(self._envelope(item))
            self.pending = None
            mail, *rcpts, start = [await wire.reply(timeout) for _ in range(len(item.rcpts) + 2)]
        except ValueError as exc:  # an address with a space or a control character
            raise RecipientRefused(str(exc), code=None, recipient=item.rcpt) from None
        except aiosmtplib.SMTPResponseException as exc:  # malformed, over 8 KB
            self.close()
            raise Retry(f"unreadable reply: {one_line(exc.message)[:80]}") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            self.close()
            raise Retry(describe_break(exc)) from None
        for reply in (mail, *rcpts, start):
            self._said(reply)
        refused = refused_group(self.settings.host, self.sender, item, size, mail, rcpts, start)
        if refused is not None:
            if start.code == Reply.START_DATA:
                self.close()  # after a 354 the only way back is to hang up
            else:
                await self._reset()
            raise refused
        try:
            await claimed
        except BaseException:  # the ledger is down, or the run stopped
            self.close()
            raise
        payload = body(item.data)
        log.debug("%s C: (%d bytes) .", self.tag, len(payload))
        if upcoming is not None:
            try:
                payload += self._envelope(upcoming)
                self.pending = upcoming
            except ValueError:
                pass  # its own send says so
        self.handed_over = True
        try:
            wire.write(payload)
            reply = await wire.reply(timeout)
        except aiosmtplib.SMTPResponseException as exc:
            self.close()
            raise Uncertain(f"the server's reply after the message was unreadable "
                            f"({one_line(exc.message)[:80]})") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            self.close()
            timed_out = isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError)
            what = "no reply in time" if timed_out else "connection lost"
            raise Uncertain(f"{what} after the message was handed over") from None
        self._said(reply)
        # After a 5xx the transaction is over (RFC 5321 4.1.1.4): no RSET, which would
        # also reset the next message's group, already on its way.
        self._judge_final(reply, item, size)

    async def _hand_over(self, data: bytes) -> Any:
        """Write the message and its final dot; the reply, or ``Uncertain``."""
        import aiosmtplib

        smtp = self.smtp
        assert smtp is not None
        assert smtp.protocol is not None
        protocol = smtp.protocol
        # What aiosmtplib's data() does after the 354, here so that "before the bytes
        # left" and "after" cannot be confused: dot-stuffing and the final dot.
        payload = stuffed(data)
        log.debug("%s C: (%d bytes) .", self.tag, len(payload))
        self.handed_over = True
        try:
            protocol.write(payload + b".\r\n")
            reply = await protocol.read_response(timeout=self.settings.timeout)
        except aiosmtplib.SMTPResponseException as exc:  # malformed, over 8 KB
            self.close()
            log.debug("%s unreadable reply after the message: %s", self.tag, exc)
            raise Uncertain(f"the server's reply after the message was unreadable "
                             f"({one_line(exc.message)[:80]})") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            self.close()
            # Whatever the socket said, what matters is what the server did not say.
            log.debug("%s connection broke after the message: %s", self.tag, exc)
            timed_out = isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError)
            what = "no reply in time" if timed_out else "connection lost"
            raise Uncertain(f"{what} after the message was handed over") from None
        self._said(reply)
        return reply

    async def _reset(self) -> None:
        import aiosmtplib

        if not self.connected:
            self.close()
            return
        try:
            log.debug("%s C: RSET", self.tag)
            if self.wire is not None:
                self.wire.write(b"RSET\r\n")
                self._said(await self.wire.reply(self.settings.timeout))
            elif self.smtp is not None:
                self._said(await self.smtp.rset())
        except (aiosmtplib.SMTPException, OSError):
            self.close()
