"""The message as mail programs see it: MIME structure, headers, per-recipient bytes,
and the ``announce render`` command that writes it."""

from __future__ import annotations

import dataclasses
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from announce.cli import cli
from announce.compose import compose
from announce.config import Settings, load_settings
from announce.kinds import plan
from announce.message import AddressError, Prepared, make_message_id, prepare
from announce.news import NO_SENDS
from announce.render import render_event
from announce.sources.catalog import load_catalog

from .conftest import EXAMPLE_CONFIG
from .test_render import MESH, NIX, at, write_service_mesh_config

DEMO_NOW = "2027-01-28T09:00"


def prepared(settings: Settings, event_id: str = NIX, kind: str = "announcement",
             now: str = "2027-01-01T09:00") -> Prepared:
    catalog = load_catalog(settings)
    return compose(settings, catalog, catalog.find(event_id), kind, at(now, settings), NO_SENDS)


def parse(data: bytes) -> EmailMessage:
    msg = message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def structure(msg: Message, *, folded_name: bool = False) -> list[Any]:
    """Everything a mail program looks at: headers, parts, their parameters and content.

    ``folded_name``: compare a To display name without its spaces. Python 3.11's parser
    puts a space between adjacent encoded-words of a folded display name, against RFC 2047
    section 6.2 (CPython gh-128110); the bytes themselves are right, see the test below.
    """
    parts = []
    for part in msg.walk():
        assert isinstance(part, EmailMessage)
        content = None if part.is_multipart() else part.get_content()
        if isinstance(content, str):  # bytes off the wire have CRLF line ends
            content = content.replace("\r\n", "\n")
        headers: list[tuple[str, Any]] = []
        for name, value in part.items():
            if name == "To" and folded_name:
                (address,) = value.addresses
                headers.append((name, ("".join(address.display_name.split()),
                                       address.addr_spec)))
            else:
                headers.append((name, str(value)))
        parts.append((part.get_content_type(), part.get_params(), headers, content))
    return parts


# --- structure and headers --------------------------------------------------------------


def test_the_mime_tree(sample_settings: Settings) -> None:
    prep = prepared(sample_settings)
    msg = parse(prep.to_bytes("members@example.org", message_id="<1@example.org>"))
    assert msg.get_content_type() == "multipart/mixed"
    alternative, calendar = msg.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "PUBLISH"
    assert calendar.get_filename() == "reproducible-builds-with-nix.ics"
    assert calendar.get_content_disposition() == "attachment"
    assert isinstance(calendar, EmailMessage)
    assert calendar.get_content() == prep.rendered.ics.decode()
    plain, html = alternative.iter_parts()
    assert isinstance(plain, EmailMessage)
    assert isinstance(html, EmailMessage)
    # Off the wire, text has CRLF line ends; otherwise it is what was rendered.
    assert plain.get_content().replace("\r\n", "\n") == prep.rendered.text
    assert html.get_content().replace("\r\n", "\n") == prep.rendered.html


