"""Avonford's partners, the area each GP practice serves, and its care homes (the contract in docs/feeds.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CITY_DATE = dt.date(2026, 11, 23)
"""The day the city is generated for: fixed, so the same seed gives the same bytes on any day."""
CITY = "Avonford"

HOSPITAL = "RZZ"
COUNCIL = "LA900"
UNIVERSITY = "UNI01"
FOUNDATION = "SDF"


@dataclass(frozen=True)
class Practice:
    code: str
    name: str
    districts: tuple[str, ...]


PRACTICES: tuple[Practice, ...] = (
    Practice("Y90001", "Harbourside Medical Centre", ("BS1", "BS2")),
    Practice("Y90002", "Bedminster Family Practice", ("BS3",)),
    Practice("Y90003", "Knowle West Health Park", ("BS4",)),
    Practice("Y90004", "Easton Health Centre", ("BS5",)),
    Practice("Y90005", "Redland Surgery", ("BS6",)),
    Practice("Y90006", "Horfield Health Centre", ("BS7",)),
    Practice("Y90007", "Clifton Village Practice", ("BS8", "BS9")),
    Practice("Y90008", "Southmead and Avonmouth Surgery", ("BS10", "BS11")),
    Practice("Y90009", "Hartcliffe Health Centre", ("BS13",)),
    Practice("Y90010", "Stockwood Medical Centre", ("BS14",)),
    Practice("Y90011", "Kingswood Health Centre", ("BS15", "BS12")),
    Practice("Y90012", "Fishponds Family Practice", ("BS16",)),
)
PRACTICE_FOR_DISTRICT: dict[str, str] = {d: p.code for p in PRACTICES for d in p.districts}


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    kind: str


ORGANISATIONS: tuple[Organisation, ...] = (
    Organisation(HOSPITAL, "Avonford Hospitals NHS Foundation Trust", "hospital_trust"),
    Organisation(COUNCIL, "Avonford City Council Adult Social Care", "council"),
    *(Organisation(p.code, p.name, "gp_practice") for p in PRACTICES),
    Organisation(UNIVERSITY, "University of Avonford", "university"),
    Organisation(FOUNDATION, "Avonford Social Data Foundation", "foundation"),
)


@dataclass(frozen=True)
class CareHome:
    """A care home as the capacity tracker knows it (CQC location id), with its address in the city."""

    code: str
    name: str
    address_line: str
    postcode: str
    beds: int
    nursing: bool


_CARE_HOME_NAMES = (
    "Avonford Lodge", "Meadowbank House", "The Beeches", "Clifton Court", "Harbour View", "Redland Grange",
    "St Anne's Nursing Home", "Fishponds Manor", "Kingswood Park", "Stockwood House", "The Willows", "Westbury Hall",
    "Ashley Down Lodge", "Horfield Gardens", "Knowle Court", "Bedminster House", "Severn View", "Cedar Lodge",
    "Hillside Nursing Home", "Orchard House", "Elmgrove", "Southmead Court", "Easton Lodge", "Priory Gardens",
    "The Laurels",
)  # fmt: skip
_DISTRICT_CYCLE = ("BS6", "BS7", "BS8", "BS9", "BS16", "BS15", "BS14", "BS4", "BS3", "BS5", "BS10", "BS13")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_CARE_HOME_STREETS = (
    "Church Road",
    "Manor Lane",
    "Park Avenue",
    "Station Road",
    "Hill Street",
    "Vale Close",
    "Mill Lane",
)

CARE_HOMES: tuple[CareHome, ...] = tuple(
    CareHome(
        code=f"1-{1_000_000_000 + 7_919 * (i + 1) * 1_013:010d}",
        name=name,
        address_line=f"{name}, {(i * 7) % 90 + 2} {_CARE_HOME_STREETS[i % len(_CARE_HOME_STREETS)]}",
        postcode=f"{_DISTRICT_CYCLE[i % len(_DISTRICT_CYCLE)]} {i % 9 + 1}"
        f"{_INWARD_LETTERS[i % 20]}{_INWARD_LETTERS[(i * 3 + 7) % 20]}",
        beds=30 + (i * 13) % 50,
        nursing=i % 3 == 0,
    )
    for i, name in enumerate(_CARE_HOME_NAMES)
)
