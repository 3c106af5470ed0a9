"""The ledger on a branch of the site's repository, for the GitHub workflow: fetch, mark, record.

The send job runs ``announce ledger fetch``, ``send --next --dry-run``, ``announce ledger
mark``, ``send --next`` and ``announce ledger record`` (the steps of action.yml). The branch
is cloned into a repository of its own beside the workspace (``$RUNNER_TEMP/announce-ledger``),
its tip only (a run needs no history unless the branch moved: see below), and **only the
ledger** is taken from it into the workspace: a talk, an ``announce.toml`` or anything else
committed to the branch is never read, and its presence stops the run (:func:`fetch`), so
that whoever can push to the branch cannot change what the step holding the SMTP password
reads.

The branch keeps the ledger in its committed form (:mod:`.committed`: compressed rows, a
file per event, some 20 bytes a delivery), loaded into the workspace's SQLite file by
``fetch`` and written from it by ``record``. A SQLite file at the ledger's own path (an
older announce's, or one an organizer recorded by hand) is read as it is, and wins over the
committed form beside it; the next ``record`` replaces it with the committed form.

A branch that lost its history is told from a first run by a second ref: the tag
``<branch>-last`` follows every commit the workflow pushes, in the same atomic push. A run
refuses when the tag exists and the branch does not (deleted), or when the tag's commit is
not the branch's head or an ancestor of it (force-pushed to an older commit, or to another
history), or when the branch has no ledger although the tag does. The tag also keeps the
last commit's objects on the server, so the refusal gives the command that restores it.
Deleting the tag (and the branch) is the organizer's explicit "start the ledger over".

git runs with the token as an HTTP header given through ``GIT_CONFIG_COUNT`` environment
variables (:func:`git_environment`): never in ``.git/config``, never on a command line.
Nothing here prints: the commands in :mod:`announce.cli.ledger` print what is returned.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import LedgerError
from . import committed
from .branchchecks import (
    file_problems,
    files_at,
    gone,
    history_problems,
    marker_lines,
    warning_line,
)
from .gitrun import BranchError, git_environment, workspace_root
from .gitrun import git as _git
from .gitrun import git_bytes as _git_bytes
from .place import MARKER, README, Place

__all__ = [
    "BOT",
    "BranchError",
    "Fetched",
    "Place",
    "fetch",
    "git_environment",
    "mark",
    "record",
    "workspace_root",
]

# Written beside the clone's .git by `mark`: this run marked the branch, so `record` must.
_MARKED = "announce-marked"
BOT = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
_README_TEXT = (
    "# The announce ledger\n\n"
    "What the announce workflow sent to whom. Only the workflow pushes here, and it takes\n"
    "nothing from this branch but the ledger: any other file stops it.\n"
    "A SENDING file means a run is sending, or stopped before it could record\n"
    'what it sent: see the README of announce, "The ledger branch".\n'
)


@dataclass(frozen=True)
class Fetched:
    """What :func:`fetch` found, as lines for the log (``::warning::`` ones included)."""

    lines: tuple[str, ...]
    head: str | None = None  # None: no branch yet (a first run)


def _remote_refs(place: Place, env: Mapping[str, str]) -> dict[str, str]:
    refs = (f"refs/heads/{place.branch}", f"refs/tags/{place.tag}")
    proc = _git(place.clone, env, "ls-remote", "origin", *refs, check=False)
    if proc.returncode != 0:
        raise BranchError(f"Could not read the {place.branch} branch (git ls-remote exited "
                          f"{proc.returncode}): nothing was sent.")
    found = {}
    for line in proc.stdout.splitlines():
        sha, _, ref = line.partition("\t")
        if ref in refs:
            found[ref] = sha
    return found


# --- fetch -------------------------------------------------------------------------------


def fetch(place: Place, env: Mapping[str, str], *, dry_run: bool = False,
          read_only: bool = False, clear_marker: str | None = None) -> Fetched:
    """Clone the branch beside the workspace, check it, and copy its ledger (only that
    file) into the workspace.

    Raises :class:`BranchError` for a branch that lost its history, holds other files, or
    has the SENDING marker of a run that did not record (a warning for ``dry_run``). With
    ``read_only`` (a pull request's preview) every refusal is a warning and nothing is
    taken from a branch that fails a check; nothing is ever pushed then. With
    ``clear_marker`` (who checked: the manual run's "I checked: clear the marker"), a
    SENDING marker is removed instead, in a commit that names them and keeps what the
    marker said.
    """
    _new_clone(place, env)
    refs = _remote_refs(place, env)
    head = refs.get(f"refs/heads/{place.branch}")
    last = refs.get(f"refs/tags/{place.tag}")
    if head is None and last is None:
        return Fetched((f"No {place.branch} branch yet: the first run that sends starts it "
                        "from the ledger committed here, if any.",))
    try:
        if head is None:
            assert last is not None
            raise BranchError(gone(place, last))
        wanted = [f"+refs/heads/{place.branch}:refs/remotes/origin/{place.branch}"]
        if last:
            wanted.append(f"+refs/tags/{place.tag}:refs/tags/{place.tag}")
        # The tips only: the ledger is whole in the head's tree. The history between the
        # tag and the head is fetched only when they differ (_history_problems).
        _git(place.clone, env, "fetch", "--quiet", "--no-tags", "--depth=1", "origin", *wanted)
        _git(place.clone, env, "reset", "--quiet", "--hard", head)
        problems = history_problems(place, env, head, last)
        # After a rewrite, that the ledger is missing goes without saying.
        problems += file_problems(place, env, None if problems else last)
        if problems:
            raise BranchError(*problems)
    except BranchError as exc:
        if not read_only:
            raise
        return Fetched(tuple(warning_line(p) for p in exc.problems), head)
    if clear_marker is not None and not (dry_run or read_only):
        lines = [_clear_marker(place, env, clear_marker)]
    else:
        lines = list(marker_lines(place, env, warn=dry_run or read_only))
    _copy_ledger(place, env)
    lines.append(_git(place.clone, env, "log", "-1",
                      f"--format=The ledger from {place.branch}: %h %s").stdout.strip())
    if last is None and not (dry_run or read_only):
        lines.append(_start_tag(place, env))
    return Fetched(tuple(lines), head)


def _new_clone(place: Place, env: Mapping[str, str]) -> None:
    url = _git(place.workspace, env, "remote", "get-url", "origin").stdout.strip()
    if place.clone.exists():
        shutil.rmtree(place.clone)
    place.clone.mkdir(parents=True)
    _git(place.clone, env, "init", "--quiet", f"--initial-branch={place.branch}")
    _git(place.clone, env, "remote", "add", "origin", url)
    _git(place.clone, env, "config", "user.name", BOT[0])
    _git(place.clone, env, "config", "user.email", BOT[1])


def _clear_marker(place: Place, env: Mapping[str, str], actor: str) -> str:
    """Remove SENDING in a commit naming who checked, with the marker's text as its body
    (the branch's history keeps which run it was and what it was sending)."""
    marker = place.clone / MARKER
    if not marker.is_file():
        return f"No SENDING marker on {place.branch}: nothing to clear."
    text = marker.read_text(encoding="utf-8", errors="replace").rstrip("\n")
    run = next((line.removeprefix("run: ") for line in text.splitlines()
                if line.startswith("run: ")), "named in the marker")
    _git(place.clone, env, "rm", "--quiet", "--", MARKER)
    _git(place.clone, env, "commit", "--quiet", "-m",
         f"announce: {actor} checked and cleared the SENDING marker of the run {run}",
         "-m", f"Cleared-by: {actor}\n\nThe marker said:\n{text}")
    if not _push(place, env):
        raise BranchError(f"Could not push to the {place.branch} branch: the SENDING marker "
                          "stays, and nothing was sent. Let GitHub Actions push there "
                          "(docs: Protected branches), then run this again.")
    return _git(place.clone, env, "log", "-1",
                f"--format=Cleared the marker: %h on {place.branch}: %s").stdout.strip()


def _copy_ledger(place: Place, env: Mapping[str, str]) -> None:
    """The branch's ledger over the workspace's, if the branch has one (the default
    branch's copy is older); its journal files go too, or SQLite would replay them."""
    files = files_at(place, env, "HEAD")
    target = place.workspace / place.ledger
    if str(place.ledger) not in files:
        if f"{place.rows}/{committed.HEADER}" in files:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                committed.load(place.clone / place.rows, target)
            except LedgerError as exc:
                raise BranchError(f"{exc}. Nothing was sent: put the ledger the workflow "
                                  "last recorded back (README: The ledger branch).") from None
        return
    data = _git_bytes(place.clone, env, "cat-file", "blob", f"HEAD:{place.ledger}")
    for suffix in ("-journal", "-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    partial.replace(target)


def _start_tag(place: Place, env: Mapping[str, str]) -> str:
    # A branch from before the tag (an older workflow), or after the organizer deleted
    # the tag: from now on, losing the branch's history is noticed.
    pushed = _git(place.clone, env, "push", "--quiet", "origin",
                  f"HEAD:refs/tags/{place.tag}", check=False)
    if pushed.returncode != 0:
        return warning_line(f"Could not push the tag {place.tag}: a deleted or rewritten "
                        f"{place.branch} branch would not be noticed until it is set.")
    return f"Tagged {place.tag}: a deleted or rewritten {place.branch} branch is noticed."


# --- mark and record ---------------------------------------------------------------------


def mark(place: Place, env: Mapping[str, str], due: Sequence[str],
         environ: Mapping[str, str]) -> str:
    """Commit the SENDING marker (what is about to go out, and which run sends it) and
    push it before anything is sent: a run that cannot record stops here, and a run that
    stops later leaves the marker for the next one to find. Returns the log line."""
    if not (place.clone / ".git").is_dir():
        raise BranchError(f"{place.clone}: no clone of {place.branch}: run announce ledger "
                          "fetch first. Nothing was sent.")
    first = _git(place.clone, env, "rev-parse", "--quiet", "--verify", "HEAD",
                 check=False).returncode != 0
    if first:
        # The branch's first commit: the ledger committed on the default branch so far.
        (place.clone / README).write_text(_README_TEXT, encoding="utf-8")
        _git(place.clone, env, "add", "--", README)
        _stage_ledger(place, env)
    run = (f"{environ.get('GITHUB_SERVER_URL', 'https://github.com')}/"
           f"{environ.get('GITHUB_REPOSITORY', '')}/actions/runs/"
           f"{environ.get('GITHUB_RUN_ID', '')} (attempt {environ.get('GITHUB_RUN_ATTEMPT') or 1})")
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sending = "".join(f"  {line}\n" for line in due)
    (place.clone / MARKER).write_text(f"run: {run}\nstarted: {started}\nsending:\n{sending}",
                                      encoding="utf-8")
    _git(place.clone, env, "add", "--force", "--", MARKER)
    _git(place.clone, env, "commit", "--quiet", "-m",
         _subject("sending", due[0] if due else "messages due"))
    if not _push(place, env):
        raise BranchError(
            f"Could not push to the {place.branch} branch, so nothing was sent: a run that "
            "cannot record what it sends would send it again tomorrow. Let GitHub Actions "
            f"push to {place.branch} and tag {place.tag} (README: protected branches).")
    (place.clone / ".git" / _MARKED).write_text(_head(place, env), encoding="utf-8")
    return _git(place.clone, env, "log", "-1",
                f"--format=Marked %h on {place.branch}: %s").stdout.strip()


def record(place: Place, env: Mapping[str, str], sent: Sequence[str],
           environ: Mapping[str, str]) -> str | None:
    """After the send (also a failed, stopped or timed-out one): commit the ledger and
    remove the marker in one commit, and push it. None when this run marked nothing."""
    state = place.clone / ".git" / _MARKED
    if not state.is_file():
        return None
    ledger = place.workspace / place.ledger
    if any(ledger.with_name(ledger.name + side).exists() for side in ("-journal", "-wal")):
        _settle(ledger)
    _stage_ledger(place, env)
    _git(place.clone, env, "rm", "--quiet", "--", MARKER)
    message = (["-m", "announce: update the ledger"] if not sent else
               ["-m", _subject("sent", sent[0])] if len(sent) == 1 else
               ["-m", f"{_subject('sent', sent[0])}, and more", "-m", "\n".join(sent)])
    _git(place.clone, env, "commit", "--quiet", *message)
    if not _push(place, env):
        raise BranchError(
            f"Could not push the ledger to {place.branch}. Its SENDING marker stays there, "
            "so the next run sends nothing until someone checks; the ledger this run wrote "
            "is kept as the artifact announce-ledger-"
            f"{environ.get('GITHUB_RUN_ID', '')}-{environ.get('GITHUB_RUN_ATTEMPT') or 1}"
            " (README: The ledger branch).")
    state.unlink()
    return _git(place.clone, env, "log", "-1",
                f"--format=Recorded %h on {place.branch}: %s").stdout.strip()


def _subject(verb: str, line: str) -> str:
    """A commit subject for a line of what goes out (``announcement of … to 1 recipient``);
    a skip's line says its own verb (``skipped the reminder of … (asked by @login)``)."""
    if line.startswith(("skip the ", "skipped the ")):
        return f"announce: {line}"
    return f"announce: {verb} the {line}"


def _stage_ledger(place: Place, env: Mapping[str, str]) -> None:
    """The workspace's ledger, in its committed form (a SQLite file there before goes)."""
    source = place.workspace / place.ledger
    if not source.is_file():
        return
    committed.export(source, place.clone / place.rows)
    _git(place.clone, env, "add", "--force", "--all", "--", str(place.rows))
    if (place.clone / place.ledger).exists():
        _git(place.clone, env, "rm", "--quiet", "--", str(place.ledger))


def _settle(ledger: Path) -> None:
    """Make the ledger file whole on its own before it is copied. A run stopped in the
    middle of a write left a hot -journal: opening the file rolls it back. A run killed
    while sending left its -wal file, which holds committed claims and outcomes: the
    checkpoint that leaves WAL mode folds them into the file and removes it."""
    db = sqlite3.connect(ledger, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = DELETE").fetchall()
        db.execute("PRAGMA quick_check").fetchall()
    finally:
        db.close()


def _push(place: Place, env: Mapping[str, str]) -> bool:
    # The branch (never forced: a push of someone else's since the fetch is refused) and
    # the tag move together or not at all.
    return _git(place.clone, env, "push", "--quiet", "--atomic", "origin",
                f"HEAD:refs/heads/{place.branch}", f"+HEAD:refs/tags/{place.tag}",
                check=False).returncode == 0


def _head(place: Place, env: Mapping[str, str]) -> str:
    return _git(place.clone, env, "rev-parse", "HEAD").stdout.strip()
