"""Turn a :class:`~announce.render.Rendered` into RFC 5322 mail, once per (event, kind).

:func:`prepare` builds the MIME tree and serializes it once; per recipient,
:meth:`Prepared.to_bytes` only writes the ``To`` and ``Message-ID`` lines, folded and
encoded by the ``email`` package's own policy, so sending to thousands costs a
concatenation each. Addresses with line breaks are refused: no header injection.

The message::

    multipart/mixed
      multipart/alternative
        text/plain; charset=utf-8        (quoted-printable)
        text/html; charset=utf-8         (quoted-printable)
      text/calendar; method=PUBLISH      (the .ics, base64)
"""

from __future__ import annotations

import base64
import copy
import hashlib
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from .config import Settings
from .errors import ConfigError, ContentError, SendError
from .render import Rendered, sender_domain

__all__ = [
    "GMAIL_CLIP_BYTES",
    "AddressError",
    "Prepared",
    "gmail_clips",
    "make_message_id",
    "prepare",
]

log = logging.getLogger(__name__)

# Gmail cuts a message's HTML off behind "[Message clipped]" above this size.
GMAIL_CLIP_BYTES = 102 * 1024


def gmail_clips(html: str) -> bool:
    """Whether Gmail shows the mail cut off: it counts the HTML part alone (the text part
    and the calendar file do not count), the one rule ``send`` and the preview warn by."""
    return len(html.encode("utf-8")) > GMAIL_CLIP_BYTES
_SMTP = policy.SMTP
_PLACEHOLDER_TO = "to@placeholder.invalid"
_PLACEHOLDER_ID = "<id@placeholder.invalid>"
_MESSAGE_ID = re.compile(r"^<[\x21-\x3b\x3d\x3f\x41-\x7e]+@[\x21-\x3b\x3d\x3f\x41-\x7e]+>$")
# A bare ASCII address the generator writes as it is: no need to parse it per recipient.
_ADDR = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+"
_PLAIN_ADDRESS = re.compile(rf"^{_ADDR}$")
# "Ada Lovelace <ada@example.org>": a name of ASCII atoms needs no quoting, and the
# generator writes it as it is when the line is too short to fold (unless it holds "=?",
# which it would take for an encoded word).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_NAMED_ADDRESS = re.compile(rf"^{_ATOM}(?: {_ATOM})* <{_ADDR}>$")


class AddressError(SendError, ValueError):
    """A recipient address that cannot go into a ``To`` header."""


def make_message_id(settings: Settings, *parts: str) -> str:
    """A Message-ID at the domain of ``[mail] from``: ``<token@domain>``.

    With ``parts`` (say event id, kind, recipient and a digest of the body) the token is
    a hash of them, so a resumed send repeats the same id and the same mail is
    recognised as one; without, it is random.
    """
    token = (hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]
             if parts else uuid.uuid4().hex)
    return f"<{token}@{sender_domain(settings)}>"


# The To of a message shared by recipients who are not to see each other (shared.py): a
# group of no one (RFC 5322 section 3.4).
UNDISCLOSED = "undisclosed-recipients:;"


