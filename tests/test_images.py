"""Images: their real size on the <img> (at most the 536 px column), a PNG or JPEG in
place of an SVG, and what `announce check` says about them; nothing outside the site read."""

from __future__ import annotations

import os
import struct
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from announce import images
from announce.cli import cli
from announce.config import Settings, load_settings
from announce.content import Event
from announce.errors import ConfigError, ContentError
from announce.sources.catalog import load_catalog

from .conftest import CORPUS, SHARED, shared
from .sites import corpus_sites, init_copy

SITES = SHARED / "corpus" / "sites"


# --- image files, written byte by byte -----------------------------------------------------


def png(width: int, height: int) -> bytes:
    """A PNG of grey lines, complete as any viewer opens it up to 20,000 pixels wide (of a
    larger one, as of a hostile file, only the header is right)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    rows = b"".join(b"\0" + b"\x80" * min(width, 20_000) for _ in range(min(height, 4)))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def jpeg(width: int, height: int, exif: int = 0) -> bytes:
    """A JPEG's markers up to its frame header: JFIF, ``exif`` bytes of APP1 segments
    (a camera's EXIF and colour profile come before the size), then SOF0."""
    out = [b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\1\1\0\0\1\0\1\0\0"]
    while exif > 0:
        size = min(exif, 65_000)
        out.append(b"\xff\xe1" + struct.pack(">H", size + 2) + b"\0" * size)
        exif -= size
    sof = struct.pack(">BHHB", 8, height, width, 3) + b"\1\x22\0\2\x11\1\3\x11\1"
    out.append(b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof + b"\xff\xd9")
    return b"".join(out)


def gif(width: int, height: int) -> bytes:
    """A 2-colour GIF of one transparent-free block."""
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
            + b"," + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\2\2\x44\1\0;")


def svg(width: int, height: int) -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
            f'<rect width="{width}" height="{height}"/></svg>').encode()


# --- a Jekyll site in tmp --------------------------------------------------------------------

TALK = """\
---
title: Images
dtstart: 2027-03-03 18:00
location: Online
{front}---
Hello.

{body}
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Jekyll site (``_config.yml``, ``_events/``, ``assets/img/``) with announce.toml."""
    monkeypatch.chdir(tmp_path)
    for name in ("ANNOUNCE_CONFIG", "ANNOUNCE_NOW", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "site"
    (root / "_events").mkdir(parents=True)
    (root / "assets" / "img").mkdir(parents=True)
    (root / "_config.yml").write_text("title: Images\n", encoding="utf-8")
    (root / "announce.toml").write_text(
        '[site]\nurl = "https://example.org"\n[content]\nevents = "_events"\n'
        '[mail]\nto = ["members@example.org"]\n', encoding="utf-8")
    return root


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def talk(root: Path, front: str = "", body: str = "", name: str = "2027-03-03-images.md",
         config: str = "announce.toml") -> tuple[Settings, Event]:
    write(root / "_events" / name, TALK.format(front=front, body=body).encode())
    settings = load_settings(root / config)
    catalog = load_catalog(settings)
    return settings, next(e for e in catalog.events if e.path.name == name)


Dimensions = Callable[[str], "tuple[int, int] | None"]


@pytest.fixture
def size_of(site: Path) -> Dimensions:
    settings, event = talk(site)
    return lambda src: images.dimensions(src, settings, event)


# --- sizes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("logo.png", png(320, 200), (320, 200)),
    ("photo.jpg", jpeg(480, 360), (480, 360)),
    ("camera.jpeg", jpeg(400, 300, exif=200_000), (400, 300)),  # the size after 200 KB
    ("anim.gif", gif(120, 90), (120, 90)),
    ("diagram.svg", svg(300, 150), (300, 150)),
    ("exact.png", png(536, 10), (536, 10)),
    ("wider.png", png(600, 10), (536, 9)),
])
def test_the_size_is_read_from_the_file(site: Path, size_of: Dimensions, name: str,
                                        data: bytes, expected: tuple[int, int]) -> None:
    write(site / "assets" / "img" / name, data)
    assert size_of(f"/assets/img/{name}") == expected


