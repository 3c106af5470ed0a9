"""The mail's colours as a member sees them (issue 23): the group's logo and accent, and
every text readable at WCAG AA, in a light inbox and in a dark one, checked by axe-core
(its color-contrast rule, injected into Debian's headless Chromium: tests/chromium.py).

Dark is tested as a dark mail app shows a mail, Chromium started with forced dark mode
(``FORCED_DARK_ARGS``): the reader prefers dark, and the mail, which says it has dark
styles (``color-scheme: light dark``), gets its own; a reader who prefers light in a
Chromium that darkens every page gets the light mail darkened by Chromium itself. That
darkening happens as the page is painted, after the styles (which axe reads), so it is
checked on the pixels: each line of text against what is around it.
"""

from __future__ import annotations

import base64
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from announce.config import load_settings
from announce.content import Event
from announce.kinds import plan
from announce.render import Rendered, render_event
from announce.sources.catalog import load_catalog

from .chromium import contrast_violations, local_only
from .conftest import SHARED, shared
from .sites import Corpus, one_per_site

# --- the group's logo and colour -------------------------------------------------------------


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


def branded(tmp_path: Path, site: str = "") -> Rendered:
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


# --- what the reader sees, light and dark ----------------------------------------------------


@pytest.fixture(scope="module")
def light(browser: Any) -> Iterator[Any]:
    """A page as a light mail app shows the mail: 800 px, the reader prefers light."""
    context = browser.new_context(viewport={"width": 800, "height": 900}, color_scheme="light")
    context.route("**/*", local_only)  # remote images fail: tests talk to 127.0.0.1
    yield context.new_page()
    context.close()


def _forced(dark_browser: Any, scheme: str) -> Iterator[Any]:
    context = dark_browser.new_context(viewport={"width": 800, "height": 900},
                                       color_scheme=scheme)
    context.route("**/*", local_only)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def dark(dark_browser: Any) -> Iterator[Any]:
    """A page in forced dark mode, as the browser has it ("null": no emulation): the
    reader prefers dark."""
    yield from _forced(dark_browser, "null")


@pytest.fixture(scope="module")
def darkened(dark_browser: Any) -> Iterator[Any]:
    """A page in forced dark mode whose reader prefers light: Chromium darkens the light
    mail itself."""
    yield from _forced(dark_browser, "light")


def show(page: Any, rendered: Rendered) -> None:
    page.set_content(rendered.html, wait_until="load")


def prefers_dark(page: Any) -> bool:
    return bool(page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches"))


def paper(page: Any) -> str:
    """The computed colour of the mail's paper (its styles, not Chromium's darkening)."""
    return str(page.evaluate(
        "getComputedStyle(document.querySelector('.container')).backgroundColor"))


def is_dark(colour: str) -> bool:
    return sum(int(v) for v in re.findall(r"\d+", colour)[:3]) < 200


@pytest.mark.parametrize("site", ["", 'accent = "#ffcc00"', 'accent = "#2e7d32"'])
def test_every_text_reads_at_wcag_aa_in_light_and_dark_mode(
        light: Any, dark: Any, tmp_path: Path, site: str) -> None:
    rendered = branded(tmp_path, site)
    show(light, rendered)
    assert not prefers_dark(light)
    assert contrast_violations(light) == []
    show(dark, rendered)
    assert prefers_dark(dark)  # Chromium's forced dark mode tells the page
    assert is_dark(paper(dark)), paper(dark)  # a dark page, not a bright block
    assert contrast_violations(dark) == []
    # The title (a link to the event's page) is a heading, as in light mode: not link blue.
    title = "getComputedStyle(document.querySelector('h1 a')).color"
    assert dark.evaluate(title) == "rgb(245, 247, 250)"
    assert light.evaluate(title) == "rgb(16, 42, 67)"


# --- one announcement of every corpus site -------------------------------------------------


@pytest.fixture(scope="module")
def corpus_mails(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Corpus, Event]]:
    """HV Open and every corpus site, one announcement each (the one make screenshots
    shows)."""
    shared(SHARED / "corpus" / "sites")
    return one_per_site(tmp_path_factory.mktemp("dark"))


