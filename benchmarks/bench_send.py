"""How fast ``announce send`` delivers, and how much memory it needs, against smtp-sink.

Starts Debian postfix's ``smtp-sink`` (/usr/sbin/smtp-sink) on 127.0.0.1 and sends the
sample announcement to 10,000 subscribers twice, in the same run:

- ``announce``: the real thing, ``send.send()`` with ``[smtp] concurrency = 8``, with
  the ledger (claim, confirm), the recipients CSV and the per-recipient addressing;
- ``bare loop``: aiosmtplib alone, 8 reused connections, the same bytes per recipient.

Target (issue 4): announce at 80% of the bare loop's msgs/s or better. Then the peak RSS
(VmHWM) of a whole send to 1,000 and to 50,000 subscribers, each in a fresh process:
target, 50,000 within 1.3x of 1,000.

Then a relay far away (issue 22): smtp-sink behind a TCP proxy on 127.0.0.1 that holds
every chunk for half the round trip each way (``--rtt``, default 50 ms), and announce
(which pipelines, as smtp-sink advertises PIPELINING) against the bare loop (lock-step,
as aiosmtplib is) at equal connections, and announce at the default 4 connections.
Targets: >= 3x the bare loop (the limit is about 4x), >= 100 msgs/s at the defaults.
Prints figures and ratios, from one run; fails on nothing.

    .venv/bin/python benchmarks/bench_send.py [--count 10000] [--rtt-count 400] [--rtt 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SMTP_SINK = "/usr/sbin/smtp-sink"
NOW = "2027-01-28T09:00"
CONCURRENCY = 8
SENDER = "announce@example.org"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def smtp_sink() -> Iterator[int]:
    """smtp-sink on 127.0.0.1, accepting and discarding everything; yields its port."""
    port = free_port()
    command = [SMTP_SINK, f"127.0.0.1:{port}", "256"]
    if os.geteuid() == 0:  # smtp-sink refuses to run as root without -u
        command[1:1] = ["-u", "nobody"]
    sink = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if sink.poll() is not None or time.monotonic() > deadline:
                    assert sink.stderr is not None
                    problem = sink.stderr.read().decode()
                    raise SystemExit(f"smtp-sink did not start: {problem}") from None
                time.sleep(0.05)
        yield port
    finally:
        sink.terminate()
        sink.wait(timeout=10)
        if sink.stderr is not None:
            sink.stderr.close()


@contextlib.contextmanager
def delaying_proxy(target: int, rtt: float) -> Iterator[int]:
    """A TCP proxy on 127.0.0.1 to ``target`` that delivers each chunk ``rtt / 2`` seconds
    after it arrived, in order, each way: a server ``rtt`` away. Yields its port."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    state: dict[str, object] = {}

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, chunk = await queue.get()
                if not chunk:
                    break
                await asyncio.sleep(max(0.0, due - loop.time()))
                writer.write(chunk)
                await writer.drain()
            writer.close()

        sender = asyncio.create_task(deliver())
        while chunk := await reader.read(65536):
            queue.put_nowait((loop.time() + rtt / 2, chunk))
        queue.put_nowait((0.0, b""))
        await sender

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
        with contextlib.suppress(OSError):
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def serve() -> None:
        server = await asyncio.start_server(client, "127.0.0.1", 0)
        state["port"] = server.sockets[0].getsockname()[1]
        state["server"] = server
        started.set()
        async with server:
            await server.serve_forever()

    def run() -> None:
        with contextlib.suppress(asyncio.CancelledError):  # closing ends serve_forever
            loop.run_until_complete(serve())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield int(state["port"])  # type: ignore[call-overload]
    finally:
        server = state["server"]
        loop.call_soon_threadsafe(server.close)  # type: ignore[attr-defined]


def write_site(folder: Path, port: int, subscribers: int,
               concurrency: int = CONCURRENCY) -> Path:
    with (folder / "subscribers.csv").open("w", encoding="utf-8") as out:
        out.write("email,name\n")
        for i in range(subscribers):
            out.write(f"member{i:05d}@example.org,Member {i}\n")
    config = folder / "announce.toml"
    config.write_text(f"""
[site]
name = "River City Open Tech"
url = "https://example.org"
timezone = "America/New_York"
permalink = "/events/:year/:month/:title"

[content]
events = "{REPO / 'content' / 'events'}"
locations = "{REPO / 'content' / 'locations'}"

[mail]
from = "River City Open Tech <{SENDER}>"
recipients = "subscribers.csv"
list_id = "River City Open Tech <announce.example.org>"
unsubscribe = ["mailto:leave@example.org", "https://example.org/unsubscribe"]

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
concurrency = {concurrency}
""", encoding="utf-8")
    return config


def run_announce(config: Path) -> tuple[float, int]:
    """Seconds for a whole ``send --next`` in this process, and messages sent."""
    from announce.config import load_settings
    from announce.content import parse_datetime
    from announce.send import SendOptions, send
    from announce.sources.catalog import load_catalog

    settings = load_settings(config)
    catalog = load_catalog(settings)
    now = parse_datetime(NOW, settings.site.tz)
    start = time.perf_counter()
    report = send(settings, catalog, now, SendOptions())
    elapsed = time.perf_counter() - start
    [item] = report.items
    assert item.sent == item.recipients, item
    return elapsed, item.sent


