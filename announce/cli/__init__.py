"""The ``announce`` command line: parse options, call one function, turn errors into exits.

Exit codes: 0 done (nothing due is done too), 1 error, 2 usage, 3 partial send.
Heavy libraries (Markdown, Jinja2, premailer, aiosmtplib) are imported inside the
commands that need them, so that ``announce --help`` and ``announce list`` start fast.
One module per group of commands: :mod:`.content` (list, check, render), :mod:`.sending`
(send, history), :mod:`.site` (init, preview), :mod:`.ledger` (the workflow's
ledger branch); :mod:`.base` has the group itself.
"""

from __future__ import annotations

from . import content, ledger, sending, site  # noqa: F401  (each registers its commands)
from .base import cli, main

__all__ = ["cli", "main"]
