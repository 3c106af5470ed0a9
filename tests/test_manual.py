"""A manual run's inputs (the workflow's do, event and kind) as the action's arguments."""

from __future__ import annotations

import pytest

from announce.ledger.manual import CHOICES, ManualError, request

EVENT = "2027/2027-02-03-observability-with-opentelemetry"


def test_a_scheduled_run_sends_what_is_due() -> None:
    asked = request("", "", "")
    assert (asked.fetch, asked.send, asked.dry_run) == ((), ("send", "--next"), False)
    assert request("dry run", "", "").fetch == ("--dry-run",)
    assert request("", "", "", dry_run=True).dry_run  # the action's dry-run input


@pytest.mark.parametrize(("do", "extra"), [("send now", ()), ("skip", ("--skip",)),
                                           ("resend to the uncertain", ("--resend-uncertain",))])
def test_each_button_for_an_event(do: str, extra: tuple[str, ...]) -> None:
    assert request(do, EVENT, "what is due").send == ("send", EVENT, *extra)
    assert request(do, EVENT, "reminder").send == (
        "send", EVENT, "--kind", "reminder", "--force", *extra)


def test_clearing_the_marker_sends_nothing_or_skips_what_went_out() -> None:
    cleared = request(CHOICES[-1], "", "")
    assert (cleared.fetch, cleared.send) == (("--clear-marker",), ())
    assert request(CHOICES[-1], EVENT, "announcement").send == (
        "send", EVENT, "--kind", "announcement", "--force", "--skip")


@pytest.mark.parametrize(("do", "event", "kind", "message"), [
    ("skip", "", "", "event: 'skip' needs the event"),
    ("send now", "--resend", "", "event: '--resend' is not an event id or a talk file"),
    ("send what is due", EVENT, "", "event and kind are for send now, skip and resend"),
    ("resend everything", EVENT, "", "do: 'resend everything' is not one of"),
    ("skip", EVENT, "party", "kind: 'party' is not one of"),
])
def test_inputs_that_make_no_sense_are_refused(do: str, event: str, kind: str,
                                              message: str) -> None:
    with pytest.raises(ManualError, match=message):
        request(do, event, kind)
