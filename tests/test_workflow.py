"""The workflow `announce init --github` writes, run step by step as GitHub would run it.

Each run is a fresh clone of a bare "GitHub" repository made from the sample season (the
checkout stand-in clones it as actions/checkout would: the commit the run was started
for, or the tip of the `ref` it is given), with the GITHUB_* variables Actions sets, over
simulated days (ANNOUNCE_NOW at the cron's time); the announce action runs from this
checkout's action.yml with announce already on PATH (its install step is the only one
left out), and [smtp] points at aiosmtpd on 127.0.0.1. What a user would see: which mail
arrived on which day, and the ledger commits pushed back to the repository's
announce-ledger branch. Faults are real: a pre-receive hook in the bare repository that
refuses pushes, someone else's push in the middle of a run, a run queued or re-run on an
older commit.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from .conftest import REPO
from .gha_runner import JobRun, Runner, StandIn, StepRun, evaluate

if TYPE_CHECKING:
    from .smtpd import Server, Servers

pytest_plugins = ["tests.smtpd"]

WORKFLOW = Path(".github/workflows/announce.yml")
LEDGER = ".announce/ledger.sqlite3"
ROWS = f"{LEDGER}.d/ledger.json"  # the ledger's committed form on the branch (its header)
LEDGER_BRANCH = "announce-ledger"
TOKEN = "ghs_TestTokenNeverInAFile0123456789"  # noqa: S105 - the stand-in github.token
TALK = "“Observability with OpenTelemetry” (Wed 2027-02-03)"
EVENT = "2027/2027-02-03-observability-with-opentelemetry"
ANNOUNCEMENT_SUBJECT = "River City Open Tech: Observability with OpenTelemetry (Wed, Feb 3)"
REMINDER_SUBJECT = "River City Open Tech reminder: Observability with OpenTelemetry is tomorrow"
SENT_ANNOUNCEMENT = f"announce: sent the announcement of {TALK} to 1 recipient"
SENDING_ANNOUNCEMENT = f"announce: sending the announcement of {TALK} to 1 recipient"
BOT = ["-c", "user.name=Organizer", "-c", "user.email=organizer@example.org"]
# The send job's steps, by name: the announce action's own (task send, then task record).
FETCH, DUE, MARK, SEND, RECORD, KEEP = (
    "Fetch the ledger", "What is due", "Mark the ledger as sending", "Run announce",
    "Record the ledger", "Keep the ledger that could not be recorded")
NOTHING_RECORDED = "This run marked nothing on the ledger branch: nothing to record."
PUBLISHED = "announce: the site's calendar and archive"


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *BOT, *args], cwd=cwd, capture_output=True, text=True,
                          check=True, timeout=60, env=_git_env(cwd))
    return proc.stdout


def _git_env(home: Path) -> dict[str, str]:
    # No user or system git config may change what the workflow's git commands do.
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
            "LANG": "C.UTF-8"}


def _noop(with_: dict[str, str], env: dict[str, str], workspace: Path) -> StepRun:
    # setup-python: the venv's Python is on PATH already.
    return StepRun("stand-in", "success")


def _checkout(origin: Path, sha: str, after: Callable[[], None] | None) -> StandIn:
    """actions/checkout: ``github.sha`` by default; the tip of ``ref`` when it is given.

    Like the real one, it leaves the token in .git/config unless told
    ``persist-credentials: false``; ``after`` runs once the checkout is done (someone
    else's push while the run goes on).
    """
    def checkout(with_: dict[str, str], env: dict[str, str], workspace: Path) -> StepRun:
        workspace.mkdir(exist_ok=True)
        _git(workspace, "clone", "--quiet", f"file://{origin}", ".")
        ref = with_.get("ref", "")
        if ref:
            branch = ref.removeprefix("refs/heads/")
            _git(workspace, "checkout", "--quiet", "-B", branch, f"origin/{branch}")
        else:
            _git(workspace, "checkout", "--quiet", "--detach", sha)
        if with_.get("persist-credentials", "true") != "false":
            basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
            _git(workspace, "config", "http.https://github.com/.extraheader",
                 f"AUTHORIZATION: basic {basic}")
        if after:
            after()
        return StepRun("actions/checkout", "success")
    return checkout


@dataclass
class Site:
    """A site repository on "GitHub" (a bare repository) and the runs of its workflow."""

    root: Path
    origin: Path
    server: Server
    runs: int = 0
    workflow: dict[Any, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)

    @property
    def cron(self) -> str:
        on = self.workflow.get("on", self.workflow.get(True))
        assert isinstance(on, dict)
        return str(on["schedule"][0]["cron"])

    def at(self, day: date) -> str:
        """The moment the daily schedule fires on ``day``, in UTC."""
        minute, hour = self.cron.split()[:2]
        return f"{day.isoformat()}T{int(hour):02d}:{int(minute):02d}:00+00:00"

    def commits(self) -> list[str]:
        """The default branch's commit subjects, newest first."""
        return _git(self.origin, "log", "--format=%s", "main").splitlines()

    def tip(self, branch: str = "main") -> str:
        return _git(self.origin, "rev-parse", branch).strip()

    def ledger_commits(self) -> list[str]:
        """The ledger branch's commit subjects, newest first; none before the first send."""
        if not _git(self.origin, "branch", "--list", LEDGER_BRANCH).strip():
            return []
        return _git(self.origin, "log", "--format=%s", LEDGER_BRANCH).splitlines()

    def on_ledger_branch(self, path: str) -> bytes | None:
        """A file of the ledger branch's tip, or None."""
        proc = subprocess.run(["git", "show", f"{LEDGER_BRANCH}:{path}"], cwd=self.origin,
                              capture_output=True, check=False, timeout=60,
                              env=_git_env(self.origin))
        return proc.stdout if proc.returncode == 0 else None

    def ledger_of_branch(self, target: Path) -> Path:
        """The ledger the ledger branch's tip holds, loaded into a SQLite file ``target``."""
        from announce.ledger.committed import load

        tree = target.parent / f"{target.name}.tree"
        tree.mkdir()
        archive = subprocess.run(["git", "archive", LEDGER_BRANCH, f"{LEDGER}.d"],
                                 cwd=self.origin, capture_output=True, check=True, timeout=60,
                                 env=_git_env(self.origin)).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True, timeout=60)
        load(tree / f"{LEDGER}.d", target)
        shutil.rmtree(tree)
        return target

    def clone(self, name: str) -> Path:
        work = self.root / name
        _git(self.root, "clone", "--quiet", str(self.origin), str(work))
        return work

    def refuse_pushes(self, ref: str, *, after: int = 0) -> Path:
        """A pre-receive hook that refuses pushes to ``ref`` after the first ``after``."""
        hook = self.origin / "hooks" / "pre-receive"
        count = self.origin / "pushes-allowed"
        count.write_text(str(after), encoding="utf-8")
        hook.write_text(
            "#!/bin/sh\n"
            "while read -r old new ref; do\n"
            f'  [ "$ref" = "{ref}" ] || continue\n'
            f'  left=$(cat "{count}")\n'
            '  if [ "$left" -gt 0 ]; then echo $((left - 1)) > "' + str(count) + '"; continue; fi\n'
            '  echo "GH006: Protected branch update failed for $ref." >&2\n'
            "  exit 1\n"
            "done\n", encoding="utf-8")
        hook.chmod(0o755)
        return hook

    def run(self, event_name: str, now: str, *, ref_name: str = "main",
            inputs: dict[str, Any] | None = None, head: str | None = None,
            sha: str | None = None, attempt: int = 1, run_id: int | None = None,
            meanwhile: Callable[[], None] | None = None,
            stand_ins: dict[str, StandIn] | None = None,
            action_stand_ins: dict[str, StandIn] | None = None,
            minute: float = 60.0) -> dict[str, JobRun]:
        """One run of the workflow for this event: every job, each in a fresh checkout.

        ``sha``: the commit the run was started for (a queued run, or a re-run, starts
        later than that: by default the branch's tip now). ``meanwhile`` runs after the
        send job's checkout, before its other steps: someone else's push.
        """
        self.runs += 1
        run_id = run_id or 1000 + self.runs
        temp = self.root / f"runner-temp-{self.runs}"
        temp.mkdir()
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        sha = sha or self.tip(head or ref_name)
        event: dict[str, Any] = {"repository": {"default_branch": "main",
                                                "full_name": "river-city/site"}}
        ref = f"refs/heads/{ref_name}"
        if event_name == "schedule":
            event = {"schedule": self.cron}  # no repository in a schedule's payload
        elif event_name == "workflow_dispatch":
            event["inputs"] = inputs or {}
        elif event_name == "pull_request":
            ref, ref_name = "refs/pull/7/merge", "7/merge"
            event |= {"number": 7, "pull_request": {"base": {"ref": "main"},
                                                    "head": {"ref": head, "sha": sha}}}
        event_path = temp / "event.json"
        event_path.write_text(json.dumps(event), encoding="utf-8")
        env = _git_env(home) | {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REF": ref,
            "GITHUB_REF_NAME": ref_name,
            "GITHUB_REF_TYPE": "branch",
            "GITHUB_REPOSITORY": "river-city/site",
            "GITHUB_SHA": sha,
            "GITHUB_RUN_ID": str(run_id),
            "GITHUB_RUN_ATTEMPT": str(attempt),
            "GITHUB_ACTOR": "organizer",
            "GITHUB_SERVER_URL": "https://github.com",
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(temp),
            "ANNOUNCE_NOW": now,
        }
        if event_name == "pull_request":
            env |= {"GITHUB_HEAD_REF": head or "", "GITHUB_BASE_REF": "main"}
        jobs = {}
        for name in self.workflow["jobs"]:
            workspace = self.root / f"run-{self.runs}-{name}"
            job_temp = temp / name
            job_temp.mkdir()
            github = {"event_name": event_name, "ref": ref, "ref_name": ref_name, "sha": sha,
                      "repository": "river-city/site", "workspace": str(workspace),
                      "event": event, "run_id": str(run_id), "run_attempt": str(attempt),
                      "server_url": "https://github.com", "token": TOKEN}
            runner = Runner(
                workspace=workspace,
                env=env | {"GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(job_temp)},
                github=github, inputs=inputs or {},
                secrets=self.secrets,  # an unset secret reads as ""
                actions={"announce-dev/announce@": REPO / "action.yml"},
                stand_ins={"actions/checkout@": _checkout(
                               self.origin, sha, meanwhile if name == "send" else None),
                           "actions/setup-python@": _noop,
                           "actions/upload-artifact@": self._upload_artifact,
                           **(stand_ins or {})},
                skip_action_steps=("install",),  # announce is on PATH: this checkout, editable
                action_stand_ins=action_stand_ins or {},
                minute=minute,
            )
            jobs[name] = runner.run_job(self.workflow, name)
        return jobs

    def _upload_artifact(self, with_: dict[str, str], env: dict[str, str],
                         workspace: Path) -> StepRun:
        source = workspace / with_["path"]
        kept = self.root / "artifacts" / with_["name"] / source.name
        kept.parent.mkdir(parents=True)
        shutil.copyfile(source, kept)
        self.artifacts[with_["name"]] = kept
        return StepRun("actions/upload-artifact", "success")


def _make_site(tmp_path: Path, server: Server, *, username: str | None = None) -> Site:
    work = tmp_path / "setup"
    shutil.copytree(REPO / "content", work / "content")
    subprocess.run([str(Path(sys.executable).parent / "announce"), "init", "--github"],
                   cwd=work, check=True, capture_output=True, timeout=60)
    config = work / "announce.toml"
    # What the organizer fills in after init: the group's name, site and timezone.
    text = config.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^name = ".*"$', 'name = "River City Open Tech"', text, count=1)
    text = re.sub(r'(?m)^# url = ', 'url = ', text, count=1)
    text = re.sub(r'(?m)^timezone = ".*"$', 'timezone = "America/New_York"', text, count=1)
    text = re.sub(r'(?m)^# from = .*$', 'from = "River City Open Tech <announce@example.org>"',
                  text, count=1)
    text = re.sub(r'(?m)^# to = ', 'to = ', text, count=1)
    login = f'username = "{username}"\n' if username else ""
    config.write_text(text + (
        f'\n[smtp]\nhost = "{server.host}"\nport = {server.port}\n'
        f'security = "none"\n{login}'), encoding="utf-8")
    _git(work, "init", "--quiet", "--initial-branch=main")
    _git(work, "add", ".")
    _git(work, "commit", "--quiet", "-m", "Set up announce")
    origin = tmp_path / "origin.git"
    _git(tmp_path, "clone", "--quiet", "--bare", str(work), str(origin))
    workflow = yaml.safe_load((work / WORKFLOW).read_text(encoding="utf-8"))
    return Site(root=tmp_path, origin=origin, server=server, workflow=workflow)


@pytest.fixture
def site(tmp_path: Path, smtp_server: Server) -> Site:
    """The sample season as a site repository, set up with `announce init --github`."""
    return _make_site(tmp_path, smtp_server)


def _log(job: JobRun) -> list[tuple[str, str, str, str]]:
    return [(s.name, s.outcome, s.stdout, s.stderr) for s in job.steps]


def _assert_quiet(send: JobRun) -> None:
    """Nothing marked, nothing sent, nothing recorded."""
    assert [send.step(name).outcome for name in (MARK, SEND)] == ["skipped"] * 2, _log(send)
    assert NOTHING_RECORDED in send.step(RECORD).stdout


def _subjects(site: Site, start: int) -> list[str]:
    return [str(m.message()["Subject"]) for m in site.server.handler.messages[start:]]


def _push(work: Path, message: str, *paths: str) -> None:
    _git(work, "add", *paths)
    _git(work, "commit", "--quiet", "-m", message)
    _git(work, "push", "--quiet", "origin", "HEAD")


def _ledger_rows(source: Site | bytes, tmp_path: Path) -> list[tuple[str, str, str, str]]:
    """(event, kind, recipient, status) of the ledger on the ledger branch, or of a
    ledger file's bytes."""
    path = tmp_path / "ledger-copy.sqlite3"
    if isinstance(source, bytes):
        path.write_bytes(source)
    else:
        source.ledger_of_branch(path)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT event, kind, recipient, status FROM deliveries "
                          "ORDER BY 1, 2, 3").fetchall()
    db.close()
    path.unlink()
    return rows


