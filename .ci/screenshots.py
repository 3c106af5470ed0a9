"""Writes screenshots/, for reviewing the mail's look on real sites: one announcement of
each corpus site (../shared/corpus: HV Open and every site of sites/facts.json, read as
`announce init` reads it), at 375 px (a phone) and 800 px (a reading pane), in light and
in dark mode (the reader's `prefers-color-scheme`), in Debian's headless chromium, and an
index.html that shows them side by side.

`make screenshots` runs it; the folder is git-ignored (review it, do not commit it).
Nothing is loaded from the network: remote images show as their alt text. Usage:
`python .ci/screenshots.py [OUT_FOLDER]`.
"""

from __future__ import annotations

import html
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests/sites.py: reading a corpus site as the tests do

OUT = REPO / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
WIDTHS = (375, 800)
SCHEMES = ("light", "dark")


def announcements(folder: Path) -> list[tuple[str, str, str]]:
    """(site, event id, HTML) of one announcement per corpus site: its latest event that
    would be sent (its start sure), else its latest event."""
    from tests.sites import one_per_site

    return [(corpus.name, event.id, corpus.render(event, "announcement").html)
            for corpus, event in one_per_site(folder, '\n[rsvp]\nmeetup_group = "hvopen"\n')]


def _offline(route: Any) -> None:
    route.abort()  # nothing from the network: the same pictures everywhere


def shoot(mails: list[tuple[str, str, str]], out: Path) -> list[tuple[str, str, list[str]]]:
    """Each mail at each width and scheme: (site, event id, the PNGs' names)."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    shots = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        for site, event_id, page_html in mails:
            names = []
            for width in WIDTHS:
                for scheme in SCHEMES:
                    page = browser.new_page(viewport={"width": width, "height": 800},
                                            color_scheme=scheme)  # type: ignore[arg-type]  # a Literal in playwright's stubs
                    page.route("**/*", _offline)
                    page.set_content(page_html, wait_until="load")
                    name = f"{site}-{width}-{scheme}.png"
                    page.screenshot(path=str(out / name), full_page=True)
                    page.close()
                    names.append(name)
            shots.append((site, event_id, names))
        browser.close()
    return shots


def index(shots: list[tuple[str, str, list[str]]]) -> str:
    rows = []
    for site, event_id, names in shots:
        images = "".join(f'<a href="{n}"><img src="{n}" alt="{html.escape(n)}" '
                         f'style="width: {180 if "-375-" in n else 300}px"></a>'
                         for n in names)
        rows.append(f"<h2>{html.escape(site)}: {html.escape(event_id)}</h2><p>{images}</p>")
    return ("<!DOCTYPE html><meta charset=utf-8><title>announce: one mail per corpus site"
            "</title><style>img { vertical-align: top; margin: 4px; border: 1px solid #ccc; }"
            "</style><h1>One announcement per corpus site: 375 and 800 px, light and dark</h1>"
            + "".join(rows))


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else OUT
    if not CHROMIUM.exists():
        sys.exit(f"screenshots: {CHROMIUM} is missing (make system-deps installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        shots = shoot(announcements(Path(tmp)), out)
    (out / "index.html").write_text(index(shots), encoding="utf-8")
    print(f"wrote {sum(len(s[2]) for s in shots)} screenshots of {len(shots)} sites to "
          f"{out}/ (open index.html)")


if __name__ == "__main__":
    main(sys.argv[1:])