def _header_line(name: str, value: str) -> bytes:
    """One header, folded and encoded exactly as the generator would write it."""
    if name == "To" and value == UNDISCLOSED:
        return f"To: {UNDISCLOSED}\r\n".encode("ascii")
    if "\r" in value or "\n" in value:
        raise AddressError(f"{name}: {value!r}: a line break is not allowed in a header",
                           recipient=value if name == "To" else None)
    if len(value) < 200 and (
        (name == "To" and (_PLAIN_ADDRESS.match(value) or (
            len(value) <= 70 and "=?" not in value and _NAMED_ADDRESS.match(value))))
        or name == "Message-ID"
    ):
        # Fast path, byte for byte what the generator writes (a test holds it to that).
        return f"{name}: {value}\r\n".encode("ascii")
    try:
        header = _SMTP.header_factory(name, value)
    except (HeaderParseError, IndexError, ValueError):
        # The parser gives up on some garbage ("a@") with an exception, not a defect.
        header = None
    if name == "To" or header is None:
        addresses: tuple[Any, ...] = getattr(header, "addresses", ())
        if header is None or not addresses or header.defects or any(
            not a.username or not a.domain or not a.addr_spec.isascii() for a in addresses
        ):
            raise AddressError(f"To: {value!r}: not an email address (expected e.g. "
                               "'Ada <ada@example.org>' or 'ada@example.org')", recipient=value)
    assert header is not None
    folded = str(header.fold(policy=_SMTP))
    if name == "To" and folded.count("\r\n") > 1:
        # Folded over lines: CPython's folder can drop a long name's quotes there
        # ("x, y" became two addresses) or leave a word longer than a line. Parsed back,
        # it must be the one address it was; else the name is written as encoded words.
        (address,) = header.addresses
        if not _folds_back(folded, address.addr_spec):
            return _encoded_to(address.display_name, address.addr_spec)
    return folded.encode("ascii")


MAX_LINE = 998  # octets in a header line, RFC 5322 section 2.1.1


def _folds_back(folded: str, addr_spec: str) -> bool:
    """Whether the folded ``To`` header reads as one address, ``addr_spec``, in lines
    that servers take."""
    if any(len(line) > MAX_LINE for line in folded.split("\r\n")):
        return False
    try:
        unfolded = folded.partition(":")[2].replace("\r\n", "").strip()
        parsed = _SMTP.header_factory("To", unfolded)
        addresses: tuple[Any, ...] = getattr(parsed, "addresses", ())
    except (HeaderParseError, IndexError, ValueError, AttributeError):
        return False
    return len(addresses) == 1 and addresses[0].addr_spec == addr_spec


def _with_subject(lines: list[bytes], subject: str) -> list[bytes]:
    """The header lines with ``Subject`` folded so that every client reads it back as it
    was. CPython's folder drops the space between two encoded words (``Mesh – środa``
    came back as ``Mesh –środa``), writes empty ones, and may leave the first line empty
    (`` HV Open: ...``); a plain ASCII subject it folds well is left as it is."""
    start = next(i for i, line in enumerate(lines) if line.startswith(b"Subject:"))
    end = start + 1
    while end < len(lines) and lines[end][:1] in (b" ", b"\t"):
        end += 1
    if subject.isascii() and lines[start] != b"Subject:\r\n":
        return lines
    return [*lines[:start], _folded_subject(subject), *lines[end:]]


def _folded_subject(subject: str) -> bytes:
    if subject.isascii():  # folded at spaces, the first line never empty
        out, line = [], "Subject:"
        for word in subject.split(" "):
            if len(line) + 1 + len(word) > 78 and line != "Subject:":
                out.append(line)
                line = ""
            line += " " + word
        return ("\r\n".join([*out, line]) + "\r\n").encode("ascii")
    # Encoded words carry the spaces inside them: what folds between them is dropped
    # when read back (RFC 2047 section 6.2), and nothing else is.
    words = _encoded_words(subject, 39)  # 64 characters each: with "Subject: ", 73
    return ("Subject: " + "\r\n ".join(words) + "\r\n").encode("ascii")


def _encoded_words(text: str, size: int = 45) -> list[str]:
    """``text`` as RFC 2047 base64 words of at most ``size`` bytes of UTF-8 each (45: a
    72-character word), never splitting a character."""
    words, chunk = [], b""
    for char in text:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > size:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words if word]


def _encoded_to(name: str, addr_spec: str) -> bytes:
    """``To:`` with the name as RFC 2047 encoded words, one per line (each under 78)."""
    lines = [*_encoded_words(name), f"<{addr_spec}>"]
    return ("To: " + "\r\n ".join(lines) + "\r\n").encode("ascii")