def test_one_announcement_of_every_corpus_site_passes_axe_light_and_dark(
        corpus_mails: list[tuple[Corpus, Event]], light: Any, dark: Any) -> None:
    bad = []
    for corpus, event in corpus_mails:
        rendered = corpus.render(event, "announcement")
        for page in (light, dark):
            show(page, rendered)
            scheme = "dark" if prefers_dark(page) else "light"
            bad += [f"{corpus.name} {event.id} ({scheme}): {v}"
                    for v in contrast_violations(page)]
        assert is_dark(paper(dark)), (corpus.name, paper(dark))
        # The text part has nothing of the look: no colours, no schemes, in any inbox.
        assert "color-scheme" not in rendered.text
        assert "#1a5fb4" not in rendered.text
    assert len(corpus_mails) > 15
    assert not bad, "\n".join(bad[:30])


# Light and dark accents, each with the text colour it needs (near-black, white), all
# of them colours [site] accent takes (one text reads on each at WCAG AA).
ACCENTS = ("#ffcc00", "#2e7d32", "#6a1b9a", "#ff7043", "#00838f", "#80deea")


def test_every_corpus_site_in_a_colour_of_its_own_shows_it_and_reads(
        corpus_mails: list[tuple[Corpus, Event]], light: Any, dark: Any) -> None:
    """Each site with a logo (a URL: the corpus keeps no image files) and an accent, one
    of ACCENTS in turn: the header shows both, and axe finds every text readable, light
    and dark, over the site's own content."""
    import dataclasses

    from announce.configcheck import readable_accent

    for accent in ACCENTS:
        readable_accent(accent)  # the config would take it
    bad = []
    for number, (corpus, event) in enumerate(corpus_mails):
        accent = ACCENTS[number % len(ACCENTS)]
        site = dataclasses.replace(corpus.settings.site, accent=accent,
                                   logo="https://example.org/logo.png")
        settings = dataclasses.replace(corpus.settings, site=site)
        rendered = render_event(settings, corpus.catalog, event, "announcement", corpus.now(),
                                plan=plan(event, "announcement", settings.schedule))
        (header,) = lxml.html.document_fromstring(rendered.html).find_class("header")
        assert [img.get("src") for img in header.iter("img")] == [
            "https://example.org/logo.png"], corpus.name
        for page in (light, dark):
            show(page, rendered)
            painted = page.evaluate(
                "getComputedStyle(document.querySelector('.header')).backgroundColor")
            assert painted == _rgb(accent), (corpus.name, painted)
            bad += [f"{corpus.name} {accent}: {v}" for v in contrast_violations(page)]
    assert not bad, "\n".join(bad[:30])


