"""Messages shared by several recipients ([mail] batch_recipients, announce/shared.py),
against a real aiosmtpd server, with and without PIPELINING.

What a user would notice: N subscribers get one message with N RCPTs, To: no one by name;
each still has a ledger row, so a rerun sends nothing; a refused address fails alone; a
fault while a shared message goes out leaves all of its recipients uncertain, never sent
again unless asked, and then as one message again under the same Message-ID.
"""

from __future__ import annotations

import mailbox
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .smtpd import PipeliningRecorder, Server, Servers
from .test_exactly_once import everyone, uncertain_of
from .test_send import ANNOUNCE, NOW, send, write_site


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(params=["lock-step", "pipelining"])
def server(request: pytest.FixtureRequest, servers: Servers) -> Server:
    """aiosmtpd as it is (no PIPELINING), and advertising PIPELINING."""
    return servers.start(handler=PipeliningRecorder() if request.param == "pipelining"
                         else None)


def shared_site(site: Path, server: Server | None, subscribers: int, size: int = 3) -> Path:
    config = write_site(site, server=server, subscribers=subscribers)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('recipients = "subscribers.csv"',
                                   f'recipients = "subscribers.csv"\nbatch_recipients = {size}'),
                      encoding="utf-8")
    return config


def test_recipients_share_messages_and_a_rerun_sends_nothing(
        site: Path, server: Server) -> None:
    config = shared_site(site, server, subscribers=7)
    first = send(config, "--next")
    assert first.exit_code == 0, first.output
    assert "Summary: 7 sent, 0 failed, 0 skipped, 0 uncertain." in first.stdout.splitlines()
    messages = server.handler.messages
    assert sorted(len(m.rcpt_tos) for m in messages) == [1, 3, 3]
    assert server.handler.per_recipient() == {r: 1 for r in everyone(7)}
    for received in messages:
        mail = received.message()
        assert mail["To"] == "undisclosed-recipients:;"  # no one sees the others
        assert "s00" not in received.data.decode("utf-8", "replace").split("\r\n\r\n")[0]
    rerun = send(config, "--next")
    assert rerun.stdout.startswith("Nothing due: the announcement of "), rerun.output
    assert len(server.handler.messages) == 3


def test_an_address_refused_inside_a_shared_message_fails_alone(
        site: Path, server: Server) -> None:
    config = shared_site(site, server, subscribers=6)
    server.handler.rcpt_faults = {"s001@example.org": ["550 5.1.1 no such user"]}
    first = send(config, "--next")
    assert first.exit_code == 3, first.output
    assert "Summary: 5 sent, 1 failed, 0 skipped, 0 uncertain." in first.stdout.splitlines()
    assert "  failed: s001@example.org: 550 5.1.1 no such user" in first.stdout.splitlines()
    assert server.handler.per_recipient() == {r: 1 for r in everyone(6) - {"s001@example.org"}}
    rerun = send(config, "--next")  # a 5xx is for good: not asked again
    assert rerun.stdout.startswith("Nothing due: the announcement of "), rerun.output
    assert len(server.handler.messages) == 2


def test_a_fault_inside_a_shared_message_leaves_all_of_it_uncertain_never_resent(
        site: Path, server: Server) -> None:
    config = shared_site(site, server, subscribers=9)
    # The second message is stored, then the connection drops before its reply.
    server.handler.drop_after_data = {"s004@example.org"}
    first = send(config, "--next")
    assert first.exit_code == 3, first.output
    assert "Summary: 6 sent, 0 failed, 0 skipped, 3 uncertain." in first.stdout.splitlines()
    assert uncertain_of(config) == {"s003@example.org", "s004@example.org", "s005@example.org"}
    [dropped] = [m for m in server.handler.messages if "s004@example.org" in m.rcpt_tos]
    message_id = dropped.message()["Message-ID"]

    rerun = send(config, "--next")
    assert "Summary: 0 sent, 0 failed, 6 skipped, 3 uncertain." in rerun.stdout.splitlines()
    assert len(server.handler.messages) == 3  # never sent again silently

    resent = send(config, "--next", "--resend-uncertain")
    assert "Summary: 3 sent, 0 failed, 6 skipped, 0 uncertain." in resent.stdout.splitlines()
    again = server.handler.messages[-1]
    assert sorted(again.rcpt_tos) == ["s003@example.org", "s004@example.org",
                                      "s005@example.org"]
    assert again.message()["Message-ID"] == message_id  # one message, as far as clients see
    assert uncertain_of(config) == set()


def test_a_shared_message_goes_to_the_list_address_when_there_is_one(
        site: Path, smtp_server: Server) -> None:
    config = write_site(site, server=smtp_server, to="members@example.org")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('to = ["members@example.org"]',
                                   'to = ["members@example.org"]\nbatch_recipients = 50'),
                      encoding="utf-8")
    assert send(config, "--next").exit_code == 0
    [received] = smtp_server.handler.messages
    assert received.message()["To"] == "members@example.org"


def test_the_outbox_writes_a_shared_message_once(site: Path) -> None:
    config = shared_site(site, None, subscribers=5, size=5)
    result = send(config, "--next")
    assert "Summary: 5 sent, 0 failed, 0 skipped, 0 uncertain." in result.stdout.splitlines()
    [message] = list(mailbox.Maildir(site / "outbox", create=False))
    assert message["To"] == "undisclosed-recipients:;"


def test_batch_recipients_out_of_range_is_refused_with_its_key(site: Path) -> None:
    config = shared_site(site, None, subscribers=2, size=0)
    result = send(config, "--next")
    assert result.exit_code == 1
    assert "[mail] batch_recipients: 0 is out of range" in result.output


@pytest.mark.slow
def test_killed_while_sending_shared_messages_leaves_at_most_one_per_connection_uncertain(
        site: Path, servers: Servers) -> None:
    handler = PipeliningRecorder()
    server = servers.start(handler=handler)
    count, size = 90, 3
    config = shared_site(site, server, subscribers=count, size=size)  # 3 connections
    handler.delay = 0.03
    sender = subprocess.Popen([*ANNOUNCE, "send", "--config", str(config), "--now", NOW,
                               "--next"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while handler.count < 8:
            assert sender.poll() is None, "the sender finished before it could be killed"
            assert time.monotonic() < deadline, "the sender never got going"
            time.sleep(0.005)
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(timeout=10)
    finally:
        if sender.poll() is None:
            sender.kill()
    handler.delay = 0

    send(config, "--next")
    uncertain = uncertain_of(config)
    assert len(uncertain) <= 3 * size  # one shared message per connection
    after = handler.per_recipient()
    assert {r for r in everyone(count) - uncertain if after[r] != 1} == set()
    assert max(after.values()) == 1
