"""The workflow `announce init --github` writes, run step by step as GitHub would run it.

Each run is a fresh clone of a bare "GitHub" repository made from the sample season, with
the GITHUB_* variables Actions sets, over simulated days (ANNOUNCE_NOW at the cron's
time); the announce action runs from this checkout's action.yml with announce already on
PATH (its install step is the only one left out), and [smtp] points at aiosmtpd on
127.0.0.1. What a user would see: which mail arrived on which day, and the ledger commits
pushed back to the repository.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
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
    from .smtpd import Server

pytest_plugins = ["tests.smtpd"]

WORKFLOW = Path(".github/workflows/announce.yml")
TALK = "“Observability with OpenTelemetry” (Wed 2027-02-03)"
ANNOUNCEMENT_SUBJECT = "River City Open Tech: Observability with OpenTelemetry (Wed, Feb 3)"
REMINDER_SUBJECT = "Reminder: Observability with OpenTelemetry is tomorrow"
BOT = ["-c", "user.name=Organizer", "-c", "user.email=organizer@example.org"]


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *BOT, *args], cwd=cwd, capture_output=True, text=True,
                          check=True, timeout=60, env=_git_env(cwd))
    return proc.stdout


def _git_env(home: Path) -> dict[str, str]:
    # No user or system git config may change what the workflow's git commands do.
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
            "LANG": "C.UTF-8"}


def _noop(with_: dict[str, str], env: dict[str, str], workspace: Path) -> StepRun:
    # actions/checkout: the workspace is a fresh clone already; setup-python: the venv.
    return StepRun("stand-in", "success")


@dataclass
class Site:
    """A site repository on "GitHub" (a bare repository) and the runs of its workflow."""

    root: Path
    origin: Path
    server: Server
    runs: int = 0
    workflow: dict[Any, Any] = field(default_factory=dict)

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
        return _git(self.origin, "log", "--format=%s", "main").splitlines()

    def run(self, event_name: str, now: str, *, ref_name: str = "main",
            inputs: dict[str, Any] | None = None, head: str | None = None,
            meanwhile: Callable[[], None] | None = None,
            stand_ins: dict[str, StandIn] | None = None) -> dict[str, JobRun]:
        """One run of the workflow for this event: every job, in a fresh checkout.

        ``meanwhile`` runs after the checkout, before the steps: someone else's push.
        """
        self.runs += 1
        workspace = self.root / f"run-{self.runs}"
        _git(self.root, "clone", "--quiet", "--depth=1", f"file://{self.origin}",
             "--branch", head or ref_name, str(workspace))
        if meanwhile:
            meanwhile()
        temp = self.root / f"runner-temp-{self.runs}"
        temp.mkdir()
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        sha = _git(workspace, "rev-parse", "HEAD").strip()
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
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REF": ref,
            "GITHUB_REF_NAME": ref_name,
            "GITHUB_REF_TYPE": "branch",
            "GITHUB_REPOSITORY": "river-city/site",
            "GITHUB_SHA": sha,
            "GITHUB_RUN_ID": str(1000 + self.runs),
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_ACTOR": "organizer",
            "GITHUB_SERVER_URL": "https://github.com",
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(temp),
            "ANNOUNCE_NOW": now,
        }
        if event_name == "pull_request":
            env |= {"GITHUB_HEAD_REF": head or "", "GITHUB_BASE_REF": "main"}
        github = {"event_name": event_name, "ref": ref, "ref_name": ref_name, "sha": sha,
                  "repository": "river-city/site", "workspace": str(workspace),
                  "event": event, "run_id": env["GITHUB_RUN_ID"]}
        runner = Runner(
            workspace=workspace, env=env, github=github, inputs=inputs or {},
            secrets={},  # the local server needs no password; an unset secret reads as ""
            actions={"announce-dev/announce@": REPO / "action.yml"},
            stand_ins={"actions/checkout@": _noop, "actions/setup-python@": _noop,
                       **(stand_ins or {})},
            skip_action_steps=("install",),  # announce is on PATH: this checkout, editable
        )
        return {name: runner.run_job(self.workflow, name) for name in self.workflow["jobs"]}


@pytest.fixture
def site(tmp_path: Path, smtp_server: Server) -> Site:
    """The sample season as a site repository, set up with `announce init --github`."""
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
    config.write_text(text + (
        f'\n[smtp]\nhost = "{smtp_server.host}"\nport = {smtp_server.port}\n'
        'security = "none"\n'), encoding="utf-8")
    _git(work, "init", "--quiet", "--initial-branch=main")
    _git(work, "add", ".")
    _git(work, "commit", "--quiet", "-m", "Set up announce")
    origin = tmp_path / "origin.git"
    _git(tmp_path, "clone", "--quiet", "--bare", str(work), str(origin))
    workflow = yaml.safe_load((work / WORKFLOW).read_text(encoding="utf-8"))
    return Site(root=tmp_path, origin=origin, server=smtp_server, workflow=workflow)


def _subjects(site: Site, start: int) -> list[str]:
    return [str(m.message()["Subject"]) for m in site.server.handler.messages[start:]]


def test_each_message_goes_out_once_on_its_day_and_the_ledger_is_committed(site: Site) -> None:
    expected = {date(2027, 1, 25): ("announcement", ANNOUNCEMENT_SUBJECT),
                date(2027, 2, 2): ("reminder", REMINDER_SUBJECT)}
    day = date(2027, 1, 23)
    while day <= date(2027, 2, 3):
        received, commits = site.server.handler.count, site.commits()
        jobs = site.run("schedule", site.at(day))
        assert jobs["preview"].skipped
        send = jobs["send"]
        assert send.succeeded, (day, [(s.name, s.stdout, s.stderr) for s in send.steps])
        if day in expected:
            kind, subject = expected[day]
            assert _subjects(site, received) == [subject], day
            assert site.server.handler.messages[-1].rcpt_tos == ["members@example.org"]
            sent = f"{kind} of {TALK} to 1 recipient"
            assert f"::notice title=announce::Sent the {sent} via " in send.stdout
            assert site.commits() == [f"announce: sent the {sent}", *commits], day
            assert f"### Sent: the {kind} of {TALK}" in send.summary
        else:
            assert _subjects(site, received) == [], day
            assert site.commits() == commits, day
            assert "::notice" not in send.stdout
            assert ("No ledger yet" if day < date(2027, 1, 25) else "The ledger did not "
                    "change.") in send.stdout
        day += timedelta(days=1)

    # The same day again (a re-run, or a manual run): nothing goes out, nothing changes.
    received, commits = site.server.handler.count, site.commits()
    again = site.run("schedule", site.at(date(2027, 2, 2)))["send"]
    assert again.succeeded
    assert site.server.handler.count == received
    assert site.commits() == commits
    assert "Nothing due. Next: the announcement of “Postgres Internals" in again.stdout
    assert "The ledger did not change." in again.stdout


def test_a_pull_request_checks_and_previews_and_sends_nothing(site: Site) -> None:
    work = site.root / "branch"
    _git(site.root, "clone", "--quiet", str(site.origin), str(work))
    _git(work, "switch", "--quiet", "-c", "new-talk")
    talk = work / "content" / "events" / "2027" / "2027-02-17-ebpf.md"
    talk.write_text("---\ntitle: eBPF for the rest of us\ndtstart: 2027-02-17 18:00\n"
                    "location: Jitsi\ntype: meeting\n---\nA kernel that runs your code.\n",
                    encoding="utf-8")
    _git(work, "add", ".")
    _git(work, "commit", "--quiet", "-m", "Add the eBPF talk")
    _git(work, "push", "--quiet", "origin", "new-talk")
    commits = site.commits()

    jobs = site.run("pull_request", site.at(date(2027, 1, 25)), head="new-talk")
    assert jobs["send"].skipped
    preview = jobs["preview"]
    assert preview.succeeded, [(s.name, s.stdout, s.stderr) for s in preview.steps]
    assert site.server.handler.count == 0
    assert site.commits() == commits
    assert "0 errors" in preview.steps[1].stdout  # announce check
    summary = preview.summary
    assert f"### Dry run: the announcement of {TALK}" in summary
    assert f"- **Subject:** {ANNOUNCEMENT_SUBJECT}" in summary
    assert "- **When:** Wednesday, February 3, 2027, 6:00–7:30 PM EST" in summary
    assert "- **Where:** Jitsi" in summary
    assert "```text\nRiver City Open Tech - https://example.org\n" in summary  # the text part


def test_a_broken_talk_in_a_pull_request_is_shown_on_its_line(site: Site) -> None:
    work = site.root / "branch"
    _git(site.root, "clone", "--quiet", str(site.origin), str(work))
    _git(work, "switch", "--quiet", "-c", "typo")
    talk = work / "content" / "events" / "2027" / "2027-02-17-ebpf.md"
    talk.write_text("---\ntitle: eBPF\ndtstart: 2027-13-17 18:00\ntype: meeting\n---\nx\n",
                    encoding="utf-8")
    _git(work, "add", ".")
    _git(work, "commit", "--quiet", "-m", "Add a talk, with a typo")
    _git(work, "push", "--quiet", "origin", "typo")

    preview = site.run("pull_request", site.at(date(2027, 1, 25)), head="typo")["preview"]
    assert not preview.succeeded
    check = preview.steps[1]
    assert check.outcome == "failure"
    assert re.search(r"^::error file=content/events/2027/2027-02-17-ebpf\.md,line=3::dtstart: ",
                     check.stdout, re.M), check.stdout
    assert preview.steps[2].outcome == "skipped"  # no preview after a failed check
    assert site.server.handler.count == 0


def test_a_refused_recipient_fails_the_run_but_what_went_out_is_committed(
    site: Site, tmp_path: Path
) -> None:
    work = tmp_path / "subscribers"
    _git(tmp_path, "clone", "--quiet", str(site.origin), str(work))
    (work / "subscribers.csv").write_text(
        "email,name\nada@example.org,Ada\nbob@example.org,Bob\ncy@example.org,Cy\n",
        encoding="utf-8")
    config = work / "announce.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'to = ["members@example.org"]', 'recipients = "subscribers.csv"'), encoding="utf-8")
    _git(work, "add", "announce.toml", "subscribers.csv")
    _git(work, "commit", "--quiet", "-m", "Send to the subscribers")
    _git(work, "push", "--quiet", "origin", "main")
    site.server.handler.rcpt_faults["bob@example.org"] = ["550 5.1.1 no such user"]

    send = site.run("schedule", site.at(date(2027, 1, 25)))["send"]
    announce, commit = send.steps[1], send.steps[2]
    assert announce.outcome == "failure"
    assert announce.returncode == 3
    assert "::error::The announcement of " in announce.stdout
    assert "not sent to bob@example.org: 550" in announce.stdout
    assert commit.outcome == "success"  # the ledger is committed all the same
    assert site.commits()[0] == f"announce: sent the announcement of {TALK} to 2 recipients"
    assert site.server.handler.per_recipient() == {"ada@example.org": 1, "cy@example.org": 1}

    # The next day: no second copy for Ada and Cy (the committed ledger says they have it).
    again = site.run("schedule", site.at(date(2027, 1, 26)))["send"]
    assert again.succeeded
    assert site.server.handler.per_recipient() == {"ada@example.org": 1, "cy@example.org": 1}


def test_manual_runs_send_only_from_the_default_branch_and_dry_runs_send_nothing(
    site: Site
) -> None:
    commits = site.commits()
    on_main = site.run("workflow_dispatch", site.at(date(2027, 1, 25)),
                       inputs={"dry-run": False})
    assert on_main["send"].succeeded  # on the default branch: it sends
    assert on_main["preview"].skipped
    assert site.server.handler.count == 1

    send_job = site.workflow["jobs"]["send"]
    context = {"github": {"event_name": "workflow_dispatch", "ref_name": "feature",
                          "event": {"repository": {"default_branch": "main"}}}}
    assert evaluate(send_job["if"], context) is False  # another branch: skipped

    dry = site.run("workflow_dispatch", site.at(date(2027, 2, 2)), inputs={"dry-run": True})
    send = dry["send"]
    assert send.succeeded
    assert site.server.handler.count == 1
    assert site.commits() == [f"announce: sent the announcement of {TALK} to 1 recipient",
                              *commits]
    assert f"### Dry run: the reminder of {TALK}" in send.summary


def test_a_push_during_the_run_does_not_lose_the_ledger(site: Site) -> None:
    def organizer_pushes_a_talk() -> None:
        work = site.root / "organizer"
        _git(site.root, "clone", "--quiet", str(site.origin), str(work))
        (work / "content" / "events" / "2027" / "2027-03-17-ebpf.md").write_text(
            "---\ntitle: eBPF\ndtstart: 2027-03-17 18:00\nlocation: Jitsi\ntype: meeting\n"
            "---\nA kernel that runs your code.\n", encoding="utf-8")
        _git(work, "add", ".")
        _git(work, "commit", "--quiet", "-m", "Add the eBPF talk")
        _git(work, "push", "--quiet", "origin", "main")

    send = site.run("schedule", site.at(date(2027, 1, 25)),
                    meanwhile=organizer_pushes_a_talk)["send"]
    assert send.succeeded, [(s.name, s.stdout, s.stderr) for s in send.steps]
    assert "Push attempt 1 failed" in send.steps[2].stdout
    assert site.commits()[:2] == [
        f"announce: sent the announcement of {TALK} to 1 recipient", "Add the eBPF talk"]
    again = site.run("schedule", site.at(date(2027, 1, 25)))["send"]
    assert again.succeeded
    assert site.server.handler.count == 1


def test_a_ledger_left_mid_write_is_made_whole_before_it_is_committed(site: Site) -> None:
    ledger = Path(".announce/ledger.sqlite3")

    def killed_mid_write(with_: dict[str, str], env: dict[str, str], workspace: Path) -> StepRun:
        # A run killed while it rewrote 5,000 committed rows: SQLite's journal is left
        # behind, and the database file alone holds part of the unfinished write.
        path = workspace / ledger
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
        return StepRun("killed", "failure", 137, outputs={"ledger": str(ledger), "sent": ""})

    send = site.run("schedule", site.at(date(2027, 1, 25)),
                    stand_ins={"announce-dev/announce@": killed_mid_write})["send"]
    commit = send.steps[2]
    assert commit.outcome == "success", commit.stderr
    assert site.commits()[0] == "announce: update the ledger"
    check = site.root / "check"
    _git(site.root, "clone", "--quiet", str(site.origin), str(check))
    assert _git(check, "ls-files", ".announce").split() == [str(ledger)]
    with sqlite3.connect(check / ledger) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM t WHERE n = -1").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM t").fetchone() == (5000,)
    db.close()


def test_an_ignored_ledger_stops_the_run_instead_of_sending_again_tomorrow(
    site: Site, tmp_path: Path
) -> None:
    work = tmp_path / "ignore"
    _git(tmp_path, "clone", "--quiet", str(site.origin), str(work))
    (work / ".gitignore").write_text("*.sqlite3\n", encoding="utf-8")
    _git(work, "add", ".gitignore")
    _git(work, "commit", "--quiet", "-m", "Ignore databases")
    _git(work, "push", "--quiet", "origin", "main")

    send = site.run("schedule", site.at(date(2027, 1, 25)))["send"]
    assert not send.succeeded
    assert send.steps[2].stdout.startswith(
        "::error::.announce/ledger.sqlite3 is ignored by git (.gitignore)")
