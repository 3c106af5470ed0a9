"""What the ledger remembers, for ``announce history``: each message kind of each event,
its counts, its failures, and what the organizer skipped."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = ["Failure", "HistoryEntry", "parse_time", "read_history"]


def parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


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
    skipped: str = ""  # "2027-01-25T13:17:00+00:00 by organizer": skipped, not sent


def read_history(conn: sqlite3.Connection, version: int) -> list[HistoryEntry]:
    """Every message kind ever sent or tried, oldest first, with its failures."""
    failures: dict[tuple[str, str], list[Failure]] = {}
    for event, kind, recipient, status, code, error, attempts in conn.execute(
        "SELECT event, kind, recipient, status, code, last_error, attempts FROM deliveries "
        "WHERE status != 'sent' ORDER BY event, kind, recipient"
    ):
        failures.setdefault((event, kind), []).append(
            Failure(recipient, "failed" if status == "failed" else "uncertain", code,
                    error, attempts)
        )
    entries: list[HistoryEntry] = []
    for row in conn.execute(
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
            first_sent=parse_time(first), last_sent=parse_time(last),
            sent=sent, failed=failed, uncertain=unsure,
            failures=tuple(failures.get((event, kind), ())),
        ))
    return _with_skips(entries, _skips(conn, version))


def _skips(conn: sqlite3.Connection, version: int) -> dict[tuple[str, str], tuple[str, str]]:
    if version < 4:
        return {}
    return {(event, kind): (subject, f"{at} by {by}" if by else at)
            for event, kind, subject, at, by in conn.execute(
                "SELECT event, kind, subject, skipped_at, skipped_by FROM messages "
                "WHERE skipped_at IS NOT NULL ORDER BY skipped_at")}


def _with_skips(entries: list[HistoryEntry],
                skips: dict[tuple[str, str], tuple[str, str]]) -> list[HistoryEntry]:
    """The history with what the organizer skipped: marked on its entry, or an entry of
    its own when nobody was sent it."""
    from dataclasses import replace

    found = []
    for entry in entries:
        skip = skips.pop((entry.event, entry.kind), None)
        found.append(replace(entry, skipped=skip[1]) if skip else entry)
    found += [HistoryEntry(event, kind, subject, (), None, None, 0, 0, 0, (), skipped=when)
              for (event, kind), (subject, when) in skips.items()]
    return found
