"""A site written into a test's own folder: the folder every test of a module runs in
(``pytestmark = pytest.mark.usefixtures("site_folder")``), and the files written there."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest


@pytest.fixture
def site_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's temporary folder as the current one, with no announce setting from the
    environment (a config, a pinned clock, a GitHub runner)."""
    monkeypatch.chdir(tmp_path)
    for name in ("ANNOUNCE_CONFIG", "ANNOUNCE_NOW", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def write(files: Mapping[str, str]) -> None:
    """Each file, its text dedented, below the current folder (folders made as needed)."""
    for name, text in files.items():
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
