"""``announce init``: write ``announce.toml`` (and the GitHub workflow) for a site repository.

The config is ``config.example.toml`` itself, with the facts found in the site filled in:
the generator, the events folder and the key map its event files use (inferred by
:mod:`announce.sources.infer`), and from the generator's config the site's name, url,
timezone and language (the event pages' URLs follow the generator's own rules, read when
a mail links to one: :mod:`announce.pages`). Example values
that would otherwise end up in real mail (reply address, unsubscribe links, RSVP group,
call for lightning talks) are written commented out. There is one hand-maintained copy of
each text: ``config.example.toml`` and ``examples/github/announce.yml`` at the top of the
repository, which the wheel carries as ``announce/data/`` (see pyproject.toml).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from .config import DEFAULT_CONFIG_NAME, LedgerSettings, OutboxSettings, load_settings
from .errors import ConfigError
from .i18n import language_problem
from .tomltext import comment_out, set_value, suggest, uncomment, value_of

if TYPE_CHECKING:
    from .ledger.gitignore import Ignored

__all__ = [
    "WORKFLOW_PATH",
    "InitResult",
    "SiteFacts",
    "config_text",
    "detect_site",
    "init_site",
    "packaged_text",
    "workflow_text",
]

WORKFLOW_PATH = Path(".github/workflows/announce.yml")

# Packaged name -> where the same file lives in a source checkout.
_SHIPPED = {
    "config.example.toml": Path("config.example.toml"),
    "workflow.yml": Path("examples/github/announce.yml"),
}

# Example values that are fine for the demo but wrong in a real group's mail.
_COMMENTED_OUT = (
    ("mail", "reply_to"),
    ("mail", "list_id"),
    ("mail", "unsubscribe"),
    ("rsvp", "meetup_group"),
    ("lightning_talks", "propose_url"),
)

# "HV Open - An Open Technology meetup serving ..." -> "HV Open": the name goes into every
# subject line, where a tagline does not belong.
_TAGLINE = re.compile(r"\s+[-–—|:]\s+")


@dataclass(frozen=True)
class SiteFacts:
    """What ``init`` found in a site repository; None where it found nothing."""

    jekyll: bool
    events: str
    locations: str
    name: str | None = None
    url: str | None = None
    timezone: str | None = None
    # None: announce finds each event's page by the generator's rules (announce.pages).
    permalink: str | None = None
    notes: tuple[str, ...] = ()
    generator: str = "generic"
    generator_label: str = "a content/ folder"
    language: str | None = None
    # The key map, lookups and other [content] settings inferred from the event files.
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Field -> the other candidate key nothing told from the chosen one (init asks).
    alternatives: dict[str, str] = field(default_factory=dict)
    lookups: dict[str, str] = field(default_factory=dict)
    default_time: str | None = None
    exclude: tuple[str, ...] = ()
    # The timezone is the machine's, not the site's: said so.
    timezone_guessed: bool = False
    not_speakers: tuple[str, ...] = ()
    utc_times: str | None = None
    expect: tuple[str, ...] = ()
    events_count: int = 0
    naive_times: str | None = None
    meetup_group: str | None = None

    @property
    def data(self) -> bool:
        """Whether the events are entries of data files (``events = "events.toml"``)."""
        from .sources.lookup import DATA_SUFFIXES

        return Path(self.events).suffix.lower() in DATA_SUFFIXES


@dataclass(frozen=True)
class InitResult:
    """The files ``init`` wrote (or kept), what it found, and what it added to the
    site's .gitignore."""

    facts: SiteFacts
    written: tuple[Path, ...]
    kept: tuple[Path, ...] = field(default=())
    ignored: Ignored | None = None