@pytest.mark.parametrize(("width", "height", "expected"), [
    (1200, 675, (536, 302)), (900, 506, (536, 301)), (4000, 10, (536, 1)),
    (20_000, 1, (536, 1)),
])
def test_a_wide_image_is_capped_at_the_column_keeping_its_shape(
        site: Path, size_of: Dimensions, width: int, height: int,
        expected: tuple[int, int]) -> None:
    write(site / "assets" / "img" / "wide.png", png(width, height))
    assert size_of("/assets/img/wide.png") == expected
    assert images.CONTENT_WIDTH == 536  # 600 less the content cell's padding


def test_every_way_a_talk_names_a_file_of_the_site(site: Path) -> None:
    write(site / "assets" / "img" / "a b.png", png(100, 50))
    write(site / "_events" / "hero.jpg", jpeg(200, 100))
    settings, event = talk(site)
    for src in ("/assets/img/a b.png", "/assets/img/a%20b.png", "assets/img/a b.png",
                "https://example.org:443/assets/img/a%20b.png",
                "../assets/img/a b.png", "https://example.org/assets/img/a%20b.png",
                "http://www.example.org/assets/img/a%20b.png?v=2#top",
                "//example.org/assets/img/a%20b.png", " /assets/img/a b.png "):
        assert images.dimensions(src, settings, event) == (100, 50), src
    # Next to the talk file (a page bundle's image), and ./ likewise.
    assert images.dimensions("hero.jpg", settings, event) == (200, 100)
    assert images.dimensions("./hero.jpg", settings, event) == (200, 100)


def test_a_site_below_a_base_path(site: Path) -> None:
    # A GitHub project page: https://example.github.io/meetup, images written either way.
    write(site / "assets" / "logo.png", png(64, 64))
    (site / "announce.toml").write_text(
        '[site]\nurl = "https://example.github.io/meetup/"\n[content]\nevents = "_events"\n',
        encoding="utf-8")
    settings, event = talk(site)
    for src in ("/meetup/assets/logo.png", "/assets/logo.png",
                "https://example.github.io/meetup/assets/logo.png"):
        assert images.dimensions(src, settings, event) == (64, 64), src
    assert images.dimensions("https://example.github.io/other/assets/logo.png", settings,
                              event) is None


def test_hugo_serves_static_and_page_bundles(tmp_path: Path) -> None:
    root = tmp_path / "hugo"
    (root / "hugo.toml").parent.mkdir(parents=True)
    (root / "hugo.toml").write_text('baseURL = "https://example.org/"\n', encoding="utf-8")
    write(root / "static" / "images" / "banner.png", png(1600, 400))
    write(root / "content" / "events" / "spring" / "cover.jpg", jpeg(300, 200))
    write(root / "content" / "events" / "spring" / "index.md",
          b"+++\ntitle = 'Spring'\ndate = 2027-05-05T18:00:00-04:00\n+++\nHi\n")
    (root / "announce.toml").write_text(
        '[site]\nurl = "https://example.org"\n[content]\nevents = "content/events"\n',
        encoding="utf-8")
    settings = load_settings(root / "announce.toml")
    event = load_catalog(settings).events[0]
    assert images.dimensions("/images/banner.png", settings, event) == (536, 134)
    assert images.dimensions("cover.jpg", settings, event) == (300, 200)
    assert images.dimensions("/events/spring/cover.jpg", settings, event) == (300, 200)


def test_the_site_is_found_when_announce_toml_is_elsewhere(tmp_path: Path, site: Path) -> None:
    # As the corpus tests read HV Open: the config in a folder of its own.
    write(site / "assets" / "img" / "x.png", png(10, 20))
    config = tmp_path / "elsewhere" / "announce.toml"
    config.parent.mkdir()
    config.write_text(f'[site]\nurl = "https://example.org"\n[content]\n'
                      f'events = "{site / "_events"}"\n', encoding="utf-8")
    write(site / "_events" / "t.md", TALK.format(front="", body="").encode())
    settings = load_settings(config)
    event = load_catalog(settings).events[0]
    assert images.dimensions("/assets/img/x.png", settings, event) == (10, 20)