def _rgb(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


# Each line of text on the screen: where it is, its size and weight, its start.
LINES_JS = """() => {
  const lines = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const range = document.createRange(); range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width < 4 || r.height < 4) continue;
      lines.push({x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height,
                  large: parseFloat(style.fontSize) >= 24
                         || (parseInt(style.fontWeight) >= 700
                             && parseFloat(style.fontSize) >= 18.66),
                  text: node.textContent.trim().slice(0, 40)});
    }
  }
  return lines;
}"""

# On a screenshot (a PNG, base64) drawn into a canvas: each line's background (its most
# common pixel) and ink (the pixel farthest from it in luminance), and their WCAG ratio.
# On a plain light rendering this finds exactly the colours the styles give.
PIXELS_JS = """async ([png, lines]) => {
  const img = new Image(); img.src = 'data:image/png;base64,' + png; await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext('2d'); ctx.drawImage(img, 0, 0);
  const lum = k => { const f = v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(k >> 16) + 0.7152 * f((k >> 8) & 255) + 0.0722 * f(k & 255); };
  const hex = k => '#' + k.toString(16).padStart(6, '0');
  return lines.map(line => {
    const x = Math.round(line.x), y = Math.round(line.y);
    const w = Math.min(Math.round(line.w), img.width - x);
    const h = Math.min(Math.round(line.h), img.height - y);
    if (w <= 0 || h <= 0) return null;
    const data = ctx.getImageData(x, y, w, h).data, counts = new Map();
    for (let i = 0; i < data.length; i += 4) {
      const k = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      counts.set(k, (counts.get(k) || 0) + 1); }
    let bg = 0, most = -1;
    for (const [k, n] of counts) if (n > most) { most = n; bg = k; }
    let ratio = 1, ink = bg;
    for (const k of counts.keys()) {
      const [a, b] = [lum(k), lum(bg)].sort((p, q) => q - p);
      if ((a + 0.05) / (b + 0.05) > ratio) { ratio = (a + 0.05) / (b + 0.05); ink = k; } }
    return {...line, ratio, bg: hex(bg), ink: hex(ink)};
  }).filter(Boolean);
}"""


def faint_lines(page: Any, reader: Any) -> list[str]:
    """The lines of text on ``page`` whose pixels read below WCAG AA (3:1 for large
    text), measured on its screenshot in ``reader`` (a page of a browser that darkens
    nothing); and the page's background as painted, first."""
    lines = page.evaluate(LINES_JS)
    png = base64.b64encode(page.screenshot(full_page=True)).decode("ascii")
    measured = reader.evaluate(PIXELS_JS, [png, lines])
    return [f"{m['ratio']:.2f} {m['ink']} on {m['bg']}: {m['text']}"
            for m in measured if m["ratio"] < (3 if m["large"] else 4.5)]


def painted_background(page: Any, reader: Any) -> str:
    """The colour painted at the top of the screen, in the middle: the page around the
    mail (its styles say #eef1f5 in light mode)."""
    png = base64.b64encode(page.screenshot()).decode("ascii")
    return str(reader.evaluate("""async png => {
      const img = new Image(); img.src = 'data:image/png;base64,' + png; await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width; canvas.height = img.height;
      const ctx = canvas.getContext('2d'); ctx.drawImage(img, 0, 0);
      const [r, g, b] = ctx.getImageData(Math.floor(img.width / 2), 8, 1, 1).data;
      return `rgb(${r}, ${g}, ${b})`; }""", png))


def test_forced_dark_mode_keeps_every_corpus_announcement_readable(
        corpus_mails: list[tuple[Corpus, Event]], light: Any, dark: Any,
        darkened: Any) -> None:
    """What a dark Chromium paints: the mail's own dark styles for a reader who prefers
    dark (Chromium leaves a mail alone that has them), and, for one who prefers light,
    the light mail as Chromium darkens it. Each line of text reads on the screen."""
    bad = []
    for corpus, event in corpus_mails:
        rendered = corpus.render(event, "announcement")
        for page, how in ((dark, "dark styles"), (darkened, "darkened by Chromium")):
            show(page, rendered)
            bad += [f"{corpus.name} {event.id} ({how}): {line}"
                    for line in faint_lines(page, light)]
        # The reader who prefers light still gets a dark screen: Chromium darkened it.
        assert not prefers_dark(darkened)
        assert not is_dark(paper(darkened))
        assert is_dark(painted_background(darkened, light)), corpus.name
    assert not bad, "\n".join(bad[:30])


def test_both_measures_catch_a_faint_grey(light: Any, tmp_path: Path) -> None:
    """What the tests above rely on, on a plain light mail: the pixels give the colours
    the styles give (nothing is faint: body text #1f2933 on white is 14.8:1), and a grey
    made faint for this test is caught by both axe and the pixels."""
    rendered = branded(tmp_path)
    show(light, rendered)
    assert faint_lines(light, light) == []
    light.evaluate("document.querySelector('.kicker').style.setProperty("
                   "'color', '#bbbbbb', 'important')")
    (faint,) = faint_lines(light, light)
    assert faint.startswith("1.9"), faint
    assert "#bbbbbb on #ffffff" in faint
    (violation,) = contrast_violations(light)
    assert violation.startswith(".kicker: Element has insufficient color contrast of 1.91")
    # What holds no text is no finding (DevsGoWhere's SHELLgym opens on a lone "⚠️").
    light.set_content('<p style="color: #bbbbbb">⚠️</p><p>━━━━━━</p>')
    assert contrast_violations(light) == []
