"""The package as PyPI gets it: the sdist and the wheel that `python -m build` makes, offline
(the dev group's hatchling, --no-isolation), pass `twine check --strict`, carry only what
git tracks, describe announce with links that work on PyPI, and, installed, render every
kind of message from the templates and catalogs the wheel carries."""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from announce import __version__

from .conftest import REPO

pytestmark = pytest.mark.slow

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
JUNK = ("outbox/", ".announce/", ".venv/", "site/", ".ci/node/node_modules/",
        ".ci/mailman-venv/", "dist/", "build/")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # TMPDIR: build unpacks the sdist to build the wheel from it, inside the test's folder.
    env = {**os.environ, "TMPDIR": str(cwd)}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel built from it, as `python -m build` makes them."""
    work = tmp_path_factory.mktemp("build")
    out = work / "dist"
    proc = _run("build", "--no-isolation", "--outdir", str(out), str(REPO), cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def _sdist(dist: Path) -> Path:
    (sdist,) = dist.glob("announce-*.tar.gz")
    return sdist


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("announce-*.whl")
    return wheel


def test_both_are_built_at_announces_version(dist: Path) -> None:
    assert _sdist(dist).name == f"announce-{__version__}.tar.gz"
    assert _wheel(dist).name == f"announce-{__version__}-py3-none-any.whl"


def test_twine_check_strict_passes(dist: Path) -> None:
    proc = _run("twine", "check", "--strict", str(_sdist(dist)), str(_wheel(dist)), cwd=dist)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASSED") == 2, proc.stdout


def _tracked() -> set[str]:
    proc = subprocess.run(["git", "-C", str(REPO), "ls-files"], capture_output=True, text=True,
                          timeout=60, check=False)
    if proc.returncode != 0:
        message = f"needs the git checkout of announce: {proc.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return set(proc.stdout.splitlines())


def test_the_sdist_carries_what_git_tracks_and_nothing_else(dist: Path) -> None:
    with tarfile.open(_sdist(dist)) as archive:
        top = f"announce-{__version__}/"
        files = {member.name.removeprefix(top) for member in archive.getmembers()
                 if member.isfile()}
    files.discard("PKG-INFO")  # the metadata the build writes
    assert sorted(f for f in files if f.startswith(JUNK)) == []
    assert sorted(files - _tracked()) == []
    # What a build from the sdist needs (the wheel above was built from it).
    assert {"pyproject.toml", "hatch_build.py", "README.md", "LICENSE", "CHANGELOG.md",
            "config.example.toml", "examples/github/announce.yml",
            "templates/email/base.html", "templates/locale/announce.pot"} <= files


def _metadata(dist: Path) -> email.message.EmailMessage:
    with zipfile.ZipFile(_wheel(dist)) as archive:
        raw = archive.read(f"announce-{__version__}.dist-info/METADATA")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def test_pypi_shows_the_project_links_and_classifiers(dist: Path) -> None:
    metadata = _metadata(dist)
    urls = dict(value.split(", ", 1) for value in metadata.get_all("Project-URL", []))
    assert urls == PYPROJECT["project"]["urls"]
    assert set(urls) == {"Homepage", "Documentation", "Changelog", "Issues"}
    classifiers = metadata.get_all("Classifier", [])
    for wanted in ("Programming Language :: Python :: 3.11",
                   "Programming Language :: Python :: 3.13", "Topic :: Communications :: Email",
                   "Operating System :: OS Independent"):
        assert wanted in classifiers
    assert metadata["Requires-Python"] == ">=3.11"
    assert "meetup" in metadata["Keywords"].split(",")


def test_the_description_on_pypi_links_where_the_readme_does(dist: Path) -> None:
    """PyPI shows the README without its neighbours: every link and the picture of the mail
    lead to where they are published."""
    metadata = _metadata(dist)
    assert metadata["Description-Content-Type"] == "text/markdown"
    payload = metadata.get_payload(decode=True)
    assert isinstance(payload, bytes)
    described = payload.decode("utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", described)
    assert targets, "the description has no links"
    assert [t for t in targets if not t.startswith(("https://", "#"))] == []
    home = PYPROJECT["project"]["urls"]["Homepage"].removeprefix("https://github.com/")
    docs = PYPROJECT["project"]["urls"]["Documentation"]
    assert f"https://raw.githubusercontent.com/{home}/main/docs/img/mail.png" in targets
    assert f"{docs}getting-started/#from-a-clone" in targets
    assert f"{docs}site/" in targets
    assert f"{docs}cli/" in targets
    assert f"https://github.com/{home}/blob/main/CHANGELOG.md" in targets
    # Otherwise the README as it is.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.sub(r"\]\([^)]*\)", "]()", described.strip()) == \
        re.sub(r"\]\([^)]*\)", "]()", readme.strip())


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel in a virtualenv of its own, as `pipx install announce` puts it (not this
    checkout's editable install): its bin folder. Offline: the dependencies are the dev
    venv's, reached through a path file that comes after the new venv's own
    site-packages (no .pth of the dev venv runs, so not its editable announce)."""
    import sysconfig

    venv = tmp_path_factory.mktemp("pipx") / "pipx-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(venv),
                                                        "platbase": str(venv)}))
    (purelib / "zz-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n",
                                                 encoding="utf-8")
    with zipfile.ZipFile(_wheel(dist)) as wheel:
        wheel.extractall(purelib)  # noqa: S202 - the wheel this test just built
    bin_dir = venv / "bin"
    (bin_dir / "announce").write_text(
        f"#!{bin_dir / 'python'}\nfrom announce.cli import main\nmain()\n", encoding="utf-8")
    (bin_dir / "announce").chmod(0o755)
    located = subprocess.run([str(bin_dir / "python"), "-c", "import announce; "
                              "print(announce.__file__)"], cwd=venv, capture_output=True,
                             text=True, check=True)
    assert located.stdout.startswith(str(purelib))  # the wheel's, not this checkout's
    return bin_dir


