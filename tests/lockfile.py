"""What an install would put in place, asked of pip without installing anything.

The commands are the real ones (make's recipes, the action's install step), run with a
stand-in ``python``: its ``-m pip install ...`` is pip's own resolver in a dry run that
writes pip's report (the package index as it is today, the lock as constraints), and its
``-m venv DIR`` makes DIR a venv of the same stand-in. Nothing is installed; what the
report says would be installed is compared with the lock.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from .conftest import REPO

LOCK = REPO / "constraints.txt"
MAILMAN_LOCK = REPO / "tests" / "mailman" / "constraints.txt"

_STAND_IN = """\
#!/bin/bash
# python, as tests/lockfile.py stands it in: pip installs nothing, it reports.
real={real}
reports={reports}
if [ "$1 $2 $3" = "-m pip install" ]; then
  shift 3
  n=$(ls "$reports" | grep -c '\\.json$' || true)
  printf '%s\\n' "$@" > "$reports/$n.args"
  exec "$real" -m pip install --dry-run --ignore-installed --report "$reports/$n.json" "$@"
fi
if [ "$1 $2" = "-m venv" ]; then
  dir="${{@: -1}}"
  mkdir -p "$dir/bin" && cp "$0" "$dir/bin/python"
  exit 0
fi
exec "$real" "$@"
"""


def pins(path: Path) -> dict[str, str]:
    """A constraints file's ``name==version`` lines, by canonical name."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"{path.name}: {line!r} is not name==version"
            found[canonicalize_name(name)] = version.strip()
    return found


@dataclass(frozen=True)
class PipRun:
    """One ``python -m pip install`` as a command gave it, and what it would install."""

    args: list[str]
    install: dict[str, str]

    def option(self, name: str) -> str | None:
        """The value of ``name`` (``-c``, ``--build-constraint``), resolved from ``cwd``."""
        return self.args[self.args.index(name) + 1] if name in self.args else None


def stand_in_python(bin_folder: Path, reports: Path) -> Path:
    """Writes the stand-in ``python`` into ``bin_folder``; its reports go to ``reports``."""
    bin_folder.mkdir(parents=True, exist_ok=True)
    reports.mkdir(parents=True, exist_ok=True)
    python = bin_folder / "python"
    python.write_text(_STAND_IN.format(real=shlex.quote(sys.executable),
                                       reports=shlex.quote(str(reports))), encoding="utf-8")
    python.chmod(0o755)
    return python


def pip_runs(reports: Path) -> list[PipRun]:
    """Every ``pip install`` the stand-in saw, in order."""
    runs = []
    for number in range(len(list(reports.glob("*.json")))):
        report = json.loads((reports / f"{number}.json").read_text(encoding="utf-8"))
        args = (reports / f"{number}.args").read_text(encoding="utf-8").splitlines()
        runs.append(PipRun(args, {canonicalize_name(item["metadata"]["name"]):
                                  item["metadata"]["version"] for item in report["install"]}))
    return runs


def resolve(*args: str, cwd: Path = REPO) -> dict[str, str]:
    """What ``pip install ARGS`` would install, by canonical name."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--report", "-", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    return {canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
            for item in report["install"]}


def off_the_lock(install: dict[str, str], lock: dict[str, str]) -> list[str]:
    """What ``install`` would put in place at another version than the lock's, or unpinned."""
    return [f"{name} {version} (the lock: {lock.get(name, 'no pin')})"
            for name, version in sorted(install.items())
            if name != "announce" and lock.get(name) != version]
