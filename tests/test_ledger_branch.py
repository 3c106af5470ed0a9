"""The ledger branch (announce.ledger.branch) with real git repositories: a bare "GitHub"
origin, the site's checkout, and the branch's own clone, as on a runner.

What a user would notice: only the ledger file is ever taken from the branch; a branch that
was deleted, rewound or rewritten since the workflow last recorded there is refused with the
command that restores it (and that command works); the token never lands in a file.
"""

from __future__ import annotations

import base64
import re
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from announce.ledger.branch import BranchError, Place, fetch, git_environment, mark, record

LEDGER = ".announce/ledger.sqlite3"
ROWS = f"{LEDGER}.d"  # the ledger's committed form on the branch (ledger/committed.py)
TOKEN = "ghs_UnitTestTokenNeverInAFile"  # noqa: S105 - a stand-in
DUE = ["announcement of “Talk” (Wed 2027-02-03) to 1 recipient"]
ENVIRON = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "river-city/site",
           "GITHUB_RUN_ID": "7", "GITHUB_RUN_ATTEMPT": "1"}


def _env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
            "LANG": "C.UTF-8", "GIT_AUTHOR_NAME": "Organizer",
            "GIT_AUTHOR_EMAIL": "o@example.org", "GIT_COMMITTER_NAME": "Organizer",
            "GIT_COMMITTER_EMAIL": "o@example.org"}


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          timeout=60, env=_env(cwd)).stdout


class Repo:
    """origin (bare), the site's checkout, the runner's temp folder, and a helper clone."""

    def __init__(self, root: Path):
        self.root = root
        work = root / "setup"
        work.mkdir()
        (work / "announce.toml").write_text("[site]\nname = \"River City\"\n", encoding="utf-8")
        _write_ledger(work / LEDGER, "from-main")
        _git(work, "init", "--quiet", "--initial-branch=main")
        _git(work, "add", "--force", ".")
        _git(work, "commit", "--quiet", "-m", "Set up")
        self.origin = root / "origin.git"
        _git(root, "clone", "--quiet", "--bare", str(work), str(self.origin))
        self.runs = 0
        self.env, self.mask = git_environment(_env(root) | {"GITHUB_TOKEN": TOKEN} | ENVIRON)

    def place(self) -> Place:
        """A fresh runner: a new checkout of main, an empty temp folder."""
        self.runs += 1
        workspace = self.root / f"run-{self.runs}"
        _git(self.root, "clone", "--quiet", f"file://{self.origin}", str(workspace))
        return Place(workspace, self.root / f"temp-{self.runs}" / "announce-ledger",
                     PurePosixPath(LEDGER))

    def send(self, text: str) -> str:
        """One run that sends: fetch, mark, "send" (the ledger changes), record."""
        place = self.place()
        fetch(place, self.env)
        mark(place, self.env, DUE, ENVIRON)
        _write_ledger(place.workspace / LEDGER, text)
        done = record(place, self.env, DUE, ENVIRON)
        assert done is not None
        return self.ref("announce-ledger")

    def ref(self, name: str) -> str:
        proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", name], cwd=self.origin,
                              capture_output=True, text=True, check=False, env=_env(self.root))
        return proc.stdout.strip()

    def clone(self) -> Path:
        self.runs += 1
        work = self.root / f"organizer-{self.runs}"
        _git(self.root, "clone", "--quiet", str(self.origin), str(work))
        return work

    def shell(self, command: str) -> None:
        """Run the command a refusal gives, as the organizer would, in a clone."""
        work = self.clone()
        subprocess.run(command, shell=True, cwd=work, check=True, timeout=60,  # noqa: S602
                       env=_env(self.root), capture_output=True)


def _write_ledger(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (v TEXT)")
        db.execute("INSERT INTO t VALUES (?)", (text,))
    db.close()


def _read_ledger(path: Path) -> str:
    with sqlite3.connect(path) as db:
        value = db.execute("SELECT v FROM t").fetchone()[0]
    db.close()
    return str(value)


def _fix(problem: str) -> str:
    """The git command a refusal gives to restore the branch."""
    match = re.search(r"(git fetch origin tag \S+ && git push (?:--force )?origin \S+)", problem)
    assert match, problem
    return match.group(1)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path)