def test_the_sample_season_is_a_content_folder_not_the_docs_mkdocs_project() -> None:
    """The sample's talk images are content/images/talks/*.png, as /images/talks/*.png:
    found because the demo's config names its generator ("generic"), though announce's
    own mkdocs.yml is next to it (read as MkDocs, the talks' images were looked up at
    the repository's root)."""
    from .conftest import EXAMPLE_CONFIG, REPO

    assert not (REPO / "images").exists()
    settings = load_settings(EXAMPLE_CONFIG)
    assert settings.content.generator == "generic"
    assert (REPO / "mkdocs.yml").is_file()
    events = {e.id: e for e in load_catalog(settings).events}
    nix = next(e for key, e in events.items() if "nix" in key)
    assert nix.image == "/images/talks/nix.png"
    assert images.locate(nix.image, settings, nix) == REPO / "content/images/talks/nix.png"
    assert images.dimensions(nix.image, settings, nix) is not None
    assert [p.message for e in events.values() for p in images.image_problems(settings, e)] \
        == []


@pytest.mark.parametrize("src", [
    "https://other.example.net/assets/img/x.png",  # another site: its size is unknown here
    "https://example.org.evil.net/assets/img/x.png",
    "ftp://example.org/assets/img/x.png",
    "data:image/png;base64,iVBORw0KGgo=",
    "/assets/img/missing.png",
    "/assets/img/",
    "#top",
    "",
    "/assets/img/\0x.png",
    "/" + "a" * 5000 + ".png",
    "http://[::1/x.png",
    "http://[::1/x.svg",
])
def test_no_size_for_what_is_no_file_of_the_site(site: Path, size_of: Dimensions,
                                                 src: str) -> None:
    write(site / "assets" / "img" / "x.png", png(10, 10))
    assert size_of(src) is None
    settings, event = talk(site)
    assert images.substitute(src, settings, event) == src


def test_nothing_outside_the_site_is_read(site: Path, tmp_path: Path) -> None:
    outside = write(tmp_path / "secret.png", png(42, 42))
    (site / "assets" / "img" / "link.png").symlink_to(outside)
    (site / "assets" / "linked").symlink_to(tmp_path, target_is_directory=True)
    inside = write(site / "assets" / "img" / "real.png", png(7, 7))
    (site / "assets" / "img" / "alias.png").symlink_to(inside)
    settings, event = talk(site)
    for src in ("/../secret.png", "../../secret.png", "/assets/../../secret.png",
                "/assets/img/link.png", "/assets/linked/secret.png",
                "https://example.org/../secret.png", str(outside)):
        assert images.dimensions(src, settings, event) is None, src
        assert images.locate(src, settings, event) is None, src
    # A link that stays inside the site is the file it leads to.
    assert images.dimensions("/assets/img/alias.png", settings, event) == (7, 7)


@pytest.mark.parametrize(("name", "data"), [
    ("truncated.png", png(100, 100)[:20]),
    ("empty.png", b""),
    ("text.png", b"this is not an image at all\n" * 10),
    ("zero.png", png(0, 0)),
    ("absurd.png", png(2**31 - 1, 2**31 - 1)),
    ("negative.gif", gif(40000, 10)),  # a signed reader would say -25536
    ("no-frame.jpg", jpeg(10, 10)[:-23]),
    ("late-frame.jpg", jpeg(10, 10, exif=images.HEADER_LIMIT + 100_000)),
    ("broken.svg", b"<svg width='100%' height='x'>"),
    ("binary.svg", b"<svg \xff\xfe\x00 width='1'"),
])
def test_a_broken_or_hostile_file_has_no_size(site: Path, size_of: Dimensions, name: str,
                                              data: bytes) -> None:
    write(site / "assets" / "img" / name, data)
    assert size_of(f"/assets/img/{name}") is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_named_like_an_image_does_not_hang(site: Path, size_of: Dimensions) -> None:
    os.mkfifo(site / "assets" / "img" / "pipe.png")
    assert size_of("/assets/img/pipe.png") is None


@pytest.mark.skipif(sys.platform == "win32", reason="/dev/zero")
def test_a_link_to_a_device_is_not_read(site: Path, size_of: Dimensions) -> None:
    (site / "assets" / "img" / "zero.png").symlink_to("/dev/zero")
    assert size_of("/assets/img/zero.png") is None