def test_each_message_goes_out_once_on_its_day_and_the_ledger_is_recorded(site: Site) -> None:
    expected = {date(2027, 1, 25): ("announcement", ANNOUNCEMENT_SUBJECT),
                date(2027, 2, 2): ("reminder", REMINDER_SUBJECT)}
    main, start = site.commits(), site.tip()
    published: dict[date, list[str]] = {}
    day = date(2027, 1, 23)
    while day <= date(2027, 2, 3):
        received, recorded = site.server.handler.count, site.ledger_commits()
        before = site.commits()
        jobs = site.run("schedule", site.at(day))
        if site.commits() != before:
            published[day] = site.commits()[:len(site.commits()) - len(before)]
        assert jobs["preview"].skipped
        send = jobs["send"]
        assert send.succeeded, (day, _log(send))
        if day in expected:
            kind, subject = expected[day]
            assert _subjects(site, received) == [subject], day
            assert site.server.handler.messages[-1].rcpt_tos == ["members@example.org"]
            sent = f"{kind} of {TALK} to 1 recipient"
            assert f"::notice title=announce::Sent the {sent} via " in send.stdout
            # Marked before sending, recorded after: two commits on the ledger branch.
            assert site.ledger_commits() == [f"announce: sent the {sent}",
                                             f"announce: sending the {sent}", *recorded], day
            assert site.on_ledger_branch("SENDING") is None
            assert site.on_ledger_branch(ROWS) is not None
            assert f"### Sent: the {kind} of {TALK}" in send.summary
        else:
            assert _subjects(site, received) == [], day
            assert site.ledger_commits() == recorded, day
            assert "::notice" not in send.stdout
            # A quiet day touches nothing: no marker, no send, no commit.
            _assert_quiet(send)
        day += timedelta(days=1)
    # The default branch gets the site's calendar and archive, on the days they changed
    # (the first run, then a message's day), in commits of that folder alone.
    assert published == {day: [PUBLISHED] for day in (date(2027, 1, 23), *expected)}
    assert site.commits()[len(published):] == main
    assert {path.split("/announce/")[0] for path in _git(
        site.origin, "diff", "--name-only", start, "main").splitlines()} == {"static"}
    index = _git(site.origin, "show", "main:static/announce/archive/index.html")
    assert ANNOUNCEMENT_SUBJECT in index
    assert REMINDER_SUBJECT in index

    # The same day again (a re-run, or a manual run): nothing goes out, nothing changes.
    received, recorded, main = (site.server.handler.count, site.ledger_commits(),
                                site.commits())
    again = site.run("schedule", site.at(date(2027, 2, 2)))["send"]
    assert again.succeeded
    assert site.server.handler.count == received
    assert site.ledger_commits() == recorded
    assert site.commits() == main
    assert "nothing to commit" in again.stdout
    assert "Nothing due. Next: the announcement of “Postgres Internals" in again.stdout


