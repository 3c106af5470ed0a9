"""What a fetched ledger branch must pass before its ledger is taken: its history kept
(the tag's commit is the head or an ancestor of it), no file but the ledger, the README
and the marker, no SENDING marker of a run that did not record; and the words that say
how to put it back. :mod:`.branch` runs them in ``fetch``."""

from __future__ import annotations

from collections.abc import Mapping

from . import committed
from .gitrun import BranchError
from .gitrun import git as _git
from .gitrun import git_bytes as _git_bytes
from .place import MARKER, README, Place

__all__ = ["file_problems", "files_at", "gone", "has_ledger", "history_problems", "marker_lines",
           "restore", "start_over", "warning_line"]


def restore(place: Place, sha: str, *, force: bool) -> str:
    return (f"git fetch origin tag {place.tag} && git push {'--force ' if force else ''}"
            f"origin {sha}:refs/heads/{place.branch}")


def start_over(place: Place) -> str:
    return (f"To start the ledger over on purpose instead (the next run may send again "
            f"what the old ledger recorded), delete the branch and the tag: git push origin "
            f":refs/heads/{place.branch} :refs/tags/{place.tag} (README: The ledger branch).")


def gone(place: Place, last: str) -> str:
    return (f"The {place.branch} branch is gone, but the workflow last recorded {last[:12]} "
            f"there (tag {place.tag}): this is not a first run, and nothing was sent, so that "
            f"nothing is sent twice. Restore the branch: {restore(place, last, force=False)} "
            f"{start_over(place)}")


def history_problems(place: Place, env: Mapping[str, str], head: str,
                      last: str | None) -> list[str]:
    if last is None or last == head:
        return []
    _git(place.clone, env, "fetch", "--quiet", "--no-tags", "--unshallow", "origin",
         f"+refs/heads/{place.branch}:refs/remotes/origin/{place.branch}",
         f"+refs/tags/{place.tag}:refs/tags/{place.tag}")
    kept = _git(place.clone, env, "merge-base", "--is-ancestor", last, head, check=False)
    if kept.returncode == 0:
        return []
    rewound = _git(place.clone, env, "merge-base", "--is-ancestor", head, last, check=False)
    what = (f"was reset to {head[:12]}, older than" if rewound.returncode == 0 else
            f"was rewritten: its head {head[:12]} does not descend from")
    return [f"The {place.branch} branch {what} {last[:12]}, the commit the workflow "
            f"last recorded there (tag {place.tag}): what was sent since would be sent "
            f"again, so nothing was sent. Put the branch back: "
            f"{restore(place, last, force=True)} {start_over(place)}"]


def files_at(place: Place, env: Mapping[str, str], rev: str) -> dict[str, str]:
    """Path -> mode of every file at ``rev``."""
    data = _git_bytes(place.clone, env, "ls-tree", "-r", "-z", rev)
    entries = {}
    for entry in data.split(b"\0"):
        if entry:
            meta, _, path = entry.partition(b"\t")
            entries[path.decode("utf-8", "replace")] = meta.split()[0].decode()
    return entries


def file_problems(place: Place, env: Mapping[str, str], last: str | None) -> list[str]:
    files = files_at(place, env, "HEAD")
    ledger = str(place.ledger)
    allowed = {README, MARKER, ledger}
    others = sorted(path for path in files if path not in allowed
                    and not committed.holds(place.rows, path))
    problems = []
    if others:
        shown = ", ".join(others[:10]) + (f" and {len(others) - 10} more" if len(others) > 10
                                          else "")
        problems.append(
            f"The {place.branch} branch holds files other than {README}, {MARKER} and the "
            f"ledger ({ledger}): {shown}. Nothing was sent, and nothing is taken from that "
            f"branch but the ledger: a talk or a config belongs on the default branch. "
            f"Remove them from {place.branch} (git rm), or, if one is the ledger under an "
            "older name, set [ledger] path in announce.toml back to it.")
    odd = sorted(path for path, mode in files.items() if mode not in ("100644", "100755") and (
        path == ledger or committed.holds(place.rows, path)))
    if odd:
        problems.append(f"The {place.branch} branch's {', '.join(odd)} is not a plain file "
                        f"(mode {files[odd[0]]}): nothing was sent. Commit the ledger itself "
                        "there.")
    if last is not None and not has_ledger(place, files) and not others and has_ledger(
            place, files_at(place, env, last)):
        problems.append(
            f"The {place.branch} branch has no ledger ({ledger}), though the commit the "
            f"workflow last recorded, {last[:12]} (tag {place.tag}), has it: nothing was "
            f"sent. Put it back: {restore(place, last, force=True)} {start_over(place)}")
    return problems


def marker_lines(place: Place, env: Mapping[str, str], *, warn: bool) -> list[str]:
    marker = place.clone / MARKER
    if not marker.is_file():
        return []
    text = marker.read_text(encoding="utf-8", errors="replace")
    run = next((line.removeprefix("run: ") for line in text.splitlines()
                if line.startswith("run: ")), "named above")
    message = (f"The {place.branch} branch still has the SENDING marker of the run {run}, "
               "which stopped before it recorded what it sent. Nothing is sent until someone "
               "checks: look at that run's log and at the ledger (announce history), then "
               "run the workflow with 'I checked: clear the marker' (Actions, announce, Run "
               "workflow; docs: If a run could not record).")
    if not warn:
        raise BranchError(message)
    return [text.rstrip("\n"), warning_line(message)]


def has_ledger(place: Place, files: Mapping[str, str]) -> bool:
    """Whether ``files`` (a tree: path -> mode) hold the ledger, in either form."""
    return str(place.ledger) in files or f"{place.rows}/{committed.HEADER}" in files


def warning_line(message: str) -> str:
    from ..workflow import warning

    return warning(message)
