"""URLs mail cannot carry: the URL problems ``announce check`` reports and rendering refuses.

A link that could run code (``javascript:``) where no sanitizer sees it is a content
error (:func:`unsafe_url_problems`), and so is a site-relative URL when there is no
``[site] url`` to make it absolute against (:func:`relative_url_problems`); a link to a
Markdown file that is no page of the site is a warning (the mail keeps its text, not the
link). The body's relative URLs are the ones rendering finds, so that check, preview and
send agree. This
module checks by rendering the talk's parts (:mod:`announce.render.parts`, imported when
needed: this module stays cheap to import); the URL helpers themselves are in
:mod:`announce.links`, below rendering.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .config import Settings
from .content import Catalog, Event, Problem
from .links import (
    body_line_of,
    front_matter_line,
    is_absolute,
    resolve,
    scheme,
)
from .sources.dates import preview

if TYPE_CHECKING:
    from .render.parts import Fragments

__all__ = ["find_url_problems", "image_url_problems", "relative_url_problems",
           "unsafe_url_problems"]

# The URLs a talk gives outside its body (rsvp_url, image, a venue's url, the "propose"
# link) become buttons and images without passing the body's sanitizer: they must not
# run code (javascript:, vbscript:) or carry a document of their own (data:).
_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_IMAGE_SCHEMES = frozenset({"http", "https"})
_WHY_RELATIVE = "relative URL: set [site] url in the config so that it can be made absolute"


def _scheme_allowed(url: str, schemes: frozenset[str]) -> bool:
    found = scheme(url)
    # No scheme: a site-relative URL, made absolute against [site] url.
    return found is None or found.lower() in schemes


def unsafe_url_problems(event: Event) -> list[Problem]:
    """The URLs of ``event`` that no email may carry (``javascript:``, ``data:``...),
    each with its file and line. The body's own links go through the sanitizer instead."""
    problems: list[Problem] = []
    web = "not a web link (use an http, https or mailto URL)"
    for name, value, schemes, why in (
        ("image", event.image, _IMAGE_SCHEMES,
         "not an image on the web (use an http or https URL)"),
        ("rsvp", event.rsvp_url, _LINK_SCHEMES, web),
    ):
        if value and not _scheme_allowed(value, schemes):
            from .sources.events import field_line

            key, line = field_line(event, name)
            problems.append(Problem(event.path, line, key, f"{preview(value)}: {why}"))
    location = event.location
    if location and location.url and location.path and not _scheme_allowed(
            location.url, _LINK_SCHEMES):
        _key, line = front_matter_line(location.path, ("url",))
        problems.append(Problem(location.path, line, "url", f"{preview(location.url)}: {web}"))
    propose = event.propose_url
    if propose and not _scheme_allowed(propose, _LINK_SCHEMES):
        line = body_line_of(event, propose)
        problems.append(Problem(event.path, line, "body", f"{preview(propose)}: {web}"))
    return problems


def relative_url_problems(settings: Settings, event: Event,
                          parts: Fragments | None = None) -> list[Problem]:
    """The relative URLs of ``event`` that cannot be made absolute (no ``[site] url``),
    each with its file and line; nothing when ``[site] url`` is set. ``parts``: the
    talk's parts as rendering made them (else they are made here)."""
    if settings.site.url:
        return []
    problems: list[Problem] = []
    for name, value in (("image", event.image), ("rsvp", event.rsvp_url)):
        if value and resolve(value, "") is None:
            from .sources.events import field_line

            key, line = field_line(event, name)
            problems.append(Problem(event.path, line, key, f"{preview(value)}: {_WHY_RELATIVE}"))
    location = event.location
    if location and location.url and resolve(location.url, "") is None and location.path:
        _key, line = front_matter_line(location.path, ("url",))
        problems.append(Problem(location.path, line, "url",
                                f"{preview(location.url)}: {_WHY_RELATIVE}"))
    if parts is None:
        from .render.parts import fragments  # here: Markdown only when needed

        parts = fragments(settings, event)
    for url in dict.fromkeys(parts.unresolved):
        line = body_line_of(event, url)
        problems.append(Problem(event.path, line, "body", f"{preview(url)}: {_WHY_RELATIVE}"))
    return problems


def find_url_problems(settings: Settings, catalog: Catalog) -> list[Problem]:
    """Every URL of the events that mail cannot carry, as content errors with file and
    line (``announce check``): links that could run code, and relative URLs when there is
    no ``[site] url`` to resolve them against."""
    problems: list[Problem] = []
    seen: set[tuple[str, int, str]] = set()

    def add(found: Iterable[Problem]) -> None:
        for problem in found:
            key = (str(problem.path), problem.line, problem.message)
            if key not in seen:  # one location file serves many events
                seen.add(key)
                problems.append(problem)

    for event in catalog.events:
        add(unsafe_url_problems(event))
    if settings.site.url:
        from .pages import md_link_problems  # links to pages by their Markdown file

        for event in catalog.events:
            add(md_link_problems(settings, event))
            add(image_url_problems(settings, event))
        return problems
    for event in catalog.events:
        add(relative_url_problems(settings, event))
    return problems


def image_url_problems(settings: Settings, event: Event) -> list[Problem]:
    """Warnings for images the mail would show from the wrong address: a relative path
    that resolves outside ``[site] url``, a URL that repeats its own path
    (``/events/x/events/x/cover.png``), or a file of the repository that the URL does not
    lead to (a bundle's image resolved against the site's root)."""
    from . import images
    from .pages import body_url, image_url
    from .sources.events import field_line

    found: list[tuple[str, str | None, str, int]] = []
    if event.image:
        source = images.substitute(event.image, settings, event)
        key, line = field_line(event, "image")
        found.append((event.image, image_url(settings, event, source), key, line))
    for src in images.body_images(event):
        if not is_absolute(src):
            found.append((src, body_url(settings, event, src), "body", body_line_of(event, src)))
    problems = []
    for src, url, key, line in dict.fromkeys(found):
        message = None if url is None else _image_url_message(settings, event, src, url)
        if message:
            problems.append(Problem(event.path, line, key, message, "warning"))
    return problems


def _image_url_message(settings: Settings, event: Event, src: str, url: str) -> str | None:
    from . import images

    site, target = urlsplit(settings.site.url), urlsplit(url)
    shown = preview(src.strip())
    if not is_absolute(src.strip()) and (
            target.netloc.lower() != site.netloc.lower()
            or not target.path.startswith(site.path.rstrip("/") + "/")):
        return f"{shown} resolves to {url}, outside [site] url: the email would show no image"
    repeated = _repeated_path(target.path)
    if repeated:
        return (f"{shown} resolves to {url}, which repeats {repeated}: most likely not "
                "where the site publishes it")
    file = images.locate(src, settings, event)
    if file is not None and images.locate(url, settings, event) != file:
        return (f"{shown} is {file.name} in the site's repository, but the email would show "
                f"{url}, where the site does not publish it")
    return None


def _repeated_path(path: str) -> str | None:
    """The part of ``path`` written twice in a row (``/events/x`` of
    ``/events/x/events/x/cover.png``), or None."""
    segments = [s for s in path.split("/") if s]
    for size in range(len(segments) // 2, 1, -1):
        for start in range(len(segments) - 2 * size + 1):
            if segments[start:start + size] == segments[start + size:start + 2 * size]:
                return "/" + "/".join(segments[start:start + size])
    return None
