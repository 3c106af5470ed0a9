"""CSS inlining (premailer) and the last check of a rendered document.

The only place that knows the inliner, so that it can be swapped.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from ..errors import TemplateError
from ..links import is_absolute

__all__ = ["check_document", "inline_css"]


def inline_css(html: str) -> str:
    """Move the ``<style>`` rules into ``style`` attributes (mail clients drop
    stylesheets); rules that cannot be inlined, such as ``@media``, stay in a ``<style>``.

    The only place that knows the inliner (premailer), so that it can be swapped.
    """
    import premailer  # here, not at the top: it imports requests, and only this needs it

    with _INLINER_LOCK:
        return _inline(premailer, html)


# One render at a time in here: premailer serializes through cssutils' process-wide
# serializer, whose nesting state is not per call, so two threads at once (the preview)
# came out with each other's indentation and selectors.
_INLINER_LOCK = threading.Lock()


@dataclass
class _Parsed:
    """One ``<style>`` block as premailer reads it, kept: every message of a run has the
    same one, and reading it (cssutils parses and serializes each rule) was most of a
    warm render."""

    rules: tuple[Any, ...]
    leftover: list[Any]  # what stays in a <style>: @media rules
    text: str | None = None  # the leftover as CSS text, once premailer wrote it


_PARSED: dict[tuple[str, int], _Parsed] = {}
_PARSED_MAX = 16  # a preview that reloads edited templates makes a new one each time


@functools.cache
def _inliner_class(premailer: Any) -> type[Any]:
    class Inliner(premailer.Premailer):  # type: ignore[misc]
        def _parse_style_rules(self, css_body: str, ruleset_index: int) -> Any:
            key = (css_body, ruleset_index)
            parsed = _PARSED.get(key)
            if parsed is None:
                rules, leftover = super()._parse_style_rules(css_body, ruleset_index)
                if len(_PARSED) >= _PARSED_MAX:
                    _PARSED.clear()
                parsed = _PARSED[key] = _Parsed(tuple(rules), leftover)
            return list(parsed.rules), parsed.leftover

        def _css_rules_to_string(self, rules: list[Any]) -> str:
            parsed = next((p for p in _PARSED.values() if p.leftover is rules), None)
            if parsed is None:
                return str(super()._css_rules_to_string(rules))
            if parsed.text is None:
                parsed.text = str(super()._css_rules_to_string(rules))
            return parsed.text

    return Inliner


def _inline(premailer: Any, html: str) -> str:
    inliner = _inliner_class(premailer)(
        html,
        allow_network=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
        strip_important=False,
        remove_classes=False,
        keep_style_tags=False,
        disable_link_rewrites=True,
        # Not from CSS: "height: auto" would become the invalid height="auto", and an
        # image's "width: 100%" would overwrite its width in pixels, which Outlook needs.
        # The templates and the sanitizer write the sizes that matter as attributes.
        disable_basic_attributes=["height", "width"],
    )
    result: str = inliner.transform(pretty_print=False)
    return result


def check_document(document: str, where: str) -> str:
    """The document, checked: every link and image absolute (else ``TemplateError``),
    and every image with alt text (an image a talk gave none gets ``alt=""``)."""
    root = lxml_html.document_fromstring(document)
    for element, attribute in (("a", "href"), ("img", "src"), ("link", "href")):
        for node in root.iter(element):
            value = node.get(attribute)
            if value is not None and not is_absolute(value):
                raise TemplateError(f"<{element} {attribute}={value!r}>: not an absolute URL "
                                    "(use the url, rsvp_url... variables)", path=where)
    bare = [node for node in root.iter("img") if node.get("alt") is None]
    if not bare:
        return document
    for node in bare:
        node.set("alt", "")  # decorative, for screen readers; better than the file name
    return str(etree.tostring(root.getroottree(), encoding="unicode", method="html"))