def test_a_first_run_starts_the_branch_and_its_tag_from_the_committed_ledger(
        repo: Repo) -> None:
    place = repo.place()
    fetched = fetch(place, repo.env)
    assert fetched.head is None
    assert fetched.lines == ("No announce-ledger branch yet: the first run that sends starts "
                             "it from the ledger committed here, if any.",)
    assert mark(place, repo.env, DUE, ENVIRON).startswith("Marked ")
    marker = _git(repo.origin, "show", "announce-ledger:SENDING")
    assert marker.startswith("run: https://github.com/river-city/site/actions/runs/7 "
                             "(attempt 1)\nstarted: ")
    assert marker.endswith(f"sending:\n  {DUE[0]}\n")
    assert repo.ref("announce-ledger-last") == repo.ref("announce-ledger")  # pushed together
    _write_ledger(place.workspace / LEDGER, "sent")
    assert record(place, repo.env, DUE, ENVIRON) == (
        f"Recorded {repo.ref('announce-ledger')[:7]} on announce-ledger: "
        f"announce: sent the {DUE[0]}")
    assert _git(repo.origin, "ls-tree", "--name-only", "-r", "announce-ledger").split() == [
        f"{ROWS}/ledger.json", "README.md"]  # the committed form, not the SQLite file
    assert repo.ref("announce-ledger-last") == repo.ref("announce-ledger")

    again = repo.place()
    assert fetch(again, repo.env).head == repo.ref("announce-ledger")
    assert _read_ledger(again.workspace / LEDGER) == "sent"  # the branch's, over main's


def test_a_run_fetches_the_tip_only_and_the_branch_keeps_the_committed_form(
        repo: Repo) -> None:
    for text in ("one", "two", "three"):
        repo.send(text)
    place = repo.place()
    fetch(place, repo.env)
    # One commit of history, however long the branch's is: what the ledger needs.
    assert _git(place.clone, "rev-list", "--count", "HEAD").strip() == "1"
    assert _read_ledger(place.workspace / LEDGER) == "three"
    assert _git(repo.origin, "rev-list", "--count", "announce-ledger").strip() == "6"


def test_a_sqlite_ledger_on_the_branch_is_read_and_replaced_by_the_committed_form(
        repo: Repo) -> None:
    # An older announce's branch, or an organizer's by-hand record, holds the SQLite file.
    repo.send("one")
    work = repo.clone()
    _git(work, "switch", "--quiet", "announce-ledger")
    _write_ledger(work / LEDGER, "by hand")
    _git(work, "add", "--force", LEDGER)
    _git(work, "commit", "--quiet", "-m", "Record by hand")
    _git(work, "push", "--quiet", "origin", "announce-ledger")
    _git(work, "push", "--quiet", "--force", "origin", "HEAD:refs/tags/announce-ledger-last")
    place = repo.place()
    fetch(place, repo.env)
    assert _read_ledger(place.workspace / LEDGER) == "by hand"  # it wins over the rows
    mark(place, repo.env, DUE, ENVIRON)
    record(place, repo.env, DUE, ENVIRON)
    assert _git(repo.origin, "ls-tree", "--name-only", "-r", "announce-ledger").split() == [
        f"{ROWS}/ledger.json", "README.md"]
    again = repo.place()
    fetch(again, repo.env)
    assert _read_ledger(again.workspace / LEDGER) == "by hand"


def test_a_run_that_marked_nothing_records_nothing(repo: Repo) -> None:
    repo.send("one")
    place = repo.place()
    fetch(place, repo.env)
    before = repo.ref("announce-ledger")
    assert record(place, repo.env, [], ENVIRON) is None
    assert repo.ref("announce-ledger") == before


@pytest.mark.parametrize("intruder", ["content/events/2027/2027-02-17-injected.md",
                                      "announce.toml", ".announce/other.sqlite3"])
