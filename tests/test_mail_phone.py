"""The mail as a member sees it in a real browser (issue 23): every corpus event's
announcement at 320 px without sideways scrolling and without a time or a date broken
across two lines; "Also coming up" readable on a phone; every text readable (WCAG AA)
in light and in dark mode, with the group's logo and colour too.

Debian's headless Chromium through Playwright (tests/chromium.py); dark mode is the
reader's setting as a mail app passes it on (``prefers-color-scheme: dark``).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from announce.config import load_settings
from announce.kinds import plan
from announce.render import render_event
from announce.render.html import TIME
from announce.sources.catalog import load_catalog

from .chromium import local_only
from .conftest import SHARED, shared, write_hv_open_config
from .sites import Corpus, corpus_sites, read_corpus

PHONE = 320

# Every run of text whose colour and background read below WCAG AA (3:1 for large text).
CONTRAST_JS = """() => {
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number);
                       return m.length > 3 ? [...m.slice(0, 3), m[3]] : [...m, 1]; };
  const lum = ([r, g, b]) => { const f = v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = el => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c[3] > 0.5) return c; }
    return [255, 255, 255, 1]; };
  const bad = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const fg = parse(style.color), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5))
      bad.push(`${ratio.toFixed(2)} ${style.color} on ${bg}: `
               + el.textContent.trim().slice(0, 40));
  }
  return bad;
}"""

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
    """HV Open and every corpus site announce reads, their events that would be sent."""
    shared(SHARED / "corpus" / "sites")
    folder = tmp_path_factory.mktemp("phone")
    settings = load_settings(write_hv_open_config(folder / "hvopen.toml", ""))
    found = [Corpus("hvopen", settings, load_catalog(settings))]
    for site in corpus_sites():
        corpus = read_corpus(site, folder)
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
    assert count > 800
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


# --- contrast, light and dark; the group's logo and colour ----------------------------------


def _png(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def branded(tmp_path: Path, site: str = "") -> Any:
    """The sample season's Nix talk for a group with ``site`` in its [site] table."""
    import shutil

    from .conftest import REPO

    if not (tmp_path / "content").exists():  # the site's root: the logo is its file
        shutil.copytree(REPO / "content", tmp_path / "content")
    (tmp_path / "img").mkdir(parents=True, exist_ok=True)
    (tmp_path / "img" / "logo.png").write_bytes(_png(300, 100))
    config = tmp_path / "announce.toml"
    config.write_text(textwrap.dedent(f"""\
        [site]
        name = "River City Open Tech"
        url = "https://example.org"
        timezone = "America/New_York"
        permalink = "/events/:year/:month/:title"
        {site}
        [content]
        events = "content/events"
        locations = "content/locations"
        [mail]
        from = "River City Open Tech <announce@example.org>"
        to = ["members@example.org"]
        """), encoding="utf-8")
    settings = load_settings(config)
    catalog = load_catalog(settings)
    (event,) = [e for e in catalog.events if "nix" in e.id]
    return render_event(settings, catalog, event, "announcement",
                        catalog.events[0].start.replace(year=2026),
                        plan=plan(event, "announcement", settings.schedule))


@pytest.fixture(scope="module")
def reader(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 800, "height": 900})
    context.route("**/*", local_only)
    yield context.new_page()
    context.close()


def test_the_logo_and_accent_are_shown_and_the_text_part_is_the_same(tmp_path: Path) -> None:
    plain = branded(tmp_path / "plain")
    brand = branded(tmp_path / "brand", 'logo = "/img/logo.png"\naccent = "#ffcc00"')
    root = lxml.html.document_fromstring(brand.html)
    (header,) = root.find_class("header")
    (logo,) = header.iter("img")
    assert logo.get("src") == "https://example.org/img/logo.png"
    assert (logo.get("width"), logo.get("height")) == ("120", "40")  # 300x100, 40 high
    assert logo.get("alt") == "River City Open Tech"
    assert "background-color:#fc0" in (header.get("style") or "")  # premailer shortens it
    # A light accent: near-black text on it, and links a darker shade that reads on white.
    button = next(td for td in root.find_class("btn") if "btn-secondary" not in td.get("class"))
    assert "#102a43" in (next(button.iter("a")).get("style") or "")
    assert brand.text == plain.text  # the text part has no colours and no logo


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("site", ["", 'accent = "#ffcc00"', 'accent = "#2e7d32"'])
def test_every_text_reads_at_wcag_aa_in_light_and_dark_mode(
        reader: Any, tmp_path: Path, scheme: str, site: str) -> None:
    rendered = branded(tmp_path, site)
    reader.emulate_media(color_scheme=scheme)
    reader.set_content(rendered.html, wait_until="domcontentloaded")
    if scheme == "dark":  # the dark styles apply: a dark page, not a bright block
        paper = reader.evaluate(
            "getComputedStyle(document.querySelector('.content')).backgroundColor")
        assert sum(int(v) for v in re.findall(r"\d+", paper)[:3]) < 200, paper
    assert reader.evaluate(CONTRAST_JS) == []


@pytest.mark.browser
@pytest.mark.slow
def test_one_event_of_every_corpus_site_reads_in_dark_mode(
        corpora: list[Corpus], reader: Any) -> None:
    reader.emulate_media(color_scheme="dark")
    bad = []
    for corpus in corpora:
        event = max(corpus.catalog.events, key=lambda e: e.start)
        reader.set_content(corpus.render(event, "announcement").html,
                           wait_until="domcontentloaded")
        bad += [f"{corpus.name} {event.id}: {b}" for b in reader.evaluate(CONTRAST_JS)]
    assert not bad, "\n".join(bad[:30])
