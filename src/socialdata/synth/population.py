"""The true people of Avonford: a UK city's age/sex pyramid, grouped into families, couples, sharers and singles.

Everyone is drawn from the pyramid first and households are formed from that pool, so the pyramid holds exactly.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate

from socialdata.identity.nhs_number import nhs_check_digit
from socialdata.synth.addresses import Address, AddressBook
from socialdata.synth.organisations import CARE_HOMES, CITY_DATE, PRACTICE_FOR_DISTRICT
from socialdata.synth.vocabulary import (
    BRITISH_ETHNICITIES,
    BRITISH_FEMALE_BY_ERA,
    BRITISH_MALE_BY_ERA,
    BRITISH_SURNAMES,
    DISTRICTS,
    HERITAGE_SHARES,
    OTHER_HERITAGES,
    Heritage,
)

MAX_PEOPLE = 900_000
"""The 999 test range holds 909,091 valid NHS numbers; every person needs their own."""


@dataclass(frozen=True)
class AgeBand:
    low: int
    high: int
    percent: float
    male_share: float


# A UK core city's pyramid (Bristol-like, ONS 2021): a student and young-worker bulge at 20-34, women outliving men.
AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand(0, 4, 5.8, 0.51), AgeBand(5, 9, 5.7, 0.51), AgeBand(10, 14, 5.5, 0.51), AgeBand(15, 19, 6.0, 0.50),
    AgeBand(20, 24, 10.5, 0.49), AgeBand(25, 29, 9.8, 0.50), AgeBand(30, 34, 8.7, 0.50), AgeBand(35, 39, 7.4, 0.50),
    AgeBand(40, 44, 6.3, 0.50), AgeBand(45, 49, 5.7, 0.50), AgeBand(50, 54, 5.8, 0.49), AgeBand(55, 59, 5.4, 0.49),
    AgeBand(60, 64, 4.6, 0.49), AgeBand(65, 69, 3.7, 0.48), AgeBand(70, 74, 3.5, 0.47), AgeBand(75, 79, 2.5, 0.45),
    AgeBand(80, 84, 1.7, 0.42), AgeBand(85, 89, 1.0, 0.37), AgeBand(90, 99, 0.6, 0.28),
)  # fmt: skip

DEATH_WINDOW_DAYS = 3 * 365
"""Deaths are those of the last three years: partners still hold the records of people who died recently."""
MOVED_HOUSE_SHARE = 0.12
"""Households that moved in the last three years (English Housing Survey: about 1 in 10 move each year)."""
MOVED_DISTRICT_SHARE = 0.45
"""Of moves, the share to another postcode district (and so, usually, another GP practice)."""
RECENT_MARRIAGE_SHARE = 0.15
"""Of married couples where the younger is 22-50, the share married in the last three years (a changed surname)."""
TWIN_FAMILY_SHARE = 0.03
"""Families whose children include twins (about 1.5% of maternities are multiple)."""
JOHN_SMITH_SHARE = 0.2
"""Adult men of Smith households named John, making the very common name cluster that linkage must not merge."""
UNREGISTERED_SHARE = 0.012
"""People not registered with any GP practice (new arrivals, some students)."""
MIDDLE_NAME_SHARE = 0.55


def _annual_mortality(age: int) -> float:
    """Gompertz fit to England's life tables: about 1 in 1,000 a year at 40, 1 in 25 at 80, 1 in 8 at 95."""
    return min(0.5, math.exp(-10.2 + 0.09 * age))


@dataclass(frozen=True, slots=True)
class Person:
    """A real person of the city, as the truth knows them; partners each hold their own imperfect copy."""

    index: int
    person_id: str
    nhs_number: str
    sex: str  # "M" or "F"
    given_name: str
    middle_name: str | None
    family_name: str
    former_family_name: str | None  # before a recent marriage: sources not yet updated still hold it
    birth_date: dt.date
    death_date: dt.date | None
    address: Address
    previous_address: Address | None  # before a recent move
    moved_on: dt.date | None
    practice: str | None
    previous_practice: str | None  # before a move that changed practice: it keeps a deregistered record
    heritage: Heritage
    ethnicity: str
    household: int
    twin: bool
    care_home: str | None  # the care home's code when the person lives in one

    @property
    def age(self) -> int:
        """Age on the city date, or at death."""
        on = self.death_date or CITY_DATE
        return on.year - self.birth_date.year - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))


