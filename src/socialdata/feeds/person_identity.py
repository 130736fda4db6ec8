"""A person's identifiers as received, checked: what fails validation is kept raw, flagged and never used to link."""

from __future__ import annotations

import datetime as dt

from socialdata.feeds.rows import PersonRow
from socialdata.identity import DateProblem, check_nhs_number, parse_date, parse_postcode


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def person_row(
    *,
    source_id: str,
    nhs_number: str | None,
    verification: str | None,
    given_name: str | None,
    other_given_names: str | None,
    family_name: str | None,
    birth_date: str | None,
    sex: str | None,
    address: str | None,
    postcode: str | None,
    death_date: str | None,
    practice: str | None,
) -> PersonRow:
    """Builds the source_person row; `nhs_number`, `birth_date` and `postcode` are set only when they are valid."""
    flags: list[str] = []
    nhs_raw = _blank_to_none(nhs_number)
    nhs = check_nhs_number(nhs_raw)
    if nhs.problem:
        flags.append(f"nhs_number: {nhs.problem}")
    birth_raw = _blank_to_none(birth_date)
    born = parse_date(birth_raw)
    if isinstance(born, DateProblem):
        flags.append(f"birth_date: {born.message}")
        born = None
    postcode_raw = _blank_to_none(postcode)
    parsed_postcode = parse_postcode(postcode_raw)
    if postcode_raw and parsed_postcode is None:
        flags.append(f"postcode: '{postcode_raw}' is not shaped like a UK postcode")
    died = _death_date(_blank_to_none(death_date), born, flags)
    return {
        "source_id": source_id,
        "nhs_number_raw": nhs_raw,
        "nhs_number": nhs.normalised,
        "nhs_number_status": nhs.status.value,
        "nhs_verification": _blank_to_none(verification),
        "given_name": _blank_to_none(given_name),
        "other_given_names": _blank_to_none(other_given_names),
        "family_name": _blank_to_none(family_name),
        "birth_date_raw": birth_raw,
        "birth_date": born,
        "sex": _blank_to_none(sex),
        "address": _blank_to_none(address),
        "postcode_raw": postcode_raw,
        "postcode": str(parsed_postcode) if parsed_postcode else None,
        "death_date": died,
        "registered_practice": _blank_to_none(practice),
        "identity_flags": flags,
    }


def _death_date(raw: str | None, born: dt.date | None, flags: list[str]) -> dt.date | None:
    died = parse_date(raw)
    if isinstance(died, DateProblem):
        flags.append(f"death_date: {died.message}")
        return None
    if died is not None and born is not None and died < born:
        flags.append(f"death_date: {died.isoformat()} is before the birth date {born.isoformat()}")
        return None
    return died
