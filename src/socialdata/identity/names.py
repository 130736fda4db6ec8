"""Names normalised for comparison: upper case, accents folded, punctuation and extra spaces removed."""

from __future__ import annotations

import re
import unicodedata

_NOT_LETTERS = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r"\s+")


def normalise_name(raw: str | None) -> str | None:
    """The comparison form of a name; hyphens and apostrophes become spaces so O'Neil ~ ONEIL is a later step."""
    if raw is None:
        return None
    folded = unicodedata.normalize("NFKD", raw)
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).upper()
    letters = _NOT_LETTERS.sub(" ", ascii_only.replace("'", ""))
    cleaned = _SPACES.sub(" ", letters).strip()
    return cleaned or None
