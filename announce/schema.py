"""How ``announce.toml`` is declared: each setting once, as a field of its table's dataclass.

:func:`setting` is a ``dataclasses.field`` whose metadata says everything else about the
key (as datasette declares its settings): how its TOML value is read (``kind``, see
:func:`announce.configcheck.coerce`), its TOML name when it is not the field's
(``[mail] from`` is ``sender``), its bounds and the check of its value. :func:`table`
declares a table of the settings (``[smtp]``) with the checks that look at several of
its keys at once. From these come the loader's schema (:mod:`announce.config`), the
bounds, the TOML names, the configuration reference of the docs
(``docs/hooks/reference.py``) and the test that ``config.example.toml`` comments every
key (``tests/test_docs.py``). A field without that metadata is no key (``[content]
data`` is made from ``events``). :func:`read_table` reads a table as its keys declare.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import MISSING, dataclass
from pathlib import Path
from typing import Any

from .configcheck import EntryError, coerce, within
from .errors import ConfigError

__all__ = ["Key", "Table", "keys", "read_table", "setting", "table", "tables"]

# A check of one value: the value to keep (it may tidy it), or ValueError saying what is
# wrong with it.
Check = Callable[[Any], Any]
# A check of a table's values together (a key that needs another): ConfigError if wrong.
TableCheck = Callable[[dict[str, Any], "Path | None"], None]

_KINDS = {str: "str", int: "int", float: "number", tuple: "strings"}


@dataclass(frozen=True)
class Key:
    """One key of ``announce.toml``, as its field declares it."""

    table: str                 # "smtp"
    name: str                  # its TOML name: "from"
    attr: str                  # its field: "sender"
    kind: str                  # how its value is read (configcheck.coerce)
    bounds: tuple[float, float, str] | None  # low, high, unit
    check: Check | None
    field: dataclasses.Field[Any]

    @property
    def label(self) -> str:
        """How messages name it: ``[smtp] port``."""
        return f"[{self.table}] {self.name}"

    def default(self) -> Any:
        """The built-in value; ``MISSING`` when the key is required in its table."""
        if self.field.default is not MISSING:
            return self.field.default
        if self.field.default_factory is not MISSING:
            return self.field.default_factory()
        return MISSING


def setting(default: Any = MISSING, *, kind: str | None = None, toml: str | None = None,
            bounds: tuple[float, float, str] | None = None, check: Check | None = None,
            factory: Callable[[], Any] | None = None) -> Any:
    """A key of its table: a dataclass field with ``default`` (or ``factory``), read as
    ``kind`` (by default from the default's type: str, int, float as "number", Path as
    "path", tuple as "strings"), named ``toml`` in the file (else the field's name),
    within ``bounds`` and passing ``check``."""
    if kind is None:
        kind = "path" if isinstance(default, Path) else _KINDS.get(type(default), "")
    if not kind:
        raise TypeError(f"setting({default!r}): give its kind")
    metadata = {"setting": (kind, toml, bounds, check)}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Table:
    """One table of ``announce.toml`` (``[smtp]``): its dataclass and its checks."""

    name: str
    cls: type[Any]
    checks: tuple[TableCheck, ...]
    optional: bool  # absent from the file: None, not the defaults


def table(cls: type[Any], *checks: TableCheck, optional: bool = False) -> Any:
    """A table of the settings, read into ``cls``; ``checks`` run once its keys are read,
    each given the values and the config file. ``optional``: None when the file has
    none (``[smtp]``), else ``cls()``."""
    metadata = {"table": (cls, checks, optional)}
    if optional:
        return dataclasses.field(default=None, metadata=metadata)
    return dataclasses.field(default_factory=cls, metadata=metadata)


def tables(settings: type[Any]) -> dict[str, Table]:
    """Every table ``settings`` declares, in the order of its fields."""
    found = {}
    for item in dataclasses.fields(settings):
        if "table" in item.metadata:
            cls, checks, optional = item.metadata["table"]
            found[item.name] = Table(item.name, cls, checks, optional)
    return found


def keys(table_name: str, cls: type[Any]) -> dict[str, Key]:
    """The keys of one table by their TOML names, in the order of its fields."""
    return {key.name: key for key in _keys(table_name, cls)}


def _keys(table_name: str, cls: type[Any]) -> Iterator[Key]:
    for item in dataclasses.fields(cls):
        if "setting" in item.metadata:
            kind, toml, bounds, check = item.metadata["setting"]
            yield Key(table_name, toml or item.name, item.name, kind, bounds, check, item)


def read_table(name: str, declared: dict[str, Key], table: dict[str, Any], base: Path,
               where: Path | None) -> tuple[dict[str, Any], list[ConfigError]]:
    """A table's values by field, each read, kept within its bounds and checked as its
    declaration says; and a problem for each that is not, naming its key (an entry of a
    table by its own: ``[mail.subjects] reminder``)."""
    values: dict[str, Any] = {}
    problems = []
    for name_in_file, item in table.items():
        key = declared.get(name_in_file)
        if key is None:
            problems.append(ConfigError(f"unknown key (known: {', '.join(declared)})",
                                        path=where, key=f"[{name}] {name_in_file}"))
            continue
        try:
            value = coerce(key.kind, item, base)
            if key.bounds is not None:
                within(value, key.bounds)
            values[key.attr] = key.check(value) if key.check is not None else value
        except EntryError as exc:
            problems.append(ConfigError(str(exc), path=where,
                                        key=f"[{name}.{key.name}] {exc.entry}"))
        except ValueError as exc:
            problems.append(ConfigError(str(exc), path=where, key=key.label))
    return values, problems
