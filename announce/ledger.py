"""The ledger: a SQLite record of what was sent to whom, which makes reruns safe.

One row per (event id, kind, recipient). A recipient is *claimed* (committed) before its
message is handed to the transport, and *confirmed* after: ``sent``, or ``failed`` with
the server's code and reply. Claims and confirmations are written in batches, one
transaction per batch, because a commit per message would cap the sending rate.

A row still ``claimed`` when no run is going is *uncertain*: the run that claimed it
stopped (crash, kill, lost connection after the message's final dot) before it learnt
whether the message went out. A rerun reports such rows and leaves them alone; the
organizer decides (``announce send --resend-uncertain`` sends them).

What selection learns from the ledger (:meth:`Ledger.sent_records`), per event and kind:

- ``first_at``: the first confirmed send (before any, the first claim);
- ``complete``: at least one recipient confirmed, no row uncertain, and no row failed
  for a *temporary* reason (a 4xx reply, a dropped connection, a run that stopped before
  trying). A permanent refusal (5xx: no such user, mailbox disabled) does not hold the
  kind open: a rerun would be refused again, and the reminder must still go out. Those
  failures stay listed in ``announce history``; ``announce send EVENT --kind K --force``
  tries them again;
- ``delivered``: at least one recipient confirmed. An unfinished announcement that
  reached people gives way to its reminder when that is due (see :mod:`.selection`).

The file uses SQLite's default rollback journal (no ``-wal`` side files), so that it can
be committed to a site repository as one file. A run lock (``flock`` on
``<ledger>.lock``) keeps two ``announce send`` runs from sending at once; the kernel
releases it when the process ends, however it ends.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from .errors import SendError
from .selection import NO_SENDS, Sent, SentRecord

__all__ = [
    "Claim",
    "Failure",
    "HistoryEntry",
    "Ledger",
    "Outcome",
    "Row",
    "read_sent",
    "run_lock",
]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    event       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    recipient   TEXT NOT NULL,            -- the address, lower-cased
    status      TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed')),
    message_id  TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    code        INTEGER,                  -- the server's reply code of the last failure
    last_error  TEXT NOT NULL DEFAULT '',
    transport   TEXT NOT NULL,
    claimed_at  TEXT NOT NULL,
    sent_at     TEXT,                     -- the first confirmed send (a resend keeps it)
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (event, kind, recipient)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
    event       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    PRIMARY KEY (event, kind)
);
"""

Status = Literal["claimed", "sent", "failed"]
OutcomeStatus = Literal["sent", "failed", "uncertain", "not_sent"]


@dataclass(frozen=True, slots=True)
class Row:
    """What the ledger holds for one recipient of one message kind."""

    recipient: str
    status: Status
    message_id: str
    code: int | None = None  # the server's reply code of the last failure

    @property
    def refused(self) -> bool:
        """The server refused this recipient for good (a 5xx reply)."""
        return self.status == "failed" and self.code is not None and self.code >= 500


