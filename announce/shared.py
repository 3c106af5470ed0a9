"""Messages shared by several recipients: ``[mail] batch_recipients = N``.

Off by default: every subscriber gets a message of their own, ``To:`` them. With a
relay that charges or throttles per message, or a list of thousands far away, N
recipients can share one message instead: one SMTP transaction, a ``RCPT TO`` each, and
``To:`` the list's address (``[mail] to``) or ``undisclosed-recipients:;`` (so that no
one sees the others' addresses). The ledger still has a row per recipient, claimed
before the message leaves, with the message's one Message-ID:

- a recipient the server refuses at its ``RCPT`` fails alone (a 5xx for good, a 4xx is
  tried again by the next run), and the others get the message;
- anything that makes one recipient's message uncertain (the connection lost after the
  body, a run killed mid-message) makes the whole message's uncertain: none of them is
  sent again without ``--resend-uncertain``, which resends them sharing a message again,
  under the Message-ID they had.

A killed run leaves at most one message per connection uncertain, as before: with N
recipients each, up to N recipients per connection.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .delivery.transport import Outcome, Outgoing
from .message import UNDISCLOSED

if TYPE_CHECKING:
    from .config import Settings
    from .ledger import Row
    from .message import Prepared

__all__ = ["UNDISCLOSED", "Shared", "to_header"]

def to_header(settings: Settings) -> str:
    """The ``To`` of a shared message: the list's address(es), or no one by name."""
    return ", ".join(settings.mail.to) or UNDISCLOSED


class Shared:
    """The shared messages of one (event, kind) of a run, by their first recipient's key:
    each outcome the transport gives one of them is every one of its recipients'."""

    def __init__(self, prepared: Prepared, size: int, to: str):
        self.prepared, self.size, self.to = prepared, size, to
        self.messages: dict[str, Outgoing] = {}
        # The ledger's thread records while the event loop's reports (the journal).
        self.lock = threading.Lock()

    def group(self, items: Sequence[Outgoing], rows: Mapping[str, Row]) -> list[Outgoing]:
        """``items`` (one per recipient) as shared messages of up to ``size`` each. A
        recipient resent after an uncertain run keeps the Message-ID it had: it shares a
        message with the others of that message only."""
        by_id: dict[str | None, list[Outgoing]] = {}
        for item in items:
            row = rows.get(item.recipient)
            kept = row.message_id if row is not None and row.status == "claimed" else None
            by_id.setdefault(kept, []).append(item)
        messages = []
        for kept, members in by_id.items():
            for start in range(0, len(members), self.size):
                part = members[start:start + self.size]
                first = part[0]
                message_id = kept or self.prepared.message_id_for(first.recipient)
                message = Outgoing(
                    first.recipient, first.rcpt,
                    self.prepared.to_bytes(self.to, message_id=message_id), message_id,
                    tuple((other.recipient, other.rcpt) for other in part[1:]))
                with self.lock:
                    self.messages[first.recipient] = message
                messages.append(message)
        return messages

    def each(self, outcome: Outcome, *, last: bool = False) -> list[Outcome]:
        """``outcome`` as each recipient's; ``last``: the message is done with (reported)."""
        with self.lock:
            message = (self.messages.pop(outcome.recipient, None) if last and
                       outcome.status != "deferred" else self.messages.get(outcome.recipient))
        if message is None:  # a message of its own
            return [outcome]
        # What the RCPTs were told counts only when the message was tried to the end.
        refused = message.refused if outcome.status in ("sent", "failed", "uncertain") else {}
        found = []
        for key, rcpt in zip(message.keys, message.rcpts, strict=True):
            if rcpt in refused:
                code, error = refused[rcpt]
                found.append(Outcome(key, "failed", outcome.attempts, code, error))
            else:
                found.append(Outcome(key, outcome.status, outcome.attempts, outcome.code,
                                     outcome.error))
        return found