def packaged_text(name: str) -> str:
    """A text file shipped with announce: from the installed package, else the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "data" / name, here.parent / _SHIPPED[name]):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise ConfigError("missing from this installation of announce", path=here / "data" / name)


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


# A typical evening meetup; init says so, loudly, when it has to use it.
GUESSED_START = "18:30"


def detect_site(root: Path, timezone: str | None = None) -> SiteFacts:
    """Find the generator, the events and the keys they use, and the site's facts;
    ``timezone`` is the organizer's answer (``init --timezone``), which wins."""
    from .sources.infer import infer_site

    inference = infer_site(root)
    generator = inference.generator
    notes: list[str] = []
    if inference.site_dir:
        notes.append(f"the {generator.label} site is in {inference.site_dir}/: "
                     f"its config is read from there")
    if generator.name == "jekyll":
        facts = _jekyll_facts(root / inference.site_dir, notes)
    else:
        facts = _config_facts(inference.config, generator.label, notes)
    events = inference.events or facts["events"]
    if not inference.events and not (root / events).is_dir():
        notes.append(f"no event files found: put talks in {events}/")
    locations = inference.locations or facts["locations"]
    if not facts["url"]:
        notes.append("the site's config gives no url: set [site] url in announce.toml "
                     "(links and images in talks are made absolute against it)")
    if timezone:
        facts["timezone"] = timezone
    timezone, guessed = facts["timezone"], False
    if not timezone:
        from .sources.evidence import guess_zone

        # The zone whose rules fit the offsets the files write (+01:00 winters, +02:00
        # summers), else this machine's.
        found = guess_zone(inference.offsets, facts["language"] or "",
                           f"{facts['name']} {facts['url']} {root.resolve().name}")
        if found is not None:
            timezone, why = found
            guessed = True
            notes.append(f"the site's config names no timezone: {timezone}, from the files "
                         f"({why}); set [site] timezone, or init --timezone, if it is not "
                         "where the group meets")
        else:
            timezone, guessed = _machine_timezone(), True
            notes.append(f"the site's config names no timezone: using this machine's "
                         f"({timezone}); set [site] timezone (or init --timezone ZONE) if the "
                         "group meets elsewhere")
    default_time = None
    if inference.date_only:
        # A suggestion, written commented out: a time nobody wrote must not reach the list
        # unless the organizer says so (send refuses an event unsure of its start).
        default_time = GUESSED_START
        count = inference.date_only
        notes.append(f"{count} event{'s give' if count != 1 else ' gives'} only a date and no "
                     "time of day anywhere: they are unsure and send refuses them; if the "
                     "group always meets at one time, uncomment [content] default_time "
                     f"(suggested: {GUESSED_START}) in announce.toml")
    from .sources.evidence import utc_habit

    utc_times, utc_note = utc_habit(root, inference.utc_written, timezone, inference.templates)
    if utc_note:
        notes.append(utc_note)
    notes.extend(inference.notes)
    language = _language(facts["language"])
    missing = language_problem(language) if language else None
    if language and missing:
        # English mails, said so, rather than a config every command refuses.
        notes.append(f"the site's language is {json.dumps(language)}, and announce has "
                     f"{missing}; init wrote language = \"en\"")
        language = None
    return SiteFacts(
        jekyll=generator.name == "jekyll", events=events, locations=locations,
        name=facts["name"] or None, url=facts["url"] or None, timezone=timezone,
        permalink=facts["permalink"], notes=tuple(notes), generator=generator.name,
        generator_label=generator.label if generator.name != "generic" else "a content/ folder",
        language=language, keys=inference.keys, lookups=inference.lookups,
        alternatives=inference.alternatives,
        default_time=default_time, exclude=inference.exclude, timezone_guessed=guessed,
        not_speakers=inference.not_speakers, utc_times=utc_times, expect=inference.expect,
        events_count=inference.events_count,
        # Hugo reads dates without offset in its timeZone if it has one, else in UTC.
        naive_times="local" if generator.name == "hugo" and facts["timezone"] else None,
        meetup_group=inference.meetup_group or None,
    )


def _language(code: str) -> str | None:
    # "en-us", "fr-FR", "de": the HTML lang attribute takes these as they are.
    code = code.strip().replace("_", "-")
    return code if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", code) else None


