"""The SMTP transport against a real aiosmtpd server on 127.0.0.1, faults injected there."""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Iterator, Sequence

import pytest

from announce.config import SmtpSettings
from announce.delivery import Outcome, Outgoing, permanent
from announce.delivery.smtp import SmtpTransport
from announce.errors import ConfigError, SendError

from .smtpd import DROP, PASSWORD, USER, Server, Servers, Tls

SENDER = "announce@example.org"
WRONG = "wrong-pa55word"  # a password the test server refuses
FAST = 0.01  # backoff base in tests: retries within milliseconds


def message(address: str) -> bytes:
    return (
        f"From: {SENDER}\r\nTo: {address}\r\nSubject: Hello\r\n"
        "Message-ID: <x@example.org>\r\n\r\nHello.\r\n.A line that starts with a dot.\r\n"
    ).encode()


def outgoing(n: int) -> list[Outgoing]:
    return [Outgoing(f"r{i}@example.org", f"r{i}@example.org", message(f"r{i}@example.org"))
            for i in range(n)]


def target(server: Server, *, password: str = "", ssl_context: ssl.SSLContext | None = None,
           **kwargs: object) -> SmtpTransport:
    options: dict[str, object] = {"host": server.host, "port": server.port, "security": "none",
                                  "concurrency": 2, "max_attempts": 4}
    options.update(kwargs)
    settings = SmtpSettings(**options)  # type: ignore[arg-type]
    return SmtpTransport(settings, SENDER, environ={settings.password_env: password},
                         ssl_context=ssl_context, backoff=FAST)


class Journal:
    """A recorder in memory: what the ledger would be told, in order, and the outcomes."""

    def __init__(self) -> None:
        self.changes: list[Outgoing | Outcome] = []
        self.outcomes: dict[str, Outcome] = {}

    def record(self, changes: Sequence[Outgoing | Outcome]) -> None:
        self.changes.extend(changes)

    def report(self, outcomes: Sequence[Outcome]) -> None:
        for outcome in outcomes:
            assert outcome.recipient not in self.outcomes, "two outcomes for one message"
            self.outcomes[outcome.recipient] = outcome

    def most_in_doubt(self) -> int:
        """The most recipients claimed without an outcome at any point of the record:
        what a run killed at that point would leave uncertain."""
        open_claims: set[str] = set()
        most = 0
        for change in self.changes:
            if isinstance(change, Outgoing):
                open_claims.add(change.recipient)
            elif change.status != "uncertain":
                open_claims.discard(change.recipient)
            most = max(most, len(open_claims))
        return most


def run(smtp: SmtpTransport, items: Sequence[Outgoing], *, batch: int = 3,
        journal: Journal | None = None) -> tuple[dict[str, Outcome], str | None]:
    journal = journal or Journal()

    def batches() -> Iterator[list[Outgoing]]:
        for start in range(0, len(items), batch):
            yield list(items[start:start + batch])

    stopped = smtp.deliver(batches(), journal).stopped
    assert len(journal.outcomes) == len(items), "every message gets exactly one outcome"
    return journal.outcomes, None if stopped is None else stopped.reason


def test_a_kill_at_any_moment_leaves_at_most_one_uncertain_message_per_connection(
        smtp_server: Server) -> None:
    smtp_server.handler.rcpt_faults = {"r3@example.org": ["451 4.7.1 later"]}
    journal = Journal()
    outcomes, _ = run(target(smtp_server, concurrency=3), outgoing(40), batch=16,
                      journal=journal)
    assert {o.status for o in outcomes.values()} == {"sent"}
    # Each message claimed before it left and settled after; a retry released meanwhile.
    assert journal.most_in_doubt() <= 3
    claims = [c.recipient for c in journal.changes if isinstance(c, Outgoing)]
    assert claims.count("r3@example.org") == 2
    assert len(set(claims)) == 40