def test_a_file_besides_the_ledger_on_the_branch_is_refused_and_never_copied(
        repo: Repo, intruder: str) -> None:
    repo.send("one")
    work = repo.clone()
    _git(work, "switch", "--quiet", "announce-ledger")
    (work / intruder).parent.mkdir(parents=True, exist_ok=True)
    (work / intruder).write_text("[smtp]\nhost = \"evil.example\"\n", encoding="utf-8")
    _git(work, "add", "--force", intruder)
    _git(work, "commit", "--quiet", "-m", "Sneak a file in")
    _git(work, "push", "--quiet", "origin", "announce-ledger")

    place = repo.place()
    main_config = (place.workspace / "announce.toml").read_bytes()
    with pytest.raises(BranchError) as refused:
        fetch(place, repo.env)
    (problem,) = refused.value.problems
    assert problem.startswith("The announce-ledger branch holds files other than README.md, "
                              f"SENDING and the ledger ({LEDGER}): {intruder}. Nothing was sent")
    assert "git rm" in problem
    assert (place.workspace / "announce.toml").read_bytes() == main_config
    assert not (place.workspace / "content").exists()
    assert _read_ledger(place.workspace / LEDGER) == "from-main"  # nothing taken


def test_a_deleted_branch_is_not_a_first_run_and_the_fix_restores_it(repo: Repo) -> None:
    last = repo.send("one")
    _git(repo.origin, "branch", "-D", "announce-ledger")
    with pytest.raises(BranchError) as refused:
        fetch(repo.place(), repo.env)
    (problem,) = refused.value.problems
    assert problem.startswith(f"The announce-ledger branch is gone, but the workflow last "
                              f"recorded {last[:12]} there (tag announce-ledger-last)")
    assert _fix(problem) == (f"git fetch origin tag announce-ledger-last && git push origin "
                             f"{last}:refs/heads/announce-ledger")
    assert "git push origin :refs/heads/announce-ledger :refs/tags/announce-ledger-last" in (
        problem)  # starting over is a deliberate act

    repo.shell(_fix(problem))
    place = repo.place()
    assert fetch(place, repo.env).head == last
    assert _read_ledger(place.workspace / LEDGER) == "one"


def test_a_branch_reset_to_an_older_commit_is_refused(repo: Repo) -> None:
    older = repo.send("one")
    last = repo.send("two")
    _git(repo.origin, "update-ref", "refs/heads/announce-ledger", older)
    with pytest.raises(BranchError) as refused:
        fetch(repo.place(), repo.env)
    (problem,) = refused.value.problems
    assert problem.startswith(f"The announce-ledger branch was reset to {older[:12]}, older "
                              f"than {last[:12]}, the commit the workflow last recorded there "
                              "(tag announce-ledger-last): what was sent since would be sent "
                              "again, so nothing was sent.")
    assert _fix(problem) == (f"git fetch origin tag announce-ledger-last && git push --force "
                             f"origin {last}:refs/heads/announce-ledger")
    repo.shell(_fix(problem))
    place = repo.place()
    fetch(place, repo.env)
    assert _read_ledger(place.workspace / LEDGER) == "two"


def test_a_branch_rewritten_without_the_ledger_is_refused(repo: Repo) -> None:
    last = repo.send("one")
    work = repo.clone()
    _git(work, "switch", "--quiet", "--orphan", "fresh")
    (work / "README.md").write_text("empty\n", encoding="utf-8")
    _git(work, "add", "README.md")
    _git(work, "commit", "--quiet", "-m", "Start over")
    _git(work, "push", "--quiet", "--force", "origin", "fresh:announce-ledger")
    with pytest.raises(BranchError) as refused:
        fetch(repo.place(), repo.env)
    (problem,) = refused.value.problems
    assert problem.startswith("The announce-ledger branch was rewritten: its head ")
    assert f"does not descend from {last[:12]}, the commit the workflow last recorded" in problem
    assert last in _fix(problem)


