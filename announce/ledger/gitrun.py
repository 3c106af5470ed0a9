"""git for the ledger branch, with the token only in its environment (see :mod:`.branch`)."""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import AnnounceError

__all__ = ["BranchError", "git", "git_bytes", "git_environment", "workspace_root"]

_GIT_TIMEOUT = 300


class BranchError(AnnounceError):
    """The ledger branch cannot be trusted, read or written; ``problems`` lists each
    refusal (one ``::error::`` each), every one with what to do."""

    def __init__(self, *problems: str):
        super().__init__("\n".join(problems))
        self.problems = problems


def git_environment(environ: Mapping[str, str]) -> tuple[dict[str, str], str | None]:
    """git's environment, with ``GITHUB_TOKEN`` (if set) as an HTTP authorization header
    for ``GITHUB_SERVER_URL``, and the ``::add-mask::`` line to print before git runs.

    The header reaches git through ``GIT_CONFIG_COUNT``/``KEY``/``VALUE`` variables, as
    actions/checkout's does through ``.git/config``: it is never written to a file nor put
    on a command line, and the token itself leaves this process only in git's environment.
    """
    env = {key: value for key, value in environ.items() if key != "GITHUB_TOKEN"}
    env["GIT_TERMINAL_PROMPT"] = "0"  # a missing credential fails, never waits for a prompt
    token = environ.get("GITHUB_TOKEN", "")
    if not token:
        return env, None
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    count = int(env.get("GIT_CONFIG_COUNT", "0") or "0")
    env |= {"GIT_CONFIG_COUNT": str(count + 1),
            f"GIT_CONFIG_KEY_{count}": f"http.{server}/.extraheader",
            f"GIT_CONFIG_VALUE_{count}": f"AUTHORIZATION: basic {basic}"}
    return env, f"::add-mask::{basic}"


def _run(cwd: Path, env: Mapping[str, str], args: Sequence[str], *,
         capture_stderr: bool = False) -> subprocess.CompletedProcess[bytes]:
    # Without capture_stderr, git's stderr is this process's (the step's log): a refused
    # push says why.
    return subprocess.run(  # noqa: S603 - git, by its path, with arguments, no shell
        [shutil.which("git") or "git", *args], cwd=cwd, env=dict(env), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if capture_stderr else None, timeout=_GIT_TIMEOUT, check=False)


def git(cwd: Path, env: Mapping[str, str], *args: str,
         check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = _run(cwd, env, args)
    if check and proc.returncode != 0:
        raise BranchError(f"git {args[0]} exited {proc.returncode} in {cwd}: nothing was sent.")
    return subprocess.CompletedProcess(proc.args, proc.returncode,
                                       proc.stdout.decode("utf-8", "replace"))


def git_bytes(cwd: Path, env: Mapping[str, str], *args: str) -> bytes:
    proc = _run(cwd, env, args)
    if proc.returncode != 0:
        raise BranchError(f"git {args[0]} exited {proc.returncode} in {cwd}: nothing was sent.")
    return proc.stdout


def workspace_root(env: Mapping[str, str]) -> Path:
    """The top of the git checkout this process runs in (the site's repository)."""
    proc = _run(Path.cwd(), env, ["rev-parse", "--show-toplevel"], capture_stderr=True)
    if proc.returncode != 0:
        raise BranchError(f"{Path.cwd()}: not in a git checkout of the site: nothing was sent.")
    return Path(proc.stdout.decode().strip())


