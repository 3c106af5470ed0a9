"""The ledger as it is committed to the ledger branch: small compressed files, not SQLite.

A SQLite file costs about 275 bytes a delivery in git, and git keeps every version of it:
a year of weekly mail to 5,000 people was a 77 MB file that each run downloaded whole.
The workflow still sends with the SQLite file (its durability is what exactly-once rests
on); only what goes into git is this export of it, written by ``announce ledger record``
and loaded back into a SQLite file by ``announce ledger fetch``:

``<ledger>.d/ledger.json``
    the format, SQLite's ``user_version``, every table's and index's ``CREATE``
    statement (so a table a later announce adds travels without a change here), and the
    rows of the tables that have no ``event`` column (``meta``);
``<ledger>.d/recipients.txt``
    every recipient key the ledger holds, one a line: a row names a recipient by its line
    number (a short key, where the key itself is an address or a 76-character hash).
    New keys are appended and numbers never move, so git stores each version as a small
    delta; a key no longer in the ledger (a plain address after the switch to keyed
    hashes) leaves an empty line;
``<ledger>.d/events/<event>+<kind>.json.xz``
    one message's rows (its ``messages`` row and its ``deliveries``) of every table with
    ``event`` and ``kind`` columns (by event alone for a table without ``kind``), column
    by column, xz compressed. A run rewrites only the messages it sent, so the branch
    grows by what was sent, not by the whole ledger each time.

Loading runs no SQL from the branch but single ``CREATE TABLE``/``CREATE INDEX``
statements into a new file, and inserts values by parameter: whoever can push to the
branch can change what the ledger says (as with the SQLite file before), not what runs.
"""

from __future__ import annotations

import base64
import json
import lzma
import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from ..errors import LedgerError

__all__ = ["FORMAT", "export", "folder_of", "holds", "load"]

FORMAT = "announce-ledger-rows 1"
HEADER = "ledger.json"
RECIPIENTS = "recipients.txt"
EVENTS = "events"
_SUFFIX = ".json.xz"
_EVENT_FILE = re.compile(r"[A-Za-z0-9._%+-]{1,240}\.json\.xz")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CREATE = re.compile(r"\s*CREATE\s+(TABLE|INDEX|UNIQUE\s+INDEX)\s", re.IGNORECASE)
# A column of this name holds recipient keys: stored as numbers into recipients.txt.
_RECIPIENT = "recipient"
_EVENT = "event"
# A table with an event column is kept a file per event, or per message where it has
# the kind column too: a run rewrites only the messages it sent.
_GROUP = (_EVENT, "kind")
_XZ_PRESET = 9


def folder_of(ledger: PurePosixPath) -> PurePosixPath:
    """Where the committed form of the ledger at ``ledger`` is kept on the branch."""
    return PurePosixPath(f"{ledger}.d")


def holds(folder: PurePosixPath, path: str) -> bool:
    """Whether ``path`` (in the repository) is one of the files of the committed form."""
    try:
        inside = PurePosixPath(path).relative_to(folder)
    except ValueError:
        return False
    parts = inside.parts
    return parts in ((HEADER,), (RECIPIENTS,)) or (
        len(parts) == 2 and parts[0] == EVENTS and bool(_EVENT_FILE.fullmatch(parts[1])))


# --- export ----------------------------------------------------------------------


