"""``announce init``: write ``announce.toml`` (and the GitHub workflow) for a site repository.

What it finds is :func:`announce.sitefacts.detect_site`'s, the config's text
:func:`announce.initconfig.config_text`'s; here, the workflow and the writing of both,
never over a file without ``force``.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .config import DEFAULT_CONFIG_NAME, LedgerSettings, OutboxSettings, load_settings
from .errors import ConfigError
from .initconfig import config_text, packaged_text
from .sitefacts import SiteFacts, detect_site

if TYPE_CHECKING:
    from .ledger.gitignore import Ignored

__all__ = ["WORKFLOW_PATH", "InitResult", "init_site", "workflow_for", "workflow_text"]

WORKFLOW_PATH = Path(".github/workflows/announce.yml")


@dataclass(frozen=True)
class InitResult:
    """The files ``init`` wrote (or kept), what it found, and what it added to the
    site's .gitignore."""

    facts: SiteFacts
    written: tuple[Path, ...]
    kept: tuple[Path, ...] = field(default=())
    ignored: Ignored | None = None


def workflow_text() -> str:
    """The GitHub workflow that ``init --github`` writes (examples/github/announce.yml)."""
    return packaged_text("workflow.yml")


_WATCHED = re.compile(r'^(?P<indent>\s+)- "(?P<glob>[^"]+/\*\*)"\n', re.MULTILINE)


def workflow_for(facts: SiteFacts) -> str:
    """The workflow, watching this site's own folders for pull requests to preview."""
    text = workflow_text()
    watched = [m["glob"] for m in _WATCHED.finditer(text)]
    first = _WATCHED.search(text)
    if first is None:  # the example lost its paths: nothing to add them to
        return text
    folders = [facts.events, facts.locations, *facts.lookups.values()]
    wanted = []
    for folder in folders:
        folder = folder.split("#", 1)[0].strip("/")
        if not folder or folder == "." or any(
                folder == w[:-3] or folder.startswith(w[:-2]) for w in watched):
            continue
        wanted.append(f'{first["indent"]}- "{folder}/**"\n' if "." not in Path(folder).name
                      else f'{first["indent"]}- "{folder}"\n')
    return text[:first.start()] + "".join(dict.fromkeys(wanted)) + text[first.start():]


def init_site(root: Path, *, github: bool = False, force: bool = False,
              timezone: str | None = None,
              choose: Callable[[SiteFacts, Path], SiteFacts] | None = None) -> InitResult:
    """Write ``announce.toml`` (and, with ``github``, the workflow) into ``root``.

    Never overwrites a file unless ``force``: an existing file is an error that names it,
    and then nothing is written. With ``github``, an existing ``announce.toml`` is kept
    (the workflow reads it) and only the workflow is written. ``choose`` settles what init
    could not (``alternatives``, a guessed timezone): the CLI asks the organizer.
    """
    config_path = root / DEFAULT_CONFIG_NAME
    workflow_path = root / WORKFLOW_PATH
    facts = detect_site(root, timezone)
    if choose is not None and (facts.alternatives or facts.timezone_guessed):
        facts = choose(facts, root)
    keep_config = github and not force and config_path.exists()
    targets = [] if keep_config else [config_path]
    if github:
        targets.append(workflow_path)
    if not force:
        for path in targets:
            if path.exists():
                raise ConfigError("already exists; nothing was written (--force overwrites "
                                  "it)", path=path.relative_to(root))
    contents = {config_path: config_text(facts, root.resolve().name),
                workflow_path: workflow_for(facts)}
    if not keep_config:
        _check_config(contents[config_path], config_path)
    for path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(contents[path], encoding="utf-8", newline="\n")
    return InitResult(
        facts=facts,
        written=tuple(path.relative_to(root) for path in targets),
        kept=(config_path.relative_to(root),) if keep_config else (),
        ignored=_ignore_local_files(root, config_path, github=github),
    )


def _ignore_local_files(root: Path, config_path: Path, *, github: bool) -> Ignored:
    """The outbox and the ledger's lock (and, for the workflow, the ledger) where the
    config says they are, in ``root``'s .gitignore."""
    from .ledger.gitignore import update_gitignore

    try:
        settings = load_settings(config_path)
        outbox, ledger = settings.outbox.path, settings.ledger.path
    except ConfigError:  # a kept config with a mistake (check says which): the defaults
        outbox, ledger = root / OutboxSettings().path, root / LedgerSettings().path
    return update_gitignore(root, outbox, ledger, github=github)


def _check_config(text: str, path: Path) -> None:
    # What init writes must load: a failure here is a bug in announce, not the user's.
    with tempfile.TemporaryDirectory(prefix="announce-init-") as scratch:
        candidate = Path(scratch) / path.name
        candidate.write_text(text, encoding="utf-8")
        try:
            load_settings(candidate)
        except ConfigError as exc:
            raise ConfigError(f"announce init made an invalid config, please report it: {exc}",
                              path=path.name) from None