def test_main_pushed_onto_the_branch_is_refused_twice_over(repo: Repo) -> None:
    repo.send("one")
    _git(repo.origin, "update-ref", "refs/heads/announce-ledger", repo.ref("main"))
    with pytest.raises(BranchError) as refused:
        fetch(repo.place(), repo.env)
    history, files = refused.value.problems
    assert "was rewritten" in history
    assert "announce.toml" in files


def test_a_ledger_deleted_on_top_of_the_last_record_is_refused(repo: Repo) -> None:
    last = repo.send("one")
    work = repo.clone()
    _git(work, "switch", "--quiet", "announce-ledger")
    _git(work, "rm", "--quiet", "-r", ROWS)
    _git(work, "commit", "--quiet", "-m", "Drop the ledger")
    _git(work, "push", "--quiet", "origin", "announce-ledger")
    with pytest.raises(BranchError) as refused:
        fetch(repo.place(), repo.env)
    (problem,) = refused.value.problems
    assert problem.startswith(f"The announce-ledger branch has no ledger ({LEDGER}), though "
                              f"the commit the workflow last recorded, {last[:12]}")


def test_a_branch_from_before_the_tag_is_taken_and_tagged(repo: Repo) -> None:
    head = repo.send("one")
    _git(repo.origin, "tag", "-d", "announce-ledger-last")  # an older workflow's branch
    dry = fetch(repo.place(), repo.env, dry_run=True)
    assert repo.ref("announce-ledger-last") == ""  # a dry run pushes nothing
    assert not any("Tagged" in line for line in dry.lines)
    fetched = fetch(repo.place(), repo.env)
    assert fetched.lines[-1].startswith("Tagged announce-ledger-last")
    assert repo.ref("announce-ledger-last") == head


def test_a_preview_warns_and_takes_nothing_from_a_bad_branch(repo: Repo) -> None:
    repo.send("one")
    _git(repo.origin, "branch", "-D", "announce-ledger")
    place = repo.place()
    fetched = fetch(place, repo.env, read_only=True)
    (line,) = fetched.lines
    assert line.startswith("::warning::The announce-ledger branch is gone")
    assert _read_ledger(place.workspace / LEDGER) == "from-main"


def test_a_sending_marker_stops_a_run_and_only_warns_a_dry_run(repo: Repo) -> None:
    repo.send("one")
    place = repo.place()
    fetch(place, repo.env)
    mark(place, repo.env, DUE, ENVIRON)  # and the run dies before it records
    with pytest.raises(BranchError) as refused:
        fetch(repo.place(), repo.env)
    assert refused.value.problems[0].startswith(
        "The announce-ledger branch still has the SENDING marker of the run "
        "https://github.com/river-city/site/actions/runs/7 (attempt 1), which stopped")
    dry = fetch(repo.place(), repo.env, dry_run=True)
    assert dry.lines[1].startswith("::warning::The announce-ledger branch still has")


def test_a_refused_push_moves_neither_the_branch_nor_the_tag(repo: Repo) -> None:
    last = repo.send("one")
    hook = repo.origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nwhile read -r old new ref; do\n"
                    '  [ "$ref" = refs/heads/announce-ledger ] && exit 1\ndone\nexit 0\n',
                    encoding="utf-8")
    hook.chmod(0o755)
    place = repo.place()
    fetch(place, repo.env)
    with pytest.raises(BranchError, match=r"^Could not push to the announce-ledger branch, "
                                          "so nothing was sent"):
        mark(place, repo.env, DUE, ENVIRON)
    assert repo.ref("announce-ledger") == repo.ref("announce-ledger-last") == last


