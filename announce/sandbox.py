"""The one kind of Jinja environment announce renders with: a stricter sandbox.

Templates are config a pull request can change, and the preview job renders them; a
site's shortcode snippets are text from its files. Both run here. This module needs
Jinja only, so that reading a site's bodies (:mod:`announce.sources.blocks`) can use it
without the mail's rendering.
"""

from __future__ import annotations

from typing import Any

import jinja2
import jinja2.runtime
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

__all__ = ["sandboxed"]


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, stricter: a template is config a pull request can change, and the
    preview job renders it. An unsafe attribute (``cycler.__init__``) fails the template
    with a ``SecurityError`` instead of reading as empty, and ``*`` and ``**`` cannot
    build a value of gigabytes."""

    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        owner = obj.__name__ if isinstance(obj, type) else type(obj).__name__
        raise SecurityError(f"{attribute!r} of {owner} is off limits in a "
                            "template (templates run sandboxed)")

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any,
                   right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 100:
            raise SecurityError(f"'** {right}': too large a power for a template")
        if operator == "*" and isinstance(left, int) and isinstance(right, str | list):
            left, right = right, left
        if operator == "*" and isinstance(left, str | list) and isinstance(right, int) \
                and len(left) * right > _MAX_REPEAT:
            raise SecurityError(f"'* {right}': too long a repetition for a template")
        return super().call_binop(context, operator, left, right)


_MAX_REPEAT = 100_000


def sandboxed(**options: Any) -> SandboxedEnvironment:
    """The one kind of Jinja environment announce renders mail with: sandboxed,
    ``StrictUndefined`` unless ``options`` say otherwise."""
    options.setdefault("undefined", jinja2.StrictUndefined)
    return _Sandbox(**options)
