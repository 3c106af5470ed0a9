"""Postfix and Mailman 3 core on 127.0.0.1, each with every file in one temporary folder.

The group's mail server as a real one is set up: Postfix takes announce's message on an
SMTP port and hands mail for the list's domain to Mailman's LMTP runner (the transport
maps Mailman itself writes, as Mailman's Postfix docs say); Mailman delivers to its
members over SMTP through the same Postfix, which relays everything else to one
recording aiosmtpd, every member's mailbox. Nothing system-wide is read or changed but
the binaries: Postfix runs with ``-c`` on its own ``main.cf``/``master.cf``, queue and
data folders; Mailman runs from its own virtualenv (``make mailman-venv``) with ``-C`` on
its own ``mailman.cfg`` and SQLite database.

Postfix's daemons run as the ``postfix`` user: the folder is made readable for them
(0755), not pytest's private tmp folder, and removed at the end.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
POSTFIX = Path("/usr/sbin/postfix")
POSTMAP = Path("/usr/sbin/postmap")
POSTQUEUE = Path("/usr/sbin/postqueue")
REPO = Path(__file__).resolve().parents[2]
# Built by `make mailman-venv` (.ci/mailman-venv, ignored by git); ANNOUNCE_MAILMAN_VENV
# points elsewhere.
MAILMAN_VENV = Path(os.environ.get("ANNOUNCE_MAILMAN_VENV", REPO / ".ci" / "mailman-venv"))


def missing() -> str | None:
    """Why the stack cannot run here, or None when it can."""
    if not POSTFIX.exists():
        return "needs Postfix (/usr/sbin/postfix): `make system-deps` installs it"
    if os.geteuid() != 0:
        return "needs root: Postfix's master runs as root and its daemons as 'postfix'"
    if not (MAILMAN_VENV / "bin" / "mailman").exists():
        return (f"needs Mailman 3 in {MAILMAN_VENV}: `make mailman-venv` installs it "
                "(`make test` does too)")
    return None


def free_port() -> int:
    """A port nobody listens on now (the system's choice for port 0)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(what: str, ready: Callable[[], bool], *, timeout: float,
             log: Path | None = None, logs: Callable[[], str] | None = None) -> None:
    """Poll ``ready`` until it is true; after ``timeout`` seconds fail, with the tail of
    ``log`` (or what ``logs`` gives)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            tail = logs() if logs is not None else ""
            if log is not None and log.exists():
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            raise TimeoutError(f"{what}: not after {timeout:g} s\n{tail}")
        time.sleep(0.2)


def listening(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def _run(command: list[str], env: Mapping[str, str] | None = None) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: exit {done.returncode}\n{done.stdout}"
                           f"{done.stderr}")
    return done.stdout


@dataclass
class Postfix:
    """One Postfix instance: its own config folder, queue and log."""

    root: Path
    port: int
    relayhost: str  # where mail for other domains goes: "[127.0.0.1]:PORT"
    maps: Path  # Mailman's data folder, holding postfix_lmtp and postfix_domains
    conf: Path = field(init=False)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.conf = self.root / "postfix"
        self.log = self.root / "postfix.log"

    def write_config(self) -> None:
        self.conf.mkdir(mode=0o755)
        queue, data = self.root / "postfix-queue", self.root / "postfix-data"
        # postfix start makes the queue's own folders; these two must be there, the data
        # folder the mail owner's.
        queue.mkdir(mode=0o755)
        data.mkdir(mode=0o700)
        shutil.chown(data, user="postfix")
        # What Mailman's docs have the site add to main.cf, around a loopback-only MTA.
        main = {
            "compatibility_level": "3.6",
            "queue_directory": str(queue),
            "data_directory": str(data),
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": "mx.lists.example.org",
            "mydestination": "",
            "inet_interfaces": HOST,
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
            "relayhost": self.relayhost,
            "smtp_dns_support_level": "disabled",
            "alias_maps": "",
            "alias_database": "",
            "biff": "no",
            "recipient_delimiter": "+",
            "owner_request_special": "no",
            "transport_maps": f"hash:{self.maps}/postfix_lmtp",
            "local_recipient_maps": f"hash:{self.maps}/postfix_lmtp",
            "relay_domains": f"hash:{self.maps}/postfix_domains",
            "maillog_file": str(self.log),
            "maillog_file_prefixes": str(self.root),
            # A test's mail should not wait for the default queue scans.
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "smtp_connection_cache_on_demand": "no",
            "message_size_limit": str(10 * 1024 * 1024),
        }
        (self.conf / "main.cf").write_text(
            "".join(f"{key} = {value}\n" for key, value in main.items()), encoding="utf-8")
        # Debian's master.cf, chroot off (the queue is not set up as a jail), the SMTP
        # port on 127.0.0.1, logging to a file (no syslog here).
        services = [
            f"{HOST}:{self.port} inet n - n - - smtpd",
            "pickup unix n - n 60 1 pickup",
            "cleanup unix n - n - 0 cleanup",
            "qmgr unix n - n 300 1 qmgr",
            "rewrite unix - - n - - trivial-rewrite",
            "bounce unix - - n - 0 bounce",
            "defer unix - - n - 0 bounce",
            "trace unix - - n - 0 bounce",
            "verify unix - - n - 1 verify",
            "flush unix n - n 1000? 0 flush",
            "proxymap unix - - n - - proxymap",
            "proxywrite unix - - n - 1 proxymap",
            "smtp unix - - n - - smtp",
            "relay unix - - n - - smtp",
            "showq unix n - n - - showq",
            "error unix - - n - - error",
            "retry unix - - n - - error",
            "discard unix - - n - - discard",
            "lmtp unix - - n - - lmtp",
            "anvil unix - - n - 1 anvil",
            "scache unix - - n - 1 scache",
            "postlog unix-dgram n - n - 1 postlogd",
        ]
        (self.conf / "master.cf").write_text("\n".join(services) + "\n", encoding="utf-8")

    def command(self, *args: str) -> list[str]:
        return [str(POSTFIX), "-c", str(self.conf), *args]

    def start(self) -> None:
        _run(self.command("start"))
        wait_for("Postfix's SMTP port", lambda: listening(self.port), timeout=30, log=self.log)

    def queue_empty(self) -> bool:
        out = _run([str(POSTQUEUE), "-c", str(self.conf), "-j"])
        return not out.strip()

    def stop(self) -> None:
        if (self.root / "postfix-queue" / "pid" / "master.pid").exists():
            subprocess.run(self.command("stop"), capture_output=True, timeout=60, check=False)


@dataclass
class Mailman:
    """Mailman 3 core: its master and runners, the REST API for what Postorius would do."""

    root: Path
    smtp_port: int  # Postfix's
    lmtp_port: int = field(default_factory=free_port)
    rest_port: int = field(default_factory=free_port)
    rest_password: str = field(default_factory=lambda: secrets.token_hex(12))
    var: Path = field(init=False)
    config: Path = field(init=False)

    def __post_init__(self) -> None:
        self.var = self.root / "mailman"
        self.config = self.root / "mailman.cfg"

    @property
    def log(self) -> Path:
        return self.var / "logs" / "mailman.log"

    @property
    def data(self) -> Path:
        return self.var / "data"

    def write_config(self, postfix_conf: Path) -> None:
        suffixes = self.root / "public_suffix_list.dat"
        suffixes.write_text("org\nnet\n", encoding="utf-8")
        # Mailman's master starts its runners with a bare environment, so gunicorn (the REST
        # runner) would put its control socket in root's ~/.gunicorn: it needs none.
        gunicorn_cfg = self.root / "mailman-gunicorn.cfg"
        gunicorn_cfg.write_text("[gunicorn]\ngraceful_timeout = 2\ntimeout = 360\n"
                                "control_socket_disable = true\n", encoding="utf-8")
        postfix_cfg = self.root / "mailman-postfix.cfg"
        # Mailman runs postmap on the maps it writes; with -c, against this Postfix.
        postfix_cfg.write_text(
            f"[postfix]\npostmap_command: {POSTMAP} -c {postfix_conf}\n"
            "transport_file_type: hash\n", encoding="utf-8")
        self.config.write_text(f"""\
