"""One message exactly as ``send`` would send it, taken apart for the preview's tabs."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from ..config import Settings
from ..content import Catalog, Event
from ..errors import ConfigError
from ..news import Sent

__all__ = ["MessageView", "build_message", "mime_parts"]


@dataclass(frozen=True)
class MessageView:
    """One message as ``send`` would send it, taken apart for the tabs."""

    event: Event
    kind: str
    to: str
    raw: bytes
    message: EmailMessage
    html: str
    text: str
    ics: str

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))


def build_message(settings: Settings, catalog: Catalog, event: Event, kind: str,
                  now: datetime, sent: Sent) -> MessageView:
    """``kind`` for ``event``, composed as ``render`` and ``send`` compose it.

    Addressed like ``announce render``: to the first recipient, with the Message-ID
    ``send`` would use, so the bytes are the very ones ``announce render`` writes.
    """
    # Imported here: the index and the live-reload poll need none of it.
    from ..compose import compose
    from ..recipients import first_recipient

    prepared = compose(settings, catalog, event, kind, now, sent)
    rendered = prepared.rendered
    first = first_recipient(settings)
    if first is None:
        raise ConfigError("no valid recipient to address the message to (set [mail] to or "
                          "recipients)", path=settings.source, key="[mail]")
    raw = prepared.addressed(first.header)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return MessageView(
        event=event, kind=kind, to=first.header, raw=raw, message=parsed,
        html=_part_text(parsed, "html", rendered.html),
        text=_part_text(parsed, "plain", rendered.text),
        ics=_ics_text(parsed, rendered.ics),
    )


def _part_text(message: EmailMessage, subtype: str, fallback: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return fallback
    return str(part.get_content())


def _ics_text(message: EmailMessage, fallback: bytes) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode("utf-8", "replace")
    return fallback.decode("utf-8", "replace")


def mime_parts(message: EmailMessage) -> list[tuple[int, str, int, str]]:
    """The MIME tree: (depth, content type, size in bytes, filename)."""
    rows: list[tuple[int, str, int, str]] = []

    def walk(part: EmailMessage, depth: int) -> None:
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
        rows.append((depth, part.get_content_type(), size, part.get_filename() or ""))
        if part.is_multipart():
            for child in part.iter_parts():
                assert isinstance(child, EmailMessage)
                walk(child, depth + 1)

    walk(message, 0)
    return rows
