"""The workflow's task publish: commit the site's calendar and archive to its branch.

After ``announce feed`` and ``announce archive`` wrote the folder the site publishes
(:mod:`announce.sitefolder`), one commit of that folder alone goes on top of the
branch's tip as it is on GitHub now (someone may have pushed since the checkout), made
with a temporary index: the checkout, its index and every other file stay as they are.
Nothing changed, nothing is committed: a quiet day adds no commit. A push that loses a
race with someone else's is tried again from the new tip; a push the branch's rules
refuse is an error that says what to do.

git gets the token as :func:`announce.ledger.branch.git_environment` gives it: in its
environment, never in ``.git/config``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .branch import BOT, BranchError

__all__ = ["MESSAGE", "commit_folder"]

MESSAGE = "announce: the site's calendar and archive"
_ATTEMPTS = 3
_GIT_TIMEOUT = 300


def _git(cwd: Path, env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # S603: git, by its path, with arguments, no shell. stderr is the step's log.
    return subprocess.run(  # noqa: S603
        [shutil.which("git") or "git", *args], cwd=cwd, env=dict(env), text=True,
        stdout=subprocess.PIPE, timeout=_GIT_TIMEOUT, check=False)


def _out(cwd: Path, env: Mapping[str, str], *args: str) -> str:
    done = _git(cwd, env, *args)
    if done.returncode != 0:
        raise BranchError(f"git {args[0]} exited {done.returncode} in {cwd}: the site's "
                          "calendar and archive were not committed.")
    return done.stdout.strip()


def commit_folder(workspace: Path, folder: Path, branch: str,
                  env: Mapping[str, str]) -> str | None:
    """Commit ``folder`` (inside ``workspace``, a checkout of ``branch``) onto the tip of
    ``branch`` on origin and push it; the commit, or None when nothing changed."""
    try:
        relative = folder.resolve().relative_to(workspace.resolve()).as_posix()
    except ValueError:
        raise BranchError(f"{folder} is outside the repository: the site's calendar and "
                          "archive cannot be committed. Make [feed] path a folder of the "
                          "repository.") from None
    author = {"GIT_AUTHOR_NAME": BOT[0], "GIT_AUTHOR_EMAIL": BOT[1],
              "GIT_COMMITTER_NAME": BOT[0], "GIT_COMMITTER_EMAIL": BOT[1]}
    for _ in range(_ATTEMPTS):
        remote = f"refs/remotes/origin/{branch}"
        _out(workspace, env, "fetch", "--quiet", "--no-tags", "origin",
             f"+refs/heads/{branch}:{remote}")
        tip = _out(workspace, env, "rev-parse", "--verify", f"{remote}^{{commit}}")
        tree = _tree_with(workspace, env, tip, relative)
        if tree == _out(workspace, env, "rev-parse", f"{tip}^{{tree}}"):
            return None
        commit = _out(workspace, {**env, **author}, "commit-tree", tree, "-p", tip,
                      "-m", MESSAGE)
        pushed = _git(workspace, env, "push", "--quiet", "origin",
                      f"{commit}:refs/heads/{branch}")
        if pushed.returncode == 0:
            return commit
        # Someone pushed since the fetch (then the next try starts from their commit), or
        # the branch's rules refuse the workflow's pushes (then every try fails).
    raise BranchError(
        f"Could not push the site's calendar and archive to {branch}: the mail went out "
        "and the ledger is recorded, only the site's files are not. Let GitHub Actions push "
        f"to {branch}, or leave out the workflow's publish step and run the task in the "
        "site's build instead (docs: Your site's calendar and archive).")


def _tree_with(workspace: Path, env: Mapping[str, str], tip: str, relative: str) -> str:
    """The tree of ``tip`` with the workspace's files of ``relative`` over it (a file the
    tip has there and the workspace lacks stays: announce never removes one)."""
    with tempfile.TemporaryDirectory() as tmp:
        own = {**env, "GIT_INDEX_FILE": os.path.join(tmp, "index")}
        _out(workspace, own, "read-tree", tip)
        # --force: a site may ignore the folder (an output folder in .gitignore); the
        # files are meant for the site's source all the same.
        _out(workspace, own, "add", "--force", "--ignore-removal", "--", relative)
        return _out(workspace, own, "write-tree")
