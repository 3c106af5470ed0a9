"""Run a GitHub Actions job on this machine, the way the runner would, for the tests.

Enough of the runner for announce's workflow: ``${{ }}`` expressions (contexts, ``==``,
``!=``, ``!``, ``&&``, ``||``, the status functions), job and step ``if:``, ``env:``,
``run:`` scripts under ``bash -eo pipefail`` with the files Actions provides
(``$GITHUB_OUTPUT``, ``$GITHUB_ENV``, ``$GITHUB_PATH``, ``$GITHUB_STEP_SUMMARY``), step
outputs, composite actions read from their ``action.yml``, and a job's
``timeout-minutes``: past it, the running step is killed (its whole process group) and
counts as cancelled, and only the steps whose ``if:`` holds for a cancelled job
(``always()``, ``cancelled()``) still run, as on GitHub. A ``uses:`` step that is not a
composite action given to :class:`Runner` must have a local stand-in, or the run stops:
nothing is skipped silently.
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["ActionsError", "JobRun", "Runner", "StandIn", "StepRun", "evaluate", "interpolate"]


class ActionsError(Exception):
    """The workflow uses something this stand-in runner does not know."""


# --- expressions -------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[!<>().,\[\]])|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ActionsError(f"cannot read expression at {text[pos:]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _number(value: Any) -> float:
    # GitHub's loose equality: operands of different types are compared as numbers.
    if value is None or value is False:
        return 0.0
    if value is True:
        return 1.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value) if value.strip() else 0.0
        except ValueError:
            return math.nan
    return math.nan


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()  # string comparison ignores case
    if type(left) is type(right):
        return bool(left == right)
    return _number(left) == _number(right)


def _truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


class _Parser:
    def __init__(self, text: str, contexts: Mapping[str, Any],
                 functions: Mapping[str, Callable[..., Any]]):
        self.tokens = _tokens(text)
        self.pos = 0
        self.contexts = contexts
        self.functions = functions
        self.text = text

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise ActionsError(f"unexpected end of {self.text!r}")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise ActionsError(f"expected {expected!r} in {self.text!r}, got {token[1]!r}")
        self.pos += 1
        return token

    def parse(self) -> Any:
        value = self.or_()
        if self.pos != len(self.tokens):
            raise ActionsError(f"unexpected {self.peek()!r} in {self.text!r}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()
            value = value if _truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.not_()
        while self.peek() == "&&":
            self.take()
            right = self.not_()
            value = right if _truthy(value) else value
        return value

    def not_(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not _truthy(self.not_())
        return self.compare()

    def compare(self) -> Any:
        value = self.primary()
        if self.peek() in ("==", "!="):
            op = self.take()[1]
            right = self.primary()
            return _equal(value, right) == (op == "==")
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if text == "(":
            value = self.or_()
            self.take(")")
            return value
        if kind != "name":
            raise ActionsError(f"unexpected {text!r} in {self.text!r}")
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if self.peek() == "(":
            self.take("(")
            args = []
            while self.peek() != ")":
                args.append(self.or_())
                if self.peek() == ",":
                    self.take()
            self.take(")")
            if text not in self.functions:
                raise ActionsError(f"function {text}() is not known here")
            return self.functions[text](*args)
        if text not in self.contexts:
            raise ActionsError(f"context {text!r} is not available in {self.text!r}")
        value = self.contexts[text]
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                key: Any = self.take()[1]
            else:
                key = self.or_()
                self.take("]")
            value = value.get(key) if isinstance(value, Mapping) else None
        return value


def evaluate(text: str, contexts: Mapping[str, Any],
             functions: Mapping[str, Callable[..., Any]] | None = None) -> Any:
    """The value of one expression (with or without its ``${{ }}``)."""
    text = text.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    return _Parser(text, contexts, functions or {}).parse()


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_INTERPOLATION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def interpolate(text: Any, contexts: Mapping[str, Any],
                functions: Mapping[str, Callable[..., Any]] | None = None) -> str:
    """``text`` with every ``${{ expression }}`` replaced by its value, as Actions does."""
    return _INTERPOLATION.sub(
        lambda m: _as_text(evaluate(m.group(1), contexts, functions)), _as_text(text)
    )


# --- running -----------------------------------------------------------------------------


@dataclass
class StepRun:
    """What one step did."""

    name: str
    outcome: str  # "success" | "failure" | "cancelled" | "skipped"
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    steps: list[StepRun] = field(default_factory=list)  # a composite action's own steps


@dataclass
class JobRun:
    """What one job did: skipped as a whole, or its steps."""

    job: str
    skipped: bool
    steps: list[StepRun] = field(default_factory=list)
    summary: str = ""

    @property
    def stdout(self) -> str:
        return "".join(step.stdout for step in self.steps)

    @property
    def succeeded(self) -> bool:
        return not self.skipped and all(s.outcome in ("success", "skipped")
                                        for s in self.steps)

    def all_steps(self) -> list[StepRun]:
        """The job's steps, each followed by its composite action's own steps."""
        return [s for step in self.steps for s in (step, *step.steps)]

    def step(self, name: str, *, nth: int | None = None) -> StepRun:
        """The step of this name, a composite action's own steps included. The same
        action used twice in one job has each step twice: the one that ran (not skipped)
        is meant, or ``nth`` picks."""
        matches = [s for s in self.all_steps() if s.name == name]
        if nth is not None:
            return matches[nth]
        ran = [s for s in matches if s.outcome != "skipped"]
        if len(matches) > 1 and len(ran) <= 1:
            matches = ran or matches[:1]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} steps named {name!r} in {self.job}: "
                           f"{[s.name for s in self.all_steps()]}")
        return matches[0]


# A stand-in for a `uses:` step: (step's `with`, environment, workspace) -> StepRun.
StandIn = Callable[[dict[str, str], dict[str, str], Path], StepRun]


@dataclass
class Runner:
    """Runs jobs of a parsed workflow in ``workspace`` with a base environment.

    ``actions`` maps a ``uses:`` prefix (``owner/name@``) to a composite action's
    ``action.yml``; ``stand_ins`` maps a prefix to a local stand-in (``actions/checkout@``:
    a clone of the test's origin). ``skip_action_steps`` lists ids of composite steps not
    to run (``install``: announce is already on ``PATH``); ``action_stand_ins`` maps a
    composite step's id to a stand-in run in its place, with the environment that step
    would have (to see what reaches it). ``minute`` is how many seconds a minute of
    ``timeout-minutes`` lasts here.
    """

    workspace: Path
    env: dict[str, str]
    github: dict[str, Any]
    inputs: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    actions: dict[str, Path] = field(default_factory=dict)
    stand_ins: dict[str, StandIn] = field(default_factory=dict)
    skip_action_steps: tuple[str, ...] = ()
    action_stand_ins: dict[str, StandIn] = field(default_factory=dict)
    minute: float = 60.0

    def run_job(self, workflow: Mapping[str, Any], job_name: str) -> JobRun:
        job = workflow["jobs"][job_name]
        temp = Path(self.env["RUNNER_TEMP"])
        base = {"github": self.github, "inputs": self.inputs, "secrets": self.secrets,
                "env": {}, "runner": {"os": "Linux", "temp": str(temp)}}
        if "if" in job and not _truthy(evaluate(_condition(job["if"]), base, _status("success"))):
            return JobRun(job_name, skipped=True)
        run = JobRun(job_name, skipped=False)
        # GitHub's default is 360 minutes.
        limit = float(job.get("timeout-minutes", 360)) * self.minute
        state = _JobState(env=dict(self.env), summary_dir=temp / f"summary-{job_name}",
                          deadline=time.monotonic() + limit)
        state.summary_dir.mkdir(parents=True, exist_ok=True)
        state.env.update({"GITHUB_JOB": job_name, "GITHUB_ENV": str(temp / "env"),
                          "GITHUB_PATH": str(temp / "path")})
        for name in ("env", "path"):
            (temp / name).write_text("", encoding="utf-8")
        for key, value in (job.get("env") or {}).items():
            state.env[key] = interpolate(value, base)
        steps_context: dict[str, Any] = {}
        for number, step in enumerate(job["steps"]):
            result = self._step(step, number, state, base | {"steps": steps_context}, run)
            run.steps.append(result)
            if "id" in step:
                steps_context[step["id"]] = {"outcome": result.outcome,
                                             "conclusion": result.outcome,
                                             "outputs": result.outputs}
        run.summary = "".join(
            p.read_text(encoding="utf-8") for p in sorted(state.summary_dir.glob("*.md"))
        )
        return run

    def _step(self, step: Mapping[str, Any], number: int, state: _JobState,
              contexts: dict[str, Any], run: JobRun) -> StepRun:
        name = str(step.get("name") or step.get("uses") or step.get("run", "")[:40])
        outcomes = {s.outcome for s in run.steps}
        job_status = ("cancelled" if "cancelled" in outcomes else
                      "failure" if "failure" in outcomes else "success")
        condition = _condition(step.get("if"))
        if not _truthy(evaluate(condition, contexts | {"env": state.env}, _status(job_status))):
            return StepRun(name, "skipped")
        env = dict(state.env)
        for key, value in (step.get("env") or {}).items():
            env[key] = interpolate(value, contexts | {"env": env})
        with_ = {k: interpolate(v, contexts | {"env": env}) for k, v in
                 (step.get("with") or {}).items()}
        if "run" in step:
            script = interpolate(step["run"], contexts | {"env": env})
            result = self._script(name, script, env, state, f"{number:02d}")
        elif "uses" in step:
            result = self._uses(name, str(step["uses"]), with_, env, state, f"{number:02d}",
                                job_status)
            result.name = name  # a stand-in's own name is not the step's
        else:
            raise ActionsError(f"step {name!r} has neither run nor uses")
        return result

    def _uses(self, name: str, uses: str, with_: dict[str, str], env: dict[str, str],
              state: _JobState, tag: str, job_status: str = "success") -> StepRun:
        for prefix, stand_in in self.stand_ins.items():
            if uses.startswith(prefix):
                return stand_in(with_, env, self.workspace)
        for prefix, action_yml in self.actions.items():
            if uses.startswith(prefix):
                return self._composite(name, action_yml, with_, env, state, tag, job_status)
        raise ActionsError(f"no local stand-in for 'uses: {uses}'")

    def _composite(self, name: str, action_yml: Path, with_: dict[str, str],
                   env: dict[str, str], state: _JobState, tag: str,
                   job_status: str = "success") -> StepRun:
        """A composite action's steps. Their ``if:`` sees the action's inputs and its own
        steps; its status functions the action's own result (``github.action_status``),
        except that a cancelled job is cancelled inside it too. A step that fails makes
        the later ones skip unless their ``if:`` says otherwise, as on GitHub."""
        action = yaml.safe_load(action_yml.read_text(encoding="utf-8"))
        declared = action.get("inputs") or {}
        unknown = set(with_) - set(declared)
        if unknown:
            raise ActionsError(f"{action_yml}: no input named {', '.join(sorted(unknown))}")
        github = self.github | {"action_path": str(action_yml.parent)}
        # A default may be an expression (`${{ github.token }}`), evaluated by the runner.
        inputs = {key: with_[key] if key in with_ else
                  interpolate(spec.get("default", ""), {"github": github})
                  for key, spec in declared.items()}
        env = env | {"GITHUB_ACTION_PATH": str(action_yml.parent)}
        steps_context: dict[str, Any] = {}
        contexts = {"github": github, "inputs": inputs, "runner": {"os": "Linux"}}
        combined = StepRun(name, "success")
        for number, step in enumerate(action["runs"]["steps"]):
            step_id = step.get("id")
            step_name = str(step.get("name") or step.get("uses") or step_id)
            status = ("cancelled" if job_status == "cancelled" else
                      "failure" if combined.outcome == "failure" else "success")
            condition = _condition(step.get("if"))
            here = contexts | {"steps": steps_context}
            if not _truthy(evaluate(condition, here, _status(status))):
                result = StepRun(step_name, "skipped")
            elif step_id not in self.action_stand_ins and step_id in self.skip_action_steps:
                continue
            else:
                step_env = dict(env)
                for key, value in (step.get("env") or {}).items():
                    step_env[key] = interpolate(value, here)
                step_with = {k: interpolate(v, here) for k, v in (step.get("with") or {}).items()}
                if step_id in self.action_stand_ins:
                    result = self.action_stand_ins[step_id](step_with, step_env, self.workspace)
                elif "uses" in step:
                    result = self._uses(step_name, str(step["uses"]), step_with, step_env,
                                        state, f"{tag}-{number:02d}", status)
                else:
                    script = interpolate(step["run"], here)
                    result = self._script(step_name, script, step_env, state,
                                          f"{tag}-{number:02d}")
                result.name = step_name
                combined.stdout += result.stdout
                combined.stderr += result.stderr
                combined.returncode = result.returncode
            combined.steps.append(result)
            if step_id:
                steps_context[step_id] = {"outputs": result.outputs,
                                          "outcome": result.outcome}
            if result.outcome == "failure":
                combined.outcome = "failure"
            if result.outcome == "cancelled":
                combined.outcome = "cancelled"
                break  # the job's time is up: nothing more of this action runs
        for key, spec in (action.get("outputs") or {}).items():
            combined.outputs[key] = interpolate(spec["value"],
                                                contexts | {"steps": steps_context})
        return combined

    def _script(self, name: str, script: str, env: dict[str, str], state: _JobState,
                tag: str) -> StepRun:
        temp = Path(state.env["RUNNER_TEMP"])
        output = temp / f"output-{tag}"
        output.write_text("", encoding="utf-8")
        script_path = temp / f"step-{tag}.sh"
        script_path.write_text(script, encoding="utf-8")
        env = env | {"GITHUB_OUTPUT": str(output),
                     "GITHUB_STEP_SUMMARY": str(state.summary_dir / f"{tag}.md")}
        path_file = Path(state.env["GITHUB_PATH"])
        extra_path = [p for p in path_file.read_text(encoding="utf-8").splitlines() if p]
        if extra_path:
            env["PATH"] = os.pathsep.join([*reversed(extra_path), env["PATH"]])
        # After a time-out, GitHub still gives the always() steps a few minutes.
        left = state.deadline - time.monotonic()
        timeout = min(120.0, left if left > 0 else 5 * self.minute)
        # The shell and flags Actions uses for `shell: bash`; a session of its own, so that
        # a time-out stops what the script started too (announce), as the runner does.
        proc = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_path)],
            cwd=self.workspace, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
            outcome = "success" if proc.returncode == 0 else "failure"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            outcome = "cancelled"
        state.env.update(_environment_file(Path(state.env["GITHUB_ENV"])))
        return StepRun(name, outcome, proc.returncode, stdout, stderr,
                       _environment_file(output))


@dataclass
class _JobState:
    env: dict[str, str]
    summary_dir: Path
    deadline: float


def _condition(value: Any) -> str:
    """An ``if:`` as Actions reads it: without a status function, ``success() && (...)``."""
    text = str(value or "").strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    if not text:
        return "success()"
    if re.search(r"\b(always|success|failure|cancelled)\s*\(", text):
        return text
    return f"success() && ({text})"


def _status(job_status: str) -> dict[str, Callable[..., Any]]:
    return {
        "always": lambda: True,
        "success": lambda: job_status == "success",
        "failure": lambda: job_status == "failure",
        "cancelled": lambda: job_status == "cancelled",
    }


def _environment_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines and ``NAME<<DELIMITER`` blocks, as in $GITHUB_OUTPUT."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            values[key] = "\n".join(lines[i + 1:end])
            i = end + 1
        elif "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
            i += 1
        else:
            i += 1
    return values