def test_a_queued_run_started_for_an_older_commit_sends_nothing_twice(site: Site) -> None:
    # Two runs triggered for the same commit (a manual run while the scheduled one is
    # sending): the second waits in the concurrency group and starts after the first
    # recorded, still for the commit it was triggered on.
    triggered_for = site.tip()
    first = site.run("schedule", site.at(date(2027, 1, 25)), sha=triggered_for)["send"]
    assert first.succeeded, _log(first)
    assert site.server.handler.count == 1

    queued = site.run("workflow_dispatch", site.at(date(2027, 1, 25)), sha=triggered_for,
                      inputs={"do": "send what is due"})["send"]
    assert queued.succeeded, _log(queued)
    assert site.server.handler.count == 1
    assert "Nothing due: the announcement of " in queued.step(DUE).stdout
    assert queued.step(SEND).outcome == "skipped"
    assert site.ledger_commits()[0] == SENT_ANNOUNCEMENT


def test_a_rerun_of_a_red_run_reads_the_tip_and_sends_nothing_twice(
    site: Site, tmp_path: Path
) -> None:
    work = site.clone("subscribers")
    (work / "subscribers.csv").write_text(
        "email,name\nada@example.org,Ada\nbob@example.org,Bob\ncy@example.org,Cy\n",
        encoding="utf-8")
    config = work / "announce.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'to = ["members@example.org"]', 'recipients = "subscribers.csv"'), encoding="utf-8")
    _push(work, "Send to the subscribers", "announce.toml", "subscribers.csv")
    site.server.handler.rcpt_faults["bob@example.org"] = ["550 5.1.1 no such user"]
    red_commit = site.tip()
    red = site.run("schedule", site.at(date(2027, 1, 25)), run_id=77)["send"]
    assert not red.succeeded
    assert red.step(SEND).returncode == 3

    # The organizer pushes a talk, then re-runs the red run (the same run, attempt 2): it
    # starts from the tip, not from the commit the run was started for, and reads the
    # ledger the first attempt recorded.
    (work / "content" / "events" / "2027" / "2027-03-17-ebpf.md").write_text(
        "---\ntitle: eBPF\ndtstart: 2027-03-17 18:00\nlocation: Jitsi\ntype: meeting\n"
        "---\nA kernel that runs your code.\n", encoding="utf-8")
    _push(work, "Add the eBPF talk", "content")
    recorded, tip = site.ledger_commits(), site.tip()
    rerun = site.run("schedule", site.at(date(2027, 1, 25)), run_id=77, attempt=2,
                     sha=red_commit)["send"]
    assert rerun.succeeded, _log(rerun)
    assert _git(site.root / f"run-{site.runs}-send", "rev-parse", "HEAD").strip() == tip
    assert site.server.handler.per_recipient() == {"ada@example.org": 1, "cy@example.org": 1}
    assert site.ledger_commits() == recorded  # nothing due, nothing written


def test_a_refused_push_stops_the_run_before_anything_is_sent(site: Site) -> None:
    # A branch rule that Actions may not bypass: the marker's push is refused.
    hook = site.refuse_pushes(f"refs/heads/{LEDGER_BRANCH}")
    send = site.run("schedule", site.at(date(2027, 1, 25)))["send"]
    assert not send.succeeded
    mark = send.step(MARK)
    assert mark.outcome == "failure"
    assert "GH006: Protected branch update failed" in mark.stderr
    assert f"\n::error::Could not push to the {LEDGER_BRANCH} branch, so nothing was sent" \
        in mark.stdout
    assert send.step(SEND).outcome == "skipped"
    assert NOTHING_RECORDED in send.step(RECORD).stdout
    assert site.server.handler.count == 0
    assert site.ledger_commits() == []

    # Once Actions may push there, the next day's run sends it, once.
    hook.unlink()
    for day in (date(2027, 1, 26), date(2027, 1, 27)):
        assert site.run("schedule", site.at(day))["send"].succeeded
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT]


