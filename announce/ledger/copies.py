"""One copy of each message as it went out, for ``announce archive``.

Everything of a message but its addressing is the same for every recipient (only ``To``
and ``Message-ID`` differ, :mod:`announce.message`), so the ledger keeps that shared form
once per message, in a table of its own: the subject, the HTML and plain-text parts
(compressed together, zlib), when the first recipient had it and what it went through.
No recipient, no ``To``, no Message-ID.

- A copy is kept when a run records the first recipient confirmed for that message: a
  dry run, a preview, ``announce render`` or a run that reached nobody keep none.
- The first copy that went out stays: a run resumed after an edit, or a deliberate
  resend, leaves it as it was. Only a copy the outbox wrote (a local folder: nobody got
  it) gives way to the first one a transport delivers.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import datetime

# The outbox transport's name (delivery.outbox.NAME, a test holds them equal): written
# here, as `list` reads the ledger without importing the delivery package.
OUTBOX = "outbox"

__all__ = ["OUTBOX", "Copy", "keep", "read_copies"]

# The format that added the table (schema.py); an older file read as it is has none.
SINCE = 6


@dataclass(frozen=True)
class Copy:
    """A message as every recipient got it."""

    event: str
    kind: str  # the ledger key ("update:2")
    subject: str
    html: str
    text: str
    sent_at: datetime  # when the first recipient was confirmed
    transport: str  # the ledger's name for it: "smtp://host:587", "outbox"

    @property
    def delivered(self) -> bool:
        """It reached people (the outbox only wrote files)."""
        return self.transport != OUTBOX


_KEEP = """
    INSERT INTO copies (event, kind, subject, parts, sent_at, transport)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (event, kind) DO UPDATE SET
        subject = excluded.subject, parts = excluded.parts, sent_at = excluded.sent_at,
        transport = excluded.transport
    WHERE copies.transport = ? AND excluded.transport != ?
"""


def keep(conn: sqlite3.Connection, event: str, kind: str, subject: str, html: str,
         text: str, sent_at: str, transport: str) -> None:
    """Keep this message's copy, unless one that went out is kept already (see above)."""
    parts = zlib.compress(json.dumps({"html": html, "text": text}, ensure_ascii=False)
                          .encode("utf-8"), 9)
    conn.execute(_KEEP, (event, kind, subject, parts, sent_at, transport, OUTBOX, OUTBOX))


def read_copies(conn: sqlite3.Connection, version: int) -> list[Copy]:
    """Every copy kept, the oldest first; none in a ledger of a format before 6."""
    if version < SINCE:
        return []
    copies = []
    for event, kind, subject, parts, sent_at, transport in conn.execute(
            "SELECT event, kind, subject, parts, sent_at, transport FROM copies "
            "ORDER BY sent_at, event, kind"):
        body = json.loads(zlib.decompress(parts).decode("utf-8"))
        copies.append(Copy(event, kind, subject, body["html"], body["text"],
                           datetime.fromisoformat(sent_at), transport))
    return copies