def test_headers(sample_settings: Settings) -> None:
    prep = prepared(sample_settings)
    msg = parse(prep.to_bytes("members@example.org", message_id="<1@example.org>"))
    assert msg["From"] == "River City Open Tech <announce@example.org>"
    assert msg["To"] == "members@example.org"
    assert msg["Subject"] == "River City Open Tech: Reproducible Builds with Nix (Wed, Jan 6)"
    assert msg["Date"] == "Fri, 01 Jan 2027 09:00:00 -0500"
    assert msg["Message-ID"] == "<1@example.org>"
    assert msg["MIME-Version"] == "1.0"
    assert msg["Reply-To"] == "organizers@example.org"
    assert msg["List-Id"] == "River City Open Tech <announce.example.org>"
    assert msg["List-Unsubscribe"] == ("<mailto:leave@example.org?subject=unsubscribe>, "
                                       "<https://example.org/unsubscribe>")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_optional_headers_are_left_out(tmp_path: Path) -> None:
    settings = load_settings(write_service_mesh_config(tmp_path))
    msg = parse(prepared(settings, MESH, now="2020-01-01T09:00").to_bytes(
        "members@hvopen.org", message_id="<1@hvopen.org>"))
    for name in ("Reply-To", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert name not in msg
    mailto_only = dataclasses.replace(settings, mail=dataclasses.replace(
        settings.mail, unsubscribe=("mailto:leave@hvopen.org",)))
    msg = parse(prepared(mailto_only, MESH, now="2020-01-01T09:00").to_bytes(
        "members@hvopen.org", message_id="<1@hvopen.org>"))
    assert msg["List-Unsubscribe"] == "<mailto:leave@hvopen.org>"
    assert "List-Unsubscribe-Post" not in msg  # one-click needs an https URL


def test_non_ascii_is_encoded_and_the_message_is_7_bit(sample_settings: Settings) -> None:
    settings = dataclasses.replace(
        sample_settings,
        site=dataclasses.replace(sample_settings.site, name="Café Ouvert"),
        mail=dataclasses.replace(sample_settings.mail, sender="Café Ouvert <announce@example.org>",
                                 subjects={**sample_settings.mail.subjects,
                                           "announcement": "{{ site_name }}: avec Zoë Müller"}))
    data = prepared(settings).to_bytes("Zoë Müller <zoe@example.org>",
                                       message_id="<1@example.org>")
    assert data.isascii()
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    msg = parse(data)
    assert msg["Subject"] == "Café Ouvert: avec Zoë Müller"
    assert msg["From"].addresses[0].display_name == "Café Ouvert"
    assert msg["To"].addresses[0].display_name == "Zoë Müller"
    assert msg["To"].addresses[0].addr_spec == "zoe@example.org"
    plain = msg.get_body(("plain",))
    assert plain is not None
    assert "Speaker: Zoë Müller" in plain.get_content()


# --- per recipient ------------------------------------------------------------------------


@pytest.mark.parametrize("to", [
    "members@example.org",
    "Ada Lovelace <ada@example.org>",
    "Zoë Müller <zoe@example.org>",
    '"Müller, Zoë" <zoe@example.org>',
    "Ünïcödé " * 12 + "<long@example.org>",  # folded over several lines
])
def test_to_bytes_parses_back_to_the_same_message(sample_settings: Settings, to: str) -> None:
    prep = prepared(sample_settings)
    message_id = prep.message_id_for(to)
    from_bytes = parse(prep.to_bytes(to, message_id=message_id))
    folded = len(to) > 60
    assert structure(from_bytes, folded_name=folded) == \
        structure(prep.message(to, message_id=message_id), folded_name=folded)
    # ...and the same as the email package writing the whole message itself.
    whole = prep.message(to, message_id=message_id).as_bytes(policy=policy.SMTP)
    assert prep.to_bytes(to, message_id=message_id) == whole


def test_the_per_recipient_shortcuts_write_what_the_email_package_writes(
        sample_settings: Settings) -> None:
    # The To line and the Recipient's header are written without parsing when a name
    # needs no quoting: for names of every shape around that rule (specials, "=?", long
    # enough to fold), the bytes must be the email package's own.
    import random
    from email.headerregistry import Address

    from announce.recipients import Recipient

    prep = prepared(sample_settings)
    pick = random.Random(22)  # noqa: S311 - test names, not secrets
    alphabet = "abcXYZ019 !#$%&'*+/=?^_`{|}~-.,\"()<>@:;[]"
    names = ["Member 7", "=?utf-8?q?x?=", "a" * 60, "Ada  Lovelace", "O'Neil", "x=?y", "Q?=",
             *("".join(pick.choice(alphabet) for _ in range(pick.randint(1, 70)))
               for _ in range(80))]
    for name in names:
        recipient = Recipient("member.7@example.org", name.strip())
        expected = str(Address(display_name=recipient.name, addr_spec=recipient.address)) \
            if recipient.name else recipient.address
        assert recipient.header == expected, name
        try:
            whole = prep.message(recipient.header, message_id="<1@example.org>").as_bytes(
                policy=policy.SMTP)
        except AddressError:
            continue
        assert prep.to_bytes(recipient.header, message_id="<1@example.org>") == whole, name


@pytest.mark.parametrize("to", [
    "victim@example.org\r\nBcc: everyone@example.org",
    "victim@example.org\nSubject: free money",
    "victim@example.org\rX: y",
    "Name <victim@example.org>\r\n\r\n<html>body</html>",
])
def test_header_injection_is_refused(sample_settings: Settings, to: str) -> None:
    prep = prepared(sample_settings)
    with pytest.raises(AddressError) as caught:
        prep.to_bytes(to, message_id="<1@example.org>")
    assert caught.value.recipient == to
    with pytest.raises(AddressError):
        prep.message(to)
    with pytest.raises(ValueError, match="Message-ID"):
        prep.to_bytes("a@example.org", message_id="<1@example.org>\r\nBcc: x@example.org")


@pytest.mark.parametrize("to", ["", "not an address", "@example.org", "a@", "a@b@c"])
def test_a_non_address_is_refused(sample_settings: Settings, to: str) -> None:
    with pytest.raises(AddressError, match="not an email address"):
        prepared(sample_settings).to_bytes(to, message_id="<1@example.org>")


def test_message_ids_live_at_the_from_domain(sample_settings: Settings) -> None:
    prep = prepared(sample_settings)
    first = prep.message_id_for("Ada <ada@example.org>")
    assert first.endswith("@example.org>")
    assert first.startswith("<")
    # The same mail to the same person keeps its id (a resumed send)...
    assert prep.message_id_for("ADA@example.org") == first
    # ...another person or another kind gets another one.
    assert prep.message_id_for("bob@example.org") != first
    assert prepared(sample_settings, kind="reminder").message_id_for("ada@example.org") != first
    # A rerun the next day with the same content (only the .ics stamp and Date differ)
    # repeats it, so a mail sent twice after a dropped connection is recognised as one.
    assert prepared(sample_settings, now="2027-01-02T10:00").message_id_for(
        "ada@example.org") == first
    assert make_message_id(sample_settings) != make_message_id(sample_settings)


def test_the_same_input_gives_the_same_bytes(sample_settings: Settings) -> None:
    one = prepared(sample_settings).to_bytes("a@example.org", message_id="<1@example.org>")
    two = prepared(sample_settings).to_bytes("a@example.org", message_id="<1@example.org>")
    assert one == two


def test_a_bad_sender_is_a_config_error(sample_settings: Settings) -> None:
    settings = dataclasses.replace(sample_settings, mail=dataclasses.replace(
        sample_settings.mail, sender="nobody"))
    with pytest.raises(Exception, match=r"\[mail\] from: 'nobody': expected one address"):
        prepared(settings)


# --- announce render ----------------------------------------------------------------------


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["render", "--config", str(EXAMPLE_CONFIG), *args])


