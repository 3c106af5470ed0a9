"""How fast ``announce send`` delivers, and how much memory it needs, against smtp-sink.

Starts Debian postfix's ``smtp-sink`` (/usr/sbin/smtp-sink) on 127.0.0.1 and sends the
sample announcement to 10,000 subscribers twice, in the same run:

- ``announce``: the real thing, ``send.send()`` with ``[smtp] concurrency = 8``, with
  the ledger (claim, confirm), the recipients CSV and the per-recipient addressing;
- ``bare loop``: aiosmtplib alone, 8 reused connections, the same bytes per recipient.

Target (issue 4): announce at 80% of the bare loop's msgs/s or better. The same as whole
processes (``announce send --next`` against a Python process running the bare loop, each
timed from outside, interleaved): issue 22's figure, which counts start-up, reading the
site and the recipients. Against mailmerge (a whole process, one connection per message,
as it works), installed from PyPI into a venv of its own under the system's temporary
folder if it is not there (skipped, saying so, when it cannot be): target >= 10x. Then the
peak RSS
(VmHWM) of a whole send to 1,000 and to 50,000 subscribers, each in a fresh process:
target, 50,000 within 1.3x of 1,000.

Then a relay far away (issue 22): smtp-sink behind a TCP proxy on 127.0.0.1 that holds
every chunk for half the round trip each way (``--rtt``, default 50 ms), and announce
(which pipelines, as smtp-sink advertises PIPELINING) against the bare loop (lock-step,
as aiosmtplib is) at equal connections, and announce at the default 4 connections.
Targets: >= 3x the bare loop (the limit is about 4x), >= 100 msgs/s at the defaults;
and the defaults with ``[mail] batch_recipients = 50``, in recipients a second.
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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from announce.message import Prepared

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
    from announce.plan import SendOptions
    from announce.send import send
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


def prepare_sample(config: Path) -> Prepared:
    """The sample's announcement, prepared as send prepares it."""
    from announce.compose import compose
    from announce.config import load_settings
    from announce.content import parse_datetime
    from announce.news import NO_SENDS
    from announce.sources.catalog import load_catalog

    settings = load_settings(config)
    catalog = load_catalog(settings)
    now = parse_datetime(NOW, settings.site.tz)
    event = catalog.find("2027/2027-02-03-observability-with-opentelemetry")
    return compose(settings, catalog, event, "announcement", now, NO_SENDS)


def run_bare(config: Path) -> tuple[float, int]:
    """Seconds for aiosmtplib alone: as many reused connections, the same bytes."""
    import aiosmtplib

    from announce.config import load_settings
    from announce.recipients import load_recipients

    settings = load_settings(config)
    prepared = prepare_sample(config)
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


def child_bare(config: Path) -> None:
    """In a fresh process: the bare loop (see run_bare); print the messages sent."""
    print(run_bare(config)[1])


