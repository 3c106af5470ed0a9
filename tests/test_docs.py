"""The documentation (as sqlite-utils' and datasette's test_docs.py): every command, including
ones added later, has help with an example, a section in the docs and an entry in the
generated reference; every command example of the README and of docs/ runs, and prints
what the docs show after it; every link of the README and every documentation URL in the
code leads to a page and heading that exist; shell completion works as the docs say."""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import click
import markdown
import pytest
import yaml
from click.testing import CliRunner

from announce.cli import cli
from announce.config import load_settings

from .chromium import require_chromium
from .conftest import EXAMPLE_CONFIG, REPO

COMMANDS = sorted(cli.commands)
README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]
# `make demo`'s clock, for the examples that give none: inside the sample season.
DEMO_NOW = "2027-01-28T09:00"
# Commands that do not end by themselves: their examples are parsed, not run (the test of
# every example's command line covers them).
NOT_RUN = {"preview": "a server until Ctrl-C (tests/test_preview.py runs it)",
           "ledger": "needs the site's git repository and its ledger branch "
                     "(tests/test_ledger_branch.py and tests/test_workflow.py run it)"}
# Hidden commands are steps of the GitHub action (announce ledger ...), not typed by the
# organizer: they need help with an example like every command, not a docs section.
SHOWN = sorted(name for name, command in cli.commands.items() if not command.hidden)
SUBCOMMANDS = sorted(f"{name} {sub}" for name, command in cli.commands.items()
                     if isinstance(command, click.Group) for sub in command.commands)


