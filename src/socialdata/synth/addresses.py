"""Real-looking Avonford addresses: streets in BS postcode districts, one unit postcode per block of ~20 houses."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from socialdata.synth.organisations import CARE_HOMES
from socialdata.synth.vocabulary import DISTRICTS, STREET_KINDS, STREET_STEMS

_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters Royal Mail uses in the inward code
_HOUSES_PER_POSTCODE = 20
_FLAT_SHARE = 0.12


@dataclass(frozen=True, slots=True)
class Address:
    """One dwelling: the line a partner stores (house or flat and street), its postcode and district."""

    line: str
    postcode: str
    district: str


@dataclass(slots=True)
class _Street:
    name: str
    district: str
    sector: int
    capacity: int
    next_number: int = 1
    postcodes: list[str] = field(default_factory=list)


class AddressBook:
    """Hands out fresh dwellings, so two households never share an address by accident (only by design)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._open: dict[str, list[_Street]] = {district: [] for district, _ in DISTRICTS}
        self._names: set[tuple[str, str]] = set()
        self._postcodes: set[str] = {home.postcode for home in CARE_HOMES}

    def new_address(self, district: str) -> Address:
        rng = self._rng
        streets = self._open[district]
        if len(streets) < 3 or rng.random() < 0.02:
            streets.append(self._new_street(district))
        street = streets[rng.randrange(len(streets))]
        number = street.next_number
        street.next_number += 1 if rng.random() < 0.8 else 2
        if street.next_number > street.capacity:
            streets.remove(street)
        block = (number - 1) // _HOUSES_PER_POSTCODE
        while len(street.postcodes) <= block:
            street.postcodes.append(self._new_postcode(district, street.sector))
        house = f"{number} {street.name}"
        line = f"Flat {rng.randint(1, 9)}, {house}" if rng.random() < _FLAT_SHARE else house
        return Address(line, street.postcodes[block], district)

    def _new_street(self, district: str) -> _Street:
        rng = self._rng
        for _ in range(50):
            name = f"{rng.choice(STREET_STEMS)} {rng.choice(STREET_KINDS)}"
            if (district, name) not in self._names:
                break
        else:  # a huge city runs out of names: a numbered "Close 2", as new estates do
            name = f"{name} {len(self._names)}"
        self._names.add((district, name))
        return _Street(name, district, rng.randint(1, 9), rng.randint(30, 160))

    def _new_postcode(self, district: str, sector: int) -> str:
        rng = self._rng
        while True:
            code = f"{district} {sector}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
            if code not in self._postcodes:
                self._postcodes.add(code)
                return code
            sector = sector % 9 + 1
