"""Debian's headless chromium for the tests, through Playwright: one browser per module.

``make system-deps`` installs it; without it the tests that need it skip, and with
``CI=true`` they fail. Pages may load from 127.0.0.1 only: the network is the test's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")


def require_chromium() -> None:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (make system-deps installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def local_only(route: Any) -> None:
    """A Playwright route handler: 127.0.0.1 goes through, the rest (remote images) fails."""
    from urllib.parse import urlsplit

    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
