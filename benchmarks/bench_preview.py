"""How fast the preview answers, and how soon an edit shows in an open page.

Starts ``announce preview --port 0`` on a copy of the sample season (127.0.0.1 only) and
prints: the time per index page, per message page and per ``/_version`` poll; the time
from saving a talk to ``/_version`` moving (the server's side of live reload); and, when
/usr/bin/chromium is there, from saving a talk to its new title showing in the open page
(the whole of it; the issue asks for under 2 s).

    .venv/bin/python benchmarks/bench_preview.py
"""

from __future__ import annotations

import http.client
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
TALK = "2027/2027-02-03-observability-with-opentelemetry"


def get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
        return body
    finally:
        conn.close()


def timed(port: int, path: str, runs: int) -> str:
    get(port, path)  # warm: the first render imports and compiles the templates
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        get(port, path)
        times.append(time.perf_counter() - start)
    return f"median {statistics.median(times) * 1000:7.1f} ms, max {max(times) * 1000:7.1f} ms"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        shutil.copytree(REPO / "content", site / "content")
        shutil.copy(REPO / "config.example.toml", site / "announce.toml")
        process = subprocess.Popen(
            [sys.executable, "-c", "from announce.cli import main; main()", "preview",
             "--no-open", "--port", "0", "--config", str(site / "announce.toml"),
             "--now", "2027-01-28T09:00"],
            stdout=subprocess.PIPE, cwd=site,
        )
        assert process.stdout is not None
        try:
            select.select([process.stdout], [], [], 30)
            match = re.search(rb"127\.0\.0\.1:(\d+)", process.stdout.readline())
            if match is None:
                raise SystemExit("the preview printed no URL")
            port = int(match[1])
            print(f"index page        {timed(port, '/?all=1', 30)}")
            print(f"message page      {timed(port, f'/message/announcement/{TALK}', 30)}")
            print(f"email HTML        {timed(port, f'/email/announcement/{TALK}', 30)}")
            print(f"/_version poll    {timed(port, '/_version', 200)}")

            talk = site / "content" / "events" / f"{TALK}.md"
            original = talk.read_text(encoding="utf-8")
            lags = []
            for n in range(10):
                before = get(port, "/_version")
                start = time.perf_counter()
                talk.write_text(original.replace("Observability", f"Observability {n}"),
                                encoding="utf-8")
                while get(port, "/_version") == before:
                    time.sleep(0.005)
                lags.append(time.perf_counter() - start)
            print(f"save -> /_version moves: median {statistics.median(lags) * 1000:.1f} ms")
            talk.write_text(original, encoding="utf-8")

            if CHROMIUM.exists():
                print(f"save -> new title in the open page: {browser_lag(port, talk, original)}")
            else:
                print(f"save -> new title in the open page: skipped ({CHROMIUM} missing)")
        finally:
            # SIGTERM, not SIGINT: a shell that runs this in the background ignores SIGINT
            # for its children, and Python keeps an inherited SIG_IGN.
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)


def browser_lag(port: int, talk: Path, original: str) -> str:
    from playwright.sync_api import sync_playwright

    lags = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_()
                   if "//127.0.0.1:" in route.request.url else route.abort())
        page.goto(f"http://127.0.0.1:{port}/message/announcement/{TALK}")
        for n in range(5):
            title = f"Benchmark title {n}"
            start = time.perf_counter()
            talk.write_text(original.replace("title: Observability with OpenTelemetry",
                                             f"title: {title}"), encoding="utf-8")
            page.wait_for_function(
                "t => document.querySelector('h1.subject')?.textContent.includes(t)",
                arg=title, timeout=10_000)
            lags.append(time.perf_counter() - start)
        browser.close()
    talk.write_text(original, encoding="utf-8")
    return f"median {statistics.median(lags) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms"


if __name__ == "__main__":
    main()