def test_a_run_that_could_not_record_leaves_a_marker_and_the_next_run_refuses(
    site: Site, tmp_path: Path
) -> None:
    # The marker's push goes through, the ledger's is refused (say, a rule added meanwhile).
    hook = site.refuse_pushes(f"refs/heads/{LEDGER_BRANCH}", after=1)
    send = site.run("schedule", site.at(date(2027, 1, 25)), run_id=4242)["send"]
    assert not send.succeeded
    assert site.server.handler.count == 1
    record = send.step(RECORD)
    assert record.outcome == "failure"
    assert f"::error::Could not push the ledger to {LEDGER_BRANCH}. Its SENDING marker " \
           "stays there" in record.stdout
    assert send.step(KEEP).outcome == "success"
    kept = site.artifacts["announce-ledger-4242-1"]
    assert ("announcement", "members@example.org", "sent") in [
        row[1:] for row in _ledger_rows(kept.read_bytes(), tmp_path)]
    marker = site.on_ledger_branch("SENDING")
    assert marker is not None
    assert marker.decode().startswith(
        "run: https://github.com/river-city/site/actions/runs/4242 (attempt 1)\n")
    assert f"  announcement of {TALK} to 1 recipient\n" in marker.decode()

    # The next day: the rule is gone, but the marker says a run did not record. Nothing
    # goes out, and the error says which run and what to do.
    hook.unlink()
    for day in (date(2027, 1, 26), date(2027, 2, 2)):
        refused = site.run("schedule", site.at(day))["send"]
        assert not refused.succeeded
        fetch = refused.step(FETCH)
        assert fetch.outcome == "failure"
        assert (f"::error::The {LEDGER_BRANCH} branch still has the SENDING marker of the "
                "run https://github.com/river-city/site/actions/runs/4242 (attempt 1), which "
                "stopped before it recorded what it sent.") in fetch.stdout
        assert "announce history" in fetch.stdout
        action = refused.step("announce-dev/announce@v1", nth=0).steps
        names = [s.name for s in action]
        assert all(s.outcome == "skipped" for s in action[names.index(FETCH) + 1:])
        assert NOTHING_RECORDED in refused.step(RECORD).stdout
    assert site.server.handler.count == 1

    # What docs/github-actions.md says to do: put the kept ledger on the branch, delete the marker.
    work = site.clone("fix")
    _git(work, "switch", "--quiet", LEDGER_BRANCH)
    (work / LEDGER).parent.mkdir(exist_ok=True)
    shutil.copyfile(kept, work / LEDGER)
    _git(work, "rm", "--quiet", "SENDING")
    _push(work, "Record run 4242 by hand", LEDGER)
    after = site.run("schedule", site.at(date(2027, 2, 2)))["send"]
    assert after.succeeded, _log(after)
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT, REMINDER_SUBJECT]


def test_a_push_during_the_run_does_not_conflict_and_nothing_is_lost(site: Site) -> None:
    # While the run sends, an organizer pushes a talk and, out of habit, a ledger of
    # their own to the default branch: the run records on its own branch, so there is
    # nothing to rebase and no binary conflict.
    def organizer_pushes() -> None:
        work = site.clone("organizer")
        (work / "content" / "events" / "2027" / "2027-03-17-ebpf.md").write_text(
            "---\ntitle: eBPF\ndtstart: 2027-03-17 18:00\nlocation: Jitsi\ntype: meeting\n"
            "---\nA kernel that runs your code.\n", encoding="utf-8")
        (work / ".announce").mkdir()
        with sqlite3.connect(work / LEDGER) as db:
            db.execute("CREATE TABLE notes (n TEXT)")
        db.close()
        _git(work, "add", "--force", ".")
        _git(work, "commit", "--quiet", "-m", "Add the eBPF talk")
        _git(work, "push", "--quiet", "origin", "main")

    send = site.run("schedule", site.at(date(2027, 1, 25)), meanwhile=organizer_pushes)["send"]
    assert send.succeeded, _log(send)
    # Theirs, untouched; the site's calendar and archive on top of it, not a conflict.
    assert site.commits()[:2] == [PUBLISHED, "Add the eBPF talk"]
    assert _git(site.origin, "show", "--name-only", "--format=", "main").splitlines() == [
        f"static/announce/archive/{EVENT}/announcement/{name}"
        for name in ("index.html", "mail.html", "mail.txt")] + [
        "static/announce/archive/index.html", "static/announce/events.atom",
        "static/announce/events.ics", "static/announce/events.json",
        "static/announce/subscribe.html"]
    assert site.ledger_commits()[0] == SENT_ANNOUNCEMENT  # the run's, recorded
    again = site.run("schedule", site.at(date(2027, 1, 26)))["send"]
    assert again.succeeded, _log(again)
    assert site.server.handler.count == 1


def test_a_refused_push_of_the_sites_files_fails_the_run_after_the_mail_is_recorded(
        site: Site) -> None:
    # A protected default branch: the mail goes out and is recorded; only the site's
    # calendar and archive wait, and the run says why.
    site.refuse_pushes("refs/heads/main")
    send = site.run("schedule", site.at(date(2027, 1, 25)))["send"]
    assert not send.succeeded
    assert site.server.handler.count == 1
    assert site.ledger_commits()[0] == SENT_ANNOUNCEMENT
    publish = send.step("Commit the site's calendar and archive")
    assert publish.outcome == "failure"
    assert "GH006: Protected branch update failed" in publish.stderr
    assert ("::error::Could not push the site's calendar and archive to main: the mail went "
            "out and the ledger is recorded, only the site's files are not.") in publish.stdout
    assert site.commits() == ["Set up announce"]


def test_an_ignored_ledger_is_recorded_all_the_same_and_not_sent_again(site: Site) -> None:
    work = site.clone("ignore")
    (work / ".gitignore").write_text("*.sqlite3\n.announce/\n", encoding="utf-8")
    _push(work, "Ignore databases", ".gitignore")

    send = site.run("schedule", site.at(date(2027, 1, 25)))["send"]
    assert send.succeeded, _log(send)
    assert site.on_ledger_branch(ROWS) is not None
    again = site.run("schedule", site.at(date(2027, 1, 26)))["send"]
    assert again.succeeded
    assert site.server.handler.count == 1


def test_the_first_run_starts_the_ledger_branch_from_the_committed_ledger(
    site: Site, tmp_path: Path
) -> None:
    # A site that used the earlier workflow: its ledger is committed on the default branch
    # (forced: init --github now ignores it there, where that workflow had no .gitignore).
    work = site.clone("earlier")
    subprocess.run([str(Path(sys.executable).parent / "announce"), "send", "--next",
                    "--now", site.at(date(2027, 1, 25))], cwd=work, check=True,
                   capture_output=True, timeout=60)
    assert site.server.handler.count == 1
    _push(work, SENT_ANNOUNCEMENT, "--force", LEDGER)

    quiet = site.run("schedule", site.at(date(2027, 1, 26)))["send"]
    assert quiet.succeeded, _log(quiet)
    assert "No announce-ledger branch yet" in quiet.step(FETCH).stdout
    assert site.ledger_commits() == []  # nothing due: the branch waits for a send
    reminder = site.run("schedule", site.at(date(2027, 2, 2)))["send"]
    assert reminder.succeeded, _log(reminder)
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT, REMINDER_SUBJECT]
    kinds = {row[1] for row in _ledger_rows(site, tmp_path)}
    assert kinds == {"announcement", "reminder"}  # the earlier record came along
    assert site.on_ledger_branch("README.md") is not None