def test_render_next_writes_the_due_message(tmp_path: Path) -> None:
    out = tmp_path / "next.eml"
    result = run("--next", "--now", DEMO_NOW, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"Wrote {out} (announcement of "
                                    "2027/2027-02-03-observability-with-opentelemetry, ")
    msg = parse(out.read_bytes())
    assert msg["Subject"] == "River City Open Tech: Observability with OpenTelemetry (Wed, Feb 3)"
    assert msg["To"] == "members@example.org"
    assert msg["Date"] == "Thu, 28 Jan 2027 09:00:00 -0500"
    assert out.read_bytes().startswith(b"From: River City Open Tech <announce@example.org>\r\n")


def test_render_writes_what_send_would_send(sample_settings: Settings) -> None:
    """The bytes of `announce render` are prepare(...).to_bytes(...) of the same message."""
    result = run(NIX, "--kind", "reminder", "--now", "2027-01-04T09:00")
    assert result.exit_code == 0, result.output
    prep = prepared(sample_settings, NIX, "reminder", "2027-01-04T09:00")
    to = "members@example.org"
    assert result.stdout_bytes == prep.to_bytes(to, message_id=prep.message_id_for(to))


def test_render_by_file_path_and_kind_defaults() -> None:
    path = EXAMPLE_CONFIG.parent / "content/events/2027/2027-03-03-home-assistant.md"
    result = run(str(path), "--now", DEMO_NOW)
    assert result.exit_code == 0, result.output
    # A cancelled event defaults to its cancellation.
    assert parse(result.stdout_bytes)["Subject"].startswith(
        "River City Open Tech cancelled: Home Automation")
    result = run(NIX, "--now", "2027-01-04T09:00", "--to", "Zoë <zoe@example.org>",
                 "--message-id", "<fixed@example.org>")
    msg = parse(result.stdout_bytes)
    assert msg["Subject"].startswith("River City Open Tech: Reproducible")  # nothing sent yet
    assert msg["To"] == "Zoë <zoe@example.org>"
    assert msg["Message-ID"] == "<fixed@example.org>"


