"""Shared fixtures: the repository's sample season and the real HV Open corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from announce.config import Settings, load_settings

# The SMTP server fixtures (aiosmtpd on 127.0.0.1, port 0): servers, smtp_server, tls;
# and the browser (Debian's chromium through Playwright).
pytest_plugins = ["tests.smtpd", "tests.chromium"]

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = REPO / "config.example.toml"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "hvopen-website"
SERVICE_MESH = SHARED / "examples" / "service-mesh-talk.md"


# Modules whose every test starts real servers, processes or a whole corpus: `pytest -m
# "not slow"` leaves them out (the fast suite, for the edit-test loop; `make test` runs all).
SLOW_MODULES = frozenset({
    "test_workflow",      # the GitHub workflow in a runner harness, with git and pip
    "test_mailman",       # real Postfix and Mailman 3
    "test_clients",       # every corpus event in chromium and strict calendar readers
    "test_hostile",       # alias bombs, megabyte bodies, deep nesting, through the CLI
    "test_sites",         # init, check, list and render on seven real sites
    "test_facts",         # init and list on every corpus site, against facts.json
    "test_exactly_once",  # signals, kills and full disks with real subprocesses
    "test_corpus",        # the 200-event HV Open site
    "test_preview",       # the preview server as a process, and in chromium
    "test_sitefolder",       # feed, send and archive on every corpus site
})
BROWSER_FIXTURES = frozenset({"browser", "dark_browser", "new_page"})
# The modules that take longest, longest first (measured with --durations=0): they run
# first, so that with `make test`'s workers (-n auto --dist loadscope, one module per
# worker at a time) none of them starts last while the other worker has nothing left.
# Only the order changes; a module missing here runs after these, in file order.
LONGEST_FIRST = ("test_clients", "test_workflow", "test_mailman", "test_preview",
                 "test_mail_phone", "test_hostile", "test_sitefolder", "test_render", "test_sites",
                 "test_i18n",
                 "test_facts", "test_lock", "test_exactly_once", "test_body", "test_action",
                 "test_ledger")


def _module_name(item: pytest.Item) -> str:
    module = getattr(item, "module", None)
    return module.__name__.rpartition(".")[2] if module is not None else ""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if _module_name(item) in SLOW_MODULES or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
    rank = {name: number for number, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_module_name(item), len(rank)))  # stable


def shared(path: Path) -> Path:
    """``path`` in ../shared (the real sites), or skip: a clone of the project alone still
    passes ``make test``. With CI=true the corpus must be there, so its absence fails."""
    if not path.exists():
        message = f"needs the shared corpus, which is missing: {path}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def sample_settings() -> Settings:
    """The settings of `make demo`: config.example.toml over the sample content."""
    return load_settings(EXAMPLE_CONFIG)


@pytest.fixture
def sample_config(tmp_path: Path) -> Path:
    """config.example.toml over the sample content, with its ledger in a fresh folder.

    (The real example keeps its ledger in the repository, where `make demo` records
    what it sent; that must not change what these tests see.)
    """
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    for key in ("events", "locations"):
        line = f'{key} = "content/{key}"'
        assert line in text, f"config.example.toml no longer has {line}"
        text = text.replace(line, f'{key} = "{REPO / "content" / key}"')
    path = tmp_path / "announce.toml"
    path.write_text(text, encoding="utf-8")
    return path


def write_hv_open_config(path: Path, extra: str) -> Path:
    """An announce.toml at ``path`` that reads the HV Open Jekyll site as it is, and
    ``extra`` (more TOML sections) after it."""
    shared(CORPUS)
    path.write_text(
        f"""
[site]
name = "HV Open"
url = "https://hvopen.org"
timezone = "America/New_York"
permalink = "/events/:year/:month/:title"

[content]
events = "{CORPUS / '_events'}"
locations = "{CORPUS / '_locations'}"

[mail]
from = "HV Open <announce@hvopen.org>"
to = ["members@hvopen.org"]
""" + extra,
        encoding="utf-8",
    )
    return path


@pytest.fixture
def corpus_config(tmp_path: Path) -> Path:
    """An announce.toml that reads the HV Open Jekyll site as it is."""
    return write_hv_open_config(tmp_path / "announce.toml",
                                '\n[rsvp]\nmeetup_group = "hvopen"\n')
