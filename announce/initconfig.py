"""The ``announce.toml`` that ``init`` writes: ``config.example.toml`` itself, with the
facts found in the site filled in (:class:`~announce.sitefacts.SiteFacts`) and the
example values that would otherwise end up in real mail (reply address, unsubscribe
links, RSVP group, call for lightning talks) commented out.

There is one hand-maintained copy of each text: ``config.example.toml`` and
``examples/github/announce.yml`` at the top of the repository, which the wheel carries
as ``announce/data/`` (see pyproject.toml).
"""

from __future__ import annotations

import json
import re
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .errors import ConfigError
from .tomltext import comment_out, set_value, suggest, uncomment, value_of

if TYPE_CHECKING:
    from .sitefacts import SiteFacts

__all__ = ["config_text", "packaged_text"]

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


def packaged_text(name: str) -> str:
    """A text file shipped with announce: from the installed package, else the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "data" / name, here.parent / _SHIPPED[name]):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise ConfigError("missing from this installation of announce", path=here / "data" / name)


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
    from .sources.profiles import GENERIC

    if facts.generator != GENERIC.name:
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
