"""``announce send`` and ``announce history`` end to end: the outbox, a real SMTP server
(aiosmtpd on 127.0.0.1), faults injected in its handler, a killed sender and its rerun."""

from __future__ import annotations

import email.policy
import json
import mailbox
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from announce.cli import cli
from announce.config import load_settings
from announce.delivery import pool
from announce.errors import ConfigError
from announce.ledger import run_lock
from announce.paths import display_path
from announce.recipients import load_recipients

from .conftest import REPO
from .smtpd import DROP, PASSWORD, USER, Server, Servers, Tls

NOW = "2027-01-28T09:00"
EVENT = "2027/2027-02-03-observability-with-opentelemetry"
NAME = f"“Observability with OpenTelemetry” ({EVENT})"
SUBJECT = "River City Open Tech: Observability with OpenTelemetry (Wed, Feb 3)"
ANNOUNCE = [sys.executable, "-m", "announce.cli"]


def write_site(folder: Path, *, server: Server | None = None, subscribers: int = 0,
               rows: Sequence[str] = (), smtp: str = "", to: str = "members@example.org") -> Path:
    """An announce.toml over the sample season, sending to ``server`` or into the outbox."""
    folder.mkdir(parents=True, exist_ok=True)
    if subscribers or rows:
        lines = ["email,name", *rows]
        lines += [f"s{i:03d}@example.org,Subscriber {i}" for i in range(subscribers)]
        (folder / "subscribers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        audience = 'recipients = "subscribers.csv"'
    else:
        audience = f'to = ["{to}"]'
    section = ""
    if server is not None:
        section = (f'[smtp]\nhost = "{server.host}"\nport = {server.port}\nsecurity = "none"\n'
                   f"concurrency = 3\nmax_attempts = 3\n{smtp}")
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
types = ["meeting", "lunch"]

[mail]
from = "River City Open Tech <announce@example.org>"
{audience}

{section}
""", encoding="utf-8")
    return config


def announce(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def send(config: Path, *args: str, now: str = NOW) -> Result:
    return announce("send", "--config", str(config), "--now", now, *args)


def history(config: Path) -> list[dict[str, object]]:
    result = announce("history", "--config", str(config), "--json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries after milliseconds, not seconds: the same code path, quicker."""
    monkeypatch.setattr(pool, "BACKOFF_BASE_SECONDS", 0.01)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder to run in: paths print relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- the outbox ------------------------------------------------------------------------

def test_outbox_demo_sends_once_then_says_what_is_next(site: Path) -> None:
    config = write_site(site)
    first = send(config, "--next")
    assert first.exit_code == 0, first.output
    box = mailbox.Maildir(site / "outbox", create=False)
    [(key, message)] = box.items()
    assert first.stdout == "\n".join([
        f"The announcement of {NAME}, via the outbox folder outbox/ (Maildir):",
        f"Subject: {SUBJECT}",
        "Summary: 1 sent, 0 failed, 0 skipped, 0 uncertain.",
        "Written to the outbox outbox/ (a Maildir):",
        f"  outbox/new/{key}",
        "Open it with any mail client that reads Maildir (e.g. 'mutt -f outbox'), or read the "
        "file: it is the message as sent.",
    ]) + "\n"
    assert message["Subject"] == SUBJECT
    assert message["To"] == "members@example.org"
    assert message["Message-ID"].endswith("@example.org>")
    assert b"\r\n" not in (site / "outbox" / "new" / key).read_bytes()  # Maildir: LF

    again = send(config, "--next")
    assert (again.exit_code, again.stdout) == (0, (
        f"Nothing due: the announcement of {NAME} went out Thu 2027-01-28 09:00 EST; "
        "the reminder is due Mon 2027-02-01 18:00 EST.\n"))
    assert len(box) == 1

    # The due rules read the ledger: `list` no longer shows the announcement as due.
    listed = announce("list", "--config", str(config), "--now", NOW)
    assert "[due:" not in listed.stdout


def test_dry_run_renders_and_writes_nothing(site: Path) -> None:
    config = write_site(site)
    result = send(config, "--next", "--dry-run")
    assert (result.exit_code, result.stdout) == (0, "\n".join([
        "Dry run: nothing sent, nothing written.",
        f"Event:      {EVENT} — Observability with OpenTelemetry, Wed 2027-02-03 18:00 EST",
        "Kind:       announcement",
        f"Subject:    {SUBJECT}",
        f"Recipients: 1 ({config}: [mail] to: members@example.org)",
        "Transport:  the outbox folder outbox/ (Maildir)",
    ]) + "\n")
    assert sorted(p.name for p in site.iterdir()) == ["announce.toml"]


def test_nothing_due_says_when_the_next_message_is(site: Path) -> None:
    config = write_site(site)
    early = send(config, "--next", now="2027-01-10T09:00")
    assert (early.exit_code, early.stdout) == (0, (
        "Nothing due. Next: the announcement of “River City Open Tech Lunch” "
        "(2027/2027-01-21-lunch), due Mon 2027-01-11 12:00 EST.\n"))
    late = send(config, "--next", now="2028-01-01")
    assert (late.exit_code, late.stdout) == (0, "Nothing due: there is no upcoming event.\n")
    assert not (site / ".announce" / "ledger.sqlite3").exists()


def test_usage_errors_exit_2(site: Path) -> None:
    config = write_site(site)
    neither = send(config)
    assert neither.exit_code == 2
    assert "Error: give either --next or one or more EVENTs" in neither.stderr
    force = send(config, "--next", "--force")
    assert force.exit_code == 2
    assert "Error: --force needs --kind: which message should go out?" in force.stderr


def test_a_kind_not_due_needs_force_and_force_sends_it(site: Path) -> None:
    config = write_site(site)
    refused = send(config, EVENT, "--kind", "reminder")
    assert (refused.exit_code, refused.stdout) == (
        0, f"The reminder of {NAME} is not due; --force sends it anyway.\n")
    forced = send(config, EVENT, "--kind", "reminder", "--force")
    assert forced.exit_code == 0
    assert "Summary: 1 sent, 0 failed, 0 skipped, 0 uncertain." in forced.stdout
    # --force does not override the ledger: the one recipient already has it.
    again = send(config, EVENT, "--kind", "reminder", "--force")
    assert "Summary: 0 sent, 0 failed, 1 skipped, 0 uncertain." in again.stdout
    resent = send(config, EVENT, "--kind", "reminder", "--force", "--resend")
    assert "Summary: 1 sent, 0 failed, 0 skipped, 0 uncertain." in resent.stdout
    assert len(mailbox.Maildir(site / "outbox", create=False)) == 2


def test_a_second_run_at_the_same_time_is_refused(site: Path) -> None:
    config = write_site(site)
    ledger = site / ".announce" / "ledger.sqlite3"
    with run_lock(ledger):
        result = send(config, "--next")
    assert result.exit_code == 1
    assert result.stderr == (f"announce: error: {ledger}: another 'announce send' is running "
                             f"with this ledger (pid {os.getpid()}); let it finish, then run "
                             "again\n")
    assert not (site / "outbox").exists()


# --- recipients ------------------------------------------------------------------------

def test_subscribers_each_get_their_own_copy_and_bad_rows_are_skipped(
        site: Path, smtp_server: Server) -> None:
    rows = ["Ada@Example.org,Ada Lovelace", "not-an-address,Nobody", "ada@example.org,Ada again",
            ",Empty", "bob@example.org,\"Bob \nBobson\""]
    config = write_site(site, server=smtp_server, rows=rows, subscribers=12)
    result = send(config, "--next")
    assert result.exit_code == 0, result.output
    assert result.stderr == "".join([
        "announce: warning: subscribers.csv:3: email: 'not-an-address' is not a valid "
        "address (skipped)\n",
        "announce: warning: subscribers.csv:4: email: 'ada@example.org' is a duplicate of "
        "line 2 (skipped)\n",
        "announce: warning: subscribers.csv:5: email: empty (skipped)\n",
    ])
    # Skipped: the three entries reported above.
    assert "Summary: 14 sent, 0 failed, 3 skipped, 0 uncertain." in result.stdout
    handler = smtp_server.handler
    assert handler.per_recipient() == {
        "ada@example.org": 1, "bob@example.org": 1,
        **{f"s{i:03d}@example.org": 1 for i in range(12)}}
    to = {m.rcpt_tos[0]: m.message() for m in handler.messages}
    assert to["Ada@Example.org"]["To"] == "Ada Lovelace <Ada@Example.org>"
    assert to["bob@example.org"]["To"] == "Bob Bobson <bob@example.org>"
    assert len({m["Message-ID"] for m in to.values()}) == 14
    for received in handler.messages:  # CRLF on the wire, and no bare LF
        assert received.data.count(b"\n") == received.data.count(b"\r\n")


def test_a_name_in_the_csv_cannot_add_an_address_to_the_to_header(site: Path) -> None:
    names = {
        "zoe@example.org": ('"Zoë, ""x"" <evil@example.net>"', 'Zoë, "x" <evil@example.net>'),
        "jo@example.org": ('"Jo, Ünal, cc@example.net"', "Jo, Ünal, cc@example.net"),
        "al@example.org": ('"Al \x1b[31mRed\x00 \x7fBot"', "Al [31mRed Bot"),
        # A name the email package will not write: the mail goes to the bare address.
        "li@example.org": ('"=?utf-8?q?Li?= (x) Wu; Bcc: b@example.net"', ""),
    }
    config = write_site(site, rows=[f"{a},{cell}" for a, (cell, _) in names.items()])
    result = send(config, "--next")
    assert result.exit_code == 0, result.output
    assert "Summary: 4 sent, 0 failed, 0 skipped, 0 uncertain." in result.stdout
    box = mailbox.Maildir(site / "outbox", create=False)
    received = {}
    for key in box.iterkeys():
        parsed = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
        received[parsed["To"].addresses[0].addr_spec] = parsed
    assert set(received) == set(names)
    for address, (_, name) in names.items():
        [to] = received[address]["To"].addresses  # one address: the subscriber's own
        assert (to.addr_spec, to.display_name) == (address, name)
        assert received[address].get_all("Cc") is None
        assert received[address].get_all("Bcc") is None


def test_on_a_runner_the_step_summary_counts_as_the_output_does(
        site: Path, smtp_server: Server) -> None:
    rows = ["ada@example.org,Ada", "ADA@example.org,Ada again", "bob@example.org,Bob"]
    config = write_site(site, server=smtp_server, rows=rows)
    smtp_server.handler.rcpt_faults = {"bob@example.org": ["550 5.1.1 no such user"]}
    summary = site / "summary.md"
    result = announce("send", "--config", str(config), "--now", NOW, "--next",
                      env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 3
    counts = "1 sent, 1 failed, 1 skipped, 0 uncertain"
    assert f"Summary: {counts}." in result.stdout.splitlines()
    assert f"- **Recipients:** {counts} (subscribers in subscribers.csv)" in \
        summary.read_text(encoding="utf-8").splitlines()


def test_recipients_config_problems_are_errors_with_their_place(site: Path) -> None:
    (site / "people.csv").write_text("mail,name\nx@example.org,X\n", encoding="utf-8")
    config = site / "announce.toml"
    config.write_text('[mail]\nrecipients = "people.csv"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_recipients(load_settings(config)).scan()
    assert str(caught.value) == ("people.csv:1: no 'email' column (columns: 'mail', 'name'); "
                                 "the first row names the columns: email and, optionally, name")
    config.write_text('[mail]\nto = "a@example.org"\nrecipients = "people.csv"\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError, match=r"set one of 'to' \(list addresses\), 'recipients'"):
        load_recipients(load_settings(config))


# --- SMTP: faults, exit codes, reruns ---------------------------------------------------

def test_451_is_retried_and_each_recipient_gets_one_copy(site: Path, smtp_server: Server) -> None:
    config = write_site(site, server=smtp_server, subscribers=10)
    smtp_server.handler.rcpt_faults = {"s002@example.org": ["451 4.7.1 greylisted"],
                                       "s007@example.org": ["451 4.3.0 busy"] * 2}
    result = send(config, "--next")
    assert result.exit_code == 0, result.output
    assert "Summary: 10 sent, 0 failed, 0 skipped, 0 uncertain." in result.stdout
    assert set(smtp_server.handler.per_recipient().values()) == {1}
    assert len(smtp_server.handler.per_recipient()) == 10


def test_550_for_one_exits_3_the_rest_delivered_and_force_retries_it(
        site: Path, smtp_server: Server) -> None:
    config = write_site(site, server=smtp_server, subscribers=6)
    smtp_server.handler.rcpt_faults = {"s003@example.org": ["550 5.1.1 no such user"]}
    result = send(config, "--next")
    assert result.exit_code == 3
    assert result.stdout == "\n".join([
        f"The announcement of {NAME}, via SMTP 127.0.0.1:{smtp_server.port} (unencrypted):",
        f"Subject: {SUBJECT}",
        "  failed: s003@example.org: 550 5.1.1 no such user",
        "Summary: 5 sent, 1 failed, 0 skipped, 0 uncertain.",
        "A rerun tries the temporary failures again; "
        f"'announce send {EVENT} --kind announcement --force' retries all.",
    ]) + "\n"
    assert sorted(smtp_server.handler.per_recipient()) == [
        f"s00{i}@example.org" for i in (0, 1, 2, 4, 5)]
    [entry] = history(config)
    assert (entry["sent"], entry["failed"], entry["uncertain"]) == (5, 1, 0)
    assert entry["failures"] == [{"recipient": "s003@example.org", "status": "failed",
                                  "code": 550, "error": "550 5.1.1 no such user",
                                  "attempts": 1}]

    # A permanent refusal does not hold the announcement open: nothing is due now...
    rerun = send(config, "--next")
    assert rerun.exit_code == 0
    assert rerun.stdout.startswith("Nothing due: the announcement of")
    # ...and --force tries the refused one again, and only that one.
    forced = send(config, EVENT, "--kind", "announcement", "--force")
    assert forced.exit_code == 0
    assert "Summary: 1 sent, 0 failed, 5 skipped, 0 uncertain." in forced.stdout
    assert smtp_server.handler.per_recipient() == {f"s00{i}@example.org": 1 for i in range(6)}


def test_temporary_failures_that_outlast_the_retries_are_resumed_by_a_rerun(
        site: Path, smtp_server: Server) -> None:
    config = write_site(site, server=smtp_server, subscribers=5)
    smtp_server.handler.rcpt_faults = {"s001@example.org": ["452 4.2.2 mailbox full"] * 3}
    first = send(config, "--next")
    assert first.exit_code == 3
    assert ("  failed: s001@example.org: 452 4.2.2 mailbox full (gave up after 3 attempts)"
            in first.stdout.splitlines())
    rerun = send(config, "--next")
    assert rerun.exit_code == 0, rerun.output
    assert "Summary: 1 sent, 0 failed, 4 skipped, 0 uncertain." in rerun.stdout
    assert smtp_server.handler.per_recipient() == {f"s00{i}@example.org": 1 for i in range(5)}


def test_a_rerun_leaves_recipients_refused_for_good_alone(
        site: Path, smtp_server: Server) -> None:
    config = write_site(site, server=smtp_server, subscribers=4)
    smtp_server.handler.rcpt_faults = {"s001@example.org": ["452 4.2.2 mailbox full"] * 3,
                                       "s002@example.org": ["550 5.1.1 no such user"] * 9}
    assert send(config, "--next").exit_code == 3
    rerun = send(config, "--next")
    assert rerun.exit_code == 0, rerun.output
    assert "Summary: 1 sent, 0 failed, 2 skipped, 0 uncertain, 1 refused earlier." in \
        rerun.stdout.splitlines()
    assert smtp_server.handler.per_recipient() == {
        "s000@example.org": 1, "s001@example.org": 1, "s003@example.org": 1}
    # A rejected RCPT is tried once per run that asks: the first run, and no other.
    assert smtp_server.handler.rcpt_faults["s002@example.org"] == ["550 5.1.1 no such user"] * 8


def test_one_mailbox_full_all_week_does_not_hold_back_the_reminder(
        site: Path, smtp_server: Server) -> None:
    config = write_site(site, server=smtp_server, subscribers=5)
    smtp_server.handler.rcpt_faults = {"s001@example.org": ["452 4.2.2 mailbox full"] * 99}
    assert send(config, "--next").exit_code == 3  # the announcement, all but s001
    # The next day the announcement is resumed (for s001, who is still full)...
    resumed = send(config, "--next", now="2027-01-29T09:00")
    assert "The announcement of" in resumed.stdout
    assert "Summary: 0 sent, 1 failed, 4 skipped, 0 uncertain." in resumed.stdout
    # ...but on the reminder's day, the reminder goes out to everyone.
    reminder = send(config, "--next", now="2027-02-02T09:00")
    assert reminder.stdout.startswith(f"The reminder of {NAME}"), reminder.stdout
    assert "Summary: 4 sent, 1 failed, 0 skipped, 0 uncertain." in reminder.stdout
    subjects = [m.message()["Subject"] for m in smtp_server.handler.messages]
    assert subjects.count(
        "River City Open Tech reminder: Observability with OpenTelemetry is tomorrow") == 4


def test_dropped_connection_mid_run_finishes_without_duplicates(
        site: Path, smtp_server: Server) -> None:
    config = write_site(site, server=smtp_server, subscribers=20)
    smtp_server.handler.rcpt_faults = {"s005@example.org": [DROP], "s013@example.org": [DROP]}
    result = send(config, "--next")
    assert result.exit_code == 0, result.output
    assert "Summary: 20 sent, 0 failed, 0 skipped, 0 uncertain." in result.stdout
    assert smtp_server.handler.per_recipient() == {f"s{i:03d}@example.org": 1 for i in range(20)}


def test_lost_after_the_final_dot_is_uncertain_until_resent_on_purpose(
        site: Path, smtp_server: Server) -> None:
    config = write_site(site, server=smtp_server, subscribers=4)
    smtp_server.handler.drop_after_data = {"s002@example.org"}
    first = send(config, "--next")
    assert first.exit_code == 3
    assert ("  uncertain: s002@example.org (connection lost after the message was handed over; "
            "it may have been delivered)") in first.stdout.splitlines()
    assert "Summary: 3 sent, 0 failed, 0 skipped, 1 uncertain." in first.stdout
    rerun = send(config, "--next")
    assert rerun.exit_code == 3
    assert "  uncertain: s002@example.org" in rerun.stdout.splitlines()
    assert "Summary: 0 sent, 0 failed, 3 skipped, 1 uncertain." in rerun.stdout
    assert (f"'announce send {EVENT} --kind announcement --resend-uncertain'"
            in rerun.stdout)
    resent = send(config, EVENT, "--kind", "announcement", "--resend-uncertain")
    assert resent.exit_code == 0
    assert "Summary: 1 sent, 0 failed, 3 skipped, 0 uncertain." in resent.stdout
    copies = [m.message() for m in smtp_server.handler.messages if m.rcpt_tos == [
        "s002@example.org"]]
    # Sent twice on purpose, as the same message: a client can tell the copies are one.
    assert len(copies) == 2
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"]


def test_starttls_and_login_with_the_password_from_the_environment(
        site: Path, servers: Servers, tls: Tls) -> None:
    server = servers.start(starttls=True, auth=True)
    config = write_site(site, server=server, subscribers=3,
                        smtp=f'username = "{USER}"\npassword_env = "TEST_SMTP_PW"\n')
    config.write_text(config.read_text().replace('security = "none"', 'security = "starttls"'))
    env = {"TEST_SMTP_PW": PASSWORD, "SSL_CERT_FILE": str(tls.ca_file)}
    result = announce("send", "--config", str(config), "--now", NOW, "--next", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"The announcement of {NAME}, via SMTP 127.0.0.1:{server.port} (STARTTLS, as announce):")
    assert server.handler.count == 3
    assert PASSWORD not in result.output

    wrong = {**env, "TEST_SMTP_PW": "not-the-password"}
    refused = announce("send", "--config", str(config), "--now", NOW, EVENT, "--kind",
                       "reminder", "--force", env=wrong)
    assert (refused.exit_code, refused.stderr) == (1, (
        f"announce: error: 127.0.0.1:{server.port}: login as 'announce' refused: 535 5.7.8 "
        "Authentication credentials invalid\n"))
    assert [e["kind"] for e in history(config)] == ["announcement"]  # nothing claimed


def test_an_untrusted_certificate_stops_the_run(site: Path, servers: Servers) -> None:
    server = servers.start(starttls=True)
    config = write_site(site, server=server, subscribers=2)
    config.write_text(config.read_text().replace('security = "none"', 'security = "starttls"'))
    result = send(config, "--next")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"announce: error: 127.0.0.1:{server.port}: cannot connect: the server's certificate "
        "is not trusted: ")
    assert server.handler.count == 0
    assert history(config) == []


@pytest.mark.slow
def test_verbose_shows_the_conversation_without_the_password(
        site: Path, servers: Servers) -> None:
    server = servers.start(auth=True, auth_require_tls=False)  # login in the clear, to 127.0.0.1
    config = write_site(site, server=server, smtp=f'username = "{USER}"\n')
    env = {**os.environ, "ANNOUNCE_SMTP_PASSWORD": PASSWORD}
    done = subprocess.run([*ANNOUNCE, "-v", "send", "--config", str(config), "--now", NOW,
                           "--next"], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "C: AUTH PLAIN as announce (credentials not shown)" in done.stderr
    assert "C: RCPT TO:<members@example.org>" in done.stderr
    assert PASSWORD not in done.stderr + done.stdout


def test_history_without_a_ledger(site: Path) -> None:
    config = write_site(site)
    result = announce("history", "--config", str(config))
    assert (result.exit_code, result.stdout) == (
        0, f"Nothing sent yet (no ledger records in {site / '.announce' / 'ledger.sqlite3'}).\n")


def test_history_lists_what_went_out(site: Path, smtp_server: Server) -> None:
    config = write_site(site, server=smtp_server, subscribers=3)
    smtp_server.handler.rcpt_faults = {"s001@example.org": ["550 5.1.1 no such user"]}
    send(config, "--next")
    result = announce("history", "--config", str(config))
    assert result.stdout == (
        f"2027-01-28 09:00 EST  announcement  {EVENT}  2 sent, 1 failed  via "
        f"smtp://127.0.0.1:{smtp_server.port}\n"
        f"    Subject: {SUBJECT}\n"
        "    failed: s001@example.org: 550 5.1.1 no such user\n")


# --- a sender killed mid-run -----------------------------------------------------------

@pytest.mark.slow
def test_killed_mid_run_then_rerun_sends_everyone_exactly_once_but_the_uncertain(
        site: Path, smtp_server: Server) -> None:
    count = 60
    config = write_site(site, server=smtp_server, subscribers=count)
    handler = smtp_server.handler
    handler.delay = 0.03  # slow enough to be killed in the middle
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
    before = handler.per_recipient()
    assert 12 <= sum(before.values()) < count

    rerun = send(config, "--next")
    [entry] = history(config)
    failures = entry["failures"]
    assert isinstance(failures, list)
    uncertain = {f["recipient"] for f in failures if f["status"] == "uncertain"}
    # At most the messages in flight when it was killed: one per connection (3).
    assert len(uncertain) <= 3
    assert rerun.exit_code == (3 if uncertain else 0), rerun.output
    after = handler.per_recipient()
    everyone = {f"s{i:03d}@example.org" for i in range(count)}
    # Exactly once for everyone the ledger is sure about; never twice for anyone.
    assert {r for r in everyone - uncertain if after[r] != 1} == set()
    assert max(after.values()) == 1
    assert entry["sent"] == count - len(uncertain)

    resent = send(config, EVENT, "--kind", "announcement", "--resend-uncertain")
    assert resent.exit_code == 0, resent.output
    final = handler.per_recipient()
    assert set(final) == everyone
    assert {r for r in everyone - uncertain if final[r] != 1} == set()


def test_a_missing_password_is_an_error_before_anything_happens(
        site: Path, smtp_server: Server) -> None:
    config = write_site(site, server=smtp_server, smtp='username = "announce"\n')
    result = announce("send", "--config", str(config), "--now", NOW, "--next",
                      env={"ANNOUNCE_SMTP_PASSWORD": ""})
    assert (result.exit_code, result.stderr) == (1, (
        f"announce: error: {display_path(config)}: [smtp] password_env: the environment variable "
        "ANNOUNCE_SMTP_PASSWORD is not set; it must hold the password of 'announce'\n"))
    assert smtp_server.handler.count == 0
    assert not (site / ".announce").exists()


def test_a_refused_sender_stops_the_run_with_exit_1(site: Path, servers: Servers) -> None:
    class RefuseSender:
        async def handle_MAIL(self, server: object, session: object, envelope: object,
                              address: str, options: list[str]) -> str:
            return "553 5.7.1 sender not allowed"

    server = servers.start(handler=RefuseSender())  # type: ignore[arg-type]
    config = write_site(site, server=server, subscribers=5)
    result = send(config, "--next")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "Summary: 0 sent, 0 failed, 0 skipped, 0 uncertain, 5 not sent." in lines
    assert ("Stopped early: 127.0.0.1 refused the sender 'announce@example.org': 553 5.7.1 "
            "sender not allowed (check [mail] from)") in lines
    # Nobody is uncertain: a rerun (once [mail] from is fixed) sends to all five.
    [entry] = history(config)
    assert (entry["sent"], entry["uncertain"]) == (0, 0)
    fixed = servers.start()
    config.write_text(config.read_text().replace(f"port = {server.port}", f"port = {fixed.port}"))
    rerun = send(config, "--next")
    assert "Summary: 5 sent, 0 failed, 0 skipped, 0 uncertain." in rerun.stdout.splitlines()
    assert fixed.handler.per_recipient() == {f"s{i:03d}@example.org": 1 for i in range(5)}
