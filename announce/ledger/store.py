"""The ledger's store: the :class:`Ledger` over one SQLite file (see :mod:`announce.ledger`)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from ..changes import Facts
from ..errors import AnnounceError, LedgerError
from ..news import NO_SENDS, Sent, SentRecord
from .copies import Copy, keep, read_copies
from .history import HistoryEntry, parse_time, read_history
from .keys import PLAIN, RecipientKeys
from .records import read_records
from .schema import SCHEMA_VERSION, bring_up_to_date
from .sqlerrors import busy, guard, problem
from .statements import Claim, change_statement

if TYPE_CHECKING:  # `list` and `history` read the ledger without the delivery package
    from ..delivery.transport import Outcome

__all__ = ["Ledger", "Row", "read_sent"]

log = logging.getLogger(__name__)

Status = Literal["claimed", "sent", "failed"]


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
        from ..delivery.transport import permanent

        return self.status == "failed" and self.code is not None and permanent(self.code)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# How long a reader waits for a send to let go of the file before it says the ledger is
# busy (a send holds it from its first record to its end).
BUSY_WAIT = 10.0




class Ledger:
    """An open ledger file. Use :meth:`open` to write, :meth:`open_readonly` to read."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Callable[[], datetime],
                 version: int = SCHEMA_VERSION):
        self._conn = conn
        self.path = path
        self._clock = clock
        self._version = version
        self._writer = False  # opened by open(): in WAL mode until close()
        self._keys = RecipientKeys()
        self._keys_problem: str | None = None

    def recipient_key(self, address: str) -> str:
        """How this ledger stores ``address`` (see :mod:`.keys`): the lower-cased address,
        or its keyed hash; a LedgerError when the key given does not read this ledger."""
        if self._keys_problem is not None:
            raise LedgerError(self._keys_problem)
        return self._keys.of(address)

    # --- opening --------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], datetime],
             keys: RecipientKeys | None = None) -> Ledger:
        """Open ``path`` for writing, creating it (and its folder) on first use.

        ``clock`` stamps the rows; ``announce send --now`` passes its pretend clock so
        that the due rules see the times they would see for real.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # One run's writes all come from one thread at a time (the SMTP transport
            # commits from a worker thread while the event loop reads): see mailer.
            conn = sqlite3.connect(path, isolation_level=None, timeout=10.0,
                                   check_same_thread=False)
        except OSError as exc:
            raise LedgerError(f"{path}: cannot open the ledger: {exc.strerror}") from None
        except sqlite3.Error as exc:
            raise LedgerError(f"{path}: cannot open the ledger: {problem(exc)}") from None
        ledger = cls(conn, path, clock)
        try:
            # FULL: a claim must be on disk before its message leaves, or a power cut
            # between the two would let a rerun send it again.
            conn.execute("PRAGMA synchronous = FULL")
            # Held from the first write to the end of the run: commits need not take and
            # drop the file lock each time, a third faster (a commit before every message
            # counts). Readers in other processes wait for the run to end.
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            ledger._check_version(version)
            bring_up_to_date(conn, version)
            # WAL for the run: a commit is one append and one fsync of the -wal file
            # (synchronous = FULL), where the rollback journal took several. Locking mode
            # EXCLUSIVE is set first, so SQLite keeps the WAL index in memory: no -shm
            # file. close() turns the file back into a rollback-journal one (see there).
            conn.execute("PRAGMA journal_mode = WAL")
            ledger._writer = True
            ledger._store_recipients_by(keys or RecipientKeys(), convert=True)
            if ledger._keys_problem is not None:  # refused before anything is sent
                raise LedgerError(ledger._keys_problem)
        except sqlite3.Error as exc:
            conn.close()
            raise busy(path, exc) or LedgerError(
                f"{path}: not a usable ledger: {problem(exc)}") from None
        except AnnounceError:
            conn.close()
            raise
        return ledger

    @classmethod
    def open_readonly(cls, path: Path, keys: RecipientKeys | None = None) -> Ledger | None:
        """Open an existing ledger read-only; ``None`` if there is none (nothing was sent)."""
        if not path.exists():
            return None
        uri = f"file:{quote(str(path.resolve()))}"
        try:
            try:
                # Read-write but query-only: SQLite may need to roll back the journal a
                # killed run left behind (a read-only connection cannot), and nothing
                # else can be written. mode=rw never creates the file.
                conn = sqlite3.connect(f"{uri}?mode=rw", uri=True, timeout=BUSY_WAIT)
                conn.execute("PRAGMA query_only = ON")
            except sqlite3.OperationalError:  # a read-only file or folder
                conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_WAIT)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as exc:
            raise busy(path, exc) or LedgerError(
                f"{path}: not a usable ledger: {problem(exc)}") from None
        ledger = cls(conn, path, lambda: datetime.now(UTC), version)
        try:
            ledger._check_version(version)
        except LedgerError:
            conn.close()
            raise
        if version == 0:  # an empty file: nothing recorded yet
            conn.close()
            return None
        with guard(path, "read"):
            ledger._store_recipients_by(keys or RecipientKeys(), convert=False)
        return ledger

    def _store_recipients_by(self, keys: RecipientKeys, *, convert: bool) -> None:
        """Which keys this ledger's recipients are under: ``keys`` when the ledger says so
        (or, with ``convert``, after converting a plain ledger's rows to them, in one
        transaction); else a problem that :meth:`recipient_key` raises."""
        row = (self._conn.execute("SELECT value FROM meta WHERE name = 'recipient_keys'")
               .fetchone() if self._version >= 5 else None)
        stored = row[0] if row else PLAIN
        if stored == keys.mode:
            self._keys = keys
        elif stored == PLAIN and not convert:
            self._keys = RecipientKeys()  # read as it is; the first send converts it
        elif stored == PLAIN:
            self._conn.create_function("announce_recipient_key", 1, keys.of,
                                       deterministic=True)
            with self._transaction():
                self._conn.execute(
                    "UPDATE deliveries SET recipient = announce_recipient_key(recipient)")
                self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('recipient_keys', ?)",
                                   (keys.mode,))
            self._keys = keys
        else:
            self._keys_problem = (
                f"{self.path}: this ledger stores recipients by a keyed hash, and "
                + ("no ledger key is set" if keys.secret is None else
                   "the ledger key set is not the one it was written with")
                + " ([ledger] key_env names the variable): every recipient would look new, "
                "so nothing is sent. Set the key this ledger was written with.")

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"{self.path}: this ledger was written by a newer announce "
                f"(format {version}); upgrade announce to use it"
            )

    def close(self) -> None:
        """Close the file; every batch is already committed.

        A ledger opened for writing is checkpointed and goes back to the rollback journal
        first: the -wal file is folded into the file and removed, so that the file alone
        is the whole ledger (copied, committed to git, read by an older announce). If
        that fails, the -wal file stays beside it, and the next open reads it in.
        """
        try:
            if self._writer:
                self._conn.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.Error as exc:
            log.warning("%s: could not fold the -wal file into the ledger (%s); the next "
                        "run does", self.path, problem(exc))
        finally:
            self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with guard(self.path, "write"):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._conn.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (a full disk does): then there is
                # nothing to undo, and saying so must not hide the real error.
                if self._conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                raise

    # --- what selection needs -------------------------------------------------------

    def sent_records(self) -> dict[str, dict[str, SentRecord]]:
        """Per event and kind, when it first went out and whether it is complete.

        See the module docstring for what "complete" means.
        """
        with guard(self.path, "read"):
            return read_records(self._conn, self._version, self.path)

    # --- one run's claims and confirmations -----------------------------------------

    def lookup(self, event: str, kind: str, recipients: Sequence[str]) -> dict[str, Row]:
        """The rows that exist for these recipients (lower-cased addresses)."""
        found: dict[str, Row] = {}
        with guard(self.path, "read"):
            self._lookup(event, kind, recipients, found)
        return found

    def _lookup(self, event: str, kind: str, recipients: Sequence[str],
                found: dict[str, Row]) -> None:
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

    def record_subject(self, event: str, kind: str, subject: str,
                       facts: Facts | None = None) -> None:
        """A run of this kind starts: remember its subject (for ``announce history``), and
        that it has not gone through every recipient yet (see :meth:`finished`).

        ``kind`` is the ledger key (``update:2``). ``facts``, what the message says about
        the event, is kept from the first run on: see the module docstring.
        """
        snapshot = facts.to_json() if facts is not None else None
        with self._transaction():
            self._conn.execute(
                "INSERT INTO messages (event, kind, subject, facts) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (event, kind) DO UPDATE SET subject = excluded.subject, "
                "finished_at = NULL, facts = COALESCE(messages.facts, excluded.facts)",
                (event, kind, subject, snapshot),
            )

    def skip(self, event: str, kind: str, subject: str, facts: Facts | None,
             by: str) -> None:
        """The organizer skipped this message (``send --skip``): it counts as done, as if
        everyone had it, so no run sends it (nor an update about what it said: ``facts``
        is the event as it is now); recipients already sent to keep their rows."""
        snapshot = facts.to_json() if facts is not None else None
        now = _iso(self._clock())
        with self._transaction():
            self._conn.execute(
                "INSERT INTO messages (event, kind, subject, facts, finished_at, skipped_at, "
                "skipped_by) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event, kind) DO UPDATE "
                "SET finished_at = excluded.finished_at, skipped_at = excluded.skipped_at, "
                "skipped_by = excluded.skipped_by, facts = excluded.facts",
                (event, kind, subject, snapshot, now, now, by),
            )

    def finished(self, event: str, kind: str) -> None:
        """The run went through every recipient: each one has a row that says how it went.

        Until then the kind is not complete, even if every row says sent: a run stopped
        part-way (a signal, a refused sender) never read the rest of the recipients.
        """
        with self._transaction():
            self._conn.execute(
                "UPDATE messages SET finished_at = ? WHERE event = ? AND kind = ?",
                (_iso(self._clock()), event, kind),
            )

    def record(self, event: str, kind: str, changes: Sequence[Claim | Outcome],
               transport: str) -> None:
        """Claims and outcomes, applied in their order, in one transaction.

        Durable when this returns (``synchronous = FULL``): a claim is on disk before its
        message leaves, and an outcome before the same connection's next claim. The
        order matters for one recipient: claimed, released for a retry, claimed again.
        """
        if not changes:
            return
        now = _iso(self._clock())
        # Consecutive changes of one sort go in one executemany(); the order stays.
        runs: list[tuple[str, list[tuple[object, ...]]]] = []
        for change in changes:
            sql, values = change_statement(change, event, kind, transport, now)
            if runs and runs[-1][0] is sql:
                runs[-1][1].append(values)
            else:
                runs.append((sql, [values]))
        with self._transaction():
            for sql, rows in runs:
                self._conn.executemany(sql, rows)

    # --- history --------------------------------------------------------------------

    def deliveries_to(self, address: str) -> list[tuple[str, str, str, datetime | None]]:
        """(event, kind, status, first sent) of every message tried for ``address``, by
        the ledger's key for it (its hash, in a keyed ledger); status ``uncertain`` for a
        claim a stopped run left."""
        key = self.recipient_key(address)
        with guard(self.path, "read"):
            rows = self._conn.execute(
                "SELECT event, kind, status, sent_at FROM deliveries WHERE recipient = ? "
                "ORDER BY claimed_at, event, kind", (key,)).fetchall()
        return [(event, kind, "uncertain" if status == "claimed" else status, parse_time(sent))
                for event, kind, status, sent in rows]

    def history(self) -> list[HistoryEntry]:
        """Every message kind ever sent or tried, oldest first, with its failures."""
        with guard(self.path, "read"):
            return read_history(self._conn, self._version)

    # --- what went out, for the archive (copies.py) ---------------------------------

    def keep_copy(self, event: str, kind: str, subject: str, html: str, text: str,
                  transport: str) -> None:
        """The message went out to its first recipient: keep it as they all get it."""
        with self._transaction():
            keep(self._conn, event, kind, subject, html, text, _iso(self._clock()), transport)

    def copies(self) -> list[Copy]:
        """The copy of every message that went out, oldest first (see copies.py)."""
        with guard(self.path, "read"):
            return read_copies(self._conn, self._version)


def read_sent(path: Path) -> Sent:
    """What the ledger at ``path`` says was sent, for selection; nothing if it is missing."""
    ledger = Ledger.open_readonly(path)
    if ledger is None:
        return NO_SENDS
    with ledger:
        return ledger.sent_records()
