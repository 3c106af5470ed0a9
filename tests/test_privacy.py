"""Subscribers of a public site stay private: the list from a variable (a secret), the
ledger by keyed hash (no address in the file), history still answers with the key, and a
plain ledger converted without sending anyone a message twice."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from .test_send import EVENT, NOW, announce, send, write_site

KEY = "correct horse battery staple"  # the secret ANNOUNCE_LEDGER_KEY
LEDGER = Path(".announce") / "ledger.sqlite3"
# The reminder of the sample season's talk is due on this day.
REMINDER_DAY = "2027-02-02T09:00"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOUNCE_LEDGER_KEY", raising=False)
    return tmp_path


def _from_variable(config: Path) -> None:
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('recipients = "subscribers.csv"',
                                   'recipients_env = "ANNOUNCE_SUBSCRIBERS"'), encoding="utf-8")
    (config.parent / "subscribers.csv").unlink()


def _recipients(folder: Path) -> list[str]:
    with sqlite3.connect(folder / LEDGER) as db:
        found = [row[0] for row in db.execute("SELECT recipient FROM deliveries")]
    db.close()
    return found


def _assert_no_address(folder: Path, count: int) -> None:
    data = (folder / LEDGER).read_bytes()
    for i in range(count):  # nowhere in the file: not a row, not a page left over
        assert f"s{i:03d}@example.org".encode() not in data


def _outbox_count(folder: Path) -> int:
    return len(list((folder / "outbox" / "new").iterdir()))


def test_subscribers_from_a_secret_and_a_ledger_that_names_nobody(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_site(site, subscribers=3)
    csv_text = (site / "subscribers.csv").read_text(encoding="utf-8")
    _from_variable(config)
    monkeypatch.setenv("ANNOUNCE_SUBSCRIBERS", csv_text)
    monkeypatch.setenv("ANNOUNCE_LEDGER_KEY", KEY)
    sent = send(config, "--next")
    assert sent.exit_code == 0, sent.output
    assert "Summary: 3 sent, 0 failed, 0 skipped, 0 uncertain." in sent.stdout
    assert _outbox_count(site) == 3
    _assert_no_address(site, 3)
    assert all(re.fullmatch(r"hmac-sha256:[0-9a-f]{64}", r) for r in _recipients(site))
    # With the key, "did s001 get it?" has an answer; a stranger's address has none.
    got = announce("history", "--config", str(config), "--recipient", "S001@example.org",
                   "--json")
    assert got.exit_code == 0, got.output
    assert [(r["kind"], r["status"]) for r in json.loads(got.stdout)] == [
        ("announcement", "sent")]
    nobody = announce("history", "--config", str(config), "--recipient", "eve@example.org")
    assert nobody.stdout.startswith("eve@example.org: nothing in the ledger")


def test_a_ledger_without_its_key_or_with_another_sends_nothing(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_site(site, subscribers=2)
    monkeypatch.setenv("ANNOUNCE_LEDGER_KEY", KEY)
    assert send(config, "--next").exit_code == 0
    for key in ("", "another key"):
        monkeypatch.setenv("ANNOUNCE_LEDGER_KEY", key)
        refused = send(config, "--next", now=REMINDER_DAY)
        assert refused.exit_code == 1
        assert "this ledger stores recipients by a keyed hash" in refused.output
        assert "every recipient would look new, so nothing is sent" in refused.output
    assert _outbox_count(site) == 2


def test_a_plain_ledger_is_hashed_with_the_key_and_nobody_gets_a_message_twice(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Announced with a plain ledger, to two subscribers of three; then the key is set.
    config = write_site(site, subscribers=3)
    all_rows = (site / "subscribers.csv").read_text(encoding="utf-8")
    (site / "subscribers.csv").write_text("\n".join(all_rows.splitlines()[:3]) + "\n",
                                          encoding="utf-8")
    assert send(config, "--next").exit_code == 0
    assert sorted(_recipients(site)) == ["s000@example.org", "s001@example.org"]
    (site / "subscribers.csv").write_text(all_rows, encoding="utf-8")
    monkeypatch.setenv("ANNOUNCE_LEDGER_KEY", KEY)
    # The next run converts the ledger, then sends only to the one who did not have it
    # (forced: the announcement is complete; the ledger skips whoever has it).
    again = send(config, EVENT, "--kind", "announcement", "--force")
    assert again.exit_code == 0, again.output
    assert "Summary: 1 sent, 0 failed, 2 skipped, 0 uncertain." in again.stdout
    assert _outbox_count(site) == 3
    _assert_no_address(site, 3)
    assert len(_recipients(site)) == 3
    # And the reminder, days later, goes to each of the three once.
    assert send(config, "--next", now=REMINDER_DAY).exit_code == 0
    assert _outbox_count(site) == 6


def test_recipients_env_unset_says_which_variable(site: Path) -> None:
    config = write_site(site, subscribers=1)
    _from_variable(config)
    result = send(config, "--next", "--dry-run", now=NOW)
    assert result.exit_code == 1
    assert "[mail] recipients_env: the variable ANNOUNCE_SUBSCRIBERS is not set or empty" \
        in result.output


def test_a_pull_requests_preview_runs_without_the_subscribers_secret(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A pull request's job gets no secret: its check and preview go on, say the list is
    # withheld, and send nothing; anywhere else the missing variable stays an error.
    config = write_site(site, subscribers=3)
    _from_variable(config)
    monkeypatch.delenv("ANNOUNCE_SUBSCRIBERS", raising=False)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_OUTPUT", str(site / "output"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(site / "summary.md"))
    checked = announce("check", "--config", str(config))
    assert "recipients_env" not in checked.output, checked.output
    dry = send(config, "--next", "--dry-run", now=NOW)
    assert dry.exit_code == 0, dry.output
    assert "which this run is not given (a pull request has no secrets)" in dry.output
    assert not (site / LEDGER).exists()
    monkeypatch.setenv("GITHUB_EVENT_NAME", "schedule")
    assert send(config, "--next", "--dry-run", now=NOW).exit_code == 1