def test_plain_delivers_each_message_once_with_the_exact_bytes(smtp_server: Server) -> None:
    items = outgoing(7)
    outcomes, aborted = run(target(smtp_server), items)
    assert aborted is None
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert smtp_server.handler.per_recipient() == {i.rcpt: 1 for i in items}
    by_rcpt = {m.rcpt_tos[0]: m for m in smtp_server.handler.messages}
    for item in items:
        received = by_rcpt[item.rcpt]
        assert received.mail_from == SENDER
        # CRLF on the wire, dot-stuffing undone by the server: the very bytes prepared.
        assert received.data == item.data


def test_starttls_with_a_trusted_certificate_and_login(servers: Servers, tls: Tls) -> None:
    server = servers.start(starttls=True, auth=True)
    smtp = target(server, security="starttls", username=USER, password=PASSWORD,
                  ssl_context=tls.client_context())
    outcomes, _ = run(smtp, outgoing(3))
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert server.handler.count == 3


def test_implicit_tls(servers: Servers, tls: Tls) -> None:
    server = servers.start(implicit_tls=True)
    outcomes, _ = run(target(server, security="tls", ssl_context=tls.client_context()),
                      outgoing(2))
    assert {o.status for o in outcomes.values()} == {"sent"}


def test_untrusted_certificate_is_refused_before_anything_is_claimed(servers: Servers) -> None:
    server = servers.start(starttls=True)
    taken: list[int] = []

    def batches() -> Iterator[list[Outgoing]]:
        taken.append(1)
        yield outgoing(1)

    # The default context trusts the system's CAs only, not the test CA.
    with pytest.raises(SendError, match="certificate is not trusted"):
        target(server, security="starttls").deliver(batches(), Journal())
    assert taken == []
    assert server.handler.count == 0


def test_login_refused_is_an_error_that_does_not_show_the_password(
        servers: Servers, tls: Tls) -> None:
    server = servers.start(starttls=True, auth=True)
    smtp = target(server, security="starttls", username=USER, password=WRONG,
                  ssl_context=tls.client_context())
    with pytest.raises(SendError) as caught:
        smtp.deliver(iter([outgoing(1)]), Journal())
    assert str(caught.value).startswith(f"{server.host}:{server.port}: login as 'announce' "
                                        "refused: 535")
    assert WRONG not in str(caught.value)
    assert WRONG not in repr(smtp)


def test_verbose_log_shows_the_conversation_but_not_the_credentials(
        servers: Servers, caplog: pytest.LogCaptureFixture) -> None:
    # Login without TLS is allowed to this machine (and this server allows it).
    server = servers.start(auth=True, auth_require_tls=False)
    smtp = target(server, username=USER, password=PASSWORD, concurrency=1)
    with caplog.at_level(logging.DEBUG, logger="announce"):
        outcomes, _ = run(smtp, outgoing(1))
    assert outcomes["r0@example.org"].status == "sent"
    conversation = caplog.text
    assert "C: MAIL FROM:<announce@example.org>" in conversation
    assert "C: RCPT TO:<r0@example.org>" in conversation
    assert "C: AUTH PLAIN as announce (credentials not shown)" in conversation
    assert "S: 235" in conversation
    assert PASSWORD not in conversation
    import base64

    assert base64.b64encode(PASSWORD.encode()).decode() not in conversation


def test_451_is_retried_and_delivered_once(smtp_server: Server) -> None:
    handler = smtp_server.handler
    handler.rcpt_faults = {"r1@example.org": ["451 4.7.1 greylisted"] * 2,
                           "r4@example.org": ["451 4.3.0 busy"]}
    outcomes, _ = run(target(smtp_server), outgoing(6))
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert outcomes["r1@example.org"].attempts == 3
    assert outcomes["r4@example.org"].attempts == 2
    assert set(handler.per_recipient().values()) == {1}


def test_550_fails_one_recipient_and_the_others_go_on(smtp_server: Server) -> None:
    smtp_server.handler.rcpt_faults = {"r2@example.org": ["550 5.1.1 no such user"]}
    outcomes, aborted = run(target(smtp_server), outgoing(5))
    assert aborted is None
    failed = outcomes["r2@example.org"]
    assert (failed.status, failed.code, failed.attempts) == ("failed", 550, 1)
    assert failed.error == "550 5.1.1 no such user"
    assert permanent(failed.code)
    assert smtp_server.handler.per_recipient() == {f"r{i}@example.org": 1 for i in (0, 1, 3, 4)}