def test_the_password_reaches_the_send_and_not_the_install(
    tmp_path: Path, servers: Servers
) -> None:
    from .smtpd import PASSWORD, USER

    server = servers.start(auth=True, auth_require_tls=False)
    site = _make_site(tmp_path, server, username=USER)
    site.secrets = {"ANNOUNCE_SMTP_PASSWORD": PASSWORD}
    installs: list[dict[str, str]] = []

    def install(with_: dict[str, str], env: dict[str, str], workspace: Path) -> StepRun:
        installs.append(env)
        return StepRun("install", "success")

    send = site.run("schedule", site.at(date(2027, 1, 25)),
                    action_stand_ins={"install": install})["send"]
    assert send.succeeded, _log(send)
    assert site.server.handler.count == 1  # it logged in: the send step had the password
    assert len(installs) == 3  # the install of task send, of task record, of task publish
    for env in installs:
        assert PASSWORD not in env.values()
        assert "ANNOUNCE_SMTP_PASSWORD" not in env
    assert all(PASSWORD not in s.stdout + s.stderr for s in send.steps)


def test_the_write_token_stays_out_of_git_config_and_the_log(site: Site) -> None:
    configs: list[str] = []

    def look_at_the_config(with_: dict[str, str], env: dict[str, str],
                           workspace: Path) -> StepRun:
        configs.append((workspace / ".git" / "config").read_text(encoding="utf-8"))
        ledger_repo = Path(env["RUNNER_TEMP"]) / "announce-ledger" / ".git" / "config"
        if ledger_repo.exists():  # tasks record's and publish's installs: after a fetch
            configs.append(ledger_repo.read_text(encoding="utf-8"))
        return StepRun("look", "success")

    send = site.run("schedule", site.at(date(2027, 1, 25)),
                    action_stand_ins={"install": look_at_the_config})["send"]
    assert send.succeeded, _log(send)
    assert site.ledger_commits()[0] == SENT_ANNOUNCEMENT  # the pushes had what they need
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    # The checkout's at each of the three tasks, the ledger clone's at the last two; the
    # site's calendar and archive were committed to the default branch all the same.
    assert len(configs) == 5
    assert site.commits()[0] == PUBLISHED
    for text in configs:
        assert TOKEN not in text
        assert basic not in text
        assert "extraheader" not in text
    for step in send.steps:
        log = (step.stdout + step.stderr).replace(f"::add-mask::{basic}\n", "")
        assert TOKEN not in log
        assert basic not in log


def test_a_timed_out_send_is_still_recorded_and_not_sent_again(site: Site) -> None:
    # A server that hangs after the message was stored: the job's timeout-minutes stops
    # the send; the record step still runs and records the recipient as uncertain.
    site.server.handler.delay = 20.0
    minutes = float(site.workflow["jobs"]["send"]["timeout-minutes"])
    send = site.run("schedule", site.at(date(2027, 1, 25)), minute=6.0 / minutes)["send"]
    assert send.step(SEND).outcome == "cancelled"
    assert send.step(RECORD).outcome == "success", _log(send)
    assert site.on_ledger_branch("SENDING") is None
    site.server.handler.delay = 0.0
    again = site.run("schedule", site.at(date(2027, 1, 26)))["send"]
    assert "uncertain" in again.stdout
    assert site.server.handler.count <= 1


def test_a_pull_request_checks_and_previews_and_sends_nothing(site: Site) -> None:
    work = site.clone("branch")
    _git(work, "switch", "--quiet", "-c", "new-talk")
    talk = work / "content" / "events" / "2027" / "2027-02-17-ebpf.md"
    talk.write_text("---\ntitle: eBPF for the rest of us\ndtstart: 2027-02-17 18:00\n"
                    "location: Jitsi\ntype: meeting\n---\nA kernel that runs your code.\n",
                    encoding="utf-8")
    _push(work, "Add the eBPF talk", ".")
    commits = site.commits()

    jobs = site.run("pull_request", site.at(date(2027, 1, 25)), head="new-talk")
    assert jobs["send"].skipped
    preview = jobs["preview"]
    assert preview.succeeded, _log(preview)
    assert site.server.handler.count == 0
    assert site.commits() == commits
    assert site.ledger_commits() == []
    assert "0 errors" in preview.step("Check the talk files").stdout
    summary = preview.summary
    assert f"### Dry run: the announcement of {TALK}" in summary
    assert f"- **Subject:** {ANNOUNCEMENT_SUBJECT}" in summary
    assert "- **When:** Wednesday, February 3, 2027, 6:00–7:30 PM EST" in summary
    assert "- **Where:** Jitsi" in summary
    assert "```text\nRiver City Open Tech - https://example.org\n" in summary  # the text part


