"""`check` validates what `send` would need: recipients, subjects and templates, languages,
the RSVP button, a way to unsubscribe. Each problem is asserted as the user reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from announce.cli import cli

NOW = "2027-01-01"
LIST = '[mail]\nto = ["members@example.org"]\n'


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One upcoming talk, at a venue, with nothing else to say about it."""
    monkeypatch.chdir(tmp_path)
    for name in ("ANNOUNCE_CONFIG", "ANNOUNCE_NOW", "GITHUB_ACTIONS", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "content" / "events").mkdir(parents=True)
    (tmp_path / "content" / "locations").mkdir()
    (tmp_path / "content" / "locations" / "hall.md").write_text("---\ntitle: Hall\n---\n")
    talk(tmp_path)
    return tmp_path


def talk(site: Path, front: str = "") -> Path:
    path = site / "content" / "events" / "2027-01-06-talk.md"
    path.write_text(f"---\ntitle: Talk\ndtstart: 2027-01-06 18:00\nlocation: Hall\n{front}"
                    "---\nA talk.\n", encoding="utf-8")
    return path


def config(site: Path, text: str) -> None:
    (site / "announce.toml").write_text(text, encoding="utf-8")


def check(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", "--now", NOW, *args], catch_exceptions=False)


def problems(result: Result) -> list[str]:
    return [line for line in result.stdout.splitlines()
            if line.startswith(("error:", "warning:"))]


def test_a_site_send_could_send_from_has_no_problem(site: Path) -> None:
    config(site, LIST)
    result = check("--strict")
    assert (result.exit_code, result.stdout) == (
        0, "Checked 1 event file and 1 location: 0 errors, 0 warnings.\n")


# --- recipients -------------------------------------------------------------------------


def test_no_list_address_is_an_error_on_the_mail_section(site: Path) -> None:
    config(site, '[site]\nname = "X"\n\n[mail]\nfrom = "X <x@example.org>"\n')
    result = check()
    assert result.exit_code == 1
    assert problems(result) == [
        "error: announce.toml:4: [mail] to: nobody to send to: set 'to' (the list address) or "
        "'recipients' (a CSV file of subscribers)"]
    assert result.stdout.splitlines()[-1] == (
        "Checked 1 event file and 1 location: 1 error, 0 warnings.")


def test_a_subscriber_file_that_does_not_load_is_an_error_on_its_key(site: Path) -> None:
    config(site, '[mail]\nrecipients = "members.csv"\nunsubscribe = "mailto:leave@x.org"\n')
    (site / "members.csv").write_text("mail,name\na@example.org,A\n", encoding="utf-8")
    result = check()
    assert result.exit_code == 1
    assert problems(result) == [
        "error: announce.toml:2: [mail] recipients: members.csv:1: no 'email' column "
        "(columns: 'mail', 'name'); the first row names the columns: email and, optionally, "
        "name"]
    (site / "members.csv").unlink()
    assert problems(check()) == [
        "error: announce.toml:2: [mail] recipients: members.csv: cannot read the recipients: "
        "No such file or directory"]


def test_subscribers_a_send_would_skip_are_warnings(site: Path) -> None:
    config(site, '[mail]\nrecipients = "members.csv"\nunsubscribe = "mailto:leave@x.org"\n')
    (site / "members.csv").write_text("email\na@example.org\nnot-an-address\n",
                                      encoding="utf-8")
    result = check()
    assert result.exit_code == 0
    assert problems(result) == [
        "warning: announce.toml:2: [mail] recipients: members.csv:3: email: 'not-an-address' "
        "is not a valid address (skipped)"]


# --- a way to unsubscribe ---------------------------------------------------------------

UNSUBSCRIBE = (
    "whose footer says they subscribed, and the mail offers no way to unsubscribe (no "
    "List-Unsubscribe header, no link); set unsubscribe = [\"mailto:leave@example.org?"
    "subject=unsubscribe\", \"https://example.org/unsubscribe\"]")


def test_a_copy_per_subscriber_without_a_way_to_unsubscribe_is_a_warning(site: Path) -> None:
    config(site, '[site]\nname = "X"\n[mail]\nrecipients = "members.csv"\n')
    (site / "members.csv").write_text("email\na@example.org\n", encoding="utf-8")
    result = check()
    assert result.exit_code == 0
    assert problems(result) == [
        "warning: announce.toml:3: [mail] unsubscribe: not set: each subscriber in "
        f"members.csv gets a copy of their own, {UNSUBSCRIBE}"]
    assert check("--strict").exit_code == 1


def test_several_addresses_in_to_without_a_way_to_unsubscribe_is_a_warning(site: Path) -> None:
    config(site, '[mail]\nto = ["a@example.org", "b@example.org"]\n')
    assert problems(check()) == [
        "warning: announce.toml:1: [mail] unsubscribe: not set: each of the 2 addresses in "
        "[mail] to gets a copy of its own (if they are mailing lists, set [mail] list_server "
        f"instead), {UNSUBSCRIBE}"]


@pytest.mark.parametrize("mail", [
    '[mail]\nrecipients = "members.csv"\nunsubscribe = "https://x.org/leave"\n',
    '[mail]\nto = ["members@lists.example.org"]\nlist_server = "mailman"\n',
    LIST,  # one list address: the list's own footer
])
def test_no_warning_where_there_is_a_way_to_unsubscribe(site: Path, mail: str) -> None:
    config(site, mail)
    (site / "members.csv").write_text("email\na@example.org\n", encoding="utf-8")
    assert problems(check()) == []


# --- subjects and templates, rendered for the next event ----------------------------------


def test_a_template_that_does_not_compile_is_named_with_its_line(site: Path) -> None:
    config(site, LIST + '[templates]\npath = "mail"\n')
    (site / "mail").mkdir()
    (site / "mail" / "base.html").write_text(
        '{% extends "packaged/base.html" %}\n{% block footer %}\n{% if %}\n{% endblock %}\n',
        encoding="utf-8")
    result = check()
    assert result.exit_code == 1
    # base.html is every kind's: said once.
    assert problems(result) == [
        "error: mail/base.html:3: the announcement of 2027-01-06-talk does not render: "
        "Expected an expression, got 'end of statement block'"]


def test_a_template_that_fails_to_render_is_named_with_its_line(site: Path) -> None:
    config(site, LIST + '[templates]\npath = "mail"\n')
    (site / "mail").mkdir()
    (site / "mail" / "reminder.txt").write_text("Hello,\n\n{{ event.no_such_key }}\n",
                                                encoding="utf-8")
    result = check()
    assert result.exit_code == 1
    assert problems(result) == [
        "error: mail/reminder.txt:3: the reminder of 2027-01-06-talk does not render: "
        "'announce.content.Event object' has no attribute 'no_such_key'"]


def test_a_subject_that_does_not_render_is_an_error_on_its_key(site: Path) -> None:
    config(site, LIST + '[mail.subjects]\nreminder = "{{ site_name }} {{ when }}"\n'
                        'update = "{{ title }"\n')
    result = check()
    assert result.exit_code == 1
    assert problems(result) == [
        "error: announce.toml:4: [mail.subjects] reminder: does not render for "
        "2027-01-06-talk: 'when' is undefined (variables: site_name, title, short_date, "
        "weekday, relative_day)",
        "error: announce.toml:5: [mail.subjects] update: does not render for 2027-01-06-talk: "
        "unexpected '}'"]


def test_a_subject_under_its_older_key_is_read_with_a_note_and_its_own_line(site: Path) -> None:
    # announce 0.2 wrote [mail] subject_KIND: still read, each with a note on stderr.
    config(site, LIST + 'subject_reminder = "{{ site_name }} {{ when }}"\n')
    result = check()
    assert result.exit_code == 1
    assert result.stderr == (
        "announce: warning: announce.toml: [mail] subject_reminder: still read, but "
        "deprecated: write it as `reminder = ...` in a [mail.subjects] table\n")
    assert problems(result) == [
        "error: announce.toml:3: [mail] subject_reminder: does not render for 2027-01-06-talk: "
        "'when' is undefined (variables: site_name, title, short_date, weekday, "
        "relative_day)"]


# --- what the mail would lack ---------------------------------------------------------------


def test_a_meetup_id_without_a_group_says_no_rsvp_button_will_appear(site: Path) -> None:
    config(site, LIST)
    talk(site, 'meetup_id: "301234"\n')
    result = check()
    assert result.exit_code == 0
    assert problems(result) == [
        "warning: content/events/2027-01-06-talk.md:5: meetup_id: '301234': no RSVP button "
        "will appear: [rsvp] meetup_group is not set in announce.toml (the group's name in "
        "its address, meetup.com/NAME/)"]
    config(site, LIST + '[rsvp]\nmeetup_group = "river-city"\n')
    assert problems(check()) == []


def test_an_events_language_without_a_catalog_is_a_warning_wherever_it_is_sent(
        site: Path) -> None:
    config(site, LIST)
    talk(site, "lang: deutsch\n")
    warning = ("content/events/2027-01-06-talk.md:5: lang: its mail will be English: no catalog "
               'for "deutsch"; did you mean "de"? (catalogs: de, en, es, fr, it, ja, nl, pl, pt)')
    result = check()
    assert (result.exit_code, problems(result)) == (0, [f"warning: {warning}"])
    for command in (["send", "--next", "--dry-run"], ["render", "--next"]):
        result = CliRunner().invoke(cli, [*command, "--now", NOW])
        assert result.exit_code == 0, result.output
        assert f"announce: warning: {warning}\n" in result.stderr
