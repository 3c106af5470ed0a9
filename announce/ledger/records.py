"""What the ledger says went out, as the kinds read it: for each event and ledger key a
:class:`~announce.news.SentRecord` (when it first went out, whether it is complete,
whether it reached anyone, what it said), from the rows of every format since 1."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from ..changes import Facts
from ..news import SentRecord
from .history import parse_time

__all__ = ["read_records"]

log = logging.getLogger(__name__)


def read_records(conn: sqlite3.Connection, version: int,
                 path: Path) -> dict[str, dict[str, SentRecord]]:
    """Per event and ledger key, when it first went out and whether it is complete (see
    :mod:`announce.ledger`); ``version`` is the file's format, ``path`` names it in
    warnings."""
    records: dict[str, dict[str, SentRecord]] = {}
    for event, kind, first_sent, first_claimed, claimed, temporary, facts in _read_sent(
            conn, version):
        first = parse_time(first_sent) or parse_time(first_claimed)
        assert first is not None  # claimed_at is NOT NULL
        delivered = first_sent is not None
        complete = delivered and not claimed and not temporary
        records.setdefault(event, {})[kind] = SentRecord(
            first, complete, delivered, _facts(path, facts, event, kind))
    for event, kind, skipped_at, facts in _read_skipped(conn, version):
        # Skipped: done, as if everyone had it (see Ledger.skip).
        earlier = records.get(event, {}).get(kind)
        first = parse_time(skipped_at)
        assert first is not None
        records.setdefault(event, {})[kind] = SentRecord(
            min(first, earlier.first_at) if earlier else first, True, True,
            _facts(path, facts, event, kind))
    return records


def _read_skipped(conn: sqlite3.Connection,
                  version: int) -> list[tuple[str, str, str, str | None]]:
    if version < 4:  # a read-only open of an older format: nothing was skipped
        return []
    return conn.execute(
        "SELECT event, kind, skipped_at, facts FROM messages "
        "WHERE skipped_at IS NOT NULL").fetchall()


def _facts(path: Path, text: str | None, event: str, kind: str) -> Facts | None:
    if text is None:
        return None
    try:
        return Facts.from_json(text)
    except ValueError as exc:
        # Not worth stopping every send for: without it, no update is due for the
        # event, as for a message from before snapshots.
        log.warning("%s: the snapshot of the %s of %s is unreadable (%s): no update is "
                    "due for it", path, kind, event, exc)
        return None


def _read_sent(conn: sqlite3.Connection,
               version: int) -> list[tuple[str, str, str | None, str, int, int, str | None]]:
    # A kind without a messages row, or from format 1, counts as finished.
    unfinished = ("(SELECT COUNT(*) FROM messages AS m WHERE m.event = d.event "
                  "AND m.kind = d.kind AND m.finished_at IS NULL)"
                  if version >= 2 else "0")
    # Formats 1 and 2 (a read-only open does not migrate) kept no snapshot.
    facts = ("(SELECT m.facts FROM messages AS m WHERE m.event = d.event "
             "AND m.kind = d.kind)" if version >= 3 else "NULL")
    return conn.execute(
        f"""
        SELECT event, kind,
               MIN(CASE WHEN status = 'sent' THEN sent_at END),
               MIN(claimed_at),
               SUM(status = 'claimed') + {unfinished},
               SUM(status = 'failed' AND (code IS NULL OR code < 500 OR code > 599)),
               {facts}
        FROM deliveries AS d GROUP BY event, kind
        """  # noqa: S608 - no value in the text
    ).fetchall()

