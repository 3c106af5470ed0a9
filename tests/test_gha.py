"""GitHub Actions helpers: command lines the runner parses as intended, outputs, summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from announce import workflow
from announce.cli import cli

from .conftest import EXAMPLE_CONFIG, REPO
from .gha_runner import _environment_file
from .smtpd import Server


def test_in_github_actions_only_when_actions_says_so() -> None:
    assert workflow.in_github_actions({"GITHUB_ACTIONS": "true"})
    assert not workflow.in_github_actions({"GITHUB_ACTIONS": "false"})
    assert not workflow.in_github_actions({})


def test_a_newline_in_a_title_cannot_end_the_command_or_start_another() -> None:
    line = workflow.notice("Sent 'A\nB' 100% done\r\n::error::forged")
    assert line == "::notice::Sent 'A%0AB' 100%25 done%0D%0A::error::forged"
    assert "\n" not in line


def test_error_carries_file_and_line_with_property_escaping() -> None:
    line = workflow.error("dtstart: not a date", file="_events/a,b:c.md", line=3, title="x")
    assert line == "::error file=_events/a%2Cb%3Ac.md,line=3,title=x::dtstart: not a date"
    assert workflow.error("boom") == "::error::boom"
    assert workflow.warning("late", line=None) == "::warning::late"


def test_outputs_survive_newlines_and_a_value_that_looks_like_a_delimiter(tmp_path: Path) -> None:
    out = tmp_path / "output"
    env = {"GITHUB_OUTPUT": str(out)}
    assert workflow.write_output("sent", "announcement of A\nreminder of B", env)
    assert workflow.write_output("ledger", "EOF\n.announce/ledger.sqlite3", env)
    assert _environment_file(out) == {
        "sent": "announcement of A\nreminder of B",
        "ledger": "EOF\n.announce/ledger.sqlite3",
    }
    assert not workflow.write_output("sent", "x", {})


def test_step_summary_appends_and_stays_under_githubs_limit(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    assert workflow.write_step_summary("# One", env)
    assert workflow.write_step_summary("# Two\n", env)
    assert summary.read_text(encoding="utf-8") == "# One\n\n# Two\n\n"
    assert workflow.write_step_summary("é" * workflow.SUMMARY_LIMIT, env)
    text = summary.read_bytes()
    assert len(text) <= workflow.SUMMARY_LIMIT
    assert text.decode("utf-8").endswith("(cut: GitHub shows at most 1 MiB of summary)*\n")
    assert not workflow.write_step_summary("x", {})


def test_markdown_text_shows_a_title_as_written() -> None:
    assert workflow.markdown_text("C++ & <b>Rust</b> | *fast*_ [x](y)") == (
        r"C++ &amp; &lt;b&gt;Rust&lt;/b&gt; \| \*fast\*\_ \[x\](y)"
    )
    assert workflow.markdown_text("two\nlines") == "two lines"


def test_code_block_fence_is_longer_than_any_backtick_run_inside() -> None:
    assert workflow.code_block("plain") == "```text\nplain\n```"
    assert workflow.code_block("a ```` b\n") == "`````text\na ```` b\n`````"


def test_on_a_runner_send_refuses_the_outbox_but_a_dry_run_previews(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The outbox would vanish with the runner, while the committed ledger said "sent".
    monkeypatch.chdir(tmp_path)  # outside the workspace, paths are shown whole
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output),
           "GITHUB_STEP_SUMMARY": str(summary)}
    # The sample season with a ledger of its own: after `make demo` the repository's
    # ledger says the announcement went out, and this test must not read (or write) it.
    config = tmp_path / "announce.toml"
    config.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        'events = "content/events"', f'events = "{REPO / "content" / "events"}"').replace(
        'locations = "content/locations"', f'locations = "{REPO / "content" / "locations"}"'),
        encoding="utf-8")
    args = ["send", "--next", "--config", str(config), "--now", "2027-01-28T09:00"]
    refused = CliRunner(env=env).invoke(cli, args)
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        "announce: error: announce.toml: [smtp]: not set, and on GitHub Actions the outbox")
    assert refused.stdout.startswith("::error file=announce.toml::")  # on the config
    assert _environment_file(output) == {"ledger": ".announce/ledger.sqlite3"}
    assert not summary.exists()

    output.unlink()
    dry = CliRunner(env=env).invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert _environment_file(output)["sent"] == ""
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### Dry run: the announcement of “Observability with "
                           "OpenTelemetry” (Wed 2027-02-03)\n")
    assert "- **Where:** Jitsi, Online meeting\n" in text
    assert "<details open><summary>Text part</summary>\n\n```text\n" in text


def test_on_a_runner_check_puts_each_problem_on_its_line(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    (events / "2027-02-17-x.md").write_text("---\ntitle: X\ndtstart: 2027-13-17 18:00\n---\n",
                                            encoding="utf-8")
    config = tmp_path / "announce.toml"
    config.write_text(f'[content]\nevents = "{events}"\n[mail]\nto = ["m@x.test"]\n',
                      encoding="utf-8")
    result = CliRunner(env={"GITHUB_ACTIONS": "true"}).invoke(
        cli, ["check", "--config", str(config)])
    assert result.exit_code == 1
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert annotations
    assert annotations[0].startswith(f"::error file={events / '2027-02-17-x.md'},line=3::")


def test_a_dry_run_tells_the_workflow_what_is_due_and_when_nothing_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The send job marks the ledger "sending", and sends, only when `due` is not empty.
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "output"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    config = tmp_path / "announce.toml"
    config.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        'events = "content/events"', f'events = "{REPO / "content" / "events"}"').replace(
        'locations = "content/locations"', f'locations = "{REPO / "content" / "locations"}"'),
        encoding="utf-8")
    args = ["send", "--next", "--dry-run", "--config", str(config)]
    due = CliRunner(env=env).invoke(cli, [*args, "--now", "2027-01-28T09:00"])
    assert due.exit_code == 0, due.output
    assert _environment_file(output)["due"] == (
        "announcement of “Observability with OpenTelemetry” (Wed 2027-02-03) to 1 recipient")

    output.unlink()
    quiet = CliRunner(env=env).invoke(cli, [*args, "--now", "2027-01-22T09:00"])
    assert quiet.exit_code == 0, quiet.output
    assert _environment_file(output)["due"] == ""
    assert not (tmp_path / ".announce").exists()  # a dry run writes no ledger

    output.unlink()
    refused = CliRunner(env=env).invoke(cli, args[:2] + args[3:] + ["--now", "2027-01-28"])
    assert "due" not in _environment_file(output)  # only a dry run says what is due
    assert refused.exit_code == 1  # the outbox on a runner, as above


def test_a_scheduled_run_sends_what_is_due_then_fails_on_a_talk_it_cannot_announce(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server: Server
) -> None:
    # A typo in a talk's date keeps it from the list; an upcoming talk that states no time
    # of day is refused. Neither may leave the scheduled run green.
    import shutil

    monkeypatch.chdir(tmp_path)
    events = tmp_path / "events"
    shutil.copytree(REPO / "content" / "events", events)
    (events / "2027-03-17-typo.md").write_text(
        "---\ntitle: Typo\ndtstart: 2027-13-17 18:00\nlocation: Jitsi\n---\n", encoding="utf-8")
    (events / "2027-04-21-no-time.md").write_text(
        "---\ntitle: No time\ndate: 2027-04-21\nlocation: Jitsi\n---\nA talk.\n",
        encoding="utf-8")
    config = tmp_path / "announce.toml"
    config.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        'events = "content/events"', f'events = "{events}"').replace(
        'locations = "content/locations"', f'locations = "{REPO / "content" / "locations"}"')
        + f'\n[smtp]\nhost = "{smtp_server.host}"\nport = {smtp_server.port}\n'
          'security = "none"\n', encoding="utf-8")
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "output"),
           "GITHUB_STEP_SUMMARY": str(summary)}
    args = ["send", "--next", "--config", str(config), "--now", "2027-01-28T09:00"]
    result = CliRunner(env=env).invoke(cli, args)
    # What was due went out first ...
    assert len(smtp_server.handler.messages) == 1
    assert "::notice title=announce::Sent the announcement" in result.stdout
    # ... then the run fails, each file annotated on its line, and the summary says why.
    assert result.exit_code == 1, result.output
    # (paths from the workspace, where the pull request shows them)
    assert "::error file=events/2027-03-17-typo.md,line=3::" in result.stdout
    assert "::error file=events/2027-04-21-no-time.md,line=3::" in result.stdout
    text = summary.read_text(encoding="utf-8")
    assert "### Not announced: 2 files with problems" in text
    assert "2027-04-21-no-time.md:3: start: unsure" in text

    # The workflow's dry run ("what is due") says the same, and gives the count for the
    # workflow's last step to fail on, without failing itself: the send must still run.
    output = tmp_path / "output"
    output.unlink()
    dry = CliRunner(env=env).invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "::error file=events/2027-03-17-typo.md,line=3::" in dry.stdout
    assert _environment_file(output)["unannounced"] == "2"

    # Off a runner the same send is done (exit 0) and says it on stderr, as before.
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "2027-03-17-typo.md:3: dtstart" in again.stderr


def test_a_typo_in_a_talk_long_past_does_not_fail_every_run_to_come(tmp_path: Path) -> None:
    # 2019's talk can never be announced: it stays a warning, the run stays green.
    events = tmp_path / "events"
    events.mkdir()
    (events / "2019-10-04-fest.md").write_text(
        "---\ntitle: Fest\ndtstart: 2019-10-04 sera\nlocation: Hall\n---\n", encoding="utf-8")
    (events / "2027-03-04-talk.md").write_text(
        "---\ntitle: Talk\ndtstart: 2027-03-04 18:00\nlocation: Hall\n---\n", encoding="utf-8")
    config = tmp_path / "announce.toml"
    config.write_text(f'[content]\nevents = "{events}"\n\n[mail]\nfrom = "a@example.org"\n'
                      'to = "b@example.org"\n', encoding="utf-8")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "output"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    dry = CliRunner(env=env).invoke(cli, ["send", "--next", "--dry-run", "--config",
                                          str(config), "--now", "2027-01-28T09:00"])
    assert dry.exit_code == 0, dry.output
    assert "2019-10-04-fest.md:3: dtstart" in dry.stderr  # still said
    assert "::error file=" not in dry.stdout
    assert _environment_file(tmp_path / "output")["unannounced"] == ""
