"""`ledger fetch`, `mark`, `record`, `publish`: the ledger branch, for the GitHub workflow.

The steps of the announce action (action.yml) around `send` (see
:mod:`announce.ledger.branch`), and the commit of the site's calendar and archive
(:mod:`announce.ledger.sitecommit`).
Hidden from `announce --help`: the action runs them, the organizer does not.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from .base import Run, cli, common_options

if TYPE_CHECKING:
    from ..ledger.branch import Place

T = TypeVar("T")

_BRANCH_OPTION = click.option(
    "--branch", default="announce-ledger", show_default=True, envvar="ANNOUNCE_LEDGER_BRANCH",
    help="The branch that keeps the ledger.")
_CLONE_OPTION = click.option(
    "--clone", "clone_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Where the branch is cloned. Default: $RUNNER_TEMP/announce-ledger.")


@cli.group("ledger", hidden=True)
def ledger_group() -> None:
    """The ledger branch of the GitHub workflow: fetch it, mark it, record on it.

    The announce action runs these around `send` (the token in GITHUB_TOKEN, never in
    .git/config). Only the ledger file is ever taken from the branch.

    \b
    Example:
      announce ledger fetch --branch announce-ledger
    """


@ledger_group.command("fetch")
@_BRANCH_OPTION
@_CLONE_OPTION
@click.option("--dry-run", is_flag=True,
              help="A SENDING marker is a warning, not an error; nothing is pushed.")
@click.option("--read-only", is_flag=True,
              help="For a preview: every refusal is a warning, and nothing is pushed.")
@click.option("--clear-marker", is_flag=True,
              help="Someone checked (the manual run's 'I checked: clear the marker'): remove "
                   "the SENDING marker, in a commit that names them ($GITHUB_ACTOR).")
@common_options
def fetch_command(run: Run, branch: str, clone_dir: Path | None, dry_run: bool,
                  read_only: bool, clear_marker: bool) -> None:
    """Clone the ledger branch, check it, and copy its ledger into the workspace.

    Refuses (exit 1, an ::error:: each, with the command that fixes it) a branch that
    was deleted or rewritten since the workflow last recorded there (tag BRANCH-last),
    one that holds any file besides README.md, SENDING and the ledger, and one whose
    SENDING marker says a run did not record.

    \b
    Example:
      announce ledger fetch --branch announce-ledger
    """
    from ..ledger.branch import fetch
    from ..workflow import actor

    place, env = _prepare(run, branch, clone_dir)
    checked_by = actor() if clear_marker else None
    fetched = _guarded(lambda: fetch(place, env, dry_run=dry_run, read_only=read_only,
                                     clear_marker=checked_by))
    for line in fetched.lines:
        click.echo(line)


@ledger_group.command("request")
@click.option("--task", type=click.Choice(["send", "preview"]), default="send",
              show_default=True, help="The action's task.")
@click.option("--do", "do", envvar="ANNOUNCE_DO", default="",
              help="The manual run's choice (empty: send what is due).")
@click.option("--event", envvar="ANNOUNCE_EVENT", default="",
              help="For send now, skip, resend to the uncertain: the event.")
@click.option("--kind", envvar="ANNOUNCE_KIND", default="",
              help="Which message of the event (empty: what is due).")
@click.option("--dry-run", envvar="ANNOUNCE_DRY_RUN", default="false",
              help="'true': only show what would go out.")
def request_command(task: str, do: str, event: str, kind: str, dry_run: str) -> None:
    """Turn a manual run's inputs into the steps' arguments (outputs fetch, send, dry-run).

    \b
    Example:
      announce ledger request --do skip --event 2027/2027-02-03-observability --kind reminder
    """
    from .. import workflow
    from ..ledger.manual import ManualError, request

    try:
        asked = request(do, event, kind, task=task, dry_run=dry_run == "true")
    except ManualError as exc:
        click.echo(f"announce: error: {exc}", err=True)
        click.echo(workflow.error(f"{exc}. Nothing was done: run the workflow again with "
                                  "other inputs."))
        raise SystemExit(exc.exit_code) from None
    click.echo(asked.says)
    workflow.write_output("fetch", "\n".join(asked.fetch))
    workflow.write_output("send", "\n".join(asked.send))
    workflow.write_output("dry-run", "true" if asked.dry_run else "false")


@ledger_group.command("mark")
@_BRANCH_OPTION
@_CLONE_OPTION
@click.option("--due", envvar="ANNOUNCE_DUE", required=True,
              help="What is about to go out, one line each (the dry run's due output).")
@common_options
def mark_command(run: Run, branch: str, clone_dir: Path | None, due: str) -> None:
    """Push the SENDING marker to the ledger branch, before anything is sent.

    \b
    Example:
      announce ledger mark --due "announcement of Talk (Wed 2027-02-03) to 1 recipient"
    """
    from ..ledger.branch import mark

    place, env = _prepare(run, branch, clone_dir)
    lines = [line for line in due.splitlines() if line.strip()]
    click.echo(_guarded(lambda: mark(place, env, lines, os.environ)))


@ledger_group.command("record")
@_BRANCH_OPTION
@_CLONE_OPTION
@click.option("--sent", envvar="ANNOUNCE_SENT", default="",
              help="What went out, one line each (send's sent output), for the commit message.")
@common_options
def record_command(run: Run, branch: str, clone_dir: Path | None, sent: str) -> None:
    """Commit the ledger and remove the marker on the ledger branch, after the send.

    Does nothing when this run did not mark the branch.

    \b
    Example:
      announce ledger record --sent "announcement of Talk (Wed 2027-02-03) to 1 recipient"
    """
    from .. import workflow
    from ..ledger.branch import record

    place, env = _prepare(run, branch, clone_dir)
    workflow.write_output("ledger", str(place.ledger))  # the file to keep if the push fails
    lines = [line for line in sent.splitlines() if line.strip()]
    done = _guarded(lambda: record(place, env, lines, os.environ))
    click.echo(done or "This run marked nothing on the ledger branch: nothing to record.")


@ledger_group.command("publish")
@common_options
def publish_command(run: Run) -> None:
    """Commit the site's calendar and archive to the branch this run checked out (the
    default branch), when they changed: one commit of that folder on top of its tip.

    Run after `announce feed` and `announce archive` (the action's task publish).

    \b
    Example:
      announce ledger publish
    """
    from .. import workflow
    from ..ledger.branch import git_environment, workspace_root
    from ..ledger.sitecommit import commit_folder
    from ..sitefolder import feed_folder

    ref = os.environ.get("GITHUB_REF", "")
    if not ref.startswith("refs/heads/"):
        raise click.UsageError(f"GITHUB_REF is {ref!r}: publish commits to a branch this "
                               "run checked out (refs/heads/...)")
    env, mask = git_environment(os.environ)
    if mask:
        click.echo(mask)
    folder = feed_folder(run.settings)[0]
    commit = _guarded(lambda: commit_folder(workspace_root(env), folder,
                                            ref.removeprefix("refs/heads/"), env))
    workflow.write_output("published", commit or "")
    click.echo(f"Committed the site's calendar and archive: {commit[:12]} on "
               f"{ref.removeprefix('refs/heads/')}." if commit else
               "The site's calendar and archive are as committed: nothing to commit.")


def _prepare(run: Run, branch: str,
             clone_dir: Path | None) -> tuple[Place, dict[str, str]]:
    from ..ledger.branch import Place, git_environment, workspace_root

    env, mask = git_environment(os.environ)
    if mask:
        click.echo(mask)  # before git runs: the header never shows in the log
    if clone_dir is None:
        temp = os.environ.get("RUNNER_TEMP")
        if not temp:
            raise click.UsageError("--clone is needed off GitHub Actions (no RUNNER_TEMP)")
        clone_dir = Path(temp) / "announce-ledger"
    return Place.of(workspace_root(env), clone_dir, run.settings.ledger.path, branch), env


def _guarded(call: Callable[[], T]) -> T:
    """``call()``; a refusal is printed an ``::error::`` per problem, then exit 1."""
    from .. import workflow
    from ..ledger.branch import BranchError

    try:
        return call()
    except BranchError as exc:
        for problem in exc.problems:
            click.echo(f"announce: error: {problem}", err=True)
            click.echo(workflow.error(problem))
        raise SystemExit(exc.exit_code) from None