def test_dropped_connection_before_the_message_is_retried_without_duplicates(
        smtp_server: Server) -> None:
    smtp_server.handler.rcpt_faults = {"r3@example.org": [DROP], "r5@example.org": [DROP]}
    outcomes, _ = run(target(smtp_server), outgoing(8))
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert smtp_server.handler.per_recipient() == {f"r{i}@example.org": 1 for i in range(8)}


def test_connection_lost_after_the_final_dot_is_uncertain_and_not_resent(
        smtp_server: Server) -> None:
    smtp_server.handler.drop_after_data = {"r1@example.org"}
    outcomes, _ = run(target(smtp_server), outgoing(4))
    assert outcomes["r1@example.org"].status == "uncertain"
    assert outcomes["r1@example.org"].error == (
        "connection lost after the message was handed over; it may have been delivered")
    # The server did store it: sending it again would have been a second copy.
    assert smtp_server.handler.per_recipient() == {f"r{i}@example.org": 1 for i in range(4)}


def test_temporary_failures_give_up_after_max_attempts(smtp_server: Server) -> None:
    smtp_server.handler.rcpt_faults = {"r0@example.org": ["452 4.2.2 mailbox full"] * 10}
    outcomes, _ = run(target(smtp_server, max_attempts=3), outgoing(2))
    gave_up = outcomes["r0@example.org"]
    assert (gave_up.status, gave_up.code, gave_up.attempts) == ("failed", 452, 3)
    assert gave_up.error == "452 4.2.2 mailbox full (gave up after 3 attempts)"
    assert not permanent(gave_up.code)
    assert outcomes["r1@example.org"].status == "sent"


def test_sender_refused_stops_the_run_and_reports_the_rest_not_sent(servers: Servers) -> None:
    class RefuseSender:
        async def handle_MAIL(self, server: object, session: object, envelope: object,
                              address: str, options: list[str]) -> str:
            return "553 5.7.1 sender not allowed"

    server = servers.start(handler=RefuseSender())  # type: ignore[arg-type]
    outcomes, aborted = run(target(server), outgoing(5))
    assert aborted is not None
    assert "refused the sender 'announce@example.org': 553" in aborted
    assert {o.status for o in outcomes.values()} == {"not_sent"}


def test_server_down_is_an_error_before_anything_is_claimed() -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    taken: list[int] = []

    def batches() -> Iterator[list[Outgoing]]:
        taken.append(1)
        yield outgoing(1)

    smtp = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=2)
    with pytest.raises(SendError, match=rf"^127\.0\.0\.1:{port}: cannot connect: "):
        SmtpTransport(smtp, SENDER).deliver(batches(), Journal())
    assert taken == []


def test_rate_per_minute_spaces_the_messages(smtp_server: Server) -> None:
    start = time.monotonic()
    run(target(smtp_server, rate_per_minute=1200, concurrency=4), outgoing(4))
    # 1200 a minute is one per 50 ms: the fourth starts 150 ms after the first.
    assert time.monotonic() - start >= 0.15


def test_login_in_the_clear_to_another_host_is_refused() -> None:
    smtp = SmtpSettings(host="smtp.example.org", port=25, security="none", username="me")
    with pytest.raises(ConfigError) as caught:
        SmtpTransport(smtp, SENDER, where="announce.toml",
                      environ={"ANNOUNCE_SMTP_PASSWORD": "pw"}).check()
    assert str(caught.value) == (
        "announce.toml: [smtp] security: 'none' would send the password of 'me' unencrypted "
        "to smtp.example.org; use 'starttls' or 'tls' (an unencrypted login is allowed only "
        "to this machine)"
    )


def test_missing_password_variable_is_named() -> None:
    smtp = SmtpSettings(host="smtp.example.org", port=587, username="me",
                        password_env="MY_SMTP_PW")  # noqa: S106 - a variable's name
    with pytest.raises(ConfigError, match="environment variable MY_SMTP_PW is not set"):
        SmtpTransport(smtp, SENDER, environ={}).check()
