"""What a run of ``announce send`` did, as data: a :class:`KindReport` per message (how
many were sent, failed, skipped, left uncertain), the :class:`SendReport` of the run and
its exit code. :mod:`announce.send` fills them in; :mod:`announce.summary` words them.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .content import Event, Problem

__all__ = ["SHOWN", "KindReport", "SendReport", "note"]

# How many failed or uncertain addresses a report keeps before "... and N more".
SHOWN = 20


@dataclass
class KindReport:
    """What happened to one kind of message for one event."""

    event: Event
    kind: str
    subject: str
    transport: str
    recipients: int
    sent: int = 0
    failed: int = 0
    skipped: int = 0          # already sent by an earlier run
    left_out: int = 0         # invalid or duplicate entries in the recipients (skipped too)
    uncertain: int = 0        # claimed by a run that stopped, or lost after the final dot
    not_sent: int = 0         # claimed, never tried: the run stopped early
    invalid: int = 0          # could not be addressed
    refused: int = 0          # refused for good (5xx) by an earlier run: not tried again
    audience: str = ""        # where the recipients come from
    dry_run: bool = False
    failures: list[tuple[str, str]] = field(default_factory=list)
    uncertain_recipients: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)   # the first few files written, if any
    outbox: Path | None = None                         # the folder they are in
    aborted: str | None = None
    # "changed since the announcement: start 18:00 → 18:30", for an update
    changed: str | None = None
    skip: bool = False        # skipped by the organizer: recorded as done, sent to nobody

    @property
    def ok(self) -> bool:
        return not (self.failed or self.uncertain or self.not_sent or self.aborted)

    @property
    def never_tried(self) -> int:
        """Recipients this run never got to: not read from the list when it stopped."""
        reached = (self.sent + self.failed + self.skipped + self.uncertain + self.not_sent
                   + self.invalid + self.refused)
        return max(0, self.recipients - reached)

    @property
    def counts(self) -> str:
        """``N sent, N failed, N skipped, N uncertain`` (and ``N not sent``), for summaries."""
        counts = (f"{self.sent} sent, {self.failed + self.invalid} failed, "
                  f"{self.skipped + self.left_out} skipped, {self.uncertain} uncertain")
        counts += f", {self.refused} refused earlier" if self.refused else ""
        return counts + (f", {self.not_sent} not sent" if self.not_sent else "")


@dataclass
class SendReport:
    """Everything a run did, for the CLI (and for CI annotations) to present."""

    items: list[KindReport] = field(default_factory=list)
    problems: tuple[str, ...] = ()      # recipients left out (invalid, duplicate)
    # What the files' own problems mean for the messages planned (a language without a
    # catalog: the mail is English).
    warnings: list[Problem] = field(default_factory=list)
    nothing_due: str | None = None
    notes: list[str] = field(default_factory=list)
    stopped_by: str | None = None       # SIGINT or SIGTERM stopped the run

    @property
    def exit_code(self) -> int:
        """0: all went out (or nothing was due); 3: some recipients did not; 1: stopped;
        128 + the signal's number when a signal stopped it (130 for Ctrl-C)."""
        if self.stopped_by is not None:
            return 128 + signal.Signals[self.stopped_by].value
        if any(item.aborted for item in self.items):
            return 1
        return 0 if all(item.ok for item in self.items) else 3


T = TypeVar("T")


def note(notes: list[T], entry: T) -> None:
    """Keep ``entry`` among the first :data:`SHOWN` ``notes``."""
    # Keep the first SHOWN only: a server that refuses everyone must not fill memory.
    if len(notes) < SHOWN:
        notes.append(entry)
