"""The synthetic city's people and source records: structure, identifiers, noise, determinism, the nickname table."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from socialdata.identity.nhs_number import NhsNumberStatus, check_nhs_number
from socialdata.identity.nicknames import NICKNAMES, are_nickname_variants, canonical_forms, nicknames_of
from socialdata.synth import SourcePersonRecord, generate_source_people
from socialdata.synth.noise import Noise, mistype_nhs_number
from socialdata.synth.population import Person, iter_households
from socialdata.synth.source_records import iter_sourced_people

CITY = 10_000


@pytest.fixture(scope="module")
def people() -> list[Person]:
    return [person for household in iter_households(CITY, 1) for person in household]


@pytest.fixture(scope="module")
def records() -> list[SourcePersonRecord]:
    return list(generate_source_people(CITY, 1))


def test_age_and_sex_structure_is_a_uk_citys(people: list[Person]) -> None:
    ages = [p.age for p in people]
    share = lambda test: sum(1 for a in ages if test(a)) / len(ages)  # noqa: E731
    assert 0.15 < share(lambda a: a < 18) < 0.28
    assert 0.10 < share(lambda a: a >= 65) < 0.22
    assert 0.20 < share(lambda a: 20 <= a < 35) < 0.40  # a city's young-adult bulge
    assert 0.48 < sum(p.sex == "F" for p in people) / len(people) < 0.54
    oldest = Counter(p.sex for p in people if p.age >= 85)
    assert oldest["F"] > oldest["M"]
    assert all(0 <= a < 110 for a in ages)


def test_households_share_addresses_and_twins_share_what_they_should(people: list[Person]) -> None:
    households: dict[int, list[Person]] = defaultdict(list)
    for person in people:
        households[person.household].append(person)
    assert sum(1 for h in households.values() if len(h) > 1) > len(households) / 3
    for members in households.values():
        assert len({m.address for m in members if not m.death_date}) <= 1
    twins = [p for p in people if p.twin]
    assert twins
    for twin in twins:
        siblings = [
            m for m in households[twin.household] if m is not twin and m.twin and m.birth_date == twin.birth_date
        ]
        assert siblings, twin.person_id
        assert all(s.family_name == twin.family_name and s.address == twin.address for s in siblings)
        assert all(s.practice == twin.practice for s in siblings if s.practice and twin.practice)


def test_every_person_has_their_own_valid_999_nhs_number(people: list[Person]) -> None:
    numbers = [p.nhs_number for p in people]
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith("999") and check_nhs_number(n).status is NhsNumberStatus.VALID for n in numbers)


def test_nhs_numbers_in_the_feeds_are_valid_unless_deliberately_mistyped(
    people: list[Person], records: list[SourcePersonRecord]
) -> None:
    truth = {p.person_id: p.nhs_number for p in people}
    for record in records:
        if record.nhs_number_raw is None:
            assert Noise.NHS_MISSING in record.noise
            continue
        compact = record.nhs_number_raw.replace(" ", "")
        assert compact.startswith("999") and len(compact) == 10
        status = check_nhs_number(compact).status
        if Noise.NHS_MISTYPED in record.noise:
            assert status is NhsNumberStatus.INVALID
            continue
        assert status is NhsNumberStatus.VALID
        if Noise.NHS_MISTYPED_VALID in record.noise or Noise.SHARED_NHS_NUMBER in record.noise:
            assert compact != truth[record.person_id]
        else:
            assert compact == truth[record.person_id]


def test_mistyped_nhs_numbers_fail_the_check_digit_except_the_documented_share() -> None:
    import random

    rng = random.Random(5)
    kinds = Counter()
    for _ in range(2_000):
        typed, kind = mistype_nhs_number(rng, "9990001235")
        kinds[kind] += 1
        valid = check_nhs_number(typed).status is NhsNumberStatus.VALID
        assert valid == (kind is Noise.NHS_MISTYPED_VALID)
        assert typed.startswith("999") and typed != "9990001235"
    assert 0.05 < kinds[Noise.NHS_MISTYPED_VALID] / 2_000 < 0.15


def test_every_kind_of_noise_and_hard_case_occurs(records: list[SourcePersonRecord]) -> None:
    seen = {kind for record in records for kind in record.noise}
    assert seen == {str(kind) for kind in Noise}
    shared = [r for r in records if Noise.SHARED_NHS_NUMBER in r.noise]
    owners = {r.nhs_number_raw: r.person_id for r in records if not r.noise}
    assert any(owners.get(r.nhs_number_raw, r.person_id) != r.person_id for r in shared)


def test_noise_rates_are_realistic(records: list[SourcePersonRecord]) -> None:
    by_org = defaultdict(list)
    for record in records:
        by_org[record.organisation_id if not record.organisation_id.startswith("Y9") else "GP"].append(record)
    council_with_nhs = sum(r.nhs_number_raw is not None for r in by_org["LA900"]) / len(by_org["LA900"])
    assert 0.6 < council_with_nhs < 0.8
    hospital_with_nhs = sum(r.nhs_number_raw is not None for r in by_org["RZZ"]) / len(by_org["RZZ"])
    assert hospital_with_nhs > 0.9
    johns = {r.person_id for r in records if Noise.COMMON_NAME in r.noise}
    assert len(johns) >= 10
    typos = sum(Noise.NAME_TYPO in r.noise for r in records) / len(records)
    assert 0.003 < typos < 0.05


def test_who_each_partner_knows(people: list[Person], records: list[SourcePersonRecord]) -> None:
    age = {p.person_id: p.age for p in people}
    hospital = {r.person_id for r in records if r.organisation_id == "RZZ"}
    council = {r.person_id for r in records if r.organisation_id == "LA900"}
    assert 0.3 < len(hospital) / len(people) < 0.5
    old = [p for p in age if age[p] >= 70]
    young = [p for p in age if age[p] < 40]
    assert sum(p in hospital for p in old) / len(old) > sum(p in hospital for p in young) / len(young)
    adults = [p for p in age if age[p] >= 18]
    assert 0.03 < len(council) / len(adults) < 0.08
    assert sum(age[p] >= 65 for p in council) > len(council) / 2
    duplicated = Counter(r.person_id for r in records if r.organisation_id == "RZZ")
    assert any(n > 1 for n in duplicated.values())
    movers = [p for p in people if p.previous_practice]
    assert movers
    for mover in movers[:50]:
        practices = [r for r in records if r.person_id == mover.person_id and r.organisation_id.startswith("Y9")]
        assert {r.organisation_id for r in practices} == {mover.practice, mover.previous_practice}


def test_a_citys_share_of_the_trusts_beds_is_in_hospital_now(
    people: list[Person], records: list[SourcePersonRecord]
) -> None:
    sourced = list(iter_sourced_people(CITY, 1))
    assert [record for one in sourced for record in one.records] == records  # the same city, whichever way asked
    stays = [one for one in sourced if one.stay is not None]
    admitted = [one for one in stays if one.stay is not None and one.stay.admitted]
    assert 0.0008 * CITY <= len(admitted) <= 0.0025 * CITY  # with the history's recent admissions, ~0.18%
    assert 0 < len(stays) - len(admitted) <= 0.001 * CITY  # a few in A&E
    assert all(one.person.death_date is None for one in stays)
    assert all(any(r.organisation_id == "RZZ" for r in one.records) for one in stays)
    mean_age = sum(p.age for p in people) / len(people)
    assert sum(one.person.age for one in admitted) / len(admitted) > mean_age + 15  # mostly older people


@pytest.mark.parametrize("size", [10, 60, 300])
def test_even_a_small_city_has_someone_in_hospital(size: int) -> None:
    stays = [one.stay for one in iter_sourced_people(size, 7) if one.stay is not None]
    assert any(stay.admitted for stay in stays)


def test_source_records_are_deterministic_for_a_seed() -> None:
    first = list(generate_source_people(500, 11))
    assert first == list(generate_source_people(500, 11))
    assert first != list(generate_source_people(500, 12))
    assert len({(r.organisation_id, r.source_id) for r in first}) == len(first)


def test_a_city_needs_a_sensible_size() -> None:
    from socialdata.errors import UserError

    with pytest.raises(UserError, match="between 1 and"):
        list(generate_source_people(0, 1))
    with pytest.raises(UserError, match="between 1 and"):
        list(generate_source_people(10_000_000, 1))


def test_nickname_table() -> None:
    assert len(NICKNAMES) >= 140
    assert "BILL" in nicknames_of("William")
    assert "PEGGY" in nicknames_of("margaret")
    assert canonical_forms("Alex") == {"ALEXANDER", "ALEXANDRA"}
    assert canonical_forms("William") == {"WILLIAM"}
    assert are_nickname_variants("Peggy", "Maggie")
    assert are_nickname_variants("bill", "WILLIAM")
    assert are_nickname_variants("Jon", "John")
    assert not are_nickname_variants("Bill", "Bob")
    assert not are_nickname_variants("", "Bob")
    assert not are_nickname_variants("Susan", "Sarah")