def test_the_token_reaches_git_only_through_the_environment(repo: Repo) -> None:
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert repo.mask == f"::add-mask::{basic}"
    assert "GITHUB_TOKEN" not in repo.env
    assert repo.env["GIT_CONFIG_COUNT"] == "1"
    assert repo.env["GIT_CONFIG_KEY_0"] == "http.https://github.com/.extraheader"
    assert repo.env["GIT_CONFIG_VALUE_0"] == f"AUTHORIZATION: basic {basic}"
    place = repo.place()
    fetch(place, repo.env)
    mark(place, repo.env, DUE, ENVIRON)
    record(place, repo.env, DUE, ENVIRON)
    for config in (place.clone / ".git" / "config", place.workspace / ".git" / "config"):
        text = config.read_text(encoding="utf-8")
        assert TOKEN not in text
        assert basic not in text
    # A variable the job already gives git is kept; the header is added after it.
    env, _ = git_environment({"GITHUB_TOKEN": TOKEN, "GIT_CONFIG_COUNT": "1",
                              "GIT_CONFIG_KEY_0": "core.x", "GIT_CONFIG_VALUE_0": "y"})
    assert env["GIT_CONFIG_COUNT"] == "2"
    assert env["GIT_CONFIG_KEY_1"] == "http.https://github.com/.extraheader"
    assert shlex.quote(TOKEN) not in " ".join(env.values())


def test_a_ledger_outside_the_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BranchError, match=r"is outside the repository, so it cannot be "
                                          r"recorded on announce-ledger"):
        Place.of(tmp_path / "site", tmp_path / "clone", tmp_path / "elsewhere" / "l.sqlite3")


KILLED_WHILE_SENDING = """
import os, signal, sys
from datetime import UTC, datetime
from pathlib import Path
from announce.delivery import Outcome
from announce.ledger import Claim, Ledger
ledger = Ledger.open(Path(sys.argv[1]), clock=lambda: datetime(2027, 2, 1, tzinfo=UTC))
for i in range(300):
    ledger.record("talk", "announcement", [Claim(f"r{i}@example.org", f"<{i}@x>")], "smtp")
    ledger.record("talk", "announcement", [Outcome(f"r{i}@example.org", "sent")], "smtp")
ledger.record("talk", "announcement", [Claim("last@example.org", "<last@x>")], "smtp")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_send_killed_mid_run_records_a_ledger_whole_without_its_wal_file(
        repo: Repo, tmp_path: Path) -> None:
    import sys

    from announce.ledger import read_sent
    from announce.ledger.store import Ledger

    place = repo.place()
    fetch(place, repo.env)
    mark(place, repo.env, DUE, ENVIRON)
    ledger = place.workspace / LEDGER
    ledger.unlink()
    killed = subprocess.run([sys.executable, "-c", KILLED_WHILE_SENDING, str(ledger)],
                            check=False, timeout=60)
    assert killed.returncode == -9
    # What the kill left: the claims and outcomes committed so far are in the -wal file.
    assert ledger.with_name(ledger.name + "-wal").stat().st_size > 0
    assert record(place, repo.env, DUE, ENVIRON) is not None
    assert not ledger.with_name(ledger.name + "-wal").exists()

    # The workspace's file is whole on its own (a rollback-journal file: byte 18 of its
    # header is 1, not WAL's 2), and what the branch holds loads into every row of it.
    assert ledger.read_bytes()[18:20] == b"\x01\x01"
    alone = tmp_path / "alone" / "ledger.sqlite3"
    alone.parent.mkdir()
    _branch_ledger(repo, alone)
    opened = Ledger.open_readonly(alone)
    assert opened is not None
    with opened:
        found = opened.lookup("talk", "announcement",
                              [f"r{i}@example.org" for i in range(300)] + ["last@example.org"])
    assert sum(row.status == "sent" for row in found.values()) == 300
    assert found["last@example.org"].status == "claimed"  # uncertain, as it should be
    assert read_sent(alone)["talk"]["announcement"].delivered
    assert sorted(p.name for p in alone.parent.iterdir()) == ["ledger.sqlite3"]


def _branch_ledger(repo: Repo, target: Path) -> None:
    """The ledger the branch's tip holds, as a SQLite file at ``target``."""
    from announce.ledger.committed import load

    tree = target.parent / "tree"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", "announce-ledger", ROWS], cwd=repo.origin,
                             capture_output=True, check=True, timeout=60).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True, timeout=60)
    load(tree / ROWS, target)
    shutil.rmtree(tree)
