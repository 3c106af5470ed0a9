"""The command line, end to end: `list`, `check`, --help, --version, --now, --config.

Other commands are tested with their own modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from announce import __version__
from announce.cli import cli

from .conftest import REPO

DEMO_NOW = "2027-01-28T09:00"
HEAVY = ("markdown", "premailer", "jinja2", "aiosmtplib", "docutils")
ANNOUNCE = Path(sys.executable).with_name("announce")  # the installed console script

UPCOMING = """\
Wed 2027-02-03 18:00 EST  meeting    Observability with OpenTelemetry  @ Jitsi  [due: announcement]
Wed 2027-03-03 18:00 EST  meeting    Home Automation with Home Assistant (cancelled)  @ Foundry Makerspace
Wed 2027-04-07 18:00 EDT  meeting    Postgres Internals for the Curious  @ Riverside Library Auditorium
Wed 2027-05-05 18:00 EDT  meeting    Rust on Microcontrollers  @ Foundry Makerspace
Wed 2027-06-02 18:00 EDT  meeting    Mad Science Fair  @ Riverside Library Auditorium
"""  # noqa: E501 - the command's real lines

PAST = """\
Wed 2027-01-06 18:00 EST  meeting    Reproducible Builds with Nix  @ Riverside Library Auditorium
Thu 2027-01-21 12:00 EST  lunch      River City Open Tech Lunch  @ Foundry Makerspace
"""

JSON_KEYS = ["id", "title", "type", "start", "end", "location", "address", "online", "speakers",
             "rsvp_url", "url", "group", "cancelled", "due", "unsure", "sources", "path"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The output must not depend on the shell or the CI system the tests run in.
    for name in ("ANNOUNCE_CONFIG", "ANNOUNCE_NOW", "GITHUB_ACTIONS", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False,
                              prog_name="announce")


def lines(text: str) -> list[str]:
    return text.splitlines()


# --- --help, --version -----------------------------------------------------------------


@pytest.mark.parametrize("option", ["--help", "-h"])
def test_help(option: str) -> None:
    result = run(option)
    assert result.exit_code == 0
    assert result.output.startswith("Usage: announce [OPTIONS] COMMAND [ARGS]...")
    assert "  list " in result.output
    assert "  check " in result.output
    assert "Example: announce list --now 2027-01-28" in result.output


@pytest.mark.parametrize("command", ["list", "check"])
@pytest.mark.parametrize("option", ["--help", "-h"])
def test_command_help(command: str, option: str) -> None:
    result = run(command, option)
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: announce {command} [OPTIONS]")
    assert "Example" in result.output
    assert "--config FILE" in result.output
    assert "[env var: ANNOUNCE_CONFIG]" in result.output
    assert "[env var: ANNOUNCE_NOW]" in result.output


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"announce, version {__version__}\n"


def test_an_unknown_command_is_a_usage_error() -> None:
    result = run("lsit")
    assert result.exit_code == 2
    assert "Error: No such command 'lsit'." in result.output


# --- list ------------------------------------------------------------------------------


def test_list_shows_upcoming_events_and_what_is_due(sample_config: Path) -> None:
    result = run("list", "--config", str(sample_config), "--now", DEMO_NOW)
    assert result.exit_code == 0
    assert result.stdout == UPCOMING
    assert result.stderr == ""


def test_list_all_shows_past_events_too(sample_config: Path) -> None:
    result = run("list", "--all", "--config", str(sample_config), "--now", DEMO_NOW)
    assert result.exit_code == 0
    assert result.stdout == PAST + UPCOMING


def test_list_json(sample_config: Path) -> None:
    result = run("list", "--all", "--json", "--config", str(sample_config), "--now", DEMO_NOW)
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) == 7
    assert all(list(row) == JSON_KEYS for row in rows)
    assert rows[2] == {
        "id": "2027/2027-02-03-observability-with-opentelemetry",
        "title": "Observability with OpenTelemetry",
        "type": "meeting",
        "start": "2027-02-03T18:00:00-05:00",
        "end": "2027-02-03T19:30:00-05:00",
        "location": "Jitsi",
        "address": None,
        "online": True,
        "speakers": ["Priya Raman", "Tom O'Neil"],
        "rsvp_url": "https://example.org/rsvp/2027-02",
        "url": "https://example.org/events/2027/02/observability-with-opentelemetry",
        "group": None,
        "cancelled": False,
        "due": ["announcement"],
        "unsure": [],
        "sources": {"start": "dtstart (line 3)", "title": "title (line 2)",
                    "location": "location (line 5)", "speakers": "presenter (line 8)",
                    "url": "[site] permalink '/events/:year/:month/:title'"},
        "path": str(REPO / "content/events/2027/2027-02-03-observability-with-opentelemetry.md"),
    }
    cancelled = rows[3]
    assert (cancelled["title"], cancelled["cancelled"], cancelled["due"]) == (
        "Home Automation with Home Assistant", True, [])
    # Summer time after March 14: the offset follows the site's timezone.
    assert rows[4]["start"] == "2027-04-07T18:00:00-04:00"
    assert rows[4]["end"] == "2027-04-07T20:00:00-04:00"  # no dtend: 120 minutes
    assert [row["start"] for row in rows] == sorted(row["start"] for row in rows)


def test_list_json_of_upcoming_events(sample_config: Path) -> None:
    result = run("list", "--json", "--config", str(sample_config), "--now", DEMO_NOW)
    assert [row["title"] for row in json.loads(result.stdout)] == [
        "Observability with OpenTelemetry", "Home Automation with Home Assistant",
        "Postgres Internals for the Curious", "Rust on Microcontrollers", "Mad Science Fair"]


def test_list_with_nothing_upcoming(sample_config: Path, tmp_path: Path) -> None:
    result = run("list", "--config", str(sample_config), "--now", "2028-01-01")
    assert (result.exit_code, result.output) == (0, "No upcoming events.\n")
    result = run("list", "--json", "--config", str(sample_config), "--now", "2028-01-01")
    assert (result.exit_code, result.output) == (0, "[]\n")
    empty = tmp_path / "empty"
    (empty / "content" / "events").mkdir(parents=True)
    (empty / "announce.toml").write_text("")
    result = run("list", "--all", "--config", str(empty / "announce.toml"))
    assert (result.exit_code, result.output) == (0, "No events.\n")


def test_events_of_types_not_announced_are_listed_but_never_due(tmp_path: Path) -> None:
    config = tmp_path / "announce.toml"
    config.write_text(f'[content]\nevents = "{REPO / "content/events"}"\n'
                      f'locations = "{REPO / "content/locations"}"\ntypes = ["lunch"]\n'
                      '[site]\ntimezone = "America/New_York"\n')
    result = run("list", "--json", "--config", str(config), "--now", "2027-01-12")
    due = {row["title"]: row["due"] for row in json.loads(result.stdout)}
    assert due["River City Open Tech Lunch"] == ["announcement"]
    assert due["Observability with OpenTelemetry"] == []


# --- --now and --config ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "first_due"),
    [
        ("2027-01-28", "announcement"),  # a date: midnight in the site's timezone
        ("2027-01-24T18:00", "announcement"),  # the window opens: 10 days before, to the minute
        ("2027-01-24T17:59:59", None),
        ("2027-01-24 23:00:00Z", "announcement"),  # with an offset, in UTC
        ("2027-01-24T22:59:59+00:00", None),
    ],
)
def test_now_sets_the_clock(sample_config: Path, now: str, first_due: str | None) -> None:
    result = run("list", "--json", "--config", str(sample_config), "--now", now)
    assert result.exit_code == 0
    first = json.loads(result.stdout)[0]
    assert first["title"] == "Observability with OpenTelemetry"
    assert first["due"] == ([first_due] if first_due else [])


def test_now_and_config_from_the_environment(sample_config: Path) -> None:
    env = {"ANNOUNCE_CONFIG": str(sample_config), "ANNOUNCE_NOW": DEMO_NOW}
    result = run("list", env=env)
    assert (result.exit_code, result.stdout) == (0, UPCOMING)
    # The option wins over the variable.
    result = run("list", "--now", "2027-06-01", env=env)
    assert result.stdout == (
        "Wed 2027-06-02 18:00 EDT  meeting    Mad Science Fair  @ Riverside Library Auditorium"
        "  [due: announcement]\n")


def test_a_bad_now_is_a_usage_error(sample_config: Path) -> None:
    result = run("list", "--config", str(sample_config), "--now", "soon")
    assert result.exit_code == 2
    assert lines(result.stderr)[-1] == (
        "Error: Invalid value for '--now': 'soon' is not a date "
        "(expected e.g. '2027-01-06 18:00')")


def test_announce_toml_in_the_current_folder_is_the_default(
    sample_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sample_config.parent)
    result = run("list", "--now", DEMO_NOW)
    assert (result.exit_code, result.stdout) == (0, UPCOMING)


def test_announce_toml_is_found_in_a_folder_above_as_git_finds_its_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    (site / "content" / "events").mkdir(parents=True)
    (site / "content" / "events" / "t.md").write_text(
        "---\ntitle: T\ndtstart: 2027-01-06 18:00\n---\n")
    # Relative paths stay relative to the config's folder, not to where announce runs.
    (site / "announce.toml").write_text('[site]\ntimezone = "Europe/Berlin"\n')
    deep = site / "content" / "events"
    monkeypatch.chdir(deep)
    result = run("list", "--now", "2027-01-01")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == ("Wed 2027-01-06 18:00 CET  meeting    T  @ -  [due: announcement]  "
                             "[unsure: location]\n")
    # A mistake in it is named as it is from here.
    (site / "announce.toml").write_text('[site]\ntimezone = "Europe/Berlinn"\n')
    result = run("list")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "announce: error: ../../announce.toml: [site] timezone: unknown timezone")


def test_without_announce_toml_here_or_above_it_says_to_run_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content" / "events").mkdir(parents=True)
    for command in (["list"], ["check"], ["send", "--next"], ["history"]):
        result = run(*command)
        assert result.exit_code == 1, command
        assert result.stdout == ""
        assert result.stderr == (
            f"announce: error: announce.toml: not found in {tmp_path} or any folder above it: "
            "run 'announce init' in the site's folder to write one (or name a config file "
            "with --config)\n")
    assert not (tmp_path / "outbox").exists()


def test_a_missing_config_file(tmp_path: Path) -> None:
    result = run("list", "--config", str(tmp_path / "nope.toml"))
    assert result.exit_code == 1
    assert result.stderr == f"announce: error: {tmp_path / 'nope.toml'}: no such config file\n"
    assert result.stdout == ""


def test_config_mistakes_are_each_printed(tmp_path: Path) -> None:
    config = tmp_path / "announce.toml"
    config.write_text('[site]\ntimezone = "Mars/Olympus"\n[schedule]\nannounce_days_before = "x"\n')
    result = run("check", "--config", str(config))
    assert result.exit_code == 1
    assert lines(result.stderr) == [  # in the file's order
        f"announce: error: {config}: [site] timezone: unknown timezone 'Mars/Olympus' "
        "(use an IANA name such as 'America/New_York')",
        f"announce: error: {config}: [schedule] announce_days_before: "
        "expected an integer, got a string ('x')",
    ]


def test_mistakes_in_the_default_config_name_it_as_it_is_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "announce.toml").write_text('[site]\ntimezone = "America/NewYork"\n')
    result = run("list")
    assert result.exit_code == 1
    assert result.stderr == (
        "announce: error: announce.toml: [site] timezone: unknown timezone 'America/NewYork' "
        "(use an IANA name such as 'America/New_York')\n")


def test_a_missing_events_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "announce.toml").write_text("")
    for command in ("list", "check"):
        result = run(command)
        assert result.exit_code == 1
        assert result.stderr == (
            "announce: error: content/events: events folder not found "
            '(set [content] events in announce.toml, e.g. events = "_events")\n')


@pytest.mark.parametrize("command", [["check"], ["send", "--next", "--dry-run"],
                                     ["render", "--next"], ["list"]])
def test_an_unknown_language_stops_every_command_with_the_catalog_meant(
    sample_config: Path, command: list[str]
) -> None:
    text = sample_config.read_text(encoding="utf-8")
    sample_config.write_text(text.replace('language = "en"', 'language = "deutsch"'),
                             encoding="utf-8")
    result = run(*command, "--config", str(sample_config), "--now", DEMO_NOW)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f'announce: error: {sample_config}: [site] language: no catalog for "deutsch"; did '
        'you mean "de"? (catalogs: de, en, es, fr, it, ja, nl, pl, pt)\n')


# --- bad files -------------------------------------------------------------------------


@pytest.fixture
def site_with_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    events = tmp_path / "content" / "events"
    events.mkdir(parents=True)
    (tmp_path / "content" / "locations").mkdir()
    (tmp_path / "content" / "locations" / "hall.md").write_text("---\ntitle: Hall\n---\n")
    (events / "good.md").write_text(
        "---\ntitle: Good\ndtstart: 2027-01-06 18:00\nlocation: Hall\n---\n")
    (events / "bad.md").write_text(
        "---\ntitle: Bad\ndtstart: 2027-01-06 18:00\ndtend: 2027-01-06 17:00\n"
        "location: Barn\n---\n")
    (events / "no-front-matter.md").write_text("# Just Markdown\n")
    (events / "lunch.md").write_text("---\ntitle: Lunch\ndtstart: 2027-01-20 12:00\n---\n")
    (tmp_path / "announce.toml").write_text('[mail]\nto = ["members@example.org"]\n')
    return tmp_path


def test_list_leaves_bad_files_out_with_a_warning(site_with_problems: Path) -> None:
    result = run("list", "--now", "2027-01-01")
    assert result.exit_code == 0
    assert lines(result.stdout) == [
        "Wed 2027-01-06 18:00 UTC  meeting    Good  @ Hall  [due: announcement]",
        "Wed 2027-01-20 12:00 UTC  meeting    Lunch  @ -  [unsure: location]",
    ]
    assert lines(result.stderr) == [
        "announce: warning: content/events/bad.md:4: dtend: 2027-01-06 17:00 is before "
        "dtstart (2027-01-06 18:00) (file left out)",
        "announce: warning: content/events/bad.md:5: location: unknown location 'Barn' "
        "(known: 'Hall') (file left out)",
    ]


def test_check_prints_every_problem_and_fails(site_with_problems: Path) -> None:
    result = run("check")
    assert result.exit_code == 1
    assert lines(result.stdout) == [
        "error: content/events/bad.md:4: dtend: 2027-01-06 17:00 is before dtstart "
        "(2027-01-06 18:00)",
        "error: content/events/bad.md:5: location: unknown location 'Barn' (known: 'Hall')",
        "warning: content/events/lunch.md:1: location: unsure: no venue in a key or a labelled "
        "line ('Where: ...'), or a placeholder such as 'TBC': the mail says nothing of where",
        "note: content/events/no-front-matter.md:1: not an event: no front matter "
        "(the file must start with a '---' line)",
        "Checked 4 event files and 1 location: 2 errors, 1 warning, "
        "1 file left out as no events.",
    ]


def test_check_passes_with_warnings_unless_strict(site_with_problems: Path) -> None:
    (site_with_problems / "content/events/bad.md").unlink()
    (site_with_problems / "content/events/no-front-matter.md").unlink()
    result = run("check")
    assert result.exit_code == 0
    assert lines(result.stdout)[-1] == "Checked 2 event files and 1 location: 0 errors, 1 warning."
    strict = run("check", "--strict")
    assert strict.exit_code == 1
    assert strict.stdout == result.stdout


def test_check_on_the_sample_season(sample_config: Path) -> None:
    result = run("check", "--strict", "--config", str(sample_config))
    assert result.exit_code == 0
    assert result.stdout == "Checked 7 event files and 3 locations: 0 errors, 0 warnings.\n"


# --- colour ----------------------------------------------------------------------------

RED, YELLOW = (click.style(f"{label}:", fg=colour, bold=True)
               for label, colour in (("error", "red"), ("warning", "yellow")))


def test_errors_and_warnings_are_coloured_on_a_terminal(site_with_problems: Path) -> None:
    # color=True: click's test runner stands in for a terminal.
    result = CliRunner().invoke(cli, ["check"], color=True, env={"NO_COLOR": ""})
    assert lines(result.stdout)[0] == (
        f"{RED} content/events/bad.md:4: dtend: 2027-01-06 17:00 is before dtstart "
        "(2027-01-06 18:00)")
    assert lines(result.stdout)[2].startswith(
        f"{YELLOW} content/events/lunch.md:1: location: unsure: no venue in a key")
    assert lines(result.stdout)[3].startswith("note: ")  # notes stay plain
    listed = CliRunner().invoke(cli, ["list", "--now", "2027-01-01"], color=True)
    assert lines(listed.stderr)[0].startswith(f"announce: {YELLOW} content/events/bad.md:4: ")
    (site_with_problems / "announce.toml").unlink()
    failed = CliRunner().invoke(cli, ["list"], color=True)
    assert failed.stderr.startswith(f"announce: {RED} announce.toml: not found in ")


@pytest.mark.parametrize("no_color", ["1", "true", "0"])  # any value but the empty one
def test_no_color_turns_colour_off_on_a_terminal_too(site_with_problems: Path,
                                                     no_color: str) -> None:
    result = CliRunner().invoke(cli, ["check"], color=True, env={"NO_COLOR": no_color})
    assert "\x1b" not in result.output
    assert lines(result.stdout)[0].startswith("error: content/events/bad.md:4: ")


def test_no_colour_when_the_output_is_no_terminal(site_with_problems: Path) -> None:
    assert "\x1b" not in run("check").output
    result = run_process(str(ANNOUNCE), "check", cwd=site_with_problems)
    assert "\x1b" not in result.stdout + result.stderr
    assert lines(result.stdout)[0].startswith("error: content/events/bad.md:4: ")


def on_a_terminal(args: list[str], cwd: Path, **env: str) -> str:
    """What ``args`` writes to a real pseudo-terminal (stdout and stderr both)."""
    import pty

    leader, follower = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "ANNOUNCE_CONFIG")}
    with subprocess.Popen(args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=follower,
                          stderr=follower, env={**environ, **env}) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the process closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8")


@pytest.mark.slow
def test_a_real_terminal_gets_colour_unless_no_color(site_with_problems: Path) -> None:
    shown = on_a_terminal([str(ANNOUNCE), "check"], site_with_problems)
    assert f"{RED} content/events/bad.md:4: dtend: " in shown
    assert f"{YELLOW} content/events/lunch.md:1: location: " in shown
    plain = on_a_terminal([str(ANNOUNCE), "check"], site_with_problems, NO_COLOR="1")
    assert "\x1b" not in plain
    assert "error: content/events/bad.md:4: dtend: " in plain


# --- real processes --------------------------------------------------------------------


def run_process(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ANNOUNCE_CONFIG", "ANNOUNCE_NOW", "GITHUB_ACTIONS")}
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env, timeout=60,
                          check=False)


def test_the_installed_command(sample_config: Path) -> None:
    result = run_process(str(ANNOUNCE), "list", "--config", str(sample_config), "--now", DEMO_NOW)
    assert (result.returncode, result.stdout, result.stderr) == (0, UPCOMING, "")


def test_python_dash_m_announce(sample_config: Path, tmp_path: Path) -> None:
    result = run_process(sys.executable, "-m", "announce", "--version", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, f"announce, version {__version__}\n")
    result = run_process(sys.executable, "-m", "announce", "list", "--config",
                         str(sample_config), "--now", DEMO_NOW, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, UPCOMING)


@pytest.mark.slow
def test_a_user_mistake_in_a_real_process_has_no_traceback(site_with_problems: Path) -> None:
    result = run_process(str(ANNOUNCE), "check", cwd=site_with_problems)
    assert result.returncode == 1
    assert "Checked 4 event files and 1 location: 2 errors, 1 warning, 1 file left out as no " \
        "events." in result.stdout
    result = run_process(str(ANNOUNCE), "list", "--config", "nope.toml", cwd=site_with_problems)
    assert result.returncode == 1
    assert result.stderr == "announce: error: nope.toml: no such config file\n"
    result = run_process(str(ANNOUNCE), "list", "--now", "tomorrow", cwd=site_with_problems)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


IMPORTED = """
import sys
from announce.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))
delivery = sorted(name for name in sys.modules if name.startswith("announce.delivery"))
print("delivery:", ",".join(delivery), file=sys.stderr)
print("heavy:", ",".join(heavy), file=sys.stderr)
""".replace("HEAVY", repr(HEAVY))


@pytest.mark.parametrize(
    "args", [["--help"], ["list", "--help"], ["list", "--config", "{config}", "--now", DEMO_NOW]])
def test_help_and_list_do_not_import_the_heavy_libraries(
    args: list[str], sample_config: Path
) -> None:
    # Start-up time: Markdown, premailer, Jinja2 and aiosmtplib load only where they are used.
    args = [arg.format(config=sample_config) for arg in args]
    result = run_process(sys.executable, "-c", IMPORTED, *args)
    assert result.returncode == 0, result.stderr
    assert lines(result.stderr)[-1] == "heavy: "
    assert result.stdout.startswith("Usage: announce" if "--help" in args else UPCOMING)


def test_list_reads_the_ledger_without_the_delivery_package(sample_config: Path) -> None:
    # Start-up time again: list shows what was sent, and sends nothing.
    from datetime import UTC, datetime

    from announce.config import load_settings
    from announce.delivery import Outcome
    from announce.ledger import Claim, Ledger

    path = load_settings(sample_config).ledger.path
    with Ledger.open(path, clock=lambda: datetime(2027, 1, 28, tzinfo=UTC)) as ledger:
        ledger.record("2027/x", "announcement", [Claim("a@example.org", "<1@x>")], "smtp")
        ledger.record("2027/x", "announcement", [Outcome("a@example.org", "sent")], "smtp")
    result = run_process(sys.executable, "-c", IMPORTED, "list", "--config",
                         str(sample_config), "--now", DEMO_NOW)
    assert result.returncode == 0, result.stderr
    assert lines(result.stderr)[-2:] == ["delivery: ", "heavy: "]


# A send in another process, holding the ledger as a real one does from its first record
# to its end (announce.ledger: locking_mode EXCLUSIVE), until its stdin closes.
SENDING = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from announce.ledger import Claim, Ledger
ledger = Ledger.open(Path(sys.argv[1]), clock=lambda: datetime(2027, 1, 28, tzinfo=UTC))
ledger.record("2027/x", "announcement", [Claim("a@example.org", "<1@x>")], "smtp")
print("sending", flush=True)
sys.stdin.read()
"""


