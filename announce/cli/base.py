"""The ``announce`` group and what every command shares: options, the clock, errors.

Exit codes: 0 done (nothing due is done too), 1 error, 2 usage, 3 partial send.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar, overload

import click

from .. import __version__
from ..config import Settings, load_settings, require_config_path
from ..content import Catalog, Event, parse_datetime
from ..errors import AnnounceError
from ..news import Sent
from ..oldkeys import deprecation_notes

__all__ = ["NOW_HELP", "Run", "cli", "common_options", "diagnostic", "format_when", "main",
           "parse_now", "report_left_out", "sent_records"]

F = TypeVar("F", bound=Callable[..., Any])
NOW_HELP = ("Pretend it is this moment: ISO 8601 date or date-time (e.g. 2027-01-28 or "
            "2027-01-28T09:00); without an offset, in the site timezone.")
log = logging.getLogger("announce")


class _Group(click.Group):
    """Prints an ``AnnounceError`` as a message (no traceback) and exits with its code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AnnounceError as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                diagnostic("error", line)
            failure = ctx.meta.get(_JSON_FAILURE)
            if failure is not None:  # --json: a script gets its one object all the same
                from .jsonout import dumps

                click.echo(dumps(failure(exc, ctx.meta.get(_SETTINGS))))
            from .. import gha, workflow

            if workflow.in_github_actions():  # also on the run's page, not only in its log
                click.echo(gha.error_for(exc))
            ctx.exit(exc.exit_code)


# The label of a diagnostic, in colour on a terminal: what went wrong stands out among
# the lines around it.
_COLOURS = {"error": "red", "warning": "yellow"}


def diagnostic(severity: str, message: str, *, prefix: str = "announce: ",
               err: bool = True) -> None:
    """``announce: error: message`` (or ``warning:``, ``note:``), on stderr unless ``err``
    is False; the label red or yellow when the stream is a terminal, plain when it is not
    or when ``NO_COLOR`` is set to anything (https://no-color.org)."""
    label = f"{severity}:"
    if severity in _COLOURS:
        label = click.style(label, fg=_COLOURS[severity], bold=True)
    # None: click's own rule, colour only on a terminal (and what a test runner asks for).
    colour = False if os.environ.get("NO_COLOR") else None
    click.echo(f"{prefix}{label} {message}", err=err, color=colour)


@dataclass(frozen=True)
class Run:
    """What every command starts from: the settings and the clock (``pinned``: the
    clock is ``--now``'s, not the machine's)."""

    settings: Settings
    now: datetime
    pinned: bool = False

    def catalog(self) -> Catalog:
        from ..sources.catalog import load_catalog  # the content layer, when needed

        return load_catalog(self.settings)


# ctx.meta keys (shared by the group's context and the command's): how the command's
# --json words a failure, and the settings it runs with once they are read.
_JSON_FAILURE = "announce.json_failure"
_SETTINGS = "announce.settings"

JsonFailure = Callable[[AnnounceError, Settings | None], dict[str, Any]]


@overload
def common_options(func: F) -> F: ...


@overload
def common_options(*, json_failure: JsonFailure | None = None) -> Callable[[F], F]: ...


def common_options(func: F | None = None, *, json_failure: JsonFailure | None = None) -> Any:
    """``--config`` and ``--now``, on every command; the command receives a ``Run``.

    ``json_failure``: for a command with ``--json`` (its parameter ``as_json``), the JSON
    an error that stops it prints on stdout, besides the message on stderr.
    """
    if func is None:
        return functools.partial(common_options, json_failure=json_failure)

    @click.option(
        "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
        envvar="ANNOUNCE_CONFIG", show_envvar=True,
        help="Config file. Default: announce.toml here or in the nearest folder above "
             "that has one.",
    )
    @click.option("--now", "now_text", metavar="WHEN", envvar="ANNOUNCE_NOW",
                  show_envvar=True, help=NOW_HELP)
    @functools.wraps(func)
    def wrapper(*args: Any, config_path: Path | None, now_text: str | None, **kwargs: Any) -> Any:
        meta = click.get_current_context().meta
        if json_failure is not None and kwargs.get("as_json"):
            meta[_JSON_FAILURE] = json_failure
        settings = load_settings(require_config_path(config_path))
        meta[_SETTINGS] = settings
        for note in deprecation_notes(settings):
            diagnostic("warning", note)
        now = parse_now(now_text, settings.site.tz)
        return func(Run(settings, now, pinned=bool(now_text)), *args, **kwargs)

    return wrapper  # click's decorators erase the signature: typed by the overloads


def parse_now(text: str | None, tz: tzinfo) -> datetime:
    """``--now``'s moment (without an offset, in ``tz``), or the machine's clock."""
    if not text:
        return datetime.now(UTC)
    try:
        return parse_datetime(text, tz, require_time=False)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--now'") from None


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: announce list --now 2027-01-28   (what is coming up, and what is due)",
)
@click.version_option(__version__, prog_name="announce")
@click.option(
    "-v", "--verbose", count=True,
    help="Say more on stderr, with the SMTP conversation (never the AUTH secrets).",
)
def cli(verbose: int) -> None:
    """Turn a meetup's talk files into announcement emails, and send each one once.

    Talks are Markdown files with YAML front matter (a Jekyll _events/ folder works as
    it is). Settings come from announce.toml; see config.example.toml.
    """
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, stream=sys.stderr, format="announce: %(message)s")


def report_left_out(catalog: Catalog) -> None:
    for problem in catalog.errors:
        diagnostic("warning", f"{problem} (file left out)")


def format_when(event: Event, settings: Settings) -> str:
    from ..timefmt import short_when

    return short_when(event.start, settings.site.tz)


def sent_records(settings: Settings) -> Sent:
    """What the ledger says was sent; nothing before the first send (no file is created)."""
    if not settings.ledger.path.exists():  # nothing sent yet: no SQLite to import either
        from ..news import NO_SENDS

        return NO_SENDS
    from ..ledger import read_sent

    return read_sent(settings.ledger.path)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``announce`` script."""
    cli.main(args=argv, prog_name="announce")  # _Group turns AnnounceErrors into exits

