"""The kinds seam: a new kind of message is one registry entry plus its two templates.

In a copy of announce, a "last call" (six hours before the talk) is added as one `Kind`
in `announce/kinds.py` and two templates in `templates/email/`: the config takes its
subject, `send --dry-run` finds it due when it is, `render` writes it, and the other kinds
still go out as before.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from .conftest import EXAMPLE_CONFIG, REPO

OTEL = "2027/2027-02-03-observability-with-opentelemetry"

LAST_CALL = '''\
    Kind("lastcall", applies=lambda event, _: not event.cancelled,
         due=lambda event, now, schedule, records: (
             "lastcall" not in records and now >= event.start - timedelta(hours=6)),
         opens=lambda event, schedule, records: event.start - timedelta(hours=6),
         precedence=5, subject=N_("Last call: {{ title }} tonight")),
)
KINDS: tuple[str, ...]'''

SCRIPT = textwrap.dedent("""\
    from announce.cli import main

    main()
""")


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "announce-copy"
    shutil.copytree(REPO / "announce", copy / "announce",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "templates", copy / "templates")
    shutil.copytree(REPO / "content", copy / "content")
    shutil.copy(EXAMPLE_CONFIG, copy / "announce.toml")
    kinds = copy / "announce" / "kinds.py"
    text = kinds.read_text(encoding="utf-8")
    assert text.count(")\nKINDS: tuple[str, ...]") == 1
    kinds.write_text(text.replace(")\nKINDS: tuple[str, ...]", LAST_CALL), encoding="utf-8")
    email = copy / "templates" / "email"
    (email / "lastcall.html").write_text('{% extends "reminder.html" %}\n', encoding="utf-8")
    (email / "lastcall.txt").write_text('{% extends "reminder.txt" %}\n', encoding="utf-8")
    return copy


def test_a_new_kind_is_one_entry_and_its_templates(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANNOUNCE_", "GITHUB_"))}
    env["PYTHONPATH"] = str(copy)  # before the checkout's editable install

    def announce(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=copy, env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    # Six hours before the talk (18:00 EST) the last call is due, over the reminder.
    due = announce("send", "--next", "--dry-run", "--now", "2027-02-03T13:00")
    assert due.returncode == 0, due.stderr
    assert due.stdout.splitlines()[1:4] == [
        f"Event:      {OTEL} — Observability with OpenTelemetry, Wed 2027-02-03 18:00 EST",
        "Kind:       lastcall",
        "Subject:    Last call: Observability with OpenTelemetry tonight"]
    # A subject of its own in [mail.subjects]; render writes the message.
    config = copy / "announce.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[mail.subjects]\n", '[mail.subjects]\nlastcall = "Doors at six: {{ title }}"\n'),
        encoding="utf-8")
    rendered = announce("render", OTEL, "--kind", "lastcall", "--now", "2027-02-03T13:00")
    assert rendered.returncode == 0, rendered.stderr
    assert "Subject: Doors at six: Observability with OpenTelemetry" in rendered.stdout
    # The others as before: a day earlier, with nothing sent yet, the announcement.
    before = announce("send", "--next", "--dry-run", "--now", "2027-02-02T09:00")
    assert before.returncode == 0, before.stderr
    assert before.stdout.splitlines()[2] == "Kind:       announcement"
