"""The local outbox: without an ``[smtp]`` section, messages are written to a Maildir.

A Maildir (``cur/``, ``new/``, ``tmp/``) is what mail clients such as mutt, Thunderbird
(with a Maildir account) and Evolution read; each message is one file in ``new/``,
written with the standard :mod:`mailbox` module (to ``tmp/``, then renamed, so a reader
never sees half a message). Files use LF line endings, as Maildir tools expect; SMTP gets
the same message with CRLF.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import SendError
from .ledger import Outcome
from .mailer import Outgoing, Recorder
from .paths import display_path

__all__ = ["Outbox"]

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

    def deliver(self, batches: Iterable[Sequence[Outgoing]], recorder: Recorder) -> list[Path]:
        """Write every message, a batch at a time: claimed (one transaction), written,
        recorded (one transaction). Returns the first few files."""
        try:
            box = mailbox.Maildir(self.path, create=True)
        except OSError as exc:
            raise SendError(f"{display_path(self.path)}: cannot create the outbox: {exc}") from None
        written: list[Path] = []
        for batch in batches:
            recorder.record(batch)
            outcomes: list[Outcome] = []
            try:
                for item in batch:
                    try:
                        key = box.add(item.data.replace(b"\r\n", b"\n"))
                    except OSError as exc:
                        raise SendError(f"{display_path(self.path)}: cannot write a message: "
                                        f"{exc.strerror or exc}") from None
                    outcomes.append(Outcome(item.recipient, "sent"))
                    if len(written) < _SHOWN:
                        written.append(self.path / "new" / key)
            except BaseException as exc:  # a full disk, or Ctrl-C: the rest were not written
                why = str(exc) if isinstance(exc, SendError) else "the run stopped"
                outcomes += [Outcome(rest.recipient, "not_sent", 0, None, f"not written: {why}")
                             for rest in batch[len(outcomes):]]
                raise
            finally:
                recorder.record(outcomes)
                recorder.report(outcomes)
        return written