def run_bare(config: Path) -> tuple[float, int]:
    """Seconds for aiosmtplib alone: as many reused connections, the same bytes."""
    import aiosmtplib

    from announce.compose import compose
    from announce.config import load_settings
    from announce.content import parse_datetime
    from announce.kinds import NO_SENDS
    from announce.recipients import load_recipients
    from announce.sources.catalog import load_catalog

    settings = load_settings(config)
    catalog = load_catalog(settings)
    now = parse_datetime(NOW, settings.site.tz)
    event = catalog.find("2027/2027-02-03-observability-with-opentelemetry")
    prepared = compose(settings, catalog, event, "announcement", now, NO_SENDS)
    assert settings.smtp is not None
    port = settings.smtp.port
    smtp_settings = settings.smtp

    async def main() -> int:
        recipients = iter(load_recipients(settings))
        sent = 0

        async def worker() -> None:
            nonlocal sent
            smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False,
                                   local_hostname="localhost")
            await smtp.connect()
            for recipient in recipients:
                data = prepared.to_bytes(recipient.header,
                                         message_id=prepared.message_id_for(recipient.address))
                await smtp.sendmail(SENDER, [recipient.address], data)
                sent += 1
            await smtp.quit()

        await asyncio.gather(*(worker() for _ in range(smtp_settings.concurrency)))
        return sent

    start = time.perf_counter()
    sent = asyncio.run(main())
    return time.perf_counter() - start, sent


def peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("no VmHWM in /proc/self/status")


def child_rss(subscribers: int) -> None:
    """In a fresh process: one whole send, then print the peak RSS in KiB."""
    with smtp_sink() as port, tempfile.TemporaryDirectory() as tmp:
        run_announce(write_site(Path(tmp), port, subscribers))
    print(peak_rss_kib())


def measure_rss(subscribers: int) -> int:
    done = subprocess.run([sys.executable, __file__, "--rss", str(subscribers)],
                          capture_output=True, text=True, check=True)
    return int(done.stdout.strip().splitlines()[-1])


def far_away(rtt: float, count: int) -> None:
    """announce (pipelining) and the bare loop (lock-step) through the delaying proxy."""
    with smtp_sink() as sink, delaying_proxy(sink, rtt) as port:
        figures = {}
        for name, runner, connections in (("bare loop", run_bare, CONCURRENCY),
                                          ("announce", run_announce, CONCURRENCY),
                                          ("announce, defaults", run_announce, 4)):
            with tempfile.TemporaryDirectory() as tmp:
                seconds, sent = runner(write_site(Path(tmp), port, count, connections))
            figures[name] = sent / seconds
    bare = figures["bare loop"]
    print(f"send to {count} subscribers via smtp-sink {rtt * 1000:.0f} ms away (a delaying "
          "proxy)")
    print(f"  bare aiosmtplib loop  {bare:8.1f} msgs/s   lock-step, {CONCURRENCY} connections")
    print(f"  announce send         {figures['announce']:8.1f} msgs/s   "
          f"{figures['announce'] / bare:5.2f}x the bare loop, {CONCURRENCY} connections "
          "(target >= 3x)")
    print(f"  announce, defaults    {figures['announce, defaults']:8.1f} msgs/s   "
          "4 connections (target >= 100 msgs/s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rss", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rtt", type=float, default=50.0, help="milliseconds")
    parser.add_argument("--rtt-count", type=int, default=400)
    parser.add_argument("--far-only", action="store_true",
                        help="only the figure through the delaying proxy")
    args = parser.parse_args()
    if args.rss:
        child_rss(args.rss)
        return
    if not shutil.which(SMTP_SINK):
        print(f"skipped: {SMTP_SINK} not found (Debian: apt-get install postfix)")
        return

    if args.far_only:
        far_away(args.rtt / 1000, args.rtt_count)
        return
    with smtp_sink() as port:
        figures: dict[str, list[float]] = {"announce": [], "bare loop": []}
        # Alternate, twice each, so that neither side gets a warmer machine.
        for _ in range(2):
            for name, runner in (("bare loop", run_bare), ("announce", run_announce)):
                with tempfile.TemporaryDirectory() as tmp:
                    seconds, sent = runner(write_site(Path(tmp), port, args.count))
                figures[name].append(sent / seconds)
    bare, ours = max(figures["bare loop"]), max(figures["announce"])
    print(f"send to {args.count} subscribers via smtp-sink, {CONCURRENCY} connections "
          "(best of 2)")
    print(f"  bare aiosmtplib loop  {bare:8.0f} msgs/s")
    print(f"  announce send         {ours:8.0f} msgs/s   {ours / bare:6.1%} of the bare loop "
          "(target >= 80%)")

    far_away(args.rtt / 1000, args.rtt_count)

    small, large = measure_rss(1_000), measure_rss(50_000)
    print("peak RSS of a whole send (VmHWM, fresh process each)")
    print(f"  1,000 subscribers     {small / 1024:8.1f} MiB")
    print(f"  50,000 subscribers    {large / 1024:8.1f} MiB   {large / small:.2f}x "
          "(target <= 1.3x)")


if __name__ == "__main__":
    main()