@dataclass
class _Plan:
    kind: str  # family, couple, sharers, single, care_home
    members: list[tuple[int, str]] = field(default_factory=list)  # (slot, role)
    care_home: int | None = None


class _NhsNumbers:
    """Unique valid 999-range numbers in a scrambled order: an affine walk over the six free digits."""

    def __init__(self, rng: random.Random) -> None:
        self._step = rng.choice((370_261, 513_347, 771_409, 123_457, 654_323))
        self._offset = rng.randrange(1_000_000)
        self._i = 0

    def next(self) -> str:
        while True:
            body = (self._offset + self._step * self._i) % 1_000_000
            self._i += 1
            first_nine = f"999{body:06d}"
            check = nhs_check_digit(first_nine)
            if check is not None:
                return f"{first_nine}{check}"


class _Pools:
    """The people not yet placed in a household, by sex and age, for finding a partner or parent of a given age."""

    def __init__(self, ages: list[int], sexes: list[str], rng: random.Random) -> None:
        self.placed = bytearray(len(ages))
        self._by_key: dict[tuple[str, int], list[int]] = {}
        order = list(range(len(ages)))
        rng.shuffle(order)
        for slot in order:
            self._by_key.setdefault((sexes[slot], ages[slot]), []).append(slot)

    def take(self, sexes: tuple[str, ...], target: int, low: int, high: int, spread: int) -> int | None:
        for distance in range(spread + 1):
            for age in (target - distance, target + distance) if distance else (target,):
                if low <= age <= high:
                    for sex in sexes:
                        slot = self._pop((sex, age))
                        if slot is not None:
                            return slot
        return None

    def _pop(self, key: tuple[str, int]) -> int | None:
        bucket = self._by_key.get(key)
        while bucket:
            slot = bucket.pop()
            if not self.placed[slot]:
                self.placed[slot] = 1
                return slot
        return None


_BOTH = ("F", "M")


def _sample_pyramid(rng: random.Random, people: int) -> tuple[list[int], list[str]]:
    bands = rng.choices(AGE_BANDS, cum_weights=list(accumulate(b.percent for b in AGE_BANDS)), k=people)
    ages = [rng.randint(b.low, b.high) for b in bands]
    sexes = ["M" if rng.random() < b.male_share else "F" for b in bands]
    return ages, sexes


def _plan_households(rng: random.Random, ages: list[int], sexes: list[str]) -> tuple[list[_Plan], dict[int, int]]:
    pools = _Pools(ages, sexes, rng)
    plans: list[_Plan] = []
    twins: dict[int, int] = {}
    children = [s for s in range(len(ages)) if ages[s] < 18]
    rng.shuffle(children)
    for first in children:
        if pools.placed[first]:
            continue
        pools.placed[first] = 1
        kids = [first]
        for _ in range(rng.choices((0, 1, 2, 3), (45, 40, 12, 3))[0]):
            sibling = pools.take(_BOTH, ages[first] + rng.randint(-5, 5), 0, 17, 4)
            if sibling is not None:
                kids.append(sibling)
        if rng.random() < TWIN_FAMILY_SHARE:
            twin = pools.take(_BOTH, ages[first], 0, 17, 17)
            if twin is not None:
                ages[twin] = ages[first]
                twins[twin] = first
                kids.append(twin)
        oldest = max(ages[k] for k in kids)
        parents: list[int] = []
        mother = pools.take(("F",), oldest + rng.randint(24, 36), oldest + 16, oldest + 50, 15)
        if mother is not None:
            parents.append(mother)
            if rng.random() < 0.72:
                father = pools.take(("M",), ages[mother] + rng.randint(-1, 4), 18, ages[mother] + 15, 8)
                if father is not None:
                    parents.append(father)
        else:
            carer = pools.take(_BOTH, oldest + 30, 18, 110, 110)
            if carer is not None:
                parents.append(carer)
        if not parents and plans:  # no adult left (a tiny city): the children join the last family
            plans[-1].members.extend((k, "child") for k in kids)
            continue
        plans.append(_Plan("family", [(p, "parent") for p in parents] + [(k, "child") for k in kids]))

    adults = [s for s in range(len(ages)) if not pools.placed[s]]
    rng.shuffle(adults)
    for slot in adults:
        if pools.placed[slot]:
            continue
        pools.placed[slot] = 1
        age = ages[slot]
        if age >= 75 and rng.random() < (0.12 if age >= 85 else 0.03):
            plans.append(_Plan("care_home", [(slot, "resident")], rng.randrange(len(CARE_HOMES))))
        elif age <= 24 and rng.random() < 0.45:
            plan = _Plan("sharers", [(slot, "sharer")])
            for _ in range(rng.randint(1, 4)):
                mate = pools.take(_BOTH if rng.random() < 0.5 else _BOTH[::-1], age, 18, 29, 6)
                if mate is not None:
                    plan.members.append((mate, "sharer"))
            plans.append(plan)
        elif rng.random() < _couple_share(age):
            other = "M" if sexes[slot] == "F" else "F"
            partner_sex = sexes[slot] if rng.random() < 0.04 else other
            target = age + (2 if sexes[slot] == "M" else -2) * (partner_sex != sexes[slot])
            partner = pools.take((partner_sex,), target, max(18, age - 15), age + 15, 10)
            if partner is None:
                plans.append(_Plan("single", [(slot, "single")]))
            else:
                plans.append(_Plan("couple", [(slot, "partner"), (partner, "partner")]))
        else:
            plans.append(_Plan("single", [(slot, "single")]))
    rng.shuffle(plans)
    return plans, twins


