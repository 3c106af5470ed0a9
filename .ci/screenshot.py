"""Writes docs/img/mail.png, the picture of a mail on the README and the docs' front page:
the sample season's next announcement (`make demo`'s, at its pinned clock), rendered by
`announce render` and shown by Debian's headless chromium as a mail client shows the HTML
part, at the preview's desktop width.

`make screenshot` runs it; `make system-deps` installs chromium. The page may load
nothing from the network (the mail's remote images show as their alt text), so the
picture is the same on every machine with the same fonts. Usage:
`python .ci/screenshot.py [OUT.png]`.
"""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "img" / "mail.png"
CHROMIUM = Path("/usr/bin/chromium")
# The sample season and `make demo`'s clock (Makefile DEMO_NOW).
DEMO = ["--config", str(REPO / "config.example.toml"), "--next", "--now", "2027-01-28T09:00"]
# The preview's desktop width: what a mail client's reading pane gives the HTML.
WIDTH = 640


def demo_html() -> str:
    """The HTML part of the demo's announcement, rendered by the installed announce."""
    with tempfile.TemporaryDirectory() as tmp:
        eml = Path(tmp) / "next.eml"
        # S603: the demo's own command line, run by this interpreter's announce.
        proc = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "announce", "render", *DEMO, "-o", str(eml)],
            cwd=tmp, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.exit(f"screenshot: announce render failed:\n{proc.stderr}")
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("html",))
    if part is None:
        sys.exit("screenshot: the demo message has no HTML part")
    return str(part.get_content())


def _offline(route: Any) -> None:
    route.abort()  # nothing from the network: the same picture everywhere


def shoot(html: str, out: Path) -> None:
    """``html`` at WIDTH pixels, its whole height, as a PNG at ``out``."""
    if not CHROMIUM.exists():
        sys.exit(f"screenshot: {CHROMIUM} is missing (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": WIDTH, "height": 800})
        page.route("**/*", _offline)
        page.set_content(html, wait_until="load")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
        browser.close()


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else OUT
    shoot(demo_html(), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