def test_a_pull_request_previews_with_the_ledger_branch(site: Site) -> None:
    assert site.run("schedule", site.at(date(2027, 1, 25)))["send"].succeeded
    work = site.clone("branch")
    _git(work, "switch", "--quiet", "-c", "typo-fix")
    (work / "announce.toml").write_text(
        (work / "announce.toml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _push(work, "A blank line", "announce.toml")

    preview = site.run("pull_request", site.at(date(2027, 1, 26)), head="typo-fix")["preview"]
    assert preview.succeeded, _log(preview)
    # The announcement went out yesterday (the ledger branch says so): next is the reminder.
    assert f"### Preview: the reminder of {TALK}" in preview.summary
    assert "Dry run: the announcement" not in preview.summary
    assert site.ledger_commits()[0] == SENT_ANNOUNCEMENT  # read, not written


def test_a_pull_request_that_moves_an_announced_talk_says_merging_sends_an_update(
        site: Site) -> None:
    assert site.run("schedule", site.at(date(2027, 1, 25)))["send"].succeeded
    work = site.clone("later")
    _git(work, "switch", "--quiet", "-c", "later")
    talk = work / "content" / "events" / f"{EVENT}.md"
    talk.write_text(talk.read_text(encoding="utf-8").replace(
        "dtstart: 2027-02-03 18:00:00 -0500", "dtstart: 2027-02-03 18:30:00 -0500"),
        encoding="utf-8")
    _push(work, "Start half an hour later", ".")

    preview = site.run("pull_request", site.at(date(2027, 1, 26)), head="later")["preview"]
    assert preview.succeeded, _log(preview)
    assert f"Merging this change will send the update of {TALK} to 1 recipient" in (
        preview.summary)
    assert "since the announcement: start 18:00 → 18:30" in preview.summary
    assert "Now 6:30 PM, not 6:00 PM" in preview.summary  # the update itself, shown
    assert site.server.handler.count == 1  # the announcement; the preview sent nothing
    assert site.ledger_commits()[0] == SENT_ANNOUNCEMENT


def test_a_broken_talk_in_a_pull_request_is_shown_on_its_line(site: Site) -> None:
    work = site.clone("branch")
    _git(work, "switch", "--quiet", "-c", "typo")
    talk = work / "content" / "events" / "2027" / "2027-02-17-ebpf.md"
    talk.write_text("---\ntitle: eBPF\ndtstart: 2027-13-17 18:00\ntype: meeting\n---\nx\n",
                    encoding="utf-8")
    _push(work, "Add a talk, with a typo", ".")

    preview = site.run("pull_request", site.at(date(2027, 1, 25)), head="typo")["preview"]
    assert not preview.succeeded
    check = preview.step("Check the talk files")
    assert check.outcome == "failure"
    assert re.search(r"^::error file=content/events/2027/2027-02-17-ebpf\.md,line=3::dtstart: ",
                     check.stdout, re.M), check.stdout
    assert preview.step(DUE).outcome == "skipped"  # the preview of the next message
    assert site.server.handler.count == 0


def test_a_refused_recipient_fails_the_run_but_what_went_out_is_recorded(site: Site) -> None:
    work = site.clone("subscribers")
    (work / "subscribers.csv").write_text(
        "email,name\nada@example.org,Ada\nbob@example.org,Bob\ncy@example.org,Cy\n",
        encoding="utf-8")
    config = work / "announce.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'to = ["members@example.org"]', 'recipients = "subscribers.csv"'), encoding="utf-8")
    _push(work, "Send to the subscribers", "announce.toml", "subscribers.csv")
    site.server.handler.rcpt_faults["bob@example.org"] = ["550 5.1.1 no such user"]

    send = site.run("schedule", site.at(date(2027, 1, 25)))["send"]
    announce, record = send.step(SEND), send.step(RECORD)
    assert announce.outcome == "failure"
    assert announce.returncode == 3
    assert "::error::The announcement of " in announce.stdout
    assert "not sent to bob@example.org: 550" in announce.stdout
    assert record.outcome == "success"  # the ledger is recorded all the same
    assert site.ledger_commits()[0] == (
        f"announce: sent the announcement of {TALK} to 2 recipients")
    assert site.server.handler.per_recipient() == {"ada@example.org": 1, "cy@example.org": 1}

    # The next day: no second copy for Ada and Cy (the recorded ledger says they have it).
    again = site.run("schedule", site.at(date(2027, 1, 26)))["send"]
    assert again.succeeded
    assert site.server.handler.per_recipient() == {"ada@example.org": 1, "cy@example.org": 1}


def test_manual_runs_send_only_from_the_default_branch_and_dry_runs_send_nothing(
    site: Site
) -> None:
    on_main = site.run("workflow_dispatch", site.at(date(2027, 1, 25)),
                       inputs={"do": "send what is due"})
    assert on_main["send"].succeeded
    assert on_main["preview"].skipped
    assert site.server.handler.count == 1

    send_job = site.workflow["jobs"]["send"]
    context = {"github": {"event_name": "workflow_dispatch", "ref_name": "feature",
                          "event": {"repository": {"default_branch": "main"}}}}
    assert evaluate(send_job["if"], context) is False  # another branch: skipped

    dry = site.run("workflow_dispatch", site.at(date(2027, 2, 2)), inputs={"do": "dry run"})
    send = dry["send"]
    assert send.succeeded
    assert site.server.handler.count == 1
    assert site.ledger_commits() == [SENT_ANNOUNCEMENT, SENDING_ANNOUNCEMENT]
    _assert_quiet(send)
    assert f"### Dry run: the reminder of {TALK}" in send.summary


def test_a_ledger_left_mid_write_is_made_whole_before_it_is_recorded(
    site: Site, tmp_path: Path
) -> None:
    def due(with_: dict[str, str], env: dict[str, str], workspace: Path) -> StepRun:
        return StepRun("due", "success", 0, outputs={
            "ledger": LEDGER, "sent": "", "due": f"announcement of {TALK} to 1 recipient"})

    def killed_mid_write(with_: dict[str, str], env: dict[str, str], workspace: Path) -> StepRun:
        # A run killed while it rewrote 5,000 committed rows: SQLite's journal is left
        # behind, and the database file alone holds part of the unfinished write.
        path = workspace / LEDGER
        path.parent.mkdir()
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE t (n INTEGER)")
            db.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(5000)])
        db.close()
        subprocess.run([sys.executable, "-c", (
            "import os, sqlite3, sys\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('PRAGMA cache_size=1'); db.execute('BEGIN')\n"
            "db.execute('UPDATE t SET n = -1')\n"
            "os._exit(9)\n"), str(path)], check=False, timeout=60)
        assert path.with_name(path.name + "-journal").exists()
        return StepRun("killed", "failure", 137, outputs={"ledger": LEDGER, "sent": ""})

    send = site.run("schedule", site.at(date(2027, 1, 25)),
                    action_stand_ins={"due": due, "run": killed_mid_write})["send"]
    record = send.step(RECORD)
    assert record.outcome == "success", record.stderr
    assert site.ledger_commits()[0] == "announce: update the ledger"
    copy = site.ledger_of_branch(tmp_path / "recorded.sqlite3")
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM t WHERE n = -1").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM t").fetchone() == (5000,)
    db.close()


def test_a_talk_with_a_typo_fails_the_scheduled_run_after_what_was_due_went_out(
        site: Site) -> None:
    # A typo in the next talk's date: the scheduled run must not be green while that talk
    # is never announced; what was due still goes out, and is recorded.
    work = site.clone("typo")
    talk = work / "content" / "events" / "2027" / "2027-02-17-ebpf.md"
    talk.write_text("---\ntitle: eBPF\ndtstart: 2027-13-17 18:00\ntype: meeting\n---\nx\n",
                    encoding="utf-8")
    _push(work, "Add a talk, with a typo", ".")

    send = site.run("schedule", site.at(date(2027, 1, 25)))["send"]
    assert not send.succeeded
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT]
    assert send.step(RECORD).outcome == "success"
    assert site.ledger_commits()[0] == f"announce: sent the announcement of {TALK} to 1 recipient"
    assert re.search(r"^::error file=content/events/2027/2027-02-17-ebpf\.md,line=3::",
                     send.step(SEND).stdout, re.M), send.step(SEND).stdout
    assert "### Not announced: 1 file with problems" in send.summary

    # A day with nothing due: nothing is sent, and the run still fails, on the last step.
    quiet = site.run("schedule", site.at(date(2027, 1, 26)))["send"]
    assert not quiet.succeeded
    assert site.server.handler.count == 1
    _assert_quiet(quiet)
    last = quiet.step("Fail on talks that cannot be announced")
    assert last.outcome == "failure"
    assert "1 file(s) keep a talk from the list" in last.stdout


# --- a ledger branch that lost its history, or holds what it must not -----------------------

TAG = f"{LEDGER_BRANCH}-last"


def _refusal(send: JobRun) -> str:
    """The fetch step's ::error:: lines, after checking that the run stopped there."""
    fetch = send.step(FETCH)
    assert fetch.outcome == "failure", _log(send)
    assert send.step(DUE).outcome == send.step(SEND).outcome == "skipped"
    assert NOTHING_RECORDED in send.step(RECORD).stdout
    errors = [line for line in fetch.stdout.splitlines() if line.startswith("::error::")]
    assert errors, fetch.stdout
    return "\n".join(errors)


def _fix_command(errors: str) -> str:
    match = re.search(r"(git fetch origin tag \S+ && git push (?:--force )?origin \S+)", errors)
    assert match, errors
    return match.group(1)


def _as_organizer(site: Site, command: str) -> None:
    work = site.clone(f"fix-{site.runs}")
    subprocess.run(command, shell=True, cwd=work, check=True, timeout=60,  # noqa: S602
                   capture_output=True, env=_git_env(work))


def _announced(site: Site) -> str:
    """The announcement goes out on its day, and is recorded; returns the recorded commit."""
    send = site.run("schedule", site.at(date(2027, 1, 25)))["send"]
    assert send.succeeded, _log(send)
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT]
    assert site.tip(TAG) == site.tip(LEDGER_BRANCH)
    return site.tip(LEDGER_BRANCH)


