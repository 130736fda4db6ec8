"""Each partner's own, imperfect record of each person it knows, with the true person id kept alongside.

The same (people, seed) always gives the same records, whether the files are written or only the records are wanted
(the linkage benchmark asks for a million without writing anything).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from socialdata.errors import UserError
from socialdata.synth.addresses import Address
from socialdata.synth.admissions import CurrentStay, CurrentStays
from socialdata.synth.noise import (
    DUPLICATE_NHS_MISSING,
    NOISE_RATES,
    SHARED_NHS_NUMBER_EVERY,
    Noise,
    NoiseRates,
    SourceKind,
    mistype_date,
    mistype_nhs_number,
    mistype_postcode,
    nickname,
    typo,
)
from socialdata.synth.organisations import COUNCIL, HOSPITAL
from socialdata.synth.population import MAX_PEOPLE, Person, iter_households

DEATH_KNOWN = {SourceKind.HOSPITAL: 0.9, SourceKind.COUNCIL: 0.85, SourceKind.GP: 1.0}
"""The chance a source has heard of a death (GPs always are told; the council often is not)."""
COUNCIL_UNSPACED_POSTCODE = 0.06
COUNCIL_SPACED_NHS_NUMBER = 0.1


@dataclass(frozen=True, slots=True)
class SourcePersonRecord:
    """A person as one partner's file states them (values exactly as written), with the truth: `person_id` and the
    `noise` that makes this record differ from the person or be hard to link.

    Dates of birth are as written (ISO for the hospital and GPs, DD/MM/YYYY for the council) and may be impossible;
    `sex` is as written (`male`/`female`, `Male`/`Female`, `M`/`F`); `address` is the address lines joined by ", ".
    """

    organisation_id: str
    source_id: str
    person_id: str
    nhs_number_raw: str | None
    nhs_verification: str | None
    given_name: str | None
    other_given_names: str | None
    family_name: str | None
    birth_date_raw: str | None
    sex: str | None
    address: str | None
    postcode_raw: str | None
    death_date: dt.date | None
    registered_practice: str | None
    noise: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourcedPerson:
    """A true person and every source record of them (none when no partner knows them), and their stay in hospital
    now, if they are there (the trust then always has a record of them)."""

    person: Person
    records: tuple[SourcePersonRecord, ...]
    stay: CurrentStay | None = None


class _SourceIds:
    """Unique, scrambled local ids (an MRN does not reveal who was registered next to whom)."""

    def __init__(self, rng: random.Random, prefix: str, digits: int) -> None:
        self._prefix = prefix
        self._digits = digits
        self._modulus = 10**digits
        self._step = rng.choice((7_919_311, 3_331_333, 9_999_991, 1_234_577)) % self._modulus
        self._offset = rng.randrange(self._modulus)
        self._i = 0

    def next(self) -> str:
        value = (self._offset + self._step * self._i) % self._modulus
        self._i += 1
        return f"{self._prefix}{value:0{self._digits}d}"


@dataclass(slots=True)
class _Draft:
    nhs_number: str | None
    given: str
    middle: str | None
    family: str
    birth: tuple[int, int, int]
    address: Address
    postcode: str
    noise: list[str]


def _hospital_share(person: Person) -> float:
    """About 40% of people have a hospital record; older people more often, and most of those who died."""
    share = min(0.85, 0.2 + 0.0055 * person.age)
    return min(0.95, share + 0.3) if person.death_date else share


def _council_share(person: Person) -> float:
    """About 5% of adults are known to adult social care, mostly older people and everyone in a care home."""
    age = person.age
    if age < 18:
        return 0.0
    if person.care_home:
        return 0.95
    if age < 65:
        return 0.025
    if age < 75:
        return 0.08
    if age < 85:
        return 0.2
    return 0.45


class SourceRecordMaker:
    """Decides who each partner knows and writes each partner's copy of their identity, noise and all."""

    def __init__(self, people: int, seed: int) -> None:
        self._rng = random.Random(f"source-records:{seed}")
        rng = self._rng
        self._mrns = _SourceIds(rng, "M", 7)
        self._council_ids = _SourceIds(rng, "ASC", 6)
        self._gp_ids = _SourceIds(rng, "", 8)
        self._shared_quota = max(1, people // SHARED_NHS_NUMBER_EVERY)
        self._shared_chance = 2.5 / SHARED_NHS_NUMBER_EVERY
        self._force_shared_at = rng.randrange(min(20, max(1, people // 10)))
        self._eligible_households = 0
        self._stays = CurrentStays(people, seed)

    def household(self, people: tuple[Person, ...]) -> list[SourcedPerson]:
        sourced: list[SourcedPerson] = []
        for person in people:
            stay = self._stays.stay(person)
            sourced.append(SourcedPerson(person, tuple(self._records(person, in_hospital=stay is not None)), stay))
        if len(sourced) > 1 and self._shared_quota > 0:
            self._maybe_share_nhs_number(sourced)
        return sourced

    def _records(self, person: Person, *, in_hospital: bool) -> Iterator[SourcePersonRecord]:
        rng = self._rng
        known_to_trust = rng.random() < _hospital_share(person)  # drawn either way: the stream stays the same
        if known_to_trust or in_hospital:
            rates = NOISE_RATES[SourceKind.HOSPITAL]
            yield self._hospital(person, self._draft(person, rates, current=True))
            if rng.random() < rates.duplicate:
                yield self._hospital(person, self._duplicate(person, rates))
        if rng.random() < _council_share(person):
            rates = NOISE_RATES[SourceKind.COUNCIL]
            yield self._council(person, self._draft(person, rates, current=True))
            if rng.random() < rates.duplicate:
                yield self._council(person, self._duplicate(person, rates))
        if person.previous_practice:
            draft = self._draft(person, NOISE_RATES[SourceKind.GP], current=False)
            draft.noise.append(Noise.DEREGISTERED)
            yield self._gp(person, draft, person.previous_practice)
        if person.practice:
            yield self._gp(person, self._draft(person, NOISE_RATES[SourceKind.GP], current=True), person.practice)

    def _duplicate(self, person: Person, rates: NoiseRates) -> _Draft:
        draft = self._draft(person, rates, current=True)
        if draft.nhs_number and self._rng.random() < DUPLICATE_NHS_MISSING:
            draft.nhs_number = None
            draft.noise.append(Noise.NHS_MISSING)
        draft.noise.append(Noise.DUPLICATE)
        return draft

    def _draft(self, person: Person, rates: NoiseRates, *, current: bool) -> _Draft:
        """The person's identity with this source's errors; `current=False` is a record frozen before a move."""
        rng = self._rng
        noise: list[str] = []
        given, middle, family = person.given_name, person.middle_name, person.family_name
        address = person.address
        if person.previous_address and (not current or rng.random() < rates.stale_address):
            address = person.previous_address
            noise.append(Noise.OLD_ADDRESS)
        if person.former_family_name and (not current or rng.random() < rates.former_name):
            family = person.former_family_name
            noise.append(Noise.FORMER_NAME)
        if rng.random() < rates.nickname:
            short = nickname(rng, given)
            if short:
                given = short
                noise.append(Noise.NICKNAME)
        if rng.random() < rates.name_typo:
            if rng.random() < 0.5:
                given = typo(rng, given)
            else:
                family = typo(rng, family)
            noise.append(Noise.NAME_TYPO)
        if rng.random() < rates.name_swap:
            given, family = family, given
            noise.append(Noise.NAME_SWAP)
        b = person.birth_date
        birth = (b.year, b.month, b.day)
        if rng.random() < rates.birth_day_month_swap and b.day <= 12 and b.day != b.month:
            birth = (b.year, b.day, b.month)
            noise.append(Noise.BIRTH_DAY_MONTH_SWAP)
        if rng.random() < rates.birth_date_typo:
            birth = mistype_date(rng, *birth)
            noise.append(Noise.BIRTH_DATE_TYPO)
        nhs: str | None = person.nhs_number
        if rng.random() < rates.nhs_missing:
            nhs = None
            noise.append(Noise.NHS_MISSING)
        elif rng.random() < rates.nhs_mistyped:
            nhs, kind = mistype_nhs_number(rng, person.nhs_number)
            noise.append(kind)
        postcode = address.postcode
        if rng.random() < rates.postcode_typo:
            postcode = mistype_postcode(rng, postcode)
            noise.append(Noise.POSTCODE_TYPO)
        if person.twin:
            noise.append(Noise.TWIN)
        if person.given_name == "John" and person.family_name == "Smith":
            noise.append(Noise.COMMON_NAME)
        return _Draft(nhs, given, middle, family, birth, address, postcode, noise)

    def _death(self, person: Person, kind: SourceKind, *, current: bool = True) -> dt.date | None:
        if current and person.death_date and self._rng.random() < DEATH_KNOWN[kind]:
            return person.death_date
        return None

    def _hospital(self, person: Person, draft: _Draft) -> SourcePersonRecord:
        verified = draft.nhs_number == person.nhs_number
        return SourcePersonRecord(
            organisation_id=HOSPITAL,
            source_id=self._mrns.next(),
            person_id=person.person_id,
            nhs_number_raw=draft.nhs_number,
            nhs_verification=None if draft.nhs_number is None else ("01" if verified else "02"),
            given_name=draft.given,
            other_given_names=draft.middle,
            family_name=draft.family,
            birth_date_raw=_iso(draft.birth),
            sex="female" if person.sex == "F" else "male",
            address=draft.address.line,
            postcode_raw=draft.postcode,
            death_date=self._death(person, SourceKind.HOSPITAL),
            registered_practice=person.practice,
            noise=tuple(str(n) for n in draft.noise),
        )

    def _council(self, person: Person, draft: _Draft) -> SourcePersonRecord:
        rng = self._rng
        nhs = draft.nhs_number
        if nhs and rng.random() < COUNCIL_SPACED_NHS_NUMBER:
            nhs = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
        postcode = draft.postcode
        if rng.random() < COUNCIL_UNSPACED_POSTCODE:
            postcode = postcode.replace(" ", "")
        year, month, day = draft.birth
        return SourcePersonRecord(
            organisation_id=COUNCIL,
            source_id=self._council_ids.next(),
            person_id=person.person_id,
            nhs_number_raw=nhs,
            nhs_verification=None,
            given_name=draft.given,
            other_given_names=None,
            family_name=draft.family.upper(),
            birth_date_raw=f"{day:02d}/{month:02d}/{year:04d}",
            sex="Female" if person.sex == "F" else "Male",
            address=draft.address.line,
            postcode_raw=postcode,
            death_date=self._death(person, SourceKind.COUNCIL),
            registered_practice=person.practice,
            noise=tuple(str(n) for n in draft.noise),
        )

    def _gp(self, person: Person, draft: _Draft, practice: str) -> SourcePersonRecord:
        return SourcePersonRecord(
            organisation_id=practice,
            source_id=self._gp_ids.next(),
            person_id=person.person_id,
            nhs_number_raw=draft.nhs_number,
            nhs_verification=None,
            given_name=draft.given,
            other_given_names=draft.middle,
            family_name=draft.family,
            birth_date_raw=_iso(draft.birth),
            sex=person.sex,
            address=draft.address.line,
            postcode_raw=draft.postcode,
            death_date=self._death(person, SourceKind.GP, current=practice == person.practice),
            registered_practice=practice,
            noise=tuple(str(n) for n in draft.noise),
        )

    def _maybe_share_nhs_number(self, sourced: list[SourcedPerson]) -> None:
        """The rare data error: a child's record carrying a parent's NHS number (or one sharer's another's)."""
        self._eligible_households += 1
        forced = self._eligible_households - 1 == self._force_shared_at
        if not forced and self._rng.random() >= self._shared_chance * len(sourced):
            return
        by_age = sorted(range(len(sourced)), key=lambda i: sourced[i].person.birth_date)
        donor = sourced[by_age[0]].person
        for i in reversed(by_age[1:]):
            records = sourced[i].records
            if records:
                wrong = dataclasses.replace(
                    records[0],
                    nhs_number_raw=donor.nhs_number,
                    nhs_verification="01" if records[0].organisation_id == HOSPITAL else None,
                    noise=(*(n for n in records[0].noise if not n.startswith("nhs_")), str(Noise.SHARED_NHS_NUMBER)),
                )
                sourced[i] = dataclasses.replace(sourced[i], records=(wrong, *records[1:]))
                self._shared_quota -= 1
                return


def _iso(birth: tuple[int, int, int]) -> str:
    year, month, day = birth
    return f"{year:04d}-{month:02d}-{day:02d}"


def check_size(people: int) -> None:
    """A city needs at least one person and at most as many as the 999 range has NHS numbers."""
    if people < 1 or people > MAX_PEOPLE:
        raise UserError(f"the number of people must be between 1 and {MAX_PEOPLE:,}, not {people:,}", where="--people")


def iter_sourced_people(people: int, seed: int) -> Iterator[SourcedPerson]:
    """Every person of the city with their source records, household by household."""
    check_size(people)
    maker = SourceRecordMaker(people, seed)
    for household in iter_households(people, seed):
        yield from maker.household(household)


def generate_source_people(people: int, seed: int) -> Iterator[SourcePersonRecord]:
    """The person-level records of every source with their true person_id, without writing files."""
    for sourced in iter_sourced_people(people, seed):
        yield from sourced.records
