"""Debian's headless chromium for the tests, through Playwright: one browser per module,
and axe-core, the accessibility checker, to inject into its pages.

``make system-deps`` installs chromium, ``make test`` axe-core (``npm ci`` in .ci/node);
without them the tests that need them skip, and with ``CI=true`` they fail. Pages may
load from 127.0.0.1 only: the network is the test's.
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
# The reader's mail app set to dark, as the operating system tells Chromium
# (--force-dark-mode: prefers-color-scheme is dark), with Chromium's own darkening of
# pages on too (WebContentsForceDark): a page that says it has dark styles of its own
# (color-scheme: light dark) gets them; one that prefers light is darkened by Chromium.
FORCED_DARK_ARGS = ["--force-dark-mode", "--enable-features=WebContentsForceDark"]
AXE = Path(__file__).resolve().parent.parent / ".ci/node/node_modules/axe-core/axe.min.js"
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")


def _missing(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_chromium() -> None:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (make system-deps installs it)")


def require_axe() -> None:
    if not AXE.is_file():
        _missing(f"{AXE} is missing (make test installs it: npm ci --prefix .ci/node)")


# axe-core's colour-contrast rule on the whole page: each element whose text reads below
# WCAG AA against what is behind it, with axe's own account of the two colours; and each
# whose colours axe could not tell (text over an image, say), which is not a pass either,
# unless what it holds is no text ("━━━━" or "🎉 🎉": axe's nonBmp, shortTextContent).
_AXE_CONTRAST = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'rule', values: ['color-contrast']},
    resultTypes: ['violations', 'incomplete']});
  const noText = node => node.any.every(check => check.data
    && ['nonBmp', 'shortTextContent'].includes(check.data.messageKey));
  const lines = (results, lead) => results.flatMap(rule => rule.nodes.map(node =>
    `${lead}${node.target.join(' ')}: ${node.any.map(check => check.message).join(' ')}`));
  const unsure = result.incomplete.map(rule => ({...rule,
    nodes: rule.nodes.filter(node => !noText(node))}));
  return [...lines(result.violations, ''), ...lines(unsure, 'cannot tell: ')];
}"""


def contrast_violations(page: Any) -> list[str]:
    """What axe-core's color-contrast rule finds on ``page`` as it is now shown: one line
    per element whose text is too faint against its background, or whose colours axe
    could not tell (empty when every text reads)."""
    require_axe()
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))  # inline: nothing is fetched
    violations: list[str] = page.evaluate(_AXE_CONTRAST)
    return violations


def local_only(route: Any) -> None:
    """A Playwright route handler: 127.0.0.1 goes through, the rest (remote images) fails."""
    from urllib.parse import urlsplit

    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    """Playwright's driver, started once per module: its browsers are launched from it."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def dark_browser(playwright: Any) -> Iterator[Any]:
    """Chromium as a dark mail app runs it (FORCED_DARK_ARGS). Give its contexts
    ``color_scheme="null"``, or Playwright pretends the reader prefers light."""
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                          args=CHROMIUM_ARGS + FORCED_DARK_ARGS)
    yield chromium
    chromium.close()
