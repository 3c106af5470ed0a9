"""Where the evening is, as a page's prose says it: when no key, labelled line or marked
element names a venue.

``Como siempre tendrá lugar en la `Asociación Tecnológica A Industriosa <...>`_``, ``O
encontro foi no [Bleecker Café Aldeota](...)``, ``Estaremos no **Trapiche da Av. Beira
Mar**``, ``The meetup takes place at [Acme HQ](...)``, ``Das Treffen findet im Café Bleu
statt``. Each form is a verb of taking place (in the languages pages are written in)
then a place set off as a link, in bold, or as capitalized words. The place is a reading
of prose: the event stays unsure of its venue (``check`` says so), and the mail shows it.
"""

from __future__ import annotations

import re
from functools import cache

from .provenance import PROSE
from .reader import Reader

__all__ = ["venue_in_prose"]

# "takes place at", "tendrá lugar en la", "aura lieu au", "findet im": a verb of taking
# place, then the preposition before the place (and its article).
_TAKES_PLACE = (
    r"(?:take|takes|taking|took)\s+place\s+(?:at|in)|(?:will\s+be|is|are)\s+held\s+(?:at|in)"
    r"|(?:we(?:'ll|\s+will)?|let's)\s+meet\s+(?:at|in)|hosted\s+at"
    r"|tendr[áa]\s+lugar\s+en|se\s+celebrar[áa]\s+en|nos\s+vemos\s+en|estaremos\s+en"
    r"|aura\s+lieu\s+(?:à|au|chez|dans)|se\s+d[ée]roulera\s+(?:à|au|chez|dans)"
    r"|si\s+terr[àa]\s+(?:presso|a|al|alla|in)"
    r"|(?:vai\s+acontecer|acontecer[áa]|aconteceu|ser[áa]|foi|estaremos)\s+(?:no|na)"
    r"|findet\s+(?:[\w.]+\s+){0,4}?(?:im|in\s+der|in\s+den|bei|beim)"
    r"|odb[ęe]dzie\s+si[ęe]\s+w|proběhne\s+v"
)
_ARTICLE = r"(?:(?:la|el|los|las|le|les|l'|o|a|the|der|die|das|dem|den)\s+)?"
# The place: a Markdown link's text, a reST link's, bold words, or up to six words that
# open on a capital (small words of a name between them: "Café de la Gare").
_PLACE = (r"(?:\[(?P<linked>[^\]\n]{2,80})\]\([^)\s]*\)|`(?P<rst>[^`<\n]{2,80}?)\s*<[^>\n]*>`_"
          r"|\*\*(?P<bold>[^*\n]{2,80})\*\*"
          r"|(?P<plain>[A-ZÀ-ÖØ-Þ][\w'’&.-]*(?:[ \t]+(?:(?:de|da|do|del|la|le|du|des|di|"
          r"of|the|am|an)[ \t]+)?[A-ZÀ-ÖØ-Þ0-9][\w'’&.-]*){0,5}))")


@cache
def _pattern() -> re.Pattern[str]:
    return re.compile(rf"(?i:\b(?:{_TAKES_PLACE}))\s+{_ARTICLE}{_PLACE}")


# Words of the forms: a page without any is not searched (most pages state no venue in a
# sentence, and a site has hundreds of pages).
_NEEDS = ("place", "held", "meet", "hosted", "lugar", "celebrar", "vemos", "estaremos",
          "lieu", "roulera", "terr", "acontec", "será", "sera", "foi ", "findet", "odbędzie",
          "odbedzie", "proběhne")
# Words that open a place the forms also fit, and that name none ("at the same time").
_NOT_PLACES = frozenset({"same", "next", "this", "that", "our", "your", "online", "zoom",
                         "person", "time", "english", "spanish", "german", "french",
                         "january", "february", "march", "april", "may", "june", "july",
                         "august", "september", "october", "november", "december"})


def venue_in_prose(reader: Reader, lines: list[str], where: list[str]) -> str | None:
    """The place the page's prose says the evening is at, marked unsure; else None."""
    low = "\n".join(lines).lower()
    if not any(word in low for word in _NEEDS):
        return None
    pattern = _pattern()
    for index, line in enumerate(lines):
        for match in pattern.finditer(line):
            place = match["linked"] or match["rst"] or match["bold"] or match["plain"] or ""
            place = " ".join(place.split()).strip(" .,;:!")
            first = place.split(" ", 1)[0].casefold() if place else ""
            if len(place) < 2 or first in _NOT_PLACES or place.casefold() == "online":
                continue
            reader.unsure.add("location")
            reader.sources["location"] = f"{where[index]} {PROSE}a place)"
            return place
    return None