def _check_message_id(message_id: str) -> str:
    if not _MESSAGE_ID.match(message_id):
        raise ValueError(f"Message-ID: {message_id!r}: expected '<token@domain>'")
    return message_id


@dataclass(frozen=True)
class Prepared:
    """A rendered message with its MIME tree built and serialized once.

    Per recipient only the ``To`` and ``Message-ID`` headers change.
    """

    rendered: Rendered
    settings: Settings = field(repr=False, compare=False)
    # The whole message with placeholder To and Message-ID; message() copies it.
    _template: EmailMessage = field(repr=False, compare=False)
    # The serialized template cut around its To and Message-ID lines.
    _before_to: bytes = field(repr=False)
    _between: bytes = field(repr=False)
    _after: bytes = field(repr=False)
    digest: str = ""

    def message_id_for(self, to: str) -> str:
        """The default Message-ID for ``to``: the same for the same mail to the same
        person (a resumed send), different when the content changed."""
        address = parseaddr(to)[1] or to
        return make_message_id(self.settings, self.rendered.event.id,
                               self.rendered.plan.key, address.strip().lower(), self.digest)

    def addressed(self, to: str, *, message_id: str | None = None) -> bytes:
        """The message for ``to`` with ``message_id``, by default :meth:`message_id_for`'s:
        what ``announce render`` writes and the preview shows."""
        return self.to_bytes(to, message_id=message_id or self.message_id_for(to))

    def message(self, to: str, *, message_id: str | None = None) -> EmailMessage:
        """The message for ``to`` as an ``EmailMessage``, built by the ``email`` package
        itself: what :meth:`to_bytes` must equal, byte for byte (the tests hold it to that)."""
        _header_line("To", to)  # the same checks as to_bytes
        msg = copy.deepcopy(self._template)
        msg.replace_header("To", to)
        msg.replace_header("Message-ID", _check_message_id(message_id or self.message_id_for(to)))
        return msg

    def to_bytes(self, to: str, *, message_id: str) -> bytes:
        """The complete message for ``to`` (RFC 5322, CRLF line ends), ready for SMTP."""
        return b"".join((
            self._before_to,
            _header_line("To", to),
            self._between,
            _header_line("Message-ID", _check_message_id(message_id)),
            self._after,
        ))


def _sender(settings: Settings) -> str:
    header = _SMTP.header_factory("From", settings.mail.sender)
    addresses: tuple[Any, ...] = getattr(header, "addresses", ())
    if len(addresses) != 1 or header.defects or not addresses[0].domain:
        raise ConfigError(f"{settings.mail.sender!r}: expected one address, e.g. 'Our meetup "
                          "<announce@example.org>'", path=settings.source, key="[mail] from")
    if not addresses[0].addr_spec.isascii():
        raise ConfigError(f"{settings.mail.sender!r}: the address itself must be ASCII (the "
                          "name may be anything)", path=settings.source, key="[mail] from")
    return settings.mail.sender


def _check_line_lengths(settings: Settings, rendered: Rendered, lines: list[bytes]) -> None:
    """Every header line within RFC 5322's 998 octets: servers refuse a longer one for good,
    for every recipient. Only an unbreakable word can make one (a name or a title)."""
    header = ""
    for line in lines:
        if not line[:1].isspace():
            header = line.partition(b":")[0].decode("ascii", "replace")
        if len(line) - 2 <= MAX_LINE:
            continue
        if header == "Subject":
            from .sources.events import field_line

            key, at = field_line(rendered.event, "title")
            raise ContentError("a word of the subject is too long for a mail header (over "
                               f"{MAX_LINE} characters)", path=rendered.event.path, line=at,
                               key=key)
        key = {"From": "from", "Reply-To": "reply_to", "List-Id": "list_id",
               "List-Unsubscribe": "unsubscribe"}.get(header, header)
        raise ConfigError(f"too long for a mail header (a line over {MAX_LINE} characters)",
                          path=settings.source, key=f"[mail] {key}")


