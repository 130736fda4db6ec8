"""Finding a person for direct care: by NHS number, or by family name with date of birth — strict on purpose, so
the search cannot be used to browse. Answers carry demographics only, never the record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.errors import UserError
from socialdata.identity import DateProblem, NhsNumberStatus, check_nhs_number, normalise_name, parse_date
from socialdata.store.models import PersonLink, SourcePerson

MAX_MATCHES = 20


@dataclass(frozen=True)
class PersonQuery:
    """A valid search: an NHS number, or a family name and a date of birth (a given name narrows it)."""

    nhs_number: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    birth_date: dt.date | None = None

    @property
    def by(self) -> str:
        return "nhs_number" if self.nhs_number else "name_and_birth_date"

    @classmethod
    def parse(
        cls,
        *,
        nhs_number: str | None = None,
        family_name: str | None = None,
        given_name: str | None = None,
        birth_date: str | None = None,
    ) -> PersonQuery:
        """From what a person typed, or a UserError naming the field that is wrong."""
        if nhs_number and nhs_number.strip():
            check = check_nhs_number(nhs_number)
            if check.status != NhsNumberStatus.VALID:
                raise UserError(f"the NHS number {check.problem}", where="nhs_number")
            return cls(nhs_number=check.normalised)
        family = normalise_name(family_name)
        if family is None:
            raise UserError("give an NHS number, or a family name with a date of birth", where="family_name")
        born = parse_date(birth_date)
        if born is None:
            raise UserError("a search by name needs the date of birth too", where="birth_date")
        if isinstance(born, DateProblem):
            raise UserError(f"the date of birth {born.message}", where="birth_date")
        return cls(family_name=family, given_name=normalise_name(given_name), birth_date=born)


@dataclass(frozen=True)
class PersonMatch:
    """Enough to tell people apart on a results page, and the person id to open the record with."""

    person_id: str
    nhs_number: str | None
    given_name: str | None
    family_name: str | None
    birth_date: dt.date | None
    sex: str | None
    postcode: str | None


def _matching_sources(session: Session, query: PersonQuery) -> list[tuple[str, SourcePerson]]:
    base = select(PersonLink.person_id, SourcePerson).join(PersonLink, PersonLink.source_person_id == SourcePerson.id)
    if query.nhs_number is not None:
        return [(pid, sp) for pid, sp in session.execute(base.where(SourcePerson.nhs_number == query.nhs_number))]
    rows = session.execute(base.where(SourcePerson.birth_date == query.birth_date)).all()
    return [
        (pid, sp)
        for pid, sp in rows
        if normalise_name(sp.family_name) == query.family_name
        and (query.given_name is None or (normalise_name(sp.given_name) or "").startswith(query.given_name))
    ]


def find_people(session: Session, query: PersonQuery) -> list[PersonMatch]:
    """One match per person (their record with an NHS number preferred), at most MAX_MATCHES, by person id."""
    best: dict[str, SourcePerson] = {}
    for person_id, source in _matching_sources(session, query):
        held = best.get(person_id)
        if held is None or (held.nhs_number is None and source.nhs_number is not None):
            best[person_id] = source
    return [
        PersonMatch(
            person_id=person_id,
            nhs_number=sp.nhs_number,
            given_name=sp.given_name,
            family_name=sp.family_name,
            birth_date=sp.birth_date,
            sex=sp.sex,
            postcode=sp.postcode,
        )
        for person_id, sp in sorted(best.items())[:MAX_MATCHES]
    ]
