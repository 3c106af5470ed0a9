"""The ledger: a real SQLite file, claims and confirmations, the run lock, history."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from announce.delivery import Outcome
from announce.errors import LedgerError, SendError
from announce.ledger import SCHEMA_VERSION, Claim, Ledger, read_sent, run_lock
from announce.news import NO_SENDS, SentRecord

EVENT = "2027/2027-02-03-observability-with-opentelemetry"
T0 = datetime(2027, 1, 28, 14, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(tmp_path: Path, clock: Clock) -> Ledger:
    return Ledger.open(tmp_path / "state" / "ledger.sqlite3", clock=clock)


def claim(ledger: Ledger, *recipients: str, kind: str = "announcement") -> None:
    ledger.record(EVENT, kind, [Claim(r, f"<{r}@id>") for r in recipients], "outbox")


def confirm(ledger: Ledger, kind: str, outcomes: list[Outcome]) -> None:
    ledger.record(EVENT, kind, outcomes, "outbox")


def test_a_missing_ledger_reads_as_nothing_sent_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / ".announce" / "ledger.sqlite3"
    assert read_sent(path) == NO_SENDS
    assert not path.parent.exists()


def test_all_confirmed_is_complete_from_the_first_send(ledger: Ledger, clock: Clock) -> None:
    claim(ledger, "a@example.org", "b@example.org")
    clock.now = T0 + timedelta(minutes=1)
    confirm(ledger, "announcement", [Outcome("a@example.org", "sent")])
    clock.now = T0 + timedelta(minutes=2)
    confirm(ledger, "announcement", [Outcome("b@example.org", "sent")])
    assert ledger.sent_records() == {
        EVENT: {"announcement": SentRecord(T0 + timedelta(minutes=1), complete=True)}
    }


def test_a_claimed_row_is_on_disk_before_sending_and_keeps_the_kind_open(ledger: Ledger) -> None:
    claim(ledger, "a@example.org", "b@example.org")
    confirm(ledger, "announcement", [Outcome("a@example.org", "sent")])
    # A run that ends here (killed: the kernel drops its lock) leaves b claimed on disk.
    ledger.close()
    record = read_sent(ledger.path)[EVENT]["announcement"]
    ledger = Ledger.open(ledger.path, clock=Clock())
    assert record == SentRecord(T0, complete=False)
    rows = ledger.lookup(EVENT, "announcement", ["a@example.org", "b@example.org", "c@x.org"])
    assert {r: row.status for r, row in rows.items()} == {
        "a@example.org": "sent", "b@example.org": "claimed"}
    assert rows["b@example.org"].message_id == "<b@example.org@id>"


def test_a_permanent_refusal_does_not_hold_the_kind_open(ledger: Ledger) -> None:
    claim(ledger, "a@example.org", "gone@example.org")
    confirm(ledger, "announcement", [
        Outcome("a@example.org", "sent"),
        Outcome("gone@example.org", "failed", 1, 550, "550 5.1.1 no such user"),
    ])
    assert ledger.sent_records()[EVENT]["announcement"].complete


@pytest.mark.parametrize(("outcome", "why"), [
    (Outcome("b@example.org", "failed", 5, 451, "451 try later (gave up after 5 attempts)"),
     "a temporary failure"),
    (Outcome("b@example.org", "not_sent", 0, None, "not sent: the run stopped"),
     "a recipient never tried"),
    (Outcome("b@example.org", "uncertain", 1, None, "connection lost"), "an uncertain one"),
])
def test_temporary_and_unknown_outcomes_keep_the_kind_open(ledger: Ledger, outcome: Outcome,
                                                           why: str) -> None:
    claim(ledger, "a@example.org", "b@example.org")
    confirm(ledger, "announcement", [Outcome("a@example.org", "sent"), outcome])
    assert not ledger.sent_records()[EVENT]["announcement"].complete, why


def test_nothing_confirmed_is_incomplete_from_the_first_claim(ledger: Ledger,
                                                             clock: Clock) -> None:
    claim(ledger, "gone@example.org")
    clock.now = T0 + timedelta(seconds=5)
    confirm(ledger, "announcement", [Outcome("gone@example.org", "failed", 1, 550, "550")])
    assert ledger.sent_records() == {
        EVENT: {"announcement": SentRecord(T0, complete=False, delivered=False)}}


def test_a_stopped_resend_leaves_an_earlier_send_standing(ledger: Ledger) -> None:
    claim(ledger, "a@example.org")
    confirm(ledger, "announcement", [Outcome("a@example.org", "sent")])
    claim(ledger, "a@example.org")  # --resend claims it again, then the run stops
    confirm(ledger, "announcement", [Outcome("a@example.org", "not_sent", 0)])
    assert ledger.lookup(EVENT, "announcement", ["a@example.org"])["a@example.org"].status == \
        "sent"


def test_a_resend_keeps_the_first_send_time(ledger: Ledger, clock: Clock) -> None:
    # The reminder's 24 hours count from the first announcement, not from a resend.
    claim(ledger, "a@example.org")
    confirm(ledger, "announcement", [Outcome("a@example.org", "sent")])
    clock.now = T0 + timedelta(days=2)
    claim(ledger, "a@example.org")  # --resend
    confirm(ledger, "announcement", [Outcome("a@example.org", "sent")])
    assert ledger.sent_records()[EVENT]["announcement"].first_at == T0
    (entry,) = ledger.history()
    assert (entry.first_sent, entry.last_sent) == (T0, T0 + timedelta(days=2))


def test_history_counts_and_lists_failures(ledger: Ledger, clock: Clock) -> None:
    ledger.record_subject(EVENT, "announcement", "Observability (Wed, Feb 3)")
    claim(ledger, "a@example.org", "b@example.org", "c@example.org", "d@example.org")
    confirm(ledger, "announcement", [
        Outcome("a@example.org", "sent"), Outcome("b@example.org", "sent", 3),
        Outcome("c@example.org", "failed", 1, 550, "550 5.1.1 no such user"),
    ])
    clock.now = T0 + timedelta(days=4)
    claim(ledger, "a@example.org", kind="reminder")
    confirm(ledger, "reminder", [Outcome("a@example.org", "sent")])
    announcement, reminder = ledger.history()
    assert (announcement.kind, announcement.subject, announcement.transports) == (
        "announcement", "Observability (Wed, Feb 3)", ("outbox",))
    assert (announcement.sent, announcement.failed, announcement.uncertain) == (2, 1, 1)
    assert announcement.first_sent == T0
    assert [(f.recipient, f.status, f.code, f.error) for f in announcement.failures] == [
        ("c@example.org", "failed", 550, "550 5.1.1 no such user"),
        ("d@example.org", "uncertain", None, ""),
    ]
    assert (reminder.kind, reminder.sent, reminder.first_sent) == (
        "reminder", 1, T0 + timedelta(days=4))


def test_a_skipped_message_is_done_for_every_run_and_in_history(ledger: Ledger,
                                                                 clock: Clock) -> None:
    claim(ledger, "a@example.org")  # one recipient got it, then the rest was skipped
    confirm(ledger, "announcement", [Outcome("a@example.org", "sent")])
    ledger.skip(EVENT, "announcement", "Hello", None, "@organizer")
    ledger.skip(EVENT, "reminder", "Tomorrow", None, "@organizer")  # never sent to anyone
    records = ledger.sent_records()[EVENT]
    assert records["announcement"] == SentRecord(T0, complete=True, delivered=True)
    assert records["reminder"] == SentRecord(T0, complete=True, delivered=True)
    history = {e.kind: e for e in ledger.history()}
    assert (history["announcement"].sent, history["announcement"].skipped) == (
        1, f"{T0.isoformat()} by @organizer")
    assert (history["reminder"].sent, history["reminder"].first_sent) == (0, None)


def test_the_first_copy_that_went_out_is_kept_once_and_the_outboxs_gives_way(
        ledger: Ledger, clock: Clock) -> None:
    html = "<html><body><p>Caf\u00e9 at 18:30</p></body></html>\n" * 200
    ledger.keep_copy(EVENT, "announcement", "In the outbox", "<p>preview</p>", "preview",
                     "outbox")
    clock.now = T0 + timedelta(hours=1)
    ledger.keep_copy(EVENT, "announcement", "Observability", html, "Caf\u00e9 at 18:30",
                     "smtp://mail.example.org:587")
    clock.now = T0 + timedelta(hours=2)  # a run resumed after an edit: the first stays
    ledger.keep_copy(EVENT, "announcement", "Observability, edited", "<p>new</p>", "new",
                     "smtp://mail.example.org:587")
    ledger.keep_copy(EVENT, "update:1", "Moved", "<p>moved</p>", "moved", "outbox")
    copy, update = ledger.copies()
    assert (copy.kind, copy.subject, copy.html, copy.text, copy.sent_at, copy.delivered) == (
        "announcement", "Observability", html, "Caf\u00e9 at 18:30", T0 + timedelta(hours=1),
        True)
    assert (update.kind, update.delivered) == ("update:1", False)
    # Kept once, compressed: far smaller than the HTML it holds.
    ledger.close()
    with sqlite3.connect(ledger.path) as conn:
        [(size,)] = conn.execute("SELECT length(parts) FROM copies WHERE kind = "
                                 "'announcement'").fetchall()
    conn.close()
    assert size < len(html) / 20


def test_a_ledger_of_format_5_reads_with_no_copies_and_is_migrated(
        tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger.open(path, clock=clock) as ledger:
        claim(ledger, "a@example.org")
        confirm(ledger, "announcement", [Outcome("a@example.org", "sent")])
    with sqlite3.connect(path) as conn:  # as announce 0.2 left it
        conn.executescript("DROP TABLE copies; PRAGMA user_version = 5;")
    conn.close()
    old = Ledger.open_readonly(path)
    assert old is not None
    with old:
        assert (old.copies(), [e.sent for e in old.history()]) == ([], [1])
    with Ledger.open(path, clock=clock) as ledger:  # the first run that writes migrates it
        ledger.keep_copy(EVENT, "reminder", "Tomorrow", "<p>x</p>", "x", "smtp://h:25")
        assert [c.kind for c in ledger.copies()] == ["reminder"]
    assert read_sent(path)[EVENT]["announcement"].delivered


def test_a_file_that_is_not_a_ledger_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_text("not a database, just text that is long enough " * 40)
    with pytest.raises(LedgerError, match=r"ledger\.sqlite3: not a usable ledger: "):
        read_sent(path)


def test_a_ledger_from_a_newer_announce_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(LedgerError, match="written by a newer announce"):
        Ledger.open(path, clock=Clock())


HOLD_LOCK = """
import sys, time
from pathlib import Path
from announce.ledger import run_lock
with run_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_run_lock_stops_a_second_run_and_dies_with_its_holder(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(SendError) as caught, run_lock(path):
            pass
        assert str(caught.value) == (
            f"{path}: another 'announce send' is running with this ledger "
            f"(pid {holder.pid}); let it finish, then run again"
        )
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
        if holder.stdout is not None:
            holder.stdout.close()
    deadline = time.monotonic() + 10
    while True:  # the kernel frees a killed holder's lock at once; allow for a slow reaper
        try:
            with run_lock(path):
                break
        except SendError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


KILLED_MID_COMMIT = """
import os, signal, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 1")  # spill pages into the file before the commit
conn.execute("BEGIN IMMEDIATE")
for i in range(5000):
    conn.execute("INSERT INTO deliveries (event, kind, recipient, status, message_id, "
                 "transport, claimed_at, updated_at) VALUES ('e', 'announcement', ?, "
                 "'claimed', '<x@y>', 'outbox', 't', 't')", (f"r{i}@example.org",))
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_run_killed_in_the_middle_of_a_commit_leaves_a_readable_ledger(
        ledger: Ledger) -> None:
    claim(ledger, "a@example.org")
    confirm(ledger, "announcement", [Outcome("a@example.org", "sent")])
    ledger.close()
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_COMMIT, str(ledger.path)],
                            check=False)
    assert killed.returncode == -signal.SIGKILL
    assert ledger.path.with_name(ledger.path.name + "-journal").exists()  # a hot journal
    # The half-written transaction is rolled back; what was committed is all there.
    assert read_sent(ledger.path) == {EVENT: {"announcement": SentRecord(T0, complete=True)}}


def test_a_run_stopped_part_way_leaves_the_kind_open_until_one_goes_through_everyone(
        ledger: Ledger) -> None:
    ledger.record_subject(EVENT, "announcement", "Hello")
    claim(ledger, "a@example.org")
    confirm(ledger, "announcement", [Outcome("a@example.org", "sent")])
    # Stopped here (SIGTERM): everyone with a row has it, the rest were never read.
    assert ledger.sent_records()[EVENT]["announcement"].complete is False
    ledger.record_subject(EVENT, "announcement", "Hello")  # the rerun
    ledger.finished(EVENT, "announcement")
    assert ledger.sent_records()[EVENT]["announcement"].complete is True


def test_a_ledger_of_format_1_is_read_and_migrated_with_its_kinds_finished(
        tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript("""
            CREATE TABLE deliveries (event TEXT NOT NULL, kind TEXT NOT NULL,
                recipient TEXT NOT NULL, status TEXT NOT NULL, message_id TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0, code INTEGER,
                last_error TEXT NOT NULL DEFAULT '', transport TEXT NOT NULL,
                claimed_at TEXT NOT NULL, sent_at TEXT, updated_at TEXT NOT NULL,
                PRIMARY KEY (event, kind, recipient)) WITHOUT ROWID;
            CREATE TABLE messages (event TEXT NOT NULL, kind TEXT NOT NULL,
                subject TEXT NOT NULL, PRIMARY KEY (event, kind));
            PRAGMA user_version = 1;
        """)
        conn.execute("INSERT INTO deliveries VALUES (?, 'announcement', 'a@example.org', "
                     "'sent', '<x@y>', 1, NULL, '', 'outbox', ?, ?, ?)",
                     (EVENT, T0.isoformat(), T0.isoformat(), T0.isoformat()))
        conn.execute("INSERT INTO messages VALUES (?, 'announcement', 'Hello')", (EVENT,))
    expected = {EVENT: {"announcement": SentRecord(T0, complete=True)}}
    assert read_sent(path) == expected  # read as it is
    Ledger.open(path, clock=clock).close()  # migrated by the first run that writes
    assert read_sent(path) == expected
    with sqlite3.connect(path) as conn:  # through every format (snapshots: none for it)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


READ_THE_LEDGER = """
import sys
from pathlib import Path
from announce.errors import LedgerError
from announce.ledger import read_sent
try:
    read_sent(Path(sys.argv[1]))
except LedgerError as exc:
    print(exc)
"""


@pytest.mark.slow
def test_while_a_run_writes_another_process_waits_then_is_told_why(ledger: Ledger) -> None:
    claim(ledger, "a@example.org")  # the run holds the file from its first write on
    reader = subprocess.run([sys.executable, "-c", READ_THE_LEDGER, str(ledger.path)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert reader.stdout == (
        f"{ledger.path}: a send is writing the ledger; try again in a moment\n"), reader.stderr
