"""UK postcodes: normalised to 'OUT IN', with the parts linkage compares (area, district, sector)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERN = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


@dataclass(frozen=True)
class Postcode:
    outward: str
    inward: str

    def __str__(self) -> str:
        return f"{self.outward} {self.inward}"

    @property
    def area(self) -> str:
        return re.match(r"[A-Z]+", self.outward).group(0)  # type: ignore[union-attr]

    @property
    def district(self) -> str:
        return self.outward

    @property
    def sector(self) -> str:
        return f"{self.outward} {self.inward[0]}"


def parse_postcode(raw: str | None) -> Postcode | None:
    """None when absent or not shaped like a UK postcode; case and spacing are forgiven."""
    if raw is None:
        return None
    compact = re.sub(r"\s+", "", raw).upper()
    match = _PATTERN.match(compact)
    if not match:
        return None
    return Postcode(match.group(1), match.group(2))
