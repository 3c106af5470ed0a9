"""The local outbox: without an ``[smtp]`` section, messages are written to a Maildir.

A Maildir (``cur/``, ``new/``, ``tmp/``) is what mail clients such as mutt, Thunderbird
(with a Maildir account) and Evolution read; each message is one file in ``new/``,
written with the standard :mod:`mailbox` module (to ``tmp/``, then renamed, so a reader
never sees half a message). Files use LF line endings, as Maildir tools expect; SMTP gets
the same message with CRLF.

No pool: writing a file is fast and has no server to wait for, so the outbox claims and
records a batch at a time, on the caller's thread (Ctrl-C is a ``KeyboardInterrupt``).
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import SendError
from ..paths import display_path
from .transport import Delivered, Outcome, Outgoing, Recorder

__all__ = ["NAME", "Outbox"]

# How the ledger names the outbox: what it "sent" reached nobody (the archive leaves it out).
NAME = "outbox"

# How many written files a run names (the rest are in the same folder).
_SHOWN = 3


class Outbox:
    """A Maildir folder that plays the part of the SMTP server."""

    # Claimed a batch at a time: a killed run leaves at most this many uncertain.
    batch_size = 16

    def __init__(self, path: Path):
        self.path = path

    @property
    def name(self) -> str:
        """How the ledger names this transport."""
        return NAME

    def describe(self) -> str:
        """A human description, for the summary and ``--dry-run``."""
        return f"the outbox folder {display_path(self.path)}/ (Maildir)"

    def check(self) -> None:
        """Nothing to check before writing: a folder that cannot be made is a SendError."""

    def deliver(self, batches: Iterable[Sequence[Outgoing]], recorder: Recorder) -> Delivered:
        """Write every message, a batch at a time: claimed (one transaction), written,
        recorded (one transaction). Names the first few files."""
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
        return Delivered(folder=self.path, files=tuple(written))
