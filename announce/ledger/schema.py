"""The ledger's tables, and the migrations that bring an older file to the current format.

The format is SQLite's ``user_version``. A file is brought from its format to the current
one in one transaction, step by step (sqlite-utils' migrations); a file from a newer
announce is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3

__all__ = ["MIGRATIONS", "SCHEMA", "SCHEMA_VERSION", "bring_up_to_date"]

SCHEMA_VERSION = 6

SCHEMA = """
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
    finished_at TEXT,                     -- the last run went through every recipient
    facts       TEXT,                     -- JSON: what the message said about the event
    skipped_at  TEXT,                     -- the organizer skipped it: done, never sent
    skipped_by  TEXT,                     -- who did (the GitHub actor), for history
    PRIMARY KEY (event, kind)
);
CREATE TABLE IF NOT EXISTS meta (
    name        TEXT PRIMARY KEY,         -- recipient_keys: how recipients are stored
    value       TEXT NOT NULL
) WITHOUT ROWID;
"""
# One copy of each message as it went out, shared by all its recipients (copies.py).
_COPIES = """
CREATE TABLE IF NOT EXISTS copies (
    event       TEXT NOT NULL,
    kind        TEXT NOT NULL,            -- the ledger key, as in deliveries
    subject     TEXT NOT NULL,
    parts       BLOB NOT NULL,            -- zlib of JSON {"html", "text"}: what all got
    sent_at     TEXT NOT NULL,            -- the first recipient confirmed
    transport   TEXT NOT NULL,            -- what it went through ('outbox': nobody got it)
    PRIMARY KEY (event, kind)
);
"""
SCHEMA += _COPIES

# Format 1 had no finished_at: its runs claimed ahead in batches, and every row they
# left mid-way says so; they count as finished.
_MIGRATE_1 = """
ALTER TABLE messages ADD COLUMN finished_at TEXT;
UPDATE messages SET finished_at = '1970-01-01T00:00:00+00:00';
"""
# Format 2 kept no snapshot of what a message said: its messages have none (NULL), and
# no update is ever due for what they announced.
_MIGRATE_2 = """
ALTER TABLE messages ADD COLUMN facts TEXT;
"""
# Format 3 could not say that the organizer skipped a message (the workflow's "skip"):
# none was.
_MIGRATE_3 = """
ALTER TABLE messages ADD COLUMN skipped_at TEXT;
ALTER TABLE messages ADD COLUMN skipped_by TEXT;
"""
# Format 4 stored every recipient as its address; from 5 on, a ledger may store them by
# a keyed hash instead (ledger/keys.py), and says which in meta. None of 4 was hashed.
_MIGRATE_4 = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
# Format 5 kept no copy of what went out: its messages have none, and the archive says
# how many it cannot show.
_MIGRATE_5 = _COPIES

# From format N to N + 1, in order (sqlite-utils' migrations): a file is brought from
# its format to the current one in one transaction.
MIGRATIONS = {1: _MIGRATE_1, 2: _MIGRATE_2, 3: _MIGRATE_3, 4: _MIGRATE_4,
              5: _MIGRATE_5}


def bring_up_to_date(conn: sqlite3.Connection, version: int) -> None:
    """A file of format ``version`` (0: new) at the current one: its tables created, or
    the migrations since its format applied, in one transaction; and, for a file that
    held rows, its pages checked (a ``sqlite3.DatabaseError`` if one is damaged)."""
    if version == 0:
        # One script, one transaction: executescript() commits on its own.
        conn.executescript(
            f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
        )
        return
    if version < SCHEMA_VERSION:
        steps = "".join(MIGRATIONS[v] for v in range(version, SCHEMA_VERSION))
        conn.executescript(f"BEGIN IMMEDIATE; {steps} "
                           f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
    # A damaged page found now stops the run before anything is sent, not halfway
    # through (quick_check reads every page: milliseconds per MB).
    found = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
    if found != ["ok"]:
        raise sqlite3.DatabaseError("database disk image is malformed: " + "; ".join(found))
