"""What ``announce init`` found in a site, as one record (:class:`Inference`): the
generator, the events folder, the key map, the lookups, the notes, each with its reason,
for the organizer to check. :mod:`.infer` fills it in, with :mod:`.inferfacts` and
:mod:`.inferlookups`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .profiles import Generator, SiteConfig
from .templates import TemplateEvidence

__all__ = ["Inference"]


@dataclass
class Inference:
    """What init found: each value with a short reason, for the organizer to check."""

    root: Path
    generator: Generator
    config: SiteConfig
    # The folder of the generator's config, below root ("" when it is root itself).
    site_dir: str = ""
    events: str = ""
    events_count: int = 0
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lookups: dict[str, str] = field(default_factory=dict)
    locations: str = ""
    date_only: int = 0
    naive_times: str = ""
    exclude: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    meetup_group: str = ""
    # Most events' starts are written in UTC ("...Z"): init decides what that means.
    utc_written: bool = False
    # (instant, offset) of the starts that write their own offset: init guesses the zone.
    offsets: list[tuple[Any, Any]] = field(default_factory=list)
    templates: TemplateEvidence = field(default_factory=TemplateEvidence)
    # Facts the templates show that no key gives: events without them are unsure.
    expect: tuple[str, ...] = ()
    # Field -> a second key nothing told from the chosen one (doors or start?): init asks.
    alternatives: dict[str, str] = field(default_factory=dict)
    # "body:<label>": the pages say when in their text, on a line with that label.
    body_start: str = ""
    # Speaker values that name nobody: one value on most events (see _infer_not_speakers).
    not_speakers: tuple[str, ...] = ()
    # Key paths whose values are dates, the likeliest start first (see evidence.py).
    start_candidates: tuple[str, ...] = ()
    # Of them, the keys that hold dates in the files read (the rest are default names).
    date_keys: tuple[str, ...] = ()
