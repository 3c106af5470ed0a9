"""Writes constraints.txt, the one lock every install of announce reads: `make demo`,
`make test`, the GitHub Action and the README's set-up all install at its versions.

It pins what `pip install -e . --group dev pip` resolves to: announce's dependencies,
the dev group's tools (hatchling, the build backend, among them), everything they need
in turn, and pip itself, each at the newest release that pyproject.toml's ranges allow
today. `make upgrade` runs it on purpose; review the diff, run `make test`, commit both.

With ``--keep`` (`make lock`), every package the lock already pins stays at its version
and only what is new (a package added to pyproject.toml, and what it needs that the lock
lacks) is resolved to its newest release: adding a tool does not upgrade everything else.
When a kept pin cannot stay (the new package needs a newer release of it), pip says which,
and nothing is written: then `make upgrade`, on purpose.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOCK = REPO / "constraints.txt"

HEADER = """\
# The lock: every version that `make demo`, `make test` and the GitHub Action (action.yml)
# install, for announce's dependencies, the dev group's tools (the build backend among
# them), everything those need in turn, and pip itself. Each install passes it as
# `-c constraints.txt --build-constraint constraints.txt`, so a new release elsewhere changes
# nothing here until someone asks for it: `make upgrade` rewrites this file (.ci/lock.py)
# with the newest releases pyproject.toml's ranges allow, `make lock` adds what a change to
# pyproject.toml needs and keeps every other pin; review the diff, run `make test`, commit
# both. pyproject.toml keeps its ranges for people who install announce otherwise.
"""


def canonical(name: str) -> str:
    """A distribution's name as PEP 503 compares it (``Jinja2`` and ``jinja2`` alike)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def resolve(keep: dict[str, str] | None = None) -> dict[str, str]:
    """What pip would install today for the dev venv, at the newest allowed versions, or
    with ``keep``'s pins held where they are."""
    # A constraint from the caller's environment would keep the old versions.
    env = {k: v for k, v in os.environ.items()
           if k not in ("PIP_CONSTRAINT", "PIP_BUILD_CONSTRAINT")}
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                   "--quiet", "--report", "-", "-e", ".", "--group", "dev", "pip"]
        if keep:
            held = Path(tmp) / "held.txt"
            held.write_text("".join(f"{name}=={version}\n" for name, version in keep.items()),
                            encoding="utf-8")
            command += ["-c", str(held)]
        # S603: this interpreter's own pip, with arguments written above.
        proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True,  # noqa: S603
                              text=True, check=False)
    if proc.returncode != 0:
        hint = ("\nA pin of the lock cannot stay as it is: `make upgrade` moves every pin "
                "to the newest release.") if keep else ""
        sys.exit(f"lock: pip could not resolve the dependencies:\n{proc.stderr}{hint}")
    report = json.loads(proc.stdout)
    return {canonical(item["metadata"]["name"]): item["metadata"]["version"]
            for item in report["install"] if canonical(item["metadata"]["name"]) != "announce"}


def main(argv: list[str]) -> None:
    old = LOCK.read_text(encoding="utf-8") if LOCK.exists() else ""
    before = dict(line.split("==", 1) for line in old.splitlines()
                  if line and not line.startswith("#"))
    pins = resolve(keep=before if "--keep" in argv else None)
    LOCK.write_text(HEADER + "".join(f"{name}=={pins[name]}\n" for name in sorted(pins)),
                    encoding="utf-8")
    changed = [f"  {name} {before.get(name, '(new)')} -> {version}"
               for name, version in sorted(pins.items()) if before.get(name) != version]
    changed += [f"  {name} {version} -> (gone)"
                for name, version in sorted(before.items()) if name not in pins]
    print(f"{LOCK.name}: {len(pins)} pins, {len(changed)} changed", *changed, sep="\n")


if __name__ == "__main__":
    main(sys.argv[1:])
