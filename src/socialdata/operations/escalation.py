"""An OPEL-style escalation level for a site from its general and acute bed occupancy (a simplified rule: the real
framework weighs more parameters, but occupancy drives it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Escalation:
    level: int
    label: str


LEVELS = (
    (0.85, Escalation(1, "OPEL 1 – steady")),
    (0.92, Escalation(2, "OPEL 2 – moderate pressure")),
    (0.97, Escalation(3, "OPEL 3 – severe pressure")),
)
HIGHEST = Escalation(4, "OPEL 4 – extreme pressure")


def escalation(occupancy: float) -> Escalation:
    """Occupancy is occupied / open beds; at or above each bound the next level applies."""
    return next((level for bound, level in LEVELS if occupancy < bound), HIGHEST)
