"""How long `announce feed` and `announce archive` take as whole processes.

Target (issue 24): `announce feed` on the largest corpus site (the most events in
facts.json) under 0.5 s, a whole process after `announce init`, at a clock a month
before its last event (what a daily run sees: the past month and what is to come), next
to `announce list --all` on the same site and to `feed` with every event in the calendar
(each one's description made as its mails' calendar file has it: the worst case). Also
printed: `feed` on the other corpus sites of 100 events or more, and `announce archive`
over a ledger of 200 messages that went out (generated through the ledger itself, each
the size of a golden announcement). Prints figures; fails on nothing.

    .venv/bin/python benchmarks/bench_feed.py
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SITES = REPO.parent / "shared" / "corpus" / "sites"
ANNOUNCE = Path(sys.executable).with_name("announce")
RUNS = 7
TARGET = 0.5
MESSAGES = 200


def whole_process(args: Sequence[str], cwd: Path, runs: int = RUNS) -> tuple[float, str]:
    """The median of ``runs`` runs of ``announce ARGS`` in ``cwd``, in seconds, and the
    median of their CPU time (user and system) in words: on a machine shared with other
    work, the wall clock waits for it and the CPU time does not."""
    times: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([str(ANNOUNCE), *args], cwd=cwd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), f"(cpu {statistics.median(cpus):.3f} s)"


def set_up(name: str, info: dict[str, object], folder: Path) -> Path | None:
    """A copy of the corpus site ``name`` after `announce init`: its root, or None."""
    shutil.copytree(SITES / name, folder / name)
    root = folder / name / str(info["root"])
    init = subprocess.run([str(ANNOUNCE), "init", "--yes", "--timezone", str(info["tz"])],
                          cwd=root, capture_output=True, text=True, check=False)
    if init.returncode != 0 or not (root / "announce.toml").is_file():
        return None
    config = root / "announce.toml"
    text = config.read_text(encoding="utf-8")
    if (root / "pelicanconf.py").is_file():  # announce cannot know Pelican's static folder
        text = text.replace('# path = "static/announce"', 'path = "content/extras/announce"')
    config.write_text(text, encoding="utf-8")
    return root


def last_month(root: Path) -> str:
    """A clock a month before the site's last event: the calendar then holds what a
    daily run's does (the past [feed] days_back days and what is to come)."""
    listed = subprocess.run([str(ANNOUNCE), "list", "--all", "--json"], cwd=root,
                            capture_output=True, text=True, check=True)
    starts = [datetime.fromisoformat(row["start"]) for row in json.loads(listed.stdout)]
    return (max(starts) - timedelta(days=30)).isoformat(timespec="minutes")


def calendar_size(root: Path, now: str) -> str:
    done = subprocess.run([str(ANNOUNCE), "feed", "--now", now], cwd=root,
                          capture_output=True, text=True, check=True)
    return done.stdout.split(": ", 1)[1].split(" events", 1)[0]


def feeds() -> None:
    facts = json.loads((SITES / "facts.json").read_text(encoding="utf-8"))
    sites = sorted(((info["events"], name, info) for name, info in facts.items()
                    if not name.startswith("_")), reverse=True)
    _, largest, info = sites[0]
    print(f"`announce feed` on the largest corpus site, {largest}, after `announce init`, "
          f"median of {RUNS} runs (target < {TARGET} s):")
    with tempfile.TemporaryDirectory() as tmp:
        root = set_up(largest, info, Path(tmp))
        assert root is not None, f"init failed on {largest}"
        now = last_month(root)
        median, cpu = whole_process(["list", "--all"], root)
        print(f"  list --all (reading the site, for comparison)       {median:.3f} s {cpu}")
        median, cpu = whole_process(["feed", "--now", now], root)
        print(f"  feed, a month before its last event ({calendar_size(root, now):>3} in the "
              f"calendar) {median:.3f} s {cpu}  [{'ok' if median < TARGET else 'MISSED'}]")
        median, cpu = whole_process(["feed", "--now", "2000-01-01"], root)
        print(f"  feed, every event in the calendar ({calendar_size(root, '2000-01-01'):>3})"
              f"           {median:.3f} s {cpu}")
    print("\n`announce feed` a month before the last event, on the other corpus sites of 100 "
          "events or more:")
    for events, name, info in sites[1:]:
        if events < 100:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            root = set_up(name, info, Path(tmp))
            if root is None:
                print(f"  {name[:44]:44} init failed")
                continue
            now = last_month(root)
            median, cpu = whole_process(["feed", "--now", now], root)
            print(f"  {name[:44]:44} {events:4} events ({calendar_size(root, now):>3} in the "
                  f"calendar)  {median:.3f} s {cpu}")


def archive() -> None:
    from announce.config import load_settings
    from announce.ledger import Ledger

    print(f"\n`announce archive` over a ledger of {MESSAGES} messages that went out, median "
          f"of {RUNS} runs (a first run writes every page; the next ones none):")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = folder / "announce.toml"
        config.write_text(
            (REPO / "config.example.toml").read_text(encoding="utf-8")
            .replace('events = "content/events"', f'events = "{REPO / "content/events"}"')
            .replace('locations = "content/locations"',
                     f'locations = "{REPO / "content/locations"}"'), encoding="utf-8")
        settings = load_settings(config)
        html = (REPO / "tests" / "golden").glob("*announcement*.html")
        body = next(iter(sorted(html))).read_text(encoding="utf-8")
        start = datetime(2025, 1, 1, tzinfo=UTC)
        with Ledger.open(settings.ledger.path, clock=lambda: start) as ledger:
            for n in range(MESSAGES):
                ledger.keep_copy(f"2025/talk-{n:03d}", "announcement", f"Talk {n}",
                                 body, "text " * 300, "smtp://mail.example.org:587")
        print(f"  ledger with the copies: {settings.ledger.path.stat().st_size // 1024} KB "
              f"({len(body) // 1024} KB of HTML each)")
        first = time.perf_counter()
        subprocess.run([str(ANNOUNCE), "archive"], cwd=folder, capture_output=True, check=True)
        print(f"  first run                   {time.perf_counter() - first:.3f} s")
        median, cpu = whole_process(["archive"], folder)
        print(f"  nothing changed             {median:.3f} s {cpu}")


def main() -> int:
    feeds()
    archive()
    return 0


if __name__ == "__main__":
    if not SITES.is_dir():
        sys.exit(f"the shared corpus is missing: {SITES}")
    sys.exit(main())