def test_list_and_history_while_a_send_writes_the_ledger_say_to_try_again(
    sample_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import announce.ledger.store

    monkeypatch.setattr(announce.ledger.store, "BUSY_WAIT", 0.2)  # not 10 s per command
    ledger = sample_config.parent / ".announce" / "ledger.sqlite3"  # the config's own
    with subprocess.Popen([sys.executable, "-c", SENDING, str(ledger)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as send:
        assert send.stdout is not None
        assert send.stdin is not None
        assert send.stdout.readline() == "sending\n"
        for command in ("list", "history"):
            result = run(command, "--config", str(sample_config), "--now", DEMO_NOW)
            assert (result.exit_code, result.stdout) == (1, ""), command
            assert result.stderr == (f"announce: error: {ledger}: a send is writing the "
                                     "ledger; try again in a moment\n")
        send.stdin.close()
        assert send.wait(timeout=30) == 0
    # Once the send has finished, both read it.
    assert run("history", "--config", str(sample_config)).stdout.startswith("never sent")


@pytest.fixture
def site_nobody_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site whose talks use keys announce was not told about: none of them loads."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOUNCE_CONFIG", raising=False)
    events = tmp_path / "content" / "events"
    events.mkdir(parents=True)
    for day in ("2027-01-06", "2027-02-03"):
        (events / f"{day}.md").write_text(f"---\ntitle: Talk\nwhen_it_is: {day} 18:00\n---\n")
    (tmp_path / "announce.toml").write_text(
        '[mail]\nto = ["members@example.org"]\n[outbox]\npath = "outbox"\n', encoding="utf-8")
    return tmp_path


def test_check_fails_when_no_event_loads(site_nobody_reads: Path) -> None:
    result = run("check")
    assert result.exit_code == 1
    assert lines(result.stdout)[-2:] == [
        "Checked 2 event files and 0 locations: 2 errors, 0 warnings.",
        "No event loaded from content/events: announce would send nothing. Map the site's "
        "keys in [content.keys] ('announce init' infers them).",
    ]


def test_send_next_fails_instead_of_nothing_due_when_no_event_loads(
    site_nobody_reads: Path,
) -> None:
    # A scheduled workflow must go red, not stay green while it never sends.
    result = run("send", "--next", "--now", "2027-01-01")
    assert result.exit_code == 1
    assert "announce: error: none of the 2 event files loaded (2 with errors): run " \
        "'announce check' to see why" in result.stderr
    assert not (site_nobody_reads / "outbox").exists()
    # Once the map names the key, the same site sends.
    with (site_nobody_reads / "announce.toml").open("a", encoding="utf-8") as config:
        config.write('[content.keys]\nstart = "when_it_is"\n')
    assert run("send", "--next", "--now", "2026-12-30").exit_code == 0
    assert len(list((site_nobody_reads / "outbox" / "new").iterdir())) == 1
