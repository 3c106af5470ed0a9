"""Who gets a message: the list address(es) of ``[mail] to``, or the subscribers of a CSV.

``[mail] to`` names one or more list addresses: each gets one message, addressed to it.
``[mail] recipients`` names a CSV file with an ``email`` column and an optional ``name``
column: each subscriber gets one message, addressed to them by name.

An invalid address or a duplicate (addresses compare case-insensitively) is reported
and skipped; the others still get their message. The CSV is streamed, never held in
memory whole: only the set of addresses already seen is kept, to find duplicates.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .addresses import display_name, is_valid_address
from .errors import ConfigError
from .paths import display_path

if TYPE_CHECKING:
    from .config import Settings
    from .content import Problem

__all__ = [
    "Recipient", "RecipientScan", "Recipients", "first_recipient", "load_recipients",
    "recipient_problems", "unsubscribe_problems",
]

_SHOWN_PROBLEMS = 20
# The characters that make Address quote a display name (email._header_value_parser).
_SPECIALS = frozenset('()<>@,:;."[]\\')


@dataclass(frozen=True, slots=True)
class Recipient:
    """One addressee: the envelope address and, for a subscriber, a display name."""

    address: str
    name: str = ""

    @property
    def key(self) -> str:
        """How the ledger knows this recipient: the address, lower-cased."""
        return self.address.lower()

    @property
    def header(self) -> str:
        """The ``To:`` header value: ``Name <address>``, the name quoted when needed.

        Not ``formataddr``: it hides a non-ASCII name in an encoded word, which the
        ``email`` package decodes when it folds the header, without quoting it again:
        the name ``Zoë, "x" <a@b.c>`` then became a second address.
        """
        if not self.name:
            return self.address
        if _SPECIALS.isdisjoint(self.name):
            # What Address writes for such a name, without parsing the address again
            # (it was checked when the list was read): the common case, per recipient.
            return f"{self.name} <{self.address}>"
        return str(Address(display_name=self.name, addr_spec=self.address))


@dataclass(frozen=True)
class RecipientScan:
    """The result of reading the recipients once: how many will get mail, what was wrong."""

    count: int
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Recipients:
    """A re-iterable source of recipients; iterating yields the valid, distinct ones."""

    mode: Literal["list", "subscribers"]
    where: str
    to: tuple[str, ...] = ()
    csv_path: Path | None = None
    # The CSV itself, from the variable [mail] recipients_env names: never in a repr.
    csv_text: str | None = field(default=None, repr=False)
    # Not given to this run (a pull request has no secrets): nobody, and said so.
    withheld: bool = False
    source: Path | None = None  # the config file, for a list's errors

    def __iter__(self) -> Iterator[Recipient]:
        for recipient, _problem in self._read():
            if recipient is not None:
                yield recipient

    def scan(self) -> RecipientScan:
        """Read everything once: the count of recipients, and every problem found.

        ``ConfigError`` when nobody is left to send to: a run that sends nothing must not
        pass for a run that went well.
        """
        if self.withheld:
            return RecipientScan(0, ())
        count = 0
        problems: list[str] = []
        for recipient, problem in self._read():
            if recipient is not None:
                count += 1
            if problem:
                problems.append(problem)
        if count == 0:
            shown = problems[:_SHOWN_PROBLEMS]
            if len(problems) > len(shown):
                shown.append(f"... and {len(problems) - len(shown)} more")
            why = f"all {len(problems)} skipped" if problems else "the file has no rows"
            # Each problem says its own place (a line of the file); the last line, where.
            raise ConfigError.gathered([*(ConfigError(line) for line in shown),
                                        self._error(f"nobody to send to ({why})")])
        return RecipientScan(count, tuple(problems))

    def describe(self) -> str:
        """Where the recipients come from, for the summary of a run."""
        if self.withheld:
            return (f"subscribers in {self.where}, which this run is not given (a pull "
                    "request has no secrets): counted as none")
        if self.mode == "list":
            return f"{self.where}: " + ", ".join(self.to)
        return f"subscribers in {self.where}"

    def _error(self, detail: str, *, line: int | None = None) -> ConfigError:
        """An error about these recipients: at a line of their file (or of the variable
        that holds it, named ``$NAME``), or at ``[mail] to`` of the config."""
        if self.mode == "list":
            return ConfigError(detail, path=self.source, key="[mail] to")
        return ConfigError(detail, path=self.csv_path or self.where, line=line)

    def _read(self) -> Iterator[tuple[Recipient | None, str]]:
        # address -> its line (or place in the list): an int, as this holds every address
        seen: dict[str, int] = {}
        for where, place, address, name in self._rows():
            address = address.strip()
            if not address:
                yield None, f"{where}: email: empty (skipped)"
                continue
            if not is_valid_address(address):
                yield None, f"{where}: email: {address!r} is not a valid address (skipped)"
                continue
            key = address.lower()
            if key in seen:
                first = f"line {seen[key]}" if self.mode == "subscribers" else \
                    repr(self.to[seen[key]].strip())
                yield None, f"{where}: email: {address!r} is a duplicate of {first} (skipped)"
                continue
            seen[key] = place
            yield Recipient(address, display_name(name)), ""

    def _rows(self) -> Iterator[tuple[str, int, str, str]]:
        """(where, line or index, address, name) for every entry."""
        if self.withheld:
            return
        if self.mode == "list":
            for index, entry in enumerate(self.to):
                # "Members <members@example.org>" names the list; config checked the form.
                name, address = parseaddr(entry) if "<" in entry else ("", entry)
                yield self.where, index, address or entry, name
            return
        if self.csv_text is not None:
            handle: io.TextIOBase = io.StringIO(self.csv_text.removeprefix("\ufeff"),
                                                newline="")
        else:
            assert self.csv_path is not None
            try:
                handle = self.csv_path.open(newline="", encoding="utf-8-sig")
            except OSError as exc:
                raise self._error(f"cannot read the recipients: {exc.strerror}") from None
        with handle:
            reader = csv.reader(handle)
            try:
                header = next(reader, None)
                if header is None:
                    raise self._error("empty file: expected a header row naming 'email'")
                columns = [c.strip().lower() for c in header]
                if "email" not in columns:
                    found = ", ".join(repr(c) for c in header) or "none"
                    raise self._error(f"no 'email' column (columns: {found}); the first row "
                                      "names the columns: email and, optionally, name", line=1)
                email_at = columns.index("email")
                name_at = columns.index("name") if "name" in columns else None
                for row in reader:
                    if not any(cell.strip() for cell in row):
                        continue
                    address = row[email_at] if email_at < len(row) else ""
                    name = row[name_at] if name_at is not None and name_at < len(row) else ""
                    line = reader.line_num
                    yield f"{self.where}:{line}", line, address, name
            except UnicodeDecodeError:
                assert self.csv_path is not None  # text from a variable is decoded already
                line = _bad_utf8_line(self.csv_path)
                raise self._error("not UTF-8 text (save the file as UTF-8)",
                                  line=line) from None
            except csv.Error as exc:
                raise self._error(f"not valid CSV: {exc}", line=reader.line_num) from None


def _bad_utf8_line(path: Path) -> int:
    """The line of the first byte that is not UTF-8 (the text reader only knows its block)."""
    line = 1
    with path.open("rb") as handle:
        for raw in handle:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return line
            line += 1
    return line


def load_recipients(settings: Settings) -> Recipients:
    """The recipients the settings name; ``ConfigError`` when there are none or both kinds."""
    mail = settings.mail
    config = str(settings.source) if settings.source else "the configuration"
    if sum(map(bool, (mail.to, mail.recipients, mail.recipients_env))) > 1:
        raise ConfigError(
            "set one of 'to' (list addresses), 'recipients' (a CSV of subscribers) or "
            "'recipients_env' (a variable holding that CSV), not several",
            path=settings.source, key="[mail]")
    if mail.recipients_env:
        return _from_environment(settings.source, mail.recipients_env)
    if mail.recipients is not None:
        return Recipients("subscribers", display_path(mail.recipients), csv_path=mail.recipients)
    if mail.to:
        return Recipients("list", f"{config}: [mail] to", to=mail.to, source=settings.source)
    raise ConfigError("nobody to send to: set 'to' (the list address) or 'recipients' (a CSV "
                      "file of subscribers)", path=settings.source, key="[mail] to")


def _from_environment(config: Path | None, name: str) -> Recipients:
    """The subscribers' CSV from the variable ``name`` (a secret on GitHub Actions). A
    pull request's job is given no secret: there the list is withheld, not missing, and
    its check and preview go on with nobody to send to (they send nothing anyway)."""
    text = os.environ.get(name, "")
    if not text.strip() and os.environ.get("GITHUB_ACTIONS") == "true" and \
            os.environ.get("GITHUB_EVENT_NAME") in ("pull_request", "pull_request_target"):
        return Recipients("subscribers", f"${name}", withheld=True)
    if not text.strip():
        raise ConfigError(
            f"the variable {name} is not set or empty: it holds the subscribers' CSV (on "
            "GitHub, a secret given to the action as subscribers)", path=config,
            key="[mail] recipients_env")
    return Recipients("subscribers", f"${name}", csv_text=text)


def first_recipient(settings: Settings) -> Recipient | None:
    """Whom ``render`` and the preview address a message to, so that it is byte for byte
    what ``send`` sends them: the first valid recipient (``[mail] to``, or the CSV's first
    row); None when there is none."""
    return next(iter(load_recipients(settings)), None)


# --- for check: what send would find -------------------------------------------------------


def recipient_problems(settings: Settings) -> list[Problem]:
    """What ``check`` says of the recipients: nobody to send to (no ``[mail] to``, a
    subscriber file that does not load or holds no valid address) is an error on its key;
    entries a send would skip are warnings."""
    from .tomltext import key_problem

    key = "recipients" if settings.mail.recipients is not None else "to"
    try:
        scan = load_recipients(settings).scan()
    except ConfigError as exc:
        # Without the config's place ("announce.toml: [mail] to:"): the problem is on the
        # key itself. (A subscriber file's own place, "members.csv:3:", stays.)
        text = "; ".join(
            p.detail if p.path == settings.source and p.key in (f"[mail] {key}", "[mail]")
            else str(p) for p in exc.problems or (exc,))
        return [key_problem(settings.source, "mail", key, text.replace("\n", "; "))]
    return [key_problem(settings.source, "mail", key, problem, "warning")
            for problem in scan.problems]


def unsubscribe_problems(settings: Settings) -> list[Problem]:
    """A copy per subscriber whose footer says "you subscribed" and no way to leave it:
    a warning on ``[mail] unsubscribe``."""
    from .tomltext import key_problem

    mail = settings.mail
    if mail.unsubscribe or mail.list_server:
        return []
    if mail.recipients is not None:
        who = f"each subscriber in {display_path(mail.recipients)} gets a copy of their own"
    elif len(mail.to) > 1:
        who = (f"each of the {len(mail.to)} addresses in [mail] to gets a copy of its own "
               "(if they are mailing lists, set [mail] list_server instead)")
    else:  # one list address: the list's own footer says how to leave
        return []
    return [key_problem(settings.source, "mail", "unsubscribe", (
        f"not set: {who}, whose footer says they subscribed, and the mail offers no way to "
        "unsubscribe (no List-Unsubscribe header, no link); set unsubscribe = "
        '["mailto:leave@example.org?subject=unsubscribe", "https://example.org/unsubscribe"]'),
        "warning")]