def export(db_path: Path, folder: Path) -> None:
    """Write the committed form of the SQLite ledger at ``db_path`` into ``folder``,
    leaving each file whose content is unchanged as it is (git sees no change)."""
    db = sqlite3.connect(f"file:{quote(str(db_path.resolve()))}?mode=ro", uri=True)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        schema = db.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'index') AND "
            "sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, rowid"
        ).fetchall()
        keys = _Keys(_read_lines(folder / RECIPIENTS))
        tables: list[dict[str, Any]] = []
        shared: dict[str, Any] = {}
        per_event: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}
        for kind, name, sql in schema:
            if kind != "table":
                tables.append({"sql": sql})
                continue
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({_quoted(name)})")]
            tables.append({"name": name, "sql": sql, "columns": columns})
            _split(db, name, [*_rowid(db, name, columns), *columns], keys, shared, per_event)
    finally:
        db.close()
    header = {"format": FORMAT, "user_version": version, "tables": tables, "rows": shared}
    folder.mkdir(parents=True, exist_ok=True)
    _write_if_changed(folder / HEADER, (json.dumps(header, indent=1, sort_keys=True,
                                                   ensure_ascii=False) + "\n").encode())
    lines = keys.finish()
    if lines:
        _write_if_changed(folder / RECIPIENTS, "".join(f"{k}\n" for k in lines).encode())
    else:
        (folder / RECIPIENTS).unlink(missing_ok=True)
    _write_events(folder / EVENTS, per_event)


def _split(db: sqlite3.Connection, name: str, columns: list[str], keys: _Keys,
           shared: dict[str, Any],
           per_event: dict[tuple[tuple[str, str], ...], dict[str, Any]]) -> None:
    """The rows of table ``name``: by message (or event) when it has an event column (a
    row whose event or kind is not text aside), else shared; column by column, as similar
    values side by side compress best; in the table's own order (its key or rowid)."""
    group = [c for c in _GROUP if c in columns] if _EVENT in columns else []
    kept = [c for c in columns if c not in group]
    width = len(group)
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    rest: list[tuple[Any, ...]] = []
    selected = ", ".join(_quoted(c) for c in [*group, *kept])  # the group's columns first
    # S608: a table's name from sqlite_master, quoted as an identifier.
    for row in db.execute(f"SELECT {selected} FROM {_quoted(name)}"):  # noqa: S608
        key = row[:width]
        rows = groups.get(key)
        if rows is None:
            rows = groups[key] = []
        rows.append(row[width:])
    for key, rows in groups.items():
        if group and all(isinstance(v, str) for v in key):
            per_event.setdefault(tuple(zip(group, key, strict=True)), {})[name] = \
                _columns(kept, rows, keys)
        else:  # a row whose event or kind is not text: kept whole, with the shared rows
            rest.extend(key + row for row in rows)
    if rest or not group:
        shared[name] = _columns([*group, *kept], rest, keys)


def _rowid(db: sqlite3.Connection, name: str, columns: list[str]) -> list[str]:
    """``rowid`` for a table that has one of its own (not WITHOUT ROWID, no column of that
    name): rows read back keep their order, and whatever reads them by it."""
    if "rowid" in columns:
        return []
    try:
        db.execute(f"SELECT rowid FROM {_quoted(name)} LIMIT 0")  # noqa: S608 - as above
    except sqlite3.OperationalError:  # WITHOUT ROWID
        return []
    return ["rowid"]


def _columns(names: list[str], rows: list[tuple[Any, ...]], keys: _Keys) -> dict[str, Any]:
    values = [keys.encode(column) if name == _RECIPIENT else
              [_value(v) for v in column] if bytes in set(map(type, column)) else list(column)
              for name, column in zip(names, zip(*rows, strict=True) if rows else
                                      [() for _ in names], strict=True)]
    return {"columns": names, "values": values}