@dataclass(frozen=True, slots=True)
class Claim:
    """A recipient about to be sent to, with the Message-ID their copy carries."""

    recipient: str
    message_id: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one recipient's message in this run.

    ``uncertain``: handed over, but the server's final reply never came (the row stays
    claimed). ``not_sent``: claimed but never tried, because the run stopped.
    """

    recipient: str
    status: OutcomeStatus
    attempts: int = 1
    code: int | None = None
    error: str = ""

    @property
    def permanent(self) -> bool:
        """A 5xx refusal: trying again will not help."""
        return self.code is not None and 500 <= self.code < 600


@dataclass(frozen=True, slots=True)
class Failure:
    """A recipient that did not (or maybe did not) get its message."""

    recipient: str
    status: Literal["failed", "uncertain"]
    code: int | None
    error: str
    attempts: int


@dataclass(frozen=True)
class HistoryEntry:
    """One message kind of one event, as the ledger remembers it."""

    event: str
    kind: str
    subject: str
    transports: tuple[str, ...]
    first_sent: datetime | None
    last_sent: datetime | None
    sent: int
    failed: int
    uncertain: int
    failures: tuple[Failure, ...]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Ledger:
    """An open ledger file. Use :meth:`open` to write, :meth:`open_readonly` to read."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Callable[[], datetime]):
        self._conn = conn
        self.path = path
        self._clock = clock

    # --- opening --------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], datetime]) -> Ledger:
        """Open ``path`` for writing, creating it (and its folder) on first use.

        ``clock`` stamps the rows; ``announce send --now`` passes its pretend clock so
        that the due rules see the times they would see for real.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        except (OSError, sqlite3.Error) as exc:
            raise SendError(f"{path}: cannot open the ledger: {exc}") from None
        ledger = cls(conn, path, clock)
        try:
            # FULL: a claim must be on disk before its message leaves, or a power cut
            # between the two would let a rerun send it again.
            conn.execute("PRAGMA synchronous = FULL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            ledger._check_version(version)
            if version == 0:
                # One script, one transaction: executescript() commits on its own.
                conn.executescript(
                    f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
                )
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise SendError(f"{path}: not a usable ledger: {exc}") from None
        except SendError:
            conn.close()
            raise
        return ledger

    @classmethod
    def open_readonly(cls, path: Path) -> Ledger | None:
        """Open an existing ledger read-only; ``None`` if there is none (nothing was sent)."""
        if not path.exists():
            return None
        uri = f"file:{quote(str(path.resolve()))}"
        try:
            try:
                # Read-write but query-only: SQLite may need to roll back the journal a
                # killed run left behind (a read-only connection cannot), and nothing
                # else can be written. mode=rw never creates the file.
                conn = sqlite3.connect(f"{uri}?mode=rw", uri=True, timeout=10.0)
                conn.execute("PRAGMA query_only = ON")
            except sqlite3.OperationalError:  # a read-only file or folder
                conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=10.0)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise SendError(f"{path}: not a usable ledger: {exc}") from None
        ledger = cls(conn, path, lambda: datetime.now(UTC))
        try:
            ledger._check_version(version)
        except SendError:
            conn.close()
            raise
        if version == 0:  # an empty file: nothing recorded yet
            conn.close()
            return None
        return ledger

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise SendError(
                f"{self.path}: this ledger was written by a newer announce "
                f"(format {version}); upgrade announce to use it"
            )

    def close(self) -> None:
        """Close the file; every batch is already committed."""
        self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # --- what selection needs -------------------------------------------------------

    def sent_records(self) -> dict[str, dict[str, SentRecord]]:
        """Per event and kind, when it first went out and whether it is complete.

        See the module docstring for what "complete" means.
        """
        rows = self._conn.execute(
            """
            SELECT event, kind,
                   MIN(CASE WHEN status = 'sent' THEN sent_at END),
                   MIN(claimed_at),
                   SUM(status = 'claimed'),
                   SUM(status = 'failed' AND (code IS NULL OR code < 500 OR code > 599))
            FROM deliveries GROUP BY event, kind
            """
        ).fetchall()
        records: dict[str, dict[str, SentRecord]] = {}
        for event, kind, first_sent, first_claimed, claimed, temporary in rows:
            first = _parse(first_sent) or _parse(first_claimed)
            assert first is not None  # claimed_at is NOT NULL
            delivered = first_sent is not None
            complete = delivered and not claimed and not temporary
            records.setdefault(event, {})[kind] = SentRecord(first, complete, delivered)
        return records

    # --- one run's claims and confirmations -----------------------------------------

    def lookup(self, event: str, kind: str, recipients: Sequence[str]) -> dict[str, Row]:
        """The rows that exist for these recipients (lower-cased addresses)."""
        found: dict[str, Row] = {}
        # SQLite caps the number of parameters of one statement; 500 is far below it.
        for start in range(0, len(recipients), 500):
            chunk = recipients[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for recipient, status, message_id, code in self._conn.execute(
                "SELECT recipient, status, message_id, code FROM deliveries "  # noqa: S608 - only '?' marks
                f"WHERE event = ? AND kind = ? AND recipient IN ({marks})",
                (event, kind, *chunk),
            ):
                found[recipient] = Row(recipient, status, message_id, code)
        return found

    def record_subject(self, event: str, kind: str, subject: str) -> None:
        """Remember the subject of a message kind, for ``announce history``."""
        with self._transaction():
            self._conn.execute(
                "INSERT INTO messages (event, kind, subject) VALUES (?, ?, ?) "
                "ON CONFLICT (event, kind) DO UPDATE SET subject = excluded.subject",
                (event, kind, subject),
            )

    def claim(self, event: str, kind: str, claims: Sequence[Claim], transport: str) -> None:
        """Mark these recipients as being sent to, in one transaction, before sending."""
        if not claims:
            return
        now = _iso(self._clock())
        with self._transaction():
            self._conn.executemany(
                """
                INSERT INTO deliveries (event, kind, recipient, status, message_id,
                                        transport, claimed_at, updated_at)
                VALUES (?, ?, ?, 'claimed', ?, ?, ?, ?)
                ON CONFLICT (event, kind, recipient) DO UPDATE SET
                    status = 'claimed', message_id = excluded.message_id,
                    transport = excluded.transport, claimed_at = excluded.claimed_at,
                    updated_at = excluded.updated_at
                """,
                [(event, kind, c.recipient, c.message_id, transport, now, now) for c in claims],
            )

    def confirm(self, event: str, kind: str, outcomes: Iterable[Outcome]) -> None:
        """Record what happened to claimed recipients, in one transaction."""
        now = _iso(self._clock())
        sent: list[tuple[object, ...]] = []
        failed: list[tuple[object, ...]] = []
        uncertain: list[tuple[object, ...]] = []
        not_sent: list[tuple[object, ...]] = []
        for o in outcomes:
            key = (event, kind, o.recipient)
            if o.status == "sent":
                sent.append((now, o.attempts, now, *key))
            elif o.status == "failed":
                failed.append((o.attempts, o.code, o.error, now, *key))
            elif o.status == "uncertain":
                uncertain.append((o.attempts, o.error, now, *key))
            else:
                not_sent.append((o.attempts, o.error, now, *key))
        with self._transaction():
            self._conn.executemany(
                # The first send stays the first: the reminder counts its 24 hours from
                # it, and `history` tells first and last apart (updated_at is the last).
                "UPDATE deliveries SET status = 'sent', sent_at = COALESCE(sent_at, ?), "
                "attempts = attempts + ?, "
                "code = NULL, last_error = '', updated_at = ? "
                "WHERE event = ? AND kind = ? AND recipient = ?",
                sent,
            )
            self._conn.executemany(
                "UPDATE deliveries SET status = 'failed', attempts = attempts + ?, code = ?, "
                "last_error = ?, updated_at = ? WHERE event = ? AND kind = ? AND recipient = ?",
                failed,
            )
            self._conn.executemany(
                "UPDATE deliveries SET attempts = attempts + ?, last_error = ?, updated_at = ? "
                "WHERE event = ? AND kind = ? AND recipient = ?",
                uncertain,
            )
            # Never tried: back to what it was. A row confirmed by an earlier run (this
            # run was resending it) is still sent; any other was not sent.
            self._conn.executemany(
                "UPDATE deliveries SET status = CASE WHEN sent_at IS NULL THEN 'failed' "
                "ELSE 'sent' END, attempts = attempts + ?, code = NULL, last_error = ?, "
                "updated_at = ? WHERE event = ? AND kind = ? AND recipient = ?",
                not_sent,
            )

    # --- history --------------------------------------------------------------------

    def history(self) -> list[HistoryEntry]:
        """Every message kind ever sent or tried, oldest first, with its failures."""
        failures: dict[tuple[str, str], list[Failure]] = {}
        for event, kind, recipient, status, code, error, attempts in self._conn.execute(
            "SELECT event, kind, recipient, status, code, last_error, attempts FROM deliveries "
            "WHERE status != 'sent' ORDER BY event, kind, recipient"
        ):
            failures.setdefault((event, kind), []).append(
                Failure(recipient, "failed" if status == "failed" else "uncertain", code,
                        error, attempts)
            )
        entries: list[HistoryEntry] = []
        for row in self._conn.execute(
            """
            SELECT d.event, d.kind, COALESCE(m.subject, ''),
                   GROUP_CONCAT(DISTINCT d.transport),
                   MIN(d.sent_at), MAX(CASE WHEN d.status = 'sent' THEN d.updated_at END),
                   MIN(d.claimed_at),
                   SUM(d.status = 'sent'), SUM(d.status = 'failed'), SUM(d.status = 'claimed')
            FROM deliveries AS d LEFT JOIN messages AS m USING (event, kind)
            GROUP BY d.event, d.kind
            ORDER BY COALESCE(MIN(d.sent_at), MIN(d.claimed_at)), d.event, d.kind
            """
        ):
            event, kind, subject, transports, first, last, _claimed, sent, failed, unsure = row
            entries.append(HistoryEntry(
                event=event, kind=kind, subject=subject,
                transports=tuple(sorted(transports.split(","))) if transports else (),
                first_sent=_parse(first), last_sent=_parse(last),
                sent=sent, failed=failed, uncertain=unsure,
                failures=tuple(failures.get((event, kind), ())),
            ))
        return entries


def read_sent(path: Path) -> Sent:
    """What the ledger at ``path`` says was sent, for selection; nothing if it is missing."""
    ledger = Ledger.open_readonly(path)
    if ledger is None:
        return NO_SENDS
    with ledger:
        return ledger.sent_records()


@contextmanager
def run_lock(ledger_path: Path) -> Iterator[None]:
    """Hold the send lock of this ledger, or fail at once if another run holds it.

    ``flock`` on a separate ``.lock`` file: the kernel drops it when the holder exits,
    even on SIGKILL, so a crashed run never blocks the next one. (Not the database file
    itself: closing any other descriptor of it would drop SQLite's own locks.)
    """
    import fcntl  # POSIX only; imported here so that the rest of the module imports anywhere

    lock_path = ledger_path.with_name(ledger_path.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise SendError(f"{lock_path}: cannot create the run lock: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise SendError(
                f"{ledger_path}: another 'announce send' is running with this ledger "
                f"(pid {holder}); let it finish, then run again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)
