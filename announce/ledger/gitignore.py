"""Where a send's files stand in git: what ``init`` adds to the site's ``.gitignore``.

The outbox (messages written when there is no ``[smtp]``) and the ledger's run lock and
rollback journal are local. The ledger itself depends on where it is kept: with the
GitHub workflow (``init --github``) it lives on the ``announce-ledger`` branch, which
the workflow writes with ``git add --force``, so a copy on the site's own branches would
only go stale: it is ignored. Sent from a clone, it is the record of who got what, meant
to be committed: it is not. Lines are appended once: a pattern already there that
covers a path (``outbox``, ``.announce/``, ``*.lock``) is not written again.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = ["LEDGER_BRANCH", "Ignored", "describe", "update_gitignore"]

LEDGER_BRANCH = "announce-ledger"  # the workflow's (examples/github/announce.yml)
_HEADER = "# announce (written by announce init)"


@dataclass(frozen=True)
class Ignored:
    """What ``update_gitignore`` did: the lines it added, those already covered, and
    whether the ledger is ignored (and why)."""

    added: tuple[tuple[str, str], ...]    # (line, what it is)
    covered: tuple[str, ...]
    ledger: str | None            # the ledger's path from the site's root; None: outside
    ledger_ignored: bool
    failed: str | None = None     # why .gitignore could not be written (the lines unwritten)


def update_gitignore(root: Path, outbox: Path, ledger: Path, *, github: bool) -> Ignored:
    """Append to ``root/.gitignore`` (creating it) what is not already ignored: the
    outbox, the ledger's lock and journal, and with ``github`` the ledger itself.
    Paths outside ``root`` are left alone."""
    outbox_at, ledger_at = _below(root, outbox), _below(root, ledger)
    wanted = {f"/{outbox_at}/": "messages written without [smtp]"} if outbox_at else {}
    if ledger_at:
        wanted[f"/{ledger_at}.lock"] = "a send's lock"
        wanted[f"/{ledger_at}-journal"] = "a send's unfinished writes"
        if github:
            wanted[f"/{ledger_at}"] = "the ledger"
    path = root / ".gitignore"
    # Bytes that are not UTF-8 are written back as they were.
    encoding = {"encoding": "utf-8", "errors": "surrogateescape"}
    try:
        text = path.read_text(**encoding) if path.exists() else ""
    except OSError as exc:
        return Ignored(tuple(wanted.items()), (), ledger_at, False, exc.strerror)
    existing = text.splitlines()
    added = tuple((line, why) for line, why in wanted.items()
                  if _decision(existing, line) is None)
    covered = tuple(line for line in wanted if line not in dict(added))
    ledger_ignored = bool(ledger_at) and _decision(
        [*existing, *dict(added)], f"/{ledger_at}") is True
    if added:
        lines = [line for line, _why in added]
        if text and not text.endswith("\n"):
            text += "\n"
        if _HEADER not in existing:  # under its heading, once
            lines.insert(0, _HEADER)
            text += "\n" if text.strip() else ""
        try:
            path.write_text(text + "\n".join(lines) + "\n", **encoding)
        except OSError as exc:
            return Ignored(added, covered, ledger_at, False, exc.strerror)
    return Ignored(added, covered, ledger_at, ledger_ignored)


def describe(ignored: Ignored, *, github: bool) -> list[str]:
    """What ``init`` says about the .gitignore: what it added, and why the ledger is or
    is not ignored."""
    lines = []
    if ignored.failed:
        return [f"Could not write .gitignore ({ignored.failed}): add "
                f"{', '.join(line for line, _why in ignored.added)} to it yourself."]
    if ignored.added:
        lines.append("Added to .gitignore: " + ", ".join(
            f"{line} ({why})" for line, why in ignored.added) + ".")
    elif ignored.covered:
        lines.append(f".gitignore already ignores {', '.join(ignored.covered)}.")
    ledger = ignored.ledger
    if ledger is None:
        return lines
    if github and ignored.ledger_ignored:
        lines.append(f"The ledger ({ledger}) is ignored on this branch: the workflow keeps "
                     f"it on the {LEDGER_BRANCH} branch (it adds it there with git add "
                     "--force), and a copy committed here would go stale.")
    elif github:
        lines.append(f"The ledger ({ledger}) is kept by a '!' line of your .gitignore: the "
                     f"workflow keeps its own on the {LEDGER_BRANCH} branch, and a copy "
                     "committed here would go stale; consider removing that line.")
    elif ignored.ledger_ignored:
        lines.append(f"The ledger ({ledger}) is ignored by your .gitignore: if you send from "
                     "more than one clone, commit it (git add --force) after each send, so "
                     "that no clone sends a message again.")
    else:
        lines.append(f"The ledger ({ledger}) is not ignored: it records who got which "
                     "message; commit it after each send, so that a send from another clone "
                     f"does not send it again (with init --github the workflow keeps it on "
                     f"the {LEDGER_BRANCH} branch instead).")
    return lines


def _below(root: Path, path: Path) -> str | None:
    """``path`` relative to ``root``, POSIX-style; None when it is not below it."""
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return None


def _decision(lines: list[str], entry: str) -> bool | None:
    """What ``lines`` of a .gitignore decide about ``entry`` (``/a/b``): True when a
    pattern ignores it or a folder above it, False when a ``!`` pattern keeps it (the
    organizer's choice, not to be undone), None when none is about it. The last pattern
    that matches decides, as in git; this reads the common forms (names, anchored paths,
    ``*`` globs), which is all it needs to avoid writing a line twice."""
    target = PurePosixPath(entry.strip("/"))
    decided: bool | None = None
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        if _matches(line.removeprefix("!").rstrip("/"), target):
            decided = not keep
    return decided


def _matches(pattern: str, target: PurePosixPath) -> bool:
    anchored = "/" in pattern
    pattern = pattern.lstrip("/")
    if not pattern:
        return False
    # The path itself, or any folder above it (git ignores everything in an ignored folder).
    candidates = [target, *[p for p in target.parents if str(p) != "."]]
    for candidate in candidates:
        text = candidate.as_posix()
        if anchored and fnmatch.fnmatchcase(text, pattern):
            return True
        if not anchored and fnmatch.fnmatchcase(candidate.name, pattern):
            return True
    return False