def test_a_deleted_ledger_branch_is_refused_not_taken_for_a_first_run(site: Site) -> None:
    last = _announced(site)
    _git(site.origin, "branch", "-D", LEDGER_BRANCH)

    for day in (date(2027, 1, 26), date(2027, 1, 27)):  # the announcement would go again
        errors = _refusal(site.run("schedule", site.at(day))["send"])
        assert errors.startswith(f"::error::The {LEDGER_BRANCH} branch is gone, but the "
                                 f"workflow last recorded {last[:12]} there (tag {TAG})")
        assert site.server.handler.count == 1
        assert site.ledger_commits() == []

    # The fix the error gives brings the branch back; the reminder then goes out once.
    _as_organizer(site, _fix_command(errors))
    assert site.tip(LEDGER_BRANCH) == last
    assert site.run("schedule", site.at(date(2027, 1, 27)))["send"].succeeded
    reminder = site.run("schedule", site.at(date(2027, 2, 2)))["send"]
    assert reminder.succeeded, _log(reminder)
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT, REMINDER_SUBJECT]


def test_starting_the_ledger_over_is_the_organizers_deliberate_act(site: Site) -> None:
    _announced(site)
    _git(site.origin, "branch", "-D", LEDGER_BRANCH)
    errors = _refusal(site.run("schedule", site.at(date(2027, 1, 26)))["send"])
    # What the error says to do to start over: delete the tag as well. Then it is a first
    # run, from the ledger committed on the default branch (none here): sent again.
    start_over = re.search(r"git push origin :refs/heads/\S+ :refs/tags/\S+", errors)
    assert start_over, errors
    _as_organizer(site, start_over.group(0).replace(f":refs/heads/{LEDGER_BRANCH} ", ""))
    again = site.run("schedule", site.at(date(2027, 1, 26)))["send"]
    assert again.succeeded, _log(again)
    assert "No announce-ledger branch yet" in again.step(FETCH).stdout
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT, ANNOUNCEMENT_SUBJECT]


def test_a_ledger_branch_force_pushed_to_a_tree_without_the_ledger_is_refused(
        site: Site) -> None:
    last = _announced(site)
    work = site.clone("orphan")
    _git(work, "switch", "--quiet", "--orphan", "empty")
    for path in list(work.iterdir()):
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    (work / "README.md").write_text("Nothing here.\n", encoding="utf-8")
    _push_to(work, LEDGER_BRANCH, "README.md", force=True)

    errors = _refusal(site.run("schedule", site.at(date(2027, 1, 26)))["send"])
    assert errors.startswith(f"::error::The {LEDGER_BRANCH} branch was rewritten: its head ")
    assert f"does not descend from {last[:12]}, the commit the workflow last recorded" in errors
    assert site.server.handler.count == 1
    _as_organizer(site, _fix_command(errors))
    assert site.run("schedule", site.at(date(2027, 1, 26)))["send"].succeeded
    assert site.server.handler.count == 1


def test_a_ledger_branch_reset_to_an_older_commit_is_refused(site: Site) -> None:
    announced = _announced(site)
    reminded = site.run("schedule", site.at(date(2027, 2, 2)))["send"]
    assert reminded.succeeded
    last = site.tip(LEDGER_BRANCH)
    _git(site.origin, "update-ref", f"refs/heads/{LEDGER_BRANCH}", announced)

    errors = _refusal(site.run("schedule", site.at(date(2027, 2, 2)))["send"])
    assert errors.startswith(f"::error::The {LEDGER_BRANCH} branch was reset to "
                             f"{announced[:12]}, older than {last[:12]}, the commit the "
                             f"workflow last recorded there (tag {TAG})")
    assert _fix_command(errors) == (f"git fetch origin tag {TAG} && git push --force origin "
                                    f"{last}:refs/heads/{LEDGER_BRANCH}")
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT, REMINDER_SUBJECT]  # no second reminder
    _as_organizer(site, _fix_command(errors))
    assert site.run("schedule", site.at(date(2027, 2, 2)))["send"].succeeded
    assert site.server.handler.count == 2


INJECTED_TALK = "content/events/2027/2027-01-27-injected.md"


@pytest.mark.parametrize("intruder", [INJECTED_TALK, "announce.toml"])
def test_a_file_pushed_to_the_ledger_branch_is_refused_and_never_used(
        site: Site, intruder: str) -> None:
    _announced(site)
    work = site.clone("intruder")
    _git(work, "switch", "--quiet", LEDGER_BRANCH)
    target = work / intruder
    target.parent.mkdir(parents=True, exist_ok=True)
    if intruder == INJECTED_TALK:  # due at once: announced if anything read it
        target.write_text("---\ntitle: Free crypto\ndtstart: 2027-01-27 18:00\n"
                          "location: Jitsi\ntype: meeting\n---\nClick here.\n", encoding="utf-8")
    else:  # the send step's config: another server, other recipients
        main = site.clone("main-config")
        text = (main / "announce.toml").read_text(encoding="utf-8")
        target.write_text(text.replace('to = ["members@example.org"]',
                                       'to = ["everyone@evil.example"]'), encoding="utf-8")
    _push_to(work, LEDGER_BRANCH, intruder)

    for day in (date(2027, 1, 26), date(2027, 2, 2)):
        send = site.run("schedule", site.at(day))["send"]
        errors = _refusal(send)
        assert errors.startswith(f"::error::The {LEDGER_BRANCH} branch holds files other than "
                                 f"README.md, SENDING and the ledger ({LEDGER}): {intruder}. "
                                 "Nothing was sent")
        assert "(git rm)" in errors
        assert not (site.root / f"run-{site.runs}-send" / INJECTED_TALK).exists()
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT]
    assert all(m.rcpt_tos == ["members@example.org"] for m in site.server.handler.messages)

    # The fix: remove it from the branch (on the default branch is where a talk belongs).
    _git(work, "rm", "--quiet", intruder)
    _push_to(work, LEDGER_BRANCH)
    reminder = site.run("schedule", site.at(date(2027, 2, 2)))["send"]
    assert reminder.succeeded, _log(reminder)
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT, REMINDER_SUBJECT]


def test_the_default_branch_pushed_onto_the_ledger_branch_is_refused(site: Site) -> None:
    last = _announced(site)
    _git(site.origin, "update-ref", f"refs/heads/{LEDGER_BRANCH}", site.tip())

    errors = _refusal(site.run("schedule", site.at(date(2027, 1, 26)))["send"])
    history, files = errors.splitlines()
    assert history.startswith(f"::error::The {LEDGER_BRANCH} branch was rewritten")
    assert "announce.toml" in files
    assert "content/events/" in files
    assert site.server.handler.count == 1
    _as_organizer(site, _fix_command(errors))
    assert site.tip(LEDGER_BRANCH) == last
    assert site.run("schedule", site.at(date(2027, 1, 26)))["send"].succeeded
    assert site.server.handler.count == 1


def _push_to(work: Path, branch: str, *paths: str, force: bool = False) -> None:
    if paths:
        _git(work, "add", "--force", *paths)
    _git(work, "commit", "--quiet", "-m", f"Edit {branch} by hand")
    _git(work, "push", "--quiet", *(["--force"] if force else []), "origin",
         f"HEAD:refs/heads/{branch}")


