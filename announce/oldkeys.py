"""Keys an older announce wrote, still read: ``[mail] subject_KIND``, which announce 0.2
wrote before the ``[mail.subjects]`` table.

Each is read as the key it became, and named in ``Settings.deprecated``: every command
then notes what to write instead (:func:`deprecation_notes`), and a problem with its
value names it as the file writes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .paths import place

if TYPE_CHECKING:
    from .config import Settings

__all__ = ["as_written", "deprecation_notes", "older_subjects"]

_OLD = "subject_"


def older_subjects(table: dict[str, Any], kinds: Iterable[str], where: Path | None,
                   problems: list[ConfigError], deprecated: list[str]) -> dict[str, Any]:
    """``[mail]`` with its ``subject_KIND`` keys moved into ``subjects``, each named in
    ``deprecated``; one set both ways is a problem."""
    old = {f"{_OLD}{kind}": kind for kind in kinds if f"{_OLD}{kind}" in table}
    if not old:
        return table
    newer = table.get("subjects", {})
    subjects = dict(newer) if isinstance(newer, dict) else {}
    for key, kind in old.items():
        if kind in subjects:
            problems.append(ConfigError(f"set as [mail.subjects] {kind} too: keep that one",
                                        path=where, key=f"[mail] {key}"))
        subjects[kind] = table[key]
        deprecated.append(f"[mail] {key}")
    return {**{k: v for k, v in table.items() if k not in old}, "subjects": subjects}


def as_written(problems: list[ConfigError], deprecated: list[str]) -> list[ConfigError]:
    """``problems`` with a subject's key as the file wrote it: ``[mail] subject_update``
    where it did, not ``[mail.subjects] update``."""
    for problem in problems:
        kind = (problem.key or "").removeprefix("[mail.subjects] ")
        if problem.key != kind and f"[mail] {_OLD}{kind}" in deprecated:
            problem.key = f"[mail] {_OLD}{kind}"
    return problems


def deprecation_notes(settings: Settings) -> list[str]:
    """A note for each older key the config file still uses: what to write instead."""
    return [place(settings.source, None, key) + "still read, but deprecated: write it as "
            f"`{key.removeprefix(f'[mail] {_OLD}')} = ...` in a [mail.subjects] table"
            for key in settings.deprecated]
