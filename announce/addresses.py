"""What announce takes for an email address, and for a name to address it by.

The rules of ``[mail] to`` (announce.configcheck) and of a subscriber list
(announce.recipients): one home, at the bottom, for both.
"""

from __future__ import annotations

import re

__all__ = ["MAX_NAME_CHARS", "display_name", "is_valid_address"]

# Deliberately plain: an ASCII dot-atom local part and a dotted host name. Quoted local
# parts and non-ASCII addresses (SMTPUTF8) are legal but so rare in a subscriber list
# that one is far more likely a typo; they are reported rather than sent.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$")
_SPACE = re.compile(r"\s+")
# Control characters mean nothing in a name, and the email package refuses some of them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A display name longer than this is cut: a 5,000-character name made a 5,001-character
# header line, which servers refuse for good (RFC 5322 allows 998).
MAX_NAME_CHARS = 100


def display_name(name: str) -> str:
    """A name fit for a ``To:`` header: one line, single spaces, at most
    ``MAX_NAME_CHARS`` characters (a longer one is cut, with "…")."""
    name = _SPACE.sub(" ", _CONTROL.sub(" ", name)).strip()
    if len(name) > MAX_NAME_CHARS:
        name = name[:MAX_NAME_CHARS - 1].rstrip() + "…"
    return name


def is_valid_address(address: str) -> bool:
    """Whether ``address`` is a plain ``local@host.domain`` address announce can send to."""
    return len(address) <= 254 and _ADDRESS.fullmatch(address) is not None
