"""What the ledger costs in git: bytes committed per 10,000 deliveries, and what a run fetches.

Plays a season through the workflow's own ledger steps (``announce.ledger.branch``: fetch,
mark, record) against a bare repository standing in for GitHub: ``--events`` weekly talks,
each announced and reminded (two runs) to ``--subscribers`` recipients kept by keyed hash
(as on a public site), every delivery claimed and confirmed through ``Ledger.record`` as a
send does. Then it packs the branch (``git gc``) and prints, per 10,000 deliveries:

- the branch as the workflow leaves it (the committed form, ``ledger/committed.py``);
- the same runs committing the SQLite file itself, as before (a second bare repository).

and what the last run fetched (its clone's .git). Target (issue 22): under 600 KB per
10,000 deliveries (60 bytes a delivery). Figures only; fails on nothing.

    .venv/bin/python benchmarks/bench_ledger.py [--subscribers 5000] [--events 5]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

from announce.delivery import Outcome
from announce.ledger import Claim, Ledger
from announce.ledger.branch import Place, fetch, git_environment, mark, record
from announce.ledger.keys import RecipientKeys

LEDGER = PurePosixPath(".announce/ledger.sqlite3")
KEYS = RecipientKeys(b"the workflow's ledger key")
ENVIRON = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "group/site",
           "GITHUB_RUN_ID": "1", "GITHUB_RUN_ATTEMPT": "1"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env=ENV).stdout


ENV = {"PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
       "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.org",
       "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.org"}


def bare(root: Path, name: str) -> Path:
    seed = root / f"{name}-seed"
    seed.mkdir()
    (seed / "README.md").write_text("site\n", encoding="utf-8")
    git(seed, "init", "--quiet", "--initial-branch=main")
    git(seed, "add", ".")
    git(seed, "commit", "--quiet", "-m", "site")
    origin = root / f"{name}.git"
    git(root, "clone", "--quiet", "--bare", str(seed), str(origin))
    return origin


def packed(origin: Path) -> int:
    """The repository's bytes once git packs it as a server does (objects in packs)."""
    git(origin, "gc", "--quiet", "--prune=now")
    stats = dict(line.split(": ") for line in git(origin, "count-objects", "-v").splitlines())
    return (int(stats["size-pack"]) + int(stats["size"])) * 1024


def send(ledger: Path, event: str, kind: str, subscribers: int, start: datetime) -> None:
    moment = [start]

    def clock() -> datetime:
        moment[0] += timedelta(milliseconds=4)
        return moment[0]

    with Ledger.open(ledger, clock=clock, keys=KEYS) as opened:
        opened.record_subject(event, kind, f"The {kind} of {event}")
        keys = [opened.recipient_key(f"member{i}@example.org") for i in range(subscribers)]
        for first in range(0, subscribers, 64):  # a group commit's worth at a time
            claims = [Claim(key, "<" + hashlib.sha256(f"{event}{kind}{key}".encode())
                            .hexdigest()[:32] + "@example.org>")
                      for key in keys[first:first + 64]]
            opened.record(event, kind, claims, "smtp")
            opened.record(event, kind, [Outcome(c.recipient, "sent", attempts=1)
                                        for c in claims], "smtp")
        opened.finished(event, kind)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--events", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    try:
        run(root, args.subscribers, args.events)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(root: Path, subscribers: int, events: int) -> None:
    origin, old = bare(root, "origin"), bare(root, "sqlite")
    env, _ = git_environment(ENV)
    old_work = root / "sqlite-work"
    git(root, "clone", "--quiet", str(old), str(old_work))
    git(old_work, "switch", "--quiet", "--orphan", "announce-ledger")
    runs = 0
    fetched = 0
    base = datetime(2027, 1, 4, 18, tzinfo=UTC)
    for week in range(events):
        event = f"2027/2027-{week // 4 + 1:02d}-{week % 4 * 7 + 3:02d}-talk"
        for kind, days in (("announcement", 0), ("reminder", 6)):
            runs += 1
            workspace = root / f"run-{runs}"
            git(root, "clone", "--quiet", f"file://{origin}", str(workspace))
            place = Place(workspace, root / f"clone-{runs}", LEDGER)
            fetch(place, env)
            fetched = sum(p.stat().st_size for p in (place.clone / ".git").rglob("*")
                          if p.is_file())
            mark(place, env, [f"{kind} of {event}"], ENVIRON)
            ledger = workspace / LEDGER
            send(ledger, event, kind, subscribers, base + timedelta(weeks=week, days=days))
            record(place, env, [f"{kind} of {event}"], ENVIRON)
            # The same run, committing the SQLite file as before.
            (old_work / ".announce").mkdir(exist_ok=True)
            shutil.copyfile(ledger, old_work / LEDGER)
            git(old_work, "add", "--force", str(LEDGER))
            git(old_work, "commit", "--quiet", "-m", f"{kind} of {event}")
            sqlite_size = ledger.stat().st_size
            shutil.rmtree(workspace)
            shutil.rmtree(place.clone)
    git(old_work, "push", "--quiet", "origin", "announce-ledger")
    deliveries = runs * subscribers
    per = 10_000 / deliveries
    new_bytes, old_bytes = packed(origin), packed(old)
    seed = packed(bare(root, "empty"))
    print(f"{runs} runs, {events} talks (announcement and reminder) to {subscribers:,} "
          f"subscribers by keyed hash: {deliveries:,} deliveries")
    print(f"ledger committed per 10k deliveries (the branch packed, all {runs} runs' commits; "
          "target < 600 KB):")
    print(f"  committed form (ledger.sqlite3.d/)  {(new_bytes - seed) * per / 1024:8.0f} KB "
          f"  {(new_bytes - seed) / deliveries:5.1f} B/delivery")
    print(f"  the SQLite file, as before          {(old_bytes - seed) * per / 1024:8.0f} KB "
          f"  {(old_bytes - seed) / deliveries:5.1f} B/delivery")
    print(f"  ratio before/now                    {(old_bytes - seed) / (new_bytes - seed):8.1f}x")
    print(f"the SQLite file itself at the end: {sqlite_size * per / 1024:.0f} KB per 10k "
          "deliveries")
    print(f"the last run fetched {fetched / 1024:.0f} KB (the branch's tip only); before, a "
          f"run fetched the whole history: {(old_bytes - seed) / 1024:.0f} KB, "
          f"{(old_bytes - seed) / fetched:.1f}x")


if __name__ == "__main__":
    main()
