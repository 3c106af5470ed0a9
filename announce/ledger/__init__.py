"""The ledger: a SQLite record of what was sent to whom, which makes reruns safe.

One row per (event id, kind, recipient). A recipient is *claimed* (committed) before its
message is handed to the transport, and *confirmed* after: ``sent``, or ``failed`` with
the server's code and reply. Claims and confirmations are written in batches, one
transaction per batch, because a commit per message would cap the sending rate.

A row still ``claimed`` when no run is going is *uncertain*: the run that claimed it
stopped (crash, kill, lost connection after the message's final dot) before it learnt
whether the message went out. A rerun reports such rows and leaves them alone; the
organizer decides (``announce send --resend-uncertain`` sends them).

Over SMTP a recipient is claimed just before its message is handed over, and its
outcome is stored before that connection's next claim (:meth:`Ledger.record`, one
transaction for whatever all connections have to say, a "group commit"), so a killed run
leaves at most one uncertain row per connection. A message waiting to be retried is
released (back to what it was) until its next attempt.

Any SQLite failure (disk full, read-only file, damaged page) is a :class:`LedgerError`
naming the file; a run that cannot record stops sending.

What selection learns from the ledger (:meth:`Ledger.sent_records`), per event and kind:

- ``first_at``: the first confirmed send (before any, the first claim);
- ``complete``: at least one recipient confirmed, the last run went through every
  recipient (a stopped run leaves the rest without a row), no row uncertain, and no row
  failed for a *temporary* reason (a 4xx reply, a dropped connection, a run that stopped before
  trying). A permanent refusal (5xx: no such user, mailbox disabled) does not hold the
  kind open: a rerun would be refused again, and the reminder must still go out. Those
  failures stay listed in ``announce history``; ``announce send EVENT --kind K --force``
  tries them again;
- ``delivered``: at least one recipient confirmed. An unfinished announcement that
  reached people gives way to its reminder when that is due (see :mod:`.selection`);
- ``facts``: what the message said about the event (title, times, venue, online link,
  cancelled: :class:`.changes.Facts`), snapshotted when its sending first started
  (:meth:`Ledger.record_subject`), so that an update is due when the event changes
  afterwards. The first snapshot stays: a run resumed after an edit sends the rest the
  new facts, and the update then tells everyone. A ledger from before format 3 has
  none, and nothing counts as changed for its events.

The kind column holds the *ledger key* (see :mod:`.kinds`): the kind's name, or
``update:N`` for an event's N-th update, so each update is its own exactly-once message.

Besides the rows per recipient, the ledger keeps one copy of each message that went out,
as every recipient got it (subject, HTML and text parts, no address): see
:mod:`.copies`. ``announce archive`` publishes them.

A send writes the file in WAL mode (one fsync per commit, see :meth:`Ledger.open`) and
turns it back to SQLite's default rollback journal when it closes it, so that between runs
it is one file that can be committed to a site repository. A run killed outright leaves a
``-wal`` file holding committed rows: the next open reads it in, and ``announce ledger
record`` folds it into the file before committing it (:mod:`.branch`). A run lock (``flock`` on
``<ledger>.lock``) keeps two ``announce send`` runs from sending at once; the kernel
releases it when the process ends, however it ends.
"""

from __future__ import annotations

from .copies import Copy
from .history import Failure, HistoryEntry
from .lock import run_lock
from .schema import SCHEMA_VERSION
from .statements import Claim
from .store import Ledger, Row, read_sent

__all__ = [
    "SCHEMA_VERSION",
    "Claim",
    "Copy",
    "Failure",
    "HistoryEntry",
    "Ledger",
    "Row",
    "read_sent",
    "run_lock",
]
