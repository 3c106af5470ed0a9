"""The ledger's committed form (announce.ledger.committed): what the ledger branch holds.

What a user would notice: the ledger read back from the branch says exactly what the
SQLite file said (every table, a later announce's too); the branch grows by what a run
sent, a few tens of bytes a delivery, not by the whole ledger each run; no address is left
on it once recipients are kept by keyed hash; a tampered form is refused, never run.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from announce.delivery import Outcome
from announce.errors import LedgerError
from announce.ledger import Claim, Ledger, read_sent
from announce.ledger.committed import export, load
from announce.ledger.keys import RecipientKeys

KEYED = RecipientKeys(b"a secret of the workflow")


def _send(path: Path, event: str, kinds: tuple[str, ...], count: int,
          keys: RecipientKeys = KEYED) -> None:
    moment = [datetime(2027, 2, 1, 18, tzinfo=UTC)]

    def clock() -> datetime:
        moment[0] += timedelta(milliseconds=7)
        return moment[0]

    with Ledger.open(path, clock=clock, keys=keys) as ledger:
        for kind in kinds:
            ledger.record_subject(event, kind, f"{kind} of {event}", None)
            keyed = [ledger.recipient_key(f"member{i}@example.org") for i in range(count)]
            for start in range(0, count, 50):
                claims = [Claim(key, f"<{_token(event, kind, key)}@example.org>")
                          for key in keyed[start:start + 50]]
                ledger.record(event, kind, claims, "smtp")
                ledger.record(event, kind, [Outcome(c.recipient, "sent") for c in claims
                                            if not c.recipient.endswith("7")], "smtp")
            ledger.finished(event, kind)


def _token(*parts: str) -> str:
    # As random as send's own Message-IDs (a hash of event, kind, key and body).
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _dump(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [*db.iterdump(), str(db.execute("PRAGMA user_version").fetchone()[0])]
    finally:
        db.close()


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_the_ledger_read_back_from_its_committed_form_is_the_same_ledger(
        tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    _send(ledger, "2027/2027-02-03-talk", ("announcement", "reminder"), 500)
    export(ledger, tmp_path / "rows")
    back = tmp_path / "back.sqlite3"
    load(tmp_path / "rows", back)
    assert _dump(back) == _dump(ledger)
    assert read_sent(back) == read_sent(ledger)
    with Ledger.open(back, clock=lambda: datetime.now(UTC), keys=KEYED):
        pass  # a send can go on from it: same format, same key


def test_the_branch_grows_by_what_a_run_sent_in_few_bytes_a_delivery(tmp_path: Path) -> None:
    ledger, rows = tmp_path / "ledger.sqlite3", tmp_path / "rows"
    _send(ledger, "2027/2027-02-03-talk", ("announcement",), 2000)
    export(ledger, rows)
    announced = rows / "events" / "2027%2F2027-02-03-talk+announcement.json.xz"
    before, keys_before = announced.read_bytes(), (rows / "recipients.txt").read_text()
    _send(ledger, "2027/2027-02-03-talk", ("reminder",), 2000)
    export(ledger, rows)
    assert announced.read_bytes() == before  # the reminder's run left it: nothing new in git
    assert (rows / "recipients.txt").read_text() == keys_before
    assert (_size(rows) - len(keys_before)) / 4000 < 25  # the recipients' keys come once
    assert _size(rows) / 4000 < 60

    _send(ledger, "2027/2027-03-03-next", ("announcement",), 2100)  # 100 new subscribers
    export(ledger, rows)
    assert announced.read_bytes() == before
    keys_after = (rows / "recipients.txt").read_text()
    assert keys_after.startswith(keys_before)  # numbers never move: a small delta in git
    assert len(keys_after.splitlines()) == 2100
    assert "@" not in keys_after  # keyed: no address on the branch


def test_no_address_stays_on_the_branch_once_recipients_are_keyed(tmp_path: Path) -> None:
    ledger, rows = tmp_path / "ledger.sqlite3", tmp_path / "rows"
    _send(ledger, "talk", ("announcement",), 20, keys=RecipientKeys())
    export(ledger, rows)
    assert "member3@example.org" in (rows / "recipients.txt").read_text()
    _send(ledger, "talk", ("reminder",), 20)  # the first keyed send converts the ledger
    export(ledger, rows)
    assert "@" not in (rows / "recipients.txt").read_text()
    back = tmp_path / "back.sqlite3"
    load(rows, back)
    assert _dump(back) == _dump(ledger)


def test_a_table_a_later_announce_adds_travels_with_its_blobs(tmp_path: Path) -> None:
    ledger, rows = tmp_path / "ledger.sqlite3", tmp_path / "rows"
    _send(ledger, "talk", ("announcement",), 5)
    db = sqlite3.connect(ledger)
    with db:
        db.execute("CREATE TABLE archived (event TEXT NOT NULL, kind TEXT NOT NULL, "
                   "recipient TEXT, message BLOB, PRIMARY KEY (event, kind))")
        db.execute("CREATE INDEX archived_kind ON archived (kind)")
        db.execute("INSERT INTO archived VALUES ('talk', 'announcement', NULL, ?)",
                   (b"\x00From: x\r\n\r\nbody\xff",))
        db.execute("INSERT INTO archived VALUES ('other', 'reminder', '12', x'00')")
    db.close()
    export(ledger, rows)
    back = tmp_path / "back.sqlite3"
    load(rows, back)
    assert _dump(back) == _dump(ledger)


@pytest.mark.parametrize("tamper", [
    ('"sql": "CREATE TABLE meta', '"sql": "CREATE TRIGGER t AFTER INSERT ON meta BEGIN '
                                  'SELECT 1; END; CREATE TABLE meta'),
    ('"sql": "CREATE TABLE meta', '"sql": "ATTACH DATABASE \'x.db\' AS x; CREATE TABLE meta'),
    ('"sql": "CREATE TABLE meta (', '"sql": "CREATE TABLE meta (x); ATTACH \'x.db\' AS y; '
                                    'CREATE TABLE m ('),
    ('"format": "announce-ledger-rows 1"', '"format": "announce-ledger-rows 9"'),
])
def test_a_tampered_committed_form_is_refused_and_nothing_runs(
        tmp_path: Path, tamper: tuple[str, str]) -> None:
    ledger, rows = tmp_path / "ledger.sqlite3", tmp_path / "rows"
    _send(ledger, "talk", ("announcement",), 5)
    export(ledger, rows)
    header = rows / "ledger.json"
    text = header.read_text(encoding="utf-8")
    assert tamper[0] in text
    header.write_text(text.replace(tamper[0], tamper[1], 1), encoding="utf-8")
    target = tmp_path / "workspace.sqlite3"
    target.write_bytes(b"the ledger from before")
    with pytest.raises(LedgerError, match=r"the committed ledger cannot be read"):
        load(rows, target)
    assert target.read_bytes() == b"the ledger from before"  # untouched
    assert not (tmp_path / "x.db").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ledger.sqlite3", "rows", "workspace.sqlite3"]


def test_a_recipient_number_beyond_the_list_is_refused(tmp_path: Path) -> None:
    ledger, rows = tmp_path / "ledger.sqlite3", tmp_path / "rows"
    _send(ledger, "talk", ("announcement",), 5)
    export(ledger, rows)
    keys = rows / "recipients.txt"
    keys.write_text("".join(keys.read_text().splitlines(keepends=True)[:3]))
    with pytest.raises(LedgerError, match=r"recipient 3 is not a line of recipients.txt"):
        load(rows, tmp_path / "back.sqlite3")


def test_a_real_send_with_its_archived_copy_travels_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .test_send import send, write_site

    monkeypatch.chdir(tmp_path)
    config = write_site(tmp_path, subscribers=3)  # into the outbox
    assert send(config, "--next").exit_code == 0
    ledger = tmp_path / ".announce" / "ledger.sqlite3"
    db = sqlite3.connect(ledger)
    assert db.execute("SELECT count(*) FROM copies").fetchone() == (1,)  # issue 24's table
    db.close()
    export(ledger, tmp_path / "rows")
    back = tmp_path / "back.sqlite3"
    load(tmp_path / "rows", back)
    assert _dump(back) == _dump(ledger)