def test_the_installed_wheel_runs_the_quick_start_on_a_real_site(installed: Path,
                                                                  tmp_path: Path) -> None:
    # `pipx install announce`, as a new user would, then the README's five steps on a
    # corpus site (the browser's `preview` aside: tests/test_preview.py runs it).
    import shutil

    from .sites import corpus_sites

    site = next(s for s in corpus_sites() if s.name.startswith("kanazawarb"))
    bin_dir = installed
    root = site.copy(tmp_path)
    shutil.rmtree(root / ".git", ignore_errors=True)

    def announce(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANNOUNCE_", "GITHUB_"))}
        return subprocess.run([str(bin_dir / "announce"), *args], cwd=root, env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    where = announce("--version")
    assert where.stdout.strip().endswith(__version__), where.stdout + where.stderr

    init = announce("init", "--timezone", site.tz)  # 1. (no terminal: no questions)
    assert init.returncode == 0, init.stderr
    assert "Wrote announce.toml." in init.stdout
    assert "The next events read as" in init.stdout or "The latest events read as" in (
        init.stdout)
    config = root / "announce.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('# to = ["members@example.org"]',
                                   'to = ["members@example.org"]', 1)
                      + '\n', encoding="utf-8")
    assert 'to = ["members@example.org"]' in config.read_text(encoding="utf-8")
    check = announce("check")  # 2.
    assert re.search(r"^Checked \d+ event files", check.stdout, re.M), check.stdout
    dry = announce("send", "--next", "--dry-run", "--now", "2026-01-05T09:00")  # 4.
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert not (root / "outbox").exists()  # a dry run writes nothing
    github = announce("init", "--github")  # 5.
    assert github.returncode == 0, github.stderr
    assert (root / ".github" / "workflows" / "announce.yml").is_file()


def test_the_installed_wheel_renders_every_kind_from_its_own_templates(
        dist: Path, installed: Path, tmp_path: Path) -> None:
    """The templates and catalogs live at the repository's top (templates/email/,
    templates/locale/); the wheel carries them, and an installed announce renders every
    kind from that copy, byte for byte the golden messages, in English and in German."""
    from announce.kinds import KINDS

    from .conftest import EXAMPLE_CONFIG
    from .test_render import (
        GOLDEN,
        GOLDEN_CASES,
        MESH,
        UPDATE_GOLDEN,
        write_localized_mesh_config,
        write_moved_mesh_config,
    )

    with zipfile.ZipFile(_wheel(dist)) as wheel:
        names = set(wheel.namelist())
    assert {f"announce/templates/email/{kind}.{ext}" for kind in KINDS
            for ext in ("html", "txt")} <= names
    assert {f"announce/templates/locale/{path.relative_to(REPO / 'templates' / 'locale')}"
            for path in (REPO / "templates" / "locale").rglob("*.po")} <= names
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = subprocess.run([str(installed / "python"), "-c", "from announce import resources; "
                            "print(resources.packaged_templates()); "
                            "print(resources.packaged_locale())"],
                           cwd=elsewhere, capture_output=True, text=True, check=True)
    venv = installed.parent
    assert [Path(line).is_relative_to(venv) for line in found.stdout.split()] == [True, True]

    def render(config: Path, *args: str) -> bytes:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANNOUNCE_", "GITHUB_"))}
        result = subprocess.run([str(installed / "announce"), "render", "--config",
                                 str(config), *args], cwd=elsewhere, env=env,
                                capture_output=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout

    cases = {name: case for name, *case in GOLDEN_CASES}
    kinds = {"update"}  # the last one below
    for name in ("nix-announcement", "nix-reminder", "nix-cancellation",
                 "service-mesh-de-announcement"):
        which, event_id, kind, now = cases[name]
        kinds.add(kind)
        config = EXAMPLE_CONFIG if which == "sample" else write_localized_mesh_config(
            tmp_path / which, which.removeprefix("mesh-"))
        eml = render(config, event_id, "--kind", kind, "--force", "--now", now)
        assert eml == (GOLDEN / f"{name}.eml").read_bytes(), name
    moved = write_moved_mesh_config(tmp_path / "moved")
    eml = render(moved, MESH, "--kind", "update", "--now", "2020-01-02T09:00")
    assert eml == (GOLDEN / f"{UPDATE_GOLDEN}.eml").read_bytes()
    assert kinds == set(KINDS)