def _boundary(seed: bytes, body: bytes, name: str) -> str:
    base = f"=_{name}_{hashlib.sha256(seed).hexdigest()[:24]}"
    candidate, n = base, 0
    while candidate.encode() in body:  # pragma: no cover - a hash in the text itself
        n += 1
        candidate = f"{base}{n}"
    return candidate


def prepare(settings: Settings, rendered: Rendered, *, date: datetime) -> Prepared:
    """Build the MIME message once; address it per recipient with the result.

    ``date`` goes into the ``Date`` header (in the site's timezone).
    """
    if date.tzinfo is None:
        raise ValueError("date must be timezone-aware")
    msg = EmailMessage(policy=policy.default)
    msg["From"] = _sender(settings)
    msg["To"] = _PLACEHOLDER_TO
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(date.astimezone(settings.site.tz))
    msg["Message-ID"] = _PLACEHOLDER_ID
    mail = settings.mail
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    # Through a list server, List-* are the list's: Mailman replaces List-Id and
    # List-Unsubscribe with its own, but would keep a List-Unsubscribe-Post that then
    # points one-click unsubscribe at its mailto: link.
    if mail.list_id and not mail.list_server:
        msg["List-Id"] = mail.list_id
    if mail.unsubscribe and not mail.list_server:
        msg["List-Unsubscribe"] = ", ".join(f"<{target}>" for target in mail.unsubscribe)
        if any(t.startswith("https://") for t in mail.unsubscribe):
            # RFC 8058 one-click: Gmail and Yahoo want it from bulk senders.
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    msg.add_attachment(rendered.ics, maintype="text", subtype="calendar",
                       filename=rendered.ics_filename,
                       params={"method": "PUBLISH", "charset": "utf-8"})

    # Boundaries from the content, not random: the same input gives the same bytes.
    seed = rendered.html.encode() + rendered.text.encode() + rendered.ics
    # What the reader sees, not the .ics: its DTSTAMP is the clock of each run, and a
    # resumed run should repeat the Message-IDs of unchanged mail.
    digest = hashlib.sha256(f"{rendered.subject}\0{rendered.text}\0{rendered.html}".encode()
                            ).hexdigest()[:16]
    alternative = msg.get_payload(0)
    assert isinstance(alternative, EmailMessage)
    payload = seed + rendered.subject.encode()
    msg.set_boundary(_boundary(seed + b"mixed", payload, "mixed"))
    alternative.set_boundary(_boundary(seed + b"alt", payload, "alt"))

    try:
        whole = msg.as_bytes(policy=_SMTP)
    except (UnicodeError, ValueError) as exc:  # pragma: no cover - checked above
        raise ConfigError(f"cannot encode a header: {exc}", path=settings.source,
                          key="[mail]") from None
    head, _, body = whole.partition(b"\r\n\r\n")
    lines = _with_subject([line + b"\r\n" for line in head.split(b"\r\n")],
                          rendered.subject)
    _check_line_lengths(settings, rendered, lines)
    # The placeholders are short: each is one whole line, never folded.
    at_to = lines.index(_header_line("To", _PLACEHOLDER_TO))
    at_id = lines.index(_header_line("Message-ID", _PLACEHOLDER_ID))
    before_to, between, after = (b"".join(lines[:at_to]), b"".join(lines[at_to + 1:at_id]),
                                 b"".join(lines[at_id + 1:]))
    if gmail_clips(rendered.html):
        log.warning("%s (%s): the HTML is %d KB; Gmail clips an HTML part over %d KB",
                    rendered.event.id, rendered.kind, len(rendered.html.encode()) // 1024,
                    GMAIL_CLIP_BYTES // 1024)
    return Prepared(rendered=rendered, settings=settings, _template=msg,
                    _before_to=before_to, _between=between, _after=after + b"\r\n" + body,
                    digest=digest)
