"""A manual run from the Actions tab: the workflow's ``do``, ``event`` and ``kind`` inputs
as the arguments of the action's steps (``announce ledger fetch`` and ``announce send``).

The buttons of *Actions → announce → Run workflow*; every one goes through the same steps
as a scheduled run (fetch and check the ledger branch, mark it, send, record), so a manual
run is exactly-once like the others:

- *send what is due* (a scheduled run's default), *dry run*;
- *send now*: ``send EVENT`` (with a kind, ``--kind K --force``: even if not due);
- *skip*: the same with ``--skip``: recorded as done, sent to nobody;
- *resend to the uncertain*: the same with ``--resend-uncertain``;
- *I checked: clear the marker*: ``ledger fetch --clear-marker``, nothing sent; with an
  event, that message is also skipped (the stopped run's log showed it went out).

Pure: a bad combination is a :class:`ManualError` saying which input to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError
from ..kinds import KINDS

__all__ = ["ANY_KIND", "CHOICES", "ManualError", "Request", "request"]

SEND_DUE, DRY_RUN, SEND_NOW, SKIP, RESEND_UNCERTAIN, CLEAR_MARKER = CHOICES = (
    "send what is due", "dry run", "send now", "skip", "resend to the uncertain",
    "I checked: clear the marker")
ANY_KIND = "what is due"
_FOR_EVENT = {SEND_NOW: (), SKIP: ("--skip",), RESEND_UNCERTAIN: ("--resend-uncertain",)}


class ManualError(ConfigError):
    """The manual run's inputs do not make sense together; nothing was done."""


@dataclass(frozen=True)
class Request:
    """What the action's steps run: ``announce ledger fetch`` with ``fetch``, then (when
    ``send`` is not empty) ``announce`` with ``send`` and ``--dry-run`` to see what is
    due, and, unless ``dry_run``, with ``send`` alone."""

    fetch: tuple[str, ...]
    send: tuple[str, ...]
    dry_run: bool
    says: str


def request(do: str, event: str, kind: str, *, task: str = "send",
            dry_run: bool = False) -> Request:
    """The steps' arguments for ``task`` (``send`` or ``preview``) and the inputs."""
    do, event, kind = do.strip() or SEND_DUE, event.strip(), kind.strip() or ANY_KIND
    if task == "preview":
        return Request(("--read-only",), ("send", "--next"), True,
                       "A preview: what is due next, with the ledger branch; nothing sent.")
    if do not in CHOICES:
        raise ManualError(f"{do!r} is not one of: {', '.join(CHOICES)}", key="do")
    if kind != ANY_KIND and kind not in KINDS:
        raise ManualError(f"{kind!r} is not one of: {ANY_KIND}, {', '.join(KINDS)}",
                          key="kind")
    if do == CLEAR_MARKER:
        # With an event: the stopped run's log showed that message went out, so it is
        # recorded as done in the same run (no scheduled run can come in between).
        skip = _for_event(SKIP, event, kind) if event else ()
        return Request(("--clear-marker",), skip, False,
                       "Clearing the SENDING marker (the organizer checked)"
                       + (f", and skipping {_what(event, kind)}" if event else "")
                       + "; nothing sent.")
    if do in (SEND_DUE, DRY_RUN):
        if event or kind != ANY_KIND:
            raise ManualError(f"event and kind are for {SEND_NOW}, {SKIP} and "
                              f"{RESEND_UNCERTAIN}: '{do}' sends what is due (leave them "
                              "empty, or choose what to do with that event)")
        dry = dry_run or do == DRY_RUN
        return Request(("--dry-run",) if dry else (), ("send", "--next"), dry,
                       "A dry run: what is due, nothing sent." if dry else
                       "Sending what is due.")
    if not event:
        raise ManualError(f"'{do}' needs the event (its id, as 'announce list' "
                          "shows it, or its talk file)", key="event")
    return Request(("--dry-run",) if dry_run else (), _for_event(do, event, kind), dry_run,
                   f"{do.capitalize()}: {_what(event, kind)}"
                   + (" (dry run)" if dry_run else ""))


def _for_event(do: str, event: str, kind: str) -> tuple[str, ...]:
    if event.startswith("-"):  # an option, not an event
        raise ManualError(f"{event!r} is not an event id or a talk file", key="event")
    kinds = () if kind == ANY_KIND else ("--kind", kind, "--force")
    return ("send", event, *kinds, *_FOR_EVENT[do])


def _what(event: str, kind: str) -> str:
    return f"{'what is due' if kind == ANY_KIND else f'the {kind}'} of {event}"
