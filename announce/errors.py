"""One hierarchy of errors. Messages start with where the problem is.

Only the CLI prints these and turns them into exit codes; everything below raises.
``str(exc)`` is the message the user reads; the fields (``.key``, ``.path``, ``.line``,
``.code``, ``.recipient``) say the same for programs (GitHub annotations, tests), so that
nobody has to parse the text back.

Each class also subclasses the built-in it is, where there is a natural one (as
aiosmtplib's ``SMTPServerDisconnected(SMTPException, ConnectionError)``): a bad setting or
a bad file is a ``ValueError``. ``LedgerError`` is deliberately *not* an ``OSError``: the
transports catch ``OSError`` around their own I/O (a socket, a Maildir file), and a
ledger that cannot be written must stop a run, never pass for a dropped connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Self

from .paths import place

__all__ = [
    "AnnounceError",
    "ConfigError",
    "ContentError",
    "LedgerBusy",
    "LedgerError",
    "LockError",
    "RecipientRefused",
    "SendError",
    "TemplateError",
]


class AnnounceError(Exception):
    """Base class: a problem the user can fix; printed without a traceback."""

    exit_code = 1


class _Placed(AnnounceError):
    """An error about a place: ``path`` and ``line`` (1-based) of a file, ``key`` (a
    setting, ``"[smtp] host"``, or a field of a file, ``"dtstart"``), each when known;
    ``detail``, the message without them. ``str()`` starts with the place
    (:func:`announce.paths.place`): ``content/events/x.md:3: dtstart: not a date``.

    :meth:`gathered` holds several such errors (every problem of a config file): each is
    a line of ``str()``, and the first one's place is the error's.
    """

    def __init__(self, detail: str, *, path: Path | str | None = None,
                 line: int | None = None, key: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.path = Path(path) if path is not None else None
        self.line = line
        self.key = key
        self.problems: tuple[_Placed, ...] = ()

    @classmethod
    def gathered(cls, problems: Sequence[_Placed]) -> Self:
        """One error holding ``problems`` (at least one), reported together."""
        first = problems[0]
        error = cls(first.detail, path=first.path, line=first.line, key=first.key)
        error.problems = tuple(problems)
        return error

    def __str__(self) -> str:
        if self.problems:
            return "\n".join(str(problem) for problem in self.problems)
        return place(self.path, self.line, self.key) + self.detail


class ConfigError(_Placed, ValueError):
    """The configuration file or environment is wrong; ``key`` names the setting
    (``"[smtp] password_env"``) when one is to blame, ``path`` the config file."""


class ContentError(_Placed, ValueError):
    """An event or location file is wrong, or an event cannot be found; ``key`` names
    the field."""


class TemplateError(_Placed):
    """A template does not exist or fails to render (``path`` and ``line`` in the
    template; ``key`` the config key, for a subject)."""


class SendError(AnnounceError):
    """Delivery failed as a whole (not one recipient: those are results).

    ``code`` and ``recipient`` are accepted for subclasses that concern one recipient
    (:class:`RecipientRefused`, and ``message.AddressError`` until it derives from it).
    """

    def __init__(self, message: str, *, code: int | None = None, recipient: str | None = None):
        super().__init__(message)
        self.code = code
        self.recipient = recipient


class RecipientRefused(SendError):
    """One recipient's message was refused for good (an SMTP 5xx, say): ``code`` and
    ``recipient`` say which. A transport raises it for one message; the pool turns it
    into that recipient's ``failed`` outcome, and the others go on."""


class LockError(SendError):
    """Another ``announce send`` holds this ledger's run lock.

    A ``SendError`` (what it was before it had a class of its own), not a
    ``LedgerError``: the ledger is fine, it is only busy.
    """


class LedgerError(AnnounceError):
    """The ledger cannot be read or written (disk full, read-only, damaged, locked).

    A run that cannot record what it sends stops sending: the message names the file.
    """


class LedgerBusy(LedgerError):
    """The ledger is fine but locked: an ``announce send`` is writing it right now.

    A send holds the file's write lock from its first record to its end; a reader that
    waited in vain is told to come back, not that the file is damaged.
    """
