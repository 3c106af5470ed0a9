"""What every transport is, and the values that go in and out of one. Imports nothing
of announce but its errors: the ledger, the pool and every transport build on this.

A transport takes batches of :class:`Outgoing` messages (serialized, CRLF, addressed) and
gives one :class:`Outcome` per message to a :class:`Recorder`: claimed before the bytes
leave, stored once its fate is known. A refused recipient is an outcome, never an
exception for the whole run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "Channel",
    "Delivered",
    "Fatal",
    "Outcome",
    "OutcomeStatus",
    "Outgoing",
    "Pipelined",
    "Recorder",
    "Retry",
    "Stopped",
    "Transport",
    "Uncertain",
    "permanent",
]

OutcomeStatus = Literal["sent", "failed", "uncertain", "not_sent", "deferred"]


def permanent(code: int | None) -> bool:
    """A refusal that trying again will not change: an SMTP 5xx reply (RFC 5321 4.2.1).

    The one home of the rule. ``Outcome.code`` is in SMTP's vocabulary whatever the
    transport (one that is not SMTP maps its refusals to such codes), so the ledger's
    "refused earlier" asks this too. Reply codes are three digits, the first 2 to 5:
    anything else is no reply at all, never a permanent one.
    """
    return code is not None and 500 <= code <= 599


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message, ready to go: the ledger's key, the envelope recipient, the bytes, and
    the Message-ID they carry (the ledger keeps it with the claim).

    A message shared by several recipients (``[mail] batch_recipients``) names the others
    in ``shared`` (ledger key, envelope address): one transaction, a RCPT each. Its
    outcome is each one's, except for those the server refused at their RCPT, which the
    transport notes in ``refused`` (envelope address -> code, reply) as it sends.
    """

    recipient: str
    rcpt: str
    data: bytes
    message_id: str = ""
    shared: tuple[tuple[str, str], ...] = ()
    refused: dict[str, tuple[int | None, str]] = field(default_factory=dict, compare=False,
                                                       repr=False)

    @property
    def keys(self) -> tuple[str, ...]:
        """The ledger keys of everyone this message goes to."""
        return (self.recipient, *(key for key, _ in self.shared))

    @property
    def rcpts(self) -> tuple[str, ...]:
        """The envelope addresses of everyone this message goes to (RCPT TO)."""
        return (self.rcpt, *(rcpt for _, rcpt in self.shared))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one recipient's message in this run.

    ``uncertain``: handed over, but the server's final reply never came (the row stays
    claimed). ``not_sent``: claimed but never tried, because the run stopped.
    ``deferred``: failed for now, to be tried again in this run: released until then
    (the ledger only; the summary never sees it).
    """

    recipient: str
    status: OutcomeStatus
    attempts: int = 1
    code: int | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class Stopped:
    """Why a run stopped before every message was tried; ``signal``: SIGINT or SIGTERM."""

    reason: str
    signal: str | None = None


@dataclass(frozen=True)
class Delivered:
    """What :meth:`Transport.deliver` did, beyond the outcomes it recorded.

    ``stopped``: why it stopped before every message was tried, if it did. ``folder`` and
    ``files``: for a transport that writes files, where, and the first few it wrote.
    """

    stopped: Stopped | None = None
    folder: Path | None = None
    files: tuple[Path, ...] = ()


class Recorder(Protocol):
    """Where a run's claims and outcomes go: the ledger, and the summary."""

    def record(self, changes: Sequence[Outgoing | Outcome]) -> None:
        """Durably, in this order: an ``Outgoing`` is claimed (about to be handed over),
        an ``Outcome`` stored. Called from one thread, never concurrently with itself."""

    def report(self, outcomes: Sequence[Outcome]) -> None:
        """Count outcomes that are recorded (on the thread that delivers)."""


class Transport(Protocol):
    """A way to deliver messages: SMTP, the outbox folder, or another (one module plus
    one entry in :data:`announce.delivery.REGISTRY`).

    Constructing one reads no secret and connects to nothing, so that a dry run can
    describe it; :meth:`check` finds what would stop it; :meth:`deliver` sends.
    """

    @property
    def name(self) -> str:
        """How the ledger names this transport (``smtp://host:port``, ``outbox``)."""
        ...

    @property
    def batch_size(self) -> int:
        """How many recipients to look up in the ledger, and hand over, at a time."""
        ...

    def describe(self) -> str:
        """Where messages go, in words, for summaries and ``--dry-run``; no secrets."""
        ...

    def check(self) -> None:
        """Raise ``ConfigError`` if sending would be unsafe or cannot work (a password
        that is not set, a login in the clear); before anything is locked or sent."""
        ...

    def deliver(self, batches: Iterable[Sequence[Outgoing]], recorder: Recorder) -> Delivered:
        """Deliver every message of ``batches`` (consumed lazily), claiming each through
        ``recorder`` before it leaves and giving it exactly one outcome.

        Raises ``SendError`` when nothing can be delivered at all (nothing was claimed
        then) and ``LedgerError`` when recording fails (nothing more leaves).
        """
        ...


# --- what a transport that uses the pool (pool.py) gives it ----------------------

class Fatal(Exception):
    """Stops the whole run: something every message would hit."""


class Retry(Exception):
    """A temporary failure before the message was handed over: try it again later."""

    def __init__(self, error: str, code: int | None = None):
        super().__init__(error)
        self.code = code


class Uncertain(Exception):
    """The message was handed over, and no clear acceptance or refusal came back."""


class Channel(Protocol):
    """One connection of a transport, used by one worker at a time."""

    @property
    def connected(self) -> bool:
        """Whether :meth:`send` can go ahead without :meth:`open` first."""
        ...

    @property
    def handed_over(self) -> bool:
        """The current message's bytes have started to leave: a stop now leaves its
        fate unknown (``uncertain``), not ``not_sent``."""
        ...

    async def open(self) -> None:
        """Connect (again); raise :class:`Fatal`, or :class:`Retry` for a failure that
        may pass (the server is away, or refuses connections for now)."""
        ...

    async def send(self, item: Outgoing, claimed: asyncio.Future[None]) -> None:
        """Deliver ``item``; its bytes may leave only once ``claimed`` is done (the claim
        is on disk: awaiting it raises if it never will be). Return when it was
        accepted; else raise :class:`Retry`, :class:`Fatal`, ``RecipientRefused`` or
        :class:`Uncertain`."""
        ...

    def close(self) -> None:
        """Drop the connection at once."""
        ...

    async def quit(self) -> None:
        """End the connection politely (the run is over)."""
        ...


class Pipelined(Channel, Protocol):
    """A channel that can send the next message's envelope behind this one's body (SMTP
    PIPELINING): while :attr:`pipelining` is true, the pool passes ``upcoming``."""

    @property
    def pipelining(self) -> bool:
        """Whether this connection pipelines (known once it is open)."""
        ...

    async def send(self, item: Outgoing, claimed: asyncio.Future[None],
                   upcoming: Outgoing | None = None) -> None:
        """As :meth:`Channel.send`; ``upcoming``, not claimed yet, is the message this
        channel is given next: only its envelope may go ahead, never its body. If it is
        not given next after all, the pool closes the channel."""
        ...
