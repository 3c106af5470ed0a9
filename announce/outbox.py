"""The local outbox: without an ``[smtp]`` section, messages are written to a Maildir.

A Maildir (``cur/``, ``new/``, ``tmp/``) is what mail clients such as mutt, Thunderbird
(with a Maildir account) and Evolution read; each message is one file in ``new/``,
written with the standard :mod:`mailbox` module (to ``tmp/``, then renamed, so a reader
never sees half a message). Files use LF line endings, as Maildir tools expect; SMTP gets
the same message with CRLF.
"""

from __future__ import annotations

import mailbox
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .errors import SendError
from .ledger import Outcome
from .mailer import Outgoing
from .paths import display_path

__all__ = ["Outbox"]

# Outcomes go to the ledger in batches: a commit per message would be most of the cost.
_FLUSH_EVERY = 100
# How many written files a run names (the rest are in the same folder).
_SHOWN = 3


class Outbox:
    """A Maildir folder that plays the part of the SMTP server."""

    def __init__(self, path: Path):
        self.path = path

    @property
    def name(self) -> str:
        """How the ledger names this transport."""
        return "outbox"

    def describe(self) -> str:
        """A human description, for the summary and ``--dry-run``."""
        return f"the outbox folder {display_path(self.path)}/ (Maildir)"

    def deliver(
        self, batches: Iterable[Sequence[Outgoing]], on_outcomes: Callable[[list[Outcome]], None]
    ) -> list[Path]:
        """Write every message; report outcomes in batches; return the first few files."""
        try:
            box = mailbox.Maildir(self.path, create=True)
        except OSError as exc:
            raise SendError(f"{display_path(self.path)}: cannot create the outbox: {exc}") from None
        written: list[Path] = []
        pending: list[Outcome] = []
        try:
            for batch in batches:
                for index, item in enumerate(batch):
                    try:
                        key = box.add(item.data.replace(b"\r\n", b"\n"))
                    except OSError as exc:
                        problem = f"cannot write a message: {exc}"
                        # Claimed but certainly not written: back to "not sent".
                        pending.extend(Outcome(rest.recipient, "not_sent", 0, None, problem)
                                       for rest in batch[index:])
                        raise SendError(f"{display_path(self.path)}: {problem}") from None
                    pending.append(Outcome(item.recipient, "sent"))
                    if len(written) < _SHOWN:
                        written.append(self.path / "new" / key)
                    if len(pending) >= _FLUSH_EVERY:
                        on_outcomes(pending)
                        pending = []
        finally:
            if pending:
                on_outcomes(pending)
        return written
