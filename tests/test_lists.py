"""The note ``check`` and ``send --dry-run`` give about a list that would hold the post."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from announce.cli import cli
from announce.config import load_settings
from announce.lists import posting_note

from .conftest import EXAMPLE_CONFIG, REPO

GUIDE_HINT = "see https://announce-dev.github.io/announce/sending/#sending-through-a-mailing-list"


def write(folder: Path, mail: str) -> Path:
    path = folder / "announce.toml"
    path.write_text(f"""
[site]
name = "River City Open Tech"
url = "https://example.org"
timezone = "America/New_York"
[content]
events = "{REPO / 'content' / 'events'}"
locations = "{REPO / 'content' / 'locations'}"
[mail]
from = "River City Open Tech <announce@example.org>"
{mail}
""", encoding="utf-8")
    return path


def test_a_list_server_gets_what_to_set_on_it(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, 'to = "members@lists.example.org"\n'
                                             'list_server = "mailman"'))
    assert posting_note(settings, guess=False) == (
        "members@lists.example.org is a Mailman 3 list: it sends the post to its members only "
        "if announce@example.org may post there, else it holds it for a moderator while "
        "announce's ledger says sent: add it as a non-member whose moderation is 'Accept "
        f"immediately' (Postorius: Members, Non-members) ({GUIDE_HINT})")


def test_one_address_without_list_settings_may_be_a_list(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, 'to = "members@example.org"'))
    assert posting_note(settings) == (
        "[mail] to is one address, members@example.org: if it is a mailing list, set [mail] "
        "list_server and let announce@example.org post there unmoderated, or the list holds "
        f"the post for a moderator while announce's ledger says sent ({GUIDE_HINT})")
    assert posting_note(settings, guess=False) is None


def test_no_note_where_announce_runs_the_list_itself(tmp_path: Path) -> None:
    # List-Id and unsubscribe of its own (the sample config), or one message per subscriber.
    assert posting_note(load_settings(EXAMPLE_CONFIG)) is None
    (tmp_path / "subscribers.csv").write_text("email\na@example.org\n", encoding="utf-8")
    assert posting_note(load_settings(write(tmp_path, 'recipients = "subscribers.csv"'))) is None
    several = write(tmp_path, 'to = ["a@example.org", "b@example.org"]')
    assert posting_note(load_settings(several)) is None


def test_check_and_the_dry_run_show_the_note(tmp_path: Path) -> None:
    config = write(tmp_path, 'to = "members@lists.example.org"\nlist_server = "mailman"')
    check = CliRunner().invoke(cli, ["check", "--config", str(config)])
    assert check.exit_code == 0, check.output
    assert "\nnote: members@lists.example.org is a Mailman 3 list: " in "\n" + check.stdout
    dry = CliRunner().invoke(cli, ["send", "--next", "--dry-run", "--config", str(config),
                                   "--now", "2027-01-28T09:00"])
    assert dry.exit_code == 0, dry.output
    assert "announce: note: members@lists.example.org is a Mailman 3 list: " in dry.stderr
    assert "note:" not in dry.stdout
