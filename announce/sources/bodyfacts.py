"""Facts a page states in its text rather than its keys: the venue on a labelled line, the
speakers on ``Speaker:`` lines, and the words that say a page speaks of a speaker.

Each is used only when no key of the front matter gives the fact; what is found is
recorded with its line (see :mod:`.provenance`).
"""

from __future__ import annotations

import html
import re
from typing import Any

from .keymap import MISSING
from .reader import Reader

__all__ = ["HREF", "PLACEHOLDER", "SPEAKER_HINT", "SPEAKER_LABELS", "body_speakers",
           "body_venue", "speaker_names"]


# What a file writes while the venue is not known yet.
PLACEHOLDER = re.compile(
    r"^\s*(?:tb[acd]|to be (?:announced|confirmed|decided|defined)|à (?:définir|confirmer|"
    r"venir)|noch offen|wird noch bekannt gegeben|por (?:definir|confirmar)|da definire|"
    r"n/?a|\?+|-+|—|未定|미정)\s*[.!]*\s*$", re.IGNORECASE)
HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def body_venue(reader: Reader) -> Any:
    """The venue a labelled line of the body names ("**Location**: Hall, 1 Main St")."""
    from .bodyfields import VENUE_LABELS, labelled_value, venue_parts

    body = reader.doc.body
    for label in VENUE_LABELS:
        value = labelled_value(body, label)
        if value is None:
            continue
        name, address = venue_parts(value)
        if not name or PLACEHOLDER.match(name):
            continue
        if not address and "," in name:  # "MSTAGE GmbH, Hofstatt 5, 3100 St. Pölten"
            name, address = (part.strip() for part in name.split(",", 1))
        reader.note_source("location", f"body:{label}")
        return {"name": name, "address": address} if address else name
    return MISSING


# Labels of a body line that names a talk's speaker, in the languages sites are written in.
SPEAKER_LABELS = ("speaker", "speakers", "presenter", "presenters", "presented by",
                  "sprecher", "sprecherin", "referent", "referentin", "vortragende",
                  "intervenant", "intervenante", "intervenants", "orateur", "oratrice",
                  "conférencier", "ponente", "ponentes", "relatore", "relatori", "spreker",
                  "prelegent", "řečník", "přednášející", "発表者", "登壇者", "講師", "발표자",
                  "연사", "演讲者")
_SPEAKER_LINE = re.compile(
    r"^[ \t]*(?:[|*\-+][ \t]*)*(?:\*\*|__)?(?:" + "|".join(
        re.escape(label) for label in sorted(SPEAKER_LABELS, key=len, reverse=True))
    + r")(?:\*\*|__)?[ \t]*(?:\*\*)?[ \t]*[:：|][ \t]*(?:\*\*)?[ \t]*(?P<names>[^\n|]+)",
    re.IGNORECASE | re.MULTILINE)
# Words that say a page is about someone's talk (so a page naming no one is unsure).
SPEAKER_HINT = re.compile(
    r"(?i)\b(?:about the speakers?|speakers?|presenters?|presented by|talk by|sprecher|"
    r"referent(?:in)?|intervenant|orateur|ponente|relatore|spreker|prelegent)\b|"
    r"発表者|登壇者|講師|발표자|연사|担当|"
    # "Talk 1: **Magento News** von Anna Völkl": a talk by someone.
    r"\b(?:[Tt]alk|Vortrag|[Cc]harla|[Pp]résentation)\b[^\n]{0,100}\s(?:by|von|par|por|di|"
    r"door)\s+[A-ZÀ-Ý]")


def body_speakers(reader: Reader) -> Any:
    """The names on the body's speaker lines (``* **Speaker**: Name``), every talk's."""
    names: list[str] = []
    first = None
    for match in _SPEAKER_LINE.finditer(reader.doc.body):
        text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", match["names"])
        text = re.sub(r"<[^>]+>", " ", text).replace("**", "").strip(" .")
        for name in speaker_names(" ".join(html.unescape(text).split())):
            if name and len(name) <= 60 and name not in names:
                names.append(name)
        first = first if first is not None else match.start()
    if not names or first is None:
        return MISSING
    line = reader.doc.body_line + reader.doc.body.count("\n", 0, first)
    reader.sources["speakers"] = f"body:{line}"
    return names




# "Ben Stoutenburgh and Jay Gagnon", "Priya Raman & Tom O'Neil": one string, two people.
_NAME_SEPARATOR = re.compile(r"\s+(?:and|&|und|et|y|e|и|と)\s+|\s*[;、]\s*|\s+/\s+")


def speaker_names(text: str) -> list[str]:
    names = [part.strip() for part in _NAME_SEPARATOR.split(text) if part.strip()]
    split: list[str] = []
    for name in names:
        # "Ann Lee, Bob Smith" is two people; "Ann Lee, PhD" and "Lee, Ann" are one.
        parts = [p.strip() for p in name.split(",")]
        if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts):
            split.extend(parts)
        else:
            split.append(name)
    return split


