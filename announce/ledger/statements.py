"""The SQL that records one claim or one outcome of a delivery in the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # reading the ledger needs no delivery package
    from ..delivery.transport import Outcome

__all__ = ["Claim", "change_statement"]


@dataclass(frozen=True, slots=True)
class Claim:
    """A recipient about to be sent to, with the Message-ID their copy carries."""

    recipient: str
    message_id: str


_CLAIM = """
    INSERT INTO deliveries (event, kind, recipient, status, message_id,
                            transport, claimed_at, updated_at)
    VALUES (?, ?, ?, 'claimed', ?, ?, ?, ?)
    ON CONFLICT (event, kind, recipient) DO UPDATE SET
        status = 'claimed', message_id = excluded.message_id,
        transport = excluded.transport, claimed_at = excluded.claimed_at,
        updated_at = excluded.updated_at
"""
# The first send stays the first: the reminder counts its 24 hours from it, and
# `history` tells first and last apart (updated_at is the last).
_SENT = ("UPDATE deliveries SET status = 'sent', sent_at = COALESCE(sent_at, ?), "
         "attempts = attempts + ?, code = NULL, last_error = '', updated_at = ? "
         "WHERE event = ? AND kind = ? AND recipient = ?")
_FAILED = ("UPDATE deliveries SET status = 'failed', attempts = attempts + ?, code = ?, "
           "last_error = ?, updated_at = ? WHERE event = ? AND kind = ? AND recipient = ?")
_UNCERTAIN = ("UPDATE deliveries SET attempts = attempts + ?, last_error = ?, updated_at = ? "
              "WHERE event = ? AND kind = ? AND recipient = ?")
# Not handed over: back to what it was. A row confirmed by an earlier run (this run was
# resending it) is still sent; any other was not sent. Only a row this run claimed.
_RELEASED = ("UPDATE deliveries SET status = CASE WHEN sent_at IS NULL THEN 'failed' "
             "ELSE 'sent' END, attempts = attempts + ?, code = NULL, last_error = ?, "
             "updated_at = ? WHERE event = ? AND kind = ? AND recipient = ? "
             "AND status = 'claimed'")


def change_statement(change: Claim | Outcome, event: str, kind: str, transport: str,
            now: str) -> tuple[str, tuple[object, ...]]:
    """The statement for one change, and its values."""
    if isinstance(change, Claim):
        return _CLAIM, (event, kind, change.recipient, change.message_id, transport, now, now)
    key = (event, kind, change.recipient)
    if change.status == "sent":
        return _SENT, (now, change.attempts, now, *key)
    if change.status == "failed":
        return _FAILED, (change.attempts, change.code, change.error, now, *key)
    if change.status == "uncertain":
        return _UNCERTAIN, (change.attempts, change.error, now, *key)
    return _RELEASED, (change.attempts, change.error, now, *key)  # not_sent, deferred
