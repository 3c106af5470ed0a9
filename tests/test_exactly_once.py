"""Exactly once under the faults a careful operator meets: odd replies after the final dot,
SIGTERM and Ctrl-C, SIGKILL, a ledger that cannot be written. Real parts throughout: an
aiosmtpd server with a fault handler, real signals, a real subprocess, real write errors
from the kernel (a file-size limit, a full or read-only tmpfs where the machine allows)."""

from __future__ import annotations

import contextlib
import os
import re
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from announce.delivery import pool

from .smtpd import Server, Servers
from .test_send import ANNOUNCE, EVENT, NOW, announce, history, send, write_site

LEDGER = Path(".announce") / "ledger.sqlite3"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "BACKOFF_BASE_SECONDS", 0.01)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def everyone(count: int) -> set[str]:
    return {f"s{i:03d}@example.org" for i in range(count)}


def uncertain_of(config: Path) -> set[str]:
    [entry] = [e for e in history(config) if e["kind"] == "announcement"]
    failures = entry["failures"]
    assert isinstance(failures, list)
    return {f["recipient"] for f in failures if f["status"] == "uncertain"}


# --- replies after the final dot -------------------------------------------------------

@pytest.mark.parametrize("reply", [
    "251 2.0.0 queued",                    # a 2xx that is not 250
    "2O0 2.0.0 ok",                        # a malformed code
    "250 2.0.0 " + "queued " * 1300,       # a reply over 8 KB
    "451 4.3.0 try again later",           # a temporary refusal, once the bytes are out
], ids=["251", "malformed", "over-8-KB", "451"])
def test_an_odd_reply_after_the_final_dot_is_uncertain_and_never_sent_twice(
        site: Path, smtp_server: Server, reply: str) -> None:
    config = write_site(site, server=smtp_server, subscribers=4)
    smtp_server.handler.data_replies = {"s002@example.org": reply}
    first = send(config, "--next")
    assert first.exit_code == 3, first.output
    assert "Summary: 3 sent, 0 failed, 0 skipped, 1 uncertain." in first.stdout.splitlines()
    [line] = [x for x in first.stdout.splitlines() if x.startswith("  uncertain: ")]
    assert line.startswith("  uncertain: s002@example.org (")
    assert line.endswith("; it may have been delivered)")
    assert len(line) < 200  # the reply is shown short, not 8 KB of it
    rerun = send(config, "--next")
    assert "Summary: 0 sent, 0 failed, 3 skipped, 1 uncertain." in rerun.stdout.splitlines()
    # The server kept the message once; announce never handed it over a second time.
    assert smtp_server.handler.per_recipient() == {r: 1 for r in everyone(4)}


def test_a_size_refusal_at_mail_from_says_the_message_is_too_big(
        site: Path, servers: Servers) -> None:
    class TooBig:
        async def handle_MAIL(self, server: object, session: object, envelope: object,
                              address: str, options: list[str]) -> str:
            return "552 5.3.4 Message size exceeds fixed limit"

    server = servers.start(handler=TooBig())  # type: ignore[arg-type]
    config = write_site(site, server=server, subscribers=3)
    result = send(config, "--next")
    assert result.exit_code == 1
    [stopped] = [x for x in result.stdout.splitlines() if x.startswith("Stopped early: ")]
    assert stopped.startswith("Stopped early: 127.0.0.1 refuses a message of ")
    assert stopped.endswith(": 552 5.3.4 Message size exceeds fixed limit (make the talk's "
                            "text or images smaller)")
    assert "sender" not in stopped


# --- signals ---------------------------------------------------------------------------

def start_sender(config: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*ANNOUNCE, "send", "--config", str(config), "--now", NOW,
                             "--next", *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(condition: object, sender: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():  # type: ignore[operator]
        assert sender.poll() is None, f"the sender finished before {what}"
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.005)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_stops_the_run_with_a_summary_and_nothing_left_uncertain(
        site: Path, smtp_server: Server, sig: signal.Signals) -> None:
    count = 40
    config = write_site(site, server=smtp_server, subscribers=count)
    handler = smtp_server.handler
    handler.delay = 0.05
    sender = start_sender(config)
    try:
        wait_for(lambda: handler.count >= 6, sender, "it got going")
        sender.send_signal(sig)
        out, err = sender.communicate(timeout=30)
    finally:
        if sender.poll() is None:
            sender.kill()
    assert sender.returncode == 128 + sig.value, err
    assert "Traceback" not in err
    assert f"Stopped early: stopped by {sig.name}" in out.splitlines()
    [summary] = [x for x in out.splitlines() if x.startswith("Summary: ")]
    # The messages being handed over finished; the rest were released or never read
    # from the list: every one of them counts as not sent, the summary adds up.
    numbers = re.fullmatch(r"Summary: (\d+) sent, 0 failed, 0 skipped, 0 uncertain, "
                           r"(\d+) not sent\.", summary)
    assert numbers, summary
    sent, not_sent = map(int, numbers.groups())
    delivered = handler.per_recipient()
    assert len(delivered) < count
    assert (sent, not_sent) == (len(delivered), count - len(delivered))
    assert uncertain_of(config) == set()

    handler.delay = 0
    rerun = send(config, "--next")
    assert rerun.exit_code == 0, rerun.output
    assert handler.per_recipient() == {r: 1 for r in everyone(count)}


def test_after_the_grace_period_what_is_in_flight_is_uncertain_and_the_rest_released(
        site: Path, smtp_server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "GRACE_SECONDS", 0.3)
    config = write_site(site, server=smtp_server, subscribers=9)  # 3 connections
    handler = smtp_server.handler
    handler.delay = 3.0  # every message hangs after its bytes arrived

    def terminate_once_in_flight() -> None:
        time.sleep(0.8)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=terminate_once_in_flight, daemon=True).start()
    started = time.monotonic()
    result = send(config, "--next")
    assert time.monotonic() - started < 3.0  # did not wait for the server
    assert result.exit_code == 128 + signal.SIGTERM.value, result.output
    assert "Summary: 0 sent, 0 failed, 0 skipped, 3 uncertain, 6 not sent." in \
        result.stdout.splitlines()
    uncertain = uncertain_of(config)
    assert len(uncertain) == 3
    handler.delay = 0
    rerun = send(config, "--next")
    assert "Summary: 6 sent, 0 failed, 0 skipped, 3 uncertain." in rerun.stdout.splitlines()
    # The rerun sent the released six, and left the three that may be there alone.
    got = handler.per_recipient()
    assert max(got.values()) == 1
    assert everyone(9) - uncertain <= set(got)


