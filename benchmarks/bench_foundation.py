"""Start-up and loading speed of the foundation: what `announce --help` imports, how long a
whole `announce list` takes on the HV Open corpus, and how many talk files load per second.

Targets: `--help` imports none of markdown, premailer, jinja2, aiosmtplib (issue 2);
`announce list` under 0.3 s as a whole process on every corpus site, each set up by
`announce init` (issue 9); 20,000 generated event files load at 10,000 files/s or more
(issue 9: reading any site's conventions costs more per file than reading one site's).
Prints figures; exits 1 only if a heavy library is imported at start-up (that is a
correctness property, also tested in tests/test_cli.py).

    .venv/bin/python benchmarks/bench_foundation.py
"""

from __future__ import annotations

import gc
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import frontmatter

from announce.config import load_settings
from announce.sources.catalog import load_catalog

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "hvopen-website"
SERVICE_MESH = REPO.parent / "shared" / "examples" / "service-mesh-talk.md"
ANNOUNCE = Path(sys.executable).with_name("announce")
HEAVY = ("markdown", "premailer", "jinja2", "aiosmtplib")
FILES = 20_000
RUNS = 7


def corpus_config(folder: Path, events: Path, locations: Path) -> Path:
    path = folder / "announce.toml"
    path.write_text(
        f'[site]\ntimezone = "America/New_York"\n'
        f'[content]\nevents = "{events}"\nlocations = "{locations}"\n'
        f'[ledger]\npath = "{folder / "ledger.sqlite3"}"\n',
        encoding="utf-8",
    )
    return path


def imported_at_startup(args: Sequence[str]) -> tuple[list[str], float]:
    """The heavy top-level packages a fresh process imports, and announce.cli's import time."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c",
         "import sys; from announce.cli import main; main(sys.argv[1:])", *args],
        capture_output=True, text=True, check=False,
    )
    heavy, cli_us = set(), 0
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if not match:
            continue
        cumulative, name = int(match[1]), match[3]
        if name.split(".")[0] in HEAVY:
            heavy.add(name.split(".")[0])
        if name == "announce.cli":
            cli_us = cumulative
    return sorted(heavy), cli_us / 1e6


def whole_process(args: Sequence[str], runs: int = RUNS) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(ANNOUNCE), *args], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


def best_of(func: Callable[[], object], runs: int = 3) -> list[float]:
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def generate_from(templates: list[tuple[str, str]], events: Path, count: int) -> None:
    """``count`` talk files, cycling over (name, text) templates, 1,000 to a folder."""
    for i in range(count):
        name, text = templates[i % len(templates)]
        folder = events / f"{i // 1000:02d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True)
        (folder / f"{i:05d}-{name}").write_text(text, encoding="utf-8")


def loading(label: str, templates: list[tuple[str, str]], locations: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate_from(templates, folder / "_events", FILES)
        settings = load_settings(corpus_config(folder, folder / "_events", locations))
        catalog = load_catalog(settings)
        assert len(catalog.events) == FILES, [str(p) for p in catalog.errors[:3]]
        times = best_of(lambda: load_catalog(settings))
        files = sorted((folder / "_events").rglob("*.md"))
        reference = best_of(lambda: [frontmatter.load(path) for path in files])
    rate = FILES / min(times)
    print(f"  {label}:")
    print(f"    load_catalog        {rate:9,.0f} files/s  (best of 3; median "
          f"{FILES / statistics.median(times):,.0f})")
    print(f"    python-frontmatter  {FILES / min(reference):9,.0f} files/s  "
          "(frontmatter.load alone, for comparison)")
    return rate


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> int:
    status = 0
    print("Start-up imports (a fresh process, python -X importtime):")
    with tempfile.TemporaryDirectory() as tmp:
        config = corpus_config(Path(tmp), CORPUS / "_events", CORPUS / "_locations")
        for args in (["--help"], ["list", "--config", str(config)]):
            heavy, cli_seconds = imported_at_startup(args)
            shown = "announce " + " ".join(args[:1])
            print(f"  {shown:16} heavy libraries imported: {', '.join(heavy) or 'none'}  "
                  f"[{verdict(not heavy)}]; announce.cli imports in {cli_seconds * 1000:.0f} ms")
            status |= bool(heavy)

        print(f"\nWhole process, median of {RUNS} runs:")
        times = whole_process(["--help"])
        print(f"  announce --help                      {statistics.median(times):.3f} s")
        files = len(list((CORPUS / "_events").rglob("*.md")))
        times = whole_process(["list", "--all", "--config", str(config)])
        median = statistics.median(times)
        print(f"  announce list --all, corpus ({files} files) {median:.3f} s  "
              f"(target < 0.4 s) [{verdict(median < 0.4)}]")

    print("\n`announce list --all` on each corpus site after `announce init`, median of "
          f"{RUNS} runs (target < 0.3 s):")
    for site in sorted(p for p in (CORPUS.parent / "sites").iterdir() if p.is_dir()):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "site"
            shutil.copytree(site, copy)
            subprocess.run([str(ANNOUNCE), "init"], cwd=copy, capture_output=True, check=True)
            site_config = str(copy / "announce.toml")
            files = sum(1 for _ in copy.rglob("*.md"))
            median = statistics.median(whole_process(["list", "--all", "--config",
                                                      site_config]))
        print(f"  {site.name[:44]:44} {files:4} files  {median:.3f} s  "
              f"[{verdict(median < 0.3)}]")

    print(f"\nLoading {FILES:,} generated event files (target >= 10,000 files/s):")
    corpus_files = sorted((CORPUS / "_events").rglob("*.md"))
    shaped = [(p.name, p.read_text(encoding="utf-8")) for p in corpus_files]
    rate = loading(f"shaped like the HV Open site (its {len(shaped)} files, cycled; "
                   "median 0.9 KB)", shaped, CORPUS / "_locations")
    print(f"    [{verdict(rate >= 10_000)}]")
    mesh = SERVICE_MESH.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        locations = Path(tmp)
        (locations / "rock.md").write_text("---\ntitle: 300 Rockefeller Hall\n---\n")
        rate = loading("all long talks like service-mesh-talk.md (2 KB, every section)",
                       [("service-mesh.md", mesh)], locations)
    print(f"    [{verdict(rate >= 10_000)}]")
    return status


if __name__ == "__main__":
    if not CORPUS.is_dir():
        sys.exit(f"the shared corpus is missing: {CORPUS}")
    sys.exit(main())