def _reference() -> ModuleType:
    """docs/hooks/reference.py, the MkDocs hook that writes the reference pages."""
    spec = importlib.util.spec_from_file_location("reference", DOCS / "hooks" / "reference.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REFERENCE = _reference()


def _name(path: Path) -> str:
    return str(path.relative_to(REPO))


# --- every command documented ---------------------------------------------------------------

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
def test_every_command_has_a_section_and_an_example_in_the_docs(name: str) -> None:
    commands_page = (DOCS / "commands.md").read_text(encoding="utf-8")
    heading = re.compile(rf"^#+ .*`announce {re.escape(name)}\b", re.MULTILINE)
    assert heading.search(commands_page), f"docs/commands.md has no heading for `announce {name}`"
    assert any(example.argv[1] == name for example in EXAMPLES), (
        f"no page of the docs shows an example of announce {name}")


# --- the generated reference pages -------------------------------------------------------------

@pytest.mark.parametrize(("page", "marker"), [("cli.md", "cli"), ("configuration.md", "config"),
                                              ("key-map.md", "keymap")])
def test_the_reference_pages_are_made_from_the_code(page: str, marker: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    assert f"\n<!-- generated: {marker} -->\n" in text
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "docs/hooks/reference.py" in config["hooks"]


@pytest.mark.parametrize("name", COMMANDS)
def test_the_cli_reference_shows_every_commands_help(name: str) -> None:
    page = REFERENCE.expand((DOCS / "cli.md").read_text(encoding="utf-8"))
    section = page.split(f"\n## `announce {name}`\n", 1)
    assert len(section) == 2, f"docs/cli.md has no section for announce {name}"
    body = section[1].split("\n## ", 1)[0]
    assert f"Usage: announce {name} " in body
    for param in cli.commands[name].params:
        if isinstance(param, click.Option) and not param.hidden:
            assert all(opt in body for opt in param.opts), f"announce {name} {param.opts[0]}"
    assert "-h, --help" in body


def test_the_cli_reference_is_the_help_a_terminal_shows() -> None:
    # The same words as `announce send --help` prints, wrapped at the reference's width.
    result = CliRunner().invoke(cli, ["send", "--help"], prog_name="announce",
                                terminal_width=REFERENCE.HELP_WIDTH)
    assert result.exit_code == 0
    assert result.output.split() == REFERENCE.command_help("send").split()


def _config_keys() -> list[tuple[str, str]]:
    return [(section, key) for section, key, _ in REFERENCE.config_keys()]


@pytest.mark.parametrize(("section", "key"), _config_keys())
def test_the_config_reference_explains_every_key(section: str, key: str) -> None:
    page = REFERENCE.expand((DOCS / "configuration.md").read_text(encoding="utf-8"))
    entry = page.split(f"\n#### `[{section}] {key}`\n", 1)
    assert len(entry) == 2, f"docs/configuration.md has no entry for [{section}] {key}"
    body = entry[1].split("\n#", 1)[0]
    lines = [line for line in body.strip().splitlines() if line]
    assert len(lines) >= 2, (
        f"[{section}] {key} has no comment in config.example.toml, which the reference and "
        "every announce.toml that init writes explain it with")
    assert "default: " in lines[0]


def test_the_config_reference_gives_the_defaults_announce_uses() -> None:
    page = REFERENCE.config_reference()
    defaults = load_settings(None)
    days = page.split("#### `[schedule] announce_days_before`\n", 1)[1].split("\n#", 1)[0]
    assert f"default: `{defaults.schedule.announce_days_before}`" in days
    assert "from 0 to 366 days" in days
    port = page.split("#### `[smtp] port`\n", 1)[1].split("\n#", 1)[0]
    assert "587 for `starttls`, 465 for `tls`, 25 for `none`" in port
    events = page.split("#### `[content] events`\n", 1)[1].split("\n#", 1)[0]
    assert 'default: `"content/events"`' in events


def test_the_key_map_table_lists_every_field_and_its_default_paths() -> None:
    from announce.sources.keymap import DEFAULT_KEYS

    table = REFERENCE.keymap_reference()
    assert "| `start` | when it starts: " in table
    assert "`dtstart`, `start`, `startDate`" in table
    assert len(table.strip().splitlines()) == 2 + len(DEFAULT_KEYS)


def test_a_marker_the_hook_does_not_know_fails_the_build() -> None:
    with pytest.raises(ValueError, match=r"no such reference \(known: cli, config, keymap\)"):
        REFERENCE.expand("# Page\n\n<!-- generated: clii -->\n")


@pytest.mark.slow
def test_a_link_to_a_heading_that_does_not_exist_fails_the_docs_build(tmp_path: Path) -> None:
    """make docs' promise: the build is strict, so a broken link stops make test."""
    recipe = subprocess.run(["make", "--no-print-directory", "-n", "docs"], cwd=REPO,
                            capture_output=True, text=True, timeout=60, check=True).stdout
    build = next(line for line in recipe.splitlines() if "mkdocs build" in line)
    assert "--strict" in build
    assert "--quiet" not in build  # it hides --strict's warnings, and the build passes
    for name in ("mkdocs.yml", "config.example.toml"):  # the hook reads the example config
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copytree(DOCS, tmp_path / "docs")
    page = tmp_path / "docs" / "schedule.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [the ledger](exactly-once.md#"
                    "the-leger).\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d",
                           str(tmp_path / "site")], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"})
    assert proc.returncode == 1
    assert "does not contain an anchor '#the-leger'" in proc.stderr


# --- the examples ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Example:
    """One ``announce ...`` command of a ``sh`` block, and the output shown after it."""

    page: Path
    line: int
    argv: tuple[str, ...]
    output: str | None

    def __str__(self) -> str:
        return f"{_name(self.page)}:{self.line}: {shlex.join(self.argv)}"


_FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


def _commands(line: str) -> list[tuple[str, ...]]:
    """The announce commands of a shell line: ``&&`` parts, up to a redirection or pipe."""
    found = []
    for part in re.split(r"\s&&\s", line):
        words = shlex.split(part, comments=True)
        for stop in (">", "|", "2>", ">>"):
            if stop in words:
                words = words[: words.index(stop)]
        if words[:1] == ["announce"]:
            found.append(tuple(words))
    return found


def examples_of(page: Path) -> list[Example]:
    text = page.read_text(encoding="utf-8")
    blocks = list(_FENCE.finditer(text))
    found = []
    for number, block in enumerate(blocks):
        if block[1] not in ("sh", "bash", "console"):
            continue
        start = text.count("\n", 0, block.start(2)) + 1
        commands = [(start + offset, argv)
                    for offset, line in enumerate(block[2].splitlines())
                    for argv in _commands(line.removeprefix("$ "))]
        # The block right after a one-command block, when it is output (no language or
        # json) shown whole (no "..."), is what that command prints.
        output = None
        after = blocks[number + 1] if number + 1 < len(blocks) else None
        if (len(commands) == 1 and after is not None and after[1] in ("", "json")
                and not text[block.end():after.start()].strip() and "..." not in after[2]):
            output = after[2]
        found += [Example(page, line, argv, output) for line, argv in commands]
    return found


EXAMPLES = [example for page in PAGES for example in examples_of(page)]


def test_the_examples_are_found() -> None:
    # The README's quick start, the list with its output, the && line of the workflow's set-up.
    shown = {str(example) for example in EXAMPLES}
    assert "README.md:51: announce init" in shown
    listed = next(e for e in EXAMPLES if e.argv == (
        "announce", "list", "--config", "config.example.toml", "--now", "2027-01-28T09:00"))
    assert listed.output is not None
    assert listed.output.startswith("Wed 2027-02-03 18:00 EST")
    assert any(e.argv == ("announce", "send", "--next", "--dry-run")
               and e.page.name == "github-actions.md" for e in EXAMPLES)
    assert len({e.page for e in EXAMPLES}) >= 5


def _parse(argv: tuple[str, ...]) -> None:
    """``argv`` parsed as announce's own command line does: its command, options, choices
    and arguments must exist (click raises a UsageError otherwise)."""
    words = list(argv[1:])
    while words and words[0].startswith("-"):  # the group's own (-v)
        words.pop(0)
    name, *args = words
    assert name in cli.commands, f"announce has no command {name!r}"
    group = click.Context(cli, info_name="announce")
    with cli.commands[name].make_context(name, args, parent=group):
        pass


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_every_example_is_a_command_announce_takes(example: Example) -> None:
    # An option renamed or a choice dropped in the code fails here.
    _parse(example.argv)


def _help_examples() -> list[str]:
    found = []
    for name in COMMANDS:
        shown = CliRunner().invoke(cli, [name, "--help"], prog_name="announce",
                                   terminal_width=200).output
        examples = shown.split("Example", 1)[1].split("\nOptions:", 1)[0]
        found += [line.strip() for line in examples.splitlines()
                  if line.strip().startswith("announce ")]
    return found


@pytest.mark.parametrize("line", _help_examples())
def test_every_example_of_the_help_is_a_command_announce_takes(line: str) -> None:
    _parse(tuple(shlex.split(line)))


def _sample_site(folder: Path, *, with_config: bool) -> Path:
    """A copy of the sample season (content/ and config.example.toml), and announce.toml
    as a copy of that config unless the example is the one that writes it."""
    folder.mkdir()
    shutil.copytree(REPO / "content", folder / "content")
    shutil.copy(EXAMPLE_CONFIG, folder / "config.example.toml")
    if with_config:
        shutil.copy(EXAMPLE_CONFIG, folder / "announce.toml")
    return folder


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.argv[1] not in NOT_RUN], ids=str)
def test_every_example_runs_on_the_sample_season(
        example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = example.argv[1]
    is_init = name == "init" and "--force" not in example.argv
    monkeypatch.chdir(_sample_site(tmp_path / "site", with_config=not is_init))
    env = {"ANNOUNCE_CONFIG": None, "ANNOUNCE_SMTP_PASSWORD": None, "GITHUB_ACTIONS": None,
           "ANNOUNCE_NOW": None if "--now" in example.argv else DEMO_NOW}
    result = CliRunner(env=env).invoke(cli, list(example.argv[1:]), prog_name="announce")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{example}: {result.exception!r}")
    assert result.exit_code == 0, f"{example}\n{result.output}"
    if example.output is not None:
        assert result.stdout.strip() == example.output.strip(), (
            f"{example} prints otherwise than the docs show")


# --- links ----------------------------------------------------------------------------------

def _anchors(page: Path) -> set[str]:
    """The ids of a page's headings, as MkDocs (Python-Markdown's toc) makes them."""
    converter = markdown.Markdown(extensions=["toc"])
    converter.convert(page.read_text(encoding="utf-8"))
    ids: set[str] = set()
    tokens = list(converter.toc_tokens)  # type: ignore[attr-defined]
    while tokens:
        token = tokens.pop()
        ids.add(token["id"])
        tokens.extend(token["children"])
    return ids


def test_the_anchor_finder_finds_headings() -> None:
    assert "announce-check-every-problem-in-every-file" in _anchors(DOCS / "commands.md")
    assert "from-a-clone" in _anchors(DOCS / "getting-started.md")


def test_every_relative_link_of_the_readme_leads_to_a_file_and_heading() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    relative = [t for t in targets if not re.match(r"[a-z]+:", t)]
    assert "docs/img/mail.png" in relative
    for target in relative:
        path, _, anchor = target.partition("#")
        assert (REPO / path).is_file(), f"README.md links to {target}: no such file"
        if anchor:
            assert anchor in _anchors(REPO / path), f"README.md links to {target}: no such heading"


def _site_url() -> str:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    return str(config["site_url"])


def _docs_urls() -> list[tuple[str, str]]:
    """(file, URL) of every link into the documentation site from the code and its texts."""
    site = re.escape(_site_url())
    found = []
    for path in [*sorted((REPO / "announce").rglob("*.py")), EXAMPLE_CONFIG,
                 REPO / "pyproject.toml", REPO / "examples" / "github" / "announce.yml"]:
        for url in re.findall(rf"{site}[^\s\"')>]*", path.read_text(encoding="utf-8")):
            found.append((_name(path), url))
    return found


def test_the_code_links_to_the_documentation() -> None:
    files = {name for name, _ in _docs_urls()}
    assert {"announce/lists.py", "config.example.toml", "pyproject.toml"} <= files


@pytest.mark.parametrize(("where", "url"), _docs_urls())
def test_every_documentation_url_in_the_code_names_a_page_and_heading(where: str, url: str) -> None:
    path, _, anchor = url.removeprefix(_site_url()).partition("#")
    page = DOCS / (f"{path}index.md" if path.endswith("/") or not path else f"{path}.md")
    if path.endswith("/") and not page.exists():
        page = DOCS / f"{path.rstrip('/')}.md"
    assert page.is_file(), f"{where}: {url}: no such page in docs/"
    if anchor:
        assert anchor in _anchors(page), f"{where}: {url}: no such heading on {_name(page)}"


def test_the_package_the_docs_and_the_action_name_one_repository() -> None:
    urls = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["urls"]
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert urls["Homepage"] == config["repo_url"] == "https://github.com/announce-dev/announce"
    assert urls["Documentation"] == config["site_url"]
    assert urls["Changelog"] == f"{urls['Homepage']}/blob/main/CHANGELOG.md"
    assert urls["Issues"] == f"{urls['Homepage']}/issues"
    # The action is used as announce-dev/announce@v1: the same repository.
    owner_name = urls["Homepage"].removeprefix("https://github.com/")
    workflow = (REPO / "examples" / "github" / "announce.yml").read_text(encoding="utf-8")
    assert f"uses: {owner_name}@v1" in workflow
    assert f"uses: {owner_name}@v1" in (REPO / "action.yml").read_text(encoding="utf-8")


# --- shell completion -----------------------------------------------------------------------

def _completion_commands() -> dict[str, str]:
    """shell -> the source value the CLI page tells users to give _ANNOUNCE_COMPLETE."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    return {value.partition("_")[0]: value
            for value in re.findall(r"_ANNOUNCE_COMPLETE=(\w+_source) announce", text)}


def _installed_announce() -> str:
    # The console script pip installed next to this interpreter: what a user runs.
    script = Path(sys.executable).parent / "announce"
    assert script.is_file(), f"{script}: announce is not installed in this venv"
    return str(script)


def test_the_cli_page_documents_completion_for_bash_zsh_and_fish() -> None:
    assert _completion_commands() == {"bash": "bash_source", "zsh": "zsh_source",
                                      "fish": "fish_source"}


@pytest.mark.slow
@pytest.mark.parametrize(("shell", "registers"), [
    ("bash", "complete -o nosort -F _announce_completion announce"),
    ("zsh", "compdef _announce_completion announce"),
    ("fish", "complete --no-files --command announce"),
])
def test_the_installed_command_writes_the_completion_script(shell: str, registers: str) -> None:
    value = _completion_commands()[shell]
    proc = subprocess.run([_installed_announce()], env={"_ANNOUNCE_COMPLETE": value,
                                                        "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert registers in proc.stdout


@pytest.mark.slow
def test_bash_completes_a_command_and_a_kind() -> None:
    """The script, sourced in bash as the docs say, completes `announce se` to send."""
    if shutil.which("bash") is None:
        pytest.skip("no bash on this machine")
    announce = _installed_announce()
    env = {"PATH": f"{Path(announce).parent}:/usr/bin:/bin"}
    script = ('eval "$(_ANNOUNCE_COMPLETE=bash_source announce)"; complete -p announce; '
              "COMP_WORDS=(announce se); COMP_CWORD=1; _announce_completion announce; "
              'echo "words: ${COMPREPLY[*]}"; '
              "COMPREPLY=(); COMP_WORDS=(announce send --kind re); COMP_CWORD=3; "
              "_announce_completion announce; "
              'echo "kinds: ${COMPREPLY[*]}"')
    proc = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "complete -o nosort -F _announce_completion announce" in proc.stdout
    assert "words: send" in proc.stdout
    assert "kinds: reminder" in proc.stdout


# --- the picture of the mail ----------------------------------------------------------------

def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is no PNG"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_the_readme_shows_the_committed_picture_of_the_mail() -> None:
    assert "](docs/img/mail.png)" in README.read_text(encoding="utf-8")
    assert "](img/mail.png)" in (DOCS / "index.md").read_text(encoding="utf-8")
    width, height = _png_size(DOCS / "img" / "mail.png")
    assert width == 640
    assert height > 800


@pytest.mark.slow
@pytest.mark.browser
def test_make_screenshot_draws_the_demo_announcement(tmp_path: Path) -> None:
    require_chromium()
    out = tmp_path / "mail.png"
    proc = subprocess.run([sys.executable, str(REPO / ".ci" / "screenshot.py"), str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    width, height = _png_size(out)
    # The whole announcement at the preview's desktop width: as tall as the committed one,
    # give or take a line of text that fonts wrap otherwise.
    assert width == 640
    assert abs(height - _png_size(DOCS / "img" / "mail.png")[1]) < 200
