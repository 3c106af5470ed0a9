"""`init` adds the outbox and the ledger's lock to .gitignore, and the ledger itself only
where the GitHub workflow keeps it on its own branch; git itself is asked what it ignores."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from announce.cli import cli

from .conftest import REPO

LOCAL = ("Added to .gitignore: /outbox/ (messages written without [smtp]), "
         "/.announce/ledger.sqlite3.lock (a send's lock), /.announce/ledger.sqlite3-journal "
         "(a send's unfinished writes)")
COMMITTED = ("The ledger (.announce/ledger.sqlite3) is not ignored: it records who got which "
             "message; commit it after each send, so that a send from another clone does not "
             "send it again (with init --github the workflow keeps it on the announce-ledger "
             "branch instead).")
ON_ITS_BRANCH = ("The ledger (.announce/ledger.sqlite3) is ignored on this branch: the workflow "
                 "keeps it on the announce-ledger branch (it adds it there with git add "
                 "--force), and a copy committed here would go stale.")
HEADER = "# announce (written by announce init)"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample season in a git repository of its own."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    git(site, "init", "--quiet")
    monkeypatch.chdir(site)
    monkeypatch.delenv("ANNOUNCE_CONFIG", raising=False)
    return site


def git(site: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(["git", *args], cwd=site, env=env, capture_output=True, text=True,
                          check=False, timeout=60).stdout


def init(*args: str) -> Result:
    result = CliRunner().invoke(cli, ["init", "--yes", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def what_a_send_leaves(site: Path) -> list[str]:
    """The files of a send (the outbox, the ledger, its lock and journal), as git sees
    them: those it would add."""
    files = ["outbox/new/1.eml", ".announce/ledger.sqlite3", ".announce/ledger.sqlite3.lock",
             ".announce/ledger.sqlite3-journal"]
    for name in files:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text("x", encoding="utf-8")
    shown = git(site, "status", "--porcelain", "--untracked-files=all").splitlines()
    return sorted(line[3:] for line in shown if line[3:] in files)


def test_init_ignores_the_outbox_and_the_lock_and_keeps_the_ledger_to_commit(
        site: Path) -> None:
    (site / ".gitignore").write_text("_site", encoding="utf-8")  # no newline at its end
    result = init()
    assert f"{LOCAL}.\n{COMMITTED}\n" in result.stdout
    assert (site / ".gitignore").read_text(encoding="utf-8") == (
        f"_site\n\n{HEADER}\n/outbox/\n/.announce/ledger.sqlite3.lock\n"
        "/.announce/ledger.sqlite3-journal\n")
    assert what_a_send_leaves(site) == [".announce/ledger.sqlite3"]


def test_with_the_workflow_the_ledger_is_ignored_on_the_sites_branches(site: Path) -> None:
    result = init("--github")
    assert f"{LOCAL}, /.announce/ledger.sqlite3 (the ledger).\n{ON_ITS_BRANCH}\n" in \
        result.stdout
    assert "Commit and push announce.toml, .gitignore and .github/workflows/announce.yml." \
        in result.stdout
    assert what_a_send_leaves(site) == []


def test_init_again_adds_no_line_twice(site: Path) -> None:
    init()
    result = init("--github")  # keeps announce.toml, adds the workflow: and the ledger
    assert "Added to .gitignore: /.announce/ledger.sqlite3 (the ledger).\n" in result.stdout
    before = (site / ".gitignore").read_text(encoding="utf-8")
    assert before.count(HEADER) == 1
    again = init("--github", "--force")
    assert (site / ".gitignore").read_text(encoding="utf-8") == before
    assert (".gitignore already ignores /outbox/, /.announce/ledger.sqlite3.lock, "
            "/.announce/ledger.sqlite3-journal, /.announce/ledger.sqlite3.\n") in again.stdout


def test_patterns_already_there_are_not_written_again(site: Path) -> None:
    (site / ".gitignore").write_text("outbox\n*.lock\n.announce/*-journal\n", encoding="utf-8")
    result = init()
    assert (site / ".gitignore").read_text(encoding="utf-8") == \
        "outbox\n*.lock\n.announce/*-journal\n"
    assert (".gitignore already ignores /outbox/, /.announce/ledger.sqlite3.lock, "
            "/.announce/ledger.sqlite3-journal.\n") in result.stdout
    assert what_a_send_leaves(site) == [".announce/ledger.sqlite3"]


def test_a_ledger_the_organizer_ignores_or_keeps_is_left_as_they_chose(site: Path) -> None:
    (site / ".gitignore").write_text(".announce/\n", encoding="utf-8")
    result = init()
    assert ("The ledger (.announce/ledger.sqlite3) is ignored by your .gitignore: if you send "
            "from more than one clone, commit it (git add --force) after each send") in \
        result.stdout
    (site / ".gitignore").write_text("!/.announce/ledger.sqlite3\n", encoding="utf-8")
    result = init("--github", "--force")
    assert "/.announce/ledger.sqlite3 (the ledger)" not in result.stdout
    assert "The ledger (.announce/ledger.sqlite3) is kept by a '!' line of your .gitignore" \
        in result.stdout


def test_the_paths_are_the_configs(site: Path, tmp_path: Path) -> None:
    (site / "announce.toml").write_text(
        f'[outbox]\npath = "mail/out"\n[ledger]\npath = "{tmp_path / "sent.sqlite3"}"\n',
        encoding="utf-8")
    result = init("--github")  # the config is kept: its paths count
    assert "Added to .gitignore: /mail/out/ (messages written without [smtp]).\n" in \
        result.stdout
    assert "The ledger" not in result.stdout  # outside the repository: nothing to ignore


def test_a_gitignore_that_cannot_be_written_is_said_and_init_goes_on(site: Path) -> None:
    (site / ".gitignore").mkdir()  # not a file: cannot be read or written
    result = init()
    assert ("Could not write .gitignore (Is a directory): add /outbox/, "
            "/.announce/ledger.sqlite3.lock, /.announce/ledger.sqlite3-journal to it "
            "yourself.\n") in result.stdout
    assert (site / "announce.toml").is_file()


def test_bytes_that_are_not_utf8_stay_as_they_were(site: Path) -> None:
    (site / ".gitignore").write_bytes(b"caf\xe9/\n")  # Latin-1
    init()
    assert (site / ".gitignore").read_bytes().startswith(b"caf\xe9/\n\n# announce")