def whole_process(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def whole_processes(count: int) -> None:
    """``announce send`` and the bare loop, each a whole process, interleaved twice."""
    announce = str(Path(sys.executable).with_name("announce"))
    rates: dict[str, list[float]] = {"announce": [], "bare loop": []}
    with smtp_sink() as port:
        for _ in range(2):
            for name in rates:
                with tempfile.TemporaryDirectory() as tmp:
                    config = write_site(Path(tmp), port, count)
                    command = ([announce, "send", "--next", "--now", NOW, "--config",
                                str(config)] if name == "announce" else
                               [sys.executable, __file__, "--bare-child", str(config)])
                    rates[name].append(count / whole_process(command))
    bare, ours = max(rates["bare loop"]), max(rates["announce"])
    print(f"the same as whole processes, {count} subscribers (best of 2, interleaved)")
    print(f"  bare loop, python -c  {bare:8.0f} msgs/s")
    print(f"  announce send --next  {ours:8.0f} msgs/s   {ours / bare:5.2f}x the bare loop "
          "(target >= 0.8x)")


MAILMERGE_VENV = Path(tempfile.gettempdir()) / "announce-bench-mailmerge"


def mailmerge() -> Path | None:
    """mailmerge's command, installed into a venv of its own if need be; None if it
    cannot be (no network, no such package): the figure is then skipped."""
    command = MAILMERGE_VENV / "bin" / "mailmerge"
    if not command.exists():
        made = subprocess.run([sys.executable, "-m", "venv", str(MAILMERGE_VENV)],
                              capture_output=True, text=True, check=False)
        if made.returncode == 0:
            made = subprocess.run([str(MAILMERGE_VENV / "bin" / "pip"), "install", "--quiet",
                                   "mailmerge"], capture_output=True, text=True, check=False)
        if made.returncode != 0 or not command.exists():
            print(f"mailmerge: skipped, it could not be installed: "
                  f"{(made.stderr.strip().splitlines() or ['?'])[-1]}")
            return None
    return command


def against_mailmerge(count: int) -> None:
    """Whole processes: announce send (8 connections) and mailmerge (one at a time, a
    connection per message), the same recipients, interleaved twice."""
    command = mailmerge()
    if command is None:
        return
    announce = str(Path(sys.executable).with_name("announce"))
    rates: dict[str, list[float]] = {"announce": [], "mailmerge": []}
    with smtp_sink() as port:
        for _ in range(2):
            for name in rates:
                with tempfile.TemporaryDirectory() as tmp:
                    folder = Path(tmp)
                    config = write_site(folder, port, count)
                    if name == "announce":
                        argv = [announce, "send", "--next", "--now", NOW, "--config",
                                str(config)]
                    else:
                        argv = [str(command), "--no-dry-run", "--no-limit",
                                "--output-format", "raw", *mailmerge_files(folder, port)]
                    rates[name].append(count / whole_process(argv))
    theirs, ours = max(rates["mailmerge"]), max(rates["announce"])
    print(f"against mailmerge, {count} subscribers, whole processes (best of 2, interleaved)")
    print(f"  mailmerge             {theirs:8.0f} msgs/s   the same message, 1 connection "
          "per message")
    print(f"  announce send --next  {ours:8.0f} msgs/s   {ours / theirs:5.1f}x mailmerge "
          "(target >= 10x)")


def mailmerge_files(folder: Path, port: int) -> list[str]:
    """mailmerge's server config, database (the subscribers' CSV) and template: the very
    message announce sends (its bytes, To: made a template field), so both send as much."""
    (folder / "server.conf").write_text(
        f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\nsecurity = Never\n"
        "ratelimit = 0\n", encoding="utf-8")
    prepared = prepare_sample(folder / "announce.toml")
    data = prepared.to_bytes("x@example.org", message_id="<bench@example.org>").decode()
    head, _, body = data.replace("\r\n", "\n").partition("\n\n")
    head = "\n".join("TO: {{email}}" if line.startswith("To: ") else line
                     for line in head.split("\n"))
    (folder / "template.txt").write_text(f"{head}\n\n{{% raw %}}{body}{{% endraw %}}",
                                         encoding="utf-8")
    return ["--template", str(folder / "template.txt"), "--database",
            str(folder / "subscribers.csv"), "--config", str(folder / "server.conf")]


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
                                          ("announce, defaults", run_announce, 4),
                                          ("announce, shared", run_announce, 4)):
            with tempfile.TemporaryDirectory() as tmp:
                config = write_site(Path(tmp), port, count, connections)
                if name == "announce, shared":  # [mail] batch_recipients = 50
                    config.write_text(config.read_text(encoding="utf-8").replace(
                        'recipients = "subscribers.csv"',
                        'recipients = "subscribers.csv"\nbatch_recipients = 50'),
                        encoding="utf-8")
                seconds, sent = runner(config)
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
    print(f"  announce, shared      {figures['announce, shared']:8.1f} recipients/s   "
          "4 connections, [mail] batch_recipients = 50")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rss", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--bare-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mailmerge-count", type=int, default=2000)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rtt", type=float, default=50.0, help="milliseconds")
    parser.add_argument("--rtt-count", type=int, default=400)
    parser.add_argument("--far-only", action="store_true",
                        help="only the figure through the delaying proxy")
    args = parser.parse_args()
    if args.rss:
        child_rss(args.rss)
        return
    if args.bare_child:
        child_bare(args.bare_child)
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

    whole_processes(args.count)
    against_mailmerge(args.mailmerge_count)
    far_away(args.rtt / 1000, args.rtt_count)

    small, large = measure_rss(1_000), measure_rss(50_000)
    print("peak RSS of a whole send (VmHWM, fresh process each)")
    print(f"  1,000 subscribers     {small / 1024:8.1f} MiB")
    print(f"  50,000 subscribers    {large / 1024:8.1f} MiB   {large / small:.2f}x "
          "(target <= 1.3x)")


if __name__ == "__main__":
    main()
