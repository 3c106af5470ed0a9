"""`check --json` and `send --dry-run --json`: the shapes scripts read, parsed as they would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from announce.cli import cli

from .conftest import REPO

DEMO_NOW = "2027-01-28T09:00"
ANNOUNCE = Path(sys.executable).with_name("announce")
CHECK_KEYS = ["format", "ok", "config", "files", "locations", "events", "errors", "warnings",
              "problems", "notes"]
DRY_RUN_KEYS = ["format", "ok", "dry_run", "config", "messages", "nothing_due", "refused",
                "problems", "notes"]
ITEM_KEYS = ["file", "line", "key", "severity", "message"]
MESSAGE_KEYS = ["event", "title", "start", "file", "kind", "subject", "recipients",
                "already_sent", "uncertain", "audience", "transport", "changed", "unsure"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANNOUNCE_CONFIG", "ANNOUNCE_NOW", "GITHUB_ACTIONS", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A talk with a mistake, one with a warning, a page that is no event."""
    monkeypatch.chdir(tmp_path)
    events = tmp_path / "content" / "events"
    events.mkdir(parents=True)
    (events / "bad.md").write_text("---\ntitle: Bad\ndtstart: 2027-13-06 18:00\n---\n")
    (events / "lunch.md").write_text("---\ntitle: Lunch\ndtstart: 2027-01-20 12:00\n---\n")
    (events / "notes.md").write_text("# Just Markdown\n")
    (tmp_path / "announce.toml").write_text('[mail]\nto = ["members@example.org"]\n')
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def parsed(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# --- check --json -----------------------------------------------------------------------


def test_check_json_of_a_site_without_problems(sample_config: Path) -> None:
    result = run("check", "--json", "--config", str(sample_config))
    assert (result.exit_code, result.stderr) == (0, "")
    data = parsed(result)
    assert list(data) == CHECK_KEYS
    assert data == {"format": 1, "ok": True, "config": str(sample_config), "files": 7,
                    "locations": 3, "events": 7, "errors": 0, "warnings": 0, "problems": [],
                    "notes": []}


def test_check_json_gives_each_problem_its_file_line_key_and_severity(site: Path) -> None:
    result = run("check", "--json", "--now", "2027-01-01")
    assert result.exit_code == 1
    data = parsed(result)
    assert (data["ok"], data["errors"], data["warnings"], data["files"]) == (False, 1, 1, 3)
    assert all(list(item) == ITEM_KEYS for item in data["problems"] + data["notes"])
    assert data["problems"] == [
        {"file": "content/events/bad.md", "line": 3, "key": "dtstart", "severity": "error",
         "message": "'2027-13-06 18:00' is not a date (there is no month 13)"},
        {"file": "content/events/lunch.md", "line": 1, "key": "location",
         "severity": "warning", "message": "unsure: no venue in a key or a labelled line "
         "('Where: ...'), or a placeholder such as 'TBC': the mail says nothing of where"},
    ]
    assert data["notes"] == [
        {"file": "content/events/notes.md", "line": 1, "key": None, "severity": "note",
         "message": "not an event: no front matter (the file must start with a '---' line)"}]


def test_check_json_strict_counts_warnings_as_failing(site: Path) -> None:
    (site / "content" / "events" / "bad.md").unlink()
    assert parsed(run("check", "--json", "--now", "2027-01-01"))["ok"] is True
    strict = run("check", "--json", "--strict", "--now", "2027-01-01")
    assert (strict.exit_code, parsed(strict)["ok"]) == (1, False)


def test_check_json_of_a_config_that_does_not_load_names_each_key(site: Path) -> None:
    (site / "announce.toml").write_text(
        '[site]\ntimezone = "Mars/Olympus"\n\n[mail]\nto = "a@x.org, b@x.org"\n')
    result = run("check", "--json")
    assert result.exit_code == 1
    assert result.stderr.startswith("announce: error: announce.toml: [site] timezone: ")
    data = parsed(result)
    assert list(data) == CHECK_KEYS
    assert (data["ok"], data["files"], data["errors"]) == (False, None, 2)
    assert [(p["file"], p["line"], p["key"]) for p in data["problems"]] == [
        ("announce.toml", 2, "[site] timezone"), ("announce.toml", 5, "[mail] to")]
    assert data["problems"][0]["message"] == (
        "unknown timezone 'Mars/Olympus' (use an IANA name such as 'America/New_York')")


def test_check_json_without_a_config_still_prints_its_object(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("check", "--json")
    assert result.exit_code == 1
    data = parsed(result)
    assert (data["ok"], data["config"]) == (False, None)
    assert data["problems"][0]["message"].startswith(
        f"announce.toml: not found in {tmp_path} or any folder above it: run 'announce init'")


# --- send --dry-run --json ------------------------------------------------------------------


def test_dry_run_json_says_what_would_go_out(sample_config: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sample_config.parent)  # files are named as from here
    result = run("send", "--next", "--dry-run", "--json", "--config", str(sample_config),
                 "--now", DEMO_NOW)
    assert (result.exit_code, result.stderr) == (0, "")
    data = parsed(result)
    assert list(data) == DRY_RUN_KEYS
    assert (data["ok"], data["dry_run"], data["nothing_due"], data["refused"]) == (
        True, True, None, [])
    (message,) = data["messages"]
    assert list(message) == MESSAGE_KEYS
    assert message == {
        "event": "2027/2027-02-03-observability-with-opentelemetry",
        "title": "Observability with OpenTelemetry",
        "start": "2027-02-03T18:00:00-05:00",
        "file": str(REPO / "content/events/2027/2027-02-03-observability-with-opentelemetry.md"),
        "kind": "announcement",
        "subject": "River City Open Tech: Observability with OpenTelemetry (Wed, Feb 3)",
        "recipients": 1, "already_sent": 0, "uncertain": 0,
        "audience": f"{sample_config}: [mail] to: members@example.org",
        "transport": "the outbox folder outbox/ (Maildir)",
        "changed": None, "unsure": [],
    }
    assert not (sample_config.parent / "outbox").exists()  # a dry run writes nothing


def test_dry_run_json_when_nothing_is_due(sample_config: Path) -> None:
    result = run("send", "--next", "--dry-run", "--json", "--config", str(sample_config),
                 "--now", "2027-01-07T09:00")
    assert result.exit_code == 0
    data = parsed(result)
    assert data["messages"] == []
    assert data["nothing_due"].startswith("Nothing due. Next: the announcement of ")


def test_dry_run_json_lists_what_send_refuses(site: Path) -> None:
    (site / "content" / "events" / "bad.md").unlink()
    (site / "content" / "events" / "lunch.md").write_text(
        "---\ntitle: Lunch\ndtstart: 2027-01-20\n---\n")  # a day, no time of day
    result = run("send", "--next", "--dry-run", "--json", "--now", "2027-01-15")
    assert result.exit_code == 1
    data = parsed(result)
    assert list(data) == DRY_RUN_KEYS
    assert (data["ok"], data["messages"]) == (False, [])
    assert data["refused"] == [{
        "event": "lunch", "title": "Lunch", "file": "content/events/lunch.md",
        "kind": "announcement", "unsure": ["location", "start"],
        "why": {"location": "not stated", "start": "dtstart (a date only: no time of day stated)"}}]
    assert data["problems"][0]["message"].startswith("Refusing to send: ")


def test_json_on_a_real_send_is_a_usage_error(sample_config: Path) -> None:
    result = run("send", "--next", "--json", "--config", str(sample_config))
    assert result.exit_code == 2
    assert "Error: --json needs --dry-run" in result.stderr
    assert not (sample_config.parent / "outbox").exists()


def test_a_script_reads_both_from_a_real_process(sample_config: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ANNOUNCE_CONFIG", "NO_COLOR")}
    for args, key in ((["check", "--json"], "problems"),
                      (["send", "--next", "--dry-run", "--json"], "messages")):
        result = subprocess.run(
            [str(ANNOUNCE), *args, "--config", str(sample_config), "--now", DEMO_NOW],
            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["format"] == 1
        assert key in json.loads(result.stdout)
