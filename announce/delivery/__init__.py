"""Delivery: the transports, and the one place that picks one for the settings.

- :mod:`.transport`: the :class:`Transport` protocol and the values around it;
- :mod:`.pool`: concurrency, rate limit, retries, stop signals, for transports with
  connections (:mod:`.journal`: their claims and outcomes, group-committed; :mod:`.pace`:
  the rate limit and the backoff; :mod:`.stops`: how its event loop stops);
- :mod:`.smtp`, :mod:`.outbox`: the two transports announce has.

A new transport (an email service's HTTP API, say) is one module with a class that
implements :class:`Transport` (usually on top of :func:`.pool.run`), plus one entry in
:data:`REGISTRY`. Nothing here imports the ledger: a :class:`Recorder` is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .transport import (
    Delivered,
    Outcome,
    OutcomeStatus,
    Outgoing,
    Recorder,
    Stopped,
    Transport,
    permanent,
)

if TYPE_CHECKING:
    import ssl

    from ..config import Settings

__all__ = [
    "REGISTRY",
    "Delivered",
    "Entry",
    "Outcome",
    "OutcomeStatus",
    "Outgoing",
    "Overrides",
    "Recorder",
    "Stopped",
    "Transport",
    "config_name",
    "entry_for",
    "permanent",
    "transport_for",
]


@dataclass(frozen=True)
class Overrides:
    """What a caller (a test, mostly) may change about any transport it gets."""

    ssl_context: ssl.SSLContext | None = None  # instead of the default, verifying one
    backoff: float | None = None               # the base delay between attempts
    environ: Mapping[str, str] | None = None   # instead of os.environ, for secrets


@dataclass(frozen=True)
class Entry:
    """One transport: when the settings choose it, how to make it from them, and whether
    what it delivers outlives the machine that ran it (``durable``: it left for a server;
    the outbox's files stay on the machine, which a GitHub runner throws away)."""

    name: str
    chosen: Callable[[Settings], bool]
    make: Callable[[Settings, Overrides], Transport]
    durable: bool = True


def config_name(settings: Settings) -> str:
    """The config file as transports name it in messages."""
    return str(settings.source) if settings.source else "configuration"


def _smtp(settings: Settings, overrides: Overrides) -> Transport:
    from email.utils import parseaddr

    from .smtp import SmtpTransport

    assert settings.smtp is not None
    return SmtpTransport(settings.smtp, parseaddr(settings.mail.sender)[1],
                         where=config_name(settings), environ=overrides.environ,
                         ssl_context=overrides.ssl_context, backoff=overrides.backoff)


def _outbox(settings: Settings, overrides: Overrides) -> Transport:
    from .outbox import Outbox

    return Outbox(settings.outbox.path)


# The first entry the settings choose is the one; the outbox, when nothing else is set.
REGISTRY: list[Entry] = [
    Entry("smtp", lambda settings: settings.smtp is not None, _smtp),
    Entry("outbox", lambda settings: True, _outbox, durable=False),
]


def entry_for(settings: Settings) -> Entry:
    """The registry's entry ``settings`` choose."""
    for entry in REGISTRY:
        if entry.chosen(settings):
            return entry
    raise AssertionError("the outbox entry takes any settings")  # pragma: no cover


def transport_for(settings: Settings, overrides: Overrides | None = None) -> Transport:
    """The transport ``settings`` choose. Makes no connection and reads no secret yet."""
    return entry_for(settings).make(settings, overrides or Overrides())
