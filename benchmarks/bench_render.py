"""How fast a message is rendered, addressed, and written by ``announce render``.

Targets (issue 3): a warm, in-process render of one announcement under 15 ms; the whole
``announce render --next`` process under 0.8 s. Prints figures; fails on nothing.

    .venv/bin/python benchmarks/bench_render.py
"""

from __future__ import annotations

import functools
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from announce.config import load_settings
from announce.content import parse_datetime
from announce.kinds import plan
from announce.message import prepare
from announce.render import render_event
from announce.sources.catalog import load_catalog

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "config.example.toml"
EVENT = "2027/2027-01-06-reproducible-builds-with-nix"
NOW = "2027-01-01T09:00"


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    """Seconds per call, one figure per call."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def report(label: str, times: list[float], unit: float, suffix: str, target: str = "") -> None:
    median, best = statistics.median(times) * unit, min(times) * unit
    print(f"{label:<44} median {median:8.2f} {suffix}  best {best:8.2f} {suffix}  {target}")


def main() -> None:
    settings = load_settings(CONFIG)
    catalog = load_catalog(settings)
    event = catalog.find(EVENT)
    now = parse_datetime(NOW, settings.site.tz)

    first = timed(lambda: render_event(settings, catalog, event, "announcement", now,
                                       plan=plan(event, "announcement", settings.schedule)), 1)
    report("render_event, first call (cold caches)", first, 1000, "ms")
    for kind in ("announcement", "reminder", "cancellation"):
        warm = timed(functools.partial(render_event, settings, catalog, event, kind, now,
                                       plan=plan(event, kind, settings.schedule)), 50)
        report(f"render_event {kind}, warm", warm, 1000, "ms",
               "(target < 15 ms)" if kind == "announcement" else "")

    rendered = render_event(settings, catalog, event, "announcement", now,
                            plan=plan(event, "announcement", settings.schedule))
    report("prepare (MIME tree, serialized once)",
           timed(lambda: prepare(settings, rendered, date=now), 50), 1000, "ms")
    prepared = prepare(settings, rendered, date=now)
    plain = timed(lambda: prepared.to_bytes("ada@example.org", message_id="<1@example.org>"),
                  2000)
    report("to_bytes per recipient, plain address", plain, 1e6, "µs")
    named = timed(lambda: prepared.to_bytes("Zoë Müller <zoe@example.org>",
                                            message_id="<1@example.org>"), 2000)
    report("to_bytes per recipient, non-ASCII name", named, 1e6, "µs")
    print(f"{'message size':<44} {len(prepared.to_bytes('a@example.org', message_id='<1@x.org>'))}"
          " bytes (Gmail clips above 104448)")

    announce = Path(sys.executable).parent / "announce"
    command = [str(announce), "render", "--config", str(CONFIG), "--next", "--now",
               "2027-01-28T09:00"]
    subprocess.run(command, check=True, capture_output=True)  # warm the OS file cache
    whole = timed(lambda: subprocess.run(command, check=True, capture_output=True), 7)
    report("announce render --next (whole process)", whole, 1, "s ", "(target < 0.8 s)")


if __name__ == "__main__":
    main()