def _couple_share(age: int) -> float:
    if age < 25:
        return 0.25
    if age < 35:
        return 0.55
    if age < 80:
        return 0.65
    return 0.35


class _PersonFactory:
    """Turns planned households into people with names, birth dates, addresses and GP practices."""

    def __init__(self, rng: random.Random, ages: list[int], sexes: list[str], twins: dict[int, int]) -> None:
        self._rng = rng
        self._ages = ages
        self._sexes = sexes
        self._twins = twins
        self._born: dict[int, dt.date] = {}
        self._nhs = _NhsNumbers(rng)
        self._addresses = AddressBook(rng)
        self._next_index = 0
        self._british_surnames = [s for s, _ in BRITISH_SURNAMES]
        self._british_weights = list(accumulate(w for _, w in BRITISH_SURNAMES))
        self._heritages = [h for h, _ in HERITAGE_SHARES]
        self._heritage_weights = list(accumulate(w for _, w in HERITAGE_SHARES))
        self._districts = [d for d, _ in DISTRICTS]

    def household(self, number: int, plan: _Plan) -> tuple[Person, ...]:
        rng = self._rng
        heritage = self._heritage()
        surnames = self._surnames(plan, heritage)
        previous: Address | None = None
        moved_on: dt.date | None = None
        if plan.care_home is not None:
            home = CARE_HOMES[plan.care_home]
            address = Address(home.address_line, home.postcode, home.postcode.split()[0])
        else:
            district = self._district(plan.kind)
            address = self._addresses.new_address(district)
            if rng.random() < MOVED_HOUSE_SHARE:
                before = rng.choice(self._districts) if rng.random() < MOVED_DISTRICT_SHARE else district
                previous = self._addresses.new_address(before)
                moved_on = CITY_DATE - dt.timedelta(days=rng.randint(20, DEATH_WINDOW_DAYS))
        people = []
        for slot, role in plan.members:
            own_heritage = heritage if role != "sharer" else self._heritage()
            family, former = surnames.get(slot, (self._surname(own_heritage), None))
            people.append(
                self._person(slot, number, own_heritage, family, former, address, previous, moved_on, plan.care_home)
            )
        return tuple(people)

    def _person(
        self,
        slot: int,
        household: int,
        heritage: Heritage,
        family: str,
        former: str | None,
        address: Address,
        previous: Address | None,
        moved_on: dt.date | None,
        care_home: int | None,
    ) -> Person:
        rng = self._rng
        age, sex = self._ages[slot], self._sexes[slot]
        death_date = None
        if rng.random() < 1 - (1 - _annual_mortality(age)) ** 3:
            death_date = CITY_DATE - dt.timedelta(days=rng.randint(1, DEATH_WINDOW_DAYS))
        twin_of = self._twins.get(slot)
        if twin_of is not None and twin_of in self._born:
            birth_date = self._born[twin_of]
        else:
            birth_date = _birth_date(rng, age, death_date or CITY_DATE)
        self._born[slot] = birth_date
        if death_date is not None and moved_on is not None and moved_on > death_date:
            address, previous, moved_on = previous or address, None, None
        given = self._given(heritage, sex, birth_date.year)
        if family == "Smith" and sex == "M" and age >= 18 and rng.random() < JOHN_SMITH_SHARE:
            given = "John"
        middle = self._given(heritage, sex, birth_date.year) if rng.random() < MIDDLE_NAME_SHARE else None
        practice = PRACTICE_FOR_DISTRICT[address.district]
        previous_practice = PRACTICE_FOR_DISTRICT[previous.district] if previous else None
        unregistered = rng.random() < (UNREGISTERED_SHARE * (3 if 18 <= age <= 30 else 0.5))
        self._next_index += 1
        return Person(
            index=self._next_index - 1,
            person_id=f"P{self._next_index:07d}",
            nhs_number=self._nhs.next(),
            sex=sex,
            given_name=given,
            middle_name=middle if middle != given else None,
            family_name=family,
            former_family_name=former,
            birth_date=birth_date,
            death_date=death_date,
            address=address,
            previous_address=previous,
            moved_on=moved_on,
            practice=None if unregistered else practice,
            previous_practice=None if unregistered or previous_practice == practice else previous_practice,
            heritage=heritage,
            ethnicity=self._ethnicity(heritage),
            household=household,
            twin=twin_of is not None or slot in self._twins.values(),
            care_home=CARE_HOMES[care_home].code if care_home is not None else None,
        )

    def _surnames(self, plan: _Plan, heritage: Heritage) -> dict[int, tuple[str, str | None]]:
        """Who shares a surname: married couples (with a former surname when the marriage is recent) and children."""
        rng = self._rng
        adults = [slot for slot, role in plan.members if role in ("parent", "partner")]
        kids = [slot for slot, role in plan.members if role == "child"]
        if not adults:
            return {}
        names: dict[int, tuple[str, str | None]] = {}
        household_name = self._surname(heritage)
        names[adults[0]] = (household_name, None)
        if len(adults) == 2:
            first, second = adults
            opposite = self._sexes[first] != self._sexes[second]
            married = opposite and rng.random() < (0.75 if kids else 0.65)
            wife = first if self._sexes[first] == "F" else second
            husband = second if wife == first else first
            if married:
                names[husband] = (household_name, None)
                younger = min(self._ages[first], self._ages[second])
                recent = 22 <= younger <= 50 and rng.random() < RECENT_MARRIAGE_SHARE
                names[wife] = (household_name, self._surname(heritage) if recent else None)
            else:
                names[second] = (self._surname(heritage), None)
            kids_name = household_name if married or rng.random() < 0.7 else names[wife][0]
        else:
            kids_name = household_name if rng.random() < 0.85 else self._surname(heritage)
        for kid in kids:
            names[kid] = (kids_name, None)
        return names

    def _heritage(self) -> Heritage:
        return self._rng.choices(self._heritages, cum_weights=self._heritage_weights)[0]

    def _surname(self, heritage: Heritage) -> str:
        other = OTHER_HERITAGES.get(heritage)
        if other is not None:
            return self._rng.choice(other.surnames)
        return self._rng.choices(self._british_surnames, cum_weights=self._british_weights)[0]

    def _given(self, heritage: Heritage, sex: str, birth_year: int) -> str:
        other = OTHER_HERITAGES.get(heritage)
        if other is not None:
            return self._rng.choice(other.female if sex == "F" else other.male)
        eras = BRITISH_FEMALE_BY_ERA if sex == "F" else BRITISH_MALE_BY_ERA
        names = next(names for start, names in reversed(eras) if birth_year >= start)
        return self._rng.choice(names)

    def _ethnicity(self, heritage: Heritage) -> str:
        other = OTHER_HERITAGES.get(heritage)
        return self._rng.choice(other.ethnicities) if other else BRITISH_ETHNICITIES[heritage]

    def _district(self, kind: str) -> str:
        if kind == "sharers" and self._rng.random() < 0.7:
            return self._rng.choice(("BS6", "BS7", "BS8", "BS5", "BS2"))
        return self._rng.choice(self._districts)


def _birth_date(rng: random.Random, age: int, on: dt.date) -> dt.date:
    """A birth date that makes the person exactly `age` on the given day."""
    latest = _years_before(on, age)
    earliest = _years_before(on, age + 1) + dt.timedelta(days=1)
    return earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def iter_households(people: int, seed: int) -> Iterator[tuple[Person, ...]]:
    """Every household of the city in order, each with its people; deterministic for (people, seed)."""
    rng = random.Random(seed)
    ages, sexes = _sample_pyramid(rng, people)
    plans, twins = _plan_households(rng, ages, sexes)
    factory = _PersonFactory(rng, ages, sexes, twins)
    for number, plan in enumerate(plans):
        yield factory.household(number, plan)