[mailman]
layout: announce
site_owner: owner@lists.example.org

[paths.announce]
var_dir: {self.var}

[database]
class: mailman.database.sqlite.SQLiteDatabase
url: sqlite:///$DATA_DIR/mailman.db

[mta]
incoming: mailman.mta.postfix.LMTP
outgoing: mailman.mta.deliver.deliver
lmtp_host: {HOST}
lmtp_port: {self.lmtp_port}
smtp_host: {HOST}
smtp_port: {self.smtp_port}
configuration: {postfix_cfg}

[webservice]
hostname: {HOST}
port: {self.rest_port}
admin_user: restadmin
admin_pass: {self.rest_password}
configuration: {gunicorn_cfg}

# Not needed to deliver a post: fewer processes to start on two cores.
[runner.archive]
start: no
[runner.digest]
start: no
[runner.nntp]
start: no

# No network here: DNS (DMARC policies) gives up at once, and the public suffix list
# (which Mailman downloads for DMARC) is a local one of the test's domains.
[dmarc]
resolver_timeout: 1s
resolver_lifetime: 1s
org_domain_data_url: file://{suffixes}
""", encoding="utf-8")

    def command(self, *args: str) -> list[str]:
        # The test runs as root (Postfix needs it); Mailman wants to be told so.
        return [str(MAILMAN_VENV / "bin" / "mailman"), "-C", str(self.config), "--run-as-root",
                *args]

    @property
    def env(self) -> dict[str, str]:
        # Whatever the commands keep in $HOME stays in here.
        home = self.root / "home"
        home.mkdir(mode=0o700, exist_ok=True)
        return {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(home)}

    def run(self, *args: str) -> str:
        return _run(self.command(*args), env=self.env)

    def start(self) -> None:
        # The master daemonizes and keeps its stdout: a file, not a pipe to wait on.
        with (self.root / "mailman-start.log").open("wb") as out:
            subprocess.run(self.command("start"), stdin=subprocess.DEVNULL, stdout=out,
                           stderr=subprocess.STDOUT, env=self.env, timeout=120, check=True)
        wait_for("Mailman's REST API", lambda: listening(self.rest_port), timeout=120,
                 log=self.log)
        wait_for("Mailman's LMTP runner", lambda: listening(self.lmtp_port), timeout=120,
                 log=self.log)

    def stop(self) -> None:
        pid_file = self.var / "master.pid"
        if not pid_file.exists():
            return
        subprocess.run(self.command("stop"), capture_output=True, env=self.env, timeout=60,
                       check=False)
        try:
            pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):  # pragma: no cover - a master that ignores SIGTERM
            os.kill(pid, signal.SIGKILL)

    def rest(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """A call to Mailman's REST API (``/3.1/...``), as Postorius makes it: the JSON
        answer, or the path of what a POST created (``members/<id>``)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://{HOST}:{self.rest_port}/3.1/{path.lstrip('/')}", data=data, method=method)
        token = base64.b64encode(f"restadmin:{self.rest_password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            raw = response.read()
            # A created resource answers 201 with its address, and no body.
            location = response.headers.get("Location")
        if raw:
            return json.loads(raw)
        return location.split("/3.1/", 1)[1] if location else None

    def queues_empty(self) -> bool:
        """Nothing waiting in Mailman's queues (a post in progress is in one of them)."""
        queue = self.var / "queue"
        return not any(p.is_file() for name in ("in", "pipeline", "out", "retry", "virgin")
                       for p in (queue / name).glob("*"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class Stack:
    """The folder, Postfix and Mailman; :meth:`close` stops both and removes the folder."""

    def __init__(self, mailbox_port: int):
        self.root = Path(tempfile.mkdtemp(prefix="announce-mailman-"))
        self.root.chmod(0o755)  # Postfix's daemons, as 'postfix', read the maps in here
        self.mailman = Mailman(self.root, smtp_port=free_port())
        self.postfix = Postfix(self.root, port=self.mailman.smtp_port,
                               relayhost=f"[{HOST}]:{mailbox_port}", maps=self.mailman.data)

    def start(self) -> None:
        self.postfix.write_config()
        self.mailman.write_config(self.postfix.conf)
        self.mailman.start()

    def settled(self) -> bool:
        """Mailman's queues and Postfix's queue are empty: all mail there is delivered."""
        return self.mailman.queues_empty() and self.postfix.queue_empty()

    def logs(self) -> str:
        parts = []
        for log in (self.mailman.log, self.mailman.var / "logs" / "smtp.log", self.postfix.log):
            if log.exists():
                lines = log.read_text(errors="replace").splitlines()[-60:]
                parts.append(f"== {log.name}\n" + "\n".join(lines))
        return "\n".join(parts)

    def close(self) -> None:
        try:
            self.postfix.stop()
        finally:
            self.mailman.stop()
            shutil.rmtree(self.root, ignore_errors=True)