class _Keys:
    """Recipient keys by number: the numbers recipients.txt already gave, new ones after."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.number = {key: i for i, key in enumerate(lines) if key}
        self.used: set[int] = set()

    def encode(self, values: Iterable[Any]) -> list[Any]:
        out: list[Any] = []
        for value in values:
            if not isinstance(value, str) or not value or "\n" in value:
                out.append({"v": _value(value)})  # not a key: kept as it is
                continue
            number = self.number.get(value)
            if number is None:
                number = self.number[value] = len(self.lines)
                self.lines.append(value)
            self.used.add(number)
            out.append(number)
        return out

    def finish(self) -> list[str]:
        """The lines of recipients.txt. A key no row uses any more (a plain address after
        the switch to keyed hashes) is not kept on the branch; its number stays taken,
        so that no other number moves."""
        lines = [k if i in self.used else "" for i, k in enumerate(self.lines)]
        while lines and not lines[-1]:
            lines.pop()
        return lines


def _value(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode("ascii")}
    return value


def _event_file(group: tuple[tuple[str, str], ...]) -> str:
    name = "+".join(quote(value, safe="") or "%" for _, value in group)
    if len(name) > 200:  # a name git and every file system take: shortened, still unique
        import hashlib

        name = name[:150] + "-" + hashlib.sha256(name.encode()).hexdigest()[:32]
    return name + _SUFFIX


def _write_events(folder: Path,
                  per_event: dict[tuple[tuple[str, str], ...], dict[str, Any]]) -> None:
    wanted = {_event_file(group): {"group": dict(group), "tables": tables}
              for group, tables in per_event.items()}
    if folder.is_dir():
        for old in folder.iterdir():
            if old.name not in wanted:
                old.unlink()
    if wanted:
        folder.mkdir(exist_ok=True)
    elif folder.is_dir():
        folder.rmdir()
    for name, content in sorted(wanted.items()):
        data = json.dumps(content, separators=(",", ":"), sort_keys=True,
                          ensure_ascii=False).encode()
        path = folder / name
        if path.is_file():
            try:
                if lzma.decompress(path.read_bytes()) == data:
                    continue
            except lzma.LZMAError:
                pass
        path.write_bytes(lzma.compress(data, preset=_XZ_PRESET))


def _write_if_changed(path: Path, data: bytes) -> None:
    if not (path.is_file() and path.read_bytes() == data):
        path.write_bytes(data)


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- load ------------------------------------------------------------------------

# A file of the branch decompressed beyond this is refused (a few GB of zeros pushed as
# a small .xz file must not fill the runner's disk).
_MAX_BYTES = 1 << 30
_DENIED = {sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH, sqlite3.SQLITE_PRAGMA,
           sqlite3.SQLITE_CREATE_TRIGGER, sqlite3.SQLITE_CREATE_VIEW,
           sqlite3.SQLITE_CREATE_TEMP_TRIGGER, sqlite3.SQLITE_CREATE_TEMP_VIEW}


class _Damaged(ValueError):
    pass


def load(folder: Path, target: Path) -> None:
    """Build the SQLite ledger ``target`` from the committed form in ``folder``; the file
    is replaced whole, or not at all (a LedgerError says what is wrong with the form)."""
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        header = _json(folder / HEADER, compressed=False)
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            newer = str(header.get("format", "")).startswith("announce-ledger-rows") if \
                isinstance(header, dict) else False
            raise _Damaged("written by a newer announce: upgrade announce to read it"
                           if newer else f"not a ledger of format {FORMAT!r}")
        db = sqlite3.connect(partial, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = OFF")  # a new file, replaced whole or not
            columns = _create(db, header)
            keys = _read_lines(folder / RECIPIENTS)
            db.execute("BEGIN")
            for name, table in _mapping(header.get("rows", {})).items():
                _insert(db, columns, name, table, keys, None)
            events = folder / EVENTS
            for path in sorted(events.iterdir()) if events.is_dir() else []:
                content = _mapping(_json(path, compressed=True))
                group = _mapping(content.get("group"))
                if _EVENT not in group or not set(group) <= set(_GROUP) or not all(
                        isinstance(v, str) for v in group.values()):
                    raise _Damaged(f"{path.name}: no event")
                for name, table in _mapping(content.get("tables")).items():
                    _insert(db, columns, name, table, keys, group)
            version = header.get("user_version")
            if not isinstance(version, int) or not 0 <= version < 1 << 31:
                raise _Damaged("user_version is not a number")
            db.execute(f"PRAGMA user_version = {version}")
            db.execute("COMMIT")
        finally:
            db.close()
        partial.replace(target)
    except (_Damaged, sqlite3.Error, UnicodeDecodeError, json.JSONDecodeError, lzma.LZMAError,
            OSError) as exc:
        partial.unlink(missing_ok=True)
        raise LedgerError(f"{folder}: the committed ledger cannot be read: {exc}") from None
    for suffix in ("-journal", "-wal", "-shm"):  # an older file's, never to be replayed
        target.with_name(target.name + suffix).unlink(missing_ok=True)


def _json(path: Path, *, compressed: bool) -> Any:
    data = path.read_bytes()
    if compressed:
        unpack = lzma.LZMADecompressor()
        data = unpack.decompress(data, max_length=_MAX_BYTES)
        if not unpack.eof:
            raise _Damaged(f"{path.name}: larger than {_MAX_BYTES} bytes, or cut short")
    return json.loads(data.decode("utf-8"))


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Damaged("not an object where one was expected")
    return value


def _authorize(action: int, *_: object) -> int:
    return sqlite3.SQLITE_DENY if action in _DENIED else sqlite3.SQLITE_OK


def _create(db: sqlite3.Connection, header: dict[str, Any]) -> dict[str, list[str]]:
    """The tables and indexes, one CREATE statement at a time; their columns by table."""
    tables = header.get("tables")
    if not isinstance(tables, list):
        raise _Damaged("no tables")
    db.set_authorizer(_authorize)
    try:
        for table in tables:
            sql = _mapping(table).get("sql")
            if not isinstance(sql, str) or not _CREATE.match(sql):
                raise _Damaged(f"not a CREATE TABLE or INDEX statement: {str(sql)[:80]!r}")
            db.execute(sql)  # one statement: execute() refuses a second
    finally:
        db.set_authorizer(None)
    # rowid: see _rowid (a WITHOUT ROWID table refuses it at the INSERT).
    return {name: ["rowid", *(row[1] for row in db.execute(
                f"PRAGMA table_info({_quoted(name)})"))]
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _insert(db: sqlite3.Connection, columns: dict[str, list[str]], name: str,
            table: Any, keys: list[str], group: dict[str, str] | None) -> None:
    table = _mapping(table)
    names, values = table.get("columns"), table.get("values")
    if name not in columns or not isinstance(names, list) or not isinstance(values, list) \
            or len(names) != len(values) or any(n not in columns[name] for n in names) \
            or not all(isinstance(v, list) and len(v) == len(values[0]) for v in values):
        raise _Damaged(f"table {name}: columns that do not match its CREATE statement")
    decoded = [list(_recipients(v, keys)) if n == _RECIPIENT else
               v if set(map(type, v)) <= _PLAIN else [_decode(x) for x in v]
               for n, v in zip(names, values, strict=True)]
    for column, value in (group or {}).items():
        if column not in columns[name] or column in names:
            raise _Damaged(f"table {name}: no column {column}")
        names = [*names, column]
        decoded.append([value] * (len(values[0]) if values else 0))
    if not decoded or not decoded[0]:
        return
    # S608: names of the table and columns the file's CREATE made (checked above),
    # quoted as identifiers; the values go by parameter.
    sql = (f"INSERT INTO {_quoted(name)} ({', '.join(_quoted(n) for n in names)}) "  # noqa: S608
           f"VALUES ({', '.join('?' * len(names))})")
    db.executemany(sql, zip(*decoded, strict=True))


_PLAIN = {str, int, float, type(None)}  # JSON's own values: nothing to decode


def _recipients(values: list[Any], keys: list[str]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(keys) \
                and keys[value]:
            yield keys[value]
        elif isinstance(value, dict) and set(value) == {"v"}:
            yield _decode(value["v"])
        else:
            raise _Damaged(f"recipient {value!r} is not a line of {RECIPIENTS}")


def _decode(value: Any) -> Any:
    if value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, dict) and set(value) == {"b64"} and isinstance(value["b64"], str):
        return base64.b64decode(value["b64"], validate=True)
    raise _Damaged(f"a value that is no text, number or blob: {str(value)[:40]!r}")
