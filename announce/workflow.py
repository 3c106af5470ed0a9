"""GitHub Actions' workflow commands, step outputs and step summary: what a step of a
workflow reads from announce, as plain functions of plain values.

Command lines are returned, not printed: only ``announce.cli`` prints. The files
(``$GITHUB_STEP_SUMMARY``, ``$GITHUB_OUTPUT``) are only written when Actions set them.
What ``send`` and ``check`` say on a runner is :mod:`announce.gha`'s; the ledger's branch
(:mod:`announce.ledger.branch`) warns through here too.

Spec: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path

from .paths import display_path

__all__ = [
    "SUMMARY_LIMIT",
    "actor",
    "annotation",
    "code_block",
    "error",
    "escape_data",
    "escape_property",
    "in_github_actions",
    "in_pull_request",
    "markdown_text",
    "message_summary",
    "notice",
    "warning",
    "write_output",
    "write_step_summary",
]

# GitHub refuses a step summary over 1 MiB (and then shows none of it).
SUMMARY_LIMIT = 1024 * 1024


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def in_github_actions(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process runs in a GitHub Actions job (``GITHUB_ACTIONS=true``)."""
    return _env(environ).get("GITHUB_ACTIONS") == "true"


def actor(environ: Mapping[str, str] | None = None) -> str:
    """Who started the run (``github.actor``, as ``@login``); off a runner, the local user."""
    login = _env(environ).get("GITHUB_ACTOR", "")
    if login:
        return f"@{login}"
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no such user (a container without passwd)
        return "someone"


def escape_data(text: str) -> str:
    """Escape a command's message: a newline must not end the command early."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command's property value (``file=``, ``title=``), where ``:`` and ``,`` end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, message: str, properties: Mapping[str, str | int | None]) -> str:
    props = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in properties.items()
        if value is not None and value != ""
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def notice(message: str, *, title: str | None = None) -> str:
    """A ``::notice::`` line: shown on the run's page and in its annotations."""
    return _command("notice", message, {"title": title})


def warning(
    message: str, *, file: str | None = None, line: int | None = None, title: str | None = None
) -> str:
    """A ``::warning::`` line, attached to ``file`` (and ``line``) when given."""
    return _command("warning", message, {"file": file, "line": line, "title": title})


def error(
    message: str, *, file: str | None = None, line: int | None = None, title: str | None = None
) -> str:
    """An ``::error::`` line, attached to ``file`` (and ``line``) when given."""
    return _command("error", message, {"file": file, "line": line, "title": title})


def annotation(severity: str, message: str, path: Path, line: int | None = None) -> str:
    """An ``::error::`` (or ``::warning::``) line shown on ``path`` in the pull request."""
    command = warning if severity == "warning" else error
    return command(message, file=display_path(path), line=line)


def write_output(name: str, value: str, environ: Mapping[str, str] | None = None) -> bool:
    """Set step output ``name`` through ``$GITHUB_OUTPUT``; False when it is not set.

    The multi-line form with a random delimiter, so that no value can end it early.
    """
    path = _env(environ).get("GITHUB_OUTPUT")
    if not path:
        return False
    delimiter = f"announce_{secrets.token_hex(8)}"
    with Path(path).open("a", encoding="utf-8", newline="\n") as out:
        out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return True


def write_step_summary(markdown: str, environ: Mapping[str, str] | None = None) -> bool:
    """Append ``markdown`` to the job's summary page; False when not in a step.

    Cut at :data:`SUMMARY_LIMIT` (with a note), because GitHub drops a longer summary whole.
    """
    path = _env(environ).get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    target = Path(path)
    used = target.stat().st_size if target.exists() else 0
    data = markdown.rstrip("\n").encode("utf-8") + b"\n\n"
    room = SUMMARY_LIMIT - used
    if len(data) > room:
        note = b"\n\n*(cut: GitHub shows at most 1 MiB of summary)*\n"
        data = data[: max(0, room - len(note))].decode("utf-8", "ignore").encode("utf-8")
        data += note if room > len(note) else b""
    with target.open("ab") as out:
        out.write(data)
    return True


# Enough for text that sits inline after a label or in a table cell (never at a line's
# start): emphasis, code, links, tables, strike-through; HTML is turned into entities.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def markdown_text(text: str) -> str:
    """``text`` shown as itself in Markdown: no emphasis, links, tables or HTML from it."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def code_block(text: str, language: str = "text") -> str:
    """``text`` in a fenced block whose fence no line of it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def message_summary(heading: str, fields: Sequence[tuple[str, str]], text: str | None = None,
                    text_label: str = "Text part") -> str:
    """One message on the summary page: a heading, ``label: value`` lines, the text part."""
    lines = [f"### {markdown_text(heading)}", ""]
    lines += [f"- **{label}:** {markdown_text(value)}" for label, value in fields]
    if text is not None:
        lines += ["", f"<details open><summary>{text_label}</summary>", "", code_block(text),
                  "", "</details>"]
    return "\n".join(lines) + "\n"


def in_pull_request(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this job runs for a pull request (its dry run previews the merge)."""
    return _env(environ).get("GITHUB_EVENT_NAME") in ("pull_request", "pull_request_target")
