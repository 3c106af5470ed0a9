"""Colours and their contrast (WCAG 2): the arithmetic that ``[site] accent``'s check
(announce.configcheck) and the mail's look (announce.render.brand) both use."""

from __future__ import annotations

import re

__all__ = ["AA", "INK", "WHITE", "contrast", "hex_colour", "luminance", "parse_colour",
           "text_on"]

AA = 4.5  # WCAG 2 AA, normal text
WHITE = "#ffffff"
INK = "#102a43"  # the palette's heading colour: near-black text on a light accent

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def parse_colour(text: str) -> tuple[int, int, int]:
    """``#1a5fb4`` or ``#15b`` as (r, g, b); ``ValueError`` for anything else."""
    text = text.strip()
    if not _HEX.match(text):
        raise ValueError(f"expected a colour as #rrggbb or #rgb, got {text!r}")
    digits = text[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def hex_colour(rgb: tuple[float, float, float]) -> str:
    """(r, g, b), each 0 to 255 (rounded), as ``#rrggbb``."""
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2's contrast ratio of two colours, 1 to 21."""
    la, lb = sorted((luminance(parse_colour(a)), luminance(parse_colour(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(accent: str) -> str:
    """White or near-black, whichever reads better on ``accent``."""
    return WHITE if contrast(accent, WHITE) >= contrast(accent, INK) else INK
