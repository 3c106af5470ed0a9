"""announce through a real list server: Postfix and Mailman 3 core on 127.0.0.1.

``announce send --next`` posts to the list's address at Postfix; Postfix hands it to
Mailman's LMTP runner, Mailman sends it to every member through Postfix, and Postfix
relays it to one recording aiosmtpd, every member's mailbox (see tests/mailman/stack.py).
The lists are set up as docs/sending.md's "Sending through a mailing list" says for Mailman 3,
with the commands and REST calls behind Postorius's pages.

Needs Debian's postfix (``make system-deps``), root, and Mailman in its own virtualenv
(``make mailman-venv``, which ``make test`` builds): without them the tests skip, except
with CI=true, where they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from .conftest import REPO
from .mailman.stack import Stack, missing, wait_for
from .smtpd import Received, Server, Servers, Tls

pytestmark = pytest.mark.slow

MEMBERS = 300
DOMAIN = "lists.example.org"
SENDER = "River City Open Tech <announce@example.org>"
REPLY_TO = "organizers@example.org"
ANNOUNCE_AT = "2027-01-28T09:00"
REMINDER_AT = "2027-02-01T18:00"
EVENT = "2027/2027-02-03-observability-with-opentelemetry"
SUBJECT = "River City Open Tech: Observability with OpenTelemetry (Wed, Feb 3)"
# Seconds for a post to reach every member: Mailman's runners poll their queues each
# second, Postfix's queue manager too.
DELIVERY_TIMEOUT = 120


@pytest.fixture(scope="module")
def mailboxes(tls: Tls) -> Iterator[Server]:
    """Every member's mailbox: one recording SMTP server behind Postfix."""
    servers = Servers(tls)
    try:
        yield servers.start()
    finally:
        servers.stop()


def _add_members(stack: Stack, listname: str, domain: str, count: int) -> None:
    roster = stack.root / f"{listname}-members.txt"
    roster.write_text("".join(f"Member {i:03d} <{listname}{i:03d}@{domain}>\n"
                              for i in range(count)), encoding="utf-8")
    stack.mailman.run("addmembers", "--no-welcome-msg", str(roster), f"{listname}@{DOMAIN}")


def _let_announce_post(stack: Stack, listname: str) -> None:
    """docs/sending.md, Mailman 3, step 2: announce's From as a non-member, 'Accept immediately'
    (Postorius: Members, Non-members; these are the REST calls behind that page)."""
    member = stack.mailman.rest("POST", "members", {
        "list_id": f"{listname}.{DOMAIN}", "subscriber": "announce@example.org",
        "role": "nonmember"})
    stack.mailman.rest("PATCH", member, {"moderation_action": "accept"})


@pytest.fixture(scope="module")
def stack(mailboxes: Server) -> Iterator[Stack]:
    """Postfix and Mailman with three lists, set up as docs/sending.md says (or not):

    - ``members``: its steps, ``MEMBERS`` members;
    - ``dmarc``: the same, and DMARC mitigation "Replace From: with list address" (here
      for every post: there is no DNS to look up the sender domain's policy);
    - ``held``: created, but announce's address not let in (step 2 left out).
    """
    why = missing()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    stack = Stack(mailboxes.port)
    try:
        stack.start()
        for name in ("members", "dmarc", "held"):
            # docs/sending.md, Mailman 3, step 1: an announce-only list.
            stack.mailman.run("create", "--style-name", "legacy-announce", f"{name}@{DOMAIN}")
        _add_members(stack, "members", "members.example.net", MEMBERS)
        _add_members(stack, "dmarc", "dmarc.example.net", 3)
        _add_members(stack, "held", "held.example.net", 3)
        for name in ("members", "dmarc"):
            _let_announce_post(stack, name)
            # docs/sending.md, Mailman 3, step 3: no "[Members] " before announce's subject.
            stack.mailman.rest("PATCH", f"lists/{name}.{DOMAIN}/config", {"subject_prefix": ""})
        stack.mailman.rest("PATCH", f"lists/dmarc.{DOMAIN}/config", {
            "dmarc_mitigate_action": "munge_from", "dmarc_mitigate_unconditionally": True})
        stack.postfix.start()
        yield stack
    finally:
        stack.close()


