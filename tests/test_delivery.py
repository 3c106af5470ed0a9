"""The transport seam: a new transport is one class plus one registry entry.

The class below stands for an email service's HTTP API (in memory, faults injected in it,
not by mocking announce). It implements :class:`announce.delivery.Transport` on top of the
same pool as SMTP, and ``announce send`` drives it unchanged: claims and outcomes in a
real SQLite ledger, exactly once across reruns, refusals and retries as over SMTP.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from announce import delivery
from announce.config import Settings, SmtpSettings, load_settings
from announce.delivery import Delivered, Outgoing, Overrides, Recorder, permanent, pool
from announce.delivery.outbox import Outbox
from announce.delivery.smtp import SmtpTransport, is_loopback
from announce.delivery.transport import Retry
from announce.errors import ConfigError, RecipientRefused, SendError
from announce.ledger import Ledger

from .conftest import REPO
from .test_send import EVENT, NAME, history, send, write_site

API = "api://mail.example"


@dataclass
class FakeApi:
    """The service: what it accepted, and the faults it has in store per address."""

    accepted: dict[str, bytes] = field(default_factory=dict)
    refuse: dict[str, int] = field(default_factory=dict)     # address -> a 5xx, for good
    busy: dict[str, int] = field(default_factory=dict)       # address -> temporary failures
    requests: int = 0


class ApiChannel:
    """One HTTP connection (keep-alive) to the service."""

    def __init__(self, api: FakeApi):
        self.api = api
        self.connected = False
        self.handed_over = False

    async def open(self) -> None:
        self.connected = True

    async def send(self, item: Outgoing, claimed: asyncio.Future[None]) -> None:
        self.handed_over = False
        await claimed  # the request leaves only once the claim is on disk
        self.handed_over = True
        self.api.requests += 1
        if self.api.busy.get(item.rcpt, 0) > 0:
            self.api.busy[item.rcpt] -= 1
            raise Retry("429 too many requests", 421)  # mapped to SMTP's "try later"
        if item.rcpt in self.api.refuse:
            code = self.api.refuse[item.rcpt]
            raise RecipientRefused(f"{code} suppressed address", code=code, recipient=item.rcpt)
        self.api.accepted[item.rcpt] = item.data

    def close(self) -> None:
        self.connected = False

    async def quit(self) -> None:
        self.close()


class ApiTransport:
    """The whole of a new transport: name, describe, check, deliver."""

    batch_size = 50

    def __init__(self, api: FakeApi, key: str | None):
        self.api = api
        self.key = key

    @property
    def name(self) -> str:
        return API

    def describe(self) -> str:
        return "the mail.example API"

    def check(self) -> None:
        if not self.key:
            raise ConfigError("not set", path="announce.toml", key="[api] key_env")

    def deliver(self, batches: Iterable[Sequence[Outgoing]], recorder: Recorder) -> Delivered:
        self.check()

        async def connect() -> list[ApiChannel]:
            channels = [ApiChannel(self.api) for _ in range(2)]
            await channels[0].open()
            return channels

        policy = pool.Policy(max_attempts=3, backoff=0.001)
        return Delivered(stopped=pool.run(connect, batches, recorder, policy))


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    """The service, registered first: the one registry entry a new transport adds."""
    service = FakeApi()
    entry = delivery.Entry("api", chosen=lambda settings: True,
                           make=lambda settings, overrides: ApiTransport(service, "k3y"))
    monkeypatch.setattr(delivery, "REGISTRY", [entry, *delivery.REGISTRY])
    return service


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_new_transport_sends_exactly_once_through_the_same_pool_and_ledger(
        site: Path, api: FakeApi) -> None:
    config = write_site(site, subscribers=6)
    api.refuse = {"s002@example.org": 550}
    api.busy = {"s004@example.org": 1}
    first = send(config, "--next")
    assert first.exit_code == 3, first.output  # one recipient refused
    assert first.stdout.startswith(f"The announcement of {NAME}, via the mail.example API:")
    assert "  failed: s002@example.org: 550 suppressed address" in first.stdout
    assert "Summary: 5 sent, 1 failed, 0 skipped, 0 uncertain." in first.stdout
    assert sorted(api.accepted) == [f"s{i:03d}@example.org" for i in (0, 1, 3, 4, 5)]
    assert api.requests == 7  # s004 twice (one retry), everyone else once

    # The ledger is the real one: it names the transport, and the refusal is permanent.
    [entry] = history(config)
    assert (entry["event"], entry["kind"], entry["sent"], entry["failed"]) == (
        EVENT, "announcement", 5, 1)
    assert entry["transports"] == [API]
    ledger = Ledger.open_readonly(site / ".announce" / "ledger.sqlite3")
    assert ledger is not None
    with ledger:
        rows = ledger.lookup(EVENT, "announcement", ["s002@example.org", "s004@example.org"])
    assert rows["s002@example.org"].refused
    assert rows["s004@example.org"].status == "sent"

    # A rerun sends nobody a second copy; a permanent refusal does not hold it open.
    requests = api.requests
    rerun = send(config, "--next")
    assert rerun.exit_code == 0, rerun.output
    assert rerun.stdout.startswith("Nothing due")
    assert api.requests == requests
    # --force asks again about the refused recipient only.
    forced = send(config, EVENT, "--kind", "announcement", "--force")
    assert "Summary: 0 sent, 1 failed, 5 skipped, 0 uncertain." in forced.stdout
    assert api.requests == requests + 1


def test_a_transport_check_stops_the_run_before_anything_is_claimed(
        site: Path, api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = delivery.Entry("api", chosen=lambda settings: True,
                           make=lambda settings, overrides: ApiTransport(api, None))
    monkeypatch.setattr(delivery, "REGISTRY", [entry])
    config = write_site(site, subscribers=2)
    result = send(config, "--next")
    assert result.exit_code == 1
    assert result.stderr == "announce: error: announce.toml: [api] key_env: not set\n"
    assert not (site / ".announce" / "ledger.sqlite3").exists()
    assert api.requests == 0


def test_on_a_runner_a_durable_transport_sends_and_one_that_is_not_is_refused(
        site: Path, api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    # No [smtp], and yet no outbox: what a runner refuses is a transport whose messages
    # would go with it (the outbox), as its entry declares, not a config without [smtp].
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(site / "output"))
    config = write_site(site, subscribers=2)
    sent = send(config, "--next")
    assert sent.exit_code == 0, sent.output
    assert sorted(api.accepted) == ["s000@example.org", "s001@example.org"]

    local = delivery.Entry("api", chosen=lambda settings: True,
                           make=lambda settings, overrides: ApiTransport(api, "k3y"),
                           durable=False)
    monkeypatch.setattr(delivery, "REGISTRY", [local])
    refused = send(config, "--next", now="2027-02-02T09:00")
    assert refused.exit_code == 1
    assert "on GitHub Actions the outbox folder is thrown away" in refused.stderr
    assert len(api.accepted) == 2


def _settings(site: Path, smtp: SmtpSettings | None = None) -> Settings:
    settings = load_settings(write_site(site))
    return settings if smtp is None else Settings(**{**settings.__dict__, "smtp": smtp})


def test_the_registry_picks_smtp_when_set_else_the_outbox(site: Path) -> None:
    outbox = delivery.transport_for(_settings(site))
    assert isinstance(outbox, Outbox)
    assert (outbox.name, outbox.describe()) == ("outbox",
                                                "the outbox folder outbox/ (Maildir)")
    smtp = delivery.transport_for(
        _settings(site, SmtpSettings(host="smtp.example.org", port=587, username="me")),
        Overrides(environ={}))
    assert isinstance(smtp, SmtpTransport)
    assert (smtp.name, smtp.describe()) == (
        "smtp://smtp.example.org:587", "SMTP smtp.example.org:587 (STARTTLS, as me)")
    with pytest.raises(ConfigError, match="ANNOUNCE_SMTP_PASSWORD is not set") as caught:
        smtp.check()  # only now is the password looked for
    assert caught.value.key == "[smtp] password_env"
    assert isinstance(caught.value, ValueError)


def test_five_hundreds_are_permanent_and_nothing_else_is() -> None:
    assert [code for code in (250, 421, 452, 499, 500, 550, 599, 600, 700) if permanent(code)] \
        == [500, 550, 599]
    assert not permanent(None)


def test_is_loopback_takes_addresses_and_localhost_and_resolves_no_name() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LocalHost"):
        assert is_loopback(host), host
    # A name is not looked up: what it resolves to may change before the connection.
    for host in ("0.0.0.0", "::", "192.0.2.10", "localhost.example.org", "ip6-localhost"):
        assert not is_loopback(host), host


def test_delivery_imports_no_ledger_and_the_outbox_no_smtp() -> None:
    folder = REPO / "announce" / "delivery"
    for path in folder.glob("*.py"):
        imported = {node.module or "" for node in ast.walk(ast.parse(path.read_text()))
                    if isinstance(node, ast.ImportFrom)}
        assert not any("ledger" in name for name in imported), path.name
        if path.name == "outbox.py":
            assert not any("smtp" in name or "pool" in name for name in imported)


def test_the_outbox_reports_its_folder_and_first_files(tmp_path: Path) -> None:
    class Memory:
        def __init__(self) -> None:
            self.changes: list[object] = []

        def record(self, changes: Sequence[object]) -> None:
            self.changes += changes

        def report(self, outcomes: Sequence[object]) -> None:
            pass

    items = [Outgoing(f"r{i}", f"r{i}@example.org", b"Subject: x\r\n\r\nHi.\r\n")
             for i in range(5)]
    done = Outbox(tmp_path / "out").deliver([items[:2], items[2:]], Memory())
    assert done.stopped is None
    assert done.folder == tmp_path / "out"
    assert len(done.files) == 3
    assert done.files[0].read_bytes() == b"Subject: x\n\nHi.\n"


def test_a_refused_recipient_is_a_send_error_with_fields() -> None:
    refused = RecipientRefused("550 no such user", code=550, recipient="a@example.org")
    assert isinstance(refused, SendError)
    assert (str(refused), refused.code, refused.recipient) == (
        "550 no such user", 550, "a@example.org")
