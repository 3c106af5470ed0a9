"""One hierarchy of errors. Messages start with where the problem is.

Only the CLI prints these and turns them into exit codes; everything below raises.
"""

from __future__ import annotations

__all__ = [
    "AnnounceError",
    "ConfigError",
    "ContentError",
    "LedgerError",
    "SendError",
    "TemplateError",
]


class AnnounceError(Exception):
    """Base class: a problem the user can fix; printed without a traceback."""

    exit_code = 1


class ConfigError(AnnounceError):
    """The configuration file or environment is wrong."""


class ContentError(AnnounceError):
    """An event or location file is wrong, or an event cannot be found."""


class TemplateError(AnnounceError):
    """A template does not exist or fails to render."""


class SendError(AnnounceError):
    """Delivery failed as a whole (not one recipient: those are results)."""

    def __init__(self, message: str, *, code: int | None = None, recipient: str | None = None):
        super().__init__(message)
        self.code = code
        self.recipient = recipient


class LedgerError(AnnounceError):
    """The ledger cannot be read or written (disk full, read-only, damaged, locked).

    A run that cannot record what it sends stops sending: the message names the file.
    """
