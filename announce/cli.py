"""The ``announce`` command line: parse options, call one function, turn errors into exits.

Exit codes: 0 done (nothing due is done too), 1 error, 2 usage, 3 partial send.
Heavy libraries (Markdown, Jinja2, premailer, aiosmtplib) are imported inside the
commands that need them, so that ``announce --help`` and ``announce list`` start fast.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .config import Settings, load_settings, resolve_config_path
from .content import Catalog, Event, load_catalog, parse_datetime
from .errors import AnnounceError, ConfigError
from .selection import NO_SENDS, Sent, announced_types, due_kinds

__all__ = ["cli", "main"]

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("announce")


class _Group(click.Group):
    """Prints an ``AnnounceError`` as a message (no traceback) and exits with its code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AnnounceError as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"announce: error: {line}", err=True)
            ctx.exit(exc.exit_code)


@dataclass(frozen=True)
class Run:
    """What every command starts from: the settings and the clock."""

    settings: Settings
    now: datetime

    def catalog(self) -> Catalog:
        return load_catalog(self.settings)


def common_options(func: F) -> F:
    """``--config`` and ``--now``, on every command; the command receives a ``Run``."""

    @click.option(
        "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
        envvar="ANNOUNCE_CONFIG", show_envvar=True,
        help="Config file. Default: ./announce.toml if it exists, else built-in defaults.",
    )
    @click.option(
        "--now", "now_text", metavar="WHEN", envvar="ANNOUNCE_NOW", show_envvar=True,
        help="Pretend it is this moment: ISO 8601 date or date-time "
             "(e.g. 2027-01-28 or 2027-01-28T09:00); without an offset, in the site timezone.",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, config_path: Path | None, now_text: str | None, **kwargs: Any) -> Any:
        settings = load_settings(resolve_config_path(config_path))
        now = _parse_now(now_text, settings)
        return func(Run(settings, now), *args, **kwargs)

    return wrapper  # type: ignore[return-value]  # click's decorators erase the signature


def _parse_now(text: str | None, settings: Settings) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        return parse_datetime(text, settings.site.tz, require_time=False)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--now'") from None


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: announce list --now 2027-01-28   (what is coming up, and what is due)",
)
@click.version_option(__version__, prog_name="announce")
@click.option(
    "-v", "--verbose", count=True, help="Say more on stderr (-vv: the SMTP conversation)."
)
def cli(verbose: int) -> None:
    """Turn a meetup's talk files into announcement emails, and send each one once.

    Talks are Markdown files with YAML front matter (a Jekyll _events/ folder works as
    it is). Settings come from announce.toml; see config.example.toml.
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, stream=sys.stderr, format="announce: %(message)s")


def _report_left_out(catalog: Catalog) -> None:
    for problem in catalog.errors:
        click.echo(f"announce: warning: {problem} (file left out)", err=True)


def _format_when(event: Event, settings: Settings) -> str:
    local = event.start.astimezone(settings.site.tz)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"


@cli.command("list")
@click.option("--all", "show_all", is_flag=True, help="Every event, past ones too.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, one object per event.")
@common_options
def list_command(run: Run, show_all: bool, as_json: bool) -> None:
    """List upcoming events, oldest first, with what is due now.

    \b
    Examples:
      announce list
      announce list --all --json --now 2027-01-28
    """
    settings = run.settings
    catalog = run.catalog()
    _report_left_out(catalog)
    events = [e for e in catalog.events if show_all or e.start > run.now]
    sent = _sent_records(settings)
    tz = settings.site.tz

    def due(event: Event) -> list[str]:
        if not announced_types(event, settings.content.types):
            return []
        return due_kinds(event, run.now, settings.schedule, sent)

    if as_json:
        rows = [
            {
                "id": e.id,
                "title": e.title,
                "type": e.type,
                "start": e.start.astimezone(tz).isoformat(),
                "end": e.end.astimezone(tz).isoformat(),
                "location": e.location.title if e.location else e.location_name,
                "cancelled": e.cancelled,
                "due": due(e),
                "path": str(e.path),
            }
            for e in events
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not events:
        click.echo("No upcoming events." if not show_all else "No events.")
        return
    for e in events:
        where = e.location.title if e.location else (e.location_name or "-")
        title = f"{e.title} (cancelled)" if e.cancelled else e.title
        kinds = due(e)
        line = f"{_format_when(e, settings):<25} {e.type:<10} {title}  @ {where}"
        click.echo(line + (f"  [due: {', '.join(kinds)}]" if kinds else ""))


@cli.command("check")
@click.option("--strict", is_flag=True, help="Warnings count as errors too.")
@common_options
def check_command(run: Run, strict: bool) -> None:
    """Check the config and every content file; print every problem.

    Exits 1 when there is an error (with --strict, also a warning), else 0.

    \b
    Example:
      announce check --strict
    """
    catalog = run.catalog()
    problems = sorted(catalog.problems, key=lambda p: (str(p.path), p.line))
    for problem in problems:
        click.echo(f"{problem.severity}: {problem}")
    errors, warnings = len(catalog.errors), len(catalog.warnings)
    click.echo(
        f"Checked {catalog.files_read} event files and {len(catalog.locations)} locations: "
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}."
    )
    if errors or (strict and warnings):
        sys.exit(1)


def _sent_records(settings: Settings) -> Sent:
    """What the ledger says was sent; nothing before the first send."""
    return NO_SENDS


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``announce`` script."""
    try:
        cli.main(args=argv, prog_name="announce")
    except ConfigError as exc:  # pragma: no cover - _Group handles these inside commands
        click.echo(f"announce: error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
