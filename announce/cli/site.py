"""`init`, `preview`, `feed` and `archive`: setting up a site repository, looking at every
message, and what the site publishes."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..config import DEFAULT_CONFIG_NAME, Settings, load_settings
from ..content import Event
from ..errors import AnnounceError, ContentError
from ..paths import display_path
from .base import (
    NOW_HELP,
    Run,
    cli,
    common_options,
    diagnostic,
    format_when,
    parse_now,
    report_left_out,
    sent_records,
)

if TYPE_CHECKING:
    from ..sitefacts import SiteFacts  # init's imports (YAML) only when init runs


@cli.command("init")
@click.option("--github", is_flag=True,
              help="Also write .github/workflows/announce.yml: send on schedule from GitHub.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option("--timezone", metavar="ZONE",
              help="The group's IANA timezone (Europe/Berlin), when the site's config names "
                   "none: times written without an offset are in it.")
@click.option("--yes/--ask", "yes", default=None,
              help="When two keys could hold a fact (doors or start?): take the likelier "
                   "one and write the other as a comment (--yes), or show the next events "
                   "read each way and ask (--ask). Default: ask on a terminal.")
@click.option("--now", "now_text", metavar="WHEN", envvar="ANNOUNCE_NOW", show_envvar=True,
              help=NOW_HELP + " The next events init shows are the next after it.")
def init_command(github: bool, force: bool, timezone: str | None, yes: bool | None,
                 now_text: str | None) -> None:
    """Write announce.toml for the site in this folder (and the GitHub workflow).

    Finds the talks (a Jekyll _events/ folder, else content/events/) and reads the
    site's name, url and timezone from the generator's config. Never
    overwrites a file without --force; with --github, an existing announce.toml is kept.

    \b
    Examples:
      announce init --github
      announce init --timezone Europe/Berlin
    """
    from ..init import init_site

    if timezone is not None:
        _check_zone(timezone)
    parse_now(now_text, UTC)  # a mistake in it stops init before it writes anything
    ask = sys.stdin.isatty() if yes is None else not yes
    choose = (lambda facts, root: _ask(facts, root, now_text)) if ask else None
    result = init_site(Path.cwd(), github=github, force=force, timezone=timezone,
                       choose=choose)
    facts = result.facts
    for path in result.kept:
        click.echo(f"Kept {path} (it exists; --force overwrites it).")
    for path in result.written:
        click.echo(f"Wrote {path}.")
    article = "an" if facts.generator_label[:1] in "AEIOU" else "a"
    layout = f"{article} {facts.generator_label} site" if facts.generator != "generic" \
        else "a content/ folder"
    places = f"events in {facts.events}/"
    if facts.data:  # events kept as entries of data files
        layout = layout if facts.generator != "generic" else "a folder of data files"
        places = f"{facts.events_count} events in {facts.events}"
    elif facts.generator == "generic" or (Path.cwd() / facts.locations).is_dir():
        places += f", locations in {facts.locations}/"
    found = [f"{layout}: {places}"]
    found += [f"{key} {value}" for key, value in (
        ("name", facts.name), ("url", facts.url), ("timezone", facts.timezone)) if value]
    click.echo("Found " + "; ".join(found) + ".")
    for name, paths in facts.keys.items():
        click.echo(f"  {name:<13} <- {' or '.join(paths)}")
    for name, spec in facts.lookups.items():
        click.echo(f"  {name:<13} ids -> {spec}")
    for note in facts.notes:
        diagnostic("warning", note)
    if result.written and Path(DEFAULT_CONFIG_NAME) in result.written:
        _show_next_events(Path.cwd() / DEFAULT_CONFIG_NAME, dict(facts.alternatives),
                          now_text)
    if result.ignored is not None:
        from ..ledger.gitignore import describe

        for line in describe(result.ignored, github=github):
            click.echo(line)
    steps = ["In announce.toml, set [mail] from and to, and uncomment [smtp] to send "
             "over SMTP.",
             "Run 'announce check' and 'announce list' to see what it reads."]
    if github:
        steps += ["Add the SMTP password as the repository secret ANNOUNCE_SMTP_PASSWORD "
                  "(Settings > Secrets and variables > Actions).",
                  "Commit and push announce.toml, .gitignore and "
                  ".github/workflows/announce.yml."]
    click.echo("Next:")
    for number, step in enumerate(steps, 1):
        click.echo(f"  {number}. {step}")


def _ask(facts: SiteFacts, root: Path, now_text: str | None) -> SiteFacts:
    """The timezone when init guessed it, and, for each fact two keys could hold, the next
    events read each way: questions for the organizer."""
    from dataclasses import replace

    if facts.timezone_guessed and facts.timezone:
        # The guess and why are among the notes, printed after: say them here too.
        why = next((n for n in facts.notes if "names no timezone" in n), "")
        if why:
            click.echo(f"The {why}.")
        while True:
            zone = click.prompt("Where does the group meet (an IANA timezone)?",
                                default=facts.timezone).strip()
            try:
                _check_zone(zone)
                break
            except click.BadParameter as exc:
                click.echo(exc.format_message().removeprefix("Invalid value for '--timezone': "))
        if zone != facts.timezone:
            facts = replace(facts, timezone=zone, timezone_guessed=False, notes=tuple(
                n for n in facts.notes if "names no timezone" not in n))
    for name, other in facts.alternatives.items():
        chosen = facts.keys[name][0]
        click.echo(f"Two keys could hold the {name}: the next events read each way.")
        for number, key in enumerate((chosen, other), start=1):
            click.echo(f"  {number}. {name} = {key!r}")
            trial = replace(facts, keys={**facts.keys, name: (key,)})
            for line in _trial_events(trial, root, now_text):
                click.echo(f"       {line}")
        answer = click.prompt(f"Which is the {name}?", type=click.Choice(["1", "2"]),
                              default="1")
        if answer == "2":
            rest = tuple(p for p in facts.keys[name] if p not in (chosen, other))
            facts = replace(facts, keys={**facts.keys, name: (other, *rest)},
                            alternatives={**facts.alternatives, name: chosen})
    return facts


def _trial_events(facts: SiteFacts, root: Path, now_text: str | None) -> list[str]:
    """The next three events (else the last three) as ``facts`` would read them."""
    from ..initconfig import config_text
    from ..sources.catalog import load_catalog

    trial = root / ".announce-init-trial.toml"
    try:
        trial.write_text(config_text(facts, root.resolve().name), encoding="utf-8")
        settings = load_settings(trial)
        events = list(load_catalog(settings).events)
    except (AnnounceError, OSError) as exc:
        return [f"(cannot be read that way: {exc})"]
    finally:
        trial.unlink(missing_ok=True)
    now = parse_now(now_text, settings.site.tz)
    shown = [e for e in events if e.start > now][:3] or events[-3:]
    return [f"{format_when(e, settings)}  {e.title}" for e in shown]


def _check_zone(name: str) -> None:
    import difflib
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
        return
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pass
    near = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=3)
    hint = f" (did you mean {', '.join(near)}?)" if near else \
        " (an IANA name such as 'Europe/Berlin')"
    raise click.BadParameter(f"unknown timezone {name!r}{hint}", param_hint="--timezone")


def _show_next_events(config: Path, alternatives: dict[str, str], now_text: str | None
                      ) -> None:
    """How the next three events read with the config init wrote: check before sending."""
    settings = load_settings(config)
    try:
        from ..sources.catalog import load_catalog

        catalog = load_catalog(settings)
    except ContentError:
        return
    now = parse_now(now_text, settings.site.tz)
    coming = [e for e in catalog.events if e.start > now][:3] or list(catalog.events[-3:])
    label = "The next events read as" if any(e.start > now for e in coming) \
        else "The latest events read as"
    click.echo(f"{label} (correct announce.toml if one is wrong):")
    for event in coming:
        where = event.location.title if event.location else "-"
        who = ", ".join(s.name for s in event.speakers) or "-"
        when = format_when(event, settings) if "start" not in event.unsure else \
            f"{event.start.astimezone(settings.site.tz):%a %Y-%m-%d} --:-- (no time stated)"
        click.echo(f"  {when}  {event.title}  @ {where}  (speakers: {who})")
    _show_sources(catalog.events, alternatives, _pages_note(settings, coming))
    errors = len({p.path for p in catalog.errors})
    loaded, skipped = len(catalog.events), len(catalog.left_out)
    click.echo(f"{loaded} event{'s' * (loaded != 1)} load{'s' * (loaded == 1)}, {errors} "
               f"file{'s' * (errors != 1)} with errors, {skipped} "
               f"file{'s' * (skipped != 1)} no event: 'announce check' says more.")


def _pages_note(settings: Settings, events: Sequence[Event]) -> str | None:
    """Where the mails' "Event page" links lead (the first event's page, and by which
    rule), or what to decide when announce cannot know."""
    from ..pages import event_page

    if not events:
        return None
    page = event_page(settings, events[0])
    if page.url:
        click.echo(f"Event pages: {page.url} ({page.how}).")
        return None
    click.echo(f"Event pages: {'not known' if page.unsure else 'none'} ({page.how}).")
    return ("mails link to no event page: set [site] permalink in announce.toml to the "
            "pattern of the site's event pages" if page.unsure else None)


def _show_sources(events: Sequence[Event], alternatives: dict[str, str],
                  pages: str | None = None) -> None:
    """Per fact, how many events got it from where: what to check, what to decide."""
    from ..sources.provenance import REFUSED, tally

    if not events:
        return
    click.echo(f"Where the facts of the {len(events)} events come from:")
    decide = [pages] if pages else []
    for fact, counts in tally(events).items():
        parts = ", ".join(f"{n} {kind}" for kind, n in counts.most_common())
        click.echo(f"  {fact:<9} {parts}")
        if counts["unsure"] and fact == "start":
            decide.append(f"{counts['unsure']} events state no time of day: send refuses "
                          "them until their files say it, or you set [content] "
                          "default_time in announce.toml")
        elif counts["unsure"] and fact in REFUSED:
            decide.append(f"{counts['unsure']} events state no {fact}: send refuses them "
                          f"until their files say it, or [content.keys] {fact} names the key "
                          "that holds it")
        elif counts["unsure"]:
            decide.append(f"{counts['unsure']} events are unsure of their {fact}: "
                          "'announce check' names the upcoming ones")
    for name, other in alternatives.items():
        decide.append(f"{name}: read from the key init chose; {other!r} could hold it too "
                      "(written as a comment in announce.toml): check which the pages show")
    if decide:
        click.echo("Still for you to decide:")
        for line in decide:
            click.echo(f"  - {line}")


@cli.command("preview")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but a loopback address shows your "
                   "unpublished talks to the network (you are warned).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on; 0 picks a free one (the URL is printed first).")
@click.option("--no-open", is_flag=True, help="Do not open a browser.")
@common_options
def preview_command(run: Run, host: str, port: int, no_open: bool) -> None:
    """Preview every message in the browser, exactly as send would send it.

    A local web server: upcoming events with what is due and what the ledger says was
    sent, each message as HTML (desktop and mobile width), plain text, headers, source
    and .ics, with checks beside it. Pages reload by themselves when a talk, the config
    or a template changes. Nothing is sent. Ctrl-C stops it.

    \b
    Examples:
      announce preview
      announce preview --now 2027-01-28 --port 8001 --no-open
    """
    from ..preview import serve

    # Without --now the preview follows the clock; with it, every page is pinned to it.
    serve(run.settings, host=host, port=port, now=run.now if run.pinned else None,
          open_browser=not no_open, sent_records=sent_records,
          echo=lambda line: click.echo(line),
          warn=lambda text: diagnostic("warning", text))


@cli.command("feed")
@click.option("--output", "output", type=click.Path(file_okay=False, path_type=Path),
              help="Write into this folder instead of [feed] path (or announce/ in the "
                   "folder the site's generator publishes).")
@common_options
def feed_command(run: Run, output: Path | None) -> None:
    """Write the site's calendar and event feeds, and the links to subscribe to them.

    events.ics (every event from [feed] days_back days ago, with the mails' UID and
    SEQUENCE), events.atom and events.json (the events to come) and subscribe.html go
    into a folder the site's generator publishes; the subscribe links (webcal, Google
    Calendar, Outlook) are printed too, to paste into the site. A file is rewritten only
    when an event changed. Events unsure of their start or title are left out.

    \b
    Examples:
      announce feed
      announce feed --output static/calendar --now 2027-01-28
    """
    from ..feed import feed_entries, write_feeds

    settings = run.settings
    catalog = run.catalog()
    report_left_out(catalog)
    entries, unsure = feed_entries(settings, catalog, run.now, sent_records(settings))
    for event in unsure:
        facts = " and ".join(f for f in ("start", "title") if f in event.unsure)
        diagnostic("warning", f"{display_path(event.path)}: left out of the feeds: unsure of "
                              f"its {facts} ('announce check' says why)")
    files = write_feeds(settings, entries, run.now, output)
    coming = sum(1 for e in entries if e.event.end >= run.now)
    click.echo(f"Wrote {len(files.written)} files into {display_path(files.folder)}: "
               f"{len(entries)} events in the calendar, {coming} to come in the feeds.")
    links = files.subscribe_links(settings)
    if not links:
        diagnostic("warning", "[site] url is not set: the subscribe links need the site's "
                              "address (set [site] url in announce.toml)")
    for label, link in links:
        click.echo(f"  {label}: {link}")


@cli.command("archive")
@click.option("--output", "output", type=click.Path(file_okay=False, path_type=Path),
              help="Write into this folder instead of archive/ beside the feeds.")
@common_options
def archive_command(run: Run, output: Path | None) -> None:
    """Write a page for each message that went out, and an index of them, for the site.

    From the ledger: each message as its recipients got it (subject, when it was sent,
    the mail and its plain text), never an address. Only what reached people: a dry
    run, a preview or the outbox's messages are not in it. Into archive/ beside the
    feeds ([feed] path); archive.html in [templates] path wraps the pages in the site's
    layout. A file is rewritten only when it changed.

    \b
    Examples:
      announce archive
      announce archive --output public/news
    """
    from ..archive import read_archive, write_archive

    settings = run.settings
    archive = read_archive(settings)
    files = write_archive(settings, archive, output)
    count = len(archive.copies)
    click.echo(f"Wrote the archive into {display_path(files.folder)}: {count} "
               f"message{'s' * (count != 1)}, {files.changed} file"
               f"{'s' * (files.changed != 1)} changed.")
    if archive.without_copy:
        diagnostic("warning", f"{archive.without_copy} message"
                   f"{'s' * (archive.without_copy != 1)} went out before announce kept a "
                   "copy of what it sent (a ledger of announce 0.2): not in the archive")