def test_only_the_header_is_read(site: Path, size_of: Dimensions,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    write(site / "assets" / "img" / "huge.jpg", jpeg(800, 600, exif=3_000_000))
    read: list[int] = []
    pread = os.pread

    def counting(fd: int, length: int, offset: int) -> bytes:
        read.append(length)
        return pread(fd, length, offset)

    monkeypatch.setattr(os, "pread", counting)
    assert size_of("/assets/img/huge.jpg") is None  # its frame is past the header limit
    assert 0 < sum(read) <= images.HEADER_LIMIT


def test_a_changed_file_is_read_again_and_a_warm_lookup_is_fast(
        site: Path, size_of: Dimensions) -> None:
    path = write(site / "assets" / "img" / "x.png", png(100, 100))
    assert size_of("/assets/img/x.png") == (100, 100)
    path.write_bytes(png(200, 100) + b"\0")  # another size, so the cache key changes
    assert size_of("/assets/img/x.png") == (200, 100)
    start = time.perf_counter()
    for _ in range(100):
        size_of("/assets/img/x.png")
    # A render looks up every image of a talk: a handful of them cost well under 15 ms.
    assert (time.perf_counter() - start) / 100 < 0.002


# --- SVG stand-ins ---------------------------------------------------------------------------


def test_an_svg_gives_way_to_the_png_or_jpeg_next_to_it(site: Path) -> None:
    img = site / "assets" / "img"
    write(img / "logo.svg", svg(100, 100))
    write(img / "logo.png", png(100, 100))
    write(img / "chart.svg", svg(10, 10))
    write(img / "chart.jpg", jpeg(10, 10))
    write(img / "only.svg", svg(10, 10))
    write(img / "BIG.SVG", svg(10, 10))
    write(img / "BIG.PNG", png(10, 10))
    settings, event = talk(site)

    def sub(src: str) -> str:
        return images.substitute(src, settings, event)

    assert sub("/assets/img/logo.svg") == "/assets/img/logo.png"
    assert sub("https://example.org/assets/img/logo.svg?v=1") == \
        "https://example.org/assets/img/logo.png?v=1"
    assert sub("../assets/img/chart.svg") == "../assets/img/chart.jpg"
    assert sub("/assets/img/BIG.SVG") == "/assets/img/BIG.PNG"
    for unchanged in ("/assets/img/only.svg", "/assets/img/logo.png", "/assets/img/none.svg",
                      "https://other.example.net/logo.svg", "data:image/svg+xml,<svg/>"):
        assert sub(unchanged) == unchanged
    assert images.dimensions(sub("/assets/img/logo.svg"), settings, event) == (100, 100)


# --- announce check --------------------------------------------------------------------------


def check(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["check", "--config", "site/announce.toml", *args],
                                catch_exceptions=False, prog_name="announce")
    return result.exit_code, result.output.splitlines()


def test_check_warns_about_svg_and_heavy_images(site: Path) -> None:
    img = site / "assets" / "img"
    write(img / "logo.svg", svg(100, 100))
    write(img / "logo.png", png(100, 100))
    write(img / "qr.svg", svg(100, 100))
    write(img / "team.jpg", jpeg(1200, 800) + b"\0" * 400_000)
    write(img / "small.png", png(100, 100))
    write(site / "_events" / "2027-03-03-images.md", TALK.format(
        front="image: /assets/img/team.jpg\n",
        body="![Logo](/assets/img/logo.svg)\n\n![QR code](/assets/img/qr.svg)\n\n"
             '<img src="https://img.shields.io/badge/x.svg" alt="badge">\n\n'
             "![small](/assets/img/small.png) ![](https://example.net/photo.jpg)\n",
    ).encode())
    code, lines = check()
    where = "site/_events/2027-03-03-images.md"
    assert lines == [
        f"warning: {where}:5: image: 'team.jpg' is 391 KB, over the 300 KB an image in an "
        "email should have ([content] max_image_kb): readers on a phone wait for it",
        f"warning: {where}:9: body: '/assets/img/logo.svg' is an SVG image, which Gmail and "
        "Outlook do not show: the email uses logo.png next to it instead",
        f"warning: {where}:11: body: '/assets/img/qr.svg' is an SVG image, which Gmail and "
        "Outlook do not show (they show its alt text): put a PNG or JPEG of the same name "
        "next to it, and the email uses that",
        f"warning: {where}:13: body: 'https://img.shields.io/badge/x.svg' is an SVG image, "
        "which Gmail and Outlook do not show (they show its alt text): link a PNG or JPEG "
        "instead",
        "Checked 1 event file and 0 locations: 0 errors, 4 warnings.",
    ]
    assert code == 0
    assert check("--strict")[0] == 1


def test_the_size_limit_is_a_setting(site: Path) -> None:
    write(site / "assets" / "img" / "team.jpg", jpeg(100, 100) + b"\0" * 40_000)
    write(site / "_events" / "2027-03-03-images.md",
          TALK.format(front="", body="![Team](/assets/img/team.jpg)").encode())
    config = site / "announce.toml"
    base = config.read_text(encoding="utf-8")
    assert check()[1][-1] == "Checked 1 event file and 0 locations: 0 errors, 0 warnings."
    config.write_text(base.replace("[content]\n", "[content]\nmax_image_kb = 30\n"),
                      encoding="utf-8")
    assert check()[1] == [
        "warning: site/_events/2027-03-03-images.md:8: body: 'team.jpg' is 39 KB, over the "
        "30 KB an image in an email should have ([content] max_image_kb): readers on a phone "
        "wait for it",
        "Checked 1 event file and 0 locations: 0 errors, 1 warning.",
    ]
    config.write_text(base.replace("[content]\n", "[content]\nmax_image_kb = 0\n"),
                      encoding="utf-8")
    assert check()[1][-1] == "Checked 1 event file and 0 locations: 0 errors, 0 warnings."


def test_the_setting_has_a_default_and_bounds(tmp_path: Path) -> None:
    assert Settings().content.max_image_kb == 300
    for value, message in (
        ("-1", "[content] max_image_kb: -1 is out of range (from 0 to 100000 KB; 0: never)"),
        ("'big'", "[content] max_image_kb: expected an integer, got a string ('big')"),
        ("2.5", "[content] max_image_kb: expected an integer, got a number (2.5)"),
    ):
        path = tmp_path / "announce.toml"
        path.write_text(f"[content]\nmax_image_kb = {value}\n", encoding="utf-8")
        with pytest.raises(ConfigError) as error:
            load_settings(path)
        assert str(error.value) == f"{path}: {message}"


def test_check_names_the_svg_of_hv_open(corpus_config: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--config", str(corpus_config)],
                                catch_exceptions=False, env={"GITHUB_ACTIONS": None})
    systemd = [line for line in result.output.splitlines() if ".svg" in line]
    assert len(systemd) == 1
    assert systemd[0].endswith(
        "_events/2015/2015-10-07-understanding-systemd.md:16: body: "
        "'Systemd_components.svg' is an SVG image, which Gmail and Outlook do not show (they "
        "show its alt text): link a PNG or JPEG instead")


# --- the corpora -----------------------------------------------------------------------------


def _sources(event: Event) -> list[str]:
    return ([event.image] if event.image else []) + images.body_images(event)


def _corpus_settings(tmp_path: Path) -> list[Settings]:
    """HV Open as the corpus tests read it, and each site of sites/ with the config
    ``announce init`` writes for it (in a copy: the corpus is never written to)."""

    config = tmp_path / "hvopen.toml"
    config.write_text(f'[site]\nurl = "https://hvopen.org"\ntimezone = "America/New_York"\n'
                      f'[content]\nevents = "{CORPUS / "_events"}"\n'
                      f'locations = "{CORPUS / "_locations"}"\n', encoding="utf-8")
    found = [load_settings(config)]
    for site in corpus_sites():
        site_config = init_copy(site, tmp_path)
        if site_config is not None:
            found.append(load_settings(site_config))
    return found


@pytest.mark.slow
def test_every_image_of_the_corpora_that_is_there_fits_the_column(tmp_path: Path) -> None:
    shared(CORPUS)
    seen = 0
    for settings in _corpus_settings(tmp_path):
        try:
            catalog = load_catalog(settings)
        except ContentError:  # a site announce cannot read yet: test_facts scores it
            continue
        for event in catalog.events:
            for src in _sources(event):
                seen += 1
                size = images.dimensions(images.substitute(src, settings, event), settings,
                                         event)
                if images.locate(src, settings, event) is not None:
                    assert size is not None, src
                if size is not None:
                    assert 0 < size[0] <= images.CONTENT_WIDTH, (src, size)
                    assert size[1] > 0, (src, size)
    # Every image of the talks is looked up, without an error (today's copies of the sites
    # carry no image files: see their READMEs).
    assert seen > 300
