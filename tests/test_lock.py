"""The lock (constraints.txt): `make demo`, `make test` and the action install exactly its
versions, today and after every package in it has published a new release.

The slow tests run the real install commands through pip's resolver against the package
index as it is (tests/lockfile.py): whatever is newest there, every distribution they
would install must be at the lock's version. None of them asserts what the index holds.
"""

from __future__ import annotations

import subprocess
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import REPO
from .lockfile import LOCK, MAILMAN_LOCK, off_the_lock, pins, pip_runs, stand_in_python

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
# What the mailman venv's lock pins only to build its source-only packages.
MAILMAN_BUILD_TOOLS = {"setuptools", "wheel", "packaging"}


def _requirements(group: str) -> list[Requirement]:
    if group == "dependencies":
        return [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    if group == "build-system":
        return [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
    return [Requirement(r) for r in PYPROJECT["dependency-groups"][group]]


@pytest.mark.parametrize("group", ["dependencies", "build-system", "dev"])
def test_the_lock_pins_every_requirement_within_pyprojects_range(group: str) -> None:
    lock = pins(LOCK)
    for requirement in _requirements(group):
        name = canonicalize_name(requirement.name)
        assert name in lock, f"constraints.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(lock[name]), (str(requirement), lock[name])


def test_the_lock_is_sorted_and_pins_each_name_once() -> None:
    lines = [line for line in LOCK.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    names = [line.partition("==")[0] for line in lines]
    assert names == sorted(names)
    assert len(set(names)) == len(names)


def test_the_tests_run_with_the_locks_versions() -> None:
    # make test's venv is installed from the lock: what passes here is what the lock gives.
    different = []
    for name, pinned in pins(LOCK).items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "not installed"
        if installed != pinned:
            different.append(f"{name}: {installed}, the lock: {pinned}")
    assert different == [], "the venv is not the lock's: run make test (or make clean first)"


def _make(tmp_path: Path, *args: str) -> None:
    proc = subprocess.run(["make", "--no-print-directory", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize("target", [".installed", ".installed-test"])
def test_make_installs_the_locks_versions_and_nothing_else(tmp_path: Path, target: str) -> None:
    # make demo (.installed) and make test (.installed-test), with a venv of the stand-in.
    venv = tmp_path / "venv"
    reports = tmp_path / "reports"
    stand_in_python(venv / "bin", reports)
    _make(tmp_path, f"VENV={venv}", f"{venv}/{target}")
    lock = pins(LOCK)
    runs = pip_runs(reports)
    assert [run.install for run in runs[:1]] == [{"pip": lock["pip"]}]  # pip first
    assert len(runs) == 2
    for run in runs:
        assert run.option("-c") == "constraints.txt", run.args
    install = runs[1].install
    assert runs[1].option("--build-constraint") == "constraints.txt", runs[1].args
    assert "announce" in install
    assert off_the_lock(install, lock) == []
    if target == ".installed-test":  # everything, so every pin is one the tests need
        assert set(lock) - set(install) == {"pip"}


@pytest.mark.slow
def test_the_mailman_venv_installs_its_locks_versions(tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    reports = tmp_path / "reports"
    python = stand_in_python(shim, reports)
    venv = tmp_path / "mailman-venv"
    _make(tmp_path, f"PYTHON={python}", f"MAILMAN_VENV={venv}", f"{venv}/.installed")
    lock = pins(MAILMAN_LOCK)
    runs = pip_runs(reports)
    assert [run.install for run in runs] [:1] == [{"pip": lock["pip"]}]
    assert len(runs) == 2
    assert runs[1].option("--build-constraint") == runs[1].option("-c")
    install = runs[1].install
    assert off_the_lock(install, lock) == []
    assert set(lock) - set(install) == {"pip"} | MAILMAN_BUILD_TOOLS


def test_the_docs_set_up_without_make_installs_as_make_does() -> None:
    printed = subprocess.run(["make", "--no-print-directory", "-n", "-B", ".venv/.installed"],
                             cwd=REPO, capture_output=True, text=True, timeout=60,
                             check=True).stdout
    make_installs = [line.replace(" --quiet", "") for line in printed.splitlines()
                     if " -m pip install " in line]
    page = (REPO / "docs" / "getting-started.md").read_text(encoding="utf-8")
    set_up = page.split("\n## From a clone\n", 1)[1].split("\n## ", 1)[0]
    assert len(make_installs) == 2
    for line in make_installs:
        assert f"\n{line}\n" in set_up, line
