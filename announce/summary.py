"""What ``announce send`` prints: a :class:`~announce.report.SendReport` in words.

The edge's job (the CLI prints these lines; :mod:`announce.gha` words the same report
for GitHub); ``send`` itself returns data.
"""

from __future__ import annotations

from .config import Settings
from .paths import display_path
from .plan import event_name
from .report import KindReport, SendReport
from .timefmt import short_when

__all__ = ["format_report"]


def format_report(report: SendReport, settings: Settings) -> list[str]:
    """The lines ``announce send`` prints on stdout."""
    lines: list[str] = []
    if report.nothing_due:
        lines += report.nothing_due.splitlines()
    for item in report.items:
        lines += _dry_run_lines(item, settings) if item.dry_run else _sent_lines(item)
    return lines


def _dry_run_lines(item: KindReport, settings: Settings) -> list[str]:
    event = item.event
    if item.skip:
        return ["Dry run: nothing skipped, nothing written.",
                f"Would skip the {item.kind} of {event_name(event)}: recorded as done, "
                "sent to nobody."]
    return [
        "Dry run: nothing sent, nothing written.",
        f"Event:      {event.id} — {event.title}, {short_when(event.start, settings.site.tz)}",
        f"Kind:       {item.kind}",
        *([f"Changed:    {item.changed.removeprefix('changed ')}"] if item.changed else []),
        f"Subject:    {item.subject}",
        f"Recipients: {item.recipients} ({item.audience})"
        + (f"; {item.skipped} already sent" if item.skipped else "")
        + (f"; {item.uncertain} uncertain" if item.uncertain else ""),
        f"Transport:  {item.transport}",
    ]


def _sent_lines(item: KindReport) -> list[str]:
    event = item.event
    if item.skip:
        return [f"Skipped the {item.kind} of {event_name(event)}: recorded as done in the "
                "ledger, sent to nobody; no run will send it."]
    lines = [f"The {item.kind} of {event_name(event)}, via {item.transport}:",
             f"Subject: {item.subject}"]
    lines += [f"  failed: {address}: {error}" for address, error in item.failures]
    lines += [f"  uncertain: {entry}" for entry in item.uncertain_recipients]
    shown_failures = item.failed + item.invalid
    if shown_failures > len(item.failures):
        lines.append(f"  ... and {shown_failures - len(item.failures)} more failures "
                     "(see 'announce history')")
    if item.uncertain > len(item.uncertain_recipients):
        lines.append(f"  ... and {item.uncertain - len(item.uncertain_recipients)} more "
                     "uncertain (see 'announce history')")
    lines.append(f"Summary: {item.counts}.")
    if item.aborted:
        lines.append(f"Stopped early: {item.aborted}")
    lines += _advice(item)
    if item.files:
        lines += _files_lines(item)
    return lines


def _advice(item: KindReport) -> list[str]:
    """What to run next, when not everyone got it."""
    again = f"'announce send {item.event.id} --kind {item.kind}"
    lines: list[str] = []
    if item.uncertain:
        lines.append(
            "Uncertain: a run stopped after handing these over and before the server "
            f"confirmed them; they may have arrived. Check, then send them with "
            f"{again} --resend-uncertain'."
        )
    if item.failed and not item.aborted:
        lines.append(f"A rerun tries the temporary failures again; {again} --force' retries all.")
    elif item.refused:
        lines.append(f"{again} --force' tries the refused recipients again "
                     "(see 'announce history').")
    return lines


def _files_lines(item: KindReport) -> list[str]:
    """Where a transport that writes files (the outbox) put them."""
    assert item.outbox is not None
    folder = display_path(item.outbox)
    lines = [f"Written to the outbox {folder}/ (a Maildir):"]
    lines += [f"  {display_path(path)}" for path in item.files]
    if item.sent > len(item.files):
        lines.append(f"  ... and {item.sent - len(item.files)} more in {folder}/new/")
    lines.append(f"Open it with any mail client that reads Maildir (e.g. 'mutt -f {folder}'), "
                 "or read the file: it is the message as sent.")
    return lines
