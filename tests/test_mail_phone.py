"""The mail on a phone, in a real browser (issue 23): every corpus event's announcement
at 320 px without sideways scrolling and without a time or a date broken across two
lines; "Also coming up" readable on a phone. (Its colours, light and dark:
test_mail_dark.py.)

Debian's headless Chromium through Playwright (tests/chromium.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from announce.config import load_settings
from announce.render.html import TIME
from announce.sources.catalog import load_catalog

from .chromium import local_only
from .conftest import SHARED, shared, write_hv_open_config
from .sites import Corpus, corpus_sites, read_corpus

PHONE = 320

# Each time of day (the pattern announce keeps whole) and each given phrase that the
# browser lays out on more than one line.
BROKEN_JS = """([pattern, phrases]) => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = []; while (walker.nextNode()) texts.push(walker.currentNode);
  const lines = range => new Set([...range.getClientRects()].filter(r => r.width > 0)
                                 .map(r => Math.round(r.top + r.height / 2))).size;
  const check = (node, start, end) => { const range = document.createRange();
    range.setStart(node, start); range.setEnd(node, end);
    if (lines(range) > 1) broken.push(node.textContent.slice(start, end)); };
  for (const node of texts) {
    if (!node.parentElement || !node.parentElement.getClientRects().length) continue;
    for (const m of node.textContent.matchAll(new RegExp(pattern, 'g')))
      check(node, m.index, m.index + m[0].length);
    for (const phrase of phrases) { let at = node.textContent.indexOf(phrase);
      while (at >= 0) { check(node, at, at + phrase.length);
                        at = node.textContent.indexOf(phrase, at + 1); } }
  }
  return broken;
}"""


def _js_time_pattern() -> str:
    # Python's pattern, as JavaScript writes the same (lookbehind included).
    return TIME.pattern


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> list[Corpus]:
    """HV Open and every corpus site announce reads, every event: those whose start is
    unsure too (``render`` and the preview show them, and eight sites have no other)."""
    shared(SHARED / "corpus" / "sites")
    folder = tmp_path_factory.mktemp("phone")
    settings = load_settings(write_hv_open_config(folder / "hvopen.toml", ""))
    found = [Corpus("hvopen", settings, load_catalog(settings))]
    for site in corpus_sites():
        corpus = read_corpus(site, folder, sure_only=False)
        if corpus is not None and corpus.catalog.events:
            found.append(corpus)
    return found


@pytest.fixture(scope="module")
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": PHONE, "height": 640})
    context.route("**/*", local_only)  # remote images fail: tests talk to 127.0.0.1
    yield context.new_page()
    context.close()


def _short_dates(html: str) -> list[str]:
    """The dates announce writes short ("Wed, Aug 19"): the kicker's and the upcoming's."""
    root = lxml.html.document_fromstring(html)
    dates = [" ".join(td.text_content().split()) for td in root.find_class("date")]
    kicker = root.find_class("kicker")
    if kicker:
        dates.append(" ".join(kicker[0].text_content().split("·")[-1].split()))
    return [d.replace("\xa0", " ") for d in dates if d]


@pytest.mark.browser
@pytest.mark.slow
def test_every_corpus_announcement_fits_a_phone_and_keeps_times_whole(
        corpora: list[Corpus], phone: Any) -> None:
    wide, broken = [], []
    count = 0
    for corpus in corpora:
        for event in corpus.catalog.events:
            rendered = corpus.render(event, "announcement")
            phone.set_content(rendered.html, wait_until="domcontentloaded")
            count += 1
            width = phone.evaluate("document.documentElement.scrollWidth")
            if width > PHONE:
                wide.append(f"{corpus.name} {event.id}: {width} px")
            dates = [d.replace(" ", "\xa0") for d in _short_dates(rendered.html)]
            for piece in phone.evaluate(BROKEN_JS, [_js_time_pattern(), dates]):
                broken.append(f"{corpus.name} {event.id}: {piece!r}")
    assert count > 1700
    assert not wide, f"{len(wide)} of {count} wider than {PHONE} px:\n" + "\n".join(wide[:30])
    assert not broken, f"{len(broken)} broken across lines:\n" + "\n".join(broken[:30])


@pytest.mark.browser
def test_also_coming_up_puts_the_date_above_the_title_on_a_phone(phone: Any,
                                                                 tmp_path: Path) -> None:
    """PyLadies Vancouver's July 2026 meetup: "Wed, Aug 19PyLadies × R-Ladies..."."""
    (site,) = [s for s in corpus_sites() if "pyladies" in s.name]
    corpus = read_corpus(site, tmp_path, sure_only=False)  # its August talks too
    assert corpus is not None
    rendered = corpus.render(corpus.event("july-2026-meetup"), "announcement")
    phone.set_content(rendered.html, wait_until="domcontentloaded")
    boxes = phone.evaluate("""() => [...document.querySelectorAll('table.upcoming tr')]
        .map(tr => [...tr.children].map(td => { const r = td.getBoundingClientRect();
                                                  return [r.top, r.bottom, r.left, r.right]; }))""")
    assert boxes
    for (date_top, date_bottom, _l, _r), (title_top, _b, _l2, _r2) in boxes:
        assert date_bottom <= title_top + 1, (date_top, date_bottom, title_top)


@pytest.mark.browser
def test_a_time_of_day_in_the_venue_stays_whole(phone: Any, tmp_path: Path) -> None:
    """DevsGoWhere's XConf APAC 2025: its venue reads "Friday, Oct 31 · 9:00 AM to 5:00
    PM SST", and "9:00" ended one line of a phone, "AM" began the next."""
    (site,) = [s for s in corpus_sites() if "devsgowhere" in s.name]
    corpus = read_corpus(site, tmp_path, sure_only=False)  # its start is unsure
    assert corpus is not None
    rendered = corpus.render(corpus.event("20251030-xconf-apac-2025-singapore"),
                             "announcement")
    root = lxml.html.document_fromstring(rendered.html)
    (where,) = [td for td in root.find_class("facts")[0].iter("td")
                if "Westin Hotel" in td.text_content() and td.get("class") != "label"]
    assert [s.text for s in where.iter("span") if "nowrap" in (s.get("style") or "")] == [
        "9:00 AM", "5:00 PM"]
    phone.set_content(rendered.html, wait_until="domcontentloaded")
    assert phone.evaluate(BROKEN_JS, [_js_time_pattern(), []]) == []
