"""The generators seam: a new static-site generator is one entry in `sources/profiles.py`.

In a copy of announce, "Bake" (a made-up generator: `bake.toml` at the site's root, pages
in `pages/`, files served as they are from `assets/`, and js-yaml's clock: a time
written without offset is UTC) is added as one `Generator` entry with its config reader,
and nothing else: `init` finds it and puts the events where it says, `check` and the mail
find a talk's image in its public folder, `feed` writes into that folder, and a time
written without offset is read as UTC. The same site read with the entry's clock set to
the site's zone starts an hour earlier, in UTC: the entry, not a branch elsewhere, decides.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import zlib
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from .conftest import REPO

READER = '''\
def read_bake(root: Path) -> SiteConfig:
    import tomllib

    path = root / "bake.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return SiteConfig(name=data.get("title", ""), url=data.get("url", ""),
                      content_dirs=("pages",), path=path, raw=data)


GENERATORS: tuple[Generator, ...] = ('''

ENTRY = '''\
    Generator(name="bake", label="Bake", markers=("bake.toml",), clock="{clock}",
              content_roots=("pages",), read_config=read_bake, public=("assets",),
              folders=lambda config: ("pages/events", "pages/places")),
)
# No generator's files'''

SCRIPT = textwrap.dedent("""\
    from announce.cli import main

    main()
""")

TALK = """\
---
title: Bread at scale {n}
date: 2027-03-0{n}T18:30:00
location: The Bakery
speakers: [Ada Crumb]
image: /img/cover.png
---
Kneading, at scale.
"""


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\0" + b"\0" * 3 * width for _ in range(height)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def _copy(tmp_path: Path, clock: str) -> Path:
    copy = tmp_path / f"announce-{clock}"
    shutil.copytree(REPO / "announce", copy / "announce",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "templates", copy / "templates")
    shutil.copy(REPO / "config.example.toml", copy / "config.example.toml")
    shutil.copytree(REPO / "examples", copy / "examples")
    profiles = copy / "announce" / "sources" / "profiles.py"
    text = profiles.read_text(encoding="utf-8")
    head = "GENERATORS: tuple[Generator, ...] = ("
    tail = ")\n# No generator's files"
    assert text.count(head) == 1
    assert text.count(tail) == 1
    text = text.replace(head, READER).replace(tail, ENTRY.format(clock=clock))
    profiles.write_text(text, encoding="utf-8")
    return copy


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "bake.toml").write_text(
        'title = "Bake Night"\nurl = "https://bake.example.org"\n', encoding="utf-8")
    (site / "assets" / "img").mkdir(parents=True)
    (site / "assets" / "img" / "cover.png").write_bytes(_png(300, 200))
    events = site / "pages" / "events"
    events.mkdir(parents=True)
    for n in (3, 4, 5):
        (events / f"2027-03-0{n}-bread.md").write_text(TALK.format(n=n), encoding="utf-8")
    return site


@pytest.mark.slow
@pytest.mark.parametrize(("clock", "start"), [
    ("utc", "2027-03-04T18:30:00+00:00"),
    ("local", "2027-03-04T17:30:00+00:00"),  # 18:30 in Berlin
])
def test_a_new_generator_is_one_entry(tmp_path: Path, clock: str, start: str) -> None:
    copy, site = _copy(tmp_path, clock), _site(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANNOUNCE_", "GITHUB_"))}
    env["PYTHONPATH"] = str(copy)  # before the checkout's editable install

    def announce(*args: str) -> subprocess.CompletedProcess[str]:
        run = subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=site, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
        assert run.returncode == 0, run.stderr
        return run

    # init detects it and puts the events where its entry says.
    init = announce("init", "--yes", "--timezone", "Europe/Berlin")
    assert "Found a Bake site: events in pages/events/" in init.stdout
    config = (site / "announce.toml").read_text(encoding="utf-8")
    assert 'generator = "bake"' in config
    assert 'events = "pages/events"' in config
    assert 'name = "Bake Night"' in config
    # Its clock: a time written without offset is UTC, or the site's own.
    listed = json.loads(announce("list", "--all", "--json", "--now", "2027-03-01").stdout)
    starts = [datetime.fromisoformat(e["start"]) for e in listed]
    assert starts[1] == datetime.fromisoformat(start)
    # Its public folder: the talk's /img/cover.png is its assets/img/cover.png, sized in
    # the mail, and the feeds go into assets/announce/.
    eml = announce("render", "--next", "--now", "2027-02-20", "--to", "list@example.org").stdout
    message = email.message_from_string(eml, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("html",))
    assert part is not None
    html = part.get_content()
    assert 'src="https://bake.example.org/img/cover.png"' in html
    assert 'width="300"' in html
    announce("feed", "--now", "2027-02-20")
    assert (site / "assets" / "announce" / "events.ics").is_file()
