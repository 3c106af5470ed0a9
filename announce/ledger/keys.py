"""Recipients in the ledger by a keyed hash, so that a ledger on a public branch reveals
no address.

With ``[ledger] key_env`` naming a variable that holds a secret key, the ledger stores
each recipient as ``hmac-sha256:`` and the hex HMAC-SHA256 of their lower-cased address
under that key, never the address. Whoever has the key can still ask "did a@b.org get
it?" (``announce history --recipient a@b.org``) by computing the same hash; without it,
the hashes of a list of addresses cannot be tested against the ledger.

The ledger's ``meta`` table says how it stores recipients: ``plain``, or the key's
*check* (the HMAC of a fixed text, never the key), so that a run with another key or
none is refused instead of taking every recipient for new (which would send everything
again). A plain ledger opened for writing with a key is converted, in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import LedgerSettings

__all__ = ["PLAIN", "PREFIX", "RecipientKeys", "recipient_keys"]

PREFIX = "hmac-sha256:"
PLAIN = "plain"
_CHECK_TEXT = b"announce ledger key check"


@dataclass(frozen=True)
class RecipientKeys:
    """How recipients are stored: by address (no secret) or by keyed hash."""

    secret: bytes | None = field(default=None, repr=False)

    @property
    def mode(self) -> str:
        """What ``meta.recipient_keys`` says for this key: ``plain`` or the key's check."""
        if self.secret is None:
            return PLAIN
        return PREFIX + hmac.new(self.secret, _CHECK_TEXT, hashlib.sha256).hexdigest()[:16]

    def of(self, address: str) -> str:
        """The ledger's key for a recipient (their address, lower-cased, or its hash)."""
        address = address.lower()
        if self.secret is None or address.startswith(PREFIX):
            return address
        return PREFIX + hmac.new(self.secret, address.encode(), hashlib.sha256).hexdigest()


def recipient_keys(settings: LedgerSettings,
                   environ: Mapping[str, str] | None = None) -> RecipientKeys:
    """How the ledger of ``settings`` stores recipients: by keyed hash when the variable
    ``[ledger] key_env`` names is set."""
    env = os.environ if environ is None else environ
    secret = env.get(settings.key_env, "") if settings.key_env else ""
    return RecipientKeys(secret.encode() if secret else None)
