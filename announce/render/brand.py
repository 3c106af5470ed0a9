"""The group's look: its accent colour, the text colour on it, its logo.

``[site] accent`` colours the header, the buttons and the links; the text on it is white
or near-black, whichever contrasts more, and a colour that reaches WCAG AA (4.5:1) with
neither is refused when the config loads. Links on the white paper use the accent when
it reads there at AA, else a darker shade of it; in a dark inbox, a lighter one.
``[site] logo`` is an image of the site's repository or a URL, sized from the file.
"""

from __future__ import annotations

from typing import TypedDict

from .. import images
from ..colours import AA, contrast, hex_colour, luminance, parse_colour, text_on
from ..config import Settings
from ..content import Event
from ..links import is_absolute
from ..pages import image_url

__all__ = ["AA", "Logo", "contrast", "logo", "palette_overrides", "readable_on"]

# Links sit on the paper and on the facts' panel, the darker of the two in light mode
# and the lighter in dark mode (palette.html's panel and dark.panel): readable on both.
PANEL = "#f5f7fa"
DARK_PANEL = "#242a31"
LOGO_HEIGHT = 40  # px: the header's height, whatever the file's


def _mix(colour: str, towards: str, share: float) -> str:
    (r, g, b), (r2, g2, b2) = parse_colour(colour), parse_colour(towards)
    return hex_colour((r + (r2 - r) * share, g + (g2 - g) * share, b + (b2 - b) * share))


def readable_on(colour: str, background: str) -> str:
    """``colour``, or the nearest shade of it towards black or white (whichever the
    background is not) that reads on ``background`` at WCAG AA: a link's colour."""
    target = "#000000" if luminance(parse_colour(background)) > 0.5 else "#ffffff"
    for step in range(21):
        shade = _mix(colour, target, step / 20)
        if contrast(shade, background) >= AA:
            return shade
    return target


def palette_overrides(settings: Settings) -> dict[str, str]:
    """The palette's colours that ``[site] accent`` changes (none when it is unset):
    ``accent`` (header and buttons), ``on_accent`` (their text), ``link`` (on the paper),
    ``dark_link`` (on the dark scheme's paper)."""
    accent = settings.site.accent
    if not accent:
        return {}
    accent = hex_colour(parse_colour(accent))
    return {"accent": accent, "on_accent": text_on(accent),
            "link": readable_on(accent, PANEL), "dark_link": readable_on(accent, DARK_PANEL)}


class Logo(TypedDict):
    """The group's logo in the header: absolute ``src``, drawn LOGO_HEIGHT px high."""

    src: str
    width: int | None
    height: int


def logo(settings: Settings, event: Event) -> Logo | None:
    """``[site] logo`` where the site publishes it, at the header's height; None when
    unset or when it cannot be made absolute (no ``[site] url``)."""
    source = settings.site.logo.strip()
    if not source:
        return None
    source = images.substitute(source, settings, event)
    if not source.startswith(("http://", "https://")) and not source.startswith("/"):
        source = "/" + source  # "static/logo.png" or "img/logo.png": from the site's root
    size = images.dimensions(source, settings, event)
    src = image_url(settings, event, source)
    if not src or not is_absolute(src):
        return None
    width = round(size[0] * LOGO_HEIGHT / size[1]) if size and size[1] else None
    return {"src": src, "width": width, "height": LOGO_HEIGHT}
