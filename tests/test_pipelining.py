"""PIPELINING (RFC 2920) against a real aiosmtpd server that advertises it, faults injected
there: MAIL, RCPT and DATA go as one group, the next message's group right behind each
body, and every exactly-once promise of lock-step sending holds (tests/test_mailer.py,
tests/test_exactly_once.py run the same faults against a server that does not pipeline).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from announce.delivery import pool

from .smtpd import DROP, PASSWORD, USER, PipeliningRecorder, Server, Servers, Tls
from .test_mailer import Journal, outgoing, run, target
from .test_send import ANNOUNCE, NOW, history, send, write_site


@pytest.fixture
def server(servers: Servers) -> Server:
    return servers.start(handler=PipeliningRecorder())


def recorder(server: Server) -> PipeliningRecorder:
    handler = server.handler
    assert isinstance(handler, PipeliningRecorder)
    return handler


def test_each_envelope_goes_as_one_group_and_behind_the_last_body(server: Server) -> None:
    items = outgoing(30)
    journal = Journal()
    outcomes, stopped = run(target(server, concurrency=2), items, batch=8, journal=journal)
    assert stopped is None
    assert {o.status for o in outcomes.values()} == {"sent"}
    handler = recorder(server)
    assert handler.per_recipient() == {item.recipient: 1 for item in items}
    by_rcpt = {m.rcpt_tos[0]: m.data for m in handler.messages}
    assert all(by_rcpt[item.rcpt] == item.data for item in items)  # the exact bytes
    # Every envelope in one group; all but each connection's first and a few at the ends
    # of batches went behind the body before it, on the same write.
    assert handler.grouped == 30
    assert handler.behind_body >= 20
    # The next message is claimed only once this one's outcome is recorded.
    assert journal.most_in_doubt() <= 2


def test_a_server_without_pipelining_gets_lock_step(smtp_server: Server,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="announce"):
        outcomes, _ = run(target(smtp_server, concurrency=1), outgoing(3))
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert "pipelining" not in caplog.text
    assert caplog.text.count("C: MAIL FROM:") == 3


def test_starttls_and_login_then_pipelining(servers: Servers, tls: Tls,
                                            caplog: pytest.LogCaptureFixture) -> None:
    server = servers.start(starttls=True, auth=True, handler=PipeliningRecorder())
    smtp = target(server, security="starttls", username=USER, password=PASSWORD,
                  ssl_context=tls.client_context(), concurrency=1)
    with caplog.at_level(logging.DEBUG, logger="announce"):
        outcomes, _ = run(smtp, outgoing(5))
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert "[1] pipelining" in caplog.text
    assert recorder(server).grouped == 5
    assert recorder(server).behind_body >= 3


def test_a_451_for_rcpt_inside_a_group_is_retried_and_delivered_once(server: Server) -> None:
    handler = recorder(server)
    handler.rcpt_faults = {"r2@example.org": ["451 4.7.1 greylisted"]}
    journal = Journal()
    outcomes, _ = run(target(server, concurrency=2), outgoing(10), journal=journal)
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert outcomes["r2@example.org"].attempts == 2
    assert max(handler.per_recipient().values()) == 1
    assert len(handler.per_recipient()) == 10
    assert journal.most_in_doubt() <= 2


def test_a_550_for_rcpt_inside_a_group_fails_that_one_and_the_others_go_on(
        server: Server) -> None:
    recorder(server).rcpt_faults = {"r1@example.org": ["550 5.1.1 no such user"]}
    outcomes, _ = run(target(server, concurrency=1), outgoing(4))
    failed = outcomes.pop("r1@example.org")
    assert (failed.status, failed.code, failed.error) == ("failed", 550,
                                                          "550 5.1.1 no such user")
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert len(recorder(server).per_recipient()) == 3


def test_a_554_after_a_body_fails_that_one_and_the_next_group_behind_it_goes_on(
        server: Server) -> None:
    handler = recorder(server)
    handler.data_replies = {"r1@example.org": "554 5.7.1 rejected as spam"}
    outcomes, _ = run(target(server, concurrency=1), outgoing(4))
    failed = outcomes.pop("r1@example.org")
    assert (failed.status, failed.code) == ("failed", 554)
    assert {o.status for o in outcomes.values()} == {"sent"}
    # r2's envelope went behind r1's body, and served r2 after the refusal.
    assert handler.grouped == 4
    assert handler.behind_body >= 2


@pytest.mark.parametrize("reply", [
    "251 2.0.0 queued", "2O0 2.0.0 ok", "250 2.0.0 " + "queued " * 1300, "451 4.3.0 later",
], ids=["251", "malformed", "over-8-KB", "451"])
def test_an_odd_reply_after_a_body_leaves_only_that_message_uncertain(
        server: Server, reply: str) -> None:
    handler = recorder(server)
    handler.data_replies = {"r1@example.org": reply}
    journal = Journal()
    outcomes, _ = run(target(server, concurrency=1), outgoing(5), journal=journal)
    assert outcomes.pop("r1@example.org").status == "uncertain"
    # r2's group was behind r1's body: the connection is dropped, r2 goes on a new one.
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert handler.per_recipient() == {f"r{i}@example.org": 1 for i in range(5)}
    # r1, uncertain for good, and at most the one message in flight after it.
    assert journal.most_in_doubt() <= 2


def test_a_reply_lost_inside_a_group_leaves_only_that_message_uncertain(
        server: Server) -> None:
    # r1 is stored, then the connection drops before its reply: the reply is lost, and so
    # are the replies to r2's group behind it. r2 was never claimed: it is sent again on a
    # new connection, and only r1 is uncertain.
    handler = recorder(server)
    handler.drop_after_data = {"r1@example.org"}
    journal = Journal()
    outcomes, _ = run(target(server, concurrency=1), outgoing(5), journal=journal)
    assert outcomes.pop("r1@example.org").status == "uncertain"
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert handler.per_recipient() == {f"r{i}@example.org": 1 for i in range(5)}
    claims = [c.recipient for c in journal.changes if not hasattr(c, "status")]
    assert claims.count("r2@example.org") == 1
    assert journal.most_in_doubt() <= 2


def test_a_connection_dropped_at_rcpt_inside_a_group_is_retried_without_duplicates(
        server: Server) -> None:
    handler = recorder(server)
    handler.rcpt_faults = {"r2@example.org": [DROP]}
    outcomes, _ = run(target(server, concurrency=1), outgoing(5))
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert handler.per_recipient() == {f"r{i}@example.org": 1 for i in range(5)}


def test_a_refused_sender_in_a_group_stops_the_run(servers: Servers) -> None:
    class RefuseSender(PipeliningRecorder):
        async def handle_MAIL(self, server: object, session: object, envelope: object,
                              address: str, options: list[str]) -> str:
            return "553 5.7.1 sender not allowed"

    server = servers.start(handler=RefuseSender())
    outcomes, aborted = run(target(server), outgoing(5))
    assert aborted is not None
    assert "refused the sender 'announce@example.org': 553" in aborted
    assert {o.status for o in outcomes.values()} == {"not_sent"}
    assert server.handler.count == 0


# --- the whole process, killed ----------------------------------------------------------

@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pool, "BACKOFF_BASE_SECONDS", 0.01)
    return tmp_path


@pytest.mark.slow
def test_killed_while_pipelining_leaves_at_most_one_uncertain_per_connection(
        site: Path, server: Server) -> None:
    count = 60
    config = write_site(site, server=server, subscribers=count)  # 3 connections
    handler = recorder(server)
    handler.delay = 0.03
    sender = subprocess.Popen([*ANNOUNCE, "send", "--config", str(config), "--now", NOW,
                               "--next"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while handler.count < 12:
            assert sender.poll() is None, "the sender finished before it could be killed"
            assert time.monotonic() < deadline, "the sender never got going"
            time.sleep(0.005)
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(timeout=10)
    finally:
        if sender.poll() is None:
            sender.kill()
    handler.delay = 0
    assert handler.behind_body > 0

    send(config, "--next")
    [entry] = history(config)
    failures = entry["failures"]
    assert isinstance(failures, list)
    uncertain = {f["recipient"] for f in failures if f["status"] == "uncertain"}
    assert len(uncertain) <= 3
    after = handler.per_recipient()
    everyone = {f"s{i:03d}@example.org" for i in range(count)}
    assert {r for r in everyone - uncertain if after[r] != 1} == set()
    assert max(after.values()) == 1
