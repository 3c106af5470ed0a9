"""Documented commands (as sqlite-utils' test_docs.py): every command, including ones added
later, has help with an example, and a section in the README."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from announce.cli import cli

from .conftest import REPO

COMMANDS = sorted(cli.commands)
# Hidden commands are steps of the GitHub action (announce ledger ...), not typed by the
# organizer: they need help with an example like every command, not a README section.
SHOWN = sorted(name for name, command in cli.commands.items() if not command.hidden)
SUBCOMMANDS = sorted(f"{name} {sub}" for name, command in cli.commands.items()
                     if isinstance(command, click.Group) for sub in command.commands)
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_the_foundation_commands_are_there() -> None:
    assert {"list", "check"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    command = cli.commands[name]
    assert command.help, f"announce {name} has no help text"
    for option in ("--help", "-h"):
        result = CliRunner().invoke(cli, [name, option], prog_name="announce")
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"Usage: announce {name} ")
        assert "Example" in result.output, f"announce {name} --help shows no example"
        assert f"announce {name}" in result.output.split("Example", 1)[1], (
            f"the example in announce {name} --help does not run announce {name}")


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_has_help(name: str) -> None:
    command = cli.commands[name]
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"announce {name} {param.opts[0]} has no help text"


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help_with_an_example(name: str) -> None:
    group, sub = name.split()
    command = cli.commands[group].commands[sub]  # type: ignore[attr-defined]  # a Group
    assert command.help, f"announce {name} has no help text"
    result = CliRunner().invoke(cli, [group, sub, "--help"], prog_name="announce")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: announce {name} ")
    assert f"announce {name}" in result.output.split("Example", 1)[1]
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"announce {name} {param.opts[0]} has no help text"


@pytest.mark.parametrize("name", SHOWN)
def test_every_command_is_in_the_readme(name: str) -> None:
    heading = re.compile(rf"^#+ .*`announce {re.escape(name)}\b", re.MULTILINE)
    assert heading.search(README), f"README.md has no heading for `announce {name}`"
    assert f"announce {name}" in "".join(re.findall(r"```(?:sh|console)?\n(.*?)```", README,
                                                     re.DOTALL)), (
        f"README.md shows no example of announce {name}")