def write_config(folder: Path, stack: Stack, listname: str) -> Path:
    """announce.toml as docs/sending.md writes it: the list's posting address,
    list_server, no list_id or unsubscribe; SMTP to the group's mail server (Postfix)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "announce.toml"
    config.write_text(f"""
[site]
name = "River City Open Tech"
url = "https://example.org"
timezone = "America/New_York"
permalink = "/events/:year/:month/:title"

[content]
events = "{REPO / 'content' / 'events'}"
locations = "{REPO / 'content' / 'locations'}"

[mail]
from = "{SENDER}"
to = ["{listname}@{DOMAIN}"]
reply_to = "{REPLY_TO}"
list_server = "mailman"

[smtp]
host = "127.0.0.1"
port = {stack.postfix.port}
security = "none"
""", encoding="utf-8")
    return config


def announce(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a process of its own, in the config's folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANNOUNCE_", "GITHUB_"))}
    return subprocess.run([sys.executable, "-m", "announce.cli", *args, "--config", str(config)],
                          capture_output=True, text=True, cwd=config.parent, env=env,
                          timeout=120, check=False)


def subject_of(result: subprocess.CompletedProcess[str]) -> str:
    [line] = [line for line in result.stdout.splitlines() if line.startswith("Subject: ")]
    return line.removeprefix("Subject: ")


def delivered(mailboxes: Server, domain: str) -> list[tuple[str, Received]]:
    """(member, message) for every copy the members at ``domain`` got."""
    with mailboxes.handler.lock:
        messages = list(mailboxes.handler.messages)
    return [(rcpt.lower(), message) for message in messages for rcpt in message.rcpt_tos
            if rcpt.lower().endswith("@" + domain)]


def settle(stack: Stack, mailboxes: Server, domain: str, expected: int) -> None:
    """Wait until ``expected`` copies reached ``domain`` and every queue is empty (so a
    duplicate would have arrived too)."""
    wait_for(f"{expected} copies to {domain}",
             lambda: len(delivered(mailboxes, domain)) >= expected and stack.settled(),
             timeout=DELIVERY_TIMEOUT, logs=stack.logs)


def parts(message: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


def test_every_member_gets_the_announcement_once_then_the_reminder(
    stack: Stack, mailboxes: Server, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "site", stack, "members")
    domain = "members.example.net"
    members = {f"members{i:03d}@{domain}" for i in range(MEMBERS)}

    # The docs' set-up says what the list must let through, before anything is sent.
    check = announce(config, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert (f"note: members@{DOMAIN} is a Mailman 3 list: it sends the post to its members "
            "only if announce@example.org may post there") in check.stdout
    dry = announce(config, "send", "--next", "--dry-run", "--now", ANNOUNCE_AT)
    assert dry.returncode == 0, dry.stderr
    assert "'Accept immediately'" in dry.stderr
    assert f"Recipients: 1 ({config}: [mail] to: members@{DOMAIN})" in dry.stdout

    first = announce(config, "send", "--next", "--now", ANNOUNCE_AT)
    assert first.returncode == 0, first.stdout + first.stderr + stack.logs()
    assert first.stdout.endswith("Summary: 1 sent, 0 failed, 0 skipped, 0 uncertain.\n")
    assert subject_of(first) == SUBJECT
    settle(stack, mailboxes, domain, MEMBERS)
    copies = delivered(mailboxes, domain)
    got = Counter(member for member, _ in copies)
    assert set(got) == members
    assert len(copies) == MEMBERS  # 0 duplicates

    message_ids = set()
    for member, received in copies:
        message = received.message()
        # The list's envelope: its bounces come back to Mailman, not to announce.
        assert received.mail_from == f"members-bounces@{DOMAIN}", member
        assert (message["From"], message["To"], message["Reply-To"]) == (
            SENDER, f"members@{DOMAIN}", REPLY_TO), member
        assert message["Subject"] == SUBJECT, member
        # One List-Id and one List-Unsubscribe, both the list's; no one-click POST that
        # would pair with the list's mailto: link.
        assert message.get_all("List-Id") == [f"<members.{DOMAIN}>"], member
        assert message.get_all("List-Unsubscribe") == [f"<mailto:members-leave@{DOMAIN}>"]
        assert message["List-Unsubscribe-Post"] is None, member
        assert message["List-Post"] == "NO"  # announce-only
        # announce's parts arrive whole, the list's footer after them.
        assert parts(message)[:5] == ["multipart/mixed", "multipart/alternative",
                                      "text/plain", "text/html", "text/calendar"], member
        message_ids.add(message["Message-ID"])
    [message_id] = message_ids
    assert message_id.endswith("@example.org>")

    # The ledger: one recipient, the list; what the list did is the list's to tell.
    history = announce(config, "history", "--json")
    assert history.returncode == 0, history.stderr
    rows = json.loads(history.stdout)
    assert [(r["kind"], r["sent"], r["failed"], r["uncertain"]) for r in rows] == [
        ("announcement", 1, 0, 0)]

    rerun = announce(config, "send", "--next", "--now", ANNOUNCE_AT)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith("Nothing due: the announcement of ")
    settle(stack, mailboxes, domain, MEMBERS)
    assert len(delivered(mailboxes, domain)) == MEMBERS

    reminder = announce(config, "send", "--next", "--now", REMINDER_AT)
    assert reminder.returncode == 0, reminder.stdout + reminder.stderr
    assert f"The reminder of “Observability with OpenTelemetry” ({EVENT})" in reminder.stdout
    settle(stack, mailboxes, domain, 2 * MEMBERS)
    copies = delivered(mailboxes, domain)
    assert len(copies) == 2 * MEMBERS
    by_member: dict[str, list[str]] = {}
    for member, received in copies:
        by_member.setdefault(member, []).append(str(received.message()["Subject"]))
    assert set(by_member) == members
    assert {tuple(subjects) for subjects in by_member.values()} == {
        (SUBJECT, subject_of(reminder))}

    again = announce(config, "send", "--next", "--now", REMINDER_AT)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Nothing due"), again.stdout
    settle(stack, mailboxes, domain, 2 * MEMBERS)
    assert len(delivered(mailboxes, domain)) == 2 * MEMBERS


def test_dmarc_mitigation_puts_the_list_in_from_and_keeps_reply_to(
    stack: Stack, mailboxes: Server, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "site", stack, "dmarc")
    sent = announce(config, "send", "--next", "--now", ANNOUNCE_AT)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    settle(stack, mailboxes, "dmarc.example.net", 3)
    copies = delivered(mailboxes, "dmarc.example.net")
    assert len(copies) == 3
    for member, received in copies:
        message = received.message()
        assert message["From"] == f"River City Open Tech via Dmarc <dmarc@{DOMAIN}>", member
        # The reply still reaches the organizers; Mailman adds the original sender after.
        assert message["Reply-To"] == f"{REPLY_TO}, {SENDER}", member
        assert message["Subject"] == SUBJECT


def test_a_list_that_does_not_know_the_sender_holds_the_post(
    stack: Stack, mailboxes: Server, tmp_path: Path
) -> None:
    """What step 2 of docs/sending.md prevents: the server takes the post, announce's ledger
    says sent, and no member gets it until a moderator approves it."""
    config = write_config(tmp_path / "site", stack, "held")
    sent = announce(config, "send", "--next", "--now", ANNOUNCE_AT)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert sent.stdout.endswith("Summary: 1 sent, 0 failed, 0 skipped, 0 uncertain.\n")
    held = f"lists/held.{DOMAIN}/held"
    wait_for("the post held for moderation",
             lambda: stack.mailman.rest("GET", held)["total_size"] == 1 and stack.settled(),
             timeout=DELIVERY_TIMEOUT)
    [request] = stack.mailman.rest("GET", held)["entries"]
    assert request["subject"] == SUBJECT
    assert request["reason"] == "The message is not from a list member"
    assert delivered(mailboxes, "held.example.net") == []