def _machine_timezone() -> str:
    """This machine's IANA timezone: $TZ, else /etc/localtime's link, else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        link = os.readlink("/etc/localtime")
        candidates.append(link.split("zoneinfo/", 1)[-1])
    except OSError:
        pass
    for name in candidates:
        if name and _valid_zone(name):
            return name
    return "UTC"


def _valid_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _config_facts(config: Any, label: str, notes: list[str]) -> dict[str, Any]:
    url = config.url.rstrip("/")
    if url and not url.startswith(("https://", "http://")):
        notes.append(f"{label} config: url: {url!r} is not an http(s) URL; left out")
        url = ""
    name = config.name
    name = _TAGLINE.split(" ".join(name.split()), maxsplit=1)[0] if name else ""
    return {"name": name, "url": url, "timezone": config.timezone, "permalink": None,
            "language": config.language, "events": "content/events",
            "locations": "content/locations"}


def _jekyll_facts(root: Path, notes: list[str]) -> dict[str, Any]:
    """Name, url, timezone and permalink from a Jekyll ``_config.yml``."""
    jekyll_config = root / "_config.yml"
    data = _read_yaml(jekyll_config) if jekyll_config.is_file() else {}
    collections_dir = _text(data.get("collections_dir")).strip("/")
    base = f"{collections_dir}/" if collections_dir else ""
    events, locations = f"{base}_events", f"{base}_locations"

    name = _text(data.get("title")) or _text(data.get("name"))
    name = _TAGLINE.split(" ".join(name.split()), maxsplit=1)[0] if name else ""

    url = _text(data.get("url")).rstrip("/")
    if url and not url.startswith(("https://", "http://")):
        notes.append(f"_config.yml: url: {url!r} is not an http(s) URL; left out")
        url = ""
    baseurl = _text(data.get("baseurl")).strip("/")
    if url and baseurl:
        url = f"{url}/{baseurl}"

    timezone = _text(data.get("timezone"))
    if timezone and not _valid_zone(timezone):
        notes.append(f"_config.yml: timezone: unknown timezone {timezone!r}; left out")
        timezone = ""

    return {"name": name, "url": url, "timezone": timezone, "permalink": None,
            "language": _text(data.get("lang")) or _text(data.get("locale")),
            "events": events, "locations": locations}


def config_text(facts: SiteFacts, folder_name: str = "") -> str:
    """``config.example.toml`` with the site's facts filled in and demo values commented out.

    Nothing of the sample group stays as if it were the site's: without a name, the
    folder's name is used; without a url, the example's is commented out.
    """
    text = packaged_text("config.example.toml")
    old_name = value_of(text, "site", "name")
    name = facts.name or _name_from_folder(folder_name) or "Our meetup"
    text = set_value(text, "site", "name", name)
    display, address = parseaddr(value_of(text, "mail", "from"))
    domain = urlsplit(facts.url).hostname if facts.url else None
    if display == old_name and domain:
        # An address at the site's own domain; init says to check it (Next, step 1).
        sender = Address(display_name=name, addr_spec=f"announce@{domain.removeprefix('www.')}")
        text = set_value(text, "mail", "from", str(sender))
    else:
        text = set_value(text, "mail", "from", str(Address(display_name=name, addr_spec=address)))
        text = comment_out(text, "mail", "from")
    # The list's address is the one thing init cannot find: send says so until it is set.
    text = comment_out(text, "mail", "to")
    for key, value in (("url", facts.url), ("timezone", facts.timezone),
                       ("permalink", facts.permalink), ("language", facts.language)):
        if value is not None:
            text = set_value(text, "site", key, value)
    if facts.url is None:
        text = comment_out(text, "site", "url")
    if facts.permalink is None:  # the generator's own rules say where each page is
        text = comment_out(text, "site", "permalink")
    text = set_value(text, "content", "events", facts.events)
    text = set_value(text, "content", "locations", facts.locations)
    for section, key in _COMMENTED_OUT:
        if (section, key) == ("rsvp", "meetup_group") and facts.meetup_group:
            text = set_value(text, section, key, facts.meetup_group)
            continue
        text = comment_out(text, section, key)
    return _with_content_map(text, facts)


def _name_from_folder(folder: str) -> str:
    words = re.split(r"[-_.\s]+", folder)
    return " ".join(w[:1].upper() + w[1:] for w in words if w and w.lower() not in (
        "github", "io", "website", "site", "www"))


def _with_content_map(text: str, facts: SiteFacts) -> str:
    """The [content] settings and [content.keys] / [content.lookup] tables init inferred."""
    from .sources.keymap import FIELD_HELP

    if facts.generator != "generic":
        text = set_value(text, "content", "generator", facts.generator)
    else:  # found from the files again, as the comment says
        text = comment_out(text, "content", "generator")
    if facts.default_time:
        text = suggest(text, "content", "default_time", facts.default_time)
    if facts.naive_times:
        text = uncomment(text, "content", "naive_times", facts.naive_times)
    if facts.exclude:
        text = uncomment(text, "content", "exclude", list(facts.exclude))
    if facts.utc_times:
        text = uncomment(text, "content", "utc_times", facts.utc_times)
    if facts.expect:
        text = uncomment(text, "content", "expect", list(facts.expect))
    if facts.not_speakers:
        text = uncomment(text, "content", "not_speakers", list(facts.not_speakers))
    tables = []
    if facts.keys:
        lines = ["[content.keys]",
                 f"# Inferred by announce init from {facts.events_count} event files: which "
                 "front-matter key",
                 "# holds what. Each is a key path or a list of them, the first a file has "
                 "wins."]
        for name, paths in facts.keys.items():
            lines.append(f"# {FIELD_HELP[name]}")
            value = json.dumps(paths[0], ensure_ascii=False) if len(paths) == 1 else \
                json.dumps(list(paths), ensure_ascii=False)
            lines.append(f"{name} = {value}")
            if name in facts.alternatives:
                other = json.dumps(facts.alternatives[name], ensure_ascii=False)
                lines.append(f"# {name} = {other}  # the other candidate: nothing in the site "
                             "told them apart; check which one the event pages show")
        tables.append("\n".join(lines))
    if facts.lookups:
        lines = ["[content.lookup]",
                 "# Where the records live that events name by id."]
        lines += [f"{name} = {json.dumps(spec, ensure_ascii=False)}"
                  for name, spec in facts.lookups.items()]
        tables.append("\n".join(lines))
    if not tables:
        return text
    marker = "\n[schedule]\n"
    head, _sep, tail = text.partition(marker)
    return head + "\n\n".join(tables) + "\n\n" + marker.lstrip("\n") + tail


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


def _read_yaml(path: Path) -> dict[str, Any]:
    from .sources.frontmatter import (
        TOO_DEEP_CONFIG,
        FrontMatterError,
        config_too_deep,
        read_config_text,
    )

    try:
        data = yaml.safe_load(read_config_text(path))  # size bounded
        if config_too_deep(data):
            raise RecursionError
    except FrontMatterError as exc:
        raise ConfigError(exc.message, path=path.name, line=exc.line) from None
    except RecursionError:
        raise ConfigError(TOO_DEEP_CONFIG, path=path.name, line=1) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ConfigError(f"not valid YAML: {exc.problem}", path=path.name, line=line) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=path.name) from None
    return data if isinstance(data, dict) else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