# --- a ledger that cannot be written ---------------------------------------------------

def one_line_error(done: subprocess.CompletedProcess[str], path: Path) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    errors = [x for x in done.stderr.splitlines() if x.startswith("announce: error: ")]
    assert len(errors) == 1, done.stderr
    assert str(path) in errors[0]
    return errors[0]


def run_sender(config: Path, *args: str,
               limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def limited() -> None:  # in the child, before exec: a real EFBIG from the kernel
        if limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([*ANNOUNCE, "send", "--config", str(config), "--now", NOW,
                           *(args or ["--next"])], capture_output=True, text=True, timeout=60,
                          preexec_fn=limited, check=False)


def test_a_ledger_that_stops_growing_mid_run_stops_sending_within_seconds(
        site: Path, smtp_server: Server) -> None:
    count = 400
    config = write_site(site, server=smtp_server, subscribers=count)
    assert send(config, "--next").exit_code == 0  # the announcement: the ledger exists
    smtp_server.handler.messages.clear()
    size = (site / LEDGER).stat().st_size
    reminder = ["send", "--config", str(config), "--now", NOW, EVENT, "--kind", "reminder",
                "--force"]
    started = time.monotonic()
    # The reminder's rows may add a few pages only: then every write fails (EFBIG).
    done = run_sender(config, *reminder[5:], limit=size + 16 * 1024)
    assert time.monotonic() - started < 30
    error = one_line_error(done, site / LEDGER)
    assert "cannot write the ledger" in error
    got = smtp_server.handler.per_recipient()
    assert 0 < len(got) < count
    # Exactly once holds: a rerun that can write sends the rest, and nobody twice.
    rerun = announce(*reminder)
    [entry] = [e for e in history(config) if e["kind"] == "reminder"]
    failures = entry["failures"]
    assert isinstance(failures, list)
    uncertain = {f["recipient"] for f in failures if f["status"] == "uncertain"}
    assert len(uncertain) <= 3  # at most one per connection
    final = smtp_server.handler.per_recipient()
    assert max(final.values()) == 1
    assert set(final) | uncertain == everyone(count)
    assert rerun.exit_code == (3 if uncertain else 0), rerun.output


def test_a_damaged_ledger_is_a_one_line_error_and_nothing_is_sent(
        site: Path, smtp_server: Server) -> None:
    config = write_site(site, server=smtp_server, subscribers=300)
    assert send(config, "--next").exit_code == 0
    ledger = site / LEDGER
    pages = ledger.stat().st_size // 4096
    assert pages > 4
    with ledger.open("r+b") as f:  # scribble over the pages after the first
        f.seek(4096)
        f.write(os.urandom(4096 * (pages - 2)))
    smtp_server.handler.messages.clear()
    done = subprocess.run([*ANNOUNCE, "send", "--config", str(config), "--now", NOW,
                           EVENT, "--kind", "reminder", "--force"], capture_output=True,
                          text=True, timeout=60, check=False)
    error = one_line_error(done, ledger)
    assert "(the file is damaged: restore it, e.g. from git)" in error
    assert smtp_server.handler.count == 0


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A small tmpfs at ``folder``, where the machine lets this user mount one."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(folder)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()}); the "
                    "file-size-limit test covers a failing write")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_and_a_read_only_ledger_are_one_line_errors(
        site: Path, smtp_server: Server) -> None:
    with tmpfs(site / "small", "64k") as small:
        ledger = small / "ledger.sqlite3"
        config = write_site(site, server=smtp_server, subscribers=1500)
        config.write_text(config.read_text().replace(
            "[mail]", f'[ledger]\npath = "{ledger}"\n\n[mail]'))
        done = run_sender(config)
        error = one_line_error(done, ledger)
        assert "database or disk is full (free some space)" in error
        sent = smtp_server.handler.count
        assert 0 < sent < 1500

        subprocess.run(["mount", "-o", "remount,ro", str(small)], check=True)
        done = run_sender(config)
        error = one_line_error(done, ledger)
        assert "read-only" in error.lower()
        assert smtp_server.handler.count == sent  # nothing more went out

