"""How fast the preview answers, and how soon an edit shows in an open page.

Starts ``announce preview --port 0`` on a copy of the sample season (127.0.0.1 only) and
prints: the time per index page, per message page and per ``/_version`` poll; the time
from saving a talk to ``/_version`` moving (the server's side of live reload); and, when
/usr/bin/chromium is there, from saving a talk to its new title showing in the open page
(the whole of it; the issue asks for under 2 s).

Then, under load: 200 clients at once on ``/_version`` and on a message page (how many
were answered, how many reset or timed out, the slowest answer), and how long one
request takes while 20 idle clients (connected, sending nothing) and 20 half-sent
requests hold connections open, and how long the server keeps a half-sent request.

    .venv/bin/python benchmarks/bench_preview.py
"""

from __future__ import annotations

import http.client
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
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


def concurrent(port: int, path: str, clients: int) -> str:
    """``clients`` connections opened at the same moment, each with one GET."""
    barrier = threading.Barrier(clients)

    def one(_: int) -> tuple[str, float]:
        barrier.wait()
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=200)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            outcome = "ok" if response.status == 200 else f"HTTP {response.status}"
        except (ConnectionError, http.client.HTTPException) as exc:
            outcome = type(exc).__name__
        except TimeoutError:
            outcome = "timeout"
        finally:
            conn.close()
        return outcome, time.perf_counter() - start

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(clients)))
    wall = time.perf_counter() - start
    outcomes: dict[str, int] = {}
    for outcome, _ in results:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    times = sorted(t for _, t in results)
    return (f"{outcomes.get('ok', 0)}/{clients} answered"
            + "".join(f", {n} {what}" for what, n in outcomes.items() if what != "ok")
            + f"; all in {wall:5.2f} s, median {statistics.median(times) * 1000:6.0f} ms, "
              f"slowest {times[-1] * 1000:6.0f} ms")


def beside_idle(port: int, count: int) -> str:
    """The time of one GET while ``count`` idle and ``count`` half-sent clients wait."""
    held = []
    try:
        for n in range(2 * count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if n % 2:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line
            held.append(sock)
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", "/_version")
            conn.getresponse().read()
        except (OSError, http.client.HTTPException) as exc:
            return f"failed after {time.perf_counter() - start:.1f} s: {exc!r}"
        finally:
            conn.close()
        return f"{(time.perf_counter() - start) * 1000:.1f} ms"
    finally:
        for sock in held:
            sock.close()


def half_sent_dropped(port: int, patience: float = 60.0) -> str:
    """How long the server keeps a connection whose request never ends."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sock.settimeout(patience)
        start = time.perf_counter()
        try:
            while sock.recv(4096):
                pass
        except TimeoutError:
            return f"still open after {patience:.0f} s"
        except ConnectionError:
            pass
        return f"{time.perf_counter() - start:.1f} s"


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
            print(f"200 at once, /_version        {concurrent(port, '/_version', 200)}")
            print(f"200 at once, message page     "
                  f"{concurrent(port, f'/message/announcement/{TALK}', 200)}")
            print(f"one request beside 20 idle and 20 half-sent clients: "
                  f"{beside_idle(port, 20)}")
            print(f"a half-sent request is dropped after: {half_sent_dropped(port)}")

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
