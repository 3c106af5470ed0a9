"""Where the ledger branch's things are: the site's checkout, the branch's own clone
beside it, the ledger's path in the repository, the branch and the tag that follows it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import committed
from .gitrun import BranchError

__all__ = ["BRANCH", "MARKER", "README", "Place"]

BRANCH = "announce-ledger"
MARKER = "SENDING"
README = "README.md"


@dataclass(frozen=True)
class Place:
    """Where things are: the site's checkout, the branch's own clone, the ledger's path."""

    workspace: Path
    clone: Path
    ledger: PurePosixPath  # in the repository, as on the branch
    branch: str = BRANCH

    @property
    def rows(self) -> PurePosixPath:
        """The folder of the ledger's committed form on the branch (see :mod:`.committed`)."""
        return committed.folder_of(self.ledger)

    @property
    def tag(self) -> str:
        """The tag that follows every commit the workflow pushes to the branch."""
        return f"{self.branch}-last"

    @classmethod
    def of(cls, workspace: Path, clone: Path, ledger: Path, branch: str = BRANCH) -> Place:
        """The place of ``ledger`` (an absolute path, from announce.toml) in ``workspace``;
        a ledger outside the repository cannot be recorded on a branch."""
        try:
            relative = ledger.resolve().relative_to(workspace.resolve())
        except ValueError:
            raise BranchError(
                f"The ledger ({ledger}) is outside the repository, so it cannot be recorded "
                f"on {branch}: nothing was sent. Make [ledger] path in announce.toml a path "
                "inside the repository.") from None
        return cls(workspace, clone, PurePosixPath(relative.as_posix()), branch)