def test_render_usage_and_errors() -> None:
    result = run("--now", DEMO_NOW)
    assert result.exit_code == 2
    assert "Error: give either EVENT or --next" in result.output
    result = run(NIX, "--next")
    assert result.exit_code == 2
    result = run("no/such-event", "--now", DEMO_NOW)
    assert result.exit_code == 1
    assert result.stderr == ("announce: error: no/such-event: no such event "
                             "(see 'announce list --all' for event ids)\n")
    result = run("--next", "--now", "2030-01-01")
    assert result.exit_code == 1
    assert result.stderr == ("announce: error: no upcoming event after 2030-01-01 00:00 "
                             "(see 'announce list --all')\n")
    result = run(NIX, "--kind", "other")
    assert result.exit_code == 2
    result = run(NIX, "--to", "a@example.org\r\nBcc: b@example.org")
    assert result.exit_code == 1
    assert "a line break is not allowed in a header" in result.stderr


def test_render_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["render", "--help"])
    assert result.exit_code == 0
    assert "announce render --next --now 2027-01-28 -o next.eml" in result.output
    assert "--message-id" not in result.output


# --- long display names (issue 10) ---------------------------------------------------------


@pytest.mark.parametrize("name", [
    "A" * 5000,                      # one word no folding can break
    "x, y " * 40,                    # a long quoted name: CPython's folder drops the quotes
    'Zoë, "x" <a@b.c> ' * 10,        # non-ASCII with specials: encoded words
    "Dr. Ada Lovelace, Countess of Lovelace, Analytical Engine Programmer, London UK",
])
def test_a_long_display_name_stays_one_addressee_in_short_lines(
        sample_settings: Settings, name: str) -> None:
    from announce.addresses import MAX_NAME_CHARS, display_name
    from announce.recipients import Recipient

    recipient = Recipient("ada@example.org", display_name(name))
    assert len(recipient.name) <= MAX_NAME_CHARS
    data = prepared(sample_settings).to_bytes(recipient.header, message_id="<1@example.org>")
    head = data.partition(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    (address,) = parse(data)["To"].addresses
    assert address.addr_spec == "ada@example.org"
    assert "".join(address.display_name.split()) == "".join(recipient.name.split())


@pytest.mark.parametrize("subject", [
    "Przypomnienie: Next Level Cloud Development with Service Mesh – środa",
    "【リマインド】Next Level Cloud Development with Service Meshは今度の水曜日開催です",
    "HV Open: Next Level Cloud Development with Service Mesh (Mi., 8. Jan.)",
    "Reminder: Next Level Cloud Development with Service Mesh is this Wednesday",
    "Short and plain",
    "Zoë  and  two  spaces, ünïcödé " * 4,
])
def test_a_subject_reads_back_exactly_in_short_lines(sample_settings: Settings,
                                                     subject: str) -> None:
    catalog = load_catalog(sample_settings)
    when = at("2027-01-01T09:00", sample_settings)
    rendered = render_event(sample_settings, catalog, catalog.find(NIX), "announcement", when,
                            plan=plan(catalog.find(NIX), "announcement", sample_settings.schedule))
    message = prepare(sample_settings, dataclasses.replace(rendered, subject=subject),
                      date=when)
    data = message.to_bytes("ada@example.org", message_id="<x@example.org>")
    head = data.partition(b"\r\n\r\n")[0].decode("ascii")
    assert str(parse(data)["Subject"]) == subject  # not a space lost, none added
    subject_lines = head.split("Subject:", 1)[1].split("\r\nDate:")[0].split("\r\n")
    assert subject_lines[0].strip()  # the first line is never empty
    assert all(len(line) <= 78 for line in head.split("\r\n"))


def test_through_a_list_server_the_list_headers_are_the_lists(
    sample_settings: Settings,
) -> None:
    # Mailman replaces List-Id and List-Unsubscribe but keeps List-Unsubscribe-Post, which
    # would then point one-click unsubscribe at its mailto: (tests/test_mailman.py).
    listed = dataclasses.replace(sample_settings, mail=dataclasses.replace(
        sample_settings.mail, to=("members@lists.example.org",), list_server="mailman"))
    msg = parse(prepared(listed).to_bytes("members@lists.example.org",
                                          message_id="<1@example.org>"))
    for name in ("List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert name not in msg
    assert (msg["From"], msg["Reply-To"]) == ("River City Open Tech <announce@example.org>",
                                              "organizers@example.org")
