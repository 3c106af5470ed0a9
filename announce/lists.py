"""Sending to a mailing list's posting address: what each list server needs, as data.

A list server (``[mail] list_server``) delivers the post to its members and owns their
subscription: it writes ``List-Id`` and ``List-Unsubscribe`` itself (Mailman 3 replaces
announce's, and would leave a stray ``List-Unsubscribe-Post`` next to its own mailto:
link), handles unsubscribes and bounces, and holds a post from a sender it does not know
for a moderator. That last one announce cannot see: the list's server accepts the
message (250), the ledger says sent, and no member gets it. So ``check`` and ``send
--dry-run`` say what to set on the list.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # config imports this module
    from .config import Settings

__all__ = ["LIST_SERVERS", "posting_note"]

# The documentation's section on each list server (docs/sending.md), where a user can read it.
GUIDE = "see https://announce-dev.github.io/announce/sending/#sending-through-a-mailing-list"

# list_server -> (its name, what lets announce's From address post without moderation)
LIST_SERVERS: dict[str, tuple[str, str]] = {
    "mailman": ("a Mailman 3 list", "add it as a non-member whose moderation is 'Accept "
                "immediately' (Postorius: Members, Non-members)"),
    "google-groups": ("a Google group", "make it a manager (or a member whose posting is "
                      "'Allowed'), with email posting allowed and no moderation for it"),
    "groups.io": ("a groups.io group", "make it a moderator (an announcement-only group) "
                  "or a member whose posting privileges are not moderated"),
    "other": ("a mailing list", "let it post without moderation"),
}


def posting_note(settings: Settings, *, guess: bool = True) -> str | None:
    """A note for ``check`` and ``send --dry-run`` when ``[mail] to`` is a mailing list
    that holds a post from an unknown sender; with ``guess``, also when it may be one (a
    single address, and neither list_server nor list_id, unsubscribe or recipients set).
    None when nothing suggests a list."""
    mail = settings.mail
    sender = parseaddr(mail.sender)[1] or mail.sender
    if mail.list_server:
        what, how = LIST_SERVERS[mail.list_server]
        lists = ", ".join(parseaddr(to)[1] or to for to in mail.to)
        return (f"{lists} is {what}: it sends the post to its members only if {sender} may "
                f"post there, else it holds it for a moderator while announce's ledger says "
                f"sent: {how} ({GUIDE})")
    if guess and len(mail.to) == 1 and mail.recipients is None and not mail.list_id \
            and not mail.unsubscribe:
        address = parseaddr(mail.to[0])[1] or mail.to[0]
        return (f"[mail] to is one address, {address}: if it is a mailing list, set [mail] "
                f"list_server and let {sender} post there unmoderated, or the list holds "
                f"the post for a moderator while announce's ledger says sent ({GUIDE})")
    return None