def test_a_workflow_from_before_the_action_ran_the_ledger_steps_keeps_working(
        site: Site) -> None:
    # An organizer who has not regenerated: the old long workflow, with today's action
    # (its inputs and outputs are the same). `announce check` tells them to regenerate.
    old = REPO / "tests" / "workflows" / "announce-shell-ledger.yml"
    site.workflow = yaml.safe_load(old.read_text(encoding="utf-8"))
    for day in (date(2027, 1, 25), date(2027, 1, 26), date(2027, 2, 2)):
        send = site.run("schedule", site.at(day))["send"]
        assert send.succeeded, (day, _log(send))
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT, REMINDER_SUBJECT]
    assert site.ledger_commits()[0] == f"announce: sent the reminder of {TALK} to 1 recipient"

    # Regenerated: the branch the old workflow made is taken, and tagged from now on.
    site.workflow = yaml.safe_load((REPO / "examples/github/announce.yml").read_text(
        encoding="utf-8"))
    new = site.run("schedule", site.at(date(2027, 2, 3)))["send"]
    assert new.succeeded, _log(new)
    assert f"Tagged {TAG}" in new.step(FETCH).stdout
    assert site.tip(TAG) == site.tip(LEDGER_BRANCH)
    assert site.server.handler.count == 2


# --- manual runs from the Actions tab (the workflow_dispatch inputs do, event, kind) ------

REQUEST = "Read the request"


def _manual(site: Site, day: date, do: str, event: str = "", kind: str = "what is due",
            **kwargs: Any) -> JobRun:
    return site.run("workflow_dispatch", site.at(day),
                    inputs={"do": do, "event": event, "kind": kind}, **kwargs)["send"]


def test_skip_from_the_actions_tab_is_recorded_and_no_run_sends_it(site: Site) -> None:
    skipped = _manual(site, date(2027, 1, 25), "skip", EVENT, "announcement")
    assert skipped.succeeded, _log(skipped)
    assert site.server.handler.count == 0
    skip_line = f"skipped the announcement of {TALK} (asked by @organizer)"
    assert site.ledger_commits()[0] == f"announce: {skip_line}"
    assert f"::notice title=announce::Skipped the announcement of {TALK} (asked by " \
           "@organizer): no run will send it." in skipped.stdout
    # The days after: the announcement never goes; the schedule goes on as if it had
    # (its reminder comes, a skip of its own away).
    for day in (date(2027, 1, 26), date(2027, 1, 27)):
        _assert_quiet(site.run("schedule", site.at(day))["send"])
    assert site.run("schedule", site.at(date(2027, 2, 2)))["send"].succeeded
    assert _subjects(site, 0) == [REMINDER_SUBJECT]


def test_send_now_sends_a_message_before_its_day_once(site: Site) -> None:
    now = _manual(site, date(2027, 1, 20), "send now", EVENT, "announcement")
    assert now.succeeded, _log(now)
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT]
    assert site.ledger_commits()[0] == SENT_ANNOUNCEMENT
    # Pressed twice, and the scheduled run on its day: the ledger has it, nothing more.
    again = _manual(site, date(2027, 1, 21), "send now", EVENT, "announcement")
    assert again.succeeded, _log(again)
    assert site.run("schedule", site.at(date(2027, 1, 25)))["send"].succeeded
    assert site.server.handler.count == 1


def test_a_manual_run_that_makes_no_sense_does_nothing_and_says_which_input(
    site: Site
) -> None:
    send = _manual(site, date(2027, 1, 25), "skip")
    assert not send.succeeded
    request = send.step(REQUEST)
    assert request.outcome == "failure"
    assert "::error::event: 'skip' needs the event (its id, as 'announce list' shows it, " \
           "or its talk file)" in request.stdout
    assert send.step(FETCH).outcome == "skipped"
    assert site.server.handler.count == 0
    assert site.ledger_commits() == []


def test_clearing_the_marker_from_the_actions_tab_records_who_checked(
    site: Site
) -> None:
    # A run sends, then cannot record (its ledger push refused): the marker stays, and
    # the next run refuses.
    hook = site.refuse_pushes(f"refs/heads/{LEDGER_BRANCH}", after=1)
    assert not site.run("schedule", site.at(date(2027, 1, 25)), run_id=4242)["send"].succeeded
    hook.unlink()
    assert "still has the SENDING marker" in site.run(
        "schedule", site.at(date(2027, 1, 26)))["send"].step(FETCH).stdout
    assert site.server.handler.count == 1
    # The organizer reads run 4242's log: the announcement went out. One button clears
    # the marker and records the announcement as done, in one run.
    cleared = _manual(site, date(2027, 1, 26), "I checked: clear the marker", EVENT,
                      "announcement")
    assert cleared.succeeded, _log(cleared)
    run = "https://github.com/river-city/site/actions/runs/4242 (attempt 1)"
    skip = f"the announcement of {TALK} (asked by @organizer)"
    assert site.ledger_commits()[:3] == [
        f"announce: skipped {skip}", f"announce: skip {skip}",  # recorded; marked before
        f"announce: @organizer checked and cleared the SENDING marker of the run {run}"]
    body = _git(site.origin, "log", "-1", "--format=%b", f"{LEDGER_BRANCH}~2")
    assert "Cleared-by: @organizer" in body
    assert f"run: {run}" in body  # what the marker said stays in the history
    assert site.on_ledger_branch("SENDING") is None
    # Nothing twice: the announcement is done; the reminder comes on its day.
    _assert_quiet(site.run("schedule", site.at(date(2027, 1, 27)))["send"])
    assert site.run("schedule", site.at(date(2027, 2, 2)))["send"].succeeded
    assert _subjects(site, 0) == [ANNOUNCEMENT_SUBJECT, REMINDER_SUBJECT]
    # Pressed when there is no marker: said, nothing else.
    again = _manual(site, date(2027, 2, 2), "I checked: clear the marker")
    assert again.succeeded
    assert f"No SENDING marker on {LEDGER_BRANCH}: nothing to clear." in again.stdout


def test_resend_to_the_uncertain_from_the_actions_tab(site: Site, tmp_path: Path) -> None:
    # A run timed out after the server took the message, before it confirmed it: the
    # recipient is uncertain, recorded so, and no scheduled run sends it again.
    site.server.handler.delay = 20.0
    before = site.server.handler.count
    minutes = float(site.workflow["jobs"]["send"]["timeout-minutes"])
    site.run("schedule", site.at(date(2027, 1, 25)), minute=6.0 / minutes)
    site.server.handler.delay = 0.0
    # The server took the message, and stores it when its delay is over: wait for that,
    # so that the count below is the message's (however slow this machine is today).
    deadline = time.monotonic() + 60
    while site.server.handler.count == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "uncertain" in site.run("schedule", site.at(date(2027, 1, 26)))["send"].stdout
    received = site.server.handler.count
    resent = _manual(site, date(2027, 1, 26), "resend to the uncertain", EVENT)
    assert resent.succeeded, _log(resent)
    assert site.server.handler.count == received + 1
    assert ("announcement", "members@example.org", "sent") in [
        row[1:] for row in _ledger_rows(site, tmp_path)]
    _assert_quiet(site.run("schedule", site.at(date(2027, 1, 27)))["send"])
